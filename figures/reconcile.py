"""Conflicting observations -> one honest band per date, with the disputes left visible.

The rules, in the order they apply (docs/reconciliation.md says the same, with examples):

1. **Voices.** A figure belongs to whoever stated it: the organisation a text attributes it to
   ("according to OHCHR"), else the publisher, else the configured source. Aliases of one body
   ("the UN human rights office", "OHCHR") are one voice. Event datasets (incident scope) are
   the publisher's own counts, so their attribution (the reports UCDP coded) does not move them.
2. **Vintages.** Only the latest retrieved version of each record counts (`as_known_on` cuts
   the store first), so a revised day is never counted twice.
3. **Per voice, per date.** A voice's stated figure counts from its `as_of` until it goes
   stale (`stale_after`, 14 days by default, longer for a source whose cadence is monthly or
   yearly). Its incident figures (events, daily flows) are summed per source from `count_from`,
   lows, bests and highs separately, into a running total that counts from the last incident
   until it goes stale. Where a voice has both, the more recent one counts. The same figure
   repeated by several outlets (same voice, date and range) counts once, every outlet kept.
   Projections never count; they are listed beside the answer.
4. **Consensus at a date.** The envelope runs from the lowest low to the highest high (open when
   any counting figure is open). The consensus range is the narrowest range consistent with the
   most voices: the region covered by the largest number of ranges, which is the intersection
   of those ranges; where groups of equal size disagree it spans all of them. An open upper
   end stays open unless another voice in the group bounds it. The best figure is the median of
   the stated bests, else the middle of the consensus range on a log scale (flagged `derived`),
   kept inside the consensus range. Two voices whose reaches (range, rounding tolerance and the
   growth their pace allows since the older figure's date, `reach`) do not meet are a dispute.
5. **Running totals do not fall.** Over time, a consensus low raises every later date's low and
   a consensus upper bound caps every earlier date's high. Where a later cap falls below an
   earlier floor the figures contradict each other: the upper end is left open and the date is
   marked disputed. `low_from` and `high_from` name the figure that set each bound.

Everything here works on plain arrays; `figures.query` loads the store and builds the frames.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from .rows import is_relay

#: A stated cumulative figure older than this no longer counts (the issue's default).
STALE_AFTER = timedelta(days=14)
#: A source that publishes less often than that counts for at least one of its periods.
CADENCE_DAYS = {"daily": 0, "weekly": 0, "irregular": 0, "monthly": 31, "yearly": 366}

#: Names of one body, lower case, without a leading "the" -> the voice they stand for.
ALIASES = {
    "ohchr": "OHCHR", "un human rights office": "OHCHR", "un human rights monitoring mission": "OHCHR",
    "un human rights monitoring mission in ukraine": "OHCHR", "hrmmu": "OHCHR",
    "office of the un high commissioner for human rights": "OHCHR",
    "un office of the high commissioner for human rights": "OHCHR",
    "united nations human rights office": "OHCHR", "un rights office": "OHCHR",
    "unhcr": "UNHCR", "un refugee agency": "UNHCR", "united nations refugee agency": "UNHCR",
    "un high commissioner for refugees": "UNHCR", "office of the un high commissioner for refugees": "UNHCR",
    "iom": "IOM", "international organization for migration": "IOM", "iom dtm": "IOM",
    "un migration agency": "IOM", "ocha": "OCHA", "un humanitarian office": "OCHA",
    "un office for the coordination of humanitarian affairs": "OCHA",
    "acled": "ACLED", "armed conflict location & event data project": "ACLED",
    "armed conflict location and event data project": "ACLED",
    "ucdp": "UCDP", "uppsala conflict data program": "UCDP", "uppsala conflict data program (ucdp)": "UCDP",
    "who": "WHO", "world health organization": "WHO", "unicef": "UNICEF",
}


#: A running total counts only if its source's first incident is at most this many days (or its
#: staleness, if longer) after `count_from`: otherwise the store holds only part of its record.
PARTIAL_DAYS = 31

#: Columns `reconcile` needs in its input frame.
INPUT_COLUMNS = ["id", "source_id", "voice", "scope", "modality", "as_of", "period_start", "period_end",
                 "low", "best", "high", "rank", "stale_days", "direct", "prose", "retrieved_at"]
#: Columns it reads when given: each figure's rounding tolerance (`figures.rounding`, default 0) and
#: the day it was first published, as an ordinal (default: its own date).
OPTIONAL_COLUMNS = ["tolerance", "known"]




def voice_of(publisher: str | None, attributed_to: str | None, source_id: str, scope: str = "cumulative") -> str:
    """Who stated the figure: `voice_of("ReliefWeb", "the UN human rights office", "rw")` is 'OHCHR'.

    A relay's figures (HDX HAPI, ReliefWeb) belong to whom they name. An event dataset's own
    attribution lists the reports it coded ("Reuters News;AFP"): its events stay its publisher's.
    """
    named = isinstance(attributed_to, str) and attributed_to.strip() and ";" not in attributed_to
    relay = is_relay(publisher)
    said = attributed_to if named and (scope != "incident" or relay) else None
    for name in (said, publisher):
        if isinstance(name, str) and name.strip() and name.strip().lower() != "unknown":
            return canonical(name)
    return source_id


def canonical(name: str) -> str:
    """One spelling per body: aliases mapped, "the" and spacing dropped, else the name as written."""
    key = re.sub(r"\s+", " ", name.strip()).lower()
    key = re.sub(r"^the ", "", key)
    key = re.sub(r"\s*\((?:via [^)]*)\)$", "", key)
    spelled = re.fullmatch(r"(.+?)\s*\(([^)]+)\)", key)  # "UN human rights office (OHCHR)"
    for candidate in (key, *(spelled.groups() if spelled else ())):
        if candidate in ALIASES:
            return ALIASES[candidate]
    return re.sub(r"\s+", " ", re.sub(r"^(?i:the) ", "", name.strip()))


@dataclass(frozen=True)
class Options:
    """How figures count: staleness, where running totals start, and the source preference."""

    stale_after: timedelta = STALE_AFTER
    count_from: date | None = None
    source_order: Sequence[str] = ()
    stale_by_source: Mapping[str, int] = field(default_factory=dict)
    #: Whether the quantity is a running total that cannot fall (deaths, injuries), rather than a
    #: stock that can (IDPs return home, refugees move on): only then are bounds carried over time.
    monotone: bool = True
    #: Whether a later figure's upper bound caps earlier dates (what we know now about then). A chart
    #: drawn as the figures stood on each date (`hindsight=False`) never uses a figure before its date.
    hindsight: bool = True
    #: How fast a quantity can have grown since an earlier figure, as a multiple of the pace that
    #: figure implies since `count_from` (docs/reconciliation.md, "Disputes").
    growth: float = 2.0

    def stale_days(self, source_id: str) -> int:
        """How many days a figure of this source counts after its date."""
        return max(self.stale_after.days, self.stale_by_source.get(source_id, 0))

    def rank(self, source_id: str) -> int:
        order = list(self.source_order)
        return order.index(source_id) if source_id in order else len(order)


@dataclass
class _Track:
    """One voice's figures over time, as steps: figure k counts from starts[k] to until[k]."""

    voice: str
    kind: str  # "stated" or "incidents"
    rank: int
    starts: np.ndarray
    until: np.ndarray
    low: np.ndarray
    best: np.ndarray
    high: np.ndarray
    evidence: Sequence[Any]  # item k: the row ids behind figure k (read when first used for daily sums)
    rules: list[str]
    source_ids: list[str]
    tol: np.ndarray | None = None  # figure k's rounding tolerance (None: all 0)
    known: np.ndarray | None = None  # the day figure k was first published (None: its own date)

    def tolerances(self) -> np.ndarray:
        return self.tol if self.tol is not None else np.zeros(len(self.starts))

    def published(self) -> np.ndarray:
        return self.known if self.known is not None else self.starts


