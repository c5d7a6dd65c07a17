"""The quantity normaliser against NORMALISATION.md: a hand-labelled corpus plus properties.

The corpus (tests/corpus/expressions.py) holds stated figures with the range the contract gives
them, and texts the contract says state no figure. The properties check what no list can:
every written integer reads back exactly, every modifier keeps its number inside its range, and
no text at all makes the parser raise anything but its own `NormalisationError`.
Timing (linear in the length of the text) is measured in the benchmarks, not asserted here.
"""

from __future__ import annotations

import string

import pytest
from corpus.expressions import EXPRESSIONS, NOT_FIGURES
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from figures.errors import NormalisationError
from figures.models import Estimate
from figures.quantities import parse_estimate

# The autouse `isolated_env` fixture (conftest.py) is function-scoped; these properties do not use it.
PROPERTY = settings(deadline=None, max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])

SEPARATORS = {
    "comma": ",",
    "space": " ",
    "thin space": "\u2009",
    "no-break space": "\u00a0",
    "narrow no-break space": "\u202f",
}


def _check_invariants(low: int, best: int | None, high: int | None) -> None:
    assert low >= 0
    if best is not None:
        assert low <= best
        if high is not None:
            assert best <= high
    if high is not None:
        assert low <= high


# --- the corpus --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "low", "best", "high", "rule", "origin"), EXPRESSIONS, ids=[row[0] for row in EXPRESSIONS]
)
def test_expression(text: str, low: int, best: int | None, high: int | None, rule: str, origin: str) -> None:
    estimate = parse_estimate(text)
    assert (estimate.low, estimate.best, estimate.high, estimate.rule) == (low, best, high, rule), origin
    assert estimate.text == text.strip()


