"""Load and check the generalisation corpus in `tests/corpus/world/` (one YAML file per crisis).

Checks structure only, never the extractor: each passage's fields, each claim's `figure` found in
its text, the range its `rule` gives (NORMALISATION.md arithmetic), and the split (`part`: `test`,
the frozen part never tuned on, or `tune`). Run `python -m tests.corpus.world_check` for a summary;
it exits 1 and names the file, passage and claim of each problem.
"""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import yaml

WORLD = Path(__file__).with_name("world")
METRICS = {"killed", "injured", "casualties", "missing", "refugees", "idps", "displaced"}
GROUPS = {"civilians", "military", "children", "all"}
KINDS = {"wire", "un", "ngo", "government", "local", "broadcaster", "other"}
EXCERPTS = {"verbatim-excerpt", "figure-clauses"}
VAGUE = {"vague:couple": (2, 3), "vague:few": (2, 5), "vague:several": (3, 9), "vague:tens": (10, 99),
         "vague:dozens": (12, 99), "vague:scores": (20, 99), "vague:hundreds": (100, 999),
         "vague:thousands": (1000, 9999), "vague:tens-of-thousands": (10_000, 99_999),
         "vague:hundreds-of-thousands": (100_000, 999_999), "vague:millions": (1_000_000, 9_999_999),
         "vague:tens-of-millions": (10_000_000, 99_999_999)}
PASSAGE_KEYS = {"id", "url", "publisher", "published", "source_kind", "excerpt", "licence_note", "text", "claims"}
CLAIM_KEYS = {"figure", "metric", "group", "low", "best", "high", "rule", "modality", "scope", "area", "place",
              "as_of", "attributed_to"}


def load() -> list[dict[str, Any]]:
    """Every crisis file, each with its `file` name added."""
    out = []
    for path in sorted(WORLD.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        doc["file"] = path.name
        out.append(doc)
    return out


def _down(x: int) -> int:
    """floor(0.9 X) in whole numbers (floating point gives 1.1 * 1500 = 1650.0000000000002)."""
    return 9 * x // 10


def _up(x: int) -> int:
    """ceil(1.1 X) in whole numbers."""
    return -(-11 * x // 10)


def _range_problem(c: dict[str, Any]) -> str | None:
    low, best, high, rule = c.get("low"), c.get("best"), c.get("high"), c.get("rule")
    if not isinstance(low, int) or low < 0:
        return f"low {low!r} is not a whole number >= 0"
    if rule == "exact":
        return None if low == best == high else "exact needs low == best == high"
    if rule == "about":
        if best is None:
            return "about needs a best"
        if (low, high) != (_down(best), _up(best)) and best != 12:
            return f"about {best}: low/high should be {_down(best)}/{_up(best)}"
        return None
    if rule == "nearly":
        if best is not None or not isinstance(high, int):
            return "nearly: best None, high X-1"
        x = high + 1
        return None if low == _down(x) else f"nearly {x}: low should be {_down(x)}"
    if rule == "just-over":
        return None if best is None and isinstance(high, int) and high == _up(low - 1) else \
            "just-over X: X+1 / None / ceil(1.1X)"
    if rule in ("more-than", "at-least"):
        return None if best is None and high is None else f"{rule}: best and high are None"
    if rule in ("up-to", "fewer-than"):
        return None if low == 0 and best is None and isinstance(high, int) else f"{rule}: 0 / None / X"
    if rule == "range":
        return None if best is None and isinstance(high, int) and low < high else "range: X / None / Y, X < Y"
    if rule in VAGUE:
        lo, hi = VAGUE[rule]
        unit_ok = high is not None and (high + 1) % (hi + 1) == 0 and low % lo == 0
        return None if best is None and ((low, high) == (lo, hi) or unit_ok or high is None) else \
            f"{rule}: {lo} / None / {hi} (or times a unit)"
    return f"unknown rule {rule!r}"


def problems(crises: list[dict[str, Any]] | None = None) -> list[str]:
    """Every problem in the corpus, each naming its file, passage and claim."""
    found: list[str] = []
    ids: Counter[str] = Counter()
    for crisis in crises if crises is not None else load():
        where = crisis["file"]
        for key in ("crisis", "kind", "part", "passages"):
            if key not in crisis:
                found.append(f"{where}: no {key!r}")
        if crisis.get("part") not in ("test", "tune"):
            found.append(f"{where}: part is {crisis.get('part')!r}, not 'test' or 'tune'")
        for p in crisis.get("passages") or []:
            pid = p.get("id", "?")
            ids[pid] += 1
            at = f"{where}, passage {pid}"
            missing = PASSAGE_KEYS - set(p)
            if missing:
                found.append(f"{at}: missing {sorted(missing)}")
                continue
            if not isinstance(p["published"], date):
                found.append(f"{at}: published {p['published']!r} is not a YYYY-MM-DD date")
            if not str(p["url"]).startswith(("http://", "https://")):
                found.append(f"{at}: url {p['url']!r}")
            if p["source_kind"] not in KINDS:
                found.append(f"{at}: source_kind {p['source_kind']!r} not in {sorted(KINDS)}")
            if p["excerpt"] not in EXCERPTS:
                found.append(f"{at}: excerpt {p['excerpt']!r} not in {sorted(EXCERPTS)}")
            text = p["text"]
            for i, c in enumerate(p["claims"] or [], 1):
                cat = f"{at}, claim {i} ({c.get('figure')!r})"
                if set(c) - CLAIM_KEYS - {"occurrence", "note"} or CLAIM_KEYS - set(c):
                    found.append(f"{cat}: keys {sorted(set(c))}, want {sorted(CLAIM_KEYS)} (+ occurrence, note)")
                    continue
                n = text.count(c["figure"])
                if n < int(c.get("occurrence", 1)):
                    found.append(f"{cat}: figure occurs {n} times in the text")
                if c["metric"] not in METRICS:
                    found.append(f"{cat}: metric {c['metric']!r}")
                if c["group"] not in GROUPS:
                    found.append(f"{cat}: group {c['group']!r}")
                if c["modality"] not in ("reported", "projection") or c["scope"] not in ("cumulative", "incident"):
                    found.append(f"{cat}: modality/scope {c['modality']!r}/{c['scope']!r}")
                if not (isinstance(c["area"], str) and len(c["area"]) == 3 and c["area"].isupper()):
                    found.append(f"{cat}: area {c['area']!r} is not an ISO3 code")
                if not isinstance(c["as_of"], date):
                    found.append(f"{cat}: as_of {c['as_of']!r} is not a date")
                if bad := _range_problem(c):
                    found.append(f"{cat}: {bad}")
    found += [f"passage id {pid!r} is used {n} times" for pid, n in ids.items() if n > 1]
    return found


def summary(crises: list[dict[str, Any]]) -> str:
    rows = []
    for part in ("test", "tune"):
        mine = [c for c in crises if c.get("part") == part]
        passages = sum(len(c.get("passages") or []) for c in mine)
        claims = sum(len(p.get("claims") or []) for c in mine for p in c.get("passages") or [])
        rows.append(f"{part}: {len(mine)} crises, {passages} passages, {claims} claims")
    return "\n".join(rows)


if __name__ == "__main__":
    corpus = load()
    print(summary(corpus))
    bad = problems(corpus)
    print("\n".join(bad) or "no problems")
    sys.exit(1 if bad else 0)
