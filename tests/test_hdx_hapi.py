"""The HDX HAPI adapter: golden file, the real HAPI conflict-event rows, JSON and CSV, fetch and faults.

Golden file: the parse of figures/data/offline/hdx_hapi_*.json (real ACLED rows in HAPI's JSON
envelope) is compared with tests/expected/hdx_hapi/<stem>.csv; regenerate with
`FIGURES_REGEN_GOLDEN=1 pytest tests/test_hdx_hapi.py` and review the diff.
Real rows: ../shared/fixtures/hdx_hapi/ (60 UKR conflict-event rows of the CSV HAPI ingests), read
in place; the API's own CSV and JSON shapes are built from them in the tests. Refugee and IDP
records are written in the HAPI response models' shape (OCHA-DAP/hdx-hapi endpoints/models).
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
import yaml
from adapter_faults import TOKEN, Handler, answers, mock_client, recorded_snapshot, update_with
from goldens import entry_stem, golden_path, match_golden, offline_manifest

from figures.config import SourceConfig
from figures.errors import ParseError, SourceError
from figures.http import build_client
from figures.models import Snapshot
from figures.offline import replay_transport
from figures.secrets import Secrets
from figures.sources import ADAPTERS, hdx_hapi
from figures.sources.base import Context
from figures.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFLINE = REPO_ROOT / "figures" / "data" / "offline"
WHEN = datetime(2025, 1, 10, 9, tzinfo=UTC)
CONFLICT = "coordination-context/conflict-event"

#: The entries proposed for sources.yaml (the same text as in the hand-over report).
PROPOSED = yaml.safe_load("""
sources:
  - id: hdx-hapi-ukraine-conflict
    adapter: hdx-hapi
    publisher: OCHA Centre for Humanitarian Data (HDX HAPI)
    title: "HDX HAPI conflict events: ACLED monthly fatalities by raion, Ukraine"
    licence: "ACLED Terms of Use and Attribution Policy (data served through HDX HAPI)"
    url: https://data.humdata.org/hapi
    area: UKR
    cadence: monthly
    params: {endpoint: coordination-context/conflict-event, location_code: UKR}
  - id: hdx-hapi-sudan-conflict
    adapter: hdx-hapi
    publisher: OCHA Centre for Humanitarian Data (HDX HAPI)
    title: "HDX HAPI conflict events: ACLED monthly fatalities by locality, Sudan"
    licence: "ACLED Terms of Use and Attribution Policy (data served through HDX HAPI)"
    url: https://data.humdata.org/hapi
    area: SDN
    cadence: monthly
    params: {endpoint: coordination-context/conflict-event, location_code: SDN}
  - id: hdx-hapi-sudan-idps
    adapter: hdx-hapi
    publisher: OCHA Centre for Humanitarian Data (HDX HAPI)
    title: "HDX HAPI IDPs: IOM DTM baseline assessments by locality, Sudan"
    licence: "IOM DTM terms of use (data served through HDX HAPI)"
    url: https://data.humdata.org/hapi
    area: SDN
    cadence: monthly
    params: {endpoint: affected-people/idps, location_code: SDN}
