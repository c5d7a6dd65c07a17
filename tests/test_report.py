"""The weekly report: index.html beside the charts, self-contained, checked in a real browser.

The browser test runs Debian's Chromium headless (installed by .ci/run) on a copy of the page
with a small script added, and reads back from the dumped DOM whether every image decoded. It is
skipped, saying why, where /usr/bin/chromium is absent. Chromium runs with no network features
and a fresh profile; the page is opened from disk (file://), as a reader would.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from figures.cli import app
from figures.config import SourcesFile, load_sources
from figures.http import build_client
from figures.offline import replay_transport
from figures.pipeline import update
from figures.report import render, write_report
from figures.store import Store

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--virtual-time-budget=10000"]


@pytest.fixture(scope="module")
def cfg() -> SourcesFile:
    return load_sources(REPO / "sources.yaml")


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory, cfg: SourcesFile) -> Store:
    built = Store(f"sqlite:///{tmp_path_factory.mktemp('offline') / 'figures.sqlite'}")
    update(built, build_client(transport=replay_transport()), cfg, [s.id for s in cfg.sources], offline=True)
    return built


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory, full: Store, cfg: SourcesFile) -> Path:
    out = tmp_path_factory.mktemp("report")
    written = write_report(full, cfg, week="2022-W13", through=None, out_dir=out)
    assert written is not None
    return written[0]


class Page(HTMLParser):
    """The tags and attributes of a page, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_the_page_holds_every_chart_its_alt_text_and_csv(report: Path) -> None:
    page = parse(report)
    images = [a for tag, a in page.tags if tag == "img"]
    assert [a["src"] for a in images] == [f"{c}{k}.png" for c in ("refugees-ukraine", "idps-ukraine",
                                                                   "civilians-killed-ukraine",
                                                                   "civilians-injured-ukraine")
                                          for k in ("", "-compared")]
    for image in images:
        src = report.parent / str(image["src"])
        assert src.is_file()
        alt = (report.parent / f"{src.stem}.alt.txt").read_text(encoding="utf-8").strip()
        assert image["alt"] == alt  # the alt text on the page is the one beside the PNG
    links = [str(a["href"]) for tag, a in page.tags if tag == "a"]
    for name in ("refugees-ukraine.csv", "civilians-killed-ukraine-compared.csv"):
        assert name in links and (report.parent / name).is_file()


def test_the_page_needs_nothing_from_outside(report: Path) -> None:
    page = parse(report)
    assert not [t for t, _ in page.tags if t in ("script", "link", "iframe", "object", "embed")]
    for tag, attrs in page.tags:
        if tag == "img":
            assert not re.match(r"^(/|[a-z]+:)", str(attrs["src"]))  # relative, on disk beside the page
        if tag == "a":  # links to the chart files are relative; only the disputes' sources point out
            href = str(attrs["href"])
            assert not href.startswith("/") and (href.startswith(("#", "https://")) or (report.parent / href).is_file())
    assert "url(" not in report.read_text(encoding="utf-8")


def test_the_page_lists_latest_figures_disputes_and_what_was_skipped(report: Path) -> None:
    text = " ".join(" ".join(parse(report).text).split())
    assert "Figures for week 2022-W13" in text and "28 March 2022 to 3 April 2022" in text
    assert "Civilians killed in Ukraine at least 1,276 31 Mar 2022 (OHCHR) 1" in text
    assert "OHCHR at least 1,276 (31 Mar 2022) OHCHR, also via OCHA and ReliefWeb (OCHA)" in text
    # UNHCR's 6.5 million (24 March) and IOM's 7.14 million (1 April) a week apart on a rising stock
    # are not a dispute (issue 13, observation 4)
    assert "People displaced within Ukraine 7.14 million 1 Apr 2022 (IOM) 2" in text
    assert '<span class="disputed">' not in report.read_text(encoding="utf-8") and "gap of" not in text
    assert "No two counting figures contradict each other at the end of the week." in text
    assert "chart 'killed-sudan': no killed figure for SDN counts in 2022-W13; the next is as of 18 Apr 2023" in text


