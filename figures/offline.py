"""The offline default: snapshots shipped in the package, replayed as if from the network.

`figures update --offline` builds the usual client on a transport that answers each request
from the `figures/data/offline/manifest*.json` files (url -> file, retrieved time; one manifest per
adapter), so the same fetch and
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

from .secrets import SECRET_PARAMS

#: The header the replay puts on its 404 for a request it has no recording of.
OFFLINE_MISSING = "X-Figures-Offline-Missing"


def _folder() -> Traversable:
    return resources.files("figures") / "data" / "offline"


def _key(url: str | httpx.URL) -> str:
    """What identifies a request: host, path and parameters in any order, credentials left out."""
    u = httpx.URL(url)
    params = sorted(f"{k}={v}" for k, v in u.params.multi_items() if k.lower() not in SECRET_PARAMS)
    return f"{u.scheme}://{u.host}{u.path}?{'&'.join(params)}"


def manifest() -> list[dict[str, str]]:
    """The recorded responses (url, file, retrieved time, what it holds) from every manifest*.json."""
    entries: list[dict[str, str]] = []
    for item in sorted(_folder().iterdir(), key=lambda t: t.name):
        if item.name.startswith("manifest") and item.name.endswith(".json"):
            entries.extend(json.loads(item.read_text(encoding="utf-8")))
    return entries


def _content_type(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower()
    return {"csv": "text/csv; charset=utf-8", "html": "text/html; charset=utf-8",
            "txt": "text/plain; charset=utf-8"}.get(suffix, "application/json")


def replay_transport() -> httpx.MockTransport:
    """A transport that serves the shipped snapshots and answers 404 for anything else."""
    recorded: dict[str, dict[str, str]] = {}
    for entry in manifest():
        key = _key(entry["url"])
        if key in recorded and recorded[key]["file"] != entry["file"]:
            raise ValueError(f"two offline snapshots answer {entry['url']}: {recorded[key]['file']} and "
                             f"{entry['file']}; give one of them another url in its manifest")
        recorded[key] = entry

    def handler(request: httpx.Request) -> httpx.Response:
        entry = recorded.get(_key(request.url))
        if entry is None:
            return httpx.Response(404, text=f"no offline snapshot is shipped for {request.url}",
                                  headers={OFFLINE_MISSING: "1"})
        body = (_folder() / entry["file"]).read_bytes()
        when = datetime.fromisoformat(entry["retrieved"])
        return httpx.Response(200, content=body, headers={
            "Content-Type": entry.get("content_type") or _content_type(entry["file"]),
            "Date": email.utils.format_datetime(when, usegmt=True),
        })

    return httpx.MockTransport(handler)
