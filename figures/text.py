"""Running text for the claim extractor: HTML to plain text with a position map, paragraphs,
sentences, and dates written in words ("as of 4 March", "24 February 2022").

Positions always refer to the original document, so a claim's span points at the characters
the source published, even when the source was HTML. `plain_paragraphs` reads HTML paragraph by
paragraph, so memory does not grow with the length of the document.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

# --- HTML -----------------------------------------------------------------------------------

_HTML_HINT = re.compile(r"<(?:!doctype|html|body|p|div|br|span|a|h[1-6]|li|ul|table|article)\b", re.I)
_TAG_OR_ENTITY = re.compile(r"<(script|style|head|noscript)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>|&(?:#\d+|#x[0-9a-f]+|\w+);",
                            re.I | re.S)
_BLOCK_TAGS = re.compile(r"</?(?:p|div|br|li|ul|ol|h[1-6]|tr|table|section|article|header|footer|blockquote)\b",
                         re.I)


@dataclass(frozen=True)
class Document:
    """Plain text and where its characters came from in the original.

    `runs` holds (plain offset, original offset) at the start of each stretch copied unchanged;
    memory grows with the number of tags and entities, not with the length of the text.
    """

    text: str
    runs: list[tuple[int, int]] | None  # None: the text is the original
    widths: list[int] | None = None  # per run: how many original characters it covers (entities: 1 per char)

    def position(self, plain: int) -> int:
        """The original offset of the plain character at `plain`."""
        if self.runs is None:
            return plain
        k = bisect.bisect_right(self.runs, (plain, 1 << 62)) - 1
        start, origin = self.runs[k]
        if self.widths is not None and self.widths[k] == 0:
            return origin  # an entity or a block break: every character maps to its start
        return origin + (plain - start)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the plain text back to the original document."""
        if self.runs is None or start >= end:
            return start, end
        return self.position(start), self.position(end - 1) + 1


def looks_like_html(raw: str) -> bool:
    """True when the text carries HTML markup."""
    return bool(_HTML_HINT.search(raw[:5000]))


def _pieces(raw: str) -> Iterator[tuple[str, int, bool]]:
    """The plain text of an HTML document in order, as (text, original offset, copied unchanged?):
    tags dropped, script and style dropped with their content, entities decoded, block tags a blank line."""
    pos = 0
    for m in _TAG_OR_ENTITY.finditer(raw):
        if m.start() > pos:
            yield raw[pos:m.start()].replace("\u00ad", " "), pos, True
        token = m.group(0)
        if token.startswith("&"):
            yield html.unescape(token).replace("\u00ad", " "), m.start(), False
        elif _BLOCK_TAGS.match(token):
            yield "\n\n", m.start(), False
        pos = m.end()
    if pos < len(raw):
        yield raw[pos:].replace("\u00ad", " "), pos, True


def to_plain(raw: str) -> Document:
    """Strip tags and decode entities, keeping runs that map plain characters back to the original."""
    if not looks_like_html(raw):
        return Document(raw, None)
    parts: list[str] = []
    runs: list[tuple[int, int]] = []
    widths: list[int] = []
    size = 0
    for piece, origin, copied in _pieces(raw):
        if piece:
            runs.append((size, origin))
            widths.append(1 if copied else 0)
            parts.append(piece)
            size += len(piece)
    return Document("".join(parts), runs, widths)


#: Plain characters of HTML read before blank lines are looked for: memory beyond one paragraph.
HOLD = 4096


