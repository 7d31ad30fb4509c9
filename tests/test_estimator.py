"""LineClassifier, the scikit-learn estimator that fits a LineModel: parameters,
cloning, fitting errors, cross-validation and the scikit-learn estimator checks that
apply to it.

``X`` is a sequence of documents (or texts) and ``y`` one label per line of each, so
the checks of :mod:`sklearn.utils.estimator_checks` that fit or predict on generated
numeric arrays do not apply; ``check_estimator`` itself skips the estimator for that
reason (its input tags say neither 1-D nor 2-D arrays).  The checks that only construct,
clone, inspect or call an unfitted estimator are run here one by one:

    check_estimator_cloneable, check_estimator_repr, check_no_attributes_set_in_init,
    check_parameters_default_constructible, check_get_params_invariance,
    check_set_params, check_do_not_raise_errors_in_init_or_set_params,
    check_estimators_unfitted, check_estimator_tags_renamed, check_valid_tag_types,
    check_mixin_order.

Not applicable, because they fit on (or predict from) numeric arrays of samples by
features, or test properties of such arrays, which are not documents:

- input validation of arrays: check_estimators_dtypes, check_dtype_object,
  check_complex_data, check_estimators_nan_inf, check_estimators_empty_data_messages,
  check_fit1d, check_fit2d_1sample, check_fit2d_1feature, check_fit2d_predict1d,
  check_f_contiguous_array_estimator, check_readonly_memmap_input,
  check_positive_only_tag_during_fit, check_classifier_data_not_an_array,
  check_estimators_data_not_an_array, check_n_features_in,
  check_n_features_in_after_fitting, check_dataframe_column_names_consistency,
  check_requires_y_none, check_supervised_y_2d, check_supervised_y_no_nan,
  check_classifiers_regression_target;
- sparse and array-API inputs: check_estimator_sparse_tag, check_estimator_sparse_array,
  check_estimator_sparse_matrix, check_array_api_input and the other array-API checks;
- classifier behaviour on blobs: check_classifiers_train, check_classifiers_classes,
  check_classifiers_one_label, check_classifiers_one_label_sample_weights,
  check_decision_proba_consistency, check_classifier_multioutput and the multilabel
  checks, check_class_weight_* (no class_weight parameter);
- sample weights given per sample of an array (here: one weight per document):
  check_sample_weights_*, check_all_zero_sample_weights_error,
  check_sample_weight_equivalence_on_dense_data / _on_sparse_data;
- fitted-state checks that build their own numeric training data:
  check_estimators_fit_returns_self, check_fit_check_is_fitted, check_fit_idempotent,
  check_estimators_overwrite_params, check_dont_overwrite_parameters,
  check_dict_unchanged, check_estimators_pickle, check_fit_score_takes_y,
  check_methods_subset_invariance, check_methods_sample_order_invariance,
  check_pipeline_consistency, check_non_transformer_estimators_n_iter;
- other kinds of estimator: transformer, regressor, clusterer and outlier checks,
  check_sparsify_coefficients, check_estimators_partial_fit_n_features,
  check_param_validation (no ``_parameter_constraints``: parameters are checked in fit).

The fitted-state properties those checks stand for are tested below on documents:
fit returns self, ``check_is_fitted`` before and after fit, fit leaves the parameters
and the caller's documents alone, refitting gives the same model, pickling keeps the
predictions, and a document's predictions do not depend on the others in the batch.
"""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
from conftest import LABELLED, labelled_documents, read_labelled
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GroupKFold, cross_val_score
from sklearn.utils import estimator_checks
from sklearn.utils.validation import check_is_fitted

from boilerstrip.decoding import keep_mask
from boilerstrip.estimator import LineClassifier, body_f1
from boilerstrip.features import Document, Rows, line_features, word_features
from boilerstrip.model import CLASSES, LineModel
from boilerstrip.pipeline import read

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

#: Small and quick: the mechanics are what these tests are about.
FAST = {"n_networks": 1, "hidden": (16,), "max_iter": 20, "scale_floor": 0.3, "unseen_language": 0.0, "n_folds": 1}


