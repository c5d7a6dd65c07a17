"""Drawing: the time-series chart and the estimates-compared chart, as matplotlib Figures.

Object-oriented matplotlib on an Agg canvas (no pyplot state), in the house style of `style`:
1200 x 675 px; text at 9 pt or more; each voice keeps one colour, marker and line style on both
charts; labels sit beside what they name, wrapped to end before the picture's right margin and
pushed apart so none overlap; the compared chart's left margin fits the widest voice's name. Every
artist a test looks for carries a gid: `title`, `subtitle`, `footer`, `latest`, `consensus`, `band`,
`source:<voice>`, `range:<voice>`, `arrow:<voice>`, `projection:<voice>`, `label:<voice>`,
`dispute:<a>|<b>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import offset_copy

from ..errors import FiguresError
from .data import ChartData
from .style import EDGE, GRID, INK, MUTED, Look, arrows, canvas, count_axis, fit, heading, house_style, looks, spread
from .words import (
    day,
    footer,
    is_open,
    latest_label,
    records,
    row_span,
    short_span,
    source_line,
    subtitle,
    tick,
    value,
    why_not_counted,
)

#: The widest a voice's name is drawn on the compared chart's y axis, in pixels: wide enough for
#: "\u25cf Federal Ministry of Health" on one line.
NAME_WIDTH = 220


def _clusters(days: np.ndarray, held: Sequence[tuple[float, float]] = ()) -> list[tuple[float, float]]:
    """Runs of dates (matplotlib day numbers) split at gaps long enough to squeeze: longer than
    eight weeks and than a quarter of the whole span, with no line drawn across them (`held`: the
    spans a figure is drawn over; a yearly figure held for months is not squeezed away). At most
    three runs."""
    days = np.unique(days)
    total = days[-1] - days[0]
    gaps = np.diff(days)

    def crossed(i: int) -> bool:
        return any(a <= days[i] and b >= days[i + 1] for a, b in held)

    big = [i for i in np.argsort(-gaps)[:2] if gaps[i] > 56 and gaps[i] > 0.25 * total and not crossed(int(i))]
    cuts = sorted(int(i) + 1 for i in big)
    return [(float(run[0]), float(run[-1])) for run in np.split(days, cuts)]


def _time_axis(ax: Axes, runs: list[tuple[float, float]]) -> None:
    """A date axis with human dates; long gaps with nothing drawn are squeezed to a narrow break,
    and a short run beside a long one is stretched so it can be read."""
    real = [max(b - a, 7.0) for a, b in runs]
    pad = max(sum(real) * 0.025, 2.0)
    edges = [(a - pad, a + w + pad) for (a, _), w in zip(runs, real, strict=True)]
    total = sum(hi - lo for lo, hi in edges)
    shown = [max(hi - lo, 0.15 * total) for lo, hi in edges]
    if len(runs) > 1:  # piecewise linear: each run at least 15% of the width, each gap 4%
        xs, ys, at = [-1e6], [-1e6 - edges[0][0]], 0.0
        for (lo, hi), width in zip(edges, shown, strict=True):
            xs += [lo, hi]
            ys += [at, at + width]
            at += width + 0.04 * total
        xs.append(1e7)
        ys.append(ys[-1] + (1e7 - xs[-2]) * (shown[-1] / (edges[-1][1] - edges[-1][0])))
        fx, fy = np.array(xs), np.array(ys)
        ax.set_xscale("function", functions=(lambda x: np.interp(x, fx, fy), lambda y: np.interp(y, fy, fx)))
    ax.set_xlim(edges[0][0], edges[-1][1])
    ticks: list[float] = []
    labels: list[str] = []
    share = [w / (sum(shown) + 0.04 * total * (len(runs) - 1)) for w in shown]
    for (lo, hi), part in zip(edges, share, strict=True):
        loc = mdates.AutoDateLocator(minticks=1 if part < 0.3 else 3, maxticks=max(2, round(8 * part)))
        found = [t for t in loc.tick_values(mdates.num2date(lo), mdates.num2date(hi)) if lo <= t <= hi]
        for k, t in enumerate(found):
            d = mdates.num2date(t)
            text = f"{d:%b}" if d.day == 1 else f"{d.day} {d:%b}"
            if k == 0 or d.year != mdates.num2date(found[k - 1]).year:
                text += f"\n{d.year}"
            ticks.append(t)
            labels.append(text)
    ax.set_xticks(ticks, labels)
    for (_, end), (start, _) in zip(edges, edges[1:], strict=False):  # a break mark where time is squeezed
        ax.axvspan(end, start, color="#f2f2f2", lw=0, zorder=0, gid="break")
        left, right = mdates.num2date(end), mdates.num2date(start)
        ax.text((end + start) / 2, 0.5, f"{left:%b %Y} to {right:%b %Y}, not to scale", rotation=90, ha="center",
                va="center", fontsize=9, color=MUTED, transform=ax.get_xaxis_transform(), gid="break-label")
        ax.plot([end, start], [0, 0], ls="none", marker=[(-1, -2.5), (1, 2.5)], ms=12, mew=1.4, color="#7a7a7a",
                transform=ax.get_xaxis_transform(), clip_on=False, zorder=8)


def _y(frame: pd.DataFrame) -> np.ndarray:
    """Where a figure is drawn: its best, else its low."""
    return frame["best"].astype("Float64").fillna(frame["low"].astype("Float64")).astype(float).to_numpy()


def _runs(data: ChartData) -> list[pd.DataFrame]:
    """The consensus line in runs of days on which something counts (`ChartData.line`)."""
    line = data.line[data.line["n_sources"] > 0]
    return [g.reset_index(drop=True) for _, g in line.groupby("run", sort=True)]


def _stepped(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """x and y of a step line over a run: each value from its start to the next, the last to its end."""
    x = np.append(frame["start"].astype("datetime64[us]").to_numpy(),
                  np.datetime64(pd.Timestamp(frame["end"].iloc[-1]).to_datetime64(), "us"))
    y = frame[column].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return x, np.append(y, y[-1])


def _voice_steps(part: pd.DataFrame, through: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """A voice's figures as steps: each holds from its date until its next figure, or until its
    window ends (then the line breaks), never past the chart's last day."""
    xs: list[Any] = []
    ys: list[float] = []
    values = _y(part)
    dates = list(part["as_of"])
    untils = list(part["until"])
    for i, (d, until, v) in enumerate(zip(dates, untils, values, strict=True)):
        xs.append(d)
        ys.append(v)
        nxt = dates[i + 1] if i + 1 < len(dates) else None
        end = min(until + pd.Timedelta(days=1), through)
        if nxt is None or end < nxt:  # the figure stops counting before the next one: a break
            xs += [max(end, d), max(end, d)]
            ys += [v, np.nan]
    return pd.to_datetime(pd.Series(xs)).astype("datetime64[us]").to_numpy(), np.array(ys, dtype=float)


