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

from . import acled, csv_table, hdx_hapi, iom_dtm, ohchr, reliefweb, text, ucdp_ged, unhcr_odp, unhcr_rdf
from .base import Adapter, Parsed

__all__ = ["ADAPTERS", "Adapter", "Parsed", "get_adapter", "plugin_errors"]

log = logging.getLogger(__name__)


ADAPTERS: dict[str, ModuleType] = {
    acled.NAME: acled,
    csv_table.NAME: csv_table,
    hdx_hapi.NAME: hdx_hapi,
    iom_dtm.NAME: iom_dtm,
    ohchr.NAME: ohchr,
    reliefweb.NAME: reliefweb,
    text.NAME: text,
    ucdp_ged.NAME: ucdp_ged,
    unhcr_odp.NAME: unhcr_odp,
    unhcr_rdf.NAME: unhcr_rdf,
}

_plugins_loaded = False
_plugin_errors: list[str] = []


def _load_plugins() -> None:
    global _plugins_loaded
    if _plugins_loaded:
        return
    _plugins_loaded = True
    for ep in entry_points(group="figures.sources"):
        if ep.name in ADAPTERS:
            continue
        try:
            module = ep.load()
            for attribute in ("NAME", "VERSION", "Params", "fetch", "parse"):
                if not hasattr(module, attribute):
                    raise TypeError(f"it has no {attribute}")
            ADAPTERS[ep.name] = module
        except Exception as exc:  # a broken plugin is reported, never fatal
            message = f"adapter plugin {ep.name!r} ({ep.value}) could not be loaded: {exc}"
            _plugin_errors.append(message)
            log.warning(message)


def plugin_errors() -> list[str]:
    """The third-party adapters that failed to load, and why."""
    _load_plugins()
    return list(_plugin_errors)


def get_adapter(name: str) -> Adapter:
    """The adapter registered under `name`; KeyError naming the known adapters otherwise."""
    if name not in ADAPTERS:
        _load_plugins()
    try:
        return ADAPTERS[name]  # type: ignore[return-value]
    except KeyError:
        known = ", ".join(sorted(ADAPTERS))
        raise KeyError(f"unknown adapter {name!r}; known adapters: {known}") from None
