"""Figures as matplotlib Figures, and the weekly chart files: PNG, alt text and plotted CSV.

`chart_data` gathers what is plotted, `build_figure` draws it (object-oriented API on Agg, no
pyplot state), `save_png` writes byte-reproducible PNGs, `write_weekly` writes one folder per
ISO week. A chart with no figure for its week is skipped, not fatal: `write_weekly` logs the
reason and appends it to `messages`, and goes on with the next chart.
"""

from __future__ import annotations

import logging
import re
import textwrap
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import matplotlib.dates as mdates
import matplotlib.style
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .config import ChartConfig, SourcesFile
from .errors import ConfigError, FiguresError
from .query import latest_vintages, series
from .store import Store

log = logging.getLogger(__name__)

#: Okabe-Ito, for a matplotlib that ships neither `petroff10` nor `okabe_ito`.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
MARKS = ["\u25cf", "\u25a0", "\u25b2", "\u25c6", "\u25bc", "\u271a", "\u2716"]  # the same, as text
LINESTYLES: list[Any] = [":", "--", "-.", (0, (1, 3)), (0, (5, 2, 1, 2))]
SIZE, DPI = (10.0, 6.0), 100
#: Columns of the plotted-data CSV: one row per weekly figure or source point.
CSV_COLUMNS = ["series", "week", "date", "as_of", "period_start", "period_end", "low", "best", "high",
               "source_id", "publisher", "scope", "rule"]
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


@dataclass(frozen=True)
class ChartData:
    """What one chart plots: the weekly series (`date` where it is drawn, `as_of` the day its
    figure is as of) and each source's points up to `through`; publishers, methods, licences."""

    chart: ChartConfig
    through: date
    weekly: pd.DataFrame
    points: pd.DataFrame
    publishers: dict[str, str] = field(default_factory=dict)
    methods: dict[str, str] = field(default_factory=dict)
    licences: dict[str, str] = field(default_factory=dict)

    @property
    def as_of(self) -> date | None:
        """The latest date anything plotted is as of."""
        return None if self.points.empty else self.points["date"].max().date()

    @property
    def source_line(self) -> str:
        """`UNHCR (unhcr-ukraine-crossings)`, one entry per source with points."""
        return "; ".join(f"{self.publishers[s]} ({s})" for s in self.points["source_id"].unique())


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


def chart_data(store: Store, chart: ChartConfig, sources: SourcesFile, through: date) -> ChartData:
    """Gather the weekly series and every source's reported points up to `through`."""
    order = [s.id for s in sources.sources]
    where: dict[str, Any] = {"area": chart.area, "place": chart.place, "group": chart.group}
    found = [o for o in store.select(metric=chart.metric, area=chart.area, group=chart.group)
             if o.place == chart.place and o.modality == "reported"]
    publishers = {s.id: s.publisher for s in sources.sources}
    rows: dict[tuple[str, date], dict[str, Any]] = {}  # one point per source and day
    totals: dict[str, dict[str, Any]] = {}
    spans: dict[str, Counter[int]] = {}
    for o in sorted(latest_vintages(found), key=lambda o: (o.period_end or o.as_of, o.as_of)):
        sid, e, day = o.provenance.source_id, o.estimate, o.period_end or o.as_of
        publishers.setdefault(sid, o.provenance.publisher)
        if day > through:
            continue
        row = {"series": sid, "week": week_label(day), "date": day, "as_of": day,
               "period_start": o.period_start, "period_end": o.period_end, "low": e.low,
               "best": e.best, "high": e.high, "source_id": sid, "publisher": publishers[sid],
               "scope": o.scope, "rule": e.rule}
        if o.scope == "incident" and o.period_start:  # a running total: this flow plus all before
            spans.setdefault(sid, Counter())[(day - o.period_start).days + 1] += 1
            if prev := totals.get(sid):
                row["period_start"] = prev["period_start"]
                for k in ("low", "best", "high"):
                    row[k] = None if row[k] is None or prev[k] is None else row[k] + prev[k]
            row["rule"] = "running-total"
            totals[sid] = row
        rows[(sid, day)] = row
    methods = {}
    for sid in {sid for sid, _ in rows}:
        span = spans[sid].most_common(1)[0][0] if sid in spans else 0
        per = {1: "daily", 7: "weekly"}.get(span, f"{span}-day")
        methods[sid] = f"{per} figures summed into a running total" if span else "stated totals"
    rank = {sid: i for i, sid in enumerate(order)}
    ordered: list[dict[str, Any]] = sorted(
        rows.values(), key=lambda r: (rank.get(r["source_id"], len(rank)), r["source_id"], r["date"]))
    points = pd.DataFrame(ordered, columns=CSV_COLUMNS).astype({k: "Int64" for k in ("low", "best", "high")})
    points["date"] = points["as_of"] = pd.to_datetime(points["date"]).astype("datetime64[us]")
    weekly = series(chart.metric, **where, end=through, db=store, source_order=order)
    weekly = weekly.rename(columns={"period": "week"})
    weekly["source_id"] = weekly["low_from"].str.rsplit(" ", n=1).str[0]  # the voice that sets the low
    # each week is drawn at its Sunday, but never past the latest day anything is known for
    known = min(pd.Timestamp(through), points["date"].max()) if len(points) else pd.Timestamp(through)
    weekly["date"] = pd.to_datetime([min(pd.Timestamp(d), known) for d in weekly["period_end"]])
    licences = {s.id: s.licence for s in sources.sources}
    return ChartData(chart, through, weekly, points, publishers, methods, licences)


