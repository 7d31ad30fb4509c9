"""Stage 1: text in, lines out, and kept lines back to text.

This is the only place that decides what a "line" is, so that the cleaner can promise
that every output line is one of the input's lines, in the input's order.

>>> doc = split_lines("Title\\r\\n\\r\\nFirst paragraph.\\rSecond line.")
>>> [line.text for line in doc]
['Title', 'First paragraph.', 'Second line.']
>>> join_lines(doc, [0, 1])
'Title\\n\\nFirst paragraph.'
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from functools import partial
from itertools import compress
from typing import NamedTuple, Sequence, Union

import numpy as np

__all__ = ["TextLine", "BinaryInputError", "decode", "split_lines", "join_lines", "normalize_line", "strip_controls",
           "hard_wrap_runs", "inline_break_runs", "column_segments"]

TextInput = Union[str, bytes, bytearray, memoryview]

# Every character Python treats as a line boundary (\n, \r, \v, \f, \x1c-\x1e, \x85,
# \u2028, \u2029): str.splitlines() knows them all, and so does this module.
# C0/C1 control characters other than tab carry no text; NUL in particular breaks
# downstream C tools, so they are removed from line text (the one normalisation made).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x1f\x7f\x80-\x84\x86-\x9f]")
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LATIN_DECLARATIONS = ("latin-1", "iso8859-1", "cp1252")
_IGNORED_DECLARATIONS = ("utf-8", "ascii", "idna", "punycode",
                         "undefined", "unicode-escape", "raw-unicode-escape", "utf-7")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)


class TextLine(NamedTuple):
    """One non-blank input line.

    ``index`` is the line's number among *all* input lines (blank ones included), and
    ``para_break`` says whether one or more blank lines separate it from the previous
    non-blank line, which is how paragraph breaks survive cleaning.

    A named tuple rather than a frozen dataclass, as :class:`~boilerstrip.features.structure.LineStructure`
    is: every input line is one, and a tuple is built in half the time (a third by
    ``tuple.__new__``).  So it also equals the plain tuple of its fields.
    """

    text: str
    index: int   # type: ignore[assignment]  # shadows tuple.index(), which no line needs
    para_break: bool = False


def _cp1252_lossless(data: bytes) -> str:
    # cp1252 leaves five bytes undefined; map those to the latin-1 code point so that
    # decoding never fails and never drops a byte.
    out = []
    for chunk in re.split(rb"([\x81\x8d\x8f\x90\x9d])", data):
        if len(chunk) == 1 and chunk in b"\x81\x8d\x8f\x90\x9d":
            out.append(chunk.decode("latin-1"))
        elif chunk:
            out.append(chunk.decode("cp1252"))
    return "".join(out)


class BinaryInputError(ValueError):
    """Raised for bytes that are not text in any encoding: an image, an executable,
    compressed data.  A ``ValueError``, so ``except ValueError`` catches it too."""


# Bytes that text never holds (C0 controls other than tab, line breaks and escape); a
# few are tolerated (a stray NUL is removed like any control character), many mean binary.
_BINARY_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_BINARY_SHARE_UTF8 = 0.10      # of a valid UTF-8 sample (UTF-16 text without a BOM is valid UTF-8)
_BINARY_SHARE_LEGACY = 0.01    # of a sample no legacy encoding explains
_BINARY_MIN = 4                # bytes: fewer is a stray, not a binary file
_UTF16_SHARE = 0.20            # control-byte share above which only UTF-16/32 can be text
_SAMPLE = 1 << 16              # bytes looked at for detection; the whole input is decoded
# The legacy encodings browsers support (WHATWG Encoding Standard, without the rare Mac
# ones), as Python codecs, most used on the web first: a detector choosing among all of
# Python's code pages finds Urdu in "Grüße", and short texts fit several code pages
# equally well, so ties go to the more common one.
_WEB_ENCODINGS = ("cp1252", "cp1251", "gb18030", "cp932", "cp949", "cp1250", "big5", "euc_jp", "iso8859_2",
                  "cp1256", "cp1254", "cp1253", "cp1255", "cp874", "cp1257", "cp1258", "koi8_r", "koi8_u",
                  "cp866", "iso8859_15", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8", "iso8859_3",
                  "iso8859_4", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_16")
_UTF16_32 = ("utf_16_le", "utf_16_be", "utf_32_le", "utf_32_be")
_ISO2022_JP = (b"\x1b$B", b"\x1b$@", b"\x1b(J")   # its escapes: 7-bit bytes, so also valid UTF-8
_CHAOS_TIE = 0.01              # mess ratios this close are a tie
_COHERENCE_TIE = 0.02          # and so are language coherences
_CHAOS_UNSURE = 0.10           # a best mess ratio above this is no reading at all


def _binary_count(sample: bytes) -> int:
    return len(sample) - len(sample.translate(None, _BINARY_BYTES))


def _is_binary(sample: bytes, share: float) -> bool:
    count = _binary_count(sample)
    return count >= _BINARY_MIN and count > share * len(sample)


def _detect(data: bytes) -> str | None:
    """Text from a well-kept detector (charset-normalizer) choosing among the web's
    legacy encodings, or among UTF-16/32 when control bytes are many (the high bytes
    of ASCII or Cyrillic code units, say); ``None`` when no
    encoding explains the bytes.  It looks at a sample cut at a line break."""
    from charset_normalizer import from_bytes

    sample = data[:_SAMPLE]
    if len(data) > _SAMPLE:
        cut = max(sample.rfind(b"\n"), sample.rfind(b"\r"))
        sample = sample[:cut + 1] if cut > _SAMPLE // 2 else sample
    candidates = _UTF16_32 if _binary_count(sample) > _UTF16_SHARE * len(sample) else _WEB_ENCODINGS
    matches = list(from_bytes(sample, cp_isolation=list(candidates)))
    if not matches:
        return None
    least = min(m.chaos for m in matches)
    if least > _CHAOS_UNSURE and candidates is _WEB_ENCODINGS \
            and not any(b in sample for b in b"\x81\x8d\x8f\x90\x9d"):
        return _cp1252_lossless(data)   # no reading is clean: keep the most common code page
    # The least messy readings, then the most like a language; among those left, the
    # most common encoding (one that reads the bytes the same as another counts as both).
    close = [m for m in matches if m.chaos <= least + _CHAOS_TIE]
    most = max(m.coherence for m in close)
    close = [m for m in close if m.coherence >= most - _COHERENCE_TIE]
    rank = {name: k for k, name in enumerate(candidates)}
    encoding = min((name for m in close for name in (m.encoding, *m.could_be_from_charset) if name in rank),
                   key=rank.__getitem__, default=close[0].encoding)
    return data.decode(encoding, errors="replace")


def _mostly_utf8(data: bytes) -> str | None:
    """``data`` as UTF-8 with the few bad bytes replaced, when its valid non-ASCII
    characters outnumber the bad bytes by far (a UTF-8 page with a stray byte, as a
    browser reads it); legacy bytes are hardly ever valid UTF-8 sequences."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ch > "\x7f") - bad
    return text if good >= max(2, 2 * bad) else None


