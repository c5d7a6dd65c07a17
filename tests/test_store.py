"""The append-only store: round trips, idempotency, revisions, schema, transactions, snapshots.

Observations come from the project-written offline UNHCR responses (figures/data/offline/), so
the values are real published figures (79,982 crossings on 24 February 2022; 2,922,978
refugees in Poland on 25 April 2022).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from figures import store as store_module
from figures.config import SourcesFile
from figures.errors import StoreError
from figures.models import Estimate, Observation, Provenance, Snapshot
from figures.rows import ROW_COLUMNS, as_row
from figures.schema import incident_days
from figures.sources import unhcr_odp
from figures.store import OBSERVATION_COLUMNS, SCHEMA_VERSION, Store, meta, open_store

OFFLINE = Path(__file__).resolve().parents[1] / "figures" / "data" / "offline"
APRIL = datetime(2022, 4, 26, 9, tzinfo=UTC)


def offline_snapshot(source_id: str, name: str, retrieved: datetime = APRIL, body: bytes | None = None) -> Snapshot:
    return Snapshot(source_id=source_id, url=f"https://data.unhcr.org/population/get/{name}",
                    retrieved_at=retrieved, content=body if body is not None else (OFFLINE / name).read_bytes(),
                    content_type="application/json")


def parsed(sources_file: SourcesFile, source_id: str, snapshot: Snapshot) -> list[Observation]:
    source = sources_file.get(source_id)
    result = unhcr_odp.parse(snapshot, source, unhcr_odp.Params.model_validate(source.params))
    assert result.problems == []
    return result.observations


def crossings(sources_file: SourcesFile, retrieved: datetime = APRIL, first_day: int | None = None
              ) -> tuple[Snapshot, list[Observation]]:
    """The offline daily crossings; with `first_day`, 24 February revised to that value."""
    body = (OFFLINE / "unhcr_timeseries_sv54_pg5457_2022-04-26.json").read_bytes()
    if first_day is not None:
        document = json.loads(body)
        document["data"]["timeseries"][0]["individuals"] = first_day
        body = json.dumps(document, indent=1).encode()
    snapshot = offline_snapshot("unhcr-ukraine-crossings", "unhcr_timeseries_sv54_pg5457_2022-04-26.json",
                                retrieved, body)
    return snapshot, parsed(sources_file, "unhcr-ukraine-crossings", snapshot)


def first_day_rows(store: Store) -> list[tuple[int, datetime]]:
    return [(r["best"], r["retrieved_at"]) for r in store.rows()
            if r["as_of"] == date(2022, 2, 24) and r["source_id"] == "unhcr-ukraine-crossings"]


# --- round trip -------------------------------------------------------------------------------

def test_observations_round_trip_with_provenance(store: Store, sources_file: SourcesFile) -> None:
    snapshot = offline_snapshot("unhcr-ukraine-by-country", "unhcr_sublocation_sv54_pg5459-5460_2022-04-26.json")
    found = parsed(sources_file, "unhcr-ukraine-by-country", snapshot)
    store.add(snapshot, found)
    back = store.select(source_id="unhcr-ukraine-by-country")
    assert sorted(back, key=lambda o: o.provenance.locator) == sorted(found, key=lambda o: o.provenance.locator)
    poland = next(o for o in back if o.place == "Poland")
    assert poland.estimate == Estimate(low=2_922_978, best=2_922_978, high=2_922_978, text="2922978")
    assert poland.provenance.snapshot_sha256 == snapshot.sha256
    assert poland.provenance.locator == "$.data[0]"
    assert poland.provenance.retrieved_at == APRIL


def test_every_field_round_trips_including_open_ranges_and_offsets(store: Store) -> None:
    kyiv = timezone(timedelta(hours=3))
    snapshot = Snapshot(source_id="news", url="https://example.org/report", retrieved_at=APRIL,
                        content=b"more than half a million Ukrainians have fled")
    obs = Observation(
        metric="refugees", group="all", area="UKR", place="Poland", as_of=date(2022, 3, 2),
        period_start=date(2022, 2, 24), period_end=date(2022, 3, 2), scope="incident", modality="reported",
        estimate=Estimate(low=500_001, best=None, high=None, text="more than half a million", rule="more-than"),
        provenance=Provenance(
            source_id="news", publisher="A wire service", url="https://example.org/report", title="Refugees flee",
            published_at=datetime(2022, 3, 2, 14, 30, tzinfo=kyiv),
            retrieved_at=datetime(2022, 3, 2, 15, 45, 12, 345678, tzinfo=kyiv),
            snapshot_sha256=snapshot.sha256, locator="chars 0-24", quote="more than half a million Ukrainians",
            adapter="news", adapter_version="0.1", attributed_to="UNHCR"),
    )
    store.add(snapshot, [obs])
    [back] = store.select()
    assert back == obs
    for moment in (back.provenance.published_at, back.provenance.retrieved_at):
        assert moment is not None and moment.utcoffset() == timedelta(0)
    assert back.provenance.published_at == datetime(2022, 3, 2, 11, 30, tzinfo=UTC)
    assert back.provenance.retrieved_at == datetime(2022, 3, 2, 12, 45, 12, 345678, tzinfo=UTC)


def test_select_filters(offline_store: Store) -> None:
    assert len(offline_store.select()) == 68
    assert len(offline_store.select(source_id="unhcr-ukraine-crossings")) == 61
    assert [o.estimate.best for o in offline_store.select(place="Poland")] == [2_922_978]
    assert offline_store.select(metric="killed") == []
    assert offline_store.select(area="SYR") == []
    days = [o.as_of for o in offline_store.select(source_id="unhcr-ukraine-crossings")]
    assert days == sorted(days)  # oldest first
    assert offline_store.select(known_on=APRIL - timedelta(seconds=1)) == []
    assert len(offline_store.select(known_on=APRIL)) == 68


def test_known_on_with_an_offset_means_the_same_instant(offline_store: Store) -> None:
    kyiv = timezone(timedelta(hours=3))
    # 11:00 in Kyiv is 08:00 UTC: an hour before the offline snapshots were retrieved
    assert offline_store.select(known_on=datetime(2022, 4, 26, 11, 0, tzinfo=kyiv)) == []


# --- append-only ------------------------------------------------------------------------------

def test_adding_the_same_snapshot_twice_adds_nothing(store: Store, sources_file: SourcesFile) -> None:
    snapshot, found = crossings(sources_file)
    first = store.add(snapshot, found)
    assert (first.snapshots_added, first.observations_added, first.observations_known) == (1, 61, 0)
    before = store.rows()
    again = store.add(snapshot, found)
    assert (again.snapshots_added, again.observations_added, again.observations_known) == (0, 0, 61)
    assert store.rows() == before
    assert store.count() == {"snapshots": 1, "observations": 61}


def test_a_revision_adds_a_row_and_never_overwrites(store: Store, sources_file: SourcesFile) -> None:
    store.add(*crossings(sources_file))
    june = datetime(2022, 6, 15, 9, tzinfo=UTC)
    result = store.add(*crossings(sources_file, june, first_day=79_209))
    assert (result.snapshots_added, result.observations_added, result.observations_known) == (1, 1, 60)
    assert first_day_rows(store) == [(79_982, APRIL), (79_209, june)]
    assert store.count() == {"snapshots": 2, "observations": 62}


def test_a_value_reverting_adds_three_rows(store: Store, sources_file: SourcesFile) -> None:
    may, june = datetime(2022, 5, 20, tzinfo=UTC), datetime(2022, 6, 15, tzinfo=UTC)
    store.add(*crossings(sources_file, APRIL))
    store.add(*crossings(sources_file, may, first_day=79_209))
    result = store.add(*crossings(sources_file, june))  # the April bytes, served again in June
    assert (result.snapshots_added, result.observations_added, result.observations_known) == (0, 1, 60)
    assert first_day_rows(store) == [(79_982, APRIL), (79_209, may), (79_982, june)]
    assert store.count() == {"snapshots": 2, "observations": 63}


def test_re_adding_an_older_snapshot_after_a_revision_adds_nothing(store: Store, sources_file: SourcesFile) -> None:
    april = crossings(sources_file)
    store.add(*april)
    store.add(*crossings(sources_file, datetime(2022, 6, 15, tzinfo=UTC), first_day=79_209))
    before = store.rows()
    result = store.add(*april)
    assert result.observations_added == 0
    assert store.rows() == before


# --- schema and transactions ------------------------------------------------------------------

def test_schema_version_is_recorded(store: Store) -> None:
    assert store.schema_version() == SCHEMA_VERSION
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one() == str(
            SCHEMA_VERSION)
    assert set(sa.inspect(store.engine).get_table_names()) >= {"meta", "snapshots", "observations", "runs"}


def test_reopening_keeps_data_and_version(tmp_path: Path, sources_file: SourcesFile) -> None:
    url = f"sqlite:///{tmp_path / 'reopen.sqlite'}"
    first = Store(url)
    first.add(*crossings(sources_file))
    first.close()
    again = Store(url)
    assert again.schema_version() == SCHEMA_VERSION
    assert again.count() == {"snapshots": 1, "observations": 61}
    again.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'future.sqlite'}"
    made = Store(url)
    with made.transaction() as conn:
        conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION + 1)))
    made.close()
    with pytest.raises(StoreError, match=rf"schema version {SCHEMA_VERSION + 1}, newer than this figures "
                                         rf"\({SCHEMA_VERSION}\); upgrade figures"):
        Store(url)


def test_an_unopenable_store_says_where_to_look(tmp_path: Path) -> None:
    (tmp_path / "a-directory.sqlite").mkdir()
    with pytest.raises(StoreError, match=r"cannot open the store at sqlite:///.*a-directory\.sqlite.*FIGURES_DB"):
        Store(f"sqlite:///{tmp_path / 'a-directory.sqlite'}")


def test_the_url_in_messages_hides_a_password() -> None:
    with pytest.raises(StoreError) as caught:
        Store("nosuchdb://figures:s3cret@db.example.org/figures")
    message = str(caught.value)
    assert "s3cret" not in message
    assert "nosuchdb://figures:***@db.example.org/figures" in message
    assert "check --db / FIGURES_DB" in message


@pytest.mark.skipif(importlib.util.find_spec("MySQLdb") is not None, reason="the MySQL driver is installed here")
def test_a_missing_database_driver_is_a_store_error() -> None:
    with pytest.raises(StoreError, match=r"mysql\+mysqldb://figures:\*\*\*@127\.0\.0\.1:1/figures") as caught:
        Store("mysql+mysqldb://figures:s3cret@127.0.0.1:1/figures")
    assert "s3cret" not in str(caught.value)


def test_an_exception_in_a_transaction_rolls_everything_back(offline_store: Store,
                                                             sources_file: SourcesFile) -> None:
    before_count, before_rows = offline_store.count(), offline_store.rows()
    revision = crossings(sources_file, datetime(2022, 6, 15, tzinfo=UTC), first_day=79_209)
    with pytest.raises(RuntimeError, match="disk full"), offline_store.transaction() as conn:
        result = offline_store.add(*revision, conn=conn)
        assert result.observations_added == 1 and result.snapshots_added == 1  # written, not yet committed
        raise RuntimeError("disk full")
    assert offline_store.count() == before_count
    assert offline_store.rows() == before_rows
    with pytest.raises(StoreError):
        offline_store.snapshot(revision[0].sha256)


# --- snapshots --------------------------------------------------------------------------------

def test_snapshot_bytes_come_back_intact(store: Store) -> None:
    body = (OFFLINE / "unhcr_sublocation_sv54_pg5459-5460_2022-04-26.json").read_bytes()
    binary = bytes(range(256)) * 4  # every byte value, NULs included
    kept = [offline_snapshot("a", "unhcr_sublocation_sv54_pg5459-5460_2022-04-26.json", body=body),
            offline_snapshot("b", "binary", body=binary)]
    for snapshot in kept:
        store.add(snapshot, [])
    for snapshot in kept:
        back = store.snapshot(snapshot.sha256[:12])
        assert back.content == snapshot.content
        assert back.sha256 == snapshot.sha256 == hashlib.sha256(snapshot.content).hexdigest()
        assert (back.source_id, back.url, back.content_type) == (snapshot.source_id, snapshot.url, "application/json")
        assert back.retrieved_at == APRIL
    assert store.snapshot(kept[0].sha256).content == body  # the full digest works too


def test_snapshot_lookup_errors(store: Store) -> None:
    with pytest.raises(StoreError, match="no snapshot matches 'deadbeef'"):
        store.snapshot("deadbeef")
    with pytest.raises(StoreError, match="'' is not a snapshot id"):
        store.snapshot("")
    with pytest.raises(StoreError, match="give 8 to 64 hex digits"):
        store.snapshot("abc")


def test_snapshot_prefix_is_not_a_pattern(store: Store) -> None:
    store.add(offline_snapshot("a", "x", body=b"one"), [])
    with pytest.raises(StoreError):
        store.snapshot("________")


# --- opening and exporting --------------------------------------------------------------------

def test_open_store_honours_figures_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "chosen" / "here.sqlite"
    monkeypatch.setenv("FIGURES_DB", str(target))
    opened = open_store()
    try:
        assert opened.url == f"sqlite:///{target}"
        assert target.is_file()
        assert not (tmp_path / "figures.sqlite").exists()
    finally:
        opened.close()


def test_open_store_defaults_to_figures_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("FIGURES_HOME", str(home))
    opened = open_store()
    try:
        assert opened.url == f"sqlite:///{home / 'figures.sqlite'}"
        assert (home / "figures.sqlite").is_file()
    finally:
        opened.close()


def test_open_store_argument_beats_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGURES_DB", str(tmp_path / "env.sqlite"))
    opened = open_store(str(tmp_path / "arg.sqlite"))
    try:
        assert (tmp_path / "arg.sqlite").is_file() and not (tmp_path / "env.sqlite").exists()
    finally:
        opened.close()


def test_rows_export_columns(offline_store: Store) -> None:
    rows = offline_store.rows()
    assert len(rows) == 68
    assert OBSERVATION_COLUMNS == [
        "id", "source_id", "metric", "group", "area", "place", "record_id", "as_of", "period_start", "period_end",
        "scope", "modality", "low", "best", "high", "text", "rule", "publisher", "url", "title", "published_at",
        "retrieved_at", "snapshot_sha256", "locator", "quote", "attributed_to", "adapter", "adapter_version",
        "stored_at",
    ]
    assert all(list(row) == OBSERVATION_COLUMNS for row in rows)
    first = rows[0]
    assert (first["source_id"], first["as_of"], first["best"], first["locator"]) == (
        "unhcr-ukraine-crossings", date(2022, 2, 24), 79_982, "$.data.timeseries[0]")
    assert first["retrieved_at"] == APRIL and first["retrieved_at"].tzinfo is not None
    assert first["stored_at"].utcoffset() == timedelta(0)
    assert first["published_at"] is None
    assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)


def test_events_at_one_place_on_one_day_stay_two_records(store: Store, sources_file: SourcesFile) -> None:
    snapshot, [obs] = crossings(sources_file, APRIL)[0], crossings(sources_file, APRIL)[1][:1]
    first = obs.model_copy(update={"record_id": "UKR1"})
    second = obs.model_copy(update={"record_id": "UKR2"})
    assert first.record_key() != second.record_key()
    result = store.add(snapshot, [first, second])
    assert result.observations_added == 2
    assert {o.record_id for o in store.select()} == {"UKR1", "UKR2"}


def test_a_version_2_store_gains_the_record_id_column(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite"
    store = Store(f"sqlite:///{path}")
    with store.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE observations DROP COLUMN record_id"))
        conn.execute(meta.update().values(value="2"))
    store.close()
    again = Store(f"sqlite:///{path}")
    assert again.schema_version() == SCHEMA_VERSION == 4
    with again.engine.connect() as conn:
        assert "record_id" in {c["name"] for c in sa.inspect(conn).get_columns("observations")}


# --- bulk rows --------------------------------------------------------------------------------

EVENTS = Snapshot(source_id="a", url="https://example.org/e.csv", retrieved_at=APRIL, content=b"events")


def figure(source_id: str, record: int, day: int, value: int) -> Observation:
    """An event count of `source_id`'s record `record` as retrieved `day` days after APRIL."""
    retrieved = APRIL + timedelta(days=day)
    return Observation(metric="killed", area="UKR", as_of=date(2022, 3, 1), period_start=date(2022, 3, 1),
                       period_end=date(2022, 3, 1), scope="incident", record_id=f"E{record}",
                       estimate=Estimate.exact(value),
                       provenance=Provenance(source_id=source_id, publisher="P", url="https://example.org/e.csv",
                                             retrieved_at=retrieved, snapshot_sha256=EVENTS.sha256,
                                             locator=f"csv row {record}", quote=str(value), adapter="a",
                                             adapter_version="1"))


