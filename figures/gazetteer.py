"""Country names, demonyms and ISO 3166 alpha-3 codes, to tell an area from a place in text.

A table, not code: add a name where a source writes it differently.
"""

from __future__ import annotations

#: ISO3 -> names and demonyms as written in English reporting (lower case).
COUNTRIES: dict[str, tuple[str, ...]] = {
    "AFG": ("afghanistan", "afghans", "afghan"),
    "ALB": ("albania",), "ARM": ("armenia", "armenians"), "AUT": ("austria",),
    "AZE": ("azerbaijan", "azerbaijanis"), "BEL": ("belgium",), "BFA": ("burkina faso",),
    "BGD": ("bangladesh",), "BGR": ("bulgaria",), "BIH": ("bosnia and herzegovina", "bosnia"),
    "BLR": ("belarus", "belarusians"), "CAF": ("central african republic", "car"),
    "CAN": ("canada",), "CHE": ("switzerland",), "CHN": ("china",), "CMR": ("cameroon",),
    "COD": ("democratic republic of the congo", "democratic republic of congo", "dr congo", "congo", "drc",
            "congo-kinshasa", "congolese"),
    "COL": ("colombia", "colombians"), "CYP": ("cyprus",), "CZE": ("czech republic", "czechia"),
    "DEU": ("germany",), "DNK": ("denmark",), "EGY": ("egypt",), "ERI": ("eritrea", "eritreans"),
    "ESP": ("spain",), "EST": ("estonia",), "ETH": ("ethiopia", "ethiopians"), "FIN": ("finland",),
    "FRA": ("france",), "GBR": ("united kingdom", "britain", "uk"), "GEO": ("georgia",),
    "GRC": ("greece",), "HRV": ("croatia",), "HTI": ("haiti", "haitians"), "HUN": ("hungary",),
    "IRL": ("ireland",), "IRN": ("iran", "iranians"), "IRQ": ("iraq", "iraqis"),
    "ISL": ("iceland",), "ISR": ("israel", "israelis"), "ITA": ("italy",), "JOR": ("jordan",),
    "KEN": ("kenya",), "LBN": ("lebanon", "lebanese"), "LBY": ("libya", "libyans"),
    "LIE": ("liechtenstein",), "LTU": ("lithuania",), "LUX": ("luxembourg",), "LVA": ("latvia",),
    "MDA": ("moldova", "republic of moldova"), "MKD": ("north macedonia",), "MLI": ("mali", "malians"),
    "MLT": ("malta",), "MMR": ("myanmar", "burma", "rohingya"), "MNE": ("montenegro",),
    "MOZ": ("mozambique",), "NER": ("niger",), "NGA": ("nigeria", "nigerians"),
    "NLD": ("netherlands",), "NOR": ("norway",), "PAK": ("pakistan",),
    "PSE": ("gaza", "gaza strip", "west bank", "palestine", "occupied palestinian territory",
            "palestinians", "gazans"),
    "POL": ("poland",), "PRT": ("portugal",), "ROU": ("romania",),
    "RUS": ("russia", "russian federation", "russians"), "SDN": ("sudan", "sudanese"),
    "SOM": ("somalia", "somalis"), "SRB": ("serbia",), "SSD": ("south sudan", "south sudanese"),
    "SVK": ("slovakia",), "SVN": ("slovenia",), "SWE": ("sweden",), "SYR": ("syria", "syrians"),
    "TCD": ("chad",), "TUR": ("turkey", "türkiye", "turkiye"), "UGA": ("uganda",),
    "UKR": ("ukraine", "ukrainians", "ukrainian"), "USA": ("united states", "u.s.", "us"),
    "VEN": ("venezuela", "venezuelans"), "YEM": ("yemen", "yemenis"),
}

