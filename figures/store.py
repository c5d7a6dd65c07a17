"""Snapshots and observations in SQL (SQLAlchemy Core): SQLite by default, any URL accepted.

Append-only: a snapshot is stored once per sha256; an observation is added only when it says
something new about its record: a first value, or a value that differs from what the store held
for that record at the observation's retrieval time (a revision, or a revision undone).
Re-adding an old snapshot adds nothing. Nothing is updated in place. Large exports come as
plain rows (`add_rows`), checked and inserted a chunk at a time in one transaction (on PostgreSQL
through psycopg, written with COPY).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from filelock import FileLock
from filelock import Timeout as LockTimeout
from sqlalchemy.engine import Connection, Engine

from . import incidents
from .errors import StoreError
from .incidents import Tally, Vintage, summed, vintage, vintage_of
from .models import Estimate, Observation, Provenance, Snapshot, record_key, utc
from .rows import BEST, HIGH, KEY_FIELDS, LOW, RETRIEVED_AT, ROW_COLUMNS, Row, as_row
from .schema import (
    OBSERVATION_COLUMNS,
    OLD_INDEXES,
    SCHEMA_VERSION,
    cursors,
    meta,
    metadata,
    observations,
    runs,
    snapshots,
)

log = logging.getLogger(__name__)
#: The PostgreSQL advisory lock that opening a store holds while it creates or migrates the schema.
MIGRATION_LOCK = 0x6669_6775_7265_73  # "figures"

#: Seconds between two tries of a PostgreSQL advisory lock held by another run.
LOCK_POLL = 0.5


class AnyPlace:
    """The default of `Store.select(place=...)`: do not filter on place."""


ANY_PLACE = AnyPlace()


@dataclass(frozen=True)
class IngestResult:
    """What storing one batch did: snapshots and observations newly added, and those already known."""

    snapshots_added: int
    observations_added: int
    observations_known: int


#: Rows stored per INSERT by `Store.add_rows`, and record keys per revision look-up.
CHUNK = 5000
LOOKUP = 500
#: SQLite's page cache during a bulk load, in KiB: a large load touches index pages all over the file.
BULK_CACHE_KIB = 256 * 1024
#: The columns `Store.add_rows` inserts, in order: the key, a row's fields, the time stored.
INSERT_COLUMNS = ("record_key", *ROW_COLUMNS, "stored_at")
#: Where a row's dates and times are: `_parameters` converts them (they are neighbours in ROW_COLUMNS).
_DAYS, _MOMENTS = ROW_COLUMNS.index("as_of"), ROW_COLUMNS.index("published_at")
if ROW_COLUMNS[_DAYS:_DAYS + 3] != ("as_of", "period_start", "period_end") or \
        ROW_COLUMNS[_MOMENTS:_MOMENTS + 2] != ("published_at", "retrieved_at"):
    raise ImportError("figures.rows.ROW_COLUMNS moved the dates apart: update store._parameters")


def row_to_observation(row: Any) -> Observation:
    """Rebuild an `Observation` from a row of the observations table."""
    m = row._mapping
    return Observation(
        metric=m["metric"], group=m["group"], area=m["area"], place=m["place"], as_of=m["as_of"],
        period_start=m["period_start"], period_end=m["period_end"], scope=m["scope"],
        modality=m["modality"], record_id=m["record_id"],
        estimate=Estimate(low=m["low"], best=m["best"], high=m["high"], text=m["text"], rule=m["rule"]),
        provenance=Provenance(
            source_id=m["source_id"], publisher=m["publisher"], url=m["url"], title=m["title"],
            published_at=m["published_at"], retrieved_at=m["retrieved_at"],
            snapshot_sha256=m["snapshot_sha256"], locator=m["locator"], quote=m["quote"],
            attributed_to=m["attributed_to"], adapter=m["adapter"],
            adapter_version=m["adapter_version"],
        ),
    )


class Store:
    """A figures store on any SQLAlchemy URL. `Store("sqlite:///figures.sqlite")`."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            if self.sqlite_path is not None and "uri=true" not in url:  # a URI (`?mode=ro`) names an existing file
                self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = sa.create_engine(url)
            if self.engine.dialect.name == "sqlite":
                sa.event.listen(self.engine, "connect", _sqlite_pragmas)
                sa.event.listen(self.engine, "begin", _sqlite_begin)
            self._migrate()
        except sa.exc.SQLAlchemyError as exc:
            if _diagnosis(exc) != "other":  # a damaged, full or read-only file: say what to do about it
                raise self.failure(exc, "opening") from exc
            raise StoreError(f"cannot open the store at {self.safe_url}: {exc.__class__.__name__}: "
                             f"{exc.args[0] if exc.args else exc}; check --db / FIGURES_DB") from exc
        except OSError as exc:
            raise StoreError(f"cannot create the store at {self.safe_url}: {exc}; "
                             "check --db / FIGURES_DB / FIGURES_HOME") from exc
        except ImportError as exc:
            raise StoreError(f"the database driver for {self.safe_url} is not installed ({exc.name}); "
                             "for PostgreSQL install figures-tally[postgres]") from exc

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        try:
            return sa.engine.make_url(self.url).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", self.url)

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file of the store (None for other databases and in-memory stores)."""
        if not self.url.startswith("sqlite:///") or self.url == "sqlite:///:memory:":
            return None
        path = self.url.removeprefix("sqlite:///").split("?", 1)[0]
        return Path(path.removeprefix("file:")).expanduser()

    def failure(self, exc: sa.exc.SQLAlchemyError, doing: str = "writing to") -> StoreError:
        """What a database error means for the user, naming the store and what to do.

        A failed write is rolled back whole, so each message can say that nothing was stored.
        """
        detail = _detail(exc)
        kind = _diagnosis(exc)
        kept = "nothing from this run was stored" if doing == "writing to" else "nothing was changed"
        if kind == "full":
            what = (f"the store at {self.safe_url} is full ({detail}); {kept}; free disk space "
                    "(or raise the database's size limit) and run the command again")
        elif kind == "read-only":
            what = (f"the store at {self.safe_url} is read-only ({detail}); {kept}; make the file and its "
                    "directory writable, or point --db / FIGURES_DB at a writable store")
        elif kind == "damaged":
            what = (f"the store at {self.safe_url} is damaged ({detail}); {kept}; run `figures db check` "
                    "to see what is wrong and how to recover")
        elif kind == "locked":
            what = (f"the store at {self.safe_url} is locked by another process ({detail}); {kept}; "
                    "run the command again when the other one is done")
        else:
            what = (f"{doing} the store at {self.safe_url} failed: {exc.__class__.__name__}: {detail}; {kept}; "
                    "if it happens again, run `figures db check`")
        return StoreError(what)

    @contextmanager
    def writing(self, source_id: str, timeout: float = 600.0,
                on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the right to update one source, waiting up to `timeout` seconds for another run.

        SQLite: a lock file beside the database (it takes one writer at a time anyway); PostgreSQL:
        an advisory lock keyed by the schema and the source id, so runs on two machines are safe too.
        `on_wait` hears once that another run holds the lock. Gives up with a StoreError.
        """
        if self.engine.dialect.name == "postgresql":
            with self._advisory_lock(source_id, timeout, on_wait):
                yield
            return
        path = self.sqlite_path
        if path is None:  # an in-memory store belongs to one process
            yield
            return
        lock = FileLock(f"{path}.lock", timeout=timeout)
        try:
            try:
                lock.acquire(timeout=0)
            except LockTimeout:
                if on_wait:
                    on_wait(f"another figures update is writing to {self.safe_url}; waiting up to "
                            f"{timeout:g} s (FIGURES_LOCK_TIMEOUT)")
                lock.acquire()
        except LockTimeout:
            raise StoreError(f"source {source_id!r}: another figures update has held {path}.lock for "
                             f"{timeout:g} s; nothing was stored; run again when it is done, or raise "
                             "FIGURES_LOCK_TIMEOUT") from None
        except OSError as exc:
            raise StoreError(f"cannot create the lock file {path}.lock beside the store ({exc}); make the "
                             "store's directory writable") from exc
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def _advisory_lock(self, source_id: str, timeout: float,
                       on_wait: Callable[[str], None] | None) -> Iterator[None]:
        conn = None
        try:
            conn = self.engine.connect()
            schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
            digest = hashlib.sha256(f"figures:{schema}:{source_id}".encode()).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)
            take = sa.text("SELECT pg_try_advisory_lock(:key)").bindparams(key=key)
            deadline = time.monotonic() + timeout
            told = False
            while not conn.execute(take).scalar():
                conn.commit()
                if time.monotonic() >= deadline:
                    conn.close()
                    raise StoreError(f"source {source_id!r}: another figures update (maybe on another machine) "
                                     f"has been updating it in {self.safe_url} for {timeout:g} s; nothing was "
                                     "stored; run again when it is done, or raise FIGURES_LOCK_TIMEOUT")
                if on_wait and not told:
                    on_wait(f"another figures update is updating {source_id!r} in {self.safe_url}; "
                            f"waiting up to {timeout:g} s (FIGURES_LOCK_TIMEOUT)")
                    told = True
                time.sleep(min(LOCK_POLL, max(deadline - time.monotonic(), 0)))
            conn.commit()  # the lock belongs to the session, not to this transaction
        except sa.exc.SQLAlchemyError as exc:
            if conn is not None:
                conn.close()
            raise self.failure(exc, "locking a source in") from exc
        try:
            yield
        finally:
            try:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:key)").bindparams(key=key))
                conn.commit()
            except sa.exc.SQLAlchemyError as exc:  # the session ends below, which frees the lock anyway
                log.warning("could not release the lock on %r: %s", source_id, exc)
            finally:
                conn.close()

    def _writer(self) -> Connection:
        """A connection whose transactions write: on SQLite they take the write lock at BEGIN, so a
        second writer waits (the driver's busy timeout) instead of failing when it first writes."""
        return self.engine.connect().execution_options(sqlite_begin="BEGIN IMMEDIATE")

    def _is_current(self) -> bool:
        """Whether the store is at this version with its sums kept under these rules: then opening
        it needs no write lock, so a query can open a store while an update holds it (SQLite waits
        only the driver's busy timeout, 5 s, for a lock)."""
        try:
            with self.engine.connect() as conn:
                found = dict(conn.execute(sa.select(meta.c.key, meta.c.value).where(
                    meta.c.key.in_(("schema_version", "sums_rules")))).all())
        except sa.exc.OperationalError:  # no meta table yet (a new store), or a damaged one: the writer says
            return False
        except sa.exc.ProgrammingError:  # PostgreSQL: no meta table yet
            return False
        return found == {"schema_version": str(SCHEMA_VERSION), "sums_rules": incidents.RULES}

    def _migrate(self) -> None:
        if self._is_current():
            return
        try:
            self._migrate_now()
        except sa.exc.OperationalError:
            # two first opens at once: the other one created the store, then began an update that
            # holds the lock longer than the busy wait; the store is current, nothing is left to do
            if not self._is_current():
                raise

    def _migrate_now(self) -> None:
        with self._writer() as conn, conn.begin():
            if conn.dialect.name == "postgresql":  # two first opens take turns (SQLite: BEGIN IMMEDIATE)
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            metadata.create_all(conn)
            found = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
            if found is None:
                conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
            elif int(found) > SCHEMA_VERSION:
                raise StoreError(f"the store at {self.safe_url} has schema version {found}, newer "
                                 f"than this figures ({SCHEMA_VERSION}); upgrade figures")
            elif int(found) < SCHEMA_VERSION:
                columns = {c["name"] for c in sa.inspect(conn).get_columns("observations")}
                if "record_id" not in columns:  # 3: the column a store of version 1 or 2 lacks
                    conn.execute(sa.text("ALTER TABLE observations ADD COLUMN record_id VARCHAR(128)"))
                if int(found) < 4:  # 4: the index queries select with, and the daily sums of incidents
                    for index in observations.indexes:
                        index.create(conn, checkfirst=True)
                    for name in OLD_INDEXES:
                        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {conn.dialect.identifier_preparer.quote(name)}")
                    incidents.rebuild(conn)
                conn.execute(meta.update().where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))
            _check_sums_rules(conn)

    def schema_version(self) -> int:
        """The schema version recorded in the store."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one())

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction: everything inside is stored together or not at all.

        A database error (full disk, read-only or damaged file) comes out as a StoreError that says
        what to do; the transaction is rolled back.
        """
        try:
            with self._writer() as conn, conn.begin():
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise self.failure(exc) from exc

    def add(self, snapshot: Snapshot, found: Iterable[Observation],
            conn: Connection | None = None) -> IngestResult:
        """Store a snapshot and the observations parsed from it, in one transaction."""
        return self.add_rows(snapshot, map(as_row, found), conn)

    def add_rows(self, snapshot: Snapshot, rows: Iterable[Row], conn: Connection | None = None) -> IngestResult:
        """`add` for observations given as rows (`figures.rows`), read lazily and stored in chunks.

        For large exports: no model is built per figure, so the rows must be what `as_row` gives
        for valid observations (adapters check that before yielding them).
        """
        if conn is None:
            with self.transaction() as own:
                return self.add_rows(snapshot, rows, own)
        now = datetime.now(UTC)
        added_snapshot = 0
        if conn.execute(sa.select(snapshots.c.sha256).where(snapshots.c.sha256 == snapshot.sha256)).first() is None:
            conn.execute(snapshots.insert().values(
                sha256=snapshot.sha256, source_id=snapshot.source_id, url=snapshot.url,
                retrieved_at=snapshot.retrieved_at, content_type=snapshot.content_type,
                size=len(snapshot.content), content=snapshot.content, stored_at=now,
            ))
            added_snapshot = 1
        load = _Load.of(conn, now)
        added, known = load.added, load.known
        rows = iter(rows)
        with _bulk_settings(conn):
            while chunk := list(islice(rows, CHUNK)):
                load.add(chunk)
            load.tally.write(conn)
            load.tally = Tally()
        return IngestResult(added_snapshot, load.added - added, load.known - known)

    def record_run(self, source_id: str, started: datetime, status: str, added: int,
                   message: str | None = None, conn: Connection | None = None) -> None:
        """Remember how an update of one source went (for `figures sources`)."""
        if conn is None:
            with self.transaction() as own:
                return self.record_run(source_id, started, status, added, message, own)
        conn.execute(runs.insert().values(source_id=source_id, started_at=started, finished_at=datetime.now(UTC),
                                          status=status, added=added, message=message))

    def last_runs(self) -> dict[str, dict[str, Any]]:
        """The latest run of each source: status, finish time, rows added, message."""
        latest = sa.select(runs.c.source_id, sa.func.max(runs.c.id).label("id")).group_by(runs.c.source_id).subquery()
        query = sa.select(runs).join(latest, runs.c.id == latest.c.id)
        with self.engine.connect() as conn:
            return {r.source_id: {"status": r.status, "finished_at": utc(r.finished_at),
                                  "added": r.added, "message": r.message}
                    for r in conn.execute(query)}

    def cursor(self, source_id: str) -> dict[str, Any]:
        """The incremental-update state an adapter left after its last successful run ({} if none)."""
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(cursors.c.cursor).where(cursors.c.source_id == source_id)).scalar()
        return json.loads(found) if found else {}

    def set_cursor(self, source_id: str, cursor: dict[str, Any], conn: Connection | None = None) -> None:
        """Remember an adapter's state after a successful run."""
        if conn is None:
            with self.transaction() as own:
                return self.set_cursor(source_id, cursor, own)
        now = datetime.now(UTC)
        conn.execute(cursors.delete().where(cursors.c.source_id == source_id))
        conn.execute(cursors.insert().values(source_id=source_id, cursor=to_json(cursor), updated_at=now))

    def snapshots_of(self, source_id: str) -> Iterator[Snapshot]:
        """Every stored snapshot of a source, oldest first (for re-parsing without the network)."""
        with self.engine.connect() as conn:
            shas = conn.execute(sa.select(snapshots.c.sha256).where(snapshots.c.source_id == source_id)
                                .order_by(snapshots.c.retrieved_at, snapshots.c.sha256)).scalars().all()
        for sha in shas:
            yield self.snapshot(sha)

    def snapshot(self, sha256: str) -> Snapshot:
        """The stored snapshot with this sha256 (a prefix of at least 8 characters will do)."""
        if not re.fullmatch(r"[0-9a-f]{8,64}", sha256):
            raise StoreError(f"{sha256!r} is not a snapshot id; give 8 to 64 hex digits of its sha256")
        with self.engine.connect() as conn:
            matching = snapshots.c.sha256.startswith(sha256, autoescape=True)
            rows = conn.execute(sa.select(snapshots).where(matching)).all()
        if len(rows) != 1:
            raise StoreError(f"{'no' if not rows else 'more than one'} snapshot matches {sha256!r}")
        r = rows[0]
        return Snapshot(source_id=r.source_id, url=r.url, retrieved_at=r.retrieved_at,
                        content=r.content, content_type=r.content_type)

    def count(self) -> dict[str, int]:
        """How many snapshots and observations the store holds."""
        with self.engine.connect() as conn:
            return {
                "snapshots": conn.execute(sa.select(sa.func.count()).select_from(snapshots)).scalar_one(),
                "observations": conn.execute(sa.select(sa.func.count()).select_from(observations)).scalar_one(),
            }

    def select(self, *, metric: str | None = None, area: str | None = None,
               place: str | None | AnyPlace = ANY_PLACE, group: str | None = None,
               source_id: str | None = None, known_on: datetime | None = None) -> list[Observation]:
        """Observations matching the filters, oldest vintage first; `known_on` drops later vintages.

        `place=None` selects figures for the whole area (no place); leave it out for every place.
        """
        query = sa.select(observations).order_by(observations.c.as_of, observations.c.retrieved_at, observations.c.id)
        for column, value in (("metric", metric), ("area", area), ("group", group), ("source_id", source_id)):
            if value is not None:
                query = query.where(observations.c[column] == value)
        if place is None:
            query = query.where(observations.c.place.is_(None))
        elif not isinstance(place, AnyPlace):
            query = query.where(observations.c.place == place)
        if known_on is not None:
            query = query.where(observations.c.retrieved_at <= utc(known_on))
        with self.engine.connect() as conn:
            return [row_to_observation(r) for r in conn.execute(query)]

    def rows(self) -> list[dict[str, Any]]:
        """Every observation as a plain dict in export column order."""
        query = sa.select(*[observations.c[c] for c in OBSERVATION_COLUMNS]).order_by(observations.c.id)
        with self.engine.connect() as conn:
            out = []
            for r in conn.execute(query):
                d = dict(r._mapping)
                for key in ("published_at", "retrieved_at", "stored_at"):
                    if d[key] is not None:
                        d[key] = utc(d[key])
                out.append(d)
            return out

    def close(self) -> None:
        """Release the store's connections."""
        self.engine.dispose()


