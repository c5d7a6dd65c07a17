"""Load benchmark: `figures update` of every source on a PostgreSQL store of 10 million observations.

Setup (timed, reported, but not the figure): the store at `--db` is filled THROUGH THE STORE API
(`Store.add_rows` with plain rows of `figures.rows`, many snapshots per transaction), so it follows
the store's schema: `--snapshots` snapshots (100,000) holding `--observations` rows (10 million),
fixed seed, spread over the source ids of sources.yaml and a few synthetic ones, in the shapes
the real sources serve:
- event pages (ACLED, UCDP GED, HDX HAPI): 2% of the snapshots, about 4,000 events a page, most
  of the rows; an event is a record of its own (record_id), 3% of the rows revise an earlier event;
- series (UNHCR's daily crossings and host countries, IOM DTM, the Refugee Data Finder, the
  key-figures sheet): 20% of the snapshots, 60 rows each (a day's value per place), 3% revisions;
- texts (OHCHR updates, ReliefWeb reports, articles): 78% of the snapshots, 10 figures each.
Retrieval times run from 24 February 2022 to 25 November 2026 in snapshot order.

Measured, each in a fresh subprocess running the real CLI (`python -m figures --db URL ...`),
wall time and the child's peak resident set (`os.wait4`):
- `update` of ALL sources of sources.yaml against a local HTTP server on 127.0.0.1 serving the
  project's recorded responses (tests/recorded_server.py; fake tokens; each adapter's `base_url`
  and absolute urls pointed at the server): a first run (new snapshots) and a second identical
  run (nothing new). Sources with no recording of their own (Sudan) get the recording of the same
  endpoint, as the tests' server answers any query, and UCDP's API version 25.1 that of 19.1;
- `update --offline` (the shipped snapshots), first and second run;
- then `query`, `series` for one selection and `db check` (`--export` adds `export`, which holds
  every row in memory: 6.4 GiB for a million, so not on the full store until it streams);
each on the filled store and, for comparison, on an empty store (a schema `bench_empty` in the
same database). Everything the runs store is deleted again afterwards (the rows stored after the
fill, found by `stored_at`, and the daily sums of incidents written after it), so the filled store
can be reused with `--keep`. `--explain` prints
PostgreSQL's plans of the statements an update runs against the store; the database and table
sizes are printed at the end. `--first-load PAGES` only times what a first update of a paged
source does in a new store (RELIABILITY.md, "Load"). The fill runs `ANALYZE` as it grows, for
that reason.

The database at `--db` must be one for this benchmark only: without `--keep` its tables are dropped.
Connect as a superuser: the clean-up skips a foreign-key check (`session_replication_role`).
Run (a PostgreSQL with default durability, not the tests' fsync=off one):
  python benchmarks/bench_load.py --db postgresql+psycopg://postgres@127.0.0.1:54330/figures_load
  python benchmarks/bench_load.py --db URL --keep --repeat 3 --explain    # reuse the filled store
  python benchmarks/bench_load.py --db URL --snapshots 1000 --observations 100000   # while developing
`--db` defaults to $FIGURES_BENCH_POSTGRES.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # figures and the tests' recorded server, from this checkout

import sqlalchemy as sa  # noqa: E402
import yaml  # noqa: E402

from figures.config import load_sources  # noqa: E402
from figures.models import Snapshot, record_key  # noqa: E402
from figures.rows import Row, from_row  # noqa: E402
from figures.store import Store  # noqa: E402

START = datetime(2022, 2, 24, 6, tzinfo=UTC)
END = datetime(2026, 11, 25, 18, tzinfo=UTC)
#: Shares of the snapshots and rows per snapshot of the three shapes (events take the rest of the rows).
SHARE = {"events": 0.02, "series": 0.20, "texts": 0.78}
PER_SNAPSHOT = {"series": 60, "texts": 10}
REVISED = 0.03
#: Rows per transaction of the fill.
TRANSACTION_ROWS = 200_000
#: Each adapter's shape, and where its requests go on the recorded server (as tests/recorded_server.py).
SHAPES = {"acled": "events", "ucdp-ged": "events", "hdx-hapi": "events", "unhcr-odp": "series",
          "unhcr-rdf": "series", "iom-dtm": "series", "csv": "series", "ohchr": "texts", "reliefweb": "texts",
          "text": "texts"}
BASE_URLS = {"unhcr-odp": "data.unhcr.org", "unhcr-rdf": "api.unhcr.org/population/v1/",
             "ohchr": "www.ohchr.org", "reliefweb": "api.reliefweb.int/v2", "hdx-hapi": "hapi.humdata.org/api/v1/",
             "ucdp-ged": "ucdpapi.pcr.uu.se/api", "acled": "acleddata.com/api/acled/read",
             "iom-dtm": "dtmapi.iom.int"}
#: Synthetic sources beside the configured ones: id, adapter, publisher, area.
SYNTHETIC = [("bench-acled-syria", "acled", "ACLED", "SYR"), ("bench-ucdp-myanmar", "ucdp-ged", "UCDP", "MMR"),
             ("bench-unhcr-chad", "unhcr-odp", "UNHCR", "SDN"), ("bench-news-kyiv", "text", "Kyiv Independent", "UKR"),
             ("bench-news-khartoum", "text", "Sudan Tribune", "SDN")]
PLACES = {"UKR": ["Donetsk", "Luhansk", "Kharkiv", "Zaporizhzhia", "Kherson", "Mykolaiv", "Dnipropetrovsk", "Sumy",
                  "Chernihiv", "Kyiv", "Odesa", "Lviv", "Poltava", "Zhytomyr", "Cherkasy", "Vinnytsia"],
          "SDN": ["Khartoum", "North Darfur", "West Darfur", "South Darfur", "Gezira", "Kordofan", "White Nile",
                  "Kassala", "Sennar", "Blue Nile"]}
HOSTS = ["POL", "DEU", "CZE", "ROU", "MDA", "SVK", "HUN", "ITA", "ESP", "FRA", "GBR", "NLD", "LTU", "LVA", "EST",
         "AUT", "BEL", "BGR", "IRL", "PRT", "CHE", "SWE", "NOR", "DNK", "FIN", "GRC", "HRV", "SVN", "CYP", "TUR",
         "USA", "CAN", "EGY", "TCD", "SSD", "ETH", "LBY", "CAF", "UGA", "KEN"]
QUOTE = ("On {day}, {place} was shelled with artillery and MLRS; {n} people were killed and several buildings "
         "were damaged, according to the regional military administration.")
#: The selection `query` and `series` are timed on (the README's example).
SELECTION = ["killed", "--area", "UKR", "--group", "civilians"]


class Source:
    """A source the fill writes for, with what it needs to make its next rows."""

    def __init__(self, sid: str, adapter: str, publisher: str, area: str) -> None:
        self.id, self.adapter, self.publisher, self.area = sid, adapter, publisher, area
        self.shape = SHAPES[adapter]
        self.places = PLACES.get(area, [f"{area} region {k}" for k in range(12)])
        self.next_id = 0
        self.recent: list[list[Any]] = []  # rows it stored, to revise some (a bounded sample)


def sources(config_path: Path) -> list[Source]:
    config = load_sources(config_path)
    found = [Source(s.id, s.adapter, s.publisher, s.area) for s in config.sources]
    return found + [Source(*synthetic) for synthetic in SYNTHETIC]


def plan(snapshots: int, observations: int, rng: random.Random) -> tuple[list[str], int]:
    """The shape of each snapshot in order, and the events per event page."""
    counts = {shape: int(snapshots * share) for shape, share in SHARE.items()}
    counts["texts"] += snapshots - sum(counts.values())
    events = max(counts["events"], 1)
    rest = observations - counts["series"] * PER_SNAPSHOT["series"] - counts["texts"] * PER_SNAPSHOT["texts"]
    if rest < events:
        raise SystemExit(f"{observations:,} observations are too few for {snapshots:,} snapshots")
    shapes = [shape for shape, n in counts.items() for _ in range(n)]
    rng.shuffle(shapes)
    return shapes, rest // events


def make_rows(src: Source, n: int, moment: datetime, number: int, rng: random.Random) -> tuple[list[list[Any]], str]:
    """`n` rows of one snapshot of `src` (a few revise earlier records), and its url. Provenance is filled later."""
    day = moment.date()
    rows: list[list[Any]] = []
    revisions = sum(rng.random() < REVISED for _ in range(n)) if src.recent else 0
    for old in rng.sample(src.recent, min(revisions, len(src.recent))):
        value = old[11] + rng.randint(1, 5)
        row = [*old[:11], value, value, value, f"{value:,}", old[15]]
        old[11:14] = [value, value, value]
        rows.append(row)
    for _ in range(n - len(rows)):
        src.next_id += 1
        if src.shape == "events":
            when = day - timedelta(days=rng.randrange(30))
            dead = rng.choice((0, 0, 0, 1, 1, 2, 3, 5, 12))
            group = "civilians" if rng.random() < 0.2 else "all"
            rows.append([src.id, "killed", group, src.area, rng.choice(src.places), when, when, when, "incident",
                         "reported", f"{src.area}{src.next_id}", dead, dead, dead, str(dead), "exact"])
        elif src.shape == "series":
            value = 1000 * src.next_id + rng.randrange(1000)  # distinct: a repeated day is a revision
            rows.append([src.id, "refugees", "all", src.area, rng.choice(HOSTS), day, None, None, "cumulative",
                         "reported", None, value, value, value, f"{value:,}", "exact"])
        else:
            metric, group = rng.choice((("killed", "civilians"), ("injured", "civilians"), ("killed", "children"),
                                        ("injured", "children"), ("idps", "all"), ("refugees", "all")))
            low = rng.randrange(100, 20000)
            place = rng.choice([None, None, *src.places])
            rows.append([src.id, metric, group, src.area, place, day - timedelta(days=rng.randrange(3)), None, None,
                         "cumulative", "reported", None, low, low, None, f"at least {low:,}", "at-least"])
    if len(src.recent) < 4000:
        src.recent.extend(rng.sample(rows, min(len(rows), 50)))
    else:
        for row in rng.sample(rows, min(len(rows), 20)):
            src.recent[rng.randrange(len(src.recent))] = row
    return rows, f"https://bench.invalid/{src.adapter}/{src.id}/{number}"


def snapshot_of(src: Source, rows: list[list[Any]], url: str, moment: datetime, number: int) -> Snapshot:
    """The snapshot's bytes in the shape the source serves: a JSON page, a series, or a page of text."""
    if src.shape == "texts":
        paragraphs = "".join(f"<p>{QUOTE.format(day=r[5], place=r[4] or src.area, n=r[12])}</p>\n" for r in rows)
        filler = "<p>The figures are likely higher: reports from some areas are still being verified.</p>\n" * 60
        page = f"<html><head><title>{src.publisher} update {number}</title></head><body>\n{paragraphs}{filler}"
        return Snapshot(source_id=src.id, url=url, retrieved_at=moment, content=f"{page}</body></html>".encode(),
                        content_type="text/html")
    if src.shape == "series":
        history = [{"data_date": str(date(2022, 2, 24) + timedelta(days=k)), "individuals": 1000 + k}
                   for k in range(400)]
        data = history + [{"data_date": str(r[5]), "geomaster_name": r[4], "individuals": r[12]} for r in rows]
        body: dict[str, Any] = {"snapshot": number, "data": data}
    else:
        body = {"snapshot": number, "count": len(rows), "data": [
            {"event_id_cnty": r[10], "event_date": str(r[5]), "admin1": r[4], "fatalities": r[12],
             "notes": QUOTE.format(day=r[5], place=r[4], n=r[12])} for r in rows]}
    return Snapshot(source_id=src.id, url=url, retrieved_at=moment, content=json.dumps(body).encode(),
                    content_type="application/json")


