"""Where, when and by whom: the place a figure is about ("fled to Poland", "killed in Kharkiv"), the
date it refers to ("as of 4 March", "on Tuesday") and who the sentence gives it to ("according to
OHCHR", "the UN refugee agency said").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from .. import places
from ..gazetteer import BY_NAME
from ..quantities import Token
from ..text import WEEKDAYS, DateMention, weekday_before
from .counting import Claim
from .vocabulary import (
    _BOUNDARY,
    AS_OF_CUES,
    ATTRIBUTION_VERBS,
    ATTRIBUTION_WORDS,
    COMPASS,
    EXAMPLES,
    HOSTING,
    NOT_PLACES,
    PLACE_AFTER,
    PLACE_BEFORE,
    PLACE_DESCRIBED,
    PLACE_MODIFIES,
    PLACE_OF,
    PLACE_PREPOSITIONS,
    PRONOUNS,
)

#: Verbs of speaking before "on" and a broadcaster: "said on Channel 4", "speaking on state TV".
_SPOKE: frozenset[str] = frozenset({"said", "says", "told", "speaking", "spoke", "appeared", "announced",
                                    "posted", "wrote", "interview", "statement", "broadcast", "aired"})

#: Words before a place named anywhere in the sentence, when none is named next to the figure.
_PLACE_ANYWHERE: frozenset[str] = frozenset({"in", "on", "of", "at", "near", "outside", "inside"})


def _place(sentence: str, tokens: list[Token], claim: Claim, prev: int, nxt: int,
           modifier: list[str | None] | None = None, part: tuple[int, int] | None = None) -> str | None:
    """The place a figure is about, as written: near it in its clause first ("fled to Poland",
    "killed in Kharkiv"), then the host before a hosting verb ("Slovakia has received 71,200"),
    then the nearest place named anywhere in the sentence ("... struck the station in Kramatorsk"),
    but not one inside the tokens `part` of a part of the figure ("including 132 in Khartoum")."""
    def at(i: int) -> str | None:
        word = tokens[i].text
        if word in ("fled", "left", "fleeing") and claim.metric == "refugees":
            return None  # refugees who fled X come from X: the area, not a place in it
        if word == "on" and i and tokens[i - 1].text in _SPOKE:
            return None  # "said on Channel 4": the broadcaster is no place (ours:spoke-on)
        if word in PLACE_PREPOSITIONS or (word in ("of", "for") and i and tokens[i - 1].text in PLACE_OF):
            return _place_name(sentence, tokens, i + 1)
        return None

    def examples(i: int) -> bool:  # "notably in Khartoum": the places are examples, the figure the area's
        return i > 0 and tokens[i - 1].text in EXAMPLES and tokens[i].text in PLACE_PREPOSITIONS

    for i in range(claim.tok_end, min(nxt, claim.tok_end + 10)):  # after the figure, within its clause
        if tokens[i].text in _BOUNDARY and tokens[i].text != "-":
            break
        if name := at(i):
            return None if examples(i) else name
    for i in range(claim.tok_start - 1, max(prev, claim.tok_start - 8) - 1, -1):  # then before it
        if tokens[i].text in _BOUNDARY and tokens[i].text != "-":
            break
        if tokens[i].text in HOSTING:  # "Poland has taken in more than 505,500"
            for k in range(i - 1, max(-1, i - 4), -1):
                if tokens[k].text in BY_NAME:
                    return sentence[tokens[k].start:tokens[k].end]
        if name := at(i):
            return None if examples(i) else _most_specific(sentence, tokens, i, name, at)
    start, end = claim.tok_start, claim.tok_end
    near = [i for i in range(max(0, start - 30), start) if tokens[i].text in _PLACE_ANYWHERE]
    near += [i for i in range(end, min(len(tokens), end + 31)) if tokens[i].text in _PLACE_ANYWHERE]
    if len(near) > 1:  # nearest first; before the figure first at the same distance
        near.sort(key=lambda i: (start - i, 0) if i < start else (i - end, 1))
    for i in near:  # elsewhere in the sentence
        if part is not None and part[0] <= i < part[1]:
            continue  # the part's place, not the whole's (ours:part-place)
        if name := at(i):
            return None if examples(i) else _most_specific(sentence, tokens, i, name, at)
    if modifier is None:
        return _place_before_noun(sentence, tokens)
    if not modifier:  # worked out once per sentence: it is the same for every figure in it
        modifier.append(_place_before_noun(sentence, tokens))
    return modifier[0]


def part_span(tokens: list[Token], part: Claim) -> tuple[int, int]:
    """The tokens of a part of a figure, from the part to the end of its list: "including 132 in Khartoum and
    40 in Omdurman, 12 in Nyala" runs on over a comma followed by another figure, and stops at any other."""
    k = part.tok_end
    while k < len(tokens):
        t = tokens[k].text
        if t in _BOUNDARY and t != ",":
            break
        if t == "," and not any(tk.kind in ("num", "frac") for tk in tokens[k + 1:k + 3]):
            break
        k += 1
    return part.tok_start, k


