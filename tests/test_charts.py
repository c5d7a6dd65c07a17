"""Charts: what is on the figure, reproducible PNG bytes, the files beside it, weeks, no data.

The realistic data is the offline default: UNHCR's daily border crossings out of Ukraine and
refugees by host country, 24 Feb to 25 Apr 2022, replayed from the shipped snapshots (no
network). Ranges and open-ended figures come from a small synthetic store built below.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from PIL import Image

from figures.charts import (
    CSV_COLUMNS,
    build_figure,
    chart_data,
    human,
    parse_week,
    save_png,
    week_label,
    write_weekly,
)
from figures.config import ChartConfig, SourceConfig, SourcesFile, load_sources
from figures.errors import ConfigError, FiguresError
from figures.http import build_client
from figures.models import Estimate, Observation, Provenance, Snapshot
from figures.offline import replay_transport
from figures.pipeline import update
from figures.query import series
from figures.store import Store

SOURCES_YAML = Path(__file__).parents[1] / "sources.yaml"
CROSSINGS = "unhcr-ukraine-crossings"


# -- test-local helpers ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def cfg() -> SourcesFile:
    return load_sources(SOURCES_YAML)


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory, cfg: SourcesFile) -> Store:
    """The offline default, replayed once for this module (named apart from conftest's `store`)."""
    db = tmp_path_factory.mktemp("offline") / "figures.sqlite"
    built = Store(f"sqlite:///{db}")
    outcomes = update(built, build_client(transport=replay_transport()), cfg,
                      ["unhcr-ukraine-crossings", "unhcr-ukraine-by-country"], offline=True)
    assert {o.status for o in outcomes} == {"ok"}, [o.error for o in outcomes]
    return built


def refugee_chart(cfg: SourcesFile) -> ChartConfig:
    return cfg.charts[0]


def synthetic(tmp_path: Path) -> tuple[Store, SourcesFile]:
    """Two sources on civilians killed: one with low/best/high ranges, one 'at least' only."""
    built = Store(f"sqlite:///{tmp_path / 'synthetic.sqlite'}")
    start = date(2023, 4, 15)
    series_by_source = {
        ("ohchr-sdn", "OHCHR"): [(start + timedelta(days=7 * i), 300 + 400 * i, 400 + 500 * i,
                                  600 + 700 * i) for i in range(8)],
        ("moh-sdn", "Ministry of Health"): [(start + timedelta(days=3 + 10 * i), 500 + 600 * i, None,
                                             None) for i in range(6)],
    }
    for (sid, publisher), rows in series_by_source.items():
        snap = Snapshot(source_id=sid, url=f"https://example.org/{sid}", content=sid.encode(),
                        retrieved_at=datetime(2023, 6, 20, tzinfo=UTC))
        built.add(snap, [
            Observation(metric="killed", group="civilians", area="SDN", as_of=day,
                        estimate=Estimate(low=low, best=best, high=high, text=f"{low}"),
                        provenance=Provenance(source_id=sid, publisher=publisher, url=snap.url,
                                              retrieved_at=snap.retrieved_at,
                                              snapshot_sha256=snap.sha256, locator="$", quote="-",
                                              adapter="test", adapter_version="1"))
            for day, low, best, high in rows
        ])
    sources = [SourceConfig(id=sid, adapter="unhcr-odp", publisher=publisher, title=sid,
                            licence="CC BY 4.0", url="https://example.org", area="SDN",
                            cadence="weekly")
               for sid, publisher in series_by_source]
    chart = ChartConfig(id="civilians-killed-sudan", metric="killed", group="civilians",
                        area="SDN", title="Civilians killed in Sudan")
    return built, SourcesFile(sources=sources, charts=[chart])


def texts(fig) -> dict[str, str]:
    """Every text on the figure and its axes, by gid."""
    found = list(fig.texts) + [t for ax in fig.axes for t in ax.texts]
    return {t.get_gid(): t.get_text() for t in found if t.get_gid()}


def lines(fig) -> dict[str, object]:
    return {line.get_gid(): line for ax in fig.axes for line in ax.get_lines()}


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


@pytest.mark.parametrize("text", ["2022-W9", "2022-09", "2022W09", "W09-2022", "2022-w09", "",
                                  "2022-W00", "2022-W54", "2021-W53"])
def test_parse_week_bad(text: str) -> None:
    with pytest.raises(ConfigError, match=r"YYYY-Www, e\.g\. '2022-W09'") as info:
        parse_week(text)
    assert repr(text) in str(info.value)


# -- chart_data --------------------------------------------------------------------------------

def test_chart_data_offline(replayed: Store, cfg: SourcesFile) -> None:
    data = chart_data(replayed, refugee_chart(cfg), cfg, date(2022, 5, 1))
    assert list(data.weekly["week"]) == [f"2022-W{n:02d}" for n in range(8, 18)]
    assert data.weekly["best"].iloc[-1] == 5_264_767
    # the by-country source states each host country (a place), not the whole area
    assert set(data.points["source_id"]) == {CROSSINGS}
    assert data.points["best"].iloc[0] == 79_982 and data.points["best"].iloc[-1] == 5_264_767
    assert data.points["best"].is_monotonic_increasing and len(data.points) == 61
    assert data.as_of == date(2022, 4, 25)
    assert data.weekly["date"].iloc[-1] == pd.Timestamp("2022-04-25")  # not drawn past the data
    assert data.publishers[CROSSINGS] == "UNHCR"
    assert data.methods[CROSSINGS] == "daily figures summed into a running total"


def test_chart_data_stops_at_through(replayed: Store, cfg: SourcesFile) -> None:
    data = chart_data(replayed, refugee_chart(cfg), cfg, date(2022, 3, 2))  # a Wednesday
    assert data.weekly["week"].iloc[-1] == "2022-W09"
    assert data.weekly["best"].iloc[-1] == 989_500  # crossings 24 Feb to 2 Mar, not to Sunday
    assert data.points["date"].max() == pd.Timestamp("2022-03-02")


def test_chart_data_place_and_stated_totals(replayed: Store, cfg: SourcesFile) -> None:
    chart = ChartConfig(id="refugees-poland", metric="refugees", area="UKR", place="Poland",
                        title="Refugees from Ukraine in Poland")
    data = chart_data(replayed, chart, cfg, date(2022, 5, 1))
    assert list(data.points["source_id"]) == ["unhcr-ukraine-by-country"]
    assert list(data.points["best"]) == [2_922_978]
    assert data.methods["unhcr-ukraine-by-country"] == "stated totals"


# -- build_figure ----------------------------------------------------------------------------

def test_figure_shows_title_series_labels_and_footer(replayed: Store, cfg: SourcesFile) -> None:
    fig = build_figure(chart_data(replayed, refugee_chart(cfg), cfg, date(2022, 5, 1)), "2022-W17")
    assert tuple(fig.get_size_inches()) == (10.0, 6.0) and fig.dpi == 100
    shown = texts(fig)
    assert shown["title"] == "Refugees from Ukraine"
    assert shown["subtitle"] == "5.26 million as of 25 Apr 2022; +31,600 since 2022-W16"
    assert shown["latest"] == "5.26 million,\n25 Apr, UNHCR"
    assert " ".join(shown[f"label:{CROSSINGS}"].split()) == (
        "\u25cf UNHCR (unhcr-ukraine-crossings): daily figures summed into a running total")
    footer = " ".join(shown["footer"].split())
    assert footer.startswith("Source: UNHCR (unhcr-ukraine-crossings). Data as of 25 Apr 2022. "
                             "Method: daily figures summed into a running total;")
    assert footer.endswith("Chart: figures, 2022-W17.")
    drawn = lines(fig)
    assert list(drawn["weekly"].get_ydata())[-1] == 5_264_767
    assert len(drawn[f"source:{CROSSINGS}"].get_ydata()) == 61
    ax = fig.axes[0]
    assert ax.yaxis.get_major_formatter()(5_000_000, 0) == "5m"
    assert ax.get_ylim()[0] == 0


def test_figure_band_and_open_ended_arrows(tmp_path: Path) -> None:
    built, sources = synthetic(tmp_path)
    data = chart_data(built, sources.charts[0], sources, date(2023, 6, 11))
    fig = build_figure(data, "2023-W23")
    ax = fig.axes[0]
    band = [c for c in ax.collections if c.get_gid() == "band"]
    assert len(band) == 1 and band[0].get_paths()[0].get_extents().height > 0
    arrows = [t for t in ax.texts if t.get_text() == "" and getattr(t, "arrowprops", None)]
    assert len(arrows) == 6  # one per "at least" figure from the ministry
    shown = texts(fig)
    # the consensus: OHCHR's 3,100-5,500 (best 3,900) narrowed by the ministry's "at least 3,500"
    assert shown["latest"] == "3,500 to 5,500\n(best 3,900),\n7 Jun, Ministry of Health"
    assert "no change since 2023-W22" in shown["subtitle"]
    assert "OHCHR: stated totals; Ministry of Health: stated totals" in " ".join(shown["footer"].split())
    markers = {line.get_marker() for gid, line in lines(fig).items() if gid.startswith("source:")}
    assert len(markers) == 2


def test_figure_without_data_raises(tmp_path: Path, cfg: SourcesFile) -> None:
    empty = Store(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    data = chart_data(empty, refugee_chart(cfg), cfg, date(2022, 5, 1))
    assert data.weekly.empty and data.points.empty and data.as_of is None
    with pytest.raises(FiguresError, match="nothing to draw; run 'figures update' first"):
        build_figure(data, "2022-W17")


# -- save_png ----------------------------------------------------------------------------------

def test_png_bytes_are_reproducible_and_carry_metadata(replayed: Store, cfg: SourcesFile,
                                                       tmp_path: Path) -> None:
    paths = []
    for name in ("a.png", "b.png"):  # two figures built separately from the same data
        fig = build_figure(chart_data(replayed, refugee_chart(cfg), cfg, date(2022, 5, 1)), "2022-W17")
        paths.append(save_png(fig, tmp_path / name, title="Refugees from Ukraine",
                              description="Line chart \u2013 refugees", source="UNHCR",
                              copyright="attribute UNHCR"))
    assert paths[0].read_bytes() == paths[1].read_bytes()
    with Image.open(paths[0]) as image:
        assert image.size == (1000, 600)
        assert image.text["Title"] == "Refugees from Ukraine"
        assert image.text["Description"] == "Line chart \u2013 refugees"
        assert image.text["Source"] == "UNHCR" and image.text["Copyright"] == "attribute UNHCR"
        assert "Software" not in image.text


# -- write_weekly ----------------------------------------------------------------------------

def test_write_weekly_defaults_to_last_week_with_data(replayed: Store, cfg: SourcesFile,
                                                      tmp_path: Path) -> None:
    messages: list[str] = []
    paths = write_weekly(replayed, cfg, week=None, through=None, out_dir=tmp_path, messages=messages)
    folder = tmp_path / "2022-W17"
    assert paths == [folder / "refugees-ukraine.png", folder / "refugees-ukraine.alt.txt",
                     folder / "refugees-ukraine.csv"]
    assert messages == []
    alt = paths[1].read_text(encoding="utf-8")
    for said in ("Line chart: Refugees from Ukraine", "rose from 491,603",
                 "to 5,264,767 as of 25 April 2022", "+31,587 since 2022-W16",
                 "Sources: UNHCR (unhcr-ukraine-crossings)"):
        assert said in alt
    with Image.open(paths[0]) as image:
        assert image.text["Description"] == alt.strip()
        assert image.text["Source"].startswith("Source: UNHCR (unhcr-ukraine-crossings).")
        assert "attribute UNHCR" in image.text["Copyright"]


def test_csv_is_the_plotted_series_and_points(replayed: Store, cfg: SourcesFile,
                                              tmp_path: Path) -> None:
    paths = write_weekly(replayed, cfg, week="2022-W12", through=None, out_dir=tmp_path)
    csv = pd.read_csv(paths[2])
    assert list(csv.columns) == CSV_COLUMNS
    assert set(csv["series"]) == {"weekly", CROSSINGS}
    weekly = csv[csv["series"] == "weekly"]
    expected = series("refugees", area="UKR", end=date(2022, 3, 27), db=replayed,
                      source_order=[s.id for s in cfg.sources])
    assert list(weekly["week"]) == list(expected["period"])
    assert list(weekly["best"]) == list(expected["best"])
    assert list(weekly["low"]) == list(expected["low"])
    points = csv[csv["series"] == CROSSINGS]
    assert points["date"].max() == "2022-03-27" and len(points) == 32
    assert points["best"].iloc[-1] == expected["best"].iloc[-1]  # the Sunday total is the line


@pytest.mark.parametrize(("kwargs", "folder"), [
    ({"week": "2022-W10", "through": None}, "2022-W10"),
    ({"week": None, "through": date(2022, 3, 2)}, "2022-W09"),
    ({"week": None, "through": None, "today": date(2022, 4, 27)}, "2022-W16"),  # W17 not over
    ({"week": None, "through": None, "today": date(2022, 5, 1)}, "2022-W17"),
])
def test_week_choice(replayed: Store, cfg: SourcesFile, tmp_path: Path, kwargs: dict,
                     folder: str) -> None:
    paths = write_weekly(replayed, cfg, out_dir=tmp_path, **kwargs)
    assert {p.parent.name for p in paths} == {folder}


def test_week_and_through_together_are_refused(replayed: Store, cfg: SourcesFile,
                                               tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not both"):
        write_weekly(replayed, cfg, week="2022-W10", through=date(2022, 3, 9), out_dir=tmp_path)


def test_chart_without_data_is_skipped_with_a_message(replayed: Store, cfg: SourcesFile,
                                                      tmp_path: Path) -> None:
    killed = ChartConfig(id="killed-ukraine", metric="killed", area="UKR", title="Killed")
    both = cfg.model_copy(update={"charts": [killed, refugee_chart(cfg)]})
    messages: list[str] = []
    paths = write_weekly(replayed, both, week="2022-W10", through=None, out_dir=tmp_path,
                         messages=messages)
    assert [p.name for p in paths] == ["refugees-ukraine.png", "refugees-ukraine.alt.txt",
                                       "refugees-ukraine.csv"]
    assert len(messages) == 1
    assert messages[0].startswith("chart 'killed-ukraine': no killed figure for UKR for 2022-W10;")


def test_week_outside_the_data_is_skipped(replayed: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    for week in ("2022-W05", "2022-W30"):  # before the first figure; long after the last
        messages: list[str] = []
        assert write_weekly(replayed, cfg, week=week, through=None, out_dir=tmp_path,
                            messages=messages) == []
        assert "skipped" in messages[0] and week in messages[0]
    assert not any(tmp_path.iterdir())


def test_empty_store_writes_nothing(tmp_path: Path, cfg: SourcesFile) -> None:
    empty = Store(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    messages: list[str] = []
    out = tmp_path / "charts"
    assert write_weekly(empty, cfg, week=None, through=None, out_dir=out, messages=messages) == []
    assert messages == ["chart 'refugees-ukraine': no refugees figure for UKR at all; skipped "
                        "(run 'figures update', or pick a week with data)"]
    assert not out.exists()


def test_default_chart_when_none_configured(replayed: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    paths = write_weekly(replayed, cfg.model_copy(update={"charts": []}), week=None, through=None,
                         out_dir=tmp_path)
    assert paths[0] == tmp_path / "2022-W17" / "refugees-ukr.png"


# -- numbers as a reader says them ----------------------------------------------------------

@pytest.mark.parametrize(("n", "said"), [
    (5_264_767, "5.26 million"), (31_587, "31,600"), (491_603, "492,000"), (9_999, "9,999"),
    (726, "726"), (0, "0"), (12_000_000, "12 million"),
])
def test_human(n: int, said: str) -> None:
    assert human(n) == said
