"""`figures update` end to end against a local server that serves the recorded responses with faults.

The fault matrix (RELIABILITY.md, "Faults end to end"): every fault of `recorded_server.FAULTS` on
every adapter that fetches over HTTP, each run beside a healthy source that must keep its results.
Retries are few and quick (FIGURES_RETRY_ATTEMPTS=2, backoff 0.01 s, timeout 0.3 s, Retry-After
0.2 s); a page that never ends meets each adapter's own default cap (500 pages, 1,000 for UCDP).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from recorded_server import FAULTS, HOSTS, TOKENS, RecordedServer, serving, sources_yaml
from typer.testing import CliRunner

from figures.cli import app
from figures.config import Settings
from figures.http import build_client
from figures.query import observations
from figures.sources import acled, hdx_hapi, iom_dtm, reliefweb, ucdp_ged, unhcr_rdf
from figures.store import Store

pytestmark = [pytest.mark.enable_socket, pytest.mark.allow_hosts(["127.0.0.1"])]

ATTEMPTS = 2


def _default(adapter: object, name: str) -> int:
    return int(adapter.Params.model_fields[name].default)  # type: ignore[attr-defined]


#: Requests an endless API gets before each adapter gives up: its cap (ACLED logs in first).
CAPS = {"unhcr-rdf": unhcr_rdf.MAX_PAGES, "reliefweb": _default(reliefweb, "max_pages"),
        "hdx-hapi": hdx_hapi.MAX_PAGES, "ucdp-ged": _default(ucdp_ged, "max_pages"),
        "acled": _default(acled, "max_pages") + 1, "iom-dtm": iom_dtm.MAX_REQUESTS}

#: What each fault does to a source, by adapter: the status `_report` prints and a word of the why.
#: The adapters without paging (unhcr-odp, ohchr) read the one page an endless API serves.
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    "timeout": {a: ("failed", "ReadTimeout") for a in HOSTS},
    "reset": {a: ("failed", "Connection reset by peer") for a in HOSTS},
    "429-retry-after": {a: ("ok", "") for a in HOSTS},
    "500-then-ok": {a: ("ok", "") for a in HOSTS},
    "truncated-then-ok": {a: ("ok", "") for a in HOSTS},
    "unauthorized": {**{a: ("failed", "GET returned 401") for a in ("unhcr-odp", "unhcr-rdf", "ohchr")},
                     "reliefweb": ("failed", "refused the credentials; set RELIEFWEB_APPNAME"),
                     "hdx-hapi": ("failed", "refused the credentials; set HDX_HAPI_APP_IDENTIFIER"),
                     "ucdp-ged": ("failed", "refused the credentials; set UCDP_ACCESS_TOKEN"),
                     "iom-dtm": ("failed", "refused the credentials; set IOM_DTM_SUBSCRIPTION_KEY"),
                     "acled": ("failed", "ACLED refused the login: set ACLED_EMAIL")},
    "wrong-type": {**{a: ("failed", "HTML or XML page instead of JSON") for a in HOSTS},
                   "ohchr": ("failed", "this is JSON, not an update's text")},
    "schema-change": {**{a: ("failed", "not one of its records could be read") for a in HOSTS},
                      # the page's injured reworded: what can be read is kept, the rest reported
                      "ohchr": ("partial", "figures announced here could not be read")},
    "endless": {"unhcr-odp": ("ok", ""), "ohchr": ("ok", ""),
                "unhcr-rdf": ("failed", f"still had pages after {CAPS['unhcr-rdf']}"),
                "reliefweb": ("failed", f"more than max_pages={CAPS['reliefweb']} pages"),
                "hdx-hapi": ("failed", f"still had rows after {CAPS['hdx-hapi']} pages"),
                "ucdp-ged": ("failed", f"more than {CAPS['ucdp-ged']} pages"),
                "acled": ("failed", f"more than {CAPS['acled'] - 1} pages"),
                "iom-dtm": ("failed", f"more than {CAPS['iom-dtm']} requests")},
}


@pytest.fixture(scope="module")
def server() -> Iterator[RecordedServer]:
    with serving() as running:
        yield running


@pytest.fixture
def run(server: RecordedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `figures update ARGS` against the server with `faults` ({adapter: fault}); (result, server)."""
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FIGURES_TIMEOUT", "0.3")
    monkeypatch.setenv("FIGURES_RETRY_ATTEMPTS", str(ATTEMPTS))
    monkeypatch.setenv("FIGURES_RETRY_BACKOFF", "0.01")
    server.stall = 1.0

    def invoke(args: list[str], faults: dict[str, str] | None = None, endless: bool = False):  # type: ignore[no-untyped-def]
        yaml_path = tmp_path / "sources.yaml"
        yaml_path.write_text(sources_yaml(server.url, "endless" if endless else None),
                             encoding="utf-8")
        monkeypatch.setenv("FIGURES_SOURCES", str(yaml_path))
        with server.lock:
            server.faults = {HOSTS[a]: f for a, f in (faults or {}).items()}
            server.hits.clear()
            server.seen.clear()
        result = CliRunner().invoke(app, ["update", *args], catch_exceptions=False)
        return result

    return invoke


