"""The command line: `figures sources|update|ingest|extract|query|series|disputes|export|chart|report|db`.

Data goes to stdout (table, CSV or JSON); progress, logs and errors go to stderr.
"""

from __future__ import annotations

import csv
import io
import logging
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .config import Settings, SourceConfig, SourcesFile, load_sources, resolve_sources_path
from .errors import FiguresError
from .http import build_client
from .secrets import RedactingFilter, Secrets, needs_message
from .store import Store, to_json

app = typer.Typer(
    name="figures",
    help="Casualty and refugee figures as honest ranges, with provenance.\n\n"
         "Example: figures update --offline && figures chart --out charts",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, soft_wrap=True)


class State:
    """Options shared by every command (set by the top-level callback)."""

    db: str | None = None
    sources: Path | None = None


state = State()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"figures {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    db: Annotated[str | None, typer.Option("--db", help="Store URL or SQLite path (default: $FIGURES_DB, else the user data directory).")] = None,
    sources: Annotated[Path | None, typer.Option("--sources", help="sources.yaml to use (default: $FIGURES_SOURCES, ./sources.yaml, packaged copy).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more to stderr.")] = False,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """Casualty and refugee figures as honest ranges, with provenance."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:  # no log line may carry a token
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter(Secrets()))
    state.db = db
    state.sources = sources


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False, markup=True, soft_wrap=True)
    return typer.Exit(2)


def _config() -> SourcesFile:
    try:
        return load_sources(state.sources)
    except FiguresError as exc:
        raise _fail(exc) from None


def _store() -> Store:
    try:
        return Store(Settings().db_url(state.db))
    except FiguresError as exc:
        raise _fail(exc) from None


def _emit_rows(rows: list[dict[str, Any]], fmt: str, out: io.TextIOBase | Any = None) -> None:
    stream = out or sys.stdout
    if fmt == "json":
        stream.write(to_json(rows) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(stream, fieldnames=list(rows[0].keys()) if rows else [], lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else v.isoformat() if isinstance(v, date) else v)
                             for k, v in row.items()})
    else:
        raise typer.BadParameter(f"unknown format {fmt!r}; use table, csv or json")


#: How many skipped records `_report` lists one by one (a renamed field skips every record).
SHOWN_PROBLEMS = 5


def _unread(o: Any) -> bool:
    """A source that answered but of which not one record could be read: a failure, not a partial
    (the pipeline marks it failed; an outcome built elsewhere may still say partial)."""
    return o.status == "partial" and not o.added and not o.known


def _summary(outcomes: list[Any]) -> list[str]:
    """The ids that failed (or served nothing readable), after one line on stderr saying what each run did."""
    by: dict[str, list[str]] = {"fetched": [], "partial": [], "skipped": [], "failed": []}
    for o in outcomes:
        kind = "failed" if o.status == "failed" or _unread(o) else \
            {"ok": "fetched", "partial": "partial", "skipped": "skipped"}[o.status]
        by[kind].append(o.source_id)
    parts = [f"{len(ids)} {kind}" + (f" ({', '.join(ids)})" if ids and kind != "fetched" else "")
             for kind, ids in by.items() if ids or kind in ("fetched", "failed")]
    err.print(f"{len(outcomes)} sources: {'; '.join(parts)}", highlight=False)
    return by["failed"]


def _report(o: Any) -> None:
    """One source's outcome on stderr: status, counts, skipped records, the error."""
    mark = {"ok": "[green]ok[/green]", "partial": "[yellow]partial[/yellow]", "failed": "[red]failed[/red]",
            "skipped": "[yellow]skipped[/yellow]"}[o.status]
    err.print(f"{mark} {o.source_id}: {o.added} new observations, {o.known} already stored, "
              f"{o.snapshots} new snapshots", highlight=False)
    for problem in o.problems[:SHOWN_PROBLEMS]:
        err.print(f"  [yellow]skipped:[/yellow] {escape(problem)}", highlight=False)
    if len(o.problems) > SHOWN_PROBLEMS:
        err.print(f"  [yellow]skipped:[/yellow] {len(o.problems) - SHOWN_PROBLEMS} more records like these",
                  highlight=False)
    if o.error:
        label = "[yellow]why:[/yellow]" if o.status == "skipped" else "[red]error:[/red]"
        err.print(f"  {label} {escape(o.error)}", highlight=False)


