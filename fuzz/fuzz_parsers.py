"""Coverage-guided fuzzing of the normaliser and every adapter's parser (atheris, libFuzzer).

    pip install '.[fuzz]'
    python fuzz/fuzz_parsers.py -max_total_time=300            # all targets, mutating from seeds
    python fuzz/fuzz_parsers.py -max_total_time=300 -only=text # one target: text, estimate or a module

The seeds are the project's recorded responses in figures/data/offline. A crash is any exception
other than the documented ones (FiguresError and its subclasses; NormalisationError from
parse_estimate); libFuzzer writes the input that caused it to ./crash-*.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import json
    from contextlib import suppress
    from datetime import UTC, datetime
    from importlib import resources

    from figures.claims import extract
    from figures.config import load_sources
    from figures.errors import FiguresError, NormalisationError
    from figures.models import Snapshot
    from figures.quantities import parse_estimate
    from figures.sources import ADAPTERS

OFFLINE = resources.files("figures") / "data" / "offline"
SOURCES = load_sources(str(resources.files("figures") / "data" / "sources.yaml"))


def _targets() -> list[tuple[str, object, object, str | None]]:
    """(module, source, adapter, content type) for each adapter with a shipped snapshot."""
    out = []
    for manifest in sorted(p.name for p in OFFLINE.iterdir() if p.name.startswith("manifest-")):
        module = manifest.removeprefix("manifest-").removesuffix(".json")
        name = next(n for n, m in ADAPTERS.items() if m.__name__.rsplit(".", 1)[-1] == module)
        source = next(s for s in SOURCES.sources if s.adapter == name)
        entry = json.loads((OFFLINE / manifest).read_text(encoding="utf-8"))[0]
        out.append((module, source, ADAPTERS[name], entry.get("content_type")))
    return out


TARGETS = _targets()
ONLY = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("-only=")), None)


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    choice = fdp.ConsumeIntInRange(0, len(TARGETS) + 1)
    rest = fdp.ConsumeBytes(fdp.remaining_bytes())
    if choice == len(TARGETS) and ONLY in (None, "estimate"):
        with suppress(NormalisationError):
            parse_estimate(rest.decode("utf-8", "replace"))
        return
    if choice == len(TARGETS) + 1 and ONLY in (None, "text"):
        extract(rest.decode("utf-8", "replace"), published="2024-01-01")
        return
    if choice >= len(TARGETS):
        return
    module, source, adapter, content_type = TARGETS[choice]
    if ONLY not in (None, module):
        return
    params = adapter.Params.model_validate(source.params)
    snapshot = Snapshot(source_id=source.id, url="https://example.org/fuzz", content=rest,
                        retrieved_at=datetime(2024, 1, 1, tzinfo=UTC), content_type=content_type)
    try:
        stream = getattr(adapter, "iter_parse", None)
        if stream is not None:
            for _ in stream(snapshot, source, params, []):
                pass
        else:
            adapter.parse(snapshot, source, params)
    except FiguresError:
        pass


def main() -> None:
    args = [a for a in sys.argv if not a.startswith("-only=")]
    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
