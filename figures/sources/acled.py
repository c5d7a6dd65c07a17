"""ACLED: political violence events with their reported fatalities (JSON API or the CSV export).

Auth: OAuth password grant (`POST /oauth/token` with ACLED_EMAIL and ACLED_PASSWORD) gives a
Bearer token; a request answered 401, or made after the token expired, refreshes it with the
refresh token (then logs in again if that fails). Tokens live only in memory during one fetch:
never in the cursor, a snapshot url or a message. Offline replays skip the login.

Paging: `limit` rows per `page` (1, 2, ...) until a short page. ACLED asks users to pull at most
once a week: when the cursor says the last successful pull was less than 7 days ago, `fetch`
fetches nothing and logs why (`force: true` overrides). Incremental: the cursor keeps the largest
`timestamp` (last edit, unix) seen; the next pull asks `timestamp=<max>&timestamp_where=>=`, so
events edited since come back (and the last edit batch again, which the store skips as known). A
revised event (same `event_id_cnty`, new fatalities) becomes a new row in the store.

Each event gives one incident-scope observation, period = as_of = `event_date` (ACLED's weeks run
Saturday to Friday; dates are kept as they are, never re-binned; `time_precision` 2 or 3, a date
known only to the week or month, is kept in the quote and the date is not widened):
- killed / all: `fatalities`, rule `conservative-count`: ACLED codes the lowest reported figure
  ("Casualties unknown" is 0), so `Estimate(low=n, best=n, high=None)`: no upper bound is stated;
- killed / civilians as well when the event targeted civilians: the `civilian_targeting` field
  says so where the export has it; older exports (without it) count "Violence against civilians"
  events and "Explosions/Remote violence" whose second actor is civilians (`inter2` 7).
Area: `iso3`, else the numeric `iso`, else the country name. Place: `location, admin1` as written;
`event_id_cnty` is the observation's `record_id`, so two events at one place on one day stay apart.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..config import SourceConfig
from ..errors import ParseError, SourceError
from ..gazetteer import country as country_iso3
from ..http import response_time
from ..models import Estimate, Observation, Provenance, Snapshot
from ..rows import Row
from ..secrets import needs_message, redact, redact_bytes
from ._csv import content_format, csv_quote, csv_records, quote_fields
from ._json import count, iso_date, load_json
from ._rows import record_rows
from .base import Context, Parsed, check, collect, skipped_record

NAME = "acled"
VERSION = "1.0"
NEEDS: tuple[str, ...] = ("ACLED_EMAIL", "ACLED_PASSWORD")

log = logging.getLogger(__name__)

#: ISO 3166 numeric (ACLED `iso`) -> alpha-3, for exports without `iso3`; add a row for a new country.
ISO_NUMERIC: dict[int, str] = {
    4: "AFG", 50: "BGD", 104: "MMR", 112: "BLR", 140: "CAF", 148: "TCD", 180: "COD", 231: "ETH",
    275: "PSE", 332: "HTI", 364: "IRN", 368: "IRQ", 376: "ISR", 422: "LBN", 434: "LBY", 466: "MLI",
    498: "MDA", 562: "NER", 566: "NGA", 586: "PAK", 616: "POL", 642: "ROU", 643: "RUS", 706: "SOM",
    728: "SSD", 729: "SDN", 760: "SYR", 804: "UKR", 854: "BFA", 887: "YEM",
}
REQUIRED = ("event_id_cnty", "event_date", "fatalities")
QUOTED = ("event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "inter2",
          "civilian_targeting", "country", "iso", "iso3", "admin1", "location", "fatalities", "timestamp")
#: The columns parse reads: a CSV record keeps only these.
READ = frozenset((*QUOTED, "source"))
WEEK = timedelta(days=7)


class Params(BaseModel):
    """`params:` of an acled source in sources.yaml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    country: str | None = None
    iso: int | None = None
    start_date: date | None = None
    end_date: date | None = None
    limit: int = Field(default=5000, ge=1)
    max_pages: int = Field(default=500, ge=1)
    fields: list[str] | None = None
    format: Literal["json", "csv"] = "json"
    force: bool = False
    base_url: str = "https://acleddata.com/api/acled/read"
    token_url: str = "https://acleddata.com/oauth/token"

    @field_validator("fields", mode="before")
    @classmethod
    def _pipe_list(cls, value: Any) -> Any:
        return value.split("|") if isinstance(value, str) else value


