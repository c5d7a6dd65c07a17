"""OHCHR civilian casualty updates (Ukraine): the verified counts in each update's text.

An update reads "From 4 a.m. on 24 February 2022 ... to 24:00 midnight on D (local time), OHCHR recorded
T civilian casualties in the country: K killed and I injured", then regional lines ("In Donetsk and Luhansk
regions: T casualties (K killed and I injured)", "On Government-controlled territory: ...", "On territory
controlled by Russian affiliated armed groups: ..."). The figures are as of 24:00 local time on D and are
published on D+1; D is always read from the text, never from a url (ReliefWeb slugs can name another day).
Also read: "until 12 midnight on D", the press briefing "Between 24 February morning and midnight last
night" (D = the publication day - 1), wire reprints "to 24:00 on July 3 amounted to T civilians (last
week's figure), including K killed" (parentheses are skipped: they hold breakdowns or earlier figures).
Interfax writes "00:00 on D" for the same figure (2,788 "to 00:00 on March 24" is OHCHR's 24:00 24 March).
"dead" and "wounded" read as "killed" and "injured". A figure announced ("recorded T civilian casualties",
"In R: T casualties (") whose breakdown reads otherwise is reported as a problem, never guessed.

Rule `at-least-verified`: OHCHR counts only casualties it has verified and says the actual figures are
considerably higher, so a count n is `Estimate(low=n, best=n, high=None)`.

`format: ocha-key-figures-csv` (or a snapshot whose content type says CSV, as `figures ingest FILE.csv`
gives) reads OCHA's "Ukraine key figures" sheet (HDX ukraine-key-figures-2022, two
header rows): its `Date` is the day OCHA copied the update OHCHR published that day, so as_of = Date - 1
day; a row repeating the previous row's killed and injured is a carry-forward (no update that day), skipped.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Literal
from urllib.parse import urljoin

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ..config import SourceConfig
from ..errors import ParseError, SourceError
from ..models import Estimate, Observation, Provenance, Snapshot
from ..text import Document, find_dates, looks_like_html, to_plain
from ._json import count, iso_date
from .base import Context, Parsed, get_snapshot
from .text import decode

NAME = "ohchr"
VERSION = "1.0"
NEEDS: tuple[str, ...] = ()
RULE = "at-least-verified"
ATTRIBUTED = "OHCHR"


class Params(BaseModel):
    """`params:` of an ohchr source: the update pages (or the OCHA sheet) and how to read them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    urls: list[str] = Field(default_factory=list)
    format: Literal["text", "ocha-key-figures-csv"] = "text"
    published: date | None = None  # for a text that names no publication day ("midnight last night")
    title: str | None = None
    base_url: str = "https://www.ohchr.org"  # relative urls are read against it


# --- the sentences ----------------------------------------------------------------------------

SEP = "[,\u00a0\u202f\u2009]"
N = rf"(?<![\d,])(?:\d{{1,3}}(?:{SEP}\d{{3}})+|\d+)(?!\d|{SEP}\d)"
DAY = r"(?:\d{1,2}\s+[A-Z][a-z]+(?:,?\s+\d{4})?|[A-Z][a-z]+\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?)"
AS_OF = re.compile(rf"\b(?:[Uu]ntil|[Tt]o|[Tt]ill)\s+(?:12\s+midnight|24[:.]00(?:\s+midnight)?|00:00|midnight)\s+"
                   rf"(?:on\s+)?(?P<day>{DAY})|\bas\s+of\s+(?:24[:.]00|midnight)\s+(?:on\s+)?(?P<day2>{DAY})"
                   # the wording from late 2022: "From 24 February 2022, ..., to 10 September 2023, OHCHR recorded"
                   rf"|(?<=,\s)to\s+(?P<day3>{DAY}),\s+(?=(?:the\s+)?(?:Office|OHCHR)\b)")