""")["sources"]
SOURCES = [SourceConfig.model_validate(s) for s in PROPOSED]
UKRAINE = SOURCES[0]


def params_of(source: SourceConfig, **extra: Any) -> hdx_hapi.Params:
    return hdx_hapi.Params.model_validate({**source.params, **extra})


def with_params(source: SourceConfig, **extra: Any) -> SourceConfig:
    return source.model_copy(update={"params": {**source.params, **extra}})


def hapi_manifest() -> list[dict[str, str]]:
    return offline_manifest("hdx_hapi")


def source_for(url: str) -> SourceConfig:
    matches = [s for s in SOURCES if httpx.URL(hdx_hapi.request_url(params_of(s))) == httpx.URL(url)]
    assert len(matches) == 1, f"{url} matches {len(matches)} proposed sources"
    return matches[0]


def snap(content: bytes | str, url: str = "https://hapi.humdata.org/api/v1/x?offset=0") -> Snapshot:
    body = content.encode() if isinstance(content, str) else content
    return Snapshot(source_id=UKRAINE.id, url=url, retrieved_at=WHEN, content=body)


def parse(snapshot: Snapshot, source: SourceConfig = UKRAINE, **extra: Any) -> Any:
    return hdx_hapi.parse(snapshot, source, params_of(source, **extra))


def sample_rows(shared_fixtures: Path) -> list[dict[str, str]]:
    path = shared_fixtures / "hdx_hapi" / "hdx_hapi_conflict_event_UKR_2025_sample.csv"
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def as_api_json(row: dict[str, str]) -> dict[str, Any]:
    """A row of the HDX CSV in the API's JSON record shape (ConflictEventResponse)."""
    return {"location_code": row["location_code"], "location_name": "Ukraine",
            "admin1_code": row["admin1_code"], "admin1_name": row["admin1_name"],
            "admin2_code": row["admin2_code"], "admin2_name": row["admin2_name"],
            "resource_hdx_id": row["resource_hdx_id"], "event_type": row["event_type"],
            "events": int(row["events"]), "fatalities": int(row["fatalities"]) if row["fatalities"] else None,
            "reference_period_start": f"{row['reference_period_start']}T00:00:00",
            "reference_period_end": f"{row['reference_period_end']}T00:00:00"}


def as_api_csv(rows: list[dict[str, str]]) -> str:
    """Rows as HAPI's `output_format=csv` writes them: the model's fields, datetimes with a space."""
    out = io.StringIO()
    writer = csv.writer(out)  # HAPI uses csv.writer's defaults: \r\n line ends
    writer.writerow(["location_ref", "location_code", "location_name", "admin1_is_unspecified",
                     "admin2_is_unspecified", "admin1_ref", "admin1_code", "admin1_name", "admin2_ref",
                     "admin2_code", "admin2_name", "resource_hdx_id", "event_type", "events", "fatalities",
                     "reference_period_start", "reference_period_end"])
    for r in rows:
        writer.writerow(["", r["location_code"], "Ukraine", "False", "False", "", r["admin1_code"], r["admin1_name"],
                         "", r["admin2_code"], r["admin2_name"], r["resource_hdx_id"], r["event_type"], r["events"],
                         r["fatalities"], f"{r['reference_period_start']} 00:00:00",
                         f"{r['reference_period_end']} 00:00:00"])
    return out.getvalue()


def conflict_row(place: str = "Khersonskyi", fatalities: Any = 8, event_type: str = "civilian_targeting",
                 **fields: Any) -> dict[str, Any]:
    return {"location_code": "UKR", "location_name": "Ukraine", "admin1_code": "UA65", "admin1_name": "Khersonska",
            "admin2_code": "UA6510", "admin2_name": place, "resource_hdx_id": "fb139931-641f-4428-be77-429972878e19",
            "event_type": event_type, "events": 29, "fatalities": fatalities,
            "reference_period_start": "2025-01-01T00:00:00", "reference_period_end": "2025-01-31T00:00:00", **fields}


def body(rows: list[dict[str, Any]]) -> str:
    return json.dumps({"data": rows})


# --- golden file and offline replay ---------------------------------------------------------------

@pytest.mark.parametrize("entry", hapi_manifest(), ids=entry_stem)
def test_offline_snapshot_matches_its_golden_file(entry: dict[str, str]) -> None:
    source = source_for(entry["url"])
    parsed = parse(recorded_snapshot(entry, source.id, content_type="application/json"), source)
    assert parsed.problems == []
    match_golden(parsed.observations, golden_path("hdx_hapi", entry["file"]))


