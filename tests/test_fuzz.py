"""Hostile input: every parser, fed mutated copies of the project's recorded responses.

A parser may read what it can, skip records it cannot read (saying why), or refuse the
snapshot with one of the documented errors (`figures.errors.FiguresError` and its subclasses).
Nothing else may escape: no KeyError, TypeError, IndexError or RecursionError from a bad byte.
The same holds for the normaliser on random text. `fuzz/` has an atheris target that runs the
same checks with coverage guidance (`pip install '.[fuzz]'`, see fuzz/README.md).
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from figures.claims import extract
from figures.config import load_sources
from figures.errors import FiguresError, NormalisationError
from figures.models import Snapshot
from figures.quantities import parse_estimate
from figures.sources import ADAPTERS, get_adapter

OFFLINE = resources.files("figures") / "data" / "offline"
SOURCES = load_sources(str(resources.files("figures") / "data" / "sources.yaml"))


def _entries() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for manifest in sorted(p.name for p in OFFLINE.iterdir() if p.name.startswith("manifest-")):
        module = manifest.removeprefix("manifest-").removesuffix(".json")
        for entry in json.loads((OFFLINE / manifest).read_text(encoding="utf-8")):
            out.append((module, entry))
    return out


ENTRIES = _entries()


def _source_for(module: str) -> Any:
    """The first configured source whose adapter lives in `figures.sources.<module>`."""
    name = next(n for n, m in ADAPTERS.items() if m.__name__.rsplit(".", 1)[-1] == module)
    return next(s for s in SOURCES.sources if s.adapter == name)


def parse_all(module: str, content: bytes, content_type: str | None) -> None:
    """Parse `content` as the source of `module` would be parsed; consume every observation."""
    source = _source_for(module)
    adapter = get_adapter(source.adapter)
    params = adapter.Params.model_validate(source.params)
    snapshot = Snapshot(source_id=source.id, url="https://example.org/fuzz", content=content,
                        retrieved_at=datetime(2024, 1, 1, tzinfo=UTC), content_type=content_type)
    stream = getattr(adapter, "iter_parse", None)
    if stream is not None:
        for _ in stream(snapshot, source, params, []):
            pass
    else:
        adapter.parse(snapshot, source, params)


mutation = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1), st.binary(max_size=0)),
    st.tuples(st.just("replace"), st.floats(0, 1), st.binary(min_size=1, max_size=40)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.sampled_from(
        [b"\x00", b"\xff\xfe", b'"', b"{", b"}", b"[", b"]", b",", b"null", b"-1", b"1e309", b"NaN", b"\n",
         b"<p>", b"</p>", b"&amp;", b"9" * 400, b'"low": "x"', b"\\u0000"])),
    st.tuples(st.just("duplicate"), st.floats(0, 1), st.binary(max_size=0)),
)


def mutate(content: bytes, how: tuple[str, float, bytes]) -> bytes:
    kind, where, data = how
    at = int(where * len(content))
    if kind == "truncate":
        return content[:at]
    if kind == "replace":
        return content[:at] + data + content[at + len(data):]
    if kind == "insert":
        return content[:at] + data + content[at:]
    return content[:at] + content[at:at + 200] + content[at:]


@pytest.mark.parametrize(("module", "entry"), ENTRIES, ids=[f"{m}:{e['file']}" for m, e in ENTRIES])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(how=st.lists(mutation, min_size=1, max_size=3))
def test_parsers_survive_mutated_responses(module: str, entry: dict[str, Any], how: list[Any]) -> None:
    content = (OFFLINE / entry["file"]).read_bytes()
    for step in how:
        content = mutate(content, step)
    with contextlib.suppress(FiguresError):  # a clear refusal is allowed
        parse_all(module, content, entry.get("content_type"))


@pytest.mark.parametrize(("module", "entry"), ENTRIES[:1] + [e for e in ENTRIES if e[0] == "ohchr"][:1])
@pytest.mark.parametrize("content", [b"", b" ", b"\x00" * 10, b"\xff" * 10, b"[]", b"{}", b"null", b"<html>"])
def test_parsers_refuse_nothing_and_junk_clearly(module: str, entry: dict[str, Any], content: bytes) -> None:
    try:
        parse_all(module, content, entry.get("content_type"))
    except FiguresError as exc:
        assert str(exc)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_parse_estimate_raises_only_its_documented_error(text: str) -> None:
    try:
        estimate = parse_estimate(text)
    except NormalisationError:
        return
    assert estimate.low >= 0


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=2000))
def test_extract_never_crashes_on_random_text(text: str) -> None:
    for claim in extract(text, published="2024-01-01"):
        assert claim.estimate.low >= 0


@pytest.mark.parametrize("text", [
    "1" * 1_000_000,                                  # a million digits
    "killed " * 200_000,                              # a long sentence with no figure
    ("at least 1,000,000 people were killed. " * 30_000),
    "<p>" * 100_000 + "12 killed" + "</p>" * 100_000,  # deep tags
    "a" * 10_000_000,                                 # a 10 MB line
])
def test_long_inputs_are_read_without_error(text: str) -> None:
    found = extract(text, published="2024-01-01")
    assert isinstance(found, list)


@pytest.mark.parametrize("text", ["1" * 16, "9" * 5000, "1." + "5" * 30 + " million", "at least " + "7" * 20])
def test_a_numeral_longer_than_any_count_is_no_figure(text: str) -> None:
    with pytest.raises(NormalisationError, match="digits|too long"):
        parse_estimate(text)
    assert extract(f"Officials said {text} people were killed.", published="2024-01-01") == []
