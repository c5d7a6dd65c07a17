"""What every adapter shares: the result of `parse` and the shape of an adapter module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from pydantic import BaseModel

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
