"""The csv adapter: OCHA's real key-figures sheet, small project-written CSV and Excel tables, fetch.

Golden file: the parse of the project-written offline snapshot of OCHA's sheet
(figures/data/offline/csv_ocha_ukraine_key_figures_2022.csv, read as the "killed" source) is
compared with tests/expected/csv_table/<file stem>.csv; after a deliberate change run
`FIGURES_REGEN_GOLDEN=1 pytest tests/test_csv_table.py` and review the diff.

The small tables written in tmp_path below are test inputs shaped like newsroom sheets; their
figures come from OHCHR's 2022 updates (1,081 killed and 1,707 injured to 24 March 2022) where a
real figure is needed, and are plain test numbers elsewhere.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from adapter_faults import answers, mock_client, time_out, update_with
from goldens import entry_stem, golden_path, golden_stems, match_golden, same_request

from figures import sources as registry
from figures.config import SourceConfig
from figures.errors import ParseError, SourceError
from figures.http import build_client
from figures.models import Snapshot
from figures.offline import manifest, replay_transport
from figures.pipeline import update_source
from figures.secrets import Secrets
from figures.sources import csv_table
from figures.sources.base import Context
from figures.store import Store

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFLINE = REPO_ROOT / "figures" / "data" / "offline"
#: The sheet's CSV export as HDX lists it (the `?gid=0&single=true&output=csv` form serves the same tab).
SHEET = ("https://docs.google.com/spreadsheets/d/e/2PACX-1vQIdedbZz0ehRC0b4fsWiP14R7MdtU1mpmwAkuXUPElSah2AWCURKGALF"
         "DuHjvyJUL8vzZAt3R1B5qg/pub?output=csv")
KILLED = "Civilian casualities(OHCHR) - Killed"
INJURED = "Civilian casualities(OHCHR) - Injured"

#: The sources.yaml entries proposed for OCHA's key-figures sheet (one per column counted).
PROPOSED = yaml.safe_load(f"""
- id: ocha-ukraine-key-figures-killed
  adapter: csv
  publisher: OCHA
  title: "Ukraine key figures 2022: civilians killed (OHCHR), OCHA's sheet"
  licence: "OCHA key figures on HDX (ukraine-key-figures-2022); figures by OHCHR, attribute OHCHR and OCHA"
  url: https://data.humdata.org/dataset/ukraine-key-figures-2022
  area: UKR
  cadence: daily
  params:
    file: {SHEET}
    header_row: 2
    columns: {{as_of: Date, value: "{KILLED}", url: Source URL}}
    metric: killed
    group: civilians
    scope: cumulative
    values: at-least-verified
- id: ocha-ukraine-key-figures-injured
  adapter: csv
  publisher: OCHA
  title: "Ukraine key figures 2022: civilians injured (OHCHR), OCHA's sheet"
  licence: "OCHA key figures on HDX (ukraine-key-figures-2022); figures by OHCHR, attribute OHCHR and OCHA"
  url: https://data.humdata.org/dataset/ukraine-key-figures-2022
  area: UKR
  cadence: daily
  params:
    file: {SHEET}
    header_row: 2
    columns: {{as_of: Date, value: "{INJURED}", url: Source URL}}
    metric: injured
    group: civilians
    scope: cumulative
    values: at-least-verified
""")
SOURCES = [SourceConfig.model_validate(s) for s in PROPOSED]
KILLED_SOURCE, INJURED_SOURCE = SOURCES


def csv_manifest() -> list[dict[str, str]]:
    """This adapter's offline snapshots (other adapters may replay other exports of the same sheet)."""
    return [e for e in manifest() if e["file"].startswith("csv_")]


def params_of(source: SourceConfig, **changes: Any) -> csv_table.Params:
    return csv_table.Params.model_validate({**source.params, **changes})


def source_with(**params: Any) -> SourceConfig:
    """A csv source over a small table: date in 'Date', figure in 'Killed' unless changed."""
    base: dict[str, Any] = {"file": "https://example.org/t.csv", "columns": {"as_of": "Date", "value": "Killed"},
                            "metric": "killed", "group": "civilians"}
    return SourceConfig(id="newsroom-sheet", adapter="csv", publisher="A newsroom", title="Casualty tracker",
                        licence="as published", url="https://example.org", area="UKR", cadence="daily",
                        params={**base, **params})


