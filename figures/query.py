"""Ranges and DataFrames for users: the consensus as of a date, weekly series, disputes, and
every observation, tidy. The reconciliation itself lives in `figures.reconcile`.

>>> figures.query("killed", area="UKR", group="civilians", on="2022-03-24").low
1081
>>> figures.series("refugees", area="UKR")            # one row per ISO week, as of its Sunday
"""

from __future__ import annotations

import functools
import os
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from . import incidents
from .errors import FiguresError
from .models import HXL_TAGS, Observation, utc
from .reconcile import (
    CADENCE_DAYS,
    DAY_COLUMNS,
    STALE_AFTER,
    Band,
    Figure,
    Options,
    Reconciled,
    reconcile_all,
    voice_of,
)
from .quotes import in_words
from .rounding import tolerance
from .rows import PROSE_ADAPTERS
from .schema import day_number
from .store import OBSERVATION_COLUMNS, Store, open_store
from .store import observations as observations_table

__all__ = ["DISPUTE_COLUMNS", "EVIDENCE_COLUMNS", "HXL_COLUMNS", "SERIES_COLUMNS", "STALE_AFTER", "STEP_COLUMNS", "QueryResult",
           "clear_cache", "disputes", "hxl_row", "latest_vintages", "observation_chunks", "observations", "query",
           "series", "steps", "typed_frame"]

#: Columns of `QueryResult.observations`, in order.
EVIDENCE_COLUMNS = [
    "source_id", "voice", "publisher", "metric", "group", "area", "place", "record_id", "as_of", "period_start",
    "period_end", "scope", "modality", "low", "best", "high", "text", "rule", "tolerance", "url", "title",
    "published_at", "retrieved_at", "snapshot_sha256", "locator", "quote", "attributed_to",
    "adapter", "adapter_version", "counts", "in_consensus",
]

#: Columns of `series()`, in order (see docs/reconciliation.md).
SERIES_COLUMNS = ["period", "period_start", "period_end", "as_of", "low", "best", "high", "envelope_low",
                  "envelope_high",
                  "n_sources", "disputed", "best_derived", "inconsistent", "low_from", "high_from", "sources"]

#: Columns of `disputes()`, in order.
DISPUTE_COLUMNS = ["first_date", "last_date", "source_a", "as_of_a", "low_a", "best_a", "high_a", "rule_a",
                   "quote_a", "url_a", "source_b", "as_of_b", "low_b", "best_b", "high_b", "rule_b", "quote_b",
                   "url_b", "gap", "said_a", "said_b"]

_LOAD = ["id", "record_key", "source_id", "publisher", "attributed_to", "adapter", "as_of", "period_start",
         "period_end", "scope", "modality", "low", "best", "high", "rule", "retrieved_at", "text", "published_at"]


@dataclass(frozen=True)
class QueryResult:
    """The answer to "how many, as of this date": a band, its sources, its disputes, the evidence.

    `high=None` means no upper bound is known. `best_derived` says the best figure was not stated
    by anyone but placed in the middle of the range (log scale).
    """

    metric: str
    area: str | None
    place: str | None
    group: str
    on: date
    as_known_on: date | datetime | str | None
    low: int | None
    best: int | None
    high: int | None
    best_derived: bool
    envelope_low: int | None
    envelope_high: int | None
    n_sources: int
    disputed: bool
    inconsistent: bool
    low_from: str | None
    high_from: str | None
    figures: list[Figure]
    disputes: list[tuple[Figure, Figure]]
    _evidence: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    _projected: Callable[[], pd.DataFrame] = field(repr=False, compare=False)

    @functools.cached_property
    def observations(self) -> pd.DataFrame:
        """The observations the counting figures rest on, with provenance (EVIDENCE_COLUMNS), read on
        first use: a running total of events rests on every event."""
        return self._evidence()

    @functools.cached_property
    def projections(self) -> pd.DataFrame:
        """Projections stated for this date or later and not yet stale: listed, never counted."""
        return self._projected()

    @property
    def as_of(self) -> date | None:
        """The latest date any counting figure is as of."""
        return max((f.as_of for f in self.figures), default=None)

    def __str__(self) -> str:
        where = " ".join(x for x in (self.area, self.place) if x)
        if self.low is None:
            return f"{self.metric} {where}: no figure as of {self.on}".replace("  ", " ")
        high = "no upper bound" if self.high is None else f"{self.high:,}"
        best = "-" if self.best is None else f"{self.best:,}" + (" (derived)" if self.best_derived else "")
        flag = ", DISPUTED" if self.disputed else ""
        return (f"{self.metric} {where} ({self.group}) as of {self.on}: low {self.low:,}, best {best}, high {high}; "
                f"{self.n_sources} source{'s' if self.n_sources != 1 else ''}{flag}")


def latest_vintages(found: Sequence[Observation]) -> list[Observation]:
    """Keep the latest retrieved version of each record (the portal revises past days)."""
    latest: dict[str, Observation] = {}
    for obs in found:
        key = obs.record_key()
        if key not in latest or obs.provenance.retrieved_at >= latest[key].provenance.retrieved_at:
            latest[key] = obs
    return list(latest.values())


def _day(value: date | datetime | str | None, name: str) -> date | None:
    if value is None or isinstance(value, date) and not isinstance(value, datetime):
        return value  # type: ignore[return-value]
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FiguresError(f"{name}={value!r} is not a date; give YYYY-MM-DD") from None


