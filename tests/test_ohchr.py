"""The OHCHR adapter: civilian casualty updates read exactly, and OCHA's key-figures sheet.

Golden files: the parse of each offline snapshot listed in figures/data/offline/manifest-ohchr.json is
compared with tests/expected/ohchr/<file stem>.csv (`FIGURES_REGEN_GOLDEN=1` rewrites them; review the diff).

Real texts: ../shared/fixtures/ohchr/ holds the lead paragraphs of eleven 2022 updates as published (ReliefWeb
reposts, a press briefing, Mirage News and Interfax reprints) and OCHA's key-figures CSV; the regional lines
below are transcribed from the ReliefWeb reposts of 20 March, 24 March and 25 May 2022.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from adapter_faults import answers, mock_client, recorded_snapshot, time_out, update_with
from goldens import entry_stem, golden_path, golden_stems, match_golden, offline_manifest

from figures.config import SourceConfig
from figures.errors import ParseError, SourceError
from figures.http import build_client
from figures.models import Snapshot
from figures.offline import manifest, replay_transport
from figures.pipeline import update_source
from figures.sources import ADAPTERS, ohchr
from figures.sources.base import Context
from figures.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFLINE = REPO_ROOT / "figures" / "data" / "offline"
SHEET_URL = ("https://docs.google.com/spreadsheets/d/e/2PACX-1vQIdedbZz0ehRC0b4fsWiP14R7MdtU1mpmwAkuXUPElSah2AWCUR"
             "KGALFDuHjvyJUL8vzZAt3R1B5qg/pub?gid=0&single=true&output=csv")
UPDATES = SourceConfig(
    id="ohchr-ukraine-updates", adapter="ohchr", publisher="OHCHR", title="Ukraine: civilian casualty updates",
    licence="© United Nations (OHCHR); quotation with attribution", url="https://www.ohchr.org/en/countries/ukraine",
    area="UKR", cadence="irregular",
    params={"urls": ["https://www.ohchr.org/en/press-releases/2022/03/ukraine-civilian-casualty-update-25-march-2022",
                     "https://reliefweb.int/report/ukraine/ukraine-civilian-casualties-2400-25-may-2022-enruuk",
                     "https://reliefweb.int/report/ukraine/ukraine-civilian-casualties-2400-23-june-2022-enruuk",
                     "https://reliefweb.int/report/ukraine/ukraine-civilian-casualties-2400-23-october-2022-enruuk",
                     "https://reliefweb.int/report/ukraine/ukraine-civilian-casualties-2400-30-october-2022-enruuk",
                     "https://www.ohchr.org/en/news/2023/09/ukraine-civilian-casualty-update-11-september-2023"]},
)
SHEET = SourceConfig(
    id="ocha-ukraine-key-figures", adapter="ohchr", publisher="OCHA",
    title="Ukraine key figures 2022: civilian casualties (OHCHR)", licence="HDX terms; figures © OHCHR",
    url="https://data.humdata.org/dataset/ukraine-key-figures-2022", area="UKR", cadence="daily",
    params={"format": "ocha-key-figures-csv", "urls": [SHEET_URL]},
)
WHEN = datetime(2022, 5, 26, 12, tzinfo=UTC)


def ohchr_manifest() -> list[dict[str, str]]:
    """This adapter's offline snapshots (their own manifest; the replay reads every manifest*.json)."""
    return offline_manifest("ohchr")


def source_for(entry: dict[str, str]) -> SourceConfig:
    matches = [s for s in (UPDATES, SHEET) if entry["url"] in ohchr.request_urls(ohchr.Params.model_validate(s.params))]
    assert len(matches) == 1, entry["url"]
    return matches[0]


def snapshot(content: bytes | str, source: SourceConfig = UPDATES, url: str = "https://example.org/u",
             content_type: str = "text/html; charset=utf-8") -> Snapshot:
    body = content.encode("utf-8") if isinstance(content, str) else content
    return Snapshot(source_id=source.id, url=url, retrieved_at=WHEN, content=body, content_type=content_type)


def parse(snap: Snapshot, source: SourceConfig = UPDATES, **params: object):
    return ohchr.parse(snap, source, ohchr.Params.model_validate({**source.params, **params}))


