"""Normaliser and extractor benchmark: `parse_estimate` against quantulum3, `extract` throughput,
memory against input size, and time against input size on pathological inputs.

Run: `python benchmarks/bench_normaliser.py [--quick] [--json PATH] [--profile]`
(quantulum3 comes with `pip install '.[bench]'`; without it that comparison is skipped).

Sections, all in one run and on the same inputs:
- `parse_estimate` and quantulum3's `parser.parse` over every text of
  `tests/corpus/expressions.py` EXPRESSIONS: microseconds per expression, the speed ratio,
  and how often quantulum3's first value agrees with ours (informational);
- `extract` and `find_claims` over a >= 5 MiB news-like corpus built from the labelled
  passages of `tests/corpus/passages.yaml` (shuffled, figures varied, mixed 2:1 with filler
  paragraphs that state no figure): text per second on one core, in MB (10^6 bytes, the target's
  unit) and MiB, by the wall clock and by the process's CPU time (steadier on a shared machine);
- peak memory (tracemalloc) of `find_claims` consumed without keeping its results, and of
  `extract` (which returns a list), over 1, 2, 4 and 8 MiB inputs; the input string is built
  before tracing starts, so the peak is memory beyond the input itself;
- time per character of `parse_estimate` and `extract` on pathological inputs of 1k to 16k
  characters; t(16k) / t(1k) above 32 is flagged as super-linear (linear is 16).

Speed is measured here, never asserted in tests. MiB is 2**20 bytes of UTF-8.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import json
import platform
import pstats
import random
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from figures.claims import extract, find_claims  # noqa: E402
from figures.quantities import parse_estimate  # noqa: E402
from tests.corpus.expressions import EXPRESSIONS  # noqa: E402

MIB = 2**20
PUBLISHED = "2024-06-01"
SEED = 20261126

# --- timing helpers -------------------------------------------------------------------------


def runs(fn: Callable[[], Any], repeat: int, cpu: list[float] | None = None) -> list[float]:
    """Wall times of `fn()` over `repeat` runs, in seconds (garbage collected between runs); the
    process's CPU times go to `cpu` when given (on a shared machine they vary less)."""
    out = []
    for _ in range(repeat):
        gc.collect()
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
        if cpu is not None:
            cpu.append(time.process_time() - c0)
    return out


# --- 1. parse_estimate against quantulum3 -----------------------------------------------------


def _ours_all(texts: list[str]) -> None:
    for t in texts:
        with contextlib.suppress(ValueError):
            parse_estimate(t)


def _quantulum() -> Any | None:
    try:
        with warnings.catch_warnings():
            # without scikit-learn quantulum3 warns that its unit classifier is off; it then
            # disambiguates units with its rule-based fallback, which is all a count needs
            warnings.simplefilter("ignore")
            from quantulum3 import parser as qparser
    except ImportError:
        return None
    return qparser


def _quantulum_all(qparser: Any, texts: list[str]) -> None:
    for t in texts:
        with contextlib.suppress(Exception):  # should quantulum3 raise on an input, its time still counts
            qparser.parse(t)