def test_each_chart_title_is_said_once(report: Path) -> None:
    """The PNG carries its title; the page does not repeat it as a heading above it (issue 13,
    observation 5). The latest-figures table still links to each chart."""
    page = report.read_text(encoding="utf-8")
    for title in ("Refugees from Ukraine", "People displaced within Ukraine", "Civilians killed in Ukraine",
                  "Civilians injured in Ukraine"):
        assert f">{title}</h2>" not in page and f">{title}</h3>" not in page, title
        assert page.count(f">{title}</a>") == 1, title  # the table's link
    assert 'id="civilians-killed-ukraine"' in page and 'href="#civilians-killed-ukraine"' in page


def test_render_lists_failed_sources(report: Path, full: Store, cfg: SourcesFile, tmp_path: Path) -> None:
    written = write_report(full, cfg, week="2022-W13", through=None, out_dir=tmp_path,
                           failed=["acled-ukraine: GET https://acleddata.com returned 503 <b>"])
    assert written is not None
    page = written[0].read_text(encoding="utf-8")
    assert "Sources that failed to update" in page and "returned 503 &lt;b&gt;" in page  # escaped
    assert render(written[1]).count("<figure") == 8


def test_report_command_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FIGURES_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    sources = ["--sources", str(REPO / "sources.yaml")]
    empty = runner.invoke(app, [*sources, "report", "--offline", "--out", str(tmp_path / "r")])
    assert empty.exit_code == 1 and "run 'figures update' first" in empty.stderr
    assert runner.invoke(app, [*sources, "update", "--offline"]).exit_code == 0
    result = runner.invoke(app, [*sources, "report", "--offline", "--week", "2022-W13", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    index = tmp_path / "r" / "2022-W13" / "index.html"
    assert result.stdout.splitlines()[-1] == str(index) and index.is_file()
    assert "4 of 7 charts drawn for 2022-W13" in result.stderr


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent: apt-get install chromium "
                                                  "(.ci/run does) to check the report in a real browser")
def test_every_image_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    probe = report.parent / "probe.html"  # the page as written, plus a script that reports on its images
    script = ("<script>window.addEventListener('load', () => { const seen = [...document.images].map("
              "i => [i.getAttribute('src'), i.complete, i.naturalWidth, i.naturalHeight]); "
              "const out = document.createElement('pre'); out.id = 'probe'; "
              "out.textContent = JSON.stringify(seen); document.body.appendChild(out); });</script>")
    probe.write_text(report.read_text(encoding="utf-8").replace("</body>", script + "</body>"), encoding="utf-8")
    try:
        done = subprocess.run([str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                               probe.as_uri()], capture_output=True, text=True, timeout=120, check=False)
    finally:
        probe.unlink()
        shutil.rmtree(tmp_path / "profile", ignore_errors=True)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, f"chromium exited {done.returncode} without the probe: {done.stderr[-2000:]}"
    seen = json.loads(found.group(1).replace("&quot;", '"'))
    assert len(seen) == 8
    for src, complete, width, height in seen:
        assert complete and (width, height) == (1200, 675), src


def test_report_command_updates_first_and_lists_what_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import figures.pipeline
    from figures.pipeline import Outcome

    monkeypatch.setenv("FIGURES_HOME", str(tmp_path / "home"))
    runner = CliRunner()
    sources = ["--sources", str(REPO / "sources.yaml")]
    assert runner.invoke(app, [*sources, "update", "--offline"]).exit_code == 0
    asked: list[list[str]] = []

    def update(store, client, config, ids, **kwargs):  # the network update, as it goes with one source down
        asked.append(ids)
        return [Outcome(i, status="failed", error="GET https://example.org returned 503") if i == "acled-ukraine"
                else Outcome(i) for i in ids]

    monkeypatch.setattr(figures.pipeline, "update", update)
    result = runner.invoke(app, [*sources, "report", "--week", "2022-W13", "--out", str(tmp_path / "r")])
    assert result.exit_code == 1 and "1 source failed to update; the report lists it" in result.stderr
    assert asked and "acled-ukraine" in asked[0]
    page = (tmp_path / "r" / "2022-W13" / "index.html").read_text(encoding="utf-8")
    assert "acled-ukraine: GET https://example.org returned 503" in page