def decode(data: TextInput, detect: bool = True) -> str:
    """Return ``data`` as ``str``.

    Order of trust: a byte-order mark, then UTF-8 (ISO-2022-JP when its escapes are
    there), then an HTML ``<meta charset>`` declaration, then UTF-8 with a few bad bytes
    replaced, then a detector (charset-normalizer) choosing among the legacy encodings
    browsers support, then a lossless cp1252/latin-1 fallback.  Bytes that
    are no text at all (many control bytes that no encoding explains) raise
    :class:`BinaryInputError`.  ``detect=False`` skips the detector and the binary
    check (UTF-8, declaration, cp1252: a fixed rule, as the corpora builder needs).

    >>> decode(b"caf\\xc3\\xa9"), decode(b"caf\\xe9"), decode("café")
    ('café', 'café', 'café')
    >>> decode("Привет, как дела? Это текст на русском языке.".encode("cp1251"))
    'Привет, как дела? Это текст на русском языке.'
    >>> decode(bytes(range(256)) * 4)
    Traceback (most recent call last):
    ...
    boilerstrip.text.BinaryInputError: not text: 104 of 1024 bytes are control bytes that no text encoding uses
    """
    if isinstance(data, str):
        return data
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, bytes):
        raise TypeError(f"expected str or bytes, got {type(data).__name__}")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    sample = data[:_SAMPLE]
    if text is not None:
        if detect and any(e in sample for e in _ISO2022_JP):
            try:
                return data.decode("iso2022_jp")
            except UnicodeDecodeError:
                pass
        if not detect or not _is_binary(sample, _BINARY_SHARE_UTF8):
            return text
    else:
        declared = _declared(data)
        if declared is not None:
            return declared
        if not detect:
            return _cp1252_lossless(data)
        mostly = _mostly_utf8(data)
        if mostly is not None and not _is_binary(sample, _BINARY_SHARE_UTF8):
            return mostly
    # Only bytes that are not (clean) UTF-8 text get here, with ``detect`` on.
    detected = _detect(data)
    if detected is not None:
        return detected
    if _is_binary(sample, _BINARY_SHARE_LEGACY if text is None else _BINARY_SHARE_UTF8):
        raise BinaryInputError(f"not text: {_binary_count(sample)} of {len(sample)} bytes are control bytes "
                               "that no text encoding uses")
    return _cp1252_lossless(data)