def bench_parsers(repeat: int) -> dict[str, Any]:
    texts = [row[0] for row in EXPRESSIONS]
    n = len(texts)
    out: dict[str, Any] = {"expressions": n, "repeat": repeat}

    t0 = time.perf_counter()
    _ours_all(texts)  # warm-up (regex compilation, caches)
    out["ours_first_pass_s"] = time.perf_counter() - t0
    ours = runs(lambda: _ours_all(texts), repeat)
    out["ours_us_median"] = statistics.median(ours) / n * 1e6
    out["ours_us_best"] = min(ours) / n * 1e6

    qparser = _quantulum()
    if qparser is None:
        out["quantulum3"] = "not installed (pip install '.[bench]')"
        return out
    import quantulum3

    out["quantulum3_version"] = quantulum3.__version__
    t0 = time.perf_counter()
    qparser.parse("1")  # loads its unit and entity tables (about a second)
    out["quantulum_load_s"] = time.perf_counter() - t0
    _quantulum_all(qparser, texts)  # warm-up
    theirs = runs(lambda: _quantulum_all(qparser, texts), repeat)
    out["quantulum_us_median"] = statistics.median(theirs) / n * 1e6
    out["quantulum_us_best"] = min(theirs) / n * 1e6
    out["speedup_median"] = out["quantulum_us_median"] / out["ours_us_median"]
    out["speedup_best"] = out["quantulum_us_best"] / out["ours_us_best"]

    # agreement: quantulum3's first value against our best (our low for a range or a bound),
    # and against the hand label of the corpus (same rule)
    agree_ours = agree_label = ours_label = none_found = 0
    examples: list[tuple[str, Any, Any]] = []
    for text, low, best, _high, _rule, _origin in EXPRESSIONS:
        label = best if best is not None else low
        try:
            est = parse_estimate(text)
            mine: int | None = est.best if est.best is not None else est.low
        except ValueError:
            mine = None
        try:
            found = qparser.parse(text)
        except Exception:  # noqa: BLE001
            found = []
        q = found[0].value if found else None
        none_found += q is None
        agree_ours += q is not None and mine is not None and q == mine
        agree_label += q is not None and q == label
        ours_label += mine == label
        if q != mine and len(examples) < 12:
            examples.append((text, mine, q))
    out["agree_with_ours"] = agree_ours / n
    out["quantulum_agrees_with_label"] = agree_label / n
    out["ours_agrees_with_label"] = ours_label / n
    out["quantulum_found_nothing"] = none_found
    out["disagreement_examples"] = examples
    return out


# --- 2. the news-like corpus ------------------------------------------------------------------

#: Sentences of the kind that surround figures in news copy. They state no figure; some carry
#: words that open the extractor's number check ("one of", "a few", "several", "half") without
#: stating a count, as real copy does.
FILLER = [
    "The talks resumed on Tuesday after a pause of several days, diplomats said.",
    "Officials in the capital declined to comment on the report.",
    "The ministry said it was reviewing the situation and would issue a statement later.",
    "Aid agencies have repeatedly warned that access to the area remains severely restricted.",
    "Heavy rain overnight turned the roads leading to the border into mud.",
    "Residents described long queues for bread and fuel in the city centre.",
    "The spokesperson said the organisation was scaling up its response.",
    "Negotiators met behind closed doors, and no joint statement was released.",
    "Local media reported explosions near the airport late in the evening.",
    "The government has called for an independent investigation.",
    "Humanitarian convoys were again turned back at the checkpoint, according to witnesses.",
    "The announcement came as foreign ministers gathered for an emergency meeting.",
    "Shops reopened briefly in the morning before the curfew was reimposed.",
    "The agency said its staff on the ground were working around the clock.",
    "Critics say the measures do little to address the underlying causes of the crisis.",
    "It was one of the heaviest bombardments of the war so far, residents said.",
    "Electricity was cut across large parts of the region for a few hours.",
    "The situation remains fluid, and the picture may change quickly, an official said.",
    "Hospitals in the area are running short of medicine and fuel for generators.",
    "The president is expected to address the nation later this week.",
    "Families sheltered in schools and mosques as the fighting moved closer.",
    "Donors pledged further support at a conference in the capital.",
    "Half of the village was left without running water, a local official said.",
    "The bridge, a vital supply route, was damaged in the strikes.",
    "Journalists have been unable to verify the claims independently.",
    "Talks on a ceasefire have stalled, according to people familiar with the matter.",
    "The United Nations called on all parties to protect civilians and civilian infrastructure.",
    "Several aid workers were among those evacuated, the charity said.",
    "Prices of basic goods have risen sharply since the start of the year.",
    "Schools remained closed, and teachers said they did not know when classes would resume.",
    "The army said it had pushed back an attack on the outskirts of the town.",
    "Volunteers handed out blankets and hot meals at the railway station.",
    "The opposition accused the government of failing to prepare for the winter.",
    "A senior commander was dismissed after the setback, state media reported.",
    "Satellite images appear to show widespread damage to homes and farmland.",
    "The border crossing reopened in the afternoon after a brief closure.",
    "Relief officials warned that the rainy season would make roads impassable.",
    "The foreign ministry summoned the ambassador to protest against the attacks.",
    "Witnesses said the market was crowded when the shells landed.",
    "The mayor urged residents to stay indoors and follow official channels for updates.",
]

