"""Reconciliation on real figures, through the store: UNHCR's published totals, OHCHR's minimums
beside a mayor's claims about Mariupol, syndicated copies, and what was known when.

The Mariupol texts in tests/fixtures/text/ paraphrase real reports (see its README): the
Russian-installed mayor's "about 5,000" civilians killed (TASS, 7 April 2022), the Ukrainian
mayor's "more than 10,000" (AP, 11 April 2022) and "more than 20,000" (24 April 2022).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemas import WEEKLY_SERIES_SCHEMA

import figures
from figures.config import SourceConfig, SourcesFile
from figures.models import Estimate, Observation, Provenance, Snapshot
from figures.pipeline import ingest_file
from figures.query import DISPUTE_COLUMNS, SERIES_COLUMNS, disputes, query, series
from figures.store import Store

TEXTS = Path(__file__).parent / "fixtures" / "text"

SERIES_SCHEMA = WEEKLY_SERIES_SCHEMA
DISPUTES_SCHEMA = pa.DataFrameSchema(
    {
        "first_date": pa.Column("datetime64[us]"), "last_date": pa.Column("datetime64[us]"),
        **{f"{c}_{s}": pa.Column(t, nullable=c in ("best", "high")) for s in "ab" for c, t in (
            ("source", str), ("as_of", "datetime64[us]"), ("low", "Int64"), ("best", "Int64"),
            ("high", "Int64"), ("rule", str), ("quote", str), ("url", str))},
        "gap": pa.Column("Int64", pa.Check.gt(0)),
    },
    strict=False,
)


def text_source(publisher: str, source_id: str = "news") -> SourceConfig:
    return SourceConfig(id=source_id, adapter="text", publisher=publisher, title="news", licence="quoted",
                        url="https://example.org", area="UKR", cadence="irregular",
                        params={})


def ingest_text(store: Store, name: str, published: str, url: str, publisher: str,
                source_id: str = "news", retrieved: datetime | None = None) -> None:
    path = TEXTS / name
    source = text_source(publisher, source_id).model_copy(update={"params": {"published": published}})
    if retrieved is not None:
        stamp = retrieved.timestamp()
        os.utime(path, (stamp, stamp))
    outcome = ingest_file(store, path, source, url=url)
    assert outcome.status == "ok", outcome.error


@pytest.fixture
def mariupol(full_offline_store: Store) -> Store:
    ingest_text(full_offline_store, "mariupol-2022-04-08-ivashchenko.txt", "2022-04-08",
                "https://forumsguide.net/world/pro-russians-announce-5000-dead-civilians-and-battles-that-will-last/",
                "AFP", source_id="afp-mariupol")
    ingest_text(full_offline_store, "mariupol-2022-04-11-boychenko.txt", "2022-04-11",
                "https://citrixnews.cz/2022/04/12/mariupol-mayor-says-civilian-death-toll-has-surpassed-10000/",
                "AP", source_id="ap-mariupol")
    ingest_text(full_offline_store, "mariupol-2022-04-24-boychenko.txt", "2022-04-24",
                "https://censor.net/en/news/3336500/in_mariupol_more_than_20_thousand_inhabitants_died_as_result_of_actions_of_occupiers_mayor_boychenko",
                "Censor.NET", source_id="censor-mariupol")
    return full_offline_store


# --- UNHCR: daily crossings add up to the published totals ------------------------------------

def test_daily_crossings_sum_to_the_published_country_totals(store: Store, shared_fixtures: Path,
                                                            sources_file: SourcesFile) -> None:
    folder = shared_fixtures / "unhcr_odp"
    daily = sources_file.get("unhcr-ukraine-crossings")
    by_country = sources_file.get("unhcr-ukraine-by-country")
    assert ingest_file(store, folder / "timeseries_sv54_pg5457_day_2022-04.json", daily).status == "ok"
    assert ingest_file(store, folder / "sublocation_sv54_pg5459-5460_2022-04.json", by_country).status == "ok"
    published = sum(query("refugees", area="UKR", place=p, on="2022-04-25", db=store).best or 0
                    for p in figures.observations("refugees", source_id=by_country.id, db=store)["place"].unique())
    answer = query("refugees", area="UKR", on="2022-04-25", db=store)
    assert published == answer.best == answer.low == answer.high == 5_264_767
    assert answer.figures[0].rule == "sum-of-incidents:61"
    weekly = series("refugees", area="UKR", db=store)
    SERIES_SCHEMA.validate(weekly)
    assert weekly["best"].is_monotonic_increasing and weekly["best"].iloc[-1] == 5_264_767


# --- OHCHR minimums beside local claims ------------------------------------------------------------

def test_a_higher_local_claim_never_lowers_or_raises_the_national_low(full_offline_store: Store,
                                                                      mariupol: Store) -> None:
    national = query("killed", area="UKR", group="civilians", on="2022-04-25", db=mariupol)
    assert national.low == 2665  # OHCHR's verified minimum, via OCHA's sheet
    assert all(f.voice in ("OHCHR", "OCHA", "UNHCR") for f in national.figures)
    local = query("killed", area="UKR", place="Mariupol", group="civilians", on="2022-04-25", db=mariupol)
    assert local.low == 20_001 and local.high is None


def test_mariupol_disputes_are_listed_with_both_quotes(mariupol: Store) -> None:
    found = disputes("killed", place="Mariupol", db=mariupol)  # the group: the one its reports have
    assert list(found.columns) == DISPUTE_COLUMNS
    DISPUTES_SCHEMA.validate(found)
    assert len(found) >= 1
    row = found.iloc[0]
    assert (row["low_a"], row["high_a"], row["low_b"]) == (4500, 5500, 10_001)
    assert "about 5,000" in row["quote_a"] and "more than 10,000" in row["quote_b"]
    assert row["first_date"] == pd.Timestamp("2022-04-11")
    assert row["last_date"] == pd.Timestamp("2022-04-22")  # "about 5,000" goes stale two weeks on
    on = query("killed", place="Mariupol", group="civilians", on="2022-04-12", db=mariupol)
    assert on.disputed and on.n_sources == 2
    assert (on.low, on.high) == (4500, None)  # two camps of one: the band spans both


def test_the_projection_is_listed_not_counted(mariupol: Store) -> None:
    # "the toll could climb to 20,000" names no group: the whole population of Mariupol
    on = query("killed", place="Mariupol", group="all", on="2022-04-12", db=mariupol)
    assert not on.projections.empty
    assert (on.projections["modality"] == "projection").all()
    assert 20_000 not in {f.low for f in on.figures}


# --- syndication ---------------------------------------------------------------------------------

def test_the_same_figure_syndicated_counts_once_with_every_outlet(store: Store) -> None:
    for i, outlet in enumerate(("Outlet One", "Outlet Two", "Outlet Three")):
        ingest_text(store, "ohchr-ukraine-2022-03-25.html", "2022-03-25", f"https://example.org/{i}", outlet,
                    source_id=f"outlet-{i}")
    answer = query("killed", area="UKR", group="civilians", on="2022-03-25", db=store)
    assert answer.n_sources == 1 and answer.low == 1081
    assert answer.figures[0].voice == "OHCHR"
    assert set(answer.observations["publisher"]) == {"Outlet One", "Outlet Two", "Outlet Three"}


# --- what was known when -------------------------------------------------------------------------

def _observation(day: date, value: int, retrieved: datetime, source: str = "s") -> tuple[Snapshot, Observation]:
    snap = Snapshot(source_id=source, url=f"https://example.org/{source}/{day}", retrieved_at=retrieved,
                    content=f"{source}{day}{value}{retrieved}".encode())
    obs = Observation(metric="killed", group="civilians", area="UKR", as_of=day,
                      estimate=Estimate(low=value, best=value, high=value, text=str(value)),
                      provenance=Provenance(source_id=source, publisher=source.upper(), url=snap.url,
                                            retrieved_at=retrieved, snapshot_sha256=snap.sha256, locator="$",
                                            quote=str(value), adapter="test", adapter_version="1"))
    return snap, obs


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 1000), st.integers(0, 30),
                          st.sampled_from(["a", "b"])), min_size=1, max_size=8),
       st.integers(0, 30))
def test_as_known_on_never_uses_what_was_retrieved_later(tmp_path_factory: pytest.TempPathFactory,
                                                          rows: list[tuple[int, int, int, str]], cut: int) -> None:
    base = datetime(2022, 4, 1, 12, tzinfo=UTC)
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('known') / 'k.sqlite'}")
    early = Store(f"sqlite:///{tmp_path_factory.mktemp('early') / 'e.sqlite'}")
    known = (base + timedelta(days=cut)).date()
    for day, value, got, source in rows:
        snap, obs = _observation(date(2022, 3, 1) + timedelta(days=day), value, base + timedelta(days=got), source)
        store.add(snap, [obs])
        if got <= cut:
            early.add(snap, [obs])
    on = date(2022, 3, 25)
    then = query("killed", area="UKR", group="civilians", on=on, as_known_on=known, db=store)
    only = query("killed", area="UKR", group="civilians", on=on, db=early)
    assert (then.low, then.best, then.high, then.n_sources) == (only.low, only.best, only.high, only.n_sources)
    assert (then.observations["retrieved_at"] <= pd.Timestamp(known, tz="UTC") + pd.Timedelta(days=1)).all()
    pd.testing.assert_frame_equal(
        series("killed", area="UKR", group="civilians", as_known_on=known, db=store),
        series("killed", area="UKR", group="civilians", db=early))
    store.close()
    early.close()


def test_a_revision_retrieved_later_is_used_only_from_then_on(store: Store) -> None:
    day = date(2022, 3, 20)
    snap, first = _observation(day, 900, datetime(2022, 3, 21, tzinfo=UTC))
    store.add(snap, [first])
    revised_snap, revised = _observation(day, 925, datetime(2022, 3, 28, tzinfo=UTC))
    store.add(revised_snap, [revised])
    assert query("killed", area="UKR", on=day, as_known_on=date(2022, 3, 22), db=store).low == 900
    assert query("killed", area="UKR", on=day, db=store).low == 925
    assert query("killed", area="UKR", on=day, db=store).n_sources == 1  # one record, two vintages


# --- the shipped data --------------------------------------------------------------------------

def test_series_on_the_shipped_data_has_documented_columns(full_offline_store: Store) -> None:
    killed = series("killed", area="UKR", group="civilians", db=full_offline_store)
    assert list(killed.columns) == SERIES_COLUMNS
    SERIES_SCHEMA.validate(killed)
    assert killed["low"].is_monotonic_increasing
    w12 = killed.set_index("period").loc["2022-W12"]
    assert w12["low"] == 1151 and w12["n_sources"] == 1  # OHCHR, however many outlets carried it
    refugees = series("refugees", area="UKR", db=full_offline_store)
    SERIES_SCHEMA.validate(refugees)
    assert refugees["period"].iloc[0] == "2022-W08"


def test_group_and_area_left_out_are_filled_in_or_asked_for(full_offline_store: Store) -> None:
    assert query("injured", area="UKR", on="2022-03-24", db=full_offline_store).group == "civilians"
    with pytest.raises(figures.FiguresError, match="several areas"):
        query("killed", on="2022-03-24", db=full_offline_store)


EVIDENCE_SCHEMA = pa.DataFrameSchema(
    {
        "source_id": pa.Column(str), "voice": pa.Column(str), "publisher": pa.Column(str),
        "metric": pa.Column(str), "group": pa.Column(str), "area": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$")),
        "place": pa.Column(nullable=True), "record_id": pa.Column(nullable=True),
        "as_of": pa.Column("datetime64[us]"), "period_start": pa.Column("datetime64[us]", nullable=True),
        "period_end": pa.Column("datetime64[us]", nullable=True), "scope": pa.Column(str),
        "modality": pa.Column(str), "low": pa.Column("Int64", pa.Check.ge(0)),
        "best": pa.Column("Int64", nullable=True),
        "high": pa.Column("Int64", nullable=True), "text": pa.Column(str), "rule": pa.Column(str),
        "tolerance": pa.Column("int64", pa.Check.ge(0)),
        "url": pa.Column(str), "title": pa.Column(nullable=True),
        "published_at": pa.Column(pd.DatetimeTZDtype("us", "UTC"), nullable=True),
        "retrieved_at": pa.Column(pd.DatetimeTZDtype("us", "UTC")),
        "snapshot_sha256": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{64}$")), "locator": pa.Column(str),
        "quote": pa.Column(str), "attributed_to": pa.Column(nullable=True), "adapter": pa.Column(str),
        "adapter_version": pa.Column(str), "counts": pa.Column(bool), "in_consensus": pa.Column(bool),
    },
    strict=True, ordered=True,
)


def test_query_evidence_frame_has_documented_columns(full_offline_store: Store) -> None:
    answer = query("killed", area="UKR", group="civilians", on="2022-03-27", db=full_offline_store)
    frame = answer.observations
    EVIDENCE_SCHEMA.validate(frame)
    assert frame["counts"].all()
    assert set(frame.loc[~frame["in_consensus"], "voice"]) == {f.voice for f in answer.figures if not f.in_consensus}
    assert answer.observations is frame  # read once, then kept
    empty = query("killed", area="UKR", group="civilians", on="2021-01-01", db=full_offline_store).observations
    EVIDENCE_SCHEMA.validate(empty)
    assert empty.empty


def test_observations_takes_the_same_filters(full_offline_store: Store) -> None:
    everything = figures.observations(db=full_offline_store)
    killed = figures.observations("killed", area="ukr", group="civilians", db=full_offline_store)
    assert set(killed["metric"]) == {"killed"} and set(killed["group"]) == {"civilians"}
    assert len(killed) < len(everything)
    poland = figures.observations("refugees", place="poland", db=full_offline_store)
    assert set(poland["place"]) == {"Poland"}
    assert figures.observations("killed", as_known_on="2000-01-01", db=full_offline_store).empty
