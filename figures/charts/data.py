"""What a chart plots, gathered from the reconciliation: the weekly consensus band (`series`),
each voice's figures over time (`query` on every date a figure changes), each voice's latest
figure at the week's end, the projections still pending, and the disputes.

Nothing here draws; `ChartData` is plain DataFrames, so the plotted CSV is exactly what the
drawing code reads.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from ..config import ChartConfig, SourcesFile
from ..errors import ConfigError, FiguresError
from ..query import disputes, observations, query, series
from ..reconcile import CADENCE_DAYS, voice_of
from ..store import Store

#: Each voice's figures over time: one row per voice and date its figure changed.
POINT_COLUMNS = ["voice", "as_of", "low", "best", "high", "kind", "rule", "source_ids", "in_consensus"]
#: Each voice's latest figure as of the week's end.
LATEST_COLUMNS = ["voice", "as_of", "low", "best", "high", "kind", "rule", "source_ids", "counting",
                  "in_consensus", "disputed_with"]
#: Projections stated by the week's end about a later date.
PROJECTION_COLUMNS = ["voice", "as_of", "low", "best", "high", "stated", "source_id", "text"]

_WEEK = re.compile(r"(\d{4})-W(\d{2})")


def week_label(day: date) -> str:
    """The ISO week of `day`: `week_label(date(2022, 3, 6))` is `'2022-W09'`."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def parse_week(text: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week: `parse_week("2022-W09")` is (28 Feb, 6 Mar 2022)."""
    found = _WEEK.fullmatch(text.strip())
    try:
        if not found:
            raise ValueError("not in the form YYYY-Www")
        monday = date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError as exc:
        raise ConfigError(f"week {text!r}: {exc}; give an ISO week as YYYY-Www, e.g. '2022-W09' "
                          "(Monday 28 Feb to Sunday 6 Mar 2022)") from None
    return monday, monday + timedelta(days=6)


@dataclass(frozen=True, eq=False)
class ChartData:
    """Everything one chart of one week draws; see the module docstring."""

    chart: ChartConfig
    week: str
    through: date
    series: pd.DataFrame
    points: pd.DataFrame
    latest: pd.DataFrame
    projections: pd.DataFrame
    disputes: pd.DataFrame
    #: voice -> the publishers that carried its figures (sources.yaml order)
    carriers: dict[str, list[str]] = field(default_factory=dict)
    licences: list[str] = field(default_factory=list)
    stale_days: int = 14

    @property
    def voices(self) -> list[str]:
        """The voices drawn, in a fixed order (sources.yaml order of their first source)."""
        return list(self.carriers)

    @functools.cached_property
    def current(self) -> pd.Series | None:
        """The consensus row of the chart's week, or None when nothing counts that week."""
        rows = self.series[self.series["period"] == self.week]
        return rows.iloc[-1] if len(rows) else None

    @functools.cached_property
    def previous(self) -> pd.Series | None:
        """The consensus row of the week before, or None."""
        monday = parse_week(self.week)[0] - timedelta(days=7)
        rows = self.series[self.series["period"] == week_label(monday)]
        return rows.iloc[-1] if len(rows) else None

    @property
    def as_of(self) -> date | None:
        """The latest date a figure drawn is as of (counting or not), up to `through`."""
        return None if self.latest.empty else self.latest["as_of"].max().date()


def _options(sources: SourcesFile, area: str) -> dict[str, Any]:
    """The reconciler's options as this sources file sets them (explicit, so a file built in
    memory counts the same way as one on disk)."""
    path = Path(sources.path)
    return {"sources": path if path.is_file() else None, "source_order": [s.id for s in sources.sources],
            "count_from": sources.reconcile.count_from.get(area),
            "stale_after": timedelta(days=sources.reconcile.stale_after_days)}


def _selection(frame: pd.DataFrame, place: str | None) -> pd.DataFrame:
    """The rows `query` weighs: with no place, the area's own figures and every incident in it."""
    if place is None:
        return frame[frame["place"].isna() | (frame["scope"] == "incident")]
    return frame


def _rows(store: Store, chart: ChartConfig) -> pd.DataFrame:
    """The stored observations the chart's query weighs (every vintage), projections included."""
    return _selection(observations(chart.metric, area=chart.area, place=chart.place, group=chart.group, db=store),
                      chart.place)


