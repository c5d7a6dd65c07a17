"""Ingest benchmark: a large event export into the store, against pandas.

For each schema (ACLED's CSV export, the 31 columns of the real 2022 file; UCDP GED's CSV as HDX
publishes it, 43 columns and an HXL row) it writes `--rows` synthetic events (fixed seed) to a
temporary file, then times, each in a fresh subprocess so that peak memory is its own, and each into
a fresh database: a SQLite file, or with `--db postgresql+psycopg://...` (or $FIGURES_BENCH_POSTGRES)
a new schema of that PostgreSQL database, dropped afterwards:
- **baseline**: `pandas.read_csv` + `DataFrame.to_sql` of the file (pandas' default method: on
  PostgreSQL psycopg's executemany); on PostgreSQL also **baseline-copy** (a `method` callable
  writing psycopg's COPY) and, only with `--run baseline-multi` (about 20 times slower),
  `method="multi"` with 1,000 rows a statement, reported beside it; the ratios are to the default;
- **ingest**: what `figures ingest FILE --adapter ...` runs (`pipeline.ingest_file`): the file as
  one snapshot, the adapter's `iter_rows` (plain rows, no model per figure) into
  `Store.add_rows`, in chunks within one transaction;
- **floor**: only the database work of ingest: the store's own INSERT parameters are prepared
  first, untimed; then the snapshot, the chunks of INSERTs (PostgreSQL: COPYs) and the commit are
  timed. No Python parser or store can be faster than this with this schema;
- **insert** (PostgreSQL only): ingest with the driver's executemany instead of COPY (what the
  store did before it wrote COPY);
- **models**: the validated path: `iter_parse` (a pydantic `Observation` per figure) stored 2,000
  at a time with `Store.add` inside one transaction (what ingest did before `iter_rows`);
- **paged**: what `figures update` stores from an API: the rows cut into pages of 5,000, each a
  snapshot through `pipeline.store_snapshot`, all in one transaction (as an update stores a source);
- **whole** (only with `--run whole`: it holds every observation, 9 to 13 GB at a million rows):
  `parse` to a list, then one `Store.add`.
Peak memory is the child's maximum resident set (`resource.getrusage`) less what it held before
the timed work began (for floor: after the parameters were prepared). `--profile` adds a
cProfile of the ingest run.

Run: `python benchmarks/bench_ingest.py [--rows N] [--schema acled|ucdp] [--run NAME] [--profile] [--db URL]`
(default 1,000,000 rows of each schema into SQLite; use `--rows 100000` while developing).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ACLED_COLUMNS = ["data_id", "iso", "event_id_cnty", "event_id_no_cnty", "event_date", "year", "time_precision",
                 "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
                 "inter2", "interaction", "region", "country", "admin1", "admin2", "admin3", "location", "latitude",
                 "longitude", "geo_precision", "source", "source_scale", "notes", "fatalities", "timestamp", "iso3"]
UCDP_COLUMNS = ["id", "year", "active_year", "type_of_violence", "conflict_new_id", "conflict_name", "dyad_new_id",
                "dyad_name", "side_a_new_id", "gwnoa", "side_a", "side_b_new_id", "gwnob", "side_b",
                "number_of_sources", "source_article", "source_office", "source_date", "source_headline",
                "source_original", "where_prec", "where_coordinates", "adm_1", "adm_2", "latitude", "longitude",
                "geom_wkt", "priogrid_gid", "country", "iso3", "country_id", "region", "event_clarity", "date_prec",
                "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "low", "best",
                "high"]
UCDP_HXL = {"year": "#date+year", "side_a": "#group+name+first", "side_b": "#group+name+second",
            "source_article": "#meta+source", "source_headline": "#description", "where_coordinates": "#loc+name",
            "adm_1": "#adm1+name", "adm_2": "#adm2+name", "latitude": "#geo+lat", "longitude": "#geo+lon",
            "country": "#country+name", "iso3": "#country+code", "region": "#region+name",
            "date_start": "#date+start", "date_end": "#date+end", "best": "#affected+killed"}
OBLASTS = ["Donetsk", "Luhansk", "Kharkiv", "Zaporizhia", "Kherson", "Mykolaiv", "Dnipropetrovsk", "Sumy",
           "Chernihiv", "Kyiv", "Odesa", "Lviv", "Poltava", "Zhytomyr", "Cherkasy", "Vinnytsia"]
PLACES = ["Bakhmut", "Avdiivka", "Mariupol", "Kupiansk", "Izium", "Orikhiv", "Kherson", "Bilohorivka", "Marinka",
          "Vuhledar", "Sartana", "Chernihiv", "Okhtyrka", "Kreminna", "Nikopol", "Huliaipole"]
EVENTS = [("Explosions/Remote violence", "Shelling/artillery/missile attack", 0.5),
          ("Battles", "Armed clash", 0.3), ("Violence against civilians", "Attack", 0.1),
          ("Strategic developments", "Looting/property destruction", 0.07), ("Protests", "Peaceful protest", 0.03)]
START = date(2022, 2, 24)
PAGE = 5000  # rows per page in the paged run (ACLED's limit)
CHUNK = 2000  # observations per Store.add in the models run
#: The runs, in order: name for the table, and what the child process does.
RUNS = {
    "baseline": "baseline: pandas read_csv + to_sql",
    "baseline-multi": "pandas to_sql, method=multi",
    "baseline-copy": "pandas to_sql, a COPY method",
    "ingest": "ingest: iter_rows + Store.add_rows",
    "floor": "floor: the store's INSERTs alone",
    "insert": "ingest with executemany, no COPY",
    "models": "models: iter_parse + Store.add in 2,000s",
    "paged": "paged: pages of 5,000, one transaction",
    "whole": "whole: parse to a list, one Store.add",
}
DEFAULT_RUNS = [run for run in RUNS if run not in ("whole", "baseline-multi")]
#: The runs that only mean something on PostgreSQL.
POSTGRES_RUNS = ("baseline-multi", "baseline-copy", "insert")


def write_acled(path: Path, rows: int, rng: random.Random) -> None:
    """`rows` events in the column order and value styles of ACLED's 2022 Ukraine export."""
    kinds, weights = [e[:2] for e in EVENTS], [e[2] for e in EVENTS]
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(ACLED_COLUMNS)
        for i in range(rows):
            day = START + timedelta(days=rng.randrange(1000))
            kind, sub = rng.choices(kinds, weights)[0]
            oblast, place = rng.choice(OBLASTS), rng.choice(PLACES)
            dead = rng.choice((0, 0, 0, 0, 1, 1, 2, 3, 5, 12))
            inter2 = "7" if kind == "Violence against civilians" or rng.random() < 0.15 else rng.choice("0128")
            out.writerow([
                9_000_000 + i, 804, f"UKR{52000 + i}", 52000 + i, day.isoformat(), day.year, rng.choice("1112"),
                kind, sub, "Military Forces of Russia (2000-)", "", 8,
                "Civilians (Ukraine)" if inter2 == "7" else "Military Forces of Ukraine (2019-)", "", inter2,
                f"8{inter2}", "Europe", "Ukraine", oblast, f"{place}skyi", f"{place}ska", place,
                f"{rng.uniform(44, 52):.4f}", f"{rng.uniform(22, 40):.4f}", rng.choice("112"),
                "Suspilne Media; 24 Channel; Ukrinform", "National-Regional",
                f"On {day:%d %B %Y}, Russian forces shelled {place} ({oblast}) with artillery and MLRS. "
                f"{'Casualties unknown.' if dead == 0 else f'{dead} people were killed.'} Several buildings "
                "were damaged, according to the regional military administration.",
                dead, 1_646_000_000 + rng.randrange(60_000_000), "UKR",
            ])


