"""The rule page cannot drift: docs/normalisation.md is rendered from figures/rules.py, and the
examples written there are checked against the code (`parse_estimate` and `extract`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from corpus.expressions import EXPRESSIONS

from figures.docs import REGENERATE, SECTIONS, claims_of, render
from figures.quantities import PREFIXES, SUFFIXES, parse_estimate
from figures.rules import RULE_NAMES, RULES, ClaimExample, Example, Expect, Rule

PAGE = Path(__file__).resolve().parents[1] / "docs" / "normalisation.md"

FIGURES = [(rule, ex) for rule in RULES for ex in rule.examples]
NOT_FIGURES = [(rule, text) for rule in RULES for text in rule.not_figures]
CLAIM_EXAMPLES = [(rule, ex) for rule in RULES for ex in rule.claims]


def test_page_is_rendered_from_the_rules() -> None:
    assert PAGE.exists(), f"docs/normalisation.md is missing: run {REGENERATE}"
    assert PAGE.read_text(encoding="utf-8") == render(), f"docs/normalisation.md is stale: run {REGENERATE}"


@pytest.mark.parametrize(("rule", "example"), FIGURES, ids=[f"{r.name}:{e.text}" for r, e in FIGURES])
def test_example_reads_as_documented(rule: Rule, example: Example) -> None:
    e = parse_estimate(example.text)
    assert (e.low, e.best, e.high) == (example.low, example.best, example.high)
    assert e.rule == (example.rule or rule.name)
    assert (example.rule or rule.name) in RULE_NAMES, f"{example.text!r} reads under an undocumented rule"


@pytest.mark.parametrize(("rule", "text"), NOT_FIGURES, ids=[f"{r.name}:{t}" for r, t in NOT_FIGURES])
def test_non_figure_raises(rule: Rule, text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        parse_estimate(text)


FIELDS = ("figure", "metric", "group", "low", "best", "high", "modality", "scope", "place", "as_of",
          "attributed_to", "area")


def _expected(expect: Expect, published: str) -> dict[str, object]:
    row = {name: getattr(expect, name) for name in FIELDS}
    row["as_of"] = date.fromisoformat(expect.as_of or published)
    return row


@pytest.mark.parametrize(("rule", "example"), CLAIM_EXAMPLES, ids=[f"{r.name}:{e.text}" for r, e in CLAIM_EXAMPLES])
def test_claim_example_extracts_as_documented(rule: Rule, example: ClaimExample) -> None:
    found = [dict(zip(FIELDS, (o.estimate.text, o.metric, o.group, o.estimate.low, o.estimate.best, o.estimate.high,
                               o.modality, o.scope, o.place, o.as_of, o.provenance.attributed_to, o.area), strict=True))
             for o in claims_of(example)]
    assert found == [_expected(x, example.published) for x in example.expect]


def test_every_rule_the_corpus_produces_is_documented() -> None:
    produced = {parse_estimate(row[0]).rule for row in EXPRESSIONS}
    assert produced - RULE_NAMES == set()
    assert {row[4] for row in EXPRESSIONS} - RULE_NAMES == set()


def test_every_modifier_phrase_is_on_the_page() -> None:
    page = render()
    missing = [p for p in (*PREFIXES, *SUFFIXES) if f"`{p}`" not in page and f"`X {p}`" not in page
               and f"`X{p}`" not in page]
    assert missing == []


@pytest.mark.parametrize("phrase", sorted(PREFIXES))
def test_every_prefix_reads_under_its_rule(phrase: str) -> None:
    assert parse_estimate(f"{phrase} 1,000").rule == PREFIXES[phrase]


@pytest.mark.parametrize("phrase", sorted(SUFFIXES))
def test_every_suffix_reads_under_its_rule(phrase: str) -> None:
    assert parse_estimate(f"1,000{phrase}" if not phrase[0].isalpha() else f"1,000 {phrase}").rule == SUFFIXES[phrase]


def test_rule_names_are_unique_and_every_rule_has_an_example() -> None:
    assert len(RULE_NAMES) == len(RULES)
    assert {r.section for r in RULES} <= set(SECTIONS), "a rule's section is missing from the page"
    empty = [r.name for r in RULES if not (r.examples or r.not_figures or r.claims)]
    assert empty == []
