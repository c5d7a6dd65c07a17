"""Any CSV or Excel table a user has (an export, a newsroom's sheet), mapped by column names.

`params.file` is an http(s) URL (a published sheet's CSV export) or a local path (relative paths
are read from sources.yaml's folder). `params.columns` names the columns that hold the date, the
value (or a low and a high), and optionally the place, the row's source URL, the reporting
organisation and the publication date; `header_row` (1-based) skips title rows above the header,
as in OCHA's two-row sheets. Each data row with a figure becomes one observation of
`params.metric` for `params.group`; blank and "N/A" cells state no figure and are passed over.

How a cell becomes an `Estimate` (`values:`):

- `exact`: a count ("1,081", 1081.0 from Excel) is `exact`; a range in one cell ("10,000-20,000")
  is read as NORMALISATION.md's `range`; anything else is a problem (set `values: text`).
- `at-least-verified`: a count n is a verified minimum, n / n / open (rule `at-least-verified`),
  as OHCHR states its casualty figures.
- `text`: each cell goes through `figures.quantities.parse_estimate` ("nearly 20,000", "at least
  1,081"), keeping its rule.
- low/high columns: `source-range` (low, the value column as best if given, high).

Dates: `date_format` (one strptime format or a list) or, when null, ISO dates and a few
unambiguous forms ("24 March 2022", "March 24, 2022"); "03/04/2022" needs a format. Excel needs
the openpyxl package. OCHA's key-figures sheet dates each OHCHR figure by its report day, the
day after OHCHR's "as of 24:00" date: `as_of_offset_days: -1` gives the figure's own date, and
`attributed_to: OHCHR` makes it OHCHR's figure (one voice with OHCHR's own pages, not two).
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..config import SourceConfig, resolve_sources_path
from ..errors import NormalisationError, ParseError, SourceError
from ..models import Estimate, Group, Metric, Modality, Observation, Provenance, Scope, Snapshot
from ..quantities import parse_estimate
from ._json import count
from .base import Context, Parsed, get_snapshot

NAME = "csv"
VERSION = "1.0"
NEEDS: tuple[str, ...] = ()
#: Cells that say "no figure here" rather than a figure.
NO_FIGURE = frozenset({"", "n/a", "na", "-", "–", "—", "..", "nan", "none", "null"})
#: Date forms read without a `date_format` (none of them ambiguous between day and month).
DATE_FORMS = ("%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%d.%m.%Y", "%Y/%m/%d")
EXCEL_TYPES = {b"PK\x03\x04": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
               b"\xd0\xcf\x11\xe0": "application/vnd.ms-excel"}


class Columns(BaseModel):
    """Which header names hold what; only `as_of` and a value (or low/high) are required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    as_of: str
    value: str | None = None
    low: str | None = None
    high: str | None = None
    place: str | None = None
    period_start: str | None = None
    period_end: str | None = None
    url: str | None = None
    source: str | None = None
    published: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _name(cls, value: Any) -> Any:  # YAML reads a column called 2022 as an int
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _figure(self) -> Columns:
        if not (self.value or self.low or self.high):
            raise ValueError("name a value column, or low and high columns")
        if (self.period_start is None) != (self.period_end is None):
            raise ValueError("period_start and period_end come together")
        return self


