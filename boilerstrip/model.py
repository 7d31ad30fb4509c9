"""Stage 3: features to label probabilities — the trainable estimator.

``LineClassifier`` follows scikit-learn conventions (``fit``, ``predict_proba``,
``predict``; hyper-parameters in ``__init__``, learned state in attributes ending in
``_``).  It has two or three passes:

1. a linear model over dense line features, hashed word n-grams and hashed DOM words;
2. a small neural network over the first pass's outputs in context (neighbours, the
   main body block, topical fit to the article, story continuity), trained on
   out-of-fold first-pass predictions so that it learns how far to trust them;
3. (``passes=3``) the same kind of network again, over context recomputed from the
   second pass's sharper probabilities: segments, the main block and the story's
   topic are found again with fewer stray lines in them.

Its learned state is plain arrays plus JSON, saved with ``numpy.savez_compressed`` and
loaded with ``allow_pickle=False``: loading a model file can never run code.

>>> from boilerstrip.model import LineClassifier
>>> model = LineClassifier.load_default()        # doctest: +SKIP
>>> [p.shape for p in model.predict_proba([doc])]  # doctest: +SKIP
[(12, 3)]
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from functools import lru_cache
from importlib import resources
from typing import Optional, Sequence

import numpy as np
from scipy import sparse

from .decoding import keep_lines
from .features import (CONTEXT_FEATURES, LINE_FEATURES, N_DOM_FEATURES, N_WORD_FEATURES, Document,
                       context_features, dom_features, lexical_features, line_features,
                       permute_word_columns)

__all__ = ["LineClassifier", "CLASSES", "CLASS_OF_LABEL"]

CLASSES = ("body", "title", "boilerplate")
# Finer corpus labels fold into the three classes the model predicts.
CLASS_OF_LABEL = {"body": 0, "title": 1, "boilerplate": 2, "supplemental": 2, "related": 2,
                  "comments": 2}
FORMAT_VERSION = 1
# Scoring works on a batch of documents at once, with memory proportional to its size:
# batches are cut at about WINDOW_CHARS characters, and a longer document is scored in
# consecutive windows of lines of its own (over three times the largest training
# document, so ordinary pages never are).
WINDOW_CHARS = 500_000
WINDOW_LINES = 20_000


@lru_cache(maxsize=1)
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _member_prefix(net_pass: int, member: int) -> str:
    """Array-name prefix of network ``member`` of a pass (0: second, 1: third) in a model
    file; a single-network model's names carry no member number."""
    return (f"net{member}_" if member else "") + ("third_" if net_pass else "")


def _check_passes(passes: int) -> None:
    if passes not in (2, 3):
        raise ValueError(f"passes must be 2 or 3, got {passes!r}")


