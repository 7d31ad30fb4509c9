"""Stage 3: LineClassifier mechanics (fit / predict_proba / predict / save / load).

The model is fitted on the small hand-written labelled fixtures (tests/fixtures/stages/
labelled); these tests check estimator mechanics, not quality.
"""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from scipy import sparse

from boilerstrip import model as model_module
from boilerstrip.decoding import keep_mask
from boilerstrip.features import CONTEXT_FEATURES, LINE_FEATURES, N_WORD_FEATURES, Document, lexical_features
from boilerstrip.model import CLASS_OF_LABEL, CLASSES, FORMAT_VERSION, LineClassifier
from boilerstrip.text import split_lines
from conftest import fit_tiny_model, labelled_documents


def fresh_docs():
    return [d for d, _, _ in labelled_documents()]


def all_labels():
    return np.concatenate([l for _, l, _ in labelled_documents()])


@pytest.fixture(scope="module")
def saved_model(tiny_model, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "tiny.npz"
    tiny_model.save(path)
    return path


def _rewrite(src, dst, **meta_changes):
    """Copy a saved model, changing fields of its JSON metadata."""
    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(bytes(arrays["meta"]).decode())
    meta.update(meta_changes)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez_compressed(dst, **arrays)


# ------------------------------------------------------------------ fit / predict


def test_constants():
    assert CLASSES == ("body", "title", "boilerplate")
    assert {CLASS_OF_LABEL[c] for c in CLASSES} == {0, 1, 2}


def test_fit_returns_self_and_learned_state(tiny_model):
    assert isinstance(tiny_model, LineClassifier)
    assert tiny_model.w_dense_.shape == (3, len(LINE_FEATURES))
    assert tiny_model.w_words_.shape[0] == N_WORD_FEATURES
    assert tiny_model.idf_.shape == (N_WORD_FEATURES,)
    assert len(tiny_model.coefs_) == len(tiny_model.hidden) + 1
    assert tiny_model.coefs_[-1].shape[1] == 3


def test_predict_proba_shapes_and_rows_sum_to_one(tiny_model):
    docs = fresh_docs()
    probas = tiny_model.predict_proba(docs)
    assert isinstance(probas, list) and len(probas) == len(docs)
    for doc, p in zip(docs, probas):
        assert p.shape == (len(doc), len(CLASSES))
        assert np.isfinite(p).all() and (p >= 0).all() and (p <= 1).all()
        assert p.sum(axis=1) == pytest.approx(np.ones(len(doc)), abs=1e-6)


def test_fit_learns_body_versus_boilerplate(tiny_model):
    p = np.vstack(tiny_model.predict_proba(fresh_docs()))
    labels = all_labels()
    assert p[labels == "body", 0].mean() > p[labels == "boilerplate", 0].mean() + 0.15


def test_predict_returns_bool_arrays_consistent_with_proba(tiny_model):
    docs = fresh_docs()
    masks = tiny_model.predict(docs)
    probas = tiny_model.predict_proba(fresh_docs())
    assert len(masks) == len(docs)
    for doc, mask, p in zip(docs, masks, probas):
        assert mask.dtype == bool and mask.shape == (len(doc),)
        assert mask.tolist() == keep_mask(p[:, 0], 0.5, tiny_model.transition).tolist()
    with_title = tiny_model.predict(fresh_docs(), include_title=True)
    for a, b in zip(masks, with_title):
        assert not (a & ~b).any()
    loose = tiny_model.predict(fresh_docs(), threshold=0.2)
    for a, b in zip(masks, loose):
        assert not (a & ~b).any()


def test_batch_scoring_equals_one_by_one(tiny_model):
    together = tiny_model.predict_proba(fresh_docs())
    alone = [tiny_model.predict_proba([doc])[0] for doc in fresh_docs()]
    for a, b in zip(together, alone):
        # The networks run in float32, whose matrix products round differently for
        # differently sized batches: equal to about 1e-8, not to the last bit.
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_long_documents_are_scored_window_by_window(tiny_model, monkeypatch):
    """Past WINDOW_CHARS a document is scored in windows, each as a document of its own,
    and batches are cut there too; shorter documents are untouched."""
    docs = fresh_docs()
    whole = tiny_model.predict_proba(docs)
    longest = max(docs, key=lambda d: d.n_chars)
    windows = longest.windows(longest.n_chars // 3, 10**6)
    assert len(windows) >= 3
    expected = np.vstack([tiny_model.predict_proba([w])[0] for w in windows])
    monkeypatch.setattr(model_module, "WINDOW_CHARS", longest.n_chars // 3)
    got = tiny_model.predict_proba(fresh_docs())
    k = docs.index(longest)
    np.testing.assert_allclose(got[k], expected, atol=1e-6)
    assert not np.allclose(got[k], whole[k])       # the windows lack each other's context
    for j, (a, b) in enumerate(zip(got, whole)):
        if docs[j].n_chars <= longest.n_chars // 3:
            np.testing.assert_allclose(a, b, atol=1e-6)


def test_predict_proba_empty_inputs(tiny_model):
    assert tiny_model.predict_proba([]) == []
    empty = Document([], np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64))
    out = tiny_model.predict_proba([empty])
    assert len(out) == 1 and out[0].shape == (0, 3)
    mixed = tiny_model.predict_proba([empty, fresh_docs()[0], empty])
    assert [p.shape[0] for p in mixed] == [0, len(fresh_docs()[0]), 0]
    assert tiny_model.predict([empty])[0].shape == (0,)


def test_fit_is_deterministic_for_a_seed(tiny_model):
    again = fit_tiny_model()
    for a, b in zip(tiny_model.predict_proba(fresh_docs()), again.predict_proba(fresh_docs())):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_predict_proba_twice_on_same_documents_is_stable(tiny_model):
    docs = fresh_docs()
    first = tiny_model.predict_proba(docs)
    second = tiny_model.predict_proba(docs)
    for a, b in zip(first, second):
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_labels_length_mismatch_raises():
    docs = fresh_docs()[:2]
    labels = [l for _, l, _ in labelled_documents()][:2]
    with pytest.raises(ValueError, match="one label per line"):
        LineClassifier().fit(docs, [labels[0], labels[1][:-1]])
    with pytest.raises(ValueError):
        LineClassifier().fit(docs, [labels[0]])


def test_per_document_label_mismatch_raises():
    docs = fresh_docs()[:2]
    a, b = [l for _, l, _ in labelled_documents()][:2]
    with pytest.raises(ValueError):
        LineClassifier(hidden=(4,)).fit(docs, [a + ["boilerplate"], b[:-1]])


@pytest.mark.parametrize("passes", [1, 4])
def test_unsupported_number_of_passes_rejected(passes):
    docs = fresh_docs()[:1]
    labels = [l for _, l, _ in labelled_documents()][:1]
    with pytest.raises(ValueError, match="passes"):
        LineClassifier(passes=passes).fit(docs, labels)


def test_unknown_label_rejected():
    docs = fresh_docs()[:1]
    labels = [l for _, l, _ in labelled_documents()][0]
    with pytest.raises((KeyError, ValueError)):
        LineClassifier().fit(docs, [["bogus"] * len(labels)])


# ------------------------------------------------------------------ persistence


def test_save_load_round_trip(tiny_model, saved_model):
    loaded = LineClassifier.load(saved_model)
    assert loaded.transition == tiny_model.transition
    assert loaded.hidden == tiny_model.hidden
    assert loaded.random_state == tiny_model.random_state
    for a, b in zip(tiny_model.predict_proba(fresh_docs()), loaded.predict_proba(fresh_docs())):
        np.testing.assert_allclose(a, b, atol=1e-3)
    for a, b in zip(tiny_model.predict(fresh_docs()), loaded.predict(fresh_docs())):
        # identical decisions except possibly for lines sitting on the threshold
        assert (a != b).sum() <= 1


@pytest.fixture(scope="module")
def three_pass_model():
    return fit_tiny_model(passes=3)


def test_three_pass_model_learns_and_round_trips(three_pass_model, tmp_path):
    model = three_pass_model
    assert model.passes == 3 and len(model.coefs3_) == len(model.coefs_)
    # the third network also sees the second pass's log-probabilities
    assert model.third_mean_.shape[0] == model.second_mean_.shape[0] + 3
    p = np.vstack(model.predict_proba(fresh_docs()))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-9)
    labels = all_labels()
    assert p[labels == "body", 0].mean() > p[labels == "boilerplate", 0].mean() + 0.15
    path = tmp_path / "three.npz"
    model.save(path)
    loaded = LineClassifier.load(path)
    assert loaded.passes == 3
    for a, b in zip(model.predict_proba(fresh_docs()), loaded.predict_proba(fresh_docs())):
        np.testing.assert_allclose(a, b, atol=1e-3)


def test_ensemble_averages_its_networks_and_round_trips(tmp_path):
    model = fit_tiny_model(passes=3, n_networks=2)
    for _, _, members in model._networks():
        assert len(members) == 2
        assert not np.allclose(members[0][0][0], members[1][0][0])   # two different random starts
    # Each pass's probabilities are the mean of its networks' probabilities.
    x = np.random.default_rng(0).normal(size=(5, model.second_mean_.shape[0]))
    mean, scale, members = model._networks()[0]
    one = [LineClassifier._network(x, (mean, scale, [m])) for m in members]
    np.testing.assert_allclose(LineClassifier._network(x, (mean, scale, members)), (one[0] + one[1]) / 2)
    path = tmp_path / "ensemble.npz"
    model.save(path)
    loaded = LineClassifier.load(path)
    assert loaded.n_networks == 2 and len(loaded._networks()[1][2]) == 2
    for a, b in zip(model.predict_proba(fresh_docs()), loaded.predict_proba(fresh_docs())):
        np.testing.assert_allclose(a, b, atol=1e-3)
    with np.load(path, allow_pickle=False) as z:   # a missing member is a damaged file
        arrays = {k: z[k] for k in z.files if not k.startswith("net1_third_")}
    np.savez_compressed(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError):
        LineClassifier.load(tmp_path / "bad.npz")


@pytest.mark.parametrize("n_networks", [0, -1, 1.5])
def test_fit_rejects_a_bad_number_of_networks(n_networks):
    docs = fresh_docs()
    labels = [l for _, l, _ in labelled_documents()]
    with pytest.raises(ValueError, match="n_networks"):
        LineClassifier(n_networks=n_networks).fit(docs, labels)


@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_fit_rejects_a_bad_unseen_language_share(share):
    docs = fresh_docs()
    labels = [l for _, l, _ in labelled_documents()]
    with pytest.raises(ValueError, match="unseen_language"):
        LineClassifier(unseen_language=share).fit(docs, labels)


def test_unseen_language_documents_get_their_words_moved_to_other_columns(tmp_path):
    model = LineClassifier(unseen_language=0.3, random_state=4)
    unseen = model._unseen_documents(400)
    assert 0.2 < unseen.mean() < 0.4
    assert np.array_equal(model._unseen_documents(400), unseen)                  # seeded
    assert not LineClassifier(unseen_language=0.0)._unseen_documents(50).any()

    docs = fresh_docs()
    words = sparse.vstack([lexical_features(d) for d in docs], format="csr")
    line_doc = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
    which = np.zeros(len(docs), dtype=bool)
    which[1] = True
    moved = model._as_unseen_language(docs, words, which, line_doc)
    rows = line_doc == 1
    # The other documents' rows are untouched; the chosen one's have the same values in
    # other columns, and its cached words (what its context features read) match them.
    assert (moved[~rows] != words[~rows]).nnz == 0
    before, after = words[rows], moved[rows]
    assert sorted(before.data.tolist()) == sorted(after.data.tolist())
    assert not np.array_equal(np.sort(before.indices), np.sort(after.indices))
    assert (lexical_features(docs[1]) != after).nnz == 0
    assert model._as_unseen_language(docs, words, np.zeros(len(docs), dtype=bool), line_doc) is words

    fitted = fit_tiny_model(unseen_language=0.5)
    fitted.save(tmp_path / "m.npz")
    assert LineClassifier.load(tmp_path / "m.npz").unseen_language == 0.5


def test_fit_leaves_the_callers_documents_with_their_own_words():
    docs = fresh_docs()
    labels = [l for _, l, _ in labelled_documents()]
    own = [lexical_features(d).copy() for d in docs]
    LineClassifier(hidden=(8,), max_iter=5, passes=2, unseen_language=1.0, n_folds=1).fit(docs, labels)
    assert all((lexical_features(d) != w).nnz == 0 for d, w in zip(docs, own))


def test_three_pass_model_differs_from_its_second_pass(three_pass_model):
    two = LineClassifier.__new__(LineClassifier)
    two.__dict__.update(three_pass_model.__dict__, passes=2)
    a, b = three_pass_model.predict_proba(fresh_docs()), two.predict_proba(fresh_docs())
    assert any(np.abs(x - y).max() > 1e-6 for x, y in zip(a, b))


def test_load_rejects_a_missing_third_pass(three_pass_model, tmp_path):
    path, bad = tmp_path / "three.npz", tmp_path / "bad.npz"
    three_pass_model.save(path)
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files if not k.startswith("third_coef")}
    np.savez_compressed(bad, **arrays)
    with pytest.raises(ValueError):
        LineClassifier.load(bad)