def finish(src: Source, rows: list[list[Any]], snapshot: Snapshot) -> Iterator[Row]:
    """The rows with their provenance, in `figures.rows.ROW_COLUMNS` order."""
    for i, r in enumerate(rows):
        quote = QUOTE.format(day=r[5], place=r[4] or src.area, n=r[12])
        yield (*r, src.publisher, snapshot.url, f"{src.publisher}: {src.id}", snapshot.retrieved_at,
               snapshot.retrieved_at, snapshot.sha256, f"data[{i}]", quote, None, src.adapter, "1.0")


def fill(db: str, config_path: Path, n_snapshots: int, n_observations: int, seed: int) -> dict[str, Any]:
    """Fill the store through `Store.add_rows`, many snapshots per transaction; returns what it took."""
    rng = random.Random(seed)
    store = Store(db)
    pool = sources(config_path)
    by_shape = {shape: [s for s in pool if s.shape == shape] for shape in SHARE}
    shapes, per_page = plan(n_snapshots, n_observations, rng)
    span = (END - START) / len(shapes)
    added = stored = analyzed = 0
    started = last = time.perf_counter()
    i = 0
    while i < len(shapes):
        with store.transaction() as conn:
            rows_in_transaction = 0
            while i < len(shapes) and rows_in_transaction < TRANSACTION_ROWS:
                src = rng.choice(by_shape[shapes[i]])
                n = per_page if src.shape == "events" else PER_SNAPSHOT[src.shape]
                moment = START + span * i
                rows, url = make_rows(src, n, moment, i, rng)
                snapshot = snapshot_of(src, rows, url, moment, i)
                finished = list(finish(src, rows, snapshot))
                if i < 200:  # the rows must be what `as_row` gives for valid observations: check some
                    for row in finished:
                        from_row(row)
                result = store.add_rows(snapshot, finished, conn)
                added += result.observations_added
                if added > 1.1 * analyzed + 5000:
                    # Statistics for the planner, as autovacuum would keep them if the fill committed
                    # every snapshot: without them the revision look-ups scan the table (RELIABILITY.md, "Load")
                    conn.execute(sa.text("ANALYZE observations"))
                    analyzed = added
                stored += result.snapshots_added
                rows_in_transaction += n
                i += 1
        now = time.perf_counter()
        if now - last > 30 or i == len(shapes):
            print(f"  fill: {i:,} snapshots, {added:,} observations, {now - started:,.0f} s, "
                  f"{added / (now - started):,.0f} rows/s", flush=True)
            last = now
    seconds = time.perf_counter() - started
    with store.transaction() as conn:  # when the fill ended: what is stored later is the runs', deleted after
        conn.execute(sa.text("CREATE TABLE IF NOT EXISTS bench_fill (finished_at TIMESTAMPTZ NOT NULL, "
                             "asked TEXT NOT NULL)"))
        conn.execute(sa.text("DELETE FROM bench_fill"))
        conn.execute(sa.text("INSERT INTO bench_fill VALUES (now(), :asked)"),
                     {"asked": asked(n_snapshots, n_observations, seed)})
        conn.execute(sa.text("ALTER TABLE bench_fill ADD COLUMN IF NOT EXISTS sums_id BIGINT"))
        conn.execute(sa.text("UPDATE bench_fill SET sums_id = (SELECT coalesce(max(id), 0) FROM incident_days)"))
    store.close()
    return {"seconds": seconds, "snapshots": stored, "observations": added}