def replicated(reps: int = 3):
    """The labelled fixtures ``reps`` times over, fresh Documents each time, each copy
    its own group (as conftest.fit_tiny_model does)."""
    docs, labels, groups = [], [], []
    for k in range(reps):
        for doc, labs, group in labelled_documents():
            docs.append(doc)
            labels.append(labs)
            groups.append(f"{group}{k}")
    return docs, labels, groups


def fixture_texts() -> tuple[list[str], list[list[str]]]:
    pairs = [read_labelled(path) for path in sorted(LABELLED.glob("*.txt"))]
    return [text for text, _ in pairs], [labels for _, labels in pairs]


def fresh_docs():
    return [d for d, _, _ in labelled_documents()]


def copy_rows(m: Rows) -> Rows:
    return Rows(m.data.copy(), m.indices.copy(), m.indptr.copy(), m.n_cols)


def same_rows(a: Rows, b: Rows) -> bool:
    return a.shape == b.shape and all(np.array_equal(x, y) for x, y in
                                      ((a.data, b.data), (a.indices, b.indices), (a.indptr, b.indptr)))


# ------------------------------------------------------------------ parameters


def test_default_parameters():
    params = LineClassifier().get_params()
    assert params == {"alpha": 2e-6, "hidden": (64, 32), "transition": 0.5, "n_folds": 3, "network_passes": 2,
                      "max_iter": 25, "n_networks": 3, "scale_floor": 0.0, "unseen_language": 0.1,
                      "random_state": 0}


def test_defaults_are_the_shipped_models_params(default_model):
    assert LineClassifier().get_params() == default_model.params


def test_get_params_set_params_round_trip():
    est = LineClassifier(alpha=1e-5, hidden=(16, 8), transition=1.0, n_folds=2, network_passes=1, max_iter=7,
                         n_networks=2, scale_floor=0.2, unseen_language=0.3, random_state=5)
    params = est.get_params()
    assert params["hidden"] == (16, 8) and params["network_passes"] == 1 and params["random_state"] == 5
    other = LineClassifier()
    assert other.set_params(**params) is other
    got = other.get_params()
    assert got == params
    assert all(got[k] is v for k, v in params.items())   # stored as given
    assert LineClassifier(**params).get_params() == params
    other.set_params(hidden=(4,))
    assert other.hidden == (4,) and est.hidden == (16, 8)
    with pytest.raises(ValueError, match="bogus"):
        other.set_params(bogus=1)


def test_clone_gives_an_unfitted_estimator_with_the_same_params(tiny_estimator):
    twin = clone(tiny_estimator)
    assert twin is not tiny_estimator and type(twin) is LineClassifier
    assert twin.get_params() == tiny_estimator.get_params()
    assert not hasattr(twin, "model_") and not hasattr(twin, "classes_")
    with pytest.raises(NotFittedError):
        check_is_fitted(twin)
    check_is_fitted(tiny_estimator)
    tweaked = clone(LineClassifier(hidden=(8,), transition=3.0))
    assert tweaked.hidden == (8,) and tweaked.transition == 3.0


@pytest.mark.parametrize("method", ["predict_proba", "predict", "score", "to_model", "save"])
def test_an_unfitted_estimator_raises_not_fitted(method, tmp_path):
    texts, labels = fixture_texts()
    args = {"predict_proba": (texts,), "predict": (texts,), "score": (texts, labels), "to_model": (),
            "save": (tmp_path / "m.npz",)}[method]
    with pytest.raises(NotFittedError):
        getattr(LineClassifier(), method)(*args)
    assert not (tmp_path / "m.npz").exists()


# ------------------------------------------------------------------ scikit-learn checks


APPLICABLE_CHECKS = [
    "check_estimator_cloneable", "check_estimator_repr", "check_no_attributes_set_in_init",
    "check_parameters_default_constructible", "check_get_params_invariance", "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params", "check_estimators_unfitted", "check_estimator_tags_renamed",
    "check_valid_tag_types", "check_mixin_order",
]


@pytest.mark.parametrize("name", APPLICABLE_CHECKS)
@pytest.mark.parametrize("estimator", [LineClassifier(), LineClassifier(hidden=(8,), network_passes=1, n_networks=1)],
                         ids=["defaults", "small"])