@dataclass(frozen=True, eq=False)
class Figure:
    """One voice's counting figure at a date. `high=None`: no upper bound stated."""

    voice: str
    kind: str
    as_of: date
    low: int
    best: int | None
    high: int | None
    rule: str
    source_ids: tuple[str, ...]
    #: The ids of the stored observations behind the figure (every event of a running total, read
    #: from the store when first used if the total came from the daily sums).
    evidence_ids: Sequence[int] | np.ndarray
    in_consensus: bool = False
    #: How precisely the figure was written: half the unit of its last significant digit when rounded.
    tolerance: int = 0
    #: The day the figure was first published (its own date when the source does not say).
    published: date | None = None
    #: The last day the figure counts by its source's window (a newer stock figure can end it sooner).
    until: date | None = None

    @property
    def label(self) -> str:
        return f"{self.voice} {self.as_of.isoformat()}"


@dataclass(frozen=True)
class Band:
    """The answer at one date."""

    on: date
    low: int | None
    best: int | None
    high: int | None
    best_derived: bool
    envelope_low: int | None
    envelope_high: int | None
    n_sources: int
    disputed: bool
    inconsistent: bool
    low_from: str | None
    high_from: str | None
    figures: list[Figure]
    disputes: list[tuple[Figure, Figure]]


