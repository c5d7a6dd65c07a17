"""The text adapter: news and report text (plain or HTML) into observations with provenance."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from goldens import golden_path, match_golden
from typer.testing import CliRunner

from figures.cli import app
from figures.config import SourceConfig
from figures.models import Snapshot
from figures.sources import text as text_adapter

FIXTURES = Path(__file__).parent / "fixtures" / "text"
REPO = Path(__file__).resolve().parents[1]
OHCHR = FIXTURES / "ohchr-ukraine-2022-03-25.html"
SOURCE = SourceConfig(
    id="ohchr-summary", adapter="text", publisher="OHCHR", title="Civilian casualties as of 24 March 2022",
    licence="as published", url="https://reliefweb.int/report/ukraine/", area="UKR", cadence="irregular",
    params={"published": "2022-03-25"},
)


def snapshot(path: Path, content_type: str = "text/html; charset=utf-8") -> Snapshot:
    return Snapshot(source_id=SOURCE.id, url=f"https://example.org/{path.name}",
                    retrieved_at=datetime(2022, 3, 25, 12, tzinfo=UTC), content=path.read_bytes(),
                    content_type=content_type)


def parse(snap: Snapshot):
    return text_adapter.parse(snap, SOURCE, text_adapter.Params.model_validate(SOURCE.params))


@pytest.mark.parametrize("path", sorted(p for p in FIXTURES.glob("*") if p.suffix != ".md"), ids=lambda p: p.stem)
def test_fixture_matches_its_golden_file(path: Path) -> None:
    # each fixture is named after its publication date: ohchr-ukraine-2022-03-25.html
    published = re.search(r"\d{4}-\d{2}-\d{2}", path.name).group(0)
    source = SOURCE.model_copy(update={"params": {"published": published}})
    parsed = text_adapter.parse(snapshot(path), source, text_adapter.Params.model_validate(source.params))
    match_golden(parsed.observations, golden_path("text", path.name))


def test_ohchr_summary_claims() -> None:
    found = parse(snapshot(OHCHR)).observations
    got = [(o.metric, o.group, o.estimate.low, o.estimate.best, o.estimate.high, o.rule, o.as_of) for o in found]
    assert ("casualties", "civilians", 2788, 2788, 2788, "exact", date(2022, 3, 24)) in got
    assert ("killed", "civilians", 1081, 1081, 1081, "exact", date(2022, 3, 24)) in got
    assert ("injured", "civilians", 1707, 1707, 1707, "exact", date(2022, 3, 24)) in got
    assert ("killed", "children", 93, 93, 93, "exact", date(2022, 3, 25)) in got
    # the headline states the body's figure: one statement, as of the body's date
    assert ("killed", "civilians", 1081, None, None, "at-least", date(2022, 3, 24)) in got
    assert not any(o.estimate.best == 2014 for o in found)  # "since 2014" is a year


def test_spans_point_into_the_original_html() -> None:
    raw = OHCHR.read_text(encoding="utf-8")
    for o in parse(snapshot(OHCHR)).observations:
        start, end = (int(x) for x in o.provenance.locator.removeprefix("chars ").split("-"))
        assert raw[start:end] == o.estimate.text
        assert o.provenance.snapshot_sha256 == snapshot(OHCHR).sha256
        assert o.provenance.publisher == "OHCHR" and o.provenance.adapter == "text"
        assert "<" not in o.provenance.quote and "&rsquo;" not in o.provenance.quote


def test_entities_are_decoded_in_quotes() -> None:
    quotes = [o.provenance.quote for o in parse(snapshot(OHCHR)).observations]
    assert any("Federation’s armed attack" in q for q in quotes)


def test_a_text_in_another_charset_is_read_by_its_content_type(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes("Les réfugiés: more than 2 million refugees have fled Ukraine.".encode("latin-1"))
    found = parse(snapshot(path, "text/plain; charset=latin-1")).observations
    assert [(o.metric, o.estimate.low) for o in found] == [("refugees", 2_000_001)]


def test_undecodable_and_empty_texts_are_parse_errors(tmp_path: Path) -> None:
    from figures.errors import ParseError

    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00 broken")
    with pytest.raises(ParseError, match="save it as UTF-8"):
        parse(snapshot(bad, "text/plain"))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"   \n")
    with pytest.raises(ParseError, match="empty"):
        parse(snapshot(empty, "text/plain"))


def test_a_text_without_figures_is_a_problem_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "none.txt"
    path.write_text("Talks will resume on Wednesday in Belarus.", encoding="utf-8")
    parsed = parse(snapshot(path, "text/plain"))
    assert parsed.observations == [] and "no figure" in parsed.problems[0]


def test_cli_extract_prints_the_three_seed_claims(shared_fixtures: Path) -> None:
    seed = shared_fixtures.parent / "seed" / "news-2022-03-02-talks.txt"
    if not seed.exists():
        pytest.skip("../shared/seed is absent: the seed report lives beside the checkout")
    result = CliRunner().invoke(app, ["extract", str(seed), "--published", "2022-03-02", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    got = [(r["metric"], r["group"], r["low"], r["best"], r["high"], r["rule"], r["modality"], r["scope"])
           for r in rows]
    assert got == [
        ("killed", "all", 100, None, 999, "vague:hundreds", "reported", "cumulative"),
        ("casualties", "all", 1000, None, 9999, "vague:thousands", "reported", "cumulative"),
        ("refugees", "all", 500001, None, None, "more-than", "reported", "cumulative"),
    ]
    table = CliRunner().invoke(app, ["extract", str(seed), "--published", "2022-03-02"])
    assert "3 claims" in table.stdout


def test_cli_extract_reads_standard_input() -> None:
    result = CliRunner().invoke(app, ["extract", "-", "--published", "2022-03-02", "--format", "json"],
                                input="Nearly 20,000 people have been killed in Mariupol, the mayor said.")
    [row] = json.loads(result.stdout)
    assert (row["metric"], row["low"], row["high"], row["rule"]) == ("killed", 18000, 19999, "nearly")
    assert row["place"] == "Mariupol" and row["attributed_to"] == "mayor"


def test_cli_ingest_text_then_query(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["--sources", str(REPO / "sources.yaml")]
    result = runner.invoke(app, [*args, "ingest", str(OHCHR), "--adapter", "text", "--published", "2022-03-25",
                                 "--url", "https://reliefweb.int/report/ukraine/x", "--publisher", "OHCHR"])
    assert result.exit_code == 0, result.output
    assert "5 new observations" in result.stderr
    again = runner.invoke(app, [*args, "ingest", str(OHCHR), "--adapter", "text", "--published", "2022-03-25",
                                "--url", "https://reliefweb.int/report/ukraine/x", "--publisher", "OHCHR"])
    assert "0 new observations" in again.stderr
    answer = json.loads(runner.invoke(app, [*args, "query", "injured", "--area", "UKR", "--group", "civilians",
                                            "--on", "2022-03-25", "--format", "json"]).stdout)
    assert answer["best"] == 1707
    assert answer["observations"][0]["url"] == "https://reliefweb.int/report/ukraine/x"
    assert answer["observations"][0]["locator"].startswith("chars ")