def _known_on(as_known_on: date | datetime | str | None) -> datetime | None:
    """The last instant that counts: a date means its whole day (UTC)."""
    if as_known_on is None:
        return None
    if isinstance(as_known_on, datetime):
        return utc(as_known_on)
    day = _day(as_known_on, "as_known_on")
    return datetime.combine(day, time.max, tzinfo=UTC) if day else None


def _store(db: str | Store | None) -> Store:
    return db if isinstance(db, Store) else open_store(db)


def _where(metric: str, area: str | None, place: str | None, group: str | None,
           known_on: datetime | None) -> list[Any]:
    t = observations_table.c
    clauses: list[Any] = [t.metric == metric]
    if area is not None:
        clauses.append(t.area == area.upper())
    if group is not None:
        clauses.append(t.group == group)
    if place is None:  # the whole area: its own figures, and every incident anywhere in it
        clauses.append(sa.or_(t.place.is_(None), t.scope == "incident"))
    else:
        clauses.append(sa.func.lower(t.place) == place.lower())
    if known_on is not None:
        clauses.append(t.retrieved_at <= known_on)
    return clauses


def _resolve(store: Store, metric: str, area: str | None, place: str | None, group: str | None,
             known_on: datetime | None) -> tuple[str | None, str]:
    """Fill in an area or group left out: the only one the reported figures have ('all' when there
    are several)."""
    if area is not None and group is not None:
        return area.upper(), group
    t = observations_table.c
    clauses = _where(metric, area, place, group, known_on)
    with store.engine.connect() as conn:  # what is reported decides; a projection alone does not
        pairs = conn.execute(sa.select(t.area, t.group).where(*clauses, t.modality == "reported").distinct()).all()
        if not pairs:
            pairs = conn.execute(sa.select(t.area, t.group).where(*clauses).distinct()).all()
    areas = sorted({a for a, _ in pairs})
    if area is None:
        if len(areas) > 1:
            raise FiguresError(f"{metric}{' in ' + place if place else ''} is known for several areas "
                               f"({', '.join(areas)}); pick one with area= / --area")
        area = areas[0] if areas else None
    if group is None:
        groups = sorted({g for a, g in pairs if area is None or a == area})
        group = "all" if "all" in groups or not groups else groups[0]
        if len(groups) > 1 and "all" not in groups:
            raise FiguresError(f"{metric} has figures for several groups ({', '.join(groups)}); "
                               "pick one with group= / --group")
    return area, group


_EPOCH = date(1970, 1, 1).toordinal()
_DATES = ("as_of", "period_start", "period_end")


#: A selection's rows as `_load` gives them: a numpy array per column of _LOAD ({} for none).
Loaded = dict[str, np.ndarray]


def _load(store: Store, metric: str, area: str | None, place: str | None, group: str,
          known_on: datetime | None, summed: bool = False) -> Loaded:
    """The latest vintage (as known on `known_on`) of every matching record, lean columns only;
    with `summed`, not the reported incidents: the running totals come from the daily sums.

    Dates come as day numbers (`schema.day_number`), ordinals (-1 for none); counts as floats
    (best NaN and high +inf where not stated); times as UTC datetime64.
    """
    t = observations_table.c
    raw = [day_number(t[c]) if c in _DATES else t[c] for c in _LOAD]
    base = sa.select(*raw).where(*_where(metric, area, place, group, known_on))
    # with `summed`, two ranges of ix_observations_selection: the stated figures, and every projection
    query = sa.union_all(base.where(t.modality == "reported", t.scope == "cumulative"),
                         base.where(t.modality == "projection")) if summed else base
    with store.engine.connect() as conn:
        rows = incidents.fetch(conn, query)
    if not rows:
        return {}
    columns = dict(zip(_LOAD, zip(*rows, strict=True), strict=True))
    out = {c: np.array(v, dtype=object) for c, v in columns.items() if c not in _DATES and c not in _NUMBERS}
    for c in _DATES:
        out[c] = _ordinals(columns[c])
    out["id"] = np.array(columns["id"], dtype=np.int64)
    out["low"] = np.array(columns["low"], dtype=float)
    out["best"] = np.array(columns["best"], dtype=float)  # None: NaN
    out["high"] = np.nan_to_num(np.array(columns["high"], dtype=float), nan=np.inf)
    out["retrieved_at"] = _moments(columns["retrieved_at"])
    published = columns["published_at"]
    out["published_at"] = (_ordinals(tuple(str(v)[:10] if v is not None else None for v in published))
                           if any(v is not None for v in published) else np.full(len(published), -1, dtype=np.int64))
    keys = out["record_key"]
    revised = np.flatnonzero(pd.Index(keys).duplicated(keep=False))
    if len(revised):  # keep each revised record's latest vintage (the last retrieved, then the last stored)
        ids, moments = out["id"], out["retrieved_at"]
        latest = {keys[i]: i for i in sorted(revised, key=lambda i: (moments[i], ids[i]))}
        keep = np.setdiff1d(np.arange(len(keys)), np.setdiff1d(revised, list(latest.values())))
        out = {c: v[keep] for c, v in out.items()}
    return out


#: Columns `_load` converts to numbers itself.
_NUMBERS = ("id", "low", "best", "high", "retrieved_at", "published_at")