def _detail(exc: BaseException) -> str:
    """The driver's own words for a database error, on one line."""
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [exc.__class__.__name__])[0]


#: Words of SQLite's and PostgreSQL's errors, and what they say about the store.
DIAGNOSES = {
    "full": ("disk is full", "no space left", "diskfull", "disk full"),
    "read-only": ("readonly database", "read-only", "permission denied"),
    "damaged": ("malformed", "not a database", "corrupt"),
    "locked": ("database is locked",),
}


def _diagnosis(exc: BaseException) -> str:
    """What a database error says about the store: full, read-only, damaged, locked, or other."""
    lowered = _detail(exc).lower()
    return next((kind for kind, words in DIAGNOSES.items() if any(w in lowered for w in words)), "other")


def _timelines(conn: Connection, keys: Iterable[str]) -> dict[str, list[tuple[datetime, Vintage]]]:
    """For each record, every stored (retrieved time, vintage), in the order the store ranks them.

    Indexed lookups in chunks: the cost follows the batch, not the size of the store.
    """
    columns = (observations.c.record_key, observations.c.retrieved_at, observations.c.low,
               observations.c.best, observations.c.high, observations.c.publisher, observations.c.attributed_to,
               observations.c.adapter)
    listed = sorted(keys)
    out: dict[str, list[tuple[datetime, Vintage]]] = {}
    for i in range(0, len(listed), LOOKUP):
        query = (sa.select(*columns).where(observations.c.record_key.in_(listed[i:i + LOOKUP]))
                 .order_by(observations.c.retrieved_at, observations.c.id))
        for key, retrieved, low, best, high, publisher, attributed, adapter in conn.execute(query):
            stored = vintage_of(low, best, high, publisher, attributed, adapter)
            out.setdefault(key, []).append((utc(retrieved), stored))
    return out