def _declared(data: bytes) -> str | None:
    """``data`` decoded as its ``<meta charset>`` says, when it says something usable."""
    declared = _META_CHARSET.search(data[:4096])
    if not declared:
        return None
    name = declared.group(1).decode("ascii", "ignore").lower()
    try:
        codec = codecs.lookup(name)
        if codec.name in _LATIN_DECLARATIONS:   # browsers read all of them as windows-1252
            return _cp1252_lossless(data)
        # A declaration readable as ASCII cannot be true of UTF-16/32 bytes (browsers
        # ignore it too), and a UTF-8 one is already known to be false.
        if codec.name not in _IGNORED_DECLARATIONS and not codec.name.startswith(("utf-16", "utf-32")) \
                and getattr(codec, "_is_text_encoding", True):
            return data.decode(codec.name, errors="replace")
    except (LookupError, UnicodeError, ValueError):
        pass
    return None


def strip_controls(text: str) -> str:
    """``text`` without the control characters that carry no text (tab and line
    breaks excepted)."""
    return _CONTROL.sub("", text)


def normalize_line(raw: str) -> str:
    """The line text the cleaner works with: control characters removed, trailing
    whitespace stripped.  Leading indentation is kept, since it is the input's own."""
    return _CONTROL.sub("", raw).rstrip()


def split_lines(text: TextInput) -> list[TextLine]:
    """Split text into its non-blank lines, remembering paragraph breaks.

    Accepts ``str`` or ``bytes`` (see :func:`decode`); anything else is a ``TypeError``.
    """
    # The control characters removed are never line boundaries, so removing them from
    # the whole text at once gives the same lines as normalize_line on each.
    return split_plain_lines(strip_controls(decode(text)))


def split_plain_lines(text: str) -> list[TextLine]:
    """:func:`split_lines` of text known to hold no control characters (a reader that has
    looked for them already skips looking again)."""
    rows = list(map(str.rstrip, text.splitlines()))
    index = list(compress(range(len(rows)), rows))           # the non-blank rows
    breaks = [False] + [b - a > 1 for a, b in zip(index, index[1:])]   # blank rows between
    return list(map(_text_line, zip(compress(rows, rows), index, breaks)))


# A TextLine from its fields, as tuple.__new__ builds it (half the time of TextLine(...)).
_text_line = partial(tuple.__new__, TextLine)


# Hard-wrapped text (lynx/w3m dumps, html2text, e-mail exports) breaks every paragraph into
# lines of at most a fixed width.  Such a line is not a unit of the page: the model is
# trained on one line per block, so wrapped paragraphs are scored as the lines they were.
_WRAP_MIN_LINES = 8
_WRAP_WIDTHS = (30, 130)      # widths scrapers and terminals wrap at
_WRAP_NEAR = 15               # a full line ends within this many characters of the width
_WRAP_BREAK_NEAR = 20         # a line a wrap breaks ends within this many (words vary more)
_WRAP_SHARE = 0.1             # of the lines are full ones, for the text to be wrapped
_WRAP_LOWER = 0.4             # of the lines a wrap would continue start in lower case
_LIST_START = re.compile(r"(?:[-*+\u2022\u2013\u2014>|#]|\d{1,3}[.)])\s")   # on the stripped line