@app.command("sources")
def sources_command(
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """List the configured sources with adapter, publisher, licence and last update.

    Example: figures sources --format json
    """
    from .sources import ADAPTERS, get_adapter, plugin_errors
    from .sources.base import needs

    config = _config()
    runs = _store().last_runs()
    secrets = Secrets()
    rows = []
    for s in config.sources:
        run = runs.get(s.id)
        missing = secrets.missing(needs(get_adapter(s.adapter)))
        rows.append({"id": s.id, "adapter": s.adapter, "publisher": s.publisher, "licence": s.licence,
                     "area": s.area, "cadence": s.cadence,
                     "last_update": run["finished_at"].isoformat(timespec="seconds") if run else None,
                     "last_status": run["status"] if run else None,
                     "needs": needs_message(missing) if missing else None})
    if fmt == "table":
        table = Table(title=f"Sources in {config.path}")
        columns = ("id", "adapter", "publisher", "licence", "last_update", "last_status", "needs")
        for column in columns:
            table.add_column(column, overflow="fold")
        for r in rows:
            table.add_row(*(str(r[c] or "never" if c == "last_update" else r[c] or "") for c in columns))
        Console(width=200).print(table)
        err.print(f"adapters: {', '.join(sorted(ADAPTERS))}", highlight=False)
    else:
        _emit_rows(rows, fmt)
    for problem in plugin_errors():
        err.print(f"[yellow]plugin not loaded:[/yellow] {escape(problem)}", highlight=False)


@app.command("update")
def update_command(
    source_ids: Annotated[list[str] | None, typer.Argument(help="Source ids to update (default: all).")] = None,
    offline: Annotated[bool, typer.Option("--offline", help="Replay the snapshots shipped with the package instead of the network.")] = False,
    reparse: Annotated[bool, typer.Option("--reparse", help="Re-derive every observation from the stored snapshots with the current parsers; no network.")] = False,
) -> None:
    """Fetch, archive, parse and store every source (or the ones named).

    A failing source is reported and the others go on; the last line says what was fetched, skipped
    and failed. The exit code is 1 if any failed or served not one readable record. Each source is
    stored whole or not at all; a second run waits for the first (FIGURES_LOCK_TIMEOUT).

    Example: figures update --offline
    """
    from .offline import replay_transport
    from .pipeline import reparse as reparse_all
    from .pipeline import update

    config = _config()
    store = _store()
    settings = Settings()
    if reparse:
        try:
            outcomes = reparse_all(store, config, source_ids or [], lock_timeout=settings.lock_timeout)
        except FiguresError as exc:
            raise _fail(exc) from None
        for o in outcomes:
            _report(o)
        if any(o.status == "failed" for o in outcomes):
            raise typer.Exit(1)
        return
    if offline:
        client = build_client(transport=replay_transport(), **settings.client_options())
    else:
        client = build_client(cache_dir=settings.http_cache_dir(), **settings.client_options())
    try:
        ids = source_ids or []
        chosen = [config.get(i) for i in ids] if ids else config.sources
    except FiguresError as exc:
        raise _fail(exc) from None
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, transient=True) as progress:
        task = progress.add_task("updating", total=len(chosen))

        def done(outcome: Any) -> None:
            progress.advance(task)
            progress.update(task, description=f"updated {outcome.source_id}")

        outcomes = update(store, client, config, [s.id for s in chosen], on_done=done, offline=offline,
                          lock_timeout=settings.lock_timeout)
    client.close()
    for o in outcomes:
        _report(o)
    failed = _summary(outcomes)
    if failed:
        err.print(f"[red]{len(failed)} of {len(outcomes)} sources failed:[/red] {', '.join(failed)}")
        raise typer.Exit(1)