def _moments(values: tuple[Any, ...]) -> np.ndarray:
    """Times as the database gives them (SQLite: UTC as ISO text; others: datetimes) as UTC datetime64[us]."""
    if all(isinstance(v, str) for v in values):
        return np.array(values, dtype="datetime64[us]")
    return pd.to_datetime(pd.Series(values), utc=True).dt.tz_localize(None).to_numpy().astype("datetime64[us]")


def _ordinals(values: tuple[Any, ...]) -> np.ndarray:
    """Dates (day numbers from `day_number`, ISO text or date objects; None for none) as proleptic
    ordinals, -1 for none."""
    if isinstance(next((v for v in values if v is not None), 0), int):
        return np.nan_to_num(np.array(values, dtype=float), nan=-1).astype(np.int64)  # None: NaN
    days = np.array(values, dtype="datetime64[D]")
    return np.where(np.isnat(days), -1, days.astype(np.int64) + _EPOCH)


#: Columns of the reconciler's input as `_prepare` gives it.
_ROWS = ["id", "source_id", "scope", "modality", "as_of", "period_start", "period_end", "low", "best", "high",
         "rule", "retrieved_at", "voice", "direct", "prose", "rank", "stale_days", "tolerance", "known"]


def _prepare(loaded: Loaded, options: Options) -> pd.DataFrame:
    """The reconciler's input (_ROWS): the loaded columns with voices, ranks and staleness per row."""
    if not loaded:
        return pd.DataFrame(columns=_ROWS)
    named: dict[tuple[Any, ...], tuple[str, bool]] = {}  # per publisher, attribution, source and scope
    voice, direct = [], []
    for combo in zip(*(loaded[c] for c in ("publisher", "attributed_to", "source_id", "scope")), strict=True):
        found = named.get(combo)
        if found is None:
            publisher, attributed, source_id, scope = combo
            who = voice_of(publisher, attributed, source_id, scope)
            found = named[combo] = (who, not isinstance(attributed, str)
                                    or voice_of(publisher, None, source_id) == who)
        voice.append(found[0])
        direct.append(found[1])
    sources = loaded["source_id"]
    ranks = {s: (options.rank(s), options.stale_days(s)) for s in set(sources)}
    said = loaded["as_of"].astype(np.int64)
    return pd.DataFrame({
        **{c: loaded[c] for c in _ROWS[:12]},
        "voice": np.array(voice, dtype=object), "direct": np.array(direct, dtype=bool),
        "prose": np.array([a in PROSE_ADAPTERS for a in loaded["adapter"]], dtype=bool),
        "rank": np.array([ranks[s][0] for s in sources], dtype=np.int64),
        "stale_days": np.array([ranks[s][1] for s in sources], dtype=np.int64),
        "tolerance": np.array([tolerance(t, r, None if np.isnan(b) else int(b))
                               for t, r, b in zip(loaded["text"], loaded["rule"], loaded["best"], strict=True)],
                              dtype=float),
        "known": np.maximum(loaded["published_at"], said),  # published that day, or when unsaid on its own date
    })


def _days(store: Store, metric: str, area: str, group: str, known_on: datetime | None,
          options: Options) -> pd.DataFrame:
    """The store's daily sums of the selection's incidents (reconcile.DAY_COLUMNS), as known on
    `known_on`, with each source's voice, rank and staleness."""
    with store.engine.connect() as conn:
        found = incidents.daily(conn, metric, area, group, known_on)
    if not found:
        return pd.DataFrame(columns=DAY_COLUMNS)
    source, publisher, attributed, start, end, *sums = zip(*found, strict=True)
    named: dict[tuple[Any, ...], str] = {}
    voices = []
    for combo in zip(source, publisher, attributed, strict=True):
        voice = named.get(combo)
        if voice is None:
            voice = named[combo] = voice_of(combo[1], combo[2], combo[0], "incident")
        voices.append(voice)
    ranks = {s: (options.rank(s), options.stale_days(s)) for s in set(source)}
    return pd.DataFrame({
        "voice": np.array(voices, dtype=object), "source_id": np.array(source, dtype=object),
        "rank": np.array([ranks[s][0] for s in source], dtype=np.int64),
        "stale_days": np.array([ranks[s][1] for s in source], dtype=np.int64),
        "period_start": _ordinals(start), "period_end": _ordinals(end),
        **{c: np.array(v, dtype=np.int64) for c, v in
           zip(("low", "best", "high", "no_best", "no_high", "records"), sums, strict=True)},
    })


class _Events(Sequence[int]):
    """The ids of the events behind a running total of daily sums, read from the store when first used."""

    def __init__(self, read: Callable[[], list[int]]) -> None:
        self._read = read
        self._ids: list[int] | None = None

    def _all(self) -> list[int]:
        if self._ids is None:
            self._ids = self._read()
        return self._ids

    def __len__(self) -> int:
        return len(self._all())

    def __getitem__(self, i: Any) -> Any:
        return self._all()[i]

    def __iter__(self) -> Iterator[int]:
        return iter(self._all())


