"""The exception tree.

    FiguresError
     +-- ConfigError        sources.yaml or settings are wrong (names file, source id, key)
     +-- SourceError        fetching a source failed (carries source id and url)
     |    +-- OfflineMissing    an offline replay has no recording of the request
     +-- ParseError         a snapshot could not be read (carries source id, snapshot, field)
     +-- StoreError         the store could not be opened or written
    NormalisationError (ValueError)  a text states no figure (the normaliser's own error)

Every message says what went wrong and what to do next.
"""

from __future__ import annotations


class FiguresError(Exception):
    """Base class of every error figures raises on purpose."""


class ConfigError(FiguresError):
    """The sources file or a setting is invalid."""


class StoreError(FiguresError):
    """The store could not be opened, created or written."""


class SourceError(FiguresError):
    """A source could not be fetched; stored figures are untouched."""

    def __init__(self, source_id: str, url: str, message: str) -> None:
        self.source_id = source_id
        self.url = url
        super().__init__(
            f"source {source_id!r}: {message} ({url}); stored figures are untouched; "
            f"run 'figures update {source_id}' again later"
        )


class OfflineMissing(SourceError):
    """An offline replay has no recording of a request: the source is skipped, not failed."""


class ParseError(FiguresError):
    """A snapshot could not be read into observations."""

    def __init__(self, source_id: str, snapshot: str, message: str, field: str | None = None) -> None:
        self.source_id = source_id
        self.snapshot = snapshot
        self.field = field
        where = f" field {field!r}:" if field else ""
        super().__init__(
            f"source {source_id!r}, snapshot {snapshot[:12]}:{where} {message}; "
            "nothing from this snapshot was stored"
        )


class NormalisationError(ValueError):
    """A piece of text states no figure ("'many' states no number")."""