def rows(found) -> list[tuple]:
    return [(o.metric, o.group, o.place, o.as_of, o.estimate.low, o.estimate.best, o.estimate.high) for o in found]


# --- golden files -----------------------------------------------------------------------------

@pytest.mark.parametrize("entry", ohchr_manifest(), ids=entry_stem)
def test_offline_snapshot_matches_its_golden_file(entry: dict[str, str]) -> None:
    source = source_for(entry)
    parsed = parse(recorded_snapshot(entry, source.id, content_type=entry.get("content_type")), source)
    assert parsed.problems == []
    match_golden(parsed.observations, golden_path("ohchr", entry["file"]))


def test_every_golden_file_has_its_snapshot() -> None:
    assert golden_stems("ohchr") == sorted(entry_stem(e) for e in ohchr_manifest())


def test_offline_snapshots_are_served_by_the_replay() -> None:
    assert all(e in manifest() for e in ohchr_manifest())
    with build_client(transport=replay_transport()) as client:
        for source in (UPDATES, SHEET):
            params = ohchr.Params.model_validate(source.params)
            got = ohchr.fetch(client, source, params, Context(offline=True))
            files = {e["url"]: e["file"] for e in ohchr_manifest()}
            assert [s.content for s in got] == [(OFFLINE / files[u]).read_bytes() for u in ohchr.request_urls(params)]
            assert all(parse(s, source).observations for s in got)


def test_the_may_update_reads_the_regional_split_and_its_provenance() -> None:
    entry = next(e for e in ohchr_manifest() if e["file"] == "ohchr_update_2022-05-26.html")
    raw = (OFFLINE / entry["file"]).read_text(encoding="utf-8")
    found = parse(snapshot(raw, url=entry["url"])).observations
    places = {o.place: o for o in found if o.metric == "casualties"}
    assert places[None].estimate.best == 8_691
    assert places["Donetsk and Luhansk regions"].estimate.best == 4_912
    gct = places["Donetsk and Luhansk regions: Government-controlled territory"].estimate.best
    raag = places["Donetsk and Luhansk regions: territory controlled by Russian affiliated armed groups"].estimate.best
    assert gct + raag == 4_912
    assert 4_912 + places["other regions of Ukraine"].estimate.best == 8_691
    for o in found:
        start, end = (int(x) for x in o.provenance.locator.removeprefix("chars ").split("-"))
        assert raw[start:end] == o.estimate.text  # spans point into the original HTML
        assert o.as_of == date(2022, 5, 25) and o.rule == "at-least-verified" and o.estimate.high is None
        assert o.provenance.published_at == datetime(2022, 5, 26, tzinfo=UTC)  # the 'Date:' line
        assert o.provenance.title == ("Ukraine: Civilian casualties as of 24:00 25 May 2022 [EN/RU/UK] - Ukraine | "
                                      "ReliefWeb")  # the page's <title>
        assert (o.provenance.attributed_to, o.provenance.adapter, o.provenance.url) == ("OHCHR", "ohchr", entry["url"])
    assert found[0].provenance.quote.startswith("From 4 a.m. on 24 February 2022")
    assert found[0].provenance.quote.endswith("3,998 killed and 4,693 injured.")


# --- the real lead texts ------------------------------------------------------------------------

def lead_texts(folder: Path) -> list[dict[str, str]]:
    return json.loads((folder / "ohchr" / "ohchr_update_lead_texts_2022.json").read_text(encoding="utf-8"))


def stated_day(text: str) -> date | None:
    """The as-of day as the text writes it, read here independently of the adapter."""
    m = re.search(r"(?:midnight|24:00)(?: midnight)? on (\d{1,2}) ([A-Z][a-z]+) (\d{4})", text)
    return datetime.strptime(" ".join(m.groups()), "%d %B %Y").date() if m else None


