"""Words -> `Estimate`: one stated figure ("nearly 20,000", "hundreds") as an honest range.

The contract is NORMALISATION.md; every rule below carries its name there. The vocabulary
(number words, magnitudes, vague amounts, modifiers) is in tables at the top, so that the rule
page (`docs/normalisation.md`) and the tests read the same tables as the code.

>>> parse_estimate("more than half a million")
Estimate(low=500001, best=None, high=None, text='more than half a million', rule='more-than')
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import NamedTuple

from .errors import NormalisationError
from .models import Estimate

# --- vocabulary (NORMALISATION.md, "Numbers") ------------------------------------------------

UNITS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS: dict[str, int] = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
#: Magnitude words and the abbreviations wires use after a numeral ("1.3m", "2.2 mln", "3.4k").
SCALES: dict[str, int] = {
    "dozen": 12, "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
}
ABBREVIATIONS: dict[str, int] = {
    "k": 1_000, "m": 1_000_000, "mn": 1_000_000, "mln": 1_000_000, "mil": 1_000_000,
    "bn": 1_000_000_000, "thousands": 0,  # "thousands" after a numeral is not a scale: see _scale
}
#: Fractions of a magnitude: "half a million", "a quarter of a million", "three-quarters of a million".
FRACTION_WORDS: dict[str, Fraction] = {
    "half": Fraction(1, 2), "quarter": Fraction(1, 4), "three-quarters": Fraction(3, 4),
    "three-quarter": Fraction(3, 4),
}
FRACTION_SIGNS: dict[str, Fraction] = {"½": Fraction(1, 2), "¼": Fraction(1, 4), "¾": Fraction(3, 4)}

# --- vague amounts (NORMALISATION.md, "Vague amounts") ----------------------------------------

#: word -> (low, high, rule name). Lows follow the conflict datasets' conservative floor.
VAGUE: dict[str, tuple[int, int, str]] = {
    "couple": (2, 3, "couple"), "few": (2, 5, "few"), "handful": (2, 5, "few"),
    "several": (3, 9, "several"), "tens": (10, 99, "tens"), "dozens": (12, 99, "dozens"),
    "scores": (20, 99, "scores"), "hundreds": (100, 999, "hundreds"),
    "thousands": (1_000, 9_999, "thousands"), "millions": (1_000_000, 9_999_999, "millions"),
}
#: Units a vague amount can multiply: "several hundred", "a few dozen", "tens of thousands".
VAGUE_UNITS: dict[str, int] = {
    "dozen": 12, "score": 20, "hundred": 100, "thousand": 1_000, "million": 1_000_000,
    "dozens": 12, "hundreds": 100, "thousands": 1_000, "millions": 1_000_000,
}
#: "a dozen" is "about 12": 10, 12, 14 under rule `about`.
DOZEN = (10, 12, 14)

# --- modifiers (NORMALISATION.md, "Modifiers on a number X") ----------------------------------

#: Phrases written before X, longest first when matched. Rule names as in the contract.
PREFIXES: dict[str, str] = {
    "about": "about", "around": "about", "approximately": "about", "roughly": "about",
    "some": "about", "an estimated": "about", "estimated": "about", "circa": "about",
    "c.": "about", "ca.": "about", "~": "about", "approx.": "about", "an approximate": "about",
    "nearly": "nearly", "almost": "nearly", "close to": "nearly", "just under": "nearly",
    "approaching": "nearly", "not quite": "nearly", "just shy of": "nearly",
    "just over": "just-over", "slightly more than": "just-over", "a little over": "just-over",
    "a little more than": "just-over", "just above": "just-over", "slightly over": "just-over",
    "more than": "more-than", "over": "more-than", "above": "more-than", "in excess of": "more-than",
    "upwards of": "more-than", "exceeding": "more-than", "well over": "more-than",
    "well above": "more-than", "well in excess of": "more-than",
    # a toll that surpasses, passes, tops or exceeds X (NORMALISATION.md)
    "surpasses": "more-than", "surpassed": "more-than", "surpassing": "more-than", "passes": "more-than",
    "passed": "more-than", "passing": "more-than", "tops": "more-than", "topped": "more-than",
    "topping": "more-than", "exceeds": "more-than", "exceeded": "more-than",
    "at least": "at-least", "no fewer than": "at-least", "no less than": "at-least",
    "not less than": "at-least", "a minimum of": "at-least", "not fewer than": "at-least",
    "up to": "up-to", "as many as": "up-to", "as high as": "up-to", "at most": "up-to",
    "no more than": "up-to", "a maximum of": "up-to", "not more than": "up-to",
    "fewer than": "fewer-than", "less than": "fewer-than", "under": "fewer-than",
    "below": "fewer-than", "just below": "nearly",
}
#: Phrases written after X: "20,000 or so", "500-plus", "1,000+", "100 or more".
SUFFIXES: dict[str, str] = {
    "or so": "about", "or thereabouts": "about", "-plus": "more-than", "plus": "more-than",
    "+": "more-than", "or more": "at-least", "or over": "at-least", "or fewer": "up-to",
    "or less": "up-to",
}
#: Words joining the two ends of a range: "between X and Y", "from X to Y", "X to Y", "X-Y", "X or Y".
#: A bare "X and Y" is a list in running text ("1,081 killed and 1,707 injured"), never a range.
RANGE_OPENERS: dict[str, str] = {"between": "and", "from": "to"}
RANGE_JOINERS: tuple[str, ...] = ("to", "-", "or")

# --- not a figure (NORMALISATION.md, "Not a figure") -------------------------------------------

NO_NUMBER_WORDS: tuple[str, ...] = (
    "many", "numerous", "countless", "a large number", "a number", "a lot", "lots", "a great many",
    "a significant number", "a host", "untold", "innumerable", "a multitude", "myriad", "a few more",
)
TIME_UNITS = ("second", "seconds", "minute", "minutes", "hour", "hours", "day", "days", "week",
              "weeks", "month", "months", "year", "years", "decade", "decades", "night", "nights",
              "fortnight", "century", "centuries")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
          "sept", "oct", "nov", "dec")
ORDINAL_WORDS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
                 "tenth", "eleventh", "twelfth", "twentieth", "hundredth", "thousandth", "millionth")
MULTIPLIERS = ("times", "fold", "-fold")
CURRENCY = ("$", "€", "£", "usd", "eur", "dollars", "euros", "pounds", "hryvnia", "rubles", "roubles")

_SPACES = "\u00a0\u2009\u202f\u2007"
TOKEN = re.compile(
    rf"(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d{{1,3}}(?:[ {_SPACES}]\d{{3}})+(?![\d.,]\d)(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|(?P<frac>[½¼¾])"
    r"|(?P<word>(?:c|ca|approx|a\.m|p\.m|u\.n|u\.s)\.(?=\s|$)|[a-z]+)"
    r"|(?P<sym>[-+~$€£%,:/()'’])"
)


class Token(NamedTuple):
    """A piece of the lower-cased text: a numeral, a word or a symbol, with its span."""

    kind: str
    text: str
    start: int
    end: int


_new_token = tuple.__new__


def tokenize(text: str) -> list[Token]:
    """Split lower-cased text into numerals, fraction signs, words and symbols."""
    return [_new_token(Token, (m.lastgroup, m.group(), m.start(), m.end())) for m in TOKEN.finditer(text)]


def _index(table: dict[str, str]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """A phrase table by first token, each phrase tokenised once, longest first."""
    out: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for phrase, rule in table.items():
        parts = tuple(t.text for t in tokenize(phrase))
        out.setdefault(parts[0], []).append((parts, rule))
    for entries in out.values():
        entries.sort(key=lambda e: -len(e[0]))
    return out


_PREFIX_INDEX = _index(PREFIXES)
_SUFFIX_INDEX = _index(SUFFIXES)


_CLEAN = str.maketrans({**{d: "-" for d in "\u2010\u2011\u2012\u2013\u2014\u2212"}, "\u2019": "'"})


def _clean(text: str) -> str:
    return text.strip().lower().translate(_CLEAN)


class Amount(NamedTuple):
    """An unmodified quantity: a point value, a vague span, or "a dozen"."""

    low: int
    best: int | None
    high: int
    rule: str


class _Reader:
    """A cursor over tokens with small helpers for matching words."""

    __slots__ = ("i", "n", "toks")

    def __init__(self, tokens: list[Token]) -> None:
        self.toks = tokens
        self.n = len(tokens)
        self.i = 0

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.toks[j] if j < self.n else None

    def word(self, k: int = 0) -> str | None:
        j = self.i + k
        if j < self.n:
            kind, text, _, _ = self.toks[j]
            if kind == "word" or kind == "sym":
                return text
        return None

    def done(self) -> bool:
        return self.i >= self.n


_SEPARATORS = str.maketrans("", "", f",{_SPACES} ")


#: More digits than any count of people has: such a numeral is an id, a hash or noise, not a figure.
MAX_DIGITS = 15


def _numeral(text: str) -> int | Fraction:
    """A numeral's value: an int, or a Fraction for decimals ("1.3")."""
    digits = text.translate(_SEPARATORS)
    if len(digits.split(".")[0]) > MAX_DIGITS or len(digits) > MAX_DIGITS + 6:  # decimals may carry a few more
        raise NormalisationError(f"{text[:24]!r}... has {len(digits):,} digits; no count of people is that long")
    return int(digits) if digits.isdigit() else Fraction(digits)


