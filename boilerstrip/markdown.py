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

Speed: inline markup is read for all lines at once, each pattern run over the lines joined
by newlines rather than a dozen regex calls per line.  No pattern but the last (a link
whose text spans lines, as markdownify writes linked blocks) matches a newline, and next to
one each behaves as at the start or end of a line, so line ``k`` of every other pass is
what that pass makes of line ``k`` alone.  And each pattern starts with a literal character
where it can, so that the regex engine jumps from candidate to candidate instead of trying
every position.
"""

from __future__ import annotations

import re
from functools import partial
from itertools import accumulate, repeat
from typing import NamedTuple

from .features.structure import LineStructure
from .text import _CONTROL, TextInput, TextLine, _text_line, decode, split_lines, split_plain_lines

__all__ = ["MarkdownLines", "read_markdown", "looks_like_markdown"]

# Backslash escapes become private-use characters while the markup is read, so that an
# escaped bracket, paren or star is never syntax (html2text escapes parens in URLs).
_ESC = 0xE000
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_ESCAPED = re.compile("([\ue021-\ue07e])")   # what _ESCAPE makes of them
_UNESCAPE = {_ESC + c: c for c in range(0x21, 0x7F)}
_PROTECT = {c: _ESC + c for c in range(0x21, 0x7F)}
_PRIVATE = re.compile("[\ue000-\ue0ff]")
_LINK_ON, _LINK_OFF = "\ue001", "\ue002"     # around link text while a line is read
_IMAGE_ON, _IMAGE_OFF = "\ue003", "\ue004"   # around image alt text
_LINKED = re.compile(f"{_LINK_ON}([^{_LINK_ON}{_LINK_OFF}\n]*){_LINK_OFF}")
_IMAGED = re.compile(f"{_IMAGE_ON}[^{_IMAGE_ON}{_IMAGE_OFF}\n]*{_IMAGE_OFF}")

# What str.isspace() calls whitespace, but for " " and "\n".
_ODD_SPACES = "\t\x0b-\r\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# [^\s()] spelled out, which the regex engine looks up in one table instead of testing a
# category and two characters: link passes a fifth faster.
_NO_SPACE_OR_PAREN = f"[^ \n(){_ODD_SPACES}]"

# A link target: <anything on the line> or a run without whitespace whose parens pair up
# one level deep, then an optional quoted title.  The run is written unrolled (characters,
# then paren groups each followed by characters), which the regex engine matches as one
# character class instead of an alternation per character: a third of the time on
# html2text's long URLs, and the same matches.
_TARGET = (r"""(<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:[^\S\n]+(?:"[^"\n]*"|'[^'\n]*'))?[^\S\n]*\)"""
           .replace(r"[^\s()]", _NO_SPACE_OR_PAREN))
