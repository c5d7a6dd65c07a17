"""The IOM DTM API v3 adapter: golden files, the real fixtures, splits and sums, fetch and its faults.

Golden files: the parse of each project-written offline snapshot (figures/data/offline/iom_dtm_*)
is compared with tests/expected/iom_dtm/<file stem>.csv; after a deliberate change run
`FIGURES_REGEN_GOLDEN=1 pytest tests/test_iom_dtm.py` and review the diff.

The record and envelope shape follow the real v3 answers OCHA-DAP recorded for hdx-scraper-iom-dtm
(`{"result": [...], "statusCode": 200, "isSuccess": true, "errorMessages": [], "totalRecordsCount": n}`,
one record per area, date, displacement reason and origin admin 1). Split records in the tests
below are test inputs, not published figures.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from adapter_faults import TOKEN, answers, mock_client, time_out, update_with
from goldens import entry_stem, golden_path, golden_stems, match_golden, same_request

from figures import sources as registry
from figures.config import SourceConfig
from figures.errors import ParseError, SourceError
from figures.http import build_client
from figures.models import Snapshot
from figures.offline import manifest, replay_transport
from figures.pipeline import update_source
from figures.secrets import WHERE, Secrets
from figures.sources import iom_dtm
from figures.sources.base import Context
from figures.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFLINE = REPO_ROOT / "figures" / "data" / "offline"
SURVEY = "Displacement due to Conflict in Ukraine"

#: The sources.yaml entries proposed for this adapter (Ukraine, and Sudan since 15 April 2023).
PROPOSED = yaml.safe_load("""
- id: iom-dtm-ukraine-idps
  adapter: iom-dtm
  publisher: IOM DTM
  title: "Ukraine: IDP estimates (General Population Survey), DTM API"
  licence: "IOM DTM terms and conditions; attribute IOM DTM"
  url: https://dtm.iom.int/ukraine
  area: UKR
  cadence: irregular
  params: {admin_level: 0, operation: "Displacement due to Conflict in Ukraine", admin0_pcode: UKR,
           from_date: 2022-02-24}
- id: iom-dtm-ukraine-idps-by-oblast
  adapter: iom-dtm
  publisher: IOM DTM
  title: "Ukraine: IDP estimates by oblast (General Population Survey), DTM API"
  licence: "IOM DTM terms and conditions; attribute IOM DTM"
  url: https://dtm.iom.int/ukraine
  area: UKR
  cadence: irregular
  params: {admin_level: 1, operation: "Displacement due to Conflict in Ukraine", admin0_pcode: UKR,
           from_date: 2022-02-24}
- id: iom-dtm-sudan-idps
  adapter: iom-dtm
  publisher: IOM DTM
  title: "Sudan: IDPs displaced by the armed clashes since 15 April 2023, DTM API"
  licence: "IOM DTM terms and conditions; attribute IOM DTM"
  url: https://dtm.iom.int/sudan
  area: SDN
  cadence: monthly
  params: {admin_level: 0, operation: "Armed Clashes in Sudan", admin0_pcode: SDN, from_date: 2023-04-15}