def write_ucdp(path: Path, rows: int, rng: random.Random) -> None:
    """`rows` events in HDX's GED CSV (header, HXL row, then events), as the real BGD file."""
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(UCDP_COLUMNS)
        out.writerow([UCDP_HXL.get(c, "") for c in UCDP_COLUMNS])
        for i in range(rows):
            start = START + timedelta(days=rng.randrange(1000))
            precision = rng.choice((1, 1, 1, 1, 2, 3, 4))
            end = start + timedelta(days=(0, 0, 2, 6, 29)[precision - 1] if precision > 1 else 0)
            best = rng.choice((0, 1, 1, 2, 3, 5, 8, 20))
            low, high = max(0, best - rng.choice((0, 0, 1))), best + rng.choice((0, 0, 0, 2, 10))
            civilians = rng.choice((0, 0, best))
            place, oblast = rng.choice(PLACES), rng.choice(OBLASTS)
            lat, lon = rng.uniform(44, 52), rng.uniform(22, 40)
            out.writerow([
                400_000 + i, start.year, 1, 1, 14_514, "Russia - Ukraine", 16_006, "Government of Russia (Soviet "
                "Union) - Government of Ukraine", 57, 365, "Government of Russia (Soviet Union)", 54, 369,
                "Government of Ukraine", 2, f'"Reuters News,{start},Russian strikes hit {place}"', "Reuters News",
                start.isoformat(), f"Russian strikes hit {place}", "Ukrainian officials", rng.choice("1234"),
                f"{place} town", f"{oblast} oblast", f"{place} raion", f"{lat:.6f}", f"{lon:.6f}",
                f"POINT ({lon:.6f} {lat:.6f})", 170_000 + rng.randrange(5000), "Ukraine", "UKR", 369, "Europe", 1,
                precision, start.isoformat(), end.isoformat(), 0, best - civilians, civilians, 0, low, best, high,
            ])


