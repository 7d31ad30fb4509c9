"""Adapters for the peer extractors, each ``html -> text`` (or ``text -> text``).

Every adapter is built by a factory in :data:`PEERS`.  A factory raises
:class:`benchmarks.evaluate.ToolUnavailable` when its package is missing; the runner then
counts every page of that tool as an error and goes on.  An exception inside a tool on one
page is caught by :func:`benchmarks.evaluate.evaluate_html` / ``evaluate`` and counted as an
error for that page.  ``None`` results (trafilatura, boilerpy3 when nothing is found) are
returned as ``""``: an empty extraction is an answer, not an error.

Settings are each tool's documented defaults / recommended usage for extracting the main
text of a page that is already in memory (no network, no image fetching):

* trafilatura ``extract(html)`` (defaults: ``include_comments=True``, ``include_tables=True``,
  fallback extractors on) and ``extract(html, fast=True)`` (no fallback extractors);
* readability-lxml ``Document(html).summary()``, turned into text with boilerstrip's
  ``render_html(..., "paragraphs")`` + ``to_text`` (a neutral block-per-line renderer);
* jusText ``justext(html, get_stoplist(L))`` keeping non-boilerplate paragraphs, ``L`` the
  page language's stoplist when jusText ships one, else English (see :data:`JUSTEXT_LANGS`);
* resiliparse ``extract_plain_text(HTMLTree.parse(html), main_content=True)``;
* boilerpy3 ``ArticleExtractor().get_content(html)``;
* goose3 ``Goose({"enable_image_fetching": False}).extract(raw_html=html).cleaned_text``;
* newspaper4k ``Article(url, fetch_images=False)``, ``download(input_html=html)``, ``parse()``,
  ``.text`` (the URL is only a label; nothing is fetched);
* html-text ``extract_text(html)`` (all visible text, block-aware: the "no extraction" line).

The language of the current page (for jusText) is set by the runner in :data:`page_lang`
before each call, since the adapters take only the HTML.  The boilerstrip adapters use
the model file in :data:`boilerstrip_model` (the runner's ``--model``; ``None``: the
shipped model), loaded when the adapter is built.
"""

from __future__ import annotations

import logging
import warnings
from html import escape
from typing import Callable

from benchmarks.evaluate import ToolUnavailable, boilerstrip_cleaner

__all__ = ["PEERS", "peer", "wrap_lines_as_html", "page_lang", "boilerstrip_model", "JUSTEXT_LANGS", "versions"]

# Set by the runner before each page: ISO 639-1 code of the page ("" when unknown).
page_lang: str = ""
# Set by the runner (--model): the boilerstrip adapters' model file; None = the shipped model.
boilerstrip_model: str | None = None

JUSTEXT_LANGS = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
    "pt": "Portuguese", "pl": "Polish", "nl": "Dutch", "ru": "Russian", "cs": "Czech",
    "sk": "Slovak", "sv": "Swedish", "da": "Danish", "fi": "Finnish", "no": "Norwegian_Bokmal",
    "nb": "Norwegian_Bokmal", "nn": "Norwegian_Nynorsk", "hu": "Hungarian", "ro": "Romanian",
    "tr": "Turkish", "el": "Greek", "uk": "Ukrainian", "bg": "Bulgarian", "hr": "Croatian",
    "sr": "Serbian", "sl": "Slovenian", "et": "Estonian", "lv": "Latvian", "lt": "Lithuanian",
    "ca": "Catalan", "eu": "Basque", "gl": "Galician", "id": "Indonesian", "ms": "Malay",
    "vi": "Vietnamese", "ar": "Arabic", "fa": "Persian", "he": "Hebrew", "hi": "Hindi",
    "ko": "Korean", "bn": "Bengali", "ta": "Tamil", "te": "Telugu", "ur": "Urdu",
}