def _event_reader(store: Store, metric: str, area: str, group: str, known_on: datetime | None,
                  count_from: date | None) -> Callable[[str, str, int], Sequence[int]]:
    """What a running total of daily sums rests on: the latest vintage of each of the source's
    incidents that the total counts by a day, as the events' ids in order of their end dates.

    A source's events are read once, when first asked for, and shared by all its totals.
    """
    read: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}

    def events(voice: str, source_id: str) -> tuple[np.ndarray, np.ndarray]:
        t = observations_table.c
        clauses = [t.metric == metric, t.area == area, t.group == group, t.source_id == source_id,
                   t.scope == "incident", t.modality == "reported"]
        if known_on is not None:
            clauses.append(t.retrieved_at <= known_on)
        if count_from is not None:
            clauses.append(t.period_start >= count_from)
        query = sa.select(t.id, t.record_key, t.retrieved_at, day_number(t.period_end), t.publisher,
                          t.attributed_to, t.adapter).where(*clauses)
        with store.engine.connect() as conn:
            found = pd.DataFrame(incidents.fetch(conn, query),
                                 columns=["id", "record_key", "retrieved_at", "period_end", "publisher",
                                          "attributed_to", "adapter"])
        found["retrieved_at"] = pd.to_datetime(found["retrieved_at"], utc=True, format="ISO8601")
        latest = found.sort_values(["retrieved_at", "id"], kind="mergesort").drop_duplicates("record_key", keep="last")
        latest = latest[~latest["adapter"].isin(PROSE_ADAPTERS)]
        same = [voice_of(p, a, source_id, "incident") == voice
                for p, a in zip(latest["publisher"], latest["attributed_to"], strict=True)]
        ordered = latest[same].assign(period_end=_ordinals(tuple(latest[same]["period_end"])))
        ordered = ordered.sort_values(["period_end", "id"], kind="mergesort")
        return ordered["period_end"].to_numpy(dtype=np.int64), ordered["id"].to_numpy(dtype=np.int64)

    def upto(voice: str, source_id: str, until: int) -> list[int]:
        if (voice, source_id) not in read:
            read[voice, source_id] = events(voice, source_id)
        ends, ids = read[voice, source_id]
        return [int(i) for i in ids[:np.searchsorted(ends, until, side="right")]]

    return lambda voice, source_id, until: _Events(lambda: upto(voice, source_id, until))


def options_for(area: str | None, *, metric: str | None = None, stale_after: timedelta | None = None,
                count_from: date | str | None = None, source_order: Sequence[str] | None = None,
                sources: str | Path | None = None, hindsight: bool = True) -> Options:
    """The reconciler's options: explicit arguments first, then sources.yaml, then the defaults."""
    config = _configured(sources)
    order = list(source_order) if source_order is not None else config["order"]
    start = _day(count_from, "count_from") if count_from is not None else config["count_from"].get(area or "")
    stale = stale_after if stale_after is not None else timedelta(days=config["stale_after_days"])
    return Options(stale_after=stale, count_from=start, source_order=order, stale_by_source=config["stale"],
                   monotone=metric in config["monotone"] if metric else True, hindsight=hindsight)


def _configured(sources: str | Path | None = None) -> dict[str, Any]:
    """What sources.yaml says about reconciliation; read again only when the file changes."""
    path = Path(sources) if sources else _sources_path(os.environ.get("FIGURES_SOURCES"), os.getcwd(),
                                                         _stamp(Path(".env")), _stamp(Path("sources.yaml")))
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = -1
    return _configured_from(str(path), stamp)


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


@functools.lru_cache(maxsize=8)
def _sources_path(variable: str | None, cwd: str, dotenv: int, local: int) -> Path:
    """`config.resolve_sources_path`, worked out again only when what it reads changes: the
    variable, the working directory, its .env and sources.yaml (reading the settings took 2 ms)."""
    from .config import resolve_sources_path

    return resolve_sources_path()


@functools.lru_cache(maxsize=8)
def _configured_from(path: str, stamp: int) -> dict[str, Any]:
    from .config import load_sources
    from .errors import ConfigError

    try:
        parsed = load_sources(path)
    except ConfigError:
        return {"order": [], "count_from": {}, "stale_after_days": STALE_AFTER.days, "stale": {},
                "monotone": ("killed", "injured", "casualties"), "titles": {}}
    stale = {s.id: s.stale_after_days if s.stale_after_days is not None else CADENCE_DAYS.get(s.cadence, 0)
             for s in parsed.sources}
    return {"order": [s.id for s in parsed.sources], "count_from": dict(parsed.reconcile.count_from),
            "stale_after_days": parsed.reconcile.stale_after_days, "stale": stale,
            "monotone": tuple(parsed.reconcile.monotone), "titles": {s.id: s.title for s in parsed.sources}}


def _evidence(store: Store, ids: Sequence[int], band: Band | None, voices: dict[int, str]) -> pd.DataFrame:
    """Full provenance rows for the given observation ids, in EVIDENCE_COLUMNS order."""
    rows: list[dict[str, Any]] = []
    t = observations_table.c
    wanted = sorted(set(ids))
    counting = {int(i) for f in (band.figures if band else []) for i in f.evidence_ids}
    agreeing = {int(i) for f in (band.figures if band else []) if f.in_consensus for i in f.evidence_ids}
    columns = [c for c in EVIDENCE_COLUMNS if c not in ("voice", "counts", "in_consensus", "tolerance")]
    with store.engine.connect() as conn:
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            for r in conn.execute(sa.select(t.id, *[t[c] for c in columns]).where(t.id.in_(chunk)).order_by(t.id)):
                d = dict(r._mapping)
                oid = d.pop("id")
                d.update(voice=voices.get(oid), counts=oid in counting, in_consensus=oid in agreeing,
                         tolerance=tolerance(d["text"], d["rule"], None if d["best"] is None else int(d["best"])))
                rows.append(d)
    frame = typed_frame(pd.DataFrame(rows, columns=EVIDENCE_COLUMNS))
    for column in ("counts", "in_consensus"):
        frame[column] = frame[column].astype(bool)
    frame["tolerance"] = frame["tolerance"].astype("int64")
    for column in ("source_id", "voice", "publisher", "metric", "group", "area", "scope", "modality", "text",
                   "rule", "url", "snapshot_sha256", "locator", "quote", "adapter", "adapter_version"):
        frame[column] = frame[column].astype(str)
    return frame