class _Load:
    """One `Store.add_rows`: the revision check and the insert, a chunk of rows at a time.

    The stored history of a record is only looked up for sources the store already held when the
    load began; for a source new to the store, what this load added so far is all there is, and is
    kept here, by retrieval time (usually one), so memory is a key and a vintage per record.
    Each incident a running total counts also changes the daily sums (`figures.incidents`).
    """

    def __init__(self, conn: Connection, now: datetime) -> None:
        self.conn = conn
        self.fresh: dict[str, bool] = {}
        self.seen: dict[datetime, dict[str, Vintage]] = {}
        self.vintages: dict[Vintage, Vintage] = {}  # one tuple per distinct vintage, shared by the records in `seen`
        self.added = self.known = 0
        self.analysed = False
        self.tally = Tally()
        self.sql = _insert_sql(conn.dialect)
        self.copy = _copy_sql(conn.dialect)
        # without the driver's own SQL, SQLAlchemy's insert converts the values itself
        self.params = _parameters(conn.dialect, now) if self.sql else lambda key, row: (key, *row, now)

    @classmethod
    def of(cls, conn: Connection, now: datetime) -> _Load:
        """The load of `conn`'s current transaction, shared by every `add_rows` in it: the pages of
        one update are one load, so a source new to the store is never looked up in its first
        update (what the load stored is all there is of it), however many pages it has."""
        transaction = conn.get_transaction()
        found = conn.info.get("figures.load")
        if found is not None and found[0] is transaction:
            load: _Load = found[1]
            return load
        load = cls(conn, now)
        conn.info["figures.load"] = (transaction, load)
        return load

    def is_fresh(self, source_id: str) -> bool:
        fresh = self.fresh.get(source_id)
        if fresh is None:
            held = self.conn.execute(sa.select(observations.c.id).where(observations.c.source_id == source_id)
                                     .limit(1)).first()
            fresh = self.fresh[source_id] = held is None
        return fresh

    def around(self, key: str, moment: datetime) -> tuple[Vintage | None, tuple[datetime, Vintage] | None]:
        """What this load stored for the record: the vintage that counts at `moment` (the last one
        retrieved by then), and the next one after it."""
        found = after = None
        for retrieved, stored in self.seen.items():  # in time order: see `remember`
            if retrieved <= moment:
                found = stored.get(key, found)
            elif key in stored:
                after = (retrieved, stored[key])
                break
        return found, after

    def remember(self, key: str, moment: datetime, stored: Vintage) -> None:
        vintages = self.seen.get(moment)
        if vintages is None:
            vintages = self.seen[moment] = {}
            if any(moment < earlier for earlier in self.seen):
                self.seen = dict(sorted(self.seen.items()))
        vintages[key] = self.vintages.setdefault(stored, stored)

    def add(self, chunk: list[Row]) -> None:
        keyed = [(record_key(*row[:KEY_FIELDS]), row) for row in chunk]
        stale = {key for key, row in keyed if not self.is_fresh(row[0])}
        if stale and not self.analysed:
            self.analysed = _analyse_if_never(self.conn)
        timelines = _timelines(self.conn, stale) if stale else {}
        out = []
        for key, row in keyed:
            value, moment = (row[LOW], row[BEST], row[HIGH]), row[RETRIEVED_AT]
            after: tuple[datetime, Vintage] | None
            if key in stale:
                timeline = timelines.setdefault(key, [])
                i = bisect.bisect_right(timeline, moment, key=lambda entry: entry[0])
                before = timeline[i - 1][1] if i else None
                if before is not None and before[:3] == value:  # the store already says so
                    self.known += 1
                    continue
                after = timeline[i] if i < len(timeline) else None
                stored = vintage(row, value)
                timeline.insert(i, (moment, stored))
            else:
                before, after = self.around(key, moment)
                if before is not None and before[:3] == value:  # this load already stored it
                    self.known += 1
                    continue
                stored = vintage(row, value)
                self.remember(key, moment, stored)
            if summed(row):
                self.tally.stored(row, moment, before, stored, after)
            out.append(self.params(key, row))
        if not out:
            return
        self.added += len(out)
        self.write(out)

    def write(self, out: list[tuple[Any, ...]]) -> None:
        """Insert rows of `INSERT_COLUMNS` values (from `params`): COPY, the driver's INSERT, or SQLAlchemy's."""
        if self.copy is not None:
            _copy(self.conn, self.copy, out)
        elif self.sql is None:
            self.conn.execute(observations.insert(), [dict(zip(INSERT_COLUMNS, p, strict=True)) for p in out])
        else:
            self.conn.exec_driver_sql(self.sql, out)


