"""Document context: what the document says about a line once a pass has guessed
which lines are body.

The passes after the first see each line's neighbours' probabilities, where it sits
relative to the main body block, and how its words fit the article: the topic of the
main segment and of the first body block, the title, the story told so far (an
appended story shares almost no words with the article before it), and the article's
vocabulary as it grows section by section.  Word vectors are IDF-weighted, folded into
2**14 columns and kept as sorted (row, column, value) arrays: never an n-by-n matrix.
"""

from __future__ import annotations

from functools import wraps
from typing import Callable, TypeVar

import numpy as np

from .document import Document
from .rows import entry_norms
from .shape import columns, line_features, shift, window_mean
from .words import N_WORD_FEATURES, word_features

__all__ = ["CONTEXT_FEATURES", "N_TOPIC_FEATURES", "context_features"]

N_TOPIC_FEATURES = 2 ** 14
_T = TypeVar("_T")


def _cached(name: str) -> Callable[[Callable[[Document, np.ndarray], _T]], Callable[[Document, np.ndarray], _T]]:
    """Cache ``fn(doc, idf)`` in the document's cache field ``name`` for this ``idf``
    object: what depends only on the document's words and the model's IDF, not on the
    pass, is computed once per document, like its line shape and words."""
    def decorate(fn: Callable[[Document, np.ndarray], _T]) -> Callable[[Document, np.ndarray], _T]:
        @wraps(fn)
        def cached(doc: Document, idf: np.ndarray) -> _T:
            cache = doc.cache.for_idf(idf)
            hit = getattr(cache, name)
            if hit is None:
                hit = fn(doc, idf)
                setattr(cache, name, hit)
            return hit
        return cached
    return decorate


CONTEXT_FEATURES = (
    [f"p_body{k:+d}" for k in range(-3, 4)] + [f"p_title{k:+d}" for k in (-1, 0, 1)]
    + ["p_win2", "p_win5", "p_win10", "in_main", "log_before_main", "log_after_main",
       "main_share", "mass_before", "mass_after", "doc_mean_p", "topic_sim", "topic_win2",
       "topic_win5", "topic_rank", "seg_sim_main", "seg_sim_first", "seg_log_weight",
       "seg_before_main", "seg_after_main", "seg_log_distance", "seg_is_first",
       "title_since_main", "low_since_main", "seg_sim_prev", "seg_min_cont", "seg_sim_title",
       "title_sim", "story_sim", "story_min", "article_sim", "article_joined", "line_article_share",
       "known_language"])
STORY_WINDOW = 4      # lines ahead that are compared with the story told so far
STORY_BREAK = 0.02    # below this cosine, the lines ahead start a new segment
ARTICLE_JOIN = 0.05   # a section at least this similar to the article so far joins it
# Words on at least 2 % of the training lines (IDF = 1 + ln(1 / 0.02)) are common words.
# A document with at least this share of such words is in a language the corpus IDF knows.
COMMON_WORD_IDF = 1.0 + np.log(50.0)
KNOWN_LANGUAGE_SHARE = 0.10


def _main_block(p: np.ndarray) -> tuple[int, int]:
    """The contiguous run of lines with the largest total (p - 0.5): the article's core.

    Maximum-sum subarray via prefix sums: the best end j maximises cs[j] - min(cs[:j]).
    """
    cs = np.concatenate([[0.0], np.cumsum(p - 0.5)])
    best = cs[1:] - np.minimum.accumulate(cs[:-1])
    end = int(np.argmax(best)) + 1
    return int(np.argmin(cs[:end])), end


