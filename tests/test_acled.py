"""The ACLED adapter: golden file, the real recorded export, OAuth, weekly pulls, paging, faults.

Golden file: the parse of tests/fixtures/acled/acled_ukraine_2022-02-24.json (the 70 real events
of 24 February 2022 in the API's JSON envelope) is compared with tests/expected/acled/<stem>.csv;
regenerate with `FIGURES_REGEN_GOLDEN=1 pytest tests/test_acled.py` and review the diff.
Real export: ../shared/fixtures/acled/ (224 events, 24-26 February 2022, all 31 columns), read in
place. Fetch tests run on httpx.MockTransport: a fake token endpoint and read endpoint serving
pages built from those real rows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

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
from figures.rows import as_row, row_key
from figures.secrets import Secrets
from figures.sources import ADAPTERS, acled
from figures.sources.base import Context
from figures.store import Store

EMAIL, PASSWORD = "newsdesk@example.org", TOKEN
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def source(**params: Any) -> SourceConfig:
    """An acled source as proposed for sources.yaml."""
    return SourceConfig(id="acled-ukraine", adapter="acled", publisher="ACLED",
                        title="ACLED: political violence events in Ukraine",
                        licence="ACLED Terms of Use and Attribution Policy (not open data; attribute ACLED)",
                        url="https://acleddata.com/ukraine-conflict-monitor/", area="UKR", cadence="weekly",
                        params={"country": "Ukraine", "start_date": "2022-02-24", **params})


FIXTURES = Path(__file__).parent / "fixtures" / "acled"


def acled_manifest() -> list[dict[str, str]]:
    """The recorded ACLED response, kept with the tests: ACLED's terms do not allow shipping it."""
    entries: list[dict[str, str]] = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
    return entries


def fixture_transport() -> httpx.MockTransport:
    """Answers the recorded ACLED request (any credentials) from the fixture, 404 otherwise."""
    [entry] = acled_manifest()
    want = httpx.URL(entry["url"])

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == want.host and request.url.path == want.path and \
                sorted(request.url.params.multi_items()) == sorted(want.params.multi_items()):
            return httpx.Response(200, content=(FIXTURES / entry["file"]).read_bytes(),
                                  headers={"Content-Type": "application/json"})
        return httpx.Response(404)

    return httpx.MockTransport(handler)


def parse(snapshot: Snapshot, src: SourceConfig | None = None) -> Any:
    src = src or source()
    return acled.parse(snapshot, src, acled.Params.model_validate(src.params))


def snap(content: bytes) -> Snapshot:
    return Snapshot(source_id="acled-ukraine", url="https://acleddata.com/api/acled/read?page=1",
                    retrieved_at=NOW, content=content)