Item = tuple[str, int, int, int]  # source, record, retrieval day, value


def reference(batches: list[list[Item]]) -> tuple[list[tuple[int, int]], list[Item]]:
    """The store's rule, spelled out: a figure is added unless the record's latest value by its retrieval
    time (ties: the one stored last) is the same."""
    stored: list[Item] = []
    counts = []
    for batch in batches:
        added = known = 0
        for source_id, record, day, value in batch:
            # the record's values retrieved by then, in time order; among equal times the one stored last stays last
            earlier = [(d, v) for s, r, d, v in stored if (s, r) == (source_id, record) and d <= day]
            last = [v for _, v in sorted(earlier, key=lambda entry: entry[0])]
            if last and last[-1] == value:
                known += 1
            else:
                stored.append((source_id, record, day, value))
                added += 1
        counts.append((added, known))
    return counts, stored


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.sampled_from("ab"), st.integers(0, 2), st.integers(0, 2), st.integers(0, 2)),
                         max_size=10), min_size=1, max_size=4))
def test_add_rows_follows_the_revision_rule_in_any_chunking(batches: list[list[Item]]) -> None:
    """New sources are checked in memory, known ones against the store, chunk by chunk: both follow the rule."""
    store = Store("sqlite://")
    want_counts, want_stored = reference(batches)
    with patch("figures.store.CHUNK", 3):
        counts = [store.add_rows(EVENTS, [as_row(figure(*item)) for item in batch]) for batch in batches]
    assert [(c.observations_added, c.observations_known) for c in counts] == want_counts
    assert [(r["source_id"], int(r["record_id"][1:]), (r["retrieved_at"] - APRIL).days, r["best"])
            for r in store.rows()] == want_stored
    store.close()


