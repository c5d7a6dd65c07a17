"""Charts: what is on each figure, the files beside it, reproducible bytes, weeks, and no data.

The realistic data is the offline default, replayed from the shipped snapshots (no network):
UNHCR's daily border crossings out of Ukraine (24 Feb to 25 Apr 2022, one source), and every
shipped source for civilians killed (OHCHR, OCHA's sheet, a UNHCR flash update, ACLED through HDX
HAPI in January 2025), IOM DTM's estimates of people displaced within Sudan since 15 April 2023
(May 2023 to July 2025), and OHCHR's and OCHA's reports on Sudan on ReliefWeb (April to October
2023). Ranges, open ends, projections and disputes come from small synthetic stores built below.
The golden images (`--mpl`, tests/baseline/) are compared with a tolerance.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.style
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

import figures
from figures.charts import (
    COMPARED_CSV,
    SERIES_CSV,
    build,
    chart_data,
    compared_csv,
    draw_week,
    human,
    parse_week,
    save_chart,
    series_csv,
    week_label,
    write_weekly,
)
from figures.charts.style import GLYPHS, canvas, fit, house_style, palette
from figures.charts.words import records, tick
from figures.config import ChartConfig, ReconcileConfig, SourceConfig, SourcesFile, load_sources
from figures.errors import ConfigError, FiguresError
from figures.http import build_client
from figures.models import Estimate, Observation, Provenance, Snapshot
from figures.offline import replay_transport
from figures.pipeline import update
from figures.query import series
from figures.store import Store

SOURCES_YAML = Path(__file__).parents[1] / "sources.yaml"
BASELINE = "baseline"


# -- test-local helpers ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def cfg() -> SourcesFile:
    return load_sources(SOURCES_YAML)


def _replay(tmp_path_factory: pytest.TempPathFactory, cfg: SourcesFile, ids: list[str] | None) -> Store:
    built = Store(f"sqlite:///{tmp_path_factory.mktemp('offline') / 'figures.sqlite'}")
    outcomes = update(built, build_client(transport=replay_transport()), cfg, ids or [s.id for s in cfg.sources],
                      offline=True)
    assert {o.status for o in outcomes} <= {"ok", "skipped"}, [o.error for o in outcomes]
    return built


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory, cfg: SourcesFile) -> Store:
    """UNHCR's crossings and per-country totals only: refugees from one source."""
    return _replay(tmp_path_factory, cfg, ["unhcr-ukraine-crossings", "unhcr-ukraine-by-country"])


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory, cfg: SourcesFile) -> Store:
    """`figures update --offline`: every source with shipped snapshots."""
    return _replay(tmp_path_factory, cfg, None)


def chart_of(cfg: SourcesFile, chart_id: str) -> ChartConfig:
    return next(c for c in cfg.charts if c.id == chart_id)


def observation(sid: str, publisher: str, day: date, low: int, best: int | None, high: int | None,
                snap: Snapshot, modality: str = "reported", published: datetime | None = None) -> Observation:
    return Observation(metric="killed", group="civilians", area="SDN", as_of=day, modality=modality,
                       estimate=Estimate(low=low, best=best, high=high, text=f"{low}"),
                       provenance=Provenance(source_id=sid, publisher=publisher, url=snap.url,
                                             retrieved_at=snap.retrieved_at, published_at=published,
                                             snapshot_sha256=snap.sha256, locator="$", quote=f"{publisher} said {low}",
                                             adapter="test", adapter_version="1"))


def synthetic(tmp_path: Path, rows: dict[tuple[str, str], list[tuple[date, int, int | None, int | None]]],
              projections: list[tuple[str, str, date, int, int | None, int | None, date]] = ()) -> tuple[
                  Store, SourcesFile]:
    """A store of civilians killed in Sudan from the given sources, and a sources file charting it."""
    built = Store(f"sqlite:///{tmp_path / 'synthetic.sqlite'}")
    ids = {sid: publisher for sid, publisher in rows} | {p[0]: p[1] for p in projections}
    for sid, publisher in ids.items():
        snap = Snapshot(source_id=sid, url=f"https://example.org/{sid}", content=sid.encode(),
                        retrieved_at=datetime(2023, 6, 20, tzinfo=UTC))
        found = [observation(sid, publisher, *r, snap) for r in rows.get((sid, publisher), [])]
        found += [observation(sid, publisher, d, lo, b, hi, snap, "projection",
                              datetime.combine(said, datetime.min.time(), tzinfo=UTC))
                  for s, _, d, lo, b, hi, said in projections if s == sid]
        built.add(snap, found)
    sources = [SourceConfig(id=sid, adapter="unhcr-odp", publisher=publisher, title=sid, licence=f"licence of {sid}",
                            url="https://example.org", area="SDN", cadence="weekly")
               for sid, publisher in ids.items()]
    chart = ChartConfig(id="civilians-killed-sudan", metric="killed", group="civilians", area="SDN",
                        title="Civilians killed in Sudan")
    # counted from a month before the first figure: the synthetic weeks start before Sudan's war
    # (the project's sources.yaml counts Sudan from 15 April 2023)
    return built, SourcesFile(sources=sources, charts=[chart], path=str(tmp_path / "absent.yaml"),
                              reconcile=ReconcileConfig(count_from={"SDN": date(2023, 3, 1)}))


START = date(2023, 4, 15)
#: OHCHR with ranges every week; a ministry saying "at least" every ten days; a WHO projection.
SUDAN = {
    ("ohchr-sdn", "OHCHR"): [(START + timedelta(days=7 * i), 300 + 400 * i, 400 + 500 * i, 600 + 700 * i)
                             for i in range(8)],
    ("moh-sdn", "Ministry of Health"): [(START + timedelta(days=3 + 10 * i), 500 + 600 * i, None, None)
                                        for i in range(6)],
}
PROJECTED = [("who-sdn", "WHO", date(2023, 7, 31), 6_000, 7_500, 9_000, date(2023, 6, 1))]


@pytest.fixture
def sudan(tmp_path: Path) -> tuple[Store, SourcesFile]:
    return synthetic(tmp_path, SUDAN, PROJECTED)


def texts(fig: Figure) -> dict[str, str]:
    """Every text on the figure and its axes, by gid."""
    found = list(fig.texts) + [t for ax in fig.axes for t in ax.texts]
    return {t.get_gid(): t.get_text() for t in found if t.get_gid()}


def flat(text: str) -> str:
    return " ".join(text.split())


def gids(fig: Figure) -> list[str]:
    return [a.get_gid() for a in fig.findobj() if a.get_gid()]


def lines(fig: Figure) -> dict[str, object]:
    return {line.get_gid(): line for ax in fig.axes for line in ax.get_lines() if line.get_gid()}