def human(n: int | float) -> str:
    """A number as a reader says it: 5264767 -> '5.26 million', 31587 -> '31,600', 726 -> '726'."""
    if abs(n) >= 1_000_000:
        return f"{n / 1e6:.3g} million"
    if abs(n) >= 10_000:
        return f"{round(n, 3 - len(str(int(abs(n))))):,.0f}"
    return f"{n:,.0f}"


def exact(n: int | float) -> str:
    """A number in full: 5264767 -> '5,264,767'."""
    return f"{n:,.0f}"


def _range(low: int, best: Any, high: Any, say: Callable[[int | float], str] = human) -> str:
    if pd.isna(high):
        return f"at least {say(low)}"
    if low == high:
        return say(low)
    return f"{say(low)} to {say(high)}" + ("" if pd.isna(best) else f" (best {say(best)})")


def _change(weekly: pd.DataFrame, say: Callable[[int | float], str] = human) -> str:
    if len(weekly) < 2:
        return "first week with data"
    prev, last = weekly.iloc[-2], weekly.iloc[-1]
    delta = int(_value(last) - _value(prev))
    sign = "+" if delta > 0 else "\u2212"
    return (f"{sign}{say(abs(delta))}" if delta else "no change") + f" since {prev['week']}"


def _value(row: pd.Series) -> int:
    return int(row["low"] if pd.isna(row["best"]) else row["best"])


def footer(data: ChartData, week: str) -> str:
    """The source line under the chart, built from what is plotted."""
    ids, w, p = data.points["source_id"].unique(), data.weekly, data.points
    methods = [f"{data.publishers[s]}: {data.methods[s]}" if len(ids) > 1 else data.methods[s]
               for s in ids]
    methods.append("line = consensus of the sources as of each Sunday (ISO weeks)")
    if (w["high"].notna() & (w["high"] != w["low"])).any():
        methods.append("shaded band = its low\u2013high range")
    if (p["high"].notna() & (p["high"] != p["low"])).any():
        methods.append("bars = a source's low\u2013high range")
    if w["high"].isna().any() or p["high"].isna().any():
        methods.append("arrows = no upper bound stated ('at least')")
    return (f"Source: {data.source_line}. Data as of {data.as_of:%-d %b %Y}. "
            f"Method: {'; '.join(methods)}. Chart: figures, {week}.")


def _ink(colour: str) -> str:
    """A darker shade of a cycle colour, so text in it stays legible on white."""
    r, g, b = to_rgb(colour)
    return to_hex((0.62 * r, 0.62 * g, 0.62 * b))


def _arrows(ax: Axes, xs: list[date], ys: list[float], open_ended: pd.Series, colour: str) -> None:
    for x, y, no_upper_bound in zip(xs, ys, open_ended, strict=True):  # "at least": arrow, no band
        if no_upper_bound:
            ax.annotate("", (x, y), xytext=(0, 14), textcoords="offset points",
                        arrowprops={"arrowstyle": "<|-", "color": colour, "lw": 1.2})


def _margin_labels(ax: Axes, labels: list[tuple[float, str, dict[str, Any]]]) -> None:
    """Direct labels in the right margin at their line's height, nudged apart so none overlap."""
    low, high = ax.get_ylim()
    floor = 1.04
    for y, text, kw in sorted(labels, key=lambda item: -item[0]):  # stable: first listed, first placed
        half = (text.count("\n") + 1) * 0.028
        at = min((y - low) / (high - low), floor - half)
        floor = at - half - 0.02
        ax.text(1.02, at, text, transform=ax.transAxes, va="center", **kw)


