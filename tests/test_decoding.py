"""Stage 4: keep_mask (two-state Viterbi decoding of keep probabilities)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boilerstrip.decoding import WEIGHT_CHARS, block_mask, fill_gaps, keep_mask, line_weights

probs = st.lists(st.floats(0.0, 1.0), min_size=0, max_size=40)
thresholds = st.floats(0.01, 0.99)


def _scores(p, threshold):
    q = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q)) - math.log(threshold / (1 - threshold))


def _objective(mask, scores, transition):
    mask = np.asarray(mask, dtype=bool)
    switches = int(np.count_nonzero(mask[1:] != mask[:-1])) if len(mask) > 1 else 0
    return float(scores[mask].sum()) - transition * switches


def _switches(mask) -> int:
    return int(np.count_nonzero(mask[1:] != mask[:-1])) if len(mask) > 1 else 0


# ------------------------------------------------------------------ basics


def test_returns_bool_array_of_same_length():
    out = keep_mask([0.2, 0.8, 0.6])
    assert isinstance(out, np.ndarray) and out.dtype == bool and out.shape == (3,)
    assert keep_mask(np.array([0.2, 0.8])).shape == (2,)


@pytest.mark.parametrize("transition", [0.0, 2.0])
def test_empty_input(transition):
    out = keep_mask([], transition=transition)
    assert out.dtype == bool and out.shape == (0,)


@pytest.mark.parametrize("transition", [0.0, 2.0, 50.0])
def test_one_line(transition):
    # no switching cost applies to a single line: it is kept iff it clears the threshold
    assert keep_mask([0.7], transition=transition).tolist() == [True]
    assert keep_mask([0.3], transition=transition).tolist() == [False]
    assert keep_mask([0.7], threshold=0.8, transition=transition).tolist() == [False]


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.1, 1.5, float("nan"), float("inf")])
def test_invalid_threshold_raises(threshold):
    with pytest.raises(ValueError, match="threshold"):
        keep_mask([0.5, 0.6], threshold=threshold)


def test_invalid_threshold_raises_even_for_empty_input():
    with pytest.raises(ValueError):
        keep_mask([], threshold=2.0)


# ------------------------------------------------------------------ transition = 0


def test_transition_zero_is_thresholding_hand_made():
    p = [0.9, 0.4, 0.9, 0.1, 0.51, 0.49, 0.5]
    assert keep_mask(p, 0.5, 0.0).tolist() == [True, False, True, False, True, False, False]
    assert keep_mask(p, 0.3, 0.0).tolist() == [True, True, True, False, True, True, True]


@settings(max_examples=200, deadline=None)
@given(probs, thresholds)
def test_transition_zero_equals_thresholding(p, threshold):
    assert keep_mask(p, threshold, 0.0).tolist() == (np.asarray(p, dtype=np.float64) > threshold).tolist()


@pytest.mark.parametrize("p,threshold,expected", [
    (0.90625, 0.90625, False),     # equal: not above the threshold, but kept (rounding in log-odds)
    (1.0, 0.9999999, True),        # above the threshold, but clipped to 0.999999 and dropped
    (0.0, 1e-7, False),            # below the threshold, but clipped to 1e-6 and kept
])
def test_transition_zero_equals_thresholding_edge_cases(p, threshold, expected):
    assert keep_mask([p], threshold=threshold, transition=0.0).tolist() == [expected]


# ------------------------------------------------------------------ smoothing


def test_isolated_weak_drop_inside_kept_block_is_kept():
    p = [0.9, 0.9, 0.4, 0.9, 0.9]
    assert keep_mask(p, 0.5, 0.0).tolist() == [True, True, False, True, True]
    assert keep_mask(p, 0.5, 2.0).tolist() == [True] * 5


def test_isolated_weak_keep_inside_dropped_block_is_dropped():
    p = [0.1, 0.1, 0.6, 0.1, 0.1]
    assert keep_mask(p, 0.5, 0.0).tolist() == [False, False, True, False, False]
    assert keep_mask(p, 0.5, 2.0).tolist() == [False] * 5


def test_strong_isolated_flips_survive():
    assert keep_mask([0.1, 0.1, 0.9999, 0.1, 0.1], 0.5, 2.0).tolist() == [False, False, True, False, False]
    assert keep_mask([0.9, 0.9, 0.0001, 0.9, 0.9], 0.5, 2.0).tolist() == [True, True, False, True, True]


def test_docstring_example():
    assert keep_mask([0.9, 0.4, 0.9, 0.1, 0.1], threshold=0.5, transition=1.0).tolist() == [True, True, True, False, False]


def test_flip_at_the_edge_costs_one_switch_only():
    # dropping the first line costs one switch; its evidence (log-odds 0.41) is below 2
    assert keep_mask([0.6, 0.1, 0.1, 0.1], 0.5, 2.0).tolist() == [False] * 4
    # ... but a strong first line survives
    assert keep_mask([0.99, 0.1, 0.1, 0.1], 0.5, 2.0).tolist() == [True, False, False, False]


def test_huge_transition_gives_a_single_state():
    p = [0.2, 0.9, 0.8, 0.3, 0.95]
    out = keep_mask(p, 0.5, 1e6)
    assert len(set(out.tolist())) == 1
    assert out.tolist() == [True] * 5  # total log-odds is positive


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=9), thresholds, st.floats(0.0, 6.0))
def test_viterbi_is_optimal_against_brute_force(p, threshold, transition):
    scores = _scores(p, threshold)
    best = max(_objective(np.array(m), scores, transition) for m in itertools.product([False, True], repeat=len(p)))
    got = _objective(keep_mask(p, threshold, transition), scores, transition)
    assert got == pytest.approx(best, abs=1e-7)


@settings(max_examples=150, deadline=None)
@given(probs, thresholds, thresholds, st.floats(0.0, 6.0))
def test_lower_threshold_never_keeps_fewer_lines(p, t1, t2, transition):
    lo, hi = min(t1, t2), max(t1, t2)
    keep_lo, keep_hi = keep_mask(p, lo, transition), keep_mask(p, hi, transition)
    assert not (keep_hi & ~keep_lo).any()


@settings(max_examples=150, deadline=None)
@given(probs, thresholds, st.floats(0.0, 5.0), st.floats(0.0, 5.0))
def test_larger_transition_never_adds_switches(p, threshold, a, b):
    lo, hi = min(a, b), max(a, b)
    assert _switches(keep_mask(p, threshold, hi)) <= _switches(keep_mask(p, threshold, lo))


def test_a_line_at_the_threshold_has_no_evidence_either_way():
    # Found by hypothesis: the threshold's log-odds, computed another way than the
    # line's, made a line at exactly the threshold score a hair above 0, so after a
    # dropped line it was kept with a tiny transition cost, though transition 0
    # (p > threshold) drops it.
    for transition in (0.0, 5e-176, 1e-9, 2.0):
        assert not keep_mask([0.0, 0.25], 0.25, transition).any()
        # After a kept line, a line at the threshold has no evidence either way: any
        # switching cost keeps it with its block.
        assert keep_mask([0.9, 0.25], 0.25, transition).tolist() == [True, transition > 0]


# ------------------------------------------------------------------ block_mask (mode="article")

def _evidence(p, threshold):
    return np.log(p) - np.log1p(-np.asarray(p)) - np.log(threshold / (1 - threshold))


def _best_block_brute(p, threshold):
    s = _evidence(p, threshold)
    best, where = 0.0, None
    for i in range(len(p)):
        for j in range(i, len(p)):
            if s[i:j + 1].sum() > best + 1e-12:
                best, where = s[i:j + 1].sum(), (i, j)
    mask = np.zeros(len(p), dtype=bool)
    if where:
        mask[where[0]:where[1] + 1] = True
    return mask


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.01, 0.99), max_size=30), st.floats(0.1, 0.9))
def test_block_mask_is_the_best_contiguous_run(p, threshold):
    got = block_mask(p, threshold)
    # The run with the most evidence: the brute force's, or another run as good (two runs
    # can tie, e.g. two lines of the same score with a weak one between them).
    s = _evidence(np.array(p), threshold)
    assert s[got].sum() == pytest.approx(s[_best_block_brute(np.array(p), threshold)].sum(), abs=1e-9)
    kept = np.flatnonzero(got)
    assert len(kept) == 0 or kept[-1] - kept[0] + 1 == len(kept)     # one run


def test_block_mask_keeps_a_weak_paragraph_inside_the_article_and_drops_what_follows():
    p = [0.05, 0.95, 0.9, 0.3, 0.92, 0.97, 0.1, 0.05, 0.6, 0.7, 0.1]
    assert block_mask(p).tolist() == [False, True, True, True, True, True, False, False, False, False, False]
    assert block_mask([]).tolist() == [] and not block_mask([0.2, 0.3]).any()


def test_block_mask_with_two_equally_good_runs_keeps_one_of_them():
    # found by hypothesis: [2] and [4] have the same evidence, [2..4] less
    got = block_mask([0.5, 0.5, 0.75, 0.25, 0.75], 0.625).tolist()
    assert got in ([False, False, True, False, False], [False, False, False, False, True])


# ------------------------------------------------------------------ fill_gaps

def test_fill_gaps_keeps_a_likely_run_between_kept_lines_only():
    kept = [False, True, False, False, True, False, False]
    p = [0.4, 0.9, 0.3, 0.45, 0.8, 0.4, 0.45]
    # the run between the two kept lines (mean 0.375) is kept; the lines before and after
    # the article are no gap between kept lines, however likely
    assert fill_gaps(kept, p).tolist() == [False, True, True, True, True, False, False]
    assert fill_gaps(kept, p, low=0.4).tolist() == kept     # mean 0.375 < 0.4


def test_fill_gaps_leaves_unlikely_and_long_runs_dropped():
    assert fill_gaps([True, False, False, True], [0.9, 0.6, 0.05, 0.9]).tolist() == [True, False, False, True]
    long_run = [True] + [False] * 60 + [True]
    assert fill_gaps(long_run, [0.9] + [0.45] * 60 + [0.9]).tolist() == long_run
    assert fill_gaps(long_run, [0.9] + [0.45] * 60 + [0.9], max_lines=60).all()


def test_fill_gaps_edge_cases():
    assert fill_gaps([], []).tolist() == []
    assert fill_gaps([False, False], [0.4, 0.4]).tolist() == [False, False]
    assert fill_gaps([True], [0.9]).tolist() == [True]
    with pytest.raises(ValueError):
        fill_gaps([True, False], [0.9])


@given(st.lists(st.tuples(st.booleans(), st.floats(0, 1)), max_size=80), st.floats(0, 1), st.integers(0, 10))
@settings(max_examples=300, deadline=None)
def test_fill_gaps_matches_its_definition(rows, low, max_lines):
    kept = [k for k, _ in rows]
    p = [x for _, x in rows]
    expected = list(kept)
    pos = [i for i, k in enumerate(kept) if k]
    for a, b in zip(pos, pos[1:]):
        run = p[a + 1:b]
        if 0 < len(run) <= max_lines and math.fsum(run) / len(run) >= low - 1e-12:
            expected[a + 1:b] = [True] * len(run)
    got = fill_gaps(kept, p, low, max_lines).tolist()
    assert all(g or not e for g, e in zip(got, kept))        # never drops a kept line
    # the same runs filled (a mean within rounding of ``low`` may go either way)
    for i, (g, e) in enumerate(zip(got, expected)):
        if g != e:
            a = max(j for j in pos if j < i)
            b = min(j for j in pos if j > i)
            assert abs(math.fsum(p[a + 1:b]) / (b - a - 1) - low) < 1e-9


# ------------------------------------------------------------------ line weights


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(1.0, 8.0)), min_size=1, max_size=10), thresholds,
       st.sampled_from([0.25, 0.5, 1.0, 2.0]))
def test_weighted_viterbi_is_optimal_against_brute_force(rows, threshold, transition):
    p, w = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    scores = _scores(p, threshold) * w
    best = max(_objective(np.array(m), scores, transition) for m in itertools.product([False, True], repeat=len(p)))
    got = _objective(keep_mask(p, threshold, transition, w), scores, transition)
    assert got == pytest.approx(best, abs=1e-9)


@given(probs, thresholds)
def test_unit_weights_change_nothing(p, threshold):
    for transition in (0.0, 0.5, 2.0):
        assert keep_mask(p, threshold, transition, np.ones(len(p))).tolist() == keep_mask(p, threshold, transition).tolist()


def test_line_weights_grow_with_the_square_root_of_long_lines():
    w = line_weights([0, 50, WEIGHT_CHARS, 4 * WEIGHT_CHARS, 100 * WEIGHT_CHARS])
    assert w.tolist() == [1.0, 1.0, 1.0, 2.0, 10.0]


def test_a_long_article_line_between_menus_is_kept_and_a_short_one_is_not():
    p = [0.05, 0.05, 0.6, 0.05, 0.05]
    assert not keep_mask(p, 0.5, 0.5).any()                       # one weak short line: not worth two switches
    long_line = line_weights([10, 10, 4000, 10, 10])
    assert keep_mask(p, 0.5, 0.5, long_line).tolist() == [False, False, True, False, False]
    with pytest.raises(ValueError, match="one positive value per line"):
        keep_mask(p, 0.5, 0.5, [1.0, 1.0])
    with pytest.raises(ValueError, match="one positive value per line"):
        keep_mask(p, 0.5, 0.5, [1.0, 1.0, 0.0, 1.0, 1.0])
