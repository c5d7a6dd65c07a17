"""What every adapter shares: its shape, the run context (tokens, incremental cursor), the parse
result, and one GET that keeps a response as a snapshot with credentials redacted."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from pydantic import BaseModel

from ..errors import OfflineMissing, SourceError
from ..http import response_time
from ..models import Observation, Snapshot
from ..secrets import Secrets, needs_message, redact, redact_bytes


@dataclass
class Parsed:
    """What `parse` found in one snapshot: observations, and the records it had to skip and why."""

    observations: list[Observation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What a fetch may use besides the client: tokens, and the cursor of the last successful run.

    `cursor` is the adapter's own small JSON-able state (e.g. ACLED's last `timestamp`); the
    pipeline stores it only after every snapshot of the run was stored.
    """

    secrets: Secrets = field(default_factory=Secrets)
    cursor: dict[str, Any] = field(default_factory=dict)
    offline: bool = False
    source_id: str = "-"

    def secret(self, name: str) -> str:
        """The token `name`; offline replays need none, so they get a placeholder."""
        value = self.secrets.get(name)
        if value:
            return value
        if self.offline:
            return f"offline-{name.lower()}"
        raise SourceError(self.source_id, "-", needs_message([name]))


def collect(stream: Callable[[Snapshot, Any, Any, list[str]], Iterable[Observation]], snapshot: Snapshot,
            source: Any, params: Any) -> Parsed:
    """`parse` for an adapter that parses lazily: its `iter_parse(snapshot, source, params, problems)`, in full."""
    out = Parsed()
    out.observations.extend(stream(snapshot, source, params, out.problems))
    return out


def skipped_record(source_id: str, sha256: str, locator: str, why: object) -> str:
    """The problem line for a record a parser could not read: source, snapshot, where, why."""
    return f"source {source_id!r}, snapshot {sha256[:12]}, {locator}: {why}; record skipped"


class Adapter(Protocol):
    """The shape every adapter module has (NEEDS: the environment variables its source requires).

    An adapter of large exports may also read lazily: `iter_parse(snapshot, source, params, problems)`
    yields observations, and `iter_rows` the same as plain rows (`figures.rows`), which the pipeline
    prefers (`Store.add_rows`).
    """

    NAME: str
    VERSION: str
    Params: type[BaseModel]

    def fetch(self, client: httpx.Client, source: Any, params: Any, ctx: Context) -> list[Snapshot]: ...

    def parse(self, snapshot: Snapshot, source: Any, params: Any) -> Parsed: ...


def needs(adapter: Any) -> tuple[str, ...]:
    """The environment variables an adapter needs (none for most)."""
    return tuple(getattr(adapter, "NEEDS", ()))


def check(response: httpx.Response, source_id: str, ctx: Context | None = None,
          needed: tuple[str, ...] = ()) -> None:
    """Raise a SourceError for an HTTP error; 401/403 say which token to set and where."""
    if response.is_success:
        return
    url = redact(str(response.request.url), ctx.secrets if ctx else None)
    status = response.status_code
    if status == 404 and response.headers.get("X-Figures-Offline-Missing"):
        raise OfflineMissing(source_id, url, "no offline snapshot is shipped for this request")
    if status in (401, 403) and needed:
        raise SourceError(source_id, url, f"GET returned {status}: the source refused the credentials; "
                                          f"{needs_message(list(needed))}")
    raise SourceError(source_id, url, f"GET returned {status}")


def get_snapshot(client: httpx.Client, source_id: str, url: str, ctx: Context | None = None,
                 needed: tuple[str, ...] = (), **kwargs: Any) -> Snapshot:
    """GET `url` and keep the response as a snapshot (its url redacted); errors become SourceError."""
    secrets = ctx.secrets if ctx else None
    try:
        response = client.get(url, **kwargs)
    except httpx.HTTPError as exc:
        raise SourceError(source_id, redact(url, secrets),
                          f"GET failed: {exc.__class__.__name__}: {redact(str(exc), secrets)}") from exc
    check(response, source_id, ctx, needed)
    return Snapshot(source_id=source_id, url=redact(str(response.request.url), secrets),
                    retrieved_at=response_time(response), content=redact_bytes(response.content, secrets),
                    content_type=response.headers.get("Content-Type"))