def build_figure(data: ChartData, week_label: str) -> Figure:
    """Draw the chart: best line with a light low-high band, source points, direct labels."""
    if data.weekly.empty and data.points.empty:
        raise FiguresError(f"chart {data.chart.id!r}: no {data.chart.metric} figures up to "
                           f"{data.through}; nothing to draw; run 'figures update' first")
    fig = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.1, right=0.77, top=0.83, bottom=0.2)
    ax = fig.add_subplot()
    style = matplotlib.style.library.get("petroff10") or matplotlib.style.library.get("okabe_ito")
    colours = style["axes.prop_cycle"].by_key()["color"] if style else OKABE_ITO
    labels: list[tuple[float, str, dict[str, Any]]] = []
    w = data.weekly
    if len(w):  # the latest value is labelled first, so it sits closest to the end of its line
        last = w.iloc[-1]
        latest = _range(last["low"], last["best"], last["high"])
        who = data.publishers.get(last["source_id"], last["source_id"])
        text = latest.replace(" (best", "\n(best") + f",\n{last['as_of']:%-d %b}, {who}"
        labels.append((float(_value(last)), text, {"color": _ink(colours[0]), "fontsize": 11,
                                                   "weight": "bold", "gid": "latest"}))
        subtitle = f"{latest} as of {last['as_of']:%-d %b %Y}; {_change(w)}"
    else:
        subtitle = f"no weekly figure yet; source points up to {data.as_of:%-d %b %Y}"
    xs = [d.date() for d in w["date"]]
    y = [float(v) for v in w["best"].fillna(w["low"])]
    high = w["high"].astype("Float64")
    ax.fill_between(xs, w["low"].astype(float), high.fillna(w["low"]).astype(float),
                    color=colours[0], alpha=0.18, lw=0, label="low\u2013high range", gid="band")
    ax.plot(xs, y, color=colours[0], lw=2.4, label="weekly figure", gid="weekly", zorder=3,
            marker="o" if len(xs) == 1 else None)  # a lone week is a dot, not an invisible line
    _arrows(ax, xs, y, high.isna(), colours[0])
    for i, (key, g) in enumerate(data.points.groupby("source_id", sort=False)):
        sid = str(key)
        c = colours[(i + 1) % len(colours)]
        px = [d.date() for d in g["date"]]
        py = [float(v) for v in g["best"].fillna(g["low"])]
        ax.plot(px, py, ls=LINESTYLES[i % len(LINESTYLES)], lw=1, marker=MARKERS[i % len(MARKERS)],
                ms=3.5, color=c, label=f"{data.publishers[sid]} ({sid})", gid=f"source:{sid}", zorder=4)
        ranged = g[g["high"].notna() & (g["high"] != g["low"])]
        ax.vlines([d.date() for d in ranged["date"]], ranged["low"].astype(float),
                  ranged["high"].astype(float), color=c, lw=1)
        _arrows(ax, px, py, g["high"].isna(), c)
        text = textwrap.fill(f"{MARKS[i % len(MARKS)]} {data.publishers[sid]} ({sid}): "
                             f"{data.methods[sid]}", 30, break_on_hyphens=False)
        labels.append((py[-1], text, {"color": _ink(c), "fontsize": 8.5, "gid": f"label:{sid}"}))
    ax.set_ylim(bottom=0)
    days = [*xs, *(d.date() for d in data.points["date"])]  # at least two weeks wide, never hours
    span = timedelta(days=max((max(days) - min(days)).days, 14))
    pad = max(span * 0.03, timedelta(days=1))
    ax.set_xlim(max(days) - span - pad, max(days) + pad)
    top = ax.get_ylim()[1]
    ax.yaxis.set_major_formatter(FuncFormatter(
        lambda v, _: f"{v / 1e6:,.1f}m".replace(".0m", "m") if top >= 2e6 and v else f"{v:,.0f}"))
    ax.xaxis.set_major_locator(loc := mdates.AutoDateLocator(maxticks=10))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(
        loc, formats=["%Y", "%b", "%-d %b", "%H:%M", "%H:%M", "%S.%f"],
        zero_formats=["", "%b %Y", "%-d %b", "%-d %b", "%H:%M", "%H:%M"],
        offset_formats=["", "%Y", "%Y", "%-d %b %Y", "%-d %b %Y", "%-d %b %Y %H:%M"]))
    group = "" if data.chart.group == "all" else f" ({data.chart.group})"
    ax.set_ylabel(f"{data.chart.metric.capitalize()}{group}, cumulative", color="#444444")
    ax.grid(axis="y", color="#dddddd", lw=0.8)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(colors="#444444")
    _margin_labels(ax, labels)
    fig.text(0.02, 0.95, data.chart.title, fontsize=17, weight="bold", va="top", gid="title")
    fig.text(0.02, 0.885, subtitle, fontsize=11.5, color="#333333", va="top", gid="subtitle")
    fig.text(0.02, 0.02, textwrap.fill(footer(data, week_label), 150), fontsize=8, color="#444444",
             va="bottom", gid="footer", linespacing=1.4)
    return fig


