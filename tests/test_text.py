"""Stage 1 (text): decode, split_lines, join_lines, normalize_line."""

from __future__ import annotations

import codecs
import re
import textwrap
from itertools import accumulate

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerstrip.text import (
    BinaryInputError,
    TextLine,
    column_segments,
    decode,
    hard_wrap_runs,
    inline_break_runs,
    join_lines,
    normalize_line,
    split_lines,
)


def texts(text):
    return [l.text for l in split_lines(text)]


def join_all(text) -> str:
    lines = split_lines(text)
    return join_lines(lines, range(len(lines)))


# ------------------------------------------------------------------ split_lines


def test_split_simple_indices_and_breaks():
    lines = split_lines("Title\n\nFirst paragraph.\nSecond line.\n\n\n\nLast")
    assert [l.text for l in lines] == ["Title", "First paragraph.", "Second line.", "Last"]
    assert [l.index for l in lines] == [0, 2, 3, 7]
    assert [l.para_break for l in lines] == [False, True, False, True]


def test_leading_blank_lines_do_not_make_a_break():
    lines = split_lines("\n\n  \nfirst\nsecond")
    assert [l.text for l in lines] == ["first", "second"]
    assert lines[0].para_break is False
    assert lines[0].index == 3


@pytest.mark.parametrize("sep", ["\r\n", "\r", "\n", "\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"])
def test_every_line_boundary_splits(sep):
    assert texts(f"alpha{sep}beta{sep}gamma") == ["alpha", "beta", "gamma"]


def test_crlf_and_lone_cr_give_same_lines_and_breaks():
    unix = "Head\n\nBody one.\nBody two.\n\nTail"
    for variant in (unix.replace("\n", "\r\n"), unix.replace("\n", "\r")):
        a, b = split_lines(unix), split_lines(variant)
        assert [(l.text, l.index, l.para_break) for l in a] == [(l.text, l.index, l.para_break) for l in b]
        assert join_all(variant) == unix


def test_crlf_counts_as_one_boundary_not_a_blank_line():
    lines = split_lines("a\r\nb")
    assert [l.index for l in lines] == [0, 1]
    assert lines[1].para_break is False


def test_form_feed_is_a_line_break():
    assert texts("page one\fpage two") == ["page one", "page two"]
    # A form feed on its own line reads as a blank line: a paragraph break.
    lines = split_lines("a\n\f\nb")
    assert [l.text for l in lines] == ["a", "b"]
    assert lines[1].para_break


def test_control_characters_removed_but_tab_kept():
    assert texts("a\x00b\x07c\x1bd\x7fe\x9ff") == ["abcdef"]
    assert texts("col1\tcol2") == ["col1\tcol2"]
    assert normalize_line("\x00\x01x\x02  ") == "x"


def test_line_of_only_controls_is_blank():
    lines = split_lines("one\n\x00\x01\x02\ntwo")
    assert [l.text for l in lines] == ["one", "two"]
    assert lines[1].para_break


def test_trailing_whitespace_stripped_leading_kept():
    assert texts("   indented   \n\tx\t ") == ["   indented", "\tx"]


def test_unicode_whitespace_only_line_is_blank():
    lines = split_lines("a\n\u00a0\u3000 \nb")
    assert [l.text for l in lines] == ["a", "b"]
    assert lines[1].para_break


def test_very_long_line_kept_whole():
    long = "word " * 200_000 + "end."
    lines = split_lines("short\n" + long + "\nafter")
    assert len(lines) == 3
    assert lines[1].text == long
    assert len(lines[1].text) == len(long)


def test_order_kept_and_nothing_invented():
    raw = [f"line number {k} with text" for k in range(300)]
    assert texts("\n".join(raw)) == raw


def test_empty_and_whitespace_only():
    assert split_lines("") == []
    assert split_lines(" \n\t\n\r\n  ") == []
    assert split_lines(b"") == []


def test_split_accepts_bytes():
    assert texts("caf\u00e9\nna\u00efve".encode("utf-8")) == ["caf\u00e9", "na\u00efve"]


# ------------------------------------------------------------------ join_lines


def test_round_trip_normalises_line_ends_and_blank_runs():
    raw = "\n\nTitle\r\n\r\n\r\nPara one a.\rPara one b.\n\n\n\n\nPara two.   \n\n"
    assert join_all(raw) == "Title\n\nPara one a.\nPara one b.\n\nPara two."


