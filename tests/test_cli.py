"""The command line, run as a user would: every command, its help, its errors and exit codes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from figures.cli import app

REPO = Path(__file__).resolve().parents[1]
COMMANDS = ["sources", "update", "ingest", "extract", "query", "series", "disputes", "export", "chart", "report"]


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Run `figures ...` against a store in tmp_path and the repository's sources.yaml."""
    monkeypatch.setenv("FIGURES_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FIGURES_DB", raising=False)
    monkeypatch.delenv("FIGURES_SOURCES", raising=False)
    runner = CliRunner()

    def run(*args: str, sources: Path | None = REPO / "sources.yaml"):
        prefix = ["--sources", str(sources)] if sources else []
        return runner.invoke(app, [*prefix, *args], catch_exceptions=False)

    return run


@pytest.fixture
def loaded(cli):
    result = cli("update", "--offline")
    assert result.exit_code == 0, result.output
    return cli


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_ending_with_an_example(cli, command):
    result = cli(command, "--help")
    assert result.exit_code == 0
    text = result.stdout.rstrip()
    assert re.search(r"Example: figures " + command, text), text
    tail = text[text.rindex("Example:"):]
    assert "Options" in tail or "Arguments" in tail  # the example is the last prose before the option list


def test_readme_documents_every_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for command in COMMANDS:
        assert f"figures {command}" in readme, command


