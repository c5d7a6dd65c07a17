"""`find_claims`: the figures of each sentence of a text (plain or HTML), found by the quantity
scanner, minus the numbers that are no claims (years, ages, money, ratios, populations), each read in
its context by `counting` (what it counts) and `circumstances` (where, when, by whom).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime

from ..errors import NormalisationError
from ..quantities import PREFIXES, UNITS, Token, _not_a_figure, scan, tokenize
from ..text import MONTHS, find_dates, plain_paragraphs, sentences
from .circumstances import _as_of, _attribution, _place, part_span, sentence_dates
from .counting import (
    Claim,
    _group,
    _is_subset,
    _metric_after,
    _metric_before,
    _modality,
    _scope,
    _share_across_lists,
    counts_other_things,
    scope_cues,
)
from .vocabulary import _ANCHOR, _BOUNDARY, _NUMBER_WORDS, _STARTS, HARM, NOT_PLACES, POPULATION


def _published(value: date | datetime | str | None) -> date:
    if value is None:
        return datetime.now(UTC).date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10])


def find_claims(text: str, *, published: date | datetime | str | None = None) -> Iterator[Claim]:
    """Every claim in a text (plain or HTML), paragraph by paragraph, with spans in the original text."""
    day = _published(published)
    for doc in plain_paragraphs(text):
        paragraph = doc.text
        anchors = [m.start() for m in _ANCHOR.finditer(paragraph.lower())]
        if not anchors:
            continue
        context: list[Claim] = []  # the claims of the paragraph so far: "Of these, 7,262,187 ..."
        for s_start, s_end in sentences(paragraph):
            k = bisect.bisect_left(anchors, s_start)
            if k == len(anchors) or anchors[k] >= s_end:
                continue  # no digit or number word in this sentence
            sentence = paragraph[s_start:s_end]
            found = _sentence_claims(sentence, day, context)
            if not found:
                continue
            context.extend(found)
            quote = " ".join(sentence.split())
            for claim in found:  # the claims are this sentence's own objects: set their place in the document
                claim.start, claim.end = doc.span(s_start + claim.start, s_start + claim.end)
                claim.quote = quote
                yield claim


def _lower(sentence: str) -> str:
    low = sentence.lower()
    if len(low) != len(sentence):  # a few characters change length when lowered; keep offsets
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in sentence)
    return _normalise(low)


def _normalise(low: str) -> str:
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2212":
        low = low.replace(dash, "-")
    return low.replace("\u2019", "'").replace("\u2018", "'")


def _sentence_claims(sentence: str, published: date, context: list[Claim]) -> list[Claim]:
    clean = _lower(sentence)
    tokens = tokenize(clean)
    words = [t.text for t in tokens]
    found = _figures(sentence, clean, tokens, words)
    if not found:
        return []
    caps = [sentence[t.start].isupper() and t.text not in NOT_PLACES for t in tokens]
    cues = scope_cues(words)
    found = [c for c in found if not counts_other_things(words, caps, c.tok_end, c.tok_start)]

    def glued(i: int) -> bool:
        return 0 < i < len(tokens) - 1 and tokens[i - 1].end == tokens[i].start and tokens[i].end == tokens[i + 1].start

    bounds = {}
    for k, claim in enumerate(found):  # what each figure counts, and over what period
        nxt = found[k + 1].tok_start if k + 1 < len(found) else len(tokens)
        prev = found[k - 1].tok_end if k else 0
        bounds[id(claim)] = (prev, nxt)
        claim.metric = _metric_after(words, caps, claim.tok_end, nxt, glued) or \
            _metric_before(words, claim.tok_start, prev)
        claim.group = _group(words, claim, prev, nxt)
        claim.modality = _modality(words, claim, prev, nxt)
        scope = _scope(words, cues, claim)
        if scope is None:  # "At least 75 people were wounded" after "the strike killed 40": the same incident
            last = context[-1] if context else None
            harm = last is not None and last.metric in HARM and claim.metric in HARM
            scope = last.scope if harm and last is not None else "cumulative"
        claim.scope = scope
    _share_across_lists(found, words, caps, context)
    found = [c for c in found if c.metric is not None]
    if not found:
        return []
    attribution = _attribution(sentence, clean, tokens, words)  # where, when and by whom: only for the claims kept
    said = sentence_dates(tokens, words, find_dates(sentence, published), published)
    modifier: list[str | None] = []
    whole = found[0].part_of  # "Out of these, 199 deaths and 3,157 injuries": the date of the figures before
    for k, claim in enumerate(found):
        prev, nxt = bounds[id(claim)]
        after = found[k + 1] if k + 1 < len(found) else None  # "killed, including 132 in Khartoum": a part
        part = part_span(tokens, after) if after is not None and _is_subset(words, after) else None
        claim.place = _place(sentence, tokens, claim, prev, nxt, modifier, part)
        claim.attributed_to = attribution
        claim.as_of, claim.period = _as_of(said, claim, published, whole)
        if claim.scope != "incident":
            claim.period = None
    return found


def _figures(sentence: str, clean: str, tokens: list[Token], words: list[str]) -> list[Claim]:
    """The figures of a sentence: longest matches, left to right, minus the non-figures around them."""
    numbers = [k for k, (kind, text, _, _) in enumerate(tokens)
               if kind == "num" or kind == "frac" or text in _NUMBER_WORDS]
    if not numbers:
        return []
    # a figure starts at a number, or at a modifier word ("at least", "between", "some") up to four
    # tokens before one; no other token needs the grammar
    starts: list[int] = []
    for n in numbers:
        starts.extend(k for k in range(max(n - 4, starts[-1] + 1 if starts else 0), n) if tokens[k].text in _STARTS)
        starts.append(n)
    out: list[Claim] = []
    i = 0
    for s in starts:
        if s < i:
            continue  # inside the figure just read
        i = s
        try:
            hit = scan(tokens, i, clean, sentence)
        except NormalisationError:
            hit = None
        if hit is None:
            continue
        estimate, j = hit
        if _not_a_claim(sentence, clean, tokens, words, i, j):
            i = j
            continue
        own = tokens[i].text not in _NUMBER_WORDS and tokens[i].kind != "num" or estimate.rule != "exact"
        out.append(Claim(estimate=estimate, start=tokens[i].start, end=tokens[j - 1].end, tok_start=i, tok_end=j,
                         own_modifier=own))
        i = j
    return out


_YEAR = re.compile(r"(19|20)\d\d")
#: Words before "one" that make it a pronoun for a thing named before, not a count of one.
_PRONOUN_ONE = frozenset({"the", "an", "this", "that", "each", "every", "earlier", "another", "which", "any", "no",
                          "first", "second", "last", "latest", "previous", "same", "other", "big",
                          "deadliest", "largest", "biggest", "worst", "second-largest"})
#: Words after a span of two numbers that make it a count, not years: "between 1950 and 2000 people".
_COUNTED_AFTER = frozenset({"people", "persons", "civilians", "refugees", "migrants", "children", "residents",
                            "families", "soldiers", "troops", "fighters", "killed", "dead", "were", "have", "had"})


def _not_a_claim(sentence: str, clean: str, tokens: list[Token], words: list[str], i: int, j: int) -> bool:
    """Dates, years, ages, durations, money, percentages, names and populations are no claims."""
    window = tokens[max(0, i - 1):min(len(tokens), j + 3)]
    if _not_a_figure(clean[window[0].start:window[-1].end], window):
        return True
    first, last = tokens[i], tokens[j - 1]
    if j - i == 1 and first.kind == "num" and _YEAR.fullmatch(first.text):
        return True  # a year
    if j - i == 1 and first.text == "one" and (
            (i and tokens[i - 1].text in _PRONOUN_ONE) or (j < len(tokens) and tokens[j].text == "of")):
        return True  # "the one estimated by", "an earlier one killed", "one of the rockets": a pronoun
    nums = [t for t in tokens[i:j] if t.kind == "num"]
    if len(nums) == 2 and all(_YEAR.fullmatch(t.text) for t in nums) and int(nums[0].text) < int(nums[1].text) \
            and (j >= len(words) or words[j] not in _COUNTED_AFTER):
        return True  # a span of years: "between 1985 and 2018", "from 2006 to 2012", "2013-2020"
    before = words[max(0, i - 3):i]
    if "of" in before[-2:] and not POPULATION.isdisjoint(before):
        return True
    clause = words[max(0, i - 7):i]
    if "population" in clause:  # in the figure's own clause: "a population the World Bank put at 44 million"
        for w in reversed(clause):
            if w == "population":
                return True
            if w in _BOUNDARY:
                break
    if "inhabitants" in words[j:j + 2]:
        return True
    if j + 1 < len(tokens) and tokens[j].text == "in" and tokens[j + 1].kind == "num" or (
            j + 1 < len(tokens) and tokens[j].text == "in" and tokens[j + 1].text in UNITS):
        return True  # a ratio: "one in seven"
    if i >= 2 and tokens[i - 1].text == "in" and (tokens[i - 2].kind == "num" or tokens[i - 2].text in UNITS):
        return True  # the second half of a ratio
    if i and tokens[i - 1].kind == "word" and first.kind == "num":
        prev = sentence[tokens[i - 1].start:tokens[i - 1].end]
        if prev[:1].isupper() and prev.lower() not in PREFIXES and i > 1:
            return True  # a name: "Resolution 2334", "Channel 4"
    after = tokens[j].text if j < len(tokens) else ""
    if after in ("%", "percent", "per") or (i and tokens[i - 1].text in ("$", "€", "£", "us$")):
        return True
    if after == "-" and j + 1 < len(tokens) and tokens[j + 1].kind == "word" \
            and tokens[j + 1].text not in _NUMBER_WORDS and tokens[j + 1].text not in ("plus", "odd"):
        return True  # a compound adjective: "a nine-storey block", "a 21-month war"
    if i >= 2 and j - i == 1 and first.kind == "num" and first.text.isdigit() and int(first.text) <= 31 \
            and tokens[i - 1].text in ("and", "-", "to") and (
            tokens[i - 2].text in MONTHS or (i >= 3 and tokens[i - 3].text in MONTHS)):
        return True  # the second day of "February 23 and 25"
    return last.text in ("a", "an")
