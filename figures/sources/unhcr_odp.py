"""UNHCR Operational Data Portal (data.unhcr.org): refugee flows and stocks per situation.

`timeseries` gives one figure a day (daily border crossings are incident-scope flows; a
"recorded across Europe" series is a cumulative stock); `sublocation` gives each host country's
total with its own date. The portal revises past days: a re-fetch that changes a day adds a new
row with a later retrieved time. No auth, no paging; the whole series comes in one call.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from ..config import SourceConfig
from ..errors import ParseError
from ..models import Estimate, Metric, Observation, Provenance, Scope, Snapshot
from ._json import count, dig, iso_date, load_json
from .base import Context, Parsed, get_snapshot

NAME = "unhcr-odp"
VERSION = "1.0"


class Params(BaseModel):
    """`params:` of a unhcr-odp source in sources.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: Literal["timeseries", "sublocation", "origin"]
    sv_id: int | None = None
    population_group: str | None = None
    geo_id: int | None = None
    population_collection: int | None = None
    scope: Scope
    metric: Metric = "refugees"
    widget_id: int | None = None
    frequency: Literal["day", "month"] = "day"
    base_url: str = "https://data.unhcr.org"

    @model_validator(mode="after")
    def _needs(self) -> Params:
        wanted = ("geo_id",) if self.endpoint == "origin" else ("sv_id", "population_group")
        missing = [name for name in wanted if getattr(self, name) is None]
        if missing:
            raise ValueError(f"the {self.endpoint} endpoint needs {' and '.join(missing)}")
        return self

    @field_validator("population_group", mode="before")
    @classmethod
    def _group_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


def request_url(params: Params) -> str:
    """The portal URL for these parameters."""
    query: dict[str, Any] = {}
    if params.endpoint == "origin":  # refugees in one host country by origin (geo_id = the host)
        query.update(geo_id=params.geo_id, population_collection=params.population_collection)
        return str(httpx.URL(f"{params.base_url.rstrip('/')}/population/get/origin", params=query))
    if params.widget_id is not None:
        query["widget_id"] = params.widget_id
    query.update(sv_id=params.sv_id, population_group=params.population_group)
    if params.endpoint == "timeseries":
        query["frequency"] = params.frequency
    else:
        query["forcesublocation"] = 0
    query["fromDate"] = "1900-01-01"
    return str(httpx.URL(f"{params.base_url.rstrip('/')}/population/get/{params.endpoint}", params=query))


def fetch(client: httpx.Client, source: SourceConfig, params: Params, ctx: Context) -> list[Snapshot]:
    """Download the whole series (one request) and return it as one snapshot."""
    return [get_snapshot(client, source.id, request_url(params), ctx)]


def parse(snapshot: Snapshot, source: SourceConfig, params: Params) -> Parsed:
    """Read a timeseries or sublocation response into observations (pure: no network)."""
    document = load_json(snapshot)
    title = document.get("situation_view_name") if isinstance(document, dict) else None
    if params.endpoint == "timeseries":
        records, base = dig(document, ["data", "timeseries"], snapshot), "$.data.timeseries"
    else:
        records, base = dig(document, ["data"], snapshot), "$.data"
    if not isinstance(records, list):
        raise ParseError(source.id, snapshot.sha256, f"expected a list, found {type(records).__name__}",
                         field=base.removeprefix("$."))
    out = Parsed()
    if not records:
        out.problems.append(f"source {source.id!r}, snapshot {snapshot.sha256[:12]}, {base}: the portal "
                            "returned no records; check population_group in sources.yaml")
    for i, record in enumerate(records):
        locator = f"{base}[{i}]"
        try:
            out.observations.append(_observation(record, locator, snapshot, source, params, title))
        except ValueError as exc:
            out.problems.append(f"source {source.id!r}, snapshot {snapshot.sha256[:12]}, {locator}: "
                                f"{exc}; record skipped")
    return out


def _observation(record: Any, locator: str, snapshot: Snapshot, source: SourceConfig,
                 params: Params, title: str | None) -> Observation:
    if not isinstance(record, dict):
        raise ValueError(f"record is {type(record).__name__}, not an object")
    date_field = "data_date" if params.endpoint == "timeseries" else "date"
    if date_field not in record:
        raise ValueError(f"field {date_field!r} is missing")
    if "individuals" not in record:
        raise ValueError("field 'individuals' is missing")
    day = iso_date(record[date_field], date_field)
    value = count(record["individuals"], "individuals")
    place = None
    area = source.area
    if params.endpoint in ("sublocation", "origin"):
        place = record.get("geomaster_name")
        if not isinstance(place, str) or not place:
            raise ValueError("field 'geomaster_name' is missing")
    if params.endpoint == "origin":  # the figure is about the people's country of origin
        origin = record.get("pop_origin_code")
        if not isinstance(origin, str) or len(origin) != 3 or not origin.isalpha():
            raise ValueError(f"field 'pop_origin_code' is {origin!r}, not an ISO3 code")
        area = origin.upper()
    incident = params.scope == "incident"
    return Observation(
        metric=params.metric, group="all", area=area, place=place, as_of=day,
        period_start=day if incident else None, period_end=day if incident else None,
        scope=params.scope, modality="reported",
        estimate=Estimate.exact(value, text=str(record["individuals"])),
        provenance=Provenance(
            source_id=source.id, publisher=source.publisher, url=snapshot.url,
            title=title or source.title, retrieved_at=snapshot.retrieved_at,
            snapshot_sha256=snapshot.sha256, locator=locator,
            quote=json.dumps({k: record[k] for k in (date_field, "geomaster_name", "pop_origin_code", "individuals")
                              if k in record}, ensure_ascii=False),
            adapter=NAME, adapter_version=VERSION,
            attributed_to=record.get("source") if isinstance(record.get("source"), str) else None,
        ),
    )
