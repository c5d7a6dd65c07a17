"""The house style: size, colours, markers and line styles per voice, the canvas, the heading
and footer, the count axis, "at least" arrows, margin labels pushed apart, and text wrapped to a
width measured with the renderer.

Everything is drawn inside matplotlib's default style plus `RC`, so a user's matplotlibrc changes
nothing; colours come from the colour-blind-safe `petroff10` cycle shipped with matplotlib.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import matplotlib
import matplotlib.style
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import offset_copy

from .words import tick

SIZE, DPI = (12.0, 6.75), 100
INK, MUTED, GRID = "#1f1f1f", "#4d4d4d", "#e4e4e4"
#: The picture's left and right margin, as a share of its width: the title starts there.
EDGE = 0.03
#: Okabe-Ito, for a matplotlib that ships no `petroff10`.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "h"]
GLYPHS = ["\u25cf", "\u25a0", "\u25b2", "\u25c6", "\u25bc", "\u271a", "\u2716", "\u2b22"]  # the markers, as text
LINESTYLES: list[Any] = ["-", "--", ":", "-.", (0, (5, 1.5, 1, 1.5, 1, 1.5)), (0, (8, 2)), (0, (1, 1)),
                         (0, (3, 1, 1, 1))]
#: Base settings every chart is drawn with, over matplotlib's defaults.
RC = {"font.family": "DejaVu Sans", "font.size": 10.5, "text.hinting": "no_hinting", "axes.titlesize": 12,
      "xtick.labelsize": 10.5, "ytick.labelsize": 10.5, "svg.hashsalt": "figures", "svg.fonttype": "path",
      "pdf.fonttype": 42}


@dataclass(frozen=True)
class Look:
    """How one voice is drawn."""

    colour: str
    marker: str
    glyph: str
    linestyle: Any

    @property
    def ink(self) -> str:
        """A darker shade of the colour, so text in it stays legible on white."""
        r, g, b = to_rgb(self.colour)
        return to_hex((0.6 * r, 0.6 * g, 0.6 * b))


def palette() -> list[str]:
    """The colour-blind-safe cycle: `petroff10` when matplotlib ships it, else Okabe-Ito."""
    style = matplotlib.style.library.get("petroff10")
    if not style:
        return OKABE_ITO
    # its two greys are left out: grey is the consensus
    return [c for c in style["axes.prop_cycle"].by_key()["color"] if c not in ("#94a4a2", "#717581")]


def looks(voices: list[str]) -> dict[str, Look]:
    """A colour, marker and line style per voice, in the voices' order."""
    colours = palette()
    return {v: Look(colours[i % len(colours)], MARKERS[i % len(MARKERS)], GLYPHS[i % len(GLYPHS)],
                    LINESTYLES[i % len(LINESTYLES)]) for i, v in enumerate(voices)}


@contextmanager
def house_style() -> Iterator[None]:
    """matplotlib's defaults plus `RC`, whatever the user's matplotlibrc says."""
    with matplotlib.style.context(["default", RC]):
        yield


def canvas() -> tuple[Figure, Axes]:
    fig = Figure(figsize=SIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.spines[["left", "bottom"]].set_color("#8a8a8a")
    ax.tick_params(colors=MUTED, labelcolor=MUTED, labelsize=10.5)
    return fig, ax


#: The height the x axis's tick labels (two lines: `Mar\n2022`) take below the axes, in pixels.
TICK_ROOM = 44


def heading(fig: Figure, title: str, sub: str, foot: str, ax: Axes | None = None) -> None:
    """Title, subtitle and footer; with `ax`, the axes are raised where a long footer would meet
    their tick labels."""
    fig.text(EDGE, 0.955, title, fontsize=18, weight="bold", color=INK, va="top", gid="title")
    said = fig.text(EDGE, 0.89, textwrap.fill(sub, 125, break_on_hyphens=False), fontsize=12, color="#333333",
                    va="top", gid="subtitle", linespacing=1.3)
    foot_text = fig.text(EDGE, 0.025, textwrap.fill(foot, 158, break_on_hyphens=False), fontsize=9, color=MUTED,
                         va="bottom", gid="footer", linespacing=1.35)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    for text, whole in ((said, sub), (foot_text, foot)):  # too wide for what its characters count (capitals)
        if text.get_window_extent(renderer).width > fig.bbox.width * (1 - 2 * EDGE):
            text.set_text(whole)
            fit(text, fig.bbox.width * (1 - 2 * EDGE))
    if ax is not None:  # the x tick labels take two lines of 10.5 pt below the axes (about 44 px)
        need = foot_text.get_window_extent(renderer).y1 + 10 + TICK_ROOM - ax.get_position().y0 * fig.bbox.height
        if need > 0:
            fig.subplots_adjust(bottom=fig.subplotpars.bottom + need / fig.bbox.height)


def count_axis(ax: Axes, top: float) -> None:
    ax.set_ylim(0, top)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10], integer=True))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: tick(v, top)))
    ax.grid(axis="y", color=GRID, lw=0.9)
    ax.set_axisbelow(True)


