"""A document as the feature stages see it: its lines, what is known about each line,
and the features computed for it so far.

The features of a document are computed once and reused by every pass of the model
(and by each of the model's networks): :class:`FeatureCache` holds them, and only the
functions of this package read or write it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, Sequence

import numpy as np

from ..text import TextLine
from .rows import Rows

if TYPE_CHECKING:
    from .structure import LineStructure

__all__ = ["Document", "CodePoints", "FeatureCache"]


@dataclass
class CodePoints:
    """A document's lines as one code-point array, ``"\\n"`` between lines, with where
    each line starts: what the character statistics and the word hashes are computed
    from."""

    cps: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray

    @classmethod
    def of(cls, lines: Sequence[str]) -> "CodePoints":
        lengths = np.fromiter((len(line) for line in lines), dtype=np.int64, count=len(lines))
        cps = np.frombuffer("\n".join(lines).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return cls(cps, _line_starts(lengths), lengths)

    def truncated(self, limit: int) -> "CodePoints":
        """The first ``limit`` code points of each line."""
        long = np.flatnonzero(self.lengths > limit)
        cut = np.zeros(len(self.cps) + 1, dtype=np.int8)   # +1 where a cut starts, -1 where it ends
        cut[self.starts[long] + limit] = 1
        cut[self.starts[long] + self.lengths[long]] = -1
        lengths = np.minimum(self.lengths, limit)
        return CodePoints(self.cps[np.cumsum(cut[:-1], dtype=np.int8) == 0], _line_starts(lengths), lengths)


def _line_starts(lengths: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths + 1)])[:len(lengths)]


@dataclass
class FeatureCache:
    """What has been computed for one document.  Line shape and hashed words depend on
    the document alone; the topical quantities also on the model's IDF (``idf``: the
    array they were computed with; :meth:`for_idf` forgets them for another one)."""

    code_points: Optional[CodePoints] = None
    shape: Optional[np.ndarray] = None
    words: Optional[Rows] = None
    idf: Optional[np.ndarray] = None
    known_language: Optional[float] = None
    word_weights: Optional[np.ndarray] = None
    topic: Optional[tuple[np.ndarray, np.ndarray, np.ndarray]] = None
    story: Optional[tuple[Any, ...]] = None

    def for_idf(self, idf: np.ndarray) -> "FeatureCache":
        if self.idf is not idf:
            self.idf = idf
            self.known_language = self.word_weights = self.topic = self.story = None
        return self


@dataclass(eq=False)
class Document:
    """The lines of one input document, with what is known about each line.

    ``structure`` (one :class:`LineStructure` per line) is present when the input had
    markup.  ``index`` maps each line back to its line number in the input text.
    ``runs``, for hard-wrapped text, says how many consecutive input lines each line
    joins (see :func:`~boilerstrip.text.hard_wrap_runs`); ``source``, for text laid out in
    columns, which input line each line (a cell of it) is part of.
    """

    lines: list[str]
    para_break: np.ndarray
    index: np.ndarray
    structure: Optional[list[LineStructure]] = None
    runs: Optional[np.ndarray] = None
    cache: FeatureCache = field(default_factory=FeatureCache, repr=False, compare=False)
    source: Optional[np.ndarray] = None

    @classmethod
    def from_text_lines(cls, lines: Sequence[TextLine], runs: Optional[Sequence[int]] = None) -> "Document":
        """The document of split text lines, each ``runs`` of them joined into one line
        when given.  Features see each line without its leading whitespace: scrapers
        indent text as their markup was indented, which says nothing about the line (the
        kept lines are still returned as the input had them)."""
        if runs is None:
            firsts, text = list(lines), [line.text.lstrip() for line in lines]
            run_array = None
        else:
            run_array = np.asarray(runs, dtype=np.int64)
            if run_array.sum() != len(lines) or (run_array < 1).any():
                raise ValueError(f"runs must be positive and sum to the {len(lines)} lines")
            starts = np.concatenate([[0], np.cumsum(run_array)[:-1]]).tolist()
            firsts = [lines[a] for a in starts]
            text = [" ".join(line.text.lstrip() for line in lines[a:a + k])
                    for a, k in zip(starts, run_array.tolist())]
        return cls(text, np.array([line.para_break for line in firsts], dtype=bool),
                   np.array([line.index for line in firsts], dtype=np.int64), runs=run_array)

    @classmethod
    def from_cells(cls, cells: Sequence[tuple[int, TextLine]]) -> "Document":
        """The document of text laid out in side-by-side columns: one line per cell, in
        reading order (:func:`~boilerstrip.text.column_segments`), each cell's input line
        in ``source``."""
        doc = cls.from_text_lines([cell for _, cell in cells])
        doc.source = np.array([k for k, _ in cells], dtype=np.int64)
        return doc

    @classmethod
    def from_structured_lines(cls, lines: Sequence[TextLine], structure: Sequence[LineStructure]) -> "Document":
        """The document of lines whose markup is known (HTML today), one
        :class:`LineStructure` per line."""
        if len(lines) != len(structure):
            raise ValueError(f"{len(lines)} lines but {len(structure)} structures")
        return cls([line.text for line in lines], np.array([line.para_break for line in lines], dtype=bool),
                   np.array([line.index for line in lines], dtype=np.int64), list(structure))

    def __len__(self) -> int:
        return len(self.lines)

    def line_lengths(self) -> np.ndarray:
        """Characters per line (what decoding weighs a line's evidence by)."""
        return np.fromiter(map(len, self.lines), dtype=np.float64, count=len(self.lines))

    @property
    def n_chars(self) -> int:
        """Characters in the lines, with one separator after each."""
        return sum(map(len, self.lines)) + len(self.lines)

    def with_words(self, words: Rows) -> "Document":
        """The same lines with other hashed words (training shows documents so, as if in
        a language it does not know); ``self`` is left as it was."""
        return Document(self.lines, self.para_break, self.index, self.structure, self.runs,
                        FeatureCache(shape=self.cache.shape, words=words), self.source)

    def window_bounds(self, max_chars: int, max_lines: int) -> list[tuple[int, int]]:
        """The document cut into consecutive runs of lines, each of at most ``max_lines``
        lines and ``max_chars`` characters (a longer line is a run of its own), as
        ``(start, end)`` pairs; ``[(0, len(self))]`` when it fits in one."""
        if len(self) <= max_lines and self.n_chars <= max_chars:
            return [(0, len(self))]
        ends = np.cumsum([len(line) + 1 for line in self.lines])
        bounds = [0]
        while bounds[-1] < len(self):
            lo = bounds[-1]
            fit = int(np.searchsorted(ends, (ends[lo - 1] if lo else 0) + max_chars, side="right"))
            bounds.append(max(min(fit, lo + max_lines, len(self)), lo + 1))
        return list(zip(bounds[:-1], bounds[1:]))

    def window(self, lo: int, hi: int) -> "Document":
        """Lines ``lo`` to ``hi`` as a document of their own."""
        return Document(self.lines[lo:hi], self.para_break[lo:hi], self.index[lo:hi],
                        None if self.structure is None else self.structure[lo:hi])


def code_points(doc: Document) -> CodePoints:
    """The document's code points, kept until both its line shape and words are cached."""
    cache = doc.cache
    if cache.code_points is None:
        cache.code_points = CodePoints.of(doc.lines)
    return cache.code_points


def release_code_points(doc: Document) -> None:
    """Forget the code points once every feature made from them is cached."""
    if doc.cache.shape is not None and doc.cache.words is not None:
        doc.cache.code_points = None
