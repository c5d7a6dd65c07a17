"""The UNHCR Refugee Data Finder adapter: golden file, the real recorded responses, fetch and faults.

Golden file: the parse of figures/data/offline/unhcr_rdf_*.json (real UNHCR items in the API's
envelope) is compared with tests/expected/unhcr_rdf/<stem>.csv; regenerate with
`FIGURES_REGEN_GOLDEN=1 pytest tests/test_unhcr_rdf.py` and review the diff.
Real responses: ../shared/fixtures/unhcr_refugee_data_finder/ (four trimmed `population/` answers,
one per asylum country, saved by arch-beard/OPEN-INVESTIGATION), read in place. Fetch tests run on
httpx.MockTransport with pages built from those real items.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from adapter_faults import Handler, answers, mock_client, recorded_snapshot, update_with
from goldens import entry_stem, golden_path, match_golden, offline_manifest

from figures.config import SourceConfig, load_sources
from figures.errors import ParseError, SourceError
from figures.http import build_client
from figures.models import Snapshot
from figures.offline import replay_transport
from figures.sources import ADAPTERS, unhcr_rdf
from figures.sources.base import Context
from figures.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFLINE = REPO_ROOT / "figures" / "data" / "offline"
WHEN = datetime(2025, 10, 3, 9, tzinfo=UTC)

#: The entries proposed for sources.yaml (the same text as in the hand-over report).
PROPOSED = yaml.safe_load("""
sources:
  - id: unhcr-rdf-ukraine
    adapter: unhcr-rdf
    publisher: UNHCR
    title: "UNHCR Refugee Data Finder: refugees from Ukraine by country of asylum, and IDPs in Ukraine (end of year)"
    licence: "CC BY 4.0 (UNHCR Refugee Data Finder); attribute UNHCR"
    url: https://www.unhcr.org/refugee-statistics/download
    area: UKR
    cadence: yearly
    params: {coo: UKR, coa_all: true, year_from: 2021}
  - id: unhcr-rdf-sudan
    adapter: unhcr-rdf
    publisher: UNHCR
    title: "UNHCR Refugee Data Finder: refugees from Sudan by country of asylum (end of year)"
    licence: "CC BY 4.0 (UNHCR Refugee Data Finder); attribute UNHCR"
    url: https://www.unhcr.org/refugee-statistics/download
    area: SDN
    cadence: yearly
    params: {coo: SDN, coa_all: true, year_from: 2022, metrics: [refugees]}
""")["sources"]
SOURCES = [SourceConfig.model_validate(s) for s in PROPOSED]
UKRAINE, SUDAN = SOURCES


def params_of(source: SourceConfig) -> unhcr_rdf.Params:
    return unhcr_rdf.Params.model_validate(source.params)


def rdf_manifest() -> list[dict[str, str]]:
    return offline_manifest("unhcr_rdf")


def source_for(url: str) -> SourceConfig:
    """The proposed source whose first request is this manifest url."""
    matches = [s for s in SOURCES if httpx.URL(unhcr_rdf.request_url(params_of(s))) == httpx.URL(url)]
    assert len(matches) == 1, f"{url} matches {len(matches)} proposed sources"
    return matches[0]


def entry_of(source: SourceConfig) -> dict[str, str]:
    """The manifest entry that answers this proposed source."""
    [entry] = [e for e in rdf_manifest() if source_for(e["url"]) is source]
    return entry


def snap(content: bytes | str, url: str = "https://api.unhcr.org/population/v1/population/?page=1") -> Snapshot:
    body = content.encode() if isinstance(content, str) else content
    return Snapshot(source_id=UKRAINE.id, url=url, retrieved_at=WHEN, content=body, content_type="application/json")


def parse(snapshot: Snapshot, source: SourceConfig = UKRAINE, **params: Any) -> Any:
    return unhcr_rdf.parse(snapshot, source, unhcr_rdf.Params.model_validate({**source.params, **params}))


def item(year: int = 2022, coo: str = "UKR", coa: str = "POL", **fields: Any) -> dict[str, Any]:
    """One item in the API's shape; codes and names as UNHCR writes them."""
    names = {"UKR": "Ukraine", "POL": "Poland", "GFR": "Germany", "MDA": "Rep. of Moldova", "-": "-"}
    iso = {"GFR": "DEU"}
    out: dict[str, Any] = {"year": year, "coo_name": names[coo], "coo": coo, "coo_iso": iso.get(coo, coo),
                           "coa_name": names[coa], "coa": coa, "coa_iso": iso.get(coa, coa),
                           "refugees": "0", "asylum_seekers": "0", "idps": "0", "oip": "-"}
    out.update(fields)
    return out