@pytest.mark.parametrize(("text", "origin"), NOT_FIGURES, ids=[row[0] for row in NOT_FIGURES])
def test_not_a_figure(text: str, origin: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_estimate(text)
    assert str(raised.value).strip(), f"empty error message for {text!r} ({origin})"


def test_corpus_is_well_formed() -> None:
    """Enough rows, no duplicates, and every labelled range obeys low <= best <= high."""
    assert len(EXPRESSIONS) >= 330
    assert len(NOT_FIGURES) >= 40
    texts = [row[0] for row in EXPRESSIONS]
    assert len(texts) == len(set(texts))
    assert not set(texts) & {text for text, _ in NOT_FIGURES}
    for text, low, best, high, rule, origin in EXPRESSIONS:
        assert origin, text
        assert rule, text
        _check_invariants(low, best, high)


# --- properties --------------------------------------------------------------------------------


@PROPERTY
@given(n=st.integers(min_value=0, max_value=10**12))
def test_written_integers_read_back_exactly(n: int) -> None:
    """(a) Any integer, plain or with any thousands separator, is exactly itself."""
    texts = [f"{n:,}".replace(",", sep) for sep in SEPARATORS.values()]
    if not 1900 <= n <= 2099:  # a bare "2022" is a year (NORMALISATION.md, "Not a figure")
        texts.append(f"{n}")
    for text in texts:
        estimate = parse_estimate(text)
        assert (estimate.low, estimate.best, estimate.high, estimate.rule) == (n, n, n, "exact"), repr(text)


@pytest.mark.parametrize(
    ("text", "low", "best", "high"), [row[:4] for row in EXPRESSIONS], ids=[row[0] for row in EXPRESSIONS]
)
def test_parsed_corpus_keeps_invariants(text: str, low: int, best: int | None, high: int | None) -> None:
    """(b) Whatever the parser returns for a corpus entry obeys low <= best <= high."""
    _check_invariants(low, best, high)
    try:
        estimate = parse_estimate(text)
    except NormalisationError:
        return  # a refusal is reported by test_expression; here only the invariants matter
    _check_invariants(estimate.low, estimate.best, estimate.high)


VOCABULARY = [
    "about", "around", "nearly", "almost", "just", "over", "under", "more", "than", "at", "least", "most",
    "up", "to", "as", "many", "no", "not", "fewer", "less", "quite", "some", "estimated", "an", "a", "c.",
    "~", "between", "and", "from", "or", "so", "plus", "-", "\u2013", "+", ",", "of", "the", "half", "quarter",
    "three-quarters", "hundred", "thousand", "million", "billion", "dozen", "dozens", "tens", "scores",
    "hundreds", "thousands", "millions", "few", "several", "couple", "handful", "people", "726", "1,174",
    "1 174", "270,662", "0", "1.3", "3.4k", "1.3m", "mln", "mn", "k", "m", "½", "1½", "twenty", "seven",
    "forty-two", "%", "$", "year-old", "years", "times", "fold", "mm", ":", "a.m.", "february", "24",
    "2022", "3rd", "second",
]
TEXTS = st.one_of(
    st.text(),
    st.text(min_size=200, max_size=5000),
    st.text(alphabet=string.digits, max_size=5000),
    st.text(alphabet=string.punctuation + "½¼¾\u2013\u2014\u2212\u2009\u00a0\u202f ", max_size=5000),
    st.lists(st.sampled_from(VOCABULARY), max_size=12).map(" ".join),
)


@PROPERTY
@given(text=TEXTS)
def test_any_text_reads_or_raises_normalisation_error(text: str) -> None:
    """(c) No text makes the parser raise anything but NormalisationError (a ValueError)."""
    try:
        estimate = parse_estimate(text)
    except NormalisationError as error:
        assert isinstance(error, ValueError)
        assert str(error)
        return
    _check_invariants(estimate.low, estimate.best, estimate.high)
    assert estimate.text == text.strip()


@PROPERTY
@given(n=st.integers(min_value=1, max_value=10**9))
def test_modifiers_keep_the_number_in_range(n: int) -> None:
    """(d) "about n" contains n with n as best; "at least n" is n with no best and no ceiling."""
    about = parse_estimate(f"about {n:,}")
    assert about.high is not None
    assert about.low <= n <= about.high
    assert (about.best, about.rule) == (n, "about")
    at_least = parse_estimate(f"at least {n:,}")
    assert (at_least.low, at_least.best, at_least.high, at_least.rule) == (n, None, None, "at-least")


@pytest.mark.parametrize("text", ["1,174", "about 20,000", "several hundred", "four to five thousand",
                                  "more than half a million", "seven hundred and twenty-six"])
def test_fast_paths_give_ordinary_frozen_estimates(text):
    """The fast paths build estimates without a validation pass; they must be indistinguishable."""
    fast = parse_estimate(text)
    validated = Estimate(**fast.model_dump())
    assert fast == validated and hash(fast) == hash(validated)
    with pytest.raises(ValidationError):
        fast.low = 0  # type: ignore[misc]


SCAN_WORDS = ["", "1", "12", "1,081", "300", "1.5", "½", "one", "five", "twenty", "hundred", "thousand", "million",
              "m", "k", "bn", "thousands", "and", "to", "or", "-", "+", "plus", "so", "more", ",", "people", "killed",
              "half", "a", "dozen", "at", "least", "of", "%", "in"]


def test_scan_reads_each_numeral_as_the_grammar_does() -> None:
    """`scan` reads a whole numeral that nothing extends directly; for every numeral followed by any two
    of these words it must give what the full grammar gives, and take the figure's text from `source`."""
    from figures.quantities import _parse_at, _Reader, scan, tokenize

    def outcome(read, *args):
        try:
            return read(*args)
        except NormalisationError as e:
            return str(e)

    def grammar(tokens, clean):
        r = _Reader(tokens)
        found = _parse_at(r, clean)
        return None if found is None else (found, r.i)

    for first in ("7", "300", "1,081", "2022", "1.5"):
        for a in SCAN_WORDS:
            for b in SCAN_WORDS:
                clean = " ".join(w for w in (first, a, b) if w)
                tokens = tokenize(clean)
                assert outcome(scan, tokens, 0, clean) == outcome(grammar, tokens, clean), clean
                got = outcome(scan, tokens, 0, clean, clean.upper())
                if isinstance(got, tuple):
                    assert got[0].text == clean.upper()[:tokens[got[1] - 1].end], clean