LAST_NIGHT = re.compile(r"\b(?:and|to|until)\s+midnight\s+last\s+night\b")
PUBLISHED = re.compile(rf"^\s*Date:\s*(?P<day>{DAY})|[Cc]ivilian casualty update,?\s+(?P<day2>{DAY})", re.M)
START_YEAR = re.compile(r"24\s+February,?\s+(\d{4})|February\s+24,?\s+(\d{4})")
NATIONAL = re.compile(
    rf"(?:recorded|amounted\s+to)\s+(?P<casualties>{N})\s+(?:civilian\s+casualties|civilians|people)\b"
    rf"[^:.;]*?(?:[:.]\s*(?:These\s+include\s+)?|,\s*including\s+)"
    rf"(?P<killed>{N})\s+(?:civilians\s+)?(?:killed|dead)\b"
    rf"(?:,\s+of\s+whom\s+(?P<killed_children>{N})\s+were\s+children,?)?"
    rf"(?:\s+and\s+(?P<injured>{N})\s+(?:civilians\s+)?(?:injured|wounded)\b"
    rf"(?:,\s+among\s+them\s+(?P<injured_children>{N})\s+children)?)?")
REGION = re.compile(
    rf"(?P<label>\b(?:In|On)\s(?:(?!\b(?:In|On)\s)[^:\n.])+?):\s*(?P<casualties>{N})\s+casualties\s*\(\s*"
    rf"(?P<killed>{N})\s+(?:killed|dead)\s+and\s+(?P<injured>{N})\s+(?:injured|wounded)\s*\)")
#: What announces the national or a regional figure, however its breakdown is worded: where one of
#: these is not read by NATIONAL or REGION, the wording changed and the figures are reported missing.
NATIONAL_LEAD = re.compile(rf"(?:recorded|amounted\s+to)\s+{N}\s+civilian\s+casualties\b")
REGION_LEAD = re.compile(rf"\b(?:In|On)\s(?:(?!\b(?:In|On)\s)[^:\n.])+?:\s*{N}\s+casualties\s*\(")
AND_MORE = re.compile(rf"\s+and\s+{N}\s+\w+")  # after "K killed": an injured figure NATIONAL did not read
PARENS = re.compile(r"\([^()]*\)")
SENTENCE_START = re.compile(r"(?:[.!?]\s+(?=[A-Z])|\n\s*\n)")
SENTENCE_END = re.compile(r"[.!?](?=\s|$)|\n\s*\n")


@dataclass(frozen=True)
class Figure:
    """One count in an update: what it counts, its value as written and its span in the original text."""

    metric: str
    group: str
    place: str | None
    value: int
    text: str
    start: int
    end: int
    quote: str


@dataclass
class Update:
    """What an update's text says: the as-of day, the publication day and the counts."""

    as_of: date | None = None
    published: date | None = None
    figures: list[Figure] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _day(text: str, reference: date | None) -> date | None:
    """A day written in words; one without a year needs a reference day (the publication day)."""
    for mention in find_dates(text, reference or date(2100, 1, 1)):
        if mention.year_given or reference is not None:
            return mention.day
    return None