@dataclass
class Reconciled:
    """Bands at the asked dates, and what is needed to explain them."""

    dates: np.ndarray  # ordinals asked for
    columns: dict[str, Any]
    tracks: list[_Track]
    picks: np.ndarray  # (voices, dates): index of the chosen track figure, -1 when none
    chosen_track: np.ndarray  # (voices, dates): which of the voice's tracks
    voice_tracks: list[list[int]]
    voices: list[str]

    def locate(self, day: date) -> int:
        """The index of the asked date that holds for `day` (-1 before the first).

        Between change points nothing counts differently, so `reconcile(rows, change_points)`
        answers for every date: the band at `day` is the band at the last change point before it.
        """
        return int(np.searchsorted(self.dates, day.toordinal(), side="right")) - 1

    def band_on(self, day: date) -> Band:
        """The band on any date, from a result evaluated at every change point."""
        i = self.locate(day)
        if i < 0:
            return Band(on=day, low=None, best=None, high=None, best_derived=False, envelope_low=None,
                        envelope_high=None, n_sources=0, disputed=False, inconsistent=False, low_from=None,
                        high_from=None, figures=[], disputes=[])
        return replace(self.band(i), on=day)

    def band(self, i: int) -> Band:
        """The band at the i-th asked date, with each voice's figure and the disputed pairs."""
        c = {k: v[i] for k, v in self.columns.items()}
        found = [(v, f) for v, f in ((v, self._figure(v, i)) for v in range(len(self.voices))) if f is not None]
        in_group = set(np.flatnonzero(self.columns["group_mask"][i]).tolist())
        found = [(v, _with(f, in_consensus=v in in_group)) for v, f in found]
        figures = [f for _, f in found]
        reach_low, reach_high = self.columns["reach_low"][i], self.columns["reach_high"][i]
        disputes = [(a, b) for va, a in found for vb, b in found if va != vb and reach_high[va] < reach_low[vb]]
        return Band(
            on=date.fromordinal(int(self.dates[i])), low=_int(c["low"]), best=_int(c["best"]),
            high=_int(c["high"]), best_derived=bool(c["best_derived"]), envelope_low=_int(c["envelope_low"]),
            envelope_high=_int(c["envelope_high"]), n_sources=int(c["n_sources"]), disputed=bool(c["disputed"]),
            inconsistent=bool(c["inconsistent"]), low_from=self._label(c["low_src"], c["low_at"]) or None,
            high_from=self._label(c["high_src"], c["high_at"]) or None, figures=figures, disputes=disputes,
        )

    def _figure(self, v: int, i: int) -> Figure | None:
        k = int(self.picks[v, i])
        if k < 0:
            return None
        t = self.tracks[self.voice_tracks[v][int(self.chosen_track[v, i])]]
        return Figure(voice=t.voice, kind=t.kind, as_of=date.fromordinal(int(t.starts[k])),
                      low=int(t.low[k]), best=_int(t.best[k]), high=_int(t.high[k]), rule=t.rules[k],
                      source_ids=tuple(t.source_ids), evidence_ids=t.evidence[k],
                      tolerance=int(t.tolerances()[k]), published=date.fromordinal(int(t.published()[k])),
                      until=date.fromordinal(int(t.until[k])))

    def frame(self, days: Sequence[date] | None = None) -> pd.DataFrame:
        """One row per asked date, or per date of `days` (dates with no counting figure included,
        n_sources 0; dates before the first change point have no row values at all)."""
        if days is not None:
            at = np.array([self.locate(d) for d in days], dtype=np.int64)
            return self._rows(at, [d.toordinal() for d in days])
        return self._rows(np.arange(len(self.dates)), self.dates)

    def _rows(self, at: np.ndarray, ordinals: Sequence[int] | np.ndarray) -> pd.DataFrame:
        if (at < 0).any():
            raise ValueError("a date before the first evaluated date; evaluate with reconcile_all")
        c = {key: values[at] for key, values in self.columns.items()}
        return pd.DataFrame({
            "date": [date.fromordinal(int(d)) for d in ordinals],
            "as_of": [date.fromordinal(int(d)) if d > 0 else None for d in c["as_of"]],
            **{k: c[k] for k in ("low", "best", "high", "envelope_low", "envelope_high")},
            "n_sources": c["n_sources"].astype("int64"), "disputed": c["disputed"].astype(bool),
            "best_derived": c["best_derived"].astype(bool), "inconsistent": c["inconsistent"].astype(bool),
            "low_from": [self._label(v, d) for v, d in zip(c["low_src"], c["low_at"], strict=True)],
            "high_from": [self._label(v, d) for v, d in zip(c["high_src"], c["high_at"], strict=True)],
            "sources": [", ".join(self.voices[int(v)] for v in np.flatnonzero(row)) for row in c["valid_mask"]],
            "published": [date.fromordinal(int(d)) if d > 0 else None for d in c["known"]],
        })

    def _label(self, voice: int, day: int) -> str:
        """`OHCHR 2022-03-24`: the voice and as-of date of a figure, '' for none."""
        return f"{self.voices[int(voice)]} {date.fromordinal(int(day)).isoformat()}" if voice >= 0 else ""


def _with(f: Figure, **changes: Any) -> Figure:
    return replace(f, **changes)


def _int(value: object) -> int | None:
    if value is None:
        return None
    x = float(value)  # type: ignore[arg-type]
    return None if math.isnan(x) or math.isinf(x) else int(x)


#: Reads the ids of the events a running total sums: (voice, source id, last day as an ordinal).
EvidenceReader = Callable[[str, str, int], Sequence[int]]