def arrows(ax: Axes, xs: Any, ys: Any, colour: str, gid: str, size: float = 1.0) -> None:
    """'At least': an arrow up from each marker (no upper bound), as two artists however many there
    are: the shafts and the heads, set a fixed number of points above the figures."""
    fig = ax.figure
    assert isinstance(fig, Figure)
    shaft = offset_copy(ax.transData, fig=fig, y=7 * size, units="points")
    head = offset_copy(ax.transData, fig=fig, y=14 * size, units="points")
    ax.plot(xs, ys, ls="none", marker="|", ms=12 * size, mew=1.3, color=colour, transform=shaft, gid=gid, zorder=6)
    ax.plot(xs, ys, ls="none", marker="^", ms=5.5 * size, mew=0, color=colour, transform=head, zorder=6)


def spread(fig: Figure, ax: Axes, labels: list[tuple[float, Text]], gap_px: float = 6) -> None:
    """Wrap margin labels (anchored at data heights) that would pass the picture's right margin, and
    move them apart so none overlap, keeping their order."""
    if not labels:
        return
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    right = fig.bbox.width * (1 - EDGE)
    for _, text in labels:  # a line too wide for what its characters count (capitals, a long word)
        fit(text, right - text.get_window_extent(renderer).x0)
    box = ax.get_window_extent(renderer)
    placed = []
    for y, text in labels:
        h = text.get_window_extent(renderer).height
        want = ax.transData.transform((ax.get_xlim()[0], y))[1]
        placed.append([min(max(want, box.y0 + h / 2), box.y1 + 20), h, text])
    placed.sort(key=lambda p: -p[0])
    for above, below in zip(placed, placed[1:], strict=False):  # top down: push each below the one above
        below[0] = min(below[0], above[0] - above[1] / 2 - gap_px - below[1] / 2)
    floor = box.y0 - 30
    if placed[-1][0] - placed[-1][1] / 2 < floor:  # ran off the bottom: push the stack back up
        shift = floor - (placed[-1][0] - placed[-1][1] / 2)
        for p in placed:
            p[0] += shift
    for centre, _, text in placed:  # back into each text's own coordinates
        trans = text.get_transform()
        x = trans.transform((text.get_position()[0], 0))[0]
        text.set_y(trans.inverted().transform((x, centre))[1])


def fit(text: Text, width: float, max_lines: int | None = None) -> str:
    """Rewrap `text` so no line is wider than `width` pixels, as the renderer measures it; past
    `max_lines` lines the last is cut with an ellipsis. A parenthesis is kept whole where it fits,
    a short word (a marker's glyph, `13 Apr`) stays with the word after it, and a word too wide alone
    is hyphenated."""
    renderer = text.figure.canvas.get_renderer()  # type: ignore[union-attr,attr-defined]

    def wide(said: str) -> float:
        text.set_text(said)
        return float(text.get_window_extent(renderer).width)

    out: list[str] = []
    cut: set[int] = set()  # lines that end in a hyphen of ours, inside a word too wide for one line
    for paragraph in text.get_text().split("\n"):
        # a parenthesis is one token, and so is a word of one or two characters (a marker's glyph, a
        # day of the month) with the next
        todo, line = re.findall(r"\([^)]*\)\S*|(?:\S{1,2} )?\S+", paragraph), ""
        while todo:
            token = todo.pop(0)
            joined = f"{line} {token}" if line else token
            if wide(joined) <= width or (not line and len(token) == 1):
                line = joined
            elif line:  # a new line for the token
                out.append(line)
                line, todo = "", [token, *todo]
            elif token.startswith("(") and " " in token:  # a parenthesis too wide alone: its words one by one
                todo = [*token.split(" "), *todo]
            else:  # one word too wide alone: hyphenated where it must be
                k = next(k for k in range(len(token) - 1, 0, -1) if wide(token[:k] + "-") <= width or k == 1)
                cut.add(len(out))
                out.append(token[:k] + "-")
                todo = [token[k:], *todo]
        out.append(line)
    if max_lines and len(out) > max_lines:
        last = out[max_lines - 1]
        for i in range(max_lines, len(out)):
            last = last[:-1] + out[i] if i - 1 in cut else f"{last} {out[i]}"
        while len(last) > 1 and wide(last.rstrip(" ,;:-") + "\u2026") > width:
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        out = [*out[:max_lines - 1], last.rstrip(" ,;:-") + "\u2026"]
    said = "\n".join(out)
    text.set_text(said)
    return said
