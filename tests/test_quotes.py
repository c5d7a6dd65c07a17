"""Quotes as words: a figure read from a table or an API row is said in a sentence built from the
row, in the report, `figures disputes` and the disputes frame; its JSON stays in the provenance."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from figures.models import Estimate, Observation, Provenance, Snapshot
from figures.query import disputes
from figures.quotes import in_words, is_row
from figures.store import Store

IOM_ROW = {"operation": "Displacement due to Conflict in Ukraine", "admin0Pcode": "UKR",
           "reportingDate": "2022-04-01T00:00:00", "roundNumber": 1, "numPresentIdpInd": 6477723}


@pytest.mark.parametrize(("quote", "kwargs", "said"), [
    (json.dumps(IOM_ROW), {"publisher": "IOM DTM", "title": "General Population Survey", "metric": "idps",
                           "low": 6477723, "best": 6477723, "high": 6477723, "as_of": "2022-04-01"},
     "IOM DTM, General Population Survey, round 1: 6,477,723 IDPs (1 April 2022)"),
    ('{"year":2024,"coo_iso":"SDN","coa_iso":"TCD","coa_name":"Chad","refugees":1109357}',
     {"publisher": "UNHCR", "metric": "refugees", "low": 1109357, "best": 1109357, "high": 1109357,
      "as_of": date(2024, 12, 31)},
     "UNHCR: 1,109,357 refugees in Chad (31 December 2024)"),
    ('{"Date": "2022-03-31", "Civilian casualities(OHCHR) - Killed": "1232"}',
     {"publisher": "OCHA", "title": "Ukraine key figures 2022", "metric": "killed", "group": "civilians",
      "low": 1232, "best": 1232, "high": None, "as_of": "2022-03-30"},
     "OCHA, Ukraine key figures 2022: at least 1,232 civilians killed (30 March 2022)"),
    ('{"id":176412,"adm_1":"West Bank","low":2,"best":2,"high":5}',
     {"publisher": "UCDP", "metric": "killed", "low": 2, "best": 3, "high": 5, "as_of": "2002-04-03"},
     "UCDP: 2 to 5 (best 3) killed in West Bank (3 April 2002)"),
    ("Inside Ukraine, another 6.5 million people have been displaced internally",
     {"publisher": "UNHCR", "metric": "idps", "low": 6500000, "best": 6500000, "high": 6500000,
      "as_of": "2022-03-24"},
     "Inside Ukraine, another 6.5 million people have been displaced internally"),
    ("{braces} in a sentence are words", {"publisher": "X", "metric": "killed", "low": 1, "best": 1, "high": 1,
                                          "as_of": "2022-03-24"}, "{braces} in a sentence are words"),
])
def test_a_row_is_said_in_words_and_words_stay_words(quote: str, kwargs: dict, said: str) -> None:
    assert in_words(quote, **kwargs) == said
    assert is_row(quote) == quote.startswith('{"')


def _obs(source: str, publisher: str, low: int, high: int, quote: str, snap: Snapshot) -> Observation:
    return Observation(metric="idps", group="all", area="UKR", as_of=date(2022, 4, 1), modality="reported",
                       estimate=Estimate(low=low, best=low, high=high, text=f"{low:,}"),
                       provenance=Provenance(source_id=source, publisher=publisher, url=snap.url,
                                             retrieved_at=snap.retrieved_at, snapshot_sha256=snap.sha256,
                                             locator="$.result[0]", quote=quote, adapter="test",
                                             adapter_version="1"))


def test_the_disputes_frame_says_a_table_row_in_words_and_keeps_its_json(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'q.sqlite'}")
    for source, publisher, low, high, quote in (
            ("iom", "IOM DTM", 6_477_723, 6_477_723, json.dumps(IOM_ROW)),
            ("other", "Other Agency", 9_000_000, 9_500_000, "about 9 to 9.5 million people are displaced")):
        snap = Snapshot(source_id=source, url=f"https://example.org/{source}", content=source.encode(),
                        retrieved_at=datetime(2022, 4, 2, tzinfo=UTC))
        store.add(snap, [_obs(source, publisher, low, high, quote, snap)])
    found = disputes("idps", area="UKR", db=store, sources=tmp_path / "absent.yaml")
    assert len(found) == 1
    row = found.iloc[0]
    assert row["said_a"] == "IOM DTM, round 1: 6,477,723 IDPs (1 April 2022)"
    assert json.loads(row["quote_a"]) == IOM_ROW  # the row itself stays, for provenance
    assert row["said_b"] == row["quote_b"] == "about 9 to 9.5 million people are displaced"
