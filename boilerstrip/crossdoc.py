"""Cross-document evidence: lines that recur across pages of one site are boilerplate.

Pages of one site repeat the same navigation, newsletter prompts, "Most read" headings
and footers, while the article text of each page is its own.  Given a *group* of
documents from one site, a line whose normalised text (casefolded, digits folded to
``0``, whitespace collapsed) occurs in at least two different documents of the group,
and in at least ``min_share`` of them, is marked *recurring*.  Before decoding, the body
and title probabilities of recurring lines are multiplied by ``exp(-shift)`` and each
row renormalised: the line's log-odds of body (or title) against boilerplate drop by
exactly ``shift`` nats.  The model still decides; a recurring line with overwhelming
body evidence can survive, and the decoder's preference for contiguous blocks still
applies.

Documents whose normalised lines are identical (the same page fetched twice) count as
one document, so a duplicate never turns its own article into "recurring" text.
Near-duplicates (one article syndicated twice on a site, with different boilerplate)
still share their article lines: group pages of one site, not copies of one story.

>>> recurring_lines([["Menu", "Storm hits coast", "Sign up  for our newsletter"],
...                  ["menu", "Council votes on park", "Sign up for our NEWSLETTER"]])
[array([ True, False,  True]), array([ True, False,  True])]
"""

from __future__ import annotations

import math
import re
from typing import Hashable, Sequence

import numpy as np

__all__ = ["normalise_line", "recurring_lines", "demote", "demote_groups", "DEFAULT_SHIFT", "DEFAULT_MIN_SHARE"]

# Chosen on the dev split (pages of one site and style, grouped): see benchmarks/scale.py.
DEFAULT_SHIFT = 1.0
DEFAULT_MIN_SHARE = 0.75

_DIGIT = re.compile(r"\d")
_SPACE = re.compile(r"\s+")


def normalise_line(text: str) -> str:
    """The key under which lines are compared across documents.

    >>> normalise_line("  Updated 12:45  GMT, 3 March ")
    'updated 00:00 gmt, 0 march'
    """
    return _SPACE.sub(" ", _DIGIT.sub("0", text.casefold())).strip()


def recurring_lines(docs: Sequence[Sequence[str]], min_share: float = DEFAULT_MIN_SHARE,
                    min_docs: int = 2) -> list[np.ndarray]:
    """For each document of one group (its lines), a boolean mask of recurring lines.

    A line recurs when its normalised text occurs in at least ``max(min_docs,
    ceil(min_share * n))`` distinct documents, ``n`` being the number of distinct
    non-empty documents in the group.  Groups with fewer than ``min_docs`` distinct
    documents mark nothing.  Lines that normalise to ``""`` never recur.
    """
    if not 0.0 <= min_share <= 1.0:
        raise ValueError("min_share must be between 0 and 1")
    keys = [[normalise_line(l) for l in lines] for lines in docs]
    seen: set[tuple[str, ...]] = set()
    df: dict[str, int] = {}
    for doc_keys in keys:
        signature = tuple(doc_keys)
        if not signature or signature in seen:
            continue
        seen.add(signature)
        for key in set(doc_keys):
            if key:
                df[key] = df.get(key, 0) + 1
    n = len(seen)
    masks = [np.zeros(len(k), dtype=bool) for k in keys]
    if n < max(min_docs, 2):
        return masks
    need = max(min_docs, math.ceil(min_share * n - 1e-9))
    for doc_keys, mask in zip(keys, masks):
        for i, key in enumerate(doc_keys):
            mask[i] = df.get(key, 0) >= need
    return masks


def demote(proba: np.ndarray, mask: np.ndarray, shift: float) -> np.ndarray:
    """A copy of ``proba`` ((n, 3) body/title/boilerplate) with the rows in ``mask``
    moved ``shift`` nats towards boilerplate (body and title times ``exp(-shift)``,
    then renormalised).

    >>> demote(np.array([[0.5, 0.0, 0.5]]), np.array([True]), math.log(3)).round(3).tolist()
    [[0.25, 0.0, 0.75]]
    """
    out = np.array(proba, dtype=np.float64, copy=True)
    if shift == 0 or not mask.any():
        return out
    rows = out[mask]
    rows[:, :2] *= math.exp(-shift)
    rows /= rows.sum(axis=1, keepdims=True)
    out[mask] = rows
    return out


def demote_groups(proba: dict[int, np.ndarray], lines: Sequence[Sequence[str]], groups: Sequence[Hashable],
                  shift: float = DEFAULT_SHIFT, min_share: float = DEFAULT_MIN_SHARE) -> dict[int, np.ndarray]:
    """``proba`` (document number -> probabilities) with each group's recurring lines
    demoted; ``lines`` and ``groups`` give every document's line texts and group key.
    Documents without probabilities (empty ones) take no part."""
    out = dict(proba)
    members: dict[Hashable, list[int]] = {}
    for k in proba:
        members.setdefault(groups[k], []).append(k)
    for ks in members.values():
        if len(ks) < 2:
            continue
        for k, mask in zip(ks, recurring_lines([lines[k] for k in ks], min_share=min_share)):
            out[k] = demote(out[k], mask, shift)
    return out
