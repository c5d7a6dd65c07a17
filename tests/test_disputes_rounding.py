"""Disputes respect how figures are written (NORMALISATION.md, "Rounding and disputes";
docs/reconciliation.md, section 4): a figure and its own rounding are never disputed, while
figures that cannot both be true still are."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from figures.reconcile import Options, reconcile
from figures.rounding import tolerance

START = date(2022, 2, 24)


def row(i: int, voice: str, day: date, low: int, best: int | None, high: int | None, tol: int = 0) -> dict:
    return {"id": i, "source_id": voice.lower(), "voice": voice, "scope": "cumulative", "modality": "reported",
            "as_of": day.toordinal(), "period_start": -1, "period_end": -1, "low": float(low),
            "best": math.nan if best is None else float(best), "high": math.inf if high is None else float(high),
            "rank": 0, "stale_days": 14, "direct": True, "prose": False,
            "retrieved_at": pd.Timestamp("2022-06-01"), "rule": "exact", "tolerance": tol}


def band(rows: list[dict], day: date, monotone: bool):
    options = Options(count_from=START, monotone=monotone, hindsight=False)
    return reconcile(pd.DataFrame(rows), [day], options).band(0)


def written(value: int, digits: int) -> tuple[int, str]:
    """`value` rounded to `digits` significant digits, as a reporter writes it."""
    exponent = len(str(value)) - digits
    rounded = int(round(value / 10 ** exponent)) * 10 ** exponent if exponent > 0 else value
    if rounded >= 1_000_000 and rounded % 10_000 == 0:
        return rounded, f"{rounded / 1e6:g} million"
    return rounded, f"{rounded:,}"


@settings(max_examples=300, deadline=None)
@given(value=st.integers(1_000, 50_000_000), digits=st.integers(1, 3), apart=st.integers(0, 10),
       monotone=st.booleans(), rounded_first=st.booleans())
def test_a_figure_is_never_disputed_with_its_own_rounding(value: int, digits: int, apart: int, monotone: bool,
                                                          rounded_first: bool) -> None:
    rounded, text = written(value, digits)
    tol = tolerance(text, "exact", rounded)
    # the contract calls a figure rounded only when written with a magnitude word or ending in three
    # zeros or more ("2,100" is taken as exact): only those carry a tolerance to test
    assume(tol > 0)
    assert abs(rounded - value) <= tol, (value, text, tol)
    first, second = START + timedelta(days=20), START + timedelta(days=20 + apart)
    a_day, b_day = (first, second) if rounded_first else (second, first)
    rows = [row(1, "Rounded", a_day, rounded, rounded, rounded, tol), row(2, "Exact", b_day, value, value, value)]
    found = band(rows, max(first, second), monotone)
    assert not found.disputed and not found.disputes, (text, tol, value, apart)


def test_mariupol_is_still_disputed() -> None:
    """The occupation-appointed mayor's 4,500 to 5,500 (8 April 2022) against the city mayor's more
    than 10,000 (11 April): beyond rounding, and beyond what the toll could grow in three days."""
    rows = [row(1, "Konstantin Ivashchenko", date(2022, 4, 8), 4_500, 5_000, 5_500),
            row(2, "Mayor Vadym Boychenko", date(2022, 4, 11), 10_001, None, None)]
    found = band(rows, date(2022, 4, 11), monotone=True)
    assert found.disputed and len(found.disputes) == 1


def test_a_rising_stock_a_week_apart_is_not_a_dispute() -> None:
    """UNHCR's "6.5 million" IDPs (24 March 2022) and IOM's 7,138,715 (1 April)."""
    rows = [row(1, "UNHCR", date(2022, 3, 24), 6_500_000, 6_500_000, 6_500_000, tolerance("6.5 million", "exact")),
            row(2, "IOM", date(2022, 4, 1), 7_138_715, 7_138_715, 7_138_715)]
    assert not band(rows, date(2022, 4, 1), monotone=False).disputed


def test_the_same_day_apart_is_a_dispute() -> None:
    rows = [row(1, "A", date(2022, 4, 1), 100, 150, 200), row(2, "B", date(2022, 4, 1), 500, 550, 600)]
    assert band(rows, date(2022, 4, 1), monotone=True).disputed
