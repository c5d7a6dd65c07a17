"""Claims as observations: `extract` gives every claim of a text as a validated `Observation`, a
figure the text states twice as one statement, in the area the text is about (`infer_area`).
"""

from __future__ import annotations

import gc
import hashlib
import re
from datetime import UTC, date, datetime
from typing import Any

from .. import places
from ..gazetteer import BY_NAME, NATIONALITIES, SUBAREAS, UNKNOWN_AREA
from ..models import GROUPS as MODEL_GROUPS
from ..models import METRICS, Estimate, Observation, Provenance
from .counting import Claim
from .finder import _published, find_claims

ADAPTER = "text"
VERSION = "1.0"


#: A run of capitalised words, as names are written: "Democratic Republic of the Congo", "El-Fasher",
#: "Port-au-Prince", "Cox's Bazar", "Kahramanmaraş".
_WORD = r"[A-Z][\w\u2019'-]*[^\W\d_]"
NAME_RUN = re.compile(rf"{_WORD}(?:\s(?:of\s(?:the\s)?|al\s|el\s|de\s|del\s)?{_WORD})*")


_PLACE_BEFORE = re.compile(r"\b(?:in|at|near|around|outside|from|to|into|across|of|inside)\s+(?:the\s+)?$")


#: People named after a nationality word: "Libyan nationals", "Burundian refugees".
_PEOPLE_AFTER = re.compile(r"\s+(?:refugees|nationals|citizens|people|civilians|migrants|asylum|families|children|"
                           r"men|women|returnees|evacuees|residents|villagers|workers)\b")


def infer_area(text: str, hosts: frozenset[str] = frozenset()) -> str:
    """The country a text is most about: the most often named one (ISO 3166 names, demonyms and
    regions: `figures.places`), leaving out refugees' host countries; when it names no country,
    the country of the towns and regions it names ("Goma" is COD, "El-Fasher" SDN)."""
    counts: dict[str, int] = {}
    located: dict[str, int] = {}
    for m in NAME_RUN.finditer(text[:200_000]):
        name = m.group(0)
        iso = places.country_code(name)
        if iso is None and " " in name:  # "Number of Burundian": a country word inside a longer run
            iso = next((c for part in name.split() if (c := places.country_code(part))), None)
        if iso is not None and name.lower() in NATIONALITIES and not name.endswith("s") \
                and not _PEOPLE_AFTER.match(text, m.end()):
            continue  # "Israeli strikes" says who struck, not where: a nationality counts before people
        if iso is not None:
            counts[iso] = counts.get(iso, 0) + 1
            continue
        # a region anywhere; a town after a preposition ("near Goma"), where a capitalised word
        # is a place and not the first word of a sentence ("More than ...")
        after_preposition = _PLACE_BEFORE.search(text, max(0, m.start() - 8), m.start()) is not None
        for part in (name, *name.split()) if " " in name else (name,):
            iso = places.region_country(part)
            if iso is None and (after_preposition or " " in part):
                iso = places.city_country(part)
            if iso is not None:
                located[iso] = located.get(iso, 0) + 1
                break
    for tally in (counts, located):  # refugees' hosts are never the area
        kept = {iso: n for iso, n in tally.items() if iso not in hosts}
        if kept:
            return max(kept, key=lambda k: kept[k])
    return UNKNOWN_AREA


#: Metrics whose place is where people went, not where the figure happened: their area stays the
#: country they came from.
_MOVED = frozenset({"refugees", "displaced"})


def _claim_area(place: str | None, metric: str | None, area: str) -> tuple[str, str | None]:
    """The area and place of one claim: a figure placed in another country than the text's (a text
    about Lebanon: "in Israel, 40 were killed") is about that country; the country itself is no
    place inside it. Refugees and displaced keep the text's area (their place is where they went)."""
    if not place:
        return area, place
    key = place.lower().removeprefix("the ")
    if key in SUBAREAS:
        return area, place
    iso = places.country_code(place)
    if metric not in _MOVED:
        iso = iso or places.city_country(place, prefer=area)
        if iso is not None:
            area = iso
    if places.country_code(place) == area and BY_NAME.get(key, area) == area:
        return area, None  # the area itself is no place inside it
    return area, place


