"""Stage 3: features to probabilities — the fitted model that :func:`boilerstrip.clean`
runs, on numpy alone.

A :class:`LineModel` holds what training learned, as plain arrays:

1. the *first pass*, a linear model over line shape, hashed words and hashed structure
   words;
2. two *network passes*, each an average of small ReLU networks over the line shape,
   the document context (:mod:`boilerstrip.features.context`) computed from the
   previous pass's probabilities, and the earlier passes' outputs.

It is made by :class:`boilerstrip.estimator.LineClassifier` (scikit-learn, training
only) and saved as compressed arrays plus a JSON *model card* (format, feature schema,
commit, corpus, library versions, training settings, metrics), read back with
``allow_pickle=False``: loading a model file can never run code.  A model whose
feature schema is not the code's is refused with :class:`ModelMismatchError`.

>>> from boilerstrip.model import LineModel
>>> model = LineModel.load_default()
>>> model.card["schema"] == SCHEMA
True
"""

from __future__ import annotations

import contextlib
import json
import os
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, Iterator, Optional, Sequence

import numpy as np

from .features import (
    CONTEXT_FEATURES,
    LINE_FEATURES,
    N_STRUCTURE_FEATURES,
    N_WORD_FEATURES,
    SCHEMA,
    Document,
    Rows,
    context_features,
    line_features,
    structure_features,
    word_features,
)

__all__ = ["LineModel", "FirstPass", "NetworkPass", "ModelMismatchError", "CLASSES", "CLASS_OF_LABEL",
           "FORMAT_VERSION", "softmax"]

#: The classes the model predicts, in the order of its probability columns.
CLASSES = ("body", "title", "boilerplate")
#: The corpus labels (finer than the classes) and the class each one folds into.
CLASS_OF_LABEL = {"body": 0, "title": 1, "boilerplate": 2, "supplemental": 2, "related": 2, "comments": 2}
#: Version of the file layout (2: model card and feature schema recorded).
FORMAT_VERSION = 2
# Scoring works on a batch of documents at once, with memory proportional to its size:
# batches are cut at about WINDOW_CHARS characters, and a longer document is scored in
# consecutive windows of lines of its own (over three times the largest training
# document, so ordinary pages never are).
WINDOW_CHARS = 500_000
WINDOW_LINES = 20_000


