"""What every adapter shares: the result of `parse` and the shape of an adapter module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from pydantic import BaseModel

from ..errors import SourceError
from ..http import response_time
from ..models import Observation, Snapshot


@dataclass
class Parsed:
    """What `parse` found in one snapshot: observations, and the records it had to skip and why."""

    observations: list[Observation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class Adapter(Protocol):
    """The shape every adapter module has."""

    NAME: str
    VERSION: str
    Params: type[BaseModel]

    def fetch(self, client: httpx.Client, source: Any, params: Any) -> list[Snapshot]: ...

    def parse(self, snapshot: Snapshot, source: Any, params: Any) -> Parsed: ...


def get_snapshot(client: httpx.Client, source_id: str, url: str, **kwargs: Any) -> Snapshot:
    """GET `url` and keep the response as a snapshot; HTTP and network errors become SourceError."""
    try:
        response = client.get(url, **kwargs)
        response.raise_for_status()
    except httpx.HTTPStatusError as exc:
        raise SourceError(source_id, url, f"GET returned {exc.response.status_code}") from exc
    except httpx.HTTPError as exc:
        raise SourceError(source_id, url, f"GET failed: {exc.__class__.__name__}: {exc}") from exc
    return Snapshot(source_id=source_id, url=url, retrieved_at=response_time(response),
                    content=response.content, content_type=response.headers.get("Content-Type"))
