"""The daily sums behind running totals, kept as observations are stored.

A running total of events (UCDP's and ACLED's deaths, UNHCR's daily crossings) sums the latest
vintage of every incident up to a date. Reading every event to answer one query is slow (tens of
thousands of rows for one country), so the store also keeps, in `incident_days`, what each
stored vintage changed in its day's sums: its counts added at its retrieval time, and the counts
of the vintage it replaces taken back. Summing the changes retrieved by a date gives, for every
day, the sums of the latest vintages as known on that date: exactly what reading the events and
keeping the latest vintage of each gives (`tests/test_incidents.py` checks it on random
histories stored in random order).

Only what a running total can count is kept: reported incidents from adapters that do not read
prose (`rows.PROSE_ADAPTERS`; a vintage read from prose replaces its record's earlier vintage
with nothing, as it does when the events are read). Where an incident has no best (or no high)
the sums count it in `no_best` (`no_high`): a running total has no best (no upper bound) from
that day on. The sums are kept per source, publisher and, for relays only, attribution: what
decides an incident's voice (`vintage_of`).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .rows import PROSE_ADAPTERS, RELAYS, ROW_COLUMNS, SPACES, Row, is_relay
from .schema import day_number, incident_days, observations

#: A stored vintage of a record as the tally needs it: low, best, high, publisher, attributed_to,
#: and whether a running total counts it (a record's vintages can come from different adapters).
Vintage = tuple[Any, ...]

_METRIC, _GROUP, _AREA, _SOURCE = (ROW_COLUMNS.index(c) for c in ("metric", "group", "area", "source_id"))
_START, _END, _AS_OF = (ROW_COLUMNS.index(c) for c in ("period_start", "period_end", "as_of"))
_SCOPE, _MODALITY, _ADAPTER = (ROW_COLUMNS.index(c) for c in ("scope", "modality", "adapter"))
_PUBLISHER, _ATTRIBUTED = ROW_COLUMNS.index("publisher"), ROW_COLUMNS.index("attributed_to")

#: The columns of `incident_days` that say which sums a change belongs to, in key order.
KEY_COLUMNS = ("metric", "group", "area", "source_id", "publisher", "attributed_to", "period_start", "period_end",
               "retrieved_at")
#: The columns that hold the changes, in order.
SUM_COLUMNS = ("low", "best", "high", "no_best", "no_high", "records")


def summed(row: Row) -> bool:
    """Whether the row's record is one the sums keep: a reported incident (both are part of the
    record key, so all its vintages are). A vintage read from prose adds nothing (`vintage`)."""
    return row[_SCOPE] == "incident" and row[_MODALITY] == "reported"


def vintage(row: Row, value: tuple[Any, Any, Any]) -> Vintage:
    """What the tally remembers of a row beside its value (`vintage_of`)."""
    return vintage_of(*value, row[_PUBLISHER], row[_ATTRIBUTED], row[_ADAPTER])


def vintage_of(low: Any, best: Any, high: Any, publisher: str, attributed_to: str | None, adapter: str) -> Vintage:
    """A vintage: its value, what decides its voice, and whether a running total counts it (not
    when read from prose). An incident's voice is its publisher's unless the publisher relays
    others' figures (`reconcile.voice_of`), so only a relay's attribution is kept: an event
    dataset's list of the reports it coded ("Reuters; AFP") would make a sum per list."""
    relayed = attributed_to if is_relay(publisher) else None
    return (low, best, high, publisher, relayed, adapter not in PROSE_ADAPTERS)