def plain_paragraphs(raw: str) -> Iterator[Document]:
    """The paragraphs of a text, plain or HTML, each with the map of its characters to the original.

    The same paragraphs as `paragraphs(to_plain(raw).text)` (empty ones left out), but HTML is read
    as it goes: only the current paragraph's plain text is held, not the whole document's.
    """
    if not looks_like_html(raw):
        for offset, paragraph in paragraphs(raw):
            if paragraph:
                yield Document(paragraph, [(0, offset)])
        return
    text = ""  # the plain text from offset `base` on (offsets here count plain characters)
    base = start = search = 0  # where the text held, the current paragraph and the next search begin
    runs: list[tuple[int, int, int]] = []  # per piece: plain offset, original offset, width (0 or 1)
    pending: list[str] = []
    size = fresh = 0
    for piece, origin, copied in _pieces(raw):
        if not piece:
            continue
        runs.append((size, origin, 1 if copied else 0))
        pending.append(piece)
        size += len(piece)
        fresh += len(piece)
        if "\n" not in piece or fresh < max(HOLD, (size - base) // 2):
            continue  # look for blank lines once the text held has grown by half: linear time
        text += "".join(pending)
        pending, fresh = [], 0
        start, search, found = _blank_lines(text, base, start, search, final=False)
        yield from (_mapped(text, base, s, e, runs) for s, e in found if s < e)
        if start > base:  # let go of what lies before the current paragraph
            text = text[start - base:]
            runs = runs[bisect.bisect_right(runs, (start, 1 << 62, 0)) - 1:]
            base = start
    text += "".join(pending)
    start, search, found = _blank_lines(text, base, start, search, final=True)
    found.append((start, size))
    yield from (_mapped(text, base, s, e, runs) for s, e in found if s < e)


def _blank_lines(text: str, base: int, start: int, search: int, final: bool
                 ) -> tuple[int, int, list[tuple[int, int]]]:
    """`paragraphs` over text that may go on: the paragraphs ended so far, and where the current one
    and the next search begin. A blank line at the very end is left for later unless `final`, since
    more white space may belong to it."""
    found: list[tuple[int, int]] = []
    for m in _PARAGRAPH.finditer(text, search - base):
        if m.end() == len(text) and not final:
            return start, base + m.start(), found
        search = base + m.end()
        if text[start - base:m.start()].rstrip().endswith((":", ",", ";")):
            continue
        found.append((start, base + m.start()))
        start = base + m.end()
    if not final:  # only the last newline can still start a blank line
        last = text.rfind("\n", search - base)
        search = base + (last if last >= 0 else len(text))
    return start, search, found


def _mapped(text: str, base: int, start: int, end: int, runs: list[tuple[int, int, int]]) -> Document:
    """The paragraph [start, end) of the plain text held from `base`, with its own runs."""
    k = bisect.bisect_right(runs, (start, 1 << 62, 0)) - 1
    first, origin, width = runs[k]
    local = [(0, origin + (start - first) if width else origin)]
    widths = [width]
    for j in range(k + 1, len(runs)):
        plain, origin, width = runs[j]
        if plain >= end:
            break
        local.append((plain - start, origin))
        widths.append(width)
    return Document(text[start - base:end - base], local, widths)


# --- paragraphs and sentences ---------------------------------------------------------------

_PARAGRAPH = re.compile(r"\n[ \t\r\f\v]*\n\s*")
#: Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset({
    "c", "ca", "e.g", "i.e", "u.n", "u.s", "u.k", "mr", "mrs", "ms", "dr", "no", "nos", "approx", "st",
    "gen", "lt", "col", "sgt", "capt", "maj", "gov", "rep", "sen", "prof", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "vs", "etc", "a.m", "p.m", "inc", "ltd", "co",
    "fig", "para", "art", "est",
})
#: The word before a full stop. Looked for in the 8 characters before it: a longer word is no
#: abbreviation, and a search over the whole sentence would cost time in its length at every stop.
_LAST_WORD = re.compile(r"[\w.]+$")
_SENTENCE_END = re.compile(r"[.!?][\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-Z0-9])|\n+")


def paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """(offset, paragraph) pairs; a blank line ends a paragraph unless the text runs on after a colon."""
    start = 0
    for m in _PARAGRAPH.finditer(text):
        before = text[start:m.start()].rstrip()
        if before.endswith((":", ",", ";")):
            continue
        yield start, text[start:m.start()]
        start = m.end()
    if start < len(text):
        yield start, text[start:]


