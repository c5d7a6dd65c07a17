"""The UNHCR Operational Data Portal adapter: golden files, real recorded responses, revisions, fetch.

Golden files: the parse of each project-written offline snapshot in figures/data/offline/ is
compared with tests/expected/<adapter module>/<file stem>.csv (tests/goldens.py). After a deliberate
change run `FIGURES_REGEN_GOLDEN=1 pytest tests/test_unhcr_odp.py` and review the diff before committing.

Real responses: ../shared/fixtures/unhcr_odp/ holds byte-identical copies of the portal responses
OCHA-DAP recorded in April and August 2022 (see SOURCES.md there); they are read in place.
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
from adapter_faults import answers, mock_client, recorded_snapshot
from goldens import (
    EXPECTED,
    GOLDEN_COLUMNS,
    entry_stem,
    golden_path,
    golden_stems,
    match_golden,
    observations_csv,
    same_request,
)

from figures.config import SourceConfig, SourcesFile, load_sources
from figures.errors import SourceError
from figures.http import build_client
from figures.models import Snapshot
from figures.offline import manifest, replay_transport
from figures.query import query
from figures.sources import ADAPTERS, get_adapter, unhcr_odp
from figures.sources.base import Context
from figures.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFLINE = REPO_ROOT / "figures" / "data" / "offline"
SOURCES = load_sources(REPO_ROOT / "sources.yaml")


def unhcr_manifest() -> list[dict[str, str]]:
    """The offline snapshots of the UNHCR portal (other adapters test their own)."""
    return [e for e in manifest() if httpx.URL(e["url"]).host.endswith("data.unhcr.org")]


def module_stem(adapter_name: str) -> str:
    """The folder of an adapter's golden files: its module name (`unhcr-odp` -> `unhcr_odp`)."""
    return ADAPTERS[adapter_name].__name__.rsplit(".", 1)[-1]


def source_for(url: str) -> SourceConfig:
    """The source in sources.yaml whose request is this manifest entry's url."""
    matches = [s for s in SOURCES.sources if s.adapter == unhcr_odp.NAME
               and same_request(unhcr_odp.request_url(unhcr_odp.Params.model_validate(s.params)), url)]
    assert len(matches) == 1, f"{url} matches {len(matches)} sources in sources.yaml"
    return matches[0]


def offline_snapshot(entry: dict[str, str], source: SourceConfig) -> Snapshot:
    return recorded_snapshot(entry, source.id, content_type="application/json")


def parse_with(source: SourceConfig, snapshot: Snapshot) -> Any:
    adapter = get_adapter(source.adapter)
    return adapter.parse(snapshot, source, adapter.Params.model_validate(source.params))


def test_observations_csv_writes_every_column_and_empty_cells() -> None:
    entry = unhcr_manifest()[0]
    parsed = parse_with(source_for(entry["url"]), offline_snapshot(entry, source_for(entry["url"])))
    rows = list(csv.DictReader(io.StringIO(observations_csv(parsed.observations[:1]))))
    assert list(rows[0]) == GOLDEN_COLUMNS
    assert rows[0]["place"] == ""  # None is an empty cell, not "None"
    assert rows[0]["as_of"] == "2022-02-24"


# --- golden files -----------------------------------------------------------------------------

@pytest.mark.parametrize("entry", unhcr_manifest(), ids=entry_stem)
def test_offline_snapshot_matches_its_golden_file(entry: dict[str, str]) -> None:
    source = source_for(entry["url"])
    parsed = parse_with(source, offline_snapshot(entry, source))
    assert parsed.problems == []
    match_golden(parsed.observations, golden_path(module_stem(source.adapter), entry["file"]))