def _segments(body: np.ndarray, starts: np.ndarray | None = None) -> np.ndarray:
    """Segment number of each line: runs of likely body lines are segments; the lines
    between two runs join the run that follows them (a headline introduces its story),
    trailing lines the last run.  ``starts`` marks headline-like lines, which begin a new
    segment (the section or story they introduce) even inside a run.  All -1 when no
    line is likely body."""
    head = np.zeros(len(body), dtype=bool) if starts is None else starts
    # A headline-like line inside a run starts a new one; outside runs it is a gap line
    # and joins the run that follows anyway.
    starts = (body & ~np.concatenate([[False], body[:-1]])) | (head & body)
    n_runs = int(starts.sum())
    if n_runs == 0:
        return np.full(len(body), -1)
    run = np.cumsum(starts) - 1
    return np.minimum(np.where(body, run, run + 1), n_runs - 1)


def context_features(doc: Document, proba: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Second-pass features from first-pass ``proba`` (columns: body, title, boilerplate)."""
    n = len(doc)
    if n == 0:
        return np.zeros((0, len(CONTEXT_FEATURES)), dtype=np.float32)
    p = proba[:, 0].astype(np.float64)
    t = proba[:, 1].astype(np.float64)
    cols = [shift(p, k, 0.0) for k in range(3, -4, -1)]  # p[i-3] .. p[i+3]
    cols += [shift(t, 1), t, shift(t, -1)]
    cols += [window_mean(p, 2), window_mean(p, 5), window_mean(p, 10)]
    lo, hi = _main_block(p)
    pos = np.arange(n)
    in_main = ((pos >= lo) & (pos < hi)).astype(np.float64)
    mass = np.cumsum(p)
    total = max(mass[-1], 1e-6)
    cols += [in_main, np.log1p(np.maximum(lo - pos, 0)), np.log1p(np.maximum(pos - hi + 1, 0)),
             np.full(n, (hi - lo) / n), (mass - p) / total, (total - mass) / total, np.full(n, p.mean())]

    # Topic.  IDF-weighted, normalised word vectors, folded into 2**14 columns
    # (collisions barely move a cosine) and kept as sorted (row, column, value) arrays:
    # never an n-by-n matrix, and no sparse-matrix objects, whose per-call overhead
    # would outweigh the arithmetic on documents of a few hundred lines.
    row, col, val = _topic_vectors(doc, idf)
    has_words = (np.bincount(row, minlength=n) > 0).astype(np.float64)
    log_chars = np.minimum(np.asarray(line_features(doc)[:, 0], dtype=np.float64), 6.0)
    weight = p * log_chars
    in_body = p > 0.5
    story_sim, story_min = _story_flow(doc, idf, (p + t) * log_chars)
    # A new segment starts at a headline-like line, or where the lines ahead share
    # (almost) no words with everything before them: an appended story that follows
    # the article without a headline the first pass recognised.
    dip = story_sim <= np.minimum(shift(story_sim, 1, 1.0), shift(story_sim, -1, 1.0))
    seg = _segments(in_body, starts=(t > 0.25) | (dip & (story_sim < STORY_BREAK)))
    if seg[0] < 0:
        seg = np.zeros(n, dtype=np.int64)
    n_seg = int(seg.max()) + 1
    seg_weight = np.bincount(seg, weights=weight * in_body, minlength=n_seg)
    main = int(np.argmax(seg_weight))
    first = int(np.argmax(seg_weight >= 0.1 * seg_weight[main]))
    # One weighted word vector (centroid) per segment.
    cseg, ccol, cval = _segment_entries(doc, idf, seg, weight * in_body)
    seg_norms = entry_norms(cseg, cval, n_seg)
    main_vec, first_vec = _dense_row(cseg, ccol, cval, main), _dense_row(cseg, ccol, cval, first)
    seg_cos = np.column_stack([np.bincount(cseg, weights=cval * v[ccol], minlength=n_seg)
                               for v in (main_vec, first_vec)]) / seg_norms[:, None] / seg_norms[[main, first]]
    # A line's similarity to the main segment, leaving the line itself out.
    w_main = weight * in_body * (seg == main)
    dots = np.bincount(row, weights=val * main_vec[col], minlength=n)   # x_i . main centroid
    c_norm2 = float(seg_norms[main] ** 2)
    loo_dots = dots - w_main * has_words
    loo_norm = np.sqrt(np.maximum(c_norm2 - 2 * w_main * dots + w_main ** 2 * has_words, 1e-12))
    sim = np.clip(np.where(has_words > 0, loo_dots / loo_norm, 0.0), 0.0, 1.0)
    rank = np.empty(n)
    rank[np.argsort(sim, kind="stable")] = np.arange(n) / max(n - 1, 1)
    rel_weight = seg_weight[seg] / max(seg_weight[main], 1e-9)
    cols += [sim, window_mean(sim, 2), window_mean(sim, 5), rank,
             np.clip(seg_cos[seg, 0], 0, 1), np.clip(seg_cos[seg, 1], 0, 1),
             np.log(np.maximum(rel_weight, 1e-3)), (seg < main).astype(np.float64),
             (seg > main).astype(np.float64), np.log1p(np.abs(seg - main)), (seg == first).astype(np.float64)]
    # Story boundaries after the main segment: a headline-like line or a run of
    # boilerplate since the article ended points to an appended story.
    main_end = int(np.flatnonzero(seg == main).max())
    after = pos > main_end
    title_since = np.maximum.accumulate(np.where(after, t, 0.0))
    low_since = np.cumsum(after & (p < 0.2)).astype(np.float64)
    cols += [title_since, np.log1p(low_since)]
    cols += _continuity((row, col, val), (cseg, ccol, cval), seg, seg_norms, first, t, has_words)
    cols += [story_sim, story_min]
    cols += _article_fit(doc, idf, seg, in_body, first)
    # How much of the above (and of the first pass's word weights) the language allows trusting.
    cols.append(np.full(n, _known_language(doc, idf)))
    return columns(cols)


def _sum_entries(row: np.ndarray, col: np.ndarray, val: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries of a sparse matrix, duplicates summed and zeros dropped, sorted by (row, column)."""
    keep = val != 0
    key = row[keep] * N_TOPIC_FEATURES + col[keep]
    uniq, inverse = np.unique(key, return_inverse=True)
    return uniq // N_TOPIC_FEATURES, uniq % N_TOPIC_FEATURES, np.bincount(inverse, weights=val[keep])


def _segment_entries(doc: Document, idf: np.ndarray, seg: np.ndarray,
                     weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each segment's word vector: the topic vectors of its lines times ``weight``, summed,
    as (segment, column, value) entries sorted by segment and column, zeros left out.

    The same as ``_sum_entries(seg[row], col, weight[row] * val)`` without its sort:
    segments are runs of consecutive lines, so in the (column, row) order of
    ``_story_index`` each (column, segment) group is already contiguous, its entries in
    row order (the sums are added up in the same order); only the groups are then
    sorted by segment, a stable sort of small integers."""
    row, col, val = _topic_vectors(doc, idf)
    wv = weight[row] * val
    order = _story_index(doc, idf)[0]
    o = order[wv[order] != 0]
    if len(o) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    s, c = seg[row[o]], col[o]
    new = np.concatenate([[True], (s[1:] != s[:-1]) | (c[1:] != c[:-1])])
    sums = np.bincount(np.cumsum(new) - 1, weights=wv[o])
    s, c = s[new], c[new]
    by_segment = np.argsort(s.astype(np.uint16) if len(doc) < 1 << 16 else s, kind="stable")
    return s[by_segment], c[by_segment], sums[by_segment]


@_cached("known_language")
def _known_language(doc: Document, idf: np.ndarray) -> float:
    """How far the corpus IDF knows the document's language, from 0 to 1: the share of
    its word entries that the corpus calls common (``COMMON_WORD_IDF``) over
    ``KNOWN_LANGUAGE_SHARE``, at most 1 (1 for a document without words)."""
    cols = word_features(doc).indices
    if len(cols) == 0:
        return 1.0
    return min(1.0, float(np.count_nonzero(idf[cols] < COMMON_WORD_IDF)) / len(cols) / KNOWN_LANGUAGE_SHARE)


@_cached("word_weights")
def _word_weights(doc: Document, idf: np.ndarray) -> np.ndarray:
    """Weight of each word entry of ``word_features(doc)`` for topical comparisons: its
    corpus IDF, times its IDF within the document (relative to a word of one line) to the
    extent that the corpus IDF does not know the document's language.

    The corpus IDF only knows the languages of the training pages.  In another language
    every word is rare to it, function words included, and two unrelated stories look
    alike through their articles and prepositions.  Such a document is recognised by how
    few of its words the corpus calls common (``COMMON_WORD_IDF``: about 15 % of an
    English document's words, 2-3 % of a German or Spanish one's); then a word on many of
    its lines is taken for a function word and down-weighted, whatever the corpus says.
    """
    words = word_features(doc)
    cols = words.indices   # each (line, word) entry is there once
    weights = idf[cols].astype(np.float64)
    unknown = 1.0 - _known_language(doc, idf)
    if unknown == 0.0:
        return weights
    n_lines = int(np.count_nonzero(np.diff(words.indptr)))   # lines with any word
    order = np.argsort(cols, kind="stable")
    sorted_cols = cols[order]
    group = np.cumsum(np.concatenate([[True], sorted_cols[1:] != sorted_cols[:-1]])) - 1
    df = np.bincount(group)[group]          # lines with this entry's word, in sorted order
    local = np.empty(len(cols))
    local[order] = (np.log((1 + n_lines) / (1 + df)) + 1) / (np.log((1 + n_lines) / 2) + 1)
    return weights * local ** unknown


@_cached("topic")
def _topic_vectors(doc: Document, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each line's word vector (weighted by ``_word_weights``), folded to
    ``N_TOPIC_FEATURES`` columns and scaled to unit length, as (row, column, value) entries."""
    words = word_features(doc)
    row = np.repeat(np.arange(words.shape[0]), np.diff(words.indptr))
    row, col, val = _sum_entries(row, words.indices & (N_TOPIC_FEATURES - 1),
                                 words.data.astype(np.float64) * _word_weights(doc, idf))
    return row, col, val / entry_norms(row, val, words.shape[0])[row]


def _story_flow(doc: Document, idf: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per line i, the cosine between the story so far (S_i: the weighted word vectors
    of lines before i) and the ``STORY_WINDOW`` lines from i on (A_i), and the running
    minimum of that cosine: once an unrelated story has begun, it stays low.

    Lines that are not yet after a full line of story, or not before one, get 1 (no
    evidence of a break).  Linear in the number of word entries: each line's product
    with the story before it comes from running column sums, and everything else from
    products of lines fewer than ``STORY_WINDOW`` apart.
    """
    row, _, val = _topic_vectors(doc, idf)
    n, k = len(doc), STORY_WINDOW
    order, place, start, pairs = _story_index(doc, idf)
    wv = weight[row] * val
    cum = np.concatenate([[0.0], np.cumsum(wv[order])])
    own = np.bincount(row, weights=wv * (cum[place] - cum[start]), minlength=n)   # w_l x_l . S_l
    self2 = np.bincount(row, weights=wv * wv, minlength=n)
    near = [np.bincount(row[a], weights=wv[a] * wv[b], minlength=n) for a, b in pairs]  # w_j x_j . w_j+d x_j+d
    story2 = np.concatenate([[0.0], np.cumsum(2 * own + self2)])[:n]                   # |S_i|^2
    # S_i . w_l x_l for l = i + t is S_l . w_l x_l minus the products with lines i..l-1.
    ahead = np.zeros(n)
    for t in range(k):
        ahead += shift(own, -t) - sum(shift(near[d - 1], d - t) for d in range(1, t + 1))
    window2 = _window_sum(self2, k) + sum(2 * _window_sum(near[d - 1], k - d) for d in range(1, k))
    enough = 9.0   # one line of about 20 characters at full weight
    sim = np.where((story2 >= enough) & (window2 >= enough),
                   ahead / np.sqrt(np.maximum(story2 * window2, 1e-12)), 1.0)
    sim = np.clip(sim, 0.0, 1.0)
    return sim, np.minimum.accumulate(sim)


def _window_sum(values: np.ndarray, length: int) -> np.ndarray:
    """values[i : i + length] summed, truncated at the end."""
    n = len(values)
    cs = np.concatenate([[0.0], np.cumsum(values)])
    return cs[np.minimum(np.arange(n) + length, n)] - cs[:n]


@_cached("story")
def _story_index(doc: Document, idf: np.ndarray):
    """What ``_story_flow`` needs that depends only on the document's words, so that each
    pass does only the weighted sums: the topic entries' order by (column, row), each
    entry's place in that order and where its column starts there, and for each distance
    d < ``STORY_WINDOW`` the pairs of entries of one column d rows apart.  A column holds
    each row at most once, in increasing order, so such a pair is at most d places apart
    in the order: a few comparisons, no search.
    """
    row, col, _ = _topic_vectors(doc, idf)
    n, m = len(doc), len(row)
    # Rows are already increasing within a column; 16-bit keys sort by radix.
    order = np.argsort(col.astype(np.uint16), kind="stable")
    by_column = (col * n + row)[order]
    place = np.empty(m, dtype=np.int64)
    place[order] = np.arange(m)
    new_column = np.concatenate([[True], col[order][1:] != col[order][:-1]])[:m]
    start = np.maximum.accumulate(np.where(new_column, np.arange(m), 0))[place] if m else place
    target = col * n + row
    pairs = []
    for d in range(1, STORY_WINDOW):
        first, second = [], []
        for ahead in range(1, d + 1):
            nxt = place + ahead
            hit = np.flatnonzero((nxt < m) & (row + d < n))
            hit = hit[by_column[nxt[hit]] == target[hit] + d]
            first.append(hit)
            second.append(order[nxt[hit]])
        pairs.append((np.concatenate(first), np.concatenate(second)))
    return order, place, start, pairs


def _dense_row(row: np.ndarray, col: np.ndarray, val: np.ndarray, k: int) -> np.ndarray:
    """Row ``k`` of (row, column, value) entries sorted by row, as a dense vector."""
    a, b = np.searchsorted(row, [k, k + 1])
    out = np.zeros(N_TOPIC_FEATURES)
    out[col[a:b]] = val[a:b]
    return out


def _article_fit(doc: Document, idf: np.ndarray, seg: np.ndarray, body: np.ndarray,
                 first: int) -> list[np.ndarray]:
    """How well each section fits the article told so far, when only fitting sections
    join it: per line, its segment's cosine to the article's vocabulary, whether the
    segment joined (``ARTICLE_JOIN``), and the share of the line's own word weight that
    the article already has.

    The article starts as the first segment's words; each later segment is compared with
    it and joins it when similar enough, so an appended story is compared with the
    article alone, not with the stories before it, and a section returning to the
    article's topic after one that did not fit scores high again.  Words are the hashed
    uni/bigrams of the segment's likely body lines, present or absent (a word said often
    in a long section counts once, so function words cannot dominate), weighted by
    ``_word_weights``.
    """
    n_seg = int(seg.max()) + 1
    sim, joined = np.ones(n_seg), np.ones(n_seg)
    words = word_features(doc)
    row = np.repeat(np.arange(len(doc)), np.diff(words.indptr))
    # Whether each of a line's words is in the article when the line's segment comes up
    # (all are, for the first segment and before: no article to compare with yet).
    known = np.ones(len(row), dtype=bool)
    # Segments are runs of consecutive lines, numbered in order: entry range per segment.
    line_bounds = words.indptr[np.searchsorted(seg, np.arange(n_seg + 1))]
    keep = body[row] & (seg[row] >= first)
    # Distinct (segment, word) keys.  Sorting and dropping repeats is ~20x faster than
    # np.unique, whose plain form hashes (numpy 2.3+); the order carries the weights along.
    entry_w2 = _word_weights(doc, idf) ** 2
    key = seg[row[keep]].astype(np.int64) * N_WORD_FEATURES + words.indices[keep]
    order = np.argsort(key)
    key = key[order]
    first_seen = np.concatenate([[True], key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=bool)
    key = key[first_seen]
    w2 = entry_w2[keep][order][first_seen]   # a word's weight is the same on every line
    kseg, kcol = key // N_WORD_FEATURES, key % N_WORD_FEATURES
    bounds = np.searchsorted(kseg, np.arange(n_seg + 1))
    article = np.zeros(N_WORD_FEATURES, dtype=bool)
    article_norm2 = 0.0
    for k in range(first, n_seg):        # one small step per segment: linear overall
        a, b = bounds[k], bounds[k + 1]
        c, v = kcol[a:b], w2[a:b]
        if k > first and article_norm2 > 0:
            la, lb = line_bounds[k], line_bounds[k + 1]
            known[la:lb] = article[words.indices[la:lb]]
            if a == b:
                continue
            sim[k] = float(v[article[c]].sum()) / np.sqrt(float(v.sum()) * article_norm2)
            joined[k] = float(sim[k] >= ARTICLE_JOIN)
            if not joined[k]:
                continue
        article_norm2 += float(v[~article[c]].sum())
        article[c] = True
    line_total = np.bincount(row, weights=entry_w2, minlength=len(doc))
    line_shared = np.bincount(row, weights=entry_w2 * known, minlength=len(doc))
    share = np.where(line_total > 0, line_shared / np.maximum(line_total, 1e-12), 1.0)
    return [sim[seg], joined[seg], share]


def _continuity(lines, segments, seg, seg_norms, first, t, has_words) -> list[np.ndarray]:
    """Does each section carry on the story told before it?

    A subheading's section shares words with the text before it and with the title;
    an appended story shares neither.  Returns, per line: the cosine of its segment to
    the sum of all segments from the first one up to it, the lowest such cosine of any
    segment since the first (once a story has broken off, what follows is suspect),
    its segment's cosine to the title line, and its own cosine to the title line.
    ``lines`` and ``segments`` are (row, column, value) word vectors.
    """
    row, col, val = lines
    cseg, ccol, cval = segments
    n_seg = len(seg_norms)
    bounds = np.searchsorted(cseg, np.arange(n_seg + 1))
    sim_prev = np.ones(n_seg)
    story = np.zeros(N_TOPIC_FEATURES)   # running sum of the segments so far
    story_norm2 = 0.0
    for k in range(first, n_seg):        # one small step per segment: linear overall
        c, v = ccol[bounds[k]:bounds[k + 1]], cval[bounds[k]:bounds[k + 1]]
        dot = float(story[c] @ v)
        if k > first:
            sim_prev[k] = min(max(dot / seg_norms[k] / np.sqrt(max(story_norm2, 1e-12)), 0.0), 1.0)
        story_norm2 += 2 * dot + seg_norms[k] ** 2
        story[c] += v
    min_cont = np.minimum.accumulate(sim_prev)
    # The title: the most title-like line up to the end of the first segment.
    upto = int(np.flatnonzero(seg == first).max()) + 1
    ti = int(np.argmax(t[:upto]))
    if t[ti] >= 0.1 and has_words[ti] > 0:
        title = _dense_row(row, col, val, ti)
        seg_title = np.clip(np.bincount(cseg, weights=cval * title[ccol], minlength=n_seg) / seg_norms, 0.0, 1.0)
        line_title = np.clip(np.bincount(row, weights=val * title[col], minlength=len(seg)), 0.0, 1.0)
    else:
        seg_title = np.zeros(n_seg, dtype=np.float64)
        line_title = np.zeros(len(seg), dtype=np.float64)
    return [sim_prev[seg], min_cont[seg], seg_title[seg], line_title]
