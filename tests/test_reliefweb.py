"""The ReliefWeb API v2 adapter: reports' text into observations, paging, the appname, incremental runs.

Golden files: the parse of each offline page listed in figures/data/offline/manifest-reliefweb.json (Ukraine,
and Sudan since 15 April 2023) is compared with tests/expected/reliefweb/<file stem>.csv
(`FIGURES_REGEN_GOLDEN=1` rewrites them; review the diff).
Real responses: ../shared/fixtures/reliefweb/ holds a v1 reports list (10 of 14 reports, no body requested)
and a v2 single disaster (appname redacted); v2 reports share their envelope.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from adapter_faults import TOKEN, Handler, answers, mock_client, recorded_snapshot, update_with
from goldens import entry_stem, golden_path, golden_stems, match_golden, offline_manifest

from figures.config import SourceConfig, load_sources
from figures.errors import ParseError, SourceError
from figures.http import build_client
from figures.models import Snapshot
from figures.offline import manifest, replay_transport
from figures.secrets import Secrets
from figures.sources import ADAPTERS, reliefweb
from figures.sources.base import Context
from figures.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFLINE = REPO_ROOT / "figures" / "data" / "offline"
SOURCE = SourceConfig(
    id="reliefweb-ukraine", adapter="reliefweb", publisher="ReliefWeb (OCHA)",
    title="ReliefWeb reports on Ukraine from OHCHR and UNHCR",
    licence="ReliefWeb terms; content © the original sources",
    url="https://reliefweb.int/country/ukr", area="UKR", cadence="daily",
    params={"country": "UKR", "sources": ["OHCHR", "UNHCR"], "date_from": "2022-02-24", "limit": 100},
)
PARAMS = reliefweb.Params.model_validate(SOURCE.params)
WHEN = datetime(2022, 3, 26, 6, tzinfo=UTC)
#: Sudan's source as sources.yaml configures it; its offline page holds OHCHR and OCHA reports.
SUDAN = load_sources(REPO_ROOT / "sources.yaml").get("reliefweb-sudan")


def rw_manifest() -> list[dict[str, str]]:
    return offline_manifest("reliefweb")


def source_of(entry: dict[str, str]) -> SourceConfig:
    """The source (Ukraine's or Sudan's) whose request is this manifest entry's url."""
    matches = [s for s in (SOURCE, SUDAN) if httpx.URL(entry["url"]) == httpx.URL(
        reliefweb.request_url(reliefweb.Params.model_validate(s.params)))]
    assert len(matches) == 1, f"{entry['file']} is the request of {len(matches)} sources"
    return matches[0]


def entry_of(source: SourceConfig) -> dict[str, str]:
    [entry] = [e for e in rw_manifest() if source_of(e) is source]
    return entry


def offline_page(source: SourceConfig = SOURCE) -> dict[str, Any]:
    return json.loads((OFFLINE / entry_of(source)["file"]).read_text(encoding="utf-8"))


def snapshot(document: Any, url: str = "https://api.reliefweb.int/v2/reports?appname=***") -> Snapshot:
    content = document if isinstance(document, bytes) else json.dumps(document).encode()
    return Snapshot(source_id=SOURCE.id, url=url, retrieved_at=WHEN, content=content, content_type="application/json")


def parse(document: Any):
    return reliefweb.parse(snapshot(document), SOURCE, PARAMS)


@pytest.fixture
def ctx(monkeypatch: pytest.MonkeyPatch) -> Context:
    monkeypatch.setenv("RELIEFWEB_APPNAME", TOKEN)
    return Context(secrets=Secrets(), cursor={}, offline=False)


def page(records: list[dict[str, Any]], offset: int | None = None, total: int | None = None) -> dict[str, Any]:
    """A v2 envelope around `records`; `offset` makes a links.next to that offset."""
    links: dict[str, Any] = {"self": {"href": "https://api.reliefweb.int/v2/reports?appname=x"}}
    if offset is not None:
        links["next"] = {"href": f"https://api.reliefweb.int/v2/reports?appname=x&offset={offset}&limit=2"}
    return {"time": 5, "href": links["self"]["href"], "links": links, "took": 2,
            "totalCount": total if total is not None else len(records), "count": len(records), "data": records}


