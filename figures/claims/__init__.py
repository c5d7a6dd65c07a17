"""Text -> claims: every stated figure in a report, with what it counts (NORMALISATION.md, "Claims").

For each sentence the figures are found by the quantity scanner (`quantities.scan`); each figure is
then read in its context: the counted thing and its metric ("killed", "fled to Poland"), the group
("civilians", "children"), whether it is a projection ("could reach"), an incident ("an airstrike
killed"), the place, the date it refers to and who the figure is attributed to. Lists share what
they do not restate: in "at least 1,081 civilians killed and 1,707 injured" the second figure is a
civilian count and an "at least".

- `vocabulary`: the word tables;
- `counting`: `Claim`, and what a figure counts (metric, group, modality, scope), shared across a list;
- `circumstances`: where, when and by whom (place, as-of date and period, attribution);
- `finder`: `find_claims`, the figures of each sentence and the numbers that are no claims;
- `observations`: `extract`, claims as validated observations, and `infer_area`.

>>> [(c.metric, c.estimate.low) for c in extract("Hundreds dead, thousands injured.", published="2022-03-02")]
[('killed', 100), ('injured', 1000)]
"""

from __future__ import annotations

from .circumstances import SentenceDates, sentence_dates
from .counting import AUXILIARIES, Claim, counts_other_things, own_predicate, scope_cues
from .finder import find_claims
from .observations import ADAPTER, SAME_STATEMENT_FROM, VERSION, extract, infer_area
from .vocabulary import (
    ABROAD,
    ADJACENT_ONLY,
    ANAPHORA,
    AS_OF_CUES,
    ATTRIBUTION_VERBS,
    ATTRIBUTION_WORDS,
    BETWEEN,
    CAMPAIGN,
    COMPASS,
    CONNECTIVES,
    COUNTING,
    CUMULATIVE,
    EXAMPLES,
    GROUPS,
    HARM,
    HARM_OF,
    HOSTING,
    INCIDENT,
    INSIDE,
    LEFT_BEHIND,
    LEFT_HOME,
    LIST_WORDS,
    METRIC_AFTER,
    METRIC_BEFORE,
    MODALS,
    MORE,
    NOT_PLACES,
    OUTSIDE,
    PLACE_AFTER,
    PLACE_BEFORE,
    PLACE_DESCRIBED,
    PLACE_MODIFIES,
    PLACE_OF,
    PLACE_PREPOSITIONS,
    POPULATION,
    PROJECTION,
    PRONOUNS,
    REFUGE,
    RISE,
    SEEK,
    SPEECH,
    SUBSET_AFTER,
    SUBSET_BEFORE,
    SUBSET_OF_THE,
)

__all__ = ["ABROAD", "ADAPTER", "ADJACENT_ONLY", "ANAPHORA", "AS_OF_CUES", "ATTRIBUTION_VERBS", "ATTRIBUTION_WORDS",
           "AUXILIARIES", "BETWEEN", "CAMPAIGN", "COMPASS", "CONNECTIVES", "COUNTING", "CUMULATIVE", "Claim",
           "EXAMPLES", "GROUPS", "HARM", "HARM_OF", "HOSTING", "INCIDENT", "INSIDE", "LEFT_BEHIND", "LEFT_HOME",
           "LIST_WORDS", "METRIC_AFTER", "METRIC_BEFORE", "MODALS", "MORE", "NOT_PLACES", "OUTSIDE", "PLACE_AFTER",
           "PLACE_BEFORE", "PLACE_DESCRIBED", "PLACE_MODIFIES", "PLACE_OF", "PLACE_PREPOSITIONS", "POPULATION",
           "PROJECTION", "PRONOUNS", "REFUGE", "RISE", "SAME_STATEMENT_FROM", "SEEK", "SPEECH", "SUBSET_AFTER",
           "SUBSET_BEFORE", "SUBSET_OF_THE", "SentenceDates", "VERSION", "counts_other_things", "extract",
           "find_claims", "infer_area", "own_predicate", "scope_cues", "sentence_dates"]
