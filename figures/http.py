"""The one `httpx.Client` every adapter receives: User-Agent, timeouts, retries, HTTP cache.

The layers, outermost first: `httpx.Client` (headers, redirects, timeouts) -> hishel's
`CacheTransport` (RFC 9111 cache in the user cache directory; requests that carry a token go around
it) -> `RetryTransport` (tenacity: connection errors, bodies cut short, 429 and 5xx, honouring
`Retry-After`) -> the network transport. Tests pass their own transport (`httpx.MockTransport`),
which then sits where the network would be.
"""

from __future__ import annotations

import email.utils
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import hishel
import httpx
from hishel.httpx import CacheTransport
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from . import __version__
from .secrets import SECRET_PARAMS

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Request headers that carry credentials (ACLED's Bearer token, UCDP's token, the DTM key).
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key", "x-ucdp-access-token",
                            "ocp-apim-subscription-key"})
MAX_RETRY_AFTER = 120.0
#: The largest response body read by default (FIGURES_MAX_RESPONSE_MB changes it).
MAX_RESPONSE_BYTES = 512 * 2**20


class ResponseTooLarge(httpx.HTTPError):
    """A response body beyond the configured limit: refused, never stored."""


class _Capped(httpx.SyncByteStream):
    """A response body that stops with ResponseTooLarge once it passes `limit` bytes."""

    def __init__(self, inner: httpx.SyncByteStream, limit: int, url: str) -> None:
        self.inner, self.limit, self.url, self.seen = inner, limit, url, 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        for chunk in self.inner:
            self.seen += len(chunk)
            if self.seen > self.limit:
                raise ResponseTooLarge(_too_large(self.url, self.limit))
            yield chunk

    def close(self) -> None:
        self.inner.close()


def _too_large(url: str, limit: int) -> str:
    return (f"the response from {url} is larger than {limit / 2**20:,.0f} MB, the limit for one response; "
            "set FIGURES_MAX_RESPONSE_MB higher if the source really serves that much, or ask for less "
            "(a shorter date range, a smaller page)")


class LimitTransport(httpx.BaseTransport):
    """Refuses a response whose declared or actual size passes `limit` bytes."""

    def __init__(self, inner: httpx.BaseTransport, limit: int = MAX_RESPONSE_BYTES) -> None:
        self.inner, self.limit = inner, limit

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        declared = response.headers.get("Content-Length", "")
        url = str(request.url.copy_with(query=None))  # no query: it may carry a token
        if declared.isdigit() and int(declared) > self.limit:
            response.close()
            raise ResponseTooLarge(_too_large(url, self.limit))
        if isinstance(response.stream, httpx.SyncByteStream):
            response.stream = _Capped(response.stream, self.limit, url)
        return response

    def close(self) -> None:
        self.inner.close()


def carries_credentials(request: httpx.Request) -> bool:
    """Whether a request holds a token, in a header or a query parameter."""
    return any(name.lower() in SECRET_HEADERS for name in request.headers) or any(
        name.lower() in SECRET_PARAMS for name, _ in request.url.params.multi_items())


class PublicCacheTransport(httpx.BaseTransport):
    """The HTTP cache for requests without credentials only: the cache stores each request whole, so a
    request that carries a token goes around it and no token is ever written to the cache on disk."""

    def __init__(self, cache: httpx.BaseTransport, direct: httpx.BaseTransport) -> None:
        self.cache, self.direct = cache, direct

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return (self.direct if carries_credentials(request) else self.cache).handle_request(request)

    def close(self) -> None:
        self.cache.close()
        self.direct.close()


def user_agent(contact: str) -> str:
    """The User-Agent every request carries: the project, its version and a contact."""
    return f"figures/{__version__} (+https://pypi.org/project/figures-tally/; {contact})"


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds a `Retry-After` header asks for (delta or HTTP date), capped; None if absent."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
        if seconds != seconds or seconds in (float("inf"), float("-inf")):  # nan, inf: not a usable delay
            return None
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (_aware(when) - datetime.now(UTC)).total_seconds()
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


