"""UCDP Georeferenced Event Dataset (GED): deaths per event as low/best/high, from the API or the CSV.

The API (`/api/gedevents/<version>`, token in the `x-ucdp-access-token` header since February
2026) serves pages of `pagesize` events; `fetch` asks for page 0, 1, ... with the same filters until
`NextPageUrl` is empty or `TotalPages` is reached. It builds each page's URL itself rather than
following `NextPageUrl`, so the token is only ever sent to the configured host. `format: csv` reads
the GED CSV download instead (UCDP's own, dates `2013-12-13 00:00:00.000`, or HDX's per-country
export with an `iso3` column and an HXL hashtag row), fetched from `csv_url` in one piece.

Each event gives two incident-scope observations, period = the event window `date_start` to
`date_end`, as_of = `date_end`:
- killed / all: rule `source-range`, `Estimate(low, best, high)` exactly as UCDP codes them;
- killed / civilians: `deaths_civilians`, for which UCDP gives a best estimate only; rule `exact`.
`date_prec` (1 = the day is known ... 5 = only the year) is kept in the quote: the window already
says how precise the date is, so events are neither narrowed nor spread over days.
Area: ISO3 of the event's country (Gleditsch-Ward `country_id`; HDX's `iso3`; else the name).
Place: `where_coordinates, adm_1` as written; the event `id` is the observation's `record_id`, so
two events at one place on one day stay two records and a revised event keeps its id.

Incremental: the cursor keeps the version and the latest `date_end` seen; a later run of the same
version asks only for events from that day on (`StartDate`); a new version is fetched whole.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from functools import partial
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..config import SourceConfig
from ..errors import ParseError, SourceError
from ..gazetteer import country as country_iso3
from ..models import Estimate, Observation, Provenance, Snapshot
from ..rows import Row
from ._csv import content_format, csv_quote, csv_records, quote_fields
from ._json import count, iso_date, load_json
from ._rows import record_rows
from .base import Context, Parsed, collect, get_snapshot, skipped_record

NAME = "ucdp-ged"
VERSION = "1.0"
NEEDS: tuple[str, ...] = ("UCDP_ACCESS_TOKEN",)

log = logging.getLogger(__name__)

#: Gleditsch-Ward country code (UCDP `country_id`) -> ISO 3166 alpha-3; add a row for a new country.
GW_ISO3: dict[int, str] = {
    41: "HTI", 70: "MEX", 100: "COL", 101: "VEN", 359: "MDA", 365: "RUS", 369: "UKR", 370: "BLR",
    371: "ARM", 372: "GEO", 373: "AZE", 432: "MLI", 436: "NER", 439: "BFA", 471: "CMR", 475: "NGA",
    482: "CAF", 483: "TCD", 490: "COD", 500: "UGA", 501: "KEN", 520: "SOM", 530: "ETH", 531: "ERI",
    541: "MOZ", 620: "LBY", 625: "SDN", 626: "SSD", 630: "IRN", 640: "TUR", 645: "IRQ", 651: "EGY",
    652: "SYR", 660: "LBN", 666: "ISR", 679: "YEM", 700: "AFG", 750: "IND", 770: "PAK", 771: "BGD",
    775: "MMR",
}

#: Fields every event needs; a CSV without one of these columns is not a GED file.
REQUIRED = ("id", "date_start", "date_end", "low", "best", "high")
#: Fields kept in each observation's quote, in this order.
QUOTED = ("id", "date_start", "date_end", "date_prec", "country", "country_id", "iso3", "adm_1",
          "where_coordinates", "low", "best", "high", "deaths_civilians")
#: The columns parse reads: a CSV record keeps only these.
READ = frozenset((*QUOTED, "source_office"))
MAX_PAGES = 1000


class Params(BaseModel):
    """`params:` of a ucdp-ged source in sources.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = "25.1"
    country: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    pagesize: int = Field(default=1000, ge=1, le=1000)
    max_pages: int = Field(default=MAX_PAGES, ge=1)
    format: Literal["json", "csv"] = "json"
    csv_url: str | None = None
    base_url: str = "https://ucdpapi.pcr.uu.se/api"

    @field_validator("version", mode="before")
    @classmethod
    def _quoted_version(cls, value: Any) -> Any:
        if isinstance(value, (int, float)):
            raise ValueError(f"quote the version, e.g. version: \"{value}\" (YAML reads 25.10 as the number 25.1)")
        return value

    @field_validator("country", mode="before")
    @classmethod
    def _gw_codes(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, list):
            return ",".join(str(v) for v in value)
        if isinstance(value, str) and not all(p.strip().isdigit() for p in value.split(",")):
            raise ValueError(f"{value!r} is not a Gleditsch-Ward code or a comma list of them (Ukraine is 369)")
        return value


