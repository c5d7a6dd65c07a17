"""What a figure counts: its metric, group, modality and scope, read from the words around it
("1,081 civilians killed", "could reach", "an airstrike killed"), then shared across the figures of
one list: in "at least 1,081 civilians killed and 1,707 injured" the second is a civilian count too.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from ..gazetteer import BY_NAME, DEMONYMS
from ..models import Estimate
from ..quantities import Amount, _modify
from ..text import WEEKDAYS
from .vocabulary import (
    _BOUNDARY,
    ABROAD,
    ADJACENT_ONLY,
    ANAPHORA,
    ATTRIBUTION_VERBS,
    BETWEEN,
    CAMPAIGN,
    CONNECTIVES,
    COUNTING,
    CUMULATIVE,
    GROUPS,
    HARM_OF,
    INCIDENT,
    INSIDE,
    LEFT_BEHIND,
    LEFT_HOME,
    LIST_WORDS,
    METRIC_AFTER,
    METRIC_BEFORE,
    MODALS,
    MORE,
    OUTSIDE,
    PLACE_BEFORE,
    PROJECTION,
    REFUGE,
    RISE,
    SEEK,
    SPEECH,
    SUBSET_AFTER,
    SUBSET_BEFORE,
    SUBSET_OF_THE,
)


@dataclass(slots=True)
class Claim:
    """A figure found in a sentence, and what the sentence says it counts."""

    estimate: Estimate
    start: int  # character span of the figure in the document
    end: int
    tok_start: int
    tok_end: int
    metric: str | None = None
    group: str | None = None
    modality: str = "reported"
    scope: str = "cumulative"
    place: str | None = None
    as_of: date | None = None
    attributed_to: str | None = None
    quote: str = ""
    period: tuple[date, date] | None = None
    own_modifier: bool = True
    part_of: Claim | None = None  # the figure of an earlier sentence this one is a part of ("Of these, 199 ...")


AUXILIARIES: frozenset[str] = frozenset({"had", "have", "has", "were", "was", "been", "are", "is", "be"})


def own_predicate(words: list[str], end: int) -> bool:
    """True when a figure has a verb of its own that is no metric: "572 had been taken prisoner"."""
    i, aux = end, False
    while i < len(words) and words[i] in AUXILIARIES | {"reportedly", "also", "now", "since", "still"}:
        aux = aux or words[i] in AUXILIARIES
        i += 1
    return aux and i < len(words) and words[i].isalpha() and words[i] not in METRIC_AFTER \
        and words[i] not in BETWEEN and words[i] not in GROUPS


#: Harms that happen to people only: a plural noun they happen to is a noun of people.
_PEOPLE_HARMS = frozenset({"killed", "injured", "casualties", "missing"})
#: Verbs of harm right before a figure whose object they make people: "killing 12 paramedics".
_HARM_VERBS = frozenset({"killing", "killed", "kill", "injuring", "wounding", "injured", "wounded", "maiming"})


def counts_other_things(words: list[str], caps: list[bool], end: int, start: int | None = None) -> bool:
    """True when a figure is followed by a plural noun for things: "8,239 locations", "155 facilities".

    A plural noun the lexicon does not know is a noun of people when a harm that only people suffer
    is said of it (ours:people-by-harm): "12 paramedics were killed", "the death of at least 12
    paramedics", "killing 12 paramedics", "40 rescuers are among the dead"."""
    if end >= len(words):
        return False
    w = words[end]
    known = w in BETWEEN or w in GROUPS or w in METRIC_AFTER or w in METRIC_BEFORE or w in DEMONYMS \
        or w in CONNECTIVES or w in MORE or w in BY_NAME or caps[end]
    if known or not (w.isalpha() and len(w) > 3 and w.endswith("s") and not w.endswith("ss")):
        return False
    ahead = [x for x in words[end + 1:end + 6] if x not in (".", ";")][:5]
    if any(METRIC_AFTER.get(x) in _PEOPLE_HARMS for x in ahead[:4]) and not any(x in (".", ";") for x in
                                                                                 words[end + 1:end + 5]):
        return False
    if start is not None and start >= 2 and words[start - 1] == "of" and words[start - 2] in HARM_OF:
        return False
    return not (start is not None and start >= 1 and words[start - 1] in _HARM_VERBS)


