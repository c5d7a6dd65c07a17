"""Is the store whole? `figures db check` and `figures db upgrade`.

`check` reads everything once: the database's own consistency check (SQLite's
`integrity_check`), the schema version, every snapshot's bytes against the sha256 it is stored
under, and every observation's link to its snapshot. It reports problems with the way out;
it never changes anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa

from . import incidents
from .errors import StoreError
from .store import SCHEMA_VERSION, Store, meta, observations, snapshots


@dataclass
class Report:
    """What `check` found: counts, and each problem with what to do about it."""

    url: str
    schema_version: int | None = None
    snapshots: int = 0
    observations: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def way_out(url: str) -> str:
    """What a user can do with a damaged store."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        return (f"restore {path} from a backup; or keep what can be read with "
                f"`sqlite3 {path} .recover | sqlite3 recovered.sqlite` and point --db at the copy; "
                "or move the file aside and run `figures update` to build a new store from the sources "
                "(what only the old store held is then lost)")
    return "restore the database from a backup, or run the check again after the database's own repair tools"


def check(url: str) -> Report:
    """Check the store at `url` from end to end; a store that cannot even be opened is a problem too."""
    report = Report(url=url)
    try:
        engine = sa.create_engine(url)
    except (sa.exc.SQLAlchemyError, ImportError) as exc:
        report.problems.append(f"cannot open the store: {exc}")
        return report
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                result = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
                if result != ["ok"]:
                    report.problems.append("SQLite's integrity check failed: " + "; ".join(result[:5])
                                           + f". The store is damaged: {way_out(url)}")
                    return report
            names = set(sa.inspect(conn).get_table_names())
            missing = {"meta", "snapshots", "observations"} - names
            if missing:
                report.problems.append(f"tables missing: {', '.join(sorted(missing))}; this is not a figures "
                                       "store, or an unfinished one: run `figures update` to create it")
                return report
            found = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
            report.schema_version = int(found) if found is not None else None
            if report.schema_version is None:
                report.problems.append("no schema version is recorded; run `figures db upgrade`")
            elif report.schema_version < SCHEMA_VERSION:
                report.problems.append(f"schema version {report.schema_version}, this figures uses {SCHEMA_VERSION}: "
                                       "back the store up, then run `figures db upgrade`")
            elif report.schema_version > SCHEMA_VERSION:
                report.problems.append(f"schema version {report.schema_version} is newer than this figures "
                                       f"({SCHEMA_VERSION}): upgrade figures")
            _check_snapshots(conn, report)
            _check_links(conn, report)
            _check_sums(conn, report, names)
    except sa.exc.SQLAlchemyError as exc:
        report.problems.append(f"reading the store failed: {exc.__class__.__name__}: "
                               f"{exc.orig if hasattr(exc, 'orig') else exc}. {way_out(url)}")
    finally:
        engine.dispose()
    return report


def _check_snapshots(conn: sa.Connection, report: Report) -> None:
    """Every snapshot's bytes must hash to the sha256 it is stored under."""
    query = sa.select(snapshots.c.sha256, snapshots.c.content, snapshots.c.size).execution_options(yield_per=200)
    bad = []
    for row in conn.execute(query):
        report.snapshots += 1
        content = bytes(row.content)
        if hashlib.sha256(content).hexdigest() != row.sha256 or len(content) != row.size:
            bad.append(row.sha256[:12])
    if bad:
        report.problems.append(f"{len(bad)} snapshots no longer match their sha256 ({', '.join(bad[:5])}"
                               f"{'...' if len(bad) > 5 else ''}): their bytes were changed after they were "
                               f"stored. {way_out(report.url)}")


def _check_links(conn: sa.Connection, report: Report) -> None:
    """Every observation must point at a stored snapshot."""
    report.observations = conn.execute(sa.select(sa.func.count()).select_from(observations)).scalar_one()
    orphans = conn.execute(
        sa.select(sa.func.count()).select_from(observations)
        .where(~sa.exists().where(snapshots.c.sha256 == observations.c.snapshot_sha256))).scalar_one()
    if orphans:
        report.problems.append(f"{orphans} observations point at no stored snapshot; their provenance is lost. "
                               f"{way_out(report.url)}")


def _check_sums(conn: sa.Connection, report: Report, names: set[str]) -> None:
    """The daily sums of incidents must be what the observations give (`figures.incidents`)."""
    if "incident_days" not in names:
        return  # a store of schema 3 or older: the version problem above says to upgrade
    wrong = incidents.mismatches(conn)
    if wrong:
        report.problems.append(f"the daily sums of incidents that running totals are read from differ from the "
                               f"stored events in {wrong} places (the observations themselves are not affected); "
                               "run `figures db upgrade`, which works them out again")


def upgrade(url: str) -> tuple[int | None, int, int]:
    """Bring the store's schema up to this version of figures, and work the daily sums of incidents
    out again if they differ from the events: (version before, version after, sums that differed)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            before = None
            if "meta" in set(sa.inspect(conn).get_table_names()):
                found = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
                before = int(found) if found is not None else None
    except sa.exc.SQLAlchemyError as exc:
        raise StoreError(f"cannot read the store's schema version: {exc}") from exc
    finally:
        engine.dispose()
    store = Store(url)  # opening migrates, in one transaction
    try:
        wrong = 0
        after = store.schema_version()
        if before == after:  # derived data a migration would not touch (a migration to 4 builds it)
            with store.transaction() as conn:
                wrong = incidents.mismatches(conn)
                if wrong:
                    incidents.rebuild(conn)
        return before, after, wrong
    finally:
        store.close()