class RetryTransport(httpx.BaseTransport):
    """Retries a request on connection errors, 429 and 5xx with backoff, honouring Retry-After."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        backoff: float = 1.0,
    ) -> None:
        self.inner = inner
        self.attempts = attempts
        self.sleep = sleep
        # backoff * 2**(try - 1) plus up to `backoff` of jitter (wait_exponential_jitter's `initial` is
        # deprecated in tenacity 9.2 and its `multiplier` absent before)
        self.backoff = wait_exponential(multiplier=backoff, max=60) + wait_random(0, backoff)

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            asked = retry_after_seconds(outcome.result())
            if asked is not None:
                return asked
        return float(self.backoff(state))

    def _before_sleep(self, state: RetryCallState) -> None:
        outcome = state.outcome
        if outcome is None:
            return
        if outcome.failed:
            why = repr(outcome.exception())
        else:
            response = outcome.result()
            why = f"status {response.status_code}"
            response.close()
        log.warning("retrying %s (%s), attempt %d of %d", state.args[0].url, why,
                    state.attempt_number + 1, self.attempts)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts),
            wait=self._wait,
            sleep=self.sleep,
            retry=retry_if_exception_type(httpx.TransportError)
            | retry_if_result(lambda r: r.status_code in RETRY_STATUSES),
            before_sleep=self._before_sleep,
            retry_error_callback=lambda state: state.outcome.result(),  # type: ignore[union-attr]
            reraise=True,
        )
        return retrying(self._send, request)

    def _send(self, request: httpx.Request) -> httpx.Response:
        """One try: the response with its body read, so a download cut short is retried like a reset."""
        response = self.inner.handle_request(request)
        if response.status_code in RETRY_STATUSES:
            return response
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream)
        try:
            raw = b"".join(stream)  # the raw bytes: a Content-Encoding is decoded once, by the client
        finally:
            response.close()
        return httpx.Response(response.status_code, headers=response.headers, stream=httpx.ByteStream(raw),
                              extensions=response.extensions, request=request)

    def close(self) -> None:
        self.inner.close()


def build_client(
    *,
    contact: str = "figures-maintainers@proton.me",
    cache_dir: Path | None = None,
    transport: httpx.BaseTransport | None = None,
    attempts: int = 4,
    sleep: Callable[[float], None] = time.sleep,
    max_bytes: int = MAX_RESPONSE_BYTES,
    timeout: float = 30.0,
    backoff: float = 1.0,
) -> httpx.Client:
    """Build the client adapters use; `cache_dir=None` turns the HTTP cache off. A response larger
    than `max_bytes` is refused with ResponseTooLarge (an httpx.HTTPError, so a SourceError).

    >>> client = build_client(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    """
    inner = transport if transport is not None else httpx.HTTPTransport()
    chain: httpx.BaseTransport = RetryTransport(LimitTransport(inner, max_bytes), attempts=attempts, sleep=sleep,
                                                backoff=backoff)
    if cache_dir is not None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        storage = hishel.SqliteStorage(database_path=cache_dir / "http-cache.sqlite")
        cached = CacheTransport(chain, storage=storage, rfc=hishel.CacheOptions(shared=False))
        chain = PublicCacheTransport(cached, chain)
    return httpx.Client(
        transport=chain,
        headers={"User-Agent": user_agent(contact), "Accept": "application/json, */*;q=0.5"},
        timeout=httpx.Timeout(timeout, connect=min(10.0, timeout / 3)),
        follow_redirects=True,
    )


def _aware(moment: datetime) -> datetime:
    """An HTTP date in UTC; a '-0000' zone parses naive, and HTTP dates are UTC by definition."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def response_time(response: httpx.Response) -> datetime:
    """When the server produced the response (its `Date` header), else now, in UTC."""
    value = response.headers.get("Date")
    if value:
        try:
            return _aware(email.utils.parsedate_to_datetime(value))
        except (TypeError, ValueError):
            pass
    return datetime.now(UTC)
