"""The weekly chart files: for each configured chart, two PNGs (over time, and the estimates
compared), each with its alt text and the CSV of exactly what it plots, in `<out>/<YYYY-Www>/`.

A chart with no figure counting in the week is skipped with a message, never drawn empty.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from ..config import ChartConfig, SourcesFile
from ..errors import ConfigError, FiguresError
from ..gazetteer import COUNTRIES
from ..store import Store
from .data import ChartData, chart_data, data_days, last_week_with_data, parse_week, week_label
from .draw import draw_compared, draw_series
from .style import DPI, house_style
from .words import day, describe_compared, describe_series, footer, is_open, source_line

log = logging.getLogger(__name__)

#: Columns of the time-series chart's CSV: the consensus per week, each source's figures, projections.
#: A consensus row is one step of the line, from `date` to `until`; `best` is empty where the line is
#: not drawn (a gap, `n_sources` 0, or a derived best before its figures were all published);
#: `derived` marks a best no source stated. A source row is one figure, drawn from `date` to `until`.
SERIES_CSV = ["layer", "voice", "week", "date", "until", "as_of", "low", "best", "high", "open_ended", "derived",
              "n_sources", "disputed", "rule", "source_ids"]
#: Columns of the estimates-compared chart's CSV: each source's latest figure, then the consensus.
COMPARED_CSV = ["voice", "as_of", "low", "best", "high", "open_ended", "counting", "in_consensus", "disputed_with",
                "rule", "source_ids"]

#: PNG metadata of the figures this module built, so `save_chart(fig, path)` needs nothing more.
_METADATA: weakref.WeakKeyDictionary[Figure, dict[str, str]] = weakref.WeakKeyDictionary()


def save_chart(fig: Figure, path: str | Path, *, title: str | None = None, description: str | None = None,
               source: str | None = None, copyright: str | None = None) -> Path:
    """Write `fig` reproducibly: same figure, same bytes (Agg, fixed dpi, no software version or time).

    PNG (or SVG, PDF by the suffix); a chart from `figures.chart` brings its own Title, Description,
    Source and Copyright: `save_chart(figures.chart("refugees", area="UKR"), "refugees.png")`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = dict(_METADATA.get(fig, {}))
    for key, given in (("Title", title), ("Description", description), ("Source", source),
                       ("Copyright", copyright)):
        if given is not None:
            meta[key] = given
    fmt = path.suffix.lower().lstrip(".") or "png"
    if fmt == "png":  # zlib level 3: a few per cent larger than the default 6, and faster
        metadata: dict[str, str | None] = {"Software": None, **meta}
    elif fmt == "svg":
        metadata = {"Date": None, "Creator": None, "Title": meta.get("Title"), "Description": meta.get("Description"),
                    "Source": meta.get("Source"), "Rights": meta.get("Copyright")}
    elif fmt == "pdf":
        metadata = {"CreationDate": None, "Creator": None, "Producer": None, "Title": meta.get("Title"),
                    "Subject": meta.get("Description"), "Author": meta.get("Source")}
    else:
        raise FiguresError(f"{path}: charts are written as .png, .svg or .pdf, not .{fmt}")
    with house_style():
        kept = {k: v for k, v in metadata.items() if v or v is None}
        if fmt == "png":
            fig.savefig(path, format=fmt, dpi=DPI, metadata=kept, pil_kwargs={"compress_level": 3})
        else:
            fig.savefig(path, format=fmt, dpi=DPI, metadata=kept)
    return path


def _register(fig: Figure, data: ChartData, description: str, compared: bool) -> Figure:
    _METADATA[fig] = {"Title": f"{data.chart.title}{': the estimates compared' * compared}",
                      "Description": description.strip(), "Source": footer(data, compared),
                      "Copyright": "; ".join(data.licences)}
    return fig


def build(data: ChartData, compared: bool = False) -> Figure:
    """Draw one chart of `data` (over time, or the estimates compared) with its metadata attached."""
    if compared:
        return _register(draw_compared(data), data, describe_compared(data), True)
    return _register(draw_series(data), data, describe_series(data), False)


