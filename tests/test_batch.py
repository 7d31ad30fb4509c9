"""The batch API (clean_many / classify_many): equality with clean(), ordering, laziness,
worker processes, and cross-document evidence with ``group_by`` (boilerstrip.crossdoc)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from boilerstrip import classify, clean
from boilerstrip.batch import classify_many, clean_many
from boilerstrip.crossdoc import demote, normalise_line, recurring_lines
from boilerstrip.text import split_lines

from conftest import LABELLED, read_labelled

# Explicit settings, so that the tests do not depend on the dev-tuned defaults.  The shift
# is large because the tiny test model is sure of the shared line (body 0.97, boilerplate
# 0.003 on one page: 4 nats left it at 0.87).
RULE = {"group_shift": 8.0, "group_min_share": 0.5}
SHARED = ("The editors of the Gazette thank readers for supporting independent local "
          "journalism every single week.")


def fixture_texts() -> list[str]:
    return [read_labelled(p)[0] for p in sorted(LABELLED.glob("*.txt"))]


@pytest.fixture(scope="module")
def site_pages(tiny_model) -> list[str]:
    """The four labelled fixtures as pages of one site: each gets the same body-like
    sentence inserted right after its last kept line (so the model alone keeps it)."""
    pages = []
    for text in fixture_texts():
        lines = classify(text, model=tiny_model)
        last = max(l.index for l in lines if l.kept)
        raw = text.split("\n")
        raw[last + 1:last + 1] = ["", SHARED]
        pages.append("\n".join(raw))
    return pages


def kept_texts(lines) -> list[str]:
    return [l.text for l in lines if l.kept]


def assert_is_subsequence(output: str, text: str) -> None:
    source = iter(l.text for l in split_lines(text))
    for line in split_lines(output):
        assert any(line.text == s for s in source), line.text


# ------------------------------------------------------------------ without grouping

def mixed_inputs(html_fixtures) -> list:
    return fixture_texts() + ["", "  \n"] + list(html_fixtures.values()) + \
        [fixture_texts()[0].encode("utf-8")]


@pytest.mark.parametrize("n_jobs", [1, 2])
@pytest.mark.parametrize("batch_size", [1, 3, 64])
def test_clean_many_equals_clean_loop(tiny_model, html_fixtures, n_jobs, batch_size):
    inputs = mixed_inputs(html_fixtures)
    expected = [clean(x, model=tiny_model) for x in inputs]
    assert list(clean_many(inputs, n_jobs=n_jobs, batch_size=batch_size, model=tiny_model)) == expected


def test_clean_many_is_lazy_and_ordered(tiny_model):
    pulled = []
    texts = fixture_texts()

    def stream():
        for k in itertools.count():
            pulled.append(k)
            yield texts[k % len(texts)]

    out = clean_many(stream(), batch_size=3, model=tiny_model)
    first = [next(out) for _ in range(5)]
    assert len(pulled) <= 6  # two batches of three
    assert first == [clean(texts[k % len(texts)], model=tiny_model) for k in range(5)]


def test_grouped_stream_is_lazy(tiny_model):
    """With group_by, a group is complete once the next key differs: only the current
    batch of whole groups (plus one look-ahead text) is read."""
    pulled = []
    texts = fixture_texts()

    def stream():
        for k in itertools.count():
            pulled.append(k)
            yield texts[k % len(texts)]

    keys = (k // 2 for k in itertools.count())  # groups of two consecutive texts
    out = clean_many(stream(), batch_size=4, group_by=keys, model=tiny_model)
    next(out)
    assert len(pulled) <= 7  # a batch of two groups of two, then at most one more group + 1


# --------------------------------------------------------------------- grouping

def test_recurring_line_dropped_and_unique_lines_unaffected(tiny_model, site_pages):
    alone = [classify(p, model=tiny_model) for p in site_pages]
    assert sum(SHARED in kept_texts(ls) for ls in alone) >= 2  # the model alone keeps it
    grouped = list(classify_many(site_pages, group_by=["site"] * len(site_pages), model=tiny_model, **RULE))
    assert len(grouped) == len(site_pages)
    counts: dict[str, int] = {}
    for page in site_pages:
        for key in {normalise_line(l.text) for l in split_lines(page)}:
            counts[key] = counts.get(key, 0) + 1
    for a, g in zip(alone, grouped):
        assert SHARED not in kept_texts(g)
        assert [l.index for l in a] == [l.index for l in g]
        for la, lg in zip(a, g):
            if counts[normalise_line(la.text)] == 1:  # unique to this page
                assert lg.score == pytest.approx(la.score, abs=1e-6)   # float32 networks
                assert lg.kept == la.kept
            else:
                assert lg.score < la.score


def test_grouped_output_contract_and_order(tiny_model, site_pages, html_fixtures):
    other = list(html_fixtures.values())
    inputs = site_pages[:2] + other + site_pages[2:] + [""]
    keys = ["a", "a"] + [None] * len(other) + ["b", "b", "c"]
    for n_jobs, batch_size in ((1, 1), (1, 3), (2, 2)):
        out = list(clean_many(inputs, group_by=keys, n_jobs=n_jobs, batch_size=batch_size,
                              model=tiny_model, **RULE))
        assert len(out) == len(inputs)
        for text, cleaned in zip(inputs, out):
            if cleaned and text in site_pages:  # plain text: output lines are input lines
                assert_is_subsequence(cleaned, text)
        # documents without a group partner are exactly clean()
        for k in range(2, 2 + len(other)):
            assert out[k] == clean(inputs[k], model=tiny_model)
        assert out[-1] == ""
        assert SHARED not in out[0] and SHARED not in out[1]


def test_grouped_two_jobs_equals_one_job(tiny_model, site_pages):
    inputs = site_pages * 3
    keys = [k // 4 for k in range(len(inputs))]
    one = list(clean_many(inputs, group_by=keys, batch_size=4, model=tiny_model, **RULE))
    two = list(clean_many(inputs, group_by=keys, batch_size=4, n_jobs=2, model=tiny_model, **RULE))
    assert one != [clean(x, model=tiny_model) for x in inputs]
    assert one == two


def test_singletons_non_contiguous_keys_and_zero_shift_change_nothing(tiny_model, site_pages):
    expected = [clean(p, model=tiny_model) for p in site_pages]
    # every key different, every key None, a key that only comes back later, no shift
    for keys, kwargs in ((list(range(4)), RULE), ([None] * 4, RULE), (["a", "b", "a", "b"], RULE),
                         (["a"] * 4, {"group_shift": 0.0})):
        assert list(clean_many(site_pages, group_by=keys, model=tiny_model, **kwargs)) == expected, keys


def test_duplicate_pages_do_not_count_as_recurrence(tiny_model, site_pages):
    page = site_pages[0]
    assert list(clean_many([page, page, page], group_by=["s"] * 3, model=tiny_model, **RULE)) == \
        [clean(page, model=tiny_model)] * 3


def test_max_group_splits_long_runs(tiny_model, site_pages):
    # groups of one: no evidence, identical to clean()
    assert list(clean_many(site_pages, group_by=["s"] * 4, max_group=1, model=tiny_model, **RULE)) == \
        [clean(p, model=tiny_model) for p in site_pages]
    with pytest.raises(ValueError, match="max_group"):
        list(clean_many(site_pages, group_by=["s"] * 4, max_group=0, model=tiny_model))


def test_group_by_forms(tiny_model, site_pages):
    expected = list(clean_many(site_pages, group_by=["s"] * 4, model=tiny_model, **RULE))
    assert expected != [clean(p, model=tiny_model) for p in site_pages]
    assert list(clean_many(site_pages, group_by=lambda text: "s", model=tiny_model, **RULE)) == expected
    assert list(clean_many(iter(site_pages), group_by=("s" for _ in range(4)), model=tiny_model, **RULE)) == expected
    with pytest.raises(ValueError, match="fewer keys"):
        list(clean_many(site_pages, group_by=["s"] * 3, model=tiny_model))
    with pytest.raises(ValueError, match="more keys"):
        list(clean_many(site_pages, group_by=["s"] * 5, model=tiny_model))
    with pytest.raises(TypeError, match="string"):
        list(clean_many(site_pages, group_by="site", model=tiny_model))


def test_group_shift_is_graded(tiny_model, site_pages):
    """A larger shift lowers a recurring line's score more; a shift of ~0 leaves it."""
    def shared_score(shift):
        lines = list(classify_many(site_pages, group_by=["s"] * 4, group_shift=shift, group_min_share=0.5,
                                   model=tiny_model))[0]
        return next(l.score for l in lines if l.text == SHARED)

    base = next(l.score for l in classify(site_pages[0], model=tiny_model) if l.text == SHARED)
    assert shared_score(1e-12) == pytest.approx(base, abs=1e-9)
    assert base > shared_score(0.5) > shared_score(2.0) > shared_score(8.0)


