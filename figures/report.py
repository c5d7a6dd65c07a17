"""The weekly report: one `index.html` beside the week's charts, readable offline from disk.

It holds every chart with its alt text and links to its CSV, a table of the latest figures with
their sources, the disputes with both quotes and links, and what was skipped and why. Relative
paths only, inline CSS, no script and nothing fetched: it opens from a file:// url.
"""

from __future__ import annotations

from datetime import date
from html import escape
from pathlib import Path

from .charts.data import parse_week
from .charts.files import Drawn, Weekly, draw_week
from .charts.words import day, long_day, records, row_span, set_on, short_span, source_line, span, who
from .config import SourcesFile
from .store import Store

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;max-width:1240px;margin:2rem auto;
padding:0 1rem;color:#1f1f1f;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.4rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
.lede{color:#4d4d4d;margin-top:0}figure{margin:1.2rem 0 2rem}img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#333;font-size:.95rem;margin-top:.4rem}figcaption a{margin-right:.8rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}th,td{text-align:left;padding:.35rem .5rem;
border-bottom:1px solid #e4e4e4;vertical-align:top}th{background:#f6f6f6}td.n{white-space:nowrap}
blockquote{margin:.3rem 0 .6rem 1rem;color:#444;font-size:.92rem}.skipped li,.failed li{color:#6b4e00}
.disputed{color:#b2182b;font-weight:600}
"""


def _figure(drawn: Drawn, kind: str) -> str:
    png, _, csv = drawn.files[kind]
    return (f'<figure id="{escape(png.stem)}"><img src="{escape(png.name)}" alt="{escape(drawn.alt[kind])}" '
            f'width="1200" height="675"><figcaption>{escape(drawn.alt[kind])}<br>'
            f'<a href="{escape(csv.name)}">plotted data (CSV)</a><a href="{escape(png.name)}">PNG</a>'
            f'<a href="{escape(png.stem)}.alt.txt">alt text</a></figcaption></figure>')


def _latest_row(drawn: Drawn) -> str:
    d = drawn.data
    now = d.current
    assert now is not None
    per = "; ".join(f"{r['voice']} {short_span(r)} ({day(r['as_of'])})" + ("" if r["counting"] else ", old")
                    for r in records(d.latest))
    flag = ' <span class="disputed">disputed</span>' if now["disputed"] else ""
    return (f'<tr><td><a href="#{escape(d.chart.id)}">{escape(d.chart.title)}</a></td>'
            f'<td class="n">{escape(row_span(now))}{flag}</td><td>{escape(day(set_on(now)))} ({escape(who(now))})'
            f'</td><td>{int(now["n_sources"])}</td><td>{escape(per)}</td>'
            f'<td>{escape(source_line(d))}</td></tr>')


def _disputes(drawn: Drawn) -> str:
    d = drawn.data
    if d.disputes.empty:
        return ""
    items = []
    for p in records(d.disputes):
        sides = []
        for side in ("a", "b"):
            voice, quote, url = p[f"source_{side}"], p[f"said_{side}"] or p[f"quote_{side}"], p[f"url_{side}"]
            said = span(p[f"low_{side}"], p[f"best_{side}"], p[f"high_{side}"])
            link = f' <a href="{escape(url)}">source</a>' if url.startswith(("http://", "https://")) else ""
            sides.append(f"<b>{escape(voice)}</b>: {escape(said)} as of {escape(long_day(p[f'as_of_{side}']))}"
                         f"{link}<blockquote>{escape(quote[:400])}</blockquote>")
        items.append(f"<li>{''.join(sides)}<i>gap of {int(p['gap']):,}</i></li>")
    return f"<h3>{escape(d.chart.title)}</h3><ul>{''.join(items)}</ul>"


def render(weekly: Weekly, failed: list[str] | None = None) -> str:
    """The report's HTML for a week drawn by `draw_week`."""
    monday, sunday = parse_week(weekly.week)
    through = "" if weekly.through == sunday else f", figures through {long_day(weekly.through)}"
    parts = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
             f'content="width=device-width, initial-scale=1"><title>Figures, week {weekly.week}</title>'
             f"<style>{CSS}</style></head><body>",
             f"<h1>Figures for week {weekly.week}</h1><p class=\"lede\">{long_day(monday)} to {long_day(sunday)}"
             f"{through}. Each figure is a range agreed by the sources that count that week; every chart names "
             "its sources.</p>"]
    if weekly.drawn:
        parts.append("<h2>Latest figures</h2><table><thead><tr><th>quantity</th><th>consensus</th><th>as of</th>"
                     "<th>sources counting</th><th>each source's latest figure</th><th>sources</th></tr></thead>"
                     f"<tbody>{''.join(_latest_row(d) for d in weekly.drawn)}</tbody></table>")
    disputed = "".join(_disputes(d) for d in weekly.drawn)
    parts.append("<h2>Disputes</h2>" + (disputed or "<p>No two counting figures contradict each other at the end "
                                               "of the week.</p>"))
    if weekly.drawn:  # each chart carries its own title: it is not repeated above it
        parts.append("<h2>Charts</h2>")
    for drawn in weekly.drawn:
        parts.append(f'<section class="chart">{_figure(drawn, "series")}{_figure(drawn, "compared")}</section>')
    if weekly.skipped:
        parts.append('<h2>Not drawn this week</h2><ul class="skipped">'
                     + "".join(f"<li>{escape(m)}</li>" for m in weekly.skipped) + "</ul>")
    if failed:
        parts.append('<h2>Sources that failed to update</h2><ul class="failed">'
                     + "".join(f"<li>{escape(m)}</li>" for m in failed) + "</ul>")
    parts.append(f"<p class=\"lede\">Made by figures. Week {weekly.week}.</p></body></html>\n")
    return "\n".join(parts)


def write_report(store: Store, sources: SourcesFile, *, week: str | None, through: date | None, out_dir: Path,
                 today: date | None = None, failed: list[str] | None = None) -> tuple[Path, Weekly] | None:
    """Draw the week's charts and write `out_dir/<week>/index.html`; None when no chart has any data.
    `write_report(store, cfg, week="2022-W13", through=None, out_dir=Path("report"))`"""
    weekly = draw_week(store, sources, week=week, through=through, out_dir=out_dir, today=today)
    if weekly is None:
        return None
    folder = out_dir / weekly.week
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / "index.html"
    index.write_text(render(weekly, failed), encoding="utf-8")
    return index, weekly


__all__ = ["render", "write_report"]