def test_sklearn_estimator_check(name, estimator):
    check = getattr(estimator_checks, name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check(type(estimator).__name__, estimator)
    # check_set_params warns when set_params raises: it must not (validation is in fit)
    assert not [w for w in caught if "set_params" in str(w.message)], [str(w.message) for w in caught]


def test_tags_say_documents_not_arrays():
    tags = LineClassifier().__sklearn_tags__()
    assert tags.estimator_type == "classifier"
    assert not tags.input_tags.two_d_array and tags.input_tags.string
    assert tags.target_tags.required and not tags.non_deterministic


# ------------------------------------------------------------------ fitting


def test_fit_returns_self_with_the_fitted_model():
    docs, labels, _ = replicated(2)
    est = LineClassifier(**FAST)
    params = copy.deepcopy(est.get_params())
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert est.fit(docs, labels) is est
    check_is_fitted(est)
    assert isinstance(est.model_, LineModel)
    # to_model() gives the fitted arrays with the estimator's current transition, and
    # leaves model_ (and models handed out before) as they were.
    est.set_params(transition=3.0)
    exported = est.to_model()
    assert exported.transition == 3.0 and exported.params["transition"] == 3.0
    assert exported.first is est.model_.first and est.model_.transition == 0.5
    assert list(est.classes_) == list(CLASSES)
    est.set_params(transition=params["transition"])
    assert est.get_params() == params                      # fit leaves the parameters alone
    public = {k for k in vars(est) if not k.startswith("_")}
    assert public - set(params) == {"model_", "classes_"}  # and sets only trailing-underscore attributes
    assert est.model_.params == est.get_params()


def test_cross_val_score_with_groups():
    docs, labels, groups = replicated(6)
    est = LineClassifier(n_networks=1, hidden=(32,), max_iter=50, scale_floor=0.3, unseen_language=0.0)
    scores = cross_val_score(est, docs, labels, groups=groups, cv=GroupKFold(3))
    assert scores.shape == (3,)
    assert np.isfinite(scores).all() and ((scores >= 0) & (scores <= 1)).all()
    assert not hasattr(est, "model_")   # cross_val_score fits clones


def test_fitting_again_gives_the_same_model():
    docs, labels, groups = replicated(3)
    est = LineClassifier(**{**FAST, "n_folds": 2})
    first = [p.copy() for p in est.fit(docs, labels, groups=groups).predict_proba(fresh_docs())]
    again = est.fit(docs, labels, groups=groups).predict_proba(fresh_docs())
    fresh = LineClassifier(**{**FAST, "n_folds": 2}).fit(*replicated(3)[:2], groups=groups).predict_proba(fresh_docs())
    for a, b, c in zip(first, again, fresh):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_random_state_changes_the_model():
    docs, labels, _ = replicated(2)
    a = LineClassifier(**FAST, random_state=0).fit(docs, labels).predict_proba(fresh_docs())
    b = LineClassifier(**FAST, random_state=1).fit(docs, labels).predict_proba(fresh_docs())
    assert any(np.abs(x - y).max() > 1e-6 for x, y in zip(a, b))


def test_an_ensemble_pass_has_networks_from_different_starts():
    docs, labels, _ = replicated(2)
    model = LineClassifier(**{**FAST, "n_networks": 2}).fit(docs, labels).to_model()
    for net in model.networks:
        assert len(net.members) == 2
        assert not np.allclose(net.members[0][0][0], net.members[1][0][0])


@pytest.mark.parametrize("network_passes", [1, 2, 3])
def test_network_passes(network_passes, tmp_path):
    docs, labels, _ = replicated(2)
    model = LineClassifier(**FAST, network_passes=network_passes).fit(docs, labels).to_model()
    assert len(model.networks) == network_passes
    model.save(tmp_path / "m.npz")   # every pass after the first reads the same width back
    loaded = LineModel.load(tmp_path / "m.npz")
    assert len(loaded.networks) == network_passes
    for a, b in zip(model.predict_proba(docs), loaded.predict_proba(docs)):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_fit_does_not_change_the_callers_documents():
    docs, labels, _ = replicated(3)
    words = [word_features(d) for d in docs]
    values = [copy_rows(w) for w in words]
    shapes = [line_features(d) for d in docs]
    shape_values = [s.copy() for s in shapes]
    lines = [list(d.lines) for d in docs]
    moved = LineClassifier(**{**FAST, "unseen_language": 0.5}).fit(docs, labels)
    for d, w, v, s, sv, ls in zip(docs, words, values, shapes, shape_values, lines):
        assert d.cache.words is w and same_rows(w, v)
        assert d.cache.shape is s and np.array_equal(s, sv)
        assert d.lines == ls
    # ... while some of them were indeed shown to the networks with their words moved:
    # the same fit without that gives another model.
    plain = LineClassifier(**FAST).fit(replicated(3)[0], labels)
    a, b = moved.predict_proba(fresh_docs()), plain.predict_proba(fresh_docs())
    assert any(np.abs(x - y).max() > 1e-6 for x, y in zip(a, b))


def test_texts_work_as_x_as_well_as_documents(tiny_estimator):
    texts, labels = fixture_texts()
    docs = fresh_docs()
    assert all(read(t)[0].runs is None for t in texts)   # read as the fixtures are: line for line
    for a, b in zip(tiny_estimator.predict_proba(texts), tiny_estimator.predict_proba(docs), strict=True):
        np.testing.assert_array_equal(a, b)
    mixed = tiny_estimator.predict_proba([texts[0], docs[1]])
    np.testing.assert_allclose(mixed[0], tiny_estimator.predict_proba([docs[0]])[0], atol=1e-6)
    assert tiny_estimator.score(texts, labels) == tiny_estimator.score(docs, labels)
    from_texts = LineClassifier(**FAST).fit(texts * 2, labels * 2).predict_proba(docs)
    from_docs = LineClassifier(**FAST).fit(fresh_docs() + fresh_docs(), labels * 2).predict_proba(docs)
    for a, b in zip(from_texts, from_docs):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ fitting errors


@pytest.mark.parametrize("x", ["Home\nThe council voted on Tuesday.", b"Home\nNews", "single"])
def test_a_string_as_x_raises_type_error(x):
    with pytest.raises(TypeError, match="sequence of documents"):
        LineClassifier(**FAST).fit(x, [["boilerplate", "body"]])


def test_a_single_document_as_x_raises_type_error(tiny_estimator):
    doc = fresh_docs()[0]
    with pytest.raises(TypeError, match="wrap one document in a list"):
        LineClassifier(**FAST).fit(doc, [["body"] * len(doc)])
    with pytest.raises(TypeError):
        tiny_estimator.predict_proba("Home\nThe council voted on Tuesday.")
    with pytest.raises(TypeError):
        tiny_estimator.predict(doc)


def test_y_as_a_string_raises_type_error():
    with pytest.raises(TypeError, match="one sequence of labels per document"):
        LineClassifier(**FAST).fit(["Home"], "boilerplate")


def test_an_unknown_label_raises_value_error_naming_it():
    docs = fresh_docs()[:2]
    labels = [l for _, l, _ in labelled_documents()][:2]
    labels[1] = list(labels[1])
    labels[1][3] = "sidebar"
    with pytest.raises(ValueError, match=r"document 1: unknown label\(s\) 'sidebar'"):
        LineClassifier(**FAST).fit(docs, labels)


def test_mismatched_line_and_label_counts_raise_value_error():
    docs = fresh_docs()[:2]
    a, b = [l for _, l, _ in labelled_documents()][:2]
    with pytest.raises(ValueError, match=f"document 1 has {len(docs[1])} lines but {len(b) - 1} labels"):
        LineClassifier(**FAST).fit(docs, [a, b[:-1]])
    with pytest.raises(ValueError, match="one label per line"):
        LineClassifier(**FAST).fit(docs, [a + ["boilerplate"], b])
    with pytest.raises(ValueError, match="2 documents but 1 label lists"):
        LineClassifier(**FAST).fit(docs, [a])


def test_fit_needs_lines():
    empty = Document([], np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64))
    for x, y in (([], []), ([empty], [[]])):
        with pytest.raises(ValueError, match="at least one document with lines"):
            LineClassifier(**FAST).fit(x, y)