def real_rows(shared: Path) -> list[dict[str, str]]:
    text = (shared / "acled" / "acled_read_csv_iso804_2022-02-24_to_26.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def page(rows: list[dict[str, Any]]) -> bytes:
    return json.dumps({"status": 200, "success": True, "count": len(rows), "data": rows}).encode()


# --- golden file and offline replay -------------------------------------------------------------

@pytest.mark.parametrize("entry", acled_manifest(), ids=entry_stem)
def test_offline_snapshot_matches_its_golden_file(entry: dict[str, str]) -> None:
    assert httpx.URL(entry["url"]).params == httpx.URL(acled.request_url(acled.Params.model_validate(
        source().params))).params
    parsed = parse(recorded_snapshot(entry, "acled-ukraine", FIXTURES))
    assert parsed.problems == []
    match_golden(parsed.observations, golden_path("acled", entry["file"]))


def test_every_golden_file_has_its_offline_snapshot() -> None:
    assert golden_stems("acled") == sorted(entry_stem(e) for e in acled_manifest())


def test_the_offline_replay_needs_no_login_and_serves_what_fetch_asks_for() -> None:
    [entry] = acled_manifest()
    ctx = Context(secrets=Secrets(), cursor={}, offline=True)
    with build_client(transport=fixture_transport()) as client:
        [snapshot] = acled.fetch(client, source(), acled.Params.model_validate(source().params), ctx)
    body = (FIXTURES / entry["file"]).read_bytes()
    assert snapshot.content == body
    parsed = parse(snapshot)
    assert sum(o.estimate.best for o in parsed.observations if o.group == "all") == 80
    assert ctx.cursor["timestamp"] == max(int(r["timestamp"]) for r in json.loads(body)["data"])


# --- the real recorded export -------------------------------------------------------------------

def test_real_csv_export_24_to_26_february_2022(shared_fixtures: Path) -> None:
    raw = (shared_fixtures / "acled" / "acled_read_csv_iso804_2022-02-24_to_26.csv").read_bytes()
    rows = real_rows(shared_fixtures)
    parsed = parse(snap(raw), source(format="csv"))
    assert parsed.problems == []
    everyone = [o for o in parsed.observations if o.group == "all"]
    assert len(everyone) == len(rows) == 224
    assert sum(o.estimate.best for o in everyone) == sum(int(r["fatalities"]) for r in rows) == 226
    assert all((o.estimate.low, o.estimate.high, o.rule) == (o.estimate.best, None, "conservative-count")
               for o in parsed.observations)
    by_day = {d: sum(o.estimate.best for o in everyone if o.as_of == d) for d in {o.as_of for o in everyone}}
    assert by_day == {d: sum(int(r["fatalities"]) for r in rows if r["event_date"] == d.isoformat()) for d in by_day}
    assert {o.area for o in parsed.observations} == {"UKR"}
    assert len({o.record_key() for o in parsed.observations}) == len(parsed.observations)  # no two events merge
    civilians = [o for o in parsed.observations if o.group == "civilians"]
    targeted = [r for r in rows if r["event_type"] == "Violence against civilians"
                or (r["event_type"] == "Explosions/Remote violence" and r["inter2"] == "7")]
    assert len(civilians) == len(targeted) and sum(o.estimate.best for o in civilians) == \
        sum(int(r["fatalities"]) for r in targeted)
    mariupol = next(o for o in parsed.observations if o.record_id == "UKR52291")
    assert mariupol.place == "Mariupol, Donetsk"
    assert mariupol.provenance.locator == "csv row 4"
    assert mariupol.provenance.published_at == datetime.fromtimestamp(1646783636, UTC)
    assert mariupol.provenance.attributed_to == "Segodnya; Novoye Vremya Ukraine"
    assert json.loads(mariupol.provenance.quote)["event_id_cnty"] == "UKR52291"


def test_civilian_targeting_field_decides_where_present() -> None:
    base = {"event_id_cnty": "UKR1", "event_date": "2023-05-01", "fatalities": "3", "iso": "804",
            "country": "Ukraine", "event_type": "Explosions/Remote violence", "inter2": "7"}
    flagged = parse(snap(page([{**base, "civilian_targeting": "Civilian targeting"}]))).observations
    unflagged = parse(snap(page([{**base, "civilian_targeting": ""}]))).observations
    inferred = parse(snap(page([base]))).observations
    assert [o.group for o in flagged] == ["all", "civilians"]
    assert [o.group for o in unflagged] == ["all"]
    assert [o.group for o in inferred] == ["all", "civilians"]
    assert {o.area for o in inferred} == {"UKR"}  # from the numeric iso, no iso3 column


def test_numbers_as_json_numbers_or_strings() -> None:
    record = {"event_id_cnty": "UKR2", "event_date": "2022-02-24", "fatalities": 5, "iso": 804, "timestamp": 1646783636}
    [o] = parse(snap(page([record]))).observations
    assert (o.estimate.best, o.area, o.provenance.published_at) == (5, "UKR", datetime.fromtimestamp(1646783636, UTC))


# --- parse faults -------------------------------------------------------------------------------

GOOD = {"event_id_cnty": "UKR52291", "event_date": "2022-02-26", "fatalities": "0", "iso3": "UKR",
        "admin1": "Donetsk", "location": "Mariupol", "timestamp": "1646783636"}


@pytest.mark.parametrize(("content", "message"), [
    (page([GOOD])[:-30], "truncated JSON"),
    (b"<html><body>502 Bad Gateway</body></html>", "HTML or XML page"),
    (json.dumps({"status": 200, "success": True, "rows": [GOOD]}).encode(), "'data'"),
    (json.dumps({"status": 403, "success": False, "error": [{"status": 403, "message": "Access denied"}]}).encode(),
     "Access denied"),
])
def test_whole_snapshot_problems_raise_parse_error(content: bytes, message: str) -> None:
    with pytest.raises(ParseError, match="acled-ukraine") as caught:
        parse(snap(content))
    assert message in str(caught.value)


@pytest.mark.parametrize(("change", "problem"), [
    ({"fatalities": None}, "field 'fatalities' is missing"),
    ({"fatalities": "-2"}, "fatalities is negative"),
    ({"fatalities": "unknown"}, "fatalities is 'unknown', not a count"),
    ({"event_date": "26/02/2022"}, "event_date is '26/02/2022'"),
    ({"iso3": None, "country": "Atlantis"}, "no ISO3 code"),
    ({"timestamp": "yesterday"}, "not a unix time"),
])
def test_a_bad_record_is_skipped_and_named(change: dict[str, Any], problem: str) -> None:
    bad = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    parsed = parse(snap(page([bad, {**GOOD, "event_id_cnty": "UKR52292"}])))
    assert len(parsed.observations) == 1
    [message] = parsed.problems
    assert "'acled-ukraine'" in message and "$.data[0]" in message and problem in message


def test_csv_faults(shared_fixtures: Path) -> None:
    raw = (shared_fixtures / "acled" / "acled_read_csv_iso804_2022-02-24_to_26.csv").read_bytes()
    cut = raw[: raw.rindex(b"\n", 0, len(raw) - 1) + 40]
    parsed = parse(snap(cut), source(format="csv"))
    assert len([o for o in parsed.observations if o.group == "all"]) == 223
    assert len(parsed.problems) == 1 and "csv row 225" in parsed.problems[0]
    renamed = raw.replace(b",fatalities,", b",deaths,", 1)
    with pytest.raises(ParseError) as caught:
        parse(snap(renamed), source(format="csv"))
    assert caught.value.field == "fatalities" and "acled-ukraine" in str(caught.value)
    with pytest.raises(ParseError, match="HTML page"):
        parse(snap(b"<!DOCTYPE html><html></html>"), source(format="csv"))
    assert parse(snap(b""), source(format="csv")).observations == []


# --- fetch: OAuth, paging, weekly limit, incremental ------------------------------------------

class Acled:
    """A fake ACLED: the token endpoint and the read endpoint over the given rows."""

    def __init__(self, rows: list[dict[str, Any]], fault: Fault | None = None, expires_in: int = 86400) -> None:
        self.rows, self.fault, self.expires_in = rows, fault, expires_in
        self.requests: list[httpx.Request] = []
        self.grants: list[dict[str, str]] = []
        self.valid: set[str] = set()
        self.reads = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/oauth/token":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            self.grants.append(form)
            if form["grant_type"] == "password" and (form["username"], form["password"]) != (EMAIL, PASSWORD):
                return httpx.Response(400, json={"error": "invalid_grant"})
            token = f"access-{len(self.grants)}"
            self.valid = {token}
            return httpx.Response(200, json={"token_type": "Bearer", "expires_in": self.expires_in,
                                             "access_token": token, "refresh_token": f"refresh-{len(self.grants)}"})
        self.reads += 1
        if self.fault and (answer := self.fault(request, self.reads)) is not None:
            return answer
        if request.headers.get("Authorization", "").removeprefix("Bearer ") not in self.valid:
            return httpx.Response(401, json={"message": "Unauthorized"})
        params = request.url.params
        chosen = self.rows
        if "timestamp" in params:
            chosen = [r for r in chosen if int(r["timestamp"]) >= int(params["timestamp"])]
        limit, number = int(params["limit"]), int(params["page"])
        body = page(chosen[(number - 1) * limit:number * limit])
        if params["_format"] == "csv":
            out = io.StringIO()
            rows = chosen[(number - 1) * limit:number * limit]
            if rows:
                writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
                writer.writeheader()
                writer.writerows(rows)
            body = out.getvalue().encode()
        return httpx.Response(200, content=body, headers={"Date": "Mon, 02 Mar 2026 09:00:00 GMT"})

    def read_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path != "/oauth/token"]


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACLED_EMAIL", EMAIL)
    monkeypatch.setenv("ACLED_PASSWORD", PASSWORD)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[datetime]]:
    now = [NOW]
    monkeypatch.setattr(acled, "_now", lambda: now[0])
    yield now