def read_update(text: str, published: date | None = None) -> Update:
    """Read an update (plain text or HTML): `read_update(text).as_of`, `.figures` with spans in `text`."""
    doc = to_plain(text)
    plain = doc.text
    masked = PARENS.sub(lambda m: " " * len(m.group(0)), plain)  # breakdowns and last week's figures
    out = Update(published=published)
    if m := PUBLISHED.search(plain[:3000]):
        out.published = _day(m.group("day") or m.group("day2"), None) or published
    national = _national(masked)
    stated = list(AS_OF.finditer(masked))
    before = [m for m in stated if national and m.start() < national.start()]
    as_of = before[-1] if before else stated[0] if stated else None  # the day of the sentence, not a headline's
    if as_of:
        year = START_YEAR.search(plain)
        reference = out.published or (date(int(year.group(1) or year.group(2)), 12, 31) if year else None)
        out.as_of = _day(as_of.group("day") or as_of.group("day2") or as_of.group("day3"), reference)
        if out.as_of is None:
            a, b = doc.span(as_of.start(), as_of.end())
            out.problems.append(f"chars {a}-{b}: the as-of day {as_of.group(0)!r} gives no "
                                "year and the text no publication day; set params.published")
    elif last_night := LAST_NIGHT.search(masked):
        as_of = last_night
        if out.published is None:
            out.problems.append("'midnight last night' needs the publication day; set params.published")
        else:
            out.as_of = out.published - timedelta(days=1)
    if national:
        first = min(national.start(), as_of.start()) if as_of else national.start()
        quote = _sentences(plain, masked, first, national.end())
        for name, metric, group in (("casualties", "casualties", "civilians"), ("killed", "killed", "civilians"),
                                    ("injured", "injured", "civilians"), ("killed_children", "killed", "children"),
                                    ("injured_children", "injured", "children")):
            if national.group(name):
                out.figures.append(_figure(doc, national, name, metric, group, None, quote))
        _check_sum(out, doc, national)
    parent: str | None = None
    for line in REGION.finditer(plain):
        label = line.group("label")
        place = _place(label)
        if label.startswith("In"):
            parent = place
        elif parent:
            place = f"{parent}: {place}"
        quote = " ".join(plain[line.start():line.end()].split())
        for metric in ("casualties", "killed", "injured"):
            out.figures.append(_figure(doc, line, metric, metric, "civilians", place, quote))
        _check_sum(out, doc, line)
    _unread_leads(out, doc, masked, plain, national)
    return out


def _national(masked: str) -> re.Match[str] | None:
    """The national totals: the first whose sentence counts from 24 February (updates since 2023
    open with the last period's figures, "From 1 to 10 September 2023, OHCHR recorded 292 civilian
    casualties", before the totals since the start), else the first."""
    found = list(NATIONAL.finditer(masked))
    for match in found:
        begins = [m.end() for m in SENTENCE_START.finditer(masked, 0, match.start())]
        if START_YEAR.search(masked, begins[-1] if begins else 0, match.start()):
            return match
    return found[0] if found else None


def _unread_leads(out: Update, doc: Document, masked: str, plain: str,
                  national: re.Match[str] | None) -> None:
    """A problem for each national or regional figure announced but not read: a reworded breakdown
    ("K slain and I hurt") must not silently drop the killed and injured."""
    unread = [m for m in NATIONAL_LEAD.finditer(masked) if national is None] + \
        [m for m in REGION_LEAD.finditer(plain) if not REGION.match(plain, m.start())]
    if national is not None and national.group("injured") is None:  # "K killed and I hurt": I was not read
        rest = AND_MORE.match(masked, national.end())
        unread += [rest] if rest else []
    for m in sorted(unread, key=lambda m: m.start()):
        a, b = doc.span(m.start(), m.end())
        words = " ".join(re.split(r"\n|(?<=[).])", plain[m.start():m.end() + 60], maxsplit=1)[0].split())
        out.problems.append(f"chars {a}-{b}: {words!r}: figures announced here could not be read ('T civilian "
                            "casualties: K killed and I injured'); skipped: the wording may have changed")


def _figure(doc: Document, match: re.Match[str], name: str, metric: str, group: str, place: str | None,
            quote: str) -> Figure:
    written = match.group(name)
    start, end = doc.span(match.start(name), match.end(name))
    return Figure(metric, group, place, int(re.sub(r"\D", "", written)), written, start, end, quote)


def _sentences(plain: str, masked: str, start: int, end: int) -> str:
    """The sentences from `start` to `end`, whitespace collapsed: the quote of the national figures."""
    begins = [m.end() for m in SENTENCE_START.finditer(masked, 0, start)]
    stop = SENTENCE_END.search(masked, end)
    return " ".join(plain[begins[-1] if begins else 0:stop.end() if stop else len(plain)].split())


def _place(label: str) -> str:
    """The region as written, without 'In'/'On', its list of regions and its 'which ...' clause."""
    name = PARENS.sub("", label.split(None, 1)[1])
    return " ".join(re.sub(r",\s*which\b.*$", "", name, flags=re.S).split())


