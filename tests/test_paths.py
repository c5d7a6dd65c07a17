"""Paths built from ids, weeks and titles stay inside the output folder.

What writes files named from data: `figures chart` and `figures report` write
`<out>/<YYYY-Www>/<chart id>[-compared].{png,alt.txt,csv}` and `<out>/<YYYY-Www>/index.html`. The week is
re-derived from a parsed ISO week (`week_label`), chart and source ids must match
`^[a-z0-9][a-z0-9._-]*$` (no slash, no leading dot), and titles never reach a path.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from figures.charts import draw_week
from figures.cli import app
from figures.config import SourcesFile, load_sources
from figures.errors import ConfigError
from figures.report import write_report
from figures.store import Store

HOSTILE_IDS = ["../../x", "..", ".", "a/b", "a\\b", "/etc/passwd", ".hidden", "x\n", "", "C:x", "a\x00b",
               "%2e%2e%2fx", "~root", "A", "x y"]
HOSTILE_WEEKS = ["../../x", "2022-W12/../../x", "2022-W12/x", "/abs/2022-W12", "2022-W12\n/x", "..\\2022-W12"]


def _source(source_id: str) -> dict[str, object]:
    return {"id": source_id, "adapter": "unhcr-odp", "publisher": "UNHCR", "title": "t", "licence": "l",
            "url": "https://example.org/", "area": "UKR", "cadence": "daily",
            "params": {"endpoint": "timeseries", "sv_id": 54, "population_group": "5457", "widget_id": 1}}


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_a_source_id_that_could_name_a_path_is_refused(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(json.dumps({"sources": [_source(bad)]}), encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'id'"):
        load_sources(path)


@pytest.mark.parametrize("bad", HOSTILE_IDS)
def test_a_chart_id_that_could_name_a_path_is_refused(tmp_path: Path, bad: str) -> None:
    path = tmp_path / "sources.yaml"
    chart = {"id": bad, "metric": "refugees", "area": "UKR", "title": "t"}
    path.write_text(json.dumps({"sources": [_source("ok")], "charts": [chart]}), encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'id'"):
        load_sources(path)


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("command", ["chart", "report"])
@pytest.mark.parametrize("week", HOSTILE_WEEKS)
def test_a_week_that_could_name_a_path_is_refused_and_nothing_is_written(
        tmp_path: Path, command: str, week: str) -> None:
    out = tmp_path / "deep" / "out"
    before = _files(tmp_path)
    extra = ["--offline"] if command == "report" else []
    result = CliRunner().invoke(app, [command, "--week", week, "--out", str(out), *extra])
    assert result.exit_code == 2, result.output
    assert "give an ISO week as YYYY-Www" in result.stderr
    assert _files(tmp_path) - before <= {p for p in _files(tmp_path) if p.suffix.startswith(".sqlite")}
    assert not out.exists()


def test_charts_and_report_write_only_inside_the_out_folder(tmp_path: Path, offline_store: Store,
                                                            sources_file: SourcesFile) -> None:
    """Titles with slashes, dots and markup, ids at the edge of the pattern: every file lands in out/<week>/."""
    charts = [{"id": "a..b", "metric": "refugees", "area": "UKR", "title": "../../escaped <script>x</script>"},
              {"id": "x.-_", "metric": "refugees", "area": "UKR", "title": "/etc/passwd"}]
    config = SourcesFile.model_validate({"sources": [s.model_dump() for s in sources_file.sources],
                                         "charts": charts})
    out = tmp_path / "deep" / "out"
    before = _files(tmp_path)
    weekly = draw_week(offline_store, config, week="2022-W12", through=None, out_dir=out)
    written = write_report(offline_store, config, week="2022-W12", through=None, out_dir=out)
    assert weekly is not None and written is not None and len(weekly.drawn) == 2
    new = {p for p in _files(tmp_path) - before if ".sqlite" not in p.name}
    assert new, "nothing was written"
    week = (out / "2022-W12").resolve()
    assert all(p.resolve().parent == week for p in new), sorted(map(str, new))
    assert {p.name for p in new} >= {"a..b.png", "x.-_.png", "a..b-compared.csv", "index.html"}
    html = written[0].read_text(encoding="utf-8")
    assert "<script>x</script>" not in html
