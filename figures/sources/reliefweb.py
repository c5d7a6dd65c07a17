"""ReliefWeb API v2 reports (api.reliefweb.int/v2/reports): the figures stated in each report's text.

Reports are selected by country (ISO3), source (`source.shortname`, e.g. OHCHR) and publication date
(`date.original`), sorted by last edit (`date.changed`), `limit` per page, following `links.next` until it is
absent. Every call needs a pre-approved `appname` (since 1 November 2025) from RELIEFWEB_APPNAME; an
unapproved one gets 403 AccessDeniedHttpException. Incremental: the cursor is the latest `date.changed` seen;
the next run asks for `date.changed` from one second later (ReliefWeb's range filters include their ends).

Each report's `body` (or `body-html`) goes through the claim extractor with the report's own metadata:
publisher = its source's shortname, url = its `url_alias`, published = `date.original` (figures without an
as-of date are as of that day). An OHCHR "civilian casualties" update is read by the ohchr adapter's exact
parser instead (rule `at-least-verified`). Locators are `$.data[i].fields.body chars a-b`.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..claims import extract
from ..config import SourceConfig
from ..errors import ParseError, SourceError
from ..http import response_time
from ..models import Observation, Snapshot, utc
from ..secrets import needs_message, redact, redact_bytes
from . import ohchr
from ._json import dig, load_json
from .base import Context, Parsed, check

NAME = "reliefweb"
VERSION = "1.0"
NEEDS: tuple[str, ...] = ("RELIEFWEB_APPNAME",)
FIELDS = ("title", "body", "body-html", "date.original", "date.changed", "url_alias", "source.shortname",
          "format.name")
CURSOR = "date.changed"
OHCHR_UPDATE = re.compile(r"civilian casualt", re.I)


class Params(BaseModel):
    """`params:` of a reliefweb source: which reports to read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")  # ISO3, e.g. UKR
    sources: list[str] = Field(default_factory=list)  # source.shortname, e.g. [OHCHR, UNHCR]
    date_from: date | None = None  # date.original, inclusive
    date_to: date | None = None
    query: str | None = None  # query[value], ReliefWeb's full-text search
    limit: int = Field(default=100, ge=1, le=1000)  # the API caps a call at 1,000 entries
    max_pages: int = Field(default=50, ge=1)
    base_url: str = "https://api.reliefweb.int/v2"

    @field_validator("sources", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


def query_params(params: Params, offset: int = 0, changed_after: str | None = None) -> list[tuple[str, str]]:
    """The query of one page (without `appname`): filters, fields, sort, limit and offset."""
    conditions: list[tuple[str, Any]] = []
    if params.country:
        conditions.append(("country.iso3", params.country.lower()))
    if params.sources:
        conditions.append(("source.shortname", params.sources))
    if params.date_from or params.date_to:
        span = {"from": f"{params.date_from}T00:00:00+00:00" if params.date_from else None,
                "to": f"{params.date_to}T23:59:59+00:00" if params.date_to else None}
        conditions.append(("date.original", {k: v for k, v in span.items() if v}))
    if changed_after:
        later = datetime.fromisoformat(changed_after) + timedelta(seconds=1)
        conditions.append(("date.changed", {"from": later.isoformat()}))
    query: list[tuple[str, str]] = [("query[value]", params.query)] if params.query else []
    if conditions:
        query.append(("filter[operator]", "AND"))
    for i, (name, value) in enumerate(conditions):
        key = f"filter[conditions][{i}]"
        query.append((f"{key}[field]", name))
        if isinstance(value, list):
            query += [(f"{key}[value][]", v) for v in value] + [(f"{key}[operator]", "OR")]
        elif isinstance(value, dict):
            query += [(f"{key}[value][{k}]", v) for k, v in value.items()]
        else:
            query.append((f"{key}[value]", value))
    query += [("fields[include][]", f) for f in FIELDS]
    query += [("sort[]", "date.changed:asc"), ("limit", str(params.limit)), ("offset", str(offset))]
    return query


def request_url(params: Params, offset: int = 0, changed_after: str | None = None) -> str:
    """The URL of one page, without the appname (fetch adds it)."""
    return str(httpx.URL(f"{params.base_url.rstrip('/')}/reports", params=query_params(params, offset, changed_after)))


def _get(client: httpx.Client, source_id: str, url: str, appname: str, ctx: Context) -> Snapshot:
    """GET one page; a refused appname says what to set and where, and never shows the appname."""
    try:
        response = client.get(httpx.URL(url).copy_add_param("appname", appname))
    except httpx.HTTPError as exc:
        raise SourceError(source_id, redact(url, ctx.secrets),
                          f"GET failed: {exc.__class__.__name__}: {redact(str(exc), ctx.secrets)}") from exc
    shown = redact(str(response.request.url), ctx.secrets)
    if response.status_code == 403 and b"AccessDenied" in response.content:
        raise SourceError(source_id, shown, "GET returned 403 AccessDeniedHttpException: ReliefWeb refused the "
                                            "appname (it must be pre-approved since 1 November 2025); "
                                            + needs_message(list(NEEDS)))
    check(response, source_id, ctx, NEEDS)
    # the answer's href repeats the request url, appname included: it is hidden before the bytes are kept
    return Snapshot(source_id=source_id, url=shown, retrieved_at=response_time(response),
                    content=redact_bytes(response.content, ctx.secrets),
                    content_type=response.headers.get("Content-Type"))


def fetch(client: httpx.Client, source: SourceConfig, params: Params, ctx: Context) -> list[Snapshot]:
    """Every page of the selection (one snapshot each); only reports edited after the cursor when one is set."""
    appname = ctx.secret("RELIEFWEB_APPNAME")
    after = ctx.cursor.get(CURSOR)
    latest, offset = after, 0
    pages: list[Snapshot] = []
    while True:
        if len(pages) >= params.max_pages:
            raise SourceError(source.id, request_url(params, offset, after),
                              f"more than max_pages={params.max_pages} pages; narrow the selection (date_from, "
                              "sources) or raise max_pages in sources.yaml")
        snapshot = _get(client, source.id, request_url(params, offset, after), appname, ctx)
        document = load_json(snapshot)
        records = dig(document, ["data"], snapshot)
        if not isinstance(records, list):
            raise ParseError(source.id, snapshot.sha256, f"expected a list, found {type(records).__name__}",
                             field="data")
        pages.append(snapshot)
        for record in records:
            changed = (record.get("fields", {}).get("date") or {}).get("changed") if isinstance(record, dict) else None
            if isinstance(changed, str) and (latest is None or _moment(changed) > _moment(latest)):
                latest = changed
        following = ((document.get("links") or {}).get("next") or {}).get("href")
        if not records or not following:
            break
        next_offset = int(httpx.URL(following).params.get("offset", offset + len(records)))
        total = document.get("totalCount")
        if isinstance(total, int) and next_offset >= total:
            break  # a next link past totalCount: nothing is left to read
        if next_offset <= offset:
            raise SourceError(source.id, snapshot.url, f"links.next points back to offset {next_offset}; stopped "
                                                       "to avoid a loop")
        offset = next_offset  # our own query with the API's offset: the next href may drop filters
    if latest:
        ctx.cursor[CURSOR] = latest
    return pages


def _moment(value: str) -> datetime:
    try:
        return utc(datetime.fromisoformat(value))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def parse(snapshot: Snapshot, source: SourceConfig, params: Params) -> Parsed:
    """The figures in every report of one page (pure: no network)."""
    document = load_json(snapshot)
    records = dig(document, ["data"], snapshot)
    if not isinstance(records, list):
        raise ParseError(source.id, snapshot.sha256, f"expected a list, found {type(records).__name__}", field="data")
    out = Parsed()
    for i, record in enumerate(records):
        try:
            out.observations += _report(record, f"$.data[{i}]", snapshot, source, out.problems)
        except ValueError as exc:
            out.problems.append(f"source {source.id!r}, snapshot {snapshot.sha256[:12]}, $.data[{i}]: {exc}; "
                                "report skipped")
    return out


def _report(record: Any, base: str, snapshot: Snapshot, source: SourceConfig, problems: list[str]) -> list[Observation]:
    fields = record.get("fields") if isinstance(record, dict) else None
    if not isinstance(fields, dict):
        raise ValueError("field 'fields' is missing")
    key = next((k for k in ("body", "body-html") if isinstance(fields.get(k), str) and fields[k].strip()), None)
    if key is None:
        raise ValueError("fields 'fields.body' and 'fields.body-html' are missing or empty (request them with "
                         "fields[include][])")
    original = (fields.get("date") or {}).get("original") if isinstance(fields.get("date"), dict) else None
    try:
        published = datetime.fromisoformat(original) if isinstance(original, str) else None
    except ValueError:
        published = None
    if published is None:
        raise ValueError(f"field 'fields.date.original' is {original!r}, not an ISO date-time")
    sources = fields.get("source")
    shortname = next((s.get("shortname") for s in sources if isinstance(s, dict) and s.get("shortname")), None) \
        if isinstance(sources, list) else None
    title = fields.get("title") if isinstance(fields.get("title"), str) else None
    url = fields.get("url_alias") or record.get("href") or snapshot.url
    prefix = f"{base}.fields.{key} "
    if shortname == "OHCHR" and title and OHCHR_UPDATE.search(title):
        found, trouble = ohchr.parse_text(fields[key], source_id=source.id, publisher=shortname, area=source.area,
                                          url=url, title=title, retrieved_at=snapshot.retrieved_at,
                                          snapshot_sha256=snapshot.sha256, published=published.date(),
                                          locator_prefix=prefix)
        problems += trouble
        if found:
            return [_stamp(o, "") for o in found]
        problems.append(f"source {source.id!r}, snapshot {snapshot.sha256[:12]}, {base}: an OHCHR update whose "
                        "wording the exact parser does not know; read with the general extractor")
    found = extract(fields[key], published=published, area=source.area, source_id=source.id,
                    publisher=shortname or source.publisher, url=url, title=title, retrieved_at=snapshot.retrieved_at,
                    snapshot_sha256=snapshot.sha256)
    return [_stamp(o, prefix) for o in found]


def _stamp(found: Observation, prefix: str) -> Observation:
    """This adapter's name on the observation, and the report's JSON path before its character span."""
    provenance = found.provenance.model_copy(update={"locator": prefix + found.provenance.locator,
                                                     "adapter": NAME, "adapter_version": VERSION})
    return found.model_copy(update={"provenance": provenance})
