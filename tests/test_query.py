"""Queries on the offline store: the figure as of a date, its evidence, weekly series, tidy frames.

The offline store holds UNHCR's daily border crossings out of Ukraine (24 February to 25 April
2022) and the per-country totals as of 25 April 2022, as the portal served them on 26 April.
Expected figures are summed from the shipped file in the test, not only typed in.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
from schemas import WEEKLY_SERIES_SCHEMA

from figures.query import EVIDENCE_COLUMNS, STALE_AFTER, observations, query, series
from figures.store import OBSERVATION_COLUMNS, Store

OFFLINE = Path(__file__).resolve().parents[1] / "figures" / "data" / "offline"
DAILY = {date.fromisoformat(r["data_date"]): r["individuals"] for r in json.loads(
    (OFFLINE / "unhcr_timeseries_sv54_pg5457_2022-04-26.json").read_bytes())["data"]["timeseries"]}
LAST_DAY = max(DAILY)


def total_through(day: date) -> int:
    return sum(v for d, v in DAILY.items() if d <= day)


UTC_TIME = pd.DatetimeTZDtype("us", "UTC")
OBSERVATIONS_SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column("int64", unique=True),
        "source_id": pa.Column(str),
        "metric": pa.Column(str, pa.Check.isin(["refugees"])),
        "group": pa.Column(str),
        "area": pa.Column(str, pa.Check.str_matches(r"^[A-Z]{3}$")),
        "place": pa.Column(str, nullable=True),
        "record_id": pa.Column(nullable=True),
        "as_of": pa.Column("datetime64[us]"),
        "period_start": pa.Column("datetime64[us]", nullable=True),
        "period_end": pa.Column("datetime64[us]", nullable=True),
        "scope": pa.Column(str, pa.Check.isin(["cumulative", "incident"])),
        "modality": pa.Column(str),
        "low": pa.Column("Int64", pa.Check.ge(0)),
        "best": pa.Column("Int64", nullable=True),
        "high": pa.Column("Int64", nullable=True),
        "text": pa.Column(str),
        "rule": pa.Column(str),
        "publisher": pa.Column(str),
        "url": pa.Column(str, pa.Check.str_startswith("https://data.unhcr.org/")),
        "title": pa.Column(str, nullable=True),
        "published_at": pa.Column(UTC_TIME, nullable=True),
        "retrieved_at": pa.Column(UTC_TIME),
        "snapshot_sha256": pa.Column(str, pa.Check.str_matches(r"^[0-9a-f]{64}$")),
        "locator": pa.Column(str, pa.Check.str_startswith("$.data")),
        "quote": pa.Column(str),
        "attributed_to": pa.Column(nullable=True),
        "adapter": pa.Column(str),
        "adapter_version": pa.Column(str),
        "stored_at": pa.Column(UTC_TIME),
    },
    strict=True, ordered=True,
)
SERIES_SCHEMA = WEEKLY_SERIES_SCHEMA


def test_running_total_of_daily_crossings(offline_store: Store) -> None:
    answer = query("refugees", area="UKR", on="2022-03-01", db=offline_store)
    expected = total_through(date(2022, 3, 1))
    assert expected == 819_228
    assert (answer.low, answer.best, answer.high) == (expected, expected, expected)
    [figure] = answer.figures
    assert figure.rule == "sum-of-incidents:6" and figure.kind == "incidents"
    assert figure.source_ids == ("unhcr-ukraine-crossings",) and figure.voice == "UNHCR"
    assert (answer.low_from, answer.high_from) == ("UNHCR 2022-03-01", "UNHCR 2022-03-01")
    assert answer.as_of == answer.on == date(2022, 3, 1)
    assert (answer.n_sources, answer.disputed) == (1, False)
    assert (answer.envelope_low, answer.envelope_high) == (expected, expected)
    assert "819,228" in str(answer)


def test_evidence_lists_every_day_summed(offline_store: Store) -> None:
    evidence = query("refugees", area="UKR", on="2022-03-01", db=offline_store).observations
    assert list(evidence.columns) == EVIDENCE_COLUMNS
    assert len(evidence) == 6
    assert evidence["locator"].tolist() == [f"$.data.timeseries[{i}]" for i in range(6)]
    assert evidence["best"].sum() == total_through(date(2022, 3, 1))
    assert [d.date() for d in evidence["as_of"]] == [date(2022, 2, 24) + timedelta(days=i) for i in range(6)]
    assert evidence["url"].str.startswith("https://data.unhcr.org/population/get/timeseries?").all()
    assert evidence["snapshot_sha256"].nunique() == 1
    assert (evidence["retrieved_at"] == pd.Timestamp("2022-04-26 09:00", tz="UTC")).all()


def test_a_place_answers_with_its_own_stock(offline_store: Store) -> None:
    answer = query("refugees", area="UKR", place="Poland", on="2022-04-30", db=offline_store)
    assert (answer.low, answer.best, answer.high) == (2_922_978, 2_922_978, 2_922_978)
    [figure] = answer.figures
    assert (figure.source_ids, figure.rule, answer.as_of) == (("unhcr-ukraine-by-country",), "exact", date(2022, 4, 25))
    assert answer.observations["locator"].tolist() == ["$.data[0]"]
    assert answer.observations["place"].tolist() == ["Poland"]


def test_the_whole_area_is_not_every_place_in_it(offline_store: Store) -> None:
    # the per-country stocks are about places; place=None asks about Ukraine as a whole
    answer = query("refugees", area="UKR", on="2022-04-25", db=offline_store)
    assert [f.source_ids for f in answer.figures] == [("unhcr-ukraine-crossings",)]
    assert answer.best == total_through(LAST_DAY) == 5_264_767


def test_before_any_data_there_is_no_figure(offline_store: Store) -> None:
    answer = query("refugees", area="UKR", on="2022-02-23", db=offline_store)
    assert (answer.low, answer.best, answer.high, answer.low_from, answer.as_of) == (None, None, None, None, None)
    assert answer.n_sources == 0 and answer.figures == []
    assert answer.observations.empty and list(answer.observations.columns) == EVIDENCE_COLUMNS
    assert str(answer) == "refugees UKR: no figure as of 2022-02-23"


def test_a_stale_figure_no_longer_answers(offline_store: Store) -> None:
    assert query("refugees", area="UKR", on=LAST_DAY + timedelta(days=30), db=offline_store).low is None
    assert query("refugees", area="UKR", place="Poland", on=LAST_DAY + timedelta(days=30), db=offline_store).low is None
    # up to STALE_AFTER the last figure still answers, the day after it does not
    still = query("refugees", area="UKR", on=LAST_DAY + STALE_AFTER, db=offline_store)
    assert (still.best, still.as_of) == (5_264_767, LAST_DAY)
    assert query("refugees", area="UKR", on=LAST_DAY + STALE_AFTER + timedelta(days=1), db=offline_store).low is None


def test_other_metrics_and_areas_have_no_figure(offline_store: Store) -> None:
    assert query("killed", area="UKR", on="2022-03-01", db=offline_store).low is None
    assert query("refugees", area="SYR", on="2022-03-01", db=offline_store).low is None


def test_query_opens_the_default_store(offline_store: Store) -> None:
    # conftest's store is the file open_store() finds under the isolated FIGURES_HOME
    assert query("refugees", area="UKR", on="2022-03-01").best == 819_228


def test_as_known_on_before_retrieval_knows_nothing(offline_store: Store) -> None:
    assert query("refugees", area="UKR", on="2022-03-01", as_known_on=date(2022, 4, 25), db=offline_store).low is None
    assert query("refugees", area="UKR", on="2022-03-01", as_known_on=date(2022, 4, 26), db=offline_store).best == (
        819_228)


def test_as_known_on_with_an_offset_is_the_same_instant(offline_store: Store) -> None:
    kyiv = timezone(timedelta(hours=3))
    answer = query("refugees", area="UKR", on="2022-03-01", as_known_on=datetime(2022, 4, 26, 11, tzinfo=kyiv),
                   db=offline_store)
    assert answer.low is None


def test_query_returns_new_frames_and_leaves_the_store_alone(offline_store: Store) -> None:
    before = offline_store.rows()
    first = query("refugees", area="UKR", on="2022-03-01", db=offline_store)
    first.observations.loc[:, "best"] = 0
    again = query("refugees", area="UKR", on="2022-03-01", db=offline_store)
    assert again.observations["best"].sum() == 819_228
    assert offline_store.rows() == before


# --- series -----------------------------------------------------------------------------------

def test_weekly_series_uses_iso_weeks_ending_on_sunday(offline_store: Store) -> None:
    frame = series("refugees", area="UKR", db=offline_store)
    SERIES_SCHEMA.validate(frame)
    assert frame["period"].iloc[0] == "2022-W08"  # 24 February 2022 was the Thursday of ISO week 8
    assert frame["period"].iloc[1] == "2022-W09"
    assert frame["period"].iloc[-1] == "2022-W17"  # the week of 25 April
    assert len(frame) == 10
    for _, row in frame.iterrows():
        sunday = row["period_end"].date()
        assert sunday.weekday() == 6
        assert row["period_start"].date() == sunday - timedelta(days=6)
        assert row["period"] == f"{sunday.isocalendar().year}-W{sunday.isocalendar().week:02d}"
        assert row["best"] == total_through(sunday)
    w09 = frame.set_index("period").loc["2022-W09"]
    assert w09["period_end"] == pd.Timestamp("2022-03-06")
    assert w09["best"] == total_through(date(2022, 3, 6))


def test_series_between_dates(offline_store: Store) -> None:
    frame = series("refugees", area="UKR", start=date(2022, 3, 7), end=date(2022, 3, 20), db=offline_store)
    assert frame["period"].tolist() == ["2022-W10", "2022-W11"]
    assert frame["best"].tolist() == [total_through(date(2022, 3, 13)), total_through(date(2022, 3, 20))]


def test_series_for_a_place(offline_store: Store) -> None:
    frame = series("refugees", area="UKR", place="Poland", db=offline_store)
    SERIES_SCHEMA.validate(frame)
    assert frame[["period", "best"]].values.tolist() == [["2022-W17", 2_922_978]]


def test_an_empty_series_has_the_same_dtypes(offline_store: Store) -> None:
    frame = series("refugees", area="SYR", db=offline_store)
    assert frame.empty
    SERIES_SCHEMA.validate(frame)


# --- observations -----------------------------------------------------------------------------

def test_observations_frame_has_documented_columns_and_dtypes(offline_store: Store) -> None:
    frame = observations(offline_store)
    assert list(frame.columns) == OBSERVATION_COLUMNS
    OBSERVATIONS_SCHEMA.validate(frame)
    assert len(frame) == 68
    assert frame["retrieved_at"].dt.tz is not None and str(frame["retrieved_at"].dt.tz) == "UTC"
    crossings = frame[frame["source_id"] == "unhcr-ukraine-crossings"]
    assert crossings["best"].sum() == total_through(LAST_DAY)
    assert crossings["place"].isna().all()


def test_observations_filters(offline_store: Store) -> None:
    assert len(observations(offline_store, source_id="unhcr-ukraine-by-country")) == 7
    assert len(observations("refugees", area="UKR", db=offline_store)) == 68
    empty = observations("killed", db=offline_store)
    assert empty.empty and list(empty.columns) == OBSERVATION_COLUMNS
    assert observations(offline_store, source_id="unhcr-ukraine-by-country").index.tolist() == list(range(7))


def test_observations_returns_a_new_frame_each_call(offline_store: Store) -> None:
    first = observations(offline_store)
    first.loc[:, "best"] = 0
    del first["quote"]
    second = observations(offline_store)
    assert second is not first
    assert list(second.columns) == OBSERVATION_COLUMNS
    assert second["best"].sum() == total_through(LAST_DAY) + 5_264_767  # daily crossings + per-country stocks


def test_observations_of_an_empty_store_are_typed(store: Store) -> None:
    frame = observations(store)
    assert frame.empty
    assert list(frame.columns) == OBSERVATION_COLUMNS
    assert str(frame["low"].dtype) == "Int64"
    assert frame["retrieved_at"].dtype == UTC_TIME


def test_retrieved_at_in_frames_is_the_utc_instant(offline_store: Store) -> None:
    frame = observations(offline_store)
    assert (frame["retrieved_at"] == pd.Timestamp(datetime(2022, 4, 26, 9, tzinfo=UTC))).all()