class Params(BaseModel):
    """`params:` of a csv source: where the table is, its layout, and what its figures count."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    columns: Columns
    metric: Metric
    group: Group = "all"
    scope: Scope = "cumulative"
    modality: Modality = "reported"
    values: Literal["exact", "at-least-verified", "text"] = "exact"
    header_row: int = Field(default=1, ge=1)
    sheet: str | int | None = None
    date_format: str | list[str] | None = None
    encoding: str = "utf-8-sig"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    #: Whose figures the table holds when they are not the publisher's own (a sheet that copies
    #: OHCHR's counts): every row's attribution, unless a `source` column names another.
    attributed_to: str | None = None
    #: Days added to each `as_of` date: -1 for a sheet that dates a figure by the day it was
    #: reported, the day after the figure's own date (OCHA's key figures for OHCHR's counts).
    as_of_offset_days: int = Field(default=0, ge=-366, le=366)


def is_url(file: str) -> bool:
    """Whether `params.file` is fetched over HTTP rather than read from disk."""
    return file.lower().startswith(("http://", "https://"))


def local_path(file: str, ctx: Context | None = None) -> Path:
    """A local table's path: absolute as given, else from sources.yaml's folder."""
    path = Path(file).expanduser()
    if path.is_absolute():
        return path
    base = getattr(ctx, "base_dir", None) or resolve_sources_path().parent
    return Path(base) / path


def fetch(client: httpx.Client, source: SourceConfig, params: Params, ctx: Context) -> list[Snapshot]:
    """Download the table (one snapshot), or read it from disk with its modification time."""
    if is_url(params.file):
        return [get_snapshot(client, source.id, params.file, ctx)]
    path = local_path(params.file, ctx)
    try:
        content = path.read_bytes()
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError as exc:
        raise SourceError(source.id, str(path), f"cannot read the table ({exc.strerror}); check params.file "
                          "(a relative path is read from sources.yaml's folder)") from None
    kind = next((t for magic, t in EXCEL_TYPES.items() if content.startswith(magic)), "text/csv")
    return [Snapshot(source_id=source.id, url=path.resolve().as_uri(), retrieved_at=modified,
                     content=content, content_type=kind)]


def parse(snapshot: Snapshot, source: SourceConfig, params: Params) -> Parsed:
    """Read the table's rows into observations (pure: no network, no clock)."""
    rows, label = _rows(snapshot, source, params)
    if len(rows) < params.header_row:
        raise ParseError(source.id, snapshot.sha256, f"the table has {len(rows)} rows, so no header in "
                         f"row {params.header_row}; check header_row", field="header_row")
    header = [_text(c).strip() for c in rows[params.header_row - 1]]
    out = Parsed()
    where = f"source {source.id!r}, snapshot {snapshot.sha256[:12]}"
    index: dict[str, int] = {}
    for key, name in params.columns.model_dump(exclude_none=True).items():
        found = _column(header, name)
        if found is None and key in ("url", "source", "published"):
            out.problems.append(f"{where}: column {name!r} (columns.{key}) is not in the header; "
                                "read without it")
        elif found is None:
            shown = ", ".join(repr(h) for h in header if h) or "nothing"
            raise ParseError(source.id, snapshot.sha256, f"column {name!r} is not in header row "
                             f"{params.header_row} (found {shown}); the table may have changed",
                             field=f"columns.{key}")
        else:
            index[key] = found
    seen: dict[tuple[Any, ...], tuple[str, Estimate]] = {}
    for number, row in enumerate(rows[params.header_row:], start=params.header_row + 1):
        locator = f"{label} row {number}"
        if all(_blank(c) for c in row):
            continue
        cells = {key: row[i] if i < len(row) else None for key, i in index.items()}
        try:
            observation = _observation(cells, header, index, locator, snapshot, source, params)
        except ValueError as exc:
            out.problems.append(f"{where}, {locator}: {exc}; row skipped")
            continue
        if observation is None:
            continue
        where_when = (observation.place, observation.as_of, observation.period_start, observation.period_end)
        if where_when in seen:
            first, estimate = seen[where_when]
            same = "the same figure" if estimate == observation.estimate else "a different figure"
            out.problems.append(f"{where}, {locator}: repeats {first} (same date and place) with {same}; "
                                "the first is kept")
            continue
        seen[where_when] = (locator, observation.estimate)
        out.observations.append(observation)
    return out


def _rows(snapshot: Snapshot, source: SourceConfig, params: Params) -> tuple[list[list[Any]], str]:
    """The table's rows as cell lists (with a label for locators); whole-file problems raise."""
    content = snapshot.content
    if not content.strip():
        raise ParseError(source.id, snapshot.sha256, f"the table from {snapshot.url} is empty")
    if any(content.startswith(magic) for magic in EXCEL_TYPES):
        return _excel_rows(snapshot, source, params)
    head = content.lstrip()[:200].lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        raise ParseError(source.id, snapshot.sha256, f"the server sent an HTML page instead of a table from "
                         f"{snapshot.url} (a sheet that is not published answers with a sign-in page)")
    try:
        text = content.decode(params.encoding)
    except (UnicodeDecodeError, LookupError):
        raise ParseError(source.id, snapshot.sha256, f"the table is not {params.encoding} text; set "
                         "params.encoding (e.g. cp1252 for a CSV saved by Excel)", field="encoding") from None
    try:
        rows: list[list[Any]] = list(csv.reader(io.StringIO(text), delimiter=params.delimiter, strict=True))
    except csv.Error as exc:
        raise ParseError(source.id, snapshot.sha256, f"not readable as CSV ({exc}); the download may have "
                         "been cut short") from None
    width = len(rows[params.header_row - 1]) if len(rows) >= params.header_row else 0
    if not text.endswith(("\n", "\r")) and len(rows) > params.header_row and len(rows[-1]) < width:
        raise ParseError(source.id, snapshot.sha256, f"the last row has {len(rows[-1])} of {width} cells and "
                         "no line end: the download was cut short")
    return rows, "csv"


def _excel_rows(snapshot: Snapshot, source: SourceConfig, params: Params) -> tuple[list[list[Any]], str]:
    if importlib.util.find_spec("openpyxl") is None:
        raise ParseError(source.id, snapshot.sha256, "reading Excel tables needs the openpyxl package: "
                         "pip install openpyxl")
    import pandas as pd

    sheet = 0 if params.sheet is None else params.sheet
    try:
        book = pd.read_excel(io.BytesIO(snapshot.content), sheet_name=None, header=None, dtype=object)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and XML errors on a damaged file
        raise ParseError(source.id, snapshot.sha256, f"not a readable Excel file ({exc.__class__.__name__}: "
                         f"{exc}); the download may have been cut short") from None
    names = list(book)
    name = names[sheet] if isinstance(sheet, int) and 0 <= sheet < len(names) else sheet
    if name not in book:
        raise ParseError(source.id, snapshot.sha256, f"no sheet {sheet!r}; the workbook has "
                         f"{', '.join(repr(n) for n in names)}", field="sheet")
    frame = book[name]
    return [list(r) for r in frame.itertuples(index=False, name=None)], f"sheet {name!r}"


