"""Many documents at once: batched model calls, optionally in joblib worker processes,
optionally with cross-document evidence from pages of the same site.

Featurising a batch of documents and scoring them with one matrix product per pass is
cheaper than one call per document; ``n_jobs`` spreads batches over processes, each of
which loads the model once.  The command line's ``-j`` uses this module too.

Grouping (``group_by``): consecutive documents with the same key form a group, as with
:func:`itertools.groupby`.  Within a group of two or more documents, lines that recur
across its documents are demoted towards boilerplate before decoding (see
:mod:`boilerstrip.crossdoc`).  Groups must be contiguous to keep the output streaming:
a group is complete as soon as the next key differs, so only the current group and the
current batch are held in memory.  Sort or cluster the input by key first (e.g. by
site); a key that comes back later starts a new, separate group.  Runs longer than
``max_group`` documents are split into groups of at most that many.

>>> from boilerstrip.batch import clean_many
>>> list(clean_many(["", "  "]))
['', '']
"""

from __future__ import annotations

from itertools import islice
from typing import Any, Callable, Hashable, Iterable, Iterator, Optional, Union

from .api import Line, decide, decide_text, default_model, to_document
from .crossdoc import DEFAULT_MIN_SHARE, DEFAULT_SHIFT, demote_groups
from .model import LineClassifier
from .text import TextInput

__all__ = ["classify_many", "clean_many", "GroupBy"]

#: ``None``, a callable ``text -> key``, or an iterable of keys parallel to the texts.
GroupBy = Union[None, Callable[[Any], Optional[Hashable]], Iterable[Optional[Hashable]]]

_MISSING = object()