def _metric_after(words: list[str], caps: list[bool], start: int, stop: int,
                  glued: Callable[[int], bool] = lambda i: False) -> str | None:
    """The counted thing named after the figure: "1,081 civilians killed", "About 50 people, five of
    them children, were killed", "1.9 million people in Gaza ... have been displaced inside the Strip".

    People-words, place names and a short aside between commas or dashes may stand in between.
    """
    i, limit = start, min(stop, start + 14)
    while i < limit:
        w = words[i]
        if w in ("went", "gone") and i + 1 < len(words) and words[i + 1] == "missing":
            return "missing"  # "went missing" (ours:went-missing)
        if w in ("who", "that") and i > start and (k := _relative_end(words, i)) is not None:
            i = k  # "2,000 people who did not want to stay have left" (ours:relative-clause)
            continue
        if w in METRIC_AFTER:
            if METRIC_AFTER[w] in _DESCRIBING and _harm_follows(words, i):
                i += 1  # "six internally displaced people were killed": who they are, not what befell them
                continue
            return _refine(METRIC_AFTER[w], words, i)
        if w in SEEK and i + 1 < len(words) and words[i + 1] in REFUGE:
            # "are seeking refuge in neighbouring countries"; refuge in a school or a hospital is sheltering
            return _where_to(words, i)
        if w in GROUPS or w in BETWEEN or w in DEMONYMS or caps[i] or w in BY_NAME:
            i += 1
            continue
        if w in ("went", "gone", "go") and i + 1 < len(words) and words[i + 1] == "missing":
            return "missing"  # "went missing" (ours:went-missing)
        if w.isalpha() and w not in CONNECTIVES and any(
                METRIC_AFTER.get(x) in ("killed", "injured", "casualties") for x in words[i + 1:i + 3]
                if x in METRIC_AFTER or x in GROUPS):
            i += 1  # one describing word: "battlefield deaths", "undocumented civilian deaths"
            continue
        if w.isalpha() and w not in CONNECTIVES and i + 3 < len(words) and words[i + 1] in AUXILIARIES \
                and words[i + 2] == "among" and words[i + 3] == "the":
            i += 1  # a noun of people before "are among the dead": "12 paramedics are among the dead"
            continue

        if w == "-" and caps is not None and glued(i):
            i += 1  # a hyphen inside a word: "third-country", "pro-Assad"
            continue
        if w in (",", "-", "(") and i > start:
            close = {"(": ")"}.get(w, w)
            end = next((k for k in range(i + 1, min(len(words), i + 10)) if words[k] in (close, ")")), None)
            if end is not None and end + 1 < len(words):
                i = end + 1  # skip the aside and read on
                limit = min(len(words), max(limit, i + 6))
                continue
        return None
    return None


#: Metrics that also describe people a harm befalls: "displaced people were killed", "refugees died".
_DESCRIBING = frozenset({"idps", "displaced", "refugees"})


def _harm_follows(words: list[str], i: int) -> bool:
    """True when a harm only people suffer is said shortly after `i`, in the same clause: "internally
    displaced people were killed" (ours:harm-to-the-displaced)."""
    k, end = i + 1, min(len(words), i + 6)
    while k < end:
        w = words[k]
        if w == "," and (close := next((j for j in range(k + 1, min(len(words), k + 6)) if words[j] == ","),
                                       None)) is not None:
            k, end = close + 1, min(len(words), close + 5)  # an aside: "six internally displaced people,
            continue  # or IDPs, were killed"
        if w in (".", ";", ",", ":", "and", "or", "while", "after", "from", "to", "into", "in"):
            return False
        if METRIC_AFTER.get(w) in _PEOPLE_HARMS and w not in ("missing",):
            return True
        k += 1
    return False


def _relative_end(words: list[str], i: int) -> int | None:
    """Where the main verb of people described by a relative clause at `i` ("who did not want to stay",
    "who fled the city") begins: the auxiliary before a metric word later in the clause ("have left",
    "were killed"); None when the clause has none."""
    for k in range(i + 2, min(len(words) - 1, i + 12)):
        if words[k] in (".", ";", ",", ":"):
            return None
        if words[k] in AUXILIARIES and (words[k + 1] in METRIC_AFTER or words[k + 1] == "been"):
            return k
    return None