def _tracks(rows: pd.DataFrame, options: Options, days: pd.DataFrame | None = None,
            evidence: EvidenceReader | None = None) -> list[_Track]:
    """Each voice's stated figures, and each of its sources' incident running totals: from the
    incidents among `rows`, or from `days` (DAY_COLUMNS: the store's daily sums) when given."""
    tracks: list[_Track] = []
    reported = (rows["modality"] == "reported").to_numpy()
    start = options.count_from.toordinal() if options.count_from is not None else None
    cumulative = reported & (rows["scope"] != "incident").to_numpy()
    if start is not None:  # a figure dated before the situation began is about something else
        cumulative &= rows["as_of"].to_numpy(dtype=np.int64) >= start
    stated = np.flatnonzero(cumulative)
    if len(stated):  # each voice's rows, as plain arrays (pandas' per-group frames cost more than the work)
        columns = {c: rows[c].to_numpy()[stated] for c in _STATED}
        columns["tolerance"] = (rows["tolerance"].to_numpy(dtype=float)[stated] if "tolerance" in rows
                                else np.zeros(len(stated)))
        columns["known"] = (np.maximum(rows["known"].to_numpy(dtype=np.int64)[stated], columns["as_of"].astype(np.int64))
                            if "known" in rows else columns["as_of"].astype(np.int64))
        names, which = np.unique(columns["voice"].astype(str), return_inverse=True)
        for k, name in enumerate(names):
            mine = which == k
            tracks.append(_stated_track(str(name), {c: v[mine] for c, v in columns.items()}))
    if days is not None:
        return tracks + _day_tracks(days, start, evidence)
    incidents = rows[reported & (rows["scope"] == "incident").to_numpy() & ~rows["prose"].to_numpy(dtype=bool)]
    if start is not None:
        incidents = incidents[incidents["period_start"] >= start]
    for (voice, source_id), flows in incidents.groupby(["voice", "source_id"], sort=True):
        # a running total "since the start" needs the source's record from the start: one that
        # begins months later (only its latest release is stored) would count far too few
        if _partial(int(flows["period_start"].min()), start, int(flows["stale_days"].max())):
            continue
        tracks.append(_incident_track(str(voice), str(source_id), flows))
    return tracks


#: The columns `_stated_track` reads.
_STATED = ("id", "voice", "source_id", "as_of", "low", "best", "high", "rule", "direct", "rank", "stale_days",
           "retrieved_at")


def _stated_track(voice: str, g: Mapping[str, np.ndarray]) -> _Track:
    """Per as_of, one figure: the same range from several outlets counts once (all kept as evidence);
    different ranges on one day: the voice's own publication first, then the narrowest, then the latest.
    `g`: the voice's stated figures, a column (`_STATED`) per array."""
    low, high = np.asarray(g["low"], dtype=float), np.asarray(g["high"], dtype=float)
    retrieved = g["retrieved_at"]
    if retrieved.dtype != "datetime64[us]":  # aware times, or another unit
        retrieved = pd.to_datetime(pd.Series(retrieved), utc=True).dt.tz_localize(None).to_numpy()
    order = np.lexsort((g["id"], -retrieved.astype("datetime64[us]").astype(np.int64), high - low,
                        ~np.asarray(g["direct"], dtype=bool), g["as_of"]))
    as_of = np.asarray(g["as_of"], dtype=np.int64)[order]
    low, high = low[order], high[order]
    best = np.asarray(g["best"], dtype=float)[order]
    ids = g["id"][order]
    stale = np.asarray(g["stale_days"], dtype=np.int64)[order]
    rules = g["rule"][order]
    sources = g["source_id"][order]
    starts, first = np.unique(as_of, return_index=True)
    group = np.searchsorted(starts, as_of)  # the as_of group of each row
    rep = first[group]  # its group's chosen row
    same = ((low == low[rep]) & ((best == best[rep]) | (np.isnan(best) & np.isnan(best[rep])))
            & (high == high[rep]))
    kept = np.flatnonzero(same)
    bounds = np.searchsorted(group[kept], np.arange(len(starts)))
    until = starts + np.maximum.reduceat(stale[kept], bounds)
    evidence = _Pieces.split(ids[kept], bounds)
    known = np.minimum.reduceat(np.asarray(g["known"], dtype=np.int64)[order][kept], bounds)  # its first outlet
    tol = np.asarray(g["tolerance"], dtype=float)[order][first]
    return _Track(voice, "stated", int(np.min(g["rank"])), starts, until, low[first], best[first], high[first],
                  evidence, [str(r) for r in rules[first]], sorted(set(sources[kept])), tol, known)


def _incident_track(voice: str, source_id: str, g: pd.DataFrame) -> _Track:
    """A running total: figure k is the sum of every incident that ended by its date."""
    g = g.sort_values(["period_end", "id"], kind="mergesort")
    ends = g["period_end"].to_numpy(dtype=np.int64)
    low = np.cumsum(g["low"].to_numpy(dtype=float))
    best = np.cumsum(g["best"].to_numpy(dtype=float))  # NaN once any incident has no best
    high = np.cumsum(g["high"].to_numpy(dtype=float))  # inf once any incident is open
    last = np.r_[ends[1:] != ends[:-1], True]  # the last incident of each end date
    ids = g["id"].to_numpy()
    idx = np.flatnonzero(last)
    stale = int(g["stale_days"].max())
    summed = _Pieces(ids, np.zeros(len(idx), dtype=np.int64), idx + 1)  # every incident up to the date
    return _Track(voice, "incidents", int(g["rank"].min()), ends[idx], ends[idx] + stale, low[idx], best[idx],
                  high[idx], summed, [f"sum-of-incidents:{i + 1}" for i in idx], [source_id])