def asked(n_snapshots: int, n_observations: int, seed: int) -> str:
    """What a fill was asked for, kept in the store so that `--keep` knows whether it is the same."""
    return f"{n_snapshots} snapshots, {n_observations} observations, seed {seed}"


def filled(db: str) -> str | None:
    """What the store at `db` was filled with (None if no fill finished)."""
    engine = sa.create_engine(db)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT asked FROM bench_fill")).scalar()  # type: ignore[no-any-return]
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()


def reset(db: str) -> None:
    """Drop every table of the store at `db` (its current schema)."""
    engine = sa.create_engine(db)
    with engine.begin() as conn:
        schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def forget_runs(db: str) -> None:
    """Delete what the measured runs stored after the fill, so that the next first run adds it again."""
    engine = sa.create_engine(db)
    with engine.begin() as conn:
        # the observations go first, so no key is left dangling; without this, each snapshot deleted would
        # look for its observations in a column with no index (a scan of the table each: minutes)
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        mark = conn.execute(sa.text("SELECT max(finished_at) FROM bench_fill")).scalar()
        for table, column in (("observations", "stored_at"), ("snapshots", "stored_at"), ("runs", "started_at"),
                              ("cursors", "updated_at")):
            conn.execute(sa.text(f"DELETE FROM {table} WHERE {column} > :mark").bindparams(mark=mark))
        # the daily sums of incidents (schema 4) that the runs' rows added: rows after the fill's last
        # (a store filled before schema 4 was migrated, so the mark is taken the first time it is missing)
        conn.execute(sa.text("ALTER TABLE bench_fill ADD COLUMN IF NOT EXISTS sums_id BIGINT"))
        if conn.execute(sa.text("SELECT to_regclass('incident_days') IS NOT NULL")).scalar():
            conn.execute(sa.text("UPDATE bench_fill SET sums_id = (SELECT coalesce(max(id), 0) FROM incident_days) "
                                 "WHERE sums_id IS NULL"))
            conn.execute(sa.text("DELETE FROM incident_days WHERE id > (SELECT sums_id FROM bench_fill)"))
    engine.dispose()


