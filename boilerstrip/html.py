"""Stage 1 for HTML: render a page into text lines, one per block, with DOM facts.

The facts (tag, heading, link-text share, depth, boilerplate containers, class/id
words) become features, so HTML input is classified with more evidence than plain
text.  The same renderer also produces the scraper-style plain text the model is
trained on, in several styles that real scrapers produce (see ``STYLES``).

>>> lines = render_html("<h1>Title</h1><p>Body <a href=x>text</a>.</p><nav>Home</nav>")
>>> [(l.text, l.tag, l.heading, l.in_boilerplate) for l in lines]
[('Title', 'h1', True, False), ('Body text.', 'p', False, False), ('Home', 'nav', False, True)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

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
_HTML_HINT = re.compile(
    r"<(?:!doctype\s+html|html|head|body|div|p|br|span|a\s|table|ul|li|h[1-6]|article|section|meta|"
    r"script|img)\b[^<>]{0,500}>", re.I)


@dataclass(frozen=True)
class HtmlLine:
    """A rendered line and what the DOM says about it."""

    text: str
    tag: str = ""            # innermost block element
    heading: bool = False    # inside h1-h6
    link_share: float = 0.0  # share of the line's characters inside <a>
    depth: int = 0           # DOM depth of the block element
    in_boilerplate: bool = False  # inside nav/header/footer/aside/form
    attrs: str = ""          # class/id words of the enclosing elements, innermost last
    para_break: bool = False
    mark: str | None = None  # see render_html(mark=...): label covering most characters


def looks_like_html(text: str) -> bool:
    """True when ``text`` is markup rather than plain text (a few real tags near the top)."""
    head = text[:20000]
    if re.match(r"\s*<(?:!doctype|html)\b", head, re.I):
        return True
    return len(_HTML_HINT.findall(head, 0, 20000)) >= 3


_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, recover=True, collect_ids=False,
                           huge_tree=True, no_network=True)


def _parse(markup: str):
    # lxml refuses str with an XML encoding declaration; drop it if there is one.
    markup = re.sub(r"^\s*<\?xml[^>]*\?>", "", markup, count=1)
    try:
        return etree.fromstring(markup, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        return None


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


class _Renderer:
    def __init__(self, style: str, mark=None):
        if style not in STYLES:
            raise ValueError(f"unknown style {style!r}; expected one of {STYLES}")
        self.style = style
        self.lines: list[HtmlLine] = []
        self.buf: list[str] = []
        self.link_chars = 0
        self.stack: list[tuple[str, str]] = []  # (tag, raw class + id)
        self.blocks: list[str] = []  # the enclosing block tags
        self.links = self.pre = self.headings = self.containers = 0
        self.mark = mark
        self.marks: list[str | None] = [None]
        self.mark_chars: dict[str | None, int] = {}
        self.attr_words: dict[str, str] = {}
        # The tags that end a line in this style ("tags": every tag).
        self.all_break = style == "tags"
        self.breaks = (_BLOCK | {"br"}) - (_FLAT_INLINE if style == "flat" else frozenset())

    def add(self, s: str | None) -> None:
        if s and (self.buf or not s.isspace()):
            self.buf.append(s)
            if self.links:
                self.link_chars += len(s)
            if self.mark is not None and s.strip():
                key = self.marks[-1]
                self.mark_chars[key] = self.mark_chars.get(key, 0) + len(s.strip())

    def flush(self) -> None:
        if not self.buf:
            return
        raw = "".join(self.buf)
        self.buf = []
        link_chars, self.link_chars = self.link_chars, 0
        mark = max(self.mark_chars, key=self.mark_chars.get) if self.mark_chars else None
        self.mark_chars = {}
        pieces = raw.splitlines() if self.pre else [raw]
        block = self.blocks[-1] if self.blocks else ""
        heading = self.headings > 0
        container = self.containers > 0
        raw_attrs = " ".join(a for _, a in self.stack[-6:] if a)
        attrs = self.attr_words.get(raw_attrs)
        if attrs is None:   # many lines of a page sit in the same few containers
            attrs = self.attr_words[raw_attrs] = " ".join(_ATTR_WORDS.findall(raw_attrs.lower()))
        total = max(1, len(raw))
        for piece in pieces:
            text = normalize_line(piece) if self.pre else " ".join(strip_controls(piece).split())
            if not text.strip():
                continue
            para = self.style == "paragraphs" or (self.style == "flat" and block in ("p", "h1", "h2", "h3"))
            self.lines.append(HtmlLine(text, block, heading, min(1.0, link_chars / total),
                                       len(self.stack), container, attrs,
                                       para and bool(self.lines), mark))

    def render(self, root) -> list[HtmlLine]:
        body = root.find("body")
        all_break, breaks = self.all_break, self.breaks
        for event, el in etree.iterwalk(body if body is not None else root, events=("start", "end")):
            tag = el.tag if isinstance(el.tag, str) else ""
            tag = tag.lower()
            if event == "start":
                if all_break or tag in breaks:
                    self.flush()
                cls, ident = el.get("class"), el.get("id")
                self.stack.append((tag, f"{cls or ''} {ident or ''}" if cls or ident else ""))
                if tag in _BLOCK:
                    self.blocks.append(tag)
                self.links += tag == "a"
                self.pre += tag == "pre"
                self.headings += tag in _HEADING
                self.containers += tag in _CONTAINER
                if self.mark is not None:
                    own = self.mark(el)
                    self.marks.append(own if own is not None else self.marks[-1])
                self.add(el.text)
            else:
                if all_break or tag in breaks:
                    self.flush()
                self.stack.pop()
                if tag in _BLOCK:
                    self.blocks.pop()
                self.links -= tag == "a"
                self.pre -= tag == "pre"
                self.headings -= tag in _HEADING
                self.containers -= tag in _CONTAINER
                if self.mark is not None:
                    self.marks.pop()
                self.add(el.tail)
        self.flush()
        return self.lines


def render_html(markup: TextInput, style: str = "paragraphs", mark=None) -> list[HtmlLine]:
    """Render HTML (``str`` or ``bytes``) into lines in one of :data:`STYLES`.

    Broken markup is repaired by lxml; markup with no text gives ``[]``.  ``mark``, if
    given, is called with each element and may return a label for the text inside it
    (innermost wins); each line's ``mark`` is the label covering most of its characters.
    Corpus builders use it to carry annotations embedded in the markup onto lines.
    """
    text = decode(markup)
    if not text.strip():
        return []
    # libxml2 stops at a lone surrogate (losing the rest of the page): make it U+FFFD.
    # It also ignores everything after the first </body></html>, which concatenated
    # pages and sloppy templates have plenty of: drop those closing tags.
    root = _parse(_CLOSING.sub("", _SURROGATE.sub("\ufffd", text)))
    if root is None:
        return []
    etree.strip_elements(root, *_DROP, with_tail=False)
    for hidden in root.xpath("//*[@hidden or @aria-hidden='true']"):
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