def query(
    metric: str,
    *,
    area: str | None = None,
    place: str | None = None,
    group: str | None = None,
    on: date | str | None = None,
    as_known_on: date | datetime | str | None = None,
    db: str | Store | None = None,
    stale_after: timedelta | None = None,
    count_from: date | str | None = None,
    source_order: Sequence[str] | None = None,
    sources: str | Path | None = None,
    hindsight: bool = True,
) -> QueryResult:
    """The consensus for `metric` as of `on` (default today): `query("killed", area="UKR", group="civilians")`.

    `place=None` means the whole area (its own figures and every incident in it), not each place.
    `as_known_on` uses only what had been retrieved by then. `area` and `group` left out are
    filled in when the data has only one ('all' when there are several groups). With
    `hindsight=False` no later figure bounds an earlier date (the band as the figures stood then).
    """
    day = _day(on, "on") or date.today()
    sel = _select(metric, area, place, group, as_known_on, db, stale_after, count_from, source_order, sources,
                  hindsight)
    store, area, group, rows, result = sel.store, sel.area, sel.group, sel.rows, sel.result
    band = result.band_on(day) if result is not None else None
    def ids() -> list[int]:
        return [int(i) for f in (band.figures if band else []) for i in f.evidence_ids]

    def voices() -> dict[int, str]:
        if result is None:
            return {}
        named = dict(zip(rows["id"].tolist(), rows["voice"], strict=True))
        named.update((int(i), f.voice) for f in (band.figures if band else []) for i in f.evidence_ids)
        return named
    return QueryResult(
        metric=metric, area=area, place=place, group=group, on=day, as_known_on=as_known_on,
        low=band.low if band else None, best=band.best if band else None, high=band.high if band else None,
        best_derived=band.best_derived if band else False,
        envelope_low=band.envelope_low if band else None, envelope_high=band.envelope_high if band else None,
        n_sources=band.n_sources if band else 0, disputed=band.disputed if band else False,
        inconsistent=band.inconsistent if band else False, low_from=band.low_from if band else None,
        high_from=band.high_from if band else None, figures=band.figures if band else [],
        disputes=band.disputes if band else [],
        _evidence=lambda: _evidence(store, ids(), band, voices()),
        _projected=lambda: _projections(store, rows, day, voices()),
    )


@dataclass(frozen=True)
class _Selection:
    """A selection resolved and reconciled: the store, the area and group filled in, the rows read."""

    store: Store
    area: str | None
    group: str
    rows: pd.DataFrame
    result: Reconciled | None
    span: tuple[int, int] | None  # the first and last day a reported figure is about (ordinals)


def _select(metric: str, area: str | None, place: str | None, group: str | None,
            as_known_on: date | datetime | str | None, db: str | Store | None, stale_after: timedelta | None,
            count_from: date | str | None, source_order: Sequence[str] | None,
            sources: str | Path | None, hindsight: bool = True) -> _Selection:
    """What query, series and disputes share: open the store, fill in area and group, reconcile."""
    store = _store(db)
    known = _known_on(as_known_on)
    area, group = _resolve(store, metric, area, place, group, known)
    options = options_for(area, metric=metric, stale_after=stale_after, count_from=count_from,
                          source_order=source_order, sources=sources, hindsight=hindsight)
    rows, result, span = _reconciled(store, metric, area, place, group, known, options)
    return _Selection(store, area, group, rows, result, span)


#: Reconciled selections, by store, its last observation id, the selection and the options.
_CACHE: OrderedDict[tuple[Any, ...], Reconciling] = OrderedDict()
_CACHE_SIZE = 32


def clear_cache() -> None:
    """Forget every reconciled selection (they are also forgotten when the store grows)."""
    _CACHE.clear()


def _span(rows: pd.DataFrame, days: pd.DataFrame | None) -> tuple[int, int] | None:
    """The first and last day (ordinals) a reported figure or a summed incident is about."""
    reported = rows[rows["modality"] == "reported"]
    dates = [np.where(reported["scope"] == "incident", reported["period_end"], reported["as_of"])]
    if days is not None:
        dates.append(days["period_end"].to_numpy())
    every = np.concatenate([d.astype(np.int64) for d in dates])
    return (int(every.min()), int(every.max())) if len(every) else None


Reconciling = tuple[pd.DataFrame, Reconciled | None, tuple[int, int] | None]