def _number(r: _Reader) -> int | Fraction | None:
    """A point number at the cursor (numerals, number words, fractions of a magnitude), or None.

    Evaluates "two hundred and five", "forty-two thousand", "1.3 million", "a million and a half",
    "one and a half million", "1½ million", "half a million", "3 million, 270,662".
    """
    start = r.i
    total: int | Fraction = 0
    current: int | Fraction = 0
    last_scale = 0
    seen = False
    pending_fraction: Fraction | None = None
    while not r.done():
        t = r.peek()
        assert t is not None
        w = t.text
        nxt = r.word(1)
        if t.kind == "num" and not seen:
            current += _numeral(w)
            r.i += 1
            seen = True
            if (f := r.peek()) is not None and f.kind == "frac":
                current += FRACTION_SIGNS[f.text]
                r.i += 1
            if r.word() in ABBREVIATIONS and ABBREVIATIONS[r.word() or ""]:
                scale = ABBREVIATIONS[r.word() or ""]
                total += current * scale
                current, last_scale = 0, scale
                r.i += 1
            continue
        if t.kind == "num" and seen and last_scale and current == 0 and r.toks[r.i - 1].text == ",":
            value = _numeral(w)  # "3 million, 270,662": the rest after a magnitude word
            if value < last_scale and ("," in w or len(w) == 3 or value < 1000):
                total += value
                r.i += 1
                break
            r.i -= 1
            break
        if t.kind == "frac" and seen and current:
            current += FRACTION_SIGNS[w]
            r.i += 1
            continue
        if w == "three" and nxt in ("-", "quarters", "quarter") and not seen:
            k = 2 if nxt == "-" else 1
            if r.word(k) in ("quarters", "quarter"):
                pending_fraction = Fraction(3, 4)
                r.i += k + 1
                while r.word() in ("of", "a", "an", "-"):
                    r.i += 1
                if r.word() not in SCALES:
                    r.i = start
                    return None
                continue
        after_tens = current % 10 == 0 and current % 100 >= 20 and w in UNITS and UNITS[w] < 10
        if w in UNITS and (not seen or current % 100 == 0 or after_tens):
            current += UNITS[w]
            seen = True
            r.i += 1
            continue
        if w in TENS and (not seen or current % 100 == 0):
            current += TENS[w]
            seen = True
            r.i += 1
            continue
        if w == "-" and seen and nxt in UNITS and r.peek(-1 if r.i else 0) is not None \
                and r.toks[r.i - 1].text in TENS:
            r.i += 1
            continue
        if w in ("a", "an") and not seen and (nxt in SCALES or nxt in FRACTION_WORDS or nxt == "dozen"):
            if nxt == "dozen":
                break
            if nxt in FRACTION_WORDS:
                r.i += 1
                continue
            current, seen = 1, True
            r.i += 1
            continue
        if w in FRACTION_WORDS and not seen and pending_fraction is None:
            pending_fraction = FRACTION_WORDS[w]
            r.i += 1
            while r.word() in ("of", "a", "an", "-"):
                r.i += 1
            if r.word() not in SCALES:
                r.i = start
                return None
            continue
        if w in SCALES and (seen or pending_fraction is not None):
            scale = SCALES[w]
            if pending_fraction is not None:
                total += pending_fraction * scale
                pending_fraction, seen, last_scale = None, True, scale
            elif scale == 100:
                current = (current or 1) * 100
            else:
                if last_scale and scale > last_scale and current == 0:
                    total *= scale  # "two hundred thousand" written as hundred then thousand
                else:
                    total += (current or 1) * scale
                current, last_scale = 0, scale
            r.i += 1
            if r.word() in ("-",) and r.word(1) not in UNITS and r.word(1) not in TENS:
                break
            continue
        if w == "and" and seen:
            if r.word(1) in ("a", "an") and r.word(2) in ("half", "quarter"):
                frac = FRACTION_WORDS[r.word(2) or ""]
                if current:
                    current += frac
                elif last_scale:
                    total += frac * last_scale
                else:
                    break
                r.i += 3
                continue
            if (r.word(1) in UNITS or r.word(1) in TENS) and (last_scale or current >= 100):
                r.i += 1  # "two hundred and five"; a bare "two and three" is a list or a range
                continue
            break
        if w == "," and seen and last_scale and current == 0 and (n := r.peek(1)) is not None and n.kind == "num":
            r.i += 1
            continue
        break
    if not seen and pending_fraction is None:
        r.i = start
        return None
    value = total + current
    return value


