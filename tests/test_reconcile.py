"""The reconciler on hand-made figures: consensus, envelope, disputes, staleness, running totals.

Each test states a small situation in the words a reporter would use and checks the band the
rules of docs/reconciliation.md give. The property tests at the end check the invariants on
random situations.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from figures.reconcile import INPUT_COLUMNS, Options, canonical, reconcile, voice_of

D0 = date(2022, 3, 1)


def fig(voice: str, day: date | int, low: int, best: int | None = None, high: int | None | str = "same", *,
        scope: str = "cumulative", modality: str = "reported", source_id: str | None = None,
        start: date | None = None, rule: str = "exact", direct: bool = True, stale_days: int = 14,
        rank: int = 0, retrieved: int = 0, prose: bool = False) -> dict[str, Any]:
    """One observation as the reconciler reads it. `high="same"`: a point figure (high = best or low)."""
    day = D0 + timedelta(days=day) if isinstance(day, int) else day
    if high == "same":
        high = best if best is not None else low
    end = day.toordinal()
    return {
        "source_id": source_id or voice.lower(), "voice": voice, "scope": scope, "modality": modality,
        "as_of": end, "period_start": (start or day).toordinal() if scope == "incident" else -1,
        "period_end": end if scope == "incident" else -1, "low": float(low),
        "best": math.nan if best is None else float(best), "high": math.inf if high is None else float(high),
        "rank": rank, "stale_days": stale_days, "direct": direct, "prose": prose,
        "retrieved_at": pd.Timestamp("2022-06-01") + pd.Timedelta(seconds=retrieved), "rule": rule,
    }


def frame(*rows: dict[str, Any]) -> pd.DataFrame:
    out = pd.DataFrame(list(rows))
    out.insert(0, "id", range(1, len(out) + 1))
    return out


def band(rows: pd.DataFrame, day: date | int, options: Options | None = None):
    day = D0 + timedelta(days=day) if isinstance(day, int) else day
    return reconcile(rows, [day], options).band(0)


# --- one date ---------------------------------------------------------------------------------

def test_input_columns_are_what_the_tests_build() -> None:
    assert set(INPUT_COLUMNS) <= set(frame(fig("A", 0, 1)).columns)


def test_a_single_point_figure() -> None:
    b = band(frame(fig("OHCHR", 0, 1081, 1081)), 0)
    assert (b.low, b.best, b.high, b.n_sources, b.disputed) == (1081, 1081, 1081, 1, False)
    assert (b.envelope_low, b.envelope_high, b.best_derived) == (1081, 1081, False)
    assert b.low_from == b.high_from == "OHCHR 2022-03-01"


def test_overlapping_ranges_meet_in_their_intersection() -> None:
    # a ministry's 3,100 to 5,500 and a monitor's "at least 3,500": both can be true from 3,500 to 5,500
    b = band(frame(fig("Ministry", 0, 3100, 3900, 5500), fig("Monitor", 0, 3500, None, None)), 0)
    assert (b.low, b.high, b.best) == (3500, 5500, 3900)
    assert (b.envelope_low, b.envelope_high) == (3100, None)  # the envelope stays open
    assert (b.low_from, b.high_from) == ("Monitor 2022-03-01", "Ministry 2022-03-01")
    assert not b.disputed and all(f.in_consensus for f in b.figures)


def test_an_open_upper_end_stays_open_unless_another_source_bounds_it() -> None:
    alone = band(frame(fig("OHCHR", 0, 1081, 1081, None), fig("OCHA", 0, 1035, 1035, None)), 0)
    assert (alone.low, alone.high) == (1081, None)
    bounded = band(frame(fig("OHCHR", 0, 1081, 1081, None), fig("Ministry", 0, 1000, None, 2000)), 0)
    assert (bounded.low, bounded.high) == (1081, 2000)


def test_the_most_sources_win_and_the_outlier_is_a_dispute() -> None:
    rows = frame(fig("A", 0, 100, 150, 200), fig("B", 0, 120, 160, 250), fig("C", 0, 140, None, 180),
                 fig("D", 0, 1000, 1200, 1500))
    b = band(rows, 0)
    assert (b.low, b.high) == (140, 180)  # where A, B and C all hold
    assert b.disputed and b.n_sources == 4
    assert {(x.voice, y.voice) for x, y in b.disputes} == {("A", "D"), ("B", "D"), ("C", "D")}
    assert [f.voice for f in b.figures if not f.in_consensus] == ["D"]
    assert b.best == 160  # the median of the stated bests 150, 160, 1200
    assert (b.envelope_low, b.envelope_high) == (100, 1500)


def test_two_camps_of_equal_size_are_both_kept() -> None:
    b = band(frame(fig("A", 0, 100, None, 200), fig("B", 0, 500, None, 600)), 0)
    assert (b.low, b.high, b.disputed) == (100, 600, True)
    assert b.best == round(math.expm1((math.log1p(100) + math.log1p(600)) / 2)) and b.best_derived


def test_a_derived_best_is_the_middle_on_a_log_scale() -> None:
    b = band(frame(fig("News", 0, 100, None, 999, rule="vague:hundreds")), 0)
    assert (b.low, b.high, b.best_derived) == (100, 999, True)
    assert b.best == 317  # sqrt(101 * 1000) - 1 = 316.8, not the arithmetic 550
    open_ended = band(frame(fig("News", 0, 1000, None, None, rule="more-than")), 0)
    assert open_ended.best is None and not open_ended.best_derived  # no middle to an open range


def test_no_figure_before_the_first_observation() -> None:
    b = band(frame(fig("A", 5, 10)), 0)
    assert (b.low, b.best, b.high, b.n_sources, b.figures) == (None, None, None, 0, [])


# --- per voice, per date ------------------------------------------------------------------------

def test_a_voice_counts_with_its_latest_figure() -> None:
    rows = frame(fig("OHCHR", 0, 249), fig("OHCHR", 3, 331), fig("OHCHR", 9, 474))
    assert band(rows, 5).low == 331
    assert band(rows, 9).low == 474
    assert band(rows, 9).n_sources == 1


def test_a_stale_figure_stops_counting() -> None:
    rows = frame(fig("OHCHR", 0, 249))
    assert band(rows, 14).low == 249
    assert band(rows, 15).low is None
    assert band(rows, 30, Options(stale_after=timedelta(days=30))).low is None  # stale_days of the row rules
    yearly = frame(fig("UNHCR", 0, 100, stale_days=366))
    assert band(yearly, 300).low == 100


def test_the_same_figure_from_many_outlets_counts_once() -> None:
    rows = frame(fig("OHCHR", 0, 1081, 1081, None, source_id="ohchr", rule="at-least-verified"),
                 fig("OHCHR", 0, 1081, 1081, None, source_id="reliefweb", direct=False),
                 fig("OHCHR", 0, 1081, 1081, None, source_id="news-a", direct=False),
                 fig("OHCHR", 0, 1081, 1081, None, source_id="news-b", direct=False))
    b = band(rows, 0)
    assert b.n_sources == 1
    [only] = b.figures
    assert only.source_ids == ("news-a", "news-b", "ohchr", "reliefweb")
    assert len(only.evidence_ids) == 4


def test_on_one_day_the_voices_own_publication_wins_over_a_retelling() -> None:
    rows = frame(fig("OHCHR", 0, 1000, None, None, source_id="news", direct=False, rule="more-than"),
                 fig("OHCHR", 0, 1081, 1081, None, source_id="ohchr", rule="at-least-verified"))
    assert band(rows, 0).figures[0].source_ids == ("ohchr",)


def test_projections_never_count() -> None:
    rows = frame(fig("UNHCR", 0, 2_000_000), fig("UNHCR", 0, 4_000_000, modality="projection", source_id="p"))
    b = band(rows, 0)
    assert (b.low, b.n_sources) == (2_000_000, 1)


# --- incidents into running totals ------------------------------------------------------------

def crossings(voice: str, days: list[int], values: list[int], **kw: Any) -> list[dict[str, Any]]:
    return [fig(voice, d, v, scope="incident", **kw) for d, v in zip(days, values, strict=True)]


def test_incidents_are_summed_low_best_and_high_separately() -> None:
    rows = frame(fig("UCDP", 0, 2, 3, 5, scope="incident"), fig("UCDP", 1, 0, 1, 4, scope="incident"),
                 fig("UCDP", 2, 10, None, None, scope="incident"))
    assert (band(rows, 1).low, band(rows, 1).best, band(rows, 1).high) == (2, 4, 9)
    third = band(rows, 2)
    assert (third.low, third.best, third.high) == (12, None, None)  # one open event opens the total
    assert third.figures[0].rule == "sum-of-incidents:3"


def test_incidents_count_from_the_configured_start() -> None:
    rows = frame(*crossings("UNHCR", [-3, 0, 1], [50, 100, 200]))
    assert band(rows, 1).low == 350
    assert band(rows, 1, Options(count_from=D0)).low == 300


def test_a_running_total_that_starts_long_after_the_count_does_not_count() -> None:
    # only January 2025 of an event dataset is stored: its "total since 24 February 2022" is a month's worth
    late = frame(*crossings("ACLED", [1060, 1061], [7, 12]), fig("OHCHR", 1061, 12_000, 12_000, None))
    b = band(late, 1061, Options(count_from=D0))
    assert [f.voice for f in b.figures] == ["OHCHR"]
    early = frame(*crossings("ACLED", [20, 1061], [7, 12]))
    assert band(early, 1061, Options(count_from=D0, stale_after=timedelta(days=2000))).low == 19


def test_rival_sources_are_never_summed_together() -> None:
    rows = frame(*crossings("UCDP", [0, 1], [10, 20]), *crossings("ACLED", [0, 1], [15, 25]))
    b = band(rows, 1)
    assert sorted((f.voice, f.low) for f in b.figures) == [("ACLED", 40), ("UCDP", 30)]
    assert (b.envelope_low, b.envelope_high, b.n_sources) == (30, 40, 2)


def test_incidents_read_from_prose_are_never_summed() -> None:
    # "12 killed in Kharkiv on Tuesday" in a news story is one event, not a count of all events
    rows = frame(fig("OHCHR", 0, 1081, 1081, None), fig("Reuters", 1, 12, scope="incident", prose=True),
                 fig("Reuters", 2, 7, scope="incident", prose=True))
    b = band(rows, 2)
    assert (b.n_sources, b.low, b.disputed) == (1, 1081, False)


def test_of_two_running_totals_of_one_voice_the_preferred_source_counts() -> None:
    rows = frame(*crossings("UCDP", [0, 1], [10, 20], source_id="ged-api", rank=1),
                 *crossings("UCDP", [0, 1], [11, 21], source_id="ged-csv", rank=0))
    assert band(rows, 1).figures[0].source_ids == ("ged-csv",)


def test_a_running_total_goes_stale_after_its_last_incident() -> None:
    rows = frame(*crossings("UNHCR", [0, 1], [10, 20]))
    assert band(rows, 15).low == 30
    assert band(rows, 16).low is None


def test_a_stated_total_and_a_running_total_of_one_voice_the_newer_counts() -> None:
    rows = frame(fig("UNHCR", 0, 1000, source_id="stock"), *crossings("UNHCR", [1, 2], [10, 20], source_id="flows"))
    b = band(rows, 2)
    assert (b.n_sources, b.figures[0].low, b.figures[0].kind) == (1, 30, "incidents")
    same_day = band(frame(fig("UNHCR", 1, 1000, source_id="stock"),
                          *crossings("UNHCR", [0, 1], [10, 20], source_id="flows")), 1)
    assert (same_day.low, same_day.figures[0].kind) == (1000, "stated")  # a tie goes to the stated figure


# --- running totals never fall ----------------------------------------------------------------

def test_a_minimum_raises_every_later_date() -> None:
    # "at least 1,081 killed as of 24 March"; a week later only a vaguer source still counts
    rows = frame(fig("OHCHR", date(2022, 3, 24), 1081, 1081, None, stale_days=3),
                 fig("News", date(2022, 3, 31), 100, None, 999, rule="vague:hundreds"))
    later = band(rows, date(2022, 3, 31))
    assert later.n_sources == 1 and later.low == 1081  # not 100
    assert later.low_from == "OHCHR 2022-03-24"
    assert later.inconsistent and later.high is None  # "hundreds" cannot hold any more: the top is open
    assert later.envelope_low <= later.low


def test_an_upper_bound_stated_later_caps_earlier_dates() -> None:
    rows = frame(fig("A", 0, 100, None, None, rule="at-least"), fig("B", 10, 150, 200, 300))
    earlier = band(rows, 0)
    assert (earlier.low, earlier.high, earlier.high_from) == (100, 300, "B 2022-03-11")
    assert earlier.envelope_high is None  # the envelope is what counts on the day: A's open range


def test_series_lows_never_fall_across_revisions_downwards() -> None:
    rows = frame(fig("A", 0, 500), fig("A", 7, 400), fig("A", 14, 650))
    result = reconcile(rows, [D0 + timedelta(days=d) for d in range(0, 20)]).frame()
    assert result["low"].is_monotonic_increasing
    assert result.loc[7, "low"] == 500 and result.loc[7, "low_from"] == "A 2022-03-01"


# --- voices -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("publisher", "attributed", "scope", "voice"), [
    ("ReliefWeb", "the UN human rights office", "cumulative", "OHCHR"),
    ("OCHA", "OHCHR", "cumulative", "OHCHR"),
    ("Reuters", None, "cumulative", "Reuters"),
    ("unknown", None, "cumulative", "news-src"),
    ("Uppsala Conflict Data Program (UCDP)", "Reuters News;Agence France-Presse", "incident", "UCDP"),
    ("Uppsala Conflict Data Program (UCDP)", "Reuters News", "incident", "UCDP"),
    ("OCHA Centre for Humanitarian Data (HDX HAPI)", "ACLED", "incident", "ACLED"),
    ("The Kyiv Independent", "the UN refugee agency", "cumulative", "UNHCR"),
])
def test_voice_of(publisher: str, attributed: str | None, scope: str, voice: str) -> None:
    assert voice_of(publisher, attributed, "news-src", scope) == voice


def test_canonical_keeps_unknown_names_as_written() -> None:
    assert canonical("the Mariupol city council") == "Mariupol city council"
    assert canonical("  UN  Human Rights Office ") == "OHCHR"


# --- properties -------------------------------------------------------------------------------

figure_st = st.builds(
    lambda voice, day, low, width, best_at, open_end, scope: fig(
        voice, day, low, None if best_at is None else low + min(best_at, width), None if open_end else low + width,
        scope=scope),
    voice=st.sampled_from(["A", "B", "C", "D", "E"]), day=st.integers(0, 40), low=st.integers(0, 10_000),
    width=st.integers(0, 5_000), best_at=st.none() | st.integers(0, 5_000), open_end=st.booleans(),
    scope=st.sampled_from(["cumulative", "cumulative", "incident"]),
)
DAYS = [D0 + timedelta(days=d) for d in range(0, 60, 3)]


def _numbers(value: Any) -> float:
    return math.inf if value is None else float(value)


@settings(max_examples=150, deadline=None)
@given(st.lists(figure_st, min_size=1, max_size=12))
def test_consensus_lies_inside_the_envelope(rows: list[dict[str, Any]]) -> None:
    out = reconcile(frame(*rows), DAYS).frame()
    counted = out[out["n_sources"] > 0]
    assert (counted["envelope_low"] <= counted["low"]).all()
    assert (counted["low"] <= counted["high"].fillna(np.inf)).all()
    assert (counted["high"].fillna(np.inf) <= counted["envelope_high"].fillna(np.inf)).all()
    best = counted["best"].dropna()
    assert (best >= counted.loc[best.index, "low"]).all()
    assert (best <= counted.loc[best.index, "high"].fillna(np.inf)).all()


@settings(max_examples=150, deadline=None)
@given(st.lists(figure_st, min_size=1, max_size=10), figure_st.map(lambda f: {**f, "voice": "NEW", "source_id": "new"}))
def test_adding_a_source_never_narrows_the_envelope(rows: list[dict[str, Any]], extra: dict[str, Any]) -> None:
    before = reconcile(frame(*rows), DAYS).frame()
    after = reconcile(frame(*rows, extra), DAYS).frame()
    # where a later bound contradicts an earlier floor (flagged inconsistent) the envelope is widened
    # to hold the carried band; a new source can resolve that, so those dates are left out
    had = (before["n_sources"] > 0) & ~before["inconsistent"] & ~after["inconsistent"]
    assert (after.loc[had, "envelope_low"] <= before.loc[had, "envelope_low"]).all()
    assert (after.loc[had, "envelope_high"].fillna(np.inf) >= before.loc[had, "envelope_high"].fillna(np.inf)).all()


@settings(max_examples=150, deadline=None)
@given(st.lists(figure_st, min_size=1, max_size=12))
def test_running_totals_never_fall(rows: list[dict[str, Any]]) -> None:
    out = reconcile(frame(*rows), DAYS).frame()
    lows = out.loc[out["n_sources"] > 0, "low"]
    assert lows.is_monotonic_increasing


@settings(max_examples=100, deadline=None)
@given(st.lists(figure_st, min_size=1, max_size=12), st.randoms(use_true_random=False))
def test_permuting_the_input_changes_nothing(rows: list[dict[str, Any]], rnd: random.Random) -> None:
    first = frame(*rows)
    shuffled = first.sample(frac=1, random_state=rnd.randint(0, 2**31)).reset_index(drop=True)
    a = reconcile(first, DAYS).frame()
    b = reconcile(shuffled, DAYS).frame()
    pd.testing.assert_frame_equal(a, b)


def test_a_stock_can_fall() -> None:
    # IDPs return home: 7.7 million in April, 7.1 million in May, and the band follows them down
    rows = frame(fig("IOM", date(2022, 4, 17), 7_707_000), fig("IOM", date(2022, 5, 23), 7_134_000))
    stock = reconcile(rows, [date(2022, 4, 20), date(2022, 5, 25)], Options(monotone=False)).frame()
    assert stock["low"].tolist() == [7_707_000, 7_134_000]
    assert not stock["inconsistent"].any() and not stock["disputed"].any()
    total = reconcile(rows, [date(2022, 4, 20), date(2022, 5, 25)], Options(monotone=True)).frame()
    assert total["low"].tolist() == [7_707_000, 7_707_000] and total["inconsistent"].all()
