"""Training: :class:`LineClassifier`, a scikit-learn estimator that fits a
:class:`~boilerstrip.model.LineModel` (needs the ``[train]`` extra).

``X`` is a sequence of documents (:class:`~boilerstrip.features.Document`, or texts,
which are read as :func:`boilerstrip.clean` reads them) and ``y`` one sequence of labels
per document, one label per line (``"body"``, ``"title"``, ``"boilerplate"``, or the
corpus's finer ``"supplemental"``, ``"related"``, ``"comments"``).

Fitting has three steps:

1. the linear first pass (``SGDClassifier``, log loss) on line shape and hashed words;
   its predictions that the networks learn from are out-of-fold, grouped by site
   (``groups``), so they are as good as on unseen sites;
2. the first network pass on those logits and the document context they give;
3. the second network pass on the context recomputed from the first network's sharper
   probabilities.

>>> from boilerstrip.estimator import LineClassifier
>>> texts = ["Home\\nNews\\nA council voted on Tuesday to expand the park by twelve acres.",
...          "Menu\\nThe mayor said the plan would cost four million dollars in all."] * 4
>>> labels = [["boilerplate", "boilerplate", "body"], ["boilerplate", "body"]] * 4
>>> model = LineClassifier(n_networks=1, max_iter=5, n_folds=1).fit(texts, labels)
>>> [p.shape for p in model.predict_proba(texts[:2])]
[(3, 3), (2, 3)]
"""

from __future__ import annotations

import dataclasses
from typing import Any, Optional, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from .decoding import keep_mask, line_weights, page_mask
from .features import N_WORD_FEATURES, Document
from .model import CLASS_OF_LABEL, CLASSES, FirstPass, LineModel, NetworkPass, first_inputs, network_inputs, softmax
from .pipeline import read

__all__ = ["LineClassifier", "body_f1"]


def _documents(X: Any) -> list[Document]:
    if isinstance(X, (str, bytes, Document)):
        raise TypeError(f"X must be a sequence of documents or texts, not a single {type(X).__name__}: "
                        "wrap one document in a list")
    docs = []
    for k, x in enumerate(X):
        if not isinstance(x, (Document, str, bytes)):
            raise TypeError(f"X must hold texts (str or bytes) or Documents; item {k} is {type(x).__name__}")
        docs.append(x if isinstance(x, Document) else read(x)[0])
    return docs