def test_every_real_lead_text_gives_its_totals_as_of_the_stated_day(shared_fixtures: Path) -> None:
    texts = lead_texts(shared_fixtures)
    assert len(texts) == 11
    for item in texts:
        published = date.fromisoformat(item["page_date"]) if item["page_date"] else date(2022, 7, 5)
        found, problems = ohchr.parse_text(item["text"], source_id="t", publisher="OHCHR", area="UKR", url=item["url"],
                                           title=None, retrieved_at=WHEN, snapshot_sha256="0" * 64,
                                           published=published)
        assert problems == [], item["url"]
        national = {o.metric: o for o in found if o.group == "civilians" and o.place is None}
        total = int(re.search(r"(?:recorded|amounted to) ([\d,]+) civilian", item["text"]).group(1).replace(",", ""))
        assert national["casualties"].estimate.best == total, item["url"]
        if "injured" in national:
            assert national["killed"].estimate.best + national["injured"].estimate.best == total, item["url"]
        assert all(o.rule == "at-least-verified" and o.estimate.high is None for o in found)
        if day := stated_day(item["text"]):
            assert {o.as_of for o in found} == {day}, item["url"]
        assert all(o.as_of < published for o in found), item["url"]  # published the day after at the earliest


def test_the_url_slug_never_sets_the_day(shared_fixtures: Path) -> None:
    [june] = [t for t in lead_texts(shared_fixtures) if t["url"].endswith("2400-15-june-2022-enruuk")]
    found = ohchr.read_update(june["text"])
    assert found.as_of == date(2022, 6, 16)  # the slug says 15 June; the text says 16 June
    assert found.published == date(2022, 6, 17)  # its 'Date:' line


def test_the_press_briefing_is_as_of_the_night_before_and_gives_children(shared_fixtures: Path) -> None:
    [briefing] = [t for t in lead_texts(shared_fixtures) if "press-briefing" in t["url"]]
    update = ohchr.read_update(briefing["text"], published=date(2022, 3, 1))
    assert update.as_of == date(2022, 2, 28)
    assert [(f.metric, f.group, f.value) for f in update.figures] == [
        ("casualties", "civilians", 536), ("killed", "civilians", 136), ("injured", "civilians", 400),
        ("killed", "children", 13), ("injured", "children", 26)]
    without = ohchr.read_update(briefing["text"])
    assert without.as_of is None and "set params.published" in without.problems[0]


def test_the_wire_reprint_skips_last_weeks_figures(shared_fixtures: Path) -> None:
    [wire] = [t for t in lead_texts(shared_fixtures) if "interfax" in t["url"]]
    update = ohchr.read_update(wire["text"], published=date(2022, 7, 5))
    assert update.as_of == date(2022, 7, 3)
    assert [(f.metric, f.value) for f in update.figures] == [("casualties", 11_152), ("killed", 4_889)]
    # with no year and no publication day, nothing is guessed
    found, problems = ohchr.parse_text(wire["text"], source_id="t", publisher="Interfax-Ukraine", area="UKR", url="u",
                                       title=None, retrieved_at=WHEN, snapshot_sha256="0" * 64)
    assert found == [] and "gives no year" in problems[0]


def test_line_breaks_and_the_date_header(shared_fixtures: Path) -> None:
    [april] = [t for t in lead_texts(shared_fixtures) if t["url"].endswith("2400-28-april-2022-enruuk")]
    assert "country:\n\n2,899" in april["text"]
    update = ohchr.read_update(april["text"])
    assert (update.as_of, update.published) == (date(2022, 4, 28), date(2022, 4, 29))  # page_date says 2 May
    assert [(f.metric, f.value, f.text) for f in update.figures] == [
        ("casualties", 6_134, "6,134"), ("killed", 2_899, "2,899"), ("injured", 3_235, "3,235")]


# --- other wordings ---------------------------------------------------------------------------

MARCH_20_ONE_LINE = (  # ReliefWeb repost of 21 March 2022: the regional list run into one line
    "a total of 1,496 injured (163 men, 124 women, 22 girls, and 17 boys, as well as 60 children and 1,110 adults "
    "whose sex is yet unknown) In Donetsk and Luhansk regions: 1,017 casualties (256 killed and 761 injured) On "
    "Government-controlled territory: 772 casualties (201 killed and 571 injured) On territory controlled by the "
    "self-proclaimed ‘republics’: 245 casualties (55 killed and 190 injured) In other regions of Ukraine (the city "
    "of Kyiv, and Cherkasy, Chernihiv, Kharkiv, Kherson, Kyiv, Mykolaiv, Odesa, Sumy, Zaporizhzhia, Dnipropetrovsk "
    "and Zhytomyr regions), which were under Government control when casualties occurred: 1,404 casualties (669 "
    "killed and 735 injured)")


