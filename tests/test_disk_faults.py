"""A full disk, a read-only store and a damaged file: a clear StoreError naming the store and what
to do, nothing half written, and `figures update` reports it per source and exits non-zero.

A full disk is simulated with SQLite's `PRAGMA max_page_count` on every connection; a read-only
store with a `?mode=ro` URI (tests may run as root, where a read-only file mode stops nothing).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import figures.store
from figures.cli import app, main
from figures.errors import StoreError
from figures.http import build_client
from figures.integrity import check
from figures.offline import replay_transport
from figures.pipeline import update
from figures.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
UNHCR = ("unhcr-ukraine-crossings", "unhcr-ukraine-by-country")


@pytest.fixture
def full_disk(monkeypatch):
    """Every new SQLite connection may not grow its file any more (as if the disk were full)."""
    real = figures.store._sqlite_pragmas

    def pragmas(dbapi_conn, record):
        real(dbapi_conn, record)
        cursor = dbapi_conn.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count={max(pages, 1)}")
        cursor.close()

    monkeypatch.setattr(figures.store, "_sqlite_pragmas", pragmas)


def invoke(*args: str):
    return CliRunner().invoke(app, ["--sources", str(REPO_ROOT / "sources.yaml"), *args])


def test_a_full_disk_is_a_store_error_and_stores_nothing_of_the_source(offline_store, sources_file, full_disk):
    before, url = offline_store.count(), offline_store.url
    offline_store.close()
    store = Store(url)  # new connections: the size limit applies
    outcomes = update(store, build_client(transport=replay_transport()), sources_file, ["ucdp-ged-israel-2002"],
                      offline=True)
    [outcome] = outcomes
    assert outcome.status == "failed" and (outcome.added, outcome.snapshots) == (0, 0)
    assert f"the store at {url} is full" in outcome.error
    assert "nothing from this run was stored" in outcome.error and "free disk space" in outcome.error
    assert store.count() == before
    assert check(url).ok


def test_update_on_a_full_disk_reports_each_source_and_exits_non_zero(offline_store, full_disk):
    offline_store.close()
    result = invoke("--db", offline_store.url, "update", "--offline", "ucdp-ged-israel-2002", "ohchr-ukraine-updates")
    assert result.exit_code == 1
    assert result.stderr.count("error: the store at") == 2 and "is full" in result.stderr
    assert "2 of 2 sources failed" in result.stderr


def test_a_read_only_store_is_a_store_error_and_update_exits_non_zero(offline_store):
    before, path = offline_store.count(), Path(offline_store.url.removeprefix("sqlite:///"))
    offline_store.close()
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    result = invoke("--db", read_only, "update", "--offline", "ohchr-ukraine-updates")
    assert result.exit_code == 1, result.output
    assert "is read-only" in result.stderr and "make the file and its directory writable" in result.stderr
    assert not (path.parent / "file:").exists()  # the URI is not taken for a directory to create
    assert Store(offline_store.url).count() == before
    reading = invoke("--db", read_only, "query", "refugees", "--area", "UKR", "--on", "2022-04-20")
    assert reading.exit_code == 0, reading.output  # reading still works


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes to read-only files")
def test_a_read_only_file_is_a_store_error(offline_store, sources_file):
    path = Path(offline_store.url.removeprefix("sqlite:///"))
    offline_store.close()
    for name in ("figures.sqlite-wal", "figures.sqlite-shm"):
        (path.parent / name).unlink(missing_ok=True)
    path.chmod(0o444)
    try:
        with pytest.raises(StoreError, match="read-only|readonly"):
            Store(offline_store.url).set_cursor("x", {})
    finally:
        path.chmod(0o644)


def damaged(store: Store, where: str) -> Path:
    """A copy of the store's file with garbage over its header or over pages in the middle."""
    path = Path(store.url.removeprefix("sqlite:///"))
    store.close()
    copy = path.with_name(f"damaged-{where}.sqlite")
    shutil.copy(path, copy)
    data = bytearray(copy.read_bytes())
    start, size = (0, 100) if where == "header" else (len(data) // 2, len(data) // 4)
    data[start:start + size] = b"\xff" * size
    copy.write_bytes(bytes(data))
    return copy


@pytest.mark.parametrize("command", [["update", "--offline", "ohchr-ukraine-updates"],
                                     ["query", "killed", "--area", "UKR"]])
def test_a_damaged_header_points_to_db_check(full_offline_store, command):
    copy = damaged(full_offline_store, "header")
    result = invoke("--db", str(copy), *command)
    assert result.exit_code == 2
    assert "is damaged" in result.stderr and "figures db check" in result.stderr


def test_damaged_pages_found_by_a_query_point_to_db_check(full_offline_store, monkeypatch, capsys):
    copy = damaged(full_offline_store, "middle")
    monkeypatch.setattr("sys.argv", ["figures", "--db", str(copy), "--sources", str(REPO_ROOT / "sources.yaml"),
                                     "query", "killed", "--area", "UKR"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "malformed" in err and "figures db check" in err and "Traceback" not in err