@pytest.mark.parametrize("name", sorted(ADAPTERS))
def test_every_adapter_has_a_fixture_and_a_golden_file(name: str) -> None:
    """Each adapter has recorded inputs (its offline manifest or tests/fixtures/<module>/) and golden files."""
    stem = module_stem(name)
    manifest_file = OFFLINE / f"manifest-{stem}.json"
    recorded = [Path(e["file"]).stem for e in json.loads(manifest_file.read_text(encoding="utf-8"))] \
        if manifest_file.exists() else []
    recorded += [p.stem for p in (Path(__file__).parent / "fixtures" / stem).glob("*") if p.suffix != ".md"]
    assert recorded, f"adapter {name!r} has no offline snapshot and no fixture in tests/fixtures/{stem}/"
    folder = EXPECTED / stem
    goldens = golden_stems(stem)
    assert goldens, f"adapter {name!r} has no golden file in {folder}"
    assert set(goldens) <= set(recorded), f"golden files without an input: {set(goldens) - set(recorded)}"


def test_every_offline_snapshot_belongs_to_a_registered_adapter() -> None:
    stems = {module_stem(n) for n in ADAPTERS}
    for manifest_file in OFFLINE.glob("manifest-*.json"):
        assert manifest_file.stem.removeprefix("manifest-") in stems, manifest_file.name


@pytest.mark.parametrize("source", SOURCES.sources, ids=[s.id for s in SOURCES.sources])
def test_every_configured_adapter_is_registered(source: SourceConfig) -> None:
    assert source.adapter in ADAPTERS
    adapter = get_adapter(source.adapter)
    assert source.adapter == adapter.NAME


def test_every_offline_manifest_entry_is_served_by_the_replay() -> None:
    with build_client(transport=replay_transport()) as client:
        for entry in unhcr_manifest():
            source = source_for(entry["url"])
            [snapshot] = unhcr_odp.fetch(client, source, unhcr_odp.Params.model_validate(source.params), Context())
            assert snapshot.content == (OFFLINE / entry["file"]).read_bytes()
            assert snapshot.retrieved_at == datetime.fromisoformat(entry["retrieved"])


# --- the real recorded responses --------------------------------------------------------------

def real_source(population_group: str, endpoint: str, scope: str) -> SourceConfig:
    return SourceConfig(
        id=f"unhcr-{endpoint}-{population_group.replace(',', '-')}", adapter="unhcr-odp", publisher="UNHCR",
        title="Ukraine Refugee Situation", licence="UNHCR terms of use", url="https://data.unhcr.org/en/situations/ukraine",
        area="UKR", cadence="daily",
        params={"endpoint": endpoint, "sv_id": 54, "population_group": population_group, "scope": scope},
    )


def real_parse(folder: Path, name: str, source: SourceConfig, retrieved: datetime) -> Any:
    body = (folder / "unhcr_odp" / name).read_bytes()
    params = unhcr_odp.Params.model_validate(source.params)
    snapshot = Snapshot(source_id=source.id, url=unhcr_odp.request_url(params), retrieved_at=retrieved, content=body)
    return unhcr_odp.parse(snapshot, source, params), snapshot


APRIL = datetime(2022, 4, 26, 9, tzinfo=UTC)
AUGUST = datetime(2022, 8, 5, 9, tzinfo=UTC)


def test_real_daily_crossings_april_2022(shared_fixtures: Path, sources_file: SourcesFile) -> None:
    parsed, snapshot = real_parse(shared_fixtures, "timeseries_sv54_pg5457_day_2022-04.json",
                                  sources_file.get("unhcr-ukraine-crossings"), APRIL)
    found = parsed.observations
    assert parsed.problems == []
    assert len(found) == 61
    assert sum(o.estimate.best for o in found) == 5_264_767
    assert [o.as_of for o in found[:2]] == [date(2022, 2, 24), date(2022, 2, 25)]
    assert found[-1].as_of == date(2022, 4, 25)
    first = found[0]
    assert (first.estimate.low, first.estimate.best, first.estimate.high) == (79_982, 79_982, 79_982)
    assert first.scope == "incident" and first.period_start == first.period_end == date(2022, 2, 24)
    assert first.provenance.snapshot_sha256 == snapshot.sha256
    assert first.provenance.locator == "$.data.timeseries[0]"
    assert json.loads(first.provenance.quote) == {"data_date": "2022-02-24", "individuals": 79982}
    assert first.provenance.title == "Ukraine Refugee Situation"  # the portal's own name for it