def test_regional_lines_run_into_one_line() -> None:
    text = ("From 4 a.m. on 24 February 2022 to 24:00 midnight on 20 March 2022 (local time), OHCHR recorded 2,421 "
            "civilian casualties in the country: 925 killed and 1,496 injured. This included:\n\n" + MARCH_20_ONE_LINE)
    regional = [(f.place, f.metric, f.value) for f in ohchr.read_update(text).figures if f.place]
    assert regional == [
        ("Donetsk and Luhansk regions", "casualties", 1_017), ("Donetsk and Luhansk regions", "killed", 256),
        ("Donetsk and Luhansk regions", "injured", 761),
        ("Donetsk and Luhansk regions: Government-controlled territory", "casualties", 772),
        ("Donetsk and Luhansk regions: Government-controlled territory", "killed", 201),
        ("Donetsk and Luhansk regions: Government-controlled territory", "injured", 571),
        ("Donetsk and Luhansk regions: territory controlled by the self-proclaimed ‘republics’", "casualties", 245),
        ("Donetsk and Luhansk regions: territory controlled by the self-proclaimed ‘republics’", "killed", 55),
        ("Donetsk and Luhansk regions: territory controlled by the self-proclaimed ‘republics’", "injured", 190),
        ("other regions of Ukraine", "casualties", 1_404), ("other regions of Ukraine", "killed", 669),
        ("other regions of Ukraine", "injured", 735)]


@pytest.mark.parametrize(("text", "as_of", "values"), [
    # the ukraine.un.org PDF title, and a no-break space as the thousands separator
    ("Ukraine - civilian casualty update as of 24.00 19 March 2022. OHCHR recorded 2\u00a0361 civilian casualties in "
     "the country: 902 killed and 1\u00a0459 injured.", date(2022, 3, 19), [2361, 902, 1459]),
    # Interfax writes 00:00 for OHCHR's 24:00 on the same day (2,788 is the 24 March figure)
    ("Losses among civilians from February 24, 2022, when Russia started the war against Ukraine, to 00:00 on March "
     "24, 2022, amounted to 2,788 civilian casualties (2,685 in the report a day earlier), including 1,081 killed "
     "(1,035), the office said.", date(2022, 3, 24), [2788, 1081]),
    ("Civilian casualties from February 24, 2022 until 24:00 on March 19, 2022, amounted to 2,361 people (2,246 in the "
     "report a day earlier), including 902 dead (847).", date(2022, 3, 19), [2361, 902]),
])
def test_other_wordings(text: str, as_of: date, values: list[int]) -> None:
    update = ohchr.read_update(text)
    assert update.as_of == as_of
    assert [f.value for f in update.figures] == values


def test_html_entities_and_tags_inside_the_sentence() -> None:
    raw = ("<p>From 4 a.m. on 24 February 2022, when the Russian Federation&rsquo;s armed attack started, to "
           "<strong>24:00 midnight on 24 March 2022</strong> (local time), OHCHR recorded <b>2,788</b> civilian "
           "casualties in the country:<br>1,081 killed and 1,707&nbsp;injured.</p>")
    found = parse(snapshot(raw)).observations
    assert [(o.metric, o.estimate.best) for o in found] == [("casualties", 2788), ("killed", 1081), ("injured", 1707)]
    assert all(raw[int(o.provenance.locator.split()[1].split("-")[0]):].startswith(o.estimate.text) for o in found)
    assert "Federation’s armed attack" in found[0].provenance.quote and "<" not in found[0].provenance.quote


def test_a_sum_that_does_not_add_up_is_kept_and_reported() -> None:
    text = ("To 24:00 midnight on 24 March 2022, OHCHR recorded 2,789 civilian casualties in the country: 1,081 killed "
            "and 1,707 injured.")
    parsed = parse(snapshot(text, content_type="text/plain"), published="2022-03-25")
    assert [o.estimate.best for o in parsed.observations] == [2789, 1081, 1707]
    assert len(parsed.problems) == 1 and "is not the 2789 casualties stated" in parsed.problems[0]
    assert parsed.problems[0].startswith("source 'ohchr-ukraine-updates', snapshot ")


