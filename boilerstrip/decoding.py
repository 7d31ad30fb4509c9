"""Stage 4: probabilities to labels, preferring contiguous blocks.

Articles are runs of lines, and so is boilerplate.  A two-state Viterbi decode over
per-line log-odds, with a cost for every switch between "keep" and "drop", removes
isolated flips (a lone short body line inside a menu, a lone teaser inside the
article) unless the evidence for them is strong.

>>> keep_mask([0.9, 0.4, 0.9, 0.1, 0.1], threshold=0.5, transition=1.0).tolist()
[True, True, True, False, False]
>>> keep_mask([0.9, 0.4, 0.9], threshold=0.5, transition=0.0).tolist()
[True, False, True]
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["keep_mask"]

_EPS = 1e-6


def keep_mask(p_keep: Sequence[float] | np.ndarray, threshold: float = 0.5,
              transition: float = 2.0) -> np.ndarray:
    """Boolean keep-mask for one document from per-line keep probabilities.

    With ``transition=0`` this is exactly ``p_keep > threshold``; larger values make
    switching state cost that many nats of evidence.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be between 0 and 1 (exclusive)")
    if transition <= 0:
        return np.asarray(p_keep, dtype=np.float64).reshape(-1) > threshold
    p = np.clip(np.asarray(p_keep, dtype=np.float64), _EPS, 1 - _EPS)
    n = len(p)
    if n == 0:
        return np.zeros(0, dtype=bool)
    score = (np.log(p) - np.log1p(-p) - np.log(threshold / (1 - threshold))).tolist()
    # drop scores 0, keep scores its log-odds; back[i] holds the best previous state.
    drop, keep = 0.0, score[0]
    back_drop = [0] * n
    back_keep = [1] * n
    for i in range(1, n):
        stay_d, switch_d = drop, keep - transition
        stay_k, switch_k = keep, drop - transition
        back_drop[i] = 0 if stay_d >= switch_d else 1
        back_keep[i] = 1 if stay_k >= switch_k else 0
        drop, keep = max(stay_d, switch_d), max(stay_k, switch_k) + score[i]
    state = 1 if keep > drop else 0
    out = np.zeros(n, dtype=bool)
    for i in range(n - 1, -1, -1):
        out[i] = state == 1
        state = back_keep[i] if state == 1 else back_drop[i]
    return out
