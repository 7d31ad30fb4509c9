"""Stage 1 for HTML: render a page into text lines, one per block, with DOM facts.

The facts (tag, heading, link-text share, depth, boilerplate containers, class/id
words) become features, so HTML input is classified with more evidence than plain
text.  The same renderer also produces the scraper-style plain text the model is
trained on, in several styles that real scrapers produce (see ``STYLES``).

>>> lines = render_html("<h1>Title</h1><p>Body <a href=x>text</a>.</p><nav>Home</nav>")
>>> [(l.text, l.structure.tag, l.structure.heading, l.structure.in_boilerplate) for l in lines]
[('Title', 'h1', True, False), ('Body text.', 'p', False, False), ('Home', 'nav', False, True)]
"""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple, Optional

from lxml import etree

from .features.structure import LineStructure
from .text import TextInput, decode, normalize_line, strip_controls

__all__ = ["HtmlLine", "render_html", "to_text", "looks_like_html", "STYLES"]

# How a scraper turns a page into text.  "paragraphs": a line per block, blank lines
# between; "lines": a line per block, no blank lines; "flat": inline markup and table
# cells flattened, split only at <br> and block ends; "tags": a break at every element,
# the way get_text("\n") scrapers fragment links onto their own lines.
STYLES = ("paragraphs", "lines", "flat", "tags")

_DROP = ("script", "style", "noscript", "template", "svg", "math", "head", "iframe",
         "object", "embed", "canvas", "select", "textarea")
_BLOCK = frozenset(
    "p div li h1 h2 h3 h4 h5 h6 td th tr table ul ol dl dt dd blockquote pre section article "
    "header footer nav aside form figure figcaption main address hr caption center fieldset "
    "legend details summary body html title option button label menu".split())
_FLAT_INLINE = frozenset("td th dt dd label button option legend summary caption".split())
_HEADING = frozenset("h1 h2 h3 h4 h5 h6".split())
_CONTAINER = frozenset("nav header footer aside form".split())
_SURROGATE = re.compile("[\ud800-\udfff]")
_CLOSING = re.compile(r"</(?:body|html)\s*>", re.I)
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_WORDS = re.compile(r"[a-z]{3,}")
_NEWLINE = re.compile("\n")
_HTML_HINT = re.compile(
    r"<(?:!doctype\s+html|html|head|body|div|p|br|span|a\s|table|ul|li|h[1-6]|article|section|meta|"
    r"script|style|link|title|img)\b[^<>]{0,500}>", re.I)


class HtmlLine(NamedTuple):
    """A rendered line and what the markup says about it (:class:`LineStructure`)."""

    text: str
    structure: LineStructure = LineStructure()
    para_break: bool = False
    mark: Optional[str] = None  # see render_html(mark=...): label covering most characters


def looks_like_html(text: str) -> bool:
    """True when ``text`` is markup rather than plain text: it starts with a doctype,
    ``<html>``, a comment or another real tag, or its first 20,000 characters have at
    least three real tags, on at least a quarter of their non-blank lines.

    Markup has tags on most lines (or is one long line); plain text that quotes a few
    tags, such as a tutorial's ``<br/>`` in a code sample, has them on a few of its lines
    and stays plain text.
    """
    head = text[:20000]
    if re.match(r"\s*<(?:!doctype|html\b|!--|\?xml)", head, re.I):
        return True
    if _HTML_HINT.match(head, len(head) - len(head.lstrip())):   # starts with a real tag
        return True
    hits = [m.start() for m in _HTML_HINT.finditer(head)]
    if len(hits) < 3:
        return False
    breaks = [m.start() for m in _NEWLINE.finditer(head)]
    tag_lines = len({bisect.bisect(breaks, pos) for pos in hits})
    lines = sum(1 for line in head.split("\n") if line.strip())
    return tag_lines >= 0.25 * lines


_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, recover=True, collect_ids=False,
                           huge_tree=True, no_network=True)