_VARY = re.compile(r"\b\d{1,3}(?:,\d{3})+\b|\b\d{3,}\b")


def _vary_figures(text: str, k: int) -> str:
    """Shift every digit of the larger numerals by k (mod 10); leave years, days and small counts."""
    if k == 0:
        return text

    def shift(m: re.Match[str]) -> str:
        s = m.group(0)
        if re.fullmatch(r"(?:19|20)\d\d", s):
            return s
        out = "".join(str((int(c) + k) % 10) if c.isdigit() else c for c in s)
        return "1" + out[1:] if out[0] == "0" else out

    return _VARY.sub(shift, text)


def passages() -> list[str]:
    data = yaml.safe_load((ROOT / "tests" / "corpus" / "passages.yaml").read_text(encoding="utf-8"))
    return [p["text"].strip() for p in data]


def filler_paragraph(rng: random.Random) -> str:
    return " ".join(rng.sample(FILLER, rng.randint(3, 5)))


def build_corpus(min_bytes: int, *, html: bool = False, seed: int = SEED) -> tuple[str, dict[str, int]]:
    """At least `min_bytes` of news-like text: rounds of the shuffled passages, figures varied per
    round, each passage followed by two filler paragraphs, paragraphs separated by blank lines."""
    rng = random.Random(seed)
    texts = passages()
    paras: list[str] = []
    size = 0
    rounds = n_pass = n_fill = 0
    while size < min_bytes:
        order = texts[:]
        rng.shuffle(order)
        for text in order:
            block = [_vary_figures(text, rounds % 10)] + [filler_paragraph(rng) for _ in range(2)]
            n_pass += 1
            n_fill += 2
            for p in block:
                paras.append(f"<p>{p}</p>" if html else p)
                size += len(p.encode("utf-8")) + 2
            if size >= min_bytes:
                break
        rounds += 1
    corpus = "\n\n".join(paras)
    if html:
        corpus = "<html><body>\n" + corpus + "\n</body></html>"
    return corpus, {"bytes": len(corpus.encode("utf-8")), "passage_paragraphs": n_pass,
                    "filler_paragraphs": n_fill, "rounds": rounds}


def bench_extract(size_mib: float, repeat: int) -> dict[str, Any]:
    corpus, stats = build_corpus(int(size_mib * MIB))
    mib = stats["bytes"] / MIB
    filler_claims = sum(1 for _ in find_claims("\n\n".join(FILLER), published=PUBLISHED))
    out: dict[str, Any] = {"corpus": stats, "mib": mib, "repeat": repeat, "filler_claims": filler_claims}
    found: list[Any] = []

    def run_extract() -> None:
        found[:] = extract(corpus, published=PUBLISHED)

    def run_find() -> None:
        for _ in find_claims(corpus, published=PUBLISHED):
            pass

    mb = stats["bytes"] / 1e6
    for name, fn in (("extract", run_extract), ("find_claims", run_find)):
        cpu: list[float] = []
        t = runs(fn, repeat, cpu)
        if name == "extract":
            out["observations"] = len(found)
            found.clear()
        out[f"{name}_s"] = statistics.median(t)
        out[f"{name}_mib_s"] = mib / statistics.median(t)
        out[f"{name}_mb_s"] = mb / statistics.median(t)
        out[f"{name}_cpu_s"] = statistics.median(cpu)
        out[f"{name}_cpu_mb_s"] = mb / statistics.median(cpu)
    return out


# --- 3. memory against input size -------------------------------------------------------------


def _peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def bench_memory(sizes: list[float]) -> list[dict[str, Any]]:
    rows = []
    for size in sizes:
        for kind in ("plain", "html"):
            corpus, stats = build_corpus(int(size * MIB), html=kind == "html")
            row: dict[str, Any] = {"mib": size, "kind": kind, "input_bytes": stats["bytes"]}

            def stream(c: str = corpus) -> None:
                for _ in find_claims(c, published=PUBLISHED):
                    pass

            row["find_claims_peak_bytes"] = _peak(stream)
            if kind == "plain":
                row["extract_peak_bytes"] = _peak(partial(extract, corpus, published=PUBLISHED))
            rows.append(row)
            del corpus
    return rows