#: Demonyms of nationality (not of ethnic groups, which cross borders: Uzbeks, Kurds, Tamils) that the
#: country table above does not list, lower case -> ISO3.
NATIONALITIES: dict[str, str] = {
    "burundian": "BDI", "burundians": "BDI", "libyan": "LBY", "nepalese": "NPL", "nepali": "NPL",
    "nepalis": "NPL", "venezuelan": "VEN", "mozambican": "MOZ", "mozambicans": "MOZ", "cameroonian": "CMR",
    "cameroonians": "CMR", "malian": "MLI", "burkinabe": "BFA", "burkinabè": "BFA", "somali": "SOM",
    "ethiopian": "ETH", "eritrean": "ERI", "nigerian": "NGA", "haitian": "HTI", "iraqi": "IRQ",
    "syrian": "SYR", "yemeni": "YEM", "pakistani": "PAK", "pakistanis": "PAK", "bangladeshi": "BGD",
    "bangladeshis": "BGD", "congolese": "COD", "chadian": "TCD", "chadians": "TCD", "nigerien": "NER",
    "nigeriens": "NER", "kenyan": "KEN", "kenyans": "KEN", "ugandan": "UGA", "ugandans": "UGA",
    "rwandan": "RWA", "rwandans": "RWA", "tanzanian": "TZA", "tanzanians": "TZA", "filipino": "PHL",
    "filipinos": "PHL", "sri lankan": "LKA", "sri lankans": "LKA", "georgian": "GEO", "georgians": "GEO",
    "armenian": "ARM", "azerbaijani": "AZE", "kyrgyz": "KGZ", "lebanese": "LBN", "israeli": "ISR",
    "palestinian": "PSE", "moroccan": "MAR", "moroccans": "MAR", "mexican": "MEX", "mexicans": "MEX",
    "colombian": "COL", "turkish": "TUR", "turks": "TUR", "ukrainian": "UKR", "russian": "RUS",
    "sudanese": "SDN", "south sudanese": "SSD", "central african": "CAF", "central africans": "CAF",
    "myanmar nationals": "MMR", "indonesian": "IDN", "indonesians": "IDN", "thai": "THA",
    "indian": "IND", "indians": "IND", "tunisian": "TUN", "tunisians": "TUN", "egyptian": "EGY",
    "egyptians": "EGY", "iranian": "IRN", "afghan": "AFG",
}

#: Regions that reporting names and ISO 3166-2 (pycountry's subdivisions) spells otherwise or
#: lacks (lower case) -> ISO3: parts of a country, read as places inside it.
REGIONS: dict[str, str] = {
    "tigray": "ETH", "amhara": "ETH", "afar": "ETH", "oromia": "ETH",
    "darfur": "SDN", "kordofan": "SDN", "al jazirah": "SDN", "aj jazirah": "SDN", "gezira": "SDN",
    "donbas": "UKR", "donbass": "UKR", "crimea": "UKR", "donetsk region": "UKR", "luhansk region": "UKR",
    "kharkiv region": "UKR", "kherson region": "UKR", "zaporizhzhia region": "UKR",
    "nagorno-karabakh": "AZE", "nagorno karabakh": "AZE", "karabakh": "AZE", "stepanakert": "AZE",
    "north kivu": "COD", "south kivu": "COD", "ituri": "COD", "kivu": "COD",
    "kurdistan region": "IRQ", "nineveh": "IRQ", "sinjar": "IRQ", "anbar": "IRQ",
    "rakhine": "MMR", "sagaing": "MMR", "kachin": "MMR", "shan": "MMR", "chin state": "MMR",
    "cabo delgado": "MOZ", "borno": "NGA", "borno state": "NGA", "adamawa": "NGA", "yobe": "NGA",
    "balochistan": "PAK", "sindh": "PAK", "khyber pakhtunkhwa": "PAK",
    "idlib province": "SYR", "northwest syria": "SYR", "north-west syria": "SYR", "northeast syria": "SYR",
    "sinai": "EGY", "aceh": "IDN", "west bank": "PSE", "east jerusalem": "PSE", "south lebanon": "LBN",
    "southern lebanon": "LBN", "bekaa": "LBN", "bekaa valley": "LBN", "mindanao": "PHL", "lanao del sur": "PHL",
    "south ossetia": "GEO", "abkhazia": "GEO", "artibonite": "HTI", "west department": "HTI",
}

#: Name or demonym (lower case) -> ISO3.
BY_NAME: dict[str, str] = {name: iso for iso, names in COUNTRIES.items() for name in names}

#: Demonyms: people of a country, named as they flee or are counted ("Ukrainians have fled").
DEMONYMS: frozenset[str] = frozenset(
    n for names in COUNTRIES.values() for n in names if n.endswith(("ans", "ians", "ese", "is", "ns", "gya"))
)

#: Names in the table that stand for part of an area, not all of it: kept as places.
SUBAREAS: frozenset[str] = frozenset({"west bank"})

#: The area code used when a text names no country this table knows.
UNKNOWN_AREA = "ZZZ"


def country(name: str) -> str | None:
    """ISO3 for a country name or demonym as written, or None: `country("Poland")` is `'POL'`."""
    key = name.strip().lower()
    if key.startswith("the "):
        key = key[4:]
    return BY_NAME.get(key)
