"""Ranges and DataFrames for users: the figure as of a date, and every observation, tidy.

Until reconciliation lands, `query` answers with the best-ranked source that has a figure for
the date (sources.yaml order), and reports the envelope of every source beside it.
Incident-scope observations (daily flows) are summed into a running total per source; the
total is derived at query time and never stored, so it cannot be counted twice.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pandas as pd

from .models import Observation, utc
from .store import OBSERVATION_COLUMNS, Store, open_store

#: A cumulative figure older than this no longer answers for a later date.
STALE_AFTER = timedelta(days=14)

#: Columns of `QueryResult.observations`, in order.
EVIDENCE_COLUMNS = [
    "source_id", "publisher", "metric", "group", "area", "place", "record_id", "as_of", "period_start",
    "period_end", "scope", "modality", "low", "best", "high", "text", "rule", "url", "title",
    "published_at", "retrieved_at", "snapshot_sha256", "locator", "quote", "attributed_to",
    "adapter", "adapter_version",
]


@dataclass(frozen=True)
class SourceFigure:
    """One source's figure for a date: a stated cumulative value or a running total of incidents."""

    source_id: str
    publisher: str
    as_of: date
    low: int
    best: int | None
    high: int | None
    rule: str
    evidence: list[Observation] = field(repr=False)


@dataclass(frozen=True)
class QueryResult:
    """The answer to "how many, as of this date": a range, its sources, and the evidence."""

    metric: str
    area: str | None
    place: str | None
    group: str
    on: date
    low: int | None
    best: int | None
    high: int | None
    envelope_low: int | None
    envelope_high: int | None
    n_sources: int
    disputed: bool
    source_id: str | None
    rule: str | None
    as_of: date | None
    figures: list[SourceFigure]
    observations: pd.DataFrame

    def __str__(self) -> str:
        if self.low is None:
            return f"{self.metric}: no figure as of {self.on}"
        high = "no upper bound" if self.high is None else f"{self.high:,}"
        best = "-" if self.best is None else f"{self.best:,}"
        return (f"{self.metric} {self.area or ''} as of {self.on}: low {self.low:,}, best {best}, "
                f"high {high} ({self.source_id}, {self.rule}, as of {self.as_of})")


def latest_vintages(found: Sequence[Observation]) -> list[Observation]:
    """Keep the latest retrieved version of each record (the portal revises past days)."""
    latest: dict[str, Observation] = {}
    for obs in found:
        key = obs.record_key()
        if key not in latest or obs.provenance.retrieved_at >= latest[key].provenance.retrieved_at:
            latest[key] = obs
    return list(latest.values())


def source_figure(found: Sequence[Observation], on: date, stale_after: timedelta = STALE_AFTER) -> SourceFigure | None:
    """One source's figure as of `on`, from its reported observations (latest vintages only)."""
    reported = [o for o in found if o.modality == "reported"]
    incidents = sorted((o for o in reported if o.scope == "incident" and o.period_end and o.period_end <= on),
                       key=lambda o: o.period_end or o.as_of)
    stocks = [o for o in reported if o.scope == "cumulative" and o.as_of <= on and on - o.as_of <= stale_after]
    if stocks:
        last = max(stocks, key=lambda o: (o.as_of, o.provenance.retrieved_at))
        e = last.estimate
        return SourceFigure(last.provenance.source_id, last.provenance.publisher, last.as_of,
                            e.low, e.best, e.high, e.rule, [last])
    if incidents and on - (incidents[-1].period_end or on) <= stale_after:
        low = sum(o.estimate.low for o in incidents)
        best = None if any(o.estimate.best is None for o in incidents) else sum(o.estimate.best or 0 for o in incidents)
        high = None if any(o.estimate.high is None for o in incidents) else sum(o.estimate.high or 0 for o in incidents)
        first, last = incidents[0], incidents[-1]
        return SourceFigure(first.provenance.source_id, first.provenance.publisher,
                            last.period_end or last.as_of, low, best, high,
                            f"sum-of-incidents:{len(incidents)}", incidents)
    return None