def run_fetch(server: Acled, cursor: dict[str, Any] | None = None, sleeps: list[float] | None = None,
              **params: Any) -> tuple[list[Snapshot], Context]:
    src = source(**params)
    ctx = Context(secrets=Secrets(), cursor=dict(cursor or {}), offline=False)
    with mock_client(server, sleeps, attempts=3) as client:
        return acled.fetch(client, src, acled.Params.model_validate(src.params), ctx), ctx


def test_fetch_logs_in_and_pages_until_a_short_page(credentials: None, clock: list[datetime],
                                                     shared_fixtures: Path) -> None:
    server = Acled(real_rows(shared_fixtures))
    snapshots, ctx = run_fetch(server, limit=100, end_date="2022-02-26")
    assert server.grants == [{"username": EMAIL, "password": PASSWORD, "grant_type": "password", "client_id": "acled"}]
    assert server.requests[0].method == "POST" and str(server.requests[0].url) == "https://acleddata.com/oauth/token"
    reads = server.read_requests()
    assert [r.url.params["page"] for r in reads] == ["1", "2", "3"]  # 100, 100, 24 rows
    assert dict(reads[0].url.params) == {"_format": "json", "country": "Ukraine", "event_date": "2022-02-24|2022-02-26",
                                         "event_date_where": "BETWEEN", "limit": "100", "page": "1"}
    assert all(r.headers["Authorization"] == "Bearer access-1" for r in reads)
    assert reads[0].headers["User-Agent"].startswith("figures/")
    assert sum(len([o for o in parse(s).observations if o.group == "all"]) for s in snapshots) == 224
    assert ctx.cursor == {"pulled_at": NOW.isoformat(), "timestamp": 1649784778}
    assert all("access-1" not in s.url and PASSWORD not in s.url for s in snapshots)
    assert "access" not in json.dumps(ctx.cursor) and PASSWORD not in json.dumps(ctx.cursor)