def page(items: list[dict[str, Any]], number: int = 1, max_pages: int | None = 1) -> dict[str, Any]:
    envelope: dict[str, Any] = {"page": number, "total": [], "items": items}
    if max_pages is not None:
        envelope["maxPages"] = max_pages
    return envelope


# --- golden file and offline replay ---------------------------------------------------------------

@pytest.mark.parametrize("entry", rdf_manifest(), ids=entry_stem)
def test_offline_snapshot_matches_its_golden_file(entry: dict[str, str]) -> None:
    source = source_for(entry["url"])
    parsed = parse(recorded_snapshot(entry, source.id, content_type="application/json"), source)
    assert parsed.problems == []
    match_golden(parsed.observations, golden_path("unhcr_rdf", entry["file"]))


def test_offline_snapshot_is_what_the_proposed_ukraine_source_fetches() -> None:
    entry = entry_of(UKRAINE)
    with build_client(transport=replay_transport()) as client:
        ctx = Context(cursor={"latest_year": 2024}, offline=True)
        [snapshot] = unhcr_rdf.fetch(client, UKRAINE, params_of(UKRAINE), ctx)
    assert snapshot.content == (OFFLINE / entry["file"]).read_bytes()
    assert snapshot.retrieved_at == datetime.fromisoformat(entry["retrieved"])
    assert ctx.cursor == {"latest_year": 2024}  # offline replays neither read nor move the cursor
    found = parse(snapshot).observations
    by_key = {(o.metric, o.place, o.as_of.year): o.estimate.best for o in found}
    assert by_key[("refugees", "Poland", 2022)] == 958_147
    assert by_key[("refugees", "Germany", 2024)] == 1_205_729
    assert by_key[("idps", None, 2022)] == 5_914_000
    assert {o.area for o in found} == {"UKR"}


def test_offline_snapshot_is_what_the_proposed_sudan_source_fetches() -> None:
    entry = entry_of(SUDAN)
    with build_client(transport=replay_transport()) as client:
        [snapshot] = unhcr_rdf.fetch(client, SUDAN, params_of(SUDAN), Context(offline=True))
    assert snapshot.content == (OFFLINE / entry["file"]).read_bytes()
    found = parse(snapshot, SUDAN).observations
    by_key = {(o.metric, o.place, o.as_of.year): o.estimate.best for o in found}
    assert by_key[("refugees", "Chad", 2024)] == 1_109_357
    assert by_key[("refugees", "Egypt", 2024)] == 27_696  # most Sudanese in Egypt are asylum seekers, not read
    # UNHCR's IDPs in Sudan count those displaced before the war too; left out (see the manifest note)
    assert {o.metric for o in found} == {"refugees"} and {o.area for o in found} == {"SDN"}


# --- the real recorded responses ------------------------------------------------------------------

FIXTURES = ["population_coa-POL_trimmed.json", "population_coa-UKR_trimmed.json",
            "population_coa-MDA_trimmed.json", "population_coa-GFR_trimmed.json"]