def _integer(value: int | Fraction, text: str) -> int:
    if value.denominator != 1:
        raise NormalisationError(f"{text!r} is not a whole number of people")
    return int(value)


def _vague(r: _Reader) -> Amount | None:
    """A vague amount at the cursor ("several hundred", "tens of thousands", "a dozen"), or None."""
    start = r.i
    if r.word() in ("a", "an"):
        r.i += 1
    w = r.word()
    if w == "dozen" and r.i > start:
        r.i += 1
        return Amount(DOZEN[0], DOZEN[1], DOZEN[2], "about")
    if w not in VAGUE:
        r.i = start
        return None
    if w in ("couple", "few", "handful") and r.i == start and w != "few":
        r.i = start
        return None
    low, high, name = VAGUE[w]
    r.i += 1
    rule = f"vague:{name}"
    while True:
        k = 1 if r.word() == "of" else 0
        unit = r.word(k)
        if unit in VAGUE_UNITS:
            scale = VAGUE_UNITS[unit]
            if unit.endswith("s"):  # "tens of thousands": a plural magnitude after "of"
                if k == 0:
                    break
                rule = f"{rule}-of-{unit}" if name in ("tens", "hundreds", "thousands") else rule
            low, high = low * scale, (high + 1) * scale - 1
            r.i += k + 1
            continue
        break
    if r.word() == "of" and r.i + 1 == len(r.toks):  # "a couple of", written before the noun
        r.i += 1
    return Amount(low, None, high, rule)


