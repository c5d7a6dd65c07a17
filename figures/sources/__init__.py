"""The adapter registry: one module per source, all of the same shape.

An adapter module has `NAME`, `VERSION`, a pydantic `Params` model for its `params:` in
sources.yaml, `fetch(client, source, params) -> list[Snapshot]` (network) and
`parse(snapshot, source, params) -> Parsed` (pure). Third-party adapters register through the
`figures.sources` entry-point group; they are loaded on first use, and a broken one is reported
without stopping the others.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from types import ModuleType

from . import text, unhcr_odp
from .base import Adapter, Parsed

__all__ = ["ADAPTERS", "Adapter", "Parsed", "get_adapter"]

log = logging.getLogger(__name__)


ADAPTERS: dict[str, ModuleType] = {
    text.NAME: text,
    unhcr_odp.NAME: unhcr_odp,
}

_plugins_loaded = False


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for ep in entry_points(group="figures.sources"):
        if ep.name in ADAPTERS:
            continue
        try:
            ADAPTERS[ep.name] = ep.load()
        except Exception as exc:  # a broken plugin is reported, never fatal
            log.warning("adapter plugin %r (%s) could not be loaded: %s", ep.name, ep.value, exc)


def get_adapter(name: str) -> Adapter:
    """The adapter registered under `name`; KeyError naming the known adapters otherwise."""
    if name not in ADAPTERS:
        _load_plugins()
    try:
        return ADAPTERS[name]  # type: ignore[return-value]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise KeyError(f"unknown adapter {name!r}; known adapters: {known}") from None