@app.command("ingest")
def ingest_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A response saved by hand (JSON, CSV).")],
    adapter: Annotated[str, typer.Option("--adapter", help="The adapter that reads the file.")],
    param: Annotated[list[str] | None, typer.Option("--param", help="Adapter parameter KEY=VALUE (repeatable).")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Configured source id the file belongs to.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where the file was downloaded from.")] = None,
    area: Annotated[str | None, typer.Option("--area", help="ISO3 area, when no --source is given (text: inferred).")] = None,
    publisher: Annotated[str | None, typer.Option("--publisher", help="Publisher, when no --source is given.")] = None,
    published: Annotated[str | None, typer.Option("--published", help="Publication date YYYY-MM-DD (text adapter).")] = None,
) -> None:
    """Parse a saved response or article through an adapter and store it with its provenance.

    Example: figures ingest article.html --adapter text --published 2022-03-02 --url https://...
    """
    from .pipeline import ingest_file
    from .sources import ADAPTERS, get_adapter

    params: dict[str, str] = {}
    if published:
        params["published"] = published
    for item in param or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise _fail(ValueError(f"--param {item!r}: write it as KEY=VALUE"))
        params[key] = value
    try:
        if source:
            base = _config().get(source)
            if base.adapter != adapter:
                raise FiguresError(f"source {source!r} uses adapter {base.adapter!r}, not {adapter!r}")
            chosen = base.model_copy(update={"params": {**base.params, **params}})
        else:
            if adapter == "text":
                from .claims import infer_area

                area = area or infer_area(file.read_text(encoding="utf-8", errors="replace"))
                publisher = publisher or "unknown"
            if not area or not publisher:
                raise FiguresError("without --source, give --area ISO3 and --publisher NAME")
            chosen = SourceConfig(id=f"file-{adapter}", adapter=adapter, publisher=publisher,
                                  title=file.name, licence="as published", url=url or file.name,
                                  area=area.upper(), cadence="irregular", params=params)
        get_adapter(adapter).Params.model_validate(chosen.params)
    except ValidationError as exc:  # the adapter's params, or the source made of --area and --publisher
        known = ADAPTERS.get(adapter)
        raise _fail(ValueError(f"{file}: the {adapter} adapter cannot read it with these settings: "
                               f"{_param_problems(exc, getattr(known, 'Params', None))}")) from None
    except (FiguresError, KeyError, ValueError) as exc:
        raise _fail(exc) from None
    outcome = ingest_file(_store(), file, chosen, url=url, lock_timeout=Settings().lock_timeout)
    _report(outcome)
    if outcome.error:
        raise typer.Exit(1)


def _param_problems(exc: ValidationError, params: Any = None) -> str:
    """An adapter's or a source's refusal as the options to give: `--param endpoint: missing; ...`,
    with the values a param takes when they are few (`params`: the adapter's Params model)."""
    options = {"area": "--area", "publisher": "--publisher", "url": "--url"}
    said = []
    for error in exc.errors():
        loc = [str(p) for p in error["loc"]]
        if not loc:  # a rule across several params
            said.append(f"{error['msg'].removeprefix('Value error, ')} (give each with --param KEY=VALUE)")
            continue
        option = options.get(loc[0]) if exc.title == "SourceConfig" else None
        name = option or f"--param {'.'.join(loc)}"
        if error["type"] == "missing":
            field = getattr(params, "model_fields", {}).get(loc[0])
            choices = get_args(field.annotation) if field is not None and get_origin(field.annotation) is Literal \
                else ()
            value = "|".join(map(str, choices)) if choices else "VALUE"
            said.append(f"{name}: missing; add --param {'.'.join(loc)}={value}")
        elif error["type"] == "extra_forbidden":
            said.append(f"{name}: this adapter has no such param; remove it or check its spelling")
        else:
            said.append(f"{name}: {error['msg'].removeprefix('Value error, ')}")
    return "; ".join(said) + " (sources.yaml has an example of every adapter; or give --source ID of a configured source)"


def _parse_date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD", param_hint=option) from None