def test_offline_replay_needs_no_token_and_leaves_the_cursor() -> None:
    [entry] = hapi_manifest()
    ctx = Context(secrets=Secrets(), cursor={"latest_period_start": "2025-01-01"}, offline=True)
    with build_client(transport=replay_transport()) as client:
        [snapshot] = hdx_hapi.fetch(client, UKRAINE, params_of(UKRAINE), ctx)
    assert snapshot.content == (OFFLINE / entry["file"]).read_bytes()
    assert snapshot.retrieved_at == datetime.fromisoformat(entry["retrieved"])
    assert "app_identifier=***" in snapshot.url
    assert ctx.cursor == {"latest_period_start": "2025-01-01"}


# --- the real rows --------------------------------------------------------------------------------

def test_real_hdx_csv_counts_and_sums(shared_fixtures: Path) -> None:
    rows = sample_rows(shared_fixtures)
    path = shared_fixtures / "hdx_hapi" / "hdx_hapi_conflict_event_UKR_2025_sample.csv"
    snapshot = snap(path.read_bytes())
    parsed = parse(snapshot, output_format="csv")
    assert parsed.problems == []
    for event_type, group in (("political_violence", "all"), ("civilian_targeting", "civilians")):
        wanted = [r for r in rows if r["event_type"] == event_type and r["fatalities"] != ""]
        found = [o for o in parsed.observations if o.group == group]
        assert len(found) == len(wanted) > 0
        assert sum(o.estimate.low for o in found) == sum(int(r["fatalities"]) for r in wanted)
    assert len(parsed.observations) == sum(1 for r in rows if r["fatalities"] != "")  # demonstrations: none
    kherson = next(o for o in parsed.observations if o.place == "Khersonskyi" and o.group == "civilians")
    assert (kherson.metric, kherson.area, kherson.scope) == ("killed", "UKR", "incident")
    assert (kherson.period_start, kherson.period_end, kherson.as_of) == (date(2025, 1, 1), date(2025, 1, 31),
                                                                          date(2025, 1, 31))
    e = kherson.estimate
    assert (e.low, e.best, e.high, e.text, e.rule) == (8, 8, None, "8", "conservative-count")
    row = next(i for i, r in enumerate(rows) if r["admin2_name"] == "Khersonskyi" and r["event_type"] ==
               "civilian_targeting")
    assert kherson.provenance.locator == f"csv row {row + 2}"  # the header is row 1
    quote = json.loads(kherson.provenance.quote)
    assert quote["resource_hdx_id"] == "fb139931-641f-4428-be77-429972878e19" and quote["events"] == "29"
    assert kherson.provenance.attributed_to == "ACLED" and kherson.provenance.snapshot_sha256 == snapshot.sha256


def test_the_api_json_and_csv_shapes_give_the_same_figures(shared_fixtures: Path) -> None:
    rows = sample_rows(shared_fixtures)
    from_json = parse(snap(body([as_api_json(r) for r in rows]))).observations
    from_csv = parse(snap(as_api_csv(rows)), output_format="csv").observations
    key = [(o.metric, o.group, o.place, o.period_start, o.period_end, o.estimate) for o in from_json]
    assert key == [(o.metric, o.group, o.place, o.period_start, o.period_end, o.estimate) for o in from_csv]
    assert from_json[0].provenance.locator == "$.data[0]" and from_csv[0].provenance.locator == "csv row 2"


# --- records: refugees, IDPs, duplicates, bad values ----------------------------------------------

def refugee(group: str = "REF", gender: str = "all", age: str = "all", population: Any = 958147) -> dict[str, Any]:
    """A RefugeesResponse record; the figure is UNHCR's end-2022 count of refugees from Ukraine in Poland."""
    return {"resource_hdx_id": "unhcr-resource", "origin_location_ref": 1, "asylum_location_ref": 2,
            "population_group": group, "gender": gender, "age_range": age, "min_age": None, "max_age": None,
            "population": population, "reference_period_start": "2022-01-01T00:00:00",
            "reference_period_end": "2022-12-31T23:59:59", "origin_location_code": "UKR",
            "origin_location_name": "Ukraine", "asylum_location_code": "POL", "asylum_location_name": "Poland"}