def _partial(first: int, start: int | None, stale_days: int) -> bool:
    """Whether a source's record begins so long after `count_from` that a running total of it
    "since the start" would count far too few (only its latest release is stored)."""
    return start is not None and first - start > max(PARTIAL_DAYS, stale_days)


#: Columns of the daily sums `_day_tracks` reads (`figures.incidents.daily`, with voices and ranks).
DAY_COLUMNS = ["voice", "source_id", "rank", "stale_days", "period_start", "period_end", "low", "best", "high",
               "no_best", "no_high", "records"]


def _day_tracks(days: pd.DataFrame, start: int | None, evidence: EvidenceReader | None) -> list[_Track]:
    """The running totals from daily sums: the same figures `_incident_track` gives from the events."""
    if start is not None:
        days = days[days["period_start"].to_numpy() >= start]
    c = {k: days[k].to_numpy() for k in DAY_COLUMNS}
    names, which = np.unique([f"{v}\x1f{s}" for v, s in zip(c["voice"], c["source_id"], strict=True)],
                             return_inverse=True)
    order = np.lexsort((c["period_end"], which))
    bounds = np.searchsorted(which[order], np.arange(len(names) + 1))
    read = evidence or (lambda _voice, _source, _until: [])
    tracks = []
    for k, name in enumerate(names):  # each voice and source, in name order
        rows = order[bounds[k]:bounds[k + 1]]
        voice, source_id = str(name).split("\x1f", 1)
        stale = int(c["stale_days"][rows].max())
        if _partial(int(c["period_start"][rows].min()), start, stale):
            continue
        ends = c["period_end"][rows].astype(np.int64)
        low = np.cumsum(c["low"][rows].astype(float))
        best = np.where(np.cumsum(c["no_best"][rows]) > 0, np.nan, np.cumsum(c["best"][rows].astype(float)))
        high = np.where(np.cumsum(c["no_high"][rows]) > 0, np.inf, np.cumsum(c["high"][rows].astype(float)))
        counted = np.cumsum(c["records"][rows].astype(np.int64))
        idx = np.flatnonzero(np.r_[ends[1:] != ends[:-1], True])  # the last sum of each end date
        tracks.append(_Track(voice, "incidents", int(c["rank"][rows].min()), ends[idx], ends[idx] + stale,
                             low[idx], best[idx], high[idx], _Deferred(read, voice, source_id, ends[idx]),
                             [f"sum-of-incidents:{n}" for n in counted[idx]], [source_id]))
    return tracks