def snapshot_of(content: bytes | str, source: SourceConfig, url: str | None = None) -> Snapshot:
    body = content.encode() if isinstance(content, str) else content
    return Snapshot(source_id=source.id, url=url or "https://example.org/t.csv",
                    retrieved_at=datetime(2022, 5, 2, 9, tzinfo=UTC), content=body)


def parse_text(text: str, **params: Any) -> Any:
    source = source_with(**params)
    return csv_table.parse(snapshot_of(text, source), source, params_of(source))


# --- golden file and the offline replay --------------------------------------------------------

def test_offline_snapshot_matches_its_golden_file() -> None:
    [entry] = csv_manifest()
    assert all(same_request(s.params["file"], entry["url"]) for s in SOURCES)
    snapshot = snapshot_of((OFFLINE / entry["file"]).read_bytes(), KILLED_SOURCE, entry["url"])
    parsed = csv_table.parse(snapshot, KILLED_SOURCE, params_of(KILLED_SOURCE))
    assert parsed.problems == []
    match_golden(parsed.observations, golden_path("csv_table", entry["file"]))
    assert golden_stems("csv_table") == [entry_stem(entry)]


def test_the_replay_serves_the_sheet_to_both_sources() -> None:
    [entry] = csv_manifest()
    with build_client(transport=replay_transport()) as client:
        for source in SOURCES:
            [snapshot] = csv_table.fetch(client, source, params_of(source), Context(offline=True))
            assert snapshot.content == (OFFLINE / entry["file"]).read_bytes()
            assert snapshot.retrieved_at == datetime.fromisoformat(entry["retrieved"])
            parsed = csv_table.parse(snapshot, source, params_of(source))
            assert len(parsed.observations) == 16 and parsed.problems == []
    injured = {o.as_of: o.estimate for o in parsed.observations}
    assert (injured[date(2022, 3, 25)].low, injured[date(2022, 3, 25)].high) == (1_707, None)


# --- the real sheet ----------------------------------------------------------------------------

@pytest.mark.parametrize("source", SOURCES, ids=["killed", "injured"])
def test_real_ocha_sheet(source: SourceConfig, shared_fixtures: Path) -> None:
    path = shared_fixtures / "ohchr" / "ocha_ukraine_key_figures_sheet_2022.csv"
    body = path.read_bytes()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    header = rows[1]
    column = header.index(source.params["columns"]["value"])
    expected = {r[header.index("Date")]: int(r[column]) for r in rows[2:] if r[column].strip()}
    parsed = csv_table.parse(snapshot_of(body, source, SHEET), source, params_of(source))
    found = parsed.observations
    assert parsed.problems == []
    assert len(found) == len(expected) == 50
    assert {o.as_of.isoformat(): o.estimate.low for o in found} == expected
    assert sum(o.estimate.best or 0 for o in found) == sum(expected.values())
    assert all(o.estimate.high is None and o.estimate.rule == "at-least-verified" for o in found)
    assert all(o.group == "civilians" and o.scope == "cumulative" and o.place is None for o in found)
    first = found[0]
    assert first.provenance.locator == "csv row 3" and first.as_of == date(2022, 3, 3)
    quote = json.loads(first.provenance.quote)
    assert quote["Date"] == "2022-03-03" and quote["Source URL"].startswith("https://reliefweb.int/")
    march_25 = next(o for o in found if o.as_of == date(2022, 3, 25))
    assert json.loads(march_25.provenance.quote)["Source URL"] == ""  # the sheet gives none that day
    if source.params["metric"] == "killed":
        assert march_25.estimate.best == 1_081  # OHCHR: 1,081 killed to 24:00 on 24 March, reported on the 25th


def test_real_sheet_read_as_exact_figures(shared_fixtures: Path) -> None:
    body = (shared_fixtures / "ohchr" / "ocha_ukraine_key_figures_sheet_2022.csv").read_bytes()
    parsed = csv_table.parse(snapshot_of(body, KILLED_SOURCE, SHEET), KILLED_SOURCE,
                             params_of(KILLED_SOURCE, values="exact"))
    assert all(o.estimate.low == o.estimate.best == o.estimate.high for o in parsed.observations)
    assert {o.estimate.rule for o in parsed.observations} == {"exact"}


# --- small project-written tables --------------------------------------------------------------