def test_refugees_keep_only_the_refugee_total() -> None:
    source = with_params(UKRAINE, endpoint="affected-people/refugees")
    rows = [refugee(), refugee(group="ASY", population=372), refugee(gender="f", population=600000),
            refugee(age="18-59", population=500000)]
    parsed = parse(snap(body(rows)), source)
    assert parsed.problems == []
    [o] = parsed.observations
    assert (o.metric, o.area, o.place, o.as_of, o.scope) == ("refugees", "UKR", "Poland", date(2022, 12, 31),
                                                              "cumulative")
    assert (o.estimate.best, o.estimate.rule, o.provenance.attributed_to) == (958_147, "exact", "UNHCR")


def idp(assessment: str = "BA", population: Any = 1000, admin2: str | None = "Al Fasher") -> dict[str, Any]:
    return {"resource_hdx_id": "dtm-resource", "admin2_ref": 1, "provider_admin1_name": "North Darfur",
            "provider_admin2_name": admin2 or "", "reporting_round": 18, "assessment_type": assessment,
            "population": population, "reference_period_start": "2024-11-01T00:00:00",
            "reference_period_end": "2024-11-30T00:00:00", "location_code": "SDN", "location_name": "Sudan",
            "admin1_code": "SD02", "admin1_name": "North Darfur", "admin2_code": "SD02001", "admin2_name": admin2}


def test_idps_keep_one_assessment_type_and_the_admin_place() -> None:
    source = SOURCES[2]
    parsed = parse(snap(body([idp(), idp(assessment="SA", population=5), idp(admin2=None, population=70)])), source)
    assert parsed.problems == []
    assert [(o.metric, o.area, o.place, o.as_of, o.estimate.best) for o in parsed.observations] == [
        ("idps", "SDN", "Al Fasher", date(2024, 11, 30), 1000), ("idps", "SDN", "North Darfur", date(2024, 11, 30), 70)]
    assert parsed.observations[0].provenance.attributed_to == "IOM DTM"


def test_two_figures_for_one_place_and_month_keep_the_first_and_say_so() -> None:
    parsed = parse(snap(body([conflict_row(fatalities=8), conflict_row(fatalities=8), conflict_row(fatalities=9)])))
    assert [o.estimate.best for o in parsed.observations] == [8]
    [problem] = parsed.problems
    assert "$.data[2]" in problem and "$.data[0]" in problem and "9 vs 8" in problem


@pytest.mark.parametrize(("value", "why"), [(-1, "negative"), ("eight", "not a count")])
def test_a_bad_count_skips_that_record_only(value: Any, why: str) -> None:
    parsed = parse(snap(body([conflict_row(fatalities=value), conflict_row(place="Beryslavskyi", fatalities=2)])))
    assert [o.estimate.best for o in parsed.observations] == [2]
    [problem] = parsed.problems
    assert why in problem and "$.data[0]" in problem and "'hdx-hapi-ukraine-conflict'" in problem


def test_a_renamed_field_is_named_once_and_other_records_still_read() -> None:
    renamed = {k: v for k, v in conflict_row().items() if k != "fatalities"} | {"fatality_count": 8}
    parsed = parse(snap(body([renamed, conflict_row(place="Beryslavskyi", fatalities=2)])))
    assert [o.place for o in parsed.observations] == ["Beryslavskyi"]
    [problem] = parsed.problems
    assert "field 'fatalities' is missing in 1 of 2 records (first at $.data[0])" in problem


