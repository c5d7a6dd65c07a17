"""The claim extractor's word tables (NORMALISATION.md, "Claims"): what a figure counts, whom, whether
it is a projection, an incident or a running total, where it happened and who said so.

`figures.rules` reads its trigger words from these tables (through `figures.claims`).
"""

from __future__ import annotations

import re

from ..quantities import FRACTION_WORDS, PREFIXES, SCALES, TENS, UNITS, VAGUE

#: Words after a figure that say what it counts.
METRIC_AFTER: dict[str, str] = {
    "killed": "killed", "dead": "killed", "deaths": "killed", "died": "killed", "fatalities": "killed",
    "lives": "killed", "bodies": "killed", "slain": "killed", "perished": "killed", "murdered": "killed",
    "executed": "killed", "death": "killed",
    "injured": "injured", "wounded": "injured", "hurt": "injured", "injuries": "injured", "maimed": "injured",
    "casualties": "casualties",
    "missing": "missing", "disappeared": "missing", "unaccounted": "missing",
    "refugees": "refugees", "refugee": "refugees",
    "idps": "idps", "internally": "idps", "internal": "idps",
    "displaced": "displaced", "uprooted": "displaced", "homeless": "displaced", "displacements": "displaced",
    "fled": "flight", "flee": "flight", "fleeing": "flight", "crossed": "flight", "arrived": "flight-arrived",
    "entered": "flight", "escaped": "flight", "went": "flight", "gone": "flight", "departures": "refugees",
    "arrivals": "refugees",
    "crossings": "refugees", "left": "flight", "leave": "flight", "leaving": "flight", "forced": "displaced",
    "driven": "displaced", "expelled": "displaced", "evicted": "displaced", "buried": "killed",
    "murders": "killed", "homicides": "killed", "killings": "killed", "vanished": "missing",
    "disappearances": "missing",
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
    "influx": "refugees", "arrivals": "refugees", "exodus": "refugees",
    "disappeared": "missing", "disappearances": "missing", "vanished": "missing", "murders": "killed",
    "homicides": "killed",
}
#: Before-words that must stand right before the figure: "killed 12" (a verb and its object), never
#: "... 3,700 had been wounded, and that 572 had been taken prisoner".
ADJACENT_ONLY: frozenset[str] = frozenset({"killed", "wounded", "injured", "displaced", "missing"})
#: Verbs that count what the text is already about: "the IOM ..., which counts 10,095,054 across ...".
COUNTING: frozenset[str] = frozenset({"counts", "counted", "counting", "recorded", "registered", "puts", "put"})
#: Words after a figure that add to the one before: "2,000 bodies ..., and 900 more lie in morgues".
MORE: frozenset[str] = frozenset({"more", "others", "further", "additional"})
#: Words after "displaced" (or before it) that keep the people inside their country: IDPs.
INSIDE: frozenset[str] = frozenset({"inside", "within", "internally", "internal"})
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
#: Words after "fled" that put the people abroad (refugees), not only out of their homes. Not "refuge":
#: people seek refuge inside their country too ("sought refuge within Sudan"); asylum is abroad.
ABROAD: frozenset[str] = frozenset({
    "abroad", "border", "borders", "country", "countries", "nations", "asylum", "neighbouring",
    "neighboring", "overseas", "europe", "european", "into", "across",
})
#: What people flee from without crossing a border: "fled their homes in northern Gaza", "fled the fighting in
#: Darfur". A country after "in" and one of these is where they fled from, not where they went.
LEFT_BEHIND: frozenset[str] = frozenset({
    "home", "homes", "house", "houses", "fighting", "violence", "clashes", "hostilities", "shelling",
    "bombardment", "bombing", "bombings", "attacks", "war", "conflict", "villages", "towns", "neighbourhoods",
    "neighborhoods", "areas",
})
#: Words after "left" that make it a flight: "500,000 people have left their homes", "left home".
LEFT_HOME: frozenset[str] = frozenset({"home", "homes", "houses"})
#: After "inside X or"/"and", words naming a place abroad: "within Sudan or in neighbouring countries", "inside
#: and outside the country" ("across", "into" and "country" may still be inside).
OUTSIDE: frozenset[str] = ABROAD - {"country", "across", "into"} | {"outside"}
#: Verbs whose object makes a flight: "are seeking refuge in neighbouring countries", "sought asylum".
SEEK: frozenset[str] = frozenset({"seek", "seeks", "seeking", "sought", "find", "finds", "finding", "found",
                                  "take", "takes", "taking", "took", "taken"})
REFUGE: frozenset[str] = frozenset({"refuge", "asylum"})
#: Nouns of harm before "of" and the figure: "the injury of 4,746", "the killing of 12".
HARM_OF: dict[str, str] = {
    "injury": "injured", "injuries": "injured", "wounding": "injured", "death": "killed", "deaths": "killed",
    "killing": "killed", "killings": "killed", "disappearance": "missing", "displacement": "displaced",
}
#: Words before a place preposition that make the place an example, not the figure's place: "at least 487
#: civilians have been killed, notably in Khartoum, El Geneina, Nyala and El Obeid" is the whole area's.
EXAMPLES: frozenset[str] = frozenset({
    "notably", "including", "mainly", "mostly", "particularly", "especially", "chiefly", "primarily",
    "largely", "predominantly", "principally", "overwhelmingly",
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
    "remains", "currently", "presently",
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
    # people and bodies that give figures, written in lower case (ours:speaker)
    "minister", "medics", "doctors", "doctor", "witnesses", "witness", "eyewitness", "eyewitnesses",
    "residents", "sources", "hospital", "staff", "workers", "aid", "organisations", "organizations",
    "commander", "director", "coordinator", "representative", "envoy", "diplomat", "senior", "top",
    "watchdog", "rescuers", "rescue", "civil", "activists", "observatory", "monitor", "medical",
    "humanitarian", "partners", "survivors", "locals", "villagers", "elders", "leaders", "leader",
    "chairman", "spokespeople", "paramedics", "nurses", "relatives", "interim", "deputy", "provincial",
    "district", "municipal", "federal", "national", "security", "source",
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
    "displacement", "coast", "neighbourhood", "neighborhood", "village", "municipality", "county", "valley",
    "prefecture", "department", "division", "township", "settlement",
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
    "passed", "topped", "exceeded", "crossed", "amounted", "totalled", "totaled", "rises", "reaches", "hits",
    "passes", "tops", "exceeds", "crosses", "surpassed", "surpasses", "climbs", "soared", "soars",
})
#: Words that point back at a figure already given: "the number could reach 4 million".
ANAPHORA: frozenset[str] = frozenset({"number", "figure", "total", "tally", "count", "toll"})