def with_schema(db: str, schema: str) -> str:
    return sa.engine.make_url(db).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


def served_config(config_path: Path, base: str, out: Path) -> None:
    """sources.yaml with every request pointed at the recorded server at `base`."""
    doc = yaml.safe_load(config_path.read_text(encoding="utf-8"))

    def local(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("https://"):
            return f"{base}/{value.removeprefix('https://')}"
        if isinstance(value, list):
            return [local(v) for v in value]
        return value

    for source in doc["sources"]:
        params = source.setdefault("params", {})
        for key, value in list(params.items()):
            params[key] = local(value)
        if source["adapter"] in BASE_URLS:
            params["base_url"] = f"{base}/{BASE_URLS[source['adapter']]}"
        if source["adapter"] == "acled":
            params["token_url"] = f"{base}/acleddata.com/oauth/token"
    out.write_text(json.dumps(doc, default=str), encoding="utf-8")  # JSON is YAML


def stand_ins(server: Any) -> None:
    """Recordings for the endpoints recorded under another name: UCDP's API of version 25.1 as 19.1."""
    from figures.offline import _key

    def path(url: str) -> str:
        return _key(url).split("?", 1)[0]

    server.by_path[path("https://ucdpapi.pcr.uu.se/api/gedevents/25.1")] = \
        server.by_path[path("https://ucdpapi.pcr.uu.se/api/gedevents/19.1")]


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    """One `python -m figures ARGS` in a fresh process: wall time, its peak RSS, exit code, last line."""
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "figures", *args], cwd=cwd, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert child.stderr is not None
    errors = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    text = errors.decode(errors="replace")
    lines = text.strip().splitlines()
    added = sum(int(n) for n in re.findall(r"^\w+ \S+: (\d+) new observations", text, re.M))
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024, "code": child.returncode, "added": added,
            "said": lines[-1] if lines else "", "stderr": lines}