def _column(header: list[str], name: str) -> int | None:
    """Where `name` is in the header: exactly, else ignoring case and runs of spaces."""
    if name.strip() in header:
        return header.index(name.strip())
    folded = [" ".join(h.split()).casefold() for h in header]
    wanted = " ".join(name.split()).casefold()
    return folded.index(wanted) if wanted in folded else None


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, float) and math.isnan(cell)) or _text(cell).strip().lower() in NO_FIGURE


def _text(cell: Any) -> str:
    """A cell as written: Excel's 1081.0 is "1081", a datetime its ISO date."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == datetime.min.time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


def read_date(cell: Any, formats: str | list[str] | None, field: str) -> date:
    """A date from a cell: a spreadsheet date, or text in `formats` (ISO and unambiguous forms if None)."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    text = _text(cell).strip()
    if formats is None and (len(text) == 10 or text[10:11] in ("T", " ")):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            pass
    for form in [formats] if isinstance(formats, str) else formats or DATE_FORMS:
        try:
            return datetime.strptime(text, form).date()
        except ValueError:
            continue
    hint = "; set params.date_format (e.g. \"%d/%m/%Y\")" if formats is None else f" (date_format {formats!r})"
    raise ValueError(f"column {field!r} holds {text!r}, not a date{hint}")


def _estimate(cells: dict[str, Any], params: Params) -> Estimate | None:
    """The figure a row states, or None if its figure cells are blank; ValueError if unreadable."""
    columns = params.columns
    if columns.low or columns.high:
        low, high, best = (cells.get(k) for k in ("low", "high", "value"))
        if _blank(low) and _blank(high):
            return None
        numbers = {k: count(_text(v).strip(), f"column {getattr(columns, k)!r}")
                   for k, v in (("low", low), ("high", high), ("value", best)) if not _blank(v)}
        if "low" not in numbers:
            raise ValueError(f"column {columns.low!r} is blank but {columns.high!r} is not")
        text = f"{_text(low)} to {_text(high)}" if not _blank(high) else f"at least {_text(low)}"
        if "value" in numbers:
            text = f"{_text(best)} ({text})"
        return Estimate(low=numbers["low"], best=numbers.get("value"), high=numbers.get("high"), text=text,
                        rule="source-range")
    cell = cells.get("value")
    if _blank(cell):
        return None
    text = _text(cell).strip()
    if params.values == "text":
        try:
            return parse_estimate(text)
        except NormalisationError as exc:
            raise ValueError(f"column {columns.value!r}: {exc}") from None
    try:
        number = count(text, f"column {columns.value!r}")
    except ValueError:
        try:
            ranged = parse_estimate(text)
        except NormalisationError:
            ranged = None
        if ranged is None or ranged.rule != "range":
            raise ValueError(f"column {columns.value!r} holds {text!r}, not a count; set values: text to "
                             "read words") from None
        return ranged
    if params.values == "at-least-verified":
        return Estimate(low=number, best=number, high=None, text=text, rule="at-least-verified")
    return Estimate.exact(number, text=text)


def _observation(cells: dict[str, Any], header: list[str], index: dict[str, int], locator: str,
                 snapshot: Snapshot, source: SourceConfig, params: Params) -> Observation | None:
    estimate = _estimate(cells, params)
    if estimate is None:
        return None
    columns = params.columns
    if _blank(cells["as_of"]):
        raise ValueError(f"column {columns.as_of!r} is blank")
    day = read_date(cells["as_of"], params.date_format, columns.as_of) + timedelta(days=params.as_of_offset_days)
    start = end = None
    if columns.period_start and columns.period_end:
        start = read_date(cells["period_start"], params.date_format, columns.period_start)
        end = read_date(cells["period_end"], params.date_format, columns.period_end)
    elif params.scope == "incident":
        start = end = day
    place = (_text(cells["place"]).strip() or None) if "place" in cells else None
    published = None
    if "published" in cells and not _blank(cells["published"]):
        published = datetime.combine(read_date(cells["published"], params.date_format, str(columns.published)),
                                     datetime.min.time(), UTC)
    attributed = ((_text(cells["source"]).strip() or None) if "source" in cells else None) or params.attributed_to
    quote = {header[i]: _text(cells[key]) for key, i in index.items()}
    return Observation(
        metric=params.metric, group=params.group, area=source.area, place=place, as_of=day,
        period_start=start, period_end=end, scope=params.scope, modality=params.modality, estimate=estimate,
        provenance=Provenance(
            source_id=source.id, publisher=source.publisher, url=snapshot.url, title=source.title,
            published_at=published, retrieved_at=snapshot.retrieved_at, snapshot_sha256=snapshot.sha256,
            locator=locator, quote=json.dumps(quote, ensure_ascii=False), adapter=NAME, adapter_version=VERSION,
            attributed_to=attributed,
        ),
    )