def _check_sums_rules(conn: Connection) -> None:
    """Work the daily sums out again if they were kept under other rules (`incidents.RULES`: which
    publishers relay, which adapters read prose), as after an upgrade of figures that changed them.
    A store without the mark has sums just built, or kept before the rules were recorded, under
    the same rules as now: it is only marked."""
    rules = conn.execute(sa.select(meta.c.value).where(meta.c.key == "sums_rules")).scalar()
    if rules == incidents.RULES:
        return
    if rules is None:
        conn.execute(meta.insert().values(key="sums_rules", value=incidents.RULES))
        return
    log.warning("the store's daily sums of incidents were kept under other voice rules; working them out "
                "again (once, after an upgrade of figures)")
    rows = incidents.rebuild(conn)
    conn.execute(meta.update().where(meta.c.key == "sums_rules").values(value=incidents.RULES))
    log.warning("%d rows of daily sums worked out again", rows)


def _analyse_if_never(conn: Connection) -> bool:
    """PostgreSQL: give the planner statistics if the observations table has none yet.

    Until a table is first analysed (autovacuum does it after a commit), PostgreSQL takes
    `record_key IN (500 keys)` to match most of it and scans it whole, once per 500 keys: an
    update of a source already in a new store slowed down page after page (RELIABILITY.md, Load).
    ANALYZE in the transaction sees its own rows. Returns True once this was looked after."""
    if conn.dialect.name != "postgresql":
        return True
    unknown = conn.execute(sa.text("SELECT reltuples < 0 FROM pg_class WHERE oid = to_regclass(:name)"),
                           {"name": observations.name}).scalar()
    if unknown:
        conn.exec_driver_sql(f"ANALYZE {conn.dialect.identifier_preparer.quote(observations.name)}")
    return True


