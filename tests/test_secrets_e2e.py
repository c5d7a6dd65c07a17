"""No token leaks: a full run with distinctive fake tokens, every output grepped for every token.

The run is real processes (`python -m figures --verbose ...`) against the local recorded server:
update (healthy, then with faults so that error messages are written), export (csv, json, --hxl),
query and series as JSON, chart, and report. Then stdout, stderr and every file under FIGURES_HOME
(the SQLite store and its journal, the HTTP cache, the PNGs, the HTML report) are searched for each
token, URL-quoted, and in base64. The tokens ACLED's token endpoint hands out are searched too.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest
from recorded_server import ACCESS_TOKEN, HOSTS, REFRESH_TOKEN, TOKENS, RecordedServer, serving, sources_yaml

from figures.config import load_sources
from figures.errors import ConfigError
from figures.http import build_client

REPO_ROOT = Path(__file__).resolve().parents[1]

CHARTS = [
    {"id": "refugees-ukraine", "metric": "refugees", "area": "UKR", "title": "Refugees from Ukraine"},
    {"id": "idps-ukraine", "metric": "idps", "area": "UKR", "title": "People displaced within Ukraine"},
    {"id": "civilians-killed-ukraine", "metric": "killed", "group": "civilians", "area": "UKR",
     "title": "Civilians killed in Ukraine"},
]


def _forms(value: str) -> set[bytes]:
    """The ways a token could be written down: as is, URL-quoted, and in base64."""
    return {form.encode() for form in (value, quote(value, safe=""), quote_plus(value),
                                       base64.b64encode(value.encode()).decode())}


SECRETS = {**TOKENS, "ACLED access token": ACCESS_TOKEN, "ACLED refresh token": REFRESH_TOKEN}


def _figures(home: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "figures", "--verbose", *args], cwd=home, env=env,
                          capture_output=True, timeout=120, check=False)


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_a_full_run_leaks_no_token(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    outputs: list[tuple[str, bytes]] = []
    with serving() as server:
        config = json.loads(sources_yaml(server.url))
        config["charts"] = CHARTS
        for source in config["sources"]:
            if source["adapter"] == "acled":
                source["params"]["force"] = True  # pull again in the faulty run despite ACLED's weekly limit
        (home / "sources.yaml").write_text(json.dumps(config), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("FIGURES_")}
        env.update(TOKENS, FIGURES_HOME=str(home), FIGURES_SOURCES=str(home / "sources.yaml"),
                   FIGURES_TIMEOUT="0.5", FIGURES_RETRY_ATTEMPTS="2", FIGURES_RETRY_BACKOFF="0.01",
                   PYTHONPATH=str(REPO_ROOT), COLUMNS="200")
        steps: list[tuple[tuple[str, ...], dict[str, str], int]] = [
            (("update",), {}, 0),
            # failures write error messages and retry warnings with the request urls
            (("update",), {"reliefweb": "reset", "hdx-hapi": "unauthorized", "ucdp-ged": "wrong-type",
                           "iom-dtm": "timeout", "unhcr-rdf": "truncated-then-ok", "unhcr-odp": "500-then-ok",
                           "acled": "unauthorized"}, 1),
            (("export", "--format", "csv"), {}, 0),
            (("export", "--format", "csv", "--hxl", "--out", str(home / "export-hxl.csv")), {}, 0),
            (("export", "--format", "json", "--out", str(home / "export.json")), {}, 0),
            (("query", "refugees", "--area", "UKR", "--on", "2022-04-20", "--format", "json"), {}, 0),
            (("series", "killed", "--area", "UKR", "--format", "json"), {}, 0),
            (("sources", "--format", "json"), {}, 0),
            (("chart", "--week", "2022-W12", "--out", str(home / "charts")), {}, 0),
            (("report", "--offline", "--week", "2022-W12", "--out", str(home / "report")), {}, 0),
        ]
        for args, faults, code in steps:
            _set_faults(server, faults)
            done = _figures(home, env, *args)
            assert done.returncode == code, (args, done.stderr.decode())
            outputs += [(f"{' '.join(args)}: stdout", done.stdout), (f"{' '.join(args)}: stderr", done.stderr)]
        faulty = outputs[3][1]  # the faulty run's stderr: retries logged, errors with their urls
        assert b"retrying" in faulty and b"refused the credentials" in faulty and b"refused the login" in faulty
        assert b"app_identifier=***" in faulty and b"appname=***" in faulty
    files = [p for p in home.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".sqlite", ".png", ".html", ".csv", ".json"} <= kinds, kinds
    assert any("cache" in p.parts for p in files)
    outputs += [(str(p.relative_to(home)), p.read_bytes()) for p in files]
    leaks = [f"{name} in {where}" for where, data in outputs for name, value in SECRETS.items()
             if any(form in data for form in _forms(value))]
    assert not leaks, leaks


def _set_faults(server: RecordedServer, faults: dict[str, str]) -> None:
    with server.lock:
        server.faults = {HOSTS[a]: f for a, f in faults.items()}
        server.seen.clear()


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['echo pwned']",
                                 "!!python/object:figures.config.Settings {}",
                                 "!!python/name:os.system"])
def test_sources_yaml_is_read_with_the_safe_loader(tmp_path: Path, tag: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources: {tag}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"is not valid YAML: could not determine a constructor"):
        load_sources(path)


@pytest.mark.parametrize("how", ["query", "header"])
def test_a_request_with_a_token_is_never_written_to_the_http_cache(tmp_path: Path, how: str) -> None:
    token = "tok-Jx83Lq0Zp"
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={"ok": True}, headers={"Cache-Control": "max-age=3600"})

    with build_client(cache_dir=tmp_path, transport=httpx.MockTransport(handler)) as client:
        for _ in range(2):
            client.get("https://example.org/public")  # cached: asked once
            if how == "query":
                client.get("https://example.org/api", params={"appname": token})
            else:
                client.get("https://example.org/api", headers={"x-ucdp-access-token": token})
    assert seen.count("https://example.org/public") == 1
    assert len(seen) == 3  # the request with the token went to the network both times
    stored = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"example.org/public" in stored and token.encode() not in stored
