"""Stage 4: probabilities to labels, preferring contiguous blocks.

Articles are runs of lines, and so is boilerplate.  A two-state Viterbi decode over
per-line log-odds, with a cost for every switch between "keep" and "drop", removes
isolated flips (a lone short body line inside a menu, a lone teaser inside the
article) unless the evidence for them is strong.

>>> keep_mask([0.9, 0.4, 0.9, 0.1, 0.1], threshold=0.5, transition=1.0).tolist()
[True, True, True, False, False]
>>> keep_mask([0.9, 0.4, 0.9], threshold=0.5, transition=0.0).tolist()
[True, False, True]

A line's evidence counts in proportion to the text it carries (:func:`line_weights`): the
switching cost is meant for a stray short line, and must not drop a line holding a whole
article's text between two menu lines, which a scraper's rendering of a layout table
writes.
"""

from __future__ import annotations

from itertools import accumulate
from typing import Sequence

import numpy as np

__all__ = ["keep_mask", "block_mask", "fill_gaps", "page_mask", "line_weights", "GAP_MEAN", "GAP_LINES",
           "WEIGHT_CHARS"]

_EPS = 1e-6
#: A run of dropped lines between two kept ones is kept too when it is at most GAP_LINES
#: lines long and the mean of its keep probabilities is at least GAP_MEAN.
GAP_MEAN = 0.35
GAP_LINES = 50
#: A line's evidence weighs 1 up to this many characters, then sqrt(characters / WEIGHT_CHARS).
WEIGHT_CHARS = 200.0


def _log_odds(p):
    return np.log(p) - np.log1p(-p)


def line_weights(chars: Sequence[float] | np.ndarray) -> np.ndarray:
    """How much each line's evidence weighs in decoding, from its length in characters:
    1 for a line of up to ``WEIGHT_CHARS`` characters (most lines), growing as the square
    root of the length beyond (a 5,000-character line weighs 5).

    >>> line_weights([10, 200, 800, 5000]).tolist()
    [1.0, 1.0, 2.0, 5.0]
    """
    return np.maximum(1.0, np.sqrt(np.asarray(chars, dtype=np.float64) / WEIGHT_CHARS))