def test_join_subset_keeps_input_order_and_break_across_dropped_lines():
    lines = split_lines("A\nB\n\nC\nD\nE\n\nF")
    assert join_lines(lines, [0, 1]) == "A\nB"
    assert join_lines(lines, [3, 0]) == "A\n\nD"          # sorted; C started a paragraph
    assert join_lines(lines, [3, 4]) == "D\nE"
    assert join_lines(lines, [4, 5]) == "E\n\nF"
    assert join_lines(lines, [5, 5, 0]) == "A\n\nF"       # duplicates ignored
    assert join_lines(lines, []) == ""


def test_join_never_starts_with_a_break():
    lines = split_lines("A\n\nB\n\nC")
    assert join_lines(lines, [2]) == "C"
    assert join_lines(lines, [1, 2]) == "B\n\nC"


def test_textline_is_frozen():
    line = TextLine("x", 0)
    with pytest.raises(AttributeError):
        line.text = "y"  # type: ignore[misc]


_PLAIN_LINE = st.text(alphabet=st.characters(categories=("L", "N", "P", "Zs"), exclude_characters="\u0085"),
                      max_size=30).map(str.strip)


@settings(max_examples=150, deadline=None)
@given(st.lists(_PLAIN_LINE, max_size=25))
def test_round_trip_on_clean_text_is_identity_up_to_blank_runs(rows):
    raw = "\n".join(rows)
    expected = re.sub(r"\n{3,}", "\n\n", raw.strip("\n"))
    assert join_all(raw) == expected
    assert join_all(raw.replace("\n", "\r\n")) == expected


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_split_join_is_idempotent(raw):
    once = split_lines(raw)
    again = split_lines(join_lines(once, range(len(once))))
    assert [(l.text, l.para_break) for l in again] == [(l.text, l.para_break) for l in once]
    assert [l.index for l in once] == sorted(set(l.index for l in once))
    for l in once:
        assert l.text.strip() and l.text == l.text.rstrip()
        assert l.text.splitlines() == [l.text]
        assert normalize_line(raw.splitlines()[l.index]) == l.text


# ------------------------------------------------------------------ decode


def test_decode_str_passthrough():
    s = "already text \u2713"
    assert decode(s) is s


def test_decode_utf8():
    s = "caf\u00e9 \u2713 \u65e5\u672c\u8a9e \U0001f600"
    assert decode(s.encode("utf-8")) == s


def test_decode_utf8_bom_removed():
    assert decode(codecs.BOM_UTF8 + "h\u00e9llo".encode("utf-8")) == "h\u00e9llo"


