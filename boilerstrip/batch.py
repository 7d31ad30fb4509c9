"""Many documents at once: batched model calls, optionally in joblib worker processes.

Featurising a batch of documents and scoring them with one matrix product per pass is
cheaper than one call per document; ``n_jobs`` spreads batches over processes, each of
which loads the model once.  The command line's ``-j`` and the Dask helpers use this
module too.

>>> from boilerstrip.batch import clean_many
>>> list(clean_many(["", "  "]))
['', '']
"""

from __future__ import annotations

import math
import time
from itertools import chain, islice
from typing import Any, Iterable, Iterator, Optional, Union

from .pipeline import Formatted, Line, ModelArg, Options, label_batch
from .text import TextInput

__all__ = ["classify_many", "clean_many", "label_many"]


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def label_many(texts: Iterable[Union[TextInput, Formatted]], options: Options, as_text: bool, n_jobs: int = 1,
               batch_size: int = 32) -> Iterator[Any]:
    """:func:`~boilerstrip.pipeline.label_batch` over batches of ``texts``, lazily and in
    input order, in ``n_jobs`` joblib worker processes (-1: all cores) when not 1.  The
    arguments are checked at once, before the first result is asked for."""
    if isinstance(texts, (str, bytes, bytearray, memoryview)):
        raise TypeError("texts must be an iterable of documents, not a single "
                        f"{type(texts).__name__}: wrap one document in a list")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive integer or -1, got {n_jobs!r}")
    return _label_batches(_batches(texts, batch_size), options, as_text, n_jobs)


# A pool of worker processes costs about this long to start and load the model (0.75 s
# measured on the 2-core machine): work shorter than a few of these is done in-process.
_POOL_STARTUP = 1.0
_WARMUP = 0.5        # seconds of in-process work that measure how long a batch takes


def _label_batches(batches: Iterator[list[Any]], options: Options, as_text: bool, n_jobs: int) -> Iterator[Any]:
    if n_jobs == 1:
        for batch in batches:
            yield from label_batch(batch, options, as_text)
        return
    # Workers pay off only when enough work is left: batches are labelled here until
    # their cost is known, then the batches that ``_POOL_STARTUP`` would take three
    # times over are read ahead; only if there are that many does a pool start.  So
    # ``n_jobs`` never makes a small job slower than one process.
    start = time.perf_counter()
    done = 0
    for batch in batches:
        yield from label_batch(batch, options, as_text)
        done += 1
        if time.perf_counter() - start >= _WARMUP:
            break
    else:
        return
    per_batch = (time.perf_counter() - start) / done
    need = max(1, math.ceil(3 * _POOL_STARTUP / per_batch))
    ahead = list(islice(batches, need))
    if len(ahead) < need:
        for batch in ahead:
            yield from label_batch(batch, options, as_text)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    for result in parallel(delayed(label_batch)(b, options, as_text) for b in chain(ahead, batches)):
        yield from result


def classify_many(texts: Iterable[TextInput], *, n_jobs: int = 1, batch_size: int = 32,
                  threshold: float = 0.5, include_title: bool = False, format: str = "auto",
                  html: Optional[bool] = None, model: ModelArg = None, mode: str = "page") -> Iterator[list[Line]]:
    """Like :func:`boilerstrip.classify` for each text, lazily and in input order.

    ``n_jobs`` > 1 (or -1 for all cores) runs batches of ``batch_size`` texts in joblib
    worker processes.
    """
    return label_many(texts, Options.of(threshold, include_title, format, html, model, mode), False, n_jobs, batch_size)


def clean_many(texts: Iterable[TextInput], *, n_jobs: int = 1, batch_size: int = 32,
               threshold: float = 0.5, include_title: bool = False, format: str = "auto",
               html: Optional[bool] = None, model: ModelArg = None, mode: str = "page") -> Iterator[str]:
    """Like :func:`boilerstrip.clean` for each text, lazily and in input order; the
    same output as ``[clean(t) for t in texts]``.

    >>> list(clean_many(["Home\\nNews", ""], format="text"))
    ['', '']
    """
    return label_many(texts, Options.of(threshold, include_title, format, html, model, mode), True, n_jobs, batch_size)
