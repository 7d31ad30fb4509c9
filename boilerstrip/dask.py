"""Dask integration: clean a ``dask.bag.Bag`` of texts or a text column of a
``dask.dataframe.DataFrame``, on a local machine or on a multi-machine cluster.

Dask is optional (``pip install "boilerstrip[dask]"``): this module imports it only
when one of its functions is called, and the rest of the package never imports this
module.

Each partition is cleaned with :func:`boilerstrip.batch.clean_many` (batched model
calls) in the worker that holds it.  With ``model=None`` each worker process loads the
shipped model once and reuses it for every partition it runs; ``model`` may also be a
path to a model file (loaded once per worker process) or a ``LineClassifier`` (sent to
each worker once, as one object in the task graph).

Cross-document evidence (``group_by``) works within a partition: documents of one group
must be consecutive *and in the same partition*.  For a DataFrame, ``group_by`` names a
column; ``df.set_index("site")`` or ``df.shuffle("site")`` followed by a per-partition
sort puts each site's pages together.  For a Bag it is a callable ``item -> key``.

>>> import dask.bag as db                                         # doctest: +SKIP
>>> from boilerstrip.dask import clean_bag
>>> clean_bag(db.from_sequence(texts, npartitions=8)).compute()   # doctest: +SKIP
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable, Hashable, Optional, Union

if TYPE_CHECKING:  # pragma: no cover
    import dask.bag
    import dask.dataframe

    from .model import LineClassifier

__all__ = ["clean_bag", "clean_dataframe", "clean_partition"]

ModelArg = Union[None, str, "os.PathLike[str]", "LineClassifier"]


@lru_cache(maxsize=4)
def _load(path: str):
    from .model import LineClassifier

    return LineClassifier.load(path)


def _resolve(model: Any):
    if model is None:
        return None  # clean_many falls back to the per-process default model
    if isinstance(model, (str, os.PathLike)):
        return _load(os.fspath(model))
    return model


def _check(kwargs: dict) -> None:
    if "n_jobs" in kwargs:
        raise TypeError("n_jobs is not used with Dask: the cluster's workers provide the parallelism")


def clean_partition(texts, *, group_by: Optional[Callable[[Any], Optional[Hashable]]] = None,
                    model: ModelArg = None, **kwargs) -> list[str]:
    """Clean one partition (an iterable of texts) in this process; a list of strings."""
    from .batch import clean_many

    return list(clean_many(texts, n_jobs=1, group_by=group_by, model=_resolve(model), **kwargs))


def _model_arg(model: ModelArg):
    """A ``LineClassifier`` instance goes into the graph once, as a delayed object."""
    if model is None or isinstance(model, (str, os.PathLike)):
        return model
    from dask import delayed

    return delayed(model, traverse=False)


def clean_bag(bag: "dask.bag.Bag", *, group_by: Optional[Callable[[Any], Optional[Hashable]]] = None,
              model: ModelArg = None, **kwargs) -> "dask.bag.Bag":
    """A Bag of cleaned texts, one per input text (``str`` or ``bytes``), same order.

    ``kwargs`` are :func:`boilerstrip.clean_many`'s (``batch_size``, ``threshold``,
    ``include_title``, ``html``, ``group_shift`` ...), except ``n_jobs``.
    """
    _check(kwargs)
    return bag.map_partitions(clean_partition, group_by=group_by, model=_model_arg(model), **kwargs)


def _clean_frame(part, column: str, out_column: str, group_by: Optional[str], dtype, model, kwargs):
    import pandas as pd

    keys = part[group_by].tolist() if group_by is not None else None
    texts = [t if isinstance(t, (str, bytes)) else "" for t in part[column].tolist()]
    cleaned = clean_partition(texts, group_by=keys, model=model, **kwargs)
    return part.assign(**{out_column: pd.Series(cleaned, index=part.index, dtype=dtype)})


def clean_dataframe(df: "dask.dataframe.DataFrame", column: str = "text", out_column: str = "clean", *,
                    group_by: Optional[str] = None, model: ModelArg = None,
                    **kwargs) -> "dask.dataframe.DataFrame":
    """``df`` with a new (or replaced) column ``out_column``: the cleaned ``column``.

    Missing values (NaN/None) clean to ``""``.  ``group_by`` names a column holding
    each row's group key (e.g. the site); rows of a group must be consecutive within a
    partition.  ``kwargs`` as for :func:`clean_bag`.
    """
    import pandas as pd

    _check(kwargs)
    if column not in df.columns:
        raise KeyError(f"no column {column!r}")
    if group_by is not None and group_by not in df.columns:
        raise KeyError(f"no group_by column {group_by!r}")
    in_dtype = df._meta[column].dtype
    dtype = in_dtype if pd.api.types.is_string_dtype(in_dtype) and in_dtype != object else object
    meta = df._meta.assign(**{out_column: pd.Series([], dtype=dtype, index=df._meta.index)})
    return df.map_partitions(_clean_frame, column, out_column, group_by, dtype, _model_arg(model),
                             kwargs, meta=meta)
