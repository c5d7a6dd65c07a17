"""Render `docs/normalisation.md` from `figures.rules.RULES`: `python -m figures.docs > docs/normalisation.md`.

Every number on the page is computed now, by running `parse_estimate` or `extract` on the examples,
so a change in the code that alters a result changes the page (and `tests/test_docs.py` fails until
the page is regenerated and the example in `figures/rules.py` is updated).
"""

from __future__ import annotations

from .claims import extract
from .errors import NormalisationError
from .models import Observation
from .quantities import VAGUE_UNITS, parse_estimate
from .rules import CLAIMS, MODIFIERS, NOT_A_FIGURE, NUMBERS, OURS, RULES, VAGUE, ClaimExample, Rule

REGENERATE = "python -m figures.docs > docs/normalisation.md"

#: Section title -> the paragraph that opens it on the page, in page order.
SECTIONS: dict[str, str] = {
    NUMBERS: "A number with no modifier is exact: low, best and high are the number itself.",
    MODIFIERS: "A modifier before or after a number X turns it into a range. Rounding is outward: a low is rounded "
               "down, a high up, in integer arithmetic.",
    VAGUE: "Lows follow the conservative floor of the conflict datasets; highs stop below the next order of magnitude. "
           "No best figure is stated. A vague amount times a unit U spans lo·U to (hi + 1)·U − 1 "
           f"(units: {', '.join(VAGUE_UNITS)}), under the rule of the vague word.",
    NOT_A_FIGURE: "`parse_estimate` raises `NormalisationError` (a `ValueError`) for these, saying why; `extract` "
                  "returns no claim for them.",
    CLAIMS: "`extract` finds each figure in a sentence and reads what it counts from the words around it. "
            "Examples are read as published on 2022-03-20.",
    OURS: "Decisions the contract leaves open, documented as they are implemented. Most follow the corpus "
          "labelling rules (tests/corpus/README.md).",
}


def _num(value: int | None) -> str:
    return "None" if value is None else f"{value:,}"


def _code(text: str) -> str:
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _cell(value: str | None) -> str:
    return "None" if value is None else value.replace("|", "\\|")


def _triggers(rule: Rule) -> list[str]:
    lines = []
    for label, words in rule.triggers:
        listed = ", ".join(_code(w) for w in words)
        lines.append(f"- {label}: {listed}" if label else f"- {listed}")
    return ["Triggered by:", "", *lines, ""] if lines else []


def _examples(rule: Rule) -> list[str]:
    if not rule.examples:
        return []
    rows = ["| written | low | best | high | rule |", "|---|---|---|---|---|"]
    for example in rule.examples:
        e = parse_estimate(example.text)
        rows.append(f"| {_code(example.text)} | {_num(e.low)} | {_num(e.best)} | {_num(e.high)} | `{e.rule}` |")
    return [*rows, ""]


def _not_figures(rule: Rule) -> list[str]:
    if not rule.not_figures:
        return []
    rows = ["| written | parse_estimate says |", "|---|---|"]
    for text in rule.not_figures:
        try:
            e = parse_estimate(text)
            said = f"**reads as a figure**: {_num(e.low)} / {_num(e.best)} / {_num(e.high)} `{e.rule}`"
        except NormalisationError as error:
            said = _cell(str(error))
        rows.append(f"| {_code(text)} | {said} |")
    return [*rows, ""]


CLAIM_HEADER = ("| figure | metric | group | low | best | high | rule | modality | scope | place | as_of "
                "| attributed to | area |")
CLAIM_RULE = "|" + "---|" * (CLAIM_HEADER.count("|") - 1)


def _claim_row(o: Observation) -> str:
    e = o.estimate
    cells = (_code(e.text), o.metric, o.group, _num(e.low), _num(e.best), _num(e.high), f"`{e.rule}`",
             o.modality, o.scope, _cell(o.place), o.as_of.isoformat(), _cell(o.provenance.attributed_to), o.area)
    return "| " + " | ".join(cells) + " |"


def _claims(rule: Rule) -> list[str]:
    lines: list[str] = []
    for example in rule.claims:
        lines += [f"> {example.text}", ""]
        found = claims_of(example)
        if not found:
            lines += ["No claim.", ""]
            continue
        lines += [CLAIM_HEADER, CLAIM_RULE, *map(_claim_row, found), ""]
    return lines


def claims_of(example: ClaimExample) -> list[Observation]:
    """The claims `extract` finds in a claim example, as published on its date."""
    return extract(example.text, published=example.published, source_id="docs", url="")


def _rule(rule: Rule) -> list[str]:
    return [f"### `{rule.name}`", "", rule.statement, "", *_triggers(rule), *_examples(rule),
            *_not_figures(rule), *_claims(rule)]


def render() -> str:
    """The rule page as Markdown: every rule of `RULES`, section by section, with computed examples."""
    lines = [
        "# How a stated figure becomes a range: the rules",
        "",
        "<!-- Generated from figures/rules.py by figures/docs.py; do not edit by hand. -->",
        "",
        f"Regenerate with `{REGENERATE}`. The contract is NORMALISATION.md; this page lists every rule the "
        "code implements, the words that trigger it (read from the code's own tables) and examples whose "
        "numbers were computed by the code when the page was made. `tests/test_docs.py` fails when the page "
        "and the code disagree.",
        "",
        "Each figure is `low / best / high`: `best` None means the words give no point figure, `high` None "
        "means they give no upper bound.",
        "",
    ]
    for section, intro in SECTIONS.items():
        lines += [f"## {section}", "", intro, ""]
        for rule in RULES:
            if rule.section == section:
                lines += _rule(rule)
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(render(), end="")