def keep_mask(p_keep: Sequence[float] | np.ndarray, threshold: float = 0.5,
              transition: float = 2.0, weight: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """Boolean keep-mask for one document from per-line keep probabilities.

    With ``transition=0`` this is exactly ``p_keep > threshold``; larger values make
    switching state cost that many nats of evidence.  ``weight`` (one per line, e.g.
    :func:`line_weights`) multiplies each line's evidence: the mask maximises the
    weighted sum of the kept lines' log-odds over the threshold's, less ``transition``
    per switch.

    >>> keep_mask([0.1, 0.6, 0.1], transition=0.5).tolist()
    [False, False, False]
    >>> keep_mask([0.1, 0.6, 0.1], transition=0.5, weight=[1.0, 3.0, 1.0]).tolist()
    [False, True, False]
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be between 0 and 1 (exclusive)")
    if transition <= 0:
        return np.asarray(p_keep, dtype=np.float64).reshape(-1) > threshold
    p = np.clip(np.asarray(p_keep, dtype=np.float64), _EPS, 1 - _EPS)
    n = len(p)
    if n == 0:
        return np.zeros(0, dtype=bool)
    # The threshold's log-odds are computed exactly as the lines' are, so that a line at
    # the threshold scores exactly 0 and is dropped, as ``p_keep > threshold`` drops it.
    score = _log_odds(p) - _log_odds(np.float64(threshold))
    if weight is not None:
        weight = np.asarray(weight, dtype=np.float64).reshape(-1)
        if len(weight) != n or not (weight > 0).all():
            raise ValueError("weight must have one positive value per line")
        score = score * weight
    # Only the difference d = best(keep) - best(drop) matters: staying in a state is free
    # and switching costs ``transition``, so d[i] = clip(d[i-1], -T, T) + score[i].
    t = float(transition)
    d = np.fromiter(accumulate(score.tolist(), lambda prev, s: min(max(prev, -t), t) + s), dtype=np.float64,
                    count=n)
    # Backtracking: before a kept line, the best path keeps unless d < -T; before a
    # dropped one, it drops unless d > T.  So a line outside [-T, T] fixes its state and
    # every other line takes the state of the next line (ties stay), and the last line
    # is kept when d > 0: a backward fill of the fixed states.
    fixed = np.where(d > t, 1, np.where(d < -t, 0, -1))
    fixed[-1] = 1 if d[-1] > 0 else 0
    pos = np.where(fixed >= 0, np.arange(n), n)
    nearest = np.minimum.accumulate(pos[::-1])[::-1]
    return fixed[nearest] == 1


def block_mask(p_keep: Sequence[float] | np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Boolean keep-mask of the one contiguous run of lines with the most evidence of
    being kept: the largest sum of log-odds over the threshold's (empty when no line is
    above it).  For a text known to be one article, perhaps with boilerplate before it
    and other stories after it: what lies inside the run stays, whatever its score.

    >>> block_mask([0.1, 0.9, 0.3, 0.9, 0.1, 0.6], threshold=0.5).tolist()
    [False, True, True, True, False, False]
    >>> block_mask([0.1, 0.2]).tolist()
    [False, False]
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be between 0 and 1 (exclusive)")
    p = np.clip(np.asarray(p_keep, dtype=np.float64).reshape(-1), _EPS, 1 - _EPS)
    mask = np.zeros(len(p), dtype=bool)
    if not len(p):
        return mask
    cs = np.concatenate([[0.0], np.cumsum(_log_odds(p) - _log_odds(np.float64(threshold)))])
    gains = cs[1:] - np.minimum.accumulate(cs[:-1])   # best run ending at each line
    end = int(np.argmax(gains))
    if gains[end] > 0:
        mask[int(np.argmin(cs[:end + 1])):end + 1] = True
    return mask


def fill_gaps(kept: Sequence[bool] | np.ndarray, p_keep: Sequence[float] | np.ndarray,
              low: float = GAP_MEAN, max_lines: int = GAP_LINES) -> np.ndarray:
    """``kept`` with every run of dropped lines between two kept lines kept as well when
    the run is at most ``max_lines`` lines long and its mean keep probability at least
    ``low``: a list or a short passage inside an article that scored under the threshold
    line by line, but was never as unlikely as a menu or a widget between paragraphs.

    >>> fill_gaps([True, False, False, True, False], [0.9, 0.4, 0.3, 0.9, 0.4]).tolist()
    [True, True, True, True, False]
    >>> fill_gaps([True, False, True], [0.9, 0.1, 0.9]).tolist()
    [True, False, True]
    """
    kept = np.array(kept, dtype=bool).reshape(-1)
    p = np.asarray(p_keep, dtype=np.float64).reshape(-1)
    if len(p) != len(kept):
        raise ValueError("kept and p_keep must have one value per line")
    pos = np.flatnonzero(kept)
    if len(pos) < 2:
        return kept
    before, after = pos[:-1], pos[1:]            # consecutive kept lines
    gap = after - before - 1
    total = np.concatenate([[0.0], np.cumsum(p)])
    mean = (total[after] - total[before + 1]) / np.maximum(gap, 1)
    fill = (gap > 0) & (gap <= max_lines) & (mean >= low)
    edges = np.zeros(len(kept) + 1, dtype=np.int64)   # +1 where a filled run starts, -1 after it
    np.add.at(edges, before[fill] + 1, 1)
    np.add.at(edges, after[fill], -1)
    return kept | (np.cumsum(edges[:-1]) > 0)


def page_mask(p_keep: Sequence[float] | np.ndarray, threshold: float = 0.5, transition: float = 2.0,
              weight: Sequence[float] | np.ndarray | None = None) -> np.ndarray:
    """The lines :func:`boilerstrip.clean` keeps of a page (``mode="page"``):
    :func:`keep_mask` (``weight`` as there), then :func:`fill_gaps`.

    >>> page_mask([0.9, 0.4, 0.3, 0.9, 0.1], transition=0.0).tolist()
    [True, True, True, True, False]
    """
    return fill_gaps(keep_mask(p_keep, threshold, transition, weight), p_keep)
