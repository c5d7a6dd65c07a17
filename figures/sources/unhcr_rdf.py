"""UNHCR Refugee Data Finder API (api.unhcr.org/population/v1): end-of-year refugee and IDP stocks.

Each item is one year, country of origin and country of asylum; `year` is the stock on 31 December
(cumulative scope). Kept: `refugees` (area = origin ISO3, place = the asylum country as UNHCR names
it; rows whose origin is also the asylum country carry none) and `idps` (only rows where origin and
asylum are the same country; place None). Left out, having no metric in the model: asylum_seekers,
returned_refugees, returned_idps, stateless, ooc, oip, hst. A zero arrives as the string "0" and is
a figure (rule `exact`, 0); "-" means not applicable and gives no observation. `coo`/`coa` are
UNHCR's own codes (Germany is GFR); areas come from `coo_iso`/`coa_iso`, and requests say
`cf_type=ISO` when params give ISO3 codes. No auth, no documented rate limit; paging by
`page`/`limit` until `maxPages` (or a short page when `maxPages` is absent).
Incremental: the cursor keeps the latest year seen; the next run asks again from `revisit_years`
years back, as UNHCR revises recent years at each release. Offline replays neither read nor write it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..config import SourceConfig
from ..errors import ParseError, SourceError
from ..models import Estimate, Observation, Provenance, Snapshot
from ._json import count, dig, load_json
from .base import Context, Parsed, get_snapshot

NAME = "unhcr-rdf"
VERSION = "1.0"
NEEDS: tuple[str, ...] = ()

#: A guard against a server that never stops paging.
MAX_PAGES = 500
#: The columns read, and the metric each becomes.
METRICS = {"refugees": "refugees", "idps": "idps"}
NOT_APPLICABLE = "-"
_ISO3 = re.compile(r"^[A-Z]{3}$")


class Params(BaseModel):
    """`params:` of a unhcr-rdf source: `coo: UKR, coa_all: true, year_from: 2021`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    coo: str | None = None
    coa: str | None = None
    coo_all: bool = False
    coa_all: bool = False
    code_type: Literal["ISO", "UNHCR"] = "ISO"
    year_from: int | None = None
    year_to: int | None = None
    limit: int = Field(default=10_000, ge=1, le=100_000)
    revisit_years: int | None = Field(default=2, ge=1)
    base_url: str = "https://api.unhcr.org/population/v1/"
    #: The figures kept (default both). UNHCR's IDPs count everyone displaced, before a war too; a
    #: situation whose IDP figures come from a count since its start (IOM DTM's) keeps refugees only.
    metrics: tuple[Literal["refugees", "idps"], ...] = ("refugees", "idps")

    @field_validator("coo", "coa", mode="before")
    @classmethod
    def _code_text(cls, value: Any) -> Any:
        return str(value).upper() if isinstance(value, (str, int)) and not isinstance(value, bool) else value


def request_url(params: Params, page: int = 1, year_from: int | None = None) -> str:
    """The API URL for one page; `year_from` overrides `params.year_from` (incremental runs)."""
    query: list[tuple[str, Any]] = [("limit", params.limit)]
    start = params.year_from if year_from is None else year_from
    if start is not None:
        query.append(("yearFrom", start))
    if params.year_to is not None:
        query.append(("yearTo", params.year_to))
    for name in ("coo", "coa"):
        if getattr(params, name):
            query.append((name, getattr(params, name)))
    for name in ("coo_all", "coa_all"):
        if getattr(params, name):
            query.append((name, "true"))
    if params.code_type == "ISO":
        query.append(("cf_type", "ISO"))
    query.append(("page", page))
    return str(httpx.URL(f"{params.base_url.rstrip('/')}/population/", params=query))


def fetch(client: httpx.Client, source: SourceConfig, params: Params, ctx: Context) -> list[Snapshot]:
    """Download every page (one snapshot each) and remember the latest year seen."""
    start = _start_year(params, ctx)
    snapshots: list[Snapshot] = []
    latest: int | None = None
    for page in range(1, MAX_PAGES + 1):
        snapshot = get_snapshot(client, source.id, request_url(params, page, start), ctx)
        try:
            document = load_json(snapshot)
        except ParseError as exc:
            raise SourceError(source.id, snapshot.url, f"page {page} could not be read: {exc}") from None
        items = document.get("items") if isinstance(document, dict) else None
        if page > 1 and not items:
            break  # an empty page after the last one: nothing to keep
        snapshots.append(snapshot)
        if not isinstance(items, list) or not items:
            break  # parse says what is wrong with it
        years = [y for y in (_year(i.get("year")) for i in items if isinstance(i, dict)) if y is not None]
        latest = max([latest or 0, *years]) or None
        max_pages = _int(document.get("maxPages"))
        if (max_pages is not None and page >= max_pages) or (max_pages is None and len(items) < params.limit):
            break
    else:
        raise SourceError(source.id, request_url(params, MAX_PAGES, start),
                          f"the API still had pages after {MAX_PAGES}; narrow the request (year_from, coo, coa)")
    if latest is not None and not ctx.offline:
        ctx.cursor = {"latest_year": latest}
    return snapshots