# -- parse_week ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "monday", "sunday"), [
    ("2022-W09", date(2022, 2, 28), date(2022, 3, 6)),   # the second week of the invasion
    ("2022-W01", date(2022, 1, 3), date(2022, 1, 9)),    # 1-2 Jan 2022 belong to 2021-W52
    ("2020-W53", date(2020, 12, 28), date(2021, 1, 3)),  # a long ISO year
    (" 2022-W17 ", date(2022, 4, 25), date(2022, 5, 1)),
])
def test_parse_week_good(text: str, monday: date, sunday: date) -> None:
    assert parse_week(text) == (monday, sunday)
    assert week_label(monday) == week_label(sunday) == text.strip()


@pytest.mark.parametrize("text", ["2022-W9", "2022-09", "2022W09", "W09-2022", "2022-w09", "", "2022-W00",
                                  "2022-W54", "2021-W53"])
def test_parse_week_bad(text: str) -> None:
    with pytest.raises(ConfigError, match=r"YYYY-Www, e\.g\. '2022-W09'"):
        parse_week(text)


# -- what a chart plots ----------------------------------------------------------------------

def test_chart_data_is_the_reconciliation(replayed: Store, cfg: SourcesFile) -> None:
    data = chart_data(replayed, chart_of(cfg, "refugees-ukraine"), cfg, "2022-W17")
    expected = series("refugees", area="UKR", end=date(2022, 5, 1), db=replayed)
    pd.testing.assert_frame_equal(data.series, expected)
    assert data.current["best"] == 5_264_767 and data.previous["best"] == 5_233_180
    # one voice: UNHCR's running total of daily crossings, one point a week (at the last day of
    # each week with a crossing); the per-country totals are places, not the whole of Ukraine
    assert data.voices == ["UNHCR"] and len(data.points) == 10
    assert list(data.points["as_of"].dt.day_name()[:-1].unique()) == ["Sunday"]
    assert set(data.points["kind"]) == {"incidents"} and data.points["best"].is_monotonic_increasing
    assert data.points["best"].iloc[-1] == 5_264_767
    latest = data.latest.iloc[0]
    assert (latest["voice"], latest["best"], latest["counting"]) == ("UNHCR", 5_264_767, True)
    assert data.as_of == date(2022, 4, 25)
    assert data.licences == ["UNHCR Operational Data Portal terms of use; attribute UNHCR"]


def test_chart_data_through_a_day_in_the_week(replayed: Store, cfg: SourcesFile) -> None:
    data = chart_data(replayed, chart_of(cfg, "refugees-ukraine"), cfg, "2022-W09", date(2022, 3, 2))
    assert data.series["period"].iloc[-1] == "2022-W09"
    assert data.current["best"] == 989_500  # crossings 24 Feb to 2 Mar, not to Sunday
    assert data.points["as_of"].max() == pd.Timestamp("2022-03-02")


def test_each_voice_once_with_every_outlet_that_carried_it(full: Store, cfg: SourcesFile) -> None:
    data = chart_data(full, chart_of(cfg, "civilians-killed-ukraine"), cfg, "2022-W13")
    # OHCHR's figures, as OHCHR, OCHA's sheet (read twice: by the ohchr adapter and as the csv
    # example, attributed to OHCHR) and a UNHCR flash update on ReliefWeb ("OHCHR had recorded ...
    # 925 killed") carried them, are one voice
    assert data.voices == ["OHCHR"]
    assert data.carriers["OHCHR"] == ["OHCHR", "OCHA", "ReliefWeb (OCHA)"]
    assert data.disputes.empty or len(data.disputes) == 0
    idps = chart_data(full, chart_of(cfg, "idps-ukraine"), cfg, "2022-W12")
    assert idps.carriers["UNHCR"] == ["ReliefWeb (OCHA)", "UNHCR"]
    latest = idps.latest.set_index("voice")
    # UNHCR's "6.5 million" (24 March) agrees with IOM's 6,477,723 (16 March) within its rounding:
    # no dispute on the chart, in its labels or its table (issue 13, observation 4)
    assert latest.loc["UNHCR", "disputed_with"] == "" and latest.loc["IOM", "disputed_with"] == ""
    assert idps.disputes.empty