def _check_sum(out: Update, doc: Document, match: re.Match[str]) -> None:
    if match.group("injured") is None:
        return
    values = {k: int(re.sub(r"\D", "", match.group(k))) for k in ("casualties", "killed", "injured")}
    if values["killed"] + values["injured"] != values["casualties"]:
        a, b = doc.span(match.start(), match.end())
        out.problems.append(f"chars {a}-{b}: {values['killed']} killed + {values['injured']} "
                            f"injured is not the {values['casualties']} casualties stated; kept as written")


# --- observations ----------------------------------------------------------------------------

def parse_text(text: str, *, source_id: str, publisher: str, area: str, url: str, title: str | None,
               retrieved_at: datetime, snapshot_sha256: str, published: date | None = None,
               locator_prefix: str = "") -> tuple[list[Observation], list[str]]:
    """An update's text as observations, and the problems met; locators are `<prefix>chars a-b`."""
    update = read_update(text, published)
    where = f"source {source_id!r}, snapshot {snapshot_sha256[:12]}, {locator_prefix}"
    problems = [where + p for p in update.problems]
    if update.figures and update.as_of is None:
        problems.append(f"{where}the text gives no as-of day ('to 24:00 on D'); its figures were skipped")
        return [], problems
    if update.as_of and update.published and update.as_of > update.published:
        problems.append(f"{where}the as-of day {update.as_of} is after the publication day {update.published}; "
                        "figures skipped")
        return [], problems
    when = datetime(update.published.year, update.published.month, update.published.day, tzinfo=UTC) \
        if update.published else None
    found = [Observation(
        metric=f.metric, group=f.group, area=area, place=f.place, as_of=update.as_of,  # type: ignore[arg-type]
        scope="cumulative", modality="reported",
        estimate=Estimate(low=f.value, best=f.value, high=None, text=f.text, rule=RULE),
        provenance=Provenance(source_id=source_id, publisher=publisher, url=url, title=title, published_at=when,
                              retrieved_at=retrieved_at, snapshot_sha256=snapshot_sha256,
                              locator=f"{locator_prefix}chars {f.start}-{f.end}", quote=f.quote, adapter=NAME,
                              adapter_version=VERSION, attributed_to=ATTRIBUTED),
    ) for f in update.figures]
    return found, problems


def request_urls(params: Params) -> list[str]:
    """The pages to fetch: `params.urls`, relative ones read against `base_url`."""
    return [urljoin(params.base_url.rstrip("/") + "/", u) for u in params.urls]


def fetch(client: httpx.Client, source: SourceConfig, params: Params, ctx: Context) -> list[Snapshot]:
    """Download each configured page (no auth, no paging) as one snapshot."""
    if not params.urls:
        raise SourceError(source.id, params.base_url, "params.urls lists no page; add the update urls in sources.yaml")
    return [get_snapshot(client, source.id, url, ctx) for url in request_urls(params)]


def parse(snapshot: Snapshot, source: SourceConfig, params: Params) -> Parsed:
    """Read an update page, or the OCHA key-figures CSV (pure: no network)."""
    if params.format == "ocha-key-figures-csv" or "csv" in (snapshot.content_type or "").lower():  # a saved .csv
        return parse_key_figures(snapshot, source)
    text = decode(snapshot)
    if not text.strip():
        raise ParseError(source.id, snapshot.sha256, f"the page from {snapshot.url} is empty")
    if text.lstrip().startswith(("{", "[")):
        raise ParseError(source.id, snapshot.sha256, "this is JSON, not an update's text; read ReliefWeb API "
                                                     "responses with the reliefweb adapter")
    heading = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    title = params.title or (" ".join(html.unescape(heading.group(1)).split()) if heading else None) or source.title
    found, problems = parse_text(text, source_id=source.id, publisher=source.publisher, area=source.area,
                                 url=snapshot.url, title=title, retrieved_at=snapshot.retrieved_at,
                                 snapshot_sha256=snapshot.sha256, published=params.published)
    if not found and not problems:
        problems.append(f"source {source.id!r}, snapshot {snapshot.sha256[:12]}: no OHCHR civilian-casualty sentence "
                        "found ('recorded N civilian casualties ...: K killed and I injured'); the page may have "
                        "moved or its wording changed")
    return Parsed(observations=found, problems=problems)


# --- the OCHA key-figures sheet ------------------------------------------------------------------