def test_real_by_country_april_2022_matches_the_daily_sum(shared_fixtures: Path, sources_file: SourcesFile) -> None:
    parsed, _ = real_parse(shared_fixtures, "sublocation_sv54_pg5459-5460_2022-04.json",
                           sources_file.get("unhcr-ukraine-by-country"), APRIL)
    daily, _ = real_parse(shared_fixtures, "timeseries_sv54_pg5457_day_2022-04.json",
                          sources_file.get("unhcr-ukraine-crossings"), APRIL)
    found = parsed.observations
    assert parsed.problems == []
    assert len(found) == 7
    assert {o.place for o in found} == {"Poland", "Russian Federation", "Hungary", "Republic of Moldova",
                                       "Romania", "Slovakia", "Belarus"}
    assert sum(o.estimate.best for o in found) == 5_264_767
    assert sum(o.estimate.best for o in found) == sum(o.estimate.best for o in daily.observations)
    assert {o.as_of for o in found} == {date(2022, 4, 25)}
    assert all(o.scope == "cumulative" and o.period_start is None for o in found)
    poland = next(o for o in found if o.place == "Poland")
    assert poland.estimate.best == 2_922_978 and poland.estimate.text == "2922978"


def test_real_by_country_august_2022_keeps_each_countrys_date(shared_fixtures: Path) -> None:
    source = real_source("5459,5478", "sublocation", "cumulative")
    parsed, _ = real_parse(shared_fixtures, "sublocation_sv54_pg5459-5478_2022-08.json", source, AUGUST)
    found = {o.place: o for o in parsed.observations}
    assert parsed.problems == []
    assert len(parsed.observations) == 44 and len(found) == 44
    assert found["Türkiye"].as_of == date(2022, 5, 19)
    assert found["Türkiye"].estimate.best == 145_000
    assert found["Poland"].as_of == date(2022, 8, 1)
    assert found["Poland"].estimate.best == 1_256_568
    assert found["Poland"].estimate.text == "1256568"  # the portal sends a string; the text keeps it
    assert found["Poland"].provenance.attributed_to == "UNHCR, Government"
    assert found["Serbia and Kosovo: S/RES/1244 (1999)"].estimate.best == 14_366
    assert len({o.as_of for o in found.values()}) > 5  # a sum of differently dated stocks
    assert all(isinstance(o.estimate.best, int) for o in found.values())
    assert json.loads(found["Türkiye"].provenance.quote) == {
        "date": "2022-05-19", "geomaster_name": "Türkiye", "individuals": "145000"}


def test_real_recorded_across_europe_is_a_cumulative_stock(shared_fixtures: Path, store: Store) -> None:
    source = real_source("5478", "timeseries", "cumulative")
    parsed, snapshot = real_parse(shared_fixtures, "timeseries_sv54_pg5478_day_2022-08.json", source, AUGUST)
    found = parsed.observations
    assert parsed.problems == []
    assert len(found) == 69
    assert all(o.scope == "cumulative" and o.period_start is None and o.period_end is None for o in found)
    by_day = {o.as_of: o.estimate.best for o in found}
    assert by_day[date(2022, 4, 25)] == 85_000
    assert by_day[date(2022, 6, 1)] == 4_773_142
    assert by_day[date(2022, 8, 3)] == 6_307_137
    # a stock is read as of a date, never summed
    store.add(snapshot, found)
    assert query("refugees", area="UKR", on="2022-08-03", db=store, source_order=[source.id]).best == 6_307_137
    answer = query("refugees", area="UKR", on="2022-06-04", db=store, source_order=[source.id])
    assert (answer.best, answer.as_of, answer.figures[0].rule) == (by_day[date(2022, 6, 3)], date(2022, 6, 3), "exact")


# --- revisions --------------------------------------------------------------------------------

def revised_snapshot(first: Snapshot, day: str, value: int, retrieved: datetime) -> Snapshot:
    """The same response re-served later with one day's figure revised."""
    document = json.loads(first.content)
    [record] = [r for r in document["data"]["timeseries"] if r["data_date"] == day]
    record["individuals"] = value
    return Snapshot(source_id=first.source_id, url=first.url, retrieved_at=retrieved,
                    content=json.dumps(document, indent=1).encode(), content_type="application/json")


