"""Store benchmark: append-only ingest, idempotent re-ingest, query and weekly series.

Baseline: a raw `sqlite3.executemany` of the same rows into a bare table, the floor that any
store on SQLite pays. Run: `python benchmarks/bench_store.py [--days N] [--repeat R]`.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from figures.models import Estimate, Observation, Provenance, Snapshot
from figures.query import query, series
from figures.store import Store


def synthetic(days: int, places: int) -> tuple[Snapshot, list[Observation]]:
    """`days` daily crossings for `places` host countries, shaped like the UNHCR series."""
    snap = Snapshot(source_id="bench", url="https://data.unhcr.org/bench",
                    retrieved_at=datetime(2022, 8, 1, tzinfo=UTC),
                    content=json.dumps({"days": days, "places": places}).encode())
    out = []
    start = date(2022, 2, 24)
    for p in range(places):
        for d in range(days):
            day = start + timedelta(days=d)
            value = 1000 + (d * 7919 + p * 104729) % 150000
            out.append(Observation(
                metric="refugees", area="UKR", place=None if p == 0 else f"Place {p}", as_of=day,
                period_start=day, period_end=day, scope="incident",
                estimate=Estimate.exact(value),
                provenance=Provenance(source_id="bench", publisher="UNHCR", url=snap.url,
                                      retrieved_at=snap.retrieved_at, snapshot_sha256=snap.sha256,
                                      locator=f"$.data[{p * days + d}]",
                                      quote=str(value), adapter="bench", adapter_version="0"),
            ))
    return snap, out


def timed(fn, repeat: int) -> float:
    """Median wall time of `fn()` over `repeat` runs, in seconds."""
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--places", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    snap, obs = synthetic(args.days, args.places)
    n = len(obs)
    work = Path(tempfile.mkdtemp())
    counter = iter(range(10**6))

    def fresh_ingest() -> None:
        store = Store(f"sqlite:///{work}/s{next(counter)}.sqlite")
        store.add(snap, obs)
        store.close()

    def raw_baseline() -> None:
        conn = sqlite3.connect(work / f"raw{next(counter)}.sqlite")
        conn.execute("create table o (k text, as_of text, low int, best int, high int, quote text)")
        with conn:
            conn.executemany("insert into o values (?,?,?,?,?,?)",
                             [(o.record_key(), o.as_of.isoformat(), o.estimate.low, o.estimate.best,
                               o.estimate.high, o.provenance.quote) for o in obs])
        conn.close()

    store = Store(f"sqlite:///{work}/main.sqlite")
    store.add(snap, obs)
    results = {
        "observations": n,
        "raw sqlite3 executemany (baseline)": timed(raw_baseline, args.repeat),
        "Store.add, fresh store": timed(fresh_ingest, args.repeat),
        "Store.add, same batch again (adds nothing)": timed(lambda: store.add(snap, obs), args.repeat),
        "query() one date": timed(lambda: query("refugees", area="UKR", on=date(2022, 12, 1), db=store,
                                                source_order=[]), args.repeat),
        "series() weekly, whole range": timed(lambda: series("refugees", area="UKR", db=store, source_order=[]),
                                              args.repeat),
    }
    print(f"python {sys.version.split()[0]}, {n} observations ({args.days} days x {args.places} places), "
          f"median of {args.repeat}")
    for name, value in results.items():
        if name == "observations":
            continue
        print(f"{name:45s} {value * 1000:9.1f} ms  ({n / value:,.0f} obs/s)")


if __name__ == "__main__":
    main()