# --- 4. time against input size on pathological inputs ---------------------------------------


def _random_unicode(n: int, rng: random.Random) -> str:
    ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x600, 0x6FF), (0x2000, 0x206F),
              (0x4E00, 0x4FFF), (0x1F300, 0x1F5FF)]
    out = []
    for _ in range(n):
        lo, hi = rng.choice(ranges)
        out.append(chr(rng.randint(lo, hi)) if rng.random() > 0.05 else rng.choice(" \n.,"))
    return "".join(out)


def _repeat_to(unit: str, n: int) -> str:
    return (unit * (n // len(unit) + 1))[:n]


def _no_full_stop(n: int) -> str:
    words = re.sub(r"[.!?\n]", " ", " ".join(passages()))
    return _repeat_to(" ".join(words.split()) + " ", n)


PATHOLOGICAL: dict[str, Callable[[int], str]] = {
    "digits only": lambda n: "".join(str(i % 10) for i in range(n)),
    "punctuation only": lambda n: _repeat_to(".,;:!?-()[]'\"/", n),
    "'hundreds of thousands of ' x k": lambda n: _repeat_to("hundreds of thousands of ", n),
    "'1,000,000,' x k": lambda n: _repeat_to("1,000,000,", n),
    "random unicode": lambda n: _random_unicode(n, random.Random(SEED + n)),
    "one sentence, no full stop": _no_full_stop,
}


def _safe(fn: Callable[[str], Any]) -> Callable[[str], None]:
    def call(text: str) -> None:
        with contextlib.suppress(ValueError):
            fn(text)

    return call


def bench_scaling(sizes: list[int], repeat: int) -> list[dict[str, Any]]:
    funcs = {"parse_estimate": _safe(parse_estimate),
             "extract": _safe(lambda t: extract(t, published=PUBLISHED))}
    rows = []
    for name, make in PATHOLOGICAL.items():
        inputs = {n: make(n) for n in sizes}
        for fname, fn in funcs.items():
            times = {n: min(runs(partial(fn, inputs[n]), repeat)) for n in sizes}
            ratio = times[sizes[-1]] / times[sizes[0]] if times[sizes[0]] > 0 else float("inf")
            rows.append({"input": name, "function": fname,
                         "us_per_char": {n: times[n] / n * 1e6 for n in sizes},
                         "seconds": times, "ratio": ratio,
                         "super_linear": ratio > 2 * sizes[-1] / sizes[0]})
    return rows


# --- 5. profile --------------------------------------------------------------------------------


def profile_extract(size_mib: float, top: int = 15) -> str:
    corpus, _ = build_corpus(int(size_mib * MIB))
    prof = cProfile.Profile()
    prof.enable()
    extract(corpus, published=PUBLISHED)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs()
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return buf.getvalue()


# --- report ------------------------------------------------------------------------------------


def _revision() -> str:
    """The commit measured, and whether figures/ had uncommitted changes."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "figures"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + (" with uncommitted changes in figures/" if dirty else "")


def _mb(b: float) -> str:
    return f"{b / MIB:.1f} MiB" if b >= MIB else f"{b / 1024:.0f} KiB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller inputs and fewer repeats (about a minute)")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    ap.add_argument("--profile", action="store_true", help="cProfile extract over 1 MiB: top 15 functions")
    ap.add_argument("--only", choices=["parsers", "extract", "memory", "scaling"], action="append",
                    help="run only these sections (repeatable)")
    args = ap.parse_args()
    quick = args.quick
    want = set(args.only or ["parsers", "extract", "memory", "scaling"])
    results: dict[str, Any] = {
        "python": sys.version.split()[0], "platform": platform.platform(), "date": date.today().isoformat(),
        "quick": quick, "revision": _revision(),
    }
    print(f"python {results['python']} on {results['platform']}, figures at {results['revision']}"
          f"{' (quick run)' if quick else ''}")

    if "parsers" in want:
        r = results["parsers"] = bench_parsers(repeat=2 if quick else 7)
        print(f"\n## parse_estimate vs quantulum3: {r['expressions']} expressions, median of {r['repeat']}")
        print("| parser | us / expression (median) | us / expression (best) |")
        print("|---|---|---|")
        print(f"| figures parse_estimate | {r['ours_us_median']:.1f} | {r['ours_us_best']:.1f} |")
        if "quantulum_us_median" in r:
            print(f"| quantulum3 {r['quantulum3_version']} parser.parse | {r['quantulum_us_median']:.1f} "
                  f"| {r['quantulum_us_best']:.1f} |")
            print(f"speed ratio (quantulum3 / ours): {r['speedup_median']:.1f}x median, {r['speedup_best']:.1f}x best "
                  f"(target >= 50x: {'met' if r['speedup_median'] >= 50 else 'MISSED'})")
            print(f"quantulum3 first value == our best (or low): {r['agree_with_ours']:.0%}; "
                  f"== hand label: {r['quantulum_agrees_with_label']:.0%}; ours == hand label: "
                  f"{r['ours_agrees_with_label']:.0%}; quantulum3 found nothing in {r['quantulum_found_nothing']}")
            print("  e.g. " + "; ".join(f"{t!r}: ours {m}, quantulum3 {q}"
                                        for t, m, q in r["disagreement_examples"][:6]))
        else:
            print(f"quantulum3: {r['quantulum3']}")

    if "extract" in want:
        r = results["extract"] = bench_extract(1.0 if quick else 5.0, repeat=1 if quick else 3)
        c = r["corpus"]
        print(f"\n## extract throughput: {r['mib']:.2f} MiB corpus ({c['passage_paragraphs']} passage + "
              f"{c['filler_paragraphs']} filler paragraphs, {c['rounds']} rounds), median of {r['repeat']}")
        print("| function | seconds | MiB/s | MB/s | CPU seconds | MB/s of CPU | claims |")
        print("|---|---|---|---|---|---|---|")
        for name, label, claims in (("extract", "extract", f"{r['observations']:,}"),
                                    ("find_claims", "find_claims (consumed)", "")):
            print(f"| {label} | {r[name + '_s']:.2f} | {r[name + '_mib_s']:.2f} | {r[name + '_mb_s']:.2f} "
                  f"| {r[name + '_cpu_s']:.2f} | {r[name + '_cpu_mb_s']:.2f} | {claims} |")
        print(f"target >= 2 MB/s (10^6 bytes), wall clock: {'met' if r['extract_mb_s'] >= 2 else 'MISSED'}; "
              f"claims found in the filler alone: {r['filler_claims']} (should be 0)")

    if "memory" in want:
        rows = results["memory"] = bench_memory([0.25, 0.5, 1, 2] if quick else [1, 2, 4, 8])
        print("\n## peak memory beyond the input string (tracemalloc)")
        print("| input | bytes | find_claims, consumed | extract (returns a list) |")
        print("|---|---|---|---|")
        for row in rows:
            ext = _mb(row["extract_peak_bytes"]) if "extract_peak_bytes" in row else "-"
            print(f"| {row['mib']:g} MiB {row['kind']} | {row['input_bytes']:,} | {_mb(row['find_claims_peak_bytes'])} "
                  f"| {ext} |")

    if "scaling" in want:
        sizes = [1000, 2000, 4000, 8000, 16000]
        rows = results["scaling"] = bench_scaling(sizes, repeat=2 if quick else 5)
        print("\n## time per character on pathological inputs (best of runs); linear: t(16k)/t(1k) = 16")
        print("| input | function | " + " | ".join(f"{n // 1000}k us/char" for n in sizes) + " | t(16k)/t(1k) |")
        print("|---|---|" + "---|" * len(sizes) + "---|")
        for row in rows:
            flag = " SUPER-LINEAR" if row["super_linear"] else ""
            print(f"| {row['input']} | {row['function']} | "
                  + " | ".join(f"{row['us_per_char'][n]:.2f}" for n in sizes) + f" | {row['ratio']:.1f}{flag} |")

    if args.profile:
        text = results["profile"] = profile_extract(1.0)
        print("\n## cProfile of extract over 1 MiB\n" + text)

    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
        print(f"\nwrote {args.json}")


if __name__ == "__main__":
    main()