def series_csv(data: ChartData) -> pd.DataFrame:
    """What the time-series chart plots: the consensus line step by step (gaps included), each
    source's figures, projections. A point is drawn at its best, else its low; `open_ended` rows
    have an arrow instead of a high; `derived` rows carry a best no source stated."""
    w = data.line
    last = pd.Timestamp(data.through)
    drawn = w["y"].notna()
    consensus = pd.DataFrame({
        "layer": "consensus", "voice": "consensus", "week": [week_label(d.date()) for d in w["start"]],
        "date": w["start"], "until": [last if i == len(w) - 1 else max(e - pd.Timedelta(days=1), d)
                                      for i, (d, e) in enumerate(zip(w["start"], w["end"], strict=True))],
        "as_of": w["as_of"], "low": w["low"],
        "best": w["best"].where(drawn), "high": w["high"], "open_ended": w["high"].isna() & (w["n_sources"] > 0),
        "derived": w["derived"] & drawn, "n_sources": w["n_sources"], "disputed": w["disputed"],
        "rule": ["consensus" if n else "gap" for n in w["n_sources"]], "source_ids": w["sources"]})
    p = data.points
    sources = pd.DataFrame({
        "layer": "source", "voice": p["voice"], "week": [week_label(d.date()) for d in p["as_of"]],
        "date": p["as_of"], "until": p["until"], "as_of": p["as_of"], "low": p["low"], "best": p["best"],
        "high": p["high"], "open_ended": p["high"].isna(), "derived": False, "n_sources": pd.NA, "disputed": pd.NA,
        "rule": p["rule"], "source_ids": p["source_ids"]})
    j = data.projections
    projected = pd.DataFrame({
        "layer": "projection", "voice": j["voice"], "week": [week_label(d.date()) for d in j["as_of"]],
        "date": j["as_of"], "until": j["as_of"], "as_of": j["stated"], "low": j["low"], "best": j["best"],
        "high": j["high"], "open_ended": j["high"].isna(), "derived": False, "n_sources": pd.NA, "disputed": pd.NA,
        "rule": "projection", "source_ids": j["source_id"]})
    frames = [f for f in (consensus, sources, projected) if len(f)]
    return pd.concat(frames, ignore_index=True)[SERIES_CSV] if frames else pd.DataFrame(columns=SERIES_CSV)


def compared_csv(data: ChartData) -> pd.DataFrame:
    """What the estimates-compared chart plots: each source's latest figure, then the consensus."""
    out = data.latest.assign(open_ended=data.latest["high"].isna())[COMPARED_CSV]
    now = data.current
    if now is not None:
        out.loc[len(out)] = {"voice": "consensus", "as_of": now["as_of"], "low": now["low"], "best": now["best"],
                             "high": now["high"], "open_ended": is_open(now["high"]), "counting": True,
                             "in_consensus": True, "disputed_with": "", "rule": "consensus",
                             "source_ids": now["sources"]}
    return out


@dataclass
class Drawn:
    """One chart of the week, written: its data, and the files (PNG, alt text, CSV) of each kind."""

    data: ChartData
    files: dict[str, list[Path]] = field(default_factory=dict)
    alt: dict[str, str] = field(default_factory=dict)


@dataclass
class Weekly:
    """A week's charts: the week, the day drawn through, what was drawn and what was skipped, why."""

    week: str
    through: date
    drawn: list[Drawn] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        return [p for d in self.drawn for kind in ("series", "compared") for p in d.files[kind]]


def area_name(area: str) -> str:
    """`Ukraine` for UKR; the code itself when the gazetteer has no name."""
    names = COUNTRIES.get(area)
    if not names:
        return area
    return " ".join(w if w in ("of", "the", "and") else w.capitalize() for w in names[0].split())


def default_charts(sources: SourcesFile) -> list[ChartConfig]:
    """The charts to draw: sources.yaml's `charts:`, else refugees for each configured area."""
    if sources.charts:
        return list(sources.charts)
    areas = list(dict.fromkeys(s.area for s in sources.sources))
    return [ChartConfig(id=f"refugees-{a.lower()}", metric="refugees", area=a, title=f"Refugees from {area_name(a)}")
            for a in areas]


