"""Dask integration: clean a ``dask.bag.Bag`` of texts or a text column of a
``dask.dataframe.DataFrame``, on a local machine or on a multi-machine cluster.

Dask is optional (``pip install "boilerstrip[dask]"``): this module imports it only
when one of its functions is called, and the rest of the package never imports this
module.

Each partition is cleaned with :func:`boilerstrip.batch.clean_many` (batched model
calls) in the worker that holds it.  With ``model=None`` each worker process loads the
shipped model once and reuses it for every partition it runs; ``model`` may also be a
path to a model file (loaded once per worker process) or a loaded ``LineModel`` (sent
to each worker once, as one object in the task graph).

>>> import dask.bag as db                                         # doctest: +SKIP
>>> from boilerstrip.dask import clean_bag
>>> clean_bag(db.from_sequence(texts, npartitions=8)).compute()   # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Iterable

from .pipeline import ModelArg

if TYPE_CHECKING:  # pragma: no cover
    import dask.bag
    import dask.dataframe

__all__ = ["clean_bag", "clean_dataframe", "clean_partition"]


def _check(kwargs: dict) -> None:
    if "n_jobs" in kwargs:
        raise TypeError("n_jobs is not used with Dask: the cluster's workers provide the parallelism")


def clean_partition(texts: Iterable[Any], *, model: ModelArg = None, **kwargs: Any) -> list[str]:
    """Clean one partition (an iterable of texts) in this process; a list of strings."""
    from .batch import clean_many

    return list(clean_many(texts, n_jobs=1, model=model, **kwargs))


def _model_arg(model: ModelArg) -> Any:
    """A loaded model goes into the graph once, as a delayed object."""
    if model is None or isinstance(model, (str, os.PathLike)):
        return model
    from dask import delayed

    return delayed(model, traverse=False)


def clean_bag(bag: "dask.bag.Bag", *, model: ModelArg = None, **kwargs: Any) -> "dask.bag.Bag":
    """A Bag of cleaned texts, one per input text (``str`` or ``bytes``), same order.

    ``kwargs`` are :func:`boilerstrip.clean_many`'s (``batch_size``, ``threshold``,
    ``include_title``, ``format``), except ``n_jobs``.
    """
    _check(kwargs)
    return bag.map_partitions(clean_partition, model=_model_arg(model), **kwargs)


def _clean_frame(part: Any, column: str, out_column: str, dtype: Any, model: ModelArg, kwargs: dict) -> Any:
    import pandas as pd

    texts = [t if isinstance(t, (str, bytes)) else "" for t in part[column].tolist()]
    cleaned = clean_partition(texts, model=model, **kwargs)
    return part.assign(**{out_column: pd.Series(cleaned, index=part.index, dtype=dtype)})


def clean_dataframe(df: "dask.dataframe.DataFrame", column: str = "text", out_column: str = "clean", *,
                    model: ModelArg = None, **kwargs: Any) -> "dask.dataframe.DataFrame":
    """``df`` with a new (or replaced) column ``out_column``: the cleaned ``column``.

    Missing values (NaN/None) clean to ``""``.  ``kwargs`` as for :func:`clean_bag`.
    """
    import numpy as np
    import pandas as pd

    _check(kwargs)
    if column not in df.columns:
        raise KeyError(f"no column {column!r}")
    in_dtype = df._meta[column].dtype
    dtype = in_dtype if pd.api.types.is_string_dtype(in_dtype) and in_dtype is not np.dtype(object) else object
    meta = df._meta.assign(**{out_column: pd.Series([], dtype=dtype, index=df._meta.index)})
    return df.map_partitions(_clean_frame, column, out_column, dtype, _model_arg(model), kwargs, meta=meta)