class Tally:
    """The changes one load makes to the daily sums, merged by key, to be written with its rows."""

    def __init__(self) -> None:
        self.sums: dict[tuple[Any, ...], list[int]] = {}

    def _add(self, key: tuple[Any, ...], v: Vintage, sign: int) -> None:
        if not v[5]:  # read from prose: counts nothing
            return
        low, best, high = v[0], v[1], v[2]
        found = self.sums.get(key)
        if found is None:
            self.sums[key] = [sign * low, sign * (best or 0), sign * (high or 0), sign * (best is None),
                              sign * (high is None), sign]
            return
        found[0] += sign * low
        found[1] += sign * (best or 0)
        found[2] += sign * (high or 0)
        found[3] += sign * (best is None)
        found[4] += sign * (high is None)
        found[5] += sign

    def stored(self, row: Row, moment: datetime, before: Vintage | None, value: Vintage,
               after: tuple[datetime, Vintage] | None) -> None:
        """A vintage `value` of `row`'s record retrieved at `moment` is stored; `before` is the
        vintage that counted at that moment (None for a first one), `after` the next stored one.

        At `moment` the new vintage replaces `before`; at the next one's time, what replaced
        `before` until now replaces `value` instead, so the next one's own change stays right.
        """
        start = row[_START] if row[_START] is not None else row[_AS_OF]
        end = row[_END] if row[_END] is not None else start
        base = (row[_METRIC], row[_GROUP], row[_AREA], row[_SOURCE])
        self._add((*base, value[3], value[4], start, end, moment), value, 1)
        if before is not None:
            self._add((*base, before[3], before[4], start, end, moment), before, -1)
        if after is not None:
            later = after[0]
            if before is not None:
                self._add((*base, before[3], before[4], start, end, later), before, 1)
            self._add((*base, value[3], value[4], start, end, later), value, -1)

    def rows(self) -> list[dict[str, Any]]:
        """The changes as rows of `incident_days`, those that cancel out left out."""
        return [dict(zip(KEY_COLUMNS + SUM_COLUMNS, (*key, *sums), strict=True))
                for key, sums in self.sums.items() if any(sums)]

    def write(self, conn: Connection) -> None:
        rows = self.rows()
        for i in range(0, len(rows), 5000):
            conn.execute(incident_days.insert(), rows[i:i + 5000])


def expected() -> sa.Select[Any]:
    """The daily sums' changes as the observations give them, worked out by the database for a
    whole store (what `Tally` writes as rows are stored): each stored vintage of a reported
    incident adds its counts at its retrieval time and takes back those of the record's vintage
    before it (`lag` over the record's vintages in the store's order); merged by key
    (KEY_COLUMNS), those that cancel out left out."""
    t = observations.c
    counted = sa.case((t.adapter.in_(sorted(PROSE_ADAPTERS)), 0), else_=1)
    relayed = sa.case((sa.func.trim(t.publisher, SPACES).in_(sorted(RELAYS)), t.attributed_to), else_=sa.null())
    start = sa.func.coalesce(t.period_start, t.as_of)
    counts = {"low": t.low * counted, "best": sa.func.coalesce(t.best, 0) * counted,
              "high": sa.func.coalesce(t.high, 0) * counted,
              "no_best": sa.case((t.best.is_(None), counted), else_=0),
              "no_high": sa.case((t.high.is_(None), counted), else_=0), "records": counted}

    def before(value: Any) -> Any:  # the value of the record's vintage before, in the store's order
        return sa.func.lag(value).over(partition_by=t.record_key, order_by=(t.retrieved_at, t.id))

    vintages = sa.select(
        t.metric, t.group, t.area, t.source_id, t.publisher, relayed.label("attributed_to"),
        start.label("period_start"), sa.func.coalesce(t.period_end, start).label("period_end"), t.retrieved_at,
        *[v.label(c) for c, v in counts.items()],
        before(t.publisher).label("was_publisher"), before(relayed).label("was_attributed_to"),
        *[before(v).label(f"was_{c}") for c, v in counts.items()],
    ).where(t.scope == "incident", t.modality == "reported").subquery()
    v = vintages.c
    added = sa.select(*[v[c] for c in KEY_COLUMNS], *[v[c] for c in SUM_COLUMNS])
    replaced = sa.select(*[v[c] for c in KEY_COLUMNS[:4]], v.was_publisher, v.was_attributed_to,
                         *[v[c] for c in KEY_COLUMNS[6:]], *[-v[f"was_{c}"] for c in SUM_COLUMNS]
                         ).where(v.was_records.is_not(None))
    changes = sa.union_all(added, replaced).subquery()
    c = changes.c
    keys = [c[k] for k in KEY_COLUMNS]
    sums = [sa.func.sum(c[k]) for k in SUM_COLUMNS]
    return sa.select(*keys, *sums).group_by(*keys).having(sa.or_(*[total != 0 for total in sums]))