def test_a_page_without_the_sentence_is_a_problem_not_a_guess() -> None:
    parsed = parse(snapshot("<html><body><p>Page not found. 404</p></body></html>"))
    assert parsed.observations == [] and "no OHCHR civilian-casualty sentence" in parsed.problems[0]


def test_an_as_of_day_after_publication_is_refused() -> None:
    text = ("Date: 2 March 2022\n\nTo 24:00 midnight on 24 March 2022, OHCHR recorded 2,788 civilian casualties in the "
            "country: 1,081 killed and 1,707 injured.")
    parsed = parse(snapshot(text, content_type="text/plain"))
    assert parsed.observations == [] and "after the publication day" in parsed.problems[0]


def test_json_and_empty_pages_are_refused() -> None:
    with pytest.raises(ParseError, match="reliefweb adapter"):
        parse(snapshot('{"data": []}', content_type="application/json"))
    with pytest.raises(ParseError, match="is empty"):
        parse(snapshot("  \n"))


# --- the OCHA key-figures sheet -------------------------------------------------------------------

def expected_sheet(text: str) -> list[tuple[str, date, int]]:
    """(metric, as_of, value) computed here from the CSV itself: Date - 1, carried-forward rows left out."""
    out, previous = [], None
    table = list(csv.reader(io.StringIO(text)))
    header = table[1]
    k, i = header.index("Civilian casualities(OHCHR) - Killed"), header.index("Civilian casualities(OHCHR) - Injured")
    d = header.index("Date")
    for row in table[2:]:
        pair = (row[k], row[i])
        if not row[d] or not all(v.isdigit() for v in pair):
            continue
        if pair == previous:
            continue
        previous = pair
        day = date.fromisoformat(row[d]) - timedelta(days=1)
        out += [("killed", day, int(row[k])), ("injured", day, int(row[i]))]
    return out


def test_real_key_figures_sheet(shared_fixtures: Path) -> None:
    body = (shared_fixtures / "ohchr" / "ocha_ukraine_key_figures_sheet_2022.csv").read_bytes()
    parsed = parse(snapshot(body, SHEET, SHEET_URL, "text/csv"), SHEET)
    assert parsed.problems == []
    got = [(o.metric, o.as_of, o.estimate.best) for o in parsed.observations]
    want = expected_sheet(body.decode("utf-8"))
    assert got == want
    assert len(got) == 2 * 48  # 50 dated rows; those of 26 March and 17 April repeat the day before
    assert sum(v for m, _, v in got if m == "killed") == sum(v for m, _, v in want if m == "killed")
    by_day = {(m, d): v for m, d, v in got}
    assert by_day[("killed", date(2022, 3, 24))] == 1_081  # the 25 March row: OHCHR's 24:00 24 March figure
    assert by_day[("injured", date(2022, 4, 24))] == 3_053
    first = parsed.observations[0]
    assert json.loads(first.provenance.quote)["Source URL"].startswith("https://reliefweb.int/report/ukraine/")
    assert first.provenance.locator == "csv row 3" and first.provenance.attributed_to == "OHCHR"
    assert first.provenance.published_at == datetime(2022, 3, 3, tzinfo=UTC) and first.as_of == date(2022, 3, 2)
    assert {o.rule for o in parsed.observations} == {"at-least-verified"}


def sheet_text(shared: Path) -> str:
    return (shared / "ohchr" / "ocha_ukraine_key_figures_sheet_2022.csv").read_text(encoding="utf-8")