def test_readme_quick_start_has_two_command_lines_run_by_ci():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```", 2)[1]
    lines = [line for line in block.splitlines() if line.strip()]
    assert len(lines) == 2
    assert "figures update --offline" in lines[0] and "figures chart" in lines[0]
    assert "'.[dev]'" in lines[1] and lines[1].rstrip().endswith("pytest")
    assert "README.md" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_update_offline_stores_then_adds_nothing_the_second_time(cli):
    first = cli("update", "--offline")
    assert first.exit_code == 0, first.output
    assert "unhcr-ukraine-crossings: 61 new observations" in first.stderr
    assert "unhcr-ukraine-by-country: 7 new observations" in first.stderr
    assert first.stdout == ""  # progress and reports go to stderr
    second = cli("update", "--offline")
    assert second.exit_code == 0
    assert "0 new observations, 61 already stored" in second.stderr


def test_update_one_named_source(cli):
    result = cli("update", "--offline", "unhcr-ukraine-by-country")
    assert result.exit_code == 0
    assert "unhcr-ukraine-by-country" in result.stderr
    assert "unhcr-ukraine-crossings" not in result.stderr


def test_update_unknown_source_names_the_known_ones(cli):
    result = cli("update", "--offline", "nope")
    assert result.exit_code == 2
    assert "no source 'nope'" in result.stderr and "unhcr-ukraine-crossings" in result.stderr


def test_a_failing_source_is_reported_and_the_others_go_on(cli, monkeypatch):
    import httpx

    from figures import cli as cli_module
    from figures.http import build_client
    from figures.offline import replay_transport

    replay = replay_transport()

    def flaky(request: httpx.Request) -> httpx.Response:
        if "population_group=5457" in str(request.url):
            return httpx.Response(503, text="Service Unavailable")
        return replay.handle_request(request)

    monkeypatch.setattr(cli_module, "build_client", lambda **kw: build_client(
        transport=httpx.MockTransport(flaky), sleep=lambda s: None))
    result = cli("update", "unhcr-ukraine-crossings", "unhcr-ukraine-by-country")
    assert result.exit_code == 1
    assert "failed unhcr-ukraine-crossings" in result.stderr
    assert "returned 503" in result.stderr and "data.unhcr.org" in result.stderr
    assert "run 'figures update unhcr-ukraine-crossings' again later" in result.stderr
    assert "ok unhcr-ukraine-by-country: 7 new observations" in result.stderr
    assert "1 of 2 sources failed: unhcr-ukraine-crossings\n" in result.stderr


def test_offline_skips_a_source_without_a_shipped_snapshot(cli, tmp_path):
    text = (REPO / "sources.yaml").read_text(encoding="utf-8")
    moved = text.replace("      widget_id: 283577\n", "      widget_id: 283577\n      base_url: https://mirror.invalid\n")
    assert moved != text
    path = tmp_path / "sources.yaml"
    path.write_text(moved, encoding="utf-8")
    result = cli("update", "--offline", sources=path)
    assert result.exit_code == 0
    assert "skipped unhcr-ukraine-crossings" in result.stderr and "no offline snapshot" in result.stderr
    assert "ok unhcr-ukraine-by-country: 7 new observations" in result.stderr


def test_sources_lists_adapter_publisher_licence_and_last_update(loaded):
    result = loaded("sources", "--format", "json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows][:2] == ["unhcr-ukraine-crossings", "unhcr-ukraine-by-country"]
    assert {r["adapter"] for r in rows} >= {"unhcr-odp", "ohchr", "reliefweb", "unhcr-rdf", "hdx-hapi", "iom-dtm"}
    assert rows[0]["adapter"] == "unhcr-odp" and rows[0]["publisher"] == "UNHCR"
    assert "UNHCR" in rows[0]["licence"]
    assert rows[0]["last_status"] == "ok" and rows[0]["last_update"]
    table = loaded("sources")
    assert "unhcr-ukraine-crossings" in table.stdout and "unhcr-odp" in table.stdout


def test_sources_before_any_update_says_never(cli):
    result = cli("sources")
    assert result.exit_code == 0
    assert "never" in result.stdout


def test_query_prints_the_unhcr_figure_with_its_provenance(loaded):
    result = loaded("query", "refugees", "--area", "UKR", "--on", "2022-03-01")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "low 819,228  best 819,228  high 819,228" in out
    assert "unhcr-ukraine-crossings" in out and "sum-of-incidents:6" in out
    assert "https://data.unhcr.org/population/get/timeseries" in out
    assert re.search(r"sha256 [0-9a-f]{64}", out)
    assert "$.data.timeseries[5]" in out and '"individuals": 165872' in out
    assert "retrieved  2022-04-26T09:00:00+00:00" in out


def test_query_json_and_csv(loaded):
    result = loaded("query", "refugees", "--area", "UKR", "--on", "2022-03-01", "--format", "json")
    data = json.loads(result.stdout)
    assert (data["low"], data["best"], data["high"]) == (819228, 819228, 819228)
    assert len(data["observations"]) == 6
    assert data["observations"][0]["as_of"] == "2022-02-24"
    assert data["observations"][0]["snapshot_sha256"]
    result = loaded("query", "refugees", "--area", "ukr", "--place", "Poland", "--on", "2022-04-30",
                    "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 1
    assert rows[0]["query_best"] == "2922978" and rows[0]["place"] == "Poland"


def test_query_without_data_exits_1_and_says_what_to_do(loaded):
    result = loaded("query", "refugees", "--area", "UKR", "--on", "2021-01-01")
    assert result.exit_code == 1
    assert "No refugees figure" in result.stdout
    assert "figures update" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["query", "dead"], "unknown metric 'dead'"),
    (["query", "killed", "--group", "adults"], "unknown group 'adults'"),
    (["query", "killed", "--on", "yesterday"], "not a date"),
    (["query", "killed", "--format", "xml"], "unknown format"),
    (["export", "--format", "xml"], "unknown format"),
    (["export", "--format", "json", "--hxl"], "--hxl adds a row of hashtags to a CSV"),
    (["export", "--format", "parquet"], "give a file with --out"),
    (["series", "killed", "--freq", "Y"], "freq='Y'"),
    (["series", "dead"], "unknown metric 'dead'"),
    (["disputes", "killed", "--format", "xml"], "unknown format"),
])
def test_bad_arguments_are_named(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_export_csv_and_json(loaded, tmp_path):
    out = tmp_path / "all.csv"
    result = loaded("export", "--out", str(out))
    assert result.exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len([r for r in rows if r["source_id"].startswith("unhcr-ukraine-")]) == 68
    assert {r["adapter"] for r in rows} >= {"unhcr-odp", "ohchr"}
    for column in ("source_id", "metric", "low", "best", "high", "url", "retrieved_at",
                   "snapshot_sha256", "locator", "quote", "rule", "adapter_version"):
        assert column in rows[0]
    assert rows[0]["as_of"] == "2022-02-24" and rows[0]["best"] == "79982"
    as_json = json.loads(loaded("export", "--format", "json").stdout)
    assert len(as_json) == len(rows) and any(r["place"] == "Belarus" for r in as_json)


def test_ingest_a_saved_response_then_again_adds_nothing(cli, tmp_path):
    saved = tmp_path / "crossings.json"
    saved.write_bytes((REPO / "figures/data/offline/unhcr_timeseries_sv54_pg5457_2022-04-26.json").read_bytes())
    args = ["ingest", str(saved), "--adapter", "unhcr-odp", "--source", "unhcr-ukraine-crossings",
            "--url", "https://data.unhcr.org/population/get/timeseries?sv_id=54&population_group=5457"]
    first = cli(*args)
    assert first.exit_code == 0, first.output
    assert "61 new observations" in first.stderr
    again = cli(*args)
    assert "0 new observations, 61 already stored" in again.stderr
    answer = json.loads(cli("query", "refugees", "--area", "UKR", "--on", "2022-02-24", "--format", "json").stdout)
    assert answer["best"] == 79982
    assert answer["observations"][0]["url"].startswith("https://data.unhcr.org/")


def test_ingest_without_a_source_takes_params_area_and_publisher(cli, tmp_path):
    saved = tmp_path / "by-country.json"
    saved.write_bytes((REPO / "figures/data/offline/unhcr_sublocation_sv54_pg5459-5460_2022-04-26.json").read_bytes())
    result = cli("ingest", str(saved), "--adapter", "unhcr-odp", "--param", "endpoint=sublocation",
                 "--param", "sv_id=54", "--param", "population_group=5460", "--param", "scope=cumulative",
                 "--area", "UKR", "--publisher", "UNHCR")
    assert result.exit_code == 0, result.output
    assert "7 new observations" in result.stderr
    missing = cli("ingest", str(saved), "--adapter", "unhcr-odp")
    assert missing.exit_code == 2 and "--area" in missing.stderr
    bad = cli("ingest", str(saved), "--adapter", "unhcr-odp", "--param", "oops")
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.stderr


def test_ingest_an_html_error_page_fails_and_stores_nothing(cli, tmp_path):
    page = tmp_path / "page.json"
    page.write_text("<!DOCTYPE html><html><body>Service temporarily unavailable</body></html>", encoding="utf-8")
    result = cli("ingest", str(page), "--adapter", "unhcr-odp", "--source", "unhcr-ukraine-crossings")
    assert result.exit_code == 1
    assert "unhcr-ukraine-crossings" in result.stderr and "HTML" in result.stderr
    assert json.loads(cli("export", "--format", "json").stdout) == []


def test_ingest_with_the_wrong_adapter_for_the_source(cli, tmp_path):
    saved = tmp_path / "x.json"
    saved.write_text("{}", encoding="utf-8")
    result = cli("ingest", str(saved), "--adapter", "acled", "--source", "unhcr-ukraine-crossings")
    assert result.exit_code == 2 and "uses adapter 'unhcr-odp'" in result.stderr


def test_a_malformed_sources_file_is_named_with_source_and_key(cli, tmp_path):
    path = tmp_path / "sources.yaml"
    text = (REPO / "sources.yaml").read_text(encoding="utf-8")
    path.write_text(text.replace("    cadence: daily\n", "    cadense: daily\n", 1), encoding="utf-8")
    result = cli("sources", sources=path)
    assert result.exit_code == 2
    assert str(path) in result.stderr and "unhcr-ukraine-crossings" in result.stderr
    assert "cadense" in result.stderr


def test_store_is_chosen_by_db_option(cli, tmp_path):
    db = tmp_path / "elsewhere.sqlite"
    result = cli("--db", str(db), "update", "--offline")
    assert result.exit_code == 0
    assert db.exists()
    assert json.loads(cli("--db", str(db), "export", "--format", "json").stdout)
    assert json.loads(cli("export", "--format", "json").stdout) == []


def test_version(cli):
    result = cli("--version", sources=None)
    assert result.exit_code == 0 and result.stdout.startswith("figures ")


def test_chart_writes_png_alt_text_and_csv_for_the_last_week(loaded, tmp_path):
    out = tmp_path / "charts"
    result = loaded("chart", "--out", str(out))
    assert result.exit_code == 0, result.output
    written = [Path(line) for line in result.stdout.splitlines()]
    assert {p.suffix for p in written} >= {".png", ".txt", ".csv"}
    png = next(p for p in written if p.suffix == ".png")
    # the last complete week that draws at least 70% of the most charts any week draws
    assert png.parent.name == "2023-W38" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    drawn = {p.name.removesuffix(".png") for p in written if p.suffix == ".png" and "-compared" not in p.name}
    # a first user sees killed, injured, refugee and IDP charts, not IDPs alone (issue 13, point 5)
    assert {"civilians-killed-ukraine", "civilians-injured-ukraine", "refugees-sudan", "idps-sudan",
            "idps-ukraine"} <= drawn
    assert len(drawn) >= 5 and "5 of 7 charts drawn for 2023-W38" in result.stderr
    alt = " ".join(p.read_text(encoding="utf-8") for p in written if p.name.endswith(".alt.txt"))
    assert "UNHCR" in alt and "IOM" in alt
    for skipped in set(c for c in ("refugees-ukraine", "civilians-killed-ukraine", "civilians-injured-ukraine",
                                   "refugees-sudan")) - drawn:
        assert f"chart '{skipped}'" in result.stderr and "pick a week with data: --week" in result.stderr


def test_chart_for_a_named_week_and_a_week_without_data(loaded, tmp_path):
    result = loaded("chart", "--week", "2022-W10", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "2022-W10" / "refugees-ukraine.png").exists()
    empty = loaded("chart", "--week", "2021-W10", "--out", str(tmp_path))
    assert empty.exit_code == 1
    assert "skipped" in empty.stderr and "no chart written" in empty.stderr
    bad = loaded("chart", "--week", "2022-10", "--out", str(tmp_path))
    assert bad.exit_code == 2 and "YYYY-Www" in bad.stderr


def test_chart_on_an_empty_store_says_to_update_first(cli, tmp_path):
    result = cli("chart", "--out", str(tmp_path))
    assert result.exit_code == 1
    assert "figures update" in result.stderr


def test_ingest_reads_a_saved_csv_as_csv(cli, shared_fixtures):
    """A file's suffix tells an adapter that reads several formats what it holds (HAPI: JSON or CSV)."""
    path = shared_fixtures / "hdx_hapi" / "hdx_hapi_conflict_event_UKR_2025_sample.csv"
    result = cli("ingest", str(path), "--adapter", "hdx-hapi", "--source", "hdx-hapi-ukraine-conflict")
    assert result.exit_code == 0, result.output
    assert re.search(r"ok hdx-hapi-ukraine-conflict: [1-9]\d* new observations", result.stderr)


#: Each real recorded response in ../shared/fixtures that holds figures, the adapter that reads it and the
#: params its request had (what a user gives with --param when the file comes without a source).
SHARED_FILES = [
    ("acled/acled_read_csv_iso804_2022-02-24_to_26.csv", "acled", "UKR", []),
    ("hdx_hapi/hdx_hapi_conflict_event_UKR_2025_sample.csv", "hdx-hapi", "UKR",
     ["endpoint=coordination-context/conflict-event"]),
    ("ohchr/ocha_ukraine_key_figures_sheet_2022.csv", "ohchr", "UKR", []),
    ("ucdp/ged_api_result_records_ISR_sample.json", "ucdp-ged", "ISR", []),
    ("ucdp/ged_csv_hdx_conflict_data_BGD_sample.csv", "ucdp-ged", "BGD", []),
    ("unhcr_odp/timeseries_sv54_pg5457_day_2022-04.json", "unhcr-odp", "UKR",
     ["endpoint=timeseries", "scope=incident", "sv_id=54", "population_group=5457"]),
    ("unhcr_odp/timeseries_sv54_pg5478_day_2022-08.json", "unhcr-odp", "UKR",
     ["endpoint=timeseries", "scope=incident", "sv_id=54", "population_group=5478"]),
    ("unhcr_odp/sublocation_sv54_pg5459-5460_2022-04.json", "unhcr-odp", "UKR",
     ["endpoint=sublocation", "scope=cumulative", "sv_id=54", "population_group=5459,5460"]),
    ("unhcr_odp/sublocation_sv54_pg5459-5478_2022-08.json", "unhcr-odp", "UKR",
     ["endpoint=sublocation", "scope=cumulative", "sv_id=54", "population_group=5459,5478"]),
    ("unhcr_odp/origin_geo220_pc429_2024.json", "unhcr-odp", "SSD",
     ["endpoint=origin", "scope=cumulative", "geo_id=220", "population_collection=429"]),
    *[(f"unhcr_refugee_data_finder/population_coa-{c}_trimmed.json", "unhcr-rdf", "UKR", [])
      for c in ("GFR", "MDA", "POL", "UKR")],
]


@pytest.mark.parametrize(("name", "adapter", "area", "params"), SHARED_FILES, ids=[f[0] for f in SHARED_FILES])
def test_ingest_stores_every_real_recorded_response_with_its_provenance(cli, shared_fixtures, name, adapter, area,
                                                                       params):
    path = shared_fixtures / name
    args = [a for p in params for a in ("--param", p)]
    result = cli("ingest", str(path), "--adapter", adapter, "--area", area, "--publisher", "Recorded", *args)
    assert result.exit_code == 0, result.output
    added = int(re.search(rf"^ok file-{adapter}: (\d+) new observations", result.stderr, re.M).group(1))
    assert added > 0
    rows = json.loads(cli("export", "--format", "json", "--source", f"file-{adapter}").stdout)
    assert len(rows) == added
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    for row in rows:  # who, where, when retrieved, the exact words and the rule: the provenance
        assert (row["snapshot_sha256"], row["url"], row["adapter"]) == (sha, path.name, adapter)
        assert row["locator"] and row["quote"] and row["rule"] and row["retrieved_at"] and row["publisher"]


@pytest.mark.parametrize(("name", "adapter", "params", "says"), [
    ("hdx_hapi/hdx_hapi_conflict_event_UKR_2025_sample.csv", "hdx-hapi", ["typo=1"],
     "--param endpoint: missing; add --param endpoint=coordination-context/conflict-event|affected-people/refugees|"
     "affected-people/idps; --param typo: this adapter has no such param"),
    ("unhcr_odp/timeseries_sv54_pg5457_day_2022-04.json", "unhcr-odp", [],
     "--param endpoint: missing; add --param endpoint=timeseries|sublocation|origin; --param scope: missing"),
    ("unhcr_odp/timeseries_sv54_pg5457_day_2022-04.json", "unhcr-odp", ["endpoint=timeseries", "scope=incident"],
     "the timeseries endpoint needs sv_id and population_group (give each with --param KEY=VALUE)"),
    ("iom_dtm/hdx_package_ukraine-idp-estimates.json", "iom-dtm", [],
     "the API needs one of operation, country_name or admin0_pcode (give each with --param KEY=VALUE)"),
])
def test_ingest_without_the_params_a_file_needs_names_them(cli, shared_fixtures, name, adapter, params, says):
    args = [a for p in params for a in ("--param", p)]
    result = cli("ingest", str(shared_fixtures / name), "--adapter", adapter, "--area", "UKR", "--publisher", "P",
                 *args)
    assert result.exit_code == 2  # a usage error, as for any option given wrong
    message = " ".join(result.stderr.split())
    assert name.split("/")[1] in message and f"the {adapter} adapter cannot read it with these settings" in message
    assert says in message, message
    assert "--source ID of a configured source" in message and "pydantic" not in message
    assert "observations" not in message  # nothing was stored


# --- reconciliation: query, series, disputes, export -------------------------------------------

def test_query_shows_each_source_the_band_and_the_dispute(loaded):
    result = loaded("query", "killed", "--area", "UKR", "--group", "civilians", "--on", "2022-03-27")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "killed UKR (civilians) as of 2022-03-27: low 1,151" in out
    assert "high no upper bound" in out and "low set by OHCHR 2022-03-27" in out
    assert "OHCHR" in out and "ocha-ukraine-key-figures-killed" in out and "at-least-verified" in out
    data = json.loads(loaded("query", "killed", "--area", "UKR", "--group", "civilians", "--on", "2022-03-27",
                             "--format", "json").stdout)
    assert data["low"] == 1151 and data["high"] is None and data["n_sources"] == len(data["figures"])
    # OHCHR's figure, from its pages, from OCHA's sheet (read twice) and from ReliefWeb: one voice
    (ohchr,) = data["figures"]
    assert ohchr["source"] == "OHCHR" and ohchr["source_ids"] == [
        "ocha-ukraine-key-figures-killed", "ocha-ukraine-key-figures-ohchr", "ohchr-ukraine-updates",
        "reliefweb-ukraine"]


def test_series_prints_weekly_bands(loaded):
    result = loaded("series", "killed", "--area", "UKR", "--group", "civilians")
    assert result.exit_code == 0, result.output
    assert "2022-W12" in result.stdout and "1,151" in result.stdout
    rows = list(csv.DictReader(io.StringIO(loaded("series", "refugees", "--area", "UKR", "--format", "csv").stdout)))
    assert rows[0]["period"] == "2022-W08" and rows[0]["period_end"] == "2022-02-27"
    assert rows[-1]["period"] == "2022-W17" and rows[-1]["best"] == "5264767"
    assert [int(r["low"]) for r in rows] == sorted(int(r["low"]) for r in rows)
    daily = json.loads(loaded("series", "refugees", "--area", "UKR", "--freq", "D", "--start", "2022-02-24",
                              "--end", "2022-02-26", "--format", "json").stdout)
    offline = json.loads(next((REPO / "figures" / "data" / "offline").glob("unhcr_timeseries_sv54_pg5457_*.json"))
                         .read_text(encoding="utf-8"))["data"]["timeseries"]
    first_three = [r["individuals"] for r in offline[:3]]
    assert [d["best"] for d in daily] == [sum(first_three[:i + 1]) for i in range(3)]


def test_series_without_data_exits_1(loaded):
    result = loaded("series", "idps", "--area", "SYR")
    assert result.exit_code == 1
    assert "figures update" in result.stderr


def test_disputes_lists_both_quotes(loaded):
    # the occupation-appointed mayor's "about 5,000" (8 April 2022) against the city mayor's "more
    # than 10,000" (11 April): three days apart, beyond rounding and beyond what a toll can grow
    for name, day, who in (("mariupol-2022-04-08-ivashchenko.txt", "2022-04-08", "AFP"),
                           ("mariupol-2022-04-11-boychenko.txt", "2022-04-11", "AP")):
        result = loaded("ingest", str(REPO / "tests" / "fixtures" / "text" / name), "--adapter", "text",
                        "--published", day, "--url", f"https://example.org/{who}", "--publisher", who)
        assert result.exit_code == 0, result.output
    result = loaded("disputes", "killed", "--place", "Mariupol", "--on", "2022-04-12")
    assert result.exit_code == 0, result.output
    assert "vs" in result.stdout and "gap" in result.stdout and "https://example.org/" in result.stdout
    assert "Konstantin Ivashchenko (2022-04-08) 4,500 to 5,500 vs Mayor Vadym Boychenko (2022-04-11)" in result.stdout
    rows = list(csv.DictReader(io.StringIO(loaded("disputes", "killed", "--place", "Mariupol",
                                                  "--format", "csv").stdout)))
    assert rows and all(int(r["gap"]) > 0 and r["quote_a"] and r["quote_b"] for r in rows)


def test_disputes_respect_rounding_and_growth(loaded):
    # UNHCR's "6.5 million" IDPs (24 March 2022) holds IOM's 6,477,723 (16 March) within its rounding,
    # and IOM's 7.14 million a week later (1 April) is a rising stock, not a contradiction
    for on in ("2022-03-27", "2022-04-02", None):
        result = loaded("disputes", "idps", "--area", "UKR", *(("--on", on) if on else ()))
        assert result.exit_code == 0 and "No disputes" in result.stdout, (on, result.stdout)
    none = loaded("disputes", "refugees", "--area", "UKR")
    assert none.exit_code == 0 and "No disputes" in none.stdout


def test_export_with_an_hxl_row_and_filters(loaded, tmp_path):
    out = tmp_path / "killed.csv"
    result = loaded("export", "--metric", "killed", "--area", "UKR", "--hxl", "--out", str(out))
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    header, tags = next(csv.reader([lines[0]])), next(csv.reader([lines[1]]))
    assert len(header) == len(tags)
    tagged = dict(zip(header, tags, strict=True))
    assert tagged["low"] == "#affected+killed+min" and tagged["best"] == "#affected+killed"
    assert tagged["high"] == "#affected+killed+max" and tagged["area"] == "#country+code"
    assert all(t.startswith("#") for t in tags)
    body = list(csv.DictReader(io.StringIO("\n".join([lines[0], *lines[2:]]))))
    assert body and {r["metric"] for r in body} == {"killed"} and {r["area"] for r in body} == {"UKR"}


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet", "hxl"])
def test_export_streams_in_chunks_and_writes_the_same(loaded, tmp_path, monkeypatch, fmt):
    """An export reads and writes a chunk of rows at a time; the file is the same as in one piece."""
    if fmt == "parquet":
        pytest.importorskip("pyarrow", reason="parquet needs the parquet extra (pyarrow)")
    args = ["--format", "csv", "--hxl"] if fmt == "hxl" else ["--format", fmt]
    query_module = sys.modules["figures.query"]
    whole, chunked = tmp_path / f"whole.{fmt}", tmp_path / f"chunked.{fmt}"
    assert loaded("export", *args, "--out", str(whole)).exit_code == 0
    monkeypatch.setattr(query_module, "EXPORT_CHUNK", 7)
    seen = []
    real = query_module.observation_chunks

    def counting(*a, **k):
        for frame in real(*a, **k):
            seen.append(len(frame))
            yield frame
    monkeypatch.setattr(query_module, "observation_chunks", counting)
    assert loaded("export", *args, "--out", str(chunked)).exit_code == 0
    assert max(seen) == 7 and len(seen) > 10
    if fmt == "parquet":
        import pandas as pd

        pd.testing.assert_frame_equal(pd.read_parquet(chunked), pd.read_parquet(whole))
        assert len(pd.read_parquet(whole)) == sum(seen)
    else:
        assert chunked.read_bytes() == whole.read_bytes()
    if fmt == "json":
        assert len(json.loads(whole.read_text(encoding="utf-8"))) == sum(seen)


def test_export_parquet_needs_pyarrow_or_writes_the_file(loaded, tmp_path):
    out = tmp_path / "all.parquet"
    result = loaded("export", "--format", "parquet", "--out", str(out))
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        assert result.exit_code == 2 and "figures-tally[parquet]" in result.output
        return
    assert result.exit_code == 0
    import pandas as pd

    assert len(pd.read_parquet(out)) > 100