def request_url(params: Params, page: int = 1, timestamp: int | None = None) -> str:
    """The read URL of one page: `...?_format=json&country=Ukraine&event_date=...&limit=5000&page=1`."""
    query: dict[str, Any] = {"_format": params.format}
    if params.country:
        query["country"] = params.country
    if params.iso is not None:
        query["iso"] = params.iso
    if params.start_date and params.end_date:
        query.update(event_date=f"{params.start_date}|{params.end_date}", event_date_where="BETWEEN")
    elif params.start_date or params.end_date:
        query.update(event_date=str(params.start_date or params.end_date),
                     event_date_where=">=" if params.start_date else "<=")
    if timestamp is not None:
        query.update(timestamp=timestamp, timestamp_where=">=")
    if params.fields:
        query["fields"] = "|".join(dict.fromkeys([*params.fields, *REQUIRED, "timestamp", "iso3"]))
    query.update(limit=params.limit, page=page)
    return str(httpx.URL(params.base_url, params=query))


def _now() -> datetime:
    """The clock the weekly limit reads (tests replace it)."""
    return datetime.now(UTC)


@dataclass
class _Session:
    """The Bearer token of one fetch, kept in memory only."""

    client: httpx.Client
    source_id: str
    params: Params
    ctx: Context
    access: str | None = None
    refresh: str | None = None
    expires: datetime | None = None

    def _grant(self, form: dict[str, str]) -> bool:
        url = self.params.token_url
        try:
            response = self.client.post(url, data={**form, "client_id": "acled"})
        except httpx.HTTPError as exc:
            raise SourceError(self.source_id, url, f"login failed: {exc.__class__.__name__}: "
                              f"{redact(str(exc), self.ctx.secrets)}") from exc
        if response.status_code in (400, 401, 403):
            return False
        check(response, self.source_id, self.ctx, NEEDS)
        try:
            answer = response.json()
            self.access = str(answer["access_token"])
        except (ValueError, KeyError, TypeError):
            raise SourceError(self.source_id, url, "the token endpoint answered without an access_token") from None
        self.refresh = answer.get("refresh_token")
        seconds = answer.get("expires_in")
        self.expires = _now() + timedelta(seconds=int(seconds) - 60) if isinstance(seconds, int) else None
        return True

    def login(self) -> None:
        form = {"username": self.ctx.secret("ACLED_EMAIL"), "password": self.ctx.secret("ACLED_PASSWORD"),
                "grant_type": "password"}
        if not self._grant(form):
            raise SourceError(self.source_id, self.params.token_url, "ACLED refused the login: "
                              f"{needs_message(list(NEEDS))}")

    def renew(self) -> None:
        if not (self.refresh and self._grant({"grant_type": "refresh_token", "refresh_token": self.refresh})):
            self.login()

    def headers(self) -> dict[str, str]:
        if self.ctx.offline:
            return {}
        if self.access is None:
            self.login()
        elif self.expires is not None and _now() >= self.expires:
            self.renew()
        return {"Authorization": f"Bearer {self.access}"}

    def get(self, url: str) -> Snapshot:
        """GET one page; a 401 renews the token once; errors become SourceError (redacted)."""
        response = None
        for attempt in (1, 2):
            try:
                response = self.client.get(url, headers=self.headers())
            except httpx.HTTPError as exc:
                raise SourceError(self.source_id, url, f"GET failed: {exc.__class__.__name__}: "
                                  f"{redact(str(exc), self.ctx.secrets)}") from exc
            if response.status_code != 401 or attempt == 2 or self.ctx.offline:
                break
            self.renew()
        assert response is not None
        check(response, self.source_id, self.ctx, NEEDS)
        return Snapshot(source_id=self.source_id, url=redact(str(response.request.url), self.ctx.secrets),
                        retrieved_at=response_time(response), content=redact_bytes(response.content, self.ctx.secrets),
                        content_type=response.headers.get("Content-Type"))


