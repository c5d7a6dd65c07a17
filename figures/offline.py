"""The offline default: snapshots shipped in the package, replayed as if from the network.

`figures update --offline` builds the usual client on a transport that answers each request
from `figures/data/offline/manifest.json` (url -> file, retrieved time), so the same fetch and
parse code runs with no network. The files are written by the project in the sources' real
response shapes from real published figures.
"""

from __future__ import annotations

import email.utils
import json
from datetime import datetime
from importlib import resources
from importlib.resources.abc import Traversable

import httpx

MANIFEST = "manifest.json"


def _folder() -> Traversable:
    return resources.files("figures") / "data" / "offline"


def _key(url: str | httpx.URL) -> str:
    u = httpx.URL(url)
    return f"{u.scheme}://{u.host}{u.path}?{'&'.join(sorted(str(u.params).split('&')))}"


def manifest() -> list[dict[str, str]]:
    """The recorded responses: url, file, retrieved (ISO time), and what the file holds."""
    entries: list[dict[str, str]] = json.loads((_folder() / MANIFEST).read_text(encoding="utf-8"))
    return entries


def replay_transport() -> httpx.MockTransport:
    """A transport that serves the shipped snapshots and answers 404 for anything else."""
    recorded = {_key(e["url"]): e for e in manifest()}

    def handler(request: httpx.Request) -> httpx.Response:
        entry = recorded.get(_key(request.url))
        if entry is None:
            return httpx.Response(404, text=f"no offline snapshot is shipped for {request.url}")
        body = (_folder() / entry["file"]).read_bytes()
        when = datetime.fromisoformat(entry["retrieved"])
        return httpx.Response(200, content=body, headers={
            "Content-Type": "application/json", "Date": email.utils.format_datetime(when, usegmt=True),
        })

    return httpx.MockTransport(handler)
