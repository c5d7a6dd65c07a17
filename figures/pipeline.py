"""Fetch, archive, parse and store: one source at a time, a failure never stopping the rest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import httpx
import sqlalchemy as sa

from .config import SourceConfig, SourcesFile
from .errors import FiguresError, OfflineMissing
from .models import Snapshot
from .rows import as_row
from .secrets import Secrets, needs_message, redact
from .sources import get_adapter
from .sources.base import Context, needs
from .store import Store

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)

Status = Literal["ok", "partial", "failed", "skipped"]

#: What a saved file holds, by its suffix (adapters that read several formats look at it).
CONTENT_TYPES = {".csv": "text/csv", ".json": "application/json", ".html": "text/html", ".htm": "text/html",
                 ".txt": "text/plain", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass
class Outcome:
    """How one source went: status, rows added, rows already known, records skipped, the error."""

    source_id: str
    status: Status = "ok"
    snapshots: int = 0
    added: int = 0
    known: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None


def store_snapshot(store: Store, source: SourceConfig, snapshot: Snapshot, outcome: Outcome,
                   conn: Connection | None = None) -> None:
    """Parse one snapshot and store it with its observations, in `conn`'s transaction or its own.

    A snapshot that cannot be read raises and stores nothing; records that cannot be read are
    skipped and listed in `outcome.problems`. An adapter that reads large exports yields plain
    rows (`iter_rows`) or observations one at a time (`iter_parse`): they are stored in chunks,
    so memory stays flat.
    """
    adapter = get_adapter(source.adapter)
    params = adapter.Params.model_validate(source.params)
    rows = getattr(adapter, "iter_rows", None)
    stream = getattr(adapter, "iter_parse", None)
    problems: list[str] = []
    if rows is not None:
        result = store.add_rows(snapshot, rows(snapshot, source, params, problems), conn)
    elif stream is not None:
        result = store.add_rows(snapshot, map(as_row, stream(snapshot, source, params, problems)), conn)
    else:
        parsed = adapter.parse(snapshot, source, params)
        result, problems = store.add(snapshot, parsed.observations, conn), parsed.problems
    outcome.snapshots += result.snapshots_added
    outcome.added += result.observations_added
    outcome.known += result.observations_known
    outcome.problems.extend(problems)
    if problems and outcome.status == "ok":
        outcome.status = "partial"


def update_source(store: Store, client: httpx.Client, source: SourceConfig, secrets: Secrets | None = None,
                  offline: bool = False, lock_timeout: float = 600.0) -> Outcome:
    """Fetch one source and store what it serves; every error ends up in the outcome, redacted.

    Everything a run writes (snapshots, then their observations, the cursor, the run record) is
    one transaction, opened after the fetch: an interrupted run leaves the store as it was. Two
    runs on one source take turns (`Store.writing`). A source whose tokens are unset is skipped,
    saying what to set; offline replays need no tokens.
    """
    secrets = secrets or Secrets()
    outcome = Outcome(source.id)
    started = datetime.now(UTC)
    try:
        adapter = get_adapter(source.adapter)
        missing = secrets.missing(needs(adapter))
        if missing and not offline:
            outcome.status, outcome.error = "skipped", needs_message(missing)
            return outcome
        params = adapter.Params.model_validate(source.params)
        with store.writing(source.id, lock_timeout, on_wait=lambda message: log.warning("%s", message)):
            # an offline replay serves fixed recordings: it neither starts from nor moves the cursor
            ctx = Context(secrets=secrets, cursor={} if offline else store.cursor(source.id), offline=offline,
                          source_id=source.id)
            # the network stays out of the transaction: a slow source never holds the database
            fetched = [snapshot.model_copy(update={"url": redact(snapshot.url, secrets)})
                       for snapshot in adapter.fetch(client, source, params, ctx)]
            with store.transaction() as conn:
                for snapshot in fetched:
                    store_snapshot(store, source, snapshot, outcome, conn)
                # records there were, and not one could be read (an empty answer says "returned no records")
                unreadable = bool(fetched) and not (outcome.added or outcome.known) and any(
                    "returned no records" not in problem for problem in outcome.problems)
                if unreadable:  # not one record could be read: its format may have changed
                    outcome.status = "failed"
                    outcome.error = (f"not one of its records could be read ({len(outcome.problems)} skipped); "
                                     "its format may have changed. The responses are stored: once the adapter "
                                     "is fixed, `figures update --reparse` reads them; the next update asks "
                                     "for the same records again")
                if not offline and not unreadable:  # the cursor stays: the same records are asked for again
                    store.set_cursor(source.id, ctx.cursor, conn)
                store.record_run(source.id, started, outcome.status, outcome.added, outcome.error, conn)
        return outcome
    except OfflineMissing:
        outcome.status = "skipped"
        outcome.error = "no offline snapshot is shipped for this source; run without --offline"
    except FiguresError as exc:
        outcome.status, outcome.error = "failed", redact(str(exc), secrets)
    except sa.exc.SQLAlchemyError as exc:  # reading the cursor of a damaged store, say
        outcome.status, outcome.error = "failed", redact(str(store.failure(exc, "reading")), secrets)
    except Exception as exc:  # an adapter bug must not stop the other sources
        log.exception("source %r failed unexpectedly", source.id)
        outcome.status = "failed"
        outcome.error = redact(f"source {source.id!r}: unexpected {exc.__class__.__name__}: {exc}; please report it",
                               secrets)
    # the transaction was rolled back: nothing of this run is stored
    outcome.snapshots = outcome.added = outcome.known = 0
    try:
        store.record_run(source.id, started, outcome.status, 0, outcome.error)
    except Exception as exc:  # the run log is a convenience; a full or read-only store refuses it too
        log.warning("could not record the run of %r: %s", source.id, exc)
    return outcome


def update(store: Store, client: httpx.Client, config: SourcesFile, ids: Iterable[str] = (),
           on_done: Callable[[Outcome], None] | None = None, secrets: Secrets | None = None,
           offline: bool = False, lock_timeout: float = 600.0) -> list[Outcome]:
    """Update the chosen sources (all when `ids` is empty), in sources.yaml order."""
    wanted = list(ids)
    chosen = [config.get(i) for i in wanted] if wanted else list(config.sources)
    secrets = secrets or Secrets()
    outcomes = []
    for source in chosen:
        outcome = update_source(store, client, source, secrets, offline, lock_timeout)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes


def reparse(store: Store, config: SourcesFile, ids: Iterable[str] = (),
            on_done: Callable[[Outcome], None] | None = None, lock_timeout: float = 600.0) -> list[Outcome]:
    """Re-derive observations from every stored snapshot with the current parsers (no network).

    A parser fix that changes a figure adds a row; unchanged figures add nothing. Each source is
    re-read holding its writer lock, like an update (`Store.writing`).
    """
    wanted = list(ids)
    chosen = [config.get(i) for i in wanted] if wanted else list(config.sources)
    outcomes = []
    for source in chosen:
        outcome = Outcome(source.id)
        try:
            with store.writing(source.id, lock_timeout, on_wait=lambda message: log.warning("%s", message)):
                for snapshot in store.snapshots_of(source.id):
                    try:
                        store_snapshot(store, source, snapshot, outcome)
                    except FiguresError as exc:
                        outcome.problems.append(str(exc))
                        outcome.status = "partial"
        except FiguresError as exc:
            outcome.status, outcome.error = "failed", str(exc)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes


def ingest_file(store: Store, path: Path, source: SourceConfig, url: str | None = None,
                lock_timeout: float = 600.0) -> Outcome:
    """Parse a response saved by hand through the source's adapter and store it, holding the
    source's writer lock like an update (two writers of one source would both find a record new,
    and both change its incidents' daily sums)."""
    outcome = Outcome(source.id)
    started = datetime.now(UTC)
    content = path.read_bytes()
    snapshot = Snapshot(source_id=source.id, url=url or path.name,
                        retrieved_at=datetime.fromtimestamp(path.stat().st_mtime, UTC), content=content,
                        content_type=CONTENT_TYPES.get(path.suffix.lower()))
    try:
        with store.writing(source.id, lock_timeout, on_wait=lambda message: log.warning("%s", message)):
            store_snapshot(store, source, snapshot, outcome)
    except FiguresError as exc:
        outcome.status, outcome.error = "failed", f"{path}: {exc}"
    store.record_run(source.id, started, outcome.status, outcome.added, outcome.error)
    return outcome