def _place_before_noun(sentence: str, tokens: list[Token]) -> str | None:
    """A place name used as a modifier: "Mariupol mayor says ...", "the Mariupol civilian death toll",
    "20,000 Mariupol residents": capitalised words right before one of PLACE_MODIFIES. A country is
    the area, not a place in it, and a nationality ("Russian officials") is neither."""
    for i in range(len(tokens) - 1):
        if tokens[i + 1].text not in PLACE_MODIFIES:
            continue
        word = sentence[tokens[i].start:tokens[i].end]
        if not word[:1].isupper() or tokens[i].kind != "word" or tokens[i].text in NOT_PLACES \
                or tokens[i].text in BY_NAME or tokens[i].text in ATTRIBUTION_WORDS \
                or tokens[i].text.endswith(("ian", "ians", "ese", "ish", "an")):
            continue
        k = i
        while k > 0 and sentence[tokens[k - 1].start:tokens[k - 1].start + 1].isupper() \
                and tokens[k - 1].kind == "word" and tokens[k - 1].text not in NOT_PLACES | ATTRIBUTION_WORDS:
            k -= 1
        return sentence[tokens[k].start:tokens[i].end]
    return None


def _most_specific(sentence: str, tokens: list[Token], i: int, name: str, at: Callable[[int], str | None]) -> str:
    """Of nested places take the inner one: "on Pazi Gyi village in Sagaing Region" is Pazi Gyi."""
    k = i - 1
    while k >= 0 and (tokens[k].text in PLACE_AFTER | {"village", "villages"}
                      or sentence[tokens[k].start:tokens[k].start + 1].isupper()):
        k -= 1
    if k < i - 1 and k >= 0 and (inner := at(k)):
        return inner
    return name


def _list_goes_on(tokens: list[Token], k: int, upper: Callable[[int], bool]) -> bool:
    """A comma inside a list of places ends with "and <Place>": "Chin, Magway and Sagaing"."""
    for j in range(k + 1, min(len(tokens), k + 9)):
        if tokens[j].text in _BOUNDARY - {","}:
            return False
        if tokens[j].text == "and" and upper(j + 1):
            return True
        if not (upper(j) or tokens[j].text in (",", "-", "of") or tokens[j].text in PLACE_AFTER):
            return False
    return False


def _place_name(sentence: str, tokens: list[Token], i: int) -> str | None:
    """A place name starting at token i: capitalised words, with "of", "'s", lists, compass words."""
    while i < len(tokens) and (tokens[i].text == "the" or tokens[i].text in PLACE_DESCRIBED):
        i += 1
    start = i
    while i < len(tokens) and (tokens[i].text in PLACE_BEFORE or tokens[i].text == "-" and i > start):
        i += 1

    def upper(k: int) -> bool:
        return k < len(tokens) and sentence[tokens[k].start:tokens[k].start + 1].isupper() \
            and tokens[k].text not in NOT_PLACES

    if not upper(i):
        if i > start and all(t.text in COMPASS for t in tokens[start:i]) and tokens[i - 1].text != "-":
            return sentence[tokens[start].start:tokens[i - 1].end]  # "in the north-east"
        return None
    end = i
    while end < len(tokens):
        k = end
        if tokens[k].text == "of" and k + 2 < len(tokens) and tokens[k + 1].text == "the" and upper(k + 2):
            end += 2  # "Democratic Republic of the Congo"
            continue
        if upper(k) or tokens[k].text in ("of", "-", "and") and upper(k + 1) or (
                tokens[k].text == "," and upper(k + 1) and _list_goes_on(tokens, k, upper)):
            end += 1
        elif tokens[k].text == "'" and k + 2 < len(tokens) and tokens[k + 1].text == "s" and upper(k + 2):
            end += 2
        elif tokens[k].text in PLACE_AFTER and end > i:
            end += 1
            break
        else:
            break
    while end > i and tokens[end - 1].text in ("and", ",", "-", "of"):
        end -= 1
    if end - i == 1 and tokens[i].text.endswith(("ean", "ian", "ish", "ese", "an")) and end < len(tokens) \
            and tokens[end].kind == "word" and not upper(end):
        return None  # an adjective of nationality before a noun: "nearby European nations"
    name = sentence[tokens[start].start:tokens[end - 1].end]
    owner = _OWNER.match(name)
    if owner and places.country_code(owner.group("country")) and owner.group("rest"):
        return owner.group("rest")  # "Afghanistan's Herat": the place is Herat (in Afghanistan)
    return name


