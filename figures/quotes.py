"""A stored quote as a reader reads it: the words a source wrote, or, for a figure read from a
table or an API row (stored as the row's JSON, for provenance), a sentence built from the row.

>>> row = '{"operation": "Displacement due to Conflict in Ukraine", "admin0Pcode": "UKR", "roundNumber": 1,'
>>> row += ' "reportingDate": "2022-04-01T00:00:00", "numPresentIdpInd": 7138715}'
>>> in_words(row, publisher="IOM DTM", title="Ukraine: IDP estimates (General Population Survey), DTM API",
...          metric="idps", low=7138715, best=7138715, high=7138715, as_of="2022-04-01")
'IOM DTM, Ukraine: IDP estimates (General Population Survey), DTM API, round 1: 7,138,715 IDPs (1 April 2022)'
>>> in_words("more than 3.6 million refugees have had to leave", publisher="UNHCR", metric="refugees",
...          low=3600001, best=None, high=None, as_of="2022-03-24")
'more than 3.6 million refugees have had to leave'
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

#: How a metric's count is named after its number.
NOUNS = {"idps": "IDPs", "refugees": "refugees", "killed": "killed", "injured": "injured",
         "casualties": "casualties", "missing": "missing", "displaced": "displaced", "returnees": "returnees",
         "arrivals": "arrivals", "detained": "detained"}
#: Fields of a table row that name its round or report, then its place, in the sources' own spellings.
ROUND_KEYS = ("roundNumber", "round_number", "round")
PLACE_KEYS = ("admin2Name", "admin2_name", "admin1Name", "admin1_name", "coa_name", "geomaster_name", "adm_1",
              "where_coordinates", "location_name")


def is_row(quote: Any) -> bool:
    """Whether a stored quote is a table or API row (JSON) rather than words."""
    if not isinstance(quote, str) or not quote.lstrip().startswith(("{", "[")):
        return False
    try:
        return isinstance(json.loads(quote), dict | list)
    except ValueError:
        return False


def _n(value: Any) -> str:
    return f"{int(value):,}"


def _span(low: Any, best: Any, high: Any) -> str:
    if high is None or pd.isna(high):
        return f"at least {_n(low)}"
    if low == high:
        return _n(low)
    return f"{_n(low)} to {_n(high)}" + ("" if best is None or pd.isna(best) else f" (best {_n(best)})")


def in_words(quote: Any, *, publisher: str, metric: str, low: Any, best: Any, high: Any, as_of: Any,
             title: str | None = None, group: str | None = None) -> str:
    """The quote itself when it is words; for a row, `<publisher>, <title>[, round N]: <figure> <noun>
    [in <place>] (<date>)`, from the figure and the row's own fields."""
    if not is_row(quote):
        return "" if quote is None or (not isinstance(quote, str) and pd.isna(quote)) else str(quote)
    row = json.loads(quote)
    row = row if isinstance(row, dict) else {}
    head = ", ".join(p for p in (publisher, title) if p)
    found = next((row[k] for k in ROUND_KEYS if row.get(k) not in (None, "")), None)
    if found is not None:
        head += f", round {found}"
    noun = NOUNS.get(metric, metric)
    if group and group != "all":
        noun = f"{group} {noun}"
    place = next((row[k] for k in PLACE_KEYS if isinstance(row.get(k), str) and row[k].strip()), None)
    day = pd.Timestamp(as_of)
    said = f"{head}: {_span(low, best, high)} {noun}" + (f" in {place}" if place else "")
    return f"{said} ({day.day} {day:%B %Y})"


__all__ = ["in_words", "is_row"]