def test_a_revised_day_adds_one_row_and_history_stays_queryable(store: Store, sources_file: SourcesFile) -> None:
    source = sources_file.get("unhcr-ukraine-crossings")
    entry = next(e for e in unhcr_manifest() if source_for(e["url"]).id == source.id)
    april = offline_snapshot(entry, source)
    june = revised_snapshot(april, "2022-02-24", 79_209, datetime(2022, 6, 15, 9, tzinfo=UTC))

    first = store.add(april, parse_with(source, april).observations)
    assert (first.snapshots_added, first.observations_added) == (1, 61)
    second = store.add(june, parse_with(source, june).observations)
    assert (second.snapshots_added, second.observations_added, second.observations_known) == (1, 1, 60)
    assert store.count() == {"snapshots": 2, "observations": 62}

    now = query("refugees", area="UKR", on="2022-02-24", db=store)
    assert (now.best, now.figures[0].rule) == (79_209, "sum-of-incidents:1")
    assert now.observations["snapshot_sha256"].tolist() == [june.sha256]
    then = query("refugees", area="UKR", on="2022-02-24", as_known_on=date(2022, 4, 26), db=store)
    assert then.best == 79_982
    assert then.observations["snapshot_sha256"].tolist() == [april.sha256]
    # the running total moves by the revision and nothing else
    assert (query("refugees", area="UKR", on="2022-03-01", db=store).best
            == query("refugees", area="UKR", on="2022-03-01", as_known_on=date(2022, 4, 26), db=store).best - 773)


@pytest.mark.parametrize(
    ("endpoint", "value", "best"),
    [("timeseries", 79982, 79_982), ("timeseries", "79982", 79_982), ("sublocation", "1256568", 1_256_568),
     ("sublocation", 1256568, 1_256_568), ("sublocation", "1,256,568", 1_256_568), ("timeseries", 79982.0, 79_982)],
)
def test_individuals_as_int_or_string(endpoint: str, value: object, best: int) -> None:
    source = real_source("5478", endpoint, "cumulative")
    if endpoint == "timeseries":
        document: Any = {"data": {"timeseries": [{"data_date": "2022-08-01", "individuals": value}]}}
    else:
        document = {"data": [{"geomaster_name": "Poland", "date": "2022-08-01", "individuals": value}]}
    snapshot = Snapshot(source_id=source.id, url="https://data.unhcr.org/x", retrieved_at=AUGUST,
                        content=json.dumps(document).encode())
    parsed = parse_with(source, snapshot)
    assert parsed.problems == []
    [o] = parsed.observations
    assert (o.estimate.low, o.estimate.best, o.estimate.high) == (best, best, best)
    assert o.estimate.text == str(value)


# --- fetch ------------------------------------------------------------------------------------

def test_fetch_asks_for_the_configured_series(sources_file: SourcesFile) -> None:
    seen: list[httpx.Request] = []
    body = (OFFLINE / "unhcr_timeseries_sv54_pg5457_2022-04-26.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json",
                                                          "Date": "Tue, 26 Apr 2022 09:00:00 GMT"})

    source = sources_file.get("unhcr-ukraine-crossings")
    with build_client(transport=httpx.MockTransport(handler)) as client:
        [snapshot] = unhcr_odp.fetch(client, source, unhcr_odp.Params.model_validate(source.params), Context())
    [request] = seen
    assert request.method == "GET"
    assert (request.url.scheme, request.url.host, request.url.path) == (
        "https", "data.unhcr.org", "/population/get/timeseries")
    assert dict(request.url.params) == {"widget_id": "283577", "sv_id": "54", "population_group": "5457",
                                        "frequency": "day", "fromDate": "1900-01-01"}
    assert snapshot.content == body
    assert snapshot.url == str(request.url)
    assert snapshot.source_id == "unhcr-ukraine-crossings"
    assert snapshot.retrieved_at == datetime(2022, 4, 26, 9, tzinfo=UTC)
    assert snapshot.content_type == "application/json"