""")
SOURCES = [SourceConfig.model_validate(s) for s in PROPOSED]
UKRAINE, SUDAN = SOURCES[0], SOURCES[2]


def dtm_manifest() -> list[dict[str, str]]:
    return [e for e in manifest() if httpx.URL(e["url"]).host == "dtmapi.iom.int"]


def source_for(url: str) -> SourceConfig:
    matches = [s for s in SOURCES if same_request(iom_dtm.request_url(params_of(s)), url)]
    assert len(matches) == 1, f"{url} matches {len(matches)} proposed sources"
    return matches[0]


def params_of(source: SourceConfig, **changes: Any) -> iom_dtm.Params:
    return iom_dtm.Params.model_validate({**source.params, **changes})


def snapshot_of(body: Any, url: str | None = None, source: SourceConfig = UKRAINE) -> Snapshot:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Snapshot(source_id=source.id, url=url or iom_dtm.request_url(params_of(source)),
                    retrieved_at=datetime(2023, 10, 20, 9, tzinfo=UTC), content=content)


def envelope(records: list[dict[str, Any]], total: int | None = None) -> dict[str, Any]:
    return {"result": records, "statusCode": 200, "isSuccess": True, "errorMessages": [],
            "totalRecordsCount": len(records) if total is None else total}


def record(value: Any, day: str = "2022-05-23", round_number: int = 5, **fields: Any) -> dict[str, Any]:
    base = {"operation": SURVEY, "admin0Name": "Ukraine", "admin0Pcode": "UKR", "numPresentIdpInd": value,
            "reportingDate": f"{day}T00:00:00", "yearReportingDate": int(day[:4]),
            "monthReportingDate": int(day[5:7]), "roundNumber": round_number, "displacementReason": "Conflict",
            "numberMales": None, "numberFemales": None, "idpOriginAdmin1Name": "Not available",
            "idpOriginAdmin1Pcode": "Not available", "assessmentType": "BA"}
    return {**base, **fields}


def context(monkeypatch: pytest.MonkeyPatch, cursor: dict[str, Any] | None = None) -> Context:
    monkeypatch.setenv("IOM_DTM_SUBSCRIPTION_KEY", TOKEN)
    return Context(secrets=Secrets(), cursor=dict(cursor or {}), offline=False)


# --- golden files and the offline replay -------------------------------------------------------

@pytest.mark.parametrize("entry", dtm_manifest(), ids=entry_stem)
def test_offline_snapshot_matches_its_golden_file(entry: dict[str, str]) -> None:
    source = source_for(entry["url"])
    snapshot = snapshot_of((OFFLINE / entry["file"]).read_bytes(), entry["url"], source)
    parsed = iom_dtm.parse(snapshot, source, params_of(source))
    assert parsed.problems == []
    match_golden(parsed.observations, golden_path("iom_dtm", entry["file"]))


def test_every_golden_file_has_its_offline_snapshot() -> None:
    assert golden_stems("iom_dtm") == sorted(entry_stem(e) for e in dtm_manifest())


def test_the_replay_serves_each_proposed_source_and_moves_the_cursor() -> None:
    assert len(dtm_manifest()) == 3  # Ukraine national and by oblast, Sudan national
    with build_client(transport=replay_transport()) as client:
        for entry in dtm_manifest():
            source = source_for(entry["url"])
            ctx = Context(secrets=Secrets(), offline=True)  # offline: no key needed
            [snapshot] = iom_dtm.fetch(client, source, params_of(source), ctx)
            assert snapshot.content == (OFFLINE / entry["file"]).read_bytes()
            assert snapshot.retrieved_at == datetime.fromisoformat(entry["retrieved"])
            latest = max(r["reportingDate"] for r in json.loads(snapshot.content)["result"])[:10]
            assert ctx.cursor["reportingDate"] == latest


def test_the_offline_national_series_reads_as_stocks() -> None:
    entry = next(e for e in dtm_manifest() if "admin0" in e["url"])
    parsed = iom_dtm.parse(snapshot_of((OFFLINE / entry["file"]).read_bytes(), entry["url"]), UKRAINE,
                           params_of(UKRAINE))
    by_day = {o.as_of: o for o in parsed.observations}
    april = by_day[date(2022, 4, 1)]
    assert (april.estimate.low, april.estimate.best, april.estimate.high) == (7_138_715,) * 3
    assert april.metric == "idps" and april.group == "all" and april.area == "UKR" and april.place is None
    assert april.scope == "cumulative" and april.period_start is None and april.modality == "reported"
    assert json.loads(april.provenance.quote)["roundNumber"] == 2
    assert json.loads(april.provenance.quote)["operation"] == SURVEY
    assert april.provenance.adapter == "iom-dtm" and april.provenance.locator == "$.result[1]"


def test_the_offline_sudan_series_reads_as_stocks_since_the_war_began() -> None:
    entry = next(e for e in dtm_manifest() if source_for(e["url"]) is SUDAN)
    parsed = iom_dtm.parse(snapshot_of((OFFLINE / entry["file"]).read_bytes(), entry["url"], SUDAN), SUDAN,
                           params_of(SUDAN))
    assert parsed.problems == []
    days = [o.as_of for o in parsed.observations]
    assert days == sorted(days) and len(days) == 15
    assert days[0] == date(2023, 5, 14)  # DTM Sudan Situation Report (4), a month into the war
    first, latest = parsed.observations[0], parsed.observations[-1]
    assert (first.estimate.best, latest.estimate.best, latest.as_of) == (843_130, 7_548_913, date(2025, 7, 29))
    assert {(o.metric, o.group, o.area, o.place, o.scope, o.estimate.rule) for o in parsed.observations} == {
        ("idps", "all", "SDN", None, "cumulative", "exact")}
    quote = json.loads(latest.provenance.quote)
    assert quote["operation"] == "Armed Clashes in Sudan" and quote["roundNumber"] is None  # rounds not known


def test_every_offline_figure_is_named_in_its_manifest_note() -> None:
    """Each shipped figure is written, as the reports print it, in the manifest's "holds" note that
    says where it comes from."""
    for entry in dtm_manifest():
        records = json.loads((OFFLINE / entry["file"]).read_text())["result"]
        for r in records:
            assert f"{r['numPresentIdpInd']:,}" in entry["holds"], (entry["file"], r["reportingDate"])


# --- the real fixtures: the offline figures are the published ones ------------------------------

def round_date(name: str) -> date:
    """The date in an HDX resource name: "Round 2 IDP Estimation 1 Apr 2022", "... 16 03 2022"."""
    day = " ".join(name.split()[-3:])
    for form in ("%d %B %Y", "%d %b %Y", "%d %m %Y"):
        try:
            return datetime.strptime(day, form).date()
        except ValueError:
            continue
    raise AssertionError(f"no date in {name!r}")


def test_offline_rounds_match_the_published_rounds(shared_fixtures: Path) -> None:
    """Ukraine's round dates and figures in the offline answers agree with IOM's HDX package and OCHA's sheets."""
    package = json.loads((shared_fixtures / "iom_dtm" / "hdx_package_ukraine-idp-estimates.json").read_text())
    resources = package.get("result", package)["resources"]
    named = {int(r["name"].split()[1]): round_date(r["name"]) for r in resources}
    assert len(named) == 14
    served: list[dict[str, Any]] = []
    for entry in dtm_manifest():
        if source_for(entry["url"]).area == "UKR":
            served += json.loads((OFFLINE / entry["file"]).read_text())["result"]
    for r in served:
        assert date.fromisoformat(r["reportingDate"][:10]) == named[r["roundNumber"]], r
    descriptions = {int(r["name"].split()[1]): r.get("description", "") for r in resources}
    assert "3,674,000" in descriptions[14]
    assert "689,000" in descriptions[13] and "625,000" in descriptions[13]
    values = {(r["roundNumber"], r.get("admin1Name")): r["numPresentIdpInd"] for r in served}
    assert values[(14, None)] == 3_674_000
    assert (values[(13, "Kharkivska")], values[(13, "Dnipropetrovska")]) == (689_000, 625_000)
    # OCHA's key-figures sheet carried IOM's round 2 and 3 national figures from their round dates
    with (shared_fixtures / "ohchr" / "ocha_ukraine_key_figures_sheet_2022.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))[2:]
    sheet = {row[18]: row[11] for row in rows}
    assert sheet["2022-04-01"] == str(values[(2, None)]) and sheet["2022-04-17"] == str(values[(3, None)])
    # and the explorer bundle's national figure of 23 May 2022 is round 5, the sum of its macro-regions
    bundle = json.loads((shared_fixtures / "ocha_ukraine_explorer" / "all_json_2022-06-14_trimmed.json").read_text())
    assert int(bundle["national_data"][0]["#affected+idps"]) == values[(5, None)]
    assert sum(int(m["#affected+idps"]) for m in bundle["idps_macro_data"]) == values[(5, None)]


# --- splits, sums and conflicts --------------------------------------------------------------

def test_split_records_are_summed_with_their_parts_in_the_text() -> None:
    body = envelope([
        record(1200, idpOriginAdmin1Name="Donetska", idpOriginAdmin1Pcode="UA14"),
        record(300, idpOriginAdmin1Name="Kharkivska", idpOriginAdmin1Pcode="UA63"),
        record(45, displacementReason="Natural disaster"),
        record(999, day="2022-06-23", round_number=6),
    ])
    parsed = iom_dtm.parse(snapshot_of(body), UKRAINE, params_of(UKRAINE))
    assert parsed.problems == []
    may, june = parsed.observations
    assert (may.estimate.best, may.estimate.rule, may.estimate.text) == (1545, "sum-of-records", "1200 + 300 + 45")
    assert may.provenance.locator == "$.result[0,1,2]"
    quote = json.loads(may.provenance.quote)
    assert quote["numPresentIdpInd"] == [1200, 300, 45]
    assert quote["idpOriginAdmin1Name"] == ["Donetska", "Kharkivska", "Not available"]
    assert (june.estimate.best, june.estimate.rule, june.as_of) == (999, "exact", date(2022, 6, 23))


def test_admin1_places_are_kept_as_written() -> None:
    source = SOURCES[1]
    body = envelope([record(689000, day="2023-05-25", round_number=13, admin1Name="Kharkivska", admin1Pcode="UA63"),
                     record(5, day="2023-05-25", round_number=13, admin1Name=" ", admin1Pcode="UA12")])
    parsed = iom_dtm.parse(snapshot_of(body, source=source), source, params_of(source))
    [kharkiv] = parsed.observations
    assert kharkiv.place == "Kharkivska"
    [problem] = parsed.problems
    assert "$.result[1]" in problem and "'admin1Name' is missing" in problem and source.id in problem


def test_two_operations_for_one_place_and_date_are_not_mixed() -> None:
    body = envelope([record(7_134_000), record(6_000, operation=f"{SURVEY} (Registration)")])
    parsed = iom_dtm.parse(snapshot_of(body), UKRAINE, params_of(UKRAINE, operation=None))
    assert parsed.observations == []
    [problem] = parsed.problems
    assert "(Registration)" in problem and "params.operation" in problem


def test_records_of_another_operation_are_skipped_when_one_is_configured() -> None:
    body = envelope([record(7_134_000), record(6_000, day="2022-05-31", operation="Something else")])
    parsed = iom_dtm.parse(snapshot_of(body), UKRAINE, params_of(UKRAINE))
    assert [o.estimate.best for o in parsed.observations] == [7_134_000]
    assert any("Something else" in p for p in parsed.problems)


def test_a_repeated_record_counts_once_and_a_conflicting_one_voids_the_figure() -> None:
    repeated = iom_dtm.parse(snapshot_of(envelope([record(7_134_000), record(7_134_000)])), UKRAINE,
                             params_of(UKRAINE))
    assert [o.estimate.best for o in repeated.observations] == [7_134_000]
    assert repeated.observations[0].estimate.rule == "exact"
    assert any("repeats $.result[0]" in p for p in repeated.problems)
    conflicting = iom_dtm.parse(snapshot_of(envelope([record(7_134_000), record(7_000_000)])), UKRAINE,
                                params_of(UKRAINE))
    assert conflicting.observations == []
    assert any("different figures" in p for p in conflicting.problems)


@pytest.mark.parametrize(("value", "best"), [(7134000, 7_134_000), ("7134000", 7_134_000), (7134000.0, 7_134_000)])
def test_counts_as_int_string_or_float(value: Any, best: int) -> None:
    [o] = iom_dtm.parse(snapshot_of(envelope([record(value)])), UKRAINE, params_of(UKRAINE)).observations
    assert o.estimate.best == best and o.estimate.text == str(value)


# --- whole-answer faults -----------------------------------------------------------------------

def test_a_renamed_count_field_is_named_and_readable_records_are_still_read() -> None:
    renamed = record(0)
    renamed["numPresentIdp"] = renamed.pop("numPresentIdpInd")
    parsed = iom_dtm.parse(snapshot_of(envelope([record(7_134_000), renamed])), UKRAINE, params_of(UKRAINE))
    assert [o.estimate.best for o in parsed.observations] == [7_134_000]
    [problem] = parsed.problems
    assert "'numPresentIdpInd' is missing" in problem and "$.result[1]" in problem and UKRAINE.id in problem


@pytest.mark.parametrize("value", [-5, "many", None, True])
def test_bad_counts_are_problems(value: Any) -> None:
    parsed = iom_dtm.parse(snapshot_of(envelope([record(value), record(1, day="2022-06-23")])), UKRAINE,
                           params_of(UKRAINE))
    assert len(parsed.observations) == 1 and "numPresentIdpInd" in parsed.problems[0]


@pytest.mark.parametrize(
    ("body", "says", "field"),
    [
        (json.dumps(envelope([record(1)]))[:-40].encode(), "truncated JSON", None),
        (b"<!DOCTYPE html><html><body>Access denied</body></html>", "HTML or XML page", None),
        (json.dumps({"data": [record(1)]}).encode(), "no such field", "result"),
        (json.dumps({"result": {"rows": []}}).encode(), "expected a list", "result"),
        (json.dumps({"result": None, "statusCode": 400, "isSuccess": False,
                     "errorMessages": ["Invalid CountryName"]}).encode(), "Invalid CountryName", "isSuccess"),
        (b"", "empty response", None),
    ],
    ids=["truncated", "html", "renamed-result", "result-not-a-list", "api-failure", "empty-body"],
)
def test_unreadable_answers_raise_a_parse_error(body: bytes, says: str, field: str | None) -> None:
    with pytest.raises(ParseError, match=says) as caught:
        iom_dtm.parse(snapshot_of(body), UKRAINE, params_of(UKRAINE))
    assert caught.value.field == field and caught.value.source_id == UKRAINE.id


def test_an_empty_answer_is_a_problem_on_the_first_run_only() -> None:
    first = iom_dtm.parse(snapshot_of(envelope([])), UKRAINE, params_of(UKRAINE))
    assert "no records" in first.problems[0]
    later_url = iom_dtm.request_url(params_of(UKRAINE), start=date(2023, 9, 26))
    assert iom_dtm.parse(snapshot_of(envelope([]), later_url), UKRAINE, params_of(UKRAINE)).problems == []


def test_a_short_answer_says_how_many_records_are_missing() -> None:
    parsed = iom_dtm.parse(snapshot_of(envelope([record(1)], total=3)), UKRAINE, params_of(UKRAINE))
    assert "1 of 3 records" in parsed.problems[0]


# --- params ------------------------------------------------------------------------------------

def test_params_need_a_filter_and_read_yaml_types() -> None:
    with pytest.raises(ValueError, match="one of operation, country_name or admin0_pcode"):
        iom_dtm.Params.model_validate({"admin_level": 0})
    with pytest.raises(ValueError, match="after to_date"):
        iom_dtm.Params.model_validate({"admin0_pcode": "UKR", "from_date": "2023-01-01", "to_date": "2022-01-01"})
    with pytest.raises(ValueError):
        iom_dtm.Params.model_validate({"admin0_pcode": "UKR", "admin_level": 3})
    params = params_of(SOURCES[2])
    assert params.from_date == date(2023, 4, 15) and params.admin0_pcode == "SDN"
    assert dict(httpx.URL(iom_dtm.request_url(params)).params) == {
        "Operation": "Armed Clashes in Sudan", "Admin0Pcode": "SDN", "FromReportingDate": "2023-04-15"}


# --- fetch -------------------------------------------------------------------------------------

def test_fetch_sends_the_key_in_the_header_and_never_in_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=envelope([record(7_134_000)]),
                              headers={"Date": "Fri, 20 Oct 2023 09:00:00 GMT"})

    ctx = context(monkeypatch)
    with mock_client(handler) as client:
        [snapshot] = iom_dtm.fetch(client, UKRAINE, params_of(UKRAINE), ctx)
    [request] = seen
    assert (request.url.host, request.url.path) == ("dtmapi.iom.int", "/v3/displacement/admin0")
    assert dict(request.url.params) == {"Operation": SURVEY, "Admin0Pcode": "UKR", "FromReportingDate": "2022-02-24"}
    assert request.headers["Ocp-Apim-Subscription-Key"] == TOKEN
    assert request.headers["User-Agent"].startswith("figures/")
    assert TOKEN not in snapshot.url and TOKEN not in str(request.url)
    assert snapshot.retrieved_at == datetime(2023, 10, 20, 9, tzinfo=UTC)
    assert ctx.cursor["reportingDate"] == "2022-05-23" and ctx.cursor["roundNumber"] == 5