def served(answered: list[Any], seen: list[httpx.Request] | None = None) -> Handler:
    """Each answer to one request, in turn (a page of JSON as a 200); a request past the last fails."""
    return answers(*answered, seen=seen, headers={"Date": "Sat, 26 Mar 2022 06:00:00 GMT"}, repeat_last=False)


def client_for(answered: list[Any], seen: list[httpx.Request] | None = None, slept: list[float] | None = None):
    return mock_client(served(answered, seen), slept)


# --- golden file and the offline page -------------------------------------------------------------

@pytest.mark.parametrize("entry", rw_manifest(), ids=entry_stem)
def test_offline_snapshot_matches_its_golden_file(entry: dict[str, str]) -> None:
    source = source_of(entry)
    parsed = reliefweb.parse(recorded_snapshot(entry, source.id, content_type="application/json"), source,
                             reliefweb.Params.model_validate(source.params))
    assert parsed.problems == []
    match_golden(parsed.observations, golden_path("reliefweb", entry["file"]))
    assert golden_stems("reliefweb") == sorted(entry_stem(e) for e in rw_manifest())


@pytest.mark.parametrize("source", [SOURCE, SUDAN], ids=lambda s: s.id)
def test_the_manifest_url_is_the_request_of_the_proposed_source(source: SourceConfig) -> None:
    entry = entry_of(source)
    assert entry in manifest()
    assert httpx.URL(entry["url"]) == httpx.URL(reliefweb.request_url(reliefweb.Params.model_validate(source.params)))
    assert "appname" not in entry["url"]  # the replay matches without credentials
    assert len(rw_manifest()) == 2  # Ukraine's page and Sudan's


def test_offline_replay_serves_the_page_and_sets_the_cursor() -> None:
    context = Context(offline=True)
    with build_client(transport=replay_transport()) as client:
        [got] = reliefweb.fetch(client, SOURCE, PARAMS, context)
    assert got.content == (OFFLINE / entry_of(SOURCE)["file"]).read_bytes()
    assert "appname=***" in got.url and "offline-" not in got.url
    assert context.cursor == {"date.changed": "2022-03-25T12:47:03+00:00"}


