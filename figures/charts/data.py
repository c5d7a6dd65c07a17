"""What a chart plots, gathered from the reconciliation as the figures stood on each date
(`hindsight=False`: no later figure bounds an earlier date): the weekly consensus band (`series`),
the band at every date it changes (`steps`, what the line and the shading draw), each voice's
figures over time (`query` on every date a figure changes), each voice's latest figure at the
week's end, the projections still pending, and the disputes.

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

import numpy as np
import pandas as pd

from ..config import ChartConfig, SourcesFile
from ..errors import ConfigError, FiguresError
from ..query import disputes, observations, query, series, steps
from ..reconcile import CADENCE_DAYS, voice_of
from ..store import Store

#: Each voice's figures over time: one row per voice and date its figure changed.
#: `until` is the last day the figure is drawn: the day before the voice's next figure of its kind,
#: or the last day of its window (`window` days after its date), or the chart's last day.
POINT_COLUMNS = ["voice", "as_of", "low", "best", "high", "kind", "rule", "source_ids", "in_consensus", "window",
                 "until"]
#: Each voice's latest figure as of the week's end.
LATEST_COLUMNS = ["voice", "as_of", "low", "best", "high", "kind", "rule", "source_ids", "counting",
                  "in_consensus", "disputed_with", "window"]
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
    #: The consensus band at every date it changes up to `through` (`figures.query.steps`): each
    #: row holds from its `date` until the next row's; `n_sources` 0 is a gap.
    steps: pd.DataFrame
    points: pd.DataFrame
    latest: pd.DataFrame
    projections: pd.DataFrame
    disputes: pd.DataFrame
    #: voice -> the publishers that carried its figures (sources.yaml order)
    carriers: dict[str, list[str]] = field(default_factory=dict)
    licences: list[str] = field(default_factory=list)
    stale_days: int = 14
    #: How long the drawn figures count, as the method note says it: (whose figures, days), e.g.
    #: ("daily and irregular", 14), ("yearly", 366).
    windows: list[tuple[str, int]] = field(default_factory=list)
    #: The day totals count from (figures dated earlier are not drawn), when the situation sets one.
    count_from: date | None = None
    #: Whether the quantity is a running total (bounds carried forward) rather than a stock.
    monotone: bool = True

    @property
    def voices(self) -> list[str]:
        """The voices drawn, in a fixed order (sources.yaml order of their first source)."""
        return list(self.carriers)

    @functools.cached_property
    def current(self) -> pd.Series | None:
        """The consensus row of the chart's week, or None when nothing counts that week."""
        rows = self.series[self.series["period"] == self.week]
        if not len(rows):
            return None
        now = rows.iloc[-1].copy()
        if now["best_derived"]:
            drawn = self.line[self.line["n_sources"] > 0]
            if len(drawn) and pd.isna(drawn["y"].iloc[-1]):  # worked out from a figure not yet published
                now["best"], now["best_derived"] = pd.NA, False
        return now

    @functools.cached_property
    def previous(self) -> pd.Series | None:
        """The consensus row of the week before, or None."""
        monday = parse_week(self.week)[0] - timedelta(days=7)
        rows = self.series[self.series["period"] == week_label(monday)]
        return rows.iloc[-1] if len(rows) else None

    @functools.cached_property
    def single(self) -> bool:
        """Whether one voice alone is drawn: then its figures are the consensus, drawn once."""
        return len(self.voices) == 1

    @functools.cached_property
    def line(self) -> pd.DataFrame:
        """What the consensus line and its shading draw, step by step: LINE_COLUMNS, one row per
        step from `start` to `end` (the next step's start; the chart's last day for the last one),
        `y` where the line is drawn (the best, else the low; empty where a derived best is not
        drawn yet), `run` numbering the stretches between gaps (rows with `n_sources` 0)."""
        return _line(self.steps, self.through)

    @functools.cached_property
    def derived(self) -> pd.DataFrame:
        """The steps whose best no source stated (a middle of several figures' bounds), each drawn
        only from the day the last figure it rests on was published: columns `start`, `end`
        (first and last day drawn) and the step's columns."""
        st = self.steps
        if st.empty:
            return st.assign(start=pd.Series(dtype="datetime64[us]"), end=pd.Series(dtype="datetime64[us]"))
        ends = _step_ends(st, self.through)
        start = st["date"].where(st["published"].isna() | (st["published"] <= st["date"]), st["published"])
        out = st.assign(start=start, end=ends)
        return out[out["best_derived"] & out["best"].notna() & (out["start"] <= out["end"])
                   & (out["n_sources"] > 0)].reset_index(drop=True)

    @property
    def as_of(self) -> date | None:
        """The latest date a figure drawn is as of (counting or not), up to `through`."""
        return None if self.latest.empty else self.latest["as_of"].max().date()