def _known_on(as_known_on: date | datetime | None) -> datetime | None:
    if as_known_on is None:
        return None
    if isinstance(as_known_on, datetime):
        return utc(as_known_on)  # the store compares UTC wall-clock times
    return datetime.combine(as_known_on, time.max, tzinfo=UTC)


def _evidence_frame(found: Sequence[Observation]) -> pd.DataFrame:
    rows = []
    for o in found:
        e, p = o.estimate, o.provenance
        rows.append({
            "source_id": p.source_id, "publisher": p.publisher, "metric": o.metric, "group": o.group,
            "area": o.area, "place": o.place, "record_id": o.record_id, "as_of": o.as_of,
            "period_start": o.period_start,
            "period_end": o.period_end, "scope": o.scope, "modality": o.modality, "low": e.low,
            "best": e.best, "high": e.high, "text": e.text, "rule": e.rule, "url": p.url,
            "title": p.title, "published_at": p.published_at, "retrieved_at": p.retrieved_at,
            "snapshot_sha256": p.snapshot_sha256, "locator": p.locator, "quote": p.quote,
            "attributed_to": p.attributed_to, "adapter": p.adapter, "adapter_version": p.adapter_version,
        })
    return typed_frame(pd.DataFrame(rows, columns=EVIDENCE_COLUMNS))


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


def _rank(source_order: Sequence[str] | None, source_id: str) -> tuple[int, str]:
    order = list(source_order or [])
    return (order.index(source_id) if source_id in order else len(order), source_id)


def _load(store: Store, metric: str, area: str | None, place: str | None, group: str,
          as_known_on: date | datetime | None) -> dict[str, list[Observation]]:
    """The latest vintage of every matching record, by source."""
    found = store.select(metric=metric, area=area, place=place, group=group, known_on=_known_on(as_known_on))
    by_source: dict[str, list[Observation]] = {}
    for o in latest_vintages(found):
        by_source.setdefault(o.provenance.source_id, []).append(o)
    return by_source


def _figures(by_source: dict[str, list[Observation]], day: date, source_order: Sequence[str]) -> list[SourceFigure]:
    """Each source's figure for `day`, best-ranked first."""
    found = [f for f in (source_figure(obs, day) for obs in by_source.values()) if f is not None]
    return sorted(found, key=lambda f: _rank(source_order, f.source_id))


def _summary(figures: Sequence[SourceFigure]) -> dict[str, Any]:
    """The answer's numbers: the top-ranked figure, the envelope of all, and whether any pair conflicts."""
    top = figures[0] if figures else None
    disputed = any(
        (a.high is not None and a.high < b.low) or (b.high is not None and b.high < a.low)
        for i, a in enumerate(figures) for b in figures[i + 1:]
    )
    return {
        "low": top.low if top else None, "best": top.best if top else None, "high": top.high if top else None,
        "envelope_low": min((f.low for f in figures), default=None), "envelope_high": _envelope_high(figures),
        "n_sources": len(figures), "disputed": disputed, "source_id": top.source_id if top else None,
        "rule": top.rule if top else None, "as_of": top.as_of if top else None,
    }


def query(
    metric: str,
    *,
    area: str | None = None,
    place: str | None = None,
    group: str = "all",
    on: date | str | None = None,
    as_known_on: date | datetime | None = None,
    db: str | Store | None = None,
    source_order: Sequence[str] | None = None,
) -> QueryResult:
    """The figure for `metric` as of `on` (default today): `query("refugees", area="UKR", on="2022-03-01")`.

    `place=None` means the whole area, not every place in it. `as_known_on` uses only what had
    been retrieved by then. `source_order` ranks sources (default: sources.yaml order).
    """
    day = date.fromisoformat(on) if isinstance(on, str) else (on or date.today())
    store = db if isinstance(db, Store) else open_store(db)
    order = _configured_order() if source_order is None else source_order
    figures = _figures(_load(store, metric, area, place, group, as_known_on), day, order)
    return QueryResult(metric=metric, area=area, place=place, group=group, on=day, **_summary(figures),
                       figures=figures, observations=_evidence_frame([o for f in figures for o in f.evidence]))


