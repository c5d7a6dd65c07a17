"""What the adapter tests share to fake a server and fail it: handlers for httpx.MockTransport, the
project's client on them, an update run against them, the snapshot of a recorded response, and
the state of a store that a failed run must leave as it was.

    update_with(store, answers(httpx.Response(429, headers={"Retry-After": "7"}), GOOD), source, sleeps=sleeps)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import httpx

from figures.config import SourceConfig
from figures.http import build_client
from figures.models import Snapshot
from figures.pipeline import Outcome, update_source
from figures.secrets import Secrets
from figures.store import Store

OFFLINE = Path(__file__).resolve().parents[1] / "figures" / "data" / "offline"
#: A token's value in the environment: no message, url or snapshot may show it.
TOKEN = "test-token-value"

Handler = Callable[[httpx.Request], httpx.Response]
#: A fake server's fault: given the request and how many the server has had, a Response, or None to answer as usual.
Fault = Callable[[httpx.Request, int], httpx.Response | None]


def fresh(response: httpx.Response) -> httpx.Response:
    """A new Response like `response`: the client closes what it retries, so one object is never served twice."""
    return httpx.Response(response.status_code, headers=response.headers, content=response.content)


def answers(*served: Any, seen: list[httpx.Request] | None = None, headers: Mapping[str, str] | None = None,
            repeat_last: bool = True) -> Handler:
    """Serve `served` in turn: a Response as it is (a fresh one each time), an exception raised, anything
    else as a 200 JSON answer with `headers`. The last is served again and again; with `repeat_last=False`
    a request past it fails the test (IndexError)."""
    queue = list(served)

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        now = queue.pop(0) if len(queue) > 1 or not repeat_last else queue[0]
        if isinstance(now, Exception):
            raise now
        if isinstance(now, httpx.Response):
            return fresh(now)
        return httpx.Response(200, json=now, headers=headers)
    return handler


def time_out(request: httpx.Request, *_: object) -> NoReturn:
    """A handler, or a fake server's fault, under which every request times out."""
    raise httpx.ReadTimeout("timed out", request=request)


def first_time(response: httpx.Response) -> Fault:
    """A fake server's fault: `response` to the first request, then the server's usual answers."""
    return lambda request, n: fresh(response) if n == 1 else None


def mock_client(handler: Handler, sleeps: list[float] | None = None, **options: Any) -> httpx.Client:
    """The project's client on httpx.MockTransport(handler); its waits between retries go to `sleeps`, never slept."""
    sleep = sleeps.append if sleeps is not None else (lambda s: None)
    return build_client(transport=httpx.MockTransport(handler), sleep=sleep, **options)


def update_with(store: Store, handler: Handler, source: SourceConfig, secrets: Secrets | None = None,
                sleeps: list[float] | None = None, **options: Any) -> Outcome:
    """`update_source` (what `figures update` runs) for `source`, answered by `handler`."""
    with mock_client(handler, sleeps, **options) as client:
        return update_source(store, client, source, secrets)


def recorded_snapshot(entry: Mapping[str, str], source_id: str, folder: Path = OFFLINE,
                      content_type: str | None = None) -> Snapshot:
    """The snapshot of a manifest entry: its file in `folder`, with the entry's url and retrieval time."""
    return Snapshot(source_id=source_id, url=entry["url"], retrieved_at=datetime.fromisoformat(entry["retrieved"]),
                    content=(folder / entry["file"]).read_bytes(), content_type=content_type)


def state(store: Store, source_id: str, *columns: str) -> tuple[dict[str, int], dict[str, Any], list[tuple[Any, ...]]]:
    """What a failed run leaves as it was: the store's counts, the source's cursor, `columns` of every row."""
    return store.count(), store.cursor(source_id), [tuple(r[c] for c in columns) for r in store.rows()]


#: Words of each fault's reason in a failed update's error: a fault that turned into another failure
#: (a timeout answered as a bad page, say) must not pass for it.
FAULT_WHY = {"truncated": "truncated JSON", "html": "HTML or XML page instead of JSON", "schema": "changed its format",
             "not-allowed": "Access denied", "503-forever": "GET returned 503", "500-forever": "GET returned 503",
             "timeout": "GET failed: ReadTimeout", "403": "GET returned 403"}