def _reconciled(store: Store, metric: str, area: str | None, place: str | None, group: str,
                known: datetime | None, options: Options) -> Reconciling:
    """The selection's rows (without the summed incidents), its bands at every change point and the
    span of its reported dates, cached until the store changes.

    The store is append-only, so its highest observation id says whether anything was added.
    """
    with store.engine.connect() as conn:
        last = conn.execute(sa.select(sa.func.max(observations_table.c.id))).scalar()
    key = (store.url, last, metric, area, place, group, known, options.stale_after, options.count_from,
           tuple(options.source_order), tuple(sorted(options.stale_by_source.items())), options.monotone, options.hindsight, options.growth)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    summed = place is None and area is not None  # a place's own events are few: read them
    rows = _prepare(_load(store, metric, area, place, group, known, summed), options)
    days = _days(store, metric, area, group, known, options) if summed and area is not None else None
    if rows.empty and (days is None or days.empty):
        found: Reconciling = (rows, None, None)
    else:
        evidence = _event_reader(store, metric, area, group, known, options.count_from) if area else None
        found = (rows, reconcile_all(rows, options, days, evidence), _span(rows, days))
    _CACHE[key] = found
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return found


def _projections(store: Store, rows: pd.DataFrame, day: date, voices: dict[int, str]) -> pd.DataFrame:
    """Projections stated by `day` about `day` or later (or not yet stale): listed, never counted."""
    if rows.empty:
        return _evidence(store, [], None, voices)
    ordinal = day.toordinal()
    keep = rows[(rows["modality"] != "reported") & (rows["as_of"] + rows["stale_days"] >= ordinal)]
    return _evidence(store, keep["id"].tolist(), None, voices)


def _periods(freq: str, first: date, last: date) -> list[tuple[str, date, date]]:
    """(label, start, end) of every period from the one holding `first` to the one holding `last`."""
    out = []
    if freq == "W":
        monday = first - timedelta(days=first.weekday())
        while monday <= last:
            iso = monday.isocalendar()
            out.append((f"{iso.year}-W{iso.week:02d}", monday, monday + timedelta(days=6)))
            monday += timedelta(days=7)
    elif freq == "D":
        day = first
        while day <= last:
            out.append((day.isoformat(), day, day))
            day += timedelta(days=1)
    elif freq in ("M", "ME"):
        start = first.replace(day=1)
        while start <= last:
            nxt = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
            out.append((f"{start:%Y-%m}", start, nxt - timedelta(days=1)))
            start = nxt
    else:
        raise FiguresError(f"freq={freq!r}: give 'W' (ISO weeks, the default), 'D' (days) or 'M' (months)")
    return out


def series(
    metric: str,
    *,
    area: str | None = None,
    place: str | None = None,
    group: str | None = None,
    freq: str = "W",
    start: date | str | None = None,
    end: date | str | None = None,
    as_known_on: date | datetime | str | None = None,
    db: str | Store | None = None,
    stale_after: timedelta | None = None,
    count_from: date | str | None = None,
    source_order: Sequence[str] | None = None,
    sources: str | Path | None = None,
    hindsight: bool = True,
) -> pd.DataFrame:
    """The consensus band per period (ISO weeks by default, each as of its last day, never past
    `end`), one row per period in which at least one source counts. Columns: SERIES_COLUMNS.
    `hindsight=False`: each period as the figures stood then, no later figure capping it."""
    first, last = _day(start, "start"), _day(end, "end")
    if freq not in ("W", "D", "M", "ME"):
        raise FiguresError(f"freq={freq!r}: give 'W' (ISO weeks, the default), 'D' (days) or 'M' (months)")
    sel = _select(metric, area, place, group, as_known_on, db, stale_after, count_from, source_order, sources,
                  hindsight)
    result = sel.result
    if result is None or sel.span is None:
        return _series_frame(pd.DataFrame(columns=SERIES_COLUMNS))
    first = first or date.fromordinal(sel.span[0])
    last = last or date.fromordinal(sel.span[1])
    periods = _periods(freq, first, last)
    out = result.frame([min(e, last) for _, _, e in periods]).assign(
        period=[p[0] for p in periods], period_start=[p[1] for p in periods], period_end=[p[2] for p in periods])
    out = out[out["n_sources"] > 0].reset_index(drop=True)
    return _series_frame(out[SERIES_COLUMNS])