def test_sheet_faults(shared_fixtures: Path) -> None:
    text = sheet_text(shared_fixtures)
    # a changed schema: the killed column renamed
    renamed = text.replace("Civilian casualities(OHCHR) - Killed", "Civilians killed (OHCHR)")
    with pytest.raises(ParseError, match=r"field 'Civilian casualities\(OHCHR\) - Killed'") as caught:
        parse(snapshot(renamed, SHEET, content_type="text/csv"), SHEET)
    assert caught.value.source_id == SHEET.id
    # HTML served instead of the CSV, and an empty body
    with pytest.raises(ParseError, match="HTML page instead of the CSV"):
        parse(snapshot("<!DOCTYPE html><html><body>Sign in</body></html>", SHEET), SHEET)
    with pytest.raises(ParseError, match="empty response"):
        parse(snapshot("", SHEET), SHEET)
    # a truncated download: the last row is cut inside its killed cell; the others still read
    cut = text[:text.rindex("2665") + 2]
    parsed = parse(snapshot(cut, SHEET, content_type="text/csv"), SHEET)
    assert len(parsed.problems) == 1 and "csv row 52" in parsed.problems[0] and "truncated" in parsed.problems[0]
    assert len(parsed.observations) == 2 * 47  # every complete row
    # a bad value: reported with its row and column, the row's other value kept
    bad = text.replace(",2345,2919,", ",23x45,2919,")
    parsed = parse(snapshot(bad, SHEET, content_type="text/csv"), SHEET)
    assert len(parsed.problems) == 1
    assert "csv row 50" in parsed.problems[0] and "Civilian casualities(OHCHR) - Killed" in parsed.problems[0]
    assert ("injured", date(2022, 4, 20), 2919) in [(o.metric, o.as_of, o.estimate.best) for o in parsed.observations]


# --- fetch --------------------------------------------------------------------------------------

def test_fetch_gets_each_url_with_the_user_agent() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="<p>x</p>", headers={"Date": "Thu, 26 May 2022 12:00:00 GMT"})

    params = ohchr.Params(urls=["/en/news/2022/05/a", "https://reliefweb.int/report/ukraine/b"])
    with build_client(transport=httpx.MockTransport(handler)) as client:
        got = ohchr.fetch(client, UPDATES, params, Context())
    assert [str(r.url) for r in seen] == ["https://www.ohchr.org/en/news/2022/05/a", "https://reliefweb.int/report/ukraine/b"]
    assert all(r.headers["User-Agent"].startswith("figures/") for r in seen)
    assert [s.retrieved_at for s in got] == [WHEN, WHEN]
    with pytest.raises(SourceError, match="params.urls lists no page"):
        ohchr.fetch(build_client(transport=httpx.MockTransport(handler)), UPDATES, ohchr.Params(), Context())


def test_fetch_retries_429_and_5xx_then_succeeds() -> None:
    served = answers(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(503),
                     httpx.Response(200, text="ok"), repeat_last=False)
    slept: list[float] = []
    with mock_client(served, slept) as client:
        [got] = ohchr.fetch(client, UPDATES, ohchr.Params(urls=["https://example.org/u"]), Context())
    assert got.content == b"ok" and slept[0] == 7.0 and len(slept) == 2


@pytest.mark.parametrize("failure", ["timeout", "404", "500"])
def test_fetch_failures_change_nothing_stored(failure: str, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ADAPTERS, ohchr.NAME, ohchr)  # the module under test, whatever a plugin registered
    entry = next(e for e in ohchr_manifest() if e["file"] == "ohchr_update_2022-03-25.html")
    with build_client(transport=replay_transport()) as client:
        assert update_source(store, client, UPDATES, offline=True).status == "ok"
    before = store.count()
    handler = time_out if failure == "timeout" else answers(httpx.Response(int(failure), text="nope"))
    outcome = update_with(store, handler, UPDATES)
    assert outcome.status == "failed" and "ohchr-ukraine-updates" in (outcome.error or "")
    assert ("ReadTimeout" if failure == "timeout" else f"GET returned {failure}") in (outcome.error or "")
    assert store.count() == before and before["observations"] > 0
    assert entry["url"] in (outcome.error or "")


# --- reworded pages: read what the contract allows, report the rest ---------------------------------

MAY_LEAD = ("From 4 a.m. on 24 February 2022 to 24:00 midnight on 25 May 2022 (local time), OHCHR recorded 8,691 "
            "civilian casualties in the country: 3,998 killed and 4,693 injured. This included:\n\n"
            "In Donetsk and Luhansk regions: 4,912 casualties (2,119 killed and 2,793 injured)\n"
            "On Government-controlled territory: 3,934 casualties (1,692 killed and 2,242 injured)\n"
            "In other regions of Ukraine: 3,779 casualties (1,879 killed and 1,900 injured)\n")