def extract(
    text: str,
    *,
    published: date | datetime | str | None = None,
    area: str | None = None,
    source_id: str = "text",
    publisher: str | None = None,
    url: str = "",
    title: str | None = None,
    retrieved_at: datetime | None = None,
    snapshot_sha256: str | None = None,
) -> list[Observation]:
    """Every claim in a text as observations: `extract(article, published="2022-03-02")`.

    Works on plain text and HTML; each observation keeps its sentence as the quote and the
    character span of its figure (in the original text) as the locator. Python's cyclic garbage
    collector is paused during the call and left as it was found.
    """
    # Python's cyclic collector would walk every observation built so far, again and again as the
    # list grows (a third of the time of building them). Extraction makes no reference cycles, so
    # it is paused until the list is complete, and left as it was found.
    collecting = gc.isenabled()
    gc.disable()
    try:
        claims = list(find_claims(text, published=published))
        _same_statement(claims, _published(published))
        if area is None:
            hosts = frozenset(iso for c in claims if c.metric == "refugees" and c.place
                              and (iso := places.country_code(c.place)))
            area = infer_area(text, hosts)
        sha = snapshot_sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
        when = retrieved_at or datetime.now(UTC)
        published_at, day = _published_time(published), _published(published)
        out: list[Observation] = []
        build: _Builder | None = None
        # each claim is its own record: its span in the text (and the text's url, which one snapshot
        # of many reports tells apart); a headline and the body's sentence with the same figure stay two
        where = f"@{hashlib.sha256(url.encode()).hexdigest()[:12]}" if url else ""
        for claim in claims:
            claim_area, place = _claim_area(claim.place, claim.metric, area)
            metric = claim.metric
            if metric == "displaced" and claim.place and area != UNKNOWN_AREA \
                    and places.city_country(claim.place, prefer=area) not in (None, area):
                metric = "refugees"  # uprooted to a place in another country: a border crossed (ours:abroad-place)
            period_start, period_end = claim.period if claim.period else (None, None)
            fields: dict[str, Any] = {
                "source_id": source_id, "publisher": publisher or claim.attributed_to or "unknown",
                "locator": f"chars {claim.start}-{claim.end}", "quote": claim.quote,
                "attributed_to": claim.attributed_to}
            values: dict[str, Any] = {  # in the order of the model's fields, as validation leaves them
                "metric": metric, "group": claim.group, "area": claim_area, "place": place,
                "as_of": claim.as_of or day, "period_start": period_start, "period_end": period_end,
                "scope": claim.scope, "modality": claim.modality, "estimate": claim.estimate, "provenance": None,
                "record_id": f"{claim.start}-{claim.end}{where}"}
            if build is not None and _well_formed(values, fields):
                out.append(build(values, fields))
                continue
            # the first, and any that fails the cheap checks, is validated in full: a bad value raises here
            values["provenance"] = Provenance(
                url=url, title=title, published_at=published_at, retrieved_at=when, snapshot_sha256=sha,
                adapter=ADAPTER, adapter_version=VERSION, **fields)
            observation = Observation(**values)
            build = build or _Builder(observation)
            out.append(observation)
        return out
    finally:
        if collecting:
            gc.enable()


#: A figure repeated in one text (a headline, then the body) is one statement from this size up;
#: small numbers repeat by chance ("2 killed" in two incidents).
SAME_STATEMENT_FROM = 100


def _same_statement(claims: list[Claim], published: date) -> None:
    """A figure a text states twice (the headline "more than 10,000 killed", then the body's "more
    than 10,000 civilians had been killed, Mayor Vadym Boychenko said") is one statement: the
    occurrence that says less takes who said it, where and as of when from the one that says most.
    Only what is missing is filled in (or a shorter name of the same speaker: "mayor")."""
    by_figure: dict[tuple[Any, ...], list[Claim]] = {}
    for c in claims:
        if c.metric is not None and c.estimate.low >= SAME_STATEMENT_FROM:
            by_figure.setdefault((c.metric, c.estimate.low, c.modality), []).append(c)
    for same in by_figure.values():
        if len(same) < 2:
            continue
        named = max((c.attributed_to for c in same if c.attributed_to), key=len, default=None)
        places = {c.place for c in same if c.place}
        dated = {c.as_of for c in same if c.as_of and c.as_of != published}
        groups = {c.group for c in same if c.group not in (None, "all")}
        for c in same:
            if named and (c.attributed_to is None or _part_of(c.attributed_to, named, c.place)):
                c.attributed_to = named
            if c.place is None and len(places) == 1:
                c.place = next(iter(places))
            if c.as_of in (None, published) and len(dated) == 1 and c.scope != "incident":
                c.as_of = next(iter(dated))
            if c.group == "all" and len(groups) == 1:
                c.group = next(iter(groups))


