"""Helpers shared by adapters that read CSV exports: the format of a snapshot, streamed records, quotes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from operator import itemgetter
from typing import Any

from ..errors import ParseError
from ..models import Snapshot


def content_format(snapshot: Snapshot, default: str) -> str:
    """The snapshot's own content type when it names CSV or JSON (a file saved by hand), else `default`."""
    kind = (snapshot.content_type or "").lower()
    return "csv" if "csv" in kind else "json" if "json" in kind else default


def csv_records(snapshot: Snapshot, required: Iterable[str], what: str, hint: str, *, empty_ok: bool,
                skip_hxl: bool = False, check_header: Callable[[list[str]], None] | None = None,
                fields: Collection[str] | None = None) -> Iterator[tuple[str, dict[str, str]]]:
    """The rows of a CSV export as (locator, record), streamed so a large export is never held twice.

    A row of the wrong width is yielded as `{"_width": ...}` for the adapter to report and skip.
    With `fields`, a record holds only those columns (the ones the adapter reads).
    """
    head = snapshot.content[:400].removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if not head:
        if empty_ok:
            return  # an empty page: no records
        raise ParseError(snapshot.source_id, snapshot.sha256, f"the server sent an empty response from {snapshot.url}")
    if head.startswith((b"<", b"{", b"[")):
        found = "an HTML page" if head.startswith(b"<") else "JSON"
        raise ParseError(snapshot.source_id, snapshot.sha256, f"expected {what}, found {found}; {hint}")
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(snapshot.content), encoding="utf-8-sig", newline=""))
    try:
        header = next(reader, None) or []
        for name in required:
            if name not in header:
                raise ParseError(snapshot.source_id, snapshot.sha256, f"the CSV has no such column; is this {what}?",
                                 field=name)
        if check_header is not None:
            check_header(header)
        width = len(header)
        kept = [i for i, name in enumerate(header) if fields is None or name in fields]
        names, pick = [header[i] for i in kept], itemgetter(*kept) if len(kept) > 1 else None
        for n, row in enumerate(reader, start=2):
            if skip_hxl and ((row and row[0][:1] == "#") or (len(row) > 1 and row[1][:1] == "#")):
                continue  # HDX's HXL hashtag row
            if len(row) != width:
                yield f"csv row {n}", {"_width": f"{len(row)} of {width} columns (a cut or misquoted line)"}
            elif pick is not None:
                yield f"csv row {n}", dict(zip(names, pick(row), strict=True))
            else:
                yield f"csv row {n}", {name: row[i] for name, i in zip(names, kept, strict=True)}
    except UnicodeDecodeError as exc:
        raise ParseError(snapshot.source_id, snapshot.sha256, f"the CSV is not UTF-8: {exc}") from None
    except csv.Error as exc:
        raise ParseError(snapshot.source_id, snapshot.sha256, f"the CSV is malformed near line {reader.line_num}: "
                         f"{exc} (often a download cut short)") from None


_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def quote_fields(record: Mapping[str, Any], names: Iterable[str]) -> str:
    """The record's fields `names` (those it has) as compact JSON: an observation's quote."""
    return _COMPACT.encode({k: record[k] for k in names if k in record})


def csv_quote(record: Mapping[str, str], names: Iterable[str]) -> Callable[[Mapping[str, str]], str]:
    """`quote_fields` for every record of a CSV export like `record`: the same fields, all text.

    The JSON is a template filled with each record's escaped values: the same text, a third of the time.
    """
    present = [k for k in names if k in record]
    template = "{" + ",".join(encode_basestring(k).replace("%", "%%") + ":%s" for k in present) + "}"
    if not present:
        return lambda r: "{}"
    pick = itemgetter(*present)
    if len(present) == 1:
        return lambda r: template % encode_basestring(pick(r))
    return lambda r: template % tuple(map(encode_basestring, pick(r)))