@pytest.mark.parametrize("params, name", [
    ({"network_passes": 0}, "network_passes"), ({"network_passes": 1.5}, "network_passes"),
    ({"n_networks": 0}, "n_networks"), ({"n_networks": -1}, "n_networks"), ({"n_networks": 1.5}, "n_networks"),
    ({"n_folds": 0}, "n_folds"), ({"max_iter": True}, "max_iter"),
    ({"unseen_language": -0.1}, "unseen_language"), ({"unseen_language": 1.5}, "unseen_language"),
    ({"transition": -1.0}, "transition"), ({"transition": float("nan")}, "transition"),
])
def test_bad_parameters_are_refused_by_fit_not_init(params, name):
    est = LineClassifier(**{**FAST, **params})   # constructing never raises
    docs = fresh_docs()
    labels = [l for _, l, _ in labelled_documents()]
    with pytest.raises(ValueError, match=name):
        est.fit(docs, labels)
    assert not hasattr(est, "model_")


# ------------------------------------------------------------------ predicting


def test_predict_labels_the_lines_clean_keeps_as_body(tiny_estimator):
    docs = fresh_docs()
    predicted = tiny_estimator.predict(docs)
    probas = tiny_estimator.predict_proba(fresh_docs())
    assert len(predicted) == len(docs)
    for doc, labels, p in zip(docs, predicted, probas):
        assert labels.shape == (len(doc),) and set(labels.tolist()) <= set(CLASSES)
        kept = keep_mask(p[:, 0], 0.5, tiny_estimator.transition)
        assert ((labels == "body") == kept).all()
        other = np.where(p[:, 1] > p[:, 2], "title", "boilerplate")
        assert (labels[~kept] == other[~kept]).all()
    empty = Document([], np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64))
    assert tiny_estimator.predict([empty])[0].shape == (0,)