def _quiet() -> None:
    for name in ("trafilatura", "readability", "readability.readability", "goose3", "newspaper",
                 "justext", "boilerpy3", "htmldate", "courlan"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore")


def _need(module: str):
    import importlib
    try:
        return importlib.import_module(module)
    except Exception as exc:  # ImportError, or a broken dependency
        raise ToolUnavailable(f"{module} not importable: {type(exc).__name__}: {exc}") from exc


# ---------------------------------------------------------------------------- HTML tools

def _trafilatura(fast: bool) -> Callable[[str], str]:
    _need("trafilatura")
    _quiet()
    from trafilatura import extract

    def run(html: str) -> str:
        return extract(html, fast=fast) or ""
    run.__name__ = "trafilatura_fast" if fast else "trafilatura"
    return run


def _readability() -> Callable[[str], str]:
    _need("readability")
    _quiet()
    from readability import Document

    from boilerstrip.html import render_html, to_text

    def readability(html: str) -> str:
        summary = Document(html).summary(html_partial=True)
        return to_text(render_html(summary, "paragraphs"))
    return readability


def _stoplist(lang: str):
    import justext
    name = JUSTEXT_LANGS.get((lang or "").split("-")[0].lower(), "English")
    try:
        return justext.get_stoplist(name)
    except Exception:  # no such stoplist shipped
        return justext.get_stoplist("English")


def _justext() -> Callable[[str], str]:
    _need("justext")
    _quiet()
    import justext

    def run(html: str) -> str:
        if not html.strip():
            return ""
        paras = justext.justext(html, _stoplist(page_lang))
        return "\n\n".join(p.text for p in paras if not p.is_boilerplate)
    run.__name__ = "justext"
    return run


def _resiliparse() -> Callable[[str], str]:
    _need("resiliparse")
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    def resiliparse(html: str) -> str:
        return extract_plain_text(HTMLTree.parse(html), main_content=True)
    return resiliparse


def _boilerpy3() -> Callable[[str], str]:
    _need("boilerpy3")
    _quiet()
    from boilerpy3 import extractors
    extractor = extractors.ArticleExtractor(raise_on_failure=False)

    def boilerpy3(html: str) -> str:
        return extractor.get_content(html) or ""
    return boilerpy3


def _goose3() -> Callable[[str], str]:
    _need("goose3")
    _quiet()
    from goose3 import Goose
    goose = Goose({"enable_image_fetching": False, "http_timeout": 1})

    def goose3(html: str) -> str:
        if not html.strip():
            return ""
        return goose.extract(raw_html=html).cleaned_text or ""
    return goose3


def _newspaper4k() -> Callable[[str], str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _need("newspaper")
    _quiet()
    from newspaper import Article

    def newspaper4k(html: str) -> str:
        if not html.strip():
            return ""
        art = Article("https://example.com/article.html", fetch_images=False)
        art.download(input_html=html)
        art.parse()
        return art.text or ""
    return newspaper4k


def _html_text() -> Callable[[str], str]:
    _need("html_text")
    import html_text

    def run(html: str) -> str:
        return html_text.extract_text(html) if html.strip() else ""
    run.__name__ = "html_text"
    return run


# ----------------------------------------------------------------------- text-path tools

def wrap_lines_as_html(text: str) -> str:
    """Plain text as a minimal HTML page: one ``<p>`` per non-blank line."""
    paras = "".join(f"<p>{escape(ln.strip())}</p>\n" for ln in text.splitlines() if ln.strip())
    return f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n{paras}</body></html>"


def _justext_lines() -> Callable[[str], str]:
    """jusText over plain-text lines: each line one ``<p>`` paragraph (text -> text)."""
    run = _justext()

    def justext_lines(text: str) -> str:
        return run(wrap_lines_as_html(text)) if text.strip() else ""
    return justext_lines


def _boilerstrip_html() -> Callable[[str], str]:
    return boilerstrip_cleaner(boilerstrip_model, html=True)


def _boilerstrip_render(style: str) -> Callable[[str], str]:
    from boilerstrip.html import render_html, to_text
    clean = boilerstrip_cleaner(boilerstrip_model, html=False)

    def run(html: str) -> str:
        return clean(to_text(render_html(html, style)))
    run.__name__ = f"boilerstrip_text_{style}"
    return run


def _boilerstrip_html_text() -> Callable[[str], str]:
    clean = boilerstrip_cleaner(boilerstrip_model, html=False)
    extract = _html_text()

    def boilerstrip_html_text(html: str) -> str:
        return clean(extract(html))
    return boilerstrip_html_text


def _then(first: Callable[[], Callable[[str], str]], second: Callable[[str], str], name: str):
    def factory():
        a = first()

        def run(html: str) -> str:
            return second(a(html))
        run.__name__ = name
        return run
    return factory


def _c4_on(first):
    from benchmarks.baselines import c4_rules
    return _then(first, c4_rules, "c4_html_text")


def _justext_lines_on(first):
    def factory():
        a, b = first(), _justext_lines()

        def run(html: str) -> str:
            return b(a(html))
        run.__name__ = "justext_lines_html_text"
        return run
    return factory


# name -> (factory, input kind, family, description).  Input "html" tools run on pages;
# input "text" tools run on plain-text documents.
PEERS: dict[str, tuple[Callable[[], Callable[[str], str]], str, str, str]] = {
    "boilerstrip (html)": (_boilerstrip_html, "html", "boilerstrip", "clean(html, html=True): DOM features on"),
    "boilerstrip (text: paragraphs)": (lambda: _boilerstrip_render("paragraphs"), "html", "boilerstrip",
                                       "clean() on render_html(html, 'paragraphs') text"),
    "boilerstrip (text: tags)": (lambda: _boilerstrip_render("tags"), "html", "boilerstrip",
                                 "clean() on render_html(html, 'tags') text"),
    "boilerstrip (text: html-text)": (_boilerstrip_html_text, "html", "boilerstrip",
                                      "clean() on html_text.extract_text(html)"),
    "trafilatura": (lambda: _trafilatura(False), "html", "peer", "extract(html), defaults"),
    "trafilatura (fast)": (lambda: _trafilatura(True), "html", "peer", "extract(html, fast=True)"),
    "readability-lxml": (_readability, "html", "peer", "Document(html).summary() rendered to text"),
    "jusText": (_justext, "html", "peer", "justext(html, page-language stoplist)"),
    "resiliparse": (_resiliparse, "html", "peer", "extract_plain_text(main_content=True)"),
    "boilerpy3": (_boilerpy3, "html", "peer", "ArticleExtractor"),
    "goose3": (_goose3, "html", "peer", "extract(raw_html=...), no image fetching"),
    "newspaper4k": (_newspaper4k, "html", "peer", "Article(fetch_images=False).download(input_html)"),
    "html-text": (_html_text, "html", "baseline", "html_text.extract_text: all visible text"),
    "C4 rules (html-text lines)": (_c4_on(_html_text), "html", "baseline", "C4 line rules on html-text output"),
    "jusText (html-text lines)": (_justext_lines_on(_html_text), "html", "baseline",
                                  "jusText with one <p> per html-text output line"),
}


def peer(name: str) -> Callable[[str], str]:
    """Build the named adapter (raises ToolUnavailable when its package is missing)."""
    return PEERS[name][0]()


def versions() -> dict[str, str]:
    """Installed versions of the benchmarked packages (``"missing"`` if not installed)."""
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for dist in ("boilerstrip", "trafilatura", "readability-lxml", "lxml-html-clean", "jusText", "Resiliparse",
                 "boilerpy3", "goose3", "newspaper4k", "html-text", "lxml", "numpy", "scikit-learn", "matplotlib"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "missing"
    return out
