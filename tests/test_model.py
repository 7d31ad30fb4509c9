"""Stage 3: LineModel, the fitted model on numpy alone (predict_proba, save / load, the
model card and the feature-schema check), and the shipped model.

``tiny_model`` is fitted on the small hand-written labelled fixtures
(tests/fixtures/stages/labelled): these tests check model mechanics, not quality.  The
estimator that fits it is tested in test_estimator.py.  The shipped model
(``default_model``) is checked against the code here: its card's schema and the
probabilities it recorded on the probe documents when it was trained.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import zipfile

import numpy as np
import pytest
from conftest import labelled_documents

from boilerstrip import clean
from boilerstrip import model as model_module
from boilerstrip.features import (
    CONTEXT_FEATURES,
    LINE_FEATURES,
    N_STRUCTURE_FEATURES,
    N_WORD_FEATURES,
    SCHEMA,
    Document,
)
from boilerstrip.model import (
    CLASS_OF_LABEL,
    CLASSES,
    FORMAT_VERSION,
    FirstPass,
    LineModel,
    ModelMismatchError,
    NetworkPass,
)
from boilerstrip.text import split_lines


def fresh_docs():
    return [d for d, _, _ in labelled_documents()]


def all_labels():
    return np.concatenate([l for _, l, _ in labelled_documents()])


def arrays_of(path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def meta_of(path) -> dict:
    return json.loads(bytes(arrays_of(path)["meta"]).decode())


def rewrite(src, dst, drop=(), **meta_changes):
    """Copy a saved model, changing fields of its JSON metadata (``drop``: fields to
    remove).  Only the "meta" array is rewritten: numbers and JSON, no pickle."""
    arrays = arrays_of(src)
    meta = json.loads(bytes(arrays["meta"]).decode())
    meta.update(meta_changes)
    for key in drop:
        del meta[key]
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez_compressed(dst, **arrays)
    return dst


def assert_same_probabilities(a: LineModel, b: LineModel, docs=None) -> None:
    docs = fresh_docs() if docs is None else docs
    for x, y in zip(a.predict_proba(docs), b.predict_proba(docs)):
        np.testing.assert_array_equal(x, y)


def with_two_members(model: LineModel) -> LineModel:
    """The model with each network pass averaging two members: its own network and a
    copy with other output weights."""
    networks = []
    for net in model.networks:
        coefs, intercepts = net.members[0]
        other = ([w.copy() for w in coefs[:-1]] + [(coefs[-1][:, ::-1] * np.float32(0.5)).copy()],
                 [b.copy() for b in intercepts])
        networks.append(NetworkPass(net.mean, net.scale, [(coefs, intercepts), other]))
    return dataclasses.replace(model, networks=networks)


# ------------------------------------------------------------------ constants


def test_constants():
    assert CLASSES == ("body", "title", "boilerplate")
    assert {CLASS_OF_LABEL[c] for c in CLASSES} == {0, 1, 2}
    assert set(CLASS_OF_LABEL) == {"body", "title", "boilerplate", "supplemental", "related", "comments"}
    assert issubclass(ModelMismatchError, ValueError)


# ------------------------------------------------------------------ a fitted model


def test_fitted_model_arrays(tiny_model, tiny_estimator):
    m = tiny_model
    assert isinstance(m, LineModel) and isinstance(m.first, FirstPass)
    assert m.first.w_dense.shape == (3, len(LINE_FEATURES))
    assert m.first.dense_mean.shape == m.first.dense_scale.shape == (len(LINE_FEATURES),)
    assert m.first.w_words.shape == (N_WORD_FEATURES, 3)
    assert m.first.w_structure.shape == (N_STRUCTURE_FEATURES, 3)
    assert m.first.bias.shape == (3,)
    assert m.idf.shape == (N_WORD_FEATURES,)
    assert len(m.networks) == tiny_estimator.network_passes == 2
    width = len(LINE_FEATURES) + len(CONTEXT_FEATURES) + 3
    # the second network pass also sees the first one's log-probabilities
    assert [net.mean.shape[0] for net in m.networks] == [width, width + 3]
    for net in m.networks:
        assert len(net.members) == tiny_estimator.n_networks == 1
        coefs, intercepts = net.members[0]
        assert len(coefs) == len(intercepts) == len(tiny_estimator.hidden) + 1
        assert coefs[0].shape[0] == net.mean.shape[0] and coefs[-1].shape[1] == 3
    assert m.transition == tiny_estimator.transition == 2.0


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
    bounds = longest.window_bounds(longest.n_chars // 3, 10**6)
    assert len(bounds) >= 3
    expected = np.vstack([tiny_model.predict_proba([longest.window(lo, hi)])[0] for lo, hi in bounds])
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
    np.testing.assert_allclose(mixed[1], tiny_model.predict_proba([fresh_docs()[0]])[0], atol=1e-6)


def test_predict_proba_twice_on_same_documents_is_stable(tiny_model):
    docs = fresh_docs()
    first = tiny_model.predict_proba(docs)
    second = tiny_model.predict_proba(docs)
    for a, b in zip(first, second):
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_second_network_pass_changes_the_probabilities(tiny_model):
    one = dataclasses.replace(tiny_model, networks=tiny_model.networks[:1])
    a, b = tiny_model.predict_proba(fresh_docs()), one.predict_proba(fresh_docs())
    assert any(np.abs(x - y).max() > 1e-6 for x, y in zip(a, b))


def test_a_network_pass_averages_its_members(tiny_model):
    net = with_two_members(tiny_model).networks[0]
    x = np.random.default_rng(0).normal(size=(5, net.mean.shape[0]))
    one = [NetworkPass(net.mean, net.scale, [m]).predict_proba(x) for m in net.members]
    assert not np.allclose(one[0], one[1])
    np.testing.assert_allclose(net.predict_proba(x), (one[0] + one[1]) / 2, atol=1e-12)
    np.testing.assert_allclose(net.predict_proba(x).sum(axis=1), 1.0, atol=1e-9)


# ------------------------------------------------------------------ persistence


def test_save_load_round_trips_probabilities_exactly(tiny_model, tiny_model_path):
    """What a fitted model predicts is what its file predicts: clean(model=estimator)
    and clean(model=path) must agree."""
    loaded = LineModel.load(tiny_model_path)
    assert loaded.transition == tiny_model.transition
    assert_same_probabilities(tiny_model, loaded)


def test_save_load_round_trips_params_and_card(tiny_model, tmp_path):
    card = {"schema": SCHEMA, "commit": "abc", "metrics": {"dev": {"page": 0.9}}, "probe": {"x": [[0.5, 0.25, 0.25]]}}
    model = dataclasses.replace(tiny_model, card=card)
    model.save(tmp_path / "m.npz")
    loaded = LineModel.load(tmp_path / "m.npz")
    assert loaded.card == card
    assert loaded.params == tiny_model.params


def test_a_loaded_model_saves_and_loads_to_the_same_values(tiny_model_path, tmp_path):
    loaded = LineModel.load(tiny_model_path)
    loaded.save(tmp_path / "again.npz")
    again = LineModel.load(tmp_path / "again.npz")
    for field in dataclasses.fields(FirstPass):
        np.testing.assert_array_equal(getattr(loaded.first, field.name), getattr(again.first, field.name))
    np.testing.assert_array_equal(loaded.idf, again.idf)
    for a, b in zip(loaded.networks, again.networks, strict=True):
        np.testing.assert_array_equal(a.mean, b.mean)
        np.testing.assert_array_equal(a.scale, b.scale)
        for (ca, ia), (cb, ib) in zip(a.members, b.members, strict=True):
            for x, y in zip(ca + ia, cb + ib, strict=True):
                np.testing.assert_array_equal(x, y)
    assert (again.transition, again.params, again.card) == (loaded.transition, loaded.params, loaded.card)
    assert_same_probabilities(loaded, again)


def test_models_with_one_network_pass_and_with_ensembles_round_trip(tiny_model, tmp_path):
    for k, model in enumerate([dataclasses.replace(tiny_model, networks=tiny_model.networks[:1]),
                               with_two_members(tiny_model)]):
        path = tmp_path / f"m{k}.npz"
        model.save(path)
        loaded = LineModel.load(path)
        assert [len(n.members) for n in loaded.networks] == [len(n.members) for n in model.networks]
        loaded.save(tmp_path / f"again{k}.npz")
        assert_same_probabilities(loaded, LineModel.load(tmp_path / f"again{k}.npz"))
        for a, b in zip(model.predict_proba(fresh_docs()), loaded.predict_proba(fresh_docs())):
            np.testing.assert_allclose(a, b, atol=1e-3)


def test_saved_file_has_no_pickled_objects(tiny_model_path):
    with np.load(tiny_model_path, allow_pickle=False) as z:
        for name in z.files:
            arr = z[name]  # raises ValueError for object arrays
            assert arr.dtype != object
        meta = json.loads(bytes(z["meta"]).decode())
    assert meta["format"] == FORMAT_VERSION
    assert meta["schema"] == SCHEMA
    assert meta["classes"] == list(CLASSES)
    assert meta["line_features"] == list(LINE_FEATURES)
    assert meta["context_features"] == list(CONTEXT_FEATURES)
    assert zipfile.is_zipfile(tiny_model_path)


@pytest.mark.parametrize("schema", ["1-0123456789ab", SCHEMA + "0", "", None, "missing"])
def test_load_refuses_a_model_of_another_feature_schema(tiny_model_path, tmp_path, schema):
    bad = tmp_path / "other_schema.npz"
    if schema == "missing":
        rewrite(tiny_model_path, bad, drop=("schema",))
        schema = None
    else:
        rewrite(tiny_model_path, bad, schema=schema)
    with pytest.raises(ModelMismatchError) as info:
        LineModel.load(bad)
    message = str(info.value)
    assert repr(schema) in message and repr(SCHEMA) in message    # both schemas, told apart
    assert "python -m boilerstrip.train" in message and "retrain" in message
    assert str(bad) in message


@pytest.mark.parametrize("version", [FORMAT_VERSION + 1, 1, 0, None, str(FORMAT_VERSION)])
def test_load_refuses_another_format(tiny_model_path, tmp_path, version):
    bad = rewrite(tiny_model_path, tmp_path / "other_format.npz", format=version)
    with pytest.raises(ModelMismatchError) as info:
        LineModel.load(bad)
    message = str(info.value)
    assert repr(version) in message and str(FORMAT_VERSION) in message   # both formats
    assert "python -m boilerstrip.train" in message and "retrain" in message


def test_load_refuses_a_format_1_file(tiny_model_path, tmp_path):
    # The layout before the model card: format 1, no schema.
    bad = rewrite(tiny_model_path, tmp_path / "format1.npz", drop=("schema",), format=1)
    with pytest.raises(ModelMismatchError, match="python -m boilerstrip.train"):
        LineModel.load(bad)


def _damaged(kind: str, good: bytes, path, tmp_path):
    if kind in ("empty", "junk", "head", "tail", "middle"):
        data = {"empty": b"", "junk": b"junk" * 1000, "head": good[:len(good) // 2], "tail": good[:-100],
                "middle": good[:len(good) // 2] + bytes(1000) + good[len(good) // 2 + 1000:]}[kind]
        (tmp_path / "bad.npz").write_bytes(data)
        return tmp_path / "bad.npz"
    arrays = arrays_of(path)
    if kind == "npy":
        np.save(tmp_path / "bad.npy", arrays["w_dense"])
        return tmp_path / "bad.npy"
    if kind == "meta_not_json":
        arrays["meta"] = np.frombuffer(b"{not json", dtype=np.uint8)
    elif kind == "meta_missing":
        del arrays["meta"]
    elif kind == "member_missing":
        del arrays["net1_member0_coef1"]
    elif kind == "first_pass_missing":
        del arrays["w_words_data"]
    elif kind == "wrong_shape":
        arrays["w_dense"] = arrays["w_dense"].T.copy()
    elif kind == "object_array":
        arrays["net0_member0_coef0"] = np.array([{"evil": 1}], dtype=object)
    np.savez(tmp_path / "bad.npz", **arrays)
    return tmp_path / "bad.npz"


@pytest.mark.parametrize("kind", ["empty", "junk", "head", "tail", "middle", "npy", "meta_not_json", "meta_missing",
                                  "member_missing", "first_pass_missing", "wrong_shape", "object_array"])
def test_load_of_a_damaged_file_raises_value_error(tiny_model_path, tmp_path, kind):
    bad = _damaged(kind, tiny_model_path.read_bytes(), tiny_model_path, tmp_path)
    with pytest.raises(ValueError) as info:
        LineModel.load(bad)
    assert not isinstance(info.value, ModelMismatchError)
    message = str(info.value)
    # Not numpy's advice to load the file with pickle: a model file never needs that.
    assert "allow_pickle" not in message and "pickle.load" not in message, message
    assert str(bad) in message or "model file" in message


def test_load_of_a_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        LineModel.load(tmp_path / "nowhere.npz")


def test_save_overwrites_cleanly(tiny_model, tmp_path):
    path = tmp_path / "m.npz"
    path.write_bytes(b"junk" * 1000)
    tiny_model.save(path)
    np.testing.assert_allclose(LineModel.load(path).predict_proba(fresh_docs())[0],
                               tiny_model.predict_proba(fresh_docs())[0], atol=1e-3)


# ------------------------------------------------------------------ the shipped model


def test_shipped_model_loads_with_current_features(default_model):
    doc = Document.from_text_lines(split_lines("A line of text.\nAnother line of text here."))
    p = default_model.predict_proba([doc])[0]
    assert p.shape == (2, 3) and p.sum(axis=1) == pytest.approx([1, 1])


def test_shipped_model_card(default_model):
    card = default_model.card
    assert card["schema"] == SCHEMA
    assert card["format"] == FORMAT_VERSION
    assert {"commit", "corpus", "libraries", "training", "metrics", "probe"} <= set(card)
    assert card["commit"] and card["libraries"]["numpy"]


def test_shipped_model_reproduces_its_probe_probabilities(default_model):
    """The probabilities recorded when the model was trained, recomputed by this code:
    a model that no longer matches the features (or a decoder of it that changed)
    fails here."""
    from boilerstrip.train import PROBES, probe_probabilities

    recorded = default_model.card["probe"]
    now = probe_probabilities(default_model)
    assert set(recorded) == set(now) == set(PROBES)
    for name in PROBES:
        a, b = np.array(recorded[name]), np.array(now[name])
        assert a.shape == b.shape and a.shape[1] == 3 and len(a) > 0, name
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-5, err_msg=name)


# ------------------------------------------------------------------ BLAS threads


def test_scoring_runs_blas_on_one_thread_and_restores_it():
    threadpoolctl = pytest.importorskip("threadpoolctl")

    def blas_threads():
        return [lib["num_threads"] for lib in threadpoolctl.threadpool_info() if lib["user_api"] == "blas"]

    before = blas_threads()
    with model_module._single_threaded_blas():
        inside = blas_threads()
    after = blas_threads()
    assert inside == [1] * len(before) and after == before
    assert model_module._blas_controller() is model_module._blas_controller()   # found once


def test_scoring_without_threadpoolctl(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)   # import fails as if not installed
    model_module._blas_controller.cache_clear()
    try:
        assert model_module._blas_controller() is None
        with model_module._single_threaded_blas():
            pass
        assert clean("Home\n\nThe council voted on Tuesday to expand the park by twelve acres, officials said.")
    finally:
        model_module._blas_controller.cache_clear()