def test_dead_and_wounded_in_regional_lines_are_read_like_killed_and_injured() -> None:
    text = MAY_LEAD.replace(" killed and ", " dead and ").replace(" injured)", " wounded)")
    update = ohchr.read_update(text)
    assert update.problems == []
    assert [(f.place, f.metric, f.value) for f in update.figures if f.place == "other regions of Ukraine"] == [
        ("other regions of Ukraine", "casualties", 3_779), ("other regions of Ukraine", "killed", 1_879),
        ("other regions of Ukraine", "injured", 1_900)]
    assert len(update.figures) == 12


@pytest.mark.parametrize(("old", "new", "kept", "missing"), [
    # the breakdown reworded everywhere: no national sentence is read, nothing is guessed
    (" killed and ", " slain and ", 0, ["8,691 civilian casualties", "Donetsk and Luhansk regions: 4,912",
                                         "Government-controlled territory: 3,934", "other regions of Ukraine: 3,779"]),
    # the injured reworded: the national total and killed are read, the injured and the regions reported
    (" injured", " hurt", 2, ["and 4,693 hurt", "Donetsk and Luhansk regions: 4,912",
                              "Government-controlled territory: 3,934", "other regions of Ukraine: 3,779"]),
])
def test_a_reworded_breakdown_is_reported_not_silently_dropped(old: str, new: str, kept: int,
                                                                missing: list[str]) -> None:
    text = MAY_LEAD.replace(old, new)
    update = ohchr.read_update(text)
    assert len(update.figures) == kept
    assert len(update.problems) == len(missing)
    for problem, words in zip(update.problems, missing, strict=True):
        assert words in problem and "could not be read" in problem and "wording may have changed" in problem
        a, b = (int(x) for x in problem.split(":")[0].removeprefix("chars ").split("-"))
        assert text[a:b].strip() and text[a:b] in text  # the span points into the text as served


def test_a_reworded_page_is_partial_with_its_problems(tmp_path: Path) -> None:
    parsed = parse(snapshot(MAY_LEAD.replace(" injured", " hurt"), content_type="text/plain"), published="2022-05-26")
    assert [(o.metric, o.estimate.best) for o in parsed.observations] == [("casualties", 8_691), ("killed", 3_998)]
    assert len(parsed.problems) == 4 and all(p.startswith("source 'ohchr-ukraine-updates'") for p in parsed.problems)


def test_the_2023_wording_reads_the_totals_since_february_not_the_period() -> None:
    """Updates since 2023 open with the last period ("From 1 to 10 September 2023, OHCHR recorded 292
    civilian casualties: 55 killed ... and 237 injured") before the totals since 24 February 2022,
    dated "to 10 September 2023, OHCHR recorded": the totals are the figures, as of that day."""
    entry = next(e for e in ohchr_manifest() if e["file"] == "ohchr_update_2023-09-11.html")
    raw = (OFFLINE / entry["file"]).read_text(encoding="utf-8")
    parsed = parse(snapshot(raw, url=entry["url"]))
    assert parsed.problems == []
    national = {o.metric: o for o in parsed.observations if o.place is None}
    assert {m: o.estimate.low for m, o in national.items()} == {"casualties": 27_149, "killed": 9_614,
                                                               "injured": 17_535}
    assert {o.as_of for o in parsed.observations} == {date(2023, 9, 10)}
    assert all(o.provenance.quote.startswith("From 24 February 2022, which marked") for o in national.values())
    assert not any(o.estimate.low in (292, 55, 237) for o in parsed.observations)


def test_the_dated_sentence_not_the_page_title_opens_the_quote() -> None:
    """ReliefWeb's reposts from autumn 2022 write "to 23 October 2022, the Office ... recorded": the
    quote is that sentence, not the page's title and meta lines before it."""
    entry = next(e for e in ohchr_manifest() if e["file"] == "ohchr_update_2022-10-24.html")
    raw = (OFFLINE / entry["file"]).read_text(encoding="utf-8")
    killed = next(o for o in parse(snapshot(raw, url=entry["url"])).observations
                  if o.metric == "killed" and o.place is None)
    assert killed.as_of == date(2022, 10, 23) and killed.estimate.low == 6_374
    assert killed.provenance.quote.startswith("From 24 February 2022, when the Russian Federation")