def test_a_range_in_one_cell_and_words_in_text_mode() -> None:
    table = "Date,Killed\n2022-03-01,\"10,000-20,000\"\n2022-03-02,\"1,081\"\n2022-03-03,nearly 20000\n"
    exact = parse_text(table)
    assert [(o.estimate.low, o.estimate.best, o.estimate.high, o.estimate.rule) for o in exact.observations] == [
        (10_000, None, 20_000, "range"), (1_081, 1_081, 1_081, "exact")]
    assert "set values: text" in exact.problems[0] and "row 4" in exact.problems[0]
    text = parse_text(table + "2022-03-04,at least 1081\n2022-03-05,hundreds\n2022-03-06,many\n", values="text")
    rules = [(o.estimate.rule, o.estimate.low, o.estimate.high) for o in text.observations]
    assert rules == [("range", 10_000, 20_000), ("exact", 1_081, 1_081), ("nearly", 18_000, 19_999),
                     ("at-least", 1_081, None), ("vague:hundreds", 100, 999)]
    assert text.observations[2].estimate.text == "nearly 20000"
    [problem] = text.problems
    assert "row 7" in problem and "'many'" in problem


def test_low_and_high_columns_with_an_optional_best() -> None:
    table = "Date,Min,Max,Best\n2022-03-01,\"1,000\",\"2,000\",1500\n2022-03-02,800,,\n2022-03-03,,,\n"
    parsed = parse_text(table, columns={"as_of": "Date", "low": "Min", "high": "Max", "value": "Best"})
    first, second = parsed.observations
    assert (first.estimate.low, first.estimate.best, first.estimate.high) == (1_000, 1_500, 2_000)
    assert first.estimate.rule == "source-range" and first.estimate.text == "1500 (1,000 to 2,000)"
    assert (second.estimate.low, second.estimate.best, second.estimate.high) == (800, None, None)
    bad = parse_text("Date,Min,Max\n2022-03-01,2000,1000\n", columns={"as_of": "Date", "low": "Min", "high": "Max"})
    assert bad.observations == [] and "high 1000 is below low 2000" in bad.problems[0]


@pytest.mark.parametrize(
    ("written", "date_format", "day"),
    [("24/03/2022", "%d/%m/%Y", date(2022, 3, 24)), ("03/24/2022", "%m/%d/%Y", date(2022, 3, 24)),
     ("24 March 2022", None, date(2022, 3, 24)), ("March 24, 2022", None, date(2022, 3, 24)),
     ("24 Mar 2022", None, date(2022, 3, 24)), ("2022-03-24T00:00:00", None, date(2022, 3, 24)),
     ("24.03.2022", None, date(2022, 3, 24)), ("24/03/2022", ["%Y-%m-%d", "%d/%m/%Y"], date(2022, 3, 24))],
)
def test_dates_in_several_formats(written: str, date_format: Any, day: date) -> None:
    [o] = parse_text(f'Date,Killed\n"{written}",1081\n', date_format=date_format).observations
    assert o.as_of == day


def test_an_ambiguous_date_asks_for_a_format() -> None:
    parsed = parse_text("Date,Killed\n03/04/2022,1081\n2022-03-05,1100\n")
    assert [o.as_of for o in parsed.observations] == [date(2022, 3, 5)]
    assert "'03/04/2022', not a date" in parsed.problems[0] and "date_format" in parsed.problems[0]


def test_title_rows_places_periods_and_the_other_columns() -> None:
    table = ("Casualty tracker,,,,,,\n"
             "Updated weekly,,,,,,\n"
             "  date , Oblast ,Week start,Week end,Killed,Published,Source\n"
             "2022-03-06,Kharkivska,2022-02-28,2022-03-06,42,2022-03-07,OHCHR\n"
             ",,,,,,\n"
             "2022-03-06,Kyivska,2022-02-28,2022-03-06,N/A,2022-03-07,OHCHR\n"
             "2022-03-13,Kharkivska,2022-03-07,2022-03-13,17,,\n")
    parsed = parse_text(table, header_row=3, scope="incident",
                        columns={"as_of": "Date", "value": "killed", "place": "oblast", "period_start": "Week start",
                                 "period_end": "Week end", "published": "Published", "source": "Source"})
    assert parsed.problems == []
    first, second = parsed.observations
    assert (first.place, first.period_start, first.period_end, first.scope) == (
        "Kharkivska", date(2022, 2, 28), date(2022, 3, 6), "incident")
    assert first.provenance.published_at == datetime(2022, 3, 7, tzinfo=UTC)
    assert first.provenance.attributed_to == "OHCHR" and first.provenance.locator == "csv row 4"
    assert second.provenance.locator == "csv row 7" and second.provenance.attributed_to is None
    assert json.loads(first.provenance.quote)["Oblast"] == "Kharkivska"