def test_saved_file_has_no_pickled_objects(saved_model):
    with np.load(saved_model, allow_pickle=False) as z:
        for name in z.files:
            arr = z[name]  # raises ValueError for object arrays
            assert arr.dtype != object
        meta = json.loads(bytes(z["meta"]).decode())
    assert meta["format"] == FORMAT_VERSION
    assert meta["line_features"] == list(LINE_FEATURES)
    assert meta["context_features"] == list(CONTEXT_FEATURES)
    assert zipfile.is_zipfile(saved_model)


def test_load_rejects_different_line_features(saved_model, tmp_path):
    bad = tmp_path / "bad.npz"
    _rewrite(saved_model, bad, line_features=list(LINE_FEATURES)[:-1] + ["something_new"])
    with pytest.raises(ValueError, match="different feature set"):
        LineClassifier.load(bad)


def test_load_rejects_different_context_features(saved_model, tmp_path):
    bad = tmp_path / "bad.npz"
    _rewrite(saved_model, bad, context_features=list(reversed(CONTEXT_FEATURES)))
    with pytest.raises(ValueError, match="different feature set"):
        LineClassifier.load(bad)


@pytest.mark.parametrize("version", [FORMAT_VERSION + 1, 0, None, "1"])
def test_load_rejects_other_format_version(saved_model, tmp_path, version):
    bad = tmp_path / "bad.npz"
    _rewrite(saved_model, bad, format=version)
    with pytest.raises(ValueError, match="unsupported model format"):
        LineClassifier.load(bad)


def test_load_refuses_pickled_arrays(saved_model, tmp_path):
    bad = tmp_path / "pickled.npz"
    with np.load(saved_model, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["coef0"] = np.array([{"evil": 1}], dtype=object)
    np.savez(bad, **arrays)
    with pytest.raises(ValueError):
        LineClassifier.load(bad)


def test_save_overwrites_cleanly(tiny_model, tmp_path):
    path = tmp_path / "m.npz"
    path.write_bytes(b"junk" * 1000)
    tiny_model.save(path)
    LineClassifier.load(path)


# ------------------------------------------------------------------ the shipped model


def test_shipped_model_loads_with_current_features():
    model = LineClassifier.load_default()
    doc = Document.from_text_lines(split_lines("A line of text.\nAnother line of text here."))
    assert model.predict_proba([doc])[0].shape == (2, 3)