def test_score_is_the_mean_body_line_f1(tiny_estimator):
    docs = fresh_docs()
    labels = [l for _, l, _ in labelled_documents()]
    score = tiny_estimator.score(docs, labels)
    assert score == body_f1(docs, labels, tiny_estimator.predict_proba(fresh_docs()), tiny_estimator.transition)
    assert 0.5 < score <= 1.0
    # Its own predictions are a perfect score: body exactly where it keeps lines.
    assert tiny_estimator.score(docs, [p.tolist() for p in tiny_estimator.predict(docs)]) == 1.0
    all_body = [["body"] * len(d) for d in docs]
    assert tiny_estimator.score(docs, all_body) < score


def test_prediction_of_a_document_does_not_depend_on_the_batch(tiny_estimator):
    docs = fresh_docs()
    together = tiny_estimator.predict_proba(docs)
    reversed_ = tiny_estimator.predict_proba(fresh_docs()[::-1])[::-1]
    alone = [tiny_estimator.predict_proba([d])[0] for d in fresh_docs()]
    for a, b, c in zip(together, reversed_, alone):
        np.testing.assert_allclose(a, b, atol=1e-6)
        np.testing.assert_allclose(a, c, atol=1e-6)


def test_predicting_leaves_the_estimator_as_it_was(tiny_estimator):
    before = dict(vars(tiny_estimator))
    transition = tiny_estimator.model_.transition
    tiny_estimator.predict(fresh_docs())
    tiny_estimator.predict_proba(fresh_docs())
    tiny_estimator.score(fresh_docs(), [l for _, l, _ in labelled_documents()])
    assert vars(tiny_estimator).keys() == before.keys()
    assert all(vars(tiny_estimator)[k] is v for k, v in before.items())
    assert tiny_estimator.model_.transition == transition


def test_pickled_estimator_predicts_the_same(tiny_estimator):
    back = pickle.loads(pickle.dumps(tiny_estimator))
    assert back.get_params() == tiny_estimator.get_params()
    for a, b in zip(back.predict_proba(fresh_docs()), tiny_estimator.predict_proba(fresh_docs())):
        np.testing.assert_array_equal(a, b)


def test_to_model_and_save_use_the_current_transition(tiny_estimator, tmp_path):
    est = copy.deepcopy(tiny_estimator)
    est.set_params(transition=0.0)
    assert est.to_model().transition == 0.0
    est.save(tmp_path / "m.npz")
    loaded = LineModel.load(tmp_path / "m.npz")
    assert loaded.transition == 0.0
    assert tiny_estimator.to_model().transition == tiny_estimator.transition == 2.0
    for a, b in zip(loaded.predict_proba(fresh_docs()), est.predict_proba(fresh_docs())):
        np.testing.assert_allclose(a, b, atol=1e-3)