def _part_of(short: str, long: str, place: str | None) -> bool:
    """Whether `short` names the speaker of `long` in fewer words: "mayor", "Mariupol mayor"."""
    words = set(short.lower().split()) - {"the", "'s"}
    return bool(words) and words <= set(long.lower().split()) | set((place or "").lower().split())


_METRICS: frozenset[str] = frozenset(METRICS)
_GROUPS: frozenset[str] = frozenset(MODEL_GROUPS)
_SCOPES: frozenset[str] = frozenset({"cumulative", "incident"})
_MODALITIES: frozenset[str] = frozenset({"reported", "projection"})


def _well_formed(values: dict[str, Any], fields: dict[str, Any]) -> bool:
    """What `Observation` and `Provenance` would check on the values that differ from claim to claim:
    the vocabularies, the types, and the period rules (an incident has a period, in order)."""
    start, end = values["period_start"], values["period_end"]
    place, attributed = values["place"], fields["attributed_to"]
    area = values["area"]
    return values["metric"] in _METRICS and values["group"] in _GROUPS and values["scope"] in _SCOPES \
        and type(area) is str and len(area) == 3 and area.isascii() and area.isupper() \
        and values["modality"] in _MODALITIES and type(values["as_of"]) is date \
        and type(values["estimate"]) is Estimate and (place is None or type(place) is str) \
        and type(fields["publisher"]) is str and type(fields["quote"]) is str \
        and (attributed is None or type(attributed) is str) \
        and (start is None and end is None and values["scope"] != "incident"
             or type(start) is date and type(end) is date and start <= end)


class _Builder:
    """Observations like a validated one, assembled as `model_construct` does in a fraction of its
    time: what is the same for every claim of a text (area, source, times, sha256) was validated
    once in `validated`, and what differs passes `_well_formed` first."""

    def __init__(self, validated: Observation) -> None:
        self.provenance = dict(validated.provenance.__dict__)
        # Every field is given, so all have the same fields set, and one set object serves them all
        # (they are frozen; pydantic copies the set before changing it, as in model_copy).
        self.observation_fields = set(validated.model_fields_set)
        self.provenance_fields = set(validated.provenance.model_fields_set)
        self.build = self._assembled
        try:  # pydantic's internals may move: assembling must give what validation gave, or is not used
            same = self._again(validated)
            if not (same == validated and same.model_dump() == validated.model_dump()
                    and list(same.__dict__) == list(validated.__dict__)
                    and list(same.provenance.__dict__) == list(validated.provenance.__dict__)
                    and same.model_fields_set == validated.model_fields_set
                    and same.provenance.model_fields_set == validated.provenance.model_fields_set):
                self.build = self._constructed
        except Exception:  # noqa: BLE001 - any surprise means: use the documented constructor
            self.build = self._constructed

    def __call__(self, values: dict[str, Any], fields: dict[str, Any]) -> Observation:
        return self.build(values, fields)

    def _again(self, validated: Observation) -> Observation:
        fields = {k: validated.provenance.__dict__[k] for k in ("source_id", "publisher", "locator", "quote",
                                                                 "attributed_to")}
        return self._assembled(dict(validated.__dict__), fields)

    def _assembled(self, values: dict[str, Any], fields: dict[str, Any]) -> Observation:
        provenance = self.provenance.copy()
        provenance.update(fields)  # the keys are there already: the order of the fields is kept
        values["provenance"] = _assemble(Provenance, provenance, self.provenance_fields)
        return _assemble(Observation, values, self.observation_fields)

    def _constructed(self, values: dict[str, Any], fields: dict[str, Any]) -> Observation:
        values["provenance"] = Provenance.model_construct(**{**self.provenance, **fields})
        return Observation.model_construct(**values)


def _assemble(cls: type[Any], values: dict[str, Any], names: set[str]) -> Any:
    obj = object.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", names)
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


def _published_time(published: date | datetime | str | None) -> datetime | None:
    if published is None:
        return None
    if isinstance(published, datetime):
        return published
    day = _published(published)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