_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\(" + _TARGET)
_LINK = re.compile(r"\[([^\[\]\n]*)\]\(" + _TARGET)
_LINK_NESTING = 3    # links inside link text, as deep as converters write them
_LINK_LINES = 8      # most lines one link's text may span (markdownify's linked cards)
# A link whose text spans lines: matched once images and one-line links are marks (so that
# its text has no brackets left), each start stopping at the next bracket (linear).
# Its last line shows some text before "](": a line of only "](url)" stays all link.
_SPANNING_LINK = re.compile(r"\[([^\[\]\n]*(?:\n[^\[\]\n]*){0,%d}\n[^\[\]\S\n]*[^\[\]\s][^\[\]\n]*)\]\("
                            % (_LINK_LINES - 1) + _TARGET)
_REF_IMAGE = re.compile(r"!\[([^\[\]\n]*)\]\[[^\[\]\n]*\]")
_REF_LINK = re.compile(r"\[([^\[\]\n]*)\]\[[^\[\]\n]*\]")
_AUTOLINK = re.compile(r"<((?:[A-Za-z][A-Za-z0-9+.-]{1,31}:|www\.)[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>")
_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")
_URL = re.compile(r"(?<![A-Za-z0-9+.-])(?:[A-Za-z][A-Za-z0-9+.-]{1,31}://|www\.)\S+")
_REF_DEF = re.compile(r" {0,3}\[(?!\^)[^\[\]\n]+\]:\s*(\S+)")
_FOOTNOTE_DEF = re.compile(r" {0,3}\[\^[^\[\]\n]+\]:")
# Emphasis marks that open a span (not after a word character, before text) or close one
# (after text, not before a word character), and code backticks.  Each alternative starts
# with its mark and looks behind across it, so that the engine skips from mark to mark.
_STRONG = re.compile(
    r"\*(?<!\w\*)\*{0,2}(?=[^\s*_~])|_(?<!\w_)_{0,2}(?=[^\s*_~])|~(?<!\w~)~(?=[^\s*_~])"
    r"|\*(?<=[^\s*_~]\*)\*{0,2}(?!\w)|_(?<=[^\s*_~]_)_{0,2}(?!\w)|~(?<=[^\s*_~]~)~(?!\w)|``*")
# Marks left at either end of a (whitespace-collapsed) line, next to a space: "** Special report **".
_EDGE_MARKS = re.compile(r"[*_~](?:(?<=\n[*_~])[*_~]{0,2}(?= )|(?<= [*_~])[*_~]{0,2}(?=\n))")
_ODD_SPACE = re.compile(f"[{_ODD_SPACES}]")
# The characters that some step removes or replaces, found in one scan of the input (most
# inputs have none): control characters (split_lines), private-use ones (_protect) and
# whitespace but " " and "\n" (_Inline).  Each step skips its own scan when none is found.
_SPECIAL = re.compile(f"[{_CONTROL.pattern[1:-1]}\ue000-\ue0ff{_ODD_SPACES}]")
_ALNUM = re.compile(r"[^\W_]")   # what str.isalnum() is true of

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
# A first character that none of the block patterns above can start with (nor indentation).
_PLAIN_START = re.compile(r"[^\s`~\[=\-*_#|>+\u2022\d]")
# That, or (group 1 its indentation) a list item whose text starts with a character no
# pattern above reads there, so that no other block syntax can apply (on a line without "|").
_PLAIN_OR_ITEM = re.compile(_PLAIN_START.pattern + r"|([ \t]*)(?:[-*+\u2022]|\d{1,9}[.)])[ \t]+(?=[^\s*_\-])")

# A LineStructure from its fields, as tuple.__new__ builds it (a third of the time of
# LineStructure(...)), as text._text_line builds TextLines.
_line_structure = partial(tuple.__new__, LineStructure)

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


def _protect(text: str, private: bool = True) -> str:
    """Private-use characters removed (``private``: there may be some) and escapes made
    private (line by line alike: no escape spans a newline)."""
    parts = _ESCAPE.split(_PRIVATE.sub("", text) if private else text)   # text, escaped character, text, ...
    if len(parts) > 1:   # all escaped characters translated at once, as _unescape does
        parts[1::2] = "".join(parts[1::2]).translate(_PROTECT)
    return "".join(parts)


def _unescape(text: str) -> str:
    """``text.translate(_UNESCAPE)`` at the cost of its escapes (a whole document through a
    dict translation costs a millisecond)."""
    parts = _ESCAPED.split(text)
    if len(parts) == 1:
        return text
    parts[1::2] = "".join(parts[1::2]).translate(_UNESCAPE)
    return "".join(parts)


def _mark(label: str, on: str, off: str) -> str:
    """``label`` between ``on`` and ``off``: marks already inside it (links nested in it)
    dropped, and each of its lines marked on its own (a link whose text spans lines)."""
    if on in label:
        label = label.replace(on, "").replace(off, "")
    if "\n" in label:
        label = label.replace("\n", off + "\n" + on)
    return on + label + off


def _wrap(pattern: re.Pattern, text: str, on: str, off: str, targets: list[str] | None = None) -> str:
    """``pattern.sub`` of each match by its group 1 marked (:func:`_mark`), without a
    regex callback per match; a second group (a link's target) is dropped, or added to
    ``targets``."""
    parts = pattern.split(text)                  # text, group 1[, group 2], text, ...
    step = pattern.groups + 1
    parts[1::step] = [_mark(label, on, off) for label in parts[1::step]]
    if step == 3:
        if targets is not None:
            targets += parts[2::3]
        parts[2::3] = [""] * (len(parts) // 3)
    return "".join(parts)


def _wrap_links(text: str, targets: list[str] | None = None) -> str:
    """Inline links marked, innermost first, up to ``_LINK_NESTING`` deep: a card that
    links its image, headline, byline and "Read more" separately and all of them again as
    one outer link is one link (each pass is linear; the pattern's text has no brackets)."""
    for _ in range(_LINK_NESTING):
        wrapped = _wrap(_LINK, text, _LINK_ON, _LINK_OFF, targets)
        if wrapped == text or "](" not in wrapped:
            return wrapped
        text = wrapped
    return text


def _collapse(lines: list[str]) -> list[str]:
    """Each line as ``" ".join(line.split())``, for lines whose only whitespace is " "
    (looking for a double space is cheaper than splitting every line into words)."""
    return [" ".join(line.split()) if "  " in line else line.strip(" ") for line in lines]


def _target_url(target: str) -> str:
    return target[1:-1] if target.startswith("<") and target.endswith(">") else target


class _Inline:
    """Every line's inline markup read at once (see the module doc): per line its visible
    text (whitespace collapsed) and the share of it inside link text, the lines that show
    nothing but images (and links around them), and a line's URLs (link and image targets,
    autolinks, bare URLs) on demand, for the few lines that show nothing else.

    Only links whose text spans lines (``spanning``, read last) make a line read otherwise
    than alone."""

    def __init__(self, lines: list[str], spanning: bool = True, odd_spaces: bool = True, escapes: bool = True) -> None:
        self._lines = lines
        self._urls: dict[int, list[str]] = {}
        s = "\n" + "\n".join(lines) + "\n"   # every line between newlines
        s = _wrap(_IMAGE, s, _IMAGE_ON, _IMAGE_OFF)
        s = with_images = _wrap(_REF_IMAGE, s, _IMAGE_ON, _IMAGE_OFF)
        s = _wrap(_REF_LINK, _wrap_links(s), _LINK_ON, _LINK_OFF)
        if spanning and "](" in s:   # each line's part of the link text is marked on its line
            s = _wrap(_SPANNING_LINK, s, _LINK_ON, _LINK_OFF)
        s = _TAG.sub(" ", _AUTOLINK.sub("", s))
        s = _STRONG.sub("", s)
        if odd_spaces:                       # whitespace but " " and "\n" in the lines
            s = _ODD_SPACE.sub(" ", s)
        s = "\n".join(_collapse(s.split("\n")))
        s, edges = _EDGE_MARKS.subn("", s)
        if edges:                            # a mark gone from a line's end leaves a space there
            s = "\n".join(_collapse(s.split("\n")))
        self._shown = shown = _lines(s)      # what each line shows, link and image marks still in
        urlish = {*_match_lines(s.split("://")[:-1]), *_match_lines(s.split("www.")[:-1])}
        s = s.replace(_IMAGE_ON, "").replace(_IMAGE_OFF, "")
        parts = _LINKED.split(s)             # text, link text, text, ...
        linked = [0] * len(lines)
        for k, label in zip(_match_lines(parts[0:-1:2]), parts[1::2]):
            linked[k] += len(label)
        s = s.replace(_LINK_ON, "").replace(_LINK_OFF, "")
        plain = _lines(s)
        for k in urlish:
            if _URL.search(shown[k]) and not _ALNUM.search(_URL.sub("", plain[k])):
                linked[k] = len(plain[k])    # nothing but bare URLs: all link
        self.text = _collapse(_lines(_unescape(s) if escapes else s))   # escapes: the lines may hold some
        # min(1.0, linked / length), or for an empty line whether it had a URL
        self.link_share = [(a / len(b) if a < len(b) else 1.0) if b else (1.0 if self.urls(k) else 0.0)
                           for k, (a, b) in enumerate(zip(linked, plain))]
        self.image_only = [k for k in sorted(set(_match_lines(with_images.split(_IMAGE_ON)[:-1])))
                           if not _ALNUM.search(_IMAGED.sub("", shown[k]))]

    def urls(self, k: int) -> list[str]:
        """Line ``k``'s URLs, in the order the passes find them (each pass makes of this
        line alone what it made of it among all lines)."""
        if k not in self._urls:
            urls: list[str] = []
            if self._lines[k]:   # the passes put no more than link marks on an empty line
                targets: list[str] = []
                line = _wrap(_IMAGE, self._lines[k], _IMAGE_ON, _IMAGE_OFF, targets)
                line = _wrap_links(_wrap(_REF_IMAGE, line, _IMAGE_ON, _IMAGE_OFF), targets)
                line = _wrap(_REF_LINK, line, _LINK_ON, _LINK_OFF)
                urls = [_target_url(t) for t in targets] + _AUTOLINK.findall(line) + _URL.findall(self._shown[k])
            self._urls[k] = [u.translate(_UNESCAPE) for u in urls]
        return self._urls[k]


def _match_lines(before: list[str]) -> list[int]:
    """The line of newline-bounded text each match is on, given the text before each
    match since the one before (what ``re.split`` or ``str.split`` leave between them)."""
    return [newlines - 1 for newlines in accumulate(t.count("\n") for t in before)]


def _lines(text: str) -> list[str]:
    """The lines of newline-bounded text."""
    return text.split("\n")[1:-1]


def _is_table_rule(line: str) -> bool:
    """A table's delimiter row: ``---|:---:`` or ``| --- |``."""
    if "|" not in line or "-" not in line:
        return False
    return all(_CELL_RULE.fullmatch(c) for c in _split_cells(line))


def _split_cells(line: str) -> list[str]:
    return line.strip().strip("|").split("|")


def _indent(prefix: str) -> int:
    return len(prefix.expandtabs(4))


def _item(m: re.Match, k: int, tags: list[str], depths: list[int], inner: list[str], list_indents: list[int]) -> None:
    """Line ``k`` read as the list item ``m`` (an _ITEM match): its tag, depth and text,
    and the indentations of the lists open (``list_indents``) after it."""
    indent = _indent(m.group(1))
    while list_indents and list_indents[-1] > indent:
        list_indents.pop()
    if not list_indents or list_indents[-1] < indent:
        list_indents.append(indent)
    tags[k] = "li" if tags[k] == "p" else tags[k]
    depths[k] += 1 + 2 * (len(list_indents) - 1)
    inner[k] = m.string[m.end():]


def read_markdown(text: TextInput) -> MarkdownLines:
    """Every non-blank input line with its visible text and structure (see the module doc).

    Never raises on text (bytes are decoded as :func:`~boilerstrip.text.decode` does) and
    never returns a blank visible line: a line with nothing visible (a rule, a bare image,
    a table's delimiter row) shows its URLs or, failing those, its raw text.
    """
    text = decode(text)
    special = "".join(_SPECIAL.findall(text))   # mostly none
    lines = split_lines(text) if _CONTROL.search(special) else split_plain_lines(text)
    n = len(lines)
    joined = "\n".join([line.text for line in lines])
    protected = _protect(joined, private=_PRIVATE.search(special) is not None)
    raws = protected.split("\n") if lines else []
    rules = [_is_table_rule(r) for r in raws] if "|" in protected else [False] * n
    # Whether each line follows the previous one with no blank line between.
    follows = [False] + [not line.para_break for line in lines[1:]]
    tags = ["p"] * n
    heads = [False] * n
    depths = [_BLOCK_DEPTH] * n
    texts: list[str | None] = [None] * n   # visible text chosen by block syntax (code, rules)
    inner = list(raws)                     # the line less its block markers
    link_only: list[int] = []              # lines that are all link (reference definitions)
    setext: list[int] = []                 # the underlines of setext headings
    fence = ""
    list_indents: list[int] = []
    in_table = False
    for k, (line, raw, adjacent) in enumerate(zip(lines, raws, follows)):
        if not adjacent:
            in_table = False
        if fence:                           # inside fenced code: text as it is
            tags[k], texts[k] = "pre", line.text
            stripped = raw.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            continue
        m = _PLAIN_OR_ITEM.match(raw) if "|" not in raw else None
        if m and m.lastindex is None:       # prose: no block syntax, no table
            in_table = False
            list_indents.clear()
            continue
        if m:                               # a list item and nothing else
            in_table = False
            _item(m, k, tags, depths, inner, list_indents)
            continue
        # Each pattern below is tried only where the line's first character allows it.
        lead = raw.lstrip()[:1]
        m = _FENCE.match(raw) if lead in "`~" else None
        if m:
            fence = m.group(1)
            tags[k], texts[k] = "pre", line.text.strip()
            continue
        m = _REF_DEF.match(raw) if lead == "[" else None
        if m:                               # a link's target: only its URL, all link
            texts[k] = m.group(1).translate(_UNESCAPE)
            link_only.append(k)
            continue
        if lead == "[" and _FOOTNOTE_DEF.match(raw):
            inner[k] = raw.split(":", 1)[1]
            continue
        m = _SETEXT.fullmatch(raw) if lead in "=-" else None
        if m and adjacent and tags[k - 1] == "p" and not heads[k - 1] and texts[k - 1] is None \
                and not list_indents:
            level = "h1" if m.group(1)[0] == "=" else "h2"
            tags[k - 1] = tags[k] = level
            setext.append(k)
            heads[k - 1] = heads[k] = True
            texts[k] = line.text.strip()
            continue
        if lead in "*-_" and _RULE.fullmatch(raw):
            tags[k], texts[k] = "hr", line.text.strip()
            list_indents.clear()
            continue
        m = _ATX.match(raw) if lead == "#" else None
        if m:
            tags[k], heads[k] = f"h{len(m.group(1))}", True
            inner[k] = _ATX_CLOSE.sub("", raw[m.end():])
            list_indents.clear()
            continue
        header = k + 1 < n and rules[k + 1] and follows[k + 1] and "|" in raw
        if rules[k] or header or (in_table and "|" in raw) or lead == "|":
            in_table = True
            cells = _split_cells(raw)
            tags[k] = "tr" if rules[k] or sum(bool(c.strip()) for c in cells) > 1 else "td"
            depths[k] = _BLOCK_DEPTH + 2
            if rules[k]:
                texts[k] = line.text.strip()
            inner[k] = " ".join(c for c in cells if not _CELL_RULE.fullmatch(c))   # nested tables' rules too
            continue
        in_table = False
        m = _QUOTE.match(raw) if lead == ">" else None
        if m:
            tags[k] = "blockquote"
            depths[k] = _BLOCK_DEPTH + m.group(1).count(">")
            raw = raw[m.end():]
            inner[k] = raw
        m = _ITEM.match(raw)
        if m:
            _item(m, k, tags, depths, inner, list_indents)
            continue
        indent = _indent(raw[:len(raw) - len(raw.lstrip())])
        if tags[k] == "p" and list_indents and indent > 0:
            depths[k] += 2 * len(list_indents)     # a list item's continuation
            continue
        list_indents.clear()
        if tags[k] == "p" and indent >= 4 and k > 0 and (line.para_break or tags[k - 1] == "pre"):
            tags[k], texts[k] = "pre", line.text
    # Lines whose visible text block syntax fixed (code, rules, definitions) are not read
    # for inline markup: a bracket in code must not open a link over the next lines.
    info = _Inline([part if fixed is None else "" for part, fixed in zip(inner, texts)],
                   odd_spaces=_ODD_SPACE.search(special) is not None, escapes="\\" in joined)
    shown = [text if fixed is None else fixed for text, fixed in zip(info.text, texts)]
    shares = [share if fixed is None else 0.0 for share, fixed in zip(info.link_share, texts)]
    for k in link_only:
        shares[k] = 1.0
    for k in [k for k, head in enumerate(heads) if head and not shown[k]]:
        tags[k], heads[k] = "p", False      # html2text puts "---" under a one-cell table row
    for k in setext:
        if not heads[k - 1]:
            tags[k], heads[k] = "hr", False
    for k in [k for k, text in enumerate(shown) if not text.strip()]:
        shown[k] = " ".join(info.urls(k)).strip() or lines[k].text.strip()   # "![]()" has an empty URL
    for k in info.image_only:
        if tags[k] in ("p", "li"):
            tags[k] = "img"
    # A line shown as it is stays the same TextLine.
    visible = [line if text == line.text else _text_line((text, line.index, line.para_break))
               for line, text in zip(lines, shown)]
    structure = list(map(_line_structure, zip(tags, heads, shares, depths, repeat(False), repeat(""))))
    return MarkdownLines(lines, visible, structure)


# Detection: counts of lines with unmistakable Markdown.  The patterns that start at a line
# start look for the newline before it (in "\n" + the sample), which the engine finds fast.
_DETECT_DEF = re.compile(r"\n {0,3}\[[^\[\]\n]+\]:[ \t]*[^\s/.:]*[/.:]")
_DETECT_REF = re.compile(r"\[[^\[\]\n]+\]\[[^\[\]\n]*\]")
_DETECT_HEAD = re.compile(r"\n {0,3}#{1,6}[ \t]+\S")
_DETECT_FENCE = re.compile(r"\n {0,3}(?:`{3,}|~{3,})")
_DETECT_STRONG = re.compile(r"(?:\*\*|__)[^*_\s][^*_\n]{0,200}(?:\*\*|__)")
_DETECT_ITEM = re.compile(r"\n[ \t]*(?:[-*+]|\d{1,9}\.)[ \t]+\S")
_DETECT_LIMIT = 200_000   # characters looked at
_DETECT_FIRST = 40        # lines looked at first
# Every rule below needs one of these: a link or image "](", a definition "]:", a heading
# "#" or a fence.  (Reading escapes never makes them, so their absence settles it.)
_DETECT_MARKS = ("](", "]:", "#", "```", "~~~")
_FOUND = "\ue001"   # in place of each match, to count a line's matches


def _lines_with(pattern: re.Pattern, sample: str, most: int = 1) -> int:
    """The matches of ``pattern`` in each line of ``sample``, at most ``most`` counted per line."""
    marked = pattern.sub(_FOUND, sample)
    return sum(min(most, line.count(_FOUND)) for line in marked.split("\n") if _FOUND in line)


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
    nonblank = [ln for ln in head.splitlines() if ln.strip()]
    if not nonblank:
        return False
    needed = max(2, 0.02 * len(nonblank))   # plain text quoting a bit of Markdown has less
    # Links per line, up to ten (markdownify can put a whole layout table on one line).  An
    # image "![alt](url)" holds one link "[alt](url)", so counting links counts both.  The
    # first lines' links, never more than all of them, settle most Markdown at less cost.
    first = _protect("\n".join(nonblank[:_DETECT_FIRST]))
    if "](" in first and _lines_with(_LINK, first, 10) >= needed:
        return True
    sample = _protect("\n".join(nonblank))
    starts = "\n" + sample   # a newline before every line
    links = _lines_with(_LINK, sample, 10) if "](" in sample else 0
    definitions = len(_DETECT_DEF.findall(starts))
    if definitions:
        links += definitions + _lines_with(_DETECT_REF, sample)
    if links >= needed:
        return True
    heads = len(_DETECT_HEAD.findall(starts))
    fences = min(2, len(_DETECT_FENCE.findall(starts)) // 2)
    signs = links + min(2, sum(_is_table_rule(ln) for ln in sample.split("\n"))) \
        + min(2, len(_DETECT_STRONG.findall(sample)))
    if heads and signs + fences >= needed:
        return True
    return fences > 0 and signs + (heads > 0) + (len(_DETECT_ITEM.findall(starts)) >= 2) >= 1