class LineClassifier:
    """Multi-pass line classifier with sequence decoding.

    Parameters
    ----------
    alpha : L2 regularisation of the first-pass linear model.
    hidden : hidden layer sizes of the second-pass network.
    transition : decoding cost of switching between kept and dropped lines; higher
        values prefer longer contiguous blocks.
    n_folds : folds (grouped by site) for the out-of-fold first-pass predictions.
    passes : 2, or 3 for a second network over context from the first network.
    max_iter : most epochs of each network (they stop early when a held-out tenth of
        the lines stops improving).
    n_networks : networks per pass, each from its own random start, whose
        probabilities are averaged: one network's result depends on its start, and
        an average of several depends on it less.
    scale_floor : smallest standard deviation a network input is divided by, so that a
        feature that barely varies in a small training set cannot turn an ordinary value
        at prediction time into a huge input.
    unseen_language : share of training documents shown to the networks as if in a
        language the training pages do not have: their hashed words are moved to other
        words' columns, so the first pass's word weights and the corpus IDF say nothing
        about them (as for real words of such a language).  The networks learn how far
        to trust those where the ``known_language`` feature is low, and lean on line
        shape, layout and the topical fit within the document instead.
    random_state : seed for every random choice in ``fit``.
    """

    def __init__(self, alpha: float = 2e-6, hidden: tuple[int, ...] = (64, 32),
                 transition: float = 2.0, n_folds: int = 3, passes: int = 3, max_iter: int = 25,
                 scale_floor: float = 0.0, n_networks: int = 1, unseen_language: float = 0.0,
                 random_state: int = 0):
        self.alpha = alpha
        self.hidden = hidden
        self.max_iter = max_iter
        self.scale_floor = scale_floor
        self.transition = transition
        self.n_folds = n_folds
        self.passes = passes
        self.n_networks = n_networks
        self.unseen_language = unseen_language
        self.random_state = random_state

    # ------------------------------------------------------------------ features
    def _first_inputs(self, docs: Sequence[Document]):
        if len(docs) == 1:   # clean() on one text: no stacking
            return line_features(docs[0]), lexical_features(docs[0]), dom_features(docs[0])
        dense = np.vstack([line_features(d) for d in docs]) if docs else np.zeros((0, len(LINE_FEATURES)))
        words = sparse.vstack([lexical_features(d) for d in docs], format="csr")
        dom = sparse.vstack([dom_features(d) for d in docs], format="csr")
        return dense, words, dom

    def _first_logits(self, dense, words, dom) -> np.ndarray:
        z = ((dense - self.dense_mean_) / self.dense_scale_) @ self.w_dense_.T
        z += words @ self.w_words_
        if dom.nnz:   # plain text has no DOM words
            z += dom @ self.w_dom_
        z += self.b_first_
        return np.asarray(z, dtype=np.float64)

    def _second_inputs(self, docs, dense, proba1, logits1) -> np.ndarray:
        ctx, start = [], 0
        for d in docs:
            ctx.append(context_features(d, proba1[start:start + len(d)], self.idf_))
            start += len(d)
        ctx = np.vstack(ctx) if ctx else np.zeros((0, len(CONTEXT_FEATURES)))
        return np.hstack([dense, ctx, logits1]).astype(np.float64)

    def _third_inputs(self, docs, dense, proba2, logits1) -> np.ndarray:
        logit2 = np.log(np.clip(proba2, 1e-6, 1.0))
        return np.hstack([self._second_inputs(docs, dense, proba2, logits1), logit2])

    def _networks(self) -> list[tuple]:
        """Per network pass: (input mean, input scale, [(coefs, intercepts) per network])."""
        nets = [(self.second_mean_, self.second_scale_, self.second_members_)]
        if self.passes >= 3:
            nets.append((self.third_mean_, self.third_scale_, self.third_members_))
        return nets

    # The first network of each pass, under the names of single-network models.
    coefs_ = property(lambda self: self.second_members_[0][0])
    intercepts_ = property(lambda self: self.second_members_[0][1])
    coefs3_ = property(lambda self: self.third_members_[0][0])
    intercepts3_ = property(lambda self: self.third_members_[0][1])

    @staticmethod
    def _network(x: np.ndarray, net: tuple) -> np.ndarray:
        """Average body/title/boilerplate probabilities of a pass's networks.  The layers
        run in float32 (the weights are stored so): about 0.6x the time of float64, and
        the probabilities move by under 1e-6."""
        mean, scale, members = net
        x = ((x - mean) / scale).astype(np.float32)
        proba = None
        for coefs, intercepts in members:
            h = x
            for w, b in zip(coefs[:-1], intercepts[:-1]):
                h = np.maximum(h @ w + b, 0.0)
            p = _softmax((h @ coefs[-1] + intercepts[-1]).astype(np.float64))
            proba = p if proba is None else proba + p
        return proba / len(members)

    def _fit_network(self, x: np.ndarray, y: np.ndarray, w) -> tuple:
        from sklearn.neural_network import MLPClassifier

        mean = x.mean(axis=0)
        std = x.std(axis=0)
        scale = np.where(std > 1e-9, np.maximum(std, self.scale_floor), 1.0)
        members = []
        for k in range(self.n_networks):
            net = MLPClassifier(hidden_layer_sizes=self.hidden, alpha=1e-4, batch_size=512,
                                learning_rate_init=1e-3, max_iter=self.max_iter, early_stopping=True,
                                n_iter_no_change=3, random_state=self.random_state + k)
            net.fit((x - mean) / scale, y, sample_weight=w)
            members.append(([c.astype(np.float32) for c in net.coefs_],
                            [b.astype(np.float32) for b in net.intercepts_]))
        return mean, scale, members

    # ----------------------------------------------------------------- training
    def fit(self, docs: Sequence[Document], labels: Sequence[Sequence[str]],
            groups: Optional[Sequence[str]] = None, sample_weight: Optional[Sequence[float]] = None,
            verbose: bool = False) -> "LineClassifier":
        """Learn from documents and one label per line (``CLASS_OF_LABEL`` keys).

        ``groups`` (e.g. the site of each document) keeps the out-of-fold first-pass
        predictions honest: a site is never predicted by a model that saw it.
        ``sample_weight`` gives one weight per document, applied to each of its lines.
        """
        _check_passes(self.passes)
        if not (isinstance(self.n_networks, int) and self.n_networks >= 1):
            raise ValueError(f"n_networks must be a positive integer, got {self.n_networks!r}")
        if not 0.0 <= self.unseen_language <= 1.0:
            raise ValueError(f"unseen_language must be between 0 and 1, got {self.unseen_language!r}")
        docs, labels = list(docs), list(labels)
        if len(docs) != len(labels):
            raise ValueError(f"{len(docs)} documents but {len(labels)} label lists")
        for k, (d, ls) in enumerate(zip(docs, labels)):
            if len(d) != len(ls):
                raise ValueError(f"document {k} has {len(d)} lines but {len(ls)} labels: one label per line")
        y = np.concatenate([[CLASS_OF_LABEL[l] for l in ls] for ls in labels]).astype(np.int64)
        dense, words, dom = self._first_inputs(docs)
        if len(y) != dense.shape[0]:
            raise ValueError("labels must give exactly one label per line")
        self.dense_mean_ = dense.mean(axis=0)
        self.dense_scale_ = np.where(dense.std(axis=0) > 1e-9, dense.std(axis=0), 1.0)
        df = np.bincount(words.indices, minlength=N_WORD_FEATURES)
        # Rounded as it is saved (float16), so that training sees the IDF the saved model uses.
        self.idf_ = (np.log((1 + words.shape[0]) / (1 + df)) + 1.0).astype(np.float16).astype(np.float32)
        x1 = sparse.hstack([sparse.csr_matrix((dense - self.dense_mean_) / self.dense_scale_),
                            words, dom], format="csr")
        line_doc = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)[line_doc]
        unseen = self._unseen_documents(len(docs))
        try:
            self._fit_passes(docs, y, (dense, words, dom), x1, line_doc, w, groups, unseen, verbose)
        finally:
            for k in np.flatnonzero(unseen):
                docs[k].cache.clear()   # their moved words must not outlive the fit
        return self

    def _fit_passes(self, docs, y, first_inputs, x1, line_doc, w, groups, unseen, verbose) -> None:
        """Fit the first pass on the real words, then the networks on its out-of-fold
        logits and the context features, with the ``unseen`` documents as they would come
        in another language."""
        from sklearn.linear_model import SGDClassifier
        from sklearn.model_selection import GroupKFold

        def first_pass():
            return SGDClassifier(loss="log_loss", alpha=self.alpha, max_iter=8, tol=None,
                                 class_weight=None, random_state=self.random_state, average=True)

        dense, words, dom = first_inputs
        words_seen = self._as_unseen_language(docs, words, unseen, line_doc)
        x1_seen = x1 if words_seen is words else sparse.hstack(
            [x1[:, :dense.shape[1]], words_seen, dom], format="csr")
        oof = np.zeros((len(y), len(CLASSES)))
        if groups is not None and self.n_folds > 1:
            line_groups = np.asarray(groups)[line_doc]
            for k, (tr, te) in enumerate(GroupKFold(self.n_folds).split(x1, y, line_groups)):
                if verbose:
                    print(f"  first pass, fold {k + 1}/{self.n_folds}", flush=True)
                oof[te] = first_pass().fit(x1[tr], y[tr], sample_weight=None if w is None else w[tr]) \
                    .decision_function(x1_seen[te])
        if verbose:
            print("  first pass, all data", flush=True)
        clf = first_pass().fit(x1, y, sample_weight=w)
        nd = dense.shape[1]
        coef = clf.coef_.astype(np.float32)
        self.w_dense_ = coef[:, :nd].astype(np.float64)
        # Hashed-feature weights are stored (n_features, n_classes), ready for X @ W.
        self.w_words_ = np.ascontiguousarray(coef[:, nd:nd + N_WORD_FEATURES].T, dtype=np.float64)
        self.w_dom_ = np.ascontiguousarray(coef[:, nd + N_WORD_FEATURES:].T, dtype=np.float64)
        self.b_first_ = clf.intercept_.astype(np.float64)
        logits1 = oof if groups is not None and self.n_folds > 1 else self._first_logits(dense, words_seen, dom)
        x2 = self._second_inputs(docs, dense, _softmax(logits1.copy()), logits1)
        if verbose:
            print("  second pass", flush=True)
        second = self._fit_network(x2, y, w)
        self.second_mean_, self.second_scale_, self.second_members_ = second
        if self.passes >= 3:
            # In-sample second-pass probabilities: the network sees no word or site
            # identity (the first pass's logits are out-of-fold), so they are close to
            # what it gives on unseen pages.
            if verbose:
                print("  third pass", flush=True)
            x3 = self._third_inputs(docs, dense, self._network(x2, second), logits1)
            del x2
            self.third_mean_, self.third_scale_, self.third_members_ = self._fit_network(x3, y, w)

    def _unseen_documents(self, n_docs: int) -> np.ndarray:
        """Which training documents are shown as in an unseen language (a seeded
        ``unseen_language`` share of them)."""
        return np.random.default_rng(self.random_state).random(n_docs) < self.unseen_language

    def _as_unseen_language(self, docs, words, unseen: np.ndarray, line_doc: np.ndarray):
        """``words`` with the ``unseen`` documents' rows moved to other columns by one
        seeded permutation, and those documents' cached words replaced to match (so their
        context features weigh them by the IDF of other words).  ``words`` itself when
        there are none."""
        if not unseen.any():
            return words
        perm = np.random.default_rng(self.random_state + 1).permutation(N_WORD_FEATURES)
        moved = permute_word_columns(words, perm, rows=unseen[line_doc])
        for k in np.flatnonzero(unseen):
            docs[k].cache.clear()
            docs[k].cache["words"] = moved[int(np.searchsorted(line_doc, k)):int(np.searchsorted(line_doc, k, "right"))]
        return moved

    # ---------------------------------------------------------------- inference
    def predict_proba(self, docs: Sequence[Document]) -> list[np.ndarray]:
        """Per document, an ``(n_lines, 3)`` array of body/title/boilerplate probabilities.

        Documents are featurised together and scored with one call per pass, in batches
        of about ``WINDOW_CHARS`` characters.  A longer document is scored window by
        window (``Document.windows``): its context features (main block, topic) are
        then those of its window, and memory stays bounded for any input size.
        """
        out: list[np.ndarray] = []
        batch: list[Document] = []
        size = 0
        for doc in docs:
            windows = doc.windows(WINDOW_CHARS, WINDOW_LINES)
            if len(windows) > 1:
                out += self._predict_batch(batch)
                batch, size = [], 0
                parts = []
                for window in windows:
                    parts += self._predict_batch([window])
                    window.cache.clear()   # else every window's features stay alive
                out.append(np.vstack(parts))
                continue
            if batch and size + doc.n_chars > WINDOW_CHARS:
                out += self._predict_batch(batch)
                batch, size = [], 0
            batch.append(doc)
            size += doc.n_chars
        return out + self._predict_batch(batch)

    def _predict_batch(self, docs: list[Document]) -> list[np.ndarray]:
        sizes = [len(d) for d in docs]
        if sum(sizes) == 0:
            return [np.zeros((0, len(CLASSES))) for _ in docs]
        # The matrices are small: BLAS threads would only wait on each other (and on
        # the caller's own worker processes), so run them on this thread.
        with _blas_controller().limit(limits=1, user_api="blas"):
            dense, words, dom = self._first_inputs(docs)
            logits1 = self._first_logits(dense, words, dom)
            second, *third = self._networks()
            proba = self._network(self._second_inputs(docs, dense, _softmax(logits1.copy()), logits1), second)
            if third:
                proba = self._network(self._third_inputs(docs, dense, proba, logits1), third[0])
        return np.split(proba, np.cumsum(sizes)[:-1])

    def predict(self, docs: Sequence[Document], threshold: float = 0.5,
                include_title: bool = False) -> list[np.ndarray]:
        """Per document, a boolean array: True for lines to keep."""
        return [keep_lines(proba, threshold, include_title, self.transition) for proba in self.predict_proba(docs)]

    # -------------------------------------------------------------- persistence
    _ARRAYS = ("dense_mean_", "dense_scale_", "idf_", "w_dense_", "b_first_", "second_mean_",
               "second_scale_")

    def save(self, path: str | os.PathLike) -> None:
        """Write the model as compressed arrays and JSON (no pickle)."""
        meta = {"format": FORMAT_VERSION, "classes": CLASSES, "line_features": LINE_FEATURES,
                "context_features": CONTEXT_FEATURES, "n_layers": len(self.coefs_),
                "params": {"alpha": self.alpha, "hidden": list(self.hidden),
                           "transition": self.transition, "n_folds": self.n_folds,
                           "passes": self.passes, "max_iter": self.max_iter,
                           "scale_floor": self.scale_floor, "n_networks": self.n_networks,
                           "unseen_language": self.unseen_language, "random_state": self.random_state}}
        arrays = {name: getattr(self, name) for name in self._ARRAYS}
        arrays["idf_"] = self.idf_.astype(np.float16)
        for name in ("w_words_", "w_dom_"):
            m = sparse.csr_matrix(getattr(self, name).T)
            arrays[name + "data"] = m.data.astype(np.float16)
            arrays[name + "indices"] = m.indices.astype(np.int32)
            arrays[name + "indptr"] = m.indptr.astype(np.int64)
        for k, (mean, scale, members) in enumerate(self._networks()):
            if k:
                arrays["third_mean_"], arrays["third_scale_"] = mean, scale
            for m, (coefs, intercepts) in enumerate(members):
                prefix = _member_prefix(k, m)
                for i, (w, b) in enumerate(zip(coefs, intercepts)):
                    arrays[f"{prefix}coef{i}"] = w.astype(np.float32)
                    arrays[f"{prefix}intercept{i}"] = b.astype(np.float32)
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)

    @classmethod
    def load(cls, path) -> "LineClassifier":
        """Read a model written by :meth:`save`.

        Model files hold only numeric arrays and JSON and are read with
        ``allow_pickle=False``, so a file from an untrusted source cannot execute code;
        it can still make bad predictions, so only use models you have evaluated.
        A file that is not a complete model of this version raises ``ValueError``.
        """
        try:
            model = cls._read(path)
        except (KeyError, EOFError, TypeError, AttributeError, zipfile.BadZipFile, zlib.error) as exc:
            raise ValueError(f"{path}: not a boilerstrip model file ({type(exc).__name__}: {exc})") from exc
        model._check_shapes()
        return model

    def _check_shapes(self) -> None:
        shapes_ok = (
            self.w_dense_.shape == (len(CLASSES), len(LINE_FEATURES))
            and self.dense_mean_.shape == self.dense_scale_.shape == (len(LINE_FEATURES),)
            and self.idf_.shape == (N_WORD_FEATURES,) and self.b_first_.shape == (len(CLASSES),))
        width = len(LINE_FEATURES) + len(CONTEXT_FEATURES) + len(CLASSES)
        for mean, scale, members in self._networks():
            shapes_ok = shapes_ok and mean.shape == scale.shape == (width,) and len(members) >= 1
            for coefs, intercepts in members:
                widths = [width] + [w.shape[1] for w in coefs]
                shapes_ok = shapes_ok and (
                    all(w.ndim == 2 and w.shape[0] == wd for w, wd in zip(coefs, widths))
                    and all(b.shape == (w.shape[1],) for w, b in zip(coefs, intercepts))
                    and widths[-1] == len(CLASSES))
            width += len(CLASSES)  # the third pass also sees the second pass's log-probabilities
        if not shapes_ok:
            raise ValueError("model file arrays have inconsistent shapes")

    @classmethod
    def _read(cls, path) -> "LineClassifier":
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(bytes(z["meta"]).decode())
            if meta.get("format") != FORMAT_VERSION:
                raise ValueError(f"unsupported model format {meta.get('format')!r}")
            if tuple(meta["line_features"]) != tuple(LINE_FEATURES) or \
                    tuple(meta["context_features"]) != tuple(CONTEXT_FEATURES):
                raise ValueError("model was trained with a different feature set")
            params = meta["params"]
            model = cls(alpha=params["alpha"], hidden=tuple(params["hidden"]),
                        transition=params["transition"], n_folds=params["n_folds"],
                        passes=int(params.get("passes", 2)), max_iter=int(params.get("max_iter", 25)),
                        scale_floor=float(params.get("scale_floor", 0.0)),
                        n_networks=int(params.get("n_networks", 1)),
                        unseen_language=float(params.get("unseen_language", 0.0)),
                        random_state=params["random_state"])
            _check_passes(model.passes)
            for name in cls._ARRAYS:
                setattr(model, name, z[name].astype(np.float64))
            model.idf_ = z["idf_"].astype(np.float32)
            for name, width in (("w_words_", N_WORD_FEATURES), ("w_dom_", N_DOM_FEATURES)):
                m = sparse.csr_matrix((z[name + "data"].astype(np.float64), z[name + "indices"],
                                       z[name + "indptr"]), shape=(len(CLASSES), width))
                setattr(model, name, np.ascontiguousarray(m.toarray().T))
            layers = range(meta["n_layers"])

            def members(k: int) -> list:
                return [([z[f"{_member_prefix(k, m)}coef{i}"].astype(np.float32) for i in layers],
                         [z[f"{_member_prefix(k, m)}intercept{i}"].astype(np.float32) for i in layers])
                        for m in range(model.n_networks)]
            model.second_members_ = members(0)
            if model.passes >= 3:
                model.third_mean_ = z["third_mean_"].astype(np.float64)
                model.third_scale_ = z["third_scale_"].astype(np.float64)
                model.third_members_ = members(1)
        return model

    @classmethod
    def load_default(cls) -> "LineClassifier":
        """The model shipped inside the package."""
        ref = resources.files("boilerstrip") / "models" / "default.npz"
        with resources.as_file(ref) as path:
            if not os.path.exists(path):
                raise FileNotFoundError(
                    f"the shipped model is missing ({path}); train it with `python -m boilerstrip.train`")
            return cls.load(path)