def _series_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The documented dtypes, empty or not."""
    out = frame.copy()
    for column in ("low", "best", "high", "envelope_low", "envelope_high"):
        values = pd.to_numeric(out[column], errors="coerce").astype(float)
        out[column] = values.where(np.isfinite(values)).round().astype("Int64")
    for column in ("period_start", "period_end", "as_of"):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[us]")
    out["n_sources"] = out["n_sources"].astype("int64")
    for column in ("disputed", "best_derived", "inconsistent"):
        out[column] = out[column].astype(bool)
    for column in ("period", "low_from", "high_from", "sources"):
        out[column] = out[column].fillna("").astype(str)
    return out


#: Columns of `steps()`: the band from `date` until the next row's date.
STEP_COLUMNS = ["date", "as_of", "low", "best", "high", "envelope_low", "envelope_high", "n_sources", "disputed",
                "best_derived", "inconsistent", "low_from", "high_from", "sources", "published"]


def steps(
    metric: str,
    *,
    area: str | None = None,
    place: str | None = None,
    group: str | None = None,
    start: date | str | None = None,
    end: date | str | None = None,
    as_known_on: date | datetime | str | None = None,
    db: str | Store | None = None,
    stale_after: timedelta | None = None,
    count_from: date | str | None = None,
    source_order: Sequence[str] | None = None,
    sources: str | Path | None = None,
    hindsight: bool = False,
) -> pd.DataFrame:
    """The consensus band at every date it changes, from `start` to `end`: each row holds from its
    `date` until the next row's. A row with `n_sources` 0 is a gap (nothing counts). `published` is
    the day the latest figure it rests on was published. By default as the figures stood on each
    date (`hindsight=False`): what a chart draws. Columns: STEP_COLUMNS."""
    first, last = _day(start, "start"), _day(end, "end")
    sel = _select(metric, area, place, group, as_known_on, db, stale_after, count_from, source_order, sources,
                  hindsight)
    result = sel.result
    if result is None or sel.span is None:
        return _steps_frame(pd.DataFrame(columns=STEP_COLUMNS))
    dates = result.dates
    keep = np.ones(len(dates), dtype=bool)
    if last is not None:
        keep &= dates <= last.toordinal()
    if first is not None:  # the band holding on `start`, then every change after it
        at = max(result.locate(first), 0)
        keep &= np.arange(len(dates)) >= at
    out = result.frame().loc[keep].reset_index(drop=True)
    if first is not None and len(out) and out["date"].iloc[0] < first:
        out.loc[0, "date"] = first
    while len(out) and out["n_sources"].iloc[0] == 0:  # from the first date something counts
        out = out.iloc[1:].reset_index(drop=True)
    return _steps_frame(out[STEP_COLUMNS])


def _steps_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("low", "best", "high", "envelope_low", "envelope_high"):
        values = pd.to_numeric(out[column], errors="coerce").astype(float)
        out[column] = values.where(np.isfinite(values)).round().astype("Int64")
    for column in ("date", "as_of", "published"):
        out[column] = pd.to_datetime(out[column]).astype("datetime64[us]")
    out["n_sources"] = out["n_sources"].astype("int64")
    for column in ("disputed", "best_derived", "inconsistent"):
        out[column] = out[column].astype(bool)
    for column in ("low_from", "high_from", "sources"):
        out[column] = out[column].fillna("").astype(str)
    return out


def disputes(
    metric: str,
    *,
    area: str | None = None,
    place: str | None = None,
    group: str | None = None,
    on: date | str | None = None,
    as_known_on: date | datetime | str | None = None,
    db: str | Store | None = None,
    stale_after: timedelta | None = None,
    count_from: date | str | None = None,
    source_order: Sequence[str] | None = None,
    sources: str | Path | None = None,
    hindsight: bool = True,
) -> pd.DataFrame:
    """Every pair of figures whose ranges do not overlap while both count (on `on`, or on any date),
    with both quotes: one row per pair, the lower range first. Columns: DISPUTE_COLUMNS."""
    sel = _select(metric, area, place, group, as_known_on, db, stale_after, count_from, source_order, sources,
                  hindsight)
    store, result = sel.store, sel.result
    if result is None:
        return _dispute_frame([])
    day = _day(on, "on")
    bands: list[tuple[Band, date | None]]
    if day is not None:
        bands = [(result.band_on(day), day)]
    else:  # a band holds from its change point to the day before the next one
        dates = result.dates
        bands = [(result.band(i), date.fromordinal(int(dates[i + 1]) - 1) if i + 1 < len(dates) else None)
                 for i in range(len(dates))]
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for band, until in bands:
        for a, b in band.disputes:
            key = (a.label + str((a.low, a.high)), b.label + str((b.low, b.high)))
            found = pairs.setdefault(key, {"first_date": band.on, "a": a, "b": b})
            found["last_date"] = until or band.on
    quotes = _quotes(store, [int(f.evidence_ids[-1]) for p in pairs.values() for f in (p["a"], p["b"])])
    titles = _configured(sources)["titles"]
    out = []
    for p in pairs.values():
        a, b = p["a"], p["b"]
        row: dict[str, Any] = {"first_date": p["first_date"], "last_date": p["last_date"]}
        for side, f in (("a", a), ("b", b)):
            quote, url, sid, publisher = quotes.get(int(f.evidence_ids[-1]), ("", "", "", ""))
            row.update({f"source_{side}": f.voice, f"as_of_{side}": f.as_of, f"low_{side}": f.low,
                        f"best_{side}": f.best, f"high_{side}": f.high, f"rule_{side}": f.rule,
                        f"quote_{side}": quote, f"url_{side}": url,
                        f"said_{side}": in_words(quote, publisher=publisher or f.voice, title=titles.get(sid),
                                                 metric=metric, group=group, low=f.low, best=f.best, high=f.high,
                                                 as_of=f.as_of)})
        row["gap"] = b.low - (a.high or 0)
        out.append(row)
    return _dispute_frame(sorted(out, key=lambda r: (r["first_date"], r["source_a"], r["source_b"])))


def _quotes(store: Store, ids: Sequence[int]) -> dict[int, tuple[str, str, str, str]]:
    """Observation id -> (quote, url, source id, publisher)."""
    t = observations_table.c
    out: dict[int, tuple[str, str, str, str]] = {}
    wanted = sorted(set(ids))
    with store.engine.connect() as conn:
        for i in range(0, len(wanted), 500):
            for r in conn.execute(sa.select(t.id, t.quote, t.url, t.source_id, t.publisher)
                                  .where(t.id.in_(wanted[i:i + 500]))):
                out[r.id] = (r.quote, r.url, r.source_id, r.publisher)
    return out


def _dispute_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=DISPUTE_COLUMNS)
    for column in ("first_date", "last_date", "as_of_a", "as_of_b"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[us]")
    for column in ("low_a", "best_a", "high_a", "low_b", "best_b", "high_b", "gap"):
        frame[column] = frame[column].astype("Int64")
    for column in ("source_a", "rule_a", "quote_a", "url_a", "source_b", "rule_b", "quote_b", "url_b", "said_a",
                   "said_b"):
        frame[column] = frame[column].astype(str)
    return frame


def typed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give an observation frame its documented dtypes (Int64 counts, datetime64 dates, UTC times)."""
    out = frame.copy()
    for column in ("low", "best", "high"):
        if column in out:
            out[column] = out[column].astype("Int64")
    for column in ("as_of", "period_start", "period_end"):
        if column in out:
            out[column] = pd.to_datetime(out[column]).astype("datetime64[us]")
    for column in ("published_at", "retrieved_at", "stored_at"):
        if column in out:
            out[column] = pd.to_datetime(out[column], utc=True).astype("datetime64[us, UTC]")
    return out