def body_f1(docs: Sequence[Document], labels: Sequence[Sequence[str]], probas: Sequence[np.ndarray],
            transition: float, threshold: float = 0.5) -> float:
    """Mean over documents of the F1 of kept body lines, half weighted by characters and
    half by lines: by characters alone, a short "Advertisement" or "Read more" line kept
    inside an article costs nothing, and those are boilerplate too."""
    scores = []
    for doc, labs, proba in zip(docs, labels, probas):
        gold = np.array([CLASS_OF_LABEL[label] == 0 for label in labs], dtype=bool)
        chars = doc.line_lengths()
        kept = keep_mask(proba[:, 0], threshold, transition, line_weights(chars))
        for w in (chars, np.ones_like(chars)):
            tp, fp, fn = w[kept & gold].sum(), w[kept & ~gold].sum(), w[~kept & gold].sum()
            scores.append(1.0 if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 1.0


def _as_saved(w: np.ndarray) -> np.ndarray:
    """Hashed-feature weights as a model file stores them: float16, read back as float64."""
    return np.ascontiguousarray(w.astype(np.float16), dtype=np.float64)


class LineClassifier(ClassifierMixin, BaseEstimator):
    """Multi-pass line classifier with sequence decoding; the defaults are the shipped
    model's settings.

    Parameters
    ----------
    alpha : L2 regularisation of the first-pass linear model.
    hidden : hidden layer sizes of each network.
    transition : decoding cost of switching between kept and dropped lines; higher
        values prefer longer contiguous blocks (``python -m boilerstrip.train`` picks it
        on the dev split; 0 decodes each line on its own).
    n_folds : folds (grouped by ``groups``) for the out-of-fold first-pass predictions;
        1 fits the networks on in-sample first-pass predictions.
    network_passes : network passes after the linear one; each later pass sees the
        context recomputed from the previous pass's probabilities and its log-probabilities.
    max_iter : most epochs of each network (they stop early when a held-out tenth of
        the lines stops improving).
    n_networks : networks per pass, each from its own random start, whose
        probabilities are averaged.
    scale_floor : smallest standard deviation a network input is divided by, so that a
        feature that barely varies in a small training set cannot turn an ordinary value
        at prediction time into a huge input.
    unseen_language : share of training documents shown to the networks as if in a
        language the training pages do not have (their hashed words moved to other
        words' columns), so the networks learn to lean on shape, layout and the topical
        fit within the document where the ``known_language`` feature is low.
    random_state : seed for every random choice in ``fit``.

    Attributes
    ----------
    model_ : the fitted :class:`~boilerstrip.model.LineModel`.
    classes_ : ``("body", "title", "boilerplate")``, the probability columns.
    """

    def __init__(self, alpha: float = 2e-6, hidden: tuple[int, ...] = (64, 32), transition: float = 0.5,
                 n_folds: int = 3, network_passes: int = 2, max_iter: int = 25, n_networks: int = 3,
                 scale_floor: float = 0.0, unseen_language: float = 0.1, random_state: int = 0):
        self.alpha = alpha
        self.hidden = hidden
        self.transition = transition
        self.n_folds = n_folds
        self.network_passes = network_passes
        self.max_iter = max_iter
        self.n_networks = n_networks
        self.scale_floor = scale_floor
        self.unseen_language = unseen_language
        self.random_state = random_state

    # ------------------------------------------------------------------ fitting
    def _check_params(self) -> None:
        for name in ("network_passes", "n_networks", "n_folds", "max_iter"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not 0.0 <= self.unseen_language <= 1.0:
            raise ValueError(f"unseen_language must be between 0 and 1, got {self.unseen_language!r}")
        if not self.transition >= 0:
            raise ValueError(f"transition must be a number >= 0, got {self.transition!r}")

    def fit(self, X: Sequence[Any], y: Sequence[Sequence[str]], groups: Optional[Sequence[Any]] = None,
            sample_weight: Optional[Sequence[float]] = None, verbose: bool = False) -> "LineClassifier":
        """Learn from documents ``X`` and one label per line (``y``).

        ``groups`` (e.g. the site of each document) keeps the out-of-fold first-pass
        predictions honest: a site is never predicted by a model that saw it.
        ``sample_weight`` gives one weight per document, applied to each of its lines.
        """
        from scipy import sparse
        from sklearn.linear_model import SGDClassifier

        self._check_params()
        docs = _documents(X)
        if isinstance(y, (str, bytes)):
            raise TypeError("y must be one sequence of labels per document")
        labels = [list(ls) for ls in y]
        if len(docs) != len(labels):
            raise ValueError(f"{len(docs)} documents but {len(labels)} label lists")
        for k, (d, ls) in enumerate(zip(docs, labels)):
            if len(d) != len(ls):
                raise ValueError(f"document {k} has {len(d)} lines but {len(ls)} labels: one label per line")
            unknown = sorted({label for label in ls if label not in CLASS_OF_LABEL})
            if unknown:
                raise ValueError(f"document {k}: unknown label(s) {', '.join(map(repr, unknown))}; "
                                 f"labels are {', '.join(CLASS_OF_LABEL)}")
        if not docs or not any(len(d) for d in docs):
            raise ValueError("fit needs at least one document with lines")
        yy = np.concatenate([[CLASS_OF_LABEL[label] for label in ls] for ls in labels]).astype(np.int64)
        line_doc = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
        if sample_weight is not None and len(sample_weight) != len(docs):
            raise ValueError(f"{len(docs)} documents but {len(sample_weight)} sample weights: one per document")
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)[line_doc]

        dense, words, structure = first_inputs(docs)
        dense_mean = dense.mean(axis=0)
        std = dense.std(axis=0)
        dense_scale = np.where(std > 1e-9, std, 1.0)
        df = np.bincount(words.indices, minlength=N_WORD_FEATURES)
        # Rounded as it is saved (float16), so that training sees the IDF the saved model uses.
        idf = (np.log((1 + words.shape[0]) / (1 + df)) + 1.0).astype(np.float16).astype(np.float32)
        x1 = sparse.hstack([sparse.csr_matrix((dense - dense_mean) / dense_scale), words.to_scipy(),
                            structure.to_scipy()], format="csr")

        def first_pass() -> SGDClassifier:
            return SGDClassifier(loss="log_loss", alpha=self.alpha, max_iter=8, tol=None,
                                 random_state=self.random_state, average=True)

        # The networks see the unseen-language documents with their words moved: copies,
        # so that the caller's documents keep their own words.
        unseen = np.random.default_rng(self.random_state).random(len(docs)) < self.unseen_language
        net_docs, words_seen = docs, words
        if unseen.any():
            perm = np.random.default_rng(self.random_state + 1).permutation(N_WORD_FEATURES)
            words_seen = words.with_columns(perm, rows=unseen[line_doc])
            bounds = np.searchsorted(line_doc, np.arange(len(docs) + 1))
            net_docs = [d.with_words(words_seen.take(np.arange(bounds[k], bounds[k + 1]))) if unseen[k] else d
                        for k, d in enumerate(docs)]
        x1_seen = x1 if words_seen is words else sparse.hstack(
            [x1[:, :dense.shape[1]], words_seen.to_scipy(), structure.to_scipy()], format="csr")

        out_of_fold = groups is not None and self.n_folds > 1 and len(set(groups)) >= self.n_folds
        if out_of_fold:
            from sklearn.model_selection import GroupKFold

            logits1 = np.zeros((len(yy), len(CLASSES)))
            line_groups = np.asarray(groups)[line_doc]
            for k, (tr, te) in enumerate(GroupKFold(self.n_folds).split(x1, yy, line_groups)):
                if verbose:
                    print(f"  first pass, fold {k + 1}/{self.n_folds}", flush=True)
                clf = first_pass().fit(x1[tr], yy[tr], sample_weight=None if w is None else w[tr])
                logits1[te] = self._decision(clf, x1_seen[te])
        if verbose:
            print("  first pass, all data", flush=True)
        clf = first_pass().fit(x1, yy, sample_weight=w)
        nd = dense.shape[1]
        coef = self._coef(clf).astype(np.float32)
        # Stored exactly as a model file holds them (hashed weights in float16), so that the
        # fitted model and the saved one give the same probabilities.
        first = FirstPass(dense_mean.astype(np.float64), dense_scale.astype(np.float64),
                          coef[:, :nd].astype(np.float64), _as_saved(coef[:, nd:nd + N_WORD_FEATURES].T),
                          _as_saved(coef[:, nd + N_WORD_FEATURES:].T), self._intercept(clf).astype(np.float64))
        if not out_of_fold:
            logits1 = first.logits(dense, words_seen, structure)
        networks: list[NetworkPass] = []
        proba = softmax(logits1.copy())
        previous = None
        for k in range(self.network_passes):
            if verbose:
                print(f"  network pass {k + 1}/{self.network_passes}", flush=True)
            x = network_inputs(net_docs, dense, proba, logits1, idf, previous)
            net = self._fit_network(x, yy, w)
            networks.append(net)
            # In-sample probabilities: the networks see no word or site identity (the first
            # pass's logits are out-of-fold), so they are close to what they give on unseen pages.
            proba = previous = net.predict_proba(x)
            del x
        self.model_ = LineModel(first, idf, networks, float(self.transition), self.get_params())
        self.classes_ = np.array(CLASSES)
        return self

    @staticmethod
    def _coef(clf: Any) -> np.ndarray:
        """(3, n_features) weights even when the training labels had fewer classes."""
        out = np.zeros((len(CLASSES), clf.coef_.shape[1]))
        out[[int(c) for c in clf.classes_]] = clf.coef_ if len(clf.classes_) > 2 else \
            np.vstack([-clf.coef_[0] / 2, clf.coef_[0] / 2])
        return out

    @staticmethod
    def _intercept(clf: Any) -> np.ndarray:
        out = np.full(len(CLASSES), -30.0)   # a class never seen in training is never predicted
        out[[int(c) for c in clf.classes_]] = clf.intercept_ if len(clf.classes_) > 2 else \
            np.array([-clf.intercept_[0] / 2, clf.intercept_[0] / 2])
        return out

    def _decision(self, clf: Any, x: Any) -> np.ndarray:
        return np.asarray(x @ self._coef(clf).T + self._intercept(clf))

    def _fit_network(self, x: np.ndarray, y: np.ndarray, w: Optional[np.ndarray]) -> NetworkPass:
        from sklearn.neural_network import MLPClassifier

        mean = x.mean(axis=0)
        std = x.std(axis=0)
        scale = np.where(std > 1e-9, np.maximum(std, self.scale_floor), 1.0)
        members = []
        early = len(y) >= 50   # early stopping holds out a tenth of the lines
        batch = min(512, int(len(y) * 0.9) if early else len(y))
        for k in range(self.n_networks):
            net = MLPClassifier(hidden_layer_sizes=tuple(self.hidden), alpha=1e-4, batch_size=batch,
                                learning_rate_init=1e-3, max_iter=self.max_iter, early_stopping=early,
                                n_iter_no_change=3, random_state=self.random_state + k)
            net.fit((x - mean) / scale, y, sample_weight=w)
            coefs = [c.astype(np.float32) for c in net.coefs_]
            intercepts = [b.astype(np.float32) for b in net.intercepts_]
            if len(net.classes_) < len(CLASSES):   # widen the output layer to all three classes
                last_w = np.zeros((coefs[-1].shape[0], len(CLASSES)), dtype=np.float32)
                last_b = np.full(len(CLASSES), -30.0, dtype=np.float32)
                cols = [int(c) for c in net.classes_]
                if len(cols) == 1:
                    last_b[cols[0]] = 0.0
                elif coefs[-1].shape[1] == 1:   # binary: one logistic output
                    last_w[:, cols[1]] = coefs[-1][:, 0]
                    last_b[cols[1]] = intercepts[-1][0]
                    last_b[cols[0]] = 0.0
                else:
                    last_w[:, cols], last_b[cols] = coefs[-1], intercepts[-1]
                coefs[-1], intercepts[-1] = last_w, last_b
            members.append((coefs, intercepts))
        return NetworkPass(mean, scale, members)

    # ---------------------------------------------------------------- inference
    def to_model(self) -> LineModel:
        """The fitted model, with this estimator's current ``transition`` (a new
        :class:`LineModel` sharing the fitted arrays)."""
        check_is_fitted(self, "model_")
        transition = float(self.transition)
        return dataclasses.replace(self.model_, transition=transition,
                                   params={**self.model_.params, "transition": transition})

    def predict_proba(self, X: Sequence[Any]) -> list[np.ndarray]:
        """Per document, an ``(n_lines, 3)`` array of body/title/boilerplate probabilities."""
        return self.to_model().predict_proba(_documents(X))

    def predict(self, X: Sequence[Any]) -> list[np.ndarray]:
        """Per document, the label of each line: ``"body"`` for the lines
        :func:`boilerstrip.clean` keeps (decoded with ``transition``, gaps filled), otherwise
        the more likely of ``"title"`` and ``"boilerplate"``."""
        model = self.to_model()   # raises NotFittedError before reading X
        docs = _documents(X)
        out = []
        for doc, proba in zip(docs, model.predict_proba(docs)):
            kept = page_mask(proba[:, 0], 0.5, self.transition, line_weights(doc.line_lengths()))
            out.append(np.where(kept, "body", np.where(proba[:, 1] > proba[:, 2], "title", "boilerplate")))
        return out

    def score(self, X: Sequence[Any], y: Sequence[Sequence[str]], sample_weight: Any = None) -> float:
        """Mean over documents of the F1 of the kept body lines (:func:`body_f1`)."""
        docs = _documents(X)
        return body_f1(docs, y, self.to_model().predict_proba(docs), self.transition)

    def save(self, path: Any) -> None:
        """Write the fitted model (see :meth:`LineModel.save`)."""
        self.to_model().save(path)

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False    # X is a sequence of documents
        tags.input_tags.string = True
        tags.target_tags.required = True
        tags.non_deterministic = False
        return tags
