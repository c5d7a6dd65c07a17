"""Text -> claims: every stated figure in a report, with what it counts (NORMALISATION.md, "Claims").

For each sentence the figures are found by the quantity scanner (`quantities.scan`); each figure is
then read in its context: the counted thing and its metric ("killed", "fled to Poland"), the group
("civilians", "children"), whether it is a projection ("could reach"), an incident ("an airstrike
killed"), the place, the date it refers to and who the figure is attributed to. Lists share what
they do not restate: in "at least 1,081 civilians killed and 1,707 injured" the second figure is a
civilian count and an "at least".

>>> [(c.metric, c.estimate.low) for c in extract("Hundreds dead, thousands injured.", published="2022-03-02")]
[('killed', 100), ('injured', 1000)]
"""

from __future__ import annotations

import bisect
import gc
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from .errors import NormalisationError
from .gazetteer import BY_NAME, DEMONYMS, SUBAREAS, UNKNOWN_AREA
from .models import GROUPS as MODEL_GROUPS
from .models import METRICS, Estimate, Observation, Provenance
from .quantities import (
    FRACTION_WORDS,
    PREFIXES,
    SCALES,
    TENS,
    UNITS,
    VAGUE,
    Amount,
    Token,
    _modify,
    _not_a_figure,
    scan,
    tokenize,
)
from .text import MONTHS, WEEKDAYS, DateMention, find_dates, plain_paragraphs, sentences, weekday_before

ADAPTER = "text"
VERSION = "1.0"

# --- vocabulary ------------------------------------------------------------------------------

