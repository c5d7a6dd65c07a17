"""HDX Humanitarian API (hapi.humdata.org/api/v1): refugees, IDPs and conflict fatalities, JSON or CSV.

- `coordination-context/conflict-event`: ACLED monthly aggregates per admin area. Fatalities become
  `killed`, scope incident over reference_period_start..end, rule `conservative-count` (ACLED's single
  conservative count: low = best = n, high None). `political_violence` gives group `all`;
  `civilian_targeting` (a subset of political violence: events whose main target was civilians)
  gives group `civilians`, though ACLED does not say every such fatality was a civilian. Event
  counts stay in the quote; demonstrations carry no fatalities (null: no observation).
- `affected-people/refugees`: UNHCR annual stocks; only population_group REF with gender and age
  range `all` (the other groups and the sex/age parts are left out). Area = origin, place = asylum
  country, as_of = reference_period_end, rule `exact`.
- `affected-people/idps`: IOM DTM stocks per admin area and round (one assessment type, BA by
  default), as_of = reference_period_end, rule `exact`.
place = admin2_name, else admin1_name, else None (the whole country). resource_hdx_id is quoted.
Auth: `app_identifier` query param (HDX_HAPI_APP_IDENTIFIER). Paging: `limit` (<= 10,000) and
`offset` until a short page. Incremental: the cursor keeps the latest reference_period_start; the
next run asks `reference_period_start_min` from `revisit_months` before it (HAPI v1 may ignore the
filter, and then the run is simply full). Offline replays neither read nor write the cursor.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..config import SourceConfig
from ..errors import ParseError, SourceError
from ..models import Estimate, Group, Metric, Observation, Provenance, Snapshot
from ._json import count, dig, iso_date, load_json
from .base import Context, Parsed, get_snapshot

NAME = "hdx-hapi"
VERSION = "1.0"
NEEDS: tuple[str, ...] = ("HDX_HAPI_APP_IDENTIFIER",)

MAX_PAGES = 500
CONFLICT, REFUGEES, IDPS = "coordination-context/conflict-event", "affected-people/refugees", "affected-people/idps"
#: Who produced the figures HAPI serves at each endpoint.
ORIGINATOR = {CONFLICT: "ACLED", REFUGEES: "UNHCR", IDPS: "IOM DTM"}
#: ACLED event type -> the group its fatalities count (demonstrations have none).
EVENT_GROUPS: dict[str, Group] = {"political_violence": "all", "civilian_targeting": "civilians"}
#: The fields each endpoint's records must have.
REQUIRED = {
    CONFLICT: ("location_code", "event_type", "fatalities", "reference_period_start", "reference_period_end"),
    REFUGEES: ("origin_location_code", "asylum_location_name", "population_group", "gender", "age_range",
               "population", "reference_period_start", "reference_period_end"),
    IDPS: ("location_code", "assessment_type", "population", "reference_period_start", "reference_period_end"),
}
QUOTED = {
    CONFLICT: ("location_code", "admin1_name", "admin2_name", "event_type", "events", "fatalities",
               "reference_period_start", "reference_period_end", "resource_hdx_id"),
    REFUGEES: ("origin_location_code", "asylum_location_code", "asylum_location_name", "population_group",
               "population", "reference_period_start", "reference_period_end", "resource_hdx_id"),
    IDPS: ("location_code", "admin1_name", "admin2_name", "assessment_type", "reporting_round", "population",
           "reference_period_start", "reference_period_end", "resource_hdx_id"),
}


class Params(BaseModel):
    """`params:` of a hdx-hapi source: `endpoint: coordination-context/conflict-event, location_code: UKR`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: Literal["coordination-context/conflict-event", "affected-people/refugees", "affected-people/idps"]
    location_code: str | None = None
    asylum_location_code: str | None = None
    admin_level: Literal[0, 1, 2] | None = None
    event_type: Literal["political_violence", "civilian_targeting", "demonstration"] | None = None
    assessment_type: str = "BA"
    output_format: Literal["json", "csv"] = "json"
    limit: int = Field(default=10_000, ge=1, le=10_000)
    revisit_months: int | None = Field(default=12, ge=1)
    base_url: str = "https://hapi.humdata.org/api/v1/"

    @field_validator("location_code", "asylum_location_code", mode="before")
    @classmethod
    def _code_text(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _fits_endpoint(self) -> Params:
        if self.event_type and self.endpoint != CONFLICT:
            raise ValueError("event_type only applies to coordination-context/conflict-event")
        if self.asylum_location_code and self.endpoint != REFUGEES:
            raise ValueError("asylum_location_code only applies to affected-people/refugees")
        if self.admin_level is not None and self.endpoint != CONFLICT:
            raise ValueError("admin_level only applies to coordination-context/conflict-event")
        return self


def request_url(params: Params, offset: int = 0, start_min: str | None = None,
                app_identifier: str | None = None) -> str:
    """The API URL for one page; the app identifier is left out unless given."""
    query: list[tuple[str, Any]] = []
    if params.location_code:
        query.append(("origin_location_code" if params.endpoint == REFUGEES else "location_code", params.location_code))
    if params.asylum_location_code:
        query.append(("asylum_location_code", params.asylum_location_code))
    if params.admin_level is not None:
        query.append(("admin_level", str(params.admin_level)))
    if params.event_type:
        query.append(("event_type", params.event_type))
    if start_min:
        query.append(("reference_period_start_min", start_min))
    query.append(("output_format", params.output_format))
    if app_identifier is not None:
        query.append(("app_identifier", app_identifier))
    query += [("limit", params.limit), ("offset", offset)]
    return str(httpx.URL(f"{params.base_url.rstrip('/')}/{params.endpoint}", params=query))


def fetch(client: httpx.Client, source: SourceConfig, params: Params, ctx: Context) -> list[Snapshot]:
    """Download every page (one snapshot each) until a short page; remember the latest period seen."""
    token = ctx.secret("HDX_HAPI_APP_IDENTIFIER")
    start_min = _start_min(params, ctx)
    snapshots: list[Snapshot] = []
    latest: str | None = None
    for page in range(MAX_PAGES):
        url = request_url(params, page * params.limit, start_min, token)
        snapshot = get_snapshot(client, source.id, url, ctx, needed=NEEDS)
        try:
            rows = records(snapshot, params)
        except ParseError as exc:
            raise SourceError(source.id, snapshot.url, f"page {page + 1} could not be read: {exc}") from None
        if page and not rows:
            break  # the page after a full last page is empty: nothing to keep
        snapshots.append(snapshot)
        starts = [str(r["reference_period_start"])[:10] for _, r in rows
                  if isinstance(r, dict) and r.get("reference_period_start")]
        latest = max([latest or "", *starts]) or None
        if len(rows) < params.limit:
            break
    else:
        raise SourceError(source.id, snapshots[-1].url,
                          f"the API still had rows after {MAX_PAGES} pages; narrow the request (location_code)")
    if latest and not ctx.offline:
        ctx.cursor = {"latest_period_start": latest}
    return snapshots


def _start_min(params: Params, ctx: Context) -> str | None:
    latest = None if ctx.offline else ctx.cursor.get("latest_period_start")
    if not isinstance(latest, str) or params.revisit_months is None:
        return None
    try:
        day = date.fromisoformat(latest[:10])
    except ValueError:
        return None
    months = day.year * 12 + day.month - 1 - params.revisit_months
    return date(months // 12, months % 12 + 1, 1).isoformat()


def records(snapshot: Snapshot, params: Params) -> list[tuple[str, dict[str, Any]]]:
    """The page's records with their locators (`$.data[3]`, `csv row 5`); ParseError if unreadable."""
    is_csv = params.output_format == "csv" or (snapshot.content_type or "").startswith("text/csv")
    if not is_csv:
        data = dig(load_json(snapshot), ["data"], snapshot)
        if not isinstance(data, list):
            raise ParseError(snapshot.source_id, snapshot.sha256, f"expected a list, found {type(data).__name__}",
                             field="data")
        return [(f"$.data[{i}]", r) for i, r in enumerate(data)]
    try:
        text = snapshot.content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(snapshot.source_id, snapshot.sha256, f"the CSV is not UTF-8 text: {exc}") from None
    if not text.strip():
        return []  # HAPI answers a query with no rows with an empty body
    if text.lstrip()[:1] in ("<", "{"):
        raise ParseError(snapshot.source_id, snapshot.sha256,
                         f"the server sent an HTML page or JSON instead of CSV from {snapshot.url}; "
                         "check output_format and the url in sources.yaml")
    if not text.endswith(("\n", "\r")):
        raise ParseError(snapshot.source_id, snapshot.sha256, "truncated CSV (the last line has no line end)")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if "reference_period_start" not in (reader.fieldnames or []):
        raise ParseError(snapshot.source_id, snapshot.sha256, "the CSV header has no such column; the source "
                         "may have changed its format", field="reference_period_start")
    return [(f"csv row {reader.line_num}", row) for row in reader]


def parse(snapshot: Snapshot, source: SourceConfig, params: Params) -> Parsed:
    """Read one page of a HAPI endpoint into observations (pure: no network)."""
    out = Parsed()
    where = f"source {source.id!r}, snapshot {snapshot.sha256[:12]}"
    rows = records(snapshot, params)
    if not rows:
        out.problems.append(f"{where}: the API returned no records; check location_code in sources.yaml")
    missing: Counter[str] = Counter()
    first_missing: dict[str, str] = {}
    seen: dict[str, tuple[str, tuple[int, int | None, int | None]]] = {}
    for locator, row in rows:
        if not isinstance(row, dict):
            out.problems.append(f"{where}, {locator}: record is {type(row).__name__}, not an object; skipped")
            continue
        absent = [f for f in REQUIRED[params.endpoint] if f not in row]
        for field in absent:
            missing[field] += 1
            first_missing.setdefault(field, locator)
        if absent:
            continue
        try:
            found = _observation(row, locator, snapshot, source, params)
        except ValueError as exc:
            out.problems.append(f"{where}, {locator}: {exc}; skipped")
            continue
        if found is None:
            continue
        key, value = found.record_key(), (found.estimate.low, found.estimate.best, found.estimate.high)
        if key in seen and seen[key][1] != value:
            out.problems.append(f"{where}, {locator}: another figure for the same place and period as "
                                f"{seen[key][0]} ({value[1]} vs {seen[key][1][1]}); kept the first")
            continue
        if key not in seen:
            seen[key] = (locator, value)
            out.observations.append(found)
    for name, n in missing.items():
        out.problems.append(f"{where}: field {name!r} is missing in {n} of {len(rows)} records (first at "
                            f"{first_missing[name]}); the API may have renamed it; those figures were skipped")
    return out


def _observation(row: dict[str, Any], locator: str, snapshot: Snapshot, source: SourceConfig,
                 params: Params) -> Observation | None:
    endpoint = params.endpoint
    start = iso_date(row["reference_period_start"], "reference_period_start")
    end_raw = row.get("reference_period_end")
    end = iso_date(end_raw, "reference_period_end") if end_raw not in (None, "") else None
    metric: Metric
    group: Group = "all"
    if endpoint == CONFLICT:
        group_of = EVENT_GROUPS.get(str(row["event_type"]))
        if group_of is None or row["fatalities"] in (None, ""):
            return None  # demonstrations: events only
        if end is None:
            raise ValueError("field 'reference_period_end' is empty; an event count needs its window")
        n = count(row["fatalities"], "fatalities")
        metric, group, area, place = "killed", group_of, row["location_code"], _admin_place(row)
        estimate = Estimate(low=n, best=n, high=None, text=str(row["fatalities"]), rule="conservative-count")
    elif endpoint == REFUGEES:
        if (str(row["population_group"]).upper(), str(row["gender"]).lower(), str(row["age_range"]).lower()) != (
                "REF", "all", "all") or row["origin_location_code"] == row.get("asylum_location_code"):
            return None  # other groups, and the sex/age parts of the total
        metric, area, place = "refugees", row["origin_location_code"], row["asylum_location_name"]
        estimate = Estimate.exact(count(row["population"], "population"), text=str(row["population"]))
    else:
        if str(row["assessment_type"]).upper() != params.assessment_type.upper():
            return None
        metric, area, place = "idps", row["location_code"], _admin_place(row)
        estimate = Estimate.exact(count(row["population"], "population"), text=str(row["population"]))
    incident = endpoint == CONFLICT
    return Observation(
        metric=metric, group=group, area=str(area), place=place or None, as_of=end or start,
        period_start=start if incident else None, period_end=end if incident else None,
        scope="incident" if incident else "cumulative", modality="reported", estimate=estimate,
        provenance=Provenance(
            source_id=source.id, publisher=source.publisher, url=snapshot.url, title=source.title,
            retrieved_at=snapshot.retrieved_at, snapshot_sha256=snapshot.sha256, locator=locator,
            quote=json.dumps({k: row[k] for k in QUOTED[endpoint] if k in row}, ensure_ascii=False,
                             separators=(",", ":")),
            adapter=NAME, adapter_version=VERSION, attributed_to=ORIGINATOR[endpoint],
        ),
    )


def _admin_place(row: dict[str, Any]) -> str | None:
    for key in ("admin2_name", "admin1_name"):
        value = row.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None