def test_fetch_without_the_key_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IOM_DTM_SUBSCRIPTION_KEY", raising=False)
    with mock_client(lambda r: httpx.Response(200)) as client, pytest.raises(SourceError) as caught:
        iom_dtm.fetch(client, UKRAINE, params_of(UKRAINE), Context(secrets=Secrets()))
    message = str(caught.value)
    assert "set IOM_DTM_SUBSCRIPTION_KEY" in message and WHERE["IOM_DTM_SUBSCRIPTION_KEY"] in message


def test_the_cursor_asks_only_for_later_reporting_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        asked.append(dict(request.url.params))
        return httpx.Response(200, json=envelope([record(3_674_000, day="2023-09-25", round_number=14)]))

    query = iom_dtm.request_url(params_of(UKRAINE, from_date=None))
    ctx = context(monkeypatch, {"query": query, "reportingDate": "2023-05-25", "roundNumber": 13})
    with mock_client(handler) as client:
        iom_dtm.fetch(client, UKRAINE, params_of(UKRAINE), ctx)
    assert asked[0]["FromReportingDate"] == "2023-05-26"
    assert ctx.cursor == {"query": query, "reportingDate": "2023-09-25", "roundNumber": 14}
    # a cursor left by other filters (another operation or level) is not this query's: full read
    other = context(monkeypatch, {"query": "https://dtmapi.iom.int/v3/displacement/admin1?x=y",
                                  "reportingDate": "2023-05-25"})
    with mock_client(handler) as client:
        iom_dtm.fetch(client, UKRAINE, params_of(UKRAINE), other)
    assert asked[1]["FromReportingDate"] == "2022-02-24"
    # nothing newer served: the cursor stays where it was
    stay = context(monkeypatch, {"query": query, "reportingDate": "2023-09-25", "roundNumber": 14})
    with mock_client(lambda r: httpx.Response(200, json=envelope([]))) as client:
        iom_dtm.fetch(client, UKRAINE, params_of(UKRAINE), stay)
    assert stay.cursor["reportingDate"] == "2023-09-25"