def observations(
    metric: str | Store | None = None,
    *,
    area: str | None = None,
    place: str | None = None,
    group: str | None = None,
    source_id: str | None = None,
    as_known_on: date | datetime | str | None = None,
    db: str | Store | None = None,
) -> pd.DataFrame:
    """Every stored observation matching the filters, tidy, with provenance (a new frame each call).

    Unlike `query`, nothing is left out: every vintage, projection and place is a row.
    `observations(store)` also works: a Store in the first place is the store to read.
    """
    if isinstance(metric, Store):
        metric, db = None, metric
    [frame] = observation_chunks(metric, area=area, place=place, group=group, source_id=source_id,
                                 as_known_on=as_known_on, db=db, size=None)  # one frame; the connection closes
    return frame


#: Rows per frame of `observation_chunks`: an export of ten million rows never holds them all.
EXPORT_CHUNK = 10_000


def observation_chunks(
    metric: str | None = None,
    *,
    area: str | None = None,
    place: str | None = None,
    group: str | None = None,
    source_id: str | None = None,
    as_known_on: date | datetime | str | None = None,
    db: str | Store | None = None,
    size: int | None = EXPORT_CHUNK,
) -> Iterator[pd.DataFrame]:
    """`observations` a frame of at most `size` rows at a time (all in one with None), in id order,
    read from the database as they are written out: memory follows `size`, not the store. At least
    one frame comes, empty when nothing matches."""
    store = _store(db)
    t = observations_table.c
    query = sa.select(*[t[c] for c in OBSERVATION_COLUMNS]).order_by(t.id)
    for column, value in (("metric", metric), ("area", area.upper() if area else None), ("group", group),
                          ("source_id", source_id)):
        if value is not None:
            query = query.where(t[column] == value)
    if place is not None:
        query = query.where(sa.func.lower(t.place) == place.lower())
    known = _known_on(as_known_on)
    if known is not None:
        query = query.where(t.retrieved_at <= known)
    with store.engine.connect() as conn:
        if size is None:
            yield typed_frame(pd.DataFrame(conn.execute(query).all(), columns=OBSERVATION_COLUMNS))
            return
        result = conn.execution_options(yield_per=size).execute(query)
        empty = True
        for part in result.partitions():
            empty = False  # plain tuples: pandas looks for named fields on each SQLAlchemy row
            yield typed_frame(pd.DataFrame(list(map(tuple, part)), columns=OBSERVATION_COLUMNS))
        if empty:
            yield typed_frame(pd.DataFrame([], columns=OBSERVATION_COLUMNS))


#: HXL hashtags of the export columns (the value columns take the metric's tag, see `hxl_row`).
HXL_COLUMNS = {
    "id": "#meta+id", "source_id": "#meta+source", "metric": "#indicator+code", "group": "#indicator+group",
    "area": "#country+code", "place": "#loc+name", "record_id": "#meta+record", "as_of": "#date",
    "period_start": "#date+start", "period_end": "#date+end", "scope": "#indicator+scope",
    "modality": "#indicator+modality", "text": "#description+figure", "rule": "#meta+rule",
    "publisher": "#org+name", "url": "#meta+url", "title": "#meta+title", "published_at": "#date+published",
    "retrieved_at": "#date+retrieved", "snapshot_sha256": "#meta+sha256", "locator": "#meta+locator",
    "quote": "#description+quote", "attributed_to": "#org+attributed", "adapter": "#meta+adapter",
    "adapter_version": "#meta+adapter+version", "stored_at": "#date+stored",
}


def hxl_row(columns: Sequence[str], metrics: Sequence[str]) -> dict[str, str]:
    """The HXL hashtag of each column. With one metric the counts carry its tag
    (`#affected+killed+min`, `#affected+killed`, `#affected+killed+max`); with several, `#affected+num`."""
    base = HXL_TAGS[metrics[0]] if len(set(metrics)) == 1 else "#affected+num"
    values = {"low": f"{base}+min", "best": base, "high": f"{base}+max"}
    return {c: values.get(c) or HXL_COLUMNS.get(c, "") for c in columns}
