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

from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..errors import FiguresError
from .data import ChartData
from .style import EDGE, GRID, INK, MUTED, Look, arrows, canvas, count_axis, fit, heading, house_style, looks, spread
from .words import day, footer, is_open, latest_label, records, row_span, short_span, subtitle, tick, value

#: The widest a voice's name is drawn on the compared chart's y axis, in pixels: wide enough for
#: "\u25cf Federal Ministry of Health" on one line.
NAME_WIDTH = 220


def _segments(dates: pd.Series) -> list[np.ndarray]:
    """Index runs of consecutive weeks: the line breaks where no source counted for a week."""
    starts = pd.to_datetime(dates).to_numpy()
    cut = np.flatnonzero(np.diff(starts) > np.timedelta64(7, "D")) + 1
    return np.split(np.arange(len(starts)), cut)


def _clusters(days: np.ndarray) -> list[tuple[float, float]]:
    """Runs of dates (matplotlib day numbers) split at gaps long enough to squeeze: longer than
    eight weeks and than a quarter of the whole span. At most three runs."""
    days = np.unique(days)
    total = days[-1] - days[0]
    gaps = np.diff(days)
    big = [i for i in np.argsort(-gaps)[:2] if gaps[i] > 56 and gaps[i] > 0.25 * total]
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


def draw_series(data: ChartData) -> Figure:
    """The figures over time: the consensus band and best line, each voice's figures, the latest label."""
    now = data.current
    if now is None:
        raise FiguresError(f"chart {data.chart.id!r}: no {data.chart.metric} figure counts in {data.week}; "
                           "nothing to draw (run 'figures update', or pick a week with data)")
    look = looks(list(dict.fromkeys([*data.voices, *data.projections["voice"]])))
    year = data.through.year
    with house_style():
        fig, ax = canvas()
        fig.subplots_adjust(left=0.075, right=0.76, top=0.79, bottom=0.2)
        w = data.series
        through = pd.Timestamp(data.through)
        xs = pd.Series([min(e, through) for e in w["period_end"]])
        low = w["low"].astype(float).to_numpy()
        best = _y(w)
        high = w["high"].astype("Float64").astype(float).to_numpy()  # NaN: open
        for i, run in enumerate(_segments(w["period_start"])):
            rx = xs.iloc[run].to_numpy()
            ax.fill_between(rx, low[run], np.where(np.isnan(high[run]), low[run], high[run]), color=INK,
                            alpha=0.13, lw=0, gid="band" if i == 0 else None, zorder=1)
            ax.plot(rx, best[run], color=INK, lw=2.6, zorder=5, solid_capstyle="round",
                    gid="consensus" if i == 0 else None, marker="o" if len(run) == 1 else None, ms=5)
        if is_open(now["high"]):
            arrows(ax, [xs.iloc[-1]], [best[-1]], INK, "arrow:consensus", size=1.3)
        tops = [0 if np.isnan(high).all() else np.nanmax(high), best.max()]
        labels: list[tuple[float, Text]] = []
        label = ax.text(1.02, 0, latest_label(data, year), transform=ax.transAxes,
                        va="center", fontsize=11.5, weight="bold", color=INK, gid="latest", linespacing=1.25)
        labels.append((best[-1], label))
        for voice in data.voices:
            lk = look[voice]
            g = data.points[data.points["voice"] == voice]
            gy = _y(g)
            for k, (_, part) in enumerate(sorted(g.groupby("kind"), key=lambda kv: -len(kv[1]))):
                # one line per kind of figure (stated; a running total), broken where figures are far apart
                far = part["as_of"].diff() > pd.Timedelta(days=max(31, 2 * data.stale_days))
                px = part["as_of"].astype("datetime64[us]").to_numpy()
                py = _y(part)
                for i, run in enumerate(np.split(np.arange(len(part)), np.flatnonzero(far.to_numpy()))):
                    ax.plot(px[run], py[run], ls=lk.linestyle, lw=1.2, marker=lk.marker, ms=5.5, color=lk.colour,
                            zorder=6, gid=f"source:{voice}" if k == i == 0 else None, markeredgecolor="white",
                            markeredgewidth=0.6)
            ranged = g[g["high"].notna() & (g["high"] != g["low"])]
            if len(ranged):
                ax.vlines(ranged["as_of"].to_numpy(), ranged["low"].astype(float), ranged["high"].astype(float),
                          color=lk.colour, lw=1.5, alpha=0.85, zorder=4, gid=f"range:{voice}")
                tops.append(float(ranged["high"].max()))
            open_ended = g["high"].isna().to_numpy()
            if open_ended.any():
                arrows(ax, g["as_of"].to_numpy()[open_ended], gy[open_ended], lk.colour, f"arrow:{voice}")
            tops.append(float(np.nanmax(gy)))
            last = data.latest[data.latest["voice"] == voice].iloc[0]
            text = f"{lk.glyph} {voice}: {short_span(last)}, {day(last['as_of'], year=last['as_of'].year != year)}"
            if not last["counting"]:
                text += ", not counted (old)"
            labels.append((gy[-1], ax.text(1.02, 0, text, transform=ax.transAxes, va="center",
                                           fontsize=10, color=lk.ink, gid=f"label:{voice}")))
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
        drawn = [*xs, *data.points["as_of"], *data.projections["as_of"]]
        _time_axis(ax, _clusters(mdates.date2num(pd.to_datetime(pd.Series(drawn)).to_numpy())))
        ax.set_ylabel(axis_label(data.chart), color=MUTED, fontsize=10.5)
        heading(fig, data.chart.title, subtitle(data), footer(data))
        spread(fig, ax, labels)
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
        if now is not None:  # the consensus, behind every range
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
                said += f"\nnot counted: older than {data.stale_days} days"
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
        sub = (f"The latest figure of {'each of ' * (n > 1)}{n} source{'s' * (n > 1)} as of {day(data.through)}"
               + (f" \u00b7 {len(pairs)} disputed pair{'s' * (len(pairs) != 1)}" if len(pairs) else ""))
        heading(fig, f"{data.chart.title}: the estimates compared", sub, footer(data, compared=True))
        spread(fig, ax, labels, gap_px=4)  # a long range or a long name disputed with: wrapped, then apart
    return fig