#: What the stored sums depend on beyond the observations: which publishers relay (their
#: attribution is kept), which adapters read prose (not counted), what is trimmed. Kept in the
#: store's meta table as `sums_rules`; a store whose sums were worked out under other rules has
#: them worked out again when opened (`Store._migrate`).
RULES = hashlib.sha256(repr((1, sorted(RELAYS), sorted(PROSE_ADAPTERS), SPACES)).encode()).hexdigest()[:16]


def rebuild(conn: Connection) -> int:
    """Replace `incident_days` by the sums worked out from the observations (the schema 4
    migration, and the way out when `figures db check` finds them wrong); returns rows written."""
    conn.execute(incident_days.delete())
    conn.execute(incident_days.insert().from_select([*KEY_COLUMNS, *SUM_COLUMNS], expected()))
    return int(conn.execute(sa.select(sa.func.count()).select_from(incident_days)).scalar_one())


def _stored() -> sa.Select[Any]:
    """The changes `incident_days` holds, merged by key, those that cancel out left out."""
    t = incident_days.c
    keys = [t[c] for c in KEY_COLUMNS]
    sums = [sa.func.sum(t[c]) for c in SUM_COLUMNS]
    return sa.select(*keys, *sums).group_by(*keys).having(sa.or_(*[total != 0 for total in sums]))


def mismatches(conn: Connection) -> int:
    """How many keys of the daily sums differ from what the observations give (0 when right),
    counted by the database: what either side has that the other has not."""
    # each side as a plain SELECT from a subquery: SQLite refuses compound members in parentheses
    wanted, found = expected().subquery(), _stored().subquery()
    only = [sa.except_(sa.select(*one.c), sa.select(*other.c)).subquery()
            for one, other in ((wanted, found), (found, wanted))]
    keys = sa.union(*[sa.select(*[side.c[i] for i in range(len(KEY_COLUMNS))]) for side in only]).subquery()
    return int(conn.execute(sa.select(sa.func.count()).select_from(keys)).scalar_one())


def daily(conn: Connection, metric: str, area: str, group: str,
          known_on: datetime | None) -> list[tuple[Any, ...]]:
    """Per source, publisher, attribution and incident period: the summed low, best, high, the
    incidents without best or high, and the number of incidents, as known on `known_on`."""
    t = incident_days.c
    keys = [t.source_id, t.publisher, t.attributed_to, t.period_start, t.period_end]
    query = (sa.select(*keys[:3], day_number(t.period_start), day_number(t.period_end),
                       *[sa.func.sum(t[c]) for c in SUM_COLUMNS])
             .where(t.metric == metric, t.area == area, t.group == group)
             .group_by(*keys).having(sa.func.sum(t.records) > 0))
    if known_on is not None:
        query = query.where(t.retrieved_at <= known_on)
    return fetch(conn, query)


def fetch(conn: Connection, query: sa.Select[Any] | sa.CompoundSelect[Any]) -> list[tuple[Any, ...]]:
    """Every row of a query as the driver's plain tuples: a query's first read is mostly rows,
    and SQLAlchemy's own row objects took a third of it. The columns must need no conversion
    (dates as `schema.day_number`)."""
    return list(conn.execute(query).cursor.fetchall())
