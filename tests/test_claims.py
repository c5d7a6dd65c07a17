"""Claims in text: accuracy on the labelled corpus, the real texts in ../shared, traps, and invariants."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from corpus.score import report, score
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from figures.claims import extract, find_claims

TARGET = 0.95
FIELD_TARGET = 0.90


@pytest.fixture(scope="module")
def corpus_score():
    return score()


def test_corpus_precision_and_recall_meet_the_target(corpus_score):
    """Claims whose metric and range are both right, over 60 passages about 9 conflicts."""
    assert corpus_score.labelled >= 200
    assert corpus_score.precision >= TARGET, report(corpus_score)
    assert corpus_score.recall >= TARGET, report(corpus_score)


@pytest.mark.parametrize("name", ["group", "modality", "scope", "place", "as_of"])
def test_corpus_fields_of_matched_claims_meet_the_target(corpus_score, name):
    assert corpus_score.accuracy(name) >= FIELD_TARGET, report(corpus_score)


def test_ohchr_lead_texts_give_their_totals_as_of_the_stated_day(shared_fixtures: Path):
    """The real OHCHR updates: casualties = killed + injured, civilians, as of 24:00 on the stated day."""
    texts = json.loads((shared_fixtures / "ohchr" / "ohchr_update_lead_texts_2022.json").read_text(encoding="utf-8"))
    checked = 0
    for item in texts:
        published = item["page_date"] or "2022-07-05"
        found = extract(item["text"], published=published)
        totals = [o for o in found if o.metric == "casualties"]
        if not totals:
            continue
        total = totals[0]
        after = found[found.index(total) + 1:]  # the breakdown follows the total, maybe a sentence later
        killed = next(o for o in after if o.metric == "killed")
        injured = next((o for o in after if o.metric == "injured"), None)
        if injured is None:  # the Interfax reprint gives the total and the killed only
            assert killed.estimate.best < total.estimate.best, item["url"]
            continue
        assert killed.estimate.best + injured.estimate.best == total.estimate.best, item["url"]
        assert {total.group, killed.group, injured.group} == {"civilians"}, item["url"]
        assert total.as_of < date.fromisoformat(published) or not item["page_date"], item["url"]
        stated = re.search(r"(?:midnight|24:00)(?: midnight)? on (\d{1,2}) ([A-Z][a-z]+) 2022", item["text"])
        if stated:  # the date in the text, never the url's slug (SOURCES.md: slugs can name another day)
            assert total.as_of == datetime.strptime(f"{stated.group(1)} {stated.group(2)} 2022", "%d %B %Y").date()
        checked += 1
    assert checked >= 9


@pytest.mark.parametrize("text", [
    "Talks resumed on 24 February 2022 for the second round in Belarus.",
    "A 69-year-old man was among those evacuated after nearly a week under siege.",
    "The city of 400,000 people lost power for 16 hours.",
    "Prices rose 12% and the government pledged $1.7 billion in aid.",
    "Forces fired 32 shells in 20 shelling incidents near the border.",
    "The resolution 2334 vote came at 10:30 on Channel 4.",
    "World War 3 will be nuclear, the minister said in 2022.",
    "Aid reached 155 shelters and 8,239 locations in all 18 states.",
])
def test_non_figures_give_no_claims(text):
    assert extract(text, published="2024-01-10") == []


def test_spans_and_quotes_point_at_the_figure():
    text = ("Nearly a week of fighting has left hundreds dead.\n\n"
            "More than half a million Ukrainians have fled, the UN refugee agency said.")
    for o in extract(text, published="2022-03-02"):
        start, end = (int(x) for x in o.provenance.locator.removeprefix("chars ").split("-"))
        assert text[start:end] == o.estimate.text
        assert o.estimate.text in o.provenance.quote
    assert [o.provenance.attributed_to for o in extract(text, published="2022-03-02")] == [None, "UN refugee agency"]


def test_as_of_without_a_year_never_lies_after_publication():
    [o] = extract("As of 28 December, 1,000 civilians had been killed.", published="2023-01-03")
    assert o.as_of == date(2022, 12, 28)


def test_a_projection_is_told_from_a_report():
    found = extract("More than 1 million people have fled Ukraine, UNHCR said, and the number could reach "
                    "4 million. The war may have killed 600,000 people.", published="2022-03-03")
    assert [(o.metric, o.modality) for o in found] == [
        ("refugees", "reported"), ("refugees", "projection"), ("killed", "reported")]


# Constructions from OHCHR's and OCHA's reports on Sudan on ReliefWeb (April to October 2023; the shipped
# figures/data/offline/reliefweb_reports_sdn_ohchr-ocha_2023.json), in our words, with the traps beside them:
# (figure, metric, group, low, place, as_of, attributed_to) for every claim, in order.
SUDAN_CONSTRUCTIONS = [
    # inside and abroad at once is displaced (OCHA, 7 October 2023); abroad alone refugees, inside alone IDPs
    ("Since the war began, around 5 million people have fled their homes and sought refuge within Sudan or in "
     "neighbouring countries.", [("around 5 million", "displaced", "all", 4_500_000, None, "2023-06-20", None)]),
    ("More than 2 million people have been uprooted, inside and outside the country.",
     [("More than 2 million", "displaced", "all", 2_000_001, None, "2023-06-20", None)]),
    ("Some 200,000 people have sought refuge in Chad.",
     [("Some 200,000", "refugees", "all", 180_000, "Chad", "2023-06-20", None)]),
    ("Over 300,000 people have fled to neighbouring countries.",
     [("Over 300,000", "refugees", "all", 300_001, None, "2023-06-20", None)]),
    ("Nearly 50,000 people have fled within Sudan.",
     [("Nearly 50,000", "idps", "all", 45_000, None, "2023-06-20", None)]),
    ("About 20,000 residents took refuge in schools and mosques in Omdurman.", []),  # sheltering, no claim
    # a figure with no subject seeking refuge (OHCHR, 12 September 2023)
    ("Well over a million are now seeking refuge in neighbouring states.",
     [("Well over a million", "refugees", "all", 1_000_001, None, "2023-06-20", None)]),
    # an adverb between the figure and what it counts (OCHA Flash Update 11, 10 May 2023)
    ("Displacement inside Sudan has more than doubled in a week: more than 730,000 people are currently "
     "internally displaced.", [("more than 730,000", "idps", "all", 730_001, None, "2023-06-20", None)]),
    # a noun of harm before "of" (OHCHR, 19 June 2023)
    ("Fighting has caused the deaths of at least 900 civilians since April and the injury of 4,700, as of 12 June.",
     [("at least 900", "killed", "civilians", 900, None, "2023-06-12", None),
      ("4,700", "injured", "all", 4_700, None, "2023-06-12", None)]),
    # places given as examples leave the figure the whole area's (OHCHR, 11 May 2023); a part keeps its own
    ("Since mid-April at least 480 civilians have died, notably in Khartoum, Nyala and El Obeid; the true toll is "
     "far higher.", [("at least 480", "killed", "civilians", 480, None, "2023-06-20", None)]),
    ("At least 500 people have been killed, including in Khartoum and Omdurman.",
     [("At least 500", "killed", "all", 500, None, "2023-06-20", None)]),
    ("More than 200 people were injured, mainly in El Fasher.",
     [("More than 200", "injured", "all", 201, None, "2023-06-20", None)]),
    ("At least 500 people have been killed in Sudan, including 132 in Khartoum.",
     [("At least 500", "killed", "all", 500, None, "2023-06-20", None),
      ("132", "killed", "all", 132, "Khartoum", "2023-06-20", None)]),
    ("Dozens were killed in El Fasher, mostly women and children.",
     [("Dozens", "killed", "all", 12, "El Fasher", "2023-06-20", None)]),
    # "an estimated" is a modifier, not a source (OCHA, 7 October 2023); a name before "estimated" is one
    ("An estimated 5 million people have fled their homes since fighting erupted in April.",
     [("An estimated 5 million", "displaced", "all", 4_500_000, None, "2023-06-20", None)]),
    ("UNHCR estimated that 200,000 people had fled to Chad.",
     [("200,000", "refugees", "all", 200_000, "Chad", "2023-06-20", "UNHCR")]),
    # a breakdown of the sentence before takes its date (OCHA Flash Update 11); a new figure does not
    ("At least 600 people have been killed and over 5,000 injured, the health ministry said as of 9 May. Of these, "
     "190 deaths and 3,100 injuries were recorded in Khartoum.",
     [("At least 600", "killed", "all", 600, None, "2023-05-09", "health ministry"),
      ("over 5,000", "injured", "all", 5_001, None, "2023-05-09", "health ministry"),
      ("190", "killed", "all", 190, "Khartoum", "2023-05-09", None),
      ("3,100", "injured", "all", 3_100, "Khartoum", "2023-05-09", None)]),
    ("At least 600 people had been killed as of 9 May. Another 30 died in Nyala.",
     [("At least 600", "killed", "all", 600, None, "2023-05-09", None),
      ("30", "killed", "all", 30, "Nyala", "2023-06-20", None)]),
]


@pytest.mark.parametrize(("text", "expected"), SUDAN_CONSTRUCTIONS, ids=[t[:50] for t, _ in SUDAN_CONSTRUCTIONS])
def test_sudan_report_constructions(text, expected):
    found = [(o.estimate.text, o.metric, o.group, o.estimate.low, o.place, o.as_of.isoformat(),
              o.provenance.attributed_to) for o in extract(text, published="2023-06-20")]
    assert found == expected


# Flight inside the conflict's own country, and places of the parts of a figure, in our words: the real
# construction each mirrors is named beside it; the guards beside them must not change.
# (figure, metric, group, low, place, area) for every claim, in order.
FLED_INSIDE_AND_PART_PLACES = [
    # ours:fled-inside: people who "fled their homes in northern Gaza" (ABC News, 17 October 2023, corpus
    # gaza-ahli-abc) crossed no border
    ("The school was sheltering thousands of people who fled their homes in northern Gaza.",
     [("thousands", "displaced", "all", 1_000, "northern Gaza", "PSE")]),
    ("More than 600,000 people have fled their homes in Gaza.",
     [("More than 600,000", "displaced", "all", 600_001, None, "PSE")]),
    # Sudan: "have fled their homes in Khartoum" and "fled the fighting in Darfur" (OCHA, 2023)
    ("Some 700,000 people have fled their homes in Khartoum.",
     [("Some 700,000", "displaced", "all", 630_000, "Khartoum", "SDN")]),
    ("Tens of thousands have fled the fighting in Sudan.",
     [("Tens of thousands", "displaced", "all", 10_000, None, "SDN")]),
    ("About 90,000 people have fled southern Lebanon.",
     [("About 90,000", "displaced", "all", 81_000, "southern Lebanon", "LBN")]),
    # an inside-word still makes IDPs (ours:inside-or-abroad)
    ("Some 50,000 people have fled their homes in Sudan and are internally displaced.",
     [("Some 50,000", "idps", "all", 45_000, None, "SDN")]),
    # "left their homes" is a flight (OCHA: "including 100,000 who left their homes more than once")
    ("500,000 people have left their homes.", [("500,000", "displaced", "all", 500_000, None, "ZZZ")]),
    ("Around 80,000 residents have left their homes in northern Gaza.",
     [("Around 80,000", "displaced", "all", 72_000, "northern Gaza", "PSE")]),
    # guards: a border crossed, a foreign country as destination, or a whole country fled stay refugees
    ("2 million people have fled to Poland.", [("2 million", "refugees", "all", 2_000_000, "Poland", "ZZZ")]),
    ("1 million people have fled Ukraine into Moldova.",
     [("1 million", "refugees", "all", 1_000_000, "Moldova", "UKR")]),
    ("100,000 people have fled across the border into Chad.",
     [("100,000", "refugees", "all", 100_000, "Chad", "ZZZ")]),
    ("200,000 refugees have fled Sudan.", [("200,000", "refugees", "all", 200_000, None, "SDN")]),
    ("About 1 million people have fled Sudan.", [("About 1 million", "refugees", "all", 900_000, None, "SDN")]),
    ("Thousands fled to safety in Poland.", [("Thousands", "refugees", "all", 1_000, "Poland", "ZZZ")]),
    ("Some 200,000 people have sought refuge in Chad.",
     [("Some 200,000", "refugees", "all", 180_000, "Chad", "ZZZ")]),
    # guards: "left" without a home after it is no flight, and a sentence may end after "left their"
    ("Fighting left 500 people dead.", [("500", "killed", "all", 500, None, "ZZZ")]),
    ("Some 300 families have been left without homes.", []),
    ("500 people left their", []),
    # ours:part-place: "At least 487 civilians have been killed ..., including 132 in Khartoum" style tolls
    # (OHCHR, May 2023) naming no country: the part's place is not the whole's
    ("At least 500 people have been killed, including 132 in Khartoum.",
     [("At least 500", "killed", "all", 500, None, "SDN"), ("132", "killed", "all", 132, "Khartoum", "SDN")]),
    ("At least 600 people were killed, 150 of them in Nyala.",
     [("At least 600", "killed", "all", 600, None, "SDN"), ("150", "killed", "all", 150, "Nyala", "SDN")]),
    ("At least 500 people have been killed, including 132 in Khartoum and 40 in Omdurman, 12 in Nyala.",
     [("At least 500", "killed", "all", 500, None, "SDN"), ("132", "killed", "all", 132, "Khartoum", "SDN"),
      ("40", "killed", "all", 40, "Omdurman", "SDN"), ("12", "killed", "all", 12, "Nyala", "SDN")]),
    # guards: a place of the whole's own is kept, for the whole and its part
    ("500 people were killed in Khartoum, including 132 children.",
     [("500", "killed", "all", 500, "Khartoum", "SDN"), ("132", "killed", "children", 132, "Khartoum", "SDN")]),
    ("At least 500 people have been killed in Sudan, including 132 in Khartoum.",
     [("At least 500", "killed", "all", 500, None, "SDN"), ("132", "killed", "all", 132, "Khartoum", "SDN")]),
    ("In Khartoum, at least 500 people have been killed, including 132 in Omdurman.",
     [("at least 500", "killed", "all", 500, "Khartoum", "SDN"), ("132", "killed", "all", 132, "Omdurman", "SDN")]),
    ("At least 500 people have been killed, including 132 children, in fighting in Khartoum.",
     [("At least 500", "killed", "all", 500, "Khartoum", "SDN"),
      ("132", "killed", "children", 132, "Khartoum", "SDN")]),
]


@pytest.mark.parametrize(("text", "expected"), FLED_INSIDE_AND_PART_PLACES,
                         ids=[t[:50] for t, _ in FLED_INSIDE_AND_PART_PLACES])
def test_flight_inside_and_places_of_parts(text, expected):
    found = [(o.estimate.text, o.metric, o.group, o.estimate.low, o.place, o.area)
             for o in extract(text, published="2023-06-20")]
    assert found == expected


def test_fled_home_inside_then_abroad_is_refugees():
    """Read on past the country fled inside to the one they went to; where refugees are is another matter."""
    [o] = extract("Nearly 2 million people have fled their homes in Syria to Turkey.", published="2023-06-20")
    assert o.metric == "refugees"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=2000))
def test_extract_never_crashes_and_spans_stay_inside(text):
    for claim in find_claims(text, published="2024-01-01"):
        assert 0 <= claim.start < claim.end <= len(text)
        e = claim.estimate
        assert e.low <= (e.best if e.best is not None else e.low)
        assert e.high is None or e.low <= e.high


# --- observations: assembled fast, as validation would give them --------------------------------

NEWS = ("At least 1,081 civilians have been killed and 1,707 injured in Ukraine since 24 February, the UN human "
        "rights office said.\n\nAn airstrike on Monday killed 12 people in Kharkiv, and 40 more were wounded.\n\n"
        "More than 2 million people have fled to Poland, and the number could reach 4 million.")


def test_each_observation_is_what_validation_gives():
    found = extract(NEWS, published="2022-03-09")
    assert len(found) >= 5
    for o in found:
        again = type(o).model_validate(o.model_dump())
        assert again == o and again.model_dump() == o.model_dump() and hash(again) == hash(o)
        assert o.model_fields_set == set(type(o).model_fields)
        assert list(o.__dict__) == list(again.__dict__)
        assert list(o.provenance.__dict__) == list(again.provenance.__dict__)


def test_the_documented_constructor_serves_when_assembling_disagrees(monkeypatch):
    from figures.claims import observations

    when = datetime(2022, 3, 9, 12, tzinfo=UTC)
    expected = extract(NEWS, published="2022-03-09", retrieved_at=when)

    def broken(self, validated):
        raise RuntimeError("pydantic moved")

    monkeypatch.setattr(observations._Builder, "_again", broken)
    again = extract(NEWS, published="2022-03-09", retrieved_at=when)
    assert again == expected and [o.model_dump() for o in again] == [o.model_dump() for o in expected]


@pytest.mark.parametrize("change", [{"metric": "eaten"}, {"group": "everyone"}, {"scope": "incident"},
                                    {"as_of": "yesterday"}, {"period": (date(2022, 3, 2), date(2022, 3, 1))}])
def test_a_malformed_claim_is_refused_not_stored(monkeypatch, change):
    """Only the first observation is validated by pydantic; the others must still be checked."""
    from pydantic import ValidationError

    from figures.claims import observations

    real = list(find_claims(NEWS, published="2022-03-09"))

    def find(text, *, published=None):
        yield real[0]
        for key, value in change.items():
            setattr(real[1], key, value)
        yield real[1]

    monkeypatch.setattr(observations, "find_claims", find)
    with pytest.raises(ValidationError):
        extract(NEWS, published="2022-03-09")


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_found(monkeypatch, enabled):
    import gc

    from figures.claims import observations

    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        extract(NEWS, published="2022-03-09")
        assert gc.isenabled() is enabled

        def broken(text, *, published=None):
            raise RuntimeError("boom")
            yield

        monkeypatch.setattr(observations, "find_claims", broken)
        with pytest.raises(RuntimeError):
            extract(NEWS, published="2022-03-09")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