def save_png(fig: Figure, path: Path, *, title: str, description: str, source: str,
             copyright: str = "") -> Path:
    """Write `fig` as a PNG whose bytes depend only on the figure (no software version, no time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {"Software": None, "Title": title, "Description": description, "Source": source,
                "Copyright": copyright or None}
    fig.savefig(path, format="png", dpi=DPI, metadata=metadata)
    return path


def describe(data: ChartData, week: str) -> str:
    """Alt text: what the chart shows, the trend, the latest range and date, and the sources."""
    w, c = data.weekly, data.chart
    first, last = w.iloc[0], w.iloc[-1]
    delta = _value(last) - _value(first)
    trend = "rose" if delta > 0 else "fell" if delta < 0 else "stayed"
    latest = _range(last["low"], last["best"], last["high"], exact)
    what = ", ".join([c.metric, *([c.group] if c.group != "all" else []), c.place or f"whole of {c.area}"])
    return (f"Line chart: {c.title} ({what}), weekly from {first['week']} to {week}, with each "
            f"source's reported points. The figure {trend} from {exact(_value(first))} in the week to "
            f"{first['period_end']:%-d %B %Y} to {'a range of ' * (' to ' in latest)}{latest} as of "
            f"{last['as_of']:%-d %B %Y}; {_change(w, exact)}. Sources: {data.source_line}.\n")


def plotted(data: ChartData) -> pd.DataFrame:
    """The plotted data, tidy: weekly rows (`series` = 'weekly') then each source's points."""
    weekly = data.weekly.assign(series="weekly", scope=None, rule="consensus",
                                publisher=data.weekly["source_id"].map(data.publishers))
    return pd.concat([weekly[CSV_COLUMNS], data.points[CSV_COLUMNS]], ignore_index=True)


def _target(store: Store, chart: ChartConfig, week: str | None, through: date | None,
            today: date) -> tuple[str, date] | None:
    if week:
        return week_label(parse_week(week)[0]), parse_week(week)[1]
    if through:
        return week_label(through), through
    found = [o.as_of for o in store.select(metric=chart.metric, area=chart.area, group=chart.group)
             if o.place == chart.place]
    if not found:
        return None
    sunday = max(found) + timedelta(days=6 - max(found).weekday())
    if sunday > today:
        sunday -= timedelta(days=7)
    return week_label(sunday), sunday


def write_weekly(store: Store, sources: SourcesFile, *, week: str | None, through: date | None,
                 out_dir: Path, today: date | None = None,
                 messages: list[str] | None = None) -> list[Path]:
    """Write `<out_dir>/<YYYY-Www>/<chart>.png, .alt.txt, .csv` for each chart; return the paths.

    `week` picks an ISO week (drawn to its Sunday); `through` a cut-off day (its week); neither,
    the last full week with data. A chart with no figure for its week is skipped: the reason is
    logged and appended to `messages`. `write_weekly(store, cfg, week="2022-W16", through=None,
    out_dir=Path("charts"))`
    """
    if week and through:
        raise ConfigError("give a week (YYYY-Www) or a through date, not both")
    if not sources.charts and not sources.sources:
        raise ConfigError(f"{sources.path}: no charts and no sources; add a 'charts:' entry")
    area = sources.sources[0].area if sources.sources else ""
    charts = sources.charts or [ChartConfig(id=f"refugees-{area.lower()}", metric="refugees",
                                            area=area, title=f"Refugees from {area}")]
    written: list[Path] = []
    for chart in charts:
        target = _target(store, chart, week, through, today or date.today())
        data = chart_data(store, chart, sources, target[1]) if target else None
        if target is None or data is None or list(data.weekly["week"][-1:]) != [target[0]]:
            why = (f"chart {chart.id!r}: no {chart.metric} figure for {chart.area}"
                   f"{'/' + chart.place if chart.place else ''} {'for ' + target[0] if target else 'at all'}"
                   "; skipped (run 'figures update', or pick a week with data)")
            log.warning(why)
            if messages is not None:
                messages.append(why)
            continue
        label, folder = target[0], out_dir / target[0]
        folder.mkdir(parents=True, exist_ok=True)
        alt = describe(data, label)
        licences = "; ".join(dict.fromkeys(data.licences.get(s, "") for s in data.points["source_id"]))
        png = save_png(build_figure(data, label), folder / f"{chart.id}.png", title=chart.title,
                       description=alt.strip(), source=footer(data, label), copyright=licences)
        (folder / f"{chart.id}.alt.txt").write_text(alt, encoding="utf-8")
        plotted(data).to_csv(csv := folder / f"{chart.id}.csv", index=False, date_format="%Y-%m-%d")
        written += [png, folder / f"{chart.id}.alt.txt", csv]
    return written