def request_url(params: Params, page: int = 0, start: date | None = None) -> str:
    """The API URL of one page: `.../gedevents/25.1?pagesize=1000&page=0&Country=369&StartDate=...`."""
    query: dict[str, Any] = {"pagesize": params.pagesize, "page": page}
    if params.country:
        query["Country"] = params.country
    first = start or params.start_date
    if first:
        query["StartDate"] = first.isoformat()
    if params.end_date:
        query["EndDate"] = params.end_date.isoformat()
    return str(httpx.URL(f"{params.base_url.rstrip('/')}/gedevents/{params.version}", params=query))


def fetch(client: httpx.Client, source: SourceConfig, params: Params, ctx: Context) -> list[Snapshot]:
    """Every page of events for these filters (one snapshot each); newer events only on a re-run."""
    if params.format == "csv":
        if not params.csv_url:
            raise SourceError(source.id, "-", "format: csv needs params.csv_url (the GED CSV download)")
        return [get_snapshot(client, source.id, params.csv_url, ctx)]
    start = params.start_date
    last_end = ctx.cursor.get("date_end") if ctx.cursor.get("version") == params.version else None
    if last_end:
        start = max(start, date.fromisoformat(last_end)) if start else date.fromisoformat(last_end)
    headers = {"x-ucdp-access-token": ctx.secret("UCDP_ACCESS_TOKEN")}
    out: list[Snapshot] = []
    latest = last_end
    for page in range(params.max_pages):
        url = request_url(params, page, start)
        snapshot = get_snapshot(client, source.id, url, ctx, needed=NEEDS, headers=headers)
        out.append(snapshot)
        document = load_json(snapshot)
        records = document.get("Result") if isinstance(document, dict) else None
        if not isinstance(records, list):
            raise ParseError(source.id, snapshot.sha256, "the response has no 'Result' list; the API may have "
                             "changed its format or answered with an error", field="Result")
        for record in records:
            end = record.get("date_end") if isinstance(record, dict) else None
            if isinstance(end, str) and (latest is None or end[:10] > latest):
                latest = end[:10]
        total = document.get("TotalPages")
        if not records or not document.get("NextPageUrl") or (isinstance(total, int) and page + 1 >= total):
            break
    else:
        raise SourceError(source.id, request_url(params, params.max_pages, start),
                          f"more than {params.max_pages} pages; narrow StartDate/EndDate or raise params.max_pages")
    ctx.cursor = {"version": params.version, "date_end": latest} if latest else {"version": params.version}
    log.info("source %r: %d page(s) of GED %s from %s", source.id, len(out), params.version, start or "the start")
    return out


def parse(snapshot: Snapshot, source: SourceConfig, params: Params) -> Parsed:
    """Read an API page (or a bare list of `Result` records) or a GED CSV into observations (pure)."""
    return collect(iter_parse, snapshot, source, params)


def iter_parse(snapshot: Snapshot, source: SourceConfig, params: Params, problems: list[str]) -> Iterator[Observation]:
    """`parse`, lazily: one event's observations at a time, skipped records added to `problems`.

    For a large CSV stored in chunks within one transaction (memory stays flat).
    """
    rows = _csv_records(snapshot) if _format(snapshot, params) == "csv" else _json_records(snapshot)
    sha = snapshot.sha256
    for locator, record in rows:
        try:
            yield from _observations(record, locator, snapshot, sha, source, problems)
        except ValueError as exc:
            problems.append(skipped_record(source.id, sha, locator, exc))