def _refine(metric: str, words: list[str], i: int) -> str | None:
    """Make a metric word precise from its neighbours: fled abroad, displaced inside, killed and injured."""
    w = words[i]
    ahead = words[i + 1:i + 7]
    if metric == "flight-arrived":  # "arrived in north-east Syria" is inside; arrivals abroad say so
        if any(x in ABROAD - {"into", "across", "country"} for x in ahead):
            return "refugees"
        for k, x in enumerate(ahead[:4]):  # "arrived in Tanzania": a country, not a part of one
            if x in (".", ";", ","):
                break
            after_part = k > 0 and ahead[k - 1] in PLACE_BEFORE  # "north-east Syria" is inside
            if x not in PLACE_BEFORE and (x in BY_NAME or _is_country(x)) and not after_part:
                return "refugees"
        return "displaced"
    if metric == "flight":
        home = bool(ahead) and (ahead[0] in LEFT_HOME or len(ahead) > 1 and ahead[0] in ("their", "his", "her")
                                and ahead[1] in LEFT_HOME)  # "left home", "left their homes"; not "left without"
        if w == "left" and not home and not any(x in BY_NAME or x in ABROAD for x in ahead[:2]):
            return None  # "left 500 dead" is no flight
        return _where_to(words, i) or "displaced"
    if metric == "idps" and w in ("internally", "internal") and (
            not ahead or ahead[0] not in ("displaced", "displacements", "displacement")):
        return None
    clause = [x for x in words[i + 1:i + 9]]
    clause = clause[:clause.index(".")] if "." in clause else clause
    if metric == "displaced" and words[i - 1] in INSIDE:
        return "displaced" if _and_abroad(words, i - 1) else "idps"
    if metric == "displaced" and any(x in INSIDE for x in clause):
        return "displaced" if _and_abroad(words, i + 1 + next(k for k, x in enumerate(clause) if x in INSIDE)) \
            else "idps"
    if metric == "killed" and len(ahead) >= 2 and ahead[0] in ("and", "or") \
            and METRIC_AFTER.get(ahead[1]) == "injured":
        return "casualties"  # "dead and wounded", "killed or injured"
    return metric


def _is_country(word: str) -> bool:
    """Whether a lower-case word is the name of a country (ISO 3166, figures.places), not a demonym."""
    from .. import places
    from ..gazetteer import NATIONALITIES

    return word not in NATIONALITIES and word not in DEMONYMS and places.country_code(word) is not None


def _where_to(words: list[str], i: int) -> str | None:
    """Where the people of a flight word went, by the first word after it that says so: abroad ("fled to
    neighbouring countries", "sought refuge in Chad"), inside ("fled within Sudan"), or both ("sought refuge
    within Sudan or in neighbouring countries"); None when nothing says. A country they fled from inside it
    is no border crossed: "fled their homes in northern Gaza", "fled southern Lebanon" (ours:fled-inside)."""
    k, end = i + 1, min(len(words), i + 7)
    while k < end:
        x = words[k]
        if x in INSIDE:
            return "displaced" if _and_abroad(words, k) else "idps"
        if x in BY_NAME and _fled_inside(words, i, k):
            k, end = k + 1, min(len(words), end + 3)  # read on: "fled their homes in Syria for Turkey"
            continue
        if x in ABROAD or x in BY_NAME:
            return "refugees"
        k += 1
    return None


def _fled_inside(words: list[str], verb: int, k: int) -> bool:
    """True when the country at `k` is where a flight at `verb` began, inside it: a part of it ("northern Gaza",
    "north-east Syria"), or the country after "in" and a thing left behind ("their homes in Gaza")."""
    if words[k - 1] in PLACE_BEFORE:
        return True
    j = k - 1
    while j > verb and words[j] == "the":
        j -= 1
    return words[j] == "in" and j - 1 > verb and words[j - 1] in LEFT_BEHIND


def _and_abroad(words: list[str], inside: int) -> bool:
    """True when the inside-word at `inside` is joined by "or"/"and" to a place abroad in its clause:
    "within Sudan or in neighbouring countries", "inside and outside the country": displaced, not IDPs."""
    for k in range(inside + 1, min(len(words), inside + 10)):
        if words[k] in (".", ";", ":"):
            return False
        if words[k] in ("or", "and"):
            return any(x in OUTSIDE or x in BY_NAME for x in words[k + 1:k + 5])
    return False


