"""The loop of `iter_rows` shared by adapters of large exports: each record through the adapter's fast
row maker, else through its observations, so a record the fast path declines is read, or skipped,
exactly as its `iter_parse` does (`figures.rows`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..models import Observation
from ..rows import Row, as_row
from .base import skipped_record

#: An adapter's fast path for one snapshot: `(record, locator)` -> its rows, or None for a record a
#: check could fail on (it then goes through the adapter's observations).
RowMaker = Callable[[Any, str], list[Row] | None]


def record_rows(records: Iterable[tuple[str, Any]], observations: Callable[[Any, str], Iterable[Observation]],
                problems: list[str], source_id: str, sha256: str, *, rows: RowMaker | None = None,
                first: Callable[[Mapping[str, Any]], RowMaker] | None = None) -> Iterator[Row]:
    """The rows of `records` (locator, record): `rows(record, locator)`, else `as_row` of `observations`.

    `first` makes the row maker from the first whole record (a CSV export, whose records share one
    set of columns) when `rows` is not given. A record whose `observations` raise ValueError is
    skipped, with the problem line `iter_parse` gives (`skipped_record`).
    """
    for locator, record in records:
        if rows is None and first is not None and "_width" not in record:
            rows = first(record)
        clean = rows(record, locator) if rows is not None else None
        if clean is not None:
            yield from clean
            continue
        try:
            found = observations(record, locator)
        except ValueError as exc:
            problems.append(skipped_record(source_id, sha256, locator, exc))
            continue
        yield from map(as_row, found)