def test_a_pull_within_a_week_fetches_nothing(credentials: None, clock: list[datetime], shared_fixtures: Path) -> None:
    server = Acled(real_rows(shared_fixtures))
    cursor = {"pulled_at": (NOW - timedelta(days=6, hours=23)).isoformat(), "timestamp": 1646000000}
    snapshots, ctx = run_fetch(server, cursor)
    assert snapshots == [] and server.requests == [] and ctx.cursor == cursor
    forced, _ = run_fetch(server, cursor, force=True)
    assert len(forced) == 1
    later = {**cursor, "pulled_at": (NOW - timedelta(days=7)).isoformat()}
    assert len(run_fetch(Acled(real_rows(shared_fixtures)), later)[0]) == 1


def test_incremental_pull_asks_for_events_edited_since(credentials: None, clock: list[datetime],
                                                        shared_fixtures: Path) -> None:
    rows = real_rows(shared_fixtures)
    server = Acled(rows)
    cursor = {"pulled_at": (NOW - timedelta(days=8)).isoformat(), "timestamp": 1649000000}
    snapshots, ctx = run_fetch(server, cursor)
    [read] = server.read_requests()
    assert (read.url.params["timestamp"], read.url.params["timestamp_where"]) == ("1649000000", ">=")
    assert len(parse(snapshots[0]).observations) >= 1
    assert {r["event_id_cnty"] for r in json.loads(snapshots[0].content)["data"]} == \
        {r["event_id_cnty"] for r in rows if int(r["timestamp"]) >= 1649000000}
    assert ctx.cursor["timestamp"] == 1649784778


