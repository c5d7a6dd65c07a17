"""How precisely a figure was written: its rounding tolerance (NORMALISATION.md, "Rounding and disputes").

`parse_estimate` keeps "6.5 million" as 6,500,000 exactly; the reconciler compares figures with
their tolerance, so that UNHCR's rounded "6.5 million" agrees with IOM's 6,477,723.

>>> tolerance("6.5 million", "exact")
50000
>>> tolerance("6,477,723", "exact"), tolerance("5,000", "exact"), tolerance("about 5,000", "about")
(0, 500, 0)
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from .quantities import ABBREVIATIONS, SCALES

#: A numeral followed by a magnitude word or an abbreviation: "6.5 million", "2m", "1.34 mln", "350 thousand".
_SCALED = re.compile(
    r"(?<![\d.,])(?P<coef>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(?P<scale>"
    + "|".join(sorted((w for w in (*SCALES, *ABBREVIATIONS) if w not in ("dozen", "thousands")), key=len,
                      reverse=True))
    + r")(?![a-z])", re.I)
_SCALE = {**{k: v for k, v in SCALES.items() if k != "dozen"}, **{k: v for k, v in ABBREVIATIONS.items() if v}}

#: Only a figure stated as a point carries a tolerance: a modifier ("about", "at least") already
#: widens its range, and a source's own range or a verified minimum is no rounding.
ROUNDED_RULES = ("exact",)


def _last_digit_unit(coefficient: str) -> Decimal:
    """The unit of the last significant digit of a numeral: '6.5' -> 0.1, '350' -> 10, '2' -> 1."""
    digits = coefficient.replace(",", "")
    if "." in digits:
        return Decimal(1).scaleb(-len(digits.split(".", 1)[1]))
    stripped = digits.rstrip("0")
    return Decimal(10) ** (len(digits) - len(stripped)) if stripped else Decimal(1)


@lru_cache(maxsize=4096)
def tolerance(text: str, rule: str, value: int | None = None) -> int:
    """Half the unit of the last significant digit of a rounded figure, else 0.

    A figure is rounded when it is written with a magnitude word or an abbreviation ("6.5 million":
    50,000; "2m": 500,000), or when the number written in full (digits or words, `value`) ends in
    three or more zeros ("5,000": 500; "120,000": 5,000; "two million": 500,000). `value` is the
    figure's number when the text alone does not give it (a table's cell "5914000" gives it).
    """
    if rule not in ROUNDED_RULES or not isinstance(text, str):
        return 0
    found = _SCALED.search(text)
    if found and not re.search(r"\d", text[found.end():]):  # "3 million, 270,662" is written in full
        unit = _last_digit_unit(found["coef"]) * _SCALE[found["scale"].lower()]
        return int(unit / 2)
    if value is None:
        digits = re.findall(r"\d[\d,\u00a0\u202f\u2009 ]*", text)
        if not digits:
            return 0
        value = int(re.sub(r"\D", "", digits[-1]))
    value = abs(int(value))
    if value == 0:
        return 0
    zeros = len(str(value)) - len(str(value).rstrip("0"))
    return 10 ** zeros // 2 if zeros >= 3 else 0