def source(schema: str) -> Any:
    from figures.config import SourceConfig

    if schema == "acled":
        return SourceConfig(id="bench-acled", adapter="acled", publisher="ACLED", title="bench", licence="-",
                            url="https://acleddata.com", area="UKR", cadence="weekly", params={"format": "csv"})
    return SourceConfig(id="bench-ucdp", adapter="ucdp-ged", publisher="UCDP", title="bench", licence="-",
                        url="https://ucdp.uu.se", area="UKR", cadence="yearly", params={"format": "csv"})


def run_ours(path: Path, schema: str, db: str, how: str) -> dict[str, Any]:
    """Parse with the adapter and store, `how`: ingest, insert, models, paged or whole (see the docstring)."""
    from itertools import islice

    from figures.models import Snapshot
    from figures.pipeline import Outcome, ingest_file, store_snapshot
    from figures.sources import acled, ucdp_ged
    from figures.store import Store

    adapter: Any = acled if schema == "acled" else ucdp_ged
    src = source(schema)
    params = adapter.Params.model_validate(src.params)
    retrieved = datetime(2026, 3, 2, tzinfo=UTC)
    base = _rss()
    started = time.perf_counter()
    store = Store(db)
    if how in ("ingest", "insert"):
        if how == "insert":  # the store as it was before COPY
            import figures.store

            figures.store._copy_sql = lambda dialect: None
        outcome = ingest_file(store, path, src)
        store.close()
        return _result(started, outcome.added, len(outcome.problems), base)
    content = path.read_bytes()
    added = problems = 0
    if how == "paged":
        lines = content.splitlines(keepends=True)
        head = lines[:2] if schema == "ucdp" else lines[:1]
        rest = lines[len(head):]
        del content, lines
        outcome = Outcome(src.id)
        with store.transaction() as conn:  # one transaction per source run, as `figures update`
            for n in range(0, len(rest), PAGE):
                page = Snapshot(source_id=src.id, url=f"{path.name}#{n // PAGE}", retrieved_at=retrieved,
                                content=b"".join(head + rest[n:n + PAGE]), content_type="text/csv")
                store_snapshot(store, src, page, outcome, conn)
        added, problems = outcome.added, len(outcome.problems)
    else:
        snapshot = Snapshot(source_id=src.id, url=path.name, retrieved_at=retrieved, content=content,
                            content_type="text/csv")
        del content
        found: list[str] = []
        if how == "models":
            lazy = adapter.iter_parse(snapshot, src, params, found)
            with store.transaction() as conn:
                while chunk := list(islice(lazy, CHUNK)):
                    added += store.add(snapshot, chunk, conn).observations_added
        else:
            parsed = adapter.parse(snapshot, src, params)
            found = parsed.problems
            added = store.add(snapshot, parsed.observations).observations_added
            del parsed
        problems = len(found)
    store.close()
    return _result(started, added, problems, base)