def _parse(markup: str):
    # lxml refuses str with an XML encoding declaration; drop it if there is one.
    markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", markup, count=1)
    try:
        return etree.fromstring(markup, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


def _has_surrogate(text: str) -> bool:
    """Whether ``text`` has a lone surrogate: only such a str fails to encode as UTF-8,
    and encoding is several times faster than scanning with ``_SURROGATE``."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# Elements with hidden="..." or aria-hidden="true", in document order.  Stepping from the
# attributes to their element is about twice as fast in libxml2 as the equivalent
# //*[@hidden or @aria-hidden='true'], which tests every element.
_HIDDEN = "//@hidden/.. | //@aria-hidden[. = 'true']/.."


def _xml_safe(text: str) -> str:
    """lxml refuses to store control characters it parsed; they read as spaces."""
    return _XML_UNSAFE.sub(" ", text)


def _drop_keep_tail(el) -> None:
    """Remove an element and its content but keep the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = _xml_safe((prev.tail or "") + el.tail)
        else:
            parent.text = _xml_safe((parent.text or "") + el.tail)
    parent.remove(el)


# What the renderer needs to know about a tag, looked up once per tag name per style
# rather than recomputed (lower(), five set lookups) for every element.
_A, _PRE, _HEAD, _CONT = 1, 2, 3, 4   # the counter a tag bumps (0: none)


def _tag_info(tag, breaks: frozenset, all_break: bool) -> tuple[str, bool, bool, int]:
    """(lower-case tag, ends a line, is a block, counter) for an element's tag."""
    tag = tag.lower() if isinstance(tag, str) else ""   # comments etc. have no tag name
    kind = (_A if tag == "a" else _PRE if tag == "pre" else _HEAD if tag in _HEADING
            else _CONT if tag in _CONTAINER else 0)
    return tag, all_break or tag in breaks, tag in _BLOCK, kind


class _Renderer:
    def __init__(self, style: str, mark=None):
        if style not in STYLES:
            raise ValueError(f"unknown style {style!r}; expected one of {STYLES}")
        self.style = style
        self.mark = mark
        # The tags that end a line in this style ("tags": every tag).
        self.all_break = style == "tags"
        self.breaks = (_BLOCK | {"br"}) - (_FLAT_INLINE if style == "flat" else frozenset())

    def render(self, root) -> list[HtmlLine]:
        """Walk the tree once, gathering text into lines.

        This is the hot loop of HTML cleaning, so the state lives in locals rather than
        attributes, per-tag facts come from a dict, and nothing is done for an element
        beyond what its tag requires.  A text is added to the current line when it is
        non-empty and not leading whitespace; a line is flushed at the start and end of
        every tag that breaks lines (flushing an empty line does nothing).
        """
        style, mark = self.style, self.mark
        breaks, all_break = self.breaks, self.all_break
        para_style = style == "paragraphs"
        flat = style == "flat"
        lines: list[HtmlLine] = []
        buf: list[str] = []
        # One entry per open element: the element itself until a line needs its class/id
        # words, then those words (most elements are never among a line's six innermost,
        # so their attributes are never read).
        stack: list = []
        info_stack: list[tuple[str, bool, bool, int]] = []
        blocks: list[str] = []   # the enclosing block tags
        counts = [0, 0, 0, 0, 0]  # open elements per counter kind (_A, _PRE, ...)
        link_chars = 0
        marks: list[str | None] = [None]
        mark_chars: dict[str | None, int] = {}
        own_words: dict[str, str] = {}   # raw class + id -> words; pages reuse a few classes
        infos: dict = {}

        def flush() -> None:
            # Called only with a non-empty buf.
            nonlocal link_chars
            raw = "".join(buf)
            buf.clear()
            share_chars, link_chars = link_chars, 0
            line_mark = max(mark_chars, key=lambda k: mark_chars[k]) if mark_chars else None
            mark_chars.clear()
            pre = counts[_PRE] > 0
            pieces = raw.splitlines() if pre else [raw]
            block = blocks[-1] if blocks else ""
            heading = counts[_HEAD] > 0
            container = counts[_CONT] > 0
            depth = len(stack)
            # The words of the six innermost elements' class and id.  A word never spans
            # the space between two elements' attributes, so this is the same as finding
            # the words in all six joined, but each element's are found only once.
            words = []
            for i in range(max(0, depth - 6), depth):
                w = stack[i]
                if not isinstance(w, str):
                    cls, ident = w.get("class"), w.get("id")
                    raw_attrs = f"{cls or ''} {ident or ''}" if cls or ident else ""
                    w = own_words.get(raw_attrs)
                    if w is None:
                        w = own_words[raw_attrs] = " ".join(_ATTR_WORDS.findall(raw_attrs.lower()))
                    stack[i] = w
                if w:
                    words.append(w)
            attrs = " ".join(words)
            total = max(1, len(raw))
            para = para_style or (flat and block in ("p", "h1", "h2", "h3"))
            for piece in pieces:
                text = normalize_line(piece) if pre else " ".join(strip_controls(piece).split())
                if not text.strip():
                    continue
                lines.append(HtmlLine(text, LineStructure(block, heading, min(1.0, share_chars / total),
                                                          depth, container, attrs), para and bool(lines), line_mark))

        def add_marked(s: str) -> None:
            # add() for a non-empty s when mark= is given: also count its label's characters.
            stripped = s.strip()
            if stripped:
                key = marks[-1]
                mark_chars[key] = mark_chars.get(key, 0) + len(stripped)

        body = root.find("body")
        for event, el in etree.iterwalk(body if body is not None else root, events=("start", "end")):
            if event == "start":
                tag = el.tag
                info = infos.get(tag)
                if info is None:
                    info = infos[tag] = _tag_info(tag, breaks, all_break)
                info_stack.append(info)
                tag, brk, blk, kind = info
                if brk and buf:
                    flush()
                stack.append(el)
                if blk:
                    blocks.append(tag)
                if kind:
                    counts[kind] += 1
                if mark is not None:
                    own_mark = mark(el)
                    marks.append(own_mark if own_mark is not None else marks[-1])
                s = el.text
            else:
                tag, brk, blk, kind = info_stack.pop()
                if brk and buf:
                    flush()
                stack.pop()
                if blk:
                    blocks.pop()
                if kind:
                    counts[kind] -= 1
                if mark is not None:
                    marks.pop()
                s = el.tail
            if s and (buf or not s.isspace()):
                buf.append(s)
                if counts[_A]:
                    link_chars += len(s)
                if mark is not None:
                    add_marked(s)
        if buf:
            flush()
        return lines


def render_html(markup: TextInput, style: str = "paragraphs", mark=None) -> list[HtmlLine]:
    """Render HTML (``str`` or ``bytes``) into lines in one of :data:`STYLES`.

    Broken markup is repaired by lxml; markup with no text gives ``[]``.  ``mark``, if
    given, is called with each element and may return a label for the text inside it
    (innermost wins); each line's ``mark`` is the label covering most of its characters.
    Corpus builders use it to carry annotations embedded in the markup onto lines.  It
    should only read the element: class and id are read when a line needs them.
    """
    text = decode(markup)
    if not text.strip():
        return []
    # libxml2 stops at a lone surrogate (losing the rest of the page): make it U+FFFD.
    # It also ignores everything after the first </body></html>, which concatenated
    # pages and sloppy templates have plenty of: drop those closing tags.
    if _has_surrogate(text):
        text = _SURROGATE.sub("\ufffd", text)
    root = _parse(_CLOSING.sub("", text))
    if root is None:
        return []
    etree.strip_elements(root, *_DROP, with_tail=False)
    for hidden in root.xpath(_HIDDEN):
        _drop_keep_tail(hidden)
    return _Renderer(style, mark).render(root)


def to_text(lines: list[HtmlLine]) -> str:
    """Join rendered lines into the plain text a scraper would have produced."""
    out: list[str] = []
    for line in lines:
        if out:
            out.append("\n\n" if line.para_break else "\n")
        out.append(line.text)
    return "".join(out)
