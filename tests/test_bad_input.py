"""Bad input from a source: every message names the source, the snapshot and the field, and
nothing half-read is stored.

The broken bodies are the project-written offline UNHCR response (figures/data/offline/) with
one thing wrong, of the kinds seen from live portals: a cut-off download, a maintenance page
served with status 200, a record with a missing or non-numeric count.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from figures.config import SourceConfig, SourcesFile
from figures.errors import ParseError
from figures.http import build_client
from figures.models import Snapshot
from figures.pipeline import update, update_source
from figures.sources import unhcr_odp
from figures.store import Store

OFFLINE = Path(__file__).resolve().parents[1] / "figures" / "data" / "offline"
TIMESERIES = (OFFLINE / "unhcr_timeseries_sv54_pg5457_2022-04-26.json").read_bytes()
SUBLOCATION = (OFFLINE / "unhcr_sublocation_sv54_pg5459-5460_2022-04-26.json").read_bytes()
HTML_PAGE = (b"<!DOCTYPE html>\n<html><head><title>Service temporarily unavailable</title></head>\n"
             b"<body><h1>The portal is under maintenance</h1><p>Please try again later.</p></body></html>\n")


def with_record(body: bytes, index: int, change: Callable[[dict[str, Any]], None]) -> bytes:
    """The timeseries body with record `index` changed in place."""
    document = json.loads(body)
    change(document["data"]["timeseries"][index])
    return json.dumps(document, indent=1).encode()


def prefix(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:12]


def parse(source: SourceConfig, body: bytes) -> Any:
    params = unhcr_odp.Params.model_validate(source.params)
    snapshot = Snapshot(source_id=source.id, url=unhcr_odp.request_url(params),
                        retrieved_at=datetime(2022, 6, 15, 9, tzinfo=UTC), content=body)
    return unhcr_odp.parse(snapshot, source, params)


def serving(body: bytes, status: int = 200, content_type: str = "application/json") -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"Content-Type": content_type,
                                                             "Date": "Wed, 15 Jun 2022 09:00:00 GMT"})
    return build_client(transport=httpx.MockTransport(handler), sleep=lambda s: None)


# --- a snapshot that cannot be read at all ----------------------------------------------------

CUT_AFTER_A_NUMBER = TIMESERIES[: TIMESERIES.index(b"100968") + 6]
WHOLE_SNAPSHOT_FAILURES = {
    # name: (body, words the message must contain besides source and snapshot)
    "truncated-json": (CUT_AFTER_A_NUMBER, ["truncated JSON", "line", "column"]),
    "truncated-between-records": (TIMESERIES[: TIMESERIES.index(b"},", 200) + 2], ["truncated JSON"]),
    "empty-body": (b"", ["empty response"]),
    "garbage": (b"Service Unavailable - Zero size object\r\n", ["not valid JSON", "line 1 column 1"]),
    "html-with-200": (HTML_PAGE, ["HTML or XML page instead of JSON", "data.unhcr.org/population/get/timeseries"]),
    "latin-1-bytes": ('{"data": {"timeseries": [{"data_date": "2022-02-24", "individuals": 79982, '
                      '"note": "Türkiye"}]}}'.encode("latin-1"), ["not UTF-8"]),
    "no-data": (json.dumps({"situation_view_id": "54", "currentSeries": 1}).encode(), ["field 'data'"]),
    "no-timeseries": (json.dumps({"data": {"series": []}}).encode(), ["field 'data.timeseries'"]),
    "timeseries-not-a-list": (json.dumps({"data": {"timeseries": {"2022-02-24": 79982}}}).encode(),
                              ["field 'data.timeseries'", "expected a list, found dict"]),
    "top-level-list": (b"[]", ["field 'data'"]),
    "null": (b"null", ["field 'data'"]),
}


@pytest.mark.parametrize("case", sorted(WHOLE_SNAPSHOT_FAILURES))
def test_unreadable_snapshot_names_source_snapshot_and_field(case: str, sources_file: SourcesFile) -> None:
    body, words = WHOLE_SNAPSHOT_FAILURES[case]
    with pytest.raises(ParseError) as caught:
        parse(sources_file.get("unhcr-ukraine-crossings"), body)
    message = str(caught.value)
    assert "source 'unhcr-ukraine-crossings'" in message
    assert f"snapshot {prefix(body)}" in message
    for word in words:
        assert word in message
    assert "nothing from this snapshot was stored" in message
    assert caught.value.source_id == "unhcr-ukraine-crossings"
    assert caught.value.snapshot == hashlib.sha256(body).hexdigest()


def test_missing_data_names_the_field_for_sublocation_too(sources_file: SourcesFile) -> None:
    body = json.dumps({"situation_view_id": "54"}).encode()
    with pytest.raises(ParseError) as caught:
        parse(sources_file.get("unhcr-ukraine-by-country"), body)
    assert caught.value.field == "data"
    assert "source 'unhcr-ukraine-by-country'" in str(caught.value)
    assert f"snapshot {prefix(body)}" in str(caught.value)


def test_a_body_cut_inside_a_string_is_reported_as_truncated(sources_file: SourcesFile) -> None:
    body = TIMESERIES[: TIMESERIES.index(b'"2022-03-01"') + 6]  # ends with '"2022-'
    with pytest.raises(ParseError, match="truncated JSON"):
        parse(sources_file.get("unhcr-ukraine-crossings"), body)


def test_the_portals_origin_response_is_not_a_timeseries(shared_fixtures: Path, sources_file: SourcesFile) -> None:
    # a real response of the portal's other shape (per-origin records, Uganda 2024) sent to a timeseries source
    body = (shared_fixtures / "unhcr_odp" / "origin_geo220_pc429_2024.json").read_bytes()
    with pytest.raises(ParseError) as caught:
        parse(sources_file.get("unhcr-ukraine-crossings"), body)
    assert caught.value.field == "data.timeseries"
    assert f"snapshot {prefix(body)}" in str(caught.value)


@pytest.mark.parametrize("case", ["truncated-json", "garbage", "html-with-200", "no-data"])
def test_unreadable_snapshot_stores_nothing(case: str, offline_store: Store, sources_file: SourcesFile) -> None:
    body, _ = WHOLE_SNAPSHOT_FAILURES[case]
    before_count, before_rows = offline_store.count(), offline_store.rows()
    with serving(body) as client:
        outcome = update_source(offline_store, client, sources_file.get("unhcr-ukraine-crossings"))
    assert outcome.status == "failed"
    assert outcome.added == 0 and outcome.snapshots == 0
    assert outcome.error is not None
    assert "source 'unhcr-ukraine-crossings'" in outcome.error
    assert f"snapshot {prefix(body)}" in outcome.error
    assert offline_store.count() == before_count
    assert offline_store.rows() == before_rows
    assert offline_store.last_runs()["unhcr-ukraine-crossings"]["status"] == "failed"


# --- a record that cannot be read -------------------------------------------------------------

BAD_RECORDS: dict[str, tuple[Callable[[dict[str, Any]], None], list[str]]] = {
    "missing-individuals": (lambda r: r.pop("individuals"), ["field 'individuals' is missing"]),
    "missing-data-date": (lambda r: r.pop("data_date"), ["field 'data_date' is missing"]),
    "negative-count": (lambda r: r.update(individuals=-5), ["individuals is negative (-5)"]),
    "negative-count-as-text": (lambda r: r.update(individuals="-5"), ["individuals is negative (-5)"]),
    "not-a-number": (lambda r: r.update(individuals="n/a"), ["individuals is 'n/a', not a count"]),
    "null-count": (lambda r: r.update(individuals=None), ["individuals is None, not a count"]),
    "fractional-count": (lambda r: r.update(individuals=1.5), ["individuals is 1.5, not a count"]),
    "boolean-count": (lambda r: r.update(individuals=True), ["individuals is a boolean"]),
    "impossible-date": (lambda r: r.update(data_date="2022-02-30"), ["data_date is '2022-02-30', not a YYYY-MM-DD"]),
    "date-as-number": (lambda r: r.update(data_date=1646092800), ["data_date is 1646092800, not a date"]),
}
BAD_INDEX = 5  # 2022-03-01, 165,872 crossings


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_bad_record_is_skipped_and_named(case: str, sources_file: SourcesFile) -> None:
    change, words = BAD_RECORDS[case]
    body = with_record(TIMESERIES, BAD_INDEX, change)
    parsed = parse(sources_file.get("unhcr-ukraine-crossings"), body)
    assert len(parsed.observations) == 60
    assert "2022-03-01" not in {o.as_of.isoformat() for o in parsed.observations}
    assert sum(o.estimate.best for o in parsed.observations) == 5_264_767 - 165_872
    [problem] = parsed.problems
    assert "source 'unhcr-ukraine-crossings'" in problem
    assert f"snapshot {prefix(body)}" in problem
    assert f"$.data.timeseries[{BAD_INDEX}]" in problem
    for word in words:
        assert word in problem
    assert problem.endswith("record skipped")


def test_sublocation_record_without_a_country_is_skipped(sources_file: SourcesFile) -> None:
    document = json.loads(SUBLOCATION)
    document["data"][0]["geomaster_name"] = ""
    body = json.dumps(document).encode()
    parsed = parse(sources_file.get("unhcr-ukraine-by-country"), body)
    assert [o.place for o in parsed.observations] == ["Russian Federation", "Hungary", "Republic of Moldova",
                                                      "Romania", "Slovakia", "Belarus"]
    [problem] = parsed.problems
    assert "source 'unhcr-ukraine-by-country'" in problem and f"snapshot {prefix(body)}" in problem
    assert "$.data[0]" in problem and "field 'geomaster_name' is missing" in problem


def test_a_record_that_is_not_an_object_is_skipped(sources_file: SourcesFile) -> None:
    document = json.loads(TIMESERIES)
    document["data"]["timeseries"][0] = 79982
    parsed = parse(sources_file.get("unhcr-ukraine-crossings"), json.dumps(document).encode())
    assert len(parsed.observations) == 60
    assert "$.data.timeseries[0]: record is int, not an object" in parsed.problems[0]


@pytest.mark.parametrize("case", ["missing-individuals", "missing-data-date", "negative-count", "not-a-number"])
def test_good_records_beside_a_bad_one_are_stored(case: str, store: Store, sources_file: SourcesFile) -> None:
    change, words = BAD_RECORDS[case]
    body = with_record(TIMESERIES, BAD_INDEX, change)
    with serving(body) as client:
        outcome = update_source(store, client, sources_file.get("unhcr-ukraine-crossings"))
    assert outcome.status == "partial"
    assert outcome.error is None
    assert (outcome.snapshots, outcome.added) == (1, 60)
    assert len(outcome.problems) == 1 and words[0] in outcome.problems[0]
    assert store.count() == {"snapshots": 1, "observations": 60}
    stored = store.select(source_id="unhcr-ukraine-crossings")
    assert {o.provenance.snapshot_sha256 for o in stored} == {hashlib.sha256(body).hexdigest()}
    assert store.snapshot(prefix(body)).content == body  # the raw bytes are kept for a later re-parse
    assert store.last_runs()["unhcr-ukraine-crossings"]["status"] == "partial"


# --- one failing source does not stop the others ----------------------------------------------

def test_one_source_serving_html_does_not_stop_the_next(store: Store, sources_file: SourcesFile) -> None:
    crossings = sources_file.get("unhcr-ukraine-crossings")

    def on_host(source_id: str, host: str) -> SourceConfig:
        params = {**crossings.params, "base_url": f"https://{host}"}
        return crossings.model_copy(update={"id": source_id, "params": params})

    config = SourcesFile(sources=[on_host("broken-mirror", "mirror.unhcr.example"),
                                  on_host("portal", "data.unhcr.org")], path="two-sources.yaml")
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.url.host == "mirror.unhcr.example":
            return httpx.Response(200, content=HTML_PAGE, headers={"Content-Type": "text/html"})
        return httpx.Response(200, content=TIMESERIES, headers={"Content-Type": "application/json"})

    with build_client(transport=httpx.MockTransport(handler), sleep=lambda s: None) as client:
        broken, fine = update(store, client, config)
    assert hosts == ["mirror.unhcr.example", "data.unhcr.org"]
    assert (broken.source_id, broken.status, broken.added) == ("broken-mirror", "failed", 0)
    assert broken.error is not None
    assert "source 'broken-mirror'" in broken.error
    assert f"snapshot {prefix(HTML_PAGE)}" in broken.error
    assert "HTML" in broken.error and "mirror.unhcr.example" in broken.error
    assert (fine.source_id, fine.status, fine.added, fine.error) == ("portal", "ok", 61, None)
    assert {row["source_id"] for row in store.rows()} == {"portal"}
    assert store.count() == {"snapshots": 1, "observations": 61}
    runs = store.last_runs()
    assert (runs["broken-mirror"]["status"], runs["portal"]["status"]) == ("failed", "ok")