def _insert_sql(dialect: sa.Dialect) -> str | None:
    """The driver's own INSERT of `INSERT_COLUMNS` (positional parameters), or None for other styles."""
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(dialect.paramstyle)
    if mark is None:
        return None
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in INSERT_COLUMNS)
    return f"INSERT INTO {quote(observations.name)} ({names}) VALUES ({', '.join([mark] * len(INSERT_COLUMNS))})"


def _copy_sql(dialect: sa.Dialect) -> tuple[str, list[str]] | None:
    """PostgreSQL through psycopg 3: the binary COPY of `INSERT_COLUMNS` and the columns' types; None for
    other databases and drivers. Binary COPY sends each value in its column's own form, so psycopg must be
    told the types ("varchar", "bigint", "timestamp with time zone"...) rather than guess them from Python's."""
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return None
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(c) for c in INSERT_COLUMNS)
    types = [re.sub(r"\(.*\)", "", observations.c[c].type.compile(dialect)).lower() for c in INSERT_COLUMNS]
    return f"COPY {quote(observations.name)} ({names}) FROM STDIN (FORMAT BINARY)", types


def _copy(conn: Connection, statement: tuple[str, list[str]], rows: list[tuple[Any, ...]]) -> None:
    """Write `rows` with COPY on the connection's psycopg connection, inside its transaction.

    Binary COPY sends each value with its length, not between delimiters, so tabs, newlines and backslashes
    in text need no escaping. A database error comes out as SQLAlchemy's, as an INSERT's would.
    """
    sql, types = statement
    driver = conn.connection.driver_connection
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
    except conn.dialect.loaded_dbapi.Error as exc:
        raise sa.exc.DBAPIError.instance(sql, None, exc, conn.dialect.loaded_dbapi.Error,
                                         dialect=conn.dialect) from exc