class _Pieces(Sequence[np.ndarray]):
    """Item k is values[starts[k]:ends[k]], cut when asked for: a figure's evidence ids without
    making every piece up front (a running total has one per date)."""

    def __init__(self, values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        self.values, self.starts, self.ends = values, starts, ends

    @classmethod
    def split(cls, values: np.ndarray, bounds: np.ndarray) -> _Pieces:
        """`np.split(values, bounds[1:])`: consecutive pieces starting at `bounds`."""
        return cls(values, bounds, np.r_[bounds[1:], len(values)].astype(np.int64))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [self[i] for i in range(len(self))[k]]
        return self.values[self.starts[k]:self.ends[k]]


class _Deferred(Sequence[Sequence[int]]):
    """The evidence of a running total built from daily sums: figure k's event ids, read on demand."""

    def __init__(self, read: EvidenceReader, voice: str, source_id: str, ends: np.ndarray) -> None:
        self.read, self.voice, self.source_id, self.ends = read, voice, source_id, ends

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [self[i] for i in range(len(self))[k]]
        return self.read(self.voice, self.source_id, int(self.ends[k]))


def reconcile_all(rows: pd.DataFrame, options: Options | None = None, days: pd.DataFrame | None = None,
                  evidence: EvidenceReader | None = None) -> Reconciled:
    """The bands at every change point (and at the first day of the calendar, when nothing counts):
    with `Reconciled.band_on` and `Reconciled.frame(days)` they answer for any date.

    Running totals come from the incidents among `rows`, or from `days` (the store's daily sums,
    DAY_COLUMNS) when given; `evidence` then reads the events behind a total when asked.
    """
    options = options or Options()
    tracks = _tracks(rows, options, days, evidence)
    return _evaluate(tracks, np.union1d([1], change_points(tracks, options)).astype(np.int64), options)


def change_points(tracks: Sequence[_Track], options: Options | None = None) -> np.ndarray:
    """Every date on which some voice's figure starts or stops counting (for a stock, also the day an
    older figure is superseded by one more than `stale_after` newer)."""
    parts = [t.starts for t in tracks] + [t.until + 1 for t in tracks]
    if options is not None and not options.monotone:
        parts += [t.starts + options.stale_after.days + 1 for t in tracks]
    return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


def reconcile(rows: pd.DataFrame, dates: Iterable[date], options: Options | None = None) -> Reconciled:
    """The band at each of `dates`, from `rows` (latest vintages, columns INPUT_COLUMNS; dates as ordinals)."""
    options = options or Options()
    return _evaluate(_tracks(rows, options), np.array(sorted({d.toordinal() for d in dates}), dtype=np.int64),
                     options)


#: The per-voice arrays (voices, grid dates) `_consensus` reads.
_PER_VOICE = ("low", "best", "high", "valid", "start", "tol", "known")


def _evaluate(tracks: list[_Track], asked: np.ndarray, options: Options | None = None) -> Reconciled:
    """The bands at the `asked` ordinals, with every change point taken into account."""
    options = options or Options()
    voices = sorted({t.voice for t in tracks}, key=lambda v: (min(t.rank for t in tracks if t.voice == v), v))
    voice_tracks = [[i for i, t in enumerate(tracks) if t.voice == v] for v in voices]
    # every change point up to the last asked date and beyond it: a floor carries forward, a cap back
    grid = np.union1d(change_points(tracks, options), asked)
    at = np.searchsorted(grid, asked)
    if not voices:  # nothing reported counts (only projections, or incidents before count_from)
        empty = np.full(len(asked), np.nan)
        none = np.zeros((0, len(asked)), dtype=np.int64)
        minus = np.full(len(asked), -1, dtype=np.int64)
        flags = np.zeros(len(asked), dtype=bool)
        columns = {"as_of": minus, "low": empty, "high": empty, "best": empty,
                   "envelope_low": empty, "envelope_high": empty, "n_sources": np.zeros(len(asked), dtype=np.int64),
                   "disputed": flags, "best_derived": flags, "inconsistent": flags, "low_src": minus,
                   "low_at": minus, "high_src": minus, "high_at": minus, "known": minus,
                   "group_mask": np.zeros((len(asked), 0), dtype=bool), "valid_mask": np.zeros((len(asked), 0), dtype=bool),
                   "reach_low": np.zeros((len(asked), 0)), "reach_high": np.zeros((len(asked), 0)), "median": empty}
        return Reconciled(asked, columns, tracks, none, none, voice_tracks, voices)
    arrays, picks, chosen = _per_voice(tracks, voice_tracks, grid, options)
    cols = _consensus(arrays, grid, options)
    _consistent(cols, np.asarray(arrays["valid"].any(axis=0)), options)
    out = {k: (v[at] if isinstance(v, np.ndarray) else [v[i] for i in at]) for k, v in cols.items()}
    return Reconciled(asked, out, tracks, picks[:, at], chosen[:, at], voice_tracks, voices)


def _per_voice(tracks: Sequence[_Track], voice_tracks: Sequence[Sequence[int]], grid: np.ndarray,
               options: Options) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """For each voice and grid date, the figure that counts (_PER_VOICE arrays), its pick and track.

    A stock's figure stops counting once any voice has stated the stock for a date more than
    `stale_after` later: the stock has moved since, and the older figure is no longer about now.
    """
    v, g = len(voice_tracks), len(grid)
    out = {name: np.full((v, g), np.nan) for name in ("low", "best", "high", "tol")}
    start = np.full((v, g), -1, dtype=np.int64)
    known = np.full((v, g), -1, dtype=np.int64)
    picks = np.full((v, g), -1, dtype=np.int64)
    chosen = np.zeros((v, g), dtype=np.int64)
    newest = np.full(g, -1, dtype=np.int64)  # the latest date any voice has stated the quantity for
    for vi, indices in enumerate(voice_tracks):
        best_start = np.full(g, -1, dtype=np.int64)
        best_kind = np.full(g, 2, dtype=np.int64)  # 0 stated, 1 incidents: stated wins a tie
        best_rank = np.full(g, np.iinfo(np.int64).max, dtype=np.int64)  # then the preferred source
        for j, ti in enumerate(indices):
            t = tracks[ti]
            k = np.searchsorted(t.starts, grid, side="right") - 1
            ok = k >= 0
            kk = np.where(ok, k, 0)
            newest = np.maximum(newest, np.where(ok, t.starts[kk], -1))
            ok &= grid <= t.until[kk]
            s = np.where(ok, t.starts[kk], -1)
            kind = 0 if t.kind == "stated" else 1
            same = (s == best_start) & (kind == best_kind)
            better = ok & ((s > best_start) | ((s == best_start) & (kind < best_kind)) | (same & (t.rank < best_rank)))
            best_start = np.where(better, s, best_start)
            best_kind = np.where(better, kind, best_kind)
            best_rank = np.where(better, t.rank, best_rank)
            for name, values in (("low", t.low), ("best", t.best), ("high", t.high), ("tol", t.tolerances())):
                out[name][vi] = np.where(better, values[kk], out[name][vi])
            known[vi] = np.where(better, t.published()[kk], known[vi])
            picks[vi] = np.where(better, kk, picks[vi])
            chosen[vi] = np.where(better, j, chosen[vi])
        start[vi] = best_start
    if not options.monotone:  # superseded stock figures stop counting
        old = (start >= 0) & (start < newest[None, :] - options.stale_after.days)
        for name in ("low", "best", "high", "tol"):
            out[name][old] = np.nan
        start[old], known[old], picks[old] = -1, -1, -1
    out["high"] = np.where(np.isnan(out["high"]) & ~np.isnan(out["low"]), np.inf, out["high"])  # open: +inf
    out["tol"] = np.nan_to_num(out["tol"])
    return {**out, "valid": ~np.isnan(out["low"]), "start": start, "known": known}, picks, chosen


#: Where the situation's start (`count_from`) is not configured, a figure's pace is taken over at
#: least this many days: the first figure in the store is not when the counting began.
PACE_DAYS = 30


def reach(arrays: Mapping[str, np.ndarray], options: Options, origin: int) -> tuple[np.ndarray, np.ndarray]:
    """Each counting figure's range brought to the date of the newest figure counting with it: widened
    by its rounding tolerance and, when older, by what the quantity can have grown (or, for a stock,
    moved) since: `growth` times the pace the figure implies since `origin` (the situation's
    `count_from`, else the first date any figure is for, over `PACE_DAYS` at least). Two figures
    whose reaches do not meet cannot both be true."""
    low, best, high, valid, start, tol = (arrays[k] for k in ("low", "best", "high", "valid", "start", "tol"))
    newest = np.where(valid, start, -1).max(axis=0)
    delta = np.where(valid, newest[None, :] - start, 0).astype(float)
    value = np.where(np.isfinite(best), best, np.where(np.isfinite(high), high, low))
    days = np.maximum(start - origin + 1, 1 if options.count_from is not None else PACE_DAYS).astype(float)
    moved = options.growth * np.nan_to_num(value, posinf=0.0) / days * delta
    reach_low = low - tol - (0.0 if options.monotone else moved)
    reach_high = high + tol + moved
    return np.where(valid, reach_low, np.nan), np.where(valid, reach_high, np.nan)


def _consensus(arrays: Mapping[str, np.ndarray], grid: np.ndarray, options: Options) -> dict[str, Any]:
    """Envelope, consensus range, best and disputes at every grid date (vectorised over voices).

    Agreement is judged on each figure's reach (`reach`); the consensus range is made of stated
    bounds only: the intersection of the deepest group's ranges, newest figures first, then the
    most precise, leaving out a figure that agrees only within its rounding or growth."""
    low, best, high, valid, start, tol = (arrays[k] for k in ("low", "best", "high", "valid", "start", "tol"))
    n = valid.sum(axis=0)
    lo = np.where(valid, low, np.inf)
    hi = np.where(valid, high, -np.inf)
    env_low = np.where(n > 0, lo.min(axis=0), np.nan)
    env_high = np.where(n > 0, hi.max(axis=0), np.nan)
    origin = options.count_from.toordinal() if options.count_from is not None else int(
        np.where(arrays["valid"], arrays["start"], np.iinfo(np.int64).max).min())
    rl, rh = reach(arrays, options, origin)
    # cover[a, b]: b's reach holds a's lowest reach; depth[a]: how many do; the deepest are the consensus
    cover = (valid[None, :, :] & valid[:, None, :] & (rl[None, :, :] <= rl[:, None, :])
             & (rl[:, None, :] <= rh[None, :, :]))
    depth = cover.sum(axis=1)
    top = depth.max(axis=0)
    tied = valid & (depth == top[None, :]) & (top[None, :] > 0)
    columns = np.arange(len(grid))
    order = np.lexsort((np.broadcast_to(np.arange(len(low))[:, None], low.shape), high - low, tol, -start), axis=0)
    c_low, c_high = np.full(len(grid), np.inf), np.full(len(grid), -np.inf)
    low_voice = np.zeros(len(grid), dtype=np.int64)
    high_voice = np.full(len(grid), -1, dtype=np.int64)
    for a in np.flatnonzero(tied.any(axis=1)):  # each deepest point's group, its stated bounds
        cur_l, cur_h = np.full(len(grid), -np.inf), np.full(len(grid), np.inf)
        l_src, h_src = np.full(len(grid), a, dtype=np.int64), np.full(len(grid), -1, dtype=np.int64)
        for r in range(len(low)):
            b = order[r]
            bl, bh = low[b, columns], high[b, columns]
            nl, nh = np.maximum(cur_l, bl), np.minimum(cur_h, bh)
            ok = tied[a] & cover[a, b, columns] & (nl <= nh)
            l_src = np.where(ok & (bl > cur_l), b, l_src)
            h_src = np.where(ok & (bh < cur_h), b, h_src)
            cur_l, cur_h = np.where(ok, nl, cur_l), np.where(ok, nh, cur_h)
        lower, higher = tied[a] & (cur_l < c_low), tied[a] & (cur_h > c_high)
        c_low, low_voice = np.where(lower, cur_l, c_low), np.where(lower, l_src, low_voice)
        c_high, high_voice = np.where(higher, cur_h, c_high), np.where(higher, h_src, high_voice)
    c_low = np.where(n > 0, c_low, np.nan)
    c_high = np.where(n > 0, c_high, np.nan)
    disputed = (valid[:, None, :] & valid[None, :, :] & (rh[:, None, :] < rl[None, :, :])).any(axis=(0, 1))
    medians = np.full(len(grid), np.nan)
    has_best = (valid & ~np.isnan(best)).any(axis=0)
    if has_best.any():
        medians[has_best] = np.nanmedian(np.where(valid, best, np.nan)[:, has_best], axis=0)
    high_voice = np.where((n > 0) & np.isfinite(c_high), high_voice, -1)
    return {"as_of": np.where(valid, start, -1).max(axis=0), "low": c_low, "high": c_high, "median": medians,
            "envelope_low": env_low, "envelope_high": env_high, "n_sources": n, "disputed": disputed,
            "low_src": np.where(n > 0, low_voice, -1), "low_at": start[low_voice, columns],
            "high_src": high_voice, "high_at": start[np.maximum(high_voice, 0), columns],
            "low_tol": tol[low_voice, columns], "high_tol": tol[np.maximum(high_voice, 0), columns],
            "known": np.where(valid, arrays["known"], -1).max(axis=0),
            "bests": np.where(valid, best, np.nan).T,
            "group_mask": _group(cover, tied).T, "valid_mask": valid.T, "reach_low": rl.T, "reach_high": rh.T}


def _group(cover: np.ndarray, tied: np.ndarray) -> np.ndarray:
    """(voices, dates): the voices whose range covers one of the deepest points, the group the
    consensus agrees with."""
    return tied | (cover & tied[:, None, :]).any(axis=0)


def _consistent(cols: dict[str, Any], counting: np.ndarray, options: Options) -> None:
    """Running totals never fall: carry each low forward and (with hindsight) each upper bound back, in
    place; bounds that differ only within their rounding are left as stated. For a stock
    (`monotone=False`) nothing is carried. Then the best is settled, and marked derived where it is
    no counting figure's own best."""
    monotone = options.monotone
    low = np.asarray(cols["low"], dtype=float).copy()
    high = np.asarray(cols["high"], dtype=float).copy()
    low_src, low_at = cols["low_src"].copy(), cols["low_at"].copy()
    high_src, high_at = cols["high_src"].copy(), cols["high_at"].copy()
    low_tol, high_tol = np.asarray(cols["low_tol"], dtype=float), np.asarray(cols["high_tol"], dtype=float)
    g = len(low)
    floor_at = np.full(g, -1, dtype=np.int64)  # the column whose low is the highest so far
    cap_at = np.full(g, -1, dtype=np.int64)  # the column whose high is the lowest from here on
    top: int = -1
    for i in range(g if monotone else 0):
        if counting[i] and (top < 0 or low[i] > low[top]):
            top = int(i)
        floor_at[i] = top
    top = -1
    for i in range(g - 1 if monotone and options.hindsight else -1, -1, -1):
        if counting[i] and (top < 0 or high[i] < high[top]):
            top = i
        cap_at[i] = top
    floor = np.where(floor_at >= 0, low[np.maximum(floor_at, 0)], -np.inf)
    floor_tol = low_tol[np.maximum(floor_at, 0)]
    cap = np.where(cap_at >= 0, high[np.maximum(cap_at, 0)], np.inf)
    cap_tol = high_tol[np.maximum(cap_at, 0)]
    inconsistent = np.zeros(g, dtype=bool)
    for k in np.flatnonzero(counting):
        if floor[k] > low[k]:
            if floor[k] <= high[k]:
                low[k] = floor[k]
                low_src[k], low_at[k] = low_src[floor_at[k]], low_at[floor_at[k]]
            elif floor[k] - floor_tol[k] > high[k] + high_tol[k]:  # below an earlier floor, beyond rounding:
                low[k] = floor[k]  # the stated bounds contradict it, so the top is left open
                low_src[k], low_at[k] = low_src[floor_at[k]], low_at[floor_at[k]]
                high[k] = np.inf
                high_src[k] = -1
                inconsistent[k] = True
        if cap[k] < high[k]:
            if cap[k] >= low[k]:
                high[k] = cap[k]
                high_src[k], high_at[k] = high_src[cap_at[k]], high_at[cap_at[k]]
            elif cap[k] + cap_tol[k] < low[k] - low_tol[k]:
                inconsistent[k] = True
    env_low = np.fmin(np.asarray(cols["envelope_low"], dtype=float), low)
    env_high = np.asarray(cols["envelope_high"], dtype=float)
    env_high = np.where(counting & np.isinf(high), np.inf, np.fmax(env_high, np.where(np.isinf(high), np.nan, high)))
    best = np.asarray(cols["median"], dtype=float).copy()
    middle = np.isnan(best) & counting & np.isfinite(high)
    best[middle] = np.expm1((np.log1p(low[middle]) + np.log1p(high[middle])) / 2)
    best = np.minimum(np.maximum(best, low), high)  # inside the consensus range (NaN stays NaN)
    best = np.where(counting, np.floor(best + 0.5), np.nan)
    stated = np.asarray(cols["bests"], dtype=float)
    said = (stated == best[:, None]).any(axis=1) if stated.size else np.zeros(g, dtype=bool)
    derived = counting & ~np.isnan(best) & ~said
    cols.update(low=np.where(counting, low, np.nan), high=np.where(counting, high, np.nan), best=best,
                best_derived=derived, envelope_low=env_low, envelope_high=env_high,
                low_src=low_src, low_at=low_at, high_src=high_src, high_at=high_at,
                inconsistent=inconsistent, disputed=np.asarray(cols["disputed"]) | inconsistent)
