"""Stage 5: the public API — text in, labelled lines or cleaned text out.

>>> from boilerstrip import clean, classify
>>> text = open("boilerstrip/examples/aggregator.txt").read()   # doctest: +SKIP
>>> print(clean(text)[:60])                                    # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np

from .decoding import keep_mask
from .features import Document
from .html import looks_like_html, render_html
from .model import CLASSES, LineClassifier
from .text import TextInput, decode, join_lines, split_lines, TextLine

__all__ = ["Line", "clean", "classify", "to_document", "default_model"]

_DEFAULT: Optional[LineClassifier] = None


def default_model() -> LineClassifier:
    """The shipped model, loaded on first use and then reused."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = LineClassifier.load_default()
    return _DEFAULT


@dataclass(frozen=True)
class Line:
    """One input line and the decision about it.

    ``index`` is the line number in the input (0-based, blank lines counted; for HTML
    input, the number of the rendered line), ``score`` the probability that the line
    is article body, ``title_score`` that it is the article's headline, ``label`` one
    of ``"body"``, ``"title"``, ``"boilerplate"`` and ``kept`` whether :func:`clean`
    returns it.
    """

    text: str
    index: int
    label: str
    score: float
    title_score: float
    kept: bool


def to_document(text: TextInput, html: Optional[bool] = None) -> tuple[Document, list[TextLine]]:
    """Turn input into a :class:`Document` and the text lines it is made of.

    ``html=None`` detects markup; HTML goes through the lxml renderer so that the DOM
    facts become features.
    """
    text = decode(text)
    if html is None:
        html = looks_like_html(text)
    if html:
        rendered = render_html(text)
        lines = [TextLine(l.text, i, l.para_break) for i, l in enumerate(rendered)]
        return Document.from_html_lines(rendered), lines
    lines = split_lines(text)
    return Document.from_text_lines(lines), lines


def _decide(proba: np.ndarray, threshold: float, include_title: bool, transition: float):
    p_keep = proba[:, 0] + (proba[:, 1] if include_title else 0.0)
    kept = keep_mask(p_keep, threshold, transition)
    best = proba.argmax(axis=1)
    title = proba[:, 1] >= proba[:, 0]
    labels = np.where(kept, np.where(title & include_title, 1, 0), np.where(best == 1, 1, 2))
    return kept, labels


def classify(text: TextInput, *, threshold: float = 0.5, include_title: bool = False,
             html: Optional[bool] = None, model: Optional[LineClassifier] = None) -> list[Line]:
    """Label every non-blank line of ``text`` (``str`` or ``bytes``, plain text or HTML).

    >>> lines = classify("Menu\\nHome\\n\\nThe council voted on Tuesday to expand the park.")  # doctest: +SKIP
    >>> [(l.label, round(l.score, 2)) for l in lines]                               # doctest: +SKIP
    """
    model = model or default_model()
    doc, lines = to_document(text, html)
    if not lines:
        return []
    proba = model.predict_proba([doc])[0]
    kept, labels = _decide(proba, threshold, include_title, model.transition)
    return [Line(line.text, line.index, CLASSES[int(lab)], float(p[0]), float(p[1]), bool(k))
            for line, p, k, lab in zip(lines, proba, kept, labels)]


def clean(text: TextInput, *, threshold: float = 0.5, include_title: bool = False,
          html: Optional[bool] = None, model: Optional[LineClassifier] = None) -> str:
    """Return the article body of ``text``: its own lines, in order, boilerplate removed.

    ``text`` is ``str`` or ``bytes`` (decoded as UTF-8 with BOM detection, falling back
    to cp1252), plain text or HTML (detected, or forced with ``html=True/False``).
    Paragraph breaks (blank lines) between kept lines are preserved.  Lower
    ``threshold`` keeps more; ``include_title=True`` also keeps the headline.  Returns
    ``""`` when nothing is article.

    >>> clean("")
    ''
    """
    model_ = model
    doc, lines = to_document(text, html)
    if not lines:
        return ""
    model_ = model_ or default_model()
    proba = model_.predict_proba([doc])[0]
    kept, _ = _decide(proba, threshold, include_title, model_.transition)
    return join_lines(lines, np.flatnonzero(kept).tolist())


def clean_documents(docs: Iterable[tuple[Document, list[TextLine]]], model: LineClassifier,
                    threshold: float = 0.5, include_title: bool = False) -> list[str]:
    """Clean already-split documents with one batched model call (used by batch code)."""
    docs = list(docs)
    probas = model.predict_proba([d for d, _ in docs])
    out = []
    for (doc, lines), proba in zip(docs, probas):
        if not lines:
            out.append("")
            continue
        kept, _ = _decide(proba, threshold, include_title, model.transition)
        out.append(join_lines(lines, np.flatnonzero(kept).tolist()))
    return out