def _metric_before(words: list[str], start: int, stop: int) -> str | None:
    """The counted thing named before the figure: "killing 12", "casualties at thousands", "the injury of
    4,746", and a running total carried to it: "the death toll from Saturday's strike ... rose to at least 40"."""
    if start >= 2 and words[start - 1] == "of" and words[start - 2] in HARM_OF:
        return HARM_OF[words[start - 2]]
    if start >= 2 and words[start - 1] == ":":  # "Number of Lebanese people killed in the conflict: 422"
        for i in range(start - 2, max(-1, start - 16), -1):
            if words[i] in (".", ";", ":", "*") or words[i] in ATTRIBUTION_VERBS:
                break
            if words[i] in METRIC_BEFORE:
                return METRIC_BEFORE[words[i]]
            if METRIC_AFTER.get(words[i]) in _PEOPLE_HARMS | {"refugees", "displaced", "idps"}:
                return METRIC_AFTER[words[i]]
    rise = any(w in RISE for w in words[max(0, start - 3):start])
    reach, floor = (24, 0) if rise else (8, stop)
    for i in range(start - 1, max(floor, start - reach) - 1, -1):
        w = words[i]
        if w in METRIC_BEFORE:
            if w in ADJACENT_ONLY and i != start - 1:
                return None
            return METRIC_BEFORE[w]
        if (w in _BOUNDARY and not rise) or w in ATTRIBUTION_VERBS or w in (".", ";"):
            return None
    return None


def _group(words: list[str], claim: Claim, prev: int, nxt: int) -> str | None:
    """Who is counted, named next to the figure: "1,081 civilians", "members of the security forces",
    "killing 12 children"; never across a comma ("13 of them children, and 400 injured")."""
    for w in words[claim.tok_end:min(nxt, claim.tok_end + 6)]:
        if w in GROUPS:
            return GROUPS[w]
        if w in _BOUNDARY:
            break
    before = words[max(prev, claim.tok_start - 6):claim.tok_start]
    reach = len(before) if "toll" in before else 3  # "the civilian death toll at about 5,000"
    for w in reversed(before[-reach:]):
        if w in GROUPS:
            return GROUPS[w]
        if w in _BOUNDARY or w == "and":
            break
    return None


def _modality(words: list[str], claim: Claim, prev: int, nxt: int) -> str:
    """A projection when a forecast word governs the figure, not when it is hedged past ("may have")."""
    before = words[max(prev, claim.tok_start - 8):claim.tok_start]
    after = words[claim.tok_end:min(nxt, claim.tok_end + 4)]
    for k, w in enumerate(before):
        if w in _BOUNDARY and k < len(before) - 1:
            continue
        if w in PROJECTION and _forecast(before, k):
            return "projection"
    for k, w in enumerate(after):
        if w in _BOUNDARY:
            break
        if w in PROJECTION and _forecast(after, k):
            return "projection"
    return "reported"


def _forecast(words: list[str], k: int) -> bool:
    w = words[k]
    nxt = words[k + 1] if k + 1 < len(words) else ""
    if w in MODALS and nxt in ("have", "already"):
        return w == "will"  # "may have killed" is hedged past; "will have died by 2030" is a forecast
    if w == "may" and (nxt[:1].isdigit() or (k and words[k - 1][:1].isdigit())):
        return False  # the month of May
    if w in ("estimates", "feared") and nxt not in ("that", "could", "up"):
        return False
    return not (w == "plan" and nxt != "for")


_SCOPE_WORDS: frozenset[str] = CUMULATIVE | INCIDENT | frozenset(WEEKDAYS) | {"hours", "single"}


def scope_cues(words: list[str]) -> list[tuple[int, str]]:
    """Where a sentence says "incident" or "running total", worked out once for all its figures."""
    cues: list[tuple[int, str]] = []
    for i in [k for k, w in enumerate(words) if w in _SCOPE_WORDS]:  # most words are none of these
        w = words[i]
        if w in CUMULATIVE:
            cues.append((i, "cumulative"))
        elif w in INCIDENT:
            cues.append((i, "incident"))
        elif w in WEEKDAYS and i and words[i - 1] == "on" and SPEECH.isdisjoint(words[max(0, i - 9):i - 1]):
            # "told the news agency TASS on Thursday": the day of the telling, not of an event
            several = i + 2 < len(words) and words[i + 1] == "and" and words[i + 2] in WEEKDAYS
            cues.append((i, "cumulative" if several else "incident"))  # "on Friday and Saturday": a total
        elif w == "hours" and i >= 2 and words[i - 1] == "24" or (w == "single" and i + 1 < len(words)
                                                                    and words[i + 1] in ("day", "night", "attack")):
            cues.append((i, "incident"))
    return cues