def test_fetch_sublocation_request(sources_file: SourcesFile) -> None:
    params = unhcr_odp.Params.model_validate(sources_file.get("unhcr-ukraine-by-country").params)
    url = httpx.URL(unhcr_odp.request_url(params))
    assert url.path == "/population/get/sublocation"
    assert dict(url.params) == {"widget_id": "283575", "sv_id": "54", "population_group": "5459,5460",
                                "forcesublocation": "0", "fromDate": "1900-01-01"}


def test_fetch_503_forever_raises_source_error(sources_file: SourcesFile) -> None:
    calls: list[httpx.Request] = []
    source = sources_file.get("unhcr-ukraine-crossings")
    params = unhcr_odp.Params.model_validate(source.params)
    with mock_client(answers(httpx.Response(503, text="Service Unavailable"), seen=calls), attempts=3) as client, \
            pytest.raises(SourceError) as caught:
        unhcr_odp.fetch(client, source, params, Context())
    assert len(calls) == 3
    error = caught.value
    assert error.source_id == "unhcr-ukraine-crossings"
    assert error.url == unhcr_odp.request_url(params)
    message = str(error)
    assert "'unhcr-ukraine-crossings'" in message
    assert unhcr_odp.request_url(params) in message
    assert "503" in message
    assert "figures update unhcr-ukraine-crossings" in message


def test_fetch_connection_failure_raises_source_error(sources_file: SourcesFile) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Name or service not known", request=request)

    source = sources_file.get("unhcr-ukraine-crossings")
    with mock_client(handler, attempts=2) as client, \
            pytest.raises(SourceError, match=r"GET failed: ConnectError: Name or service not known") as caught:
        unhcr_odp.fetch(client, source, unhcr_odp.Params.model_validate(source.params), Context())
    assert caught.value.source_id == "unhcr-ukraine-crossings"


def test_base_url_override_is_honoured(sources_file: SourcesFile) -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, json={"data": {"timeseries": []}})

    base = sources_file.get("unhcr-ukraine-crossings")
    source = base.model_copy(update={"params": {**base.params, "base_url": "https://data2.unhcr.org/api/"}})
    with build_client(transport=httpx.MockTransport(handler)) as client:
        [snapshot] = unhcr_odp.fetch(client, source, unhcr_odp.Params.model_validate(source.params), Context())
    assert [(u.host, u.path) for u in seen] == [("data2.unhcr.org", "/api/population/get/timeseries")]
    assert snapshot.url.startswith("https://data2.unhcr.org/api/population/get/timeseries?")


def test_the_origin_endpoint_reads_refugees_by_origin(shared_fixtures: Path) -> None:
    """Uganda by origin (2024): each figure is about the refugees' origin country, hosted in Uganda."""
    path = shared_fixtures / "unhcr_odp" / "origin_geo220_pc429_2024.json"
    records = json.loads(path.read_text(encoding="utf-8"))["data"]
    params = unhcr_odp.Params(endpoint="origin", geo_id=220, population_collection=429, scope="cumulative")
    source = SourceConfig(id="unhcr-uganda", adapter="unhcr-odp", publisher="UNHCR", title="Uganda", licence="l",
                          url="https://data.unhcr.org", area="UGA", cadence="monthly", params={})
    snap = Snapshot(source_id=source.id, url=unhcr_odp.request_url(params), retrieved_at=APRIL,
                    content=path.read_bytes())
    parsed = unhcr_odp.parse(snap, source, params)
    assert len(parsed.observations) == len(records)
    assert {o.place for o in parsed.observations} == {"Uganda"}
    assert {o.area for o in parsed.observations} == {r["pop_origin_code"] for r in records}
    assert sum(o.estimate.best for o in parsed.observations) == sum(int(r["individuals"]) for r in records)
    assert "geo_id=220" in snap.url and "population_collection=429" in snap.url


def test_params_say_what_an_endpoint_needs() -> None:
    with pytest.raises(ValueError, match="needs sv_id and population_group"):
        unhcr_odp.Params(endpoint="timeseries", scope="incident")
    with pytest.raises(ValueError, match="needs geo_id"):
        unhcr_odp.Params(endpoint="origin", scope="cumulative")