@pytest.mark.parametrize(("content", "fmt", "says", "field"), [
    ('{"data": [{"location_code": "UKR", "ev', "json", "truncated JSON", None),
    ("<html><body>502 Bad Gateway</body></html>", "json", "HTML", None),
    ('{"detail": "Not Found"}', "json", "no such field", "data"),
    ("<html><body>502 Bad Gateway</body></html>\n", "csv", "HTML page or JSON instead of CSV", None),
    ("location_code,event_type,fatalities,reference_period_start\r\nUKR,political_violence,1", "csv", "truncated CSV",
     None),
    ("location_code,event_type,fatalities,start\r\nUKR,political_violence,1,2025-01-01\r\n", "csv", "no such column",
     "reference_period_start"),
])
def test_an_unreadable_response_raises_parse_error(content: str, fmt: str, says: str, field: str | None) -> None:
    with pytest.raises(ParseError, match=says) as caught:
        parse(snap(content), output_format=fmt)
    assert caught.value.field == field and caught.value.source_id == UKRAINE.id


@pytest.mark.parametrize(("content", "fmt"), [('{"data": []}', "json"), ("", "csv")])
def test_an_empty_answer_is_a_problem_not_an_error(content: str, fmt: str) -> None:
    parsed = parse(snap(content), output_format=fmt)
    assert parsed.observations == [] and "no records" in parsed.problems[0]


def test_params_that_do_not_fit_the_endpoint_are_refused() -> None:
    with pytest.raises(ValueError, match="event_type only applies"):
        hdx_hapi.Params(endpoint="affected-people/refugees", event_type="political_violence")
    assert hdx_hapi.Params(endpoint=CONFLICT, location_code="ukr").location_code == "UKR"


# --- fetch ----------------------------------------------------------------------------------------

def pages_of(rows: list[dict[str, Any]], seen: list[httpx.Request]) -> Handler:
    """Serve `rows` by limit and offset, as HAPI does."""
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        limit, offset = int(request.url.params["limit"]), int(request.url.params["offset"])
        return httpx.Response(200, json={"data": rows[offset:offset + limit]},
                              headers={"Date": "Fri, 10 Jan 2025 09:00:00 GMT"})
    return handler


def fetch_with(handler: Handler, ctx: Context | None = None, **extra: Any) -> list[Snapshot]:
    with mock_client(handler) as client:
        return hdx_hapi.fetch(client, UKRAINE, params_of(UKRAINE, **extra), ctx or Context(secrets=Secrets()))


MONTHS = [conflict_row(reference_period_start=f"2024-{m:02d}-01T00:00:00",
                       reference_period_end=f"2024-{m:02d}-28T00:00:00") for m in range(1, 6)]


def test_fetch_sends_the_app_identifier_and_pages_by_offset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HDX_HAPI_APP_IDENTIFIER", TOKEN)
    seen: list[httpx.Request] = []
    ctx = Context(secrets=Secrets())
    snapshots = fetch_with(pages_of(MONTHS, seen), ctx, limit=2)
    assert [r.url.params["offset"] for r in seen] == ["0", "2", "4"] and len(snapshots) == 3
    first = seen[0]
    assert (first.url.host, first.url.path) == ("hapi.humdata.org", "/api/v1/coordination-context/conflict-event")
    assert dict(first.url.params) == {"location_code": "UKR", "output_format": "json", "app_identifier": TOKEN,
                                      "limit": "2", "offset": "0"}
    assert first.headers["User-Agent"].startswith("figures/")
    assert all(TOKEN not in s.url and "app_identifier=***" in s.url for s in snapshots)
    assert ctx.cursor == {"latest_period_start": "2024-05-01"}


def test_fetch_drops_the_empty_page_after_a_full_last_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HDX_HAPI_APP_IDENTIFIER", TOKEN)
    seen: list[httpx.Request] = []
    assert len(fetch_with(pages_of(MONTHS[:4], seen), limit=2)) == 2 and len(seen) == 3


def test_fetch_gives_up_after_the_page_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HDX_HAPI_APP_IDENTIFIER", TOKEN)
    monkeypatch.setattr(hdx_hapi, "MAX_PAGES", 2)
    with pytest.raises(SourceError, match="still had rows after 2 pages"):
        fetch_with(pages_of(MONTHS, []), limit=1)


