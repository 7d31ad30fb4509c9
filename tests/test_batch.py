"""The batch API (clean_many / classify_many / label_many): equality with clean(),
ordering, laziness, worker processes, models given as objects or paths, and argument checks.

(Cross-document evidence, ``group_by`` and ``boilerstrip.crossdoc``, was removed from the
package: its tests went with it.)"""

from __future__ import annotations

import itertools

import joblib
import pytest
from conftest import LABELLED, assert_same_lines, read_labelled

from boilerstrip import batch, classify, clean
from boilerstrip.batch import classify_many, clean_many, label_many
from boilerstrip.model import LineModel
from boilerstrip.pipeline import Options


@pytest.fixture(autouse=True)
def eager_pool(monkeypatch):
    """Worker processes start after the first batch whatever the input's size, so that
    the tests of ``n_jobs`` exercise the pool (a real run keeps small jobs in-process)."""
    monkeypatch.setattr(batch, "_POOL_STARTUP", 0.0)
    monkeypatch.setattr(batch, "_WARMUP", 0.0)


def fixture_texts() -> list[str]:
    return [read_labelled(p)[0] for p in sorted(LABELLED.glob("*.txt"))]


# ------------------------------------------------------------------ equal to clean()

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


@pytest.mark.parametrize("as_path", [str, lambda p: p])
def test_clean_many_with_a_model_path_and_two_jobs_equals_clean(tiny_model_path, html_fixtures, as_path):
    """A model file is loaded by each worker process; the results are clean()'s with the
    same file (its float16 word weights make them those of the loaded model)."""
    inputs = mixed_inputs(html_fixtures)
    model = as_path(tiny_model_path)
    loaded = LineModel.load(tiny_model_path)
    expected = [clean(x, model=loaded) for x in inputs]
    assert [clean(x, model=model) for x in inputs] == expected
    for n_jobs, batch_size in ((1, 4), (2, 1), (2, 3)):
        assert list(clean_many(inputs, n_jobs=n_jobs, batch_size=batch_size, model=model)) == expected
    assert list(clean_many(iter(inputs), n_jobs=2, batch_size=2, threshold=0.3, include_title=True, model=model)) == \
        [clean(x, threshold=0.3, include_title=True, model=loaded) for x in inputs]


def test_clean_many_with_the_shipped_model_and_two_jobs_equals_clean(default_model, html_fixtures):
    inputs = mixed_inputs(html_fixtures)
    expected = [clean(x) for x in inputs]
    assert expected == [clean(x, model=default_model) for x in inputs]
    assert list(clean_many(inputs)) == expected
    assert list(clean_many(inputs, n_jobs=2, batch_size=3)) == expected


def test_classify_many_with_two_jobs_equals_classify(tiny_model, html_fixtures):
    inputs = mixed_inputs(html_fixtures)
    got = list(classify_many(inputs, n_jobs=2, batch_size=3, format="text", model=tiny_model))
    assert_same_lines(got, [classify(x, format="text", model=tiny_model) for x in inputs])


def test_label_many_follows_its_options(tiny_model):
    texts = fixture_texts()
    options = Options(threshold=0.3, include_title=True, format="text", model=tiny_model)
    assert list(label_many(texts, options, as_text=True)) == \
        [clean(t, threshold=0.3, include_title=True, format="text", model=tiny_model) for t in texts]
    got = list(label_many(texts, options, as_text=False, batch_size=2))
    expected = [classify(t, threshold=0.3, include_title=True, format="text", model=tiny_model) for t in texts]
    assert_same_lines(got, expected)


# --------------------------------------------------------------------- argument checks

@pytest.mark.parametrize("single", ["The council voted on Tuesday.\n\nHome", "", b"The council voted.",
                                    bytearray(b"The council voted."), memoryview(b"The council voted.")])
@pytest.mark.parametrize("fn", [clean_many, classify_many])
def test_a_single_document_is_a_type_error_not_one_document_per_character(tiny_model, fn, single):
    with pytest.raises(TypeError, match="wrap one document in a list"):
        list(fn(single, model=tiny_model))
    with pytest.raises(TypeError, match="wrap one document in a list"):
        list(fn(single, n_jobs=2, model=tiny_model))


def test_a_list_of_one_document_is_fine(tiny_model):
    text = fixture_texts()[0]
    assert list(clean_many([text], model=tiny_model)) == [clean(text, model=tiny_model)]


@pytest.mark.parametrize("n_jobs", [0, -2, 1.5, "2", None])
def test_bad_n_jobs(tiny_model, n_jobs):
    with pytest.raises(ValueError, match="n_jobs"):
        list(clean_many(fixture_texts(), n_jobs=n_jobs, model=tiny_model))


@pytest.mark.parametrize("batch_size", [0, -1, 2.0, None])
def test_bad_batch_size(tiny_model, batch_size):
    with pytest.raises(ValueError, match="batch_size"):
        list(clean_many(fixture_texts(), batch_size=batch_size, model=tiny_model))


def test_batch_functions_validate_options(tiny_model):
    texts = fixture_texts()
    with pytest.raises(ValueError, match="threshold"):
        list(clean_many(texts, threshold=1.0, model=tiny_model))
    with pytest.raises(TypeError, match="include_title"):
        list(classify_many(texts, include_title=1, model=tiny_model))
    with pytest.raises(ValueError, match="format"):
        list(clean_many(texts, format="pdf", model=tiny_model))
    with pytest.raises(ValueError, match="html= or format="):
        list(clean_many(texts, html=False, format="text", model=tiny_model))


def test_non_text_item_is_a_type_error(tiny_model):
    with pytest.raises(TypeError, match="expected str or bytes"):
        list(clean_many(["fine", None], model=tiny_model))


# ------------------------------------------------------------------ workers only when they pay off


class _Spy:
    """Stands in for joblib.Parallel and records that a pool was asked for."""

    started: list = []

    def __init__(self, *args, **kwargs):
        _Spy.started.append(kwargs)
        self._real = _REAL_PARALLEL(*args, **kwargs)

    def __call__(self, tasks):
        return self._real(tasks)


_REAL_PARALLEL = joblib.Parallel


def test_small_jobs_never_start_a_pool(tiny_model, monkeypatch):
    """With the real costs, two batches of short documents are labelled in-process: -j 2
    cannot be slower than -j 1 by a pool's start-up (0.6 s against 0.1 s before).  (The
    second batch could only go to a pool if the first took over three seconds.)"""
    monkeypatch.setattr(batch, "_POOL_STARTUP", 1.0)
    monkeypatch.setattr(batch, "_WARMUP", 0.5)
    monkeypatch.setattr(joblib, "Parallel", _Spy)
    _Spy.started.clear()
    texts = (fixture_texts() * 64)[:60]
    assert list(clean_many(texts, n_jobs=2, model=tiny_model)) == [clean(t, model=tiny_model) for t in texts]
    assert _Spy.started == []


def test_long_jobs_start_a_pool_after_measuring(tiny_model, monkeypatch):
    monkeypatch.setattr(joblib, "Parallel", _Spy)
    _Spy.started.clear()
    texts = fixture_texts() * 4
    got = list(clean_many(texts, n_jobs=2, batch_size=2, model=tiny_model))
    assert got == [clean(t, model=tiny_model) for t in texts]
    assert len(_Spy.started) == 1 and _Spy.started[0]["n_jobs"] == 2
