"""The numbers written on and beside a chart never say more than the source stated.

A bound rounds only inwards to the reader's safety: a lower bound ("at least") never rounds up, an
upper bound never rounds down; a verified minimum under a million is quoted in full (OHCHR's
"at least 17,535" injured is never "at least 17,500" nor "at least 17,600")."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from figures import parse_estimate
from figures.charts.words import human, short_span, span


def said(text: str) -> int:
    """The number a phrase of ours says, read back by the project's own normaliser."""
    found = parse_estimate(text)
    assert found.best is not None, text
    return found.best


counts = st.integers(min_value=0, max_value=5_000_000_000)


@given(counts)
def test_a_lower_bound_is_never_said_above_itself(n: int) -> None:
    assert said(human(n, "down")) <= n
    assert said(span(n, None, None).removeprefix("at least ")) <= n


@given(counts)
def test_an_upper_bound_is_never_said_below_itself(n: int) -> None:
    assert said(human(n, "up")) >= n


@given(counts, counts)
def test_a_range_said_contains_the_range_stated(a: int, b: int) -> None:
    low, high = sorted((a, b))
    if low == high:
        return
    lo, hi = span(low, None, high).split(" to ")
    assert said(lo) <= low and said(hi) >= high
    short = short_span({"low": low, "best": None, "high": high})
    first, second = short.split("\u2013")
    if second.endswith(" million") and not first.endswith((" million", " billion")) and low >= 1_000_000:
        first += " million"  # "6.5-7.14 million": the magnitude word is written once
    assert said(first) <= low and said(second) >= high


def test_a_verified_minimum_under_a_million_is_quoted_in_full() -> None:
    assert span(17_535, None, None) == "at least 17,535"
    assert span(1_000_001, None, None) == "at least 1 million"
    assert human(31_587) == "31,600"  # a single stated figure still reads as a reader says it
