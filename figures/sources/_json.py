"""Helpers shared by adapters that read JSON: decoding with clear errors, reading counts."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from ..errors import ParseError
from ..models import Snapshot


def load_json(snapshot: Snapshot) -> Any:
    """Decode a snapshot as JSON; an HTML page or truncated body raises a ParseError saying so."""
    if not snapshot.content.strip():
        raise ParseError(snapshot.source_id, snapshot.sha256,
                         f"the server sent an empty response from {snapshot.url}; try again later")
    head = snapshot.content.lstrip()[:200].lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        raise ParseError(snapshot.source_id, snapshot.sha256,
                         f"the server sent an HTML or XML page instead of JSON from {snapshot.url} "
                         "(often an error or maintenance page); check the url in sources.yaml")
    try:
        return json.loads(snapshot.content)
    except UnicodeDecodeError as exc:
        raise ParseError(snapshot.source_id, snapshot.sha256, f"the response is not UTF-8 text: {exc}") from None
    except json.JSONDecodeError as exc:
        cut = exc.pos >= len(snapshot.content.rstrip()) - 1 or exc.msg.startswith("Unterminated string")
        what = "truncated JSON (the download was cut short)" if cut else "not valid JSON"
        raise ParseError(snapshot.source_id, snapshot.sha256,
                         f"{what} at line {exc.lineno} column {exc.colno}: {exc.msg}") from None


def dig(document: Any, path: list[str | int], snapshot: Snapshot) -> Any:
    """Follow `path` into a decoded document; a missing step raises a ParseError naming it."""
    here = document
    for i, step in enumerate(path):
        try:
            here = here[step]
        except (KeyError, IndexError, TypeError):
            field = ".".join(str(p) for p in path[: i + 1])
            raise ParseError(snapshot.source_id, snapshot.sha256,
                             "the response has no such field; the source may have changed its format",
                             field=field) from None
    return here


def count(value: Any, field: str) -> int:
    """A head count from an int or a numeric string ("1256568", "1,256,568"); ValueError otherwise."""
    if isinstance(value, bool):
        raise ValueError(f"{field} is a boolean ({value!r}), not a count")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().replace(",", "").lstrip("-").isdigit():
        number = int(value.strip().replace(",", ""))
    else:
        raise ValueError(f"{field} is {value!r}, not a count")
    if number < 0:
        raise ValueError(f"{field} is negative ({number})")
    return number


def iso_date(value: Any, field: str) -> date:
    """A date from an ISO 'YYYY-MM-DD' string; ValueError naming the field otherwise."""
    if not isinstance(value, str):
        raise ValueError(f"{field} is {value!r}, not a date")
    try:
        day = value[:10] if len(value) == 10 or value[10:11] in ("T", " ") else value
        return date.fromisoformat(day)
    except ValueError:
        raise ValueError(f"{field} is {value!r}, not a YYYY-MM-DD date") from None
