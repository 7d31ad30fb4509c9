"""Third-party converters' renderings of a page, labelled by the same gold alignment.

Scrapers hand boilerstrip what *their* HTML converter made of a page: Markdown
(html2text, markdownify), bulleted or indented text (inscriptis, resiliparse), plain
block text (html-text, BeautifulSoup).  The project's own renderer never writes list
markers, link syntax or image lines, so a model trained on it alone has never met them.
Each labelled page therefore also gets one converter's rendering (chosen per page,
seeded), labelled by aligning each line's *visible* text with the gold (Markdown is
read by :func:`~boilerstrip.markdown.read_markdown` first, so link targets and markers
never count as words).

The converters are development dependencies (the ``[train]`` extra), imported only here
and in ``benchmarks``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from ..markdown import read_markdown
from ..text import split_lines
from .aggregate import _rng
from .align import Alignment, align_lines

__all__ = ["Converter", "CONVERTERS", "UNSEEN", "choose_converters", "label_rendering", "converter_versions",
           "missing_converters"]


def _html2text(html: str) -> str:
    import html2text

    h = html2text.HTML2Text()
    h.body_width = 0
    return h.handle(html)


def _markdownify(html: str) -> str:
    from markdownify import markdownify

    return markdownify(html)


def _inscriptis(html: str) -> str:
    from inscriptis import get_text

    return get_text(html)


def _resiliparse(bullets: bool) -> Callable[[str], str]:
    def render(html: str) -> str:
        from resiliparse.extract.html2text import extract_plain_text
        from resiliparse.parse.html import HTMLTree

        return extract_plain_text(HTMLTree.parse(html), main_content=False, list_bullets=bullets)
    return render


def _html_text(html: str) -> str:
    import html_text

    return html_text.extract_text(html)


def _bs4(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for el in soup(["script", "style", "noscript"]):
        el.decompose()
    return soup.get_text("\n")


class Converter(NamedTuple):
    """A converter: its family, the format to read its output as, what it is, HTML -> text,
    and the module it needs."""

    family: str
    format: str
    what: str
    render: Callable[[str], str]
    module: str


#: The converters training documents are made with, two per family.
CONVERTERS: dict[str, Converter] = {
    "html2text": Converter("markdown", "markdown", "Markdown, `body_width=0`", _html2text, "html2text"),
    "markdownify": Converter("markdown", "markdown", "Markdown", _markdownify, "markdownify"),
    "inscriptis": Converter("bulleted", "text", "text laid out as displayed (indented, tables side by side)",
                            _inscriptis, "inscriptis"),
    "resiliparse-bullets": Converter("bulleted", "text", "`extract_plain_text(main_content=False)` "
                                     "(its default `list_bullets=True`: `•` items)", _resiliparse(True), "resiliparse"),
    "html-text": Converter("plain", "text", "`html_text.extract_text`", _html_text, "html_text"),
    "bs4": Converter("plain", "text", 'BeautifulSoup `get_text("\\n")`, script/style removed', _bs4, "bs4"),
}
#: Converters used only to measure, never for training: a rendering no model has met.
UNSEEN: dict[str, Converter] = {
    "resiliparse": Converter("plain", "text", "`extract_plain_text(main_content=False, list_bullets=False)`",
                             _resiliparse(False), "resiliparse"),
}


def converter_versions() -> dict[str, str]:
    """The installed version of each converter's distribution (for the build's manifest)."""
    from importlib import metadata

    out = {}
    for dist in ("html2text", "markdownify", "inscriptis", "resiliparse", "html-text", "beautifulsoup4"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def missing_converters() -> list[str]:
    """The converters whose module is not installed (the build needs every one)."""
    from importlib.util import find_spec

    return [name for name, c in CONVERTERS.items() if find_spec(c.module) is None]


def choose_converters(page_id: str, seed: int) -> tuple[str, str]:
    """The two converters whose renderings a page gets (seeded per page): one Markdown
    converter and one of the others, each uniform in its group.  Markdown gets half of the
    renderings because it is the format whose syntax the model must learn to read; the
    rendering an aggregator document is made from is the first one."""
    rng = _rng(seed, page_id)
    markdown = rng.choice(sorted(n for n, c in CONVERTERS.items() if c.format == "markdown"))
    other = rng.choice(sorted(n for n, c in CONVERTERS.items() if c.format != "markdown"))
    return (markdown, other) if rng.random() < 0.5 else (other, markdown)


def label_rendering(text: str, format: str, gold: str, title: str) -> tuple[list[tuple[str, str, bool]], Alignment]:
    """A rendering's non-blank lines as (text, label, para_break), each labelled by
    aligning what a reader sees of it with the gold, and the alignment's figures."""
    md = read_markdown(text) if format == "markdown" else None
    lines = md.lines if md else split_lines(text)
    a = align_lines([line.text for line in (md.visible if md else lines)], gold, title)
    labels = list(a.labels)
    if md:   # a setext heading's underline ("===") belongs to its heading
        for k in range(1, len(lines)):
            if md.structure[k].heading and md.structure[k - 1].heading and not set(md.visible[k].text) - set("=- "):
                labels[k] = labels[k - 1]
    return [(line.text, lab, line.para_break) for line, lab in zip(lines, labels)], a
