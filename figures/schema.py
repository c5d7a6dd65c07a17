"""The store's tables (SQLAlchemy Core), shared by the store, its checks and the queries.

Everything is appended, never updated in place: snapshots (the bytes a source served),
observations (one row per figure and vintage, with its provenance), runs, the incremental
cursors, and `incident_days`, the running totals' daily sums kept as they are stored
(`figures.incidents`).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

SCHEMA_VERSION = 4  # 2: cursors of incremental updates; 3: observations.record_id; 4: incident_days

metadata = sa.MetaData()

meta = sa.Table(
    "meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

snapshots = sa.Table(
    "snapshots", metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("source_id", sa.String(128), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("retrieved_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("content_type", sa.String(255)),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
)

observations = sa.Table(
    "observations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_key", sa.String(64), nullable=False, index=True),
    sa.Column("source_id", sa.String(128), nullable=False, index=True),
    sa.Column("metric", sa.String(32), nullable=False),
    sa.Column("group", sa.String(32), nullable=False),
    sa.Column("area", sa.String(3), nullable=False),
    sa.Column("place", sa.Text),
    sa.Column("record_id", sa.String(128)),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("period_start", sa.Date),
    sa.Column("period_end", sa.Date),
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("modality", sa.String(16), nullable=False),
    sa.Column("low", sa.BigInteger, nullable=False),
    sa.Column("best", sa.BigInteger),
    sa.Column("high", sa.BigInteger),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("publisher", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("published_at", sa.DateTime(timezone=True)),
    sa.Column("retrieved_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("snapshot_sha256", sa.String(64), sa.ForeignKey("snapshots.sha256"), nullable=False),
    sa.Column("locator", sa.Text, nullable=False),
    sa.Column("quote", sa.Text, nullable=False),
    sa.Column("attributed_to", sa.Text),
    sa.Column("adapter", sa.String(64), nullable=False),
    sa.Column("adapter_version", sa.String(32), nullable=False),
    sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
    # what a query selects: stated figures of one quantity without its events (schema 4; 1-3 had
    # ("metric", "area", "as_of"), which made a query read every event of the area)
    sa.Index("ix_observations_selection", "metric", "area", "group", "modality", "scope", "as_of"),
)

#: The index schemas 1 to 3 had instead of ix_observations_selection (dropped by the migration).
OLD_INDEXES = ("ix_observations_quantity",)

#: The daily sums of the incidents (events, daily crossings) that running totals add up, as
#: changes: each stored vintage of an incident adds its counts to its day at its retrieval time
#: and takes back those of the vintage it replaces. Summed over rows retrieved by a date they are
#: the latest vintages' totals as known then. Written with the observations, in their
#: transaction (`figures.incidents.Tally`); `figures db check` compares them with the observations.
incident_days = sa.Table(
    "incident_days", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("metric", sa.String(32), nullable=False),
    sa.Column("group", sa.String(32), nullable=False),
    sa.Column("area", sa.String(3), nullable=False),
    sa.Column("source_id", sa.String(128), nullable=False),
    sa.Column("publisher", sa.Text, nullable=False),
    sa.Column("attributed_to", sa.Text),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("retrieved_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("low", sa.BigInteger, nullable=False),
    sa.Column("best", sa.BigInteger, nullable=False),  # the stated bests (a record with none adds 0 ...
    sa.Column("high", sa.BigInteger, nullable=False),  # ... and 1 to no_best; the same for high)
    sa.Column("no_best", sa.Integer, nullable=False),
    sa.Column("no_high", sa.Integer, nullable=False),
    sa.Column("records", sa.Integer, nullable=False),
    # covers `incidents.daily`: one quantity's sums read in key order, without the table
    sa.Index("ix_incident_days_quantity", "metric", "area", "group", "source_id", "publisher", "attributed_to",
             "period_start", "period_end", "retrieved_at", "low", "best", "high", "no_best", "no_high", "records"),
)

runs = sa.Table(
    "runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source_id", sa.String(128), nullable=False, index=True),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("added", sa.Integer, nullable=False),
    sa.Column("message", sa.Text),
)

cursors = sa.Table(
    "cursors", metadata,
    sa.Column("source_id", sa.String(128), primary_key=True),
    sa.Column("cursor", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

#: Columns of `Store.rows()` in order: the tidy export.
OBSERVATION_COLUMNS = [c.name for c in observations.columns if c.name not in ("record_key",)]


class day_number(GenericFunction[int]):  # noqa: N801 (SQL functions are lower case)
    """A date column as its proleptic day number (`date.toordinal()`), worked out by the database:
    reading a date as text and parsing it took longer than the query. Other databases than SQLite
    and PostgreSQL give the date itself, which `query._ordinals` also reads."""

    type = sa.Integer()
    inherit_cache = True


@compiles(day_number, "sqlite")
def _day_number_sqlite(element: day_number, compiler: Any, **kw: Any) -> str:
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 1721424.5 AS INTEGER)"


@compiles(day_number, "postgresql")
def _day_number_postgresql(element: day_number, compiler: Any, **kw: Any) -> str:
    return f"(({compiler.process(element.clauses, **kw)}) - DATE '0001-01-01' + 1)"


@compiles(day_number)
def _day_number_other(element: day_number, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))