@pytest.mark.parametrize("bom,codec", [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")])
def test_decode_utf16_with_bom(bom, codec):
    s = "H\u00e9llo \u65e5\u672c\nsecond line"
    out = decode(bom + s.encode(codec))
    assert out == s
    assert texts(bom + s.encode(codec)) == ["H\u00e9llo \u65e5\u672c", "second line"]


def test_decode_cp1252_curly_quotes():
    data = b"He said \x93hello\x94 \x96 it\x92s fine \x80 5"
    assert decode(data) == "He said \u201chello\u201d \u2013 it\u2019s fine \u20ac 5"


def test_decode_latin1_e_acute():
    assert decode(b"caf\xe9") == "caf\u00e9"


def _encode_back(text: str) -> bytes:
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            out += ch.encode("latin-1")
    return bytes(out)


def test_decode_invalid_bytes_is_lossless_under_the_fixed_rule():
    data = b"ok \xff\xfe\x81\x8d\x8f\x90\x9d \xc3( \xe2\x82 end"
    out = decode(data, detect=False)
    assert len(out) == len(data)
    assert _encode_back(out) == data
    assert len(decode(data)) == len(data)   # the detector's choice (a Cyrillic code page) is one char per byte too


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_decode_raises_only_for_binary_and_fixed_rule_is_lossless(data):
    try:
        assert isinstance(decode(data), str)
    except BinaryInputError:
        assert sum(b < 0x09 or 0x0E <= b < 0x20 and b != 0x1B for b in data) >= 4
    out = decode(data, detect=False)
    assert isinstance(out, str)
    boms = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    if data.startswith(boms) or b"<meta" in data.lower():
        return
    try:
        expected = data.decode("utf-8")
    except UnicodeDecodeError:
        assert _encode_back(out) == data
    else:
        assert out == expected


def test_decode_meta_charset_koi8r():
    page = '<html><head><meta charset="koi8-r"></head><body><p>\u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440</p></body></html>'
    assert decode(page.encode("koi8-r")) == page


def test_decode_meta_http_equiv_cp1251():
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
            '</head><body>\u041d\u043e\u0432\u043e\u0441\u0442\u0438</body></html>')
    assert decode(page.encode("cp1251")) == page


def test_decode_utf8_wins_over_meta_when_valid():
    page = '<meta charset="koi8-r"><p>caf\u00e9</p>'
    assert decode(page.encode("utf-8")) == page


def test_decode_meta_utf8_with_invalid_bytes_falls_back_to_cp1252():
    data = b'<meta charset="utf-8"><p>\x93quoted\x94</p>'
    assert decode(data) == '<meta charset="utf-8"><p>\u201cquoted\u201d</p>'


def test_decode_unknown_meta_charset_falls_back():
    data = b'<meta charset="no-such-charset"><p>caf\xe9</p>'
    assert decode(data) == '<meta charset="no-such-charset"><p>caf\u00e9</p>'


@pytest.mark.parametrize("charset", ["idna", "undefined", "punycode"])
def test_decode_never_raises_on_odd_meta_charset(charset):
    data = b'<html><head><meta charset="' + charset.encode() + b'"></head><body><p>caf\xe9</p></body></html>'
    out = decode(data)
    assert "caf\u00e9" in out


@pytest.mark.parametrize("charset", ["utf-16", "utf-16le", "utf-32"])
def test_decode_ignores_impossible_utf16_meta(charset):
    data = b'<html><head><meta charset="' + charset.encode() + b'"></head><body><p>caf\xe9 au lait</p></body></html>'
    out = decode(data)
    assert "<p>caf\u00e9 au lait</p>" in out


@pytest.mark.parametrize("value,name", [(None, "NoneType"), (42, "int"), (["a"], "list"), (3.5, "float")])
def test_decode_type_error(value, name):
    with pytest.raises(TypeError, match=f"expected str or bytes, got {name}"):
        decode(value)
    with pytest.raises(TypeError, match="expected str or bytes"):
        split_lines(value)


def test_decode_bytearray_and_memoryview():
    data = "caf\u00e9".encode("utf-8")
    assert decode(bytearray(data)) == "caf\u00e9"
    assert decode(memoryview(data)) == "caf\u00e9"


# ------------------------------------------------------------------ hard-wrapped text

PARAGRAPHS = [
    "Home | World | Business | Sport",
    "Ferry returns to service after repairs",
    "The island ferry returned to service on Monday after three weeks of repairs to its "
    "propeller shafts, the operator said, and the first crossing left on time with about "
    "two hundred passengers on board.",
    "Engineers replaced both shafts and a damaged bearing, and the vessel passed its sea "
    "trials at the weekend, according to a statement from the port authority.",
    "Share this article",
    "Regular timetables resume this week, with extra sailings planned for the holiday "
    "weekend when demand is usually highest on the route to the mainland.",
]


def wrapped(paragraphs, width):
    return "\n\n".join("\n".join(textwrap.wrap(p, width)) for p in paragraphs)


@pytest.mark.parametrize("width", [40, 60, 72, 78, 100])
def test_hard_wrap_runs_rejoin_each_paragraph(width):
    lines = split_lines(wrapped(PARAGRAPHS, width))
    runs = hard_wrap_runs(lines)
    assert runs == [len(textwrap.wrap(p, width)) for p in PARAGRAPHS]
    assert sum(runs) == len(lines)


def test_hard_wrap_runs_none_for_text_that_is_not_wrapped():
    assert hard_wrap_runs(split_lines("\n\n".join(PARAGRAPHS))) is None      # one line per paragraph
    assert hard_wrap_runs(split_lines(wrapped(PARAGRAPHS[:2], 60))) is None  # too few lines
    # Long headlines, one per line, each starting in upper case: a list, not wrapped prose.
    headlines = [f"{w} Council Approves Budget For The Coming Year After A Long Debate {k}"
                 for k, w in enumerate(["City", "County", "State", "Town", "Village", "Region"] * 2)]
    assert hard_wrap_runs(split_lines("\n".join(headlines))) is None
    # Text without case (CJK) is never taken for wrapped prose.
    cjk = "\n".join(["\u6771\u4eac\u90fd\u306e\u8b70\u4f1a\u306f\u706b\u66dc\u65e5\u306b\u516c\u5712\u306e\u62e1\u5f35\u3092\u627f\u8a8d\u3057\u305f"] * 12)
    assert hard_wrap_runs(split_lines(cjk)) is None


def test_hard_wrap_runs_keep_list_items_apart():
    items = [f"- item {k} of a list whose lines come near the wrap width and go on" for k in range(6)]
    text = wrapped(PARAGRAPHS, 72) + "\n\n" + "\n".join(items)
    runs = hard_wrap_runs(split_lines(text))
    assert runs is not None and runs[-len(items):] == [1] * len(items)


def test_inline_break_runs_rejoin_sentences_split_at_links():
    from bs4 import BeautifulSoup

    html = ("<html><body><ul><li><a href='/'>Home</a></li><li><a href='/n'>News</a></li></ul>"
            + "".join(f"<p>{p.replace('ferry', '<a href=/f>ferry</a>', 1).replace('shafts', '<b>shafts</b>', 1)}</p>"
                      for p in PARAGRAPHS) + "<p>Share this article</p></body></html>")
    text = BeautifulSoup(html, "lxml").get_text("\n")        # what scrapers make of a page
    lines = split_lines(text)
    runs = inline_break_runs(lines)
    assert runs is not None and sum(runs) == len(lines)
    starts = [0, *accumulate(runs)][:-1]
    joined = [" ".join(l.text.strip() for l in lines[a:a + r]) for a, r in zip(starts, runs)]
    assert "The island ferry returned to service on Monday" in next(j for j in joined if j.startswith("The island"))
    assert any(j.startswith("Engineers replaced both shafts and a damaged bearing") for j in joined)
    assert joined[:2] == ["Home", "News"] and joined[-1] == "Share this article"   # menu items stay apart


def test_inline_break_runs_none_for_text_split_at_blocks():
    assert inline_break_runs(split_lines("\n".join(PARAGRAPHS * 2))) is None     # one line per block
    assert inline_break_runs(split_lines(wrapped(PARAGRAPHS, 60))) is None       # wrapped, not split at links
    assert inline_break_runs(split_lines("Home\n the ferry\n, said")) is None    # too few lines


# ------------------------------------------------------------------ column_segments

STORY = ["The harbour authority approved the new ferry timetable on Tuesday evening.",
         "Commuters had asked for an earlier sailing for more than two years.",
         "The first boat will now leave the island at a quarter past six.",
         "Fares stay the same until the end of the year, the authority said.",
         "A second vessel is due back from its refit in the spring.",
         "Until then, weekend sailings will run every ninety minutes."]
SIDEBAR = [f"Most read: headline number {k} about something else" for k in range(8)]


def side_by_side(left, right, width=80):
    """Two columns as a text browser lays out a two-cell table row: each left cell padded
    to the column width, the right column running on below where the left one ends."""
    rows = [(left[k] if k < len(left) else "").ljust(width) + (right[k] if k < len(right) else "")
            for k in range(max(len(left), len(right)))]
    return [row.rstrip() for row in rows]


def test_column_segments_read_a_layout_column_by_column():
    text = "\n".join(["Menu   Home   News   Sport", "", *side_by_side(STORY, SIDEBAR), "", "Contact us | Privacy"])
    lines = split_lines(text)
    cells = column_segments(lines)
    assert cells is not None
    order = [cell.text for _, cell in cells]
    # the header line's cells first, then the story, then the sidebar, then the footer
    assert order[order.index("Home") + 3:order.index("Home") + 3 + len(STORY)] == STORY
    assert order[-len(SIDEBAR) - 1:-1] == SIDEBAR and order[-1] == "Contact us | Privacy"
    assert order[:4] == ["Menu", "Home", "News", "Sport"]
    # each cell is on its own input line, and the sidebar starts a paragraph of its own
    for k, cell in cells:
        assert cell.text in lines[k].text and cell.index == lines[k].index
    assert next(cell for _, cell in cells if cell.text == SIDEBAR[0]).para_break


def test_column_segments_none_without_a_layout():
    assert column_segments(split_lines("\n".join(STORY))) is None
    # a data table: cells after gaps, but never a right-hand cell alone on its line
    table = [f"{name:<30}{k * 7:>6}   {k * 13:>8} units sold in the last quarter of the year" for k, name in
             enumerate(["Alder", "Birch", "Cedar", "Dogwood", "Elm", "Fir", "Gum", "Hazel"] * 3)]
    assert column_segments(split_lines("\n".join(table))) is None
    # a right-hand column with little text (a few links) is not a column
    assert column_segments(split_lines("\n".join(side_by_side(STORY, ["Share", "Print", "Email"])))) is None


CELL_TEXT = st.lists(st.sampled_from(["harbour", "a", "ferry\u00a0line", "tab\there", "two  spaces", " ", "timetable"]),
                     max_size=9).map(" ".join)


@given(st.lists(CELL_TEXT, max_size=30), st.lists(CELL_TEXT, max_size=40), st.integers(0, 70),
       st.lists(CELL_TEXT, max_size=5))
@settings(max_examples=300, deadline=None)
def test_column_segments_cells_hold_each_line_text(left, right, width, more):
    """Cells are the input lines' own text: nothing added, nothing lost, none reordered
    within a line (on side-by-side layouts, and on whatever else the strategy makes)."""
    lines = split_lines("\n".join(more + side_by_side(left, right, width) + more))
    cells = column_segments(lines)
    if cells is None:
        return
    per_line: dict[int, list[str]] = {}
    for k, cell in cells:
        per_line.setdefault(k, []).append(cell.text)
    for k, line in enumerate(lines):
        assert "".join("".join(cell.split()) for cell in per_line[k]) == "".join(line.text.split())


def test_column_segments_on_a_huge_layout():
    text = "\n".join(side_by_side(STORY * 2000, SIDEBAR * 1000 + [f"item {k}" for k in range(10000)]))
    cells = column_segments(split_lines(text))
    assert cells is not None and len(cells) == len(STORY) * 2000 + len(SIDEBAR) * 1000 + 10000


# ------------------------------------------------------------------ legacy encodings and binary data


@pytest.mark.parametrize("text, codec", [
    ("El niño de España comió piñas.", "cp1252"),               # short Western text: the common code page wins ties
    ("Une cause célèbre.", "cp1252"),
    ("Larry King’s marriage — it’s over, isn’t it?", "cp1252"),
    ("Привет, как дела? Это тестовый текст на русском языке.", "cp1251"),
    ("Привет, как дела? Это тестовый текст на русском языке.", "koi8_r"),
    ("日本語のテキストです。東京は晴れています。", "shift_jis"),
    ("日本語のテキストです。東京は晴れています。", "iso2022_jp"),   # 7-bit: valid UTF-8, told by its escapes
    ("这是一个中文测试文本，今天天气很好。", "gb2312"),
    ("這是一個中文測試文本，今天天氣很好。", "big5"),
    ("이것은 한국어 테스트 텍스트입니다. 오늘 날씨가 좋습니다.", "euc_kr"),
    ("Zażółć gęślą jaźń. To jest polski tekst testowy o pogodzie.", "cp1250"),
    ("Hello world, this is a test of UTF-16 text without a BOM.", "utf-16-le"),
])
def test_decode_detects_legacy_encodings(text, codec):
    assert decode(text.encode(codec)) == text


def test_decode_reads_utf8_with_a_stray_byte_as_utf8():
    """A UTF-8 page with one bad byte is read as a browser reads it, not as cp1252 mojibake."""
    data = '<meta charset="utf-8"><p>Grüße aus Köln, schön.</p>'.encode() + b"\xa0"
    assert decode(data) == '<meta charset="utf-8"><p>Grüße aus Köln, schön.</p>\ufffd'


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,      # an image's header and binary body
    b"\x7fELF\x02\x01\x01" + b"\x00" * 200,             # an executable
    b"\x1f\x8b\x08\x00" + bytes(range(256)),              # gzip
    b"\x00" * 100,
])
def test_binary_data_is_refused_with_a_value_error(data):
    with pytest.raises(BinaryInputError, match="not text"):
        decode(data)
    assert issubclass(BinaryInputError, ValueError)


def test_a_few_nul_bytes_are_text():
    assert decode(b"Hello\x00 world, a stray NUL in a line of text.") == "Hello\x00 world, a stray NUL in a line of text."
    assert [line.text for line in split_lines(b"Hello\x00 world.\nSecond line.")] == ["Hello world.", "Second line."]
