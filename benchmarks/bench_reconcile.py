"""Reconciliation benchmark: `series` and `query` on a store of about a million observations.

The store: twenty areas, three years of days (2022-2024), and per area eight sources of the
shapes the adapters bring: a daily verified minimum ("at least"), a ministry's ranges every
three days, a weekly vague news figure ("hundreds"), an agency's weekly exact figure, two event
datasets (about twenty events a day each, one with low/best/high, one with single counts), daily
border crossings and a weekly refugee stock. One record in fifty has a second, revised vintage.

Baseline: plain pandas on the same rows read from the same database with `pandas.read_sql`:
latest vintage per record (`drop_duplicates`), weekly values per source (`groupby` + `last`, or
`sum` + `cumsum` for events), then per week the lowest low, highest high, median best and a
`cummax` of the low. It has no voices, staleness, consensus or disputes: it is the floor a
hand-written notebook pays for the same rows.

Run: `python benchmarks/bench_reconcile.py [--areas 20] [--events 21] [--repeat 5] [--db PATH]`.
`--db PATH` keeps the built store (and reuses it when it exists).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from figures import incidents
from figures.query import clear_cache, query, series
from figures.store import Store, observations

AREAS = ["UKR", "SDN", "SYR", "YEM", "AFG", "COD", "ETH", "MMR", "SOM", "SSD",
         "MLI", "BFA", "NGA", "HTI", "IRQ", "LBY", "MOZ", "CAF", "PSE", "COL"]
START, DAYS = date(2022, 1, 1), 1096
RETRIEVED = datetime(2025, 1, 15, 9, tzinfo=UTC)
REVISED = datetime(2025, 2, 15, 9, tzinfo=UTC)


def record_key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def rows_for(area: str, events: int, rnd: random.Random) -> Iterator[dict[str, Any]]:
    """Every observation of one area, as store rows."""
    sha = hashlib.sha256(area.encode()).hexdigest()
    base = {"area": area, "place": None, "period_start": None, "period_end": None, "modality": "reported",
            "title": None, "published_at": None, "retrieved_at": RETRIEVED, "snapshot_sha256": sha,
            "locator": "$", "quote": "-", "attributed_to": None, "adapter": "bench", "adapter_version": "1",
            "stored_at": RETRIEVED, "record_id": None}

    def row(source: str, publisher: str, metric: str, group: str, day: date, low: int, best: int | None,
            high: int | None, rule: str, scope: str = "cumulative", record_id: str | None = None) -> dict[str, Any]:
        period = (day, day) if scope == "incident" else (None, None)
        key = record_key(source, metric, group, area, "", day.isoformat(), str(period[0] or ""),
                         str(period[1] or ""), scope, "reported", record_id or "")
        return {**base, "record_key": key, "source_id": f"{source}-{area.lower()}", "publisher": publisher,
                "metric": metric, "group": group, "as_of": day, "period_start": period[0], "period_end": period[1],
                "scope": scope, "low": low, "best": best, "high": high, "text": str(low), "rule": rule,
                "url": f"https://example.org/{source}/{area}", "record_id": record_id}

    total = 0
    for d in range(DAYS):
        day = START + timedelta(days=d)
        total += rnd.randint(5, 60)
        yield row("monitor", "Monitor", "killed", "civilians", day, total, total, None, "at-least-verified")
        if d % 3 == 0:
            yield row("ministry", "Ministry", "killed", "civilians", day, int(total * 1.1), int(total * 1.4),
                      int(total * 1.9), "range")
        if d % 7 == 0:
            magnitude = 10 ** max(2, len(str(total)) - 1)
            yield row("news", "Wire", "killed", "civilians", day, magnitude, None, magnitude * 10 - 1, "vague")
            yield row("agency", "Agency", "killed", "civilians", day, int(total * 1.2), int(total * 1.2),
                      int(total * 1.2), "exact")
            yield row("stocks", "UNHCR", "refugees", "all", day, 5000 * d, 5000 * d, 5000 * d, "exact")
        flow = rnd.randint(1000, 9000)
        yield row("crossings", "UNHCR", "refugees", "all", day, flow, flow, flow, "exact", "incident")
        for e in range(events):
            deaths = rnd.choice((0, 0, 1, 1, 2, 3, 5, 8))
            yield row("ged", "UCDP", "killed", "all", day, deaths, deaths + 1, deaths * 2 + 1, "source-range",
                      "incident", f"g{d}-{e}")
            yield row("acled", "ACLED", "killed", "all", day, deaths, deaths, deaths, "conservative-count",
                      "incident", f"a{d}-{e}")


def build(path: Path, areas: int, events: int) -> Store:
    """The benchmark store at `path` (reused when it is already there)."""
    store = Store(f"sqlite:///{path}")
    if store.count()["observations"]:
        return store
    rnd = random.Random(20221)
    with store.transaction() as conn:
        for area in AREAS[:areas]:
            conn.execute(sa.insert(sa.table("snapshots", *[sa.column(c) for c in (
                "sha256", "source_id", "url", "retrieved_at", "content_type", "size", "content", "stored_at")])),
                [{"sha256": hashlib.sha256(area.encode()).hexdigest(), "source_id": area, "url": "-",
                  "retrieved_at": RETRIEVED, "content_type": None, "size": 0, "content": b"", "stored_at": RETRIEVED}])
            chunk: list[dict[str, Any]] = []
            for r in rows_for(area, events, rnd):
                chunk.append(r)
                if rnd.random() < 0.02:  # a revised vintage, retrieved a month later
                    chunk.append({**r, "low": r["low"] + 1, "best": None if r["best"] is None else r["best"] + 1,
                                  "high": None if r["high"] is None else r["high"] + 1, "retrieved_at": REVISED})
                if len(chunk) >= 20_000:
                    conn.execute(observations.insert(), chunk)
                    chunk = []
            if chunk:
                conn.execute(observations.insert(), chunk)
        incidents.rebuild(conn)  # the daily sums Store.add keeps as it stores (rows were inserted directly)
    return store


def baseline(store: Store, metric: str, group: str, area: str | None) -> pd.DataFrame:
    """Plain pandas: read the rows, latest vintage, weekly per source, then per week min/max/median and cummax."""
    t = observations.c
    query_ = sa.select(t.record_key, t.source_id, t.area, t.as_of, t.scope, t.low, t.best, t.high, t.retrieved_at,
                       t.id).where(t.metric == metric, t.group == group)
    if area:
        query_ = query_.where(t.area == area)
    frame = pd.read_sql(query_, store.engine)
    frame = frame.sort_values(["retrieved_at", "id"]).drop_duplicates("record_key", keep="last")
    frame["week"] = pd.to_datetime(frame["as_of"]).dt.to_period("W-SUN")
    keys = ["area", "source_id", "week"]
    events = frame[frame["scope"] == "incident"].groupby(keys)[["low", "best", "high"]].sum()
    events = events.groupby(level=["area", "source_id"]).cumsum()
    stated = frame[frame["scope"] != "incident"].sort_values("as_of").groupby(keys)[["low", "best", "high"]].last()
    weekly = pd.concat([events, stated]).groupby(level=["area", "week"]).agg(
        low=("low", "min"), best=("best", "median"), high=("high", "max"))
    weekly["low"] = weekly.groupby(level="area")["low"].cummax()
    return weekly


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    runs, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=20)
    parser.add_argument("--events", type=int, default=21, help="events a day per event dataset and area")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp()) / "bench.sqlite"
    t0 = time.perf_counter()
    store = build(path, args.areas, args.events)
    print(f"store: {store.count()['observations']:,} observations in {args.areas} areas "
          f"({time.perf_counter() - t0:.1f} s to build or open)")
    area = AREAS[0]
    out: list[tuple[str, float, float, float]] = []

    def cold(fn: Callable[[], Any]) -> Callable[[], Any]:
        def run() -> Any:
            clear_cache()
            return fn()
        return run

    for label, metric, group in (("killed, civilians (stated figures)", "killed", "civilians"),
                                 ("killed, all (event sums)", "killed", "all"),
                                 ("refugees (daily crossings + stocks)", "refugees", "all")):
        def ours_fn(m: str = metric, g: str = group) -> pd.DataFrame:
            return series(m, area=area, group=g, db=store)
        ours, frame = timed(cold(ours_fn), args.repeat)
        warm, _ = timed(ours_fn, args.repeat)
        base, _ = timed(lambda m=metric, g=group: baseline(store, m, g, area), args.repeat)
        out.append((f"series, one area: {label}, {len(frame)} weeks", ours, warm, base))

    def every_area() -> list[pd.DataFrame]:
        return [series("killed", area=a, group="all", db=store) for a in AREAS[:args.areas]]
    every, _ = timed(cold(every_area), max(1, args.repeat // 2))
    every_warm, _ = timed(every_area, max(1, args.repeat // 2))
    base_every, _ = timed(lambda: baseline(store, "killed", "all", None), max(1, args.repeat // 2))
    out.append((f"series, all {args.areas} areas: killed, all", every, every_warm, base_every))
    print(f"{'what':<62} {'figures':>9} {'(warm)':>9} {'pandas':>9} {'ratio':>7}")
    for what, ours, warm, base in out:
        print(f"{what:<62} {ours * 1000:>7.0f}ms {warm * 1000:>7.1f}ms {base * 1000:>7.0f}ms {ours / base:>6.2f}x")
    rnd = random.Random(7)
    asks = [(rnd.choice(AREAS[:args.areas]), START + timedelta(days=rnd.randrange(30, DAYS)),
             rnd.choice(("civilians", "all"))) for _ in range(40)]
    first = []
    for a, day, group in asks[:20]:
        clear_cache()
        t0 = time.perf_counter()
        query("killed", area=a, group=group, on=day, db=store)
        first.append(time.perf_counter() - t0)
    again = []
    for a, day, group in asks[20:]:
        query("killed", area=a, group=group, on=day, db=store)
        t0 = time.perf_counter()
        query("killed", area=a, group=group, on=day + timedelta(days=3), db=store)
        again.append(time.perf_counter() - t0)
    print(f"query, first for its selection (reads and reconciles it): median {statistics.median(first) * 1000:.1f} ms, "
          f"max {max(first) * 1000:.1f} ms (20 queries)")
    print(f"query, selection already reconciled: median {statistics.median(again) * 1000:.2f} ms, "
          f"max {max(again) * 1000:.2f} ms (20 queries)")
    one = query("killed", area=area, group="civilians", on=START + timedelta(days=400), db=store)
    print(f"example: {one}")
    print(f"numpy {np.__version__}, pandas {pd.__version__}, SQLAlchemy {sa.__version__}")


if __name__ == "__main__":
    main()