def hard_wrap_runs(lines: Sequence[TextLine]) -> list[int] | None:
    """How many consecutive lines make up each line of hard-wrapped text, or ``None``
    when ``lines`` are not hard-wrapped.

    Text is hard-wrapped at width W when many of its lines end within a word of W and
    hardly any is longer (W: the 98th percentile of line lengths, 30-130).  A break is a
    wrap when the line is nearly full, the next line's first word would not have fitted
    on it, no blank line or list marker comes between, and most such continuations start
    in lower case (which is what tells wrapped prose from a list of long headlines).

    >>> text = ("Home | News\\n\\nThe council voted on Tuesday to expand the park by twelve\\n"
    ...         "acres, officials said, after a year of debate.\\n\\n" * 4)
    >>> hard_wrap_runs(split_lines(text))
    [1, 2, 1, 2, 1, 2, 1, 2]
    >>> hard_wrap_runs(split_lines("One line.\\nAnother line.")) is None
    True
    """
    n = len(lines)
    if n < _WRAP_MIN_LINES:
        return None
    lengths = [len(l.text) for l in lines]
    width = sorted(lengths)[int(0.98 * (n - 1))]
    if not _WRAP_WIDTHS[0] <= width <= _WRAP_WIDTHS[1]:
        return None
    if sum(width - _WRAP_NEAR <= k <= width for k in lengths) < max(4, _WRAP_SHARE * n):
        return None
    wraps = []
    for b, k in zip(lines[1:], lengths):
        nxt = b.text.lstrip()
        word = nxt.find(" ")
        wraps.append(not b.para_break and k >= width - _WRAP_BREAK_NEAR
                     and k + 1 + (len(nxt) if word < 0 else word) > width and not _LIST_START.match(nxt))
    starts = [b.text.lstrip()[:1] for b, w in zip(lines[1:], wraps) if w]
    cased = [c for c in starts if c.lower() != c.upper()]
    if len(cased) < 3 or sum(c.islower() for c in cased) < _WRAP_LOWER * len(cased):
        return None
    return _runs(wraps)


# Text split at inline elements (BeautifulSoup's get_text("\n"), a DOM's text nodes one a
# line): "That's where my" / "SOS Method" / " comes in. It is ...".  A text node after an
# inline element starts with the space or punctuation that followed the element.
_INLINE_CONTINUES = re.compile(r" \S|[.,;:!?)\]}]")
_INLINE_MIN_SHARE = 0.03      # of the lines continue one before, for the text to be split so
_INLINE_SHORT = 80            # an inline element's own line (a link, a bold phrase) is shorter
_SENTENCE_END = tuple(".!?:;\"”’)")


def inline_break_runs(lines: Sequence[TextLine]) -> list[int] | None:
    """How many consecutive lines make up each line of text broken at inline elements,
    or ``None`` when ``lines`` are not broken so.

    Such text puts each text node on its own line: a link or a bold phrase inside a
    sentence is a line, and the rest of the sentence begins the next one with the space
    or punctuation that followed the element.  A line that begins so (no blank line
    before) continues the one before; so does a short line that follows a line ending
    mid-sentence and is itself continued (the link between).  Scored as the paragraph it
    was, a sentence is not judged by its fragments.

    >>> text = ("Home\\nNews\\nThe council voted to expand\\nthe park\\n by twelve acres.\\n\\n"
    ...         "Officials said the cost\\nwas\\n, in all, four million dollars.\\n" * 2)
    >>> inline_break_runs(split_lines(text))
    [1, 1, 3, 3, 1, 1, 3, 3]
    >>> inline_break_runs(split_lines("One line.\\nAnother line.")) is None
    True
    """
    n = len(lines)
    if n < _WRAP_MIN_LINES:
        return None
    joins = [not b.para_break and _INLINE_CONTINUES.match(b.text) is not None for b in lines[1:]]
    if sum(joins) < max(3, _INLINE_MIN_SHARE * n):
        return None
    for k in range(1, n - 1):   # joins[k - 1]: line k joins line k - 1
        if joins[k] and not joins[k - 1] and not lines[k].para_break and len(lines[k].text) < _INLINE_SHORT \
                and not lines[k - 1].text.endswith(_SENTENCE_END):
            joins[k - 1] = True
    return _runs(joins)


# Text laid out as displayed (inscriptis, text browsers) puts a layout table's cells side by
# side: the article's lines share their lines with a sidebar's, or alternate with them.  A
# cell is padded to its column's width, so the text after a gap starts at the same column
# on many lines.
_CELL = re.compile(r"\S+(?:[ \u00a0]{1,2}\S+)*")   # text between runs of 3+ spaces
_COLUMN_GAP = "   "
_COLUMN_SEEN = 2              # a column starts where text after a gap starts this often
_COLUMN_MAX_STARTS = 64       # candidate columns looked at (the most frequent)
_COLUMN_CHARS = 300           # a column holds at least this much text
_COLUMN_CELLS = 3             # ... in at least this many cells
_COLUMN_ALONE = 0.1           # ... of which this share are alone on their line (left cells empty)
_COLUMN_SWITCHES = 4          # reading order moves between columns at least this often