def test_another_bodys_figures_dated_by_the_day_they_were_reported() -> None:
    """OCHA's sheet copies OHCHR's counts the day after OHCHR's "as of" day: -1 day, and OHCHR's voice."""
    table = "Date,Killed,Source\n2022-03-28,1151,\n2022-03-29,1179,OHCHR via OCHA\n"
    first, second = parse_text(table, attributed_to="OHCHR", as_of_offset_days=-1, values="at-least-verified",
                               columns={"as_of": "Date", "value": "Killed", "source": "Source"}).observations
    assert (first.as_of, first.provenance.attributed_to) == (date(2022, 3, 27), "OHCHR")
    assert (second.as_of, second.provenance.attributed_to) == (date(2022, 3, 28), "OHCHR via OCHA")  # the row's own
    assert json.loads(first.provenance.quote)["Date"] == "2022-03-28"  # the words as written
    with pytest.raises(ValueError, match="as_of_offset_days"):
        csv_table.Params.model_validate({**source_with().params, "as_of_offset_days": 1000})


def test_incident_rows_without_period_columns_are_one_day_each() -> None:
    [o] = parse_text("Date,Killed\n2022-03-01,5\n", scope="incident").observations
    assert o.period_start == o.period_end == date(2022, 3, 1)


def test_semicolons_and_another_encoding() -> None:
    body = "Date;Killed;Région\n2022-03-01;1081;Kyïv\n".encode("cp1252")
    source = source_with(delimiter=";", encoding="cp1252", columns={"as_of": "Date", "value": "Killed",
                                                                     "place": "Région"})
    [o] = csv_table.parse(snapshot_of(body, source), source, params_of(source)).observations
    assert o.place == "Kyïv"
    utf8 = source_with(delimiter=";", columns={"as_of": "Date", "value": "Killed"})
    with pytest.raises(ParseError, match="not utf-8-sig text") as caught:
        csv_table.parse(snapshot_of(body, utf8), utf8, params_of(utf8))
    assert caught.value.field == "encoding"


def test_repeated_rows_are_problems_and_counted_once() -> None:
    parsed = parse_text("Date,Killed\n2022-03-01,5\n2022-03-01,5\n2022-03-01,6\n")
    assert [o.estimate.best for o in parsed.observations] == [5]
    assert "repeats csv row 2" in parsed.problems[0] and "the same figure" in parsed.problems[0]
    assert "a different figure" in parsed.problems[1]


@pytest.mark.parametrize("cell", ["-5", "1.5", "TRUE"])
def test_bad_counts_are_row_problems(cell: str) -> None:
    parsed = parse_text(f"Date,Killed\n2022-03-01,{cell}\n2022-03-02,7\n")
    assert [o.estimate.best for o in parsed.observations] == [7] and "row 2" in parsed.problems[0]


def test_params_read_yaml_types() -> None:
    params = csv_table.Params.model_validate(yaml.safe_load(
        "{file: t.csv, metric: killed, sheet: 0, columns: {as_of: 2022, value: 7}, date_format: null}"))
    assert params.columns.as_of == "2022" and params.columns.value == "7" and params.sheet == 0
    with pytest.raises(ValueError, match="name a value column"):
        csv_table.Params.model_validate({"file": "t.csv", "metric": "killed", "columns": {"as_of": "Date"}})
    with pytest.raises(ValueError):
        csv_table.Params.model_validate({"file": "t.csv", "metric": "dead", "columns": {"as_of": "D", "value": "K"}})


# --- whole-table faults ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("body", "says", "field"),
    [
        ('Date,Killed,Source\n2022-03-01,5,"https://exa', "cut short", None),
        ("Date,Killed,Source,Notes\n2022-03-01,5,x,y\n2022-03-02,6", "cut short", None),
        ("<!DOCTYPE html><html><title>Sign in</title></html>", "HTML page", None),
        ("", "is empty", None),
        ("Date,Deaths\n2022-03-01,5\n", "column 'Killed' is not in header row 1", "columns.value"),
        ("Date,Killed\n", "no header in row 3", "header_row"),
    ],
    ids=["open-quote", "short-last-row", "html", "empty", "renamed-column", "too-few-rows"],
)
def test_unreadable_tables_raise_a_parse_error(body: str, says: str, field: str | None) -> None:
    source = source_with(header_row=3) if field == "header_row" else source_with()
    with pytest.raises(ParseError, match=says) as caught:
        csv_table.parse(snapshot_of(body, source), source, params_of(source))
    assert caught.value.field == field and "newsroom-sheet" in str(caught.value)


