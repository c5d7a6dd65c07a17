"""The daily sums of incidents (`figures.incidents`): whatever order vintages are stored in, they
must give what reading every event and keeping the latest vintage of each gives, as known on any
date, and running totals built from them must equal those built from the events."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from figures import incidents
from figures.models import Estimate, Observation, Provenance, Snapshot
from figures.query import _days, _event_reader, _load, _prepare, clear_cache, disputes, options_for, query, series
from figures.reconcile import reconcile_all
from figures.rows import PROSE_ADAPTERS, is_relay
from figures.store import Store

APRIL = datetime(2022, 4, 1, 9, tzinfo=UTC)
DAY = date(2022, 3, 1)
_areas = count()

#: One stored vintage: source, record, incident day, retrieval day, low, best, high, publisher,
#: attributed_to, adapter.
Item = tuple[str, int, int, int, int, int | None, int | None, str, str | None, str]


def area_code() -> str:
    """A new area per history, so histories can share one store (PostgreSQL)."""
    n = next(_areas)
    return "".join(chr(ord("A") + (n // 26 ** k) % 26) for k in (2, 1, 0))


def observation(item: Item, area: str, sha: str = "0" * 64) -> Observation:
    source, record, day, retrieved, low, best, high, publisher, attributed, adapter = item
    on = DAY + timedelta(days=day)
    text = f"{low}" if best == low == high else f"{low}-{high or ''}"
    return Observation(
        metric="killed", area=area, as_of=on, period_start=on, period_end=on, scope="incident",
        record_id=f"{source}-{record}", place=f"Place {record % 3}",
        estimate=Estimate(low=low, best=best, high=high, text=text, rule="exact" if best == high else "range"),
        provenance=Provenance(source_id=source, publisher=publisher, url=f"https://example.org/{source}",
                              retrieved_at=APRIL + timedelta(days=retrieved), snapshot_sha256=sha,
                              locator=f"row {record}", quote=text, attributed_to=attributed, adapter=adapter,
                              adapter_version="1"))


def store_all(store: Store, items: list[Item], area: str, batches: list[int]) -> None:
    """Store the items in the given order, cut into batches (a snapshot and a transaction each)."""
    cuts = sorted({min(max(b, 0), len(items)) for b in batches} | {0, len(items)})
    for n, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False)):
        snapshot = Snapshot(source_id="events", url="https://example.org/events", retrieved_at=APRIL,
                            content=f"{area} batch {n} {a}:{b}".encode())
        store.add(snapshot, [observation(i, area, snapshot.sha256) for i in items[a:b]])


def expected_days(store: Store, area: str, known_on: datetime | None) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """The daily sums read the slow way: every event, the latest vintage of each as known on the date."""
    rows = [o for o in store.select(metric="killed", area=area, known_on=known_on)
            if o.scope == "incident" and o.modality == "reported"]
    latest: dict[str, Observation] = {}
    for o in rows:  # oldest vintage first, then in the order stored
        latest[o.record_key()] = o
    out: dict[tuple[Any, ...], list[int]] = {}
    for o in latest.values():
        if o.provenance.adapter in PROSE_ADAPTERS:  # the latest vintage was read from prose: not summed
            continue
        e, p = o.estimate, o.provenance
        relayed = p.attributed_to if is_relay(p.publisher) else None  # only a relay's attribution names the voice
        key = (p.source_id, p.publisher, relayed, o.period_start.toordinal(), o.period_end.toordinal())
        sums = out.setdefault(key, [0] * 6)
        for i, n in enumerate((e.low, e.best or 0, e.high or 0, e.best is None, e.high is None, 1)):
            sums[i] += int(n)
    return {k: tuple(v) for k, v in out.items()}


def stored_days(store: Store, area: str, known_on: datetime | None) -> dict[tuple[Any, ...], tuple[int, ...]]:
    with store.engine.connect() as conn:
        found = incidents.daily(conn, "killed", area, "all", known_on)
    return {tuple(r[:3]) + (_ordinal(r[3]), _ordinal(r[4])): tuple(int(n) for n in r[5:]) for r in found}


def _ordinal(value: Any) -> int:
    return value if isinstance(value, int) else date.fromisoformat(str(value)[:10]).toordinal()


def check(store: Store, items: list[Item], area: str) -> None:
    """The sums match the events' as known on every retrieval day, and `db check`'s recount agrees."""
    with store.engine.connect() as conn:
        assert incidents.mismatches(conn) == 0
    moments = sorted({APRIL + timedelta(days=i[3]) for i in items})
    for known_on in [None, APRIL - timedelta(days=1), *moments]:
        assert stored_days(store, area, known_on) == expected_days(store, area, known_on), known_on


def items_strategy() -> st.SearchStrategy[list[Item]]:
    counts = st.integers(0, 30)

    @st.composite
    def item(draw: st.DrawFn) -> Item:
        low = draw(counts)
        best = draw(st.one_of(st.none(), st.integers(low, low + 10)))
        high = draw(st.one_of(st.none(), st.integers(best if best is not None else low, low + 20)))
        return (draw(st.sampled_from(["ged", "acled"])), draw(st.integers(0, 4)), draw(st.integers(0, 3)),
                draw(st.integers(0, 5)), low, best, high, draw(st.sampled_from(["UCDP", "Uppsala", "HDX HAPI"])),
                draw(st.sampled_from([None, "UCDP", "ACLED"])), draw(st.sampled_from(["ucdp-ged", "acled", "text"])))

    return st.lists(item(), max_size=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items_strategy(), st.lists(st.integers(0, 25), max_size=4), st.randoms(use_true_random=False))
def test_the_daily_sums_equal_the_latest_vintages_whatever_the_order(items: list[Item], batches: list[int],
                                                                     rnd: random.Random) -> None:
    store = Store("sqlite:///:memory:")
    area = "UKR"
    rnd.shuffle(items)
    store_all(store, items, area, batches)
    check(store, items, area)
    store.close()


HISTORY: list[Item] = [
    # a record revised, then revised back; a later vintage stored before an earlier one
    ("ged", 1, 0, 3, 5, 6, 9, "UCDP", None, "ucdp-ged"),
    ("ged", 1, 0, 1, 4, 4, 4, "UCDP", None, "ucdp-ged"),
    ("ged", 1, 0, 5, 4, 4, 4, "UCDP", None, "ucdp-ged"),
    ("ged", 2, 0, 1, 2, None, None, "UCDP", None, "ucdp-ged"),  # no best, no upper bound
    ("ged", 2, 0, 2, 2, 2, 3, "Uppsala Conflict Data Program", "UCDP", "ucdp-ged"),  # another publisher
    ("ged", 3, 1, 1, 7, 7, 7, "UCDP", None, "ucdp-ged"),
    ("ged", 4, 2, 2, 1, 1, 1, "UCDP", None, "ucdp-ged"),
    ("acled", 1, 0, 1, 3, 3, 3, "ACLED", None, "acled"),
    ("hapi", 1, 0, 1, 2, 2, 2, "HDX HAPI", "ACLED", "hdx-hapi"),  # a relay: the voice it names
    ("hapi", 2, 1, 1, 4, 4, 4, "HDX HAPI", "UCDP", "hdx-hapi"),
    ("acled", 2, 1, 4, 6, 6, 6, "ACLED", None, "acled"),
    ("acled", 2, 1, 2, 5, 5, 5, "ACLED", None, "acled"),
    ("news", 1, 1, 1, 40, 40, 40, "Wire", None, "text"),  # prose: never summed
]


@pytest.mark.parametrize("order", ["as listed", "reversed", "shuffled"])
def test_a_history_stored_in_any_order_on_both_backends(store: Store, order: str) -> None:
    items = list(HISTORY)
    if order == "reversed":
        items.reverse()
    elif order == "shuffled":
        random.Random(7).shuffle(items)
    area = area_code()
    store_all(store, items, area, [2, 5, 8])
    check(store, items, area)


def test_a_relay_padded_with_whitespace_is_a_relay_in_python_and_in_sql(store: Store) -> None:
    """The sums kept as rows are stored (Python) and those the database works out (`db check`, the
    migration) trim the same characters, and the voice is the one the relay names."""
    area = area_code()
    items: list[Item] = [("hapi", r, r, 0, 2, 2, 2, padded, "ACLED", "hdx-hapi")
                         for r, padded in enumerate(["\tHDX HAPI", "HDX HAPI \n", " HDX HAPI\r\n", "HDX\x0b"])]
    store_all(store, items, area, [2])
    with store.engine.connect() as conn:
        assert incidents.mismatches(conn) == 0
    assert {f.voice for f in query("killed", area=area, on="2022-03-10", db=store).figures} == {"ACLED"}


def test_running_totals_from_the_sums_equal_those_from_the_events(store: Store) -> None:
    area = area_code()
    store_all(store, HISTORY, area, [3, 7])
    options = options_for(area, metric="killed")
    for known_on in [None, APRIL + timedelta(days=1, hours=12), APRIL + timedelta(days=3)]:
        every = _prepare(_load(store, "killed", area, None, "all", known_on), options)
        stated = _prepare(_load(store, "killed", area, None, "all", known_on, summed=True), options)
        days = _days(store, "killed", area, "all", known_on, options)
        from_events = reconcile_all(every, options)
        from_sums = reconcile_all(stated, options, days,
                                  _event_reader(store, "killed", area, "all", known_on, options.count_from))
        assert len(days) > 0
        dates = [DAY + timedelta(days=d) for d in range(-1, 8)]
        pd.testing.assert_frame_equal(from_sums.frame(dates), from_events.frame(dates))
        for day in dates:
            a, b = from_sums.band_on(day), from_events.band_on(day)
            assert [(f.voice, f.low, f.best, f.high, f.rule) for f in a.figures] == \
                   [(f.voice, f.low, f.best, f.high, f.rule) for f in b.figures]
            assert [sorted(int(i) for i in f.evidence_ids) for f in a.figures] == \
                   [sorted(int(i) for i in f.evidence_ids) for f in b.figures]


def test_query_reads_the_events_behind_a_total_only_when_asked(store: Store) -> None:
    area = area_code()
    store_all(store, HISTORY, area, [])
    clear_cache()
    result = query("killed", area=area, group="all", on=DAY + timedelta(days=3), db=store)
    assert result.n_sources == 2  # UCDP and ACLED; the news text's incident is not summed
    evidence = result.observations
    assert set(evidence["source_id"]) == {"ged", "acled"}
    assert evidence["counts"].all()
    latest = {("ged", "ged-1"): 4, ("ged", "ged-2"): 2, ("ged", "ged-3"): 7, ("ged", "ged-4"): 1,
              ("acled", "acled-1"): 3, ("acled", "acled-2"): 6}
    assert dict(zip(zip(evidence["source_id"], evidence["record_id"], strict=True), evidence["low"],
                    strict=True)) == latest
    weekly = series("killed", area=area, group="all", freq="D", db=store)
    assert list(weekly["period_start"].dt.date) == [DAY + timedelta(days=d) for d in range(3)]


def test_a_disputed_total_is_quoted_from_its_last_event(store: Store) -> None:
    area = area_code()
    store_all(store, HISTORY, area, [])
    claim = observation(("ministry", 1, 3, 6, 1000, 1000, 1000, "Ministry", None, "csv"), area)
    claim = claim.model_copy(update={"scope": "cumulative", "period_start": None, "period_end": None, "place": None})
    snapshot = Snapshot(source_id="ministry", url="https://example.org/ministry", retrieved_at=APRIL,
                        content=b"ministry")
    store.add(snapshot, [claim.model_copy(update={"provenance": claim.provenance.model_copy(
        update={"snapshot_sha256": snapshot.sha256, "quote": "1,000 killed"})})])
    clear_cache()
    found = disputes("killed", area=area, group="all", db=store)
    assert len(found) > 0
    ministry = found[found["source_b"] == "Ministry"]
    assert set(ministry["source_a"]) == {"UCDP", "ACLED"}  # the running totals stay far below it
    assert set(ministry["quote_b"]) == {"1,000 killed"}
    # the quote of a running total is its last event's, read from the store when asked
    last = {"UCDP": ("1", "https://example.org/ged"), "ACLED": ("6", "https://example.org/acled")}
    assert {(a, q, u) for a, q, u in zip(ministry["source_a"], ministry["quote_a"], ministry["url_a"], strict=True)} \
        == {(a, *last[a]) for a in last}


def test_the_migration_to_schema_4_builds_the_sums(tmp_path: Any) -> None:
    import sqlalchemy as sa

    from figures.store import meta

    path = tmp_path / "v3.sqlite"
    store = Store(f"sqlite:///{path}")
    area = area_code()
    store_all(store, HISTORY, area, [4])
    with store.engine.begin() as conn:  # what a store of schema 3 has: no sums, the old index
        conn.execute(sa.text("DROP TABLE incident_days"))
        conn.execute(sa.text("DROP INDEX ix_observations_selection"))
        conn.execute(sa.text("CREATE INDEX ix_observations_quantity ON observations (metric, area, as_of)"))
        conn.execute(meta.update().values(value="3"))
    store.close()
    again = Store(f"sqlite:///{path}")
    assert again.schema_version() == 4
    with again.engine.connect() as conn:
        indexes = {i["name"] for i in sa.inspect(conn).get_indexes("observations")}
    assert "ix_observations_selection" in indexes and "ix_observations_quantity" not in indexes
    check(again, HISTORY, area)
    again.close()


def test_db_check_finds_sums_that_disagree_and_upgrade_rebuilds_them(tmp_path: Any) -> None:
    import sqlalchemy as sa

    from figures.integrity import check as db_check
    from figures.integrity import upgrade

    url = f"sqlite:///{tmp_path / 'f.sqlite'}"
    store = Store(url)
    area = area_code()
    store_all(store, HISTORY, area, [])
    assert db_check(url).ok
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE incident_days SET low = low + 1 WHERE id = (SELECT min(id) FROM incident_days)"))
    store.close()
    report = db_check(url)
    assert not report.ok
    assert any("daily sums" in p and "figures db upgrade" in p for p in report.problems), report.problems
    assert upgrade(url) == (4, 4, 1)
    assert db_check(url).ok
    again = Store(url)
    check(again, HISTORY, area)
    again.close()


def test_sums_kept_under_other_voice_rules_are_worked_out_again_on_opening(
        tmp_path: Any, caplog: pytest.LogCaptureFixture) -> None:
    """After an upgrade of figures that changes which publishers relay, the stored sums are stale:
    opening the store works them out again, once."""
    import sqlalchemy as sa

    from figures.schema import meta

    url = f"sqlite:///{tmp_path / 'f.sqlite'}"
    store = Store(url)
    area = area_code()
    store_all(store, HISTORY, area, [])
    rules = meta.c.key == "sums_rules"
    with store.engine.begin() as conn:
        assert conn.execute(sa.select(meta.c.value).where(rules)).scalar_one() == incidents.RULES
        # as an older figures, with other rules, would have left them
        conn.execute(meta.update().where(rules).values(value="older-rules"))
        conn.execute(sa.text("UPDATE incident_days SET low = low + 5"))
        assert incidents.mismatches(conn) > 0
    store.close()
    with caplog.at_level("WARNING", logger="figures.store"):
        again = Store(url)
    assert "kept under other voice rules" in caplog.text
    with again.engine.connect() as conn:
        assert incidents.mismatches(conn) == 0
        assert conn.execute(sa.select(meta.c.value).where(rules)).scalar_one() == incidents.RULES
    check(again, HISTORY, area)
    again.close()
    caplog.clear()
    Store(url).close()  # marked: not again
    assert "other voice rules" not in caplog.text


def test_the_sums_are_small_beside_the_events() -> None:
    """A day of many events of one source is one row of sums per load."""
    store = Store("sqlite:///:memory:")
    # an event dataset names the reports it coded, a list per event: one sum per day all the same
    items: list[Item] = [("ged", r, r % 3, 0, 1, 1, 2, "UCDP", f"Outlet {r}; Outlet {r + 1}", "ucdp-ged")
                         for r in range(300)]
    store_all(store, items, "UKR", [])
    with store.engine.connect() as conn:
        rows = conn.execute(incidents.incident_days.select()).all()
    assert len(rows) == 3
    assert sorted(r.records for r in rows) == [100, 100, 100]
    assert np.sum([r.high for r in rows]) == 600
    store.close()
