"""Crash safety: `figures update` killed at random moments leaves a whole store.

A threaded HTTP server on 127.0.0.1 serves the recorded responses of figures/data/offline (some
slowly, in pieces, so kills land mid-download too); a real `python -m figures update` runs against
it in a subprocess and is killed with SIGKILL after a random delay, again and again on the same
store (once a run has stored every source, the store is removed, so kills keep landing mid-run).
After every kill the store must pass `figures.integrity.check`, and each source must hold
all of a clean run's observations or none; a final run must complete and give the clean store.

FIGURES_KILLS sets the number of kills (default 5; RELIABILITY.md reports a longer run).
"""

from __future__ import annotations

import email.utils
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import sqlalchemy as sa
import yaml

from figures.integrity import check
from figures.offline import _folder, manifest
from figures.store import Store, observations, runs, snapshots

REPO_ROOT = Path(__file__).resolve().parents[1]
#: Sources served by the test server: no token needed, and no cursor (a rerun asks the same again).
SOURCES = ("unhcr-ukraine-crossings", "unhcr-ukraine-by-country", "ohchr-ukraine-updates",
           "ocha-ukraine-key-figures-ohchr")
KILLS = int(os.environ.get("FIGURES_KILLS", "5"))


def _key(path: str, query: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    return path, tuple(sorted(parse_qsl(query, keep_blank_values=True)))


class Recorded(ThreadingHTTPServer):
    """The shipped recordings by path and parameters (any host); every other response is slowed."""

    daemon_threads = True

    def __init__(self, slow: float) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.slow = slow
        self.files: dict[tuple[str, tuple[tuple[str, str], ...]], dict[str, str]] = {}
        for entry in manifest():
            parts = urlsplit(entry["url"])
            self.files.setdefault(_key(parts.path, parts.query), entry)
        self.served = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: Recorded

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        parts = urlsplit(self.path)
        entry = self.server.files.get(_key(parts.path, parts.query))
        if entry is None:
            self.send_error(404)
            return
        body = (_folder() / entry["file"]).read_bytes()
        # the Date header says when the recording was made, as the offline replay does: runs compare equal
        self.recorded = email.utils.format_datetime(datetime.fromisoformat(entry["retrieved"]), usegmt=True)
        self.send_response(200)
        self.send_header("Content-Type", entry.get("content_type") or "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.server.served += 1
        slow = self.server.served % 2 == 0 and self.server.slow
        pieces = 4 if slow else 1
        step = -(-len(body) // pieces)
        try:
            for i in range(0, len(body), step):
                self.wfile.write(body[i:i + step])
                self.wfile.flush()
                if slow:
                    time.sleep(self.server.slow / pieces)
        except (BrokenPipeError, ConnectionResetError):  # the client was killed mid-download
            pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        return getattr(self, "recorded", None) or super().date_time_string(timestamp)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Recorded]:
    httpd = Recorded(slow=0.2)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def sources_yaml(base: str, path: Path) -> Path:
    """The chosen sources of the shipped sources.yaml, pointed at the test server."""
    config = yaml.safe_load((REPO_ROOT / "sources.yaml").read_text(encoding="utf-8"))
    chosen = [s for s in config["sources"] if s["id"] in SOURCES]
    for source in chosen:
        params = source.setdefault("params", {})
        if source["adapter"] == "ohchr":
            params["urls"] = [base + urlsplit(u).path + (f"?{urlsplit(u).query}" if urlsplit(u).query else "")
                              for u in params["urls"]]
        else:
            params["base_url"] = base
    config["sources"] = chosen
    config.pop("series", None)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def environment(home: Path, sources: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIGURES_")}
    env.update(FIGURES_HOME=str(home), FIGURES_SOURCES=str(sources), PYTHONPATH=str(REPO_ROOT),
               FIGURES_RETRY_ATTEMPTS="1", FIGURES_TIMEOUT="20")
    return env


COMMAND = [sys.executable, "-m", "figures", "update", *SOURCES]


def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(COMMAND, env=env, cwd=env["FIGURES_HOME"], capture_output=True, text=True, timeout=120)


def per_source(url: str) -> dict[str, tuple[int, int]]:
    """Observations and snapshots held for each source."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            obs = dict(conn.execute(sa.select(observations.c.source_id, sa.func.count())
                                    .group_by(observations.c.source_id)).all())
            snaps = dict(conn.execute(sa.select(snapshots.c.source_id, sa.func.count())
                                      .group_by(snapshots.c.source_id)).all())
    finally:
        engine.dispose()
    return {s: (obs.get(s, 0), snaps.get(s, 0)) for s in SOURCES}


def tables(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()


def content(url: str) -> list[tuple[object, ...]]:
    """What the store says, without the row ids and storage times that differ between runs."""
    store = Store(url)
    try:
        rows = [tuple(v for k, v in sorted(r.items()) if k not in ("id", "stored_at")) for r in store.rows()]
        with store.engine.connect() as conn:
            shas = conn.execute(sa.select(snapshots.c.sha256).order_by(snapshots.c.sha256)).scalars().all()
        return sorted(rows, key=repr) + [("snapshot", sha) for sha in shas]
    finally:
        store.close()


@pytest.mark.enable_socket
@pytest.mark.allow_hosts(["127.0.0.1"])
def test_an_update_killed_at_random_moments_leaves_a_whole_store(tmp_path, server):
    seed = int(os.environ.get("FIGURES_KILL_SEED", random.randrange(10**6)))
    rng = random.Random(seed)
    sources = sources_yaml(server.base, tmp_path / "sources.yaml")

    clean_home = tmp_path / "clean"
    clean_home.mkdir()
    began = time.monotonic()
    done = run(environment(clean_home, sources))
    took = time.monotonic() - began
    assert done.returncode == 0, done.stderr
    clean_url = f"sqlite:///{clean_home / 'figures.sqlite'}"
    clean = per_source(clean_url)
    assert all(n > 0 for n, _ in clean.values()), clean

    home = tmp_path / "killed"
    home.mkdir()
    url = f"sqlite:///{home / 'figures.sqlite'}"
    env = environment(home, sources)
    landed = {"before the store existed": 0, "with no source stored": 0, "with some sources stored": 0,
              "with every source stored": 0}
    for kill in range(KILLS):
        process = subprocess.Popen(COMMAND, env=env, cwd=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(0, took))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        if not (home / "figures.sqlite").exists():
            landed["before the store existed"] += 1
            continue
        if not tables(url):  # killed while the new store's tables were being created: none are
            landed["before the store existed"] += 1
            continue
        report = check(url)
        assert report.ok, f"seed {seed}, kill {kill}: {report.problems}"
        for source, (held, held_snapshots) in per_source(url).items():
            assert held in (0, clean[source][0]), f"seed {seed}, kill {kill}: {source} holds {held} of {clean[source]}"
            assert (held == 0) == (held_snapshots == 0), f"seed {seed}, kill {kill}: {source} half stored"
        stored = sum(held > 0 for held, _ in per_source(url).values())
        landed["with no source stored" if not stored else "with every source stored" if stored == len(SOURCES)
               else "with some sources stored"] += 1
        if stored == len(SOURCES) and kill < KILLS - 1:  # start again, so later kills land mid-run too
            for name in ("figures.sqlite", "figures.sqlite-wal", "figures.sqlite-shm"):
                (home / name).unlink(missing_ok=True)
    print(f"seed {seed}: {KILLS} kills survived; a clean run took {took:.1f} s; kills landed: {landed}")

    rerun = run(env)
    assert rerun.returncode == 0, f"seed {seed}: {rerun.stderr}"
    assert check(url).ok
    assert per_source(url) == clean
    assert content(url) == content(clean_url), f"seed {seed}"


def test_a_failure_mid_run_stores_nothing_of_that_source(store, sources_file, monkeypatch):
    """The second snapshot of a source failing to parse rolls back the first: all or nothing."""
    from figures.http import build_client
    from figures.offline import replay_transport
    from figures.pipeline import update
    from figures.sources import ohchr

    calls = []
    real = ohchr.parse

    def parse_then_fail(snapshot, source, params):
        calls.append(snapshot.sha256)
        if len(calls) == 2:
            raise RuntimeError("the parser broke on the second page")
        return real(snapshot, source, params)

    monkeypatch.setattr(ohchr, "parse", parse_then_fail)
    client = build_client(transport=replay_transport())
    [outcome] = update(store, client, sources_file, ["ohchr-ukraine-updates"], offline=True)
    assert outcome.status == "failed" and "the parser broke" in (outcome.error or "")
    assert (outcome.added, outcome.snapshots) == (0, 0)
    assert store.count() == {"snapshots": 0, "observations": 0}
    with store.engine.connect() as conn:  # the failed run is recorded, on its own
        assert conn.execute(sa.select(runs.c.status)).scalars().all() == ["failed"]

    monkeypatch.setattr(ohchr, "parse", real)
    [again] = update(store, client, sources_file, ["ohchr-ukraine-updates"], offline=True)
    assert again.status == "ok" and again.snapshots == 6 and store.count()["observations"] == again.added > 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_the_same_update_twice_adds_nothing_and_reparse_gives_the_same_observations(
        full_offline_store, sources_file, monkeypatch):
    """Idempotency: a second offline update of every source, then `figures update --reparse`."""
    from typer.testing import CliRunner

    from figures.cli import app
    from figures.http import build_client
    from figures.offline import replay_transport
    from figures.pipeline import update

    store = full_offline_store
    before, rows = store.count(), store.rows()
    again = update(store, build_client(transport=replay_transport()), sources_file, offline=True)
    assert [(o.source_id, o.added, o.snapshots) for o in again if o.added or o.snapshots] == []
    assert sum(o.known for o in again) == before["observations"]
    assert store.count() == before and store.rows() == rows

    monkeypatch.setenv("FIGURES_DB", store.url if store.engine.dialect.name == "sqlite" else os.environ["FIGURES_DB"])
    result = CliRunner().invoke(app, ["--sources", str(REPO_ROOT / "sources.yaml"), "update", "--reparse"])
    assert result.exit_code == 0, result.output
    assert "new observations" in result.stderr and " 0 new snapshots" in result.stderr
    assert store.count() == before and store.rows() == rows
