"""Charts people can publish: the figures over time with honest uncertainty, and the conflicting
estimates side by side, each carrying its sources.

- `data`: what a chart plots, from the reconciliation (`series`, `query`, `disputes`);
- `words`: numbers, labels, footer and alt text;
- `style`: sizes, colours, markers and line styles per source, arrows, labels kept apart;
- `draw`: the two matplotlib Figures;
- `files`: reproducible PNGs, alt text and plotted CSV per chart, one folder per ISO week.

>>> fig = figures.chart("refugees", area="UKR", week="2022-W12")   # a matplotlib Figure
>>> figures.save_chart(fig, "refugees.png")                        # same data, same bytes
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from matplotlib.figure import Figure

from ..config import ChartConfig, load_sources
from ..errors import FiguresError
from ..query import query
from ..store import Store, open_store
from .data import ChartData, chart_data, parse_week, week_label
from .files import (
    COMPARED_CSV,
    SERIES_CSV,
    Weekly,
    area_name,
    build,
    choose_week,
    compared_csv,
    draw_week,
    save_chart,
    series_csv,
    write_weekly,
)
from .words import human

#: A default title per metric, filled with the group and the area's name.
TITLES = {"refugees": "Refugees from {area}", "idps": "People displaced within {area}",
          "displaced": "People displaced in {area}", "killed": "{group} killed in {area}",
          "injured": "{group} injured in {area}", "casualties": "{group} killed or injured in {area}",
          "missing": "{group} missing in {area}"}


def chart(metric: str, *, area: str | None = None, place: str | None = None, group: str | None = None,
          week: str | None = None, through: date | str | None = None,
          kind: Literal["series", "compared"] = "series", title: str | None = None,
          db: str | Store | None = None, sources: str | Path | None = None) -> Figure:
    """The chart of `metric` for an ISO week (default: the last complete week with data), as a Figure.

    `kind="series"` draws the figures over time; `kind="compared"` each source's latest figure side
    by side. `figures.chart("killed", area="UKR", group="civilians", week="2022-W13", kind="compared")`
    """
    if kind not in ("series", "compared"):
        raise FiguresError(f"kind={kind!r}: give 'series' (over time) or 'compared' (the estimates side by side)")
    store = db if isinstance(db, Store) else open_store(db)
    found = query(metric, area=area, place=place, group=group, on=date(1, 1, 1), db=store, sources=sources)
    if found.area is None:
        raise FiguresError(f"no {metric} figure stored{' for ' + area if area else ''}; run 'figures update' first")
    who = "" if found.group == "all" else found.group
    spec = ChartConfig(
        id=f"{metric}-{found.area.lower()}", metric=metric, area=found.area, place=place,  # type: ignore[arg-type]
        group=found.group,  # type: ignore[arg-type]
        title=title or TITLES.get(metric, "{metric} in {area}").format(
            area=place or area_name(found.area), group=(who or "people").capitalize(), metric=metric))
    cfg = load_sources(sources)
    day = date.fromisoformat(through) if isinstance(through, str) else through
    target = choose_week(store, [spec], week, day, date.today(), cfg)
    if target is None:
        raise FiguresError(f"no {metric} figure stored for {found.area}; run 'figures update' first")
    data = chart_data(store, spec, cfg, *target)
    if data.current is None:
        raise FiguresError(f"no {metric} figure for {found.area} counts in {target[0]}; pick another week")
    return build(data, compared=kind == "compared")


__all__ = ["COMPARED_CSV", "SERIES_CSV", "TITLES", "ChartData", "Weekly", "build", "chart", "chart_data",
           "compared_csv", "draw_week", "human", "parse_week", "save_chart", "series_csv", "week_label",
           "write_weekly"]