def test_a_revised_event_adds_one_row(credentials: None, clock: list[datetime], store: Store,
                                      shared_fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = real_rows(shared_fixtures)
    first = update(store, Acled(rows), monkeypatch)
    assert (first.status, first.added) == ("ok", 255)
    revised = [{**r, "fatalities": "4", "timestamp": "1700000000"} if r["event_id_cnty"] == "UKR52291" else r
               for r in rows]
    clock[0] = NOW + timedelta(days=8)
    second = update(store, Acled(revised), monkeypatch)
    assert (second.status, second.added) == ("ok", 2)  # all and civilians of UKR52291, nothing else
    history = [r for r in store.rows() if r["record_id"] == "UKR52291" and r["group"] == "all"]
    assert [h["best"] for h in history] == [0, 4]
    assert store.cursor("acled-ukraine")["timestamp"] == 1700000000


def test_an_expired_token_is_refreshed(credentials: None, clock: list[datetime], shared_fixtures: Path) -> None:
    server = Acled(real_rows(shared_fixtures), expires_in=120)

    def tick(request: httpx.Request, n: int) -> None:
        clock[0] = clock[0] + timedelta(minutes=2)  # each page takes two minutes

    server.fault = tick  # type: ignore[assignment]
    snapshots, _ = run_fetch(server, limit=100)
    assert len(snapshots) == 3
    assert [g["grant_type"] for g in server.grants] == ["password", "refresh_token", "refresh_token"]
    assert server.grants[1]["refresh_token"] == "refresh-1"


def test_a_401_refreshes_once_then_succeeds(credentials: None, clock: list[datetime], shared_fixtures: Path) -> None:
    server = Acled(real_rows(shared_fixtures), fault=first_time(httpx.Response(401, json={"message": "expired"})))
    snapshots, _ = run_fetch(server)
    assert len(snapshots) == 1 and [g["grant_type"] for g in server.grants] == ["password", "refresh_token"]
    assert server.read_requests()[1].headers["Authorization"] == "Bearer access-2"


def test_a_failed_refresh_logs_in_again(credentials: None, clock: list[datetime], shared_fixtures: Path) -> None:
    server = Acled(real_rows(shared_fixtures), fault=first_time(httpx.Response(401, json={"message": "expired"})))
    original = server.__call__

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token" and b"refresh_token" in request.content:
            server.grants.append({"grant_type": "refresh_token"})
            return httpx.Response(400, json={"error": "invalid_grant"})
        return original(request)

    with mock_client(handler) as client:
        snapshots = acled.fetch(client, source(), acled.Params.model_validate(source().params),
                                Context(secrets=Secrets()))
    assert len(snapshots) == 1
    assert [g["grant_type"] for g in server.grants] == ["password", "refresh_token", "password"]


def test_csv_format(credentials: None, clock: list[datetime], shared_fixtures: Path) -> None:
    server = Acled(real_rows(shared_fixtures))
    snapshots, ctx = run_fetch(server, format="csv", limit=200)
    assert [r.url.params["_format"] for r in server.read_requests()] == ["csv", "csv"]
    assert sum(len([o for o in parse(s, source(format="csv")).observations if o.group == "all"])
               for s in snapshots) == 224
    assert ctx.cursor["timestamp"] == 1649784778


def test_fields_always_include_what_parse_needs() -> None:
    url = httpx.URL(acled.request_url(acled.Params.model_validate({"fields": "event_date|notes"})))
    assert url.params["fields"].split("|") == ["event_date", "notes", "event_id_cnty", "fatalities", "timestamp",
                                               "iso3"]


def test_fetch_gives_up_after_max_pages(credentials: None, clock: list[datetime], shared_fixtures: Path) -> None:
    server = Acled(real_rows(shared_fixtures))
    with pytest.raises(SourceError, match="more than 2 pages of 10"):
        run_fetch(server, limit=10, max_pages=2)


# --- faults through the pipeline ----------------------------------------------------------------

def update(store: Store, server: Acled, monkeypatch: pytest.MonkeyPatch, **params: Any) -> Any:
    monkeypatch.setitem(ADAPTERS, acled.NAME, acled)
    return update_with(store, server, source(**params), Secrets(), attempts=3)


def stored(store: Store) -> tuple[dict[str, int], dict[str, Any], list[tuple[Any, ...]]]:
    return state(store, "acled-ukraine", "place", "group", "best")


FAULTS: dict[str, Fault] = {
    "truncated": lambda r, n: httpx.Response(200, content=page([GOOD])[:-20]),
    "html": lambda r, n: httpx.Response(200, text="<!DOCTYPE html><title>Maintenance</title>"),
    "schema": lambda r, n: httpx.Response(200, json={"status": 200, "success": True, "events": [GOOD]}),
    "not-allowed": lambda r, n: httpx.Response(200, json={"status": 403, "success": False,
                                                          "error": {"message": "Access denied"}}),
    "503-forever": lambda r, n: httpx.Response(503, text="Service Unavailable"),
    "timeout": time_out,
    "403": lambda r, n: httpx.Response(403, json={"message": "Forbidden"}),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_failed_update_changes_nothing_stored(fault: str, credentials: None, clock: list[datetime], store: Store,
                                                shared_fixtures: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert update(store, Acled(real_rows(shared_fixtures)), monkeypatch).status == "ok"
    before = stored(store)
    clock[0] = NOW + timedelta(days=8)
    outcome = update(store, Acled([], fault=FAULTS[fault]), monkeypatch)
    assert outcome.status == "failed"
    assert "acled-ukraine" in (outcome.error or "") and PASSWORD not in (outcome.error or "")
    assert FAULT_WHY[fault] in (outcome.error or "")
    assert "access-1" not in (outcome.error or "")
    assert stored(store) == before


def test_a_wrong_password_says_what_to_set(credentials: None, clock: list[datetime], store: Store,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACLED_PASSWORD", "a-wrong-password")
    outcome = update(store, Acled([GOOD]), monkeypatch)
    assert outcome.status == "failed"
    error = outcome.error or ""
    assert "set ACLED_EMAIL" in error and "set ACLED_PASSWORD" in error and "acleddata.com/register" in error
    assert "a-wrong-password" not in error and store.count()["observations"] == 0


def test_missing_credentials_skip_the_source(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ACLED_EMAIL", "ACLED_PASSWORD", "FIGURES_ACLED_EMAIL", "FIGURES_ACLED_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    outcome = update(store, Acled([GOOD]), monkeypatch)
    assert outcome.status == "skipped" and "ACLED_EMAIL" in (outcome.error or "")


def test_an_empty_page_stores_nothing_and_keeps_the_timestamp(credentials: None, clock: list[datetime],
                                                              store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    store.set_cursor("acled-ukraine", {"pulled_at": (NOW - timedelta(days=9)).isoformat(), "timestamp": 1700000000})
    outcome = update(store, Acled([]), monkeypatch)
    assert (outcome.status, outcome.added) == ("ok", 0)
    assert store.cursor("acled-ukraine") == {"pulled_at": NOW.isoformat(), "timestamp": 1700000000}


def test_duplicated_records_across_pages_are_stored_once(credentials: None, clock: list[datetime], store: Store,
                                                         shared_fixtures: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [r for r in real_rows(shared_fixtures) if r["event_type"] == "Battles"][:5]
    server = Acled([*rows[:3], *rows[2:5]])  # the third event is served on both pages
    outcome = update(store, server, monkeypatch, limit=3)
    assert outcome.status == "ok", outcome.error
    # pages of 3, 3 and an empty one (a full page may have a next one)
    assert store.count() == {"snapshots": 3, "observations": 5} and outcome.known == 1


@pytest.mark.parametrize(("status", "headers"), [(429, {"Retry-After": "5"}), (500, {}), (503, {})])
def test_a_transient_error_is_retried_then_succeeds(status: int, headers: dict[str, str], credentials: None,
                                                    clock: list[datetime]) -> None:
    server = Acled([GOOD], fault=first_time(httpx.Response(status, headers=headers)))
    sleeps: list[float] = []
    snapshots, _ = run_fetch(server, sleeps=sleeps)
    assert len(snapshots) == 1 and len(parse(snapshots[0]).observations) == 1
    assert server.reads == 2
    if headers:
        assert sleeps == [5.0]


def test_a_timeout_becomes_a_source_error(credentials: None, clock: list[datetime]) -> None:
    server = Acled([GOOD], fault=time_out)
    with pytest.raises(SourceError, match="GET failed: ReadTimeout") as caught:
        run_fetch(server)
    assert caught.value.source_id == "acled-ukraine"
    assert date(2022, 2, 24).isoformat() in caught.value.url


def test_a_saved_csv_is_read_as_csv_whatever_params_format_says(shared_fixtures: Path) -> None:
    raw = (shared_fixtures / "acled" / "acled_read_csv_iso804_2022-02-24_to_26.csv").read_bytes()
    saved = snap(raw).model_copy(update={"content_type": "text/csv"})  # as `figures ingest FILE.csv` sends it
    assert len([o for o in parse(saved, source(format="json")).observations if o.group == "all"]) == 224


# --- rows for bulk storing: the same figures and problems as the observations ------------------

def csv_of(records: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(k for r in records for k in r)), lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode()


def rows_cases(shared: Path) -> list[tuple[str, bytes, SourceConfig]]:
    raw = (shared / "acled" / "acled_read_csv_iso804_2022-02-24_to_26.csv").read_bytes()
    [entry] = acled_manifest()
    odd = [{**GOOD, "event_id_cnty": f"UKR{i}", **change} for i, change in enumerate([
        {"fatalities": None}, {"fatalities": "-2"}, {"fatalities": "unknown"}, {"fatalities": " 4"},
        {"fatalities": "1,200"}, {"fatalities": "٣"}, {"fatalities": "²"}, {"event_date": "26/02/2022"},
        {"event_date": "2022-02-26T10:00:00"}, {"iso3": "ÀBC"},
        {"iso3": "ukr", "iso": "804"}, {"iso3": None, "country": "Atlantis"}, {"timestamp": "yesterday"},
        {"timestamp": ""}, {"location": " Mariupol ", "admin1": "Mariupol"}, {"location": None, "admin1": None},
        {"source": ""}, {"civilian_targeting": "Civilian targeting"}, {"event_id_cnty": ""},
    ])]
    odd_json = [{k: v for k, v in r.items() if v is not None} for r in odd]
    return [
        ("recorded JSON page", (FIXTURES / entry["file"]).read_bytes(), source()),
        ("real CSV export", raw, source(format="csv")),
        ("CSV cut short", raw[: raw.rindex(b"\n", 0, len(raw) - 1) + 40], source(format="csv")),
        ("odd records, JSON", page([*odd_json, [1], "text", {"event_id_cnty": "X", "event_date": 5,
                                                            "fatalities": [1]}]), source()),
        ("odd records, CSV", csv_of([{k: v or "" for k, v in r.items()} for r in odd]), source(format="csv")),
        ("JSON numbers", page([{"event_id_cnty": "UKR2", "event_date": "2022-02-24", "fatalities": 5, "iso": 804,
                                "timestamp": 1646783636, "event_type": "Violence against civilians"}]), source()),
    ]


def test_rows_are_the_observations_with_the_same_problems(shared_fixtures: Path) -> None:
    """`iter_rows` (what ingest stores) gives exactly `as_row` of `iter_parse`'s observations, keys included."""
    for name, content, src in rows_cases(shared_fixtures):
        snapshot = snap(content)
        params = acled.Params.model_validate(src.params)
        row_problems: list[str] = []
        observation_problems: list[str] = []
        rows = list(acled.iter_rows(snapshot, src, params, row_problems))
        observations = list(acled.iter_parse(snapshot, src, params, observation_problems))
        assert rows == [as_row(o) for o in observations], name
        assert row_problems == observation_problems, name
        assert [row_key(r) for r in rows] == [o.record_key() for o in observations], name
        assert rows and (name.startswith(("recorded", "real", "JSON")) or row_problems), name