def _amount(r: _Reader, text: str) -> Amount | None:
    """A point number or vague amount at the cursor."""
    vague = _vague(r)
    if vague is not None:
        return vague
    value = _number(r)
    if value is None:
        return None
    n = _integer(value, text)
    return Amount(n, n, n, "exact")


def _estimate(low: int, best: int | None, high: int | None, text: str, rule: str) -> Estimate:
    """An Estimate the normaliser computed: its ordering checked here, without a validation pass."""
    if low < 0 or (best is not None and not low <= best) or (high is not None and not low <= high) \
            or (best is not None and high is not None and best > high):
        raise NormalisationError(f"{text!r}: the range {low}/{best}/{high} is out of order")
    return _build(low, best, high, text, rule)


_FIELDS_SET = frozenset({"low", "best", "high", "text", "rule"})


def _assemble(low: int, best: int | None, high: int | None, text: str, rule: str) -> Estimate:
    """An Estimate assembled the way pydantic's model_construct does, in a third of the time."""
    e = Estimate.__new__(Estimate)
    object.__setattr__(e, "__dict__", {"low": low, "best": best, "high": high, "text": text, "rule": rule})
    object.__setattr__(e, "__pydantic_fields_set__", set(_FIELDS_SET))
    object.__setattr__(e, "__pydantic_extra__", None)
    object.__setattr__(e, "__pydantic_private__", None)
    return e


def _checked_builder() -> Callable[[int, int | None, int | None, str, str], Estimate]:
    """Use the fast assembly only if it gives what validation gives (pydantic's internals may move)."""
    probe = Estimate(low=1, best=2, high=3, text="x", rule="about")
    try:
        same = _assemble(1, 2, 3, "x", "about")
        if same == probe and hash(same) == hash(probe) and same.model_dump() == probe.model_dump():
            return _assemble
    except Exception:  # noqa: BLE001 - any surprise means: use the documented constructor
        pass
    return lambda low, best, high, text, rule: Estimate.model_construct(low=low, best=best, high=high,
                                                                      text=text, rule=rule)