def measure(db: str, config: Path, served: Path, tokens: dict[str, str], export: bool,
            loaded: bool) -> dict[str, dict[str, Any]]:
    """The runs on the store at `db`: updates (served, then offline), then the reads."""
    out: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="figures-bench-load-") as tmp:
        home = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FIGURES_")}
        env.update(tokens, FIGURES_HOME=str(home), PYTHONPATH=str(ROOT), COLUMNS="200")
        base = ["--db", db]
        for name, sources_file, extra in (("update", served, []), ("update --offline", config, ["--offline"])):
            for attempt in ("first", "second"):
                result = run_cli([*base, "--sources", str(sources_file), "update", *extra], env, home)
                out[f"{name}, {attempt}"] = result
                if result["code"] not in (0, 1):
                    raise SystemExit(f"{name} failed:\n" + "\n".join(result["stderr"][-30:]))
            if name == "update":  # the offline runs start from the same store as the served ones
                (forget_runs if loaded else reset)(db)
        reads = [("query", ["query", *SELECTION, "--on", "2022-03-24", "--format", "json"]),
                 ("series", ["series", *SELECTION, "--format", "json"]), ("db check", ["db", "check"])]
        if export:
            reads.append(("export", ["export", "--format", "csv", "--out", str(home / "export.csv")]))
        for name, args in reads:
            out[name] = run_cli([*base, "--sources", str(config), *args], env, home)
    (forget_runs if loaded else reset)(db)
    return out