def _line(stderr: str, source_id: str) -> str:
    found = re.search(rf"^(\w+) {re.escape(source_id)}: .*$", stderr, re.M)
    assert found, f"no report line for {source_id}:\n{stderr}"
    return found.group(0)


@pytest.mark.parametrize("adapter", sorted(HOSTS))
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_fault_matrix(run, server: RecordedServer, fault: str, adapter: str) -> None:  # type: ignore[no-untyped-def]
    """One fault on one adapter: retried when worth it, reported with its why, the other source kept."""
    control = "unhcr-odp" if adapter != "unhcr-odp" else "ohchr"
    result = run([f"test-{adapter}", f"test-{control}"], {adapter: fault}, endless=fault == "endless")
    status, why = EXPECTED[fault][adapter]
    stderr = result.stderr
    assert _line(stderr, f"test-{adapter}").startswith(status), stderr
    assert why in stderr
    assert _line(stderr, f"test-{control}").startswith("ok"), stderr
    assert re.search(rf"^ok test-{control}: [1-9]\d* new observations", stderr, re.M)
    assert result.exit_code == (0 if status in ("ok", "partial") else 1), stderr
    if status == "partial":
        assert re.search(rf"^2 sources: 1 fetched; 1 partial \(test-{adapter}\); 0 failed$", stderr, re.M), stderr
    elif status != "ok":
        assert re.search(rf"^2 sources: 1 fetched; 1 failed \(test-{adapter}\)$", stderr, re.M), stderr
        if fault in ("timeout", "reset"):
            assert f"run 'figures update test-{adapter}' again later" in stderr
    # bounded: a retryable fault costs at most ATTEMPTS tries of each request, an endless API the cap
    hits = server.hits[HOSTS[adapter]]
    requests = 2 if adapter == "acled" else 1  # ACLED logs in first
    if fault == "endless":
        assert hits == CAPS.get(adapter, requests)
    else:
        assert hits <= ATTEMPTS * requests
    if fault in ("429-retry-after", "500-then-ok", "truncated-then-ok"):
        assert hits > requests  # a request failed once, then succeeded


def test_the_cursor_and_earlier_results_survive_a_failed_run(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A healthy run of every source, then one fault each: what was stored stays, the failures are named."""
    first = run([])
    assert first.exit_code == 0, first.stderr
    assert "8 sources: 8 fetched; 0 failed" in first.stderr
    store = Store(Settings().db_url())
    before = {a: len(observations(source_id=f"test-{a}", db=store)) for a in HOSTS}
    assert all(before.values()), before
    faults = {"unhcr-odp": "timeout", "unhcr-rdf": "reset", "ohchr": "wrong-type", "reliefweb": "schema-change",
              "hdx-hapi": "500-then-ok", "ucdp-ged": "429-retry-after", "iom-dtm": "truncated-then-ok",
              "acled": "reset"}  # ACLED is asked at most once a week: the second run does not call it
    second = run([], faults)
    assert second.exit_code == 1
    assert "8 sources: 4 fetched; 4 failed (test-unhcr-odp, test-unhcr-rdf, test-ohchr, test-reliefweb)" \
        in second.stderr, second.stderr
    assert "ACLED asks for at most one pull a week" not in second.stdout
    after = {a: len(observations(source_id=f"test-{a}", db=store)) for a in HOSTS}
    assert after == before  # nothing lost; the recovered sources served the same figures again


def test_a_truncated_body_is_retried_not_stored() -> None:
    """The client reads the body inside the retry loop: a download cut short is tried again."""
    calls = []

    class Cut(httpx.SyncByteStream):
        def __iter__(self):  # type: ignore[no-untyped-def]
            yield b'{"a": '
            raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(200, stream=Cut())
        return httpx.Response(200, json={"a": 1})

    with build_client(transport=_Raw(handler), sleep=lambda s: None) as client:
        assert client.get("https://example.org/x").json() == {"a": 1}
    assert len(calls) == 2


class _Raw(httpx.BaseTransport):
    """A transport that hands the handler's response on unread (MockTransport reads it first)."""

    def __init__(self, handler) -> None:  # type: ignore[no-untyped-def]
        self.handler = handler

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.handler(request)