def iter_rows(snapshot: Snapshot, source: SourceConfig, params: Params, problems: list[str]) -> Iterator[Row]:
    """`iter_parse` as rows for `Store.add_rows` (`figures.rows`): the same figures, the same problems.

    A clean record becomes rows directly; any other goes through `_observations`, so a bad record
    is skipped (or its civilian deaths are) with the very message `iter_parse` gives.
    """
    sha = snapshot.sha256
    observations = partial(_observations, snapshot=snapshot, sha=sha, source=source, problems=problems)
    if _format(snapshot, params) == "csv":  # the row maker made from the first whole event: every other has its columns
        return record_rows(_csv_records(snapshot), observations, problems, source.id, sha,
                           first=lambda record: _row_maker(snapshot, source, csv_quote(record, QUOTED)))
    return record_rows(_json_records(snapshot), observations, problems, source.id, sha,
                       rows=_row_maker(snapshot, source, lambda record: quote_fields(record, QUOTED)))


def _json_records(snapshot: Snapshot) -> Iterator[tuple[str, Any]]:
    document = load_json(snapshot)
    if isinstance(document, list):  # records saved without the envelope
        records, base = document, "$"
    elif isinstance(document, dict) and isinstance(document.get("Result"), list):
        records, base = document["Result"], "$.Result"
    else:
        raise ParseError(snapshot.source_id, snapshot.sha256, "expected the API envelope with a 'Result' list "
                         "(or a list of events); the API may have changed its format", field="Result")
    for i, record in enumerate(records):
        yield f"{base}[{i}]", record


def _format(snapshot: Snapshot, params: Params) -> str:
    return content_format(snapshot, params.format)


def _needs_a_country(snapshot: Snapshot) -> Callable[[list[str]], None]:
    def check(header: list[str]) -> None:
        if not {"iso3", "country_id", "country"} & set(header):
            raise ParseError(snapshot.source_id, snapshot.sha256, "the CSV names no country (iso3, country_id or "
                             "country)", field="country_id")
    return check


def _csv_records(snapshot: Snapshot) -> Iterator[tuple[str, dict[str, str]]]:
    return csv_records(snapshot, REQUIRED, "the GED CSV download",
                       "check params.csv_url and params.format in sources.yaml", empty_ok=False, skip_hxl=True,
                       check_header=_needs_a_country(snapshot), fields=READ)


def _area(record: Mapping[str, Any]) -> str:
    iso3 = record.get("iso3")
    if isinstance(iso3, str) and len(iso3) == 3 and iso3.isalpha() and iso3.isupper():
        return iso3
    gw = record.get("country_id")
    try:
        code = int(gw) if gw not in (None, "") else None
    except (TypeError, ValueError):
        code = None
    if code in GW_ISO3:
        return GW_ISO3[code]
    name = record.get("country")
    found = country_iso3(name) if isinstance(name, str) else None
    if found:
        return found
    raise ValueError(f"country_id {gw!r} ({name!r}) has no ISO3 code in ucdp_ged.GW_ISO3; add it there")


def _place(record: Mapping[str, Any]) -> str | None:
    where = [str(record[k]).strip() for k in ("where_coordinates", "adm_1") if record.get(k)]
    return ", ".join(dict.fromkeys(where)) or None


def _office(record: Mapping[str, Any]) -> str | None:
    office = record.get("source_office")
    return office if isinstance(office, str) and office else None