#: Columns of `ChartData.line`.
LINE_COLUMNS = ["start", "end", "as_of", "low", "best", "high", "y", "derived", "n_sources", "disputed", "sources",
                "published", "run"]


def _line(st: pd.DataFrame, through: date) -> pd.DataFrame:
    """`ChartData.line` from the steps: a derived best worked out from a figure published after the
    step began is drawn from the day it was published (the step is split there)."""
    last = pd.Timestamp(through)
    rows: list[dict[str, Any]] = []
    run = 0
    for k, r in enumerate(st.itertuples()):
        end = min(st["date"].iloc[k + 1], last) if k + 1 < len(st) else last
        row = {"start": r.date, "end": end, "as_of": r.as_of, "low": r.low, "best": r.best, "high": r.high,
               "derived": bool(r.best_derived) and not pd.isna(r.best), "n_sources": int(r.n_sources),
               "disputed": bool(r.disputed), "sources": r.sources, "published": r.published, "run": run}
        if r.n_sources == 0:
            rows.append({**row, "low": pd.NA, "best": pd.NA, "high": pd.NA, "derived": False, "y": np.nan})
            run += 1
            continue
        row["y"] = float(r.low if pd.isna(r.best) else r.best)
        if k + 1 == len(st) and r.date == last:
            row["end"] = last + pd.Timedelta(hours=14)  # a step on the last day alone still shows
        if row["derived"] and not pd.isna(r.published) and r.published > r.date:
            rows.append({**row, "end": min(r.published, row["end"]), "y": np.nan})  # not known yet
            if r.published < row["end"]:
                rows.append({**row, "start": r.published})
            continue
        rows.append(row)
    out = pd.DataFrame(rows, columns=LINE_COLUMNS)
    for c in ("low", "best", "high"):
        out[c] = out[c].astype("Int64")
    for c in ("start", "end", "as_of", "published"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[us]")
    out["y"] = out["y"].astype(float)
    out["derived"] = out["derived"].astype(bool)
    return out


def _step_ends(st: pd.DataFrame, through: date) -> pd.Series:
    """The last day each step holds: the day before the next step, the last one to `through`."""
    nxt = st["date"].shift(-1) - pd.Timedelta(days=1)
    return nxt.fillna(pd.Timestamp(through)).astype("datetime64[us]")


def _options(sources: SourcesFile, area: str) -> dict[str, Any]:
    """The reconciler's options as this sources file sets them (explicit, so a file built in
    memory counts the same way as one on disk), as the figures stood on each date."""
    path = Path(sources.path)
    return {"sources": path if path.is_file() else None, "source_order": [s.id for s in sources.sources],
            "count_from": sources.reconcile.count_from.get(area),
            "stale_after": timedelta(days=sources.reconcile.stale_after_days), "hindsight": False}


def windows(sources: SourcesFile) -> dict[str, int]:
    """Source id -> the days a figure of it counts after its date (as `figures.query` counts them):
    the situation's `stale_after_days`, or longer for a monthly or yearly source or one that sets its own."""
    base = sources.reconcile.stale_after_days
    return {s.id: max(base, s.stale_after_days if s.stale_after_days is not None else CADENCE_DAYS.get(s.cadence, 0))
            for s in sources.sources}


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
    banded = steps(chart.metric, **where, end=through, **opts)
    seen: dict[tuple[str, date], dict[str, Any]] = {}
    absent: dict[tuple[str, date], date] = {}  # the first day asked on which a figure no longer counted
    final = None
    rows = _rows(store, chart)
    for day in _asked(store, chart, rows, through):
        final = query(chart.metric, **where, on=day, **opts)
        here = set()
        for f in final.figures:
            here.add((f.voice, f.as_of))
            seen.setdefault((f.voice, f.as_of), {
                "voice": f.voice, "as_of": f.as_of, "low": f.low, "best": f.best, "high": f.high,
                "kind": f.kind, "rule": f.rule, "source_ids": " ".join(f.source_ids),
                "in_consensus": f.in_consensus,
                "until": f.until or f.as_of + timedelta(days=sources.reconcile.stale_after_days)})
        for key, row in seen.items():
            if key not in here and key not in absent and day <= row["until"]:
                absent[key] = day  # superseded by a newer figure of the stock before its window ended
    for row in seen.values():
        row["window"] = (row["until"] - row["as_of"]).days
    for key, day in absent.items():
        seen[key]["until"] = min(seen[key]["until"], day - timedelta(days=1))
    assert final is not None
    rank = {s.id: i for i, s in enumerate(sources.sources)}

    def first_rank(ids: str) -> int:
        return min((rank.get(s, len(rank)) for s in ids.split()), default=len(rank))

    points = _until(_frame(sorted(seen.values(), key=lambda r: (r["voice"], r["as_of"])), POINT_COLUMNS), through)
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
        carriers=carriers, licences=licences, stale_days=_stale_days(sources, drawn), steps=banded,
        windows=_windows_said(sources, drawn), count_from=sources.reconcile.count_from.get(chart.area),
        monotone=chart.metric in sources.reconcile.monotone,
    )


