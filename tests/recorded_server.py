"""A local HTTP server on 127.0.0.1 that answers with the project's recorded responses, and can fail.

Each adapter's `base_url` points at `http://127.0.0.1:PORT/<original host>/...`; the server rebuilds
the original url from the path and answers from the recordings (figures/data/offline manifests and
tests/fixtures/acled), as `figures update --offline` would. `server.faults[host] = "<fault>"` makes
every request to that host fail in one way (see FAULTS); the other hosts keep answering.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from figures.offline import _folder, _key, manifest

ACLED_FIXTURES = Path(__file__).parent / "fixtures" / "acled"

#: The faults the server can inject, and what each does to every request to its host.
FAULTS = {
    "timeout": "answers nothing for longer than the client's timeout",
    "reset": "resets the connection (TCP RST) before answering",
    "429-retry-after": "429 Too Many Requests with Retry-After once per url, then the recording",
    "500-then-ok": "500 once per url, then the recording",
    "truncated-then-ok": "the body cut in half under a full Content-Length once per url, then the recording",
    "unauthorized": "401 Unauthorized, as for a token that was revoked",
    "wrong-type": "200 with an HTML maintenance page (JSON for the HTML adapter)",
    "schema-change": "the recording with a field renamed",
    "endless": "every page says another follows",
}

#: Per host: the field a schema change renames (old, new); for HTML pages, a word reworded.
RENAMES = {
    "data.unhcr.org": ("individuals", "individuals_count"),
    "api.unhcr.org": ("year", "Year"),
    "www.ohchr.org": ("injured", "hurt"),
    "api.reliefweb.int": ("original", "created"),
    "hapi.humdata.org": ("fatalities", "fatality_count"),
    "ucdpapi.pcr.uu.se": ("best", "best_estimate"),
    "acleddata.com": ("fatalities", "fatality_count"),
    "dtmapi.iom.int": ("numPresentIdpInd", "idps"),
}

MAINTENANCE = (b"<!DOCTYPE html><html><head><title>Down for maintenance</title></head>"
               b"<body><h1>We'll be back soon</h1></body></html>")


def _recordings() -> dict[str, tuple[bytes, str]]:
    """Request key -> (body, content type) for every recorded response."""
    out: dict[str, tuple[bytes, str]] = {}
    for entry in manifest():
        body = (_folder() / entry["file"]).read_bytes()
        out[_key(entry["url"])] = (body, entry.get("content_type") or "application/json")
    for entry in json.loads((ACLED_FIXTURES / "manifest.json").read_text(encoding="utf-8")):
        out[_key(entry["url"])] = ((ACLED_FIXTURES / entry["file"]).read_bytes(), entry["content_type"])
    return out


def _path_only(key: str) -> str:
    return key.split("?", 1)[0]


def _rename(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        return {(new if k == old else k): _rename(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename(v, old, new) for v in value]
    return value


def _padded(rows: list[Any], size: int) -> list[Any]:
    return (rows * (size // max(len(rows), 1) + 1))[:size] if rows else rows


def endless(host: str, body: bytes, url: httpx.URL) -> bytes:
    """The recording changed so that it says another page follows, in each API's own way."""
    doc = json.loads(body)
    query = url.params
    if host == "api.unhcr.org":
        doc["maxPages"] = 10**6
    elif host == "api.reliefweb.int":
        offset = int(query.get("offset", 0)) + len(doc["data"])
        doc["links"]["next"] = {"href": str(url.copy_set_param("offset", offset))}
        doc["totalCount"] = 10**9
    elif host == "hapi.humdata.org":
        doc["data"] = _padded(doc["data"], int(query.get("limit", len(doc["data"]))))
    elif host == "ucdpapi.pcr.uu.se":
        doc["NextPageUrl"], doc["TotalPages"] = str(url), 10**6
    elif host == "acleddata.com":
        doc["data"] = _padded(doc["data"], int(query.get("limit", len(doc["data"]))))
    elif host == "dtmapi.iom.int":
        doc["totalRecordsCount"] = len(doc["result"]) + 1
    return json.dumps(doc).encode()


