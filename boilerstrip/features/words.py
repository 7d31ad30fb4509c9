"""Hashed words: each line's word unigrams and bigrams (case- and digit-folded) in
2**18 columns, the first pass's lexical evidence and the topic stages' vocabulary.

A word is a run of ``\\w`` characters of the lower-cased line with decimal digits as
``0`` ("5 hours ago" and "12 hours ago" are one cue); its column is the CRC-32 of its
UTF-8 bytes.  In scripts written without spaces (Chinese, Japanese, Thai, ...) each
character is a word.  Everything is computed from the document's code-point array: a
table folds each character, and the CRC-32 of all words runs as one vectorised loop
over byte positions.

>>> words = hash_words(["Share this", "share THIS"])
>>> bool((words.indices[:3] == words.indices[3:]).all())
True
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from itertools import chain
from typing import Optional, Sequence

import numpy as np

from .document import CodePoints, Document, code_points, release_code_points
from .rows import Rows, entry_norms

__all__ = ["N_WORD_FEATURES", "MAX_HASHED_CHARS", "hash_words", "hash_tokens", "word_features",
           "word_bounds", "nospace_table"]

N_WORD_FEATURES = 2 ** 18
MAX_HASHED_CHARS = 1000  # a line's words come from its first 1,000 characters

_DIGIT = re.compile(r"\d")
# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, kana, CJK
# ideographs): each character is a word, as in the benchmark's tokens.  Their runs would
# otherwise be whole clauses, which no two lines share.
_NOSPACE = ("\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff"
            "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f")
_TOKEN = re.compile(f"(?=[{_NOSPACE}])\\w|[^\\W{_NOSPACE}]+")
_UNFOLDABLE = 0xFFFFFFFF
_CRC_UNROLLED = 32   # longer words (rare) get their CRC from zlib one by one
# Memo of crc32(token) for structure words and the regular-expression path of
# hash_words: bounded, pure, shared by all models.
_TOKEN_HASHES: dict[str, int] = {}


def _token_hash(token: str) -> int:
    h = _TOKEN_HASHES.get(token)
    if h is None:
        if len(_TOKEN_HASHES) > 500_000:
            _TOKEN_HASHES.clear()
        h = _TOKEN_HASHES[token] = zlib.crc32(token.encode("utf-8", "surrogatepass"))
    return h


def _hashed_rows(flat: np.ndarray, row_of: np.ndarray, n_rows: int, n_features: int, bigrams: bool) -> Rows:
    """L2-normalised hashed counts from token hashes and their row numbers.

    Bigram hashes are derived from the two unigram hashes with integer arithmetic, so
    they cost one vectorised numpy expression instead of a string join per pair.
    Duplicates are summed by sorting one ``row * n_features + column`` key.
    """
    cols = [flat % n_features]
    row_ids = [row_of]
    if bigrams and len(flat) > 1:
        same = row_of[1:] == row_of[:-1]
        cols.append((flat[:-1][same] * 1_000_003 + flat[1:][same] * 7 + 0x9E3779B1) % n_features)
        row_ids.append(row_of[1:][same])
    key = np.concatenate(row_ids) * n_features + np.concatenate(cols)
    key, counts = np.unique(key, return_counts=True)
    indptr = np.searchsorted(key, np.arange(n_rows + 1, dtype=np.int64) * n_features).astype(np.int64)
    data = counts.astype(np.float32)
    row = np.repeat(np.arange(n_rows), np.diff(indptr))
    data /= entry_norms(row, data, n_rows)[row].astype(np.float32)
    return Rows(data, (key % n_features).astype(np.int32), indptr, n_features)


def _flat_rows(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum()))
    return flat, np.repeat(np.arange(len(rows)), lengths)


def hash_tokens(tokens: Sequence[Sequence[str]], n_features: int, bigrams: bool = False) -> Rows:
    """Hashed counts of given tokens per row, scaled to unit length (the structure
    words and the reference path of :func:`hash_words`)."""
    flat, row_of = _flat_rows([[_token_hash(t) for t in row] for row in tokens])
    return _hashed_rows(flat, row_of, len(tokens), n_features, bigrams)


def hash_words(lines: Sequence[str], cp: Optional[CodePoints] = None) -> Rows:
    """Hashed word unigrams and bigrams of each line (see the module docstring);
    ``cp`` is the lines' code points, made here when not given.  Characters whose
    lower-casing a table cannot express (capital sigma, dotted capital I, astral
    letters) send the document down the equivalent regular-expression path."""
    n = len(lines)
    if n == 0:
        return Rows.empty(0, N_WORD_FEATURES)
    cp = cp if cp is not None else CodePoints.of(lines)
    if cp.lengths.max() > MAX_HASHED_CHARS:   # only a line's first characters count
        cp = cp.truncated(MAX_HASHED_CHARS)
    # take(mode="clip") is table[min(cp, 0xFFFF)] without the copy, and with a uint32 index
    # about twice as fast as indexing.
    folded = np.take(_fold_table(), cp.cps, mode="clip")
    astral = cp.cps > 0xFFFF
    if astral.any():
        if any(chr(c).isalnum() or chr(c).lower() != chr(c) for c in np.unique(cp.cps[astral]).tolist()):
            return _hash_words_by_regex(lines)
        folded[astral] = 0
    if (folded == _UNFOLDABLE).any():
        return _hash_words_by_regex(lines)
    word = folded != 0
    # As folded: a Thai digit is a 0 like any other.
    starts, ends = word_bounds(word, np.take(nospace_table(), folded, mode="clip"))
    first, last = np.flatnonzero(starts), np.flatnonzero(ends)
    # UTF-8 bytes of the folded text (non-word characters as spaces), and where each
    # character's bytes begin: every folded character is in the BMP.
    chars = np.where(word, folded, 32).astype(np.uint32)
    utf8 = np.frombuffer(chars.tobytes().decode("utf-32-le").encode("utf-8"), dtype=np.uint8)
    offset = np.concatenate([[0], np.cumsum(1 + (chars >= 0x80) + (chars >= 0x800))])
    hashes = _crc32_many(utf8, offset[first], offset[last + 1] - offset[first])
    row_of = np.searchsorted(cp.starts, first, side="right") - 1
    return _hashed_rows(hashes, row_of, n, N_WORD_FEATURES, bigrams=True)


def _hash_words_by_regex(lines: Sequence[str]) -> Rows:
    """``hash_words`` by the definition: fold each line, find ``\\w+`` tokens, CRC-32."""
    def fold(line: str) -> str:
        return _DIGIT.sub("0", line[:MAX_HASHED_CHARS].lower())
    return hash_tokens([_TOKEN.findall(fold(line)) for line in lines], N_WORD_FEATURES, bigrams=True)


def word_bounds(inside: np.ndarray, alone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where words start and end, for characters that are ``inside`` a word: runs of
    them, except that a character of a script written without spaces (``alone``) is a
    word of its own.  Shared by the hashed words and the line shape."""
    joins = inside & ~alone   # continues the word before it, if that one also joins
    start = inside & ~np.concatenate([[False], joins[:-1] & joins[1:]])
    end = inside & ~np.concatenate([joins[1:] & joins[:-1], [False]])
    return start, end