def expected_from(document: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """Per metric: how many figures and their sum, worked out from the file on its own terms."""
    out = {"refugees": (0, 0), "idps": (0, 0)}
    for it in document["items"]:
        same = it["coo"] == it["coa"]
        for field, wanted in (("refugees", not same), ("idps", same)):
            if wanted and it[field] != "-":
                n, total = out[field]
                out[field] = (n + 1, total + int(it[field]))
    return out


@pytest.mark.parametrize("name", FIXTURES)
def test_real_response_counts_and_sums(shared_fixtures: Path, name: str) -> None:
    body = (shared_fixtures / "unhcr_refugee_data_finder" / name).read_bytes()
    document = json.loads(body)
    parsed = parse(snap(body))
    assert parsed.problems == []
    for metric, (n, total) in expected_from(document).items():
        found = [o for o in parsed.observations if o.metric == metric]
        assert (len(found), sum(o.estimate.best or 0 for o in found)) == (n, total), metric
    assert len(parsed.observations) == len(document["items"])  # each item: a refugee or an IDP figure
    for o in parsed.observations:
        assert o.scope == "cumulative" and o.as_of.month == 12 and o.as_of.day == 31
        assert o.estimate.rule == "exact" and o.estimate.low == o.estimate.best == o.estimate.high


def test_real_germany_uses_iso_codes_not_unhcr_codes(shared_fixtures: Path) -> None:
    body = (shared_fixtures / "unhcr_refugee_data_finder" / "population_coa-GFR_trimmed.json").read_bytes()
    snapshot = snap(body)
    found = parse(snapshot).observations
    assert {(o.area, o.place) for o in found} == {("UKR", "Germany")}
    last = found[-1]
    assert (last.as_of, last.estimate.best, last.estimate.text) == (date(2024, 12, 31), 1_205_729, "1205729")
    assert last.provenance.locator == "$.items[9].refugees"
    assert json.loads(last.provenance.quote) == {"year": 2024, "coo_iso": "UKR", "coa_iso": "DEU",
                                                 "coa_name": "Germany", "refugees": 1205729}
    assert last.provenance.snapshot_sha256 == snapshot.sha256
    assert (last.provenance.adapter, last.provenance.adapter_version) == ("unhcr-rdf", "1.0")


def test_real_ukraine_rows_carry_idps_and_refugees_hosted(shared_fixtures: Path) -> None:
    body = (shared_fixtures / "unhcr_refugee_data_finder" / "population_coa-UKR_trimmed.json").read_bytes()
    found = parse(snap(body)).observations
    idps = {o.as_of.year: o.estimate.best for o in found if o.metric == "idps"}
    assert idps[2021] == 854_000 and idps[2022] == 5_914_000 and idps[2024] == 3_665_000
    assert all(o.place is None and o.area == "UKR" for o in found if o.metric == "idps")
    # refugees from Russia and Belarus hosted in Ukraine: area is the origin, place the host
    russians = [o for o in found if o.metric == "refugees" and o.area == "RUS"]
    assert {o.place for o in russians} == {"Ukraine"} and len(russians) == 10


# --- the API's quirks -----------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "best"), [("0", 0), (0, 0), (958147, 958_147), ("958147", 958_147)])
def test_zero_as_string_and_numbers_are_figures(value: Any, best: int) -> None:
    [o] = parse(snap(json.dumps(page([item(refugees=value)])))).observations
    assert (o.estimate.low, o.estimate.best, o.estimate.high, o.estimate.text) == (best, best, best, str(value))


def test_dash_is_not_applicable_and_gives_no_figure() -> None:
    parsed = parse(snap(json.dumps(page([item(refugees="-"), item(coa="UKR", idps="-")]))))
    assert parsed.observations == [] and parsed.problems == []


def test_refugees_in_their_own_country_and_idps_abroad_are_not_figures() -> None:
    items = [item(coa="UKR", refugees="0", idps=5914000), item(coa="POL", refugees=958147, idps="0")]
    found = parse(snap(json.dumps(page(items)))).observations
    assert [(o.metric, o.place, o.estimate.best) for o in found] == [("idps", None, 5_914_000),
                                                                    ("refugees", "Poland", 958_147)]


def test_metrics_keeps_the_figures_a_situation_wants() -> None:
    """Sudan keeps UNHCR's refugees only: its IDPs count the pre-war displaced, IOM DTM's the war's."""
    items = [item(coa="UKR", refugees="0", idps=3_552_717), item(coa="POL", refugees=958_147, idps="0")]
    found = parse(snap(json.dumps(page(items))), metrics=["refugees"]).observations
    assert [(o.metric, o.estimate.best) for o in found] == [("refugees", 958_147)]
    without = {k: v for k, v in item(coa="POL", refugees=958_147).items() if k != "idps"}
    parsed = parse(snap(json.dumps(page([without]))), metrics=["refugees"])
    assert parsed.problems == [] and len(parsed.observations) == 1  # a field not wanted is not missed
    shipped = load_sources(REPO_ROOT / "sources.yaml")
    assert [shipped.get(s.id).params for s in SOURCES] == [s.params for s in SOURCES]  # as sources.yaml says
    assert SUDAN.params["metrics"] == ["refugees"]
    with pytest.raises(ValueError, match="metrics"):
        unhcr_rdf.Params.model_validate({"coo": "SDN", "metrics": ["deaths"]})


def test_a_dimension_not_broken_down_gives_the_total_without_a_place() -> None:
    totals = item(coa="-", refugees=5_700_000, idps="0")
    found = parse(snap(json.dumps(page([totals]))), coa_all=False).observations
    assert [(o.metric, o.place) for o in found] == [("refugees", None), ("idps", None)]


def test_origin_not_broken_down_falls_back_to_the_iso_filter() -> None:
    record = item(coo="-", coa="POL", refugees=958147)
    [o] = parse(snap(json.dumps(page([record])))).observations
    assert o.area == "UKR" and o.place == "Poland"
    unknown = parse(snap(json.dumps(page([record]))), coo=None).problems
    assert len(unknown) == 1 and "no ISO3 code" in unknown[0] and "$.items[0]" in unknown[0]


@pytest.mark.parametrize(("value", "why"), [(-5, "negative"), ("many", "not a count"), (True, "boolean")])
def test_a_bad_count_skips_that_record_only(value: Any, why: str) -> None:
    parsed = parse(snap(json.dumps(page([item(year=2021, refugees=value), item(refugees=958147)]))))
    assert [o.estimate.best for o in parsed.observations] == [958_147]
    [problem] = parsed.problems
    assert why in problem and "$.items[0]" in problem and "'refugees'" in problem and "'unhcr-rdf-ukraine'" in problem


def test_a_renamed_field_is_named_once_and_other_figures_still_read() -> None:
    renamed = [{**{k: v for k, v in item(refugees=958147).items() if k != "refugees"}, "refugee": 958147},
               item(coa="UKR", idps=5914000)]
    parsed = parse(snap(json.dumps(page(renamed))))
    assert [(o.metric, o.estimate.best) for o in parsed.observations] == [("idps", 5_914_000)]
    [problem] = parsed.problems
    assert "field 'refugees' is missing in 1 of 2 records" in problem and "'unhcr-rdf-ukraine'" in problem


@pytest.mark.parametrize(("body", "says", "field"), [
    ('{"page": 1, "maxPages": 1, "items": [{"year": 2022', "truncated JSON", None),
    ("<!DOCTYPE html><html><body>Service Unavailable</body></html>", "HTML", None),
    ('{"page": 1, "maxPages": 1, "results": []}', "no such field", "items"),
    ('{"page": 1, "items": {"year": 2022}}', "expected a list", "items"),
])
def test_an_unreadable_response_raises_parse_error(body: str, says: str, field: str | None) -> None:
    with pytest.raises(ParseError, match=says) as caught:
        parse(snap(body))
    assert caught.value.field == field and caught.value.source_id == UKRAINE.id


def test_an_empty_response_is_a_problem_not_an_error() -> None:
    parsed = parse(snap(json.dumps(page([], max_pages=0))))
    assert parsed.observations == []
    assert len(parsed.problems) == 1 and "no records" in parsed.problems[0]


# --- fetch ----------------------------------------------------------------------------------------

def serve(pages: dict[int, Any], seen: list[httpx.Request]) -> Handler:
    """Answer `page=N` with pages[N] (JSON, or a Response as is)."""
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = pages[int(request.url.params["page"])]
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer, headers={"Date": "Fri, 03 Oct 2025 09:00:00 GMT"})
    return handler