def test_the_driver_insert_stores_what_sqlalchemy_stores(tmp_path: Path, sources_file: SourcesFile) -> None:
    """`add_rows` writes the driver's own INSERT: the very text SQLAlchemy's insert writes, column by column."""
    kyiv = timezone(timedelta(hours=3))
    snapshot, found = crossings(sources_file)
    odd = found[0].model_copy(update={
        "place": "Przemyśl", "record_id": "X1", "period_start": date(2022, 2, 20),
        "estimate": Estimate(low=500_001, best=None, high=None, text="more than half a million", rule="more-than"),
        "provenance": found[0].provenance.model_copy(update={
            "published_at": datetime(2022, 3, 2, 14, 30, 5, 123, tzinfo=kyiv).astimezone(UTC), "title": "T",
            "attributed_to": "UNHCR"})})
    found = [*found, odd]
    dumps = []
    for name, driver in (("driver", True), ("core", False)):
        store = Store(f"sqlite:///{tmp_path / name}.sqlite")
        with patch("figures.store._insert_sql", wraps=store_module._insert_sql) as made:
            if not driver:
                made.side_effect = lambda dialect: None
            store.add(snapshot, found)
        store.close()
        with sqlite3.connect(tmp_path / f"{name}.sqlite") as raw:
            dumps.append(raw.execute("SELECT * FROM observations ORDER BY id").fetchall())
    stored_at = OBSERVATION_COLUMNS.index("stored_at") + 1  # the raw table has record_key second
    assert len(dumps[0]) == len(found) and len(dumps[0][0]) == len(OBSERVATION_COLUMNS) + 1
    driver, core = ([r[:stored_at] + r[stored_at + 1:] for r in dump] for dump in dumps)
    assert driver == core