def test_the_sudan_page_is_replayed_and_each_report_keeps_its_voice_and_date() -> None:
    """Six OHCHR and OCHA texts on Sudan (April to October 2023): who said each killed figure, and when."""
    context = Context(offline=True)
    params = reliefweb.Params.model_validate(SUDAN.params)
    with build_client(transport=replay_transport()) as client:
        [got] = reliefweb.fetch(client, SUDAN, params, context)
    assert got.content == (OFFLINE / entry_of(SUDAN)["file"]).read_bytes()
    assert context.cursor == {"date.changed": "2023-10-08T09:26:15+00:00"}
    parsed = reliefweb.parse(got, SUDAN, params)
    assert parsed.problems == []
    found = parsed.observations
    assert {o.area for o in found} == {"SDN"}
    national = [(o.as_of, o.group, o.estimate.low, o.estimate.high, o.rule, o.provenance.publisher,
                 o.provenance.attributed_to) for o in found if o.metric == "killed" and o.place is None]
    assert national == [
        (date(2023, 4, 18), "all", 185, None, "at-least", "OHCHR", None),
        (date(2023, 5, 9), "all", 604, None, "at-least", "OCHA", "Federal Ministry of Health"),
        (date(2023, 5, 11), "civilians", 487, None, "at-least", "OHCHR", None),  # "notably in Khartoum, ...": national
        (date(2023, 6, 12), "civilians", 958, None, "at-least", "OHCHR", None),
        (date(2023, 9, 12), "civilians", 1500, None, "at-least", "OHCHR", "Ministry of Health"),
        (date(2023, 10, 7), "all", 1265, 1265, "exact", "OCHA", "Sudan Ministry of Health")]
    khartoum = [(o.metric, o.estimate.best, o.as_of) for o in found if o.place == "Khartoum"]
    assert khartoum == [("killed", 199, date(2023, 5, 9)), ("injured", 3157, date(2023, 5, 9))]  # "Out of these"
    moved = [(o.as_of, o.metric, o.estimate.low, o.provenance.attributed_to) for o in found
             if o.metric in ("refugees", "idps", "displaced")]
    assert moved == [
        (date(2023, 5, 10), "idps", 730_001, None),  # "more than 730,000 people currently internally displaced"
        (date(2023, 5, 11), "refugees", 154_001, None),
        (date(2023, 5, 11), "idps", 630_000, None),
        (date(2023, 9, 12), "displaced", 5_100_001, None),
        (date(2023, 9, 12), "refugees", 1_000_001, None),  # "are seeking refuge in neighbouring countries"
        (date(2023, 10, 7), "displaced", 4_950_000, None),  # "refuge within Sudan or in neighbouring countries"
        (date(2023, 10, 7), "displaced", 4_950_000, None)]  # "An estimated 5.5 million": "An" is no source
    [injured] = [o for o in found if o.metric == "injured" and o.as_of == date(2023, 6, 12)]
    assert (injured.estimate.best, injured.group) == (4746, "all")  # "and the injury of 4,746"
    data = json.loads(got.content)["data"]
    for o in found:
        i, start, end = (int(x) for x in re.search(r"^\$\.data\[(\d+)\]\.fields\.body chars (\d+)-(\d+)$",
                                                   o.provenance.locator).groups())
        fields = data[i]["fields"]
        assert fields["body"][start:end] == o.estimate.text
        assert o.provenance.url == fields["url_alias"] and o.provenance.title == fields["title"]
        assert o.provenance.published_at == datetime.fromisoformat(fields["date"]["original"])
    assert [r["fields"]["source"][0]["shortname"] for r in data] == ["OHCHR", "OCHA", "OHCHR", "OHCHR", "OHCHR",
                                                                     "OCHA"]


def test_each_report_keeps_its_own_metadata_and_ohchr_updates_are_exact() -> None:
    found = parse(offline_page()).observations
    ohchr_24 = [o for o in found if o.provenance.locator.startswith("$.data[2].")]
    assert [(o.metric, o.estimate.best) for o in ohchr_24 if o.place is None] == [
        ("casualties", 2788), ("killed", 1081), ("injured", 1707)]
    for o in ohchr_24:
        assert o.as_of == date(2022, 3, 24) and o.rule == "at-least-verified" and o.estimate.high is None
        assert o.provenance.publisher == "OHCHR" and o.provenance.attributed_to == "OHCHR"
        assert o.provenance.url == "https://reliefweb.int/report/ukraine/ukraine-civilian-casualties-2400-24-march-2022-enruuk"
        assert o.provenance.published_at == datetime(2022, 3, 25, tzinfo=UTC)  # date.original
        assert (o.provenance.adapter, o.provenance.adapter_version) == ("reliefweb", reliefweb.VERSION)
    body = offline_page()["data"][2]["fields"]["body"]
    for o in ohchr_24:
        start, end = (int(x) for x in re.search(r"chars (\d+)-(\d+)$", o.provenance.locator).groups())
        assert o.provenance.locator.startswith("$.data[2].fields.body chars ")
        assert body[start:end] == o.estimate.text
    unhcr = [o for o in found if o.provenance.publisher == "UNHCR"]
    refugees = next(o for o in unhcr if o.metric == "refugees" and o.estimate.best)
    assert (refugees.estimate.best, refugees.as_of, refugees.area) == (3_674_952, date(2022, 3, 23), "UKR")
    assert any(o.metric == "idps" and o.estimate.best == 6_500_000 for o in unhcr)
    assert all(o.provenance.locator.startswith("$.data[1].fields.body chars ") for o in unhcr)


