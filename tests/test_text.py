"""Running text: HTML to plain text with its map to the original, read whole or paragraph by paragraph."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from figures import text
from figures.text import paragraphs, plain_paragraphs, to_plain

#: Pieces of markup and text that exercise blank lines, the colon rule, entities and dropped content.
PIECES = ["<p>", "</p>", "<div class='a'>", "</div>", "<br>", "<br/>", "<li>", "<b>", "</b>", "<a href='x'>",
          "</a>", "<h2>", "<script>var x = '<p>';</script>", "<style>p {}</style>", "<!-- a <p> comment -->",
          "&amp;", "&nbsp;", "&#8211;", "&#x2014;", "&bogus;", "&shy;", "\u00ad", "\n", "\n\n", " \n \n ",
          "\t", " ", ":", ",", ";", ".", "killed", "Kharkiv", "1,081", "At least 40 people", "said."]

html_texts = st.lists(st.sampled_from(PIECES), max_size=80).map(lambda parts: "<html><body>" + "".join(parts))


def _expected(raw: str) -> list[tuple[str, list[int]]]:
    doc = to_plain(raw)
    return [(p, [doc.position(offset + i) for i in range(len(p))]) for offset, p in paragraphs(doc.text) if p]


def _streamed(raw: str) -> list[tuple[str, list[int]]]:
    return [(d.text, [d.position(i) for i in range(len(d.text))]) for d in plain_paragraphs(raw)]


@pytest.mark.parametrize("hold", [0, 1, 5, 4096])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=html_texts)
def test_paragraphs_read_as_they_go_are_those_of_the_whole_text(monkeypatch, hold, raw):
    """Streamed paragraphs are the paragraphs of the whole plain text, and every character maps back
    to the same place in the original, however often the stream looks for blank lines."""
    monkeypatch.setattr(text, "HOLD", hold)
    assert _streamed(raw) == _expected(raw)


@given(raw=st.text(alphabet="ab :,;\n\t.", max_size=300))
def test_plain_text_paragraphs_map_to_themselves(raw):
    assert _streamed(raw) == _expected(raw)
    for d in plain_paragraphs(raw):
        start = d.position(0)
        assert raw[start:start + len(d.text)] == d.text


def test_entities_decoded_scripts_dropped_blocks_break():
    raw = ("<html><body><h1>Update</h1><script>var killed = 5;</script><p>Nearly 1,000 civilians&nbsp;killed"
           " &amp; 2,000 injured</p><ul><li>Kharkiv:</li><li>Mariupol</li></ul></body></html>")
    found = [d.text.strip() for d in plain_paragraphs(raw)]
    assert found == ["Update", "Nearly 1,000 civilians\u00a0killed & 2,000 injured", "Kharkiv:\n\n\n\nMariupol"]
    para = next(d for d in plain_paragraphs(raw) if "Nearly" in d.text)
    at = para.text.index("1,000")
    start, end = para.span(at, at + 5)
    assert raw[start:end] == "1,000"
    amp = para.text.index("&")
    assert raw[para.position(amp):].startswith("&amp;")


def test_html_is_read_without_holding_its_plain_text():
    """Memory beyond the input stays about one paragraph, whatever the length of the document."""
    import tracemalloc

    def peak(n: int) -> int:
        raw = "<html><body>" + "".join(f"<p>Paragraph {i} of the report, with <b>some</b> text &amp; more.</p>\n"
                                       for i in range(n))
        tracemalloc.start()
        try:
            for _ in plain_paragraphs(raw):
                pass
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(500), peak(8_000)
    assert large < 2 * small + 64 * 1024, (small, large)


def test_folding_for_dates_keeps_offsets_and_reads_what_ignorecase_reads():
    """find_dates matches DATE without IGNORECASE on folded text: for every code point, folding gives one
    character, an ASCII letter exactly when IGNORECASE would match that letter, and keeps the classes."""
    import re
    import string
    import sys

    letter, word, space, digit = re.compile("[a-z]", re.I), re.compile(r"\w"), re.compile(r"\s"), re.compile(r"\d")
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        f = c.translate(text._FOLD).lower()
        assert len(f) == 1, hex(cp)
        if letter.fullmatch(c) or f in string.ascii_lowercase:
            assert f in string.ascii_lowercase and re.fullmatch(f, c, re.I), hex(cp)
        elif f != c:
            assert bool(word.match(c)) == bool(word.match(f)) and bool(space.match(c)) == bool(space.match(f)) \
                and not digit.match(c), hex(cp)


def test_dates_in_any_case_and_with_dotless_letters():
    from datetime import date

    from figures.text import find_dates

    sentence = "As of 4 MARCH and 1 Aprıl 2022, until Sept. 3"
    got = [(m.day, m.start, m.end) for m in find_dates(sentence, date(2022, 9, 9))]
    assert got == [(date(2022, 3, 4), 6, 13), (date(2022, 4, 1), 18, 30), (date(2022, 9, 3), 38, 45)]
