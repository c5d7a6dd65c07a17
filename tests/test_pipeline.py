"""The update pipeline: tokens and redaction, skipped sources, cursors, re-parsing, plugins."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

from figures import sources as registry
from figures.cli import app
from figures.config import SourceConfig, SourcesFile
from figures.errors import SourceError
from figures.http import build_client
from figures.models import Estimate, Observation, Provenance, Snapshot
from figures.pipeline import reparse, update
from figures.secrets import RedactingFilter, Secrets, redact
from figures.sources.base import Context, Parsed, get_snapshot

TOKEN = "tok-5ecret-value"


class Params(BaseModel):
    base_url: str = "https://api.example.org"


def _parse(snapshot: Snapshot, source: SourceConfig, params: Params) -> Parsed:
    value = int(snapshot.content.decode().split("=")[1])
    return Parsed([Observation(
        metric="killed", area="UKR", as_of=datetime(2022, 3, 1).date(), estimate=Estimate.exact(value),
        provenance=Provenance(source_id=source.id, publisher=source.publisher, url=snapshot.url,
                              retrieved_at=snapshot.retrieved_at, snapshot_sha256=snapshot.sha256,
                              locator="$", quote=str(value), adapter="secretive", adapter_version="1"),
    )])


def _fetch(client: httpx.Client, source: SourceConfig, params: Params, ctx: Context) -> list[Snapshot]:
    since = ctx.cursor.get("since", 0)
    snap = get_snapshot(client, source.id, f"{params.base_url}/data?since={since}&access_token="
                        f"{ctx.secret('UCDP_ACCESS_TOKEN')}", ctx, needed=("UCDP_ACCESS_TOKEN",),
                        headers={"x-token": ctx.secret("UCDP_ACCESS_TOKEN")})
    ctx.cursor["since"] = since + 1
    return [snap]


secretive = SimpleNamespace(NAME="secretive", VERSION="1", Params=Params, NEEDS=("UCDP_ACCESS_TOKEN",),
                            fetch=_fetch, parse=_parse)


@pytest.fixture
def config(monkeypatch) -> SourcesFile:
    monkeypatch.setitem(registry.ADAPTERS, "secretive", secretive)
    source = SourceConfig(id="secret-source", adapter="secretive", publisher="UCDP", title="t", licence="l",
                          url="https://example.org", area="UKR", cadence="daily")
    return SourcesFile(sources=[source])


def client_for(handler) -> httpx.Client:
    return build_client(transport=httpx.MockTransport(handler), sleep=lambda s: None)


def test_a_source_without_its_token_is_skipped_saying_what_to_set(store, config, monkeypatch):
    monkeypatch.delenv("UCDP_ACCESS_TOKEN", raising=False)
    [outcome] = update(store, client_for(lambda r: httpx.Response(200, text="n=1")), config, secrets=Secrets())
    assert outcome.status == "skipped"
    assert "set UCDP_ACCESS_TOKEN" in outcome.error and "ucdp" in outcome.error.lower()
    assert store.count() == {"snapshots": 0, "observations": 0}


def test_the_token_is_sent_and_never_stored(store, config, monkeypatch):
    monkeypatch.setenv("UCDP_ACCESS_TOKEN", TOKEN)
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="n=7")

    [outcome] = update(store, client_for(handler), config, secrets=Secrets())
    assert outcome.status == "ok", outcome.error
    assert seen[0].headers["x-token"] == TOKEN
    row = store.rows()[0]
    assert TOKEN not in row["url"] and "access_token=***" in row["url"]
    [snap] = list(store.snapshots_of("secret-source"))
    assert TOKEN not in snap.url


def test_a_refused_token_says_which_one_and_is_redacted(store, config, monkeypatch):
    monkeypatch.setenv("UCDP_ACCESS_TOKEN", TOKEN)
    [outcome] = update(store, client_for(lambda r: httpx.Response(403)), config, secrets=Secrets())
    assert outcome.status == "failed"
    assert "403" in outcome.error and "set UCDP_ACCESS_TOKEN" in outcome.error
    assert "secret-source" in outcome.error and TOKEN not in outcome.error


def test_a_network_error_message_is_redacted(store, config, monkeypatch):
    monkeypatch.setenv("UCDP_ACCESS_TOKEN", TOKEN)

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"cannot reach {request.url}", request=request)

    [outcome] = update(store, client_for(handler), config, secrets=Secrets())
    assert outcome.status == "failed" and TOKEN not in outcome.error


def test_log_lines_are_redacted(monkeypatch, caplog):
    monkeypatch.setenv("UCDP_ACCESS_TOKEN", TOKEN)
    logger = logging.getLogger("figures.test")
    caplog.handler.addFilter(RedactingFilter(Secrets()))
    logger.warning("retrying https://x/?key=abc with %s", TOKEN)
    assert TOKEN not in caplog.text and "key=***" in caplog.text


def test_redact_hides_encoded_forms():
    text = f"a {TOKEN} b {TOKEN.replace('-', '%2D')} c"
    assert TOKEN not in redact(text, [TOKEN])


def test_the_cursor_is_kept_only_after_a_successful_run(store, config, monkeypatch):
    monkeypatch.setenv("UCDP_ACCESS_TOKEN", TOKEN)
    urls = []

    def ok(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url))
        return httpx.Response(200, text=f"n={len(urls)}")

    update(store, client_for(ok), config, secrets=Secrets())
    update(store, client_for(ok), config, secrets=Secrets())
    assert "since=0" in urls[0] and "since=1" in urls[1]
    assert store.cursor("secret-source") == {"since": 2}
    update(store, client_for(lambda r: httpx.Response(500)), config, secrets=Secrets())
    assert store.cursor("secret-source") == {"since": 2}


def test_offline_needs_no_token(store, config, monkeypatch):
    monkeypatch.delenv("UCDP_ACCESS_TOKEN", raising=False)
    [outcome] = update(store, client_for(lambda r: httpx.Response(200, text="n=3")), config,
                       secrets=Secrets(), offline=True)
    assert outcome.status == "ok"


def test_context_secret_without_a_token_raises():
    with pytest.raises(SourceError, match="set ACLED_EMAIL"):
        Context(secrets=Secrets()).secret("ACLED_EMAIL")


def test_reparse_re_derives_from_stored_snapshots_without_the_network(store, config, monkeypatch):
    monkeypatch.setenv("UCDP_ACCESS_TOKEN", TOKEN)
    update(store, client_for(lambda r: httpx.Response(200, text="n=5")), config, secrets=Secrets())
    [same] = reparse(store, config)
    assert (same.added, same.known) == (0, 1)

    def fixed_parse(snapshot, source, params):  # a parser fix that doubles the value
        parsed = _parse(snapshot, source, params)
        o = parsed.observations[0]
        return Parsed([o.model_copy(update={"estimate": Estimate.exact(o.estimate.best * 2)})])

    monkeypatch.setitem(registry.ADAPTERS, "secretive", SimpleNamespace(**{**vars(secretive), "parse": fixed_parse}))
    [fixed] = reparse(store, config)
    assert fixed.added == 1
    assert [r["best"] for r in store.rows()] == [5, 10]


def test_cli_sources_says_what_is_missing_and_update_reparse_runs(tmp_path, monkeypatch, repo_root):
    runner = CliRunner()
    args = ["--sources", str(repo_root / "sources.yaml")]
    assert runner.invoke(app, [*args, "update", "--offline"]).exit_code == 0
    result = runner.invoke(app, [*args, "update", "--reparse"])
    assert result.exit_code == 0, result.output
    assert "0 new observations, 61 already stored" in result.stderr


def test_a_broken_plugin_is_reported_not_fatal(monkeypatch):
    class Broken:
        name, value = "broken", "nowhere:adapter"

        def load(self):
            raise ImportError("No module named 'nowhere'")

    monkeypatch.setattr(registry, "entry_points", lambda group: [Broken()])
    monkeypatch.setattr(registry, "_plugins_loaded", False)
    monkeypatch.setattr(registry, "_plugin_errors", [])
    errors = registry.plugin_errors()
    assert errors and "broken" in errors[0] and "nowhere" in errors[0]
    assert registry.get_adapter("unhcr-odp").NAME == "unhcr-odp"


def test_an_old_store_is_upgraded_to_the_current_schema(tmp_path):
    import sqlalchemy as sa

    from figures.store import SCHEMA_VERSION, Store, meta

    path = tmp_path / "old.sqlite"
    store = Store(f"sqlite:///{path}")
    with store.engine.begin() as conn:
        conn.execute(meta.update().values(value="1"))
        conn.execute(sa.text("DROP TABLE cursors"))
    store.close()
    again = Store(f"sqlite:///{path}")
    assert again.schema_version() == SCHEMA_VERSION
    again.set_cursor("x", {"a": 1})
    assert again.cursor("x") == {"a": 1}
    assert datetime.now(UTC)  # the store stays usable


def test_the_shipped_configuration_updates_offline(store, sources_file):
    """`figures update --offline` on sources.yaml: every Ukraine source stores figures; of Sudan's, the
    three with shipped snapshots (IOM DTM's IDPs, UNHCR's end-year refugees, OHCHR's and OCHA's reports on
    ReliefWeb), the others are skipped."""
    from figures.offline import replay_transport

    outcomes = update(store, build_client(transport=replay_transport()), sources_file, offline=True)
    by_status: dict[str, list[str]] = {}
    for o in outcomes:
        by_status.setdefault(o.status, []).append(o.source_id)
    areas = {s.id: s.area for s in sources_file.sources}
    assert by_status.get("failed") is None
    assert {areas[i] for i in by_status["ok"]} == {"UKR", "SDN", "ISR"}  # ISR: the UCDP example
    assert {i for i in by_status["ok"] if areas[i] == "SDN"} == {"iom-dtm-sudan-idps", "unhcr-rdf-sudan",
                                                                 "reliefweb-sudan"}
    skipped = set(by_status.get("skipped", []))
    # none shipped: UCDP events of Ukraine (none recorded), ACLED's (its terms forbid shipping them)
    assert {areas[i] for i in skipped - {"ucdp-ged-ukraine", "acled-ukraine"}} <= {"SDN"}
    assert all(o.added > 0 for o in outcomes if o.status == "ok")
    adapters = {s.adapter for s in sources_file.sources if s.id in by_status["ok"]}
    assert adapters >= {"unhcr-odp", "ohchr", "reliefweb", "unhcr-rdf", "hdx-hapi", "iom-dtm", "ucdp-ged", "csv"}


def test_a_lazily_parsed_snapshot_is_stored_in_chunks_all_or_nothing(store, monkeypatch):
    """An adapter with `iter_parse` is stored in chunks inside one transaction: a failure half way
    through stores nothing of that snapshot."""
    from figures import store as store_module
    from figures.errors import ParseError
    from figures.pipeline import Outcome, store_snapshot

    def rows(n: int, fail_at: int | None = None):
        def iter_parse(snapshot, source, params, problems):
            for i in range(n):
                if i == fail_at:
                    raise ParseError(source.id, snapshot.sha256, "the export breaks off here", field="row")
                o = _parse(Snapshot(source_id=source.id, url=snapshot.url, retrieved_at=snapshot.retrieved_at,
                                    content=f"n={i}".encode()), source, params).observations[0]
                yield o.model_copy(update={"as_of": o.as_of.replace(day=1 + i % 28), "place": f"p{i}",
                                           "provenance": o.provenance.model_copy(update={
                                               "snapshot_sha256": snapshot.sha256})})
            problems.append("row 7: skipped")
        return iter_parse

    source = SourceConfig(id="big", adapter="lazy", publisher="P", title="t", licence="l", url="https://x.org",
                          area="UKR", cadence="daily")
    snap = Snapshot(source_id="big", url="https://x.org/export.csv", retrieved_at=datetime(2024, 1, 1, tzinfo=UTC),
                    content=b"a large export")
    monkeypatch.setattr(store_module, "CHUNK", 100)
    monkeypatch.setitem(registry.ADAPTERS, "lazy", SimpleNamespace(
        NAME="lazy", VERSION="1", Params=Params, parse=None, iter_parse=rows(450, fail_at=320)))
    with pytest.raises(ParseError):
        store_snapshot(store, source, snap, Outcome("big"))
    assert store.count() == {"snapshots": 0, "observations": 0}
    monkeypatch.setitem(registry.ADAPTERS, "lazy", SimpleNamespace(
        NAME="lazy", VERSION="1", Params=Params, parse=None, iter_parse=rows(450)))
    outcome = Outcome("big")
    store_snapshot(store, source, snap, outcome)
    assert (outcome.snapshots, outcome.added, outcome.status) == (1, 450, "partial")
    assert store.count() == {"snapshots": 1, "observations": 450}


@pytest.mark.parametrize(("adapter", "fixture", "record_id"), [
    ("acled", "acled/acled_read_csv_iso804_2022-02-24_to_26.csv", "event_id_cnty"),
    ("ucdp-ged", "ucdp/ged_csv_hdx_conflict_data_BGD_sample.csv", "id"),
])
def test_ingesting_an_export_stores_what_parse_reads_once_and_a_revision_as_a_new_row(
        store, shared_fixtures, tmp_path, adapter, fixture, record_id):
    """`figures ingest` of a real export (the bulk rows path): the very observations `parse` gives, with
    their provenance; the same file again adds nothing; a revised event adds its new figures; a bad row
    is named and the rest stored."""
    import csv
    import io
    import os

    from figures.pipeline import ingest_file

    source = SourceConfig(id=f"{adapter}-export", adapter=adapter, publisher="P", title="t", licence="l",
                          url="https://example.org", area="UKR", cadence="weekly", params={"format": "csv"})
    raw = (shared_fixtures / fixture).read_bytes()
    path = tmp_path / "export.csv"
    path.write_bytes(raw)
    os.utime(path, (1_700_000_000, 1_700_000_000))
    first = ingest_file(store, path, source)
    snapshot = store.snapshot(next(iter(store.snapshots_of(source.id))).sha256)
    module = registry.get_adapter(adapter)
    parsed = module.parse(snapshot, source, module.Params.model_validate(source.params))
    assert (first.status, first.added, first.problems) == ("ok", len(parsed.observations), [])
    assert store.select(source_id=source.id) == sorted(parsed.observations, key=lambda o: o.as_of)

    again = ingest_file(store, path, source)
    assert (again.status, again.added, again.known) == ("ok", 0, first.added)

    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    header, events = rows[0], [r for r in rows[1:] if not r[0].startswith("#")]
    target = events[5]
    target[header.index("high" if adapter == "ucdp-ged" else "fatalities")] = "99"
    bad = list(events[6])
    bad[header.index(record_id)] = "BAD1"
    bad[header.index("high" if adapter == "ucdp-ged" else "fatalities")] = "unknown"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([header, *events, bad])
    path.write_text(out.getvalue(), encoding="utf-8")
    os.utime(path, (1_700_086_400, 1_700_086_400))
    revised = ingest_file(store, path, source)
    assert (revised.status, revised.added, revised.known) == ("partial", 1, first.added - 1)
    [problem] = revised.problems
    assert f"csv row {len(events) + 2}" in problem and "'unknown', not a count" in problem
    latest = [o for o in store.select(source_id=source.id) if o.record_id == target[header.index(record_id)]]
    assert [o.estimate.high if adapter == "ucdp-ged" else o.estimate.best for o in latest if o.group == "all"][-1] == 99