# ------------------------------------------------------------------ crossdoc unit tests

def test_normalise_line():
    assert normalise_line("  Most\tREAD  ") == "most read"
    assert normalise_line("Updated 12:45, 3 March 2024") == normalise_line("updated 09:10, 7 march 2023")
    assert normalise_line("Straße") == normalise_line("STRASSE")


def test_recurring_lines_share_rule():
    docs = [["nav", "footer", "a1", "x"], ["nav", "footer", "b1"], ["nav", "c1", "x"], ["nav", "d1"]]
    masks = recurring_lines(docs, min_share=0.5)
    # "nav" 4/4, "footer" 2/4 and "x" 2/4 recur; article lines are unique
    assert [m.tolist() for m in masks] == [[True, True, False, True], [True, True, False],
                                          [True, False, True], [True, False]]
    masks = recurring_lines(docs, min_share=0.75)  # needs 3 of 4
    assert [m.tolist() for m in masks] == [[True, False, False, False], [True, False, False],
                                          [True, False, False], [True, False]]
    # at least two documents, however small the share
    assert not recurring_lines([["a"], ["b"], ["c"], ["d"]], min_share=0.0)[0].any()
    assert recurring_lines([["a", "p"], ["a", "q"], ["c"], ["d"]], min_share=0.0)[0].tolist() == [True, False]