def test_an_ohchr_update_in_unknown_wording_falls_back_to_the_extractor() -> None:
    document = offline_page()
    fields = document["data"][2]["fields"]
    fields["body"] = "OHCHR says at least 1,081 civilians have been killed in Ukraine."
    parsed = parse(document)
    assert any("wording the exact parser does not know" in p for p in parsed.problems)
    fallback = [o for o in parsed.observations if o.provenance.locator.startswith("$.data[2].")]
    assert [(o.metric, o.estimate.low, o.rule) for o in fallback] == [("killed", 1081, "at-least")]


# --- the real recorded responses --------------------------------------------------------------

def test_real_v1_list_without_bodies_is_reported_per_report(shared_fixtures: Path) -> None:
    document = json.loads((shared_fixtures / "reliefweb" / "v1_reports_list_country-NPL_2020-09.json").read_text())
    assert document["count"] == len(document["data"])
    parsed = parse(document)
    assert parsed.observations == []
    assert len(parsed.problems) == len(document["data"]) == 10
    assert all(f"$.data[{i}]" in p and "fields.body" in p for i, p in enumerate(parsed.problems))


def test_real_v1_list_with_bodies_is_read(shared_fixtures: Path) -> None:
    """The same real reports with a body each: publisher, url and date come from the report itself."""
    document = json.loads((shared_fixtures / "reliefweb" / "v1_reports_list_country-NPL_2020-09.json").read_text())
    for record in document["data"]:
        record["fields"]["body"] = record["fields"]["title"]
    parsed = parse(document)
    assert parsed.problems == []
    for o in parsed.observations:
        i = int(re.match(r"\$\.data\[(\d+)\]", o.provenance.locator).group(1))
        fields = document["data"][i]["fields"]
        assert o.provenance.publisher == fields["source"][0]["shortname"]
        assert o.provenance.url == fields["url_alias"]
        assert o.provenance.published_at == datetime.fromisoformat(fields["date"]["original"])


def test_real_v2_envelope_around_a_text(shared_fixtures: Path) -> None:
    """The v2 disaster's description in a report's place: the envelope, dates and spans hold."""
    document = json.loads((shared_fixtures / "reliefweb" / "v2_disasters_52429.json").read_text())
    fields = document["data"][0]["fields"]
    fields["body"] = fields.pop("description")
    fields["date"]["original"] = fields["date"]["created"]
    parsed = parse(document)
    assert parsed.problems == []
    deaths = int(re.search(r"([\d,]+) deaths", fields["body"]).group(1).replace(",", ""))
    [killed] = [o for o in parsed.observations if o.metric == "killed" and o.estimate.best == deaths]
    assert killed.as_of == date(2025, 8, 24)  # "as of 24 August 2025" in the text
    assert killed.provenance.url == fields["url_alias"]
    assert killed.provenance.published_at == datetime.fromisoformat(fields["date"]["created"])


def test_real_v1_links_next_is_followed_by_offset(shared_fixtures: Path, ctx: Context) -> None:
    first = json.loads((shared_fixtures / "reliefweb" / "v1_reports_list_country-NPL_2020-09.json").read_text())
    rest = copy.deepcopy(first)
    left = first["totalCount"] - first["count"]
    rest["data"], rest["count"] = rest["data"][:left], left
    del rest["links"]["next"]
    seen: list[httpx.Request] = []
    with client_for([first, rest], seen) as client:
        got = reliefweb.fetch(client, SOURCE, PARAMS, ctx)
    assert [r.url.params["offset"] for r in seen] == ["0", "10"]
    assert sum(len(json.loads(s.content)["data"]) for s in got) == first["totalCount"] == 14


# --- fetch ------------------------------------------------------------------------------------

