"""IOM Displacement Tracking Matrix API v3: internally displaced people present, by area and round.

`GET https://dtmapi.iom.int/v3/displacement/admin{0,1,2}` with an `Ocp-Apim-Subscription-Key`
header answers `{"result": [...], "statusCode": 200, "isSuccess": true, "errorMessages": [],
"totalRecordsCount": n}`. Each record is a stock: `numPresentIdpInd` people displaced and present
in the area as of `reportingDate` (a survey round's end, or a registration month), in round
`roundNumber` of an `operation`. No paging is documented; when an answer holds fewer records than
`totalRecordsCount`, fetch halves the reporting-date window until every answer is whole.

Rules this adapter introduces (besides `exact` for a figure served as one record):

- `sum-of-records`: v3 splits one area's figure on one date into records by displacement reason
  and origin admin 1; the observation is their sum (as HDX HAPI sums them), and its text lists the
  parts as served ("1794000 + 562000").

Operations count different things (Ukraine: "Displacement due to Conflict in Ukraine" is the
General Population Survey estimate of IDPs present; "... (Registration)" counts IDPs in the
government register): never add them up. Set `operation`; figures of two operations for the same
place and date are skipped with a problem. Incremental: the cursor keeps the latest
`reportingDate` and round stored; the next run asks only for later reporting dates.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from ..config import SourceConfig
from ..errors import ParseError, SourceError
from ..models import Estimate, Observation, Provenance, Snapshot
from ._json import count, dig, iso_date, load_json
from .base import Context, Parsed, get_snapshot

NAME = "iom-dtm"
VERSION = "1.0"
NEEDS: tuple[str, ...] = ("IOM_DTM_SUBSCRIPTION_KEY",)
HEADER = "Ocp-Apim-Subscription-Key"
#: Requests one fetch may make while splitting an incomplete answer by date.
MAX_REQUESTS = 64
#: The fields that tell one split of an area's figure from another.
SPLIT_FIELDS = ("displacementReason", "idpOriginAdmin1Name", "idpOriginAdmin1Pcode")


class Params(BaseModel):
    """`params:` of an iom-dtm source: the admin level and the API's filters (snake_case)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    admin_level: Literal[0, 1, 2] = 0
    operation: str | None = None
    country_name: str | None = None
    admin0_pcode: str | None = None
    admin1_name: str | None = None
    admin1_pcode: str | None = None
    from_date: date | None = None
    to_date: date | None = None
    from_round: int | None = None
    to_round: int | None = None
    base_url: str = "https://dtmapi.iom.int"

    @field_validator("operation", "country_name", "admin0_pcode", "admin1_name", "admin1_pcode",
                     mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _filtered(self) -> Params:
        if not (self.operation or self.country_name or self.admin0_pcode):
            raise ValueError("the API needs one of operation, country_name or admin0_pcode")
        if self.from_date and self.to_date and self.from_date > self.to_date:
            raise ValueError(f"from_date {self.from_date} is after to_date {self.to_date}")
        return self


def request_url(params: Params, start: date | None = None, end: date | None = None) -> str:
    """The API URL for these filters; `start`/`end` replace from_date/to_date (incremental, splits)."""
    query = {
        "Operation": params.operation, "CountryName": params.country_name,
        "Admin0Pcode": params.admin0_pcode, "Admin1Name": params.admin1_name,
        "Admin1Pcode": params.admin1_pcode,
        "FromReportingDate": start or params.from_date, "ToReportingDate": end or params.to_date,
        "FromRoundNumber": params.from_round, "ToRoundNumber": params.to_round,
    }
    kept = {k: str(v) for k, v in query.items() if v is not None}
    base = f"{params.base_url.rstrip('/')}/v3/displacement/admin{params.admin_level}"
    return str(httpx.URL(base, params=kept))


def fetch(client: httpx.Client, source: SourceConfig, params: Params, ctx: Context) -> list[Snapshot]:
    """Ask for every record after the cursor; split the date window while answers come back short."""
    token = ctx.secret(NEEDS[0])
    headers = {HEADER: token}
    query = request_url(params.model_copy(update={"from_date": None, "to_date": None}))
    start = params.from_date
    if ctx.cursor.get("query") == query and ctx.cursor.get("reportingDate"):
        after = date.fromisoformat(ctx.cursor["reportingDate"]) + timedelta(days=1)
        start = max(start, after) if start else after
    if start and params.to_date and start > params.to_date:
        return []
    windows: list[tuple[date | None, date | None]] = [(start, params.to_date)]
    snapshots: list[Snapshot] = []
    asked = 0
    while windows:
        asked += 1
        if asked > MAX_REQUESTS:
            raise SourceError(source.id, request_url(params), f"more than {MAX_REQUESTS} requests would be "
                              "needed to read every record; narrow from_date/to_date in sources.yaml")
        low, high = windows.pop(0)
        snapshot = get_snapshot(client, source.id, request_url(params, low, high), ctx, needed=NEEDS,
                                headers=headers)
        served, total = _peek(snapshot.content)
        if total is None or total <= served:
            snapshots.append(snapshot)
            continue
        if low is None:
            raise SourceError(source.id, snapshot.url, f"the API sent {served} of {total} records; set "
                              "params.from_date (for Ukraine 2022-02-24) so the request can be split by date")
        top = high or datetime.now(UTC).date()
        if low >= top:  # one day cannot be split: keep it, parse reports the shortfall
            snapshots.append(snapshot)
            continue
        middle = low + (top - low) // 2
        windows[:0] = [(low, middle), (middle + timedelta(days=1), top)]
    ctx.cursor = _advance(ctx.cursor, query, snapshots)
    return snapshots


def _peek(content: bytes) -> tuple[int, int | None]:
    """How many records an answer holds and how many it says match (None if unreadable)."""
    try:
        document = json.loads(content)
        records, total = document["result"], document.get("totalRecordsCount")
    except (ValueError, TypeError, KeyError, AttributeError):
        return 0, None  # parse will say what is wrong with it
    if not isinstance(records, list) or not isinstance(total, int) or isinstance(total, bool):
        return 0, None
    return len(records), total


def _advance(cursor: dict[str, Any], query: str, snapshots: list[Snapshot]) -> dict[str, Any]:
    """The cursor after these answers: the latest reporting date served (and its highest round)."""
    latest = (cursor.get("reportingDate"), cursor.get("roundNumber")) if cursor.get("query") == query \
        else (None, None)
    for snapshot in snapshots:
        try:
            records = json.loads(snapshot.content)["result"]
        except (ValueError, TypeError, KeyError):
            continue
        for record in records if isinstance(records, list) else []:
            try:
                day = iso_date(record.get("reportingDate"), "reportingDate").isoformat()
            except (ValueError, AttributeError):
                continue
            round_number = record.get("roundNumber") if isinstance(record.get("roundNumber"), int) else None
            if latest[0] is None or day > latest[0] or (day == latest[0] and (round_number or 0) > (latest[1] or 0)):
                latest = (day, round_number)
    if latest[0] is None:
        return dict(cursor)
    return {"query": query, "reportingDate": latest[0], "roundNumber": latest[1]}


def parse(snapshot: Snapshot, source: SourceConfig, params: Params) -> Parsed:
    """Read one API answer into IDP stocks, one per operation, area and reporting date (pure)."""
    document = load_json(snapshot)
    if not isinstance(document, dict):
        raise ParseError(source.id, snapshot.sha256, f"expected a JSON object, found {type(document).__name__}",
                         field="result")
    if document.get("isSuccess") is False:
        errors = "; ".join(str(e) for e in document.get("errorMessages") or []) or "no message"
        raise ParseError(source.id, snapshot.sha256, f"the API reported failure: {errors}", field="isSuccess")
    records = dig(document, ["result"], snapshot)
    if not isinstance(records, list):
        raise ParseError(source.id, snapshot.sha256, f"expected a list, found {type(records).__name__}",
                         field="result")
    out = Parsed()
    where = f"source {source.id!r}, snapshot {snapshot.sha256[:12]}"
    total = document.get("totalRecordsCount")
    if isinstance(total, int) and total > len(records):
        out.problems.append(f"{where}, $.result: the API sent {len(records)} of {total} records; "
                            "narrow from_date/to_date in sources.yaml")
    asked_from = httpx.URL(snapshot.url).params.get("FromReportingDate")
    first_ask = asked_from is None or (params.from_date is not None and asked_from == params.from_date.isoformat())
    if not records and first_ask:
        out.problems.append(f"{where}, $.result: the API returned no records; check operation, "
                            "country_name and admin0_pcode in sources.yaml")
    groups: dict[tuple[Any, ...], list[tuple[int, dict[str, Any]]]] = {}
    other_operations: set[str] = set()
    for i, record in enumerate(records):
        try:
            key = _group_key(record, params, source)
        except ValueError as exc:
            out.problems.append(f"{where}, $.result[{i}]: {exc}; record skipped")
            continue
        if params.operation and key[0] != params.operation:
            other_operations.add(key[0])
            continue
        groups.setdefault(key, []).append((i, record))
    if other_operations:
        out.problems.append(f"{where}: records of other operations ({', '.join(sorted(other_operations))}) "
                            f"skipped; sources.yaml asks for {params.operation!r}")
    claimed: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    for key in groups:
        claimed.setdefault((key[1], key[2], key[3]), []).append(key)
    for (area, place, day), keys in claimed.items():
        if len(keys) > 1:
            names = ", ".join(sorted({f"{k[0]} round {k[4]}" for k in keys}))
            out.problems.append(f"{where}: {place or area} on {day} is reported by {names}; these count "
                                "different things, so none was kept; set params.operation")
            continue
        members, notes = _deduplicated(groups[keys[0]])
        out.problems.extend(f"{where}, {note}" for note in notes)
        if members:
            out.observations.append(_observation(keys[0], members, snapshot, source))
    return out


def _place_field(params: Params) -> str | None:
    return {0: None, 1: "admin1Name", 2: "admin2Name"}[params.admin_level]


def _group_key(record: Any, params: Params, source: SourceConfig) -> tuple[Any, ...]:
    """(operation, area, place, date, round, assessment type) of a readable record; ValueError otherwise."""
    if not isinstance(record, dict):
        raise ValueError(f"record is {type(record).__name__}, not an object")
    for name in ("operation", "reportingDate", "numPresentIdpInd"):
        if name not in record:
            raise ValueError(f"field {name!r} is missing")
    operation = record["operation"]
    if not isinstance(operation, str) or not operation:
        raise ValueError(f"field 'operation' is {operation!r}")
    day = iso_date(record["reportingDate"], "reportingDate")
    count(record["numPresentIdpInd"], "numPresentIdpInd")
    place_field = _place_field(params)
    place = None
    if place_field:
        place = record.get(place_field)
        if not isinstance(place, str) or not place.strip():
            raise ValueError(f"field {place_field!r} is missing")
    pcode = record.get("admin0Pcode")
    area = pcode if isinstance(pcode, str) and len(pcode) == 3 and pcode.isalpha() and pcode.isupper() \
        else source.area
    round_number = record.get("roundNumber")
    return (operation, area, place, day, round_number, record.get("assessmentType"))


def _deduplicated(members: list[tuple[int, dict[str, Any]]]) -> tuple[list[tuple[int, dict[str, Any]]], list[str]]:
    """The records of one figure, each split once: a repeat is dropped; a repeat that differs voids the figure."""
    kept: dict[tuple[Any, ...], tuple[int, dict[str, Any]]] = {}
    notes: list[str] = []
    for i, record in members:
        split = tuple(record.get(f) for f in SPLIT_FIELDS)
        if split not in kept:
            kept[split] = (i, record)
            continue
        first, earlier = kept[split]
        if _without_id(record) != _without_id(earlier):
            return [], [f"$.result[{first}] and $.result[{i}]: the same split with different figures "
                        f"({earlier['numPresentIdpInd']} and {record['numPresentIdpInd']}); figure skipped"]
        notes.append(f"$.result[{i}]: repeats $.result[{first}]; counted once")
    return list(kept.values()), notes


def _without_id(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "id"}


def _observation(key: tuple[Any, ...], members: list[tuple[int, dict[str, Any]]], snapshot: Snapshot,
                 source: SourceConfig) -> Observation:
    operation, area, place, day, round_number, _ = key
    values = [str(r["numPresentIdpInd"]) for _, r in members]
    total = sum(count(r["numPresentIdpInd"], "numPresentIdpInd") for _, r in members)
    first = members[0][1]
    quote: dict[str, Any] = {k: first[k] for k in ("operation", "admin0Pcode", "admin1Name", "admin2Name",
                                                  "reportingDate", "roundNumber") if k in first}
    if len(members) == 1:
        estimate = Estimate.exact(total, text=values[0])
        quote["numPresentIdpInd"] = first["numPresentIdpInd"]
    else:
        estimate = Estimate.exact(total, text=" + ".join(values), rule="sum-of-records")
        quote["numPresentIdpInd"] = [r["numPresentIdpInd"] for _, r in members]
        for name in SPLIT_FIELDS[:2]:
            quote[name] = [r.get(name) for _, r in members]
    return Observation(
        metric="idps", group="all", area=area, place=place, as_of=day, scope="cumulative",
        modality="reported", estimate=estimate,
        provenance=Provenance(
            source_id=source.id, publisher=source.publisher, url=snapshot.url, title=source.title,
            retrieved_at=snapshot.retrieved_at, snapshot_sha256=snapshot.sha256,
            locator=f"$.result[{','.join(str(i) for i, _ in members)}]",
            quote=json.dumps(quote, ensure_ascii=False), adapter=NAME, adapter_version=VERSION,
        ),
    )