def test_the_cursor_asks_again_from_a_year_before_the_latest_month(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HDX_HAPI_APP_IDENTIFIER", TOKEN)
    seen: list[httpx.Request] = []
    ctx = Context(secrets=Secrets(), cursor={"latest_period_start": "2024-03-01"})
    fetch_with(pages_of(MONTHS, seen), ctx)
    assert seen[0].url.params["reference_period_start_min"] == "2023-03-01"
    assert ctx.cursor == {"latest_period_start": "2024-05-01"}
    fetch_with(pages_of(MONTHS, seen), Context(secrets=Secrets(), cursor={"latest_period_start": "2024-03-01"}),
               revisit_months=None)
    assert "reference_period_start_min" not in seen[1].url.params


def test_fetch_csv_pages_and_reads_the_csv(monkeypatch: pytest.MonkeyPatch, shared_fixtures: Path) -> None:
    monkeypatch.setenv("HDX_HAPI_APP_IDENTIFIER", TOKEN)
    rows = sample_rows(shared_fixtures)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        limit, offset = int(request.url.params["limit"]), int(request.url.params["offset"])
        chunk = rows[offset:offset + limit]
        return httpx.Response(200, text=as_api_csv(chunk) if chunk else "", headers={"Content-Type": "text/csv"})

    snapshots = fetch_with(handler, limit=40, output_format="csv")
    assert [r.url.params["output_format"] for r in seen] == ["csv", "csv"] and len(snapshots) == 2
    found = [o for s in snapshots for o in parse(s, output_format="csv").observations]
    assert sum(o.estimate.low for o in found) == sum(int(r["fatalities"]) for r in rows if r["fatalities"])


def test_fetch_without_a_token_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HDX_HAPI_APP_IDENTIFIER", raising=False)
    with pytest.raises(SourceError, match="set HDX_HAPI_APP_IDENTIFIER") as caught:
        fetch_with(pages_of(MONTHS, []))
    assert "hapi.humdata.org/docs" in str(caught.value)


# --- faults, through the pipeline: what is stored stays as it was ---------------------------------

@pytest.fixture
def stored(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A store that already holds the offline snapshot of the Ukraine source; the token is set."""
    monkeypatch.setitem(ADAPTERS, hdx_hapi.NAME, hdx_hapi)
    monkeypatch.setenv("HDX_HAPI_APP_IDENTIFIER", TOKEN)
    [entry] = hapi_manifest()
    snapshot = recorded_snapshot(entry, UKRAINE.id)
    store.add(snapshot, parse(snapshot).observations)
    return store


GOOD = httpx.Response(200, json={"data": [conflict_row(fatalities=12, reference_period_start="2025-02-01T00:00:00",
                                                       reference_period_end="2025-02-28T00:00:00")]})


@pytest.mark.parametrize(("responses", "says"), [
    ([httpx.Response(200, text='{"data": [{"location_code": "UK')], "truncated JSON"),
    ([httpx.Response(200, text="<!DOCTYPE html><html>maintenance</html>")], "HTML"),
    ([httpx.Response(500, text="oops")], "GET returned 500"),
    ([httpx.ReadTimeout("timed out")], "ReadTimeout"),
])
def test_a_failed_run_changes_nothing_stored(stored: Store, responses: list[Any], says: str) -> None:
    before = stored.count()
    outcome = update_with(stored, answers(*responses), UKRAINE, Secrets())
    assert outcome.status == "failed" and says in (outcome.error or "")
    assert TOKEN not in (outcome.error or "")
    assert stored.count() == before and stored.cursor(UKRAINE.id) == {}


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_say_which_variable_to_set(stored: Store, status: int) -> None:
    before = stored.count()
    outcome = update_with(stored, answers(httpx.Response(status, json={"error": "Invalid app identifier"})), UKRAINE,
                          Secrets())
    error = outcome.error or ""
    assert outcome.status == "failed" and f"GET returned {status}" in error
    assert "set HDX_HAPI_APP_IDENTIFIER" in error and "hapi.humdata.org/docs" in error
    assert TOKEN not in error and "app_identifier=***" in error
    assert stored.count() == before


def test_an_unset_token_skips_the_source(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ADAPTERS, hdx_hapi.NAME, hdx_hapi)
    monkeypatch.delenv("HDX_HAPI_APP_IDENTIFIER", raising=False)
    outcome = update_with(store, answers(GOOD), UKRAINE, Secrets())
    assert outcome.status == "skipped" and "set HDX_HAPI_APP_IDENTIFIER" in (outcome.error or "")
    assert store.count() == {"snapshots": 0, "observations": 0}


@pytest.mark.parametrize("first", [httpx.Response(429, headers={"Retry-After": "3"}),
                                   httpx.Response(503), httpx.ReadTimeout("slow")])
def test_a_passing_fault_is_retried_and_the_run_succeeds(stored: Store, first: Any) -> None:
    sleeps: list[float] = []
    before = stored.count()
    outcome = update_with(stored, answers(first, GOOD), UKRAINE, Secrets(), sleeps)
    assert (outcome.status, outcome.added) == ("ok", 1)
    assert stored.count()["observations"] == before["observations"] + 1 and len(sleeps) == 1
    if isinstance(first, httpx.Response) and first.status_code == 429:
        assert sleeps == [3.0]
    assert stored.cursor(UKRAINE.id) == {"latest_period_start": "2025-02-01"}


def test_a_second_page_that_fails_stores_nothing_from_the_run(stored: Store) -> None:
    before = stored.count()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params["offset"] == "0":
            return httpx.Response(200, json={"data": MONTHS[:2]})
        return httpx.Response(200, text='{"data": [')

    outcome = update_with(stored, handler, with_params(UKRAINE, limit=2), Secrets())
    assert outcome.status == "failed" and "page 2 could not be read" in (outcome.error or "")
    assert stored.count() == before


def test_a_changed_schema_reads_what_it_can(stored: Store) -> None:
    renamed = {k: v for k, v in GOOD.json()["data"][0].items() if k != "fatalities"} | {"deaths": 12}
    other = conflict_row(place="Beryslavskyi", fatalities=3, reference_period_start="2025-02-01T00:00:00",
                         reference_period_end="2025-02-28T00:00:00")
    before = stored.count()
    outcome = update_with(stored, answers(httpx.Response(200, json={"data": [renamed, other]})), UKRAINE, Secrets())
    assert (outcome.status, outcome.added) == ("partial", 1)
    [problem] = outcome.problems
    assert "field 'fatalities' is missing" in problem and "'hdx-hapi-ukraine-conflict'" in problem
    assert stored.count()["observations"] == before["observations"] + 1


def test_an_empty_answer_adds_nothing_and_says_so(stored: Store) -> None:
    before = stored.count()
    outcome = update_with(stored, answers(httpx.Response(200, json={"data": []})), UKRAINE, Secrets())
    assert outcome.status == "partial" and "no records" in outcome.problems[0]
    assert stored.count()["observations"] == before["observations"]


def test_records_repeated_across_pages_are_stored_once(stored: Store) -> None:
    rows = [MONTHS[0], MONTHS[1], MONTHS[1], MONTHS[2]]  # the second page repeats the last row of the first
    before = stored.count()
    outcome = update_with(stored, pages_of(rows, []), with_params(UKRAINE, limit=2), Secrets())
    assert (outcome.status, outcome.snapshots, outcome.added, outcome.known) == ("ok", 2, 3, 1)
    assert stored.count()["observations"] == before["observations"] + 3


def test_the_offline_snapshot_again_adds_nothing(stored: Store) -> None:
    [entry] = hapi_manifest()
    content = (OFFLINE / entry["file"]).read_bytes()
    outcome = update_with(stored, answers(httpx.Response(200, content=content)), UKRAINE, Secrets())
    assert (outcome.status, outcome.added, outcome.known) == ("ok", 0, 32)