def _batches(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


def _label_batch(texts: list, as_text: bool, threshold: float, include_title: bool, html: Optional[bool],
                 model: Optional[LineClassifier], groups: Optional[list[int]] = None,
                 shift: float = DEFAULT_SHIFT, min_share: float = DEFAULT_MIN_SHARE) -> list:
    """Classify a batch with one model call per pass: a list of :class:`Line` per text,
    or with ``as_text`` the cleaned text itself (no ``Line`` objects to build or to send
    back from a worker).  With ``groups`` (a group number per text), lines recurring
    across a group's documents are demoted by ``shift`` nats before decoding."""
    docs = [to_document(t, html) for t in texts]
    nonempty = [k for k, (_, lines) in enumerate(docs) if lines]
    results: list = ["" if as_text else [] for _ in docs]
    if not nonempty:
        return results
    model = model or default_model()
    proba = dict(zip(nonempty, model.predict_proba([docs[k][0] for k in nonempty])))
    if groups is not None:
        proba = demote_groups(proba, [doc.lines for doc, _ in docs], groups, shift, min_share)
    for k in nonempty:
        results[k] = (decide_text if as_text else decide)(docs[k][1], proba[k], threshold, include_title,
                                                          model.transition, docs[k][0].runs)
    return results


def _keyed(texts: Iterable, group_by: GroupBy) -> Iterator[tuple[Any, Any]]:
    """``(key, text)`` pairs; a parallel key iterable must have the texts' length."""
    if callable(group_by):
        for text in texts:
            yield group_by(text), text
        return
    if isinstance(group_by, (str, bytes)):
        raise TypeError("group_by must be None, a callable or a sequence of keys, not a string")
    keys = iter(group_by)
    for text in texts:
        key = next(keys, _MISSING)
        if key is _MISSING:
            raise ValueError("group_by has fewer keys than there are texts")
        yield key, text
    if next(keys, _MISSING) is not _MISSING:
        raise ValueError("group_by has more keys than there are texts")


def _runs(pairs: Iterator[tuple[Any, Any]], max_group: int) -> Iterator[list]:
    """Lists of texts with equal consecutive keys (``None`` keys: one text per run)."""
    run: list = []
    run_key: Any = _MISSING
    for key, text in pairs:
        if run and (key is None or run_key is None or key != run_key or len(run) >= max_group):
            yield run
            run = []
        run_key = key
        run.append(text)
    if run:
        yield run


def _group_batches(runs: Iterator[list], size: int) -> Iterator[tuple[list, list[int]]]:
    """Whole groups packed into batches of about ``size`` texts (a larger group is a batch
    of its own), as ``(texts, group number of each text)``."""
    texts: list = []
    groups: list[int] = []
    for run in runs:
        if texts and len(texts) + len(run) > size:
            yield texts, groups
            texts, groups = [], []
        gid = groups[-1] + 1 if groups else 0
        texts.extend(run)
        groups.extend([gid] * len(run))
    if texts:
        yield texts, groups


def classify_many(texts: Iterable[TextInput], *, n_jobs: int = 1, batch_size: int = 32,
                  threshold: float = 0.5, include_title: bool = False, html: Optional[bool] = None,
                  model: Optional[LineClassifier] = None, group_by: GroupBy = None,
                  group_shift: float = DEFAULT_SHIFT, group_min_share: float = DEFAULT_MIN_SHARE,
                  max_group: int = 256) -> Iterator[list[Line]]:
    """Like :func:`boilerstrip.classify` for each text, lazily and in input order.

    ``n_jobs`` > 1 (or -1 for all cores) runs batches in joblib worker processes.

    ``group_by`` turns on cross-document evidence: ``None`` (off), a callable applied
    to each text returning its group key, or an iterable of keys parallel to ``texts``
    (consumed in step with them, so a generator works).  Consecutive equal keys form a
    group; a ``None`` key is a group of its own.  In a group, a line whose normalised
    text occurs in at least 2 distinct documents and in at least ``group_min_share`` of
    them has its body and title log-odds lowered by ``group_shift`` nats.  Groups are
    never split across batches (a group larger than ``batch_size`` is one batch); runs
    of more than ``max_group`` documents are split into groups of ``max_group``.
    """
    return _label_many(texts, False, n_jobs, batch_size, threshold, include_title, html, model,
                       group_by, group_shift, group_min_share, max_group)


def clean_many(texts: Iterable[TextInput], *, n_jobs: int = 1, batch_size: int = 32,
               threshold: float = 0.5, include_title: bool = False, html: Optional[bool] = None,
               model: Optional[LineClassifier] = None, group_by: GroupBy = None,
               group_shift: float = DEFAULT_SHIFT, group_min_share: float = DEFAULT_MIN_SHARE,
               max_group: int = 256) -> Iterator[str]:
    """Like :func:`boilerstrip.clean` for each text, lazily and in input order.

    Keyword arguments as for :func:`classify_many`, including ``group_by`` for
    cross-document evidence (pages of one site, contiguous in the input):

    >>> pages = ["<html>...</html>", "<html>...</html>"]              # doctest: +SKIP
    >>> sites = ["example.com", "example.com"]                          # doctest: +SKIP
    >>> list(clean_many(pages, group_by=sites))                         # doctest: +SKIP
    """
    return _label_many(texts, True, n_jobs, batch_size, threshold, include_title, html, model,
                       group_by, group_shift, group_min_share, max_group)


def _label_many(texts: Iterable[TextInput], as_text: bool, n_jobs: int, batch_size: int, threshold: float,
                include_title: bool, html: Optional[bool], model: Optional[LineClassifier], group_by: GroupBy,
                group_shift: float, group_min_share: float, max_group: int) -> Iterator:
    """What classify_many (``as_text=False``) and clean_many (``as_text=True``) yield."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if group_by is None:
        jobs = ((b, as_text, threshold, include_title, html, model) for b in _batches(texts, batch_size))
    else:
        if max_group < 1:
            raise ValueError("max_group must be at least 1")
        if not 0.0 <= group_min_share <= 1.0:
            raise ValueError("group_min_share must be between 0 and 1")
        batches = _group_batches(_runs(_keyed(texts, group_by), max_group), batch_size)
        jobs = ((b, as_text, threshold, include_title, html, model, g, group_shift, group_min_share)
                for b, g in batches)
    if n_jobs == 1:
        for args in jobs:
            yield from _label_batch(*args)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=n_jobs, return_as="generator")
    for result in parallel(delayed(_label_batch)(*args) for args in jobs):
        yield from result
