"""Observations as plain rows, for storing large exports without building a model per figure.

A row is a tuple of an observation's fields in `ROW_COLUMNS` order: what is counted (the
fields of the record key first), the estimate, then the provenance, with datetimes in UTC.
Adapters that read large exports yield rows from `iter_rows` beside `iter_parse`, and
`Store.add_rows` stores them. A row holds exactly what `as_row` gives for the validated
observation; each such adapter's tests check its rows against its observations.
"""

from __future__ import annotations

from typing import Any

from .models import Estimate, Observation, Provenance, record_key

#: The fields of a row, in order; the first `KEY_FIELDS` make its record key.
ROW_COLUMNS: tuple[str, ...] = (
    "source_id", "metric", "group", "area", "place", "as_of", "period_start", "period_end", "scope", "modality",
    "record_id",
    "low", "best", "high", "text", "rule",
    "publisher", "url", "title", "published_at", "retrieved_at", "snapshot_sha256", "locator", "quote",
    "attributed_to", "adapter", "adapter_version",
)
KEY_FIELDS = 11
LOW, BEST, HIGH = ROW_COLUMNS.index("low"), ROW_COLUMNS.index("best"), ROW_COLUMNS.index("high")
RETRIEVED_AT = ROW_COLUMNS.index("retrieved_at")

Row = tuple[Any, ...]

#: Adapters that read prose: their incident figures ("12 killed in Kharkiv on Tuesday") are about
#: one event each, not a complete count of events, so they are never summed into a running total.
PROSE_ADAPTERS = frozenset({"text", "reliefweb", "ohchr"})

#: Publishers that pass on other bodies' figures: their observations belong to the body named
#: (`reconcile.voice_of`). Only a relay's incidents have an attribution that decides their voice.
RELAYS = frozenset({"OCHA Centre for Humanitarian Data (HDX HAPI)", "HDX HAPI", "ReliefWeb", "HDX"})
#: What is trimmed from a publisher before it is looked up in RELAYS: the same set in Python and in
#: SQL (`trim(publisher, SPACES)`), so the stored daily sums and the voices agree on every publisher.
SPACES = " \t\n\r\x0b\x0c"


def is_relay(publisher: object) -> bool:
    """Whether `publisher` passes on other bodies' figures (RELAYS), spaces around it ignored."""
    return isinstance(publisher, str) and publisher.strip(SPACES) in RELAYS


def row_key(row: Row) -> str:
    """The row's record key: the same as its observation's `record_key()`."""
    return record_key(*row[:KEY_FIELDS])


def as_row(obs: Observation) -> Row:
    """An observation as a row: `as_row(obs)[ROW_COLUMNS.index("best")] == obs.estimate.best`."""
    e, p = obs.estimate, obs.provenance
    return (p.source_id, obs.metric, obs.group, obs.area, obs.place, obs.as_of, obs.period_start, obs.period_end,
            obs.scope, obs.modality, obs.record_id,
            e.low, e.best, e.high, e.text, e.rule,
            p.publisher, p.url, p.title, p.published_at, p.retrieved_at, p.snapshot_sha256, p.locator, p.quote,
            p.attributed_to, p.adapter, p.adapter_version)


def from_row(row: Row) -> Observation:
    """The validated observation a row stands for (raises pydantic's ValidationError, a ValueError)."""
    f = dict(zip(ROW_COLUMNS, row, strict=True))
    provenance = Provenance(source_id=f["source_id"], publisher=f["publisher"], url=f["url"], title=f["title"],
                            published_at=f["published_at"], retrieved_at=f["retrieved_at"],
                            snapshot_sha256=f["snapshot_sha256"], locator=f["locator"], quote=f["quote"],
                            attributed_to=f["attributed_to"], adapter=f["adapter"],
                            adapter_version=f["adapter_version"])
    estimate = Estimate(low=f["low"], best=f["best"], high=f["high"], text=f["text"], rule=f["rule"])
    return Observation(metric=f["metric"], group=f["group"], area=f["area"], place=f["place"], as_of=f["as_of"],
                       period_start=f["period_start"], period_end=f["period_end"], scope=f["scope"],
                       modality=f["modality"], record_id=f["record_id"], estimate=estimate, provenance=provenance)
