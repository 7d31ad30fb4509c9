"""Stage 1 for Markdown: the input's own lines, what each shows a reader, and what its markup says.

Scrapers such as html2text and markdownify hand over Markdown.  Read as plain text, a menu
line ``* [World](/world)`` is mostly URL and markers, nothing like the lines the model was
trained on, so link lists, logos and share links pass for text.  This reader keeps every
input line (Markdown in, Markdown out) but gives the model each line's *visible* text and a
:class:`LineStructure` in the HTML vocabulary it learned: block tag, heading, the share of
the text inside links, depth.

>>> md = read_markdown("# News\\n\\n* [World](/world)\\n\\nThe council voted on [Tuesday](/t).")
>>> [line.text for line in md.visible]
['News', 'World', 'The council voted on Tuesday.']
>>> [(s.tag, s.heading, round(s.link_share, 2)) for s in md.structure]
[('h1', True, 0.0), ('li', False, 1.0), ('p', False, 0.24)]
>>> looks_like_markdown("Home | News\\n\\n- one\\n# two\\nA sentence.")
False

Every pattern is linear in the line: no repeated group can match the same text two ways,
and bracket runs stop at the next bracket, so a megabyte of ``[[[[`` or ``](`` is read at
regex speed.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .features.structure import LineStructure
from .text import TextInput, TextLine, decode, split_lines

__all__ = ["MarkdownLines", "read_markdown", "looks_like_markdown"]

# Backslash escapes become private-use characters while the markup is read, so that an
# escaped bracket, paren or star is never syntax (html2text escapes parens in URLs).
_ESC = 0xE000
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_UNESCAPE = {_ESC + c: c for c in range(0x21, 0x7F)}
_PRIVATE = re.compile("[\ue000-\ue0ff]")
_LINK_ON, _LINK_OFF = "\ue001", "\ue002"   # around link text while a line is read
_LINKED = re.compile(f"{_LINK_ON}([^{_LINK_ON}{_LINK_OFF}]*){_LINK_OFF}")

# A link target: <anything on the line> or a run without whitespace whose parens pair up
# one level deep, then an optional quoted title.
_TARGET = r"""(<[^<>\n]*>|(?:[^\s()]|\([^\s()]*\))*)(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\s*\)"""
_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\(" + _TARGET)
_LINK = re.compile(r"\[([^\[\]\n]*)\]\(" + _TARGET)
_REF_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\[[^\[\]\n]*\]")
_REF_LINK = re.compile(r"\[([^\[\]\n]*)\]\[[^\[\]\n]*\]")
_AUTOLINK = re.compile(r"<((?:[A-Za-z][A-Za-z0-9+.-]{1,31}:|www\.)[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>")
_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")
_URL = re.compile(r"(?<![A-Za-z0-9+.-])(?:[A-Za-z][A-Za-z0-9+.-]{1,31}://|www\.)\S+")
_REF_DEF = re.compile(r" {0,3}\[(?!\^)[^\[\]\n]+\]:\s*(\S+)")
_FOOTNOTE_DEF = re.compile(r" {0,3}\[\^[^\[\]\n]+\]:")
_STRONG = re.compile(r"(?<!\w)(?:\*{1,3}|_{1,3}|~~)(?=[^\s*_~])|(?<=[^\s*_~])(?:\*{1,3}|_{1,3}|~~)(?!\w)|`+")
# Anything the inline patterns below could act on (escapes are private-use characters by then).
_MARKUP = re.compile("[\\[<*_~`\ue000-\ue0ff]|://|www\\.")
_EDGE_MARKS = re.compile(r"^[*_~]{1,3}(?=\s)|(?<=\s)[*_~]{1,3}$")

# Block syntax, matched at the start of a line.
_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+|$)")
_ATX_CLOSE = re.compile(r"(?<![ \t])[ \t]+#+[ \t]*$")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*")
_RULE = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_QUOTE = re.compile(r" {0,3}((?:>[ \t]?)+)")
_ITEM = re.compile(  # with the bullet "•" of text renderers (resiliparse), which Markdown may quote
    r"([ \t]*)(?:[-*+\u2022]|\d{1,9}[.)])(?:[ \t]+|$)")
_CELL_RULE = re.compile(r"[ \t]*:?-+:?[ \t]*")

# Depths in the range an HTML page's blocks have (about 10 of a page's deepest 15), so
# that the depth relative to the document's deepest line stays where the model saw it.
_BLOCK_DEPTH = 10


class MarkdownLines(NamedTuple):
    """The input's non-blank lines (as :func:`~boilerstrip.text.split_lines` gives them),
    their visible text (same index and paragraph break, never blank), and one
    :class:`LineStructure` each."""

    lines: list[TextLine]
    visible: list[TextLine]
    structure: list[LineStructure]


def _protect(line: str) -> str:
    line = _PRIVATE.sub("", line)
    return _ESCAPE.sub(lambda m: chr(_ESC + ord(m.group(1))), line)


def _target_url(target: str) -> str:
    return target[1:-1] if target.startswith("<") and target.endswith(">") else target


class _Inline(NamedTuple):
    text: str          # visible text, whitespace collapsed
    link_share: float  # of its characters inside link text
    urls: list[str]    # link and image targets, autolinks, bare URLs
    images: int        # images on the line
    image_only: bool   # nothing but images (and links around them)


def _inline(line: str) -> _Inline:
    """The visible text of one line's inline markup (block markers already removed)."""
    if not _MARKUP.search(line):   # most prose lines: no markup at all, nothing to undo
        return _Inline(" ".join(line.split()), 0.0, [], 0, False)
    urls: list[str] = []
    alts: list[str] = []

    def image(m: re.Match) -> str:
        urls.append(_target_url(m.group(2)))
        alts.append(m.group(1))
        return "\ue003" + m.group(1) + "\ue004"

    def ref_image(m: re.Match) -> str:
        alts.append(m.group(1))
        return "\ue003" + m.group(1) + "\ue004"

    def link(m: re.Match) -> str:
        urls.append(_target_url(m.group(2)))
        return _LINK_ON + m.group(1) + _LINK_OFF

    def autolink(m: re.Match) -> str:
        urls.append(m.group(1))
        return ""

    s = _IMAGE.sub(image, line)
    s = _REF_IMAGE.sub(ref_image, s)
    s = _LINK.sub(link, s)
    s = _REF_LINK.sub(lambda m: _LINK_ON + m.group(1) + _LINK_OFF, s)
    s = _AUTOLINK.sub(autolink, s)
    s = _TAG.sub(" ", s)
    s = _STRONG.sub("", s)
    s = " ".join(s.split())
    s = _EDGE_MARKS.sub("", s).strip()
    bare = _URL.findall(s)
    without_images = re.sub("\ue003[^\ue003\ue004]*\ue004", "", s)
    image_only = bool(alts) and not any(c.isalnum() for c in without_images)
    s = s.replace("\ue003", "").replace("\ue004", "")
    linked = sum(len(t) for t in _LINKED.findall(s))
    s = s.replace(_LINK_ON, "").replace(_LINK_OFF, "")
    if bare and not any(c.isalnum() for c in _URL.sub("", s)):   # nothing but URLs: all link
        linked = len(s)
    urls += bare
    text = " ".join(s.translate(_UNESCAPE).split())
    share = min(1.0, linked / len(s)) if s else (1.0 if urls else 0.0)
    return _Inline(text, share, [u.translate(_UNESCAPE) for u in urls], len(alts), image_only)


