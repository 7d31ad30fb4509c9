"""Many documents at once: batched model calls, optionally in joblib worker processes.

Featurising a batch of documents and scoring them with one matrix product per pass is
cheaper than one call per document; ``n_jobs`` spreads batches over processes, each of
which loads the model once.  The command line's ``-j`` uses this module too.

>>> from boilerstrip.batch import clean_many
>>> list(clean_many(["", "  "]))
['', '']
"""

from __future__ import annotations

from itertools import islice
from typing import Iterable, Iterator, Optional

from .api import Line, classify_documents, default_model, text_of, to_document
from .model import LineClassifier
from .text import TextInput

__all__ = ["classify_many", "clean_many"]


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _classify_batch(texts: list, threshold: float, include_title: bool, html: Optional[bool],
                    model: Optional[LineClassifier]) -> list[list[Line]]:
    docs = [to_document(t, html) for t in texts]
    nonempty = [k for k, (_, lines) in enumerate(docs) if lines]
    results: list[list[Line]] = [[] for _ in docs]
    if not nonempty:
        return results
    model = model or default_model()
    for k, lines in zip(nonempty, classify_documents([docs[k] for k in nonempty], model,
                                                     threshold, include_title)):
        results[k] = lines
    return results


def classify_many(texts: Iterable[TextInput], *, n_jobs: int = 1, batch_size: int = 32,
                  threshold: float = 0.5, include_title: bool = False, html: Optional[bool] = None,
                  model: Optional[LineClassifier] = None) -> Iterator[list[Line]]:
    """Like :func:`boilerstrip.classify` for each text, lazily and in input order.

    ``n_jobs`` > 1 (or -1 for all cores) runs batches in joblib worker processes.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    batches = _batches(texts, batch_size)
    if n_jobs == 1:
        for batch in batches:
            yield from _classify_batch(batch, threshold, include_title, html, model)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    for result in parallel(delayed(_classify_batch)(b, threshold, include_title, html, model)
                           for b in batches):
        yield from result


def clean_many(texts: Iterable[TextInput], *, n_jobs: int = 1, batch_size: int = 32,
               threshold: float = 0.5, include_title: bool = False, html: Optional[bool] = None,
               model: Optional[LineClassifier] = None) -> Iterator[str]:
    """Like :func:`boilerstrip.clean` for each text, lazily and in input order."""
    for lines in classify_many(texts, n_jobs=n_jobs, batch_size=batch_size, threshold=threshold,
                               include_title=include_title, html=html, model=model):
        yield text_of(lines)
