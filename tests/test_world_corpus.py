"""The generalisation corpus (`tests/corpus/world/`): its shape, its split, and floors under the
extractor's scores on both parts, so that a change that reads other crises worse fails.

The floors sit a little under the figures `benchmarks/README.md` reports; they are never raised by
changing a rule for a test-part passage (the test part is frozen: read its scores, not its mistakes).
"""

from __future__ import annotations

import pytest

from corpus import world_check
from corpus.score_world import crises, passages, score_part

CRISES = world_check.load()


def test_every_passage_is_well_formed() -> None:
    assert world_check.problems(CRISES) == []


def test_the_corpus_is_real_passages_from_many_crises() -> None:
    total = sum(len(c["passages"]) for c in CRISES)
    assert total >= 300 and len(CRISES) >= 30
    tests = [c for c in CRISES if c["part"] == "test"]
    assert 3 * len(tests) >= len(CRISES)  # the frozen part: at least a third of the crises
    assert all(p["url"].startswith("http") and p["published"] for c in CRISES for p in c["passages"])


def test_the_split_is_by_crisis() -> None:
    test_areas = {c["crisis"] for c in CRISES if c["part"] == "test"}
    tune_areas = {c["crisis"] for c in CRISES if c["part"] == "tune"}
    assert not test_areas & tune_areas
    ids = [p["id"] for part in ("test", "tune") for p in passages(part)]
    assert len(ids) == len(set(ids))


#: (part, measure) -> floor. Measured figures are in benchmarks/README.md.
FLOORS = {
    ("test", "precision"): 0.86, ("test", "recall"): 0.73, ("test", "area"): 0.82,
    ("tune", "precision"): 0.81, ("tune", "recall"): 0.70, ("tune", "area"): 0.78,
}


@pytest.mark.parametrize("part", ["test", "tune"])
def test_extraction_on_crises_it_was_not_written_for_stays_above_its_floor(part: str) -> None:
    assert crises(part) > 0
    result = score_part(part)
    got = {"precision": result.precision, "recall": result.recall, "area": result.accuracy("area")}
    low = {m: got[m] for (p, m), floor in FLOORS.items() if p == part and got[m] < floor}
    assert not low, f"{part} part below its floor: {low}"