COLUMNS = {  # key: (the column as OCHA names it, a pattern that also takes the correct spelling)
    "killed": ("Civilian casualities(OHCHR) - Killed", r"Civilian\s+casual(?:i)?ties\s*\(OHCHR\)\s*-\s*Killed"),
    "injured": ("Civilian casualities(OHCHR) - Injured", r"Civilian\s+casual(?:i)?ties\s*\(OHCHR\)\s*-\s*Injured"),
    "date": ("Date", r"Date"),
    "url": ("Source URL", r"Source\s+URL"),
}
MISSING = {"", "N/A", "NA", "-"}


def parse_key_figures(snapshot: Snapshot, source: SourceConfig) -> Parsed:
    """OHCHR killed and injured from OCHA's key-figures CSV (row 2 names the columns)."""
    text = decode(snapshot)
    if not text.strip():
        raise ParseError(source.id, snapshot.sha256, f"the server sent an empty response from {snapshot.url}")
    if looks_like_html(text[:2000]):
        raise ParseError(source.id, snapshot.sha256, "the server sent an HTML page instead of the CSV (Google "
                                                     "serves one when the sheet is unpublished); check the url")
    try:  # newline="": a lone carriage return inside a field is the field's, not a broken row
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ParseError(source.id, snapshot.sha256, f"{snapshot.url}: not a CSV the key-figures sheet serves "
                                                     f"({exc}); check the url or fetch it again") from None
    header = [h.strip() for h in rows[1]] if len(rows) > 1 else []
    index: dict[str, int] = {}
    for key, (name, pattern) in COLUMNS.items():
        hits = [i for i, h in enumerate(header) if re.fullmatch(pattern, h, re.I)]
        if not hits and key != "url":
            raise ParseError(source.id, snapshot.sha256, "the sheet has no such column in its second header row; "
                             "OCHA may have changed the sheet", field=name)
        if hits:
            index[key] = hits[0]
    out = Parsed()
    previous: tuple[int, ...] | None = None
    for line, row in enumerate(rows[2:], start=3):
        if not any(cell.strip() for cell in row):
            continue
        where = f"source {source.id!r}, snapshot {snapshot.sha256[:12]}, csv row {line}"
        if len(row) < len(header):
            out.problems.append(f"{where}: {len(row)} cells where the header has {len(header)} (a truncated "
                                "download?); row skipped")
            continue
        try:
            day = iso_date(row[index["date"]].strip(), header[index["date"]])
        except ValueError as exc:
            out.problems.append(f"{where}: {exc}; row skipped")
            continue
        values: dict[str, tuple[int, str]] = {}
        for metric in ("killed", "injured"):
            raw = row[index[metric]].strip()
            if raw.upper() in MISSING:
                continue
            try:
                values[metric] = (count(raw, header[index[metric]]), raw)
            except ValueError as exc:
                out.problems.append(f"{where}: {exc}; value skipped")
        numbers = tuple(v[0] for v in values.values())
        if len(values) == 2 and numbers == previous:
            continue  # carried forward from the previous row: no new OHCHR update that day
        if len(values) == 2:
            previous = numbers
        used = {header[index[k]]: row[index[k]] for k in ("date", "killed", "injured", "url") if k in index}
        for metric, (value, raw) in values.items():
            out.observations.append(Observation(
                metric=metric, group="civilians", area=source.area, as_of=day - timedelta(days=1),  # type: ignore[arg-type]
                scope="cumulative", modality="reported",
                estimate=Estimate(low=value, best=value, high=None, text=raw, rule=RULE),
                provenance=Provenance(
                    source_id=source.id, publisher=source.publisher, url=snapshot.url, title=source.title,
                    published_at=datetime(day.year, day.month, day.day, tzinfo=UTC),
                    retrieved_at=snapshot.retrieved_at, snapshot_sha256=snapshot.sha256, locator=f"csv row {line}",
                    quote=json.dumps(used, ensure_ascii=False), adapter=NAME, adapter_version=VERSION,
                    attributed_to=ATTRIBUTED,
                ),
            ))
    return out