def _until(points: pd.DataFrame, through: date) -> pd.DataFrame:
    """Each figure's last day drawn: before the voice's next figure of the same kind, not after it
    stopped counting (its window ended, or a newer figure of a stock replaced it), not past `through`."""
    if points.empty:
        return points.assign(until=pd.Series(dtype="datetime64[us]"))
    nxt = points.groupby(["voice", "kind"], sort=False)["as_of"].shift(-1) - pd.Timedelta(days=1)
    until = pd.concat([nxt.fillna(pd.Timestamp.max.floor("D")), points["until"]], axis=1).min(axis=1)
    until = until.where(until <= pd.Timestamp(through), pd.Timestamp(through))
    return points.assign(until=until.astype("datetime64[us]"), window=points["window"].astype(int))



_CADENCE_ORDER = ["daily", "weekly", "irregular", "monthly", "yearly"]


def _windows_said(sources: SourcesFile, drawn: list[str]) -> list[tuple[str, int]]:
    """How long the drawn figures count, grouped as the method note says it: by cadence, with a
    source that sets its own window named."""
    window = windows(sources)
    groups: dict[int, list[str]] = {}
    for s in sources.sources:
        if s.id not in drawn:
            continue
        who = s.publisher if s.stale_after_days is not None else s.cadence
        names = groups.setdefault(window[s.id], [])
        if who not in names:
            names.append(who)
    out = []
    for days, names in sorted(groups.items()):
        names.sort(key=lambda n: _CADENCE_ORDER.index(n) if n in _CADENCE_ORDER else len(_CADENCE_ORDER))
        out.append((" and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names), days))
    return out


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
    for c in ("as_of", "stated", "until"):
        if c in out:
            out[c] = pd.to_datetime(out[c]).astype("datetime64[us]")
    for c in ("in_consensus", "counting"):
        if c in out:
            out[c] = out[c].astype(bool)
    return out


#: The default week draws at least this share of the most charts any complete week draws.
DEFAULT_WEEK_SHARE = 0.7


def charts_drawn_by_week(store: Store, charts: list[ChartConfig], today: date,
                         sources: SourcesFile | None = None) -> dict[str, list[str]]:
    """Complete ISO week (ending on or before `today`) -> the ids of the charts that draw in it: those
    with a figure counting on its Sunday, as the chart counts them (`hindsight=False`)."""
    drawn: dict[str, list[str]] = {}
    for chart in charts:
        opts = _options(sources, chart.area) if sources is not None else {"hindsight": False}
        try:
            # Through `today`, as the chart of a week is drawn through its Sunday: a figure still
            # counting on a Sunday after the last figure's own week draws that week too.
            weekly = series(chart.metric, area=chart.area, place=chart.place, group=chart.group, db=store,
                            end=today, **opts)
        except FiguresError:
            continue
        for period in weekly.loc[weekly["period_end"] <= pd.Timestamp(today), "period"]:
            drawn.setdefault(str(period), []).append(chart.id)
    return drawn


def last_week_with_data(store: Store, charts: list[ChartConfig], today: date,
                        sources: SourcesFile | None = None) -> str | None:
    """The week the charts are drawn for by default: the last complete ISO week (ending before
    `today`) that draws at least `DEFAULT_WEEK_SHARE` (70%) of the most charts any complete week
    draws.

    In a weekly run every active chart draws in the last week, so that week is chosen, even with
    a chart or two stopped. A store holding different years of different sources (the shipped
    offline data: OHCHR's Ukraine updates to September 2023, IOM's Sudan rounds to 2025, one month
    of HAPI in 2025) gets the last week that still draws most of its charts, not a later week
    where a single chart has a figure.
    """
    drawn = charts_drawn_by_week(store, charts, today, sources)
    if not drawn:
        return None
    best = max(len(ids) for ids in drawn.values())
    return max(week for week, ids in drawn.items() if len(ids) >= DEFAULT_WEEK_SHARE * best)