#: A country's possessive before a place in it: "Afghanistan's Herat", "Sudan's El Fasher".
_OWNER = re.compile(r"^(?P<country>[A-Z][\w .-]*?)['\u2019]s\s+(?P<rest>.+)$")

_TIME_WORDS = frozenset({"24:00", "24", "00", "12", "midnight", "on", "the", ":", "local", "time", "(", ")",
                         "a.m.", "p.m.", "am", "pm"})


@dataclass(frozen=True)
class SentenceDates:
    """What a sentence says about dates, worked out once for all its figures."""

    cued: date | None  # the last date after "as of", "until", "to", "by", "between ... and"
    on_date: date | None  # the first date written right after "on"
    relative: date | None  # "yesterday", "last night", "on Tuesday"
    last_midnight: bool  # "midnight last night"
    hours24: bool  # "in the last 24 hours"


def sentence_dates(tokens: list[Token], words: list[str], dates: list[DateMention], published: date) -> SentenceDates:
    cued = on_date = None
    ends = [t.end for t in tokens] if dates else []
    for mention in dates:
        k = bisect.bisect_right(ends, mention.start)  # tokens before the date
        before = [w for w in words[max(0, k - 6):k] if w not in _TIME_WORDS]
        if before and before[-1] in AS_OF_CUES:
            cued = mention.day
        if on_date is None and k and words[k - 1] == "on" and mention.start - tokens[k - 1].end <= 2:
            on_date = mention.day
    relative = None
    present = set(words)
    if "yesterday" in present or ("last" in present and "night" in present):
        relative = published - timedelta(days=1)
    elif not present.isdisjoint(WEEKDAYS):
        for i, w in enumerate(words):  # "on Tuesday", also opening the sentence ("On Monday, we registered")
            if w in WEEKDAYS and i >= 1 and words[i - 1] == "on" and (i < 2 or words[i - 2] not in ATTRIBUTION_VERBS):
                relative = weekday_before(published, WEEKDAYS[w])
    elif "weekend" in present and ("over" in present or "at" in present or "this" in present):
        relative = weekday_before(published, WEEKDAYS["sunday"])  # "over the weekend": its last day
    return SentenceDates(cued, on_date, relative, "midnight" in present and "last" in present and "night" in present,
                         "24" in present and "hours" in present)


def _undated(said: SentenceDates) -> bool:
    """True when a sentence says nothing of the date its figures refer to."""
    return said.cued is None and said.on_date is None and said.relative is None and not said.last_midnight \
        and not said.hours24


def _as_of(said: SentenceDates, claim: Claim, published: date,
           whole: Claim | None = None) -> tuple[date, tuple[date, date] | None]:
    """The date the figure refers to: a date after "as of/until/to/by", else the date of the figure `whole`
    of an earlier sentence that the sentence breaks down ("... as of 9 May. Out of these, 199 ..."), else
    the publication date."""
    if whole is not None and whole.as_of is not None and _undated(said):
        return whole.as_of, whole.period if claim.scope == "incident" else None
    chosen = said.cued
    if chosen is None and claim.scope == "incident":
        chosen = said.on_date or said.relative
    if chosen is None and said.last_midnight:
        chosen = published - timedelta(days=1)
    as_of = chosen or published
    period = None
    if claim.scope == "incident":
        period = (as_of - timedelta(days=1), as_of) if said.hours24 else (as_of, as_of)
    return as_of, period


_ACCORDING = re.compile(r"\baccording to (?:the )?([^,.;:\"”(]+)", re.I)


_RELEASED_BY = re.compile(r"^.*?\b(?:released|issued|published|announced|compiled|provided|collected|gathered|"
                          r"put out|shared|cited|quoted)\s+(?:(?:today|yesterday|on\s+\w+|this\s+week)\s+)?by\s+"
                          r"(?:the\s+)?(?P<by>.+)$", re.I)
_DATA_FROM = re.compile(r"^(?:the\s+)?(?:latest\s+|new\s+|updated\s+|official\s+)*(?:information|figures|data|"
                        r"statistics|numbers|tallies|tally|count|estimates?)\s+(?:from|of|by)\s+(?:the\s+)?(?P<by>.+)$",
                        re.I)
