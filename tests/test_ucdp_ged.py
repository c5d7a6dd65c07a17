"""The UCDP GED adapter: golden file, the real recorded records (API JSON and HDX CSV), fetch and faults.

Golden file: the parse of figures/data/offline/ucdp_ged_israel_2002.json (20 real API records in
the API envelope) is compared with tests/expected/ucdp_ged/<stem>.csv; regenerate with
`FIGURES_REGEN_GOLDEN=1 pytest tests/test_ucdp_ged.py` and review the diff.
Real records: ../shared/fixtures/ucdp/ (20 API `Result` records, Israel 2002; 40 events of HDX's
Bangladesh GED CSV), read in place. Fetch tests run on httpx.MockTransport with envelopes built
from those real records, in the documented shape (TotalCount, TotalPages, NextPageUrl, Result).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from adapter_faults import (
    FAULT_WHY,
    TOKEN,
    Fault,
    first_time,
    mock_client,
    recorded_snapshot,
    state,
    time_out,
    update_with,
)
from goldens import entry_stem, golden_path, golden_stems, match_golden

from figures.config import SourceConfig
from figures.errors import ParseError, SourceError
from figures.http import build_client
from figures.models import Snapshot
from figures.offline import manifest, replay_transport
from figures.rows import as_row, row_key
from figures.secrets import Secrets
from figures.sources import ADAPTERS, ucdp_ged
from figures.sources.base import Context
from figures.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFLINE = REPO_ROOT / "figures" / "data" / "offline"
WHEN = datetime(2026, 3, 2, 9, tzinfo=UTC)


def source(**params: Any) -> SourceConfig:
    """A ucdp-ged source as proposed for sources.yaml (Ukraine unless params say otherwise)."""
    return SourceConfig(id="ucdp-ged-ukraine", adapter="ucdp-ged", publisher="Uppsala Conflict Data Program (UCDP)",
                        title="UCDP Georeferenced Event Dataset (GED) Global version 25.1",
                        licence="CC BY 4.0; cite Sundberg & Melander 2013 and Davies et al.",
                        url="https://ucdp.uu.se/country/369", area="UKR", cadence="yearly",
                        params={"version": "25.1", "country": 369, "start_date": "2022-02-24", **params})


#: The sources whose requests the offline manifest records (mirrors the proposed sources.yaml entries).
OFFLINE_SOURCES = [
    SourceConfig(id="ucdp-ged-israel-2002", adapter="ucdp-ged", publisher="Uppsala Conflict Data Program (UCDP)",
                 title="UCDP Georeferenced Event Dataset (GED): Israel 2002", licence="CC BY 4.0",
                 url="https://ucdp.uu.se/country/666", area="ISR", cadence="yearly",
                 params={"version": "19.1", "country": 666, "start_date": "2002-01-01", "end_date": "2002-12-31"}),
]


def ucdp_manifest() -> list[dict[str, str]]:
    return [e for e in manifest() if httpx.URL(e["url"]).host == "ucdpapi.pcr.uu.se"]


def source_for(url: str) -> SourceConfig:
    key = httpx.URL(url)
    matches = [s for s in OFFLINE_SOURCES
               if httpx.URL(ucdp_ged.request_url(ucdp_ged.Params.model_validate(s.params))).params == key.params]
    assert len(matches) == 1, url
    return matches[0]


def parse(snapshot: Snapshot, src: SourceConfig | None = None) -> Any:
    src = src or source()
    return ucdp_ged.parse(snapshot, src, ucdp_ged.Params.model_validate(src.params))


def snap(content: bytes, url: str = "https://ucdpapi.pcr.uu.se/api/gedevents/25.1") -> Snapshot:
    return Snapshot(source_id="ucdp-ged-ukraine", url=url, retrieved_at=WHEN, content=content)


# --- golden file and offline replay -------------------------------------------------------------

@pytest.mark.parametrize("entry", ucdp_manifest(), ids=entry_stem)
def test_offline_snapshot_matches_its_golden_file(entry: dict[str, str]) -> None:
    src = source_for(entry["url"])
    parsed = parse(recorded_snapshot(entry, src.id), src)
    assert parsed.problems == []
    match_golden(parsed.observations, golden_path("ucdp_ged", entry["file"]))


def test_every_golden_file_has_its_offline_snapshot() -> None:
    assert golden_stems("ucdp_ged") == sorted(entry_stem(e) for e in ucdp_manifest())


def test_the_offline_replay_serves_what_fetch_asks_for() -> None:
    for entry in ucdp_manifest():
        src = source_for(entry["url"])
        ctx = Context(secrets=Secrets(), cursor={}, offline=True)
        with build_client(transport=replay_transport()) as client:
            [snapshot] = ucdp_ged.fetch(client, src, ucdp_ged.Params.model_validate(src.params), ctx)
        assert snapshot.content == (OFFLINE / entry["file"]).read_bytes()
        assert snapshot.retrieved_at == datetime.fromisoformat(entry["retrieved"])
        assert ctx.cursor == {"version": "19.1", "date_end": "2002-04-03"}


def test_offline_israel_2002_sums() -> None:
    entry = ucdp_manifest()[0]
    document = json.loads((OFFLINE / entry["file"]).read_bytes())
    parsed = parse(snap((OFFLINE / entry["file"]).read_bytes()), source_for(entry["url"]))
    everyone = [o for o in parsed.observations if o.group == "all"]
    assert len(everyone) == document["TotalCount"] == 20
    assert [sum(getattr(o.estimate, k) for o in everyone) for k in ("low", "best", "high")] == [30, 30, 36]
    assert sum(o.estimate.best for o in parsed.observations if o.group == "civilians") == 4


# --- the real recorded records ------------------------------------------------------------------

def test_real_api_records_israel_2002(shared_fixtures: Path) -> None:
    raw = (shared_fixtures / "ucdp" / "ged_api_result_records_ISR_sample.json").read_bytes()
    records = json.loads(raw)
    parsed = parse(snap(raw), source(country=666))
    assert parsed.problems == []
    everyone = [o for o in parsed.observations if o.group == "all"]
    civilians = [o for o in parsed.observations if o.group == "civilians"]
    assert len(everyone) == len(civilians) == len(records) == 20
    for k in ("low", "best", "high"):
        assert sum(getattr(o.estimate, k) for o in everyone) == sum(r[k] for r in records)
    assert sum(o.estimate.best for o in civilians) == sum(r["deaths_civilians"] for r in records)
    assert {o.area for o in parsed.observations} == {"ISR"}
    assert all(o.scope == "incident" and o.metric == "killed" for o in parsed.observations)
    ranged = next(o for o in everyone if o.record_id == "175907")  # a week-long window, low 0 high 1
    assert (ranged.estimate.low, ranged.estimate.best, ranged.estimate.high, ranged.rule) == (0, 0, 1, "source-range")
    assert (ranged.period_start, ranged.period_end) == (date(2002, 2, 3), date(2002, 2, 9))
    assert ranged.as_of == date(2002, 2, 9)
    assert ranged.place == "Rafah town, Gaza Strip"
    assert ranged.provenance.locator == "$[15]"
    assert json.loads(ranged.provenance.quote)["date_prec"] == 3
    first = civilians[0]
    assert (first.estimate.low, first.estimate.best, first.estimate.high, first.rule) == (1, 1, 1, "exact")
    assert first.provenance.attributed_to == "Agence France-Presse;Reuters News"


def test_real_hdx_csv_bangladesh(shared_fixtures: Path) -> None:
    raw = (shared_fixtures / "ucdp" / "ged_csv_hdx_conflict_data_BGD_sample.csv").read_bytes()
    rows = [r for r in csv.DictReader(io.StringIO(raw.decode("utf-8"))) if not r["year"].startswith("#")]
    parsed = parse(snap(raw), source(country=771, format="csv"))
    assert parsed.problems == []
    everyone = [o for o in parsed.observations if o.group == "all"]
    assert len(everyone) == len(rows) == 40
    for k in ("low", "best", "high"):
        assert sum(getattr(o.estimate, k) for o in everyone) == sum(int(r[k]) for r in rows)
    assert sum(o.estimate.best for o in parsed.observations if o.group == "civilians") == \
        sum(int(r["deaths_civilians"]) for r in rows)
    assert {o.area for o in parsed.observations} == {"BGD"}
    assert everyone[0].provenance.locator == "csv row 3"  # header, HXL row, then the first event
    long = next(o for o in everyone if o.record_id == "84004")
    assert (long.period_start, long.period_end) == (date(1991, 3, 6), date(1991, 3, 31))
    assert (long.estimate.low, long.estimate.best, long.estimate.high) == (0, 0, 23)


def test_ucdp_download_csv_dates_with_time() -> None:
    header = ("id,country,country_id,adm_1,where_coordinates,date_prec,date_start,date_end,deaths_civilians,"
              "best,high,low")
    row = '175907,Israel,666,Gaza Strip,Rafah town,3,2002-02-03 00:00:00.000,2002-02-09 00:00:00.000,0,0,1,0'
    [o, _] = parse(snap(f"{header}\n{row}\n".encode()), source(format="csv")).observations
    assert (o.period_start, o.period_end, o.area) == (date(2002, 2, 3), date(2002, 2, 9), "ISR")


# --- parse faults -------------------------------------------------------------------------------

RECORDS: list[dict[str, Any]] = [
    {"id": 175957, "country": "Israel", "country_id": 666, "adm_1": "Gaza Strip", "where_coordinates": "Erez crossing",
     "date_prec": 1, "date_start": "2002-03-01T00:00:00", "date_end": "2002-03-01T00:00:00",
     "deaths_civilians": 1, "best": 1, "high": 1, "low": 1},
    {"id": 175907, "country": "Israel", "country_id": 666, "adm_1": "Gaza Strip", "where_coordinates": "Rafah town",
     "date_prec": 3, "date_start": "2002-02-03T00:00:00", "date_end": "2002-02-09T00:00:00",
     "deaths_civilians": 0, "best": 0, "high": 1, "low": 0},
]


def envelope(records: list[dict[str, Any]], next_url: str = "", total_pages: int = 1) -> bytes:
    return json.dumps({"TotalCount": len(records), "TotalPages": total_pages, "PreviousPageUrl": "",
                       "NextPageUrl": next_url, "Result": records}).encode()


@pytest.mark.parametrize(("content", "message"), [
    (envelope(RECORDS)[:-40], "truncated JSON"),
    (b"<!DOCTYPE html><html><body>Maintenance</body></html>", "HTML or XML page"),
    (b"", "empty response"),
    (json.dumps({"TotalCount": 2, "Results": RECORDS}).encode(), "'Result'"),
])
def test_whole_snapshot_problems_raise_parse_error(content: bytes, message: str) -> None:
    with pytest.raises(ParseError, match="ucdp-ged-ukraine") as caught:
        parse(snap(content))
    assert message in str(caught.value)


@pytest.mark.parametrize(("change", "problem"), [
    ({"best": None}, "field 'best' is missing"),
    ({"low": -1}, "low is negative"),
    ({"high": "many"}, "high is 'many', not a count"),
    ({"low": 2}, "best 1 is below low 2"),
    ({"date_end": "March 2002"}, "date_end is 'March 2002'"),
    ({"country_id": 9999, "country": "Atlantis"}, "no ISO3 code"),
])
def test_a_bad_record_is_skipped_and_named(change: dict[str, Any], problem: str) -> None:
    bad = {k: v for k, v in {**RECORDS[0], **change}.items() if v is not None}
    parsed = parse(snap(envelope([bad, RECORDS[1]])))
    assert len(parsed.observations) == 2  # the good record, all and civilians
    [message] = parsed.problems
    assert "'ucdp-ged-ukraine'" in message and "$.Result[0]" in message and problem in message


def test_a_renamed_civilian_field_keeps_the_all_deaths() -> None:
    renamed = [{("civilian_deaths" if k == "deaths_civilians" else k): v for k, v in r.items()} for r in RECORDS]
    parsed = parse(snap(envelope(renamed)))
    assert [o.group for o in parsed.observations] == ["all", "all"]
    assert len(parsed.problems) == 2 and all("'deaths_civilians' is missing" in p for p in parsed.problems)


@pytest.mark.parametrize(("content", "field", "message"), [
    (b"id,date_start,date_end,low,high,country_id\n1,2002-01-01,2002-01-01,0,0,666\n", "best", "no such column"),
    (b"<html><body>Not found</body></html>", None, "HTML page"),
    (b'{"Result": []}', None, "found JSON"),
])
def test_csv_whole_snapshot_problems(content: bytes, field: str | None, message: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(snap(content), source(format="csv"))
    assert caught.value.field == field and message in str(caught.value)


def test_csv_cut_short_names_the_row(shared_fixtures: Path) -> None:
    raw = (shared_fixtures / "ucdp" / "ged_csv_hdx_conflict_data_BGD_sample.csv").read_bytes()
    cut = raw[: raw.rindex(b"\n", 0, len(raw) - 1) + 60]  # the last event loses most of its columns
    parsed = parse(snap(cut), source(format="csv"))
    assert len([o for o in parsed.observations if o.group == "all"]) == 39
    [problem] = parsed.problems
    assert "csv row 42" in problem and "columns" in problem


def test_version_must_be_quoted_and_codes_become_text() -> None:
    with pytest.raises(ValueError, match="quote the version"):
        ucdp_ged.Params.model_validate({"version": 25.1})
    assert ucdp_ged.Params.model_validate({"country": 369}).country == "369"
    assert ucdp_ged.Params.model_validate({"country": [369, 365]}).country == "369,365"
    with pytest.raises(ValueError, match="Gleditsch-Ward"):
        ucdp_ged.Params.model_validate({"country": "Ukraine"})


# --- fetch --------------------------------------------------------------------------------------

class Server:
    """A fake UCDP API: pages of the given records, in the documented envelope, recording requests."""

    def __init__(self, records: list[dict[str, Any]], pagesize: int = 1, fault: Fault | None = None) -> None:
        self.records, self.pagesize, self.fault = records, pagesize, fault
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fault and (answer := self.fault(request, len(self.requests))) is not None:
            return answer
        if request.headers.get("x-ucdp-access-token") != TOKEN:
            return httpx.Response(401, text="API token required. Add header: x-ucdp-access-token")
        start = request.url.params.get("StartDate", "0000")
        chosen = [r for r in self.records if r["date_start"][:10] >= start]
        page, size = int(request.url.params["page"]), int(request.url.params["pagesize"])
        pages = max(1, -(-len(chosen) // size))
        nxt = str(request.url.copy_set_param("page", page + 1)) if page + 1 < pages else ""
        body = envelope(chosen[page * size:(page + 1) * size], nxt, pages)
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json; charset=utf-8",
                                                          "Date": "Mon, 02 Mar 2026 09:00:00 GMT"})


def real_records(shared: Path) -> list[dict[str, Any]]:
    return json.loads((shared / "ucdp" / "ged_api_result_records_ISR_sample.json").read_bytes())


def run_fetch(server: Server, cursor: dict[str, Any] | None = None, sleeps: list[float] | None = None,
              **params: Any) -> tuple[list[Snapshot], Context]:
    src = source(pagesize=server.pagesize, **{"start_date": None, **params})
    ctx = Context(secrets=Secrets(), cursor=dict(cursor or {}), offline=False)
    with mock_client(server, sleeps, attempts=3) as client:
        return ucdp_ged.fetch(client, src, ucdp_ged.Params.model_validate(src.params), ctx), ctx


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("UCDP_ACCESS_TOKEN", TOKEN)
    return TOKEN


def test_fetch_sends_token_header_and_follows_pages_to_the_end(token: str, shared_fixtures: Path) -> None:
    server = Server(real_records(shared_fixtures), pagesize=7)
    snapshots, ctx = run_fetch(server, country=666, start_date="2002-01-01", end_date="2002-12-31")
    assert len(snapshots) == len(server.requests) == 3  # 20 records, 7 a page
    first = server.requests[0]
    assert (first.url.host, first.url.path) == ("ucdpapi.pcr.uu.se", "/api/gedevents/25.1")
    assert dict(first.url.params) == {"pagesize": "7", "page": "0", "Country": "666",
                                      "StartDate": "2002-01-01", "EndDate": "2002-12-31"}
    assert [r.url.params["page"] for r in server.requests] == ["0", "1", "2"]
    assert all(r.headers["x-ucdp-access-token"] == TOKEN for r in server.requests)
    assert first.headers["User-Agent"].startswith("figures/")
    assert all(TOKEN not in s.url for s in snapshots)
    assert sum(len(parse(s).observations) for s in snapshots) == 40
    assert ctx.cursor == {"version": "25.1", "date_end": "2002-04-03"}


def test_fetch_stops_at_total_pages_even_if_next_page_url_is_set(token: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        return httpx.Response(200, content=envelope(RECORDS, f"https://ucdpapi.pcr.uu.se/x?page={page + 1}", 2))

    seen: list[int] = []
    with build_client(transport=httpx.MockTransport(lambda r: (seen.append(1), handler(r))[1])) as client:
        snapshots = ucdp_ged.fetch(client, source(), ucdp_ged.Params.model_validate(source().params),
                                   Context(secrets=Secrets()))
    assert len(snapshots) == len(seen) == 2


def test_fetch_gives_up_after_max_pages(token: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:  # a server that always says there is more
        return httpx.Response(200, content=envelope(RECORDS, "https://ucdpapi.pcr.uu.se/more", 10**6))

    with build_client(transport=httpx.MockTransport(handler)) as client, \
            pytest.raises(SourceError, match="more than 5 pages"):
        ucdp_ged.fetch(client, source(max_pages=5), ucdp_ged.Params.model_validate(source(max_pages=5).params),
                       Context(secrets=Secrets()))


def test_incremental_run_asks_only_for_newer_events(token: str, shared_fixtures: Path) -> None:
    server = Server(real_records(shared_fixtures), pagesize=1000)
    snapshots, ctx = run_fetch(server, {"version": "25.1", "date_end": "2002-03-18"}, country=666,
                               start_date="2002-01-01")
    assert server.requests[0].url.params["StartDate"] == "2002-03-18"
    assert {o.as_of for s in snapshots for o in parse(s).observations} >= {date(2002, 3, 19), date(2002, 4, 3)}
    assert min(o.period_start for s in snapshots for o in parse(s).observations) >= date(2002, 3, 18)
    assert ctx.cursor == {"version": "25.1", "date_end": "2002-04-03"}


def test_a_new_version_is_fetched_whole(token: str, shared_fixtures: Path) -> None:
    server = Server(real_records(shared_fixtures), pagesize=1000)
    _, ctx = run_fetch(server, {"version": "24.1", "date_end": "2002-03-18"}, country=666, start_date="2002-01-01")
    assert server.requests[0].url.params["StartDate"] == "2002-01-01"
    assert ctx.cursor["version"] == "25.1"


def test_an_empty_page_ends_the_run_and_keeps_the_cursor(token: str) -> None:
    server = Server([], pagesize=1000)
    snapshots, ctx = run_fetch(server, {"version": "25.1", "date_end": "2026-01-31"})
    assert len(snapshots) == 1 and parse(snapshots[0]).observations == [] and parse(snapshots[0]).problems == []
    assert ctx.cursor == {"version": "25.1", "date_end": "2026-01-31"}


def test_csv_format_fetches_the_download_without_the_token(token: str, shared_fixtures: Path) -> None:
    raw = (shared_fixtures / "ucdp" / "ged_csv_hdx_conflict_data_BGD_sample.csv").read_bytes()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=raw, headers={"Content-Type": "text/csv"})

    src = source(format="csv", csv_url="https://data.humdata.org/dataset/x/resource/y/download/conflict_data_bgd.csv")
    with build_client(transport=httpx.MockTransport(handler)) as client:
        [snapshot] = ucdp_ged.fetch(client, src, ucdp_ged.Params.model_validate(src.params), Context(secrets=Secrets()))
    assert "x-ucdp-access-token" not in seen[0].headers
    assert len(parse(snapshot, src).observations) == 80


# --- faults through the pipeline: what is stored stays as it was -------------------------------

def update(store: Store, server: Server, monkeypatch: pytest.MonkeyPatch, **params: Any) -> Any:
    monkeypatch.setitem(ADAPTERS, ucdp_ged.NAME, ucdp_ged)
    src = source(pagesize=server.pagesize, **{"start_date": None, **params})
    return update_with(store, server, src, Secrets(), attempts=3)


def stored(store: Store) -> tuple[dict[str, int], dict[str, Any], list[tuple[Any, ...]]]:
    return state(store, "ucdp-ged-ukraine", "locator", "group", "low", "best", "high")


def test_duplicated_records_across_pages_are_stored_once(token: str, store: Store, shared_fixtures: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    records = real_records(shared_fixtures)[:6]
    server = Server([*records[:4], *records[3:6]], pagesize=4)  # the 4th event is served on both pages
    outcome = update(store, server, monkeypatch, country=666, start_date="2002-01-01")
    assert outcome.status == "ok", outcome.error
    assert store.count() == {"snapshots": 2, "observations": 12}
    assert (outcome.added, outcome.known) == (12, 2)


FAULTS: dict[str, Fault] = {
    "truncated": lambda r, n: httpx.Response(200, content=envelope(RECORDS)[:-25]),
    "html": lambda r, n: httpx.Response(200, text="<!doctype html><title>Maintenance</title>"),
    "schema": lambda r, n: httpx.Response(200, json={"TotalCount": 2, "Events": RECORDS}),
    "500-forever": lambda r, n: httpx.Response(503, text="Service Unavailable"),
    "timeout": time_out,
    "403": lambda r, n: httpx.Response(403, text="Forbidden"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failed_update_changes_nothing_stored(fault: str, token: str, store: Store, shared_fixtures: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = update(store, Server(real_records(shared_fixtures), pagesize=1000), monkeypatch, country=666)
    assert first.status == "ok" and first.added == 40
    before = stored(store)
    outcome = update(store, Server(RECORDS, fault=FAULTS[fault]), monkeypatch, country=666)
    assert outcome.status == "failed"
    assert "ucdp-ged-ukraine" in (outcome.error or "") and TOKEN not in (outcome.error or "")
    assert FAULT_WHY[fault] in (outcome.error or "")
    assert stored(store) == before


def test_401_says_which_variable_to_set_and_never_shows_the_token(token: str, store: Store,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UCDP_ACCESS_TOKEN", "a-wrong-token-value")
    outcome = update(store, Server(RECORDS), monkeypatch)
    assert outcome.status == "failed"
    error = outcome.error or ""
    assert "401" in error and "set UCDP_ACCESS_TOKEN" in error and "ucdp.uu.se/apidocs" in error
    assert "a-wrong-token-value" not in error and store.count()["observations"] == 0


def test_a_missing_token_skips_the_source_saying_what_to_set(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UCDP_ACCESS_TOKEN", raising=False)
    monkeypatch.delenv("FIGURES_UCDP_ACCESS_TOKEN", raising=False)
    outcome = update(store, Server(RECORDS), monkeypatch)
    assert outcome.status == "skipped" and "UCDP_ACCESS_TOKEN" in (outcome.error or "")


def test_a_renamed_field_is_named_and_readable_records_are_stored(token: str, store: Store,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    renamed = [{("best_estimate" if k == "best" else k): v for k, v in RECORDS[0].items()}, RECORDS[1]]
    outcome = update(store, Server(renamed, pagesize=1000), monkeypatch)
    assert outcome.status == "partial"
    assert [p for p in outcome.problems if "field 'best' is missing" in p and "$.Result[0]" in p]
    assert store.count()["observations"] == 2


@pytest.mark.parametrize(("status", "headers"), [(429, {"Retry-After": "7"}), (502, {}), (503, {})])
def test_a_transient_error_is_retried_then_succeeds(status: int, headers: dict[str, str], token: str) -> None:
    server = Server(RECORDS, pagesize=1000, fault=first_time(httpx.Response(status, headers=headers, text="busy")))
    sleeps: list[float] = []
    snapshots, _ = run_fetch(server, sleeps=sleeps)
    assert len(server.requests) == 2 and len(snapshots) == 1
    assert len(parse(snapshots[0]).observations) == 4
    if "Retry-After" in headers:
        assert sleeps == [7.0]


def test_a_timeout_becomes_a_source_error(token: str) -> None:
    server = Server(RECORDS, fault=time_out)
    with pytest.raises(SourceError, match=r"GET failed: ReadTimeout") as caught:
        run_fetch(server)
    assert caught.value.source_id == "ucdp-ged-ukraine" and TOKEN not in str(caught.value)


def test_a_saved_csv_is_read_as_csv_whatever_params_format_says(shared_fixtures: Path) -> None:
    raw = (shared_fixtures / "ucdp" / "ged_csv_hdx_conflict_data_BGD_sample.csv").read_bytes()
    saved = snap(raw).model_copy(update={"content_type": "text/csv"})  # as `figures ingest FILE.csv` sends it
    assert len(parse(saved, source(format="json")).observations) == 80


# --- rows for bulk storing: the same figures and problems as the observations ------------------

def csv_of(records: list[dict[str, Any]], hxl: bool = False) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(k for r in records for k in r)), lineterminator="\n")
    writer.writeheader()
    if hxl:
        out.write("#event+id,#date+start\n")
    writer.writerows(records)
    return out.getvalue().encode()


def rows_cases(shared: Path) -> list[tuple[str, bytes, SourceConfig]]:
    bgd = (shared / "ucdp" / "ged_csv_hdx_conflict_data_BGD_sample.csv").read_bytes()
    odd = [{**RECORDS[0], "id": 1000 + i, **change} for i, change in enumerate([
        {"best": None}, {"low": -1}, {"high": "many"}, {"low": 2}, {"high": 0}, {"best": 3, "high": 2},
        {"date_end": "March 2002"}, {"date_start": "2002-03-02T00:00:00"}, {"date_start": "2002-03-01 00:00:00.000"},
        {"country_id": 9999, "country": "Atlantis"}, {"iso3": "ÀBC"}, {"iso3": "ISR", "country_id": None},
        {"deaths_civilians": None}, {"deaths_civilians": "some"}, {"deaths_civilians": -3}, {"deaths_civilians": 1.0},
        {"best": " 1"}, {"id": ""}, {"adm_1": "Erez crossing", "where_coordinates": " Erez crossing "},
        {"source_office": "Reuters"}, {"source_office": ""},
    ])]
    odd_json = [{k: v for k, v in r.items() if v is not None} for r in odd]
    text = [{k: "" if v is None else str(v) for k, v in r.items()} for r in odd]
    entry = ucdp_manifest()[0]
    return [
        ("offline API page", (OFFLINE / entry["file"]).read_bytes(), source_for(entry["url"])),
        ("real API records", (shared / "ucdp" / "ged_api_result_records_ISR_sample.json").read_bytes(),
         source(country=666)),
        ("real HDX CSV", bgd, source(country=771, format="csv")),
        ("HDX CSV cut short", bgd[: bgd.rindex(b"\n", 0, len(bgd) - 1) + 60], source(country=771, format="csv")),
        ("odd records, JSON", envelope([*odd_json, [1], "text", {"id": 7, "date_start": 5, "date_end": None}]),
         source()),
        ("odd records, CSV", csv_of(text, hxl=True), source(format="csv")),
    ]


def test_rows_are_the_observations_with_the_same_problems(shared_fixtures: Path) -> None:
    """`iter_rows` (what ingest stores) gives exactly `as_row` of `iter_parse`'s observations, keys included."""
    for name, content, src in rows_cases(shared_fixtures):
        snapshot = snap(content)
        params = ucdp_ged.Params.model_validate(src.params)
        row_problems: list[str] = []
        observation_problems: list[str] = []
        rows = list(ucdp_ged.iter_rows(snapshot, src, params, row_problems))
        observations = list(ucdp_ged.iter_parse(snapshot, src, params, observation_problems))
        assert rows == [as_row(o) for o in observations], name
        assert row_problems == observation_problems, name
        assert [row_key(r) for r in rows] == [o.record_key() for o in observations], name
        assert rows and (name.startswith(("offline", "real")) or row_problems), name