def run_floor(path: Path, schema: str, db: str) -> dict[str, Any]:
    """The database work of ingest alone: the store's INSERT parameters are made first, untimed."""
    import gc

    from figures.models import Snapshot
    from figures.pipeline import CONTENT_TYPES
    from figures.rows import row_key
    from figures.sources import acled, ucdp_ged
    from figures.store import CHUNK as STORE_CHUNK
    from figures.store import Store, _bulk_settings, _Load, snapshots

    adapter: Any = acled if schema == "acled" else ucdp_ged
    src = source(schema)
    snapshot = Snapshot(source_id=src.id, url=path.name, retrieved_at=datetime(2026, 3, 2, tzinfo=UTC),
                        content=path.read_bytes(), content_type=CONTENT_TYPES[".csv"])
    store = Store(db)
    now = datetime.now(UTC)
    with store.engine.connect() as conn:  # the store's own SQL and parameters (private: this is a benchmark)
        load = _Load(conn, now)
        prepared = [load.params(row_key(row), row) for row in
                    adapter.iter_rows(snapshot, src, adapter.Params.model_validate(src.params), [])]
    assert load.sql is not None or load.copy is not None
    gc.freeze()  # the prepared parameters are never garbage
    base = _rss()
    started = time.perf_counter()
    with store.transaction() as conn:
        conn.execute(snapshots.insert().values(
            sha256=snapshot.sha256, source_id=snapshot.source_id, url=snapshot.url,
            retrieved_at=snapshot.retrieved_at, content_type=snapshot.content_type, size=len(snapshot.content),
            content=snapshot.content, stored_at=now))
        load.conn = conn
        with _bulk_settings(conn):
            for i in range(0, len(prepared), STORE_CHUNK):
                load.write(prepared[i:i + STORE_CHUNK])
    store.close()
    return _result(started, len(prepared), 0, base)


def _result(started: float, added: int, problems: int, base: int) -> dict[str, Any]:
    return {"seconds": time.perf_counter() - started, "observations": added, "problems": problems,
            "peak_mb": (_rss() - base) / 1024}


def run_baseline(path: Path, schema: str, db: str, how: str = "baseline") -> dict[str, Any]:
    """pandas.read_csv + DataFrame.to_sql into a fresh SQLite file or PostgreSQL schema, with pandas'
    default method, `method="multi"` (baseline-multi) or a COPY (baseline-copy)."""
    import sqlite3

    import pandas as pd
    import sqlalchemy as sa

    base = _rss()
    started = time.perf_counter()
    frame = pd.read_csv(path, skiprows=[1] if schema == "ucdp" else None, low_memory=False)
    if db.startswith("sqlite:///"):
        with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
            frame.to_sql("events", conn, index=False)
    else:
        engine = sa.create_engine(db)
        if how == "baseline-multi":  # 1,000 rows a statement keeps under PostgreSQL's 65,535 parameters
            frame.to_sql("events", engine, index=False, method="multi", chunksize=1000)
        else:
            frame.to_sql("events", engine, index=False, method=_copy_rows if how == "baseline-copy" else None)
        engine.dispose()
    return {"seconds": time.perf_counter() - started, "observations": len(frame), "problems": 0,
            "peak_mb": (_rss() - base) / 1024}


def _copy_rows(table: Any, conn: Any, keys: list[str], data_iter: Any) -> int:
    """A `DataFrame.to_sql` method that writes with psycopg's COPY (text format: the server parses each value)."""
    names = ", ".join(f'"{k}"' for k in keys)
    count = 0
    with conn.connection.driver_connection.cursor() as cursor, \
            cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in data_iter:
            copy.write_row(row)
            count += 1
    return count