def test_a_renamed_optional_column_is_a_problem_and_rows_are_still_read() -> None:
    parsed = parse_text("Date,Killed,Link\n2022-03-01,5,https://x\n",
                        columns={"as_of": "Date", "value": "Killed", "url": "Source URL"})
    assert [o.estimate.best for o in parsed.observations] == [5]
    assert "'Source URL' (columns.url) is not in the header" in parsed.problems[0]


# --- Excel -------------------------------------------------------------------------------------

@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    """A small two-sheet workbook shaped like a newsroom's tracker (a title row above the header)."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes["A1"] = "Figures from OHCHR updates"
    sheet = book.create_sheet("Killed")
    sheet.append(["Civilian casualties in Ukraine (OHCHR)"])
    sheet.append(["Date", "Killed", "Injured", "Note"])
    sheet.append([datetime(2022, 3, 24), 1081, 1707.0, "to 24:00 local time"])
    sheet.append([None, None, None, None])
    sheet.append(["25 March 2022", "1,104", None, "text cells"])
    sheet.append([date(2022, 3, 26), "N/A", 1754, None])
    path = tmp_path / "tracker.xlsx"
    book.save(path)
    return path


def test_an_excel_sheet_by_name_or_index(workbook: Path) -> None:
    source = source_with(file=str(workbook), sheet="Killed", header_row=2)
    [snapshot] = csv_table.fetch(build_client(transport=httpx.MockTransport(lambda r: pytest.fail("no GET"))),
                                 source, params_of(source), Context())
    assert snapshot.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    parsed = csv_table.parse(snapshot, source, params_of(source))
    assert parsed.problems == []
    first, second = parsed.observations
    assert (first.as_of, first.estimate.best, first.estimate.text) == (date(2022, 3, 24), 1081, "1081")
    assert first.provenance.locator == "sheet 'Killed' row 3"
    assert (second.as_of, second.estimate.best, second.provenance.locator) == (date(2022, 3, 25), 1104,
                                                                             "sheet 'Killed' row 5")
    assert json.loads(first.provenance.quote) == {"Date": "2022-03-24", "Killed": "1081"}
    injured = source_with(file=str(workbook), sheet=1, header_row=2, columns={"as_of": "Date", "value": "Injured"},
                          metric="injured")
    found = csv_table.parse(snapshot, injured, params_of(injured)).observations
    assert [(o.as_of, o.estimate.best) for o in found] == [(date(2022, 3, 24), 1707), (date(2022, 3, 26), 1754)]


def test_excel_faults(workbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    body = workbook.read_bytes()
    missing = source_with(sheet="Injured", header_row=2)
    with pytest.raises(ParseError, match="no sheet 'Injured'; the workbook has 'Notes', 'Killed'") as caught:
        csv_table.parse(snapshot_of(body, missing), missing, params_of(missing))
    assert caught.value.field == "sheet"
    source = source_with(sheet="Killed", header_row=2)
    with pytest.raises(ParseError, match="not a readable Excel file"):
        csv_table.parse(snapshot_of(body[: len(body) // 2], source), source, params_of(source))
    real_find_spec = csv_table.importlib.util.find_spec
    monkeypatch.setattr(csv_table.importlib.util, "find_spec",
                        lambda name, *a: None if name == "openpyxl" else real_find_spec(name, *a))
    with pytest.raises(ParseError, match="pip install openpyxl"):
        csv_table.parse(snapshot_of(body, source), source, params_of(source))


# --- fetch -------------------------------------------------------------------------------------

def test_a_relative_path_is_read_from_the_sources_files_folder(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text("sources: []\n")  # ./sources.yaml: the cwd is tmp_path
    (tmp_path / "sheets").mkdir()
    table = tmp_path / "sheets" / "killed.csv"
    table.write_text("Date,Killed\n2022-03-24,1081\n")
    os.utime(table, (1_648_166_400, 1_648_166_400))
    source = source_with(file="sheets/killed.csv")
    [snapshot] = csv_table.fetch(build_client(transport=httpx.MockTransport(lambda r: pytest.fail("no GET"))),
                                 source, params_of(source), Context())
    assert snapshot.url == table.resolve().as_uri()
    assert snapshot.retrieved_at == datetime(2022, 3, 25, tzinfo=UTC)
    assert csv_table.parse(snapshot, source, params_of(source)).observations[0].estimate.best == 1081
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "sheets").mkdir()
    (elsewhere / "sheets" / "killed.csv").write_text("Date,Killed\n2022-03-24,2\n")
    ctx = Context()
    ctx.base_dir = elsewhere  # type: ignore[attr-defined]  # the pipeline may pass sources.yaml's folder
    assert csv_table.local_path("sheets/killed.csv", ctx) == elsewhere / "sheets" / "killed.csv"


def test_a_missing_local_file_says_where_it_looked(tmp_path: Path) -> None:
    source = source_with(file=str(tmp_path / "nope.csv"))
    with pytest.raises(SourceError, match="cannot read the table") as caught:
        csv_table.fetch(build_client(transport=httpx.MockTransport(lambda r: httpx.Response(500))), source,
                        params_of(source), Context())
    assert caught.value.url.endswith("nope.csv")


def test_fetch_gets_the_published_sheet() -> None:
    seen: list[httpx.Request] = []
    body = (OFFLINE / "csv_ocha_ukraine_key_figures_2022.csv").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body, headers={"Content-Type": "text/csv",
                                                          "Date": "Mon, 02 May 2022 09:00:00 GMT"})

    with mock_client(handler) as client:
        [snapshot] = csv_table.fetch(client, KILLED_SOURCE, params_of(KILLED_SOURCE), Context())
    [request] = seen
    assert same_request(str(request.url), SHEET) and request.headers["User-Agent"].startswith("figures/")
    assert snapshot.url == str(request.url) and snapshot.content == body
    assert snapshot.retrieved_at == datetime(2022, 5, 2, 9, tzinfo=UTC)


def test_403_429_5xx_and_timeouts() -> None:
    with mock_client(lambda r: httpx.Response(403, text="private")) as client, \
            pytest.raises(SourceError, match="GET returned 403"):
        csv_table.fetch(client, KILLED_SOURCE, params_of(KILLED_SOURCE), Context())
    sleeps: list[float] = []
    served = answers(httpx.Response(429, headers={"Retry-After": "3"}), httpx.Response(500),
                     httpx.Response(200, text="Date,Killed\n2022-03-01,1\n"), repeat_last=False)
    source = source_with()
    with mock_client(served, sleeps) as client:
        [snapshot] = csv_table.fetch(client, source, params_of(source), Context())
    assert sleeps[0] == 3.0 and len(sleeps) == 2
    assert csv_table.parse(snapshot, source, params_of(source)).observations[0].estimate.best == 1
    with mock_client(time_out) as client, pytest.raises(SourceError, match="ReadTimeout"):
        csv_table.fetch(client, source, params_of(source), Context())


# --- through the pipeline ----------------------------------------------------------------------

@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.ADAPTERS, csv_table.NAME, csv_table)


def test_the_same_sheet_twice_is_stored_once_and_failures_change_nothing(store: Store, registered: None) -> None:
    body = (OFFLINE / "csv_ocha_ukraine_key_figures_2022.csv").read_bytes()
    with mock_client(lambda r: httpx.Response(200, content=body)) as client:
        first = update_source(store, client, KILLED_SOURCE, Secrets())
        second = update_source(store, client, KILLED_SOURCE, Secrets())
        third = update_source(store, client, INJURED_SOURCE, Secrets())  # same bytes, another column
    assert (first.status, first.added, second.added, second.known) == ("ok", 16, 0, 16)
    assert (third.snapshots, third.added) == (0, 16)
    assert store.count() == {"snapshots": 1, "observations": 32}
    for answer in (httpx.Response(200, text="<html>Sign in</html>"), httpx.Response(200, content=body[:-200] + b'"'),
                   httpx.Response(200, text="Date,Deaths\n2022-03-01,5\n"), httpx.Response(404)):
        outcome = update_with(store, answers(answer), KILLED_SOURCE, Secrets())
        assert outcome.status == "failed" and KILLED_SOURCE.id in (outcome.error or "")
        assert store.count() == {"snapshots": 1, "observations": 32}
