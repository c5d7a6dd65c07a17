"""The words on and beside a chart: numbers as a reader says them, ranges, the change since last
week, the footer built from the data, and the alt text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from .data import ChartData, parse_week

Say = Callable[[int | float], str]


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of a frame as dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


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


def span(low: Any, best: Any, high: Any, say: Say = human) -> str:
    """`5.26 million`, `at least 1,151`, `3,500 to 5,500 (best 3,900)`."""
    if is_open(high):
        return f"at least {say(low)}"
    if low == high:
        return say(low)
    return f"{say(low)} to {say(high)}" + ("" if pd.isna(best) else f" (best {say(best)})")


def row_span(row: Any, say: Say = human) -> str:
    return span(row["low"], row["best"], row["high"], say)


def short_span(row: Any) -> str:
    """A range for a label, short: `6.5\u20137.14 million (best 6.82 million)`, `at least 1,151`."""
    low, best, high = row["low"], row["best"], row["high"]
    if is_open(high) or low == high:
        return span(low, best, high)
    millions = low >= 1_000_000
    said = f"{low / 1e6:.3g}\u2013{high / 1e6:.3g} million" if millions else f"{human(low)}\u2013{human(high)}"
    return said + ("" if pd.isna(best) else f" (best {human(best)})")


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
    said = short_span(now).replace(" (best", "\n(best")
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


def method(data: ChartData, compared: bool = False) -> str:
    """The one-line method note: how the figures count, and what each mark drawn means."""
    w, p = data.series, (data.latest if compared else data.points)
    if compared:
        note = ["each source's latest figure (dashed line: the consensus"
                + ("; shaded: its range)" if _banded(w.tail(1)) else ")")]
    else:
        note = ["line = consensus of the sources on each Sunday" + ("; shaded = its range" if _banded(w) else "")]
    note.append(f"a figure counts for {data.stale_days} days after its date")
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


def _banded(frame: pd.DataFrame) -> bool:
    return bool((frame["high"].notna() & (frame["high"] != frame["low"])).any())


def footer(data: ChartData, compared: bool = False) -> str:
    """The source line under a chart, from what is drawn."""
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
        stale = "" if r["counting"] else f", older than {data.stale_days} days and not counted"
        return f"{r['voice']}, {row_span(r, exact)} as of {long_day(r['as_of'])}{stale}"
    if len(ranked) == 1:
        return f" Only source: {said(high)}."
    return f" Highest source: {said(high)}. Lowest source: {said(low)}."


def describe_series(data: ChartData) -> str:
    """Alt text of the time-series chart: what it shows, the trend, the latest range, the extremes."""
    c, w, now = data.chart, data.series, data.current
    assert now is not None
    first = w.iloc[0]
    delta = value(now) - value(first)
    trend = "rose" if delta > 0 else "fell" if delta < 0 else "stayed level"
    start = f"from {exact(value(first))} as of {long_day(first['as_of'])} "
    n = len(data.voices)
    ranged = " to " in row_span(now)
    said = (f"Line chart: {c.title} ({_what(data)}), the consensus of {n} source{'s' * (n != 1)} for each "
            f"week from {first['period']} to {data.week}, with each source's figures as points. The figure "
            f"{trend} {start if delta else 'at ' + exact(value(now)) + ' '}"
            + (f"to {'a range of ' * ranged}{row_span(now, exact)} as of {long_day(now['as_of'])}" if delta
               else f"up to {long_day(now['as_of'])}")
            + f"; {change(data, exact)}.{_extremes(data)}")
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
        stale = "" if r["counting"] else f" (older than {data.stale_days} days, not counted)"
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
