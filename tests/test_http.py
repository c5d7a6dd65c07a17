"""The one HTTP client: User-Agent, retries with Retry-After, redirects, the RFC 9111 cache.

Every test runs on `httpx.MockTransport` with a fake `sleep`, so nothing waits or touches the
network.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from figures import __version__
from figures.http import MAX_RETRY_AFTER, ResponseTooLarge, build_client, response_time, retry_after_seconds, user_agent

URL = "https://data.unhcr.org/population/get/timeseries?sv_id=54&population_group=5457"


class Recorder:
    """A MockTransport handler that answers from a script and remembers every request."""

    def __init__(self, *answers: httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(request)
        return answer


def client_for(handler: Recorder, sleeps: list[float], **kwargs: object) -> httpx.Client:
    return build_client(transport=httpx.MockTransport(handler), sleep=sleeps.append, **kwargs)  # type: ignore[arg-type]


def test_user_agent_names_the_project_and_a_contact() -> None:
    handler, sleeps = Recorder(httpx.Response(200, json={})), []
    with client_for(handler, sleeps, contact="newsdesk@example.org") as client:
        client.get(URL)
    agent = handler.requests[0].headers["User-Agent"]
    assert agent == user_agent("newsdesk@example.org")
    assert agent.startswith(f"figures/{__version__} ")
    assert "newsdesk@example.org" in agent
    assert "https://" in agent  # where to read about the project


def test_default_contact_is_the_maintainers() -> None:
    handler, sleeps = Recorder(httpx.Response(200, json={})), []
    with client_for(handler, sleeps) as client:
        client.get(URL)
    assert "figures-maintainers@proton.me" in handler.requests[0].headers["User-Agent"]


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_retries_a_transient_status_then_succeeds(status: int) -> None:
    handler = Recorder(httpx.Response(status), httpx.Response(status), httpx.Response(200, json={"ok": True}))
    sleeps: list[float] = []
    with client_for(handler, sleeps) as client:
        response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert len(handler.requests) == 3
    assert len(sleeps) == 2
    assert all(0 <= s <= 60 + 1 for s in sleeps)  # exponential backoff with jitter, capped


def test_honours_retry_after_seconds() -> None:
    handler = Recorder(httpx.Response(503, headers={"Retry-After": "7"}), httpx.Response(200, json={}))
    sleeps: list[float] = []
    with client_for(handler, sleeps) as client:
        assert client.get(URL).status_code == 200
    assert sleeps == [7.0]


def test_caps_a_long_retry_after() -> None:
    handler = Recorder(httpx.Response(429, headers={"Retry-After": "86400"}), httpx.Response(200, json={}))
    sleeps: list[float] = []
    with client_for(handler, sleeps) as client:
        client.get(URL)
    assert sleeps == [MAX_RETRY_AFTER]


def test_gives_up_after_attempts_and_returns_the_last_5xx() -> None:
    answers = [httpx.Response(503, text=f"busy {i}") for i in range(1, 6)]
    handler, sleeps = Recorder(*answers), []
    with client_for(handler, sleeps, attempts=3) as client:
        response = client.get(URL)
    assert response.status_code == 503
    assert response.text == "busy 3"  # the last attempt's answer, readable
    assert len(handler.requests) == 3
    assert len(sleeps) == 2
    with pytest.raises(httpx.HTTPStatusError, match="503"):
        response.raise_for_status()


def test_retries_connection_errors_then_raises() -> None:
    handler = Recorder(httpx.ConnectError("connection refused"))
    sleeps: list[float] = []
    with client_for(handler, sleeps, attempts=4) as client, pytest.raises(httpx.ConnectError, match="refused"):
        client.get(URL)
    assert len(handler.requests) == 4
    assert len(sleeps) == 3


def test_a_connection_error_then_success() -> None:
    handler = Recorder(httpx.ReadTimeout("slow"), httpx.Response(200, json={"n": 1}))
    sleeps: list[float] = []
    with client_for(handler, sleeps) as client:
        assert client.get(URL).json() == {"n": 1}
    assert len(handler.requests) == 2


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_client_errors_are_not_retried(status: int) -> None:
    handler, sleeps = Recorder(httpx.Response(status)), []
    with client_for(handler, sleeps) as client:
        assert client.get(URL).status_code == status
    assert len(handler.requests) == 1
    assert sleeps == []


def test_redirects_are_followed() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.host == "data2.unhcr.org":
            return httpx.Response(301, headers={"Location": str(request.url.copy_with(host="data.unhcr.org"))})
        return httpx.Response(200, json={"host": request.url.host})

    handler, sleeps = Recorder(answer), []
    with client_for(handler, sleeps) as client:
        response = client.get(URL.replace("data.unhcr.org", "data2.unhcr.org"))
    assert response.status_code == 200
    assert response.json() == {"host": "data.unhcr.org"}
    assert [r.url.host for r in handler.requests] == ["data2.unhcr.org", "data.unhcr.org"]
    assert [r.status_code for r in response.history] == [301]


def test_cache_serves_a_fresh_response_without_asking_again(tmp_path: Path) -> None:
    handler = Recorder(lambda request: httpx.Response(
        200, json={"call": len(handler.requests)}, headers={"Cache-Control": "max-age=60"}))
    sleeps: list[float] = []
    with client_for(handler, sleeps, cache_dir=tmp_path / "cache") as client:
        first = client.get(URL)
        second = client.get(URL)
    assert first.json() == second.json() == {"call": 1}
    assert len(handler.requests) == 1
    assert (tmp_path / "cache" / "http-cache.sqlite").is_file()


def test_without_cache_dir_every_request_goes_out() -> None:
    handler = Recorder(lambda request: httpx.Response(
        200, json={"call": len(handler.requests)}, headers={"Cache-Control": "max-age=60"}))
    sleeps: list[float] = []
    with client_for(handler, sleeps) as client:
        assert client.get(URL).json() == {"call": 1}
        assert client.get(URL).json() == {"call": 2}


def test_cache_does_not_keep_a_no_store_response(tmp_path: Path) -> None:
    handler = Recorder(lambda request: httpx.Response(
        200, json={"call": len(handler.requests)}, headers={"Cache-Control": "no-store"}))
    sleeps: list[float] = []
    with client_for(handler, sleeps, cache_dir=tmp_path / "cache") as client:
        client.get(URL)
        assert client.get(URL).json() == {"call": 2}


# --- headers ----------------------------------------------------------------------------------

def http_date(moment: datetime) -> str:
    return email.utils.format_datetime(moment, usegmt=True)


def test_retry_after_as_an_http_date() -> None:
    soon = datetime.now(UTC) + timedelta(seconds=30)
    seconds = retry_after_seconds(httpx.Response(503, headers={"Retry-After": http_date(soon)}))
    assert seconds is not None
    assert 25 <= seconds <= 30  # the header has whole seconds; a little time passes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-5", 0.0),  # a negative wait is no wait
        ("100000", MAX_RETRY_AFTER),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: go now
        ("not a date", None),
        ("", None),
    ],
)
def test_retry_after_values(value: str, expected: float | None) -> None:
    headers = {"Retry-After": value} if value else {}
    assert retry_after_seconds(httpx.Response(503, headers=headers)) == expected


def test_far_future_retry_after_date_is_capped() -> None:
    later = datetime.now(UTC) + timedelta(days=1)
    assert retry_after_seconds(httpx.Response(503, headers={"Retry-After": http_date(later)})) == MAX_RETRY_AFTER


def test_retry_after_date_with_unknown_zone() -> None:
    # RFC 5322 '-0000' means "UTC, zone unknown"; it is the form email.utils.formatdate(usegmt=False) writes
    assert retry_after_seconds(httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 -0000"})) == 0.0


def test_response_time_uses_the_date_header() -> None:
    response = httpx.Response(200, headers={"Date": "Tue, 26 Apr 2022 09:00:00 GMT"})
    assert response_time(response) == datetime(2022, 4, 26, 9, 0, tzinfo=UTC)
    assert response_time(response).utcoffset() == timedelta(0)


def test_response_time_converts_an_offset_date_to_utc() -> None:
    response = httpx.Response(200, headers={"Date": "Tue, 26 Apr 2022 12:00:00 +0300"})
    assert response_time(response) == datetime(2022, 4, 26, 9, 0, tzinfo=UTC)
    assert response_time(response).tzinfo == UTC


@pytest.fixture
def new_york_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run with the process's local time zone five hours behind UTC (as on a newsroom laptop)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_response_time_with_unknown_zone_does_not_depend_on_the_local_clock(new_york_clock: None) -> None:
    response = httpx.Response(200, headers={"Date": "Tue, 26 Apr 2022 09:00:00 -0000"})
    assert response_time(response) == datetime(2022, 4, 26, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("headers", [{}, {"Date": "yesterday"}], ids=["absent", "unparseable"])
def test_response_time_falls_back_to_now(headers: dict[str, str]) -> None:
    before = datetime.now(UTC)
    moment = response_time(httpx.Response(200, headers=headers))
    assert before <= moment <= datetime.now(UTC)
    assert moment.tzinfo is not None


# --- response size limit ------------------------------------------------------------------------

def test_a_response_larger_than_the_limit_is_refused_by_its_declared_size() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(10 * 2**20)}, content=b"x" * 10)

    client = build_client(transport=httpx.MockTransport(handler), max_bytes=2**20, sleep=lambda s: None)
    with pytest.raises(ResponseTooLarge, match="larger than 1 MB") as caught:
        client.get("https://example.org/huge?token=secret")
    assert "secret" not in str(caught.value)
    assert "FIGURES_MAX_RESPONSE_MB" in str(caught.value)


def test_a_streamed_response_is_cut_at_the_limit() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=httpx.ByteStream(b"y" * (3 * 2**20)))

    client = build_client(transport=httpx.MockTransport(handler), max_bytes=2**20, sleep=lambda s: None)
    with pytest.raises(ResponseTooLarge):
        client.get("https://example.org/stream")
    small = build_client(transport=httpx.MockTransport(handler), max_bytes=4 * 2**20)
    assert len(small.get("https://example.org/stream").content) == 3 * 2**20


def test_a_too_large_response_becomes_a_clear_source_error() -> None:
    from figures.errors import SourceError
    from figures.sources.base import get_snapshot

    client = build_client(transport=httpx.MockTransport(lambda r: httpx.Response(200, content=b"z" * 5000)),
                          max_bytes=1000)
    with pytest.raises(SourceError, match="larger than .* the limit for one response"):
        get_snapshot(client, "big-source", "https://example.org/export.csv")