class ModelMismatchError(ValueError):
    """The model file was made for other features (another schema) or another format."""


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax, in place."""
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def _single_threaded_blas() -> Any:
    """The matrices are small: BLAS threads would only wait on each other (and on the
    caller's own worker processes), so they run on the calling thread when threadpoolctl
    is installed (it comes with scikit-learn); otherwise BLAS keeps its own setting."""
    controller = _blas_controller()
    return contextlib.nullcontext() if controller is None else controller.limit(limits=1, user_api="blas")


@lru_cache(maxsize=1)
def _blas_controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries, found once per process: finding
    them reads the process's memory map, which cost about 0.1 ms a call (1-2 % of a page)."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


@dataclass
class FirstPass:
    """The linear first pass: standardised line shape, hashed words and hashed
    structure words to three logits."""

    dense_mean: np.ndarray       # (n_line_features,)
    dense_scale: np.ndarray      # (n_line_features,)
    w_dense: np.ndarray          # (3, n_line_features)
    w_words: np.ndarray          # (N_WORD_FEATURES, 3)
    w_structure: np.ndarray      # (N_STRUCTURE_FEATURES, 3)
    bias: np.ndarray             # (3,)

    def logits(self, dense: np.ndarray, words: Rows, structure: Rows) -> np.ndarray:
        z = ((dense - self.dense_mean) / self.dense_scale) @ self.w_dense.T
        z += words.dot(self.w_words)
        if structure.nnz:   # plain text has no structure words
            z += structure.dot(self.w_structure)
        z += self.bias
        return np.asarray(z, dtype=np.float64)


@dataclass
class NetworkPass:
    """One network pass: input standardisation and the member networks' layers
    (``(weights, biases)`` per member), whose probabilities are averaged."""

    mean: np.ndarray
    scale: np.ndarray
    members: list[tuple[list[np.ndarray], list[np.ndarray]]]

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Average body/title/boilerplate probabilities of the members.  The layers run in
        float32 (the weights are stored so): about 0.6x the time of float64, and the
        probabilities move by under 1e-6."""
        x = ((x - self.mean) / self.scale).astype(np.float32)
        proba = np.zeros((len(x), len(CLASSES)))
        for coefs, intercepts in self.members:
            h = x
            for w, b in zip(coefs[:-1], intercepts[:-1]):
                h = np.maximum(h @ w + b, 0.0)
            proba += softmax((h @ coefs[-1] + intercepts[-1]).astype(np.float64))
        return proba / len(self.members)


def first_inputs(docs: Sequence[Document]) -> tuple[np.ndarray, Rows, Rows]:
    """The first pass's inputs of documents, stacked: line shape, words, structure words."""
    if len(docs) == 1:   # clean() on one text: no stacking
        d = docs[0]
        return line_features(d), word_features(d), structure_features(d.structure, len(d))
    dense = np.vstack([line_features(d) for d in docs]) if docs else np.zeros((0, len(LINE_FEATURES)))
    words = Rows.vstack([word_features(d) for d in docs], N_WORD_FEATURES)
    structure = Rows.vstack([structure_features(d.structure, len(d)) for d in docs], N_STRUCTURE_FEATURES)
    return dense, words, structure


def network_inputs(docs: Sequence[Document], dense: np.ndarray, proba: np.ndarray, logits1: np.ndarray,
                   idf: np.ndarray, previous: Optional[np.ndarray] = None) -> np.ndarray:
    """A network pass's inputs: line shape, the context from ``proba`` (the previous
    pass's probabilities), the first pass's logits and, after the first network pass,
    its log-probabilities (``previous``)."""
    ctx, start = [], 0
    for d in docs:
        ctx.append(context_features(d, proba[start:start + len(d)], idf))
        start += len(d)
    context = np.vstack(ctx) if ctx else np.zeros((0, len(CONTEXT_FEATURES)))
    parts = [dense, context, logits1]
    if previous is not None:
        parts.append(np.log(np.clip(previous, 1e-6, 1.0)))
    return np.hstack(parts).astype(np.float64)


@dataclass
class LineModel:
    """A fitted boilerstrip model: per line of each document, the probabilities of body,
    title and boilerplate, and the decoding cost (``transition``) chosen with it.

    ``card`` records what made the model (see :mod:`boilerstrip.train`); ``params``
    the estimator parameters it was fitted with.
    """

    first: FirstPass
    idf: np.ndarray
    networks: list[NetworkPass]
    transition: float
    params: dict = field(default_factory=dict)
    card: dict = field(default_factory=dict)

    # ---------------------------------------------------------------- inference
    def predict_proba(self, docs: Sequence[Document]) -> list[np.ndarray]:
        """Per document, an ``(n_lines, 3)`` array of body/title/boilerplate probabilities.

        Documents are featurised together and scored with one call per pass, in batches
        of about ``WINDOW_CHARS`` characters.  A longer document is scored window by
        window: its context features (main block, topic) are then those of its window,
        and memory stays bounded for any input size.
        """
        out: list[np.ndarray] = []
        for batch in _batches(docs):
            bounds = batch[0].window_bounds(WINDOW_CHARS, WINDOW_LINES) if len(batch) == 1 else []
            if len(bounds) > 1:
                out.append(np.vstack([self._predict_batch([batch[0].window(lo, hi)])[0] for lo, hi in bounds]))
            else:
                out += self._predict_batch(batch)
        return out

    def _predict_batch(self, docs: list[Document]) -> list[np.ndarray]:
        sizes = [len(d) for d in docs]
        if sum(sizes) == 0:
            return [np.zeros((0, len(CLASSES))) for _ in docs]
        with _single_threaded_blas():
            dense, words, structure = first_inputs(docs)
            logits1 = self.first.logits(dense, words, structure)
            proba = softmax(logits1.copy())
            previous = None
            # The networks run a document at a time: a float32 product's rounding depends on
            # the matrix's height, and a context feature (a rank) can turn that noise into a
            # different line order, so one document's scores would depend on its batch.
            spans = np.cumsum([0] + sizes)
            for net in self.networks:
                x = network_inputs(docs, dense, proba, logits1, self.idf, previous)
                proba = np.vstack([net.predict_proba(x[a:b]) for a, b in zip(spans[:-1], spans[1:])])
                previous = proba
        return np.split(proba, spans[1:-1])

    # -------------------------------------------------------------- persistence
    def save(self, path: str | os.PathLike) -> None:
        """Write the model as compressed arrays and JSON (no pickle)."""
        meta = {"format": FORMAT_VERSION, "schema": SCHEMA, "classes": list(CLASSES),
                "line_features": list(LINE_FEATURES), "context_features": list(CONTEXT_FEATURES),
                "transition": self.transition, "params": self.params, "card": self.card,
                "networks": [[len(coefs) for coefs, _ in net.members] for net in self.networks]}
        f = self.first
        arrays: dict[str, np.ndarray] = {"dense_mean": f.dense_mean, "dense_scale": f.dense_scale,
                                         "w_dense": f.w_dense, "bias": f.bias, "idf": self.idf.astype(np.float16)}
        for name, w in (("w_words", f.w_words), ("w_structure", f.w_structure)):
            cls_row, col = np.nonzero(w.T)
            arrays[name + "_data"] = w.T[cls_row, col].astype(np.float16)
            arrays[name + "_indices"] = col.astype(np.int32)
            arrays[name + "_indptr"] = np.searchsorted(cls_row, np.arange(len(CLASSES) + 1)).astype(np.int64)
        for k, net in enumerate(self.networks):
            arrays[f"net{k}_mean"], arrays[f"net{k}_scale"] = net.mean, net.scale
            for m, (coefs, intercepts) in enumerate(net.members):
                for i, (w, b) in enumerate(zip(coefs, intercepts)):
                    arrays[f"net{k}_member{m}_coef{i}"] = w.astype(np.float32)
                    arrays[f"net{k}_member{m}_intercept{i}"] = b.astype(np.float32)
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        with open(path, "wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: str | os.PathLike) -> "LineModel":
        """Read a model written by :meth:`save`.

        Model files hold only numeric arrays and JSON and are read with
        ``allow_pickle=False``, so a file from an untrusted source cannot execute code;
        it can still make bad predictions, so only use models you have evaluated.  A
        model of another format or feature schema raises :class:`ModelMismatchError`;
        a file that is not a complete model raises ``ValueError``.
        """
        try:
            with np.load(path, allow_pickle=False) as z:
                model = cls._read(z, path)
        except (ModelMismatchError, FileNotFoundError):
            raise
        except (KeyError, EOFError, TypeError, AttributeError, ValueError, IndexError, OSError, zipfile.BadZipFile,
                zlib.error, json.JSONDecodeError, UnicodeDecodeError) as exc:
            # numpy's own messages about pickled data would advise unpickling an unknown file.
            detail = "it is not a numpy archive of plain arrays" if "pickle" in str(exc) else \
                f"{type(exc).__name__}: {exc}"
            raise ValueError(f"{path}: not a boilerstrip model file ({detail})") from exc
        model._check_shapes()
        return model

    @classmethod
    def _read(cls, z: Any, path: Any) -> "LineModel":
        meta = json.loads(bytes(z["meta"]).decode())
        if meta.get("format") != FORMAT_VERSION:
            raise ModelMismatchError(
                f"{path}: model file format {meta.get('format')!r}, this boilerstrip reads format "
                f"{FORMAT_VERSION}; retrain it with `python -m boilerstrip.train` or use a matching version")
        if meta.get("schema") != SCHEMA:
            raise ModelMismatchError(
                f"{path}: model trained for feature schema {meta.get('schema')!r}, but this code computes "
                f"schema {SCHEMA!r}; retrain it with `python -m boilerstrip.train`")

        def weights(name: str, width: int) -> np.ndarray:
            indptr, indices = z[name + "_indptr"], z[name + "_indices"]
            if indptr.shape != (len(CLASSES) + 1,) or indptr[0] != 0 or np.any(np.diff(indptr) < 0) \
                    or indptr[-1] != len(indices) or len(z[name + "_data"]) != len(indices) \
                    or (len(indices) and (indices.min() < 0 or indices.max() >= width)):
                raise ValueError(f"inconsistent sparse arrays {name}")
            dense = np.zeros((len(CLASSES), width))
            for c in range(len(CLASSES)):
                a, b = int(indptr[c]), int(indptr[c + 1])
                dense[c, z[name + "_indices"][a:b]] = z[name + "_data"][a:b]
            return np.ascontiguousarray(dense.T)

        first = FirstPass(z["dense_mean"].astype(np.float64), z["dense_scale"].astype(np.float64),
                          z["w_dense"].astype(np.float64), weights("w_words", N_WORD_FEATURES),
                          weights("w_structure", N_STRUCTURE_FEATURES), z["bias"].astype(np.float64))
        networks = []
        for k, layers in enumerate(meta["networks"]):
            members = [([z[f"net{k}_member{m}_coef{i}"].astype(np.float32) for i in range(n)],
                        [z[f"net{k}_member{m}_intercept{i}"].astype(np.float32) for i in range(n)])
                       for m, n in enumerate(layers)]
            networks.append(NetworkPass(z[f"net{k}_mean"].astype(np.float64), z[f"net{k}_scale"].astype(np.float64),
                                        members))
        params = dict(meta.get("params", {}))
        if isinstance(params.get("hidden"), list):   # JSON has no tuples
            params["hidden"] = tuple(params["hidden"])
        return cls(first, z["idf"].astype(np.float32), networks, float(meta["transition"]), params,
                   dict(meta.get("card", {})))

    def _check_shapes(self) -> None:
        f = self.first
        ok = (f.w_dense.shape == (len(CLASSES), len(LINE_FEATURES))
              and f.dense_mean.shape == f.dense_scale.shape == (len(LINE_FEATURES),)
              and self.idf.shape == (N_WORD_FEATURES,) and f.bias.shape == (len(CLASSES),)
              and len(self.networks) >= 1)
        base = len(LINE_FEATURES) + len(CONTEXT_FEATURES) + len(CLASSES)
        for k, net in enumerate(self.networks):
            width = base if k == 0 else base + len(CLASSES)   # later: + the log-probabilities before
            ok = ok and net.mean.shape == net.scale.shape == (width,) and len(net.members) >= 1
            for coefs, intercepts in net.members:
                widths = [width] + [w.shape[1] for w in coefs]
                ok = ok and (all(w.ndim == 2 and w.shape[0] == wd for w, wd in zip(coefs, widths))
                             and all(b.shape == (w.shape[1],) for w, b in zip(coefs, intercepts))
                             and widths[-1] == len(CLASSES))
        if not ok:
            raise ValueError("model file arrays have inconsistent shapes")

    @classmethod
    def load_default(cls) -> "LineModel":
        """The model shipped inside the package."""
        ref = resources.files("boilerstrip") / "models" / "default.npz"
        with resources.as_file(ref) as path:
            if not os.path.exists(path):
                raise FileNotFoundError(
                    f"the shipped model is missing ({path}); train it with `python -m boilerstrip.train --install`")
            return cls.load(path)


def _batches(docs: Sequence[Document]) -> Iterator[list[Document]]:
    """Documents in batches of about ``WINDOW_CHARS`` characters; a document that needs
    windows of its own comes alone."""
    batch: list[Document] = []
    size = 0
    for doc in docs:
        n = doc.n_chars
        alone = n > WINDOW_CHARS or len(doc) > WINDOW_LINES
        if batch and (alone or size + n > WINDOW_CHARS):
            yield batch
            batch, size = [], 0
        batch.append(doc)
        size += n
        if alone:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