def test_recurring_lines_edge_cases():
    assert [m.tolist() for m in recurring_lines([["a", "b"]])] == [[False, False]]
    assert [m.tolist() for m in recurring_lines([["a"], ["a"]])] == [[False], [False]]  # duplicates
    assert [m.tolist() for m in recurring_lines([[], ["a"], ["a", "b"]])] == [[], [True], [True, False]]
    assert [m.tolist() for m in recurring_lines([["  "], [" "]])] == [[False], [False]]
    with pytest.raises(ValueError):
        recurring_lines([["a"]], min_share=1.5)


def test_demote_shifts_log_odds_exactly():
    proba = np.array([[0.7, 0.1, 0.2], [0.3, 0.3, 0.4], [0.1, 0.0, 0.9]])
    mask = np.array([True, False, True])
    out = demote(proba, mask, 2.5)
    assert np.allclose(out.sum(axis=1), 1.0)
    assert np.array_equal(out[1], proba[1])
    for k in (0, 2):
        for c in (0, 1):
            if proba[k, c] > 0:
                before = math.log(proba[k, c] / proba[k, 2])
                after = math.log(out[k, c] / out[k, 2])
                assert after == pytest.approx(before - 2.5)
    assert np.array_equal(proba[0], [0.7, 0.1, 0.2])  # input untouched