def _is_table_rule(line: str) -> bool:
    """A table's delimiter row: ``---|:---:`` or ``| --- |``."""
    if "|" not in line:
        return False
    return all(_CELL_RULE.fullmatch(c) for c in _split_cells(line))


def _split_cells(line: str) -> list[str]:
    return line.strip().strip("|").split("|")


def _indent(prefix: str) -> int:
    return len(prefix.expandtabs(4))


def read_markdown(text: TextInput) -> MarkdownLines:
    """Every non-blank input line with its visible text and structure (see the module doc).

    Never raises on text (bytes are decoded as :func:`~boilerstrip.text.decode` does) and
    never returns a blank visible line: a line with nothing visible (a rule, a bare image,
    a table's delimiter row) shows its URLs or, failing those, its raw text.
    """
    lines = split_lines(decode(text))
    n = len(lines)
    raws = [_protect(line.text) for line in lines]
    rules = [_is_table_rule(r) for r in raws]
    tags = ["p"] * n
    heads = [False] * n
    depths = [_BLOCK_DEPTH] * n
    texts: list[str | None] = [None] * n   # visible text chosen by block syntax (code, rules)
    inner = list(raws)                     # the line less its block markers
    link_only = [False] * n
    setext = [False] * n                   # the underline of a setext heading
    fence = ""
    list_indents: list[int] = []
    in_table = False
    for k, (line, raw) in enumerate(zip(lines, raws)):
        adjacent = k > 0 and lines[k - 1].index == line.index - 1
        if not adjacent:
            in_table = False
        if fence:                           # inside fenced code: text as it is
            tags[k], texts[k] = "pre", line.text
            stripped = raw.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            continue
        m = _FENCE.match(raw)
        if m:
            fence = m.group(1)
            tags[k], texts[k] = "pre", line.text.strip()
            continue
        m = _REF_DEF.match(raw)
        if m:                               # a link's target: only its URL, all link
            texts[k], link_only[k] = m.group(1).translate(_UNESCAPE), True
            continue
        if _FOOTNOTE_DEF.match(raw):
            inner[k] = raw.split(":", 1)[1]
            continue
        m = _SETEXT.fullmatch(raw)
        if m and adjacent and tags[k - 1] == "p" and not heads[k - 1] and texts[k - 1] is None \
                and not list_indents:
            level = "h1" if m.group(1)[0] == "=" else "h2"
            tags[k - 1] = tags[k] = level
            setext[k] = True
            heads[k - 1] = heads[k] = True
            texts[k] = line.text.strip()
            continue
        if _RULE.fullmatch(raw):
            tags[k], texts[k] = "hr", line.text.strip()
            list_indents.clear()
            continue
        m = _ATX.match(raw)
        if m:
            tags[k], heads[k] = f"h{len(m.group(1))}", True
            inner[k] = _ATX_CLOSE.sub("", raw[m.end():])
            list_indents.clear()
            continue
        header = k + 1 < n and rules[k + 1] and lines[k + 1].index == line.index + 1 and "|" in raw
        if rules[k] or header or (in_table and "|" in raw) or raw.lstrip().startswith("|"):
            in_table = True
            cells = _split_cells(raw)
            tags[k] = "tr" if rules[k] or sum(bool(c.strip()) for c in cells) > 1 else "td"
            depths[k] = _BLOCK_DEPTH + 2
            if rules[k]:
                texts[k] = line.text.strip()
            inner[k] = " ".join(c for c in cells if not _CELL_RULE.fullmatch(c))   # nested tables' rules too
            continue
        in_table = False
        m = _QUOTE.match(raw)
        if m:
            tags[k] = "blockquote"
            depths[k] = _BLOCK_DEPTH + m.group(1).count(">")
            raw = raw[m.end():]
            inner[k] = raw
        m = _ITEM.match(raw)
        if m:
            indent = _indent(m.group(1))
            while list_indents and list_indents[-1] > indent:
                list_indents.pop()
            if not list_indents or list_indents[-1] < indent:
                list_indents.append(indent)
            tags[k] = "li" if tags[k] == "p" else tags[k]
            depths[k] += 1 + 2 * (len(list_indents) - 1)
            inner[k] = raw[m.end():]
            continue
        indent = _indent(raw[:len(raw) - len(raw.lstrip())])
        if tags[k] == "p" and list_indents and indent > 0:
            depths[k] += 2 * len(list_indents)     # a list item's continuation
            continue
        list_indents.clear()
        if tags[k] == "p" and indent >= 4 and k > 0 and (line.para_break or tags[k - 1] == "pre"):
            tags[k], texts[k] = "pre", line.text
    visible: list[TextLine] = []
    structure: list[LineStructure] = []
    for k, line in enumerate(lines):
        info = _inline(inner[k])
        fixed = texts[k]
        shown = fixed if fixed is not None else info.text
        if heads[k] and not shown:          # html2text puts "---" under a one-cell table row
            tags[k], heads[k] = "p", False
        if setext[k] and not heads[k - 1]:
            tags[k], heads[k] = "hr", False
        if not shown.strip():
            shown = " ".join(info.urls).strip() or line.text.strip()   # "![]()" has an empty URL
        tag = "img" if info.image_only and tags[k] in ("p", "li") else tags[k]
        share = 1.0 if link_only[k] else info.link_share if fixed is None else 0.0
        visible.append(TextLine(shown, line.index, line.para_break))
        structure.append(LineStructure(tag, heads[k], share, depths[k], False, ""))
    return MarkdownLines(lines, visible, structure)


