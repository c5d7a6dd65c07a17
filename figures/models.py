"""The data model: ranges, observations with provenance, and raw snapshots.

Every figure is an `Estimate` (low, best, high and the words it came from); an
`Observation` says what it counts, where and when, and where it came from.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

Metric = Literal["killed", "injured", "casualties", "missing", "refugees", "idps", "displaced"]
Group = Literal["civilians", "military", "children", "all"]
Scope = Literal["cumulative", "incident"]
Modality = Literal["reported", "projection"]

METRICS: tuple[str, ...] = Metric.__args__  # type: ignore[attr-defined]
GROUPS: tuple[str, ...] = Group.__args__  # type: ignore[attr-defined]

#: HXL hashtag for each metric, for exports to the Humanitarian Data Exchange.
HXL_TAGS: dict[str, str] = {
    "killed": "#affected+killed",
    "injured": "#affected+injured",
    "casualties": "#affected+casualties",
    "missing": "#affected+missing",
    "refugees": "#affected+refugees",
    "idps": "#affected+idps",
    "displaced": "#affected+displaced",
}


def utc(moment: datetime) -> datetime:
    """Return `moment` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class Estimate(BaseModel):
    """A stated figure as an honest range: `Estimate(low=726, best=726, high=726, text="726")`.

    `high=None` means the words give no upper bound; `best=None` means they give no point figure.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    low: int = Field(ge=0)
    best: int | None = Field(default=None, ge=0)
    high: int | None = Field(default=None, ge=0)
    text: str
    rule: str = "exact"

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.best is not None and self.best < self.low:
            raise ValueError(f"best {self.best} is below low {self.low} in {self.text!r}")
        if self.high is not None:
            if self.high < self.low:
                raise ValueError(f"high {self.high} is below low {self.low} in {self.text!r}")
            if self.best is not None and self.best > self.high:
                raise ValueError(f"best {self.best} is above high {self.high} in {self.text!r}")
        return self

    @classmethod
    def exact(cls, value: int, text: str | None = None, rule: str = "exact") -> Estimate:
        """A point figure: `Estimate.exact(79982)` is 79,982 / 79,982 / 79,982."""
        return cls(low=value, best=value, high=value, text=str(value) if text is None else text, rule=rule)


class Provenance(BaseModel):
    """Where an observation came from, down to the field or characters in the raw snapshot."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source_id: str
    publisher: str
    url: str
    title: str | None = None
    published_at: datetime | None = None
    retrieved_at: datetime
    snapshot_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    locator: str
    quote: str
    adapter: str
    adapter_version: str
    attributed_to: str | None = None

    @field_validator("published_at", "retrieved_at")
    @classmethod
    def _to_utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else utc(value)


class Observation(BaseModel):
    """An estimate of a metric for a group in an area on a date, with its provenance."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: Metric
    group: Group = "all"
    area: str = Field(pattern=r"^[A-Z]{3}$")
    place: str | None = None
    as_of: date
    period_start: date | None = None
    period_end: date | None = None
    scope: Scope = "cumulative"
    modality: Modality = "reported"
    estimate: Estimate
    provenance: Provenance
    #: The source's own id for the record (ACLED `event_id_cnty`, UCDP event `id`), when it has one:
    #: two events at one place on one day are two records, and a revision keeps the id.
    record_id: str | None = None

    @model_validator(mode="after")
    def _period(self) -> Self:
        if (self.period_start is None) != (self.period_end is None):
            raise ValueError("period_start and period_end come together")
        if self.period_start and self.period_end and self.period_start > self.period_end:
            raise ValueError(f"period_start {self.period_start} is after period_end {self.period_end}")
        if self.scope == "incident" and self.period_start is None:
            raise ValueError("an incident-scope observation needs period_start and period_end")
        return self

    @property
    def rule(self) -> str:
        """The normalisation rule that produced the estimate."""
        return self.estimate.rule

    def record_key(self) -> str:
        """What the figure is about, without its value: a revision shares the key."""
        return record_key(self.provenance.source_id, self.metric, self.group, self.area, self.place, self.as_of,
                          self.period_start, self.period_end, self.scope, self.modality, self.record_id)


def record_key(source_id: str, metric: str, group: str, area: str, place: str | None, as_of: date,
               period_start: date | None, period_end: date | None, scope: str, modality: str,
               record_id: str | None) -> str:
    """`Observation.record_key` from the fields themselves (for rows stored without a model)."""
    parts = (source_id, metric, group, area, place or "", as_of.isoformat(), str(period_start or ""),
             str(period_end or ""), scope, modality, record_id or "")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class Snapshot(BaseModel):
    """Raw bytes exactly as a source served them, addressed by their sha256."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source_id: str
    url: str
    retrieved_at: datetime
    content: bytes
    content_type: str | None = None

    @field_validator("retrieved_at")
    @classmethod
    def _to_utc(cls, value: datetime) -> datetime:
        return utc(value)

    _digest: tuple[bytes, str] | None = PrivateAttr(default=None)

    @property
    def sha256(self) -> str:
        """The hex sha256 of the content: the snapshot's address in the store.

        Kept with the very bytes it was computed from, so a copy with other content gets its own.
        """
        cached = self._digest
        if cached is not None and cached[0] is self.content:
            return cached[1]
        digest = hashlib.sha256(self.content).hexdigest()
        self._digest = (self.content, digest)
        return digest