def test_a_cursor_past_to_date_asks_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    params = params_of(UKRAINE, to_date="2023-01-01")
    query = iom_dtm.request_url(params.model_copy(update={"from_date": None, "to_date": None}))
    ctx = context(monkeypatch, {"query": query, "reportingDate": "2023-05-25"})
    with mock_client(lambda r: pytest.fail("no request expected")) as client:
        assert iom_dtm.fetch(client, UKRAINE, params, ctx) == []


def test_a_short_answer_is_split_by_date_until_every_part_is_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API says 3 records match but sends 2: fetch halves the window and reads both halves."""
    everything = [record(1, day="2022-03-16", round_number=1), record(2, day="2022-05-23", round_number=5),
                  record(3, day="2023-09-25", round_number=14)]
    windows: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        low, high = request.url.params["FromReportingDate"], request.url.params.get("ToReportingDate", "9999")
        windows.append((low, high))
        inside = [r for r in everything if low <= r["reportingDate"][:10] <= high]
        return httpx.Response(200, json=envelope(inside[:2], total=len(inside)))

    ctx = context(monkeypatch)
    params = params_of(UKRAINE, to_date="2023-12-31")
    with mock_client(handler) as client:
        snapshots = iom_dtm.fetch(client, UKRAINE, params, ctx)
    assert windows[0] == ("2022-02-24", "2023-12-31")
    assert len(snapshots) == len(windows) - 1  # the short answer is not kept
    found = [o for s in snapshots for o in iom_dtm.parse(s, UKRAINE, params).observations]
    assert sorted(o.estimate.low for o in found) == [1, 2, 3]
    assert ctx.cursor["reportingDate"] == "2023-09-25"


def test_a_short_answer_without_from_date_or_past_the_cap_fails_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    short = httpx.Response(200, json=envelope([record(1)], total=50_000))
    with mock_client(lambda r: short) as client, pytest.raises(SourceError, match="set params.from_date"):
        iom_dtm.fetch(client, UKRAINE, params_of(UKRAINE, from_date=None), context(monkeypatch))
    calls: list[httpx.Request] = []

    def always_short(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, json=envelope([record(1)], total=50_000))

    with mock_client(always_short) as client, pytest.raises(SourceError, match="more than 64 requests"):
        iom_dtm.fetch(client, UKRAINE, params_of(UKRAINE, to_date="2099-12-31"), context(monkeypatch))
    assert len(calls) <= iom_dtm.MAX_REQUESTS


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_says_which_variable_to_set_and_never_shows_it(status: int,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_client(lambda r: httpx.Response(status, text=f"bad key {TOKEN}")) as client, \
            pytest.raises(SourceError) as caught:
        iom_dtm.fetch(client, UKRAINE, params_of(UKRAINE), context(monkeypatch))
    message = str(caught.value)
    assert str(status) in message and "set IOM_DTM_SUBSCRIPTION_KEY" in message
    assert "dtm.iom.int" in message and TOKEN not in message


def test_429_with_retry_after_then_success(monkeypatch: pytest.MonkeyPatch) -> None:
    served = answers(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=envelope([record(1)])),
                     repeat_last=False)
    sleeps: list[float] = []
    with mock_client(served, sleeps) as client:
        [snapshot] = iom_dtm.fetch(client, UKRAINE, params_of(UKRAINE), context(monkeypatch))
    assert sleeps == [7.0]
    assert iom_dtm.parse(snapshot, UKRAINE, params_of(UKRAINE)).observations[0].estimate.best == 1


def test_5xx_then_success(monkeypatch: pytest.MonkeyPatch) -> None:
    served = answers(httpx.Response(502), httpx.Response(503), httpx.Response(200, json=envelope([record(1)])),
                     repeat_last=False)
    with mock_client(served) as client:
        assert len(iom_dtm.fetch(client, UKRAINE, params_of(UKRAINE), context(monkeypatch))) == 1


def test_a_timeout_is_a_source_error(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_client(time_out) as client, pytest.raises(SourceError, match="ReadTimeout"):
        iom_dtm.fetch(client, UKRAINE, params_of(UKRAINE), context(monkeypatch))


# --- through the pipeline: stored once, and failures leave the store alone ---------------------

@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.ADAPTERS, iom_dtm.NAME, iom_dtm)


def test_the_same_answer_twice_is_stored_once(store: Store, registered: None, monkeypatch: pytest.MonkeyPatch) -> None:
    body = (OFFLINE / "iom_dtm_admin0_ukr_gps_2022-2023.json").read_bytes()
    monkeypatch.setenv("IOM_DTM_SUBSCRIPTION_KEY", TOKEN)
    with mock_client(lambda r: httpx.Response(200, content=body)) as client:
        first = update_source(store, client, UKRAINE, Secrets())
        store.set_cursor(UKRAINE.id, {})  # forget the cursor: the same records come again
        second = update_source(store, client, UKRAINE, Secrets())
    assert (first.status, first.added) == ("ok", 6)
    assert (second.status, second.added, second.known) == ("ok", 0, 6)
    assert store.count() == {"snapshots": 1, "observations": 6}
    assert store.cursor(UKRAINE.id)["reportingDate"] == "2023-09-25"


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(200, content=b'{"result": [{"operation": "Displ'), httpx.Response(200, text="<html>busy</html>"),
     httpx.Response(403), httpx.Response(500)],
    ids=["truncated", "html", "403", "500"],
)
def test_a_failure_changes_nothing_stored(answer: httpx.Response, store: Store, registered: None,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    body = (OFFLINE / "iom_dtm_admin0_ukr_gps_2022-2023.json").read_bytes()
    monkeypatch.setenv("IOM_DTM_SUBSCRIPTION_KEY", TOKEN)
    update_with(store, lambda r: httpx.Response(200, content=body), UKRAINE, Secrets())
    before, cursor = store.count(), store.cursor(UKRAINE.id)
    outcome = update_with(store, answers(answer), UKRAINE, Secrets())
    assert outcome.status == "failed" and UKRAINE.id in (outcome.error or "")
    assert TOKEN not in (outcome.error or "")
    assert store.count() == before and store.cursor(UKRAINE.id) == cursor