@app.command("extract")
def extract_command(
    file: Annotated[str, typer.Argument(help="A text or HTML file, or - for standard input.")] = "-",
    published: Annotated[str | None, typer.Option("--published", help="Publication date YYYY-MM-DD (resolves 'as of 4 March').")] = None,
    area: Annotated[str | None, typer.Option("--area", help="ISO3 area (default: the country the text names most).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Show the claims in a text without storing them: metric, group, range, rule, date, quote.

    Example: figures extract article.txt --published 2022-03-02
    """
    from .claims import extract

    if fmt not in ("table", "json"):
        raise _fail(ValueError(f"unknown format {fmt!r}; use table or json"))
    day = _parse_date(published, "--published")
    try:
        text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(ValueError(f"{file}: cannot read the text ({exc}); save it as UTF-8")) from None
    found = extract(text, published=day, area=area.upper() if area else None, url="" if file == "-" else file)
    rows = [{"metric": o.metric, "group": o.group, "low": o.estimate.low, "best": o.estimate.best,
             "high": o.estimate.high, "rule": o.rule, "modality": o.modality, "scope": o.scope,
             "area": o.area, "place": o.place, "as_of": o.as_of, "text": o.estimate.text,
             "span": o.provenance.locator.removeprefix("chars "), "attributed_to": o.provenance.attributed_to,
             "quote": o.provenance.quote} for o in found]
    if fmt == "json":
        sys.stdout.write(to_json(rows) + "\n")
        return
    table = Table(title=f"{len(rows)} claims")
    cols = ["metric", "group", "low", "best", "high", "rule", "modality", "scope", "place", "as_of", "text", "span"]
    for c in cols:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*("" if r[c] is None else f"{r[c]:,}" if isinstance(r[c], int) else str(r[c]) for c in cols))
    Console(width=160).print(table)


def _filters(metric: str, group: str | None) -> None:
    from .models import GROUPS, METRICS

    if metric not in METRICS:
        raise _fail(ValueError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}"))
    if group is not None and group not in GROUPS:
        raise _fail(ValueError(f"unknown group {group!r}; use one of {', '.join(GROUPS)}"))


def _formats(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise _fail(ValueError(f"unknown format {fmt!r}; use {', '.join(allowed[:-1])} or {allowed[-1]}"))


AreaOpt = Annotated[str | None, typer.Option("--area", help="ISO3 country the figure is about (default: the only one the data has).")]
PlaceOpt = Annotated[str | None, typer.Option("--place", help="A place inside the area (or host country for refugees); default: the whole area.")]
GroupOpt = Annotated[str | None, typer.Option("--group", help="civilians, military, children or all (default: all, or the only group the data has).")]
KnownOpt = Annotated[str | None, typer.Option("--as-known-on", help="Use only what was retrieved by this date, YYYY-MM-DD.")]


@app.command("query")
def query_command(
    metric: Annotated[str, typer.Argument(help="killed, injured, casualties, missing, refugees, idps or displaced.")],
    area: AreaOpt = None,
    place: PlaceOpt = None,
    group: GroupOpt = None,
    on: Annotated[str | None, typer.Option("--on", help="The date, YYYY-MM-DD (default: today).")] = None,
    as_known_on: KnownOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table, json or csv.")] = "table",
) -> None:
    """The consensus as of a date: the band, each source's figure, disputes and provenance.

    Example: figures query killed --area UKR --group civilians --on 2022-03-24
    """
    from .query import query

    _filters(metric, group)
    _formats(fmt, ("table", "json", "csv"))
    day, known = _parse_date(on, "--on"), _parse_date(as_known_on, "--as-known-on")
    try:
        result = query(metric, area=area, place=place, group=group, on=day, as_known_on=known, db=_store(),
                       sources=resolve_sources_path(state.sources))
    except FiguresError as exc:
        raise _fail(exc) from None
    evidence = result.observations
    summary = {k: getattr(result, k) for k in ("metric", "area", "place", "group", "on", "low", "best", "high",
                                               "best_derived", "envelope_low", "envelope_high", "n_sources",
                                               "disputed", "low_from", "high_from", "as_of")}
    records = [{str(k): _plain(str(k), v) for k, v in row.items()} for row in evidence.to_dict("records")]
    if fmt == "json":
        figures_ = [{"source": f.voice, "as_of": f.as_of, "low": f.low, "best": f.best, "high": f.high,
                     "rule": f.rule, "in_consensus": f.in_consensus, "source_ids": list(f.source_ids)}
                    for f in result.figures]
        pairs = [{"lower": a.label, "higher": b.label} for a, b in result.disputes]
        sys.stdout.write(to_json({**summary, "figures": figures_, "disputes": pairs, "observations": records}) + "\n")
        return
    if fmt == "csv":
        _emit_rows([{**{f"query_{k}": v for k, v in summary.items()}, **r} for r in records], "csv")
        return
    out = Console(width=160)
    where = " / ".join(x for x in (result.area, place) if x) or "any area"
    if result.low is None:
        out.print(f"No {metric} figure for {where} as of {result.on}.")
        err.print("Run 'figures update' first, or try another --on date (figures older than their "
                  "staleness limit no longer count).")
        raise typer.Exit(1)
    out.print(f"[bold]{metric}[/bold] {where} ({result.group}) as of {result.on}: [bold]{_band(result)}[/bold]",
              highlight=False)
    out.print(f"{result.n_sources} source(s); envelope {result.envelope_low:,} to "
              f"{'open' if result.envelope_high is None else format(result.envelope_high, ',')}"
              f"; low set by {result.low_from}"
              + (f", high by {result.high_from}" if result.high_from else "")
              + (", [red]DISPUTED[/red]" if result.disputed else ""), highlight=False)
    table = Table(title="Each source's figure")
    for c in ("source", "as of", "low", "best", "high", "rule", "agrees", "via"):
        table.add_column(c, overflow="fold")
    for f in result.figures:
        table.add_row(f.voice, f.as_of.isoformat(), f"{f.low:,}", "" if f.best is None else f"{f.best:,}",
                      "open" if f.high is None else f"{f.high:,}", f.rule, "yes" if f.in_consensus else "no",
                      ", ".join(f.source_ids))
    out.print(table)
    for a, b in result.disputes:
        out.print(f"[red]dispute:[/red] {a.label} says at most {a.high:,}; {b.label} says at least {b.low:,}",
                  highlight=False)
    if not result.projections.empty:
        out.print("Projections listed, not counted: " + "; ".join(
            f"{r.publisher} {r.text!r} for {r.as_of:%Y-%m-%d}" for r in result.projections.itertuples()),
            highlight=False)
    table = Table(title="Observations it rests on")
    cols = ["source_id", "as_of", "low", "best", "high", "rule", "locator", "quote"]
    for c in cols:
        table.add_column(c, overflow="fold")
    shown = records[-20:]
    for r in shown:
        table.add_row(*_cells(r, cols))
    out.print(table)
    if len(records) > len(shown):
        out.print(f"... and {len(records) - len(shown)} earlier observations (see --format csv)")
    seen: set[str] = set()
    for r in records:
        if r["snapshot_sha256"] in seen:
            continue
        seen.add(r["snapshot_sha256"])
        out.print(f"[bold]Provenance[/bold] {r['source_id']}: {r['publisher']}, {r['title'] or ''}\n"
                  f"  url        {r['url']}\n"
                  f"  retrieved  {r['retrieved_at'].isoformat()}   published {r['published_at'] or 'not stated'}\n"
                  f"  snapshot   sha256 {r['snapshot_sha256']}\n"
                  f"  read by    {r['adapter']} {r['adapter_version']}", highlight=False, soft_wrap=True)


def _band(r: Any) -> str:
    high = "no upper bound" if r.high is None else f"{r.high:,}"
    best = "none" if r.best is None else f"{r.best:,}" + (" (derived)" if r.best_derived else "")
    return f"low {r.low:,}  best {best}  high {high}"


def _frame_out(frame: Any, fmt: str, columns: list[str]) -> None:
    """A DataFrame to stdout as a table, CSV or JSON."""
    records = [{str(k): _plain(str(k), v) for k, v in row.items()} for row in frame.to_dict("records")]
    if fmt in ("csv", "json"):
        _emit_rows(records, fmt)
        return
    table = Table()
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in records:
        table.add_row(*_cells(r, columns))
    Console(width=200).print(table)


@app.command("series")
def series_command(
    metric: Annotated[str, typer.Argument(help="killed, injured, casualties, missing, refugees, idps or displaced.")],
    area: AreaOpt = None,
    place: PlaceOpt = None,
    group: GroupOpt = None,
    freq: Annotated[str, typer.Option("--freq", help="W (ISO weeks, as of Sunday), D (days) or M (months).")] = "W",
    start: Annotated[str | None, typer.Option("--start", help="First date, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last date, YYYY-MM-DD.")] = None,
    as_known_on: KnownOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """The consensus band per week (or day, or month): low, best, high, envelope, sources, disputes.

    Example: figures series killed --area UKR --group civilians
    """
    from .query import series

    _filters(metric, group)
    _formats(fmt, ("table", "csv", "json"))
    try:
        frame = series(metric, area=area, place=place, group=group, freq=freq.upper(),
                       start=_parse_date(start, "--start"), end=_parse_date(end, "--end"),
                       as_known_on=_parse_date(as_known_on, "--as-known-on"), db=_store(),
                       sources=resolve_sources_path(state.sources))
    except FiguresError as exc:
        raise _fail(exc) from None
    if frame.empty:
        err.print(f"No {metric} figures for that selection; run 'figures update' first, or check "
                  "--area, --place and --group.")
        raise typer.Exit(1)
    _frame_out(frame, fmt, ["period", "period_end", "low", "best", "high", "envelope_low", "envelope_high",
                            "n_sources", "disputed", "low_from", "sources"])


@app.command("disputes")
def disputes_command(
    metric: Annotated[str, typer.Argument(help="killed, injured, casualties, missing, refugees, idps or displaced.")],
    area: AreaOpt = None,
    place: PlaceOpt = None,
    group: GroupOpt = None,
    on: Annotated[str | None, typer.Option("--on", help="Only the disputes on this date (default: every date).")] = None,
    as_known_on: KnownOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="text, csv or json.")] = "text",
) -> None:
    """Pairs of figures that cannot both be true (their ranges do not overlap), with both quotes.

    Example: figures disputes killed --place Mariupol
    """
    from .query import disputes

    _filters(metric, group)
    _formats(fmt, ("text", "csv", "json"))
    try:
        frame = disputes(metric, area=area, place=place, group=group, on=_parse_date(on, "--on"),
                         as_known_on=_parse_date(as_known_on, "--as-known-on"), db=_store(),
                         sources=resolve_sources_path(state.sources))
    except FiguresError as exc:
        raise _fail(exc) from None
    if fmt != "text":
        _frame_out(frame, fmt, list(frame.columns))
        return
    if frame.empty:
        typer.echo(f"No disputes: every two {metric} figures that count at the same time overlap.")
        return
    out = Console(width=160)
    for r in frame.itertuples():
        first, last = f"{r.first_date:%Y-%m-%d}", f"{r.last_date:%Y-%m-%d}"
        span = first if first == last else f"{first} to {last}"
        out.print(f"[bold]{span}[/bold]: {r.source_a} ({r.as_of_a:%Y-%m-%d}) {_span(r.low_a, r.high_a)} "
                  f"vs {r.source_b} ({r.as_of_b:%Y-%m-%d}) {_span(r.low_b, r.high_b)}; gap {r.gap:,}",
                  highlight=False)
        for source, said, quote, url in ((r.source_a, r.said_a, r.quote_a, r.url_a),
                                         (r.source_b, r.said_b, r.quote_b, r.url_b)):
            # a table's row is said in words built from it (its JSON stays in --format csv/json)
            shown = f"\u201c{quote}\u201d" if said == quote else said
            out.print(f"  {source}: {shown}\n    {url}", highlight=False, soft_wrap=True, markup=False)


def _span(low: Any, high: Any) -> str:
    import pandas as pd

    return f"at least {low:,}" if pd.isna(high) else f"{low:,}" if low == high else f"{low:,} to {high:,}"


def _cells(row: dict[str, Any], columns: list[str]) -> list[str]:
    cells = []
    for c in columns:
        v = row[c]
        if v is None:
            cells.append("")
        elif isinstance(v, bool):
            cells.append("yes" if v else "")
        elif isinstance(v, int):
            cells.append(f"{v:,}")
        elif hasattr(v, "date") and c in ("as_of", "period_start", "period_end"):
            cells.append(v.date().isoformat())
        else:
            cells.append(str(v))
    return cells


def _plain(column: str, value: Any) -> Any:
    """A DataFrame cell as a plain Python value: None, int, date or UTC datetime."""
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date() if column in ("as_of", "period_start", "period_end") else value.to_pydatetime()
    return value.item() if hasattr(value, "item") else value


def _plain_columns(frame: Any, cell: Callable[[str, Any], Any]) -> list[list[Any]]:
    """The frame's cells, a list per column, each cell `cell(column, _plain(column, value))`, worked
    out once per distinct value (dates and times repeat): the same as cell by cell, but column-wise."""
    import pandas as pd

    out = []
    for column in frame.columns:
        name, series = str(column), frame[column]
        if pd.api.types.is_integer_dtype(series.dtype) and not isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
            out.append([cell(name, v) for v in series.tolist()])  # int64: no missing values
            continue
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        cells = [cell(name, _plain(name, value)) for value in uniques]
        missing = cell(name, None)
        out.append([cells[i] if i >= 0 else missing for i in codes.tolist()])
    return out


def _csv_cell(column: str, value: Any) -> Any:
    """A plain value as the CSV export writes it: blank for none, ISO 8601 for dates and times."""
    return "" if value is None else value.isoformat() if isinstance(value, date) else value


@app.command("export")
def export_command(
    fmt: Annotated[str, typer.Option("--format", help="csv, json or parquet (parquet needs figures-tally[parquet]).")] = "csv",
    out: Annotated[Path | None, typer.Option("--out", help="File to write (default: stdout; parquet needs a file).")] = None,
    metric: Annotated[str | None, typer.Option("--metric", help="Only this metric.")] = None,
    area: Annotated[str | None, typer.Option("--area", help="Only this ISO3 area.")] = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this source id.")] = None,
    hxl: Annotated[bool, typer.Option("--hxl", help="Add an HXL hashtag row under the header (CSV), for HDX.")] = False,
) -> None:
    """Every stored observation, tidy, one row each, with provenance columns.

    Example: figures export --format csv --hxl --metric killed --out killed.csv
    """
    from .query import EXPORT_CHUNK, hxl_row, observation_chunks

    _formats(fmt, ("csv", "json", "parquet"))
    if hxl and fmt != "csv":
        raise _fail(ValueError("--hxl adds a row of hashtags to a CSV; use it with --format csv"))
    if metric is not None:
        _filters(metric, None)
    if fmt == "parquet" and out is None:
        raise _fail(ValueError("parquet is binary; give a file with --out"))
    store = _store()
    # a chunk at a time, so any store can be exported
    chunks = observation_chunks(metric, area=area, source_id=source, db=store, size=EXPORT_CHUNK)
    if fmt == "parquet":
        assert out is not None
        try:
            written = _write_parquet(chunks, out)
        except ImportError:
            raise _fail(ValueError("writing parquet needs pyarrow: pip install 'figures-tally[parquet]'")) from None
        err.print(f"wrote {written} observations to {out}")
        return
    handle = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
    written = 0
    try:
        for n, frame in enumerate(chunks):
            columns = [str(c) for c in frame.columns]
            if fmt == "csv":
                writer = csv.writer(handle, lineterminator="\n")
                if n == 0:
                    writer.writerow(columns)
                    if hxl:
                        tags = hxl_row(columns, _metrics(store, metric, area, source))
                        writer.writerow([tags[c] for c in columns])
                writer.writerows(zip(*_plain_columns(frame, _csv_cell), strict=True))
            else:  # one JSON array, written an object at a time
                for i, values in enumerate(zip(*_plain_columns(frame, lambda _, v: v), strict=True)):
                    handle.write(("[" if written == 0 and i == 0 else ",\n") + to_json(dict(zip(columns, values, strict=True))))
            written += len(frame)
        if fmt == "json":
            handle.write("]\n" if written else "[]\n")
    finally:
        if out:
            handle.close()
    if out:
        err.print(f"wrote {written} observations to {out}")


def _metrics(store: Store, metric: str | None, area: str | None, source: str | None) -> list[str]:
    """The metrics an export holds (its HXL tags depend on them)."""
    import sqlalchemy as sa

    from .schema import observations

    query = sa.select(observations.c.metric).distinct()
    for column, value in (("metric", metric), ("area", area.upper() if area else None), ("source_id", source)):
        if value is not None:
            query = query.where(observations.c[column] == value)
    with store.engine.connect() as conn:
        return sorted(conn.execute(query).scalars()) or [metric or "killed"]


def _write_parquet(chunks: Any, out: Path) -> int:
    """Write the chunks to one parquet file, a row group each, with fixed column types."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .query import typed_frame

    counts = ("id", "low", "best", "high")
    days, moments = ("as_of", "period_start", "period_end"), ("published_at", "retrieved_at", "stored_at")
    written = 0
    writer = None
    try:
        for frame in chunks:
            frame = typed_frame(frame)
            if writer is None:
                schema = pa.schema([
                    (c, pa.int64() if c in counts else pa.timestamp("us") if c in days
                     else pa.timestamp("us", tz="UTC") if c in moments else pa.string()) for c in frame.columns])
                writer = pq.ParquetWriter(out, schema)
            writer.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
            written += len(frame)
    finally:
        if writer is not None:
            writer.close()
    return written


@app.command("chart")
def chart_command(
    week: Annotated[str | None, typer.Option("--week", help="ISO week YYYY-Www (default: the last complete week with data).")] = None,
    through: Annotated[str | None, typer.Option("--through", help="Draw data through this date, YYYY-MM-DD (its week).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the charts (a subfolder per week).")] = Path("charts"),
) -> None:
    """Write the week's charts for every entry of `charts:` in sources.yaml: the figures over time
    and the estimates compared, each a PNG with alt text (.alt.txt) and the plotted data (.csv).

    A chart with no figure for the week is skipped with a message. Exit code 1 if none was written.

    Example: figures chart --week 2022-W12 --out charts
    """
    from .charts import draw_week

    try:
        weekly = draw_week(_store(), _config(), week=week, through=_parse_date(through, "--through"), out_dir=out)
    except FiguresError as exc:
        raise _fail(exc) from None
    _drawn(weekly)


def _drawn(weekly: Any) -> None:
    """Print the files written (stdout) and the charts skipped (stderr); exit 1 if nothing was drawn."""
    from .charts.files import default_charts

    if weekly is None:
        for chart in default_charts(_config()):
            err.print(f"[yellow]skipped:[/yellow] chart {chart.id!r}: no {escape(chart.metric)} figure stored "
                      f"for {chart.area}", highlight=False)
        err.print("no chart written; run 'figures update' first")
        raise typer.Exit(1)
    for path in weekly.paths:
        typer.echo(str(path))
    for message in weekly.skipped:
        err.print(f"[yellow]skipped:[/yellow] {escape(message)}", highlight=False)
    if not weekly.drawn:
        err.print(f"no chart written for {weekly.week}; run 'figures update' first, or pick a --week with data")
        raise typer.Exit(1)
    err.print(f"{len(weekly.drawn)} of {len(weekly.drawn) + len(weekly.skipped)} charts drawn for {weekly.week}",
              highlight=False)


@app.command("report")
def report_command(
    week: Annotated[str | None, typer.Option("--week", help="ISO week YYYY-Www (default: the last complete week with data).")] = None,
    through: Annotated[str | None, typer.Option("--through", help="Draw data through this date, YYYY-MM-DD (its week).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for the report (a subfolder per week).")] = Path("report"),
    offline: Annotated[bool, typer.Option("--offline", help="Do not update: draw from the store as it is.")] = False,
) -> None:
    """Update every source (unless --offline), draw the week's charts and write <out>/<week>/index.html:
    the charts with their alt texts, the latest figures with their sources, and the disputes.

    The page needs no server: open it from disk. A source that fails to update is listed in the
    report and the exit code is 1; the report is written all the same.

    Example: figures report --week 2022-W13 --out report --offline
    """
    from .pipeline import update
    from .report import write_report

    config, store = _config(), _store()
    failed: list[str] = []
    if not offline:
        settings = Settings()
        client = build_client(cache_dir=settings.http_cache_dir(), **settings.client_options())
        try:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=True) as progress:
                task = progress.add_task("updating", total=len(config.sources))
                outcomes = update(store, client, config, [s.id for s in config.sources],
                                  on_done=lambda o: progress.advance(task))
        finally:
            client.close()
        for o in outcomes:
            _report(o)
        failed = [f"{o.source_id}: {o.error}" for o in outcomes if o.status == "failed"]
    try:
        written = write_report(store, config, week=week, through=_parse_date(through, "--through"), out_dir=out,
                               failed=failed)
    except FiguresError as exc:
        raise _fail(exc) from None
    _drawn(written[1] if written else None)
    if written:
        typer.echo(str(written[0]))
    if failed:
        err.print(f"[red]{len(failed)} source{'s' * (len(failed) != 1)} failed to update[/red]; the report lists "
                  f"{'them' if len(failed) != 1 else 'it'}", highlight=False)
        raise typer.Exit(1)


db_app = typer.Typer(help="Look after the store: check it, upgrade its schema.\n\nExample: figures db check",
                     no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("check")
def db_check_command() -> None:
    """Check the store end to end: the database's own check, the schema version, every snapshot's
    bytes against its sha256, every observation's snapshot. Exit 1 with the way out if anything is wrong.

    Example: figures db check
    """
    from .integrity import check

    url = Settings().db_url(state.db)
    report = check(url)
    version = "unknown" if report.schema_version is None else report.schema_version
    typer.echo(f"store {_safe(url)}: schema version {version}, {report.snapshots:,} snapshots, "
               f"{report.observations:,} observations")
    for problem in report.problems:
        err.print(f"[red]problem:[/red] {escape(problem)}", highlight=False)
    if not report.ok:
        raise typer.Exit(1)
    typer.echo("ok: every snapshot matches its sha256 and every observation its snapshot")


@db_app.command("upgrade")
def db_upgrade_command() -> None:
    """Bring the store's schema up to this version of figures (back it up first).

    Example: figures db upgrade
    """
    from .integrity import upgrade

    url = Settings().db_url(state.db)
    try:
        before, after, wrong = upgrade(url)
    except FiguresError as exc:
        raise _fail(exc) from None
    if wrong:
        typer.echo(f"store {_safe(url)} is at schema version {after}; its daily sums of incidents differed from "
                   f"the events in {wrong} places and were worked out again")
    elif before == after:
        typer.echo(f"store {_safe(url)} is at schema version {after}; nothing to do")
    else:
        typer.echo(f"store {_safe(url)}: schema version {before if before is not None else 'none'} -> {after}")


def _safe(url: str) -> str:
    import sqlalchemy as sa

    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def main() -> None:
    """Entry point of the `figures` command."""
    import sqlalchemy as sa

    try:
        app()
    except sa.exc.DatabaseError as exc:  # a store damaged where opening it did not look
        url = _safe(Settings().db_url(state.db))
        raise SystemExit(_fail(Exception(f"reading the store at {url} failed: {exc.__class__.__name__}: "
                                         f"{getattr(exc, 'orig', None) or exc}; it may be damaged: "
                                         "run `figures db check` to see what is wrong and how to recover")
                               ).exit_code) from None


__all__ = ["app", "main", "resolve_sources_path"]
