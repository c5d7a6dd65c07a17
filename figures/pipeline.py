"""Fetch, archive, parse and store: one source at a time, a failure never stopping the rest."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import httpx

from .config import SourceConfig, SourcesFile
from .errors import FiguresError
from .models import Snapshot
from .sources import get_adapter
from .store import Store

log = logging.getLogger(__name__)

Status = Literal["ok", "partial", "failed"]


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


def store_snapshot(store: Store, source: SourceConfig, snapshot: Snapshot, outcome: Outcome) -> None:
    """Parse one snapshot and store it with its observations in one transaction.

    A snapshot that cannot be read raises and stores nothing; records that cannot be read are
    skipped and listed in `outcome.problems`.
    """
    adapter = get_adapter(source.adapter)
    params = adapter.Params.model_validate(source.params)
    parsed = adapter.parse(snapshot, source, params)
    result = store.add(snapshot, parsed.observations)
    outcome.snapshots += result.snapshots_added
    outcome.added += result.observations_added
    outcome.known += result.observations_known
    outcome.problems.extend(parsed.problems)
    if parsed.problems and outcome.status == "ok":
        outcome.status = "partial"


def update_source(store: Store, client: httpx.Client, source: SourceConfig) -> Outcome:
    """Fetch one source and store what it serves; every error ends up in the outcome."""
    outcome = Outcome(source.id)
    started = datetime.now(UTC)
    try:
        adapter = get_adapter(source.adapter)
        params = adapter.Params.model_validate(source.params)
        for snapshot in adapter.fetch(client, source, params):
            store_snapshot(store, source, snapshot, outcome)
    except FiguresError as exc:
        outcome.status, outcome.error = "failed", str(exc)
    except Exception as exc:  # an adapter bug must not stop the other sources
        log.exception("source %r failed unexpectedly", source.id)
        outcome.status = "failed"
        outcome.error = f"source {source.id!r}: unexpected {exc.__class__.__name__}: {exc}; please report it"
    try:
        store.record_run(source.id, started, outcome.status, outcome.added, outcome.error)
    except Exception as exc:  # the run log is a convenience; the data above is already stored
        log.warning("could not record the run of %r: %s", source.id, exc)
    return outcome


def update(store: Store, client: httpx.Client, config: SourcesFile, ids: Iterable[str] = (),
           on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Update the chosen sources (all when `ids` is empty), in sources.yaml order."""
    wanted = list(ids)
    chosen = [config.get(i) for i in wanted] if wanted else list(config.sources)
    outcomes = []
    for source in chosen:
        outcome = update_source(store, client, source)
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes


def ingest_file(store: Store, path: Path, source: SourceConfig, url: str | None = None) -> Outcome:
    """Parse a response saved by hand through the source's adapter and store it."""
    outcome = Outcome(source.id)
    started = datetime.now(UTC)
    content = path.read_bytes()
    snapshot = Snapshot(source_id=source.id, url=url or path.name,
                        retrieved_at=datetime.fromtimestamp(path.stat().st_mtime, UTC), content=content)
    try:
        store_snapshot(store, source, snapshot, outcome)
    except FiguresError as exc:
        outcome.status, outcome.error = "failed", f"{path}: {exc}"
    store.record_run(source.id, started, outcome.status, outcome.added, outcome.error)
    return outcome