class RecordedServer(ThreadingHTTPServer):
    """The server; `url` is its base, `faults` host -> fault, `hits` counts requests per host."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        self.recordings = _recordings()
        self.by_path: dict[str, tuple[bytes, str]] = {}
        for key, value in self.recordings.items():
            self.by_path.setdefault(_path_only(key), value)
        self.faults: dict[str, str] = {}
        self.hits: Counter[str] = Counter()
        self.seen: Counter[str] = Counter()
        self.stall = 3.0  # seconds a "timeout" answer waits
        self.retry_after = "0.2"
        self.requests: list[httpx.URL] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: RecordedServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle and delayed ACKs add 40 ms a response
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None,
              cut: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if cut else body)
        self.wfile.flush()
        if cut:
            self.close_connection = True

    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def do_POST(self) -> None:  # noqa: N802 - ACLED's token endpoint
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._answer(token=True)

    def do_GET(self) -> None:  # noqa: N802
        self._answer()

    def _answer(self, token: bool = False) -> None:
        host, _, rest = self.path.lstrip("/").partition("/")
        original = httpx.URL(f"https://{host}/{rest}")
        srv = self.server
        with srv.lock:
            srv.hits[host] += 1
            srv.requests.append(original)
            first = srv.seen[str(original)] == 0
            srv.seen[str(original)] += 1
        fault = srv.faults.get(host)
        if fault == "timeout":
            time.sleep(srv.stall)
            return self._reset()
        if fault == "reset":
            return self._reset()
        if fault == "429-retry-after" and first:
            return self._send(429, b'{"error": "too many requests"}', "application/json",
                              {"Retry-After": srv.retry_after})
        if fault == "unauthorized":
            return self._send(401, b'{"error": "invalid credentials"}', "application/json")
        if fault == "500-then-ok" and first:
            return self._send(500, b"Internal Server Error", "text/plain")
        if token:
            answer = {"access_token": ACCESS_TOKEN, "refresh_token": REFRESH_TOKEN, "expires_in": 86400}
            return self._send(200, json.dumps(answer).encode(), "application/json")
        recorded = srv.recordings.get(_key(original))
        if recorded is None:  # an incremental run asks from its cursor: the recording answers that too
            recorded = srv.by_path.get(_path_only(_key(original)))
        if recorded is None:
            return self._send(404, f"no recording for {original}".encode(), "text/plain")
        body, content_type = recorded
        if fault == "truncated-then-ok" and first:
            return self._send(200, body, content_type, cut=True)
        if fault == "wrong-type":
            if content_type.startswith("text/html"):
                return self._send(200, b'{"status": "maintenance"}', "application/json")
            return self._send(200, MAINTENANCE, "text/html; charset=utf-8")
        if host == "api.reliefweb.int":  # the API repeats the request url, appname included, in its answer
            body = body.replace(b"REDACTED_APPNAME", original.params.get("appname", "").encode())
        if fault == "schema-change":
            old, new = RENAMES[host]
            if content_type.startswith("text/html"):
                body = body.replace(old.encode(), new.encode())
            else:
                body = json.dumps(_rename(json.loads(body), old, new)).encode()
        if fault == "endless" and not content_type.startswith("text/"):
            body = endless(host, body, original)
        self._send(200, body, content_type)


#: The tokens ACLED's token endpoint hands out (secrets too: they must not leak either).
ACCESS_TOKEN = "acled-access-9f3c1e7b2d"
REFRESH_TOKEN = "acled-refresh-4a8d6c2e0f"


@contextmanager
def serving() -> Iterator[RecordedServer]:
    """A RecordedServer running in a thread for the duration of the block."""
    server = RecordedServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def sources_yaml(base: str, fault: str | None = None, max_pages: int | None = None) -> str:
    """A sources.yaml with one source per HTTP adapter, each pointing at the server at `base`.

    Under the `endless` fault, hdx-hapi and ACLED ask for pages the size of their recording, so that
    each page is full and another is asked for. `max_pages` sets the adapters' own page caps.
    """
    full = fault == "endless"
    cap = {"max_pages": max_pages} if max_pages else {}
    entries = [
        ("unhcr-odp", "UKR", {"endpoint": "timeseries", "sv_id": 54, "population_group": "5457",
                              "widget_id": 283577, "frequency": "day", "scope": "incident",
                              "base_url": f"{base}/data.unhcr.org"}),
        ("unhcr-rdf", "UKR", {"coo": "UKR", "coa_all": True, "year_from": 2021,
                              "base_url": f"{base}/api.unhcr.org/population/v1/"}),
        ("ohchr", "UKR", {"format": "text", "base_url": f"{base}/www.ohchr.org",
                          "urls": ["en/press-releases/2022/03/ukraine-civilian-casualty-update-25-march-2022"]}),
        ("reliefweb", "UKR", {"country": "UKR", "sources": ["OHCHR", "UNHCR"], "date_from": "2022-02-24",
                              "limit": 100, "base_url": f"{base}/api.reliefweb.int/v2", **cap}),
        ("hdx-hapi", "UKR", {"endpoint": "coordination-context/conflict-event", "location_code": "UKR",
                             "base_url": f"{base}/hapi.humdata.org/api/v1/", **({"limit": 36} if full else {})}),
        ("ucdp-ged", "ISR", {"version": "19.1", "country": 666, "start_date": "2002-01-01",
                             "end_date": "2002-12-31", "base_url": f"{base}/ucdpapi.pcr.uu.se/api", **cap}),
        ("acled", "UKR", {"country": "Ukraine", "start_date": "2022-02-24",
                          "base_url": f"{base}/acleddata.com/api/acled/read",
                          "token_url": f"{base}/acleddata.com/oauth/token", **({"limit": 70} if full else {}), **cap}),
        ("iom-dtm", "UKR", {"admin_level": 0, "operation": "Displacement due to Conflict in Ukraine",
                            "admin0_pcode": "UKR", "from_date": "2022-02-24", "base_url": f"{base}/dtmapi.iom.int"}),
    ]
    sources = [{"id": f"test-{adapter}", "adapter": adapter, "publisher": "Test", "title": f"{adapter} via the test "
                "server", "licence": "test", "url": "https://example.org/", "area": area, "cadence": "daily",
                "params": params} for adapter, area, params in entries]
    return json.dumps({"sources": sources})  # JSON is YAML


#: The host each adapter's requests go to.
HOSTS = {"unhcr-odp": "data.unhcr.org", "unhcr-rdf": "api.unhcr.org", "ohchr": "www.ohchr.org",
         "reliefweb": "api.reliefweb.int", "hdx-hapi": "hapi.humdata.org", "ucdp-ged": "ucdpapi.pcr.uu.se",
         "acled": "acleddata.com", "iom-dtm": "dtmapi.iom.int"}

#: Distinctive fake tokens, one per variable.
TOKENS = {
    "RELIEFWEB_APPNAME": "rwapp-Zq7xK2mP9v",
    "HDX_HAPI_APP_IDENTIFIER": "aGFwaS10ZXN0OmZha2VAZXhhbXBsZS5vcmc-Wy8",
    "UCDP_ACCESS_TOKEN": "ucdp-tok-Hk3Jd8Lw2s",
    "ACLED_EMAIL": "leaky.reporter-Qx4@example.org",
    "ACLED_PASSWORD": "acled-pw-Vn6Rb1Ty5u",
    "IOM_DTM_SUBSCRIPTION_KEY": "dtm-key-Pf2Gs7Wc4e",
}