def test_fetch_request_carries_appname_fields_filters_and_user_agent(ctx: Context) -> None:
    seen: list[httpx.Request] = []
    with client_for([offline_page()], seen) as client:
        [got] = reliefweb.fetch(client, SOURCE, PARAMS, ctx)
    [request] = seen
    query = request.url.params
    assert (request.url.host, request.url.path) == ("api.reliefweb.int", "/v2/reports")
    assert query["appname"] == TOKEN
    assert request.headers["User-Agent"].startswith("figures/")
    assert query.get_list("fields[include][]") == list(reliefweb.FIELDS)
    assert query["filter[conditions][0][field]"] == "country.iso3" and query["filter[conditions][0][value]"] == "ukr"
    assert query.get_list("filter[conditions][1][value][]") == ["OHCHR", "UNHCR"]
    assert query["filter[conditions][2][value][from]"] == "2022-02-24T00:00:00+00:00"
    assert (query["limit"], query["offset"], query["sort[]"]) == ("100", "0", "date.changed:asc")
    assert "date.changed" not in query.get_list("filter[conditions][3][field]")  # a first run is a full run
    assert TOKEN not in got.url and "appname=***" in got.url


def test_fetch_follows_links_next_to_the_end(ctx: Context) -> None:
    reports = offline_page()["data"]
    seen: list[httpx.Request] = []
    pages = [page(reports[:1], offset=1, total=3), page(reports[1:2], offset=2, total=3), page(reports[2:], total=3)]
    with client_for(pages, seen) as client:
        got = reliefweb.fetch(client, SOURCE, PARAMS, ctx)
    assert [r.url.params["offset"] for r in seen] == ["0", "1", "2"]
    first = [(k, v) for k, v in seen[0].url.params.multi_items() if k != "offset"]
    assert all([(k, v) for k, v in r.url.params.multi_items() if k != "offset"] == first for r in seen)
    assert seen[0].url.params["appname"] == TOKEN  # our own query each time (with the appname): only the offset moves
    assert len(got) == 3 and ctx.cursor == {"date.changed": "2022-03-25T12:47:03+00:00"}


def test_an_empty_page_ends_the_paging(ctx: Context) -> None:
    with client_for([page([], offset=100, total=0)]) as client:
        got = reliefweb.fetch(client, SOURCE, PARAMS, ctx)
    assert len(got) == 1 and parse(json.loads(got[0].content)).observations == []
    assert ctx.cursor == {}  # nothing seen, nothing to remember


def test_a_next_link_past_total_count_ends_the_paging(ctx: Context) -> None:
    with client_for([page(offline_page()["data"], offset=3, total=3)]) as client:
        assert len(reliefweb.fetch(client, SOURCE, PARAMS, ctx)) == 1


def test_paging_has_a_hard_cap_and_refuses_a_loop(ctx: Context) -> None:
    report = offline_page()["data"][0]
    capped = reliefweb.Params.model_validate({**SOURCE.params, "max_pages": 3})
    with client_for([page([report], offset=n + 1, total=100) for n in range(3)]) as client, \
            pytest.raises(SourceError, match="more than max_pages=3 pages"):
        reliefweb.fetch(client, SOURCE, capped, ctx)
    with client_for([page([report], offset=0)]) as client, pytest.raises(SourceError, match="points back"):
        reliefweb.fetch(client, SOURCE, PARAMS, ctx)
    assert ctx.cursor == {}  # a failed run moves no cursor


def test_incremental_run_asks_for_reports_changed_after_the_cursor(ctx: Context) -> None:
    ctx.cursor["date.changed"] = "2022-03-24T16:05:11+00:00"
    seen: list[httpx.Request] = []
    with client_for([page(offline_page()["data"][2:])], seen) as client:
        reliefweb.fetch(client, SOURCE, PARAMS, ctx)
    query = seen[0].url.params
    assert query["filter[conditions][3][field]"] == "date.changed"
    assert query["filter[conditions][3][value][from]"] == "2022-03-24T16:05:12+00:00"  # strictly after
    assert ctx.cursor == {"date.changed": "2022-03-25T12:47:03+00:00"}


