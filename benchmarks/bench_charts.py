"""Time a full weekly report against bare matplotlib drawing the same series, in one run.

    python benchmarks/bench_charts.py                 # median of 5
    python benchmarks/bench_charts.py --repeat 9 --week 2022-W13

Two situations: Ukraine from the snapshots shipped with the package (replayed offline: refugees,
IDPs, civilians killed and injured), and a synthetic Sudan shaped like its real sources (UNHCR's
weekly refugee totals, IOM's monthly IDP rounds, a year of daily conflict events with deaths,
OHCHR's stated tolls with ranges), drawn by the three Sudan charts of sources.yaml.

- **report**: `write_report` for the week: every chart's data from the reconciliation, both
  charts per quantity with every label, the PNGs, alt texts, CSVs and index.html. The
  reconciliation cache is cleared first, so each run reconciles from the store.
- **baseline**: the same series and points (gathered beforehand, not timed), drawn by bare
  matplotlib with no styling (a line, markers per source, horizontal bars) and saved as PNGs of
  the same size and dpi: the floor any chart of these data pays.

Run it from the repository root: it imports the `figures` beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from figures.charts import chart_data  # noqa: E402
from figures.charts.style import DPI, SIZE  # noqa: E402
from figures.config import SourceConfig, load_sources  # noqa: E402
from figures.http import build_client  # noqa: E402
from figures.models import Estimate, Observation, Provenance, Snapshot  # noqa: E402
from figures.offline import replay_transport  # noqa: E402
from figures.pipeline import update  # noqa: E402
from figures.query import clear_cache  # noqa: E402
from figures.report import write_report  # noqa: E402
from figures.store import Store  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def sudan(store: Store, end: date) -> list[SourceConfig]:
    """Synthetic Sudan up to `end`: what its real sources publish, in their cadences and shapes."""
    rng = np.random.default_rng(7)
    start = end - timedelta(days=364)
    made: list[SourceConfig] = []

    def add(sid: str, publisher: str, rows: list[Observation]) -> None:
        snap = Snapshot(source_id=sid, url=f"https://example.org/{sid}", content=sid.encode(),
                        retrieved_at=datetime.combine(end, datetime.min.time(), tzinfo=UTC))
        store.add(snap, [r.model_copy(update={"provenance": r.provenance.model_copy(update={
            "snapshot_sha256": snap.sha256, "url": snap.url})}) for r in rows])
        made.append(SourceConfig(id=sid, adapter="csv", publisher=publisher, title=sid, licence="synthetic",
                                 url="https://example.org", area="SDN", cadence="weekly"))

    def obs(sid: str, publisher: str, metric: str, day: date, low: int, best: int | None, high: int | None,
            **extra: object) -> Observation:
        return Observation(metric=metric, area="SDN", as_of=day, estimate=Estimate(low=low, best=best, high=high,
                                                                                   text=str(low)),
                           provenance=Provenance(source_id=sid, publisher=publisher, url="https://example.org",
                                                 retrieved_at=datetime.combine(end, datetime.min.time(), tzinfo=UTC),
                                                 snapshot_sha256="0" * 64, locator="$", quote=str(low),
                                                 adapter="synthetic", adapter_version="1"), **extra)  # type: ignore[arg-type]

    weeks = [start + timedelta(days=7 * i) for i in range(53)]
    add("unhcr-sdn", "UNHCR", [obs("unhcr-sdn", "UNHCR", "refugees", d, 20_000 + 30_000 * i, 20_000 + 30_000 * i,
                                   20_000 + 30_000 * i) for i, d in enumerate(weeks)])
    add("iom-sdn", "IOM DTM", [obs("iom-sdn", "IOM DTM", "idps", start + timedelta(days=30 * i),
                                   300_000 + 400_000 * i, 300_000 + 400_000 * i, 300_000 + 400_000 * i)
                               for i in range(13)])
    deaths = rng.poisson(25, 365)
    add("events-sdn", "ACLED", [obs("events-sdn", "ACLED", "killed", start + timedelta(days=i), int(n), int(n), int(n),
                                    scope="incident", period_start=start + timedelta(days=i),
                                    period_end=start + timedelta(days=i), record_id=f"e{i}")
                                for i, n in enumerate(deaths)])
    add("ohchr-sdn", "OHCHR", [obs("ohchr-sdn", "OHCHR", "killed", d, 400 + 150 * i, 500 + 180 * i, 700 + 260 * i)
                               for i, d in enumerate(weeks[::2])])
    return made


def baseline(data_sets: list, out: Path) -> None:
    """The same series and points, bare matplotlib, no styling, saved as PNGs of the same size."""
    for n, data in enumerate(data_sets):
        fig = Figure(figsize=SIZE, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        ax.plot(data.series["period_end"], data.series["best"].astype(float))
        for _, g in data.points.groupby("voice"):
            ax.plot(g["as_of"], g["best"].fillna(g["low"]).astype(float), "o-")
        fig.savefig(out / f"base-{n}.png", dpi=DPI)
        fig = Figure(figsize=SIZE, dpi=DPI)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        latest = data.latest
        ax.hlines(range(len(latest)), latest["low"].astype(float), latest["high"].fillna(latest["low"]).astype(float))
        ax.plot(latest["best"].fillna(latest["low"]).astype(float), range(len(latest)), "o")
        fig.savefig(out / f"base-{n}-compared.png", dpi=DPI)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--week", default="2022-W13", help="the ISO week reported (default: %(default)s)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FIGURES_HOME"] = tmp
        store = Store(f"sqlite:///{Path(tmp) / 'figures.sqlite'}")
        cfg = load_sources(REPO / "sources.yaml")
        update(store, build_client(transport=replay_transport()), cfg, [s.id for s in cfg.sources], offline=True)
        end = date.fromisocalendar(int(args.week[:4]), int(args.week[6:]), 7)
        extra = sudan(store, end)
        counted = {**cfg.reconcile.count_from, "SDN": end - timedelta(days=364)}  # the synthetic war's start
        cfg = cfg.model_copy(update={"sources": [*cfg.sources, *extra],
                                     "reconcile": cfg.reconcile.model_copy(update={"count_from": counted})})
        out = Path(tmp) / "out"
        report_times, base_times = [], []
        written = None
        for _ in range(args.repeat):
            clear_cache()
            t = time.perf_counter()
            written = write_report(store, cfg, week=args.week, through=None, out_dir=out)
            report_times.append(time.perf_counter() - t)
            assert written is not None
            data_sets = [d.data for d in written[1].drawn]
            t = time.perf_counter()
            baseline(data_sets, Path(tmp))
            base_times.append(time.perf_counter() - t)
        assert written is not None
        weekly = written[1]
        gather = []
        for d in weekly.drawn:
            clear_cache()
            t = time.perf_counter()
            chart_data(store, d.data.chart, cfg, weekly.week, weekly.through)
            gather.append(time.perf_counter() - t)
        report, base = statistics.median(report_times), statistics.median(base_times)
        charts = len(weekly.drawn)
        print(f"week {weekly.week}: {charts} quantities drawn ({2 * charts} PNGs), "
              f"{len(weekly.skipped)} skipped; median of {args.repeat}")
        print("| what | time | per PNG |\n|---|---|---|")
        per = report / (2 * charts) * 1000
        print(f"| full weekly report (`write_report`) | {report * 1000:,.0f} ms | {per:,.0f} ms |")
        print(f"| of which gathering the data (reconciliation, cold) | {sum(gather) * 1000:,.0f} ms | |")
        print(f"| bare matplotlib, same series, no styling (baseline) | {base * 1000:,.0f} ms | "
              f"{base / (2 * charts) * 1000:,.0f} ms |")
        print(f"| ratio | {report / base:.2f}x | target 2x |")


if __name__ == "__main__":
    main()
