"""News and report text (plain or HTML): every claim the normaliser finds, with its sentence and span.

For a source in sources.yaml, `params.urls` lists the articles to fetch; for a saved article,
`figures ingest FILE --adapter text --published DATE` reads it. The publication date resolves
"as of 4 March" and is the as-of date of figures that state none.
"""

from __future__ import annotations

from datetime import date

import httpx
from pydantic import BaseModel, ConfigDict, Field

from ..claims import ADAPTER, extract
from ..config import SourceConfig
from ..errors import ParseError
from ..models import Snapshot
from .base import Context, Parsed, get_snapshot

NAME = ADAPTER


class Params(BaseModel):
    """`params:` of a text source: the articles, their publication date and area."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    urls: list[str] = Field(default_factory=list)
    published: date | None = None
    title: str | None = None


def fetch(client: httpx.Client, source: SourceConfig, params: Params, ctx: Context) -> list[Snapshot]:
    """Download each listed article as one snapshot."""
    return [get_snapshot(client, source.id, url, ctx) for url in params.urls]


def decode(snapshot: Snapshot) -> str:
    """The snapshot's text: UTF-8 (with or without BOM), else the charset its Content-Type names."""
    charset = "utf-8-sig"
    if snapshot.content_type and "charset=" in snapshot.content_type:
        charset = snapshot.content_type.split("charset=", 1)[1].split(";")[0].strip()
    try:
        return snapshot.content.decode(charset)
    except (UnicodeDecodeError, LookupError):
        raise ParseError(snapshot.source_id, snapshot.sha256,
                         f"the text is not {charset}; save it as UTF-8 and ingest it again") from None


def parse(snapshot: Snapshot, source: SourceConfig, params: Params) -> Parsed:
    """Every claim in the article (pure: no network)."""
    text = decode(snapshot)
    if not text.strip():
        raise ParseError(source.id, snapshot.sha256, "the article is empty")
    published = params.published or snapshot.retrieved_at.date()
    found = extract(text, published=published, area=source.area, source_id=source.id,
                    publisher=source.publisher, url=snapshot.url, title=params.title or source.title,
                    retrieved_at=snapshot.retrieved_at, snapshot_sha256=snapshot.sha256)
    out = Parsed(observations=found)
    if not found:
        out.problems.append(f"source {source.id!r}, snapshot {snapshot.sha256[:12]}: no figure found in the text")
    return out