def fetch_with(handler: Handler, source: SourceConfig = UKRAINE, ctx: Context | None = None,
               **params: Any) -> list[Snapshot]:
    with mock_client(handler) as client:
        return unhcr_rdf.fetch(client, source, unhcr_rdf.Params.model_validate({**source.params, **params}),
                               ctx or Context())


def test_fetch_asks_for_iso_codes_and_pages_to_max_pages() -> None:
    seen: list[httpx.Request] = []
    pages = {n: page([item(year=2020 + n, refugees=n)], number=n, max_pages=3) for n in (1, 2, 3)}
    ctx = Context()
    snapshots = fetch_with(serve(pages, seen), ctx=ctx, limit=1)
    assert len(snapshots) == 3 and len(seen) == 3
    first = seen[0]
    assert (first.url.host, first.url.path) == ("api.unhcr.org", "/population/v1/population/")
    assert dict(first.url.params) == {"limit": "1", "yearFrom": "2021", "coo": "UKR", "coa_all": "true",
                                      "cf_type": "ISO", "page": "1"}
    assert first.headers["User-Agent"].startswith("figures/")
    assert [r.url.params["page"] for r in seen] == ["1", "2", "3"]
    assert snapshots[0].url == str(first.url) and snapshots[0].retrieved_at == WHEN
    assert ctx.cursor == {"latest_year": 2023}


