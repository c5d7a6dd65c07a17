"""Score `figures.extract` on the generalisation corpus (`tests/corpus/world/`), by part.

The `test` part is the headline: crises the rules were never written for, labelled before any
rule was changed for them, never tuned against. Read its figures; do not read its mistakes while
changing rules (`--part tune --detail` lists the tuning part's mistakes, which is what to work
from). Run `python -m tests.corpus.score_world` for both parts, brief.
"""

from __future__ import annotations

import argparse
from typing import Any

from . import world_check
from .score import FIELDS, Score, report, score

WORLD_FIELDS = (*FIELDS, "area", "attributed_to")


def passages(part: str) -> list[dict[str, Any]]:
    """The passages of one part (`test` or `tune`), each with its crisis name."""
    return [{**p, "crisis": c["crisis"]} for c in world_check.load() if c.get("part") == part
            for p in c.get("passages") or []]


def score_part(part: str) -> Score:
    return score(passages(part), WORLD_FIELDS)


def crises(part: str) -> int:
    return sum(1 for c in world_check.load() if c.get("part") == part)


if __name__ == "__main__":
    cli = argparse.ArgumentParser(description=__doc__)
    cli.add_argument("--part", choices=["test", "tune", "both"], default="both")
    cli.add_argument("--detail", action="store_true", help="list the mistakes (of the tuning part only)")
    args = cli.parse_args()
    for part in ("test", "tune") if args.part == "both" else (args.part,):
        mine = passages(part)
        print(f"== {part}: {crises(part)} crises, {len(mine)} passages")
        print(report(score_part(part), detail=args.detail and part == "tune", fields=WORLD_FIELDS))