#: Words after a figure that say what it counts.
METRIC_AFTER: dict[str, str] = {
    "killed": "killed", "dead": "killed", "deaths": "killed", "died": "killed", "fatalities": "killed",
    "lives": "killed", "bodies": "killed", "slain": "killed", "perished": "killed", "murdered": "killed",
    "executed": "killed", "death": "killed",
    "injured": "injured", "wounded": "injured", "hurt": "injured", "injuries": "injured", "maimed": "injured",
    "casualties": "casualties",
    "missing": "missing", "disappeared": "missing", "unaccounted": "missing",
    "refugees": "refugees", "refugee": "refugees",
    "idps": "idps", "internally": "idps",
    "displaced": "displaced", "uprooted": "displaced", "homeless": "displaced",
    "fled": "flight", "flee": "flight", "fleeing": "flight", "crossed": "flight", "arrived": "flight-arrived",
    "entered": "flight", "escaped": "flight", "went": "flight", "gone": "flight", "departures": "refugees",
    "arrivals": "refugees",
    "crossings": "refugees", "left": "flight", "leave": "flight", "leaving": "flight", "forced": "displaced",
    "driven": "displaced", "expelled": "displaced", "evicted": "displaced", "buried": "killed",
}
#: Words shortly before a figure that say what it counts ("killing 12", "death toll to 1,000").
METRIC_BEFORE: dict[str, str] = {
    "killing": "killed", "killed": "killed", "kill": "killed", "toll": "killed", "deaths": "killed",
    "dead": "killed", "fatalities": "killed",
    "injuring": "injured", "wounding": "injured", "injured": "injured", "wounded": "injured",
    "casualties": "casualties", "casualty": "casualties",
    "missing": "missing",
    "refugees": "refugees", "refugee": "refugees",
    "idps": "idps",
    "displacing": "displaced", "displaced": "displaced", "uprooting": "displaced", "displacement": "displaced",
    "losses": "killed", "forced": "displaced", "driven": "displaced",
    "hosting": "refugees", "hosts": "refugees", "hosted": "refugees", "host": "refugees",
    "received": "refugees", "receiving": "refugees", "welcomed": "refugees", "bodies": "killed",
}
#: Before-words that must stand right before the figure: "killed 12" (a verb and its object), never
#: "... 3,700 had been wounded, and that 572 had been taken prisoner".
ADJACENT_ONLY: frozenset[str] = frozenset({"killed", "wounded", "injured", "displaced", "missing"})
#: Verbs that count what the text is already about: "the IOM ..., which counts 10,095,054 across ...".
COUNTING: frozenset[str] = frozenset({"counts", "counted", "counting", "recorded", "registered", "puts", "put"})
#: Words after a figure that add to the one before: "2,000 bodies ..., and 900 more lie in morgues".
MORE: frozenset[str] = frozenset({"more", "others", "further", "additional"})
#: Words after "displaced" (or before it) that keep the people inside their country: IDPs.
INSIDE: frozenset[str] = frozenset({"inside", "within", "internally"})
#: Words that make a figure a part of the one before it: "13 of them children", "including 26 children".
SUBSET_AFTER: tuple[tuple[str, ...], ...] = (
    ("of", "them"), ("of", "whom"), ("of", "these"), ("of", "those"),
)
#: "Twenty-five of the children", "18,592 of the dead": a part, when people are named after "of the".
SUBSET_OF_THE: tuple[str, ...] = ("of", "the")
SUBSET_BEFORE: tuple[tuple[str, ...], ...] = (
    ("including",), ("among", "them"), ("of", "these"), ("of", "them"), ("of", "the", "dead"),
    ("of", "those"), ("among", "the", "dead"), ("among", "those"), ("of", "whom"),
)
#: Words after "fled" that put the people abroad (refugees), not only out of their homes.
ABROAD: frozenset[str] = frozenset({
    "abroad", "border", "borders", "country", "countries", "nations", "refuge", "neighbouring",
    "neighboring", "overseas", "europe", "european", "into", "across",
})
GROUPS: dict[str, str] = {
    "civilian": "civilians", "civilians": "civilians",
    "children": "children", "child": "children", "boys": "children", "girls": "children",
    "minors": "children", "kids": "children", "infants": "children", "babies": "children",
    "soldiers": "military", "troops": "military", "servicemen": "military", "military": "military",
    "fighters": "military", "combatants": "military", "militants": "military", "personnel": "military",
    "servicemembers": "military", "forces": "military", "service": "military", "marines": "military",
}
#: Words that may stand between a figure and its counted thing without changing what is counted.
BETWEEN: frozenset[str] = frozenset({
    "people", "persons", "individuals", "residents", "others", "more", "other", "new", "additional", "of",
    "them", "whom", "those", "men", "women", "were", "was", "have", "has", "had", "been", "are", "is",
    "being", "reportedly", "now", "already", "so", "far", "thought", "believed", "feared", "confirmed",
    "to", "be", "also", "who", "that", "migrants", "patients", "workers", "journalists", "staff",
    "villagers", "worshippers", "family", "members", "elderly", "adults", "the", "their",
    "in", "total", "all", "registered", "recorded", "estimated", "having", "not", "yet", "said", "likely",
    "either", "or", "officially", "ukrainians", "than", "reported", "as", "aid",
    "humanitarian", "police", "officers", "medics", "doctors", "nurses", "teachers", "students",
    "protesters", "passengers", "fishermen", "farmers", "since", "then", "nationals",
    "third-country", "third", "country", "will", "would", "could", "may", "might", "must",
    "should", "can", "newly", "recently", "forcibly", "temporarily", "still", "among", "security", "pro",
    "american", "foreign", "local", "sudanese", "afghan", "palestinian", "israeli", "syrian", "its", "our",
    "his", "her", "eventually", "ultimately", "soon", "probably", "possibly", "rohingya", "remain", "remained",
    "remains",
})
#: Words that never describe what a figure counts: they join clauses.
CONNECTIVES: frozenset[str] = frozenset({
    "and", "or", "but", "while", "with", "as", "of", "the", "a", "an", "to", "in", "on", "at", "by", "for",
    "from", "nor", "than", "that", "which", "who",
})
#: A figure in "a city of 400,000" or "a population of 2 million" counts inhabitants, not victims.
POPULATION: frozenset[str] = frozenset({
    "city", "town", "village", "population", "inhabitants", "capital", "home", "nation", "region",
    "province", "district", "camp", "settlement", "municipality", "metropolis",
})
PROJECTION: frozenset[str] = frozenset({
    "could", "may", "might", "would", "will", "expected", "expects", "expect", "projected", "projection",
    "projects", "forecast", "forecasts", "predicted", "predicts", "planning", "plan", "plans",
    "preparing", "prepare", "prepares", "scenario", "anticipate", "anticipates", "anticipated",
    "potentially", "feared", "risk", "estimates",
})
#: Projection words that do not make a figure a projection when "have" follows ("may have killed").
MODALS: frozenset[str] = frozenset({"could", "may", "might", "would", "will"})
#: Words naming one event: a figure nearest to them counts that incident.
INCIDENT: frozenset[str] = frozenset({
    "attack", "strike", "airstrike", "raid", "bombing", "blast", "explosion", "missile", "drone",
    "massacre", "massacres", "ambush", "overnight", "yesterday", "shooting", "landslide",
    "stampede", "rocket", "incident", "crash", "bombers", "tonight", "explosions", "shell", "shells",
})
#: Figures of harm: a sentence that names no period goes on with the paragraph's incident.
HARM: frozenset[str] = frozenset({"killed", "injured", "casualties", "missing"})
#: Words naming a running total: a figure nearest to them is cumulative.
CUMULATIVE: frozenset[str] = frozenset({
    "since", "total", "overall", "cumulative", "toll", "far", "start", "began", "beginning", "started",
    "outbreak", "onset", "escalation", "war", "conflict", "date", "attacks", "strikes", "airstrikes",
    "shelling", "bombardment", "offensive", "campaign", "hostilities", "fighting", "week", "weeks", "months",
})
#: Cumulative cues that name a kind of violence rather than a period: weaker than a time word.
CAMPAIGN: frozenset[str] = frozenset({"attacks", "strikes", "airstrikes", "shelling", "bombardment", "offensive",
                                      "campaign", "hostilities", "fighting", "war", "conflict"})
