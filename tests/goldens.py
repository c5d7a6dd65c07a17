"""Golden files: the parse of each recorded input, as CSV, checked in beside the tests.

An adapter's test parses each snapshot its manifest lists and hands the observations to
`match_golden`, which writes them as CSV (`observations_csv`: one row each, in parse order) and
compares that with tests/expected/<adapter module>/<snapshot stem>.csv, so a parser change shows as a
readable diff (conftest.py has pytest rewrite this module's asserts, as it does a test's):

    match_golden(parsed.observations, golden_path("ohchr", entry["file"]))

Regenerating: after a deliberate change, run the adapter's tests with FIGURES_REGEN_GOLDEN=1, then
review the diff and commit it:

    FIGURES_REGEN_GOLDEN=1 python -m pytest tests/test_ohchr.py
    git diff tests/expected/

With the variable set to 1 (read when this module is imported), each golden test writes its file and
skips, so a regenerating run never passes by comparing a file with itself; otherwise it compares, and
a missing golden file fails with the command that writes it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import httpx
import pytest

from figures.models import Observation

TESTS = Path(__file__).resolve().parent
EXPECTED = TESTS / "expected"
OFFLINE = TESTS.parent / "figures" / "data" / "offline"
REGENERATE = os.environ.get("FIGURES_REGEN_GOLDEN") == "1"

GOLDEN_COLUMNS = ["metric", "group", "area", "place", "record_id", "as_of", "period_start", "period_end", "scope",
                  "modality", "low", "best", "high", "text", "rule", "locator", "quote"]


def observations_csv(found: list[Observation]) -> str:
    """Observations as the golden CSV: one row each, in parse order, None as an empty cell."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(GOLDEN_COLUMNS)
    for o in found:
        e, p = o.estimate, o.provenance
        values = [o.metric, o.group, o.area, o.place, o.record_id, o.as_of, o.period_start, o.period_end, o.scope,
                  o.modality, e.low, e.best, e.high, e.text, e.rule, p.locator, p.quote]
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v for v in values])
    return out.getvalue()


def offline_manifest(adapter: str) -> list[dict[str, str]]:
    """An adapter's own offline snapshots: figures/data/offline/manifest-<adapter module>.json."""
    entries: list[dict[str, str]] = json.loads((OFFLINE / f"manifest-{adapter}.json").read_text(encoding="utf-8"))
    return entries


def entry_stem(entry: Mapping[str, str]) -> str:
    """A manifest entry's file name without its suffix: the golden file's name and the test id."""
    return Path(entry["file"]).stem


def same_request(a: str, b: str) -> bool:
    """Two URLs ask for the same thing (host, path and query parameters in any order)."""
    ua, ub = httpx.URL(a), httpx.URL(b)
    return (ua.host, ua.path, sorted(ua.params.multi_items())) == (ub.host, ub.path, sorted(ub.params.multi_items()))


def golden_path(adapter: str, recorded: str) -> Path:
    """The golden file of a recorded input: tests/expected/<adapter module>/<its stem>.csv."""
    return EXPECTED / adapter / f"{Path(recorded).stem}.csv"


def golden_stems(adapter: str) -> list[str]:
    """The names (without .csv) of an adapter's golden files, sorted."""
    return sorted(p.stem for p in (EXPECTED / adapter).glob("*.csv"))


def match_golden(found: list[Observation], golden: Path) -> None:
    """Assert that `found`, as CSV, is the golden file; with FIGURES_REGEN_GOLDEN=1 write it and skip."""
    __tracebackhide__ = True  # failures and skips are reported at the test's line
    actual = observations_csv(found)
    if REGENERATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, encoding="utf-8")
        pytest.skip(f"regenerated {golden.relative_to(TESTS.parent)}; review the diff and commit it")
    test_file = os.environ.get("PYTEST_CURRENT_TEST", "tests/").split("::")[0]
    assert golden.is_file(), f"{golden} is missing; run FIGURES_REGEN_GOLDEN=1 python -m pytest {test_file}"
    assert actual == golden.read_text(encoding="utf-8")