def column_segments(lines: Sequence[TextLine]) -> list[tuple[int, TextLine]] | None:
    """The cells of text laid out in side-by-side columns, in reading order, as
    ``(line position, cell)``; ``None`` when ``lines`` are not laid out so.  A cell is a
    :class:`TextLine` of its line's index, starting a paragraph where its line does or
    where reading moves to another column or skips lines.

    Columns are where text after a gap of 3+ spaces starts on several lines.  A column
    needs some text, several cells, and cells alone on their line (a layout table's
    sidebar runs on where the article has ended; a data table's cells seldom stand
    alone), and reading must switch between columns often.  Between the first and the
    last line with a right-hand column the cells are read column by column; the lines
    above and below (a page's header and footer) stay where they are.

    >>> rows = [f"Paragraph {k} of the story, told at length.".ljust(48) + f"Sidebar: another headline, no. {k}"
    ...         for k in range(8)] + [" " * 48 + f"Sidebar: another headline, no. {k}" for k in (8, 9)]
    >>> cells = column_segments(split_lines("\\n".join(rows)))
    >>> [k for k, cell in cells]
    [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
    >>> cells[7][1].text, cells[8][1].text, cells[8][1].para_break
    ('Paragraph 7 of the story, told at length.', 'Sidebar: another headline, no. 0', True)
    >>> column_segments(split_lines("One line.\\nAnother line.")) is None
    True
    """
    if sum(_COLUMN_GAP in line.text.strip() for line in lines) < _COLUMN_SEEN:
        return None
    cells = [(k, m.start(), m.group()) for k, line in enumerate(lines)
             for m in _CELL.finditer(line.text.replace("\t", " "))]
    alone = [True] + [a[0] != b[0] for a, b in zip(cells, cells[1:])]   # first cell on its line
    after_gap = Counter(start for (_, start, _), first in zip(cells, alone) if not first)
    frequent = after_gap.most_common(_COLUMN_MAX_STARTS)
    bounds = np.array(sorted({0, *(start for start, count in frequent if count >= _COLUMN_SEEN)}))
    starts = np.array([start for _, start, _ in cells])
    chars = np.array([len(text) for _, _, text in cells], dtype=np.float64)
    alone_cells = np.array(alone, dtype=np.float64)
    while len(bounds) > 1:   # the weakest column that fails a test joins the one to its left
        column = np.searchsorted(bounds, starts, side="right") - 1
        size = np.bincount(column, chars, len(bounds))
        n = np.bincount(column, minlength=len(bounds))
        weak = (size < _COLUMN_CHARS) | (n < _COLUMN_CELLS) | (np.bincount(column, alone_cells, len(bounds))
                                                               < _COLUMN_ALONE * n)
        weak[0] = False
        if not weak.any():
            break
        bounds = np.delete(bounds, np.flatnonzero(weak)[np.argmin(size[weak])])
    if len(bounds) < 2 or np.count_nonzero(np.diff(column)) < _COLUMN_SWITCHES:
        return None
    line_of = np.array([k for k, _, _ in cells])
    right = line_of[column > 0]
    inside = (line_of >= right.min()) & (line_of <= right.max())
    phase = np.where(line_of < right.min(), 0, np.where(inside, 1, 2))
    order = np.lexsort((starts, line_of, np.where(inside, column, 0), phase)).tolist()   # last key first
    columns = column.tolist()
    k, _, text = cells[order[0]]
    out = [(k, TextLine(text, lines[k].index, False))]
    for a, b in zip(order, order[1:]):
        k, _, text = cells[b]
        moved = columns[a] != columns[b] or not 0 <= k - cells[a][0] <= 1
        out.append((k, TextLine(text, lines[k].index, moved or lines[k].para_break)))
    return out


def _runs(joins: Sequence[bool]) -> list[int]:
    """Lines per run, given for each line after the first whether it joins the one before."""
    runs = [1]
    for join in joins:
        if join:
            runs[-1] += 1
        else:
            runs.append(1)
    return runs


def join_lines(lines: Sequence[TextLine], keep: Sequence[int]) -> str:
    """Reassemble the kept lines (positions into ``lines``) in input order.

    Kept lines that had a blank line between them in the input stay a paragraph
    apart; lines whose dropped neighbours sat between them are joined by a newline,
    or by a paragraph break if any of the lines in between started a paragraph.
    """
    out: list[str] = []
    prev = -1
    for pos in sorted(set(keep)):
        line = lines[pos]
        if out:
            gap = any(lines[k].para_break for k in range(prev + 1, pos + 1))
            out.append("\n\n" if gap else "\n")
        out.append(line.text)
        prev = pos
    return "".join(out)