def test_a_bulk_load_leaves_the_connection_as_it_found_it(store: Store, sources_file: SourcesFile) -> None:
    if store.engine.dialect.name != "sqlite":
        pytest.skip("the page cache setting is SQLite's")
    snapshot, found = crossings(sources_file)
    with store.transaction() as conn:
        before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        with pytest.raises(ZeroDivisionError):
            store.add_rows(snapshot, (as_row(o) if i < 70 else 1 / 0 for i, o in enumerate(found * 2)), conn)
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == before


def test_the_bulk_insert_is_written_in_postgresql_terms_too() -> None:
    """Issue 7 runs this store on PostgreSQL: the driver INSERT quotes "group", uses psycopg's %s, and passes
    dates as they are (the driver converts them); a driver with another parameter style gets SQLAlchemy's insert."""
    from sqlalchemy.dialects.postgresql import psycopg

    dialect = psycopg.dialect()
    sql = store_module._insert_sql(dialect)
    assert sql is not None and sql.startswith('INSERT INTO observations (record_key, source_id, metric, "group", ')
    assert sql.count("%s") == len(store_module.INSERT_COLUMNS) and "?" not in sql
    row = as_row(figure("a", 1, 0, 5))
    now = datetime(2026, 3, 2, tzinfo=UTC)
    assert store_module._parameters(dialect, now)("k", row) == ("k", *row, now)
    dialect.paramstyle = "numeric_dollar"
    assert store_module._insert_sql(dialect) is None