def _scope(words: list[str], cues: list[tuple[int, str]], claim: Claim) -> str | None:
    """Incident or cumulative, by the nearest cue in the sentence: "killed when a missile struck" is an
    incident, "attacks have killed more than 2,670 since" a running total; None when nothing says."""
    if not cues:
        return None
    lo = bisect.bisect_left(cues, (claim.tok_start - 40, ""))
    hi = bisect.bisect_right(cues, (claim.tok_end + 40, "~"))
    cues = cues[lo:hi]  # a cue 40 words away says nothing about this figure
    if not cues:
        return None

    def distance(cue: tuple[int, str]) -> tuple[int, int]:
        i, kind = cue
        gap = claim.tok_start - i if i < claim.tok_start else i - claim.tok_end + 1
        if words[i] in CAMPAIGN:
            gap += 3  # "overnight shelling": the time word says more than the kind of violence
        return gap, 0 if kind == "cumulative" else 1

    return min(cues, key=distance)[1]


# --- shared across a list --------------------------------------------------------------------


#: Words that may stand between two figures of one list (with place names and capitalised words).
_LIST_GLUE: frozenset[str] = frozenset(BETWEEN | set(GROUPS) | set(METRIC_AFTER) | set(METRIC_BEFORE) | LIST_WORDS)


def _connected(words: list[str], caps: list[bool], a: Claim, b: Claim) -> bool:
    """True when figure b continues a list started by figure a ("1,081 killed and 1,707 injured",
    "683 in Latakia, 433 in Tartous")."""
    if b.tok_start - a.tok_end > 8:
        return False
    for k in range(a.tok_end, b.tok_start):
        w = words[k]
        if w in ATTRIBUTION_VERBS or not (w in _LIST_GLUE or w in BY_NAME or w in DEMONYMS or caps[k]):
            return False
    return True


def _by_length(phrases: tuple[tuple[str, ...], ...]) -> tuple[tuple[int, frozenset[tuple[str, ...]]], ...]:
    return tuple((n, frozenset(p for p in phrases if len(p) == n)) for n in sorted({len(p) for p in phrases}))


_SUBSET_AFTER = _by_length(SUBSET_AFTER)
_SUBSET_BEFORE = _by_length(SUBSET_BEFORE)
_SUBSET_BEFORE_LAST = frozenset(p[-1] for p in SUBSET_BEFORE)


def _is_subset(words: list[str], claim: Claim) -> bool:
    """A figure that counts part of the one before it: "13 of them children", "including 26 children"."""
    end = claim.tok_end
    after = tuple(words[end:end + 2])
    if after == SUBSET_OF_THE:
        named = words[end + 2] if end + 2 < len(words) else ""
        if named in GROUPS or named in METRIC_AFTER or named in ("victims", "people"):
            return True
    if any(after[:n] in phrases for n, phrases in _SUBSET_AFTER):
        return True
    before = words[max(0, claim.tok_start - 4):claim.tok_start]  # a phrase right before, or one word earlier
    if not (before and before[-1] in _SUBSET_BEFORE_LAST or len(before) > 1 and before[-2] in _SUBSET_BEFORE_LAST):
        return False
    return any(tuple(before[-n:]) in phrases or tuple(before[-n - 1:-1]) in phrases for n, phrases in _SUBSET_BEFORE)


