"""Helpers shared by adapters that read CSV exports: the format of a snapshot, and streamed records."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator

from ..errors import ParseError
from ..models import Snapshot


def content_format(snapshot: Snapshot, default: str) -> str:
    """The snapshot's own content type when it names CSV or JSON (a file saved by hand), else `default`."""
    kind = (snapshot.content_type or "").lower()
    return "csv" if "csv" in kind else "json" if "json" in kind else default


def csv_records(snapshot: Snapshot, required: Iterable[str], what: str, hint: str, *, empty_ok: bool,
                skip_hxl: bool = False,
                check_header: Callable[[list[str]], None] | None = None) -> Iterator[tuple[str, dict[str, str]]]:
    """The rows of a CSV export as (locator, record), streamed so a large export is never held twice.

    A row of the wrong width is yielded as `{"_width": ...}` for the adapter to report and skip.
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
        for n, row in enumerate(reader, start=2):
            if skip_hxl and any(v.startswith("#") for v in row[:2] if v):
                continue  # HDX's HXL hashtag row
            if len(row) != width:
                yield f"csv row {n}", {"_width": f"{len(row)} of {width} columns (a cut or misquoted line)"}
            else:
                yield f"csv row {n}", dict(zip(header, row, strict=True))
    except UnicodeDecodeError as exc:
        raise ParseError(snapshot.source_id, snapshot.sha256, f"the CSV is not UTF-8: {exc}") from None
    except csv.Error as exc:
        raise ParseError(snapshot.source_id, snapshot.sha256, f"the CSV is malformed near line {reader.line_num}: "
                         f"{exc} (often a download cut short)") from None
