"""`figures db check` and `figures db upgrade`: a damaged, tampered or old store is found and named."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from figures.cli import app
from figures.integrity import check, upgrade
from figures.store import SCHEMA_VERSION, Store

REPO = Path(__file__).resolve().parents[1]


def run(*args: str):
    return CliRunner().invoke(app, ["--sources", str(REPO / "sources.yaml"), *args], catch_exceptions=False)


def test_a_whole_store_checks_ok(offline_store: Store) -> None:
    report = check(offline_store.url)
    assert report.ok, report.problems
    assert (report.snapshots, report.observations, report.schema_version) == (2, 68, SCHEMA_VERSION)
    result = run("db", "check")
    assert result.exit_code == 0, result.output
    assert "2 snapshots, 68 observations" in result.stdout and "ok:" in result.stdout


def test_a_snapshot_changed_after_it_was_stored_is_found(offline_store: Store, tmp_path: Path) -> None:
    path = offline_store.url.removeprefix("sqlite:///")
    offline_store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE snapshots SET content = CAST('tampered' AS BLOB) WHERE rowid = 1")
    report = check(f"sqlite:///{path}")
    assert not report.ok
    assert "no longer match their sha256" in report.problems[0] and ".recover" in report.problems[0]
    result = run("db", "check")
    assert result.exit_code == 1 and "no longer match" in result.output


def test_an_observation_without_its_snapshot_is_found(offline_store: Store) -> None:
    path = offline_store.url.removeprefix("sqlite:///")
    offline_store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("DELETE FROM snapshots WHERE sha256 = (SELECT snapshot_sha256 FROM observations LIMIT 1)")
    report = check(f"sqlite:///{path}")
    assert any("point at no stored snapshot" in p for p in report.problems)


def test_a_corrupted_file_is_detected_with_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "figures.sqlite"
    store = Store(f"sqlite:///{path}")
    store.close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xde\xad" * ((4096 - 100) // 2)  # the header survives, the schema page does not
    path.write_bytes(bytes(data))
    report = check(f"sqlite:///{path}")
    assert not report.ok
    assert "restore" in report.problems[0] and "figures update" in report.problems[0]
    not_a_db = tmp_path / "junk.sqlite"
    not_a_db.write_bytes(b"this is not a database" * 100)
    report = check(f"sqlite:///{not_a_db}")
    assert not report.ok and "restore" in report.problems[0]


def test_upgrade_brings_an_old_store_up_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "figures.sqlite"
    Store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:  # a schema-2 store: no record_id column yet
        conn.execute("ALTER TABLE observations DROP COLUMN record_id")
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    before = check(f"sqlite:///{path}")
    assert any("figures db upgrade" in p for p in before.problems)
    assert upgrade(f"sqlite:///{path}") == (2, SCHEMA_VERSION, 0)
    assert check(f"sqlite:///{path}").ok
    result = run("--db", str(path), "db", "upgrade")
    assert result.exit_code == 0 and "nothing to do" in result.stdout


def test_a_store_from_a_newer_figures_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "figures.sqlite"
    Store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    assert any("upgrade figures" in p for p in check(f"sqlite:///{path}").problems)
    result = run("--db", str(path), "db", "upgrade")
    assert result.exit_code == 2 and "newer than this figures" in result.output


@pytest.mark.parametrize("command", ["check", "upgrade"])
def test_db_commands_have_help_with_an_example(command: str) -> None:
    result = run("db", command, "--help")
    assert result.exit_code == 0 and "Example: figures db" in result.stdout