def _voice_run(g: pd.DataFrame) -> pd.Timestamp:
    """Where a voice's last unbroken line of figures begins."""
    start = g["as_of"].iloc[-1]
    for i in range(len(g) - 2, -1, -1):
        if g["until"].iloc[i] + pd.Timedelta(days=1) < g["as_of"].iloc[i + 1]:
            break
        start = g["as_of"].iloc[i]
    return start


def _leaders(fig: Figure, ax: Axes, anchors: list[tuple[Text, float, str]]) -> None:
    """A thin line in the right margin from the axes' edge, at the height of what a label names,
    to the label, where labels were pushed apart and no longer sit beside it."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = ax.get_window_extent(renderer)
    for text, y, colour in anchors:
        if np.isnan(y):
            continue
        at = ax.transData.transform((ax.get_xlim()[1], y))[1]
        label = text.get_window_extent(renderer)
        mid = (label.y0 + label.y1) / 2
        if abs(mid - at) < 0.35 * label.height:
            continue
        start = ax.transAxes.inverted().transform((box.x1, at))
        end = ax.transAxes.inverted().transform((label.x0 - 2, mid))
        ax.plot([start[0], start[0] + 0.008, end[0]], [start[1], start[1], end[1]], transform=ax.transAxes,
                color=colour, lw=0.8, alpha=0.8, clip_on=False, zorder=2, gid="leader")


def _inline(fig: Figure, ax: Axes, text: Text, starts: list[float], y: float, taken: list[Any]) -> bool:
    """Put an old figure's label just above (else just below) its line, inside the chart, starting
    at the first of `starts` (x in data units: where its line ends, then where it began) with room
    before the next squeezed break or the right edge and clear of the labels already `taken`;
    False when none has room (it goes in the right margin)."""
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    box = ax.get_window_extent(renderer)
    walls = sorted([box.x1, *(ax.transData.transform((p.get_x(), 0))[0] for p in ax.patches
                              if p.get_gid() == "break")])
    said, natural = text.get_text(), text.get_window_extent(renderer).width
    for x in starts:
        at = ax.transData.transform((x, y))
        room = min(w for w in [*walls, box.x1] if w > at[0] + 1) - at[0] - 10
        if room < min(natural, 0.2 * box.width):
            continue
        for va, dy in (("bottom", 3), ("top", -4)):
            text.set_text(said)
            fit(text, room)
            text.set_position((x, y))
            text.set_ha("left")
            text.set_va(va)
            text.set_transform(offset_copy(ax.transData, fig=fig, x=4, y=dy, units="points"))
            extent = text.get_window_extent(renderer)
            if extent.y1 <= box.y1 and extent.y0 >= box.y0 and not any(extent.overlaps(t) for t in taken):
                taken.append(extent)
                return True
    text.set_text(said)
    return False


def draw_series(data: ChartData) -> Figure:
    """The figures over time: the consensus band and line as steps, each voice's figures as steps,
    derived values dashed, the latest label; one voice alone is drawn once (its figures are the line)."""
    now = data.current
    if now is None:
        raise FiguresError(f"chart {data.chart.id!r}: no {data.chart.metric} figure counts in {data.week}; "
                           "nothing to draw (run 'figures update', or pick a week with data)")
    look = looks(list(dict.fromkeys([*data.voices, *data.projections["voice"]])))
    year = data.through.year
    through = pd.Timestamp(data.through)
    with house_style():
        fig, ax = canvas()
        fig.subplots_adjust(left=0.075, right=0.76, top=0.79, bottom=0.2)
        runs = _runs(data)
        tops: list[float] = [1.0]
        last_x, last_y = through, float("nan")
        for i, run in enumerate(runs):
            x, low = _stepped(run, "low")
            _, high = _stepped(run, "high")
            ax.fill_between(x, low, np.where(np.isnan(high), low, high), step="post", color=INK, alpha=0.13, lw=0,
                            gid="band" if i == 0 else None, zorder=1)
            _, y = _stepped(run, "y")
            derived = np.append(run["derived"].to_numpy(bool), bool(run["derived"].iloc[-1]))
            solid = np.where(derived, np.nan, y)
            # a stated step that ends where a derived one begins still reaches it
            ax.plot(x, solid, color=INK, lw=2.6, zorder=5, drawstyle="steps-post", solid_capstyle="butt",
                    gid="consensus" if i == 0 else None)
            dashed = np.where(derived, y, np.nan)
            if not np.isnan(dashed).all():
                ax.plot(x, dashed, color=INK, lw=2.2, ls=(0, (3, 2)), zorder=5, drawstyle="steps-post",
                        gid="derived")
            tops += [float(np.nanmax(high)) if not np.isnan(high).all() else 0.0, float(np.nanmax(y))
                     if not np.isnan(y).all() else 0.0, float(np.nanmax(low))]
            last_x, last_y = pd.Timestamp(x[-1]), float(y[-1])
        if is_open(now["high"]) and not np.isnan(last_y):
            arrows(ax, [last_x], [last_y], INK, "arrow:consensus", size=1.3)
        labels: list[tuple[float, Text]] = []
        inline: list[tuple[Text, Any, float]] = []
        anchors: list[tuple[Text, float, str]] = []
        label = ax.text(1.02, 0, latest_label(data, year), transform=ax.transAxes,
                        va="center", fontsize=11.5, weight="bold", color=INK, gid="latest", linespacing=1.25)
        labels.append((value(now) if np.isnan(last_y) else last_y, label))
        anchors.append((label, last_y, INK))
        for voice in data.voices:
            lk = look[voice]
            g = data.points[data.points["voice"] == voice]
            gy = _y(g)
            once = data.single and g["kind"].nunique() == 1
            for k, (_, part) in enumerate(sorted(g.groupby("kind"), key=lambda kv: -len(kv[1]))):
                px = part["as_of"].astype("datetime64[us]").to_numpy()
                if not once:  # one line per kind of figure (stated; a running total), as steps
                    sx, sy = _voice_steps(part, through)
                    ax.plot(sx, sy, ls=lk.linestyle, lw=1.4, color=lk.colour, zorder=4, drawstyle="steps-post",
                            gid=f"line:{voice}" if k == 0 else None)
                ax.plot(px, _y(part), ls="none", marker=lk.marker, ms=5.5, color=lk.colour, zorder=7,
                        gid=f"source:{voice}" if k == 0 else None, markeredgecolor="white", markeredgewidth=0.6)
            ranged = g[g["high"].notna() & (g["high"] != g["low"])]
            if len(ranged):
                ax.vlines(ranged["as_of"].to_numpy(), ranged["low"].astype(float), ranged["high"].astype(float),
                          color=lk.colour, lw=1.5, alpha=0.85, zorder=4, gid=f"range:{voice}")
                tops.append(float(ranged["high"].max()))
            open_ended = g["high"].isna().to_numpy()
            if open_ended.any() and not once:
                arrows(ax, g["as_of"].to_numpy()[open_ended], gy[open_ended], lk.colour, f"arrow:{voice}")
            tops.append(float(np.nanmax(gy)))
            if once:
                continue  # its figures are the line, said in the latest label and the footer
            last = data.latest[data.latest["voice"] == voice].iloc[0]
            text = f"{lk.glyph} {voice}: {short_span(last)}, {day(last['as_of'], year=last['as_of'].year != year)}"
            if not last["counting"]:
                text += ", not counted (" + ("replaced" if why_not_counted(data, last).startswith("replaced")
                                             else "old") + ")"
            said = ax.text(1.02, 0, text, transform=ax.transAxes, va="center", fontsize=10, color=lk.ink,
                           gid=f"label:{voice}")
            if not last["counting"]:  # an old figure: labelled where its line ends, once the axes are set
                run = _voice_run(g)
                inline.append((said, [min(g["until"].iloc[-1] + pd.Timedelta(days=1), through), run], float(gy[-1])))
                continue
            labels.append((gy[-1], said))
            anchors.append((said, float(gy[-1]), lk.colour))
        for p in records(data.projections):
            lk = look.get(p["voice"]) or Look(MUTED, "o", "\u25cb", "-")
            y = float(p["low"] if pd.isna(p["best"]) else p["best"])
            ax.plot([p["as_of"]], [y], marker=lk.marker, ms=9, mfc="white", mec=lk.colour, mew=1.8, ls="none",
                    zorder=7, gid=f"projection:{p['voice']}")
            if not pd.isna(p["high"]) and p["high"] != p["low"]:
                ax.vlines([p["as_of"]], float(p["low"]), float(p["high"]), color=lk.colour, lw=1.2, ls=":", zorder=4)
            ax.annotate(f"projected: {row_span(p)}\nby {day(p['as_of'])} ({p['voice']})", (p["as_of"], y),
                        xytext=(-9, 9), textcoords="offset points", ha="right", va="bottom", fontsize=10,
                        color=lk.ink, gid=f"projection-label:{p['voice']}")
            tops.append(float(p["high"]) if not pd.isna(p["high"]) else y)
        count_axis(ax, max(tops) * 1.14 or 1)
        drawn = [*(r for run in runs for r in (*run["start"], run["end"].iloc[-1])), *data.points["as_of"],
                 *data.projections["as_of"], through]
        held = [(float(mdates.date2num(a)), float(mdates.date2num(b)))
                for run in runs for a, b in zip(run["start"], run["end"], strict=True)]
        _time_axis(ax, _clusters(mdates.date2num(pd.to_datetime(pd.Series(drawn)).to_numpy()), held))
        ax.set_ylabel(axis_label(data.chart), color=MUTED, fontsize=10.5)
        if len(data.derived):
            ax.plot([], [], color=INK, lw=2.2, ls=(0, (3, 2)), label="derived: a middle no source stated")
            ax.legend(loc="upper left", frameon=False, fontsize=10, handlelength=2.6)
        heading(fig, data.chart.title, subtitle(data), footer(data), ax)
        taken: list[Any] = []
        for said, at, y in inline:
            if not _inline(fig, ax, said, [float(mdates.date2num(x)) for x in at], y, taken):
                said.set_transform(ax.transAxes)
                labels.append((y, said))
        spread(fig, ax, labels)
        _leaders(fig, ax, anchors)
    return fig


def axis_label(chart: Any) -> str:
    """`Civilians killed, total`, `IDPs, total`."""
    what = {"idps": "IDPs"}.get(chart.metric, chart.metric)
    group = "" if chart.group == "all" else f"{chart.group} "
    said = f"{group}{what}, total"
    return said[0].upper() + said[1:]


def _names(fig: Figure, ax: Axes, names: list[str], inks: list[str]) -> None:
    """The voices' names on the y axis, each wrapped to `NAME_WIDTH` on two lines at most (then cut
    with an ellipsis), and a left margin that fits the widest: it starts where the title does."""
    probe = fig.text(0, 0, "", fontsize=11)
    fitted = []
    for name in names:
        probe.set_text(name)
        fitted.append(fit(probe, NAME_WIDTH, max_lines=2))
    probe.remove()
    ax.set_yticks(range(len(fitted)), fitted)
    for ticklabel, ink in zip(ax.get_yticklabels(), inks, strict=True):
        ticklabel.set_color(ink)
        ticklabel.set_fontsize(11)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    names_at = ax.yaxis.get_tightbbox(renderer)  # the names as they will be drawn
    short = EDGE * fig.bbox.width - names_at.x0 if names_at is not None else 0.0
    if short > 0:  # move the axes right until the widest name starts where the title does
        fig.subplots_adjust(left=fig.subplotpars.left + short / fig.bbox.width)


def draw_compared(data: ChartData) -> Figure:
    """Each voice's latest figure as a horizontal range with its best point, sorted, disputes marked."""
    if data.latest.empty:
        raise FiguresError(f"chart {data.chart.id!r}: no {data.chart.metric} figure up to {data.through}; "
                           "nothing to compare (run 'figures update', or pick a week with data)")
    look = looks(data.voices)
    rows = sorted(records(data.latest), key=lambda r: (value(r), r["voice"]))
    at = {r["voice"]: i for i, r in enumerate(rows)}
    with house_style():
        fig, ax = canvas()
        fig.subplots_adjust(left=0.15, right=0.74, top=0.79, bottom=0.2)
        highs = [float(r["high"]) for r in rows if not is_open(r["high"])]
        top = max([*highs, *(value(r) for r in rows)]) * 1.18 or 1
        now = data.current
        if data.single:  # nothing to compare with: said in words, the one figure drawn once
            only = rows[0]
            ax.text(0.02, 0.96, f"Only one source: {source_line(data)}.\nNo other estimate of this figure to "
                    f"compare it with{' up to ' + day(data.through) if True else ''}; its latest figure is "
                    f"{row_span(only)} as of {day(only['as_of'])}.", transform=ax.transAxes, va="top", ha="left",
                    fontsize=11, color=MUTED, gid="single", linespacing=1.35)
        elif now is not None:  # the consensus, behind every range
            band_high = top if is_open(now["high"]) else float(now["high"])
            ax.axvspan(float(now["low"]), max(band_high, float(now["low"]) + top * 0.004), color=INK, alpha=0.1,
                       lw=0, gid="band", zorder=0)
            ax.axvline(value(now), color=INK, lw=1.6, ls="--", zorder=1, gid="consensus")
            ax.text(value(now), 1.01, f"consensus: {row_span(now)}", transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=10.5, color=INK, weight="bold", gid="consensus-label")
        labels: list[tuple[float, Text]] = []
        for r in rows:
            voice, y, lk = r["voice"], at[r["voice"]], look[r["voice"]]
            alpha = 1.0 if r["counting"] else 0.45
            if is_open(r["high"]):  # "at least": a dotted run to the edge and an arrow, not a bar
                ax.hlines(y, float(r["low"]), top * 0.985, color=lk.colour, lw=1.6, ls=(0, (1.5, 2)), alpha=alpha,
                          zorder=3, gid=f"range:{voice}")
                ax.annotate("", (top, y), xytext=(-20, 0), textcoords="offset points", gid=f"arrow:{voice}",
                            arrowprops={"arrowstyle": "-|>", "color": lk.colour, "lw": 1.6, "alpha": alpha,
                                        "mutation_scale": 14, "shrinkA": 0, "shrinkB": 0})
            elif r["high"] != r["low"]:
                ax.hlines(y, float(r["low"]), float(r["high"]), color=lk.colour, lw=7, alpha=0.5 * alpha, zorder=3,
                          gid=f"range:{voice}", capstyle="round")
            ax.plot([value(r)], [y], marker=lk.marker, ms=12, color=lk.colour, mec="white", mew=1, ls="none",
                    zorder=5, alpha=alpha, gid=f"source:{voice}")
            said = f"{row_span(r)}\nas of {day(r['as_of'])}"
            if not r["counting"]:
                said += f"\nnot counted: {why_not_counted(data, r)}"
            if r["disputed_with"]:
                said += f"\n\u2716 disputed with {r['disputed_with']}"
            labels.append((y, ax.text(1.02, y, said, transform=ax.get_yaxis_transform(), va="center", fontsize=10,
                                      color=lk.ink, gid=f"label:{voice}", linespacing=1.2)))
        pairs = data.disputes.drop_duplicates(["source_a", "source_b"], keep="last")
        for p in records(pairs):
            a, b = p["source_a"], p["source_b"]
            if a in at and b in at:  # a's range ends below b's: a dotted gap between them
                ax.annotate("", (float(p["low_b"]), at[b]), xytext=(float(p["high_a"]), at[a]), gid=f"dispute:{a}|{b}",
                            arrowprops={"arrowstyle": "-", "ls": ":", "lw": 1.6, "color": "#b2182b", "shrinkA": 6,
                                        "shrinkB": 6})
        ax.tick_params(axis="y", length=0)
        _names(fig, ax, [f"{look[r['voice']].glyph} {r['voice']}" for r in rows], [look[r["voice"]].ink for r in rows])
        ax.set_ylim(-0.7, len(rows) - 0.3)
        ax.set_xlim(0, top)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], integer=True))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: tick(v, top)))
        ax.grid(axis="x", color=GRID, lw=0.9)
        ax.set_axisbelow(True)
        ax.spines["left"].set_visible(False)
        n = len(rows)
        sub = (("The latest figure of the only source" if n == 1 else f"The latest figure of each of {n} sources")
               + f" as of {day(data.through)}"
               + (f" \u00b7 {len(pairs)} disputed pair{'s' * (len(pairs) != 1)}" if len(pairs) else ""))
        heading(fig, f"{data.chart.title}: the estimates compared", sub, footer(data, compared=True), ax)
        spread(fig, ax, labels, gap_px=4)  # a long range or a long name disputed with: wrapped, then apart
    return fig