#: Verbs of speech: "said on Friday" dates the statement, not the event.
SPEECH: frozenset[str] = frozenset({"said", "says", "told", "announced", "stated", "added", "warned", "noted"})
ATTRIBUTION_VERBS: frozenset[str] = frozenset({
    "said", "says", "reported", "reports", "recorded", "records", "estimated", "estimates", "announced",
    "stated", "told", "confirmed", "counted", "documented", "added", "warned", "noted", "registered",
})
#: Agencies, officials and outlets written in lower case inside an attribution ("the UN refugee agency").
ATTRIBUTION_WORDS: frozenset[str] = frozenset({
    "the", "un", "u.n.", "refugee", "agency", "human", "rights", "office", "ministry", "health",
    "officials", "official", "authorities", "spokesperson", "spokesman", "spokeswoman", "mayor",
    "governor", "government", "military", "army", "police", "local", "regional", "city", "council",
    "organization", "organisation", "of", "for", "and", "'s", "chief", "head", "state", "media", "agencies",
    "monitors", "monitoring", "mission", "group", "interior", "defence", "defense", "emergency",
    "services", "service", "prosecutor", "general", "commissioner", "high", "high-level", "secretary",
    "world", "international", "organization's", "migration",
})
#: "he said", "it said": a pronoun names no source; the sentence gets no attribution of its own.
PRONOUNS: frozenset[str] = frozenset({"he", "she", "it", "they", "we", "i", "you"})
#: Capitalised words that start sentences or name days and months, never places.
NOT_PLACES: frozenset[str] = frozenset({
    "the", "a", "an", "in", "on", "at", "since", "from", "as", "of", "and", "but", "this", "that", "it",
    "un", "u.n.", "unhcr", "ohchr", "ocha", "iom", "unicef", "who", "wfp", "reuters", "ap", "afp",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "local", "time", "telegram", "twitter", "x", "facebook", "tv", "television", "radio", "cnn",
    "bbc", "instagram", "whatsapp",
})
PLACE_PREPOSITIONS: frozenset[str] = frozenset({
    "in", "to", "into", "across", "at", "near", "inside", "around", "on", "outside", "reached", "fled", "left",
    "fleeing",
})
#: "shelling of Kharkiv", "siege of Mariupol": "of" names a place after these.
PLACE_OF: frozenset[str] = frozenset({
    "shelling", "bombardment", "siege", "bombing", "capture", "fall", "battle", "city", "town", "outskirts",
    "mayor", "governor", "residents", "council", "authorities", "officials",
})
#: Nouns a place name stands before as a modifier: "Mariupol mayor", "the Mariupol death toll",
#: "20,000 Mariupol residents". Read only when the sentence names no place otherwise.
PLACE_MODIFIES: frozenset[str] = frozenset({
    "mayor", "governor", "council", "authorities", "officials", "residents", "death", "toll", "civilian",
    "civilians", "hospital", "hospitals", "city", "region", "regional", "police",
})
#: Lower-case words that belong to a place name: "northern Syria", "Zamzam camp", "Aleppo governorate".
PLACE_BEFORE: frozenset[str] = frozenset({
    "northern", "southern", "eastern", "western", "central", "north", "south", "east", "west", "northeast",
    "northwest", "southeast", "southwest",
})
#: Words that describe a place without being part of its name: "the occupied West Bank".
PLACE_DESCRIBED: frozenset[str] = frozenset({"besieged", "occupied", "embattled", "devastated", "war-torn",
                                             "neighbouring", "neighboring", "nearby"})