def _share_across_lists(found: list[Claim], words: list[str], caps: list[bool], context: list[Claim]) -> None:
    """Figures in one list share the metric, group and modifier they do not restate; a part of a figure
    ("13 of them children") counts what that figure counts, even when it was given a sentence earlier."""
    subsets = {id(c) for c in found if _is_subset(words, c)}
    for k, cur in enumerate(found):
        if id(cur) not in subsets:
            continue
        parent = found[k - 1] if k and found[k - 1].metric else (context[-1] if context else None)
        if parent is None:
            continue
        if k == 0:
            cur.part_of = parent  # the sentence opens by breaking down a figure given before it
        cur.scope = parent.scope  # a part of a figure counts over the same period
        if cur.metric is None or (cur.metric in ("displaced", "flight") and parent.metric in ("idps", "refugees")):
            cur.metric = parent.metric
        if cur.group is None and parent.group not in (None, "all"):
            cur.group = parent.group  # "2,421 civilian casualties, including 925 killed": civilians
    last = context[-1] if context else None  # the latest figure with a metric, kept as we go
    for cur in found:  # "which counts 10,095,054", "and 900 more lie in morgues"
        if cur.metric is None and last is not None:
            counted = any(w in COUNTING for w in words[max(0, cur.tok_start - 2):cur.tok_start])
            more = cur.tok_end < len(words) and words[cur.tok_end] in MORE
            if counted or more:
                cur.metric, cur.scope = last.metric, last.scope
        if cur.metric is not None:
            last = cur
    for k in range(len(found) - 2, -1, -1):  # a figure without a metric takes the next one's
        cur, nxt = found[k], found[k + 1]
        if cur.metric is None and nxt.metric is not None and _connected(words, caps, cur, nxt) \
                and id(nxt) not in subsets:
            cur.metric = nxt.metric
    last = context[-1] if context else None
    for cur in found:  # "..., and the number could reach 4 million"
        window = words[max(0, cur.tok_start - 6):cur.tok_start]
        if cur.metric is None and last is not None and any(
                w in ANAPHORA and not (j and window[j - 1] == "in") for j, w in enumerate(window)):  # not "in total"
            cur.metric, cur.group = last.metric, cur.group or last.group
        if cur.metric is not None:
            last = cur
    head = 0
    lead, lead_at = (found[0], 0) if found else (None, 0)  # the latest figure of the list not part of another
    for k in range(1, len(found)):
        prev, cur = found[k - 1], found[k]
        if id(prev) not in subsets:
            lead, lead_at = prev, k - 1
        if not _connected(words, caps, prev, cur):
            head, lead, lead_at = k, cur, k
            if prev.metric == "casualties" and cur.metric in ("killed", "injured") \
                    and ":" in words[prev.tok_end:cur.tok_start]:
                cur.group = cur.group or prev.group  # "2,788 civilian casualties ...: 1,081 killed and ..."
                cur.scope = prev.scope
            continue
        cur.scope = found[head].scope  # a list reads as one: all running totals, or all one incident
        if cur.metric is None and not own_predicate(words, cur.tok_end):
            cur.metric = prev.metric
        if cur.group is None and id(cur) not in subsets:
            cur.group = found[head].group
        lead = lead if lead is not None and lead_at >= head else prev
        own_clause = cur.tok_end < len(words) and words[cur.tok_end] in AUXILIARIES  # "2 million had crossed"
        if not cur.own_modifier and id(cur) not in subsets and not own_clause and cur.estimate.rule == "exact" \
                and lead.estimate.rule in ("at-least", "more-than", "about", "nearly", "up-to", "fewer-than",
                                           "just-over") and cur.estimate.best is not None:
            x = cur.estimate.best
            cur.estimate = _modify(Amount(x, x, x, "exact"), lead.estimate.rule, cur.estimate.text)
        if cur.modality == "reported" and prev.modality == "projection":
            cur.modality = "projection"
    for k, total in enumerate(found):  # "406 civilian casualties in Ukraine: 102 killed (...) and 304 injured"
        if total.metric == "casualties" and total.group and k + 1 < len(found) \
                and ":" in words[total.tok_end:found[k + 1].tok_start]:
            for part in found[k + 1:]:
                if part.metric in ("killed", "injured") and part.group is None and id(part) not in subsets:
                    part.group = total.group
            break
    last = found[0] if found and found[0].metric else (context[-1] if context else None)
    for k in range(1, len(found)):  # gapping: "38 of them died at the station and 12 in hospital"
        prev, cur = found[k - 1], found[k]
        before = words[cur.tok_start - 1] if cur.tok_start else ""
        after = words[cur.tok_end] if cur.tok_end < len(words) else ""
        if cur.metric is None and prev.metric and before in ("and", ",") and after in ("in", "at", "on", "from"):
            cur.metric, cur.scope = prev.metric, prev.scope
        if before == "another" and last is not None and last.metric in ("idps", "refugees") \
                and cur.metric == "displaced":
            cur.metric = last.metric  # "Another 356,000 are displaced in Rakhine", after an IDP count
        if cur.metric:
            last = cur
    for claim in found:
        if claim.metric in ("flight", "flight-arrived"):
            claim.metric = "displaced"
        if claim.group is None:
            claim.group = "all"
