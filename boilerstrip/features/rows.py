"""Sparse rows: the hashed word and DOM matrices as plain numpy arrays.

A line has a few dozen words out of 2**18 hashed columns, so word features are kept as
compressed sparse rows (CSR: ``data``, ``indices``, ``indptr``).  Inference needs only
three operations on them (a product with a weight matrix, row selection and stacking),
which numpy does directly; training hands them to scikit-learn with :meth:`Rows.to_scipy`.

>>> m = Rows.from_dense(np.array([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0]]))
>>> m.dot(np.array([[1.0], [5.0], [10.0]])).ravel().tolist()
[21.0, 0.0]
>>> Rows.vstack([m, m.take(np.array([0]))]).toarray().tolist()
[[1.0, 0.0, 2.0], [0.0, 0.0, 0.0], [1.0, 0.0, 2.0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

import numpy as np

__all__ = ["Rows", "entry_norms"]


def entry_norms(row: np.ndarray, val: np.ndarray, n_rows: int) -> np.ndarray:
    """L2 norm of each row of (row, value) entries (at least 1e-6, so it can divide)."""
    sq = np.bincount(row, weights=val.astype(np.float64) ** 2, minlength=n_rows)
    return np.sqrt(np.maximum(sq, 1e-12))


@dataclass
class Rows:
    """A CSR matrix of ``n_rows`` rows and ``n_cols`` columns: row ``i``'s entries are
    ``data[indptr[i]:indptr[i + 1]]`` in columns ``indices[indptr[i]:indptr[i + 1]]``."""

    data: np.ndarray      # float32
    indices: np.ndarray   # int32 column numbers
    indptr: np.ndarray    # int64, n_rows + 1 entry offsets
    n_cols: int

    @classmethod
    def empty(cls, n_rows: int, n_cols: int) -> "Rows":
        return cls(np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(n_rows + 1, np.int64), n_cols)

    @classmethod
    def from_dense(cls, a: np.ndarray) -> "Rows":
        a = np.asarray(a)
        row, col = np.nonzero(a)
        indptr = np.concatenate([[0], np.cumsum(np.bincount(row, minlength=a.shape[0]))]).astype(np.int64)
        return cls(a[row, col].astype(np.float32), col.astype(np.int32), indptr, a.shape[1])

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.indptr) - 1, self.n_cols

    @property
    def nnz(self) -> int:
        return len(self.data)

    def row_ids(self) -> np.ndarray:
        """The row number of each entry."""
        return np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))

    def dot(self, weights: np.ndarray) -> np.ndarray:
        """``self @ weights`` for a dense ``(n_cols, k)`` matrix, as float64 ``(n_rows, k)``:
        each row's entries are added up in order, as a CSR product does."""
        n = self.shape[0]
        row = self.row_ids()
        picked = weights[self.indices]
        data = self.data.astype(np.float64)
        if not n or not self.nnz:
            return np.zeros((n, weights.shape[1]))
        return np.column_stack([np.bincount(row, weights=data * picked[:, j], minlength=n)
                                for j in range(weights.shape[1])])

    def take(self, rows: np.ndarray) -> "Rows":
        """The matrix of rows ``rows`` (integer positions, repeats allowed), in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        lo, hi = self.indptr[rows], self.indptr[rows + 1]
        lengths = hi - lo
        indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        # Entry positions: each picked row's range, concatenated.
        pos = np.arange(int(indptr[-1])) - np.repeat(indptr[:-1] - lo, lengths)
        return Rows(self.data[pos], self.indices[pos], indptr, self.n_cols)

    @staticmethod
    def vstack(parts: Sequence["Rows"], n_cols: Optional[int] = None) -> "Rows":
        """The rows of ``parts``, one after another (``n_cols`` when there are none)."""
        if not parts:
            return Rows.empty(0, n_cols or 0)
        offsets = np.cumsum([0] + [p.nnz for p in parts])
        indptr = np.concatenate([[0]] + [p.indptr[1:] + off for p, off in zip(parts, offsets[:-1])])
        return Rows(np.concatenate([p.data for p in parts]), np.concatenate([p.indices for p in parts]),
                    indptr.astype(np.int64), parts[0].n_cols)

    def with_columns(self, columns: np.ndarray, rows: Optional[np.ndarray] = None) -> "Rows":
        """A copy whose entries in ``rows`` (a boolean mask over rows; all rows when not
        given) move from column ``c`` to ``columns[c]``, each row's entries sorted again.

        >>> Rows.from_dense(np.array([[1.0, 0.0, 2.0]])).with_columns(np.array([2, 0, 1])).toarray().tolist()
        [[0.0, 2.0, 1.0]]
        """
        hit = np.ones(self.nnz, dtype=bool) if rows is None else np.repeat(rows, np.diff(self.indptr))
        indices = self.indices.copy()
        indices[hit] = np.asarray(columns, dtype=np.int32)[indices[hit]]
        order = np.lexsort((indices, self.row_ids()))
        return Rows(self.data[order], indices[order], self.indptr.copy(), self.n_cols)

    def toarray(self) -> np.ndarray:
        out = np.zeros(self.shape, dtype=np.float64)
        out[self.row_ids(), self.indices] = self.data
        return out

    def to_scipy(self) -> Any:
        """The same matrix as ``scipy.sparse.csr_matrix`` (for training; needs scipy)."""
        from scipy import sparse

        return sparse.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)