def explain(db: str) -> None:
    """PostgreSQL's plans (EXPLAIN ANALYZE) of the statements an update runs against the store."""
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        some = conn.execute(sa.text("SELECT source_id FROM observations ORDER BY id DESC LIMIT 1")).scalar()
        keys = conn.execute(sa.text("SELECT record_key FROM observations TABLESAMPLE SYSTEM (0.1) LIMIT 500")
                            ).scalars().all()
        fresh_keys = [record_key("new", "killed", "all", "UKR", None, date(2026, 1, k % 28 + 1), None, None, "incident",
                                 "reported", str(k)) for k in range(500 - len(keys) // 2)]
        sha = conn.execute(sa.text("SELECT sha256 FROM snapshots LIMIT 1")).scalar()
        statements: dict[str, tuple[str, dict[str, Any]]] = {
            "is_fresh (a configured source)": ("SELECT id FROM observations WHERE source_id = :s LIMIT 1", {"s": some}),
            "is_fresh (a source not in the store)": ("SELECT id FROM observations WHERE source_id = :s LIMIT 1",
                                                     {"s": "not-there"}),
            "_timelines (500 keys, half stored)": (
                "SELECT record_key, retrieved_at, low, best, high FROM observations WHERE record_key IN :k "
                "ORDER BY retrieved_at, id", {"k": tuple(keys[:250]) + tuple(fresh_keys[:250])}),
            "snapshot exists": ("SELECT sha256 FROM snapshots WHERE sha256 = :h", {"h": sha}),
            "cursor": ("SELECT cursor FROM cursors WHERE source_id = :s", {"s": some}),
            "last_runs": ("SELECT runs.* FROM runs JOIN (SELECT source_id, max(id) AS id FROM runs GROUP BY source_id) "
                          "latest ON runs.id = latest.id", {}),
        }
        for name, (sql, params) in statements.items():
            query = sa.text(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            if "IN :k" in sql:
                query = query.bindparams(sa.bindparam("k", expanding=True))
            plan_lines = conn.execute(query, params).scalars().all()
            print(f"\n  {name}:")
            for line in plan_lines:
                print(f"    {line[:160]}{'...' if len(line) > 160 else ''}")
    engine.dispose()


def first_load(db: str, pages: int, seed: int, analyze: bool = False) -> None:
    """What a first `figures update` of a paged source does in a fresh store: pages of 5,000 events of
    one source, each through `Store.add_rows`, in one transaction; seconds per page as the table grows.
    `analyze`: run ANALYZE in the transaction after the second page (what the store could do)."""
    schema = "bench_first"
    url = with_schema(db, schema)
    engine = sa.create_engine(db)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    store = Store(url)
    src, rng = Source("acled-ukraine", "acled", "ACLED", "UKR"), random.Random(seed)
    times = []
    started = time.perf_counter()
    with store.transaction() as conn:
        for page in range(pages):
            moment = START + (END - START) * page / pages
            rows, page_url = make_rows(src, 5000, moment, page, rng)
            snapshot = snapshot_of(src, rows, page_url, moment, page)
            t = time.perf_counter()
            store.add_rows(snapshot, finish(src, rows, snapshot), conn)
            times.append(time.perf_counter() - t)
            if analyze and page == 1:
                conn.execute(sa.text("ANALYZE observations"))
            if (page + 1) % 10 == 0:
                print(f"  page {page + 1}: {times[-1]:.2f} s, {time.perf_counter() - started:.0f} s in all", flush=True)
        keys = [record_key(src.id, "killed", "all", "UKR", None, date(2022, 3, 1), None, None, "incident",
                           "reported", str(k)) for k in range(500)]
        query = sa.text("EXPLAIN SELECT record_key, retrieved_at, low, best, high FROM observations "
                        "WHERE record_key IN :k ORDER BY retrieved_at, id")
        query = query.bindparams(sa.bindparam("k", expanding=True))
        plan_lines = conn.execute(query, {"k": keys}).scalars().all()
    store.close()
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()
    tenth = max(pages // 10, 1)
    print(f"\n  first load of {pages} pages of 5,000 rows, one transaction, fresh store"
          f"{', ANALYZE after page 2' if analyze else ''}: "
          f"{time.perf_counter() - started:.1f} s; "
          f"seconds per page, first {tenth}: {statistics.median(times[:tenth]):.2f}, last {tenth}: "
          f"{statistics.median(times[-tenth:]):.2f}")
    print("  the revision look-up's plan at the end (`_timelines`):")
    for line in plan_lines:
        if "->" in line or not line.startswith(" "):
            print(f"    {line[:110]}")


def sizes(db: str) -> None:
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        total = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
        print(f"\n  database: {total / 2**30:,.2f} GiB")
        for table in ("observations", "snapshots", "runs", "cursors", "meta"):
            row = conn.execute(sa.text(
                "SELECT pg_total_relation_size(c.oid), pg_relation_size(c.oid), pg_indexes_size(c.oid) "
                "FROM pg_class c WHERE c.oid = to_regclass(:t)"), {"t": table}).first()
            if row:
                everything, heap, indexes = (n / 2**20 for n in row)
                print(f"  {table:14s} {everything:10,.0f} MiB in all: table {heap:,.0f} MiB, "
                      f"indexes {indexes:,.0f} MiB, TOAST and the rest {everything - heap - indexes:,.0f} MiB")
    engine.dispose()


def table(results: dict[str, list[dict[str, dict[str, Any]]]]) -> None:
    names = list(next(iter(results.values()))[0])
    print(f"\n  {'run':26s} " + " ".join(f"{store + ' time':>14s} {'peak MiB':>9s} {'added':>6s}" for store in results))
    for name in names:
        cells = []
        for runs in results.values():
            seconds = statistics.median(r[name]["seconds"] for r in runs)
            peak = statistics.median(r[name]["peak_mb"] for r in runs)
            added = f"{runs[-1][name]['added']:,}" if name.startswith("update") else ""
            cells.append(f"{seconds:13.2f}s {peak:9,.0f} {added:>6s}")
        print(f"  {name:26s} " + " ".join(cells))
    for store, runs in results.items():
        print(f"\n  last lines on the {store} store:")
        for name, r in runs[-1].items():
            print(f"    {name}: exit {r['code']}: {r['said'][:150]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=os.environ.get("FIGURES_BENCH_POSTGRES"),
                        help="PostgreSQL URL of a database for this benchmark (default: $FIGURES_BENCH_POSTGRES)")
    parser.add_argument("--snapshots", type=int, default=100_000)
    parser.add_argument("--observations", type=int, default=10_000_000)
    parser.add_argument("--keep", action="store_true", help="reuse the filled store if it holds the counts")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each measurement (the median is shown)")
    parser.add_argument("--seed", type=int, default=20220224)
    parser.add_argument("--sources", type=Path, default=ROOT / "sources.yaml")
    parser.add_argument("--explain", action="store_true", help="print the plans of an update's statements")
    parser.add_argument("--export", action="store_true", help="also time `figures export` (csv)")
    parser.add_argument("--fill-only", action="store_true", help="fill the store and stop")
    parser.add_argument("--first-load", type=int, metavar="PAGES",
                        help="only time a first update of PAGES pages of 5,000 events into a fresh store")
    parser.add_argument("--analyze", action="store_true", help="with --first-load: ANALYZE after the second page")
    args = parser.parse_args()
    if not args.db or not args.db.startswith("postgresql"):
        parser.error("give --db postgresql+psycopg://... (or set FIGURES_BENCH_POSTGRES)")
    from recorded_server import TOKENS, serving

    if args.first_load:
        first_load(args.db, args.first_load, args.seed, args.analyze)
        return
    print(f"python {sys.version.split()[0]}, {args.snapshots:,} snapshots, {args.observations:,} observations, "
          f"seed {args.seed}")
    if args.keep and filled(args.db) == asked(args.snapshots, args.observations, args.seed):
        forget_runs(args.db)  # what an interrupted measurement left
        store = Store(args.db)
        counts = store.count()
        store.close()
        print(f"  kept the filled store: {counts['snapshots']:,} snapshots, {counts['observations']:,} observations")
    else:
        reset(args.db)
        done = fill(args.db, args.sources, args.snapshots, args.observations, args.seed)
        print(f"  filled in {done['seconds']:,.0f} s: {done['snapshots']:,} snapshots, "
              f"{done['observations']:,} observations, {done['observations'] / done['seconds']:,.0f} rows/s")
    if args.fill_only:
        sizes(args.db)
        return
    empty = with_schema(args.db, "bench_empty")
    engine = sa.create_engine(args.db)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS bench_empty"))
    engine.dispose()
    results: dict[str, list[dict[str, dict[str, Any]]]] = {"filled": [], "empty": []}
    with serving() as server, tempfile.TemporaryDirectory(prefix="figures-bench-load-") as tmp:
        served = Path(tmp) / "sources.yaml"
        served_config(args.sources, server.url, served)
        stand_ins(server)
        for _ in range(args.repeat):
            reset(empty)
            results["empty"].append(measure(empty, args.sources, served, TOKENS, args.export, loaded=False))
            results["filled"].append(measure(args.db, args.sources, served, TOKENS, args.export, loaded=True))
    with sa.create_engine(args.db).begin() as conn:
        conn.execute(sa.text("DROP SCHEMA bench_empty CASCADE"))
    table(results)
    if args.explain:
        explain(args.db)
    sizes(args.db)


if __name__ == "__main__":
    main()