@lru_cache(maxsize=1)
def _fold_table() -> np.ndarray:
    """Per BMP code point, the character ``hash_words`` sees: lower-cased, a decimal
    digit as ``0``, 0 for a non-word character, ``_UNFOLDABLE`` where lower-casing is
    not one character to one or depends on context (capital sigma)."""
    table = np.zeros(0x10000, dtype=np.uint32)
    for cp in range(0x10000):
        low = chr(cp).lower()
        if len(low) != 1 or cp == 0x3A3:
            table[cp] = _UNFOLDABLE
        elif low.isdecimal():
            table[cp] = ord("0")
        elif low.isalnum() or low == "_":
            table[cp] = ord(low)
    return table


@lru_cache(maxsize=1)
def nospace_table() -> np.ndarray:
    """Per BMP code point, whether it is a character of a script without spaces."""
    table = np.zeros(0x10000, dtype=bool)
    for lo, hi in re.findall(r"(.)-(.)", _NOSPACE):
        if ord(lo) < 0x10000:
            table[ord(lo):ord(hi) + 1] = True
    return table


@lru_cache(maxsize=1)
def _crc_table() -> np.ndarray:
    c = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        c = np.where(c & 1, (c >> 1) ^ np.uint32(0xEDB88320), c >> 1).astype(np.uint32)
    return c


def _crc32_many(buf: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """``zlib.crc32(buf[s:s + l])`` for every (s, l), as int64.

    Words sorted longest first, so that the words still running at byte ``j`` are a
    prefix: one table step for all of them per byte position."""
    # Lengths past the unrolled ones need not be told apart: small keys, a radix sort.
    clipped = np.minimum(length, _CRC_UNROLLED + 1).astype(np.uint8)
    order = np.argsort(_CRC_UNROLLED + 1 - clipped, kind="stable")
    s, size = start[order], length[order]
    crc = np.full(len(s), 0xFFFFFFFF, dtype=np.uint32)
    table = _crc_table()
    running = np.searchsorted(-clipped[order].astype(np.int64), -np.arange(_CRC_UNROLLED), side="left")
    for j, k in enumerate(running.tolist()):
        if k == 0:
            break
        c = crc[:k]
        crc[:k] = table[(c ^ buf[s[:k] + j]) & 0xFF] ^ (c >> 8)
    crc ^= 0xFFFFFFFF
    out = np.empty(len(s), dtype=np.int64)
    out[order] = crc
    for k in np.flatnonzero(size > _CRC_UNROLLED).tolist():
        out[order[k]] = zlib.crc32(buf[s[k]:s[k] + size[k]].tobytes())
    return out


def word_features(doc: Document) -> Rows:
    """The document's hashed, L2-normalised word uni/bigrams per line (cached)."""
    if doc.cache.words is None:
        doc.cache.words = hash_words(doc.lines, code_points(doc))
        release_code_points(doc)
    return doc.cache.words
