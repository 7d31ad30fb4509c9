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
from dataclasses import dataclass
from typing import Sequence, Union

__all__ = ["TextLine", "decode", "split_lines", "join_lines", "normalize_line", "strip_controls"]

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
_IGNORED_DECLARATIONS = ("utf-8", "latin-1", "iso8859-1", "cp1252", "ascii", "idna", "punycode",
                         "undefined", "unicode-escape", "raw-unicode-escape", "utf-7")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)


@dataclass(frozen=True)
class TextLine:
    """One non-blank input line.

    ``index`` is the line's number among *all* input lines (blank ones included), and
    ``para_break`` says whether one or more blank lines separate it from the previous
    non-blank line, which is how paragraph breaks survive cleaning.
    """

    text: str
    index: int
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


def decode(data: TextInput) -> str:
    """Return ``data`` as ``str``; bytes are decoded without ever raising.

    Order of trust: a byte-order mark, then UTF-8, then an HTML ``<meta charset>``
    declaration, then a lossless cp1252/latin-1 fallback.

    >>> decode(b"caf\\xc3\\xa9"), decode(b"caf\\xe9"), decode("café")
    ('café', 'café', 'café')
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
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _META_CHARSET.search(data[:4096])
    if declared:
        name = declared.group(1).decode("ascii", "ignore").lower()
        try:
            codec = codecs.lookup(name)
            # A declaration readable as ASCII cannot be true of UTF-16/32 bytes (browsers
            # ignore it too); single-byte Latin declarations fall through to cp1252.
            if codec.name not in _IGNORED_DECLARATIONS and not codec.name.startswith(("utf-16", "utf-32")) \
                    and getattr(codec, "_is_text_encoding", True):
                return data.decode(codec.name, errors="replace")
        except (LookupError, UnicodeError, ValueError):
            pass
    return _cp1252_lossless(data)


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
    text = strip_controls(decode(text))
    lines: list[TextLine] = []
    pending_break = False
    for index, raw in enumerate(text.splitlines()):
        line = raw.rstrip()
        if not line:
            pending_break = bool(lines)
            continue
        lines.append(TextLine(line, index, pending_break))
        pending_break = False
    return lines


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