def fetch(client: httpx.Client, source: SourceConfig, params: Params, ctx: Context) -> list[Snapshot]:
    """Every page of events edited since the last pull (one snapshot each); nothing within a week of it."""
    pulled = ctx.cursor.get("pulled_at")
    if pulled and not params.force and not ctx.offline:
        since = _now() - datetime.fromisoformat(pulled)
        if since < WEEK:
            log.info("source %r: last pulled %s ago; ACLED asks for at most one pull a week, so nothing is "
                     "fetched (set force: true to override)", source.id, since)
            return []
    stored = ctx.cursor.get("timestamp")
    previous = stored if isinstance(stored, int) else None
    session = _Session(client, source.id, params, ctx)
    out: list[Snapshot] = []
    latest = previous
    for page in range(1, params.max_pages + 1):
        snapshot = session.get(request_url(params, page, previous))
        out.append(snapshot)
        records = [r for _, r in _records(snapshot, params)]
        for record in records:
            try:
                stamp = int(record.get("timestamp") or 0)
            except (TypeError, ValueError):
                continue
            latest = stamp if latest is None or stamp > latest else latest
        if len(records) < params.limit:
            break
    else:
        raise SourceError(source.id, request_url(params, params.max_pages + 1, previous),
                          f"more than {params.max_pages} pages of {params.limit}; narrow the dates or raise max_pages")
    ctx.cursor = {"pulled_at": _now().isoformat(), **({"timestamp": latest} if latest is not None else {})}
    return out


def parse(snapshot: Snapshot, source: SourceConfig, params: Params) -> Parsed:
    """Read a JSON page or a CSV export into observations (pure: no network)."""
    return collect(iter_parse, snapshot, source, params)


def iter_parse(snapshot: Snapshot, source: SourceConfig, params: Params, problems: list[str]) -> Iterator[Observation]:
    """`parse`, lazily: one event's observations at a time, skipped records added to `problems`.

    For a large export stored in chunks within one transaction (memory stays flat).
    """
    sha = snapshot.sha256
    for locator, record in _records(snapshot, params):
        try:
            yield from _observations(record, locator, snapshot, sha, source)
        except ValueError as exc:
            problems.append(skipped_record(source.id, sha, locator, exc))


def iter_rows(snapshot: Snapshot, source: SourceConfig, params: Params, problems: list[str]) -> Iterator[Row]:
    """`iter_parse` as rows for `Store.add_rows` (`figures.rows`): the same figures, the same problems.

    A clean record becomes rows directly; any other goes through `_observations`, so a bad record
    is skipped with the very message `iter_parse` gives.
    """
    sha = snapshot.sha256
    records = _records(snapshot, params)
    observations = partial(_observations, snapshot=snapshot, sha=sha, source=source)
    if _format(snapshot, params) == "csv":  # the row maker made from the first whole event: every other has its columns
        return record_rows(records, observations, problems, source.id, sha,
                           first=lambda record: _row_maker(snapshot, source, csv_quote(record, QUOTED)))
    return record_rows(records, observations, problems, source.id, sha,
                       rows=_row_maker(snapshot, source, lambda record: quote_fields(record, QUOTED)))


def _records(snapshot: Snapshot, params: Params) -> Iterator[tuple[str, Any]]:
    if _format(snapshot, params) == "csv":
        yield from _csv_records(snapshot)
        return
    document = load_json(snapshot)
    if isinstance(document, dict) and document.get("success") is False:
        error = document.get("error") or document.get("messages") or document
        raise ParseError(snapshot.source_id, snapshot.sha256, f"ACLED answered with an error: "
                         f"{json.dumps(error, ensure_ascii=False)[:300]}", field="success")
    records = document.get("data") if isinstance(document, dict) else None
    if not isinstance(records, list):
        raise ParseError(snapshot.source_id, snapshot.sha256, "expected a 'data' list of events; ACLED may have "
                         "changed its format", field="data")
    for i, record in enumerate(records):
        yield f"$.data[{i}]", record


def _format(snapshot: Snapshot, params: Params) -> str:
    return content_format(snapshot, params.format)


def _csv_records(snapshot: Snapshot) -> Iterator[tuple[str, dict[str, str]]]:
    return csv_records(snapshot, REQUIRED, "ACLED's CSV export", "check params.format in sources.yaml",
                       empty_ok=True, fields=READ)


def _area(record: Mapping[str, Any]) -> str:
    iso3 = record.get("iso3")
    if isinstance(iso3, str) and len(iso3) == 3 and iso3.isalpha() and iso3.isupper():
        return iso3
    try:
        numeric = int(record.get("iso") or -1)
    except (TypeError, ValueError):
        numeric = -1
    if numeric in ISO_NUMERIC:
        return ISO_NUMERIC[numeric]
    name = record.get("country")
    found = country_iso3(name) if isinstance(name, str) else None
    if found:
        return found
    raise ValueError(f"iso {record.get('iso')!r} ({name!r}) has no ISO3 code in acled.ISO_NUMERIC; add it there")