#: How each modifier turns a point X into (low, best, high); outward rounding (a low down, a high up).
_ON_A_POINT: dict[str, Callable[[int], tuple[int, int | None, int | None]]] = {
    "about": lambda x: (x * 9 // 10, x, -(-x * 11 // 10)),
    "nearly": lambda x: (x * 9 // 10, None, max(x - 1, 0)),
    "just-over": lambda x: (x + 1, None, -(-x * 11 // 10)),
    "more-than": lambda x: (x + 1, None, None),
    "at-least": lambda x: (x, None, None),
    "up-to": lambda x: (0, None, x),
    "fewer-than": lambda x: (0, None, max(x - 1, 0)),
}
#: How each modifier acts on a vague span [lo, hi] that states no point.
_ON_A_SPAN: dict[str, Callable[[int, int], tuple[int, int | None, int | None]]] = {
    "about": lambda lo, hi: (lo, None, hi), "nearly": lambda lo, hi: (lo, None, hi - 1),
    "just-over": lambda lo, hi: (lo + 1, None, hi), "more-than": lambda lo, hi: (lo + 1, None, None),
    "at-least": lambda lo, hi: (lo, None, None), "up-to": lambda lo, hi: (0, None, hi),
    "fewer-than": lambda lo, hi: (0, None, hi - 1),
}


def _modify(amount: Amount, rule: str, text: str) -> Estimate:
    """Apply a modifier to an amount (NORMALISATION.md, "Modifiers on a number X")."""
    if rule == "exact" or (amount.rule == "about" and rule == "about"):  # "about a dozen" stays a dozen
        return _estimate(low=amount.low, best=amount.best, high=amount.high, text=text, rule=amount.rule)
    x = amount.best
    if x is None:  # a vague amount: the modifier acts on its span
        low, best, high = _ON_A_SPAN[rule](amount.low, amount.high)
        return _estimate(low=low, best=best, high=high, text=text, rule=amount.rule if rule == "about" else rule)
    if x == 0 and rule in ("nearly", "fewer-than"):
        raise NormalisationError(f"{text!r}: fewer than zero people is no figure")
    low, best, high = _ON_A_POINT[rule](x)
    return _estimate(low=min(low, high) if high is not None else low, best=best, high=high, text=text, rule=rule)


def _longest(r: _Reader, index: dict[str, list[tuple[tuple[str, ...], str]]]) -> str | None:
    """The rule of the longest indexed phrase at the cursor, stepping over it; None if none is there."""
    if r.i >= len(r.toks):
        return None
    for parts, rule in index.get(r.toks[r.i].text, ()):
        end = r.i + len(parts)
        if end <= len(r.toks) and all(r.toks[r.i + k].text == part for k, part in enumerate(parts)):
            r.i = end
            return rule
    return None


def _prefix(r: _Reader) -> str | None:
    return _longest(r, _PREFIX_INDEX)


def _suffix(r: _Reader) -> str | None:
    return _longest(r, _SUFFIX_INDEX)


_AGE = re.compile(r"\b(?:year|month|week|day)s?[- ]old\b")
_NAME = re.compile(r"\b(?:world war|channel|covid|apollo|g)\s?-?\d+\b")
_YEAR = re.compile(r"(?:19|20)\d\d")
_NUMBERISH = frozenset(UNITS) | frozenset(TENS) | frozenset(SCALES) | frozenset(VAGUE) | frozenset(FRACTION_WORDS)
_DURATION_HEAD = frozenset(UNITS) | frozenset(TENS) | {"a", "an", "few", "several"}
_TIME_UNITS = frozenset(TIME_UNITS)
_ORDINALS = frozenset(ORDINAL_WORDS)
_CURRENCY = frozenset(CURRENCY)
_MONTHS = frozenset(MONTHS)
_MULTIPLIERS = frozenset(MULTIPLIERS)
MEASURES = frozenset({"mm", "cm", "km", "kg", "kph", "mph", "calibre", "caliber", "kilometres", "kilometers",
                      "miles", "metres", "meters", "tonnes", "tons"})
CLOCK = frozenset({"am", "pm", "a.m.", "p.m.", "a.", "p.", "hrs", "gmt", "utc"})
ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
#: Every word that can make `_not_a_figure` say no, other than by the absence of a number.
_CUES = _TIME_UNITS | _ORDINALS | _CURRENCY | _MONTHS | _MULTIPLIERS | MEASURES | ORDINAL_SUFFIXES | CLOCK \
    | {"fold", "%", "percent", "per", ":"}


def _not_a_figure(clean: str, tokens: list[Token]) -> str | None:
    """Why this text is no figure (NORMALISATION.md, "Not a figure"), or None if it may be one."""
    if "old" in clean and _AGE.search(clean):
        return f"{clean!r} is an age, not a count"
    n = len(tokens)
    has_num = numberish = ordinal = percent = money = False
    texts = [t[1] for t in tokens]
    read: list[Token] = tokens
    if _CUES.isdisjoint(texts):  # the common case: no word below applies, only the number check
        numberish = any(kind == "num" or kind == "frac" or w in _NUMBERISH for kind, w, _, _ in tokens)
        read = []
    texts += ("", "")  # what follows the last tokens
    for i, (kind, w, _, _) in enumerate(read):
        nxt = texts[i + 1]
        nxt2 = texts[i + 2]
        if kind == "num":
            has_num = numberish = True
        elif kind == "frac" or w in _NUMBERISH:
            numberish = True
        ordinal = ordinal or w in _ORDINALS
        percent = percent or w in ("%", "percent") or (w == "per" and nxt == "cent")
        money = money or w in _CURRENCY
        if (nxt in _TIME_UNITS or (nxt == "-" and nxt2 in _TIME_UNITS)) and (kind == "num" or w in _DURATION_HEAD):
            return f"{clean!r} is a duration, not a count"
        if nxt in _MULTIPLIERS or (nxt == "-" and nxt2 == "fold"):
            return f"{clean!r} is a multiplier, not a count"
        if kind == "num":
            if nxt in MEASURES:
                return f"{clean!r} is a measure, not a count of people"
            if nxt in ORDINAL_SUFFIXES:
                return f"{clean!r} is an ordinal, not a count"
            if nxt in CLOCK or (nxt == ":" and i + 2 < n and tokens[i + 2].kind == "num"):
                return f"{clean!r} is a clock time, not a count"
            if nxt in _MONTHS or (i and texts[i - 1] in _MONTHS):
                return f"{clean!r} is a date, not a count"
    if ordinal and not has_num:
        return f"{clean!r} is an ordinal, not a count"
    if not numberish:
        joined = " " + " ".join(t.text for t in tokens) + " "
        phrase = next((p for p in NO_NUMBER_WORDS if f" {p} " in joined), None)
        return f"{(phrase or clean)!r} states no number"
    if percent:
        return f"{clean!r} is a percentage, not a count"
    if money or ("$" in clean or "€" in clean or "£" in clean):
        return f"{clean!r} is an amount of money, not a count"
    if _YEAR.fullmatch(clean):
        return f"{clean!r} reads as a year; write a count with a separator (2,022) if it is one"
    if _NAME.search(clean):
        return f"{clean!r} is a name, not a count"
    return None


def _alternation(phrases: list[str]) -> str:
    return "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))


#: The common shape "[modifier] numeral [magnitude] [modifier]" read in one step; anything else
#: (number words, ranges, vague amounts, non-figures) goes through the full grammar below.
_SIMPLE = re.compile(
    rf"(?:(?P<pre>{_alternation(list(PREFIXES))})\s*)?"
    rf"(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d{{1,3}}(?:[ {_SPACES}]\d{{3}})+|\d+)(?P<dec>\.\d+)?"
    rf"(?:\s*(?P<scale>{_alternation([*SCALES, *(k for k, v in ABBREVIATIONS.items() if v)])})\b)?"
    rf"(?:\s*(?P<post>{_alternation(list(SUFFIXES))}))?"
)


_MAGNITUDES: dict[str, int] = {**SCALES, **{k: v for k, v in ABBREVIATIONS.items() if v}}


def _simple(clean: str, text: str) -> Estimate | None:
    """The fast path for "about 20,000", "1.3m", "1,000+"; None when the text needs the grammar."""
    m = _SIMPLE.fullmatch(clean)
    if m is None:
        return None
    pre, num, dec, scale_word, post = m.group("pre", "num", "dec", "scale", "post")
    if pre and post:
        return None
    if not (pre or post or scale_word or dec) and _YEAR.fullmatch(clean):
        return None  # a bare year: the grammar explains why it is no figure
    digits = num.translate(_SEPARATORS)
    if len(digits) > MAX_DIGITS:
        return None  # the grammar says why it is no figure
    value: int | Fraction = int(digits) if dec is None else Fraction(digits + dec)
    if scale_word:
        value *= _MAGNITUDES[scale_word]
    if isinstance(value, Fraction):
        if value.denominator != 1:
            return None
        value = int(value)
    rule = PREFIXES[pre] if pre else SUFFIXES[post] if post else "exact"
    return _modify(Amount(value, value, value, "exact"), rule, text)


def _vocabulary() -> dict[str, Amount]:
    """Every amount the grammar reads from words alone ("several hundred", "half a million", "two
    dozen", "tens of thousands"), read once by the grammar itself so that parse_estimate can look
    the common shapes up instead of parsing them again."""
    units = ["", " hundred", " thousand", " million", " billion", " dozen"]
    heads = [*UNITS, *TENS, *(f"{t}-{u}" for t in TENS for u in list(UNITS)[1:10]), "a", "an"]
    phrases = {f"{h}{u}" for h in heads for u in units}
    for word in VAGUE:
        for article in ("", "a "):
            for unit in ("", " hundred", " thousand", " million", " dozen", " of thousands", " of millions",
                         " of hundreds", " of dozens", " hundred thousand"):
                phrases.add(f"{article}{word}{unit}")
                phrases.add(f"{article}{word}{unit} of")
    phrases |= {"a dozen", "half a million", "half-million", "a half million", "a quarter of a million",
                "a quarter million", "quarter of a million", "three-quarters of a million",
                "three quarters of a million",
                "a million and a half", "one and a half million", "half a billion", "a billion", "half a thousand"}
    out: dict[str, Amount] = {}
    for phrase in phrases:
        r = _Reader(tokenize(phrase))
        try:
            amount = _amount(r, phrase)
        except NormalisationError:
            continue
        if amount is not None and r.done():
            out[phrase] = amount
    return out


_build = _checked_builder()
#: Words after a numeral that the grammar may read as part of its figure (a magnitude, a number word,
#: a range, a suffix): `scan` reads a numeral followed by anything else directly.
_GOES_ON: frozenset[str] = frozenset({*UNITS, *TENS, *SCALES, *ABBREVIATIONS, *FRACTION_WORDS, *RANGE_JOINERS,
                                      *_SUFFIX_INDEX, "and", ","})
_WORDS = _vocabulary()
_PREFIX_STRINGS: dict[str, list[tuple[str, str]]] = {}
for _phrase, _rule in sorted(PREFIXES.items(), key=lambda item: -len(item[0])):
    _PREFIX_STRINGS.setdefault(_phrase.split(" ", 1)[0], []).append((_phrase + " ", _rule))
_SUFFIX_STRINGS = [(" " + p, r) for p, r in sorted(SUFFIXES.items(), key=lambda item: -len(item[0])) if p[0].isalpha()]


def _looked_up(clean: str, text: str) -> Estimate | None:
    """The fast path for words the vocabulary holds: "several hundred", "more than half a million"."""
    amount, rule = _WORDS.get(clean), "exact"
    if amount is None:
        core = clean
        for phrase, found in _PREFIX_STRINGS.get(clean.split(" ", 1)[0], ()):
            if clean.startswith(phrase):
                core, rule = clean[len(phrase):], found
                break
        else:
            for phrase, found in _SUFFIX_STRINGS:
                if clean.endswith(phrase):
                    core, rule = clean[:-len(phrase)], found
                    break
        amount = _WORDS.get(core)
        if amount is None:
            return None
    return _modify(amount, rule, text)


_SIDE = re.compile(rf"(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+)(?P<dec>\.\d+)?(?:\s*(?P<scale>"
                   rf"{_alternation([*SCALES, *(k for k, v in ABBREVIATIONS.items() if v)])}))?")
_RANGE_FAST = re.compile(r"(?:(?P<open>between|from)\s+)?(?P<left>.+?)(?:\s*-\s*|\s+(?P<join>to|and|or)\s+)"
                         r"(?P<right>[^-]+)")


def _side(text: str) -> tuple[int | Fraction, int, int | Fraction] | None:
    """One end of a range: (value, its magnitude, its value without the magnitude), or None."""
    m = _SIDE.fullmatch(text)
    if m is not None:
        bare = _numeral(m["num"] + (m["dec"] or ""))
        scale = SCALES.get(m["scale"] or "", 0) or ABBREVIATIONS.get(m["scale"] or "", 0) or 1
        return bare * scale, scale, bare
    amount = _WORDS.get(text)
    if amount is None or amount.best is None:
        return None
    words = text.split(" ")
    scale = next((SCALES[w] for w in reversed(words) if w in SCALES), 1)
    return amount.best, scale, Fraction(amount.best, scale)


def _ranged(clean: str, text: str) -> Estimate | None:
    """The fast path for "between 50,000 and 100,000", "four to five thousand", "7-9 million"."""
    m = _RANGE_FAST.fullmatch(clean)
    if m is None:
        return None
    opener, joiner = m["open"], m["join"] or "-"
    if RANGE_OPENERS.get(opener or "", joiner) != joiner or (opener is None and joiner == "and"):
        return None
    left, right = _side(m["left"]), _side(m["right"])
    if left is None or right is None:
        return None
    low, left_scale, left_bare = left
    high, right_scale, right_bare = right
    if left_scale == 1 and right_scale > 1 and left_bare < right_bare:
        low = left_bare * right_scale  # a magnitude after the range applies to both ends
    if isinstance(low, Fraction) or isinstance(high, Fraction):
        if Fraction(low).denominator != 1 or Fraction(high).denominator != 1:
            return None
        low, high = int(low), int(high)
    if high < low:
        return None  # the grammar says why
    return _estimate(low=low, best=None, high=high, text=text, rule="range")


def parse_estimate(text: str) -> Estimate:
    """Read one stated figure into an `Estimate`: `parse_estimate("nearly 20,000")`.

    Raises `NormalisationError` (a `ValueError`) saying why when the text states no figure.
    """
    if not isinstance(text, str):
        raise NormalisationError(f"expected text, got {type(text).__name__}")
    clean = _clean(text)
    if clean and clean[-1].isdigit() or clean.endswith(("+", "plus", "so", "more", "less", "fewer", "m", "k",
                                                         "mn", "mln", "bn", "million", "thousand", "hundred")):
        fast = _simple(clean, text.strip())
        if fast is not None:
            return fast
    if clean and clean[0].isalpha():
        known = _looked_up(clean, text.strip())
        if known is not None:
            return known
    if " to " in clean or " and " in clean or " or " in clean or "-" in clean:
        ranged = _ranged(clean, text.strip())
        if ranged is not None:
            return ranged
    if not clean:
        raise NormalisationError("empty text states no number")
    if len(clean) > 200:
        raise NormalisationError(f"{clean[:40]!r}... is too long to be one figure; use extract() for running text")
    tokens = tokenize(clean)
    why = _not_a_figure(clean, tokens)
    if why:
        raise NormalisationError(why)
    r = _Reader(tokens)
    found = _parse_at(r, clean, text.strip())
    if found is None:
        raise NormalisationError(f"{clean!r} is not a figure this normaliser can read")
    _skip_noun(r)
    if not r.done():
        rest = clean[r.toks[r.i].start:]
        raise NormalisationError(f"{clean!r}: cannot read {rest!r} after the figure")
    return found


def scan(tokens: list[Token], i: int, clean: str, source: str | None = None) -> tuple[Estimate, int] | None:
    """The longest figure starting at token `i` of `clean`: its estimate and the index after it.

    The estimate's text is the figure's span of `source` (the text `clean` was lowered from), or empty.
    """
    kind, numeral, start, _ = tokens[i]
    if kind == "num" and (i + 1 == len(tokens) or tokens[i + 1].kind != "frac" and tokens[i + 1].text not in _GOES_ON):
        digits = numeral.translate(_SEPARATORS)
        if len(digits) > MAX_DIGITS:
            return None  # an id, a hash or noise: no count of people is that long
        if digits.isdigit():  # a whole numeral that nothing after it extends: what the grammar reads, directly
            value = int(digits)
            return _build(value, value, value, "" if source is None else source[start:tokens[i].end], "exact"), i + 1
    r = _Reader(tokens)
    r.i = i
    found = _parse_at(r, clean)
    if found is None:
        return None
    if source is not None:
        found = _build(found.low, found.best, found.high, source[start:tokens[r.i - 1].end], found.rule)
    return found, r.i


def _parse_at(r: _Reader, clean: str, text: str = "") -> Estimate | None:
    """Parse a figure from the cursor, leaving the cursor after it; None (cursor unmoved) if none."""
    start = r.i
    if r.word() in RANGE_OPENERS:  # "between X and Y", "from X to Y"
        closer = RANGE_OPENERS[r.word() or ""]
        r.i += 1
        ranged = _range(r, clean, (closer,), text)
        if ranged is None:
            r.i = start
        return ranged
    rule = _prefix(r) or "exact"
    if rule == "exact":  # a range, or else the first end alone: it is read once for both
        left = _end(r, clean)
        if left[0] is None and left[1] is None:
            r.i = start
            return None
        after_left = r.i
        ranged = _range_after(r, clean, RANGE_JOINERS, text, left)
        if ranged is not None:
            return ranged
        r.i = after_left
        amount, value = left[0], left[1]
        if amount is None:  # "1.5" alone is no whole number of people: _integer says so
            n = _integer(value, clean)  # type: ignore[arg-type]
            amount = Amount(n, n, n, "exact")
    else:
        amount = _amount(r, clean)
        if amount is None:
            r.i = start
            return None
    suffix = _suffix(r)
    if suffix and rule != "exact":
        raise NormalisationError(f"{clean!r} has two modifiers ({rule} and {suffix}); state one")
    return _modify(amount, suffix or rule, text)


def _end(r: _Reader, clean: str) -> tuple[Amount | None, int | Fraction | None, bool]:
    """One end of a range: its amount (None while a fraction awaits a magnitude), raw value, scaled?"""
    start = r.i
    vague = _vague(r)
    if vague is not None:
        return vague, None, True
    value = _number(r)
    if value is None:
        return None, None, False
    scaled = any(t.text in SCALES or t.text in ABBREVIATIONS or t.text in FRACTION_WORDS for t in r.toks[start:r.i])
    if value.denominator != 1:
        return None, value, scaled
    return Amount(int(value), int(value), int(value), "exact"), value, scaled


def _range(r: _Reader, clean: str, joiners: tuple[str, ...], text: str = "") -> Estimate | None:
    """Two ends of a range; a magnitude after the second end applies to a bare first end."""
    left = _end(r, clean)
    if left[0] is None and left[1] is None:
        return None
    return _range_after(r, clean, joiners, text, left)


def _range_after(r: _Reader, clean: str, joiners: tuple[str, ...], text: str,
                 left_end: tuple[Amount | None, int | Fraction | None, bool]) -> Estimate | None:
    """The rest of a range whose first end has been read: the joiner and the second end."""
    left, left_raw, left_scaled = left_end
    if r.word() not in joiners:
        return None
    joiner = r.word()
    r.i += 1
    right_start = r.i
    right, right_raw, right_scaled = _end(r, clean)
    if right is None:
        if right_raw is None:
            return None
        right_value = _integer(right_raw, clean)
        right = Amount(right_value, right_value, right_value, "exact")
    if left_raw is not None and not left_scaled and right_scaled and right.best is not None:
        bare = _Reader([t for t in r.toks[right_start:r.i]
                        if t.text not in SCALES and t.text not in ABBREVIATIONS])
        right_bare = _number(bare)
        if right_bare and left_raw < right_bare:
            left_value = _integer(left_raw * Fraction(right.best) / right_bare, clean)
            left = Amount(left_value, left_value, left_value, "exact")
    if left is None:
        assert left_raw is not None
        left_value = _integer(left_raw, clean)
        left = Amount(left_value, left_value, left_value, "exact")
    if joiner == "or" and (left.best is None or right.best is None):
        return None
    low, high = left.low, right.high
    if high < low:
        if joiner == "or":
            return None
        raise NormalisationError(f"{clean!r}: the range runs backwards ({low:,} to {high:,})")
    return _estimate(low=low, best=None, high=high, text=text, rule="range")


def _skip_noun(r: _Reader) -> None:
    """Step over a counted noun written with the figure: "hundreds of people", "500 people"."""
    k = 1 if r.word() == "of" else 0
    if r.word(k) in ("people", "persons", "individuals"):
        r.i += k + 1