# Detection: counts of lines with unmistakable Markdown.
_DETECT_LINK = re.compile(r"!?\[[^\[\]\n]*\]\(" + _TARGET)
_DETECT_DEF = re.compile(r"^ {0,3}\[[^\[\]\n]+\]:[ \t]*[^\s/.:]*[/.:]", re.M)
_DETECT_REF = re.compile(r"\[[^\[\]\n]+\]\[[^\[\]\n]*\]")
_DETECT_HEAD = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.M)
_DETECT_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})", re.M)
_DETECT_STRONG = re.compile(r"(?:\*\*|__)[^*_\s][^*_\n]{0,200}(?:\*\*|__)")
_DETECT_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}\.)[ \t]+\S", re.M)
_DETECT_LIMIT = 200_000   # characters looked at
# Every rule below needs one of these: a link or image "](", a definition "]:", a heading
# "#" or a fence.  (Reading escapes never makes them, so their absence settles it.)
_DETECT_MARKS = ("](", "]:", "#", "```", "~~~")


def looks_like_markdown(text: str) -> bool:
    """Whether ``text`` is Markdown, judged conservatively: plain text with a few ``- ``
    or ``#`` lines is not.

    Markdown needs inline links or images (``[text](url)``, ``![alt](url)``), or
    reference links with their URL definitions, at least two and as many as 2 % of the
    non-blank lines (at most ten counted per line); or an ATX heading with as many other signs (links, a table's
    delimiter row, a fenced block, ``**strong**``); or a fenced code block with one more
    sign.  Lists alone are no evidence (plain-text scrapers write ``- `` items too), nor
    are ``[1][2]`` citations without definitions, nor a page that quotes a few lines of
    Markdown in its text.
    """
    if not isinstance(text, str):
        return False
    head = text[:_DETECT_LIMIT]
    if not any(mark in head for mark in _DETECT_MARKS):   # most plain text: no sign to count at all
        return False
    lines = [_protect(ln) for ln in head.splitlines() if ln.strip()]
    if not lines:
        return False
    sample = "\n".join(lines)
    # Links per line, up to ten (markdownify can put a whole layout table on one line).
    links = sum(min(10, len(_DETECT_LINK.findall(ln))) for ln in lines if "](" in ln)
    definitions = len(_DETECT_DEF.findall(sample))
    if definitions:
        links += definitions + sum(1 for ln in lines if _DETECT_REF.search(ln))
    needed = max(2, 0.02 * len(lines))   # plain text quoting a bit of Markdown has less
    if links >= needed:
        return True
    heads = len(_DETECT_HEAD.findall(sample))
    fences = min(2, len(_DETECT_FENCE.findall(sample)) // 2)
    signs = links + min(2, sum(_is_table_rule(ln) for ln in lines if "-" in ln)) \
        + min(2, len(_DETECT_STRONG.findall(sample)))
    if heads and signs + fences >= needed:
        return True
    return fences > 0 and signs + (heads > 0) + (len(_DETECT_ITEM.findall(sample)) >= 2) >= 1