def test_the_pages_of_one_update_are_one_load(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A source new to the store is not looked up while its first update stores page after page
    (on a new PostgreSQL table such look-ups scanned the whole table); its next update is."""
    looked_up: list[int] = []
    real = store_module._timelines

    def counting(conn: Any, keys: Any) -> Any:
        keys = list(keys)
        looked_up.append(len(keys))
        return real(conn, keys)

    monkeypatch.setattr(store_module, "_timelines", counting)
    pages = [Snapshot(source_id="a", url=f"https://example.org/e.csv?page={p}", retrieved_at=APRIL,
                      content=f"page {p}".encode()) for p in range(3)]

    def page(p: int, day: int, value: int) -> list[Observation]:
        return [figure("a", p * 10 + r, day, value).model_copy(update={"provenance": figure(
            "a", p * 10 + r, day, value).provenance.model_copy(update={"snapshot_sha256": pages[p].sha256})})
            for r in range(10)]

    with store.transaction() as conn:
        results = [store.add(pages[p], page(p, 0, 5), conn) for p in range(3)]
        again = store.add(pages[0], page(0, 0, 5), conn)  # the same page again: known, not added
    assert [r.observations_added for r in results] == [10, 10, 10] and again.observations_known == 10
    assert looked_up == []
    with store.transaction() as conn:  # the next update: the source is in the store now
        revised = store.add(pages[1], page(1, 1, 6), conn)
    assert revised.observations_added == 10 and looked_up == [10]
    assert store.count()["observations"] == 40
    if store.engine.dialect.name == "postgresql":  # the look-up gave the new table its statistics
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT reltuples >= 0 FROM pg_class WHERE oid = 'observations'::regclass")
                                ).scalar()


# --- bulk loads on both backends (COPY on PostgreSQL) ------------------------------------------

#: Text that delimited formats (CSV, PostgreSQL's text COPY) must escape: separators, line breaks,
#: backslashes and COPY's own NULL marker, quotes, and Unicode beyond Latin-1.
AWKWARD = ["tab\there", "new\nline", "carriage\r\nreturn", "back\\slash", "\\N", "\\", "\\.", "it's \"quoted\"",
           "Przemyśl", "Ізюм", "صنعاء", "😀 emoji", "e\u0301 combining", "line\u2028separator", " padded ", "",
           "del\x7f", "a,b;c|d"]


def awkward_figures(snapshot: Snapshot) -> list[Observation]:
    """Observations whose every text field, optional field, date and time is an odd one, on three records each."""
    kyiv = timezone(timedelta(hours=3))
    moments = [datetime(2022, 3, 2, 15, 45, 12, 345678, tzinfo=kyiv), datetime(1969, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
               datetime(2038, 1, 19, 3, 14, 8, tzinfo=timezone(timedelta(hours=-9, minutes=-30)))]
    days = [date(2022, 2, 24), date(1900, 1, 1), date(9999, 12, 31)]
    out = []
    for i, text in enumerate([*AWKWARD, "x" * 300_000]):
        day = days[i % 3]
        estimate = (Estimate(low=i, best=None, high=None, text=text, rule="more-than") if i % 3 == 0 else
                    Estimate(low=i, best=i + 1, high=None, text=text, rule=f"rule {text}"[:64]) if i % 3 == 1 else
                    Estimate(low=2**62, best=2**62, high=2**63 - 1, text=text))
        out.append(Observation(
            metric="killed", area="UKR", place=None if i % 4 == 0 else text, as_of=day,
            period_start=None if i % 2 else day, period_end=None if i % 2 else day,
            scope="cumulative" if i % 2 else "incident", record_id=None if i % 5 == 0 else text[:128],
            estimate=estimate,
            # publisher and attributed_to are in an index of the daily sums: PostgreSQL's has a size limit
            provenance=Provenance(source_id="odd", publisher=text[:100] or "P", url=f"https://example.org/{text}",
                                  title=None if i % 2 else text, published_at=None if i % 3 else moments[i % 3],
                                  retrieved_at=moments[(i + 1) % 3], snapshot_sha256=snapshot.sha256,
                                  locator=f"row {i}\t{text}", quote=text, attributed_to=None if i % 2 else text[:100],
                                  adapter="odd", adapter_version="1"),
        ))
    return out


def test_a_bulk_load_round_trips_awkward_text_dates_times_and_nulls(store: Store) -> None:
    """Every value comes back equal, whichever way the backend writes (PostgreSQL: COPY), over several chunks."""
    snapshot = Snapshot(source_id="odd", url="https://example.org/odd", retrieved_at=APRIL, content=b"odd\0\t\\N")
    found = awkward_figures(snapshot)
    with patch("figures.store.CHUNK", 4), patch("figures.store._copy", wraps=store_module._copy) as copied:
        result = store.add_rows(snapshot, map(as_row, found))
    assert copied.called == (store.engine.dialect.name == "postgresql")
    assert (result.observations_added, result.observations_known) == (len(found), 0)
    key = lambda o: o.provenance.locator  # noqa: E731
    assert sorted(store.select(), key=key) == sorted(found, key=key)
    rows = sorted(store.rows(), key=lambda r: r["locator"])
    want = sorted((as_row(o) for o in found), key=lambda r: r[ROW_COLUMNS.index("locator")])
    assert [tuple(r[c] for c in ROW_COLUMNS) for r in rows] == want
    assert all(r["stored_at"].utcoffset() == timedelta(0) for r in rows)
    assert store.snapshot(snapshot.sha256).content == snapshot.content


def failing_rows(snapshot: Snapshot, how: str) -> list[tuple[Any, ...]]:
    """Twenty good rows, then one the database refuses (in the third chunk of seven), then more good ones."""
    rows = [as_row(figure("a", record, 0, record)) for record in range(30)]
    rows = [r[:ROW_COLUMNS.index("snapshot_sha256")] + (snapshot.sha256,) + r[ROW_COLUMNS.index("snapshot_sha256") + 1:]
            for r in rows]
    column = "text" if how == "not null" else "snapshot_sha256"
    bad = list(rows[20])
    bad[ROW_COLUMNS.index(column)] = None if how == "not null" else "f" * 64  # no such snapshot
    rows[20] = tuple(bad)
    return rows


@pytest.mark.parametrize("how", ["not null", "foreign key"])
def test_a_bulk_load_that_fails_midway_stores_nothing(store: Store, how: str) -> None:
    """The chunks written before the refused row go too, with the snapshot and the daily sums."""
    snapshot = Snapshot(source_id="a", url="https://example.org/e.csv", retrieved_at=APRIL, content=b"events 2")
    store.add(EVENTS, [figure("a", 99, 0, 7)])
    before, rows_before = store.count(), store.rows()
    with engine_days(store) as days_before, patch("figures.store.CHUNK", 7), \
            pytest.raises(StoreError, match="nothing from this run was stored"):
        store.add_rows(snapshot, failing_rows(snapshot, how))
    assert store.count() == before and store.rows() == rows_before
    with engine_days(store) as days_after:
        assert days_after == days_before
    good = [r for i, r in enumerate(failing_rows(snapshot, how)) if i != 20]
    assert store.add_rows(snapshot, good).observations_added == 29  # the store is usable afterwards


@contextmanager
def engine_days(store: Store) -> Iterator[list[Any]]:
    """The daily sums of incidents as stored."""
    with store.engine.connect() as conn:
        yield conn.execute(sa.select(incident_days).order_by(incident_days.c.id)).all()


def test_copy_is_for_postgresql_through_psycopg_only() -> None:
    """COPY quotes "group" and names each column's type; psycopg2, SQLite and the rest keep executemany."""
    from sqlalchemy.dialects.postgresql import psycopg, psycopg2
    from sqlalchemy.dialects.sqlite import pysqlite

    sql, types = store_module._copy_sql(psycopg.dialect())  # type: ignore[misc]
    assert sql.startswith('COPY observations (record_key, source_id, metric, "group", ')
    assert sql.endswith(", stored_at) FROM STDIN (FORMAT BINARY)")
    columns = dict(zip(store_module.INSERT_COLUMNS, types, strict=True))
    assert (columns["as_of"], columns["best"], columns["retrieved_at"], columns["quote"], columns["record_key"]) == (
        "date", "bigint", "timestamp with time zone", "text", "varchar")
    assert store_module._copy_sql(psycopg2.dialect()) is None
    assert store_module._copy_sql(pysqlite.dialect()) is None