def _parameters(dialect: sa.Dialect, now: datetime) -> Callable[[str, Row], tuple[Any, ...]]:
    """A row and its key as the INSERT's parameters, dates and times as the driver takes them.

    SQLAlchemy's own conversion (SQLite: dates as text), done once per distinct value.
    """
    day, moment = _processor(dialect, "as_of"), _processor(dialect, "retrieved_at")
    if day is None and moment is None:  # a driver that takes dates as they are (PostgreSQL's)
        return lambda key, row: (key, *row, now)
    days, moments, d, m = _Converted(day), _Converted(moment), _DAYS, _MOMENTS
    stamp = moments[now]
    return lambda key, r: (key, *r[:d], days[r[d]], days[r[d + 1]], days[r[d + 2]], *r[d + 3:m],
                           moments[r[m]], moments[r[m + 1]], *r[m + 2:], stamp)


def _processor(dialect: sa.Dialect, column: str) -> Callable[[Any], Any] | None:
    """How the dialect passes a column's Python values to its driver."""
    kind = observations.c[column].type
    return kind.dialect_impl(dialect).bind_processor(dialect)  # type: ignore[no-any-return]


class _Converted(dict[Any, Any]):
    """Values as the driver takes them, each distinct value converted once (dates repeat a lot)."""

    def __init__(self, convert: Callable[[Any], Any] | None) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        if len(self) > 100_000:  # unique times (ACLED's edit stamps) would otherwise pile up
            self.clear()
        done = self[value] = value if self.convert is None or value is None else self.convert(value)
        return done


