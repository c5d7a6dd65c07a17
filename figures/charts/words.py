"""The words on and beside a chart: numbers as a reader says them, ranges, the change since last
week, the footer built from the data, and the alt text."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from .data import ChartData, parse_week

Say = Callable[[int | float], str]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as dicts keyed by column name (as `to_dict("records")` gives them, in
    half the time: a column at a time)."""
    columns = [str(c) for c in frame.columns]
    values = [frame[c].tolist() for c in frame.columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def human(n: int | float, way: str = "nearest") -> str:
    """A number as a reader says it: 5264767 -> '5.26 million', 31587 -> '31,600', 726 -> '726'.

    Three significant figures from 10,000 up, rounded to the nearest; `way="down"` for a lower
    bound and `way="up"` for an upper one, so that a bound is never said beyond what its source
    stated ("at least 31,587" is never "at least 31,600")."""
    if abs(n) < 10_000:
        return f"{n:,.0f}"
    step = 10 ** (len(str(int(abs(n)))) - 3)
    rounded = {"down": math.floor, "up": math.ceil}.get(way)
    kept = rounded(n / step) * step if rounded else round(n, 3 - len(str(int(abs(n)))))
    if abs(kept) >= 1_000_000_000:
        return f"{kept / 1e9:,.3g} billion"
    if abs(kept) >= 1_000_000:
        return f"{kept / 1e6:.3g} million"
    return f"{kept:,.0f}"


def floor_said(n: int | float, say: Say) -> str:
    """A lower bound as `say` writes it, never above it: under a million in full (a verified
    minimum is quoted as stated: "at least 17,535"), from a million rounded down."""
    if say is human:
        return exact(n) if abs(n) < 1_000_000 else human(n, "down")
    return say(n)


def exact(n: int | float) -> str:
    """A number in full: 5264767 -> '5,264,767'."""
    return f"{n:,.0f}"


def tick(value: float, top: float) -> str:
    """An axis tick: thousands separators below 10,000, then '20k', then '1.5M' (by the axis top)."""
    if value == 0:
        return "0"
    if top >= 1_500_000:
        return f"{value / 1e6:,.2f}".rstrip("0").rstrip(".") + "M"
    if top >= 15_000:
        return f"{value / 1e3:,.1f}".rstrip("0").rstrip(".") + "k"
    return f"{value:,.0f}"


def day(d: Any, year: bool = True) -> str:
    """`25 Apr 2022` (or `25 Apr`)."""
    d = pd.Timestamp(d)
    return f"{d.day} {d:%b}" + (f" {d.year}" if year else "")


def long_day(d: Any) -> str:
    """`25 April 2022`."""
    d = pd.Timestamp(d)
    return f"{d.day} {d:%B %Y}"


def is_open(high: Any) -> bool:
    return high is None or pd.isna(high)


def value(row: Any) -> int:
    """The one number a row stands for: its best, else its low."""
    return int(row["low"] if pd.isna(row["best"]) else row["best"])


def span(low: Any, best: Any, high: Any, say: Say = human, derived: bool = False) -> str:
    """`5.26 million`, `at least 1,151`, `3,500 to 5,500 (best 3,900)`, `(derived best 275)`."""
    if is_open(high):
        return f"at least {floor_said(low, say)}"
    if low == high:
        return say(low)
    lo, hi = (human(low, "down"), human(high, "up")) if say is human else (say(low), say(high))
    return f"{lo} to {hi}" + ("" if pd.isna(best) else f" ({'derived ' * derived}best {say(best)})")


def _derived(row: Any) -> bool:
    """Whether a consensus row's best is derived (no source stated it)."""
    found = row.get("best_derived", False) if hasattr(row, "get") else False
    return bool(found) and not pd.isna(found)


def row_span(row: Any, say: Say = human) -> str:
    return span(row["low"], row["best"], row["high"], say, _derived(row))


def short_span(row: Any) -> str:
    """A range for a label, short: `6.5\u20137.14 million (best 6.82 million)`, `at least 1,151`."""
    low, best, high = row["low"], row["best"], row["high"]
    if is_open(high) or low == high:
        return span(low, best, high)
    lo, hi = human(low, "down"), human(high, "up")
    if lo.endswith(" million") and hi.endswith(" million"):  # "6.5-7.14 million"
        lo = lo.removesuffix(" million")
    said = f"{lo}\u2013{hi}"
    return said + ("" if pd.isna(best) else f" ({'derived ' * _derived(row)}best {human(best)})")


def change(data: ChartData, say: Say = human) -> str:
    """`up 31,600 on the week before`, `unchanged on ...`, or why there is nothing to compare."""
    now, before = data.current, data.previous
    if now is None:
        return ""
    if before is None:
        earlier = data.series[data.series["period"] < data.week]
        return "no figure the week before" if len(earlier) else "first week with a figure"
    delta = value(now) - value(before)
    if delta == 0:
        return "unchanged on the week before"
    return f"{'up' if delta > 0 else 'down'} {say(abs(delta))} on the week before"


def who(row: Any) -> str:
    """The voices that set the consensus bounds of a series row: `OHCHR` or `OHCHR, UNHCR`."""
    names = [str(row[c]).rsplit(" ", 1)[0] for c in ("low_from", "high_from") if row[c]]
    return ", ".join(dict.fromkeys(names)) or str(row["sources"])


def set_on(row: Any) -> pd.Timestamp:
    """The date of the figure behind a consensus row: the one that set its bounds when one did
    (a running total's floor can be a figure weeks old), else the row's as-of date."""
    found = {str(row[c]).rsplit(" ", 1)[1] for c in ("low_from", "high_from") if row[c]}
    return pd.Timestamp(found.pop()) if len(found) == 1 else pd.Timestamp(row["as_of"])


def latest_label(data: ChartData, year: int | None = None) -> str:
    """`5.26 million, 25 Apr, UNHCR`: the consensus of the week, labelled at the line's end (the
    year is said when it is not `year`)."""
    now = data.current
    assert now is not None
    when = set_on(now)
    said = short_span(now).replace(" (best", "\n(best").replace(" (derived best", "\n(derived best")
    return f"{said},\n{day(when, year=when.year != year)}, {who(now)}"


def subtitle(data: ChartData) -> str:
    """The line under the title: the latest figure, the change on last week, how many sources."""
    now = data.current
    assert now is not None
    n = int(now["n_sources"])
    said = (f"{short_span(now)} as of {day(set_on(now))} ({who(now)}) \u00b7 {change(data)} \u00b7 {n} source"
            f"{'s' * (n != 1)} counting")
    if now["disputed"]:
        said += ", disputed"
    return said


def source_line(data: ChartData, voices: list[str] | None = None) -> str:
    """`OHCHR, also via OCHA; UNHCR via ReliefWeb (OCHA)`: each voice and who carried its figures."""
    parts = []
    for voice in voices if voices is not None else data.voices:
        others = [p for p in data.carriers.get(voice, []) if p != voice]
        if not others:
            parts.append(voice)
        else:
            via = ", ".join(others[:-1]) + (" and " if len(others) > 1 else "") + others[-1]
            also = " also" if voice in data.carriers.get(voice, []) else ""
            parts.append(f"{voice},{also} via {via}" if also else f"{voice} via {via}")
    return "; ".join(parts)


def windows_said(data: ChartData) -> str:
    """`daily and irregular figures count 14 days after their date, yearly figures 366 days`."""
    parts = [f"{who} figures {days} days" for who, days in data.windows]
    if not parts:
        return f"a figure counts for {data.stale_days} days after its date"
    first = parts[0].replace(" figures ", " figures count ", 1) + " after their date"
    return ", ".join([first, *parts[1:]])


def method(data: ChartData, compared: bool = False) -> str:
    """The one-line method note, built from the rules applied to this chart: how long figures
    count, where totals start, how the line is drawn between reports, and what each mark means."""
    w, p = data.series, (data.latest if compared else data.points)
    if compared and data.single:
        note = ["the one source's latest figure"]
    elif compared:
        note = ["each source's latest figure (dashed line: the consensus"
                + ("; shaded: its range)" if _banded(w.tail(1)) else ")")]
    else:
        st = data.steps
        line = "line = the one source's figures" if data.single else "line = the consensus"
        note = [line + " as steps, each figure held until the next or the end of its window; blank = no figure "
                "counts" + ("; shaded = the consensus range" if _banded(st) else "")]
    note.append(windows_said(data))
    if data.count_from is not None:
        note.append(f"counted from {day(data.count_from)}, earlier figures not drawn")
    if not data.monotone and len(data.voices) > 1:
        note.append("a newer stock figure replaces older ones")
    if not compared and len(data.derived):
        note.append("dashed = derived, a middle of the sources' bounds that no source stated, shown from the "
                    "day its figures were all published")
    sums = [v for v in data.voices if (p["voice"].eq(v) & p["kind"].eq("incidents")).any()]
    if sums:
        note.append(f"{', '.join(sums)}: daily or per-event figures summed into a running total")
    if not compared and _banded(p):
        note.append("bar = a source's low-high range")
    if p["high"].isna().any() or (not compared and w["high"].isna().any()):
        note.append("arrow = no upper bound stated ('at least')")
    if compared and len(data.disputes):
        note.append("red dotted line = two figures that cannot both be true")
    return "; ".join(note)


def window_of(data: ChartData, row: Any) -> int:
    """How long a voice's latest figure counts."""
    found = row.get("window") if hasattr(row, "get") else None
    return data.stale_days if found is None or pd.isna(found) else int(found)


def why_not_counted(data: ChartData, row: Any) -> str:
    """`older than 14 days` or `replaced by a newer figure` (a stock figure another voice updated)."""
    days = window_of(data, row)
    if pd.Timestamp(row["as_of"]) + pd.Timedelta(days=days) >= pd.Timestamp(data.through):
        return "replaced by a newer figure"
    return f"older than {days} days"


def _banded(frame: pd.DataFrame) -> bool:
    return bool((frame["high"].notna() & (frame["high"] != frame["low"])).any())


@functools.lru_cache(maxsize=64)
def footer(data: ChartData, compared: bool = False) -> str:
    """The source line under a chart, from what is drawn (built once per chart: the chart and its
    PNG metadata both carry it)."""
    as_of = data.as_of
    known = f" Data as of {day(as_of)}." if as_of else ""
    projected = "" if compared or data.projections.empty else (
        f" Projection{'s' * (len(data.projections) > 1)}: {', '.join(dict.fromkeys(data.projections['voice']))}.")
    return (f"Sources: {source_line(data)}.{projected}{known} Method: {method(data, compared)}. "
            f"Chart: figures, {data.week} ({_week_span(data.week)}).")


def _week_span(week: str) -> str:
    monday, sunday = parse_week(week)
    return f"{day(monday, year=monday.year != sunday.year)}\u2013{day(sunday)}"


def _extremes(data: ChartData) -> str:
    latest = data.latest
    if latest.empty:
        return ""
    ranked = sorted(records(latest), key=lambda r: (value(r), r["voice"]))
    low, high = ranked[0], ranked[-1]

    def said(r: dict[str, Any]) -> str:
        stale = "" if r["counting"] else f", {why_not_counted(data, r)} and not counted"
        return f"{r['voice']}, {row_span(r, exact)} as of {long_day(r['as_of'])}{stale}"
    if len(ranked) == 1:
        return f" Only source: {said(high)}."
    return f" Highest source: {said(high)}. Lowest source: {said(low)}."


def _days(a: Any, b: Any) -> str:
    """`11 to 13 May 2023`, `24 May to 6 October 2023`, `7 October 2023`."""
    a, b = pd.Timestamp(a), pd.Timestamp(b)
    if a.normalize() >= b.normalize():
        return long_day(a)
    if a.year != b.year:
        return f"{long_day(a)} to {long_day(b)}"
    return f"{a.day}{' ' + f'{a:%B}' if a.month != b.month else ''} to {long_day(b)}"


def describe_series(data: ChartData) -> str:
    """Alt text of the time-series chart: what it shows and how, the trend, the gaps, which values
    are derived, the latest range, the extremes."""
    c, line, now = data.chart, data.line, data.current
    assert now is not None
    one = pd.Timedelta(days=1)
    drawn = line[line["y"].notna()]
    first = drawn.iloc[0] if len(drawn) else None
    n = len(data.voices)
    who = "one source's figures" if data.single else f"the consensus of {n} sources"
    said = (f"Step chart: {c.title} ({_what(data)}), {who} from {long_day(line['start'].iloc[0])} to "
            f"{long_day(data.through)}, each figure held until the next or until it stops counting"
            + ("" if data.single else ", with each source's figures as points") + ".")
    gaps = line[line["n_sources"] == 0]
    if len(gaps):
        said += " No figure counts " + ", ".join(
            f"on {long_day(g['start'])}" if g["end"] - one <= g["start"] else f"from {_days(g['start'], g['end'] - one)}"
            for g in records(gaps)) + "."
    latest = f"{row_span(now, exact)} as of {long_day(now['as_of'])}"
    if first is not None:
        start_value = int(first["y"])
        delta = value(now) - start_value
        trend = "rose" if delta > 0 else "fell" if delta < 0 else "stayed level"
        begun = (f"{'at least ' * is_open(first['high'])}{exact(start_value)}{' (derived)' * bool(first['derived'])}"
                 f" as of {long_day(first['start'])}")
        said += (f" The figure {trend} from {begun} to {latest}" if delta else
                 f" The figure stayed at {exact(value(now))} up to {long_day(now['as_of'])}")
        said += f"; {change(data, exact)}."
    derived = data.derived
    if len(derived):
        said += (" Derived values, which no source stated (a middle of the sources' bounds), drawn dashed: "
                 + "; ".join(f"{exact(int(d['best']))} from {_days(d['start'], d['end'])}" for d in records(derived))
                 + ".")
    else:
        said += " Every value drawn is a figure a source stated."
    said += _extremes(data)
    if len(data.projections):
        p = data.projections.iloc[-1]
        said += (f" Projection ({p['voice']}, stated {long_day(p['stated'])}): {row_span(p, exact)} by "
                 f"{long_day(p['as_of'])}.")
    return said + f" Sources: {source_line(data)}.\n"


def describe_compared(data: ChartData) -> str:
    """Alt text of the estimates-compared chart: each source's latest figure, the consensus, disputes."""
    c, now = data.chart, data.current
    rows = sorted(records(data.latest), key=lambda r: (-value(r), r["voice"]))
    parts = []
    for r in rows:
        stale = "" if r["counting"] else f" ({why_not_counted(data, r)}, not counted)"
        parts.append(f"{r['voice']}: {row_span(r, exact)} as of {long_day(r['as_of'])}{stale}")
    said = (f"Range chart: {c.title} ({_what(data)}), each source's latest figure as of "
            f"{long_day(data.through)}, from highest to lowest. {'; '.join(parts)}.")
    if now is not None:
        said += f" Consensus: {row_span(now, exact)}."
    pairs = data.disputes.drop_duplicates(["source_a", "source_b"], keep="last")
    for p in records(pairs):
        said += (f" Disputed: {p['source_a']}'s {span(p['low_a'], p['best_a'], p['high_a'], exact)} and "
                 f"{p['source_b']}'s {span(p['low_b'], p['best_b'], p['high_b'], exact)} cannot both be true.")
    return said + "\n"


def _what(data: ChartData) -> str:
    c = data.chart
    group = "" if c.group == "all" else f"{c.group}, "
    return f"{c.metric}, {group}{c.place or 'whole of ' + c.area}"
