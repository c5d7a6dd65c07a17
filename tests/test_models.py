"""The data model: Estimate ranges, Observation validation, Provenance times, Snapshot addresses.

Figures used as examples are UNHCR's: 79,982 border crossings out of Ukraine on 24 February
2022 as served in April 2022, revised to 79,209 in the June 2022 series.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from figures.models import Estimate, Observation, Provenance, Snapshot

SHA = hashlib.sha256(b"recorded response").hexdigest()
COUNTS = st.integers(min_value=0, max_value=10**12)


def provenance(**changes: object) -> Provenance:
    fields: dict[str, object] = {
        "source_id": "unhcr-ukraine-crossings", "publisher": "UNHCR",
        "url": "https://data.unhcr.org/population/get/timeseries?sv_id=54&population_group=5457",
        "retrieved_at": datetime(2022, 4, 26, 9, tzinfo=UTC), "snapshot_sha256": SHA,
        "locator": "$.data.timeseries[0]", "quote": '{"data_date": "2022-02-24", "individuals": 79982}',
        "adapter": "unhcr-odp", "adapter_version": "1.0",
    }
    fields.update(changes)
    return Provenance(**fields)  # type: ignore[arg-type]


def observation(**changes: object) -> Observation:
    day = date(2022, 2, 24)
    fields: dict[str, object] = {
        "metric": "refugees", "area": "UKR", "as_of": day, "period_start": day, "period_end": day,
        "scope": "incident", "estimate": Estimate.exact(79982), "provenance": provenance(),
    }
    fields.update(changes)
    return Observation(**fields)  # type: ignore[arg-type]


# --- Estimate ---------------------------------------------------------------------------------

def test_exact_is_a_point_range_that_keeps_its_text() -> None:
    e = Estimate.exact(79982, text="79,982")
    assert (e.low, e.best, e.high, e.text, e.rule) == (79982, 79982, 79982, "79,982", "exact")
    assert Estimate.exact(79982).text == "79982"


@pytest.mark.parametrize(
    ("low", "best", "high", "complaint"),
    [
        (79982, 79209, 79982, "best 79209 is below low 79982"),
        (79982, None, 79209, "high 79209 is below low 79982"),
        (79209, 79982, 79900, "best 79982 is above high 79900"),
    ],
)
def test_out_of_order_ranges_are_rejected(low: int, best: int | None, high: int, complaint: str) -> None:
    with pytest.raises(ValidationError, match=complaint):
        Estimate(low=low, best=best, high=high, text="79,982")


def test_open_upper_end_is_allowed() -> None:
    e = Estimate(low=500_001, best=None, high=None, text="more than half a million", rule="more-than")
    assert e.high is None and e.best is None
    assert Estimate(low=100, best=150, high=None, text="at least 100, perhaps 150").best == 150


@pytest.mark.parametrize("field", ["low", "best", "high"])
def test_negative_counts_are_rejected(field: str) -> None:
    values: dict[str, object] = {"low": 0, "best": 0, "high": 0, "text": "-5"}
    values[field] = -5
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        Estimate(**values)  # type: ignore[arg-type]


def test_estimate_is_frozen_and_forbids_unknown_fields() -> None:
    e = Estimate.exact(79982)
    with pytest.raises(ValidationError, match="frozen"):
        e.low = 1  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Estimate(low=1, best=1, high=1, text="1", confidence="high")  # type: ignore[call-arg]


@given(st.lists(COUNTS, min_size=3, max_size=3).map(sorted), st.booleans(), st.booleans())
def test_any_ordered_triple_constructs(values: list[int], drop_best: bool, drop_high: bool) -> None:
    low, best, high = values
    e = Estimate(low=low, best=None if drop_best else best, high=None if drop_high else high,
                 text=f"{best:,}")
    assert e.low == low
    assert e.best == (None if drop_best else best)
    assert e.high == (None if drop_high else high)
    assert e.text == f"{best:,}"


@given(COUNTS, st.integers(min_value=1, max_value=10**6), st.one_of(st.none(), COUNTS))
def test_best_below_low_always_raises(low: int, gap: int, high: int | None) -> None:
    low = low + gap  # so that best = low - gap is still >= 0
    with pytest.raises(ValidationError, match="below low"):
        Estimate(low=low, best=low - gap, high=None if high is None else max(high, low), text="x")


# --- Observation ------------------------------------------------------------------------------

@pytest.mark.parametrize("area", ["ukr", "UK", "UKRA", "U1R", ""])
def test_area_must_be_an_iso_alpha3_code(area: str) -> None:
    with pytest.raises(ValidationError, match="area"):
        observation(area=area)


def test_incident_needs_a_period() -> None:
    with pytest.raises(ValidationError, match="incident-scope observation needs period_start"):
        observation(period_start=None, period_end=None)
    cumulative = observation(period_start=None, period_end=None, scope="cumulative")
    assert cumulative.period_start is None and cumulative.scope == "cumulative"


def test_period_must_be_in_order_and_complete() -> None:
    with pytest.raises(ValidationError, match="period_start 2022-03-01 is after period_end 2022-02-24"):
        observation(period_start=date(2022, 3, 1), period_end=date(2022, 2, 24))
    with pytest.raises(ValidationError, match="come together"):
        observation(period_start=date(2022, 2, 24), period_end=None, scope="cumulative")
    week = observation(period_start=date(2022, 2, 24), period_end=date(2022, 3, 1), as_of=date(2022, 3, 1))
    assert week.period_end == date(2022, 3, 1)


def test_unknown_metric_is_rejected() -> None:
    with pytest.raises(ValidationError, match="metric"):
        observation(metric="deaths")


def test_record_key_is_shared_by_a_revision() -> None:
    first = observation()
    revised = observation(
        estimate=Estimate.exact(79209),
        provenance=provenance(retrieved_at=datetime(2022, 6, 15, 9, tzinfo=UTC),
                              snapshot_sha256=hashlib.sha256(b"june").hexdigest()),
    )
    assert first.estimate != revised.estimate
    assert first.record_key() == revised.record_key()


@pytest.mark.parametrize(
    "changes",
    [
        {"as_of": date(2022, 2, 25), "period_start": date(2022, 2, 25), "period_end": date(2022, 2, 25)},
        {"place": "Poland"},
        {"metric": "idps"},
        {"provenance": provenance(source_id="another-source")},
    ],
    ids=["other-date", "other-place", "other-metric", "other-source"],
)
def test_record_key_differs_for_a_different_record(changes: dict[str, object]) -> None:
    assert observation().record_key() != observation(**changes).record_key()


def test_rule_is_the_estimates() -> None:
    assert observation(estimate=Estimate(low=100, high=999, text="hundreds", rule="vague:hundreds")).rule == (
        "vague:hundreds")


# --- Provenance and Snapshot ------------------------------------------------------------------

def test_provenance_times_are_normalised_to_utc() -> None:
    kyiv = timezone(timedelta(hours=3))
    p = provenance(retrieved_at=datetime(2022, 4, 26, 12, tzinfo=kyiv),
                   published_at=datetime(2022, 4, 26, 10, 30))
    assert p.retrieved_at == datetime(2022, 4, 26, 9, tzinfo=UTC)
    assert p.retrieved_at.utcoffset() == timedelta(0)
    assert p.published_at == datetime(2022, 4, 26, 10, 30, tzinfo=UTC)  # naive is taken as UTC
    assert p.published_at is not None and p.published_at.tzinfo is not None


@pytest.mark.parametrize("digest", ["abc", SHA.upper(), SHA + "0", "g" * 64])
def test_provenance_needs_a_hex_sha256(digest: str) -> None:
    with pytest.raises(ValidationError, match="snapshot_sha256"):
        provenance(snapshot_sha256=digest)


def test_snapshot_is_addressed_by_sha256_of_its_bytes() -> None:
    empty = Snapshot(source_id="s", url="https://data.unhcr.org/", retrieved_at=datetime(2022, 4, 26), content=b"")
    # the well-known digest of no bytes at all
    assert empty.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    body = b'{"data": {"timeseries": [{"data_date": "2022-02-24", "individuals": 79982}]}}'
    snap = Snapshot(source_id="s", url="u", retrieved_at=datetime(2022, 4, 26, 12, tzinfo=timezone(timedelta(hours=3))),
                    content=body)
    assert snap.sha256 == hashlib.sha256(body).hexdigest()
    assert snap.retrieved_at == datetime(2022, 4, 26, 9, tzinfo=UTC)
    with pytest.raises(ValidationError, match="frozen"):
        snap.content = b"changed"  # type: ignore[misc]