@contextmanager
def _bulk_settings(conn: Connection) -> Iterator[None]:
    """SQLite: a larger page cache for the load, put back afterwards (it is the connection's, not the file's)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    # on the driver's cursor: this must also work after a failed statement, before the rollback
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]  # type: ignore[index]
        cursor.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size={int(before)}")
    finally:
        cursor.close()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # The driver on its own begins a transaction only before INSERT, UPDATE or DELETE, so creating
    # the tables was not atomic (a kill left half a schema): SQLAlchemy begins every transaction
    # itself instead (`_sqlite_begin`), as its SQLite documentation recommends.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Only a new file takes the page size (before WAL is on): 16 KiB pages keep a large load's
    # write-ahead log and index pages fewer (benchmarks/README.md); an existing store keeps its own.
    cursor.execute("PRAGMA page_size=16384")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql(conn.get_execution_options().get("sqlite_begin", "BEGIN"))


def open_store(db: str | None = None) -> Store:
    """Open (creating on first use) the store: `db` URL or path, `$FIGURES_DB`, else the default."""
    from .config import Settings

    return Store(Settings().db_url(db))


def to_json(value: Any) -> str:
    """JSON for exports: dates as ISO strings."""
    def default(o: Any) -> Any:
        if isinstance(o, (date, datetime)):
            return o.isoformat()
        raise TypeError(type(o).__name__)
    return json.dumps(value, default=default, ensure_ascii=False)
