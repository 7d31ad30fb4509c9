"""The pipeline, assembled once: input -> lines -> features -> model -> labels -> text.

:class:`Options` says how to clean (threshold, title, input format, model) and
:func:`label_batch` runs a batch of inputs through every stage.  :func:`boilerstrip.clean`,
:func:`boilerstrip.classify`, :mod:`boilerstrip.batch`, the command line and the Dask
helpers all call it.

>>> options = Options(threshold=0.4, format="text")
>>> label_batch(["", "Home"], options, as_text=True)[0]
''
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple, Optional, Sequence, Union

import numpy as np

from .decoding import block_mask, line_weights, page_mask
from .features import Document
from .html import looks_like_html, render_html
from .markdown import looks_like_markdown, read_markdown
from .model import CLASSES, LineModel
from .text import (
    TextInput,
    TextLine,
    column_segments,
    decode,
    hard_wrap_runs,
    inline_break_runs,
    join_lines,
    split_lines,
)

__all__ = ["Options", "Line", "Formatted", "FORMATS", "MODES", "ModelArg", "read", "label_batch", "text_of",
           "resolve_model", "default_model"]

#: Input formats: ``"auto"`` detects HTML, then Markdown; ``"text"``, ``"html"`` and
#: ``"markdown"`` force one reader.
FORMATS = ("auto", "text", "html", "markdown")
#: What the input is: ``"page"`` (anything a scraper produced: every line decided on its
#: evidence) or ``"article"`` (one article, perhaps with boilerplate before it and other
#: stories after it: the one best contiguous run of lines is kept, whole).
MODES = ("page", "article")
#: A model: ``None`` (the shipped one), a :class:`LineModel`, a model file's path, or a
#: fitted :class:`~boilerstrip.estimator.LineClassifier`.
ModelArg = Union[None, LineModel, str, "os.PathLike[str]", Any]


@dataclass(frozen=True)
class Options:
    """How to clean.

    ``threshold``: body probability above which a line is kept (a lower value keeps
    more); ``include_title``: keep the headline too; ``format``: one of :data:`FORMATS`;
    ``model``: see :data:`ModelArg`; ``mode``: one of :data:`MODES`.

    >>> Options(threshold=1.5)
    Traceback (most recent call last):
    ...
    ValueError: threshold must be a number between 0 and 1 (exclusive), got 1.5
    """

    threshold: float = 0.5
    include_title: bool = False
    format: str = "auto"
    model: ModelArg = None
    mode: str = "page"

    def __post_init__(self) -> None:
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)) \
                or not 0.0 < self.threshold < 1.0:
            raise ValueError(f"threshold must be a number between 0 and 1 (exclusive), got {self.threshold!r}")
        if not isinstance(self.include_title, (bool, np.bool_)):
            raise TypeError(f"include_title must be True or False, got {self.include_title!r}")
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {self.format!r}")
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {self.mode!r}")

    @classmethod
    def of(cls, threshold: float = 0.5, include_title: bool = False, format: str = "auto",
           html: Optional[bool] = None, model: ModelArg = None, mode: str = "page") -> "Options":
        """Options from the public functions' keywords (``html=True/False`` is the same
        as ``format="html"/"text"``)."""
        if html is not None:
            if format != "auto":
                raise ValueError("give either html= or format=, not both")
            format = "html" if html else "text"
        return cls(threshold, include_title, format, model, mode)


class Formatted(NamedTuple):
    """An input with its own format, in place of :attr:`Options.format` (the command line
    reads ``.md`` files as Markdown this way)."""

    text: TextInput
    format: str


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


# ---------------------------------------------------------------------- stage 1
def read(text: TextInput, format: str = "auto") -> tuple[Document, list[TextLine]]:
    """Stage 1: input to a :class:`Document` and the text lines it is made of.

    HTML goes through the lxml renderer, so that what the markup says about each line
    becomes evidence; Markdown keeps its own lines, and the model sees each line's visible
    text (no link targets, no markup) and what its syntax says (heading, list item, link
    share, ...).  Hard-wrapped plain text, and text broken at inline elements, is scored a
    paragraph line at a time (``Document.runs``); the text lines stay the input's own.
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    text = decode(text)
    if format == "html" or (format == "auto" and looks_like_html(text)):
        rendered = render_html(text)
        lines = [TextLine(line.text, i, line.para_break) for i, line in enumerate(rendered)]
        return Document.from_structured_lines(lines, [line.structure for line in rendered]), lines
    if format == "markdown" or (format == "auto" and looks_like_markdown(text)):
        md = read_markdown(text)
        return Document.from_structured_lines(md.visible, md.structure), md.lines
    lines = split_lines(text)
    runs = hard_wrap_runs(lines)
    runs = runs if runs is not None else inline_break_runs(lines)
    cells = column_segments(lines) if runs is None else None
    if cells is not None:   # a layout table's columns side by side: read column by column
        return Document.from_cells(cells), lines
    return Document.from_text_lines(lines, runs), lines