COMPASS: frozenset[str] = frozenset({"north", "south", "east", "west", "northeast", "northwest", "southeast",
                                     "southwest", "-"})
PLACE_AFTER: frozenset[str] = frozenset({
    "camp", "camps", "governorate", "state", "region", "province", "district", "oblast", "city", "town",
    "displacement", "coast",
})
#: Verbs whose subject hosts refugees: "Poland has taken in more than 2.8 million".
HOSTING: frozenset[str] = frozenset({"received", "hosts", "hosting", "taken", "took", "welcomed", "registered",
                                      "admitted", "sheltering", "recorded"})
#: Dates after these words say what a figure is as of ("as of 4 March", "until 3 March").
AS_OF_CUES: frozenset[str] = frozenset({"of", "at", "until", "till", "to", "by", "through", "and", "up"})

_NUMBER_WORDS = set(UNITS) | set(TENS) | set(SCALES) | set(VAGUE) | set(FRACTION_WORDS) | {"dozen", "half"}
_STARTS = _NUMBER_WORDS | {p.split()[0] for p in PREFIXES} | {"between", "from", "a", "an", "~", "c."}
def _trie_pattern(words: set[str]) -> str:
    """An alternation factored by common prefixes, which Python's re matches far faster."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + render(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        return body + ("?" if ends else "")

    return render(trie)


#: Digits or a number word: a paragraph or sentence without one holds no figure (searched lower-cased).
_ANCHOR = re.compile(r"\d|\b" + _trie_pattern(_NUMBER_WORDS) + r"\b")
_BOUNDARY = frozenset({",", ";", ":", "(", ")", "."})
#: Words that may join the figures of one list ("2,788 civilian casualties in the country: 1,081 killed").
LIST_WORDS: frozenset[str] = frozenset({
    ",", "and", ":", "(", ")", "including", "among", "with", "while", "whom", ";", "-", "plus", "country",
    "territory", "region", "regions", "city", "area", "a", "further", "another", "respectively", "whereas",
    "inside", "across", "within", "from", "in", "governorate", "province", "state", "district", "oblast",
    "camp", "camps", "village", "villages", "town", "towns", "cities", "capital", "into", "to",
})
#: Verbs that carry a running total to a new figure: "the death toll ... rose to at least 40".
RISE: frozenset[str] = frozenset({
    "rose", "risen", "climbed", "reached", "increased", "jumped", "surged", "grew", "stood", "stands", "hit",
    "passed", "topped", "exceeded", "crossed", "amounted", "totalled", "totaled",
})
#: Words that point back at a figure already given: "the number could reach 4 million".
ANAPHORA: frozenset[str] = frozenset({"number", "figure", "total", "tally", "count", "toll"})


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


# --- the extractor ---------------------------------------------------------------------------


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
    found = [c for c in found if not counts_other_things(words, caps, c.tok_end)]

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
    for claim in found:
        prev, nxt = bounds[id(claim)]
        claim.place = _place(sentence, tokens, claim, prev, nxt, modifier)
        claim.attributed_to = attribution
        claim.as_of, claim.period = _as_of(said, claim, published)
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


def _not_a_claim(sentence: str, clean: str, tokens: list[Token], words: list[str], i: int, j: int) -> bool:
    """Dates, years, ages, durations, money, percentages, names and populations are no claims."""
    window = tokens[max(0, i - 1):min(len(tokens), j + 3)]
    if _not_a_figure(clean[window[0].start:window[-1].end], window):
        return True
    first, last = tokens[i], tokens[j - 1]
    if j - i == 1 and first.kind == "num" and _YEAR.fullmatch(first.text):
        return True  # a year
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


AUXILIARIES: frozenset[str] = frozenset({"had", "have", "has", "were", "was", "been", "are", "is", "be"})


def own_predicate(words: list[str], end: int) -> bool:
    """True when a figure has a verb of its own that is no metric: "572 had been taken prisoner"."""
    i, aux = end, False
    while i < len(words) and words[i] in AUXILIARIES | {"reportedly", "also", "now", "since", "still"}:
        aux = aux or words[i] in AUXILIARIES
        i += 1
    return aux and i < len(words) and words[i].isalpha() and words[i] not in METRIC_AFTER \
        and words[i] not in BETWEEN and words[i] not in GROUPS


def counts_other_things(words: list[str], caps: list[bool], end: int) -> bool:
    """True when a figure is followed by a plural noun for things: "8,239 locations", "155 facilities"."""
    if end >= len(words):
        return False
    w = words[end]
    known = w in BETWEEN or w in GROUPS or w in METRIC_AFTER or w in METRIC_BEFORE or w in DEMONYMS \
        or w in CONNECTIVES or w in MORE or w in BY_NAME or caps[end]
    return not known and w.isalpha() and len(w) > 3 and w.endswith("s") and not w.endswith("ss")


def _metric_after(words: list[str], caps: list[bool], start: int, stop: int,
                  glued: Callable[[int], bool] = lambda i: False) -> str | None:
    """The counted thing named after the figure: "1,081 civilians killed", "About 50 people, five of
    them children, were killed", "1.9 million people in Gaza ... have been displaced inside the Strip".

    People-words, place names and a short aside between commas or dashes may stand in between.
    """
    i, limit = start, min(stop, start + 14)
    while i < limit:
        w = words[i]
        if w in METRIC_AFTER:
            return _refine(METRIC_AFTER[w], words, i)
        if w in GROUPS or w in BETWEEN or w in DEMONYMS or caps[i] or w in BY_NAME:
            i += 1
            continue
        if w.isalpha() and w not in CONNECTIVES and any(
                METRIC_AFTER.get(x) in ("killed", "injured", "casualties") for x in words[i + 1:i + 3]
                if x in METRIC_AFTER or x in GROUPS):
            i += 1  # one describing word: "battlefield deaths", "undocumented civilian deaths"
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


def _refine(metric: str, words: list[str], i: int) -> str | None:
    """Make a metric word precise from its neighbours: fled abroad, displaced inside, killed and injured."""
    w = words[i]
    ahead = words[i + 1:i + 7]
    if metric == "flight-arrived":  # "arrived in north-east Syria" is inside; arrivals abroad say so
        return "refugees" if any(x in ABROAD - {"into", "across", "country"} for x in ahead) else "displaced"
    if metric == "flight":
        if w == "left" and not any(x in BY_NAME or x in ABROAD for x in ahead[:2]):
            return None
        return "refugees" if any(x in ABROAD or x in BY_NAME for x in ahead) else "displaced"
    if metric == "idps" and w == "internally" and (not ahead or ahead[0] != "displaced"):
        return None
    clause = [x for x in words[i + 1:i + 9]]
    clause = clause[:clause.index(".")] if "." in clause else clause
    if metric == "displaced" and (any(x in INSIDE for x in clause) or words[i - 1] in INSIDE):
        return "idps"
    if metric == "killed" and len(ahead) >= 2 and ahead[0] in ("and", "or") \
            and METRIC_AFTER.get(ahead[1]) == "injured":
        return "casualties"  # "dead and wounded", "killed or injured"
    return metric


def _metric_before(words: list[str], start: int, stop: int) -> str | None:
    """The counted thing named before the figure: "killing 12", "casualties at thousands", and a running
    total carried to it: "the death toll from Saturday's strike ... rose to at least 40"."""
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


#: Words before a place named anywhere in the sentence, when none is named next to the figure.
_PLACE_ANYWHERE: frozenset[str] = frozenset({"in", "on", "of", "at", "near", "outside", "inside"})


def _place(sentence: str, tokens: list[Token], claim: Claim, prev: int, nxt: int,
           modifier: list[str | None] | None = None) -> str | None:
    """The place a figure is about, as written: near it in its clause first ("fled to Poland",
    "killed in Kharkiv"), then the host before a hosting verb ("Slovakia has received 71,200"),
    then the nearest place named anywhere in the sentence ("... struck the station in Kramatorsk")."""
    def at(i: int) -> str | None:
        word = tokens[i].text
        if word in ("fled", "left", "fleeing") and claim.metric == "refugees":
            return None  # refugees who fled X come from X: the area, not a place in it
        if word in PLACE_PREPOSITIONS or (word in ("of", "for") and i and tokens[i - 1].text in PLACE_OF):
            return _place_name(sentence, tokens, i + 1)
        return None
    for i in range(claim.tok_end, min(nxt, claim.tok_end + 10)):  # after the figure, within its clause
        if tokens[i].text in _BOUNDARY and tokens[i].text != "-":
            break
        if name := at(i):
            return name
    for i in range(claim.tok_start - 1, max(prev, claim.tok_start - 8) - 1, -1):  # then before it
        if tokens[i].text in _BOUNDARY and tokens[i].text != "-":
            break
        if tokens[i].text in HOSTING:  # "Poland has taken in more than 505,500"
            for k in range(i - 1, max(-1, i - 4), -1):
                if tokens[k].text in BY_NAME:
                    return sentence[tokens[k].start:tokens[k].end]
        if name := at(i):
            return _most_specific(sentence, tokens, i, name, at)
    start, end = claim.tok_start, claim.tok_end
    near = [i for i in range(max(0, start - 30), start) if tokens[i].text in _PLACE_ANYWHERE]
    near += [i for i in range(end, min(len(tokens), end + 31)) if tokens[i].text in _PLACE_ANYWHERE]
    if len(near) > 1:  # nearest first; before the figure first at the same distance
        near.sort(key=lambda i: (start - i, 0) if i < start else (i - end, 1))
    for i in near:  # elsewhere in the sentence
        if name := at(i):
            return _most_specific(sentence, tokens, i, name, at)
    if modifier is None:
        return _place_before_noun(sentence, tokens)
    if not modifier:  # worked out once per sentence: it is the same for every figure in it
        modifier.append(_place_before_noun(sentence, tokens))
    return modifier[0]


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
    return sentence[tokens[start].start:tokens[end - 1].end]


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
        for i, w in enumerate(words):
            if w in WEEKDAYS and i > 1 and words[i - 1] == "on" and words[i - 2] not in ATTRIBUTION_VERBS:
                relative = weekday_before(published, WEEKDAYS[w])
    return SentenceDates(cued, on_date, relative, "midnight" in present and "last" in present and "night" in present,
                         "24" in present and "hours" in present)


def _as_of(said: SentenceDates, claim: Claim, published: date) -> tuple[date, tuple[date, date] | None]:
    """The date the figure refers to: a date after "as of/until/to/by", else the publication date."""
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


def _attribution(sentence: str, clean: str, tokens: list[Token], words: list[str]) -> str | None:
    """Who the sentence gives the figure to: "according to OHCHR", "the UN refugee agency said"."""
    m = _ACCORDING.search(sentence) if "accord" in clean else None  # no letter of "accord" has another case
    if m:
        said = m.group(1).split()
        return " ".join(said[:8]).strip() or None
    if ATTRIBUTION_VERBS.isdisjoint(words):
        return None
    for i, t in enumerate(tokens):
        if t.text not in ATTRIBUTION_VERBS or (i and tokens[i - 1].text in PRONOUNS):
            continue
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


# --- claims as observations ------------------------------------------------------------------


def infer_area(text: str, hosts: frozenset[str] = frozenset()) -> str:
    """The country a text is most about: the most often named one, leaving out refugees' host countries."""
    counts: dict[str, int] = {}
    for m in re.finditer(r"[A-Z][a-zü]+(?:\s(?:of\s)?[A-Z][a-z]+)*", text[:200_000]):
        iso = BY_NAME.get(m.group(0).lower())
        if iso and iso not in hosts:
            counts[iso] = counts.get(iso, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else UNKNOWN_AREA


def extract(
    text: str,
    *,
    published: date | datetime | str | None = None,
    area: str | None = None,
    source_id: str = "text",
    publisher: str | None = None,
    url: str = "",
    title: str | None = None,
    retrieved_at: datetime | None = None,
    snapshot_sha256: str | None = None,
) -> list[Observation]:
    """Every claim in a text as observations: `extract(article, published="2022-03-02")`.

    Works on plain text and HTML; each observation keeps its sentence as the quote and the
    character span of its figure (in the original text) as the locator. Python's cyclic garbage
    collector is paused during the call and left as it was found.
    """
    # Python's cyclic collector would walk every observation built so far, again and again as the
    # list grows (a third of the time of building them). Extraction makes no reference cycles, so
    # it is paused until the list is complete, and left as it was found.
    collecting = gc.isenabled()
    gc.disable()
    try:
        claims = list(find_claims(text, published=published))
        _same_statement(claims, _published(published))
        if area is None:
            hosts = frozenset(iso for c in claims if c.metric == "refugees" and c.place
                              and (iso := BY_NAME.get(c.place.lower())))
            area = infer_area(text, hosts)
        sha = snapshot_sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
        when = retrieved_at or datetime.now(UTC)
        published_at, day = _published_time(published), _published(published)
        out: list[Observation] = []
        build: _Builder | None = None
        # each claim is its own record: its span in the text (and the text's url, which one snapshot
        # of many reports tells apart); a headline and the body's sentence with the same figure stay two
        where = f"@{hashlib.sha256(url.encode()).hexdigest()[:12]}" if url else ""
        for claim in claims:
            place = claim.place
            key = place.lower().removeprefix("the ") if place else ""
            if place and BY_NAME.get(key) == area and key not in SUBAREAS:
                place = None  # the area itself is no place inside it
            period_start, period_end = claim.period if claim.period else (None, None)
            fields: dict[str, Any] = {
                "source_id": source_id, "publisher": publisher or claim.attributed_to or "unknown",
                "locator": f"chars {claim.start}-{claim.end}", "quote": claim.quote,
                "attributed_to": claim.attributed_to}
            values: dict[str, Any] = {  # in the order of the model's fields, as validation leaves them
                "metric": claim.metric, "group": claim.group, "area": area, "place": place,
                "as_of": claim.as_of or day, "period_start": period_start, "period_end": period_end,
                "scope": claim.scope, "modality": claim.modality, "estimate": claim.estimate, "provenance": None,
                "record_id": f"{claim.start}-{claim.end}{where}"}
            if build is not None and _well_formed(values, fields):
                out.append(build(values, fields))
                continue
            # the first, and any that fails the cheap checks, is validated in full: a bad value raises here
            values["provenance"] = Provenance(
                url=url, title=title, published_at=published_at, retrieved_at=when, snapshot_sha256=sha,
                adapter=ADAPTER, adapter_version=VERSION, **fields)
            observation = Observation(**values)
            build = build or _Builder(observation)
            out.append(observation)
        return out
    finally:
        if collecting:
            gc.enable()


#: A figure repeated in one text (a headline, then the body) is one statement from this size up;
#: small numbers repeat by chance ("2 killed" in two incidents).
SAME_STATEMENT_FROM = 100


def _same_statement(claims: list[Claim], published: date) -> None:
    """A figure a text states twice (the headline "more than 10,000 killed", then the body's "more
    than 10,000 civilians had been killed, Mayor Vadym Boychenko said") is one statement: the
    occurrence that says less takes who said it, where and as of when from the one that says most.
    Only what is missing is filled in (or a shorter name of the same speaker: "mayor")."""
    by_figure: dict[tuple[Any, ...], list[Claim]] = {}
    for c in claims:
        if c.metric is not None and c.estimate.low >= SAME_STATEMENT_FROM:
            by_figure.setdefault((c.metric, c.estimate.low, c.modality), []).append(c)
    for same in by_figure.values():
        if len(same) < 2:
            continue
        named = max((c.attributed_to for c in same if c.attributed_to), key=len, default=None)
        places = {c.place for c in same if c.place}
        dated = {c.as_of for c in same if c.as_of and c.as_of != published}
        groups = {c.group for c in same if c.group not in (None, "all")}
        for c in same:
            if named and (c.attributed_to is None or _part_of(c.attributed_to, named, c.place)):
                c.attributed_to = named
            if c.place is None and len(places) == 1:
                c.place = next(iter(places))
            if c.as_of in (None, published) and len(dated) == 1 and c.scope != "incident":
                c.as_of = next(iter(dated))
            if c.group == "all" and len(groups) == 1:
                c.group = next(iter(groups))


def _part_of(short: str, long: str, place: str | None) -> bool:
    """Whether `short` names the speaker of `long` in fewer words: "mayor", "Mariupol mayor"."""
    words = set(short.lower().split()) - {"the", "'s"}
    return bool(words) and words <= set(long.lower().split()) | set((place or "").lower().split())


_METRICS: frozenset[str] = frozenset(METRICS)
_GROUPS: frozenset[str] = frozenset(MODEL_GROUPS)
_SCOPES: frozenset[str] = frozenset({"cumulative", "incident"})
_MODALITIES: frozenset[str] = frozenset({"reported", "projection"})


def _well_formed(values: dict[str, Any], fields: dict[str, Any]) -> bool:
    """What `Observation` and `Provenance` would check on the values that differ from claim to claim:
    the vocabularies, the types, and the period rules (an incident has a period, in order)."""
    start, end = values["period_start"], values["period_end"]
    place, attributed = values["place"], fields["attributed_to"]
    return values["metric"] in _METRICS and values["group"] in _GROUPS and values["scope"] in _SCOPES \
        and values["modality"] in _MODALITIES and type(values["as_of"]) is date \
        and type(values["estimate"]) is Estimate and (place is None or type(place) is str) \
        and type(fields["publisher"]) is str and type(fields["quote"]) is str \
        and (attributed is None or type(attributed) is str) \
        and (start is None and end is None and values["scope"] != "incident"
             or type(start) is date and type(end) is date and start <= end)


class _Builder:
    """Observations like a validated one, assembled as `model_construct` does in a fraction of its
    time: what is the same for every claim of a text (area, source, times, sha256) was validated
    once in `validated`, and what differs passes `_well_formed` first."""

    def __init__(self, validated: Observation) -> None:
        self.provenance = dict(validated.provenance.__dict__)
        # Every field is given, so all have the same fields set, and one set object serves them all
        # (they are frozen; pydantic copies the set before changing it, as in model_copy).
        self.observation_fields = set(validated.model_fields_set)
        self.provenance_fields = set(validated.provenance.model_fields_set)
        self.build = self._assembled
        try:  # pydantic's internals may move: assembling must give what validation gave, or is not used
            same = self._again(validated)
            if not (same == validated and same.model_dump() == validated.model_dump()
                    and list(same.__dict__) == list(validated.__dict__)
                    and list(same.provenance.__dict__) == list(validated.provenance.__dict__)
                    and same.model_fields_set == validated.model_fields_set
                    and same.provenance.model_fields_set == validated.provenance.model_fields_set):
                self.build = self._constructed
        except Exception:  # noqa: BLE001 - any surprise means: use the documented constructor
            self.build = self._constructed

    def __call__(self, values: dict[str, Any], fields: dict[str, Any]) -> Observation:
        return self.build(values, fields)

    def _again(self, validated: Observation) -> Observation:
        fields = {k: validated.provenance.__dict__[k] for k in ("source_id", "publisher", "locator", "quote",
                                                                 "attributed_to")}
        return self._assembled(dict(validated.__dict__), fields)

    def _assembled(self, values: dict[str, Any], fields: dict[str, Any]) -> Observation:
        provenance = self.provenance.copy()
        provenance.update(fields)  # the keys are there already: the order of the fields is kept
        values["provenance"] = _assemble(Provenance, provenance, self.provenance_fields)
        return _assemble(Observation, values, self.observation_fields)

    def _constructed(self, values: dict[str, Any], fields: dict[str, Any]) -> Observation:
        values["provenance"] = Provenance.model_construct(**{**self.provenance, **fields})
        return Observation.model_construct(**values)


def _assemble(cls: type[Any], values: dict[str, Any], names: set[str]) -> Any:
    obj = object.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", names)
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def _published_time(published: date | datetime | str | None) -> datetime | None:
    if published is None:
        return None
    if isinstance(published, datetime):
        return published
    day = _published(published)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