def _observations(record: Any, locator: str, snapshot: Snapshot, sha: str, source: SourceConfig,
                  problems: list[str]) -> list[Observation]:
    if not isinstance(record, dict):
        raise ValueError(f"record is {type(record).__name__}, not an object")
    if "_width" in record:
        raise ValueError(f"the row has {record['_width']}")
    for name in REQUIRED:
        if record.get(name) in (None, ""):
            raise ValueError(f"field {name!r} is missing")
    start, end = iso_date(record["date_start"], "date_start"), iso_date(record["date_end"], "date_end")
    low, best, high = (count(record[k], k) for k in ("low", "best", "high"))
    area = _area(record)
    place = _place(record)
    record_id = str(record["id"])
    provenance = Provenance(
        source_id=source.id, publisher=source.publisher, url=snapshot.url, title=source.title,
        retrieved_at=snapshot.retrieved_at, snapshot_sha256=sha, locator=locator, quote=quote_fields(record, QUOTED),
        adapter=NAME, adapter_version=VERSION, attributed_to=_office(record),
    )
    common: dict[str, Any] = dict(metric="killed", area=area, place=place, as_of=end, period_start=start,
                                  period_end=end, scope="incident", modality="reported", provenance=provenance,
                                  record_id=record_id)
    found = [Observation(group="all", estimate=Estimate(low=low, best=best, high=high, rule="source-range",
                                                        text=f"low {low}, best {best}, high {high}"), **common)]
    civilians = record.get("deaths_civilians")
    try:
        if civilians in (None, ""):
            raise ValueError("field 'deaths_civilians' is missing")
        n = count(civilians, "deaths_civilians")
        found.append(Observation(group="civilians", estimate=Estimate.exact(n, text=str(civilians)), **common))
    except ValueError as exc:
        problems.append(f"source {source.id!r}, snapshot {sha[:12]}, {locator}: {exc}; "
                        "civilian deaths skipped, all deaths kept")
    return found


def _count(value: Any, field: str) -> int:
    """`count`, with the common case (a CSV field of ASCII digits) first."""
    return int(value) if type(value) is str and value.isdigit() else count(value, field)


def _row_maker(snapshot: Snapshot, source: SourceConfig,
               quote: Callable[[Mapping[str, Any]], str]) -> Callable[[Any, str], list[Row] | None]:
    """`_observations` as rows for the records of one snapshot: None for a record a check could fail on
    (civilian deaths included)."""
    sha, retrieved, source_id, publisher, url, title = (snapshot.sha256, snapshot.retrieved_at, source.id,
                                                        source.publisher, snapshot.url, source.title)
    days: dict[str, date] = {}

    def rows(record: Any, locator: str) -> list[Row] | None:
        if type(record) is not dict or "_width" in record:
            return None
        first, last, civilians = record.get("date_start"), record.get("date_end"), record.get("deaths_civilians")
        if type(first) is not str or type(last) is not str or record.get("id") in (None, "") \
                or civilians in (None, "") or any(record.get(k) in (None, "") for k in ("low", "best", "high")):
            return None
        try:
            start = days.get(first) or days.setdefault(first, iso_date(first, "date_start"))
            end = days.get(last) or days.setdefault(last, iso_date(last, "date_end"))
            low, best, high = (_count(record["low"], "low"), _count(record["best"], "best"),
                               _count(record["high"], "high"))
            area = _area(record)
            dead = _count(civilians, "deaths_civilians")
        except ValueError:
            return None
        if not (low <= best <= high and start <= end  # Estimate's and Observation's own checks
                and len(area) == 3 and area.isascii() and area.isalpha() and area.isupper()):
            return None
        place, record_id, said, office = _place(record), str(record["id"]), quote(record), _office(record)
        return [
            (source_id, "killed", "all", area, place, end, start, end, "incident", "reported", record_id,
             low, best, high, f"low {low}, best {best}, high {high}", "source-range",
             publisher, url, title, None, retrieved, sha, locator, said, office, NAME, VERSION),
            (source_id, "killed", "civilians", area, place, end, start, end, "incident", "reported", record_id,
             dead, dead, dead, str(civilians), "exact",
             publisher, url, title, None, retrieved, sha, locator, said, office, NAME, VERSION),
        ]

    return rows