def targets_civilians(record: Mapping[str, Any]) -> bool:
    """Whether the event targeted civilians: ACLED's flag, or the event type and target actor."""
    if "civilian_targeting" in record:
        return bool(str(record["civilian_targeting"] or "").strip())
    kind = record.get("event_type")
    return kind == "Violence against civilians" or (
        kind == "Explosions/Remote violence" and str(record.get("inter2", "")).strip() == "7")


def _place(record: Mapping[str, Any]) -> str | None:
    where = [str(record[k]).strip() for k in ("location", "admin1") if record.get(k)]
    return ", ".join(dict.fromkeys(where)) or None


def _edited(record: Mapping[str, Any]) -> datetime | None:
    stamp = record.get("timestamp")
    try:
        return datetime.fromtimestamp(int(stamp), UTC) if stamp not in (None, "") else None
    except (TypeError, ValueError, OverflowError, OSError):
        raise ValueError(f"timestamp is {stamp!r}, not a unix time") from None


def _reporters(record: Mapping[str, Any]) -> str | None:
    reporters = record.get("source")
    return reporters if isinstance(reporters, str) and reporters else None


def _observations(record: Any, locator: str, snapshot: Snapshot, sha: str,
                  source: SourceConfig) -> list[Observation]:
    if not isinstance(record, dict):
        raise ValueError(f"record is {type(record).__name__}, not an object")
    if "_width" in record:
        raise ValueError(f"the row has {record['_width']}")
    for name in REQUIRED:
        if record.get(name) in (None, ""):
            raise ValueError(f"field {name!r} is missing")
    day = iso_date(record["event_date"], "event_date")
    n = count(record["fatalities"], "fatalities")
    area = _area(record)
    place = _place(record)
    record_id = str(record["event_id_cnty"])
    edited = _edited(record)
    provenance = Provenance(
        source_id=source.id, publisher=source.publisher, url=snapshot.url, title=source.title,
        published_at=edited, retrieved_at=snapshot.retrieved_at, snapshot_sha256=sha,
        locator=locator, adapter=NAME, adapter_version=VERSION, quote=quote_fields(record, QUOTED),
        attributed_to=_reporters(record),
    )
    estimate = Estimate(low=n, best=n, high=None, text=str(record["fatalities"]), rule="conservative-count")
    groups = ("all", "civilians") if targets_civilians(record) else ("all",)
    return [Observation(metric="killed", group=group, area=area, place=place, as_of=day, period_start=day,
                        period_end=day, scope="incident", modality="reported", estimate=estimate,
                        provenance=provenance, record_id=record_id) for group in groups]


def _row_maker(snapshot: Snapshot, source: SourceConfig,
               quote: Callable[[Mapping[str, Any]], str]) -> Callable[[Any, str], list[Row] | None]:
    """`_observations` as rows for the records of one snapshot: None for a record a check could fail on."""
    sha, retrieved, source_id, publisher, url, title = (snapshot.sha256, snapshot.retrieved_at, source.id,
                                                        source.publisher, snapshot.url, source.title)
    days: dict[str, date] = {}

    def rows(record: Any, locator: str) -> list[Row] | None:
        if type(record) is not dict or "_width" in record:
            return None
        event_id, when, fatalities = record.get("event_id_cnty"), record.get("event_date"), record.get("fatalities")
        if event_id in (None, "") or type(when) is not str or fatalities in (None, ""):
            return None
        try:
            day = days.get(when) or days.setdefault(when, iso_date(when, "event_date"))
            n = int(fatalities) if type(fatalities) is str and fatalities.isdigit() \
                else count(fatalities, "fatalities")
            area = _area(record)
            edited = _edited(record)
        except ValueError:
            return None
        if not (len(area) == 3 and area.isascii() and area.isalpha() and area.isupper()):  # Observation.area
            return None
        place, record_id, text, said, reporters = _place(record), str(event_id), str(fatalities), quote(record), \
            _reporters(record)
        return [(source_id, "killed", group, area, place, day, day, day, "incident", "reported", record_id,
                 n, n, None, text, "conservative-count",
                 publisher, url, title, edited, retrieved, sha, locator, said, reporters, NAME, VERSION)
                for group in (("all", "civilians") if targets_civilians(record) else ("all",))]

    return rows