def choose_week(store: Store, charts: list[ChartConfig], week: str | None, through: date | None,
                today: date, sources: SourcesFile | None = None) -> tuple[str, date] | None:
    """(week, day drawn through): the week given, the week of `through`, or the last complete week with data."""
    if week and through:
        raise ConfigError("give a week (YYYY-Www) or a through date, not both")
    if week:
        return week_label(parse_week(week)[0]), parse_week(week)[1]
    if through:
        return week_label(through), through
    found = last_week_with_data(store, charts, today, sources)
    return (found, parse_week(found)[1]) if found else None


def draw_week(store: Store, sources: SourcesFile, *, week: str | None, through: date | None, out_dir: Path,
              today: date | None = None) -> Weekly | None:
    """Write every chart of the week into `out_dir/<week>/`; None when no chart has any data at all."""
    charts = default_charts(sources)
    if not charts:
        raise ConfigError(f"{sources.path}: no charts and no sources; add a 'charts:' entry")
    target = choose_week(store, charts, week, through, today or date.today(), sources)
    if target is None:
        return None
    label, end = target
    result = Weekly(label, end)
    folder = out_dir / label
    for chart in charts:
        data = chart_data(store, chart, sources, label, end)
        if data.current is None:
            result.skipped.append(_why_skipped(store, chart, label))
            log.info(result.skipped[-1])
            continue
        folder.mkdir(parents=True, exist_ok=True)
        drawn = Drawn(data)
        for kind, stem, table in (("series", chart.id, series_csv), ("compared", f"{chart.id}-compared",
                                                                     compared_csv)):
            fig = build(data, compared=kind == "compared")
            alt = _METADATA[fig]["Description"] + "\n"
            png = save_chart(fig, folder / f"{stem}.png")
            (txt := folder / f"{stem}.alt.txt").write_text(alt, encoding="utf-8")
            table(data).to_csv(csv := folder / f"{stem}.csv", index=False, date_format="%Y-%m-%d")
            drawn.files[kind], drawn.alt[kind] = [png, txt, csv], alt.strip()
        result.drawn.append(drawn)
    return result


def _why_skipped(store: Store, chart: ChartConfig, week: str) -> str:
    where = f"{chart.area}{'/' + chart.place if chart.place else ''}"
    group = "" if chart.group == "all" else f" ({chart.group})"
    days = data_days(store, chart)
    if not days:
        return (f"chart {chart.id!r}: no {chart.metric}{group} figure for {where} at all; skipped "
                "(run 'figures update', or pick a week with data)")
    before = [d for d in days if d <= parse_week(week)[1]]
    after = [d for d in days if d > parse_week(week)[1]]
    said = []
    if before:
        said.append(f"the latest before it is as of {day(before[-1])} ({week_label(before[-1])})")
    if after:
        said.append(f"the next is as of {day(after[0])} ({week_label(after[0])})")
    weeks = " or ".join(f"--week {week_label(d)}" for d in (before[-1:] + after[:1]))
    return (f"chart {chart.id!r}: no {chart.metric}{group} figure for {where} counts in {week}; "
            f"{'; '.join(said)}; skipped (pick a week with data: {weeks})")


def write_weekly(store: Store, sources: SourcesFile, *, week: str | None, through: date | None, out_dir: Path,
                 today: date | None = None, messages: list[str] | None = None) -> list[Path]:
    """Write `<out_dir>/<YYYY-Www>/<chart>.png, .alt.txt, .csv` and `<chart>-compared.*`; return the paths.

    `week` picks an ISO week (drawn to its Sunday); `through` a day (drawn to it, in its week);
    neither, the last complete week with data. A chart with no figure for the week is skipped and
    the reason logged and appended to `messages`.
    `write_weekly(store, cfg, week="2022-W16", through=None, out_dir=Path("charts"))`
    """
    result = draw_week(store, sources, week=week, through=through, out_dir=out_dir, today=today)
    if result is None:
        why = [_why_skipped(store, c, "") for c in default_charts(sources)]
        for message in why:
            log.warning(message)
        if messages is not None:
            messages.extend(why)
        return []
    if messages is not None:
        messages.extend(result.skipped)
    return result.paths


__all__ = ["COMPARED_CSV", "SERIES_CSV", "Drawn", "Weekly", "area_name", "build", "choose_week", "compared_csv",
           "default_charts", "draw_week", "save_chart", "series_csv", "source_line", "write_weekly"]