def _envelope_high(figures: Sequence[SourceFigure]) -> int | None:
    """The highest high; None when there is no figure or any source leaves its upper end open."""
    highs = [f.high for f in figures]
    if not highs or any(h is None for h in highs):
        return None
    return max(h for h in highs if h is not None)


def _configured_order() -> list[str]:
    """The source ids in sources.yaml order (the preference); read again only when the file changes."""
    from .config import resolve_sources_path

    path = resolve_sources_path()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return []
    return list(_order_of(str(path), stamp))


@functools.lru_cache(maxsize=8)
def _order_of(path: str, stamp: int) -> tuple[str, ...]:
    from .config import load_sources
    from .errors import ConfigError

    try:
        return tuple(s.id for s in load_sources(path).sources)
    except ConfigError:
        return ()


def observations(db: str | Store | None = None, *, metric: str | None = None, area: str | None = None,
                 source_id: str | None = None) -> pd.DataFrame:
    """Every stored observation as a tidy DataFrame with provenance columns (a new frame each call)."""
    store = db if isinstance(db, Store) else open_store(db)
    frame = pd.DataFrame(store.rows(), columns=OBSERVATION_COLUMNS)
    for column, value in (("metric", metric), ("area", area), ("source_id", source_id)):
        if value is not None:
            frame = frame[frame[column] == value]
    return typed_frame(frame.reset_index(drop=True))


def series(
    metric: str,
    *,
    area: str | None = None,
    place: str | None = None,
    group: str = "all",
    start: date | str | None = None,
    end: date | str | None = None,
    as_known_on: date | datetime | None = None,
    db: str | Store | None = None,
    source_order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Weekly values (ISO weeks, as of each Sunday) between `start` and `end`, one row a week."""
    start = date.fromisoformat(start) if isinstance(start, str) else start
    end = date.fromisoformat(end) if isinstance(end, str) else end
    store = db if isinstance(db, Store) else open_store(db)
    order = _configured_order() if source_order is None else source_order
    by_source = _load(store, metric, area, place, group, as_known_on)
    columns = ["week", "period_start", "period_end", "low", "best", "high", "envelope_low",
               "envelope_high", "n_sources", "disputed", "source_id"]
    found = [o for obs in by_source.values() for o in obs]
    if not found:
        return _series_frame([], columns)
    first = start or min(o.period_start or o.as_of for o in found)
    last = end or max(o.as_of for o in found)
    sunday = first + timedelta(days=6 - first.weekday())
    rows = []
    while sunday <= last + timedelta(days=6 - last.weekday()):
        day = min(sunday, end) if end else sunday  # never read past `end`
        figures = _figures(by_source, day, order)
        if figures:
            summary = _summary(figures)
            iso = sunday.isocalendar()
            rows.append({"week": f"{iso.year}-W{iso.week:02d}", "period_start": sunday - timedelta(days=6),
                         "period_end": sunday, **{c: summary[c] for c in columns[3:]}})
        sunday += timedelta(days=7)
    return _series_frame(rows, columns)


def _series_frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """The weekly frame with its documented dtypes, empty or not."""
    frame = typed_frame(pd.DataFrame(rows, columns=columns))
    for column in ("envelope_low", "envelope_high"):
        frame[column] = frame[column].astype("Int64")
    frame["n_sources"] = frame["n_sources"].astype("int64")
    frame["disputed"] = frame["disputed"].astype("bool")
    frame["week"] = frame["week"].astype("str")
    frame["source_id"] = frame["source_id"].astype("str")
    return frame