def test_403_access_denied_says_what_to_set_and_hides_the_appname(ctx: Context) -> None:
    denied = httpx.Response(403, json={"status": 403, "error": {
        "type": "AccessDeniedHttpException", "message": "You are not authorized to access this resource."}})
    with client_for([denied]) as client, pytest.raises(SourceError) as caught:
        reliefweb.fetch(client, SOURCE, PARAMS, ctx)
    message = str(caught.value)
    assert "AccessDeniedHttpException" in message and "set RELIEFWEB_APPNAME" in message
    assert "https://apidoc.reliefweb.int/parameters#appname" in message
    assert TOKEN not in message and "appname=***" in message


def test_401_and_a_missing_appname_say_what_to_set(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    with client_for([httpx.Response(401)]) as client, pytest.raises(SourceError, match="set RELIEFWEB_APPNAME") as c:
        reliefweb.fetch(client, SOURCE, PARAMS, ctx)
    assert TOKEN not in str(c.value)
    monkeypatch.delenv("RELIEFWEB_APPNAME")
    with client_for([]) as client, pytest.raises(SourceError, match="set RELIEFWEB_APPNAME"):
        reliefweb.fetch(client, SOURCE, PARAMS, Context(secrets=Secrets()))


def test_429_with_retry_after_and_5xx_are_retried(ctx: Context) -> None:
    slept: list[float] = []
    answers = [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(502), offline_page()]
    with client_for(answers, slept=slept) as client:
        [got] = reliefweb.fetch(client, SOURCE, PARAMS, ctx)
    assert slept[0] == 7.0 and len(slept) == 2
    assert json.loads(got.content)["count"] == 3


def test_a_timeout_is_a_source_error(ctx: Context) -> None:
    timeouts = [httpx.ReadTimeout("read timed out")] * 4
    with client_for(timeouts) as client, pytest.raises(SourceError, match="GET failed: ReadTimeout") as caught:
        reliefweb.fetch(client, SOURCE, PARAMS, ctx)
    assert TOKEN not in str(caught.value) and caught.value.source_id == SOURCE.id


def test_truncated_json_and_html_are_whole_page_errors(ctx: Context) -> None:
    raw = json.dumps(offline_page()).encode()
    with pytest.raises(ParseError, match="truncated JSON"):
        reliefweb.parse(snapshot(raw[: len(raw) // 2]), SOURCE, PARAMS)
    with pytest.raises(ParseError, match="HTML or XML page instead of JSON"):
        reliefweb.parse(snapshot(b"<!DOCTYPE html><html><body>Maintenance</body></html>"), SOURCE, PARAMS)
    for body in (raw[:-40], b"<html><body>Maintenance</body></html>"):
        with client_for([httpx.Response(200, content=body)]) as client, pytest.raises(ParseError):
            reliefweb.fetch(client, SOURCE, PARAMS, ctx)


def test_a_changed_schema_names_the_field_and_reads_the_rest() -> None:
    document = offline_page()
    document["results"] = document.pop("data")
    with pytest.raises(ParseError, match="field 'data'") as caught:
        parse(document)
    assert caught.value.source_id == SOURCE.id
    document = offline_page()
    document["data"][0]["fields"]["text"] = document["data"][0]["fields"].pop("body")
    del document["data"][0]["fields"]["body-html"]
    document["data"][1]["fields"]["date"] = {"created": "2022-03-24T00:00:00+00:00"}
    parsed = parse(document)
    assert len(parsed.problems) == 2
    assert "$.data[0]" in parsed.problems[0] and "'fields.body'" in parsed.problems[0]
    assert "$.data[1]" in parsed.problems[1] and "'fields.date.original'" in parsed.problems[1]
    assert parsed.problems[0].startswith(f"source 'reliefweb-ukraine', snapshot {snapshot(document).sha256[:12]}")
    assert {o.provenance.locator.split(".")[1] for o in parsed.observations} == {"data[2]"}


def test_body_html_is_read_when_body_is_absent() -> None:
    document = offline_page()
    del document["data"][2]["fields"]["body"]
    html = document["data"][2]["fields"]["body-html"]
    found = [o for o in parse(document).observations if o.provenance.locator.startswith("$.data[2].")]
    assert found[0].provenance.locator.startswith("$.data[2].fields.body-html chars ")
    start, end = (int(x) for x in found[0].provenance.locator.rsplit(" ", 1)[1].split("-"))
    assert html[start:end] == found[0].estimate.text == "2,788"


def test_duplicated_reports_across_pages_are_stored_once(ctx: Context, store: Store, tmp_path: Path) -> None:
    ohchr_only = offline_page()["data"][::2]  # see the xfail below for why not the UNHCR report too
    with client_for([page(ohchr_only, offset=2, total=3), page(ohchr_only[1:], total=3)]) as client:
        got = reliefweb.fetch(client, SOURCE, PARAMS, ctx)
    results = [store.add(s, reliefweb.parse(s, SOURCE, PARAMS).observations) for s in got]
    repeated = parse(page(ohchr_only[1:])).observations
    assert results[1].observations_added == 0
    assert results[1].observations_known == len(repeated) > 0  # served twice, known the second time
    assert store.count()["observations"] == len(parse(page(ohchr_only)).observations)


def test_one_page_where_two_reports_state_the_same_figure_differently(store: Store) -> None:
    """OHCHR's own update (2,421, at least) and UNHCR citing it (2,421 exact) are one record key on one page."""
    document = offline_page()
    store.add(snapshot(document), parse(document).observations)


def prefilled(store: Store) -> tuple[dict[str, int], dict[str, str]]:
    """A store holding the OHCHR reports of the offline page and the cursor of that run."""
    document = page(offline_page()["data"][::2])
    store.add(snapshot(document), parse(document).observations)
    store.set_cursor(SOURCE.id, {"date.changed": "2022-03-25T12:47:03+00:00"})
    return store.count(), store.cursor(SOURCE.id)


@pytest.mark.parametrize("answer", [httpx.Response(403, json={"error": {"type": "AccessDeniedHttpException"}}),
                                    httpx.Response(503), httpx.ReadTimeout("timed out"),
                                    httpx.Response(200, content=b'{"time": 3, "data": [')])
def test_failures_change_nothing_stored(answer: Any, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ADAPTERS, reliefweb.NAME, reliefweb)  # the module under test, whatever a plugin registered
    before, cursor = prefilled(store)
    assert before["observations"] > 0
    monkeypatch.setenv("RELIEFWEB_APPNAME", TOKEN)
    outcome = update_with(store, served([answer] * 4), SOURCE, Secrets())
    assert outcome.status == "failed" and TOKEN not in (outcome.error or "")
    assert store.count() == before and store.cursor(SOURCE.id) == cursor


def test_a_successful_incremental_run_stores_and_moves_the_cursor(store: Store,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ADAPTERS, reliefweb.NAME, reliefweb)
    before, _ = prefilled(store)
    later = copy.deepcopy(offline_page()["data"][2])
    later["fields"]["date"]["changed"] = "2022-03-28T09:00:00+00:00"
    body = later["fields"]["body"]
    later["fields"]["body"] = body.replace("2,788", "2,789").replace("1,707 injured", "1,708 injured")
    monkeypatch.setenv("RELIEFWEB_APPNAME", TOKEN)
    seen: list[httpx.Request] = []
    outcome = update_with(store, served([page([later])], seen), SOURCE, Secrets())
    assert outcome.status == "ok" and outcome.added == 2  # the revised total and injured; the rest known
    assert seen[0].url.params["filter[conditions][3][value][from]"] == "2022-03-25T12:47:04+00:00"
    assert store.cursor(SOURCE.id) == {"date.changed": "2022-03-28T09:00:00+00:00"}
    assert store.count()["observations"] == before["observations"] + 2
