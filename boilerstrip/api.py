"""Stage 5: the public API — text in, labelled lines or cleaned text out.

>>> from boilerstrip import clean, classify
>>> text = "\\n\\n".join([
...     "Home | World | Sport",
...     "Council approves park expansion",
...     "The city council voted on Tuesday to expand Riverside Park by twelve acres, officials said.",
...     "The plan, first proposed in 2019, will cost about $4 million and open in spring.",
...     "Residents had asked for more green space for years, and the vote was unanimous.",
...     "Share this article\\nNo comments yet"])
>>> print(clean(text))
The city council voted on Tuesday to expand Riverside Park by twelve acres, officials said.
<BLANKLINE>
The plan, first proposed in 2019, will cost about $4 million and open in spring.
<BLANKLINE>
Residents had asked for more green space for years, and the vote was unanimous.
>>> [line.kept for line in classify(text)]
[False, False, True, True, True, False, False]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np

from .decoding import keep_lines
from .features import Document
from .html import looks_like_html, render_html
from .model import CLASSES, LineClassifier
from .text import TextInput, decode, hard_wrap_runs, join_lines, split_lines, TextLine

__all__ = ["Line", "clean", "classify", "text_of", "to_document", "classify_documents", "decide",
           "decide_text", "default_model"]

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
    of ``"body"``, ``"title"``, ``"boilerplate"``, ``kept`` whether :func:`clean`
    returns it, and ``para_break`` whether a paragraph break precedes it.
    """

    text: str
    index: int
    label: str
    score: float
    title_score: float
    kept: bool
    para_break: bool = False


def to_document(text: TextInput, html: Optional[bool] = None) -> tuple[Document, list[TextLine]]:
    """Turn input into a :class:`Document` and the text lines it is made of.

    ``html=None`` detects markup; HTML goes through the lxml renderer so that the DOM
    facts become features.  Hard-wrapped plain text is scored a paragraph line at a
    time (``Document.runs``); the text lines stay the input's own.
    """
    text = decode(text)
    if html is None:
        html = looks_like_html(text)
    if html:
        rendered = render_html(text)
        lines = [TextLine(l.text, i, l.para_break) for i, l in enumerate(rendered)]
        return Document.from_html_lines(rendered), lines
    lines = split_lines(text)
    return Document.from_text_lines(lines, hard_wrap_runs(lines)), lines


def _decisions(proba: np.ndarray, threshold: float, include_title: bool, transition: float,
               runs: Optional[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and keep-mask per text line: decoded per document line, then given
    to each of the text lines a document line joins (``runs``)."""
    kept = keep_lines(proba, threshold, include_title, transition)
    if runs is None:
        return proba, kept
    return np.repeat(proba, runs, axis=0), np.repeat(kept, runs)


def decide(lines: Sequence[TextLine], proba: np.ndarray, threshold: float, include_title: bool,
           transition: float, runs: Optional[np.ndarray] = None) -> list[Line]:
    """Turn one document's line probabilities into labelled, kept-or-dropped lines
    (``runs``: the document's, when its lines join several text lines)."""
    proba, kept = _decisions(proba, threshold, include_title, transition, runs)
    title = proba[:, 1] >= proba[:, 0]
    best = proba.argmax(axis=1)
    labels = np.where(kept, np.where(title & include_title, 1, 0), np.where(best == 1, 1, 2))
    return [Line(line.text, line.index, CLASSES[int(lab)], float(p[0]), float(p[1]), bool(k), line.para_break)
            for line, p, k, lab in zip(lines, proba, kept.tolist(), labels.tolist())]


def decide_text(lines: Sequence[TextLine], proba: np.ndarray, threshold: float, include_title: bool,
                transition: float, runs: Optional[np.ndarray] = None) -> str:
    """The cleaned text of one document from its line probabilities: the same decisions
    as ``text_of(decide(...))``, without building a :class:`Line` per line."""
    _, kept = _decisions(proba, threshold, include_title, transition, runs)
    return join_lines(lines, np.flatnonzero(kept).tolist())


def classify_documents(docs: Sequence[tuple[Document, list[TextLine]]], model: LineClassifier,
                       threshold: float = 0.5, include_title: bool = False) -> list[list[Line]]:
    """Label already-split documents with one batched model call per pass."""
    docs = list(docs)
    return [decide(lines, proba, threshold, include_title, model.transition, doc.runs)
            for (doc, lines), proba in zip(docs, model.predict_proba([d for d, _ in docs]))]


def text_of(lines: Sequence[Line]) -> str:
    """The cleaned text of classified lines: the kept ones, paragraph breaks preserved."""
    positions = [k for k, line in enumerate(lines) if line.kept]
    return join_lines([TextLine(l.text, l.index, l.para_break) for l in lines], positions)


def classify(text: TextInput, *, threshold: float = 0.5, include_title: bool = False,
             html: Optional[bool] = None, model: Optional[LineClassifier] = None) -> list[Line]:
    """Label every non-blank line of ``text`` (``str`` or ``bytes``, plain text or HTML).

    Use it to pick your own precision/recall trade-off or to see why a line went.

    >>> lines = classify("Menu\\nHome\\n\\nThe council voted on Tuesday to expand the park.")
    >>> [l.index for l in lines]
    [0, 1, 3]
    >>> all(0.0 <= l.score <= 1.0 for l in lines)
    True
    """
    doc = to_document(text, html)
    if not doc[1]:
        return []
    return classify_documents([doc], model or default_model(), threshold, include_title)[0]


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
    >>> clean(None)
    Traceback (most recent call last):
    ...
    TypeError: expected str or bytes, got NoneType
    """
    doc, lines = to_document(text, html)
    if not lines:
        return ""
    model = model or default_model()
    return decide_text(lines, model.predict_proba([doc])[0], threshold, include_title, model.transition, doc.runs)