_CITED = re.compile(r"^(?P<who>.+?)\s+(?:cited|quoted)\s+by\b", re.I)


def _speaker(said: str | None) -> str | None:
    """Who gave the figure, from the words naming its source: "casualty figures released today by UNAMI"
    is UNAMI, "information from hospital sources" hospital sources, "a senior hospital official cited by
    the rights group" the official (ours:speaker)."""
    if not said:
        return said
    if m := _CITED.match(said):
        return m.group("who").removeprefix("a ").removeprefix("an ").strip() or said
    for pattern in (_RELEASED_BY, _DATA_FROM):
        if m := pattern.match(said):
            return m.group("by").strip() or said
    return said


def _attribution(sentence: str, clean: str, tokens: list[Token], words: list[str]) -> str | None:
    """Who the sentence gives the figure to: "according to OHCHR", "the UN refugee agency said"."""
    return _speaker(_attribution_words(sentence, clean, tokens, words))


def _attribution_words(sentence: str, clean: str, tokens: list[Token], words: list[str]) -> str | None:
    """The words of the sentence that name the figure's source, as written."""
    m = _ACCORDING.search(sentence) if "accord" in clean else None  # no letter of "accord" has another case
    if m:
        said = m.group(1).split()
        return " ".join(said[:8]).strip() or None
    if ATTRIBUTION_VERBS.isdisjoint(words):
        return None
    for i, t in enumerate(tokens):
        if t.text not in ATTRIBUTION_VERBS or (i and tokens[i - 1].text in PRONOUNS):
            continue
        if i and tokens[i - 1].text in ("a", "an", "the"):
            continue  # a participle after an article describes: "an estimated 5.5 million", "the reported toll"
        j = i
        while j > 1 and tokens[j - 1].text in ("had", "has", "have") and i - j < 2:
            j -= 1  # "OHCHR had recorded": the name stands before the auxiliary
        if j < i and not sentence[tokens[j - 1].start:tokens[j - 1].start + 1].isupper():
            j = i  # "... that had recorded": no name before it
        verb = j  # where the name ends: before the verb, or before its auxiliary
        while j > 0 and j > i - 8:
            raw = sentence[tokens[j - 1].start:tokens[j - 1].end]
            if raw[:1].isupper() or tokens[j - 1].text in ATTRIBUTION_WORDS or tokens[j - 1].text in ("'", "(", ")"):
                j -= 1
                continue
            break
        if j == i and i > 2 and tokens[i - 1].text == ",":  # "Konstantin Ivashchenko, whom ... mayor, told"
            named = _before_aside(sentence, tokens, i - 1)
            if named:
                return named
        while j < i and tokens[j].text in ("the", "and", "of", "for", "'", "(", ")"):
            j += 1
        end = verb
        while end > j and tokens[end - 1].text == "(" or (end > j and tokens[end - 1].text == ")"
                                                          and "(" not in [t.text for t in tokens[j:end - 1]]):
            end -= 1
        while j < i and tokens[j].text == "the":
            j += 1
        if j < verb and any(sentence[tk.start:tk.start + 1].isupper() or tk.text in ATTRIBUTION_WORDS - {"the", "of"}
                            for tk in tokens[j:verb]):
            return sentence[tokens[j].start:tokens[end - 1].end]
        k = i + 1
        parts: list[Token] = []
        while k < len(tokens) and (sentence[tokens[k].start:tokens[k].start + 1].isupper()
                                   or (parts and tokens[k].text in ("of", "for"))):
            parts.append(tokens[k])
            k += 1
        if parts and parts[0].text not in NOT_PLACES - {"un", "unhcr", "ohchr", "ocha", "iom", "unicef", "who"}:
            return sentence[parts[0].start:parts[-1].end]
    return None


def _before_aside(sentence: str, tokens: list[Token], comma: int) -> str | None:
    """The capitalised name before an aside that ends at `comma`: "Konstantin Ivashchenko, whom
    pro-Russian forces named mayor of Mariupol this week, told ..." gives Konstantin Ivashchenko."""
    for c in range(comma - 2, max(0, comma - 20), -1):
        if tokens[c].text in (".", ";", ":"):
            return None
        if tokens[c].text != ",":
            continue
        k = c
        while k > 0 and c - k < 6 and sentence[tokens[k - 1].start:tokens[k - 1].start + 1].isupper() \
                and tokens[k - 1].text not in NOT_PLACES:
            k -= 1
        return sentence[tokens[k].start:tokens[c - 1].end] if k < c else None
    return None