def sentences(paragraph: str) -> Iterator[tuple[int, int]]:
    """[start, end) spans of the sentences of a paragraph (headlines and list lines count as sentences)."""
    start = 0
    for m in _SENTENCE_END.finditer(paragraph):
        end = m.end()
        mark = paragraph[m.start()]
        if mark == "\n":
            before = paragraph[start:m.start()].rstrip()
            after = paragraph[m.end():m.end() + 1]
            if not before or before.endswith((":", ",", ";", "(", "-", "–")) or after.islower():
                continue
            end = m.start()
        elif mark == ".":
            word = _LAST_WORD.search(paragraph, max(start, m.start() - 8), m.start())
            if word and (word.group().lower() in ABBREVIATIONS or len(word.group()) == 1):
                continue
        if paragraph[start:end].strip():
            yield start, end
        start = m.end()
    if paragraph[start:].strip():
        yield start, len(paragraph)


# --- dates ----------------------------------------------------------------------------------

MONTHS: dict[str, int] = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3,
    "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
}
_MONTH = r"(?P<m{n}>january|february|march|april|may|june|july|august|september|october|november|december|" \
         r"jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?"
DATE = re.compile(
    r"\b(?:(?P<d1>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH.format(n=1) + r"(?:,?\s+(?P<y1>(?:19|20)\d\d))?"
    r"|" + _MONTH.format(n=2) + r"\s+(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>(?:19|20)\d\d))?"
    r"|(?P<d3>[0-3]?\d)\.(?P<m3>[01]?\d)\.(?P<y3>(?:19|20)\d\d))\b",
    re.I,
)


@dataclass(frozen=True)
class DateMention:
    """A date written in a sentence, resolved to a calendar date, with its span in the sentence."""

    day: date
    start: int
    end: int
    year_given: bool


def resolve(month: int, day: int, year: int | None, published: date) -> date | None:
    """A calendar date; a missing year comes from the publication date (never a future date)."""
    if year is not None:
        try:
            return date(year, month, day)
        except ValueError:
            return None
    for y in (published.year, published.year - 1):
        try:
            candidate = date(y, month, day)
        except ValueError:
            continue
        if candidate <= published + timedelta(days=1):
            return candidate
    return None


#: Characters that re.IGNORECASE matches to an ASCII letter of DATE but that lower() leaves alone.
_FOLD = str.maketrans({"\u017f": "s", "\u0131": "i", "\u0130": "i", "\u212a": "k"})
#: DATE for text folded by `_FOLD` and lower(): the same matches at the same offsets (folding keeps one
#: character for one; tests/test_text.py checks every code point), several times faster without IGNORECASE.
_DATE_FOLDED = re.compile(DATE.pattern)
#: Every date holds one of these: most sentences hold none, and this search is faster still.
_DATE_HINT = re.compile(r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d\.[01]?\d\.")


def find_dates(sentence: str, published: date) -> list[DateMention]:
    """Every date written in the sentence, resolved against the publication date."""
    folded = sentence.translate(_FOLD).lower()
    if not _DATE_HINT.search(folded):
        return []
    found = []
    for m in _DATE_FOLDED.finditer(folded):
        g = m.groupdict()
        if g["d1"]:
            day, month, year = int(g["d1"]), MONTHS[g["m1"]], g["y1"]
        elif g["d2"]:
            day, month, year = int(g["d2"]), MONTHS[g["m2"]], g["y2"]
        else:
            day, month, year = int(g["d3"]), int(g["m3"]), g["y3"]
        if not 1 <= month <= 12:
            continue
        when = resolve(month, day, int(year) if year else None, published)
        if when is not None:
            found.append(DateMention(when, m.start(), m.end(), year is not None))
    return found


def weekday_before(published: date, weekday: int) -> date:
    """The latest date on or before `published` that falls on `weekday` (0 = Monday)."""
    return published - timedelta(days=(published.weekday() - weekday) % 7)