def test_fetch_without_max_pages_stops_on_a_short_page() -> None:
    seen: list[httpx.Request] = []
    full = [item(year=2022, refugees=1), item(year=2023, refugees=2)]
    pages = {1: page(full, max_pages=None), 2: page(full[:1], number=2, max_pages=None)}
    assert len(fetch_with(serve(pages, seen), limit=2)) == 2 and len(seen) == 2


def test_fetch_drops_an_empty_page_after_the_last_full_one() -> None:
    seen: list[httpx.Request] = []
    pages = {1: page([item(refugees=1), item(refugees=2)], max_pages=None), 2: page([], number=2, max_pages=None)}
    assert len(fetch_with(serve(pages, seen), limit=2)) == 1 and len(seen) == 2


def test_fetch_gives_up_after_the_page_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unhcr_rdf, "MAX_PAGES", 3)
    seen: list[httpx.Request] = []
    pages = {n: page([item(refugees=n)], number=n, max_pages=99) for n in range(1, 4)}
    with pytest.raises(SourceError, match="still had pages after 3") as caught:
        fetch_with(serve(pages, seen), limit=1)
    assert caught.value.source_id == UKRAINE.id and len(seen) == 3


def test_the_cursor_narrows_the_next_run_to_recent_years() -> None:
    seen: list[httpx.Request] = []
    pages = {1: page([item(year=2024, refugees=991223), item(year=2025, refugees=1)])}
    ctx = Context(cursor={"latest_year": 2024})
    fetch_with(serve(pages, seen), ctx=ctx)
    assert seen[0].url.params["yearFrom"] == "2023"  # revisit_years=2: 2023 and 2024 again, then anything new
    assert ctx.cursor == {"latest_year": 2025}
    fetch_with(serve(pages, seen), ctx=Context(cursor={"latest_year": 2024}), revisit_years=None)
    assert seen[1].url.params["yearFrom"] == "2021"  # revisiting turned off: always the full series


def test_unhcr_codes_are_sent_without_cf_type() -> None:
    url = httpx.URL(unhcr_rdf.request_url(unhcr_rdf.Params(coa="GFR", coo_all=True, code_type="UNHCR", year_to=2024)))
    assert dict(url.params) == {"limit": "10000", "yearTo": "2024", "coa": "GFR", "coo_all": "true", "page": "1"}


def test_base_url_override_is_honoured() -> None:
    seen: list[httpx.Request] = []
    fetch_with(serve({1: page([])}, seen), base_url="https://api2.unhcr.org/population/v2")
    assert (seen[0].url.host, seen[0].url.path) == ("api2.unhcr.org", "/population/v2/population/")