def test_the_offline_run_draws_the_sudan_idp_chart(full: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    """Sudan's IDP chart from the shipped IOM DTM estimates: its latest figure and its source (OCHA's
    "more than 730,000" of 10 May 2023 and OHCHR's 700,000 of 11 May, both on ReliefWeb, are the other
    voices, before IOM's first)."""
    data = chart_data(full, chart_of(cfg, "idps-sudan"), cfg, "2024-W43")
    assert data.voices == ["OCHA", "OHCHR", "IOM"] and data.carriers["IOM"] == ["IOM DTM"]
    assert data.carriers["OHCHR"] == data.carriers["OCHA"] == ["ReliefWeb (OCHA)"]
    assert (data.current["best"], data.as_of) == (8_268_984, date(2024, 10, 22))  # Mobility Update (10)
    shown = texts(build(data))
    assert shown["title"] == "People displaced within Sudan"
    assert flat(shown["latest"]) == "8.27 million, 22 Oct, IOM"
    assert flat(shown["footer"]).startswith("Sources: OCHA via ReliefWeb (OCHA); OHCHR via ReliefWeb (OCHA); IOM via "
                                            "IOM DTM. Data as of 22 Oct 2024.")
    paths = write_weekly(full, cfg, week="2024-W43", through=None, out_dir=tmp_path)
    folder = tmp_path / "2024-W43"
    assert {folder / "idps-sudan.png", folder / "idps-sudan-compared.png"} <= set(paths)
    alt = (folder / "idps-sudan.alt.txt").read_text(encoding="utf-8")
    assert "to 8,268,984 as of 22 October 2024" in alt
    assert "Highest source: IOM, 8,268,984 as of 22 October 2024." in alt
    assert "Lowest source: OHCHR, 630,000 to 770,000 (best 700,000) as of 11 May 2023, older than 14 days" in alt


def test_the_offline_run_draws_the_sudan_refugee_chart(full: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    """Sudan's refugee chart from OHCHR's statements on ReliefWeb: people who fled abroad, never OCHA's 5.5
    million who "sought refuge within Sudan or in neighbouring countries" (displaced, inside or out)."""
    data = chart_data(full, chart_of(cfg, "refugees-sudan"), cfg, "2023-W37")
    assert data.voices == ["OHCHR"] and data.carriers["OHCHR"] == ["ReliefWeb (OCHA)"]
    assert sorted(data.points["low"]) == [154_001, 1_000_001]  # "more than 154,000", "more than one million"
    assert (data.current["low"], data.as_of) == (1_000_001, date(2023, 9, 12))
    shown = texts(build(data))
    assert shown["title"] == "Refugees from Sudan"
    assert flat(shown["subtitle"]).startswith("at least 1 million as of 12 Sep 2023 (OHCHR)")
    assert flat(shown["latest"]) == "at least 1 million, 12 Sep, OHCHR"
    paths = write_weekly(full, cfg, week="2023-W41", through=None, out_dir=tmp_path)
    assert tmp_path / "2023-W41" / "refugees-sudan.png" not in paths  # nothing within 14 days of 7 October
    with pytest.raises(FiguresError, match="no refugees figure for SDN counts in 2023-W41"):
        figures.chart("refugees", area="SDN", week="2023-W41", db=full)


def test_the_offline_run_draws_the_sudan_killed_chart(full: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    """Sudan's killed chart from OHCHR's and OCHA's reports on ReliefWeb: its latest figure and who said it
    (the Ministry of Health, as OCHA's Humanitarian Update of 7 October 2023 relays it)."""
    data = chart_data(full, chart_of(cfg, "killed-sudan"), cfg, "2023-W40")
    # one source (reliefweb-sudan) carries all three voices, so they come by name
    assert data.voices == ["Federal Ministry of Health", "OHCHR", "Sudan Ministry of Health"]
    assert {carriers for v in data.voices for carriers in data.carriers[v]} == {"ReliefWeb (OCHA)"}
    assert (data.current["low"], data.current["best"], data.current["high"]) == (1_265, 1_265, 1_265)
    assert data.as_of == date(2023, 10, 7)
    shown = texts(build(data))
    assert shown["title"] == "People killed in Sudan's war"
    assert flat(shown["subtitle"]).startswith("1,265 as of 7 Oct 2023 (Sudan Ministry of Health)")
    assert flat(shown["latest"]) == "1,265, 7 Oct, Sudan Ministry of Health"
    paths = write_weekly(full, cfg, week="2023-W40", through=None, out_dir=tmp_path)
    folder = tmp_path / "2023-W40"
    assert {folder / "killed-sudan.png", folder / "killed-sudan-compared.png"} <= set(paths)
    alt = (folder / "killed-sudan.alt.txt").read_text(encoding="utf-8")
    assert "Highest source: Sudan Ministry of Health, 1,265 as of 7 October 2023." in alt
    assert "Lowest source: OHCHR, at least 185 as of 18 April 2023, older than 14 days and not counted." in alt


# -- the time-series chart -------------------------------------------------------------------

def test_series_chart_shows_title_lines_labels_and_footer(replayed: Store, cfg: SourcesFile) -> None:
    fig = build(chart_data(replayed, chart_of(cfg, "refugees-ukraine"), cfg, "2022-W17"))
    assert tuple(fig.get_size_inches() * fig.dpi) == (1200, 675)  # readable at 1200 px wide
    shown = texts(fig)
    assert shown["title"] == "Refugees from Ukraine"
    assert flat(shown["subtitle"]) == ("5.26 million as of 25 Apr 2022 (UNHCR) \u00b7 up 31,600 on the week before "
                                       "\u00b7 1 source counting")
    assert flat(shown["latest"]) == "5.26 million, 25 Apr, UNHCR"
    assert "label:UNHCR" not in shown  # one source is drawn once: its figures are the line, labelled once
    footer = flat(shown["footer"])
    assert footer.startswith("Sources: UNHCR. Data as of 25 Apr 2022. Method: line = the one source's figures as "
                             "steps, each figure held until the next or the end of its window; blank = no figure "
                             "counts; daily figures count 14 days after their date; counted from 24 Feb 2022, "
                             "earlier figures not drawn; UNHCR: daily or per-event figures summed into a running "
                             "total.")
    assert footer.endswith("Chart: figures, 2022-W17 (25 Apr\u20131 May 2022).")
    drawn = lines(fig)
    assert set(drawn) == {"consensus", "source:UNHCR"}  # the line and the one source's markers on it
    assert drawn["consensus"].get_drawstyle() == "steps-post"
    assert list(drawn["consensus"].get_ydata())[-1] == 5_264_767
    assert drawn["source:UNHCR"].get_linestyle() == "None" and len(drawn["source:UNHCR"].get_ydata()) == 10
    ax = fig.axes[0]
    assert ax.get_ylim()[0] == 0 and ax.yaxis.get_major_formatter()(4_000_000, 0) == "4M"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Mar\n2022", "15 Mar", "Apr", "15 Apr", "May"]
    assert not [g for g in gids(fig) if g.startswith("arrow:")]  # exact figures: no arrows


def test_series_chart_band_ranges_open_ends_and_projection(sudan: tuple[Store, SourcesFile]) -> None:
    store, sources = sudan
    fig = build(chart_data(store, sources.charts[0], sources, "2023-W23"))
    ax = fig.axes[0]
    band = [c for c in ax.collections if c.get_gid() == "band"]
    assert len(band) == 1 and band[0].get_paths()[0].get_extents().height > 0
    bars = [c for c in ax.collections if c.get_gid() == "range:OHCHR"]
    assert len(bars) == 1 and len(bars[0].get_segments()) == 8  # OHCHR's low-high range, each week
    arrows = lines(fig)["arrow:Ministry of Health"]
    assert len(arrows.get_xdata()) == 6 and arrows.get_marker() == "|"  # one per "at least", above its marker
    assert "arrow:OHCHR" not in lines(fig)  # ranges have bars, not arrows
    projected = lines(fig)["projection:WHO"]
    assert projected.get_markerfacecolor() == "white"  # hollow
    assert flat(texts(fig)["projection-label:WHO"]) == "projected: 6,000 to 9,000 (best 7,500) by 31 Jul 2023 (WHO)"
    sources_drawn = {g: line for g, line in lines(fig).items() if g.startswith("source:")}
    assert len(sources_drawn) == 2
    assert len({line.get_marker() for line in sources_drawn.values()}) == 2  # a marker
    assert len({line.get_color() for line in sources_drawn.values()}) == 2   # a colour
    steps_drawn = {g: line for g, line in lines(fig).items() if g.startswith("line:")}
    assert len({str(line.get_linestyle()) for line in steps_drawn.values()}) == 2  # and a line style
    assert {line.get_drawstyle() for line in steps_drawn.values()} == {"steps-post"}  # held until the next
    shown = texts(fig)
    # the consensus: OHCHR's 3,100-5,500 (best 3,900) narrowed by the ministry's "at least 3,500"
    assert flat(shown["latest"]) == "3,500\u20135,500 (best 3,900), 7 Jun, Ministry of Health, OHCHR"
    footer = flat(shown["footer"])
    for said in ("Sources: OHCHR; Ministry of Health. Projection: WHO.", "shaded = the consensus range",
                 "bar = a source's low-high range",
                 "arrow = no upper bound stated ('at least')"):
        assert said in footer


def test_series_chart_squeezes_a_long_gap(full: Store, cfg: SourcesFile) -> None:
    fig = build(chart_data(full, chart_of(cfg, "idps-ukraine"), cfg, "2024-W01"))
    ax = fig.axes[0]
    assert ax.get_xscale() == "function"
    breaks = [t.get_text() for t in ax.texts if t.get_gid() == "break-label"]
    # June to December 2022 nothing counts: squeezed. UNHCR's end-2022 figure is held (yearly,
    # 366 days) from January until IOM's figure of 25 September 2023 replaces it: a line is drawn
    # across those months, so they are not squeezed away under a "not to scale" mark.
    assert breaks == ["Jun 2022 to Dec 2022, not to scale"]
    assert flat(texts(fig)["latest"]) == "3.69 million, 31 Dec 2023, UNHCR"


def test_a_held_figure_is_never_cut_by_a_squeezed_break(full: Store, cfg: SourcesFile) -> None:
    """A step drawn over months (a yearly stock held) keeps its whole length on the axis: no break
    mark falls inside any span the line is drawn over."""
    for week in ("2023-W38", "2024-W01"):
        data = chart_data(full, chart_of(cfg, "idps-ukraine"), cfg, week)
        fig = build(data)
        ax = fig.axes[0]
        drawn = data.line[data.line["n_sources"] > 0]
        spans = [(mdates.date2num(a), mdates.date2num(b)) for a, b in zip(drawn["start"], drawn["end"], strict=True)]
        for patch in (p for p in ax.patches if p.get_gid() == "break"):
            x0, x1 = sorted(patch.get_x() + d for d in (0, patch.get_width()))
            assert not any(a < x0 and b > x1 for a, b in spans), (week, x0, x1)


def test_a_stock_figure_is_not_held_past_its_window_or_a_newer_figure(full: Store, cfg: SourcesFile) -> None:
    """Issue 13, observation 2: UNHCR's end-2022 5.9 million IDPs stops counting when IOM's 3.67
    million of 25 September 2023 replaces it, and does not come back when IOM's figure goes stale:
    the weeks after are a gap; the pre-war 854,000 (end of 2021) is not drawn at all."""
    data = chart_data(full, chart_of(cfg, "idps-ukraine"), cfg, "2024-W01")
    line = data.line
    held = line[line["y"] == 5_914_000]
    assert len(held) and held["end"].max() == pd.Timestamp(2023, 9, 25)
    after = line[(line["start"] >= pd.Timestamp(2023, 9, 25)) & (line["start"] < pd.Timestamp(2023, 12, 31))]
    assert list(after["n_sources"]) == [1, 0] and after["y"].iloc[0] == 3_674_000  # IOM's 14 days, then a gap
    assert after["start"].iloc[1] == pd.Timestamp(2023, 10, 10)
    assert line["start"].min() >= pd.Timestamp(2022, 2, 24) and 854_000 not in set(data.points["best"].dropna())
    unhcr = data.points[data.points["voice"] == "UNHCR"].set_index("as_of")
    assert unhcr.loc[pd.Timestamp(2022, 12, 31), "until"] == pd.Timestamp(2023, 9, 24)
    footer = flat(texts(build(data))["footer"])
    assert "daily and irregular figures count 14 days after their date, yearly figures 366 days" in footer
    assert "a figure counts for 14 days" not in footer


def laid_out(fig: Figure) -> list:
    """The boxes of the margin labels, the latest label and (compared chart) the voices' names on the y axis."""
    renderer = fig.canvas.get_renderer()
    shown = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    named = [t for t in shown if t.get_gid() and t.get_gid().startswith(("label:", "latest"))]
    names = [t for t in fig.axes[0].get_yticklabels() if t.get_text() and t.get_text()[0] in GLYPHS]
    return [t.get_window_extent(renderer) for t in named + names]


def assert_fits(fig: Figure, why: object) -> None:
    """Every label inside the 1200 x 675 picture, none overlapping another or the heading and footer, no x
    tick labels overlapping."""
    boxes = laid_out(fig)
    renderer = fig.canvas.get_renderer()
    heading = [t.get_window_extent(renderer) for t in fig.texts if t.get_gid() in ("title", "subtitle", "footer")]
    assert all(b.x0 >= 0 and b.x1 <= 1200 for b in heading), why
    for i, a in enumerate(boxes):
        assert a.x0 >= 0 and a.x1 <= 1200 and a.y0 >= 0 and a.y1 <= 675, (why, a)  # inside the picture
        assert not any(a.overlaps(b) for b in boxes[i + 1:] + heading), (why, a)
    ticks = [t.get_window_extent(renderer) for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert not any(a.overlaps(b) for i, a in enumerate(ticks) for b in ticks[i + 1:]), why


def test_every_text_is_at_least_9_points_and_margin_labels_do_not_overlap(full: Store, cfg: SourcesFile) -> None:
    for chart_id, week in (("civilians-killed-ukraine", "2022-W13"), ("civilians-killed-ukraine", "2022-W22"),
                           ("idps-ukraine", "2022-W13"), ("idps-ukraine", "2024-W01"), ("killed-sudan", "2023-W40"),
                           ("refugees-sudan", "2023-W37"), ("idps-sudan", "2023-W40")):
        data = chart_data(full, chart_of(cfg, chart_id), cfg, week)
        for compared in (False, True):
            fig = build(data, compared)
            shown = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
            assert min(t.get_fontsize() for t in shown) >= 9
            assert_fits(fig, (chart_id, week, compared))
            if compared:  # every voice named in full: Sudan's two ministries were cut at the left edge
                names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
                assert sorted(flat(n)[2:] for n in names) == sorted(data.voices), names


#: Voices with long names, one of them one long word; the first two cannot both be true.
LONG = {("eoc-sdn", "Federal Ministry of Health of the Republic of the Sudan, Emergency Operations Centre"):
        [(START - timedelta(days=14), 80, 90, 120), (START, 100, 150, 200)],
        ("sds-sdn", "SUDAN DOCTORS' SYNDICATE PRELIMINARY COMMITTEE AND ITS PARTNERS IN KHARTOUM"):
        [(START - timedelta(days=10), 300, 350, 500), (START - timedelta(days=1), 250, 400, 600)],
        ("one-sdn", "Gesundheitsministeriumsnotfallkoordinationsstellenlagebericht"):
        [(START - timedelta(days=7), 170, None, None), (START, 180, None, None)],
        ("who-sdn", "WORLD HEALTH ORGANIZATION SUDAN COUNTRY OFFICE SURVEILLANCE TEAM"):
        [(START - timedelta(days=3), 150, 300, 400)],
        ("x-sdn", "MSF"): [(START - timedelta(days=2), 190, 230, 260)]}


def test_long_voice_names_fit_on_both_charts(tmp_path: Path) -> None:
    """Names past a sensible width are wrapped on two lines at most, the second cut with an ellipsis
    if need be; the left margin follows the widest; the full names stay in the alt text and CSV."""
    store, sources = synthetic(tmp_path, LONG)
    data = chart_data(store, sources.charts[0], sources, "2023-W15")
    voices = [publisher for _, publisher in LONG]
    assert sorted(data.voices) == sorted(voices)
    assert list(data.disputes.drop_duplicates(["source_a", "source_b"])["source_a"]) == [voices[0]]
    for compared in (False, True):
        fig = build(data, compared)
        assert_fits(fig, compared)
        assert min(t.get_fontsize() for t in fig.findobj(Text) if t.get_visible() and t.get_text()) >= 9
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names[:3] == ["\u25cf Federal Ministry of Health\nof the Republic of the\u2026",
                         "\u25b2 Gesundheitsministeriums-\nnotfallkoordinationsstellen\u2026", "\u25bc MSF"]
    for name in names:
        said = name.replace("-\n", "").replace("\n", " ")[2:]
        assert name.count("\n") <= 1 and (said in voices or said.endswith("\u2026")), name
        if said.endswith("\u2026"):  # cut, but readable: a start of the name, 25 characters or more
            assert len(said) > 25 and any(v.startswith(said[:-1]) for v in voices), name
    renderer = fig.canvas.get_renderer()
    names_at = [t.get_window_extent(renderer) for t in ax.get_yticklabels()]
    assert min(b.x0 for b in names_at) == pytest.approx(36)  # the widest name starts where the title does
    assert max(b.x1 for b in names_at) < ax.get_window_extent(renderer).x0
    paths = write_weekly(store, sources, week="2023-W15", through=None, out_dir=tmp_path / "charts")
    folder = tmp_path / "charts" / "2023-W15"
    assert folder / "civilians-killed-sudan-compared.png" in paths
    for name in ("civilians-killed-sudan", "civilians-killed-sudan-compared"):
        alt = (folder / f"{name}.alt.txt").read_text(encoding="utf-8")
        table = pd.read_csv(folder / f"{name}.csv")
        for voice in voices:
            assert voice in alt and voice in set(table["voice"]), (name, voice)


def test_fit_wraps_to_a_width_the_renderer_measures() -> None:
    """Lines that fit stay as they are; a parenthesis and a short word with the next stay whole; a word
    too wide alone is hyphenated; past `max_lines` the last line ends in an ellipsis."""
    with house_style():
        fig, _ = canvas()
        text = fig.text(0, 0, "", fontsize=10)
    renderer = fig.canvas.get_renderer()

    def fitted(said: str, width: float, max_lines: int | None = None) -> str:
        text.set_text(said)
        out = fit(text, width, max_lines)
        assert text.get_text() == out
        for line in out.split("\n"):
            text.set_text(line)
            assert text.get_window_extent(renderer).width <= width, line
        return out

    assert fitted("at least 604\nas of 9 May 2023", 300) == "at least 604\nas of 9 May 2023"
    assert fitted("4.95 million to 6.05 million (best 5.5 million)", 220) == ("4.95 million to 6.05 million\n"
                                                                            "(best 5.5 million)")
    assert fitted("MSF: 190\u2013260 (best 230), 13 Apr", 175) == "MSF: 190\u2013260\n(best 230), 13 Apr"
    assert fitted("\u25b2 Gesundheitsministeriumsnotfallkoordinationsstelle", 150, 2) == (
        "\u25b2 Gesundheitsminis-\nteriumsnotfallkoor\u2026")
    assert fitted("Federal Ministry of Health of the Republic of the Sudan", 160, 2) == (
        "Federal Ministry\nof Health of the\u2026")


def test_colours_come_from_a_colour_blind_safe_cycle_shipped_with_matplotlib() -> None:
    shipped = matplotlib.style.library["petroff10"]["axes.prop_cycle"].by_key()["color"]
    assert set(palette()) <= set(shipped) and len(palette()) >= 6


# -- the estimates-compared chart ------------------------------------------------------------

#: Two voices that each say "at least", a day apart, and one whose last figure is a month old.
AT_LEAST = {("ohchr-sdn", "OHCHR"): [(START - timedelta(days=1), 1_232, 1_232, None)],
            ("moh-sdn", "Ministry of Health"): [(START, 1_276, 1_276, None)],
            ("who-sdn", "WHO"): [(START - timedelta(days=30), 900, 900, None)]}


def test_compared_chart_sorted_ranges_labels_and_disputes(full: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    store, sources = synthetic(tmp_path, AT_LEAST)
    fig = build(chart_data(store, sources.charts[0], sources, "2023-W15"), compared=True)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert [label[2:] for label in labels] == ["WHO", "OHCHR", "Ministry of Health"]  # sorted by figure
    shown = texts(fig)
    assert flat(shown["subtitle"]) == "The latest figure of each of 3 sources as of 16 Apr 2023"
    assert flat(shown["label:Ministry of Health"]) == "at least 1,276 as of 15 Apr 2023"
    assert flat(shown["label:OHCHR"]) == "at least 1,232 as of 14 Apr 2023"
    assert shown["consensus-label"] == "consensus: at least 1,276"
    assert {"arrow:OHCHR", "arrow:Ministry of Health"} <= {g for g in gids(fig) if g.startswith("arrow:")}
    assert not {g for g in gids(fig) if g.startswith("dispute:")}
    # OHCHR's killed in Ukraine, however many outlets carried them, are one voice
    fig = build(chart_data(full, chart_of(cfg, "civilians-killed-ukraine"), cfg, "2022-W13"), compared=True)
    shown = texts(fig)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["\u25cf OHCHR"]
    assert shown["title"] == "Civilians killed in Ukraine: the estimates compared"
    assert flat(shown["subtitle"]) == "The latest figure of the only source as of 3 Apr 2022"
    assert flat(shown["label:OHCHR"]) == "at least 1,276 as of 31 Mar 2022"
    # UNHCR's rounded "6.5 million" IDPs and IOM's 6,477,723 agree within its rounding: not a
    # dispute (issue 13, observation 4); the consensus is UNHCR's newer figure
    fig = build(chart_data(full, chart_of(cfg, "idps-ukraine"), cfg, "2022-W12"), compared=True)
    shown = texts(fig)
    assert flat(shown["subtitle"]) == "The latest figure of each of 2 sources as of 27 Mar 2022"
    assert flat(shown["label:IOM"]) == "6.48 million as of 16 Mar 2022"
    assert shown["consensus-label"] == "consensus: 6.5 million"
    assert not {g for g in gids(fig) if g.startswith("dispute:")}
    assert "red dotted line" not in flat(shown["footer"])


def test_compared_chart_marks_old_figures_as_not_counted(tmp_path: Path) -> None:
    store, sources = synthetic(tmp_path, AT_LEAST)
    fig = build(chart_data(store, sources.charts[0], sources, "2023-W15"), compared=True)
    assert flat(texts(fig)["label:WHO"]) == "at least 900 as of 16 Mar 2023 not counted: older than 14 days"
    assert flat(texts(fig)["label:OHCHR"]) == "at least 1,232 as of 14 Apr 2023"


def test_a_single_source(replayed: Store, cfg: SourcesFile) -> None:
    data = chart_data(replayed, chart_of(cfg, "refugees-ukraine"), cfg, "2022-W12")
    fig = build(data, compared=True)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["\u25cf UNHCR"]
    shown = texts(fig)
    assert flat(shown["subtitle"]) == "The latest figure of the only source as of 27 Mar 2022"
    # said in words on the chart, not an empty-looking comparison; no consensus line over the one figure
    assert flat(shown["single"]).startswith("Only one source: UNHCR. No other estimate of this figure to compare")
    assert "consensus" not in gids(fig) and "band" not in gids(fig)
    alt = figures.charts.files._METADATA[build(data)]["Description"]
    assert "Only source: UNHCR, 3,838,235 as of 27 March 2022." in alt
    assert "one source's figures from 24 February 2022 to 27 March 2022" in alt


def test_all_sources_disputed(tmp_path: Path) -> None:
    apart = {("a-sdn", "Agency A"): [(START, 100, 150, 200)], ("b-sdn", "Agency B"): [(START, 500, 550, 600)]}
    store, sources = synthetic(tmp_path, apart)
    data = chart_data(store, sources.charts[0], sources, "2023-W15")
    assert data.current["disputed"] and set(data.latest["disputed_with"]) == {"Agency A", "Agency B"}
    fig = build(data, compared=True)
    assert {g for g in gids(fig) if g.startswith("dispute:")} == {"dispute:Agency A|Agency B"}
    series_fig = build(data)
    assert flat(texts(series_fig)["subtitle"]).endswith("2 sources counting, disputed")
    alt = figures.charts.files._METADATA[fig]["Description"]
    assert "Disputed: Agency A's 100 to 200 (best 150) and Agency B's 500 to 600 (best 550) cannot both be true." in alt


# -- no data -----------------------------------------------------------------------------------

def test_no_data_for_the_week_is_a_clear_message_and_no_chart(full: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    weekly = draw_week(full, cfg, week="2022-W22", through=None, out_dir=tmp_path)
    assert [d.data.chart.id for d in weekly.drawn] == ["idps-ukraine", "civilians-killed-ukraine",
                                                        "civilians-injured-ukraine"]
    assert weekly.skipped[0] == ("chart 'refugees-ukraine': no refugees figure for UKR counts in 2022-W22; the latest "
                                 "before it is as of 25 Apr 2022 (2022-W17); skipped (pick a week with data: "
                                 "--week 2022-W17)")
    assert weekly.skipped[-1] == ("chart 'killed-sudan': no killed figure for SDN counts in 2022-W22; the next "
                                  "is as of 18 Apr 2023 (2023-W16); skipped (pick a week with data: --week 2023-W16)")


def test_a_skipped_chart_names_the_weeks_on_both_sides(full: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    """Between two figures, both weeks are offered: the one before and the one after."""
    weekly = draw_week(full, cfg, week="2023-W38", through=None, out_dir=tmp_path)
    [killed] = [m for m in weekly.skipped if m.startswith("chart 'killed-sudan'")]
    assert "the latest before it is as of 9 May 2023 (2023-W19); the next is as of 7 Oct 2023 (2023-W40)" in killed
    assert killed.endswith("(pick a week with data: --week 2023-W19 or --week 2023-W40)")
    assert not list((tmp_path / "2022-W22").glob("refugees-ukraine*"))


def test_a_week_before_any_data_writes_nothing(replayed: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    messages: list[str] = []
    assert write_weekly(replayed, cfg, week="2022-W05", through=None, out_dir=tmp_path, messages=messages) == []
    assert "the next is as of 24 Feb 2022 (2022-W08)" in messages[0]
    assert not any(tmp_path.iterdir())


def test_an_empty_store_writes_nothing(tmp_path: Path, cfg: SourcesFile) -> None:
    empty = Store(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    messages: list[str] = []
    out = tmp_path / "charts"
    assert write_weekly(empty, cfg, week=None, through=None, out_dir=out, messages=messages) == []
    assert messages[0] == ("chart 'refugees-ukraine': no refugees figure for UKR at all; skipped (run 'figures "
                           "update', or pick a week with data)")
    assert not out.exists()


def test_the_python_chart_says_why_it_cannot_draw(replayed: Store) -> None:
    with pytest.raises(FiguresError, match="no refugees figure for UKR counts in 2021-W10; pick another week"):
        figures.chart("refugees", area="UKR", week="2021-W10", db=replayed)
    with pytest.raises(FiguresError, match="no killed figure stored; run 'figures update' first"):
        figures.chart("killed", db=replayed)
    with pytest.raises(FiguresError, match="kind='pie'"):
        figures.chart("refugees", area="UKR", kind="pie", db=replayed)  # type: ignore[arg-type]


# -- the files: PNG, alt text, CSV -----------------------------------------------------------

def test_write_weekly_writes_two_charts_each_with_alt_text_and_csv(full: Store, cfg: SourcesFile,
                                                                  tmp_path: Path) -> None:
    paths = write_weekly(full, cfg, week="2022-W13", through=None, out_dir=tmp_path)
    folder = tmp_path / "2022-W13"
    assert paths[:6] == [folder / n for n in ("refugees-ukraine.png", "refugees-ukraine.alt.txt",
                                              "refugees-ukraine.csv", "refugees-ukraine-compared.png",
                                              "refugees-ukraine-compared.alt.txt",
                                              "refugees-ukraine-compared.csv")]
    assert len(paths) == 4 * 6  # four Ukrainian charts; Sudan's figures begin in April 2023
    alt = (folder / "civilians-killed-ukraine.alt.txt").read_text(encoding="utf-8")
    for said in ("Step chart: Civilians killed in Ukraine (killed, civilians, whole of UKR), one source's figures "
                 "from 2 March 2022 to 3 April 2022, each figure held until the next or until it stops counting.",
                 "rose from at least 249 as of 2 March 2022", "to at least 1,276 as of 31 March 2022",
                 "up 125 on the week before", "Every value drawn is a figure a source stated.",
                 "Only source: OHCHR, at least 1,276 as of 31 March 2022.",
                 "Sources: OHCHR, also via OCHA and ReliefWeb (OCHA)."):
        assert said in alt
    with Image.open(folder / "civilians-killed-ukraine.png") as image:
        assert image.size == (1200, 675)
        assert image.text["Title"] == "Civilians killed in Ukraine"
        assert image.text["Description"] == alt.strip()
        assert image.text["Source"].startswith("Sources: OHCHR, also via OCHA and ReliefWeb (OCHA).")
        assert image.text["Copyright"].startswith("© United Nations (OHCHR); quotation with attribution; ")
        assert "Software" not in image.text


def test_the_csv_is_exactly_what_is_plotted(full: Store, cfg: SourcesFile) -> None:
    data = chart_data(full, chart_of(cfg, "civilians-killed-ukraine"), cfg, "2022-W13")
    table = series_csv(data)
    assert list(table.columns) == SERIES_CSV
    fig = build(data)
    drawn = lines(fig)
    consensus = table[table["layer"] == "consensus"]
    # one row per step: the line holds each row's value from its date; the last is held to its end
    ys = list(drawn["consensus"].get_ydata())
    assert list(consensus["best"].fillna(consensus["low"])) == ys[:-1] and ys[-1] == ys[-2]
    xs = [pd.Timestamp(x) for x in drawn["consensus"].get_xdata()]
    assert xs[:-1] == list(consensus["date"]) and xs[-1].date() == date(2022, 4, 3)  # to the chart's last day
    assert not consensus["derived"].any() and (consensus["best"].fillna(consensus["low"]) >= consensus["low"]).all()
    ohchr = table[(table["layer"] == "source") & (table["voice"] == "OHCHR")]
    assert list(ohchr["best"].fillna(ohchr["low"])) == list(drawn["source:OHCHR"].get_ydata())
    assert ohchr["open_ended"].all()
    compared = compared_csv(data)
    assert list(compared.columns) == COMPARED_CSV
    assert list(compared["voice"]) == ["OHCHR", "consensus"]
    assert list(compared["best"]) == [1276, 1276]


def test_same_data_same_png_bytes(replayed: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    paths = []
    for name in ("a.png", "b.png"):  # two figures built separately from the same data
        fig = build(chart_data(replayed, chart_of(cfg, "refugees-ukraine"), cfg, "2022-W17"))
        paths.append(save_chart(fig, tmp_path / name))
    assert paths[0].read_bytes() == paths[1].read_bytes()
    svg = save_chart(fig, tmp_path / "a.svg", title="Refugees")
    assert "<dc:title>Refugees</dc:title>" in svg.read_text(encoding="utf-8")
    with pytest.raises(FiguresError, match=r"\.png, \.svg or \.pdf"):
        save_chart(fig, tmp_path / "a.gif")


def test_a_users_matplotlibrc_changes_nothing(replayed: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    data = chart_data(replayed, chart_of(cfg, "refugees-ukraine"), cfg, "2022-W17")
    plain = save_chart(build(data), tmp_path / "plain.png").read_bytes()
    with matplotlib.rc_context({"font.size": 20, "axes.facecolor": "black", "lines.linewidth": 9}):
        styled = save_chart(build(data), tmp_path / "styled.png").read_bytes()
    assert plain == styled


def test_figures_chart_and_save_chart(replayed: Store, tmp_path: Path) -> None:
    fig = figures.chart("refugees", area="UKR", week="2022-W10", db=replayed)
    assert isinstance(fig, Figure) and texts(fig)["title"] == "Refugees from Ukraine"
    path = figures.save_chart(fig, tmp_path / "refugees.png")
    with Image.open(path) as image:
        assert image.text["Title"] == "Refugees from Ukraine" and "UNHCR" in image.text["Source"]
    compared = figures.chart("refugees", area="UKR", through="2022-03-09", kind="compared", db=replayed)
    assert texts(compared)["title"] == "Refugees from Ukraine: the estimates compared"


# -- which week ------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "folder"), [
    ({"week": "2022-W10", "through": None}, "2022-W10"),
    ({"week": None, "through": date(2022, 3, 2)}, "2022-W09"),
    ({"week": None, "through": None, "today": date(2022, 4, 27)}, "2022-W16"),  # W17 not over
    ({"week": None, "through": None, "today": date(2022, 5, 1)}, "2022-W17"),
])
def test_week_choice(replayed: Store, cfg: SourcesFile, tmp_path: Path, kwargs: dict, folder: str) -> None:
    paths = write_weekly(replayed, cfg, out_dir=tmp_path, **kwargs)
    assert {p.parent.name for p in paths} == {folder}


def test_week_and_through_together_are_refused(replayed: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not both"):
        write_weekly(replayed, cfg, week="2022-W10", through=date(2022, 3, 9), out_dir=tmp_path)


def test_default_chart_when_none_configured(replayed: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    paths = write_weekly(replayed, cfg.model_copy(update={"charts": []}), week="2022-W17", through=None,
                         out_dir=tmp_path)
    assert paths[0] == tmp_path / "2022-W17" / "refugees-ukr.png"


# -- numbers as a reader says them ----------------------------------------------------------

@pytest.mark.parametrize(("n", "said"), [
    (5_264_767, "5.26 million"), (31_587, "31,600"), (491_603, "492,000"), (9_999, "9,999"),
    (726, "726"), (0, "0"), (12_000_000, "12 million"),
])
def test_human(n: int, said: str) -> None:
    assert human(n) == said


@pytest.mark.parametrize(("value", "top", "said"), [
    (4_000_000, 6e6, "4M"), (1_500_000, 6e6, "1.5M"), (250_000, 6e6, "0.25M"), (20_000, 50_000, "20k"),
    (2_500, 5_000, "2,500"), (0, 6e6, "0"), (12_500, 14_000, "12,500"),
])
def test_ticks(value: float, top: float, said: str) -> None:
    assert tick(value, top) == said


# -- golden images (compared with `--mpl`; plain runs only build them) ------------------------

@pytest.mark.mpl_image_compare(baseline_dir=BASELINE, tolerance=3, style="default", savefig_kwargs={"dpi": 50})
def test_golden_killed_over_time(full: Store, cfg: SourcesFile) -> Figure:
    return build(chart_data(full, chart_of(cfg, "civilians-killed-ukraine"), cfg, "2022-W13"))


@pytest.mark.mpl_image_compare(baseline_dir=BASELINE, tolerance=3, style="default", savefig_kwargs={"dpi": 50})
def test_golden_killed_compared(full: Store, cfg: SourcesFile) -> Figure:
    return build(chart_data(full, chart_of(cfg, "civilians-killed-ukraine"), cfg, "2022-W13"), compared=True)


@pytest.mark.mpl_image_compare(baseline_dir=BASELINE, tolerance=3, style="default", savefig_kwargs={"dpi": 50})
def test_golden_ranges_open_ends_projection(tmp_path: Path) -> Figure:
    store, sources = synthetic(tmp_path, SUDAN, PROJECTED)
    return build(chart_data(store, sources.charts[0], sources, "2023-W23"))


@pytest.mark.mpl_image_compare(baseline_dir=BASELINE, tolerance=3, style="default", savefig_kwargs={"dpi": 50})
def test_golden_stock_with_gaps(full: Store, cfg: SourcesFile) -> Figure:
    """IDPs in Ukraine to 2024-W01: stock figures as steps, replaced, gaps shown as gaps."""
    return build(chart_data(full, chart_of(cfg, "idps-ukraine"), cfg, "2024-W01"))


@pytest.mark.mpl_image_compare(baseline_dir=BASELINE, tolerance=3, style="default", savefig_kwargs={"dpi": 50})
def test_golden_old_figures_labelled_inline(full: Store, cfg: SourcesFile) -> Figure:
    """Killed in Sudan, 2023-W40: old figures labelled beside their lines, the latest at the edge."""
    return build(chart_data(full, chart_of(cfg, "killed-sudan"), cfg, "2023-W40"))


@pytest.mark.mpl_image_compare(baseline_dir=BASELINE, tolerance=3, style="default", savefig_kwargs={"dpi": 50})
def test_golden_derived_dashed(tmp_path: Path) -> Figure:
    """A derived best: dashed, in the legend, from the day it could be worked out."""
    store, sources = _with_late_range(tmp_path)
    return build(chart_data(store, sources.charts[0], sources, "2023-W15"))


@pytest.mark.mpl_image_compare(baseline_dir=BASELINE, tolerance=3, style="default", savefig_kwargs={"dpi": 50})
def test_golden_single_source_compared(full: Store, cfg: SourcesFile) -> Figure:
    """One source on the compared chart: said in words, drawn once."""
    return build(chart_data(full, chart_of(cfg, "civilians-injured-ukraine"), cfg, "2022-W13"), compared=True)


# -- honest lines (issue 13) -------------------------------------------------------------------

def _with_late_range(tmp_path: Path) -> tuple[Store, SourcesFile]:
    """Agency A: "at least 250" on 3 April 2023; Agency B: 100 to 300 (best 150) for 3 April,
    published only on 12 April. Together: 250 to 300, a best no source stated."""
    store, sources = synthetic(tmp_path, {("a-sdn", "Agency A"): [(date(2023, 4, 3), 250, None, None)]})
    late = datetime(2023, 4, 12, tzinfo=UTC)
    snap = Snapshot(source_id="b-sdn", url="https://example.org/b", content=b"b", retrieved_at=late)
    store.add(snap, [observation("b-sdn", "Agency B", date(2023, 4, 3), 100, 150, 300, snap, published=late)])
    b = SourceConfig(id="b-sdn", adapter="unhcr-odp", publisher="Agency B", title="b", licence="licence of b-sdn",
                     url="https://example.org", area="SDN", cadence="weekly")
    return store, SourcesFile(sources=[*sources.sources, b], charts=sources.charts, path=sources.path,
                              reconcile=sources.reconcile)


def test_a_derived_value_is_marked_and_never_drawn_before_it_was_known(tmp_path: Path) -> None:
    """Issue 13, observation 1: a derived best is dashed, in the legend, the alt text and the CSV,
    and appears only from the day the last figure it rests on was published."""
    store, sources = _with_late_range(tmp_path)
    data = chart_data(store, sources.charts[0], sources, "2023-W15")
    fig = build(data)
    drawn = lines(fig)
    solid = [pd.Timestamp(x) for x, y in zip(drawn["consensus"].get_xdata(), drawn["consensus"].get_ydata(),
                                            strict=True) if not pd.isna(y)]
    assert not solid  # no stated best: nothing solid
    dashed = [(pd.Timestamp(x), y) for x, y in zip(drawn["derived"].get_xdata(), drawn["derived"].get_ydata(),
                                                   strict=True) if not pd.isna(y)]
    assert min(x for x, _ in dashed) == pd.Timestamp(2023, 4, 12) and {y for _, y in dashed} == {250}
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["derived: a middle no source stated"]
    shown = texts(fig)
    assert "(derived best 250)" in flat(shown["latest"]) and "(derived best 250)" in flat(shown["subtitle"])
    assert "dashed = derived" in flat(shown["footer"])
    alt = figures.charts.files._METADATA[fig]["Description"]
    assert "Derived values, which no source stated (a middle of the sources' bounds), drawn dashed: 250 from 12 to " \
           "16 April 2023." in alt
    table = series_csv(data)
    steps_drawn = table[table["layer"] == "consensus"]
    assert list(steps_drawn["derived"]) == [False, True] and pd.isna(steps_drawn["best"].iloc[0])
    assert list(steps_drawn["date"]) == [pd.Timestamp(2023, 4, 3), pd.Timestamp(2023, 4, 12)]
    # the week before, the best could not be worked out yet: neither drawn nor said
    before = chart_data(store, sources.charts[0], sources, "2023-W14")
    fig = build(before)
    assert "derived" not in lines(fig) and "best" not in flat(texts(fig)["subtitle"])
    assert "Every value drawn is a figure a source stated." in figures.charts.files._METADATA[fig]["Description"]


def _line_on(data, day: pd.Timestamp) -> float:
    """The value the consensus line is drawn at on `day`, NaN in a gap."""
    line = data.line
    row = line[(line["start"] <= day) & (line["end"] > day)]
    return float(row["y"].iloc[-1]) if len(row) else float("nan")


def test_the_line_never_crosses_a_stated_floor(full: Store, cfg: SourcesFile) -> None:
    """Issue 13, observation 3: OHCHR said "at least 780" killed on 15 March 2022; on no day after it
    (until its next figure) is the line drawn below that, and it is drawn as steps, not joined."""
    data = chart_data(full, chart_of(cfg, "civilians-killed-ukraine"), cfg, "2022-W13")
    assert _line_on(data, pd.Timestamp(2022, 3, 15)) == 780 and _line_on(data, pd.Timestamp(2022, 3, 17)) == 780
    for p in records(data.points):
        for k in range((p["until"] - p["as_of"]).days + 1):
            day_ = p["as_of"] + pd.Timedelta(days=k)
            drawn = _line_on(data, day_)
            assert pd.isna(drawn) or drawn >= p["low"], (p["as_of"], day_, drawn)
    assert lines(build(data))["consensus"].get_drawstyle() == "steps-post"


def test_one_source_alone_is_drawn_once(full: Store, cfg: SourcesFile) -> None:
    """Issue 13, observation 3: OHCHR's injured alone: its figures are the consensus line, with its
    markers on it, not a second line of another shape."""
    fig = build(chart_data(full, chart_of(cfg, "civilians-injured-ukraine"), cfg, "2022-W13"))
    drawn = lines(fig)
    assert "line:OHCHR" not in drawn and drawn["source:OHCHR"].get_linestyle() == "None"
    assert "label:OHCHR" not in texts(fig) and "the one source's figures" in flat(texts(fig)["footer"])


def test_old_figures_are_labelled_beside_their_line(full: Store, cfg: SourcesFile) -> None:
    """Issue 13, observation 5: in killed-sudan the old figures (OHCHR's 185, the ministry's 604)
    are labelled where their lines are, not at the right edge far from their markers."""
    data = chart_data(full, chart_of(cfg, "killed-sudan"), cfg, "2023-W40")
    fig = build(data)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    right = ax.get_window_extent(renderer).x1
    for voice in ("OHCHR", "Federal Ministry of Health"):
        label = next(t for t in ax.texts if t.get_gid() == f"label:{voice}").get_window_extent(renderer)
        assert label.x1 < right, voice  # inside the plot
        last = data.points[data.points["voice"] == voice].iloc[-1]
        at = ax.transData.transform((mdates.date2num(last["as_of"]), float(last["low"])))
        assert abs((label.y0 + label.y1) / 2 - at[1]) < 40, voice  # beside its line