def _rss() -> int:
    """The process's peak resident set so far, in KiB (Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(args: argparse.Namespace) -> None:
    path, db = Path(args.file), args.target
    if args.child.startswith("baseline"):
        result = run_baseline(path, args.schema, db, args.child)
    elif args.child == "floor":
        result = run_floor(path, args.schema, db)
    elif args.child == "profile":
        import cProfile
        import pstats

        profile = cProfile.Profile()
        result = profile.runcall(run_ours, path, args.schema, db, "ingest")
        stats = pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative")
        stats.print_stats(30)
        stats.sort_stats("tottime").print_stats(25)
    else:
        result = run_ours(path, args.schema, db, args.child)
    print(json.dumps(result))


def measure(kind: str, file: Path, schema: str, work: Path, postgres: str | None,
            profile_to: Path | None = None) -> dict[str, Any]:
    """Run `kind` in a child process into a fresh database: a SQLite file, or a new PostgreSQL schema."""
    if postgres is None:
        db = work / f"{schema}-{kind}.sqlite"
        target = f"sqlite:///{db}"
    else:
        import sqlalchemy as sa

        admin = sa.create_engine(postgres)
        namespace = f"bench_{schema}_{kind.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {namespace}")
        url = sa.engine.make_url(postgres).update_query_dict({"options": f"-csearch_path={namespace}"})
        target = url.render_as_string(hide_password=False)
    command = [sys.executable, __file__, "--child", kind, "--file", str(file), "--schema", schema, "--target", target]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{kind} on {schema} failed:\n{done.stderr[-3000:]}")
        if profile_to is not None:
            profile_to.write_text(done.stderr, encoding="utf-8")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        if postgres is None:
            result["db_mb"] = db.stat().st_size / 2**20
        else:  # tables, their indexes and TOAST
            with admin.connect() as conn:
                size = conn.exec_driver_sql(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n "
                    f"ON n.oid = c.relnamespace WHERE n.nspname = '{namespace}' AND c.relkind = 'r'").scalar_one()
            result["db_mb"] = size / 2**20
    finally:
        if postgres is None:
            for leftover in work.glob(f"{db.name}*"):  # the database and its -wal/-shm files
                leftover.unlink()
        else:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {namespace} CASCADE")
            admin.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--schema", choices=["acled", "ucdp"], action="append")
    parser.add_argument("--seed", type=int, default=20220224)
    parser.add_argument("--run", choices=list(RUNS), action="append",
                        help="only these runs (default: all but whole)")
    parser.add_argument("--profile", action="store_true", help="also cProfile the streamed run")
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV files")
    parser.add_argument("--db", default=os.environ.get("FIGURES_BENCH_POSTGRES"),
                        help="a PostgreSQL database (postgresql+psycopg://...) to run in, a fresh schema per run "
                             "(default: $FIGURES_BENCH_POSTGRES, else SQLite files in a temporary directory)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.schema = args.schema[0] if isinstance(args.schema, list) else args.schema
        child(args)
        return
    if args.db is not None and not args.db.startswith("postgresql"):
        raise SystemExit(f"--db takes a PostgreSQL URL (postgresql+psycopg://...), not {args.db!r}")
    wanted = [run for run in RUNS if run in (args.run or DEFAULT_RUNS)
              and (args.db is not None or run not in POSTGRES_RUNS)]
    work = Path(tempfile.mkdtemp(prefix="figures-bench-ingest-"))
    print(f"python {sys.version.split()[0]}, {args.rows:,} rows per schema, seed {args.seed}, in {work}, "
          f"into {_database(args.db)}")
    for schema in args.schema or ["acled", "ucdp"]:
        file = work / f"{schema}.csv"
        t0 = time.perf_counter()
        (write_acled if schema == "acled" else write_ucdp)(file, args.rows, random.Random(args.seed))
        print(f"\n{schema}: wrote {file.stat().st_size / 2**20:,.0f} MiB in {time.perf_counter() - t0:.1f} s")
        results = {RUNS[run]: measure(run, file, schema, work, args.db) for run in wanted}
        if args.profile:
            target = work / f"{schema}-profile.txt"
            measure("profile", file, schema, work, args.db, profile_to=target)
            print(f"  cProfile of the streamed run: {target}")
        floor = results.get(RUNS["baseline"], {"seconds": float("nan")})["seconds"]
        print(f"  {'what':44s} {'time':>8s} {'x base':>7s} {'rows/s':>9s} {'obs':>10s} {'peak MiB':>9s} {'db MiB':>7s}")
        for name, r in results.items():
            print(f"  {name:44s} {r['seconds']:7.1f}s {r['seconds'] / floor:6.2f}x {args.rows / r['seconds']:9,.0f} "
                  f"{r['observations']:10,} {r['peak_mb']:9,.0f} {r['db_mb']:7,.0f}")
        if not args.keep:
            file.unlink()
    if not args.keep and not args.profile:
        work.rmdir()


def _database(url: str | None) -> str:
    """What the runs write to, for the heading: SQLite's version, or PostgreSQL's and its fsync setting."""
    if url is None:
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        version = conn.exec_driver_sql("SHOW server_version").scalar_one()
        fsync = conn.exec_driver_sql("SHOW fsync").scalar_one()
    engine.dispose()
    return f"PostgreSQL {version} ({engine.url.render_as_string(hide_password=True)}, fsync {fsync})"


if __name__ == "__main__":
    main()