# --- faults, through the pipeline: what is stored stays as it was ---------------------------------

@pytest.fixture
def stored(store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A store that already holds the offline snapshot of the Ukraine source."""
    monkeypatch.setitem(ADAPTERS, unhcr_rdf.NAME, unhcr_rdf)
    snapshot = recorded_snapshot(entry_of(UKRAINE), UKRAINE.id)
    store.add(snapshot, parse(snapshot).observations)
    return store


GOOD = httpx.Response(200, json=page([item(year=2025, refugees=1_000_001)]))


@pytest.mark.parametrize(("responses", "says"), [
    ([httpx.Response(200, text='{"page": 1, "items": [{"year": 20')], "truncated JSON"),
    ([httpx.Response(200, text="<html><body>Bad gateway</body></html>")], "HTML"),
    ([httpx.Response(503, text="down")], "GET returned 503"),
    ([httpx.Response(403, text="forbidden")], "GET returned 403"),
    ([httpx.ReadTimeout("timed out")], "ReadTimeout"),
])
def test_a_failed_run_changes_nothing_stored(stored: Store, responses: list[Any], says: str) -> None:
    before = stored.count()
    outcome = update_with(stored, answers(*responses), UKRAINE)
    assert outcome.status == "failed" and says in (outcome.error or "")
    assert "'unhcr-rdf-ukraine'" in (outcome.error or "")
    assert stored.count() == before and stored.cursor(UKRAINE.id) == {}


def test_a_second_page_that_fails_stores_nothing_from_the_run(stored: Store) -> None:
    before = stored.count()
    pages = {1: page([item(year=2025, refugees=5)], max_pages=2),
             2: httpx.Response(200, text='{"page": 2, "items": [')}
    outcome = update_with(stored, serve(pages, []), UKRAINE)
    assert outcome.status == "failed" and "page 2 could not be read" in (outcome.error or "")
    assert stored.count() == before


@pytest.mark.parametrize("first", [httpx.Response(429, headers={"Retry-After": "7"}),
                                   httpx.Response(502), httpx.ReadTimeout("slow")])
def test_a_passing_fault_is_retried_and_the_run_succeeds(stored: Store, first: Any) -> None:
    sleeps: list[float] = []
    before = stored.count()
    outcome = update_with(stored, answers(first, GOOD), UKRAINE, sleeps=sleeps)
    assert (outcome.status, outcome.added) == ("ok", 1)
    assert stored.count()["observations"] == before["observations"] + 1
    assert len(sleeps) == 1
    if isinstance(first, httpx.Response) and first.status_code == 429:
        assert sleeps == [7.0]
    assert stored.cursor(UKRAINE.id) == {"latest_year": 2025}


def test_an_empty_page_adds_nothing_and_says_so(stored: Store) -> None:
    before = stored.count()
    outcome = update_with(stored, answers(httpx.Response(200, json=page([], max_pages=0))), UKRAINE)
    assert outcome.status == "partial" and "no records" in outcome.problems[0]
    assert stored.count()["observations"] == before["observations"]


def test_records_repeated_across_pages_are_stored_once(stored: Store) -> None:
    repeated = item(year=2025, refugees=42)
    pages = {1: page([repeated, item(year=2025, coa="GFR", refugees=7)], max_pages=2),
             2: page([repeated], number=2, max_pages=2)}
    before = stored.count()
    outcome = update_with(stored, serve(pages, []), UKRAINE)
    assert (outcome.status, outcome.snapshots, outcome.added, outcome.known) == ("ok", 2, 2, 1)
    assert stored.count()["observations"] == before["observations"] + 2


def test_the_offline_snapshot_again_adds_nothing(stored: Store) -> None:
    body = (OFFLINE / entry_of(UKRAINE)["file"]).read_bytes()
    outcome = update_with(stored, answers(httpx.Response(200, content=body,
                                                          headers={"Date": "Sat, 04 Oct 2025 09:00:00 GMT"})), UKRAINE)
    assert (outcome.status, outcome.added, outcome.known) == ("ok", 0, 16)