def _start_year(params: Params, ctx: Context) -> int | None:
    latest = _int(ctx.cursor.get("latest_year")) if not ctx.offline else None
    if latest is None or params.revisit_years is None:
        return params.year_from
    return max(params.year_from or 0, latest - params.revisit_years + 1)


def parse(snapshot: Snapshot, source: SourceConfig, params: Params) -> Parsed:
    """Read one page of `population/` into refugee and IDP stocks (pure: no network)."""
    document = load_json(snapshot)
    records = dig(document, ["items"], snapshot)
    if not isinstance(records, list):
        raise ParseError(source.id, snapshot.sha256, f"expected a list, found {type(records).__name__}",
                         field="items")
    out = Parsed()
    where = f"source {source.id!r}, snapshot {snapshot.sha256[:12]}"
    if not records:
        out.problems.append(f"{where}, $.items: the API returned no records; check coo, coa and year_from "
                            "in sources.yaml")
    missing: Counter[str] = Counter()
    first_missing: dict[str, str] = {}
    for i, record in enumerate(records):
        locator = f"$.items[{i}]"
        if not isinstance(record, dict):
            out.problems.append(f"{where}, {locator}: record is {type(record).__name__}, not an object; skipped")
            continue
        for name in ("year", "coo", "coa", *params.metrics):  # a field not wanted is not missed
            if name not in record:
                missing[name] += 1
                first_missing.setdefault(name, locator)
        for field in params.metrics:
            if field not in record or "year" not in record:
                continue
            try:
                found = _observation(record, field, locator, snapshot, source, params)
            except ValueError as exc:
                out.problems.append(f"{where}, {locator}, field {field!r}: {exc}; skipped")
                continue
            if found is not None:
                out.observations.append(found)
    for name, n in missing.items():
        out.problems.append(f"{where}: field {name!r} is missing in {n} of {len(records)} records (first at "
                            f"{first_missing[name]}); the API may have renamed it; those figures were skipped")
    return out


def _observation(record: dict[str, Any], field: str, locator: str, snapshot: Snapshot, source: SourceConfig,
                 params: Params) -> Observation | None:
    raw = record[field]
    if raw == NOT_APPLICABLE or raw is None:
        return None
    asylum = _known(record, "coa") or params.coa
    if asylum is not None and (field == "idps") != _same_country(record, params):
        return None  # refugees in their own country, or IDPs abroad: not applicable
    year = _year(record["year"])
    if year is None:
        raise ValueError(f"year is {record['year']!r}, not a year")
    value = count(raw, field)
    area = _iso(record, "coo", params)
    if area is None:
        raise ValueError(f"the origin has no ISO3 code (coo {record.get('coo')!r}, coo_iso {record.get('coo_iso')!r})")
    place = (_known(record, "coa_name") or asylum) if field == "refugees" else None
    quoted = ("year", "coo_iso", "coa_iso", "coa_name", field)
    return Observation(
        metric=METRICS[field], group="all", area=area, place=place,
        as_of=date(year, 12, 31), scope="cumulative", modality="reported",
        estimate=Estimate.exact(value, text=str(raw)),
        provenance=Provenance(
            source_id=source.id, publisher=source.publisher, url=snapshot.url, title=source.title,
            retrieved_at=snapshot.retrieved_at, snapshot_sha256=snapshot.sha256, locator=f"{locator}.{field}",
            quote=json.dumps({k: record[k] for k in quoted if k in record}, ensure_ascii=False,
                             separators=(",", ":")),
            adapter=NAME, adapter_version=VERSION,
        ),
    )


def _known(record: dict[str, Any], key: str) -> str | None:
    """A field's value unless the dimension is not broken down ("-") or absent."""
    value = record.get(key)
    return value if isinstance(value, str) and value not in ("", NOT_APPLICABLE) else None


def _same_country(record: dict[str, Any], params: Params) -> bool:
    """Whether origin and asylum are one country (the rows that carry IDPs)."""
    for suffix in ("", "_iso"):
        origin, asylum = _known(record, f"coo{suffix}"), _known(record, f"coa{suffix}")
        if origin and asylum:
            return origin == asylum
    return bool(params.coo and params.coo == params.coa)


def _iso(record: dict[str, Any], side: str, params: Params) -> str | None:
    value = record.get(f"{side}_iso")
    if isinstance(value, str) and _ISO3.match(value):
        return value
    chosen = getattr(params, side)
    return chosen if params.code_type == "ISO" and chosen and _ISO3.match(chosen) else None


def _int(value: Any) -> int | None:
    try:
        return count(value, "value")
    except ValueError:
        return None


def _year(value: Any) -> int | None:
    year = _int(value)
    return year if year is not None and 1900 <= year <= 2200 else None
