"""Two updates at once, and readers during an update: the second run waits or says who holds the
lock, nothing is stored twice or half, and queries keep working (SQLite's write-ahead log).

SQLite: a lock file beside the database; PostgreSQL: an advisory lock per source (set
FIGURES_TEST_POSTGRES to run those tests).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from filelock import FileLock

from figures.http import build_client
from figures.integrity import check
from figures.offline import replay_transport
from figures.pipeline import Outcome, ingest_file, reparse, store_snapshot, update, update_source
from figures.query import query
from figures.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCE = "ohchr-ukraine-updates"


def offline_client():
    return build_client(transport=replay_transport())


def cli(home: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    """`python -m figures ...` of this checkout in a subprocess, on the store in `home`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FIGURES_")}
    environ.update(FIGURES_HOME=str(home), FIGURES_SOURCES=str(REPO_ROOT / "sources.yaml"),
                   PYTHONPATH=str(REPO_ROOT), **env)
    return subprocess.Popen([sys.executable, "-m", "figures", *args], env=environ, cwd=home, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_run_that_finds_the_source_locked_waits_then_gives_up_saying_why(store, sources_file):
    source = sources_file.get(SOURCE)
    with store.writing(SOURCE):
        outcome = update_source(store, offline_client(), source, offline=True, lock_timeout=0)
    assert outcome.status == "failed"
    assert "another figures update" in outcome.error and "FIGURES_LOCK_TIMEOUT" in outcome.error
    assert store.count()["observations"] == 0

    release = threading.Event()
    waited: list[str] = []

    def hold() -> None:
        with store.writing(SOURCE):
            waited.append("held")
            release.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    while not waited:
        release.wait(0.01)
    result: list = []
    runner = threading.Thread(target=lambda: result.append(
        update_source(store, offline_client(), source, offline=True, lock_timeout=60)))
    runner.start()
    runner.join(0.3)  # it waits for the holder, however long the holder takes (up to the timeout)
    assert not result
    release.set()
    holder.join()
    runner.join(60)
    assert result[0].status == "ok" and result[0].added > 0


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_postgresql_locks_one_source_not_the_others_nor_other_schemas(store, sources_file, tmp_path):
    source, other = sources_file.get(SOURCE), sources_file.get("unhcr-ukraine-crossings")
    elsewhere = Store(f"sqlite:///{tmp_path / 'elsewhere.sqlite'}")
    with store.writing(SOURCE):
        blocked = update_source(store, offline_client(), source, offline=True, lock_timeout=0)
        free = update_source(store, offline_client(), other, offline=True, lock_timeout=0)
        # the same source in another store is not this store's business
        assert update_source(elsewhere, offline_client(), source, offline=True, lock_timeout=0).status == "ok"
    assert blocked.status == "failed" and "maybe on another machine" in blocked.error
    assert free.status == "ok"
    assert update_source(store, offline_client(), source, offline=True, lock_timeout=0).status == "ok"
    elsewhere.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_ingest_and_reparse_take_the_source_lock_too(store, sources_file):
    source = sources_file.get(SOURCE)
    saved = REPO_ROOT / "figures" / "data" / "offline" / "ohchr_update_2022-03-25.html"
    with store.writing(SOURCE):
        ingested = ingest_file(store, saved, source, lock_timeout=0)
        reparsed = reparse(store, sources_file, [SOURCE], lock_timeout=0)
    assert ingested.status == "failed" and "another figures update" in ingested.error
    assert reparsed[0].status == "failed" and "another figures update" in reparsed[0].error
    assert store.count() == {"snapshots": 0, "observations": 0}
    assert ingest_file(store, saved, source, lock_timeout=0).status == "ok"
    assert reparse(store, sources_file, [SOURCE], lock_timeout=0)[0].status == "ok"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_two_runs_at_once_store_each_figure_once(store, sources_file):
    client = offline_client()
    ids = [SOURCE, "unhcr-ukraine-crossings", "unhcr-ukraine-by-country"]
    outcomes: list = []
    threads = [threading.Thread(target=lambda: outcomes.extend(update(store, client, sources_file, ids, offline=True)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert [o.status for o in outcomes] == ["ok"] * 6
    # OHCHR: 15 figures in each of five updates, 3 in the 2023 one; UNHCR: 61 days, 7 countries
    assert sum(o.added for o in outcomes) == store.count()["observations"] == 78 + 61 + 7
    assert check(store.url).ok


def test_two_update_commands_at_once_on_one_sqlite_store(tmp_path):
    first, second = (cli(tmp_path, "update", "--offline", SOURCE, "unhcr-ukraine-crossings") for _ in range(2))
    for process in (first, second):
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    url = f"sqlite:///{tmp_path / 'figures.sqlite'}"
    assert check(url).ok
    assert Store(url).count()["observations"] == 78 + 61  # OHCHR: 78 figures in six updates; UNHCR: 61 days


def test_a_store_opens_at_once_while_another_process_writes(tmp_path):
    """Opening a store that needs no migration takes no write lock: a query can start while an update
    holds the database (it waited 5 s for the lock, then failed, when every open took it)."""
    import sqlite3

    path = tmp_path / "figures.sqlite"
    Store(f"sqlite:///{path}").close()
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # as an update in progress holds it
    writer.execute("INSERT INTO meta (key, value) VALUES ('busy', 'yes')")
    try:  # before, this open waited for the lock and failed: "locked by another process"
        reader = Store(f"sqlite:///{path}")
        assert reader.count() == {"snapshots": 0, "observations": 0}
        reader.close()
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_first_open_that_lost_the_race_to_create_the_store_still_opens(tmp_path, monkeypatch):
    """Two first opens at once: the other process created the store and holds it for its update past
    the busy wait; this open finds the store current and goes on. A store still not current fails."""
    import sqlite3

    from figures.errors import StoreError

    url = f"sqlite:///{tmp_path / 'figures.sqlite'}"
    Store(url).close()  # what the other process created

    def locked(self: Store) -> None:
        raise sa.exc.OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(Store, "_migrate_now", locked)
    answers = iter([False, True])  # not yet current when first asked, current after the wait
    monkeypatch.setattr(Store, "_is_current", lambda self: next(answers))
    Store(url).close()
    monkeypatch.setattr(Store, "_is_current", lambda self: False)
    with pytest.raises(StoreError, match="locked by another process"):
        Store(url)


def test_an_update_command_that_finds_the_store_locked_says_so(tmp_path):
    Store(f"sqlite:///{tmp_path / 'figures.sqlite'}").close()
    with FileLock(f"{tmp_path / 'figures.sqlite'}.lock"):
        process = cli(tmp_path, "update", "--offline", SOURCE, FIGURES_LOCK_TIMEOUT="0")
        _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1
    assert "another figures update has held" in stderr and "FIGURES_LOCK_TIMEOUT" in stderr


def test_readers_work_while_an_update_writes(offline_store, sources_file):
    """An open write transaction (SQLite in WAL mode) blocks neither queries nor another connection."""
    before = query("refugees", area="UKR", db=offline_store)
    reader = Store(offline_store.url)
    with offline_store.transaction() as conn:
        snapshot = next(iter(offline_store.snapshots_of("unhcr-ukraine-crossings")))
        store_snapshot(offline_store, sources_file.get(SOURCE), snapshot.model_copy(
            update={"source_id": SOURCE, "content": b"<p>As of 24:00 on 1 May 2022, 9 civilians were killed.</p>",
                    "content_type": "text/html"}), Outcome(SOURCE), conn)
        conn.execute(sa.text("SELECT 1"))
        during = query("refugees", area="UKR", db=reader)
        assert during.best == before.best
        assert reader.count() == offline_store.count()  # the uncommitted write is not seen
    reader.close()
