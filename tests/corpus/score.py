"""Score `figures.extract` on the labelled passages: precision and recall of claims, field accuracy.

A predicted claim matches a labelled one when their figure spans overlap; it is correct when the
metric and the range (low, best, high) are both right. Field accuracy (group, modality, scope,
place, as_of) is measured on the correct claims. Run `python -m tests.corpus.score` for a report.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from figures.claims import extract

PASSAGES = Path(__file__).with_name("passages.yaml")
FIELDS = ("group", "modality", "scope", "place", "as_of")


def load() -> list[dict[str, Any]]:
    """The labelled passages."""
    return yaml.safe_load(PASSAGES.read_text(encoding="utf-8"))


def label_span(text: str, claim: dict[str, Any]) -> tuple[int, int]:
    """Where a labelled figure stands in its passage (its `occurrence`, 1-based, when repeated)."""
    start = -1
    for _ in range(int(claim.get("occurrence", 1))):
        start = text.index(claim["figure"], start + 1)
    return start, start + len(claim["figure"])


#: Words naming the kind of place after its name ("Herat province", "Pazi Gyi village"): the same place
#: with or without them.
PLACE_KINDS = ("province", "region", "district", "village", "neighbourhood", "neighborhood", "city", "town",
               "state", "governorate", "county", "municipality", "oblast", "department", "area", "camp")


def _norm(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in ("place", "attributed_to"):
        said = str(value).strip().lower().removeprefix("the ")
        if name == "place":
            said = re.sub(r"^[a-z .-]+['\u2019]s\s+", "", said)  # "syria's mediterranean coast"
            words = said.split()
            while len(words) > 1 and words[-1] in PLACE_KINDS:
                words.pop()
            said = " ".join(words)
        return said
    return str(value)


@dataclass
class Score:
    """Counts over the corpus, and the mistakes, for a report."""

    predicted: int = 0
    labelled: int = 0
    correct: int = 0
    fields: Counter = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    extras: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    field_errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.labelled if self.labelled else 0.0

    def accuracy(self, name: str) -> float:
        return self.fields[name] / self.correct if self.correct else 0.0


def score(passages: list[dict[str, Any]] | None = None, fields: tuple[str, ...] = FIELDS) -> Score:
    """Run extract over every passage and compare with the labels (`fields`: those measured on
    the correct claims; the world corpus adds `area` and `attributed_to`)."""
    result = Score()
    for p in passages or load():
        text = p["text"]
        found = extract(text, published=p["published"])
        labels = [(label_span(text, c), c) for c in p["claims"]]
        result.predicted += len(found)
        result.labelled += len(labels)
        used: set[int] = set()
        for o in found:
            s, e = (int(x) for x in o.provenance.locator.removeprefix("chars ").split("-"))
            hit = next((k for k, ((ls, le), _) in enumerate(labels) if k not in used and s < le and ls < e), None)
            if hit is None:
                result.extras.append(f"{p['id']}: extra {o.metric} {o.estimate.text!r} "
                                     f"({o.estimate.low}, {o.estimate.best}, {o.estimate.high})")
                continue
            used.add(hit)
            label = labels[hit][1]
            got = (o.metric, o.estimate.low, o.estimate.best, o.estimate.high)
            want = (label["metric"], label["low"], label["best"], label["high"])
            if got != want:
                result.wrong.append(f"{p['id']}: {label['figure']!r} got {got} want {want}")
                continue
            result.correct += 1
            values = {"group": o.group, "modality": o.modality, "scope": o.scope, "place": o.place,
                      "as_of": o.as_of.isoformat(), "area": o.area, "attributed_to": o.provenance.attributed_to}
            for name in fields:
                if _norm(name, values[name]) == _norm(name, label[name]):
                    result.fields[name] += 1
                else:
                    result.field_errors.append(f"{p['id']}: {label['figure']!r} {name} got {values[name]!r} "
                                               f"want {label[name]!r}")
        for k, ((_, _), label) in enumerate(labels):
            if k not in used:
                result.misses.append(f"{p['id']}: missed {label['metric']} {label['figure']!r}")
    return result


def report(result: Score, detail: bool = True, fields: tuple[str, ...] = FIELDS) -> str:
    lines = [f"claims: {result.labelled} labelled, {result.predicted} predicted, {result.correct} correct",
             f"precision {result.precision:.3f}  recall {result.recall:.3f}"]
    lines += [f"{name:13s} {result.accuracy(name):.3f}" for name in fields]
    if detail:
        for title, items in (("wrong", result.wrong), ("missed", result.misses), ("extra", result.extras),
                             ("fields", result.field_errors)):
            lines.append(f"--- {title} ({len(items)})")
            lines.extend(items)
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(score(), detail="--brief" not in sys.argv))