def data_days(store: Store, chart: ChartConfig, rows: pd.DataFrame | None = None,
              stated_only: bool = False) -> list[date]:
    """Every day a reported figure of the chart's quantity is for (an incident's last day), or
    with `stated_only` the days of stated totals only."""
    found = _rows(store, chart) if rows is None else rows
    found = found[found["modality"] == "reported"]
    if stated_only:
        found = found[found["scope"] != "incident"]
    days = found["period_end"].where(found["scope"] == "incident").fillna(found["as_of"])
    return sorted({d.date() for d in days.dropna()})


def _asked(store: Store, chart: ChartConfig, rows: pd.DataFrame, through: date) -> list[date]:
    """The days to ask the reconciliation about: every stated figure's date, and each week's
    Sunday, where a running total of incidents shows as one point a week (not one per event)."""
    every = [d for d in data_days(store, chart, rows) if d <= through]
    stated = [d for d in data_days(store, chart, rows, stated_only=True) if d <= through]
    if len(every) == len(stated):  # no incidents: the stated figures' days are every change
        return sorted({*stated, through})
    sunday = every[0] + timedelta(days=6 - every[0].weekday())
    sundays = [sunday + timedelta(days=7 * i) for i in range((through - sunday).days // 7 + 1)]
    return sorted({*stated, *sundays, through})


def chart_data(store: Store, chart: ChartConfig, sources: SourcesFile, week: str,
               through: date | None = None) -> ChartData:
    """Gather what `chart` draws for ISO `week`, as of its Sunday (or `through`, a day in it)."""
    sunday = parse_week(week)[1]
    through = min(through or sunday, sunday)
    where: dict[str, Any] = {"area": chart.area, "place": chart.place, "group": chart.group, "db": store}
    opts = _options(sources, chart.area)
    weekly = series(chart.metric, **where, end=through, **opts)
    weekly = weekly[weekly["period_end"] <= pd.Timestamp(sunday)].reset_index(drop=True)
    seen: dict[tuple[str, date], dict[str, Any]] = {}
    final = None
    rows = _rows(store, chart)
    for day in _asked(store, chart, rows, through):
        final = query(chart.metric, **where, on=day, **opts)
        for f in final.figures:
            seen.setdefault((f.voice, f.as_of), {
                "voice": f.voice, "as_of": f.as_of, "low": f.low, "best": f.best, "high": f.high,
                "kind": f.kind, "rule": f.rule, "source_ids": " ".join(f.source_ids),
                "in_consensus": f.in_consensus})
    assert final is not None
    rank = {s.id: i for i, s in enumerate(sources.sources)}

    def first_rank(ids: str) -> int:
        return min((rank.get(s, len(rank)) for s in ids.split()), default=len(rank))

    points = _frame(sorted(seen.values(), key=lambda r: (r["voice"], r["as_of"])), POINT_COLUMNS)
    counting = {f.voice: f for f in final.figures}
    against: dict[str, list[str]] = {}
    for a, b in final.disputes:
        against.setdefault(a.voice, []).append(b.voice)
        against.setdefault(b.voice, []).append(a.voice)
    latest_rows = []
    for voice, g in points.groupby("voice", sort=False):
        row = g.iloc[-1].to_dict()
        now = counting.get(str(voice))
        if now is not None:
            row.update(as_of=pd.Timestamp(now.as_of), low=now.low, best=now.best, high=now.high, kind=now.kind,
                       rule=now.rule, source_ids=" ".join(now.source_ids), in_consensus=now.in_consensus)
        row.update(counting=now is not None, in_consensus=now is not None and now.in_consensus,
                   disputed_with=", ".join(dict.fromkeys(against.get(str(voice), []))))
        latest_rows.append(row)
    latest = _frame(latest_rows, LATEST_COLUMNS)
    order = sorted(latest["voice"], key=lambda v: (first_rank(" ".join(points.loc[points["voice"] == v,
                                                                                   "source_ids"])), v))
    publishers = {s.id: s.publisher for s in sources.sources}
    carriers = {}
    for voice in order:
        ids = sorted({s for ids in points.loc[points["voice"] == voice, "source_ids"] for s in ids.split()},
                     key=lambda s: (rank.get(s, len(rank)), s))
        carriers[voice] = list(dict.fromkeys(publishers.get(s, s) for s in ids))
    projections = _projections(rows, through)
    drawn = sorted({s for ids in points["source_ids"] for s in ids.split()} | set(projections["source_id"]),
                   key=lambda s: (rank.get(s, len(rank)), s))
    licences = list(dict.fromkeys(s.licence for s in sources.sources if s.id in drawn))
    return ChartData(
        chart=chart, week=week, through=through, series=weekly, points=points,
        latest=latest.set_index("voice").loc[order].reset_index() if len(latest) else latest,
        projections=projections, disputes=disputes(
            chart.metric, **where, on=through, **opts),
        carriers=carriers, licences=licences, stale_days=_stale_days(sources, drawn),
    )


def _stale_days(sources: SourcesFile, drawn: list[str]) -> int:
    """The shortest time a drawn figure counts for (the method note says how long figures last)."""
    days = [max(sources.reconcile.stale_after_days, s.stale_after_days or CADENCE_DAYS.get(s.cadence, 0))
            for s in sources.sources if s.id in drawn]
    return min(days, default=sources.reconcile.stale_after_days)


def _projections(rows: pd.DataFrame, through: date) -> pd.DataFrame:
    """Projections stated by the end of `through` (published, else retrieved) about `through` or later."""
    found = rows[rows["modality"] != "reported"]
    if found.empty:
        return _frame([], PROJECTION_COLUMNS)
    stated = found["published_at"].fillna(found["retrieved_at"]).dt.tz_localize(None).dt.normalize()
    keep = found[(stated <= pd.Timestamp(through)) & (found["as_of"] >= pd.Timestamp(through))]
    out = {}
    for r, s in zip(keep.itertuples(), stated[keep.index], strict=True):  # the latest vintage of each
        out[(r.source_id, r.as_of, r.low, r.best, r.high)] = {
            "voice": voice_of(r.publisher, r.attributed_to, r.source_id, r.scope), "as_of": r.as_of, "low": r.low,
            "best": r.best, "high": r.high, "stated": s, "source_id": r.source_id, "text": r.text}
    return _frame(sorted(out.values(), key=lambda r: (r["as_of"], r["voice"])), PROJECTION_COLUMNS)


def _frame(rows: Sequence[Mapping[Any, Any]], columns: list[str]) -> pd.DataFrame:
    """A typed frame: counts Int64 (high <NA> = no upper bound), dates datetime64, flags bool."""
    out = pd.DataFrame(rows, columns=columns)
    for c in ("low", "best", "high"):
        out[c] = pd.array([None if pd.isna(v) else int(v) for v in out[c]], dtype="Int64")
    for c in ("as_of", "stated"):
        if c in out:
            out[c] = pd.to_datetime(out[c]).astype("datetime64[us]")
    for c in ("in_consensus", "counting"):
        if c in out:
            out[c] = out[c].astype(bool)
    return out


def last_week_with_data(store: Store, charts: list[ChartConfig], today: date) -> str | None:
    """The week the charts are drawn for by default: the last complete ISO week (ending before
    `today`) in which at least half as many charts have fresh figures (a counting figure dated
    that week or the week before) as in their best week.

    In a weekly run every active chart has fresh figures in the last week, so that week is
    chosen. A store holding different years of different sources (the shipped offline data:
    OHCHR to May 2022, IOM to 2023 for Ukraine and to 2025 for Sudan, one month of HAPI in 2025)
    gets the last week that still draws at least half as many charts as the best week, not the
    one week where a single chart has a figure.
    """
    fresh: dict[str, int] = {}
    for chart in charts:
        try:
            weekly = series(chart.metric, area=chart.area, place=chart.place, group=chart.group, db=store)
        except FiguresError:
            continue
        ok = (weekly["period_end"] <= pd.Timestamp(today)) & (
            weekly["as_of"] >= weekly["period_start"] - pd.Timedelta(days=7))
        for period in weekly.loc[ok, "period"]:
            fresh[str(period)] = fresh.get(str(period), 0) + 1
    if not fresh:
        return None
    best = max(fresh.values())
    return max(week for week, n in fresh.items() if 2 * n >= best)