# ---------------------------------------------------------------------- model
@lru_cache(maxsize=1)
def default_model() -> LineModel:
    """The shipped model, loaded on first use and then reused."""
    return LineModel.load_default()


@lru_cache(maxsize=4)
def _model_file(path: str, mtime: float) -> LineModel:
    return LineModel.load(path)


def resolve_model(model: ModelArg) -> LineModel:
    """The :class:`LineModel` that ``model`` names (files are loaded once per process)."""
    if model is None:
        return default_model()
    if isinstance(model, LineModel):
        return model
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        return _model_file(path, os.stat(path).st_mtime)
    to_model = getattr(model, "to_model", None)
    if callable(to_model):   # a fitted LineClassifier
        return to_model()
    raise TypeError(f"model must be None, a LineModel, a model file path or a fitted LineClassifier, "
                    f"got {type(model).__name__}")


# ---------------------------------------------------------------------- stages 3-5
def _decide(lines: Sequence[TextLine], doc: Document, proba: np.ndarray, options: Options,
            transition: float, as_text: bool) -> Union[str, list[Line]]:
    """Stages 4-5: one document's probabilities to its cleaned text, or to a
    :class:`Line` per text line.  Decisions are made per document line, in reading
    order (:func:`~boilerstrip.decoding.page_mask`: gaps filled there), and given to each
    of the text lines it joins (``doc.runs``) or to the line its cells share
    (``doc.source``)."""
    p_keep = proba[:, 0] + (proba[:, 1] if options.include_title else 0.0)
    kept = block_mask(p_keep, options.threshold) if options.mode == "article" else \
        page_mask(p_keep, options.threshold, transition, line_weights(doc.line_lengths()))
    if doc.runs is not None:
        proba, kept = np.repeat(proba, doc.runs, axis=0), np.repeat(kept, doc.runs)
    if doc.source is not None:
        proba, kept = _per_line(doc.source, doc.lines, proba, kept, len(lines))
    if as_text:
        return join_lines(lines, np.flatnonzero(kept).tolist())
    title = proba[:, 1] >= proba[:, 0]
    best = proba.argmax(axis=1)
    labels = np.where(kept, np.where(title & options.include_title, 1, 0), np.where(best == 1, 1, 2))
    return [Line(line.text, line.index, CLASSES[int(lab)], float(p[0]), float(p[1]), bool(k), line.para_break)
            for line, p, k, lab in zip(lines, proba, kept.tolist(), labels.tolist())]


def _per_line(source: np.ndarray, cells: Sequence[str], proba: np.ndarray, kept: np.ndarray,
              n: int) -> tuple[np.ndarray, np.ndarray]:
    """Cells' probabilities and decisions to their input lines': a line is kept when its
    kept cells hold most of its characters, and its probabilities are its cells', weighted
    by their characters."""
    chars = np.array([len(cell) - cell.count(" ") for cell in cells], dtype=np.float64)
    total = np.maximum(np.bincount(source, chars, n), 1.0)
    line_proba = np.stack([np.bincount(source, chars * p, n) for p in proba.T], axis=1) / total[:, None]
    return line_proba, np.bincount(source, chars * kept, n) > 0.5 * total


def label_batch(texts: Sequence[Union[TextInput, Formatted]], options: Options, as_text: bool) -> list:
    """Every stage for a batch of inputs, with one model call per pass: per input its
    cleaned text (``as_text``) or its list of :class:`Line`."""
    docs = [read(t.text, t.format) if isinstance(t, Formatted) else read(t, options.format) for t in texts]
    results: list = ["" if as_text else [] for _ in docs]
    nonempty = [k for k, (_, lines) in enumerate(docs) if lines]
    if not nonempty:
        return results
    model = resolve_model(options.model)
    probas = model.predict_proba([docs[k][0] for k in nonempty])
    for k, proba in zip(nonempty, probas):
        doc, lines = docs[k]
        results[k] = _decide(lines, doc, proba, options, model.transition, as_text)
    return results


def text_of(lines: Sequence[Line]) -> str:
    """The cleaned text of classified lines: the kept ones, paragraph breaks preserved
    (the same as :func:`clean` gives for the lines :func:`classify` returned)."""
    positions = [k for k, line in enumerate(lines) if line.kept]
    return join_lines([TextLine(line.text, line.index, line.para_break) for line in lines], positions)
