"""Stage 2: lines to feature matrices.

Two kinds of features, both language-agnostic:

* ``line_features`` — what a line looks like on its own and next to its neighbours:
  shape (length, character classes, punctuation, case), position, repetition and,
  for HTML input, DOM facts.  Character statistics are computed for the whole document
  at once with numpy (one code-point array, ``np.add.reduceat`` per line).
* ``context_features`` — what the document says about a line once a first pass has
  guessed which lines are body: the first-pass probabilities around it, where it sits
  relative to the main body block, and how well its words fit the main article's
  topic (IDF-weighted cosine to the centroid of confident body lines).  This is what
  separates an appended unrelated story from the article it follows.

Lexical cues are hashed word uni/bigrams (digits folded to 0), learned by the model.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from itertools import chain
from dataclasses import dataclass, field
from functools import lru_cache, wraps
from typing import Optional, Sequence

import numpy as np
from scipy import sparse

from .html import HtmlLine
from .text import TextLine

__all__ = ["Document", "line_features", "lexical_features", "dom_features", "context_features",
           "permute_word_columns",
           "LINE_FEATURES", "CONTEXT_FEATURES", "N_WORD_FEATURES", "N_DOM_FEATURES"]

N_WORD_FEATURES = 2 ** 18
N_DOM_FEATURES = 2 ** 14
N_TOPIC_FEATURES = 2 ** 14
MAX_HASHED_CHARS = 1000  # a line's lexical features come from its first 1,000 characters

_DIGIT = re.compile(r"\d")
# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, kana, CJK
# ideographs): each character is a word, as in the benchmark's tokens.  Their runs would
# otherwise be whole clauses, which no two lines share.
_NOSPACE = ("\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3005-\u3007\u3040-\u30ff\u31f0-\u31ff"
            "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f")
_TOKEN = re.compile(f"(?=[{_NOSPACE}])\\w|[^\\W{_NOSPACE}]+")
# Memo of crc32(token) for DOM words and the regular-expression path of hash_words:
# bounded, pure, shared by all models.
_TOKEN_HASHES: dict[str, int] = {}


def _token_hash(token: str) -> int:
    h = _TOKEN_HASHES.get(token)
    if h is None:
        if len(_TOKEN_HASHES) > 500_000:
            _TOKEN_HASHES.clear()
        h = _TOKEN_HASHES[token] = zlib.crc32(token.encode("utf-8", "surrogatepass"))
    return h


def _hashed_rows(flat: np.ndarray, row_of: np.ndarray, n_rows: int, n_features: int,
                 bigrams: bool) -> sparse.csr_matrix:
    """CSR matrix of L2-normalised hashed counts from token hashes and their row numbers.

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
    indptr = np.searchsorted(key, np.arange(n_rows + 1, dtype=np.int64) * n_features)
    m = sparse.csr_matrix((counts.astype(np.float32), (key % n_features).astype(np.int32), indptr),
                          shape=(n_rows, n_features))
    return _normalize_rows(m)


def _flat_rows(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
    flat = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum()))
    return flat, np.repeat(np.arange(len(rows)), lengths)


def _normalize_rows(m: sparse.csr_matrix) -> sparse.csr_matrix:
    """Scale each row of ``m`` to unit L2 norm, in place (empty rows stay empty)."""
    m.data /= np.repeat(_row_norms(m), np.diff(m.indptr)).astype(np.float32)
    return m


def _row_norms(m: sparse.csr_matrix) -> np.ndarray:
    return _entry_norms(np.repeat(np.arange(m.shape[0]), np.diff(m.indptr)), m.data, m.shape[0])


def _entry_norms(row: np.ndarray, val: np.ndarray, n_rows: int) -> np.ndarray:
    """L2 norm of each row of (row, value) entries (at least 1e-6, so it can divide)."""
    sq = np.bincount(row, weights=val.astype(np.float64) ** 2, minlength=n_rows)
    return np.sqrt(np.maximum(sq, 1e-12))


def hash_words(lines: Sequence[str], code_points: Optional["CodePoints"] = None) -> sparse.csr_matrix:
    """Hashed word unigrams and bigrams of each line (case- and digit-folded).

    A word is a run of ``\\w`` characters of the lower-cased line with decimal digits
    as ``0``; its column is the CRC-32 of its UTF-8 bytes.  Everything is computed
    from the document's code-point array (``code_points``, made here when not given):
    a table folds each character, and the CRC-32 of all words runs in one vectorised
    loop over byte positions.  Characters whose lower-casing a table cannot express
    (capital sigma, dotted capital I, astral letters) send the document down the
    equivalent regular-expression path.
    """
    n = len(lines)
    if n == 0:
        return sparse.csr_matrix((0, N_WORD_FEATURES), dtype=np.float32)
    cp = code_points if code_points is not None else CodePoints.of(lines)
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
    starts, ends = _word_bounds(word, np.take(_nospace_table(), folded, mode="clip"))
    first, last = np.flatnonzero(starts), np.flatnonzero(ends)
    # UTF-8 bytes of the folded text (non-word characters as spaces), and where each
    # character's bytes begin: every folded character is in the BMP.
    chars = np.where(word, folded, 32).astype(np.uint32)
    utf8 = np.frombuffer(chars.tobytes().decode("utf-32-le").encode("utf-8"), dtype=np.uint8)
    offset = np.concatenate([[0], np.cumsum(1 + (chars >= 0x80) + (chars >= 0x800))])
    hashes = _crc32_many(utf8, offset[first], offset[last + 1] - offset[first])
    row_of = np.searchsorted(cp.starts, first, side="right") - 1
    return _hashed_rows(hashes, row_of, n, N_WORD_FEATURES, bigrams=True)


def _word_bounds(inside: np.ndarray, alone: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where words start and end, for characters that are ``inside`` a word: runs of
    them, except that a character of a script written without spaces (``alone``) is a
    word of its own.  Shared by the hashed words and the line shape."""
    joins = inside & ~alone   # continues the word before it, if that one also joins
    start = inside & ~np.concatenate([[False], joins[:-1] & joins[1:]])
    end = inside & ~np.concatenate([joins[1:] & joins[:-1], [False]])
    return start, end


def permute_word_columns(words: sparse.csr_matrix, perm: np.ndarray,
                         rows: Optional[np.ndarray] = None) -> sparse.csr_matrix:
    """A copy of hashed-word matrix ``words`` whose entries move from column ``c`` to
    ``perm[c]`` (only in ``rows``, a boolean mask over its rows, when given): each word
    then lands on another word's column, as a word of a language the model never saw.

    >>> m = sparse.csr_matrix(np.array([[1.0, 0.0, 2.0]]))
    >>> permute_word_columns(m, np.array([2, 0, 1])).toarray()
    array([[0., 2., 1.]])
    """
    moved = words.copy()
    hit = slice(None) if rows is None else np.repeat(rows, np.diff(words.indptr))
    moved.indices[hit] = np.asarray(perm, dtype=moved.indices.dtype)[moved.indices[hit]]
    moved.has_sorted_indices = False
    moved.sort_indices()
    return moved


def _hash_words_by_regex(lines: Sequence[str]) -> sparse.csr_matrix:
    """``hash_words`` by the definition: fold each line, find ``\\w+`` tokens, CRC-32."""
    fold = lambda line: _DIGIT.sub("0", line[:MAX_HASHED_CHARS].lower())  # noqa: E731
    flat, row_of = _flat_rows([[_token_hash(t) for t in _TOKEN.findall(fold(line))] for line in lines])
    return _hashed_rows(flat, row_of, len(lines), N_WORD_FEATURES, bigrams=True)


_UNFOLDABLE = 0xFFFFFFFF
_CRC_UNROLLED = 32   # longer words (rare) get their CRC from zlib one by one


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
def _nospace_table() -> np.ndarray:
    """Per BMP code point, whether it is a character of a script without spaces (``_NOSPACE``)."""
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


def hash_dom(tokens: Sequence[str]) -> sparse.csr_matrix:
    """Hashed space-separated DOM words of each string: a row of word counts scaled to
    unit length.  :func:`dom_features` passes each of a page's distinct strings once."""
    flat, row_of = _flat_rows([[_token_hash(t) for t in s.split()] for s in tokens])
    return _hashed_rows(flat, row_of, len(tokens), N_DOM_FEATURES, bigrams=False)


def _distinct(keys) -> tuple[list, np.ndarray]:
    """The distinct keys in order of first appearance, and each key's index among them."""
    index: dict = {}
    which = np.fromiter((index.setdefault(k, len(index)) for k in keys), dtype=np.int64)
    return list(index), which


@dataclass
class Document:
    """The lines of one input document, with what is known about each line.

    ``dom`` is present only for HTML input.  ``index`` maps each line back to its
    line number in the input text.  ``runs``, for hard-wrapped text, says how many
    consecutive input lines each line joins (see :func:`~boilerstrip.text.hard_wrap_runs`).
    """

    lines: list[str]
    para_break: np.ndarray
    index: np.ndarray
    dom: Optional[list[HtmlLine]] = None
    runs: Optional[np.ndarray] = None
    cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_text_lines(cls, lines: Sequence[TextLine], runs: Optional[Sequence[int]] = None) -> "Document":
        """The document of split text lines, each ``runs`` of them joined into one line
        when given.  Features see each line without its leading whitespace: scrapers
        indent text as their markup was indented, which says nothing about the line (the
        kept lines are still returned as the input had them)."""
        if runs is None:
            firsts, text = lines, [l.text.lstrip() for l in lines]
        else:
            runs = np.asarray(runs, dtype=np.int64)
            if runs.sum() != len(lines) or (runs < 1).any():
                raise ValueError(f"runs must be positive and sum to the {len(lines)} lines")
            starts = np.concatenate([[0], np.cumsum(runs)[:-1]]).tolist()
            firsts = [lines[a] for a in starts]
            text = [" ".join(l.text.lstrip() for l in lines[a:a + k]) for a, k in zip(starts, runs.tolist())]
        return cls(text, np.array([l.para_break for l in firsts], dtype=bool),
                   np.array([l.index for l in firsts], dtype=np.int64), runs=runs)

    @classmethod
    def from_html_lines(cls, lines: Sequence[HtmlLine]) -> "Document":
        return cls([l.text for l in lines], np.array([l.para_break for l in lines], dtype=bool),
                   np.arange(len(lines), dtype=np.int64), list(lines))

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def n_chars(self) -> int:
        """Characters in the lines, with one separator after each."""
        if "n_chars" not in self.cache:
            self.cache["n_chars"] = sum(map(len, self.lines)) + len(self.lines)
        return self.cache["n_chars"]

    def windows(self, max_chars: int, max_lines: int) -> list["Document"]:
        """The document as consecutive runs of lines, each of at most ``max_lines`` lines
        and ``max_chars`` characters (a longer line is a window of its own); ``[self]``
        when it fits in one."""
        if len(self) <= max_lines and self.n_chars <= max_chars:
            return [self]
        ends = np.cumsum([len(l) + 1 for l in self.lines])
        bounds = [0]
        while bounds[-1] < len(self):
            lo = bounds[-1]
            fit = int(np.searchsorted(ends, (ends[lo - 1] if lo else 0) + max_chars, side="right"))
            bounds.append(max(min(fit, lo + max_lines, len(self)), lo + 1))
        return [Document(self.lines[lo:hi], self.para_break[lo:hi], self.index[lo:hi],
                         None if self.dom is None else self.dom[lo:hi])
                for lo, hi in zip(bounds[:-1], bounds[1:])]


@dataclass
class CodePoints:
    """A document's lines as one code-point array, ``"\\n"`` between lines, with where
    each line starts: what the character statistics and the word hashes are computed
    from."""

    cps: np.ndarray
    starts: np.ndarray
    lengths: np.ndarray

    @classmethod
    def of(cls, lines: Sequence[str]) -> "CodePoints":
        lengths = np.fromiter((len(l) for l in lines), dtype=np.int64, count=len(lines))
        cps = np.frombuffer("\n".join(lines).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        return cls(cps, _line_starts(lengths), lengths)

    def truncated(self, limit: int) -> "CodePoints":
        """The first ``limit`` code points of each line."""
        long = np.flatnonzero(self.lengths > limit)
        cut = np.zeros(len(self.cps) + 1, dtype=np.int8)   # +1 where a cut starts, -1 where it ends
        cut[self.starts[long] + limit] = 1
        cut[self.starts[long] + self.lengths[long]] = -1
        lengths = np.minimum(self.lengths, limit)
        return CodePoints(self.cps[np.cumsum(cut[:-1], dtype=np.int8) == 0], _line_starts(lengths), lengths)


def _line_starts(lengths: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths + 1)])[:len(lengths)]


def _code_points(doc: Document) -> CodePoints:
    """The document's code points, kept until both line and word features are cached."""
    if "cps" not in doc.cache:
        doc.cache["cps"] = CodePoints.of(doc.lines)
    return doc.cache["cps"]


def _cache_feature(doc: Document, key: str, value):
    """Cache a feature matrix on the document; drop the code points once both are there."""
    doc.cache[key] = value
    if "line" in doc.cache and "words" in doc.cache:
        doc.cache.pop("cps", None)
    return value


# ---------------------------------------------------------------- character classes
# Two bytes (bit flags) per code point of the Basic Multilingual Plane, built once on first use.
# NOSPACE: a character of a script written without spaces (``_NOSPACE``), a word of its own.
ALPHA, UPPER, LOWER, DIGIT, SPACE, PUNCT, NOSPACE = 1, 2, 4, 8, 16, 32, 64
# Punctuation classes that matter for boilerplate share the table, one bit each.
_CLASSES = {
    "terminal": ".!?。！？…\"'”’»)]:;", "sentence_end": ".!?。！？…", "bullet": "•·-–—*►▶●■◆○◦>|",
    "open": "([", "close": ")]", "separator": "|•·»›/", "comma": ",;，、", "date_sep": "./-",
}
TERMINAL, SENTENCE_END, BULLET, OPEN, CLOSE, SEPARATOR, COMMA, DATE_SEP = (128 << k for k in range(8))


@lru_cache(maxsize=1)
def _char_table() -> np.ndarray:
    table = np.zeros(0x10000, dtype=np.uint16)
    for cp in range(0x10000):
        ch = chr(cp)
        flags = 0
        if ch.isalpha():
            flags |= ALPHA
            if ch.isupper():
                flags |= UPPER
            elif ch.islower():
                flags |= LOWER
        elif ch.isdigit():
            flags |= DIGIT
        elif ch.isspace():
            flags |= SPACE
        elif not ch.isalnum() and 0x20 < cp and ch.isprintable():
            flags |= PUNCT
        table[cp] = flags
    table[_nospace_table()] |= NOSPACE
    for bit, chars in zip((TERMINAL, SENTENCE_END, BULLET, OPEN, CLOSE, SEPARATOR, COMMA, DATE_SEP),
                          _CLASSES.values()):
        for ch in chars:
            table[ord(ch)] |= bit
    return table


_CUES = ("url", "at", "hashtag", "clock", "year", "digit_sep", "copyright")


def _seq_hits(cps: np.ndarray, seq: str) -> np.ndarray:
    """Boolean array: True where the code points starting there spell ``seq``.

    Only the places that start with ``seq[0]`` are followed further."""
    hit = np.zeros(len(cps), dtype=bool)
    at = np.flatnonzero(cps[: max(len(cps) - len(seq) + 1, 0)] == ord(seq[0]))
    for j, ch in enumerate(seq[1:], 1):
        at = at[cps[at + j] == ord(ch)]
    hit[at] = True
    return hit


def _cue_hits(cps: np.ndarray, flags: np.ndarray) -> list[np.ndarray]:
    """Per character, where each cue in ``_CUES`` starts (URLs, @, #tags, clock times,
    years, digit-separator-digit as in dates and scores, the copyright sign)."""
    lower = np.where((cps >= 65) & (cps <= 90), cps | 0x20, cps)
    digit = (flags & DIGIT) > 0
    word = (flags & (ALPHA | DIGIT)) > 0
    nxt = lambda m, k=1: np.concatenate([m[k:], np.zeros(min(k, len(m)), dtype=bool)])
    prv = lambda m: np.concatenate([[False], m[:-1]])
    url = np.zeros(len(cps), dtype=bool)
    for seq in ("://", "www.", ".com", ".org", ".net", ".htm"):
        url |= _seq_hits(lower, seq)
    hashtag = (cps == ord("#")) & nxt(word) & ~prv(word)
    clock = (cps == ord(":")) & prv(digit) & nxt(digit) & nxt(digit, 2)
    run_start = digit & ~prv(digit)
    year = run_start & (((cps == ord("1")) & nxt(cps == ord("9"))) | ((cps == ord("2")) & nxt(cps == ord("0")))) \
        & nxt(digit, 2) & nxt(digit, 3) & ~nxt(digit, 4)
    digit_sep = ((flags & DATE_SEP) > 0) & prv(digit) & nxt(digit)
    return [url, cps == ord("@"), hashtag, clock, year, digit_sep, cps == ord("©")]


LINE_FEATURES = (
    ["log_chars", "log_words", "alpha", "digit", "upper", "punct", "mean_word_len",
     "titlecase", "short_words", "ends_terminal", "ends_sentence", "ends_colon", "starts_bullet",
     "starts_digit", "starts_lower", "parenthesised", "all_caps"]
    + [f"log_{name}" for name in _CUES] + ["log_separators", "log_sentences", "log_commas"]
    + ["log_repeats", "para_before", "para_after", "rel_pos", "log_pos", "log_from_end", "log_n",
       "len_vs_max", "len_vs_median", "prev_log_chars", "next_log_chars", "prev_terminal",
       "next_terminal", "win2_log_chars", "win5_log_chars", "win3_terminal",
       "is_html", "heading", "link_share", "rel_depth", "in_boilerplate"])


def _window_mean(values: np.ndarray, radius: int) -> np.ndarray:
    """Mean of values[i-radius : i+radius+1], truncated at the document edges."""
    lo, hi, count = _window_bounds(len(values), radius)
    cs = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    return (cs[hi] - cs[lo]) / count


@lru_cache(maxsize=256)
def _window_bounds(n: int, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Window ends for ``_window_mean``: they depend only on the length and radius,
    and the same few come back for every document."""
    pos = np.arange(n)
    lo = np.maximum(pos - radius, 0)
    hi = np.minimum(pos + radius + 1, n)
    out = lo, hi, np.maximum(hi - lo, 1).astype(np.float64)
    for a in out:
        a.flags.writeable = False  # shared between calls
    return out


def _shift(values: np.ndarray, by: int, fill: float = 0.0) -> np.ndarray:
    out = np.full_like(values, fill)
    if by > 0:
        out[by:] = values[:-by]
    elif by < 0:
        out[:by] = values[-by:]
    else:
        out[:] = values
    return out


CHAR_CHUNK = 1 << 20   # code points per step of _char_stats: its temporaries stay bounded
_HALO_BEFORE, _HALO_AFTER = 1, 4   # a character's hits look one back and up to four ahead
_COUNTS = (("alpha", ALPHA), ("upper", UPPER), ("digit", DIGIT), ("space", SPACE), ("punct", PUNCT),
           ("separators", SEPARATOR), ("commas", COMMA))


def _flags(cps: np.ndarray) -> np.ndarray:
    flags = np.take(_char_table(), cps, mode="clip")   # as table[min(cp, 0xFFFF)]
    flags[cps > 0xFFFF] = PUNCT  # emoji and other astral symbols
    return flags


def _char_hits(cps: np.ndarray) -> dict[str, np.ndarray]:
    """Per character: where each counted class or cue is, and where words (and short
    words) start.

    A word is a run of non-space characters, except that a character of a script written
    without spaces (Chinese, Japanese, Thai, ...) is a word of its own, so that word
    counts and lengths mean the same in every script; the separators between lines are
    newlines, which the character table marks as space."""
    flags = _flags(cps)
    hits = {name: (flags & bit) > 0 for name, bit in _COUNTS}
    word_start, word_end = _word_bounds(~hits["space"], (flags & NOSPACE) > 0)
    hits["words"] = word_start
    hits["title_words"] = word_start & hits["upper"]
    # Short words (1-3 characters) are a script-independent proxy for function words.  The
    # first word end at or after a word's start is its own, so a start is a short word's
    # when an end is at most two characters on: no per-word arrays, whatever the input.
    padded = np.concatenate([word_end, [False, False]])
    hits["short_words"] = word_start & (padded[:-2] | padded[1:-1] | padded[2:])
    # Sentence ends: terminal punctuation before a space or the line end.
    hits["sentences"] = ((flags & SENTENCE_END) > 0) & np.concatenate([hits["space"][1:], [True]])
    hits.update(zip(_CUES, _cue_hits(cps, flags)))
    return hits


def _char_stats(cp: CodePoints, chunk: int = CHAR_CHUNK) -> dict[str, np.ndarray]:
    """Per-line character-class counts from one code-point array for the whole document.

    The array is read in pieces of ``chunk`` code points (with the few neighbours a hit
    looks at), each piece's hits summed per line at once: memory stays a few bytes per
    code point of one piece, even for a single 10 MB line.
    """
    cps, starts, lengths = cp.cps, cp.starts, cp.lengths
    n = len(lengths)
    stats = {}
    for a in range(0, len(cps), chunk):
        b = min(a + chunk, len(cps))
        lo, hi = max(a - _HALO_BEFORE, 0), min(b + _HALO_AFTER, len(cps))
        hits = _char_hits(cps[lo:hi])
        # The piece [a, b) in line segments: the line running at a, then each line starting in it.
        inner = np.flatnonzero((starts > a) & (starts < b))
        first = int(np.searchsorted(starts, a, side="right")) - 1
        rows = np.concatenate([[first], inner])
        at = np.concatenate([[a], starts[inner]]) - lo
        whole = a == 0 and len(rows) == n   # every line starts in the first piece
        for name, hit in hits.items():
            count = np.add.reduceat(hit[:b - lo], at, dtype=np.int64)
            if whole:
                stats[name] = count
                continue
            if name not in stats:
                stats[name] = np.zeros(n, dtype=np.int64)
            stats[name][rows] += count
        del hits
    stats["chars"] = lengths
    # Each line's piece but the last ends with the newline between lines: not its own space.
    stats["space"] = stats["space"] - (np.arange(n) < n - 1)
    ends = starts + np.maximum(lengths, 1) - 1
    stats["last"] = cps[ends]
    stats["first_flags"] = _flags(cps[starts])
    stats["last_flags"] = _flags(cps[ends])
    return stats


def _columns(cols: list[np.ndarray]) -> np.ndarray:
    """Per-line feature columns as one C-ordered float32 matrix (rows: lines); one
    conversion of the whole list, where ``column_stack`` makes each column 2-D first."""
    return np.ascontiguousarray(np.array(cols, dtype=np.float32).T)


def line_features(doc: Document) -> np.ndarray:
    """Dense per-line features, ``(len(doc), len(LINE_FEATURES))`` float32."""
    if "line" in doc.cache:
        return doc.cache["line"]
    lines = doc.lines
    n = len(lines)
    if n == 0:
        return np.zeros((0, len(LINE_FEATURES)), dtype=np.float32)
    s = _char_stats(_code_points(doc))
    chars = np.maximum(s["chars"], 1).astype(np.float64)
    words = np.maximum(s["words"], 1).astype(np.float64)
    alpha = np.maximum(s["alpha"], 1).astype(np.float64)
    last, first_flags, last_flags = s["last"], s["first_flags"], s["last_flags"]
    ends_terminal = ((last_flags & TERMINAL) > 0).astype(np.float64)
    ends_sentence = ((last_flags & SENTENCE_END) > 0).astype(np.float64)
    log_chars = np.log1p(s["chars"])
    cols = [
        log_chars, np.log1p(s["words"]), s["alpha"] / chars, s["digit"] / chars,
        s["upper"] / alpha, s["punct"] / chars,
        (chars - s["space"]) / words, s["title_words"] / words, s["short_words"] / words,
        ends_terminal, ends_sentence, (last == ord(":")).astype(np.float64),
        ((first_flags & BULLET) > 0).astype(np.float64),
        ((first_flags & DIGIT) > 0).astype(np.float64),
        ((first_flags & LOWER) > 0).astype(np.float64),
        (((first_flags & OPEN) > 0) & ((last_flags & CLOSE) > 0)).astype(np.float64),
        ((s["upper"] / alpha > 0.8) & (s["alpha"] >= 3)).astype(np.float64),
    ]
    cols += [np.log1p(s[name]) for name in _CUES]
    cols += [np.log1p(s["separators"]), np.log1p(s["sentences"]), np.log1p(s["commas"])]
    keys = [l.strip().lower() for l in lines]
    counts = Counter(keys)
    pos = np.arange(n, dtype=np.float64)
    para = doc.para_break.astype(np.float64)
    cols += [
        np.log(np.fromiter(map(counts.__getitem__, keys), dtype=np.float64, count=n)),
        para, _shift(para, -1), pos / max(n - 1, 1), np.log1p(pos), np.log1p(n - 1 - pos),
        np.full(n, np.log1p(n)), chars / chars.max(), log_chars - np.log1p(np.median(s["chars"])),
        _shift(log_chars, 1), _shift(log_chars, -1), _shift(ends_terminal, 1), _shift(ends_terminal, -1),
        _window_mean(log_chars, 2), _window_mean(log_chars, 5), _window_mean(ends_terminal, 3),
    ]
    if doc.dom is not None:
        _, _, heading, link_share, depth, in_boilerplate, *_ = zip(*doc.dom)   # HtmlLine fields
        heading, link_share, depth, in_boilerplate = (np.array(c, dtype=np.float64) for c in
                                                      (heading, link_share, depth, in_boilerplate))
        cols += [np.ones(n), heading, link_share, depth / max(depth.max(), 1.0), in_boilerplate]
    else:
        cols += [np.zeros(n)] * 5
    return _cache_feature(doc, "line", _columns(cols))


def lexical_features(doc: Document) -> sparse.csr_matrix:
    """Hashed, L2-normalised word uni/bigrams of each line (digits folded to 0)."""
    if "words" not in doc.cache:
        _cache_feature(doc, "words", hash_words(doc.lines, _code_points(doc)))
    return doc.cache["words"]


def dom_features(doc: Document) -> sparse.csr_matrix:
    """Hashed DOM words (block tag, class/id words) for HTML input; empty rows for text."""
    if doc.dom is None:
        return sparse.csr_matrix((len(doc), N_DOM_FEATURES), dtype=np.float32)
    # Lines of one page share a few tag/attribute sets: each set's words are made and
    # hashed once, and the lines' rows taken from those.
    sets, which = _distinct((d.tag, d.attrs) for d in doc.dom)
    words = [f"tag={tag} " + " ".join("a=" + w for w in attrs.split()[-12:]) for tag, attrs in sets]
    return hash_dom(words)[which]


CONTEXT_FEATURES = (
    [f"p_body{k:+d}" for k in range(-3, 4)] + [f"p_title{k:+d}" for k in (-1, 0, 1)]
    + ["p_win2", "p_win5", "p_win10", "in_main", "log_before_main", "log_after_main",
       "main_share", "mass_before", "mass_after", "doc_mean_p", "topic_sim", "topic_win2",
       "topic_win5", "topic_rank", "seg_sim_main", "seg_sim_first", "seg_log_weight",
       "seg_before_main", "seg_after_main", "seg_log_distance", "seg_is_first",
       "title_since_main", "low_since_main", "seg_sim_prev", "seg_min_cont", "seg_sim_title",
       "title_sim", "story_sim", "story_min", "article_sim", "article_joined", "line_article_share",
       "known_language"])
STORY_WINDOW = 4      # lines ahead that are compared with the story told so far
STORY_BREAK = 0.02    # below this cosine, the lines ahead start a new segment
ARTICLE_JOIN = 0.05   # a section at least this similar to the article so far joins it
# Words on at least 2 % of the training lines (IDF = 1 + ln(1 / 0.02)) are common words.
# A document with at least this share of such words is in a language the corpus IDF knows.
COMMON_WORD_IDF = 1.0 + np.log(50.0)
KNOWN_LANGUAGE_SHARE = 0.10


def _main_block(p: np.ndarray) -> tuple[int, int]:
    """The contiguous run of lines with the largest total (p - 0.5): the article's core.

    Maximum-sum subarray via prefix sums: the best end j maximises cs[j] - min(cs[:j]).
    """
    cs = np.concatenate([[0.0], np.cumsum(p - 0.5)])
    best = cs[1:] - np.minimum.accumulate(cs[:-1])
    end = int(np.argmax(best)) + 1
    return int(np.argmin(cs[:end])), end


def _segments(body: np.ndarray, starts: np.ndarray | None = None) -> np.ndarray:
    """Segment number of each line: runs of likely body lines are segments; the lines
    between two runs join the run that follows them (a headline introduces its story),
    trailing lines the last run.  ``starts`` marks headline-like lines, which begin a new
    segment (the section or story they introduce) even inside a run.  All -1 when no
    line is likely body."""
    head = np.zeros(len(body), dtype=bool) if starts is None else starts
    # A headline-like line inside a run starts a new one; outside runs it is a gap line
    # and joins the run that follows anyway.
    starts = (body & ~np.concatenate([[False], body[:-1]])) | (head & body)
    n_runs = int(starts.sum())
    if n_runs == 0:
        return np.full(len(body), -1)
    run = np.cumsum(starts) - 1
    return np.minimum(np.where(body, run, run + 1), n_runs - 1)


def context_features(doc: Document, proba: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Second-pass features from first-pass ``proba`` (columns: body, title, boilerplate)."""
    n = len(doc)
    if n == 0:
        return np.zeros((0, len(CONTEXT_FEATURES)), dtype=np.float32)
    p = proba[:, 0].astype(np.float64)
    t = proba[:, 1].astype(np.float64)
    cols = [_shift(p, k, 0.0) for k in range(3, -4, -1)]  # p[i-3] .. p[i+3]
    cols += [_shift(t, 1), t, _shift(t, -1)]
    cols += [_window_mean(p, 2), _window_mean(p, 5), _window_mean(p, 10)]
    lo, hi = _main_block(p)
    pos = np.arange(n)
    in_main = ((pos >= lo) & (pos < hi)).astype(np.float64)
    mass = np.cumsum(p)
    total = max(mass[-1], 1e-6)
    cols += [in_main, np.log1p(np.maximum(lo - pos, 0)), np.log1p(np.maximum(pos - hi + 1, 0)),
             np.full(n, (hi - lo) / n), (mass - p) / total, (total - mass) / total, np.full(n, p.mean())]

    # Topic.  IDF-weighted, normalised word vectors, folded into 2**14 columns
    # (collisions barely move a cosine) and kept as sorted (row, column, value) arrays:
    # never an n-by-n matrix, and no sparse-matrix objects, whose per-call overhead
    # would outweigh the arithmetic on documents of a few hundred lines.
    row, col, val = _topic_vectors(doc, idf)
    has_words = (np.bincount(row, minlength=n) > 0).astype(np.float64)
    log_chars = np.minimum(np.asarray(line_features(doc)[:, 0], dtype=np.float64), 6.0)
    weight = p * log_chars
    in_body = p > 0.5
    story_sim, story_min = _story_flow(doc, idf, (p + t) * log_chars)
    # A new segment starts at a headline-like line, or where the lines ahead share
    # (almost) no words with everything before them: an appended story that follows
    # the article without a headline the first pass recognised.
    dip = story_sim <= np.minimum(_shift(story_sim, 1, 1.0), _shift(story_sim, -1, 1.0))
    seg = _segments(in_body, starts=(t > 0.25) | (dip & (story_sim < STORY_BREAK)))
    if seg[0] < 0:
        seg = np.zeros(n, dtype=np.int64)
    n_seg = int(seg.max()) + 1
    seg_weight = np.bincount(seg, weights=weight * in_body, minlength=n_seg)
    main = int(np.argmax(seg_weight))
    first = int(np.argmax(seg_weight >= 0.1 * seg_weight[main]))
    # One weighted word vector (centroid) per segment.
    cseg, ccol, cval = _segment_entries(doc, idf, seg, weight * in_body)
    seg_norms = _entry_norms(cseg, cval, n_seg)
    main_vec, first_vec = _dense_row(cseg, ccol, cval, main), _dense_row(cseg, ccol, cval, first)
    seg_cos = np.column_stack([np.bincount(cseg, weights=cval * v[ccol], minlength=n_seg)
                               for v in (main_vec, first_vec)]) / seg_norms[:, None] / seg_norms[[main, first]]
    # A line's similarity to the main segment, leaving the line itself out.
    w_main = weight * in_body * (seg == main)
    dots = np.bincount(row, weights=val * main_vec[col], minlength=n)   # x_i . main centroid
    c_norm2 = float(seg_norms[main] ** 2)
    loo_dots = dots - w_main * has_words
    loo_norm = np.sqrt(np.maximum(c_norm2 - 2 * w_main * dots + w_main ** 2 * has_words, 1e-12))
    sim = np.clip(np.where(has_words > 0, loo_dots / loo_norm, 0.0), 0.0, 1.0)
    rank = np.empty(n)
    rank[np.argsort(sim, kind="stable")] = np.arange(n) / max(n - 1, 1)
    rel_weight = seg_weight[seg] / max(seg_weight[main], 1e-9)
    cols += [sim, _window_mean(sim, 2), _window_mean(sim, 5), rank,
             np.clip(seg_cos[seg, 0], 0, 1), np.clip(seg_cos[seg, 1], 0, 1),
             np.log(np.maximum(rel_weight, 1e-3)), (seg < main).astype(np.float64),
             (seg > main).astype(np.float64), np.log1p(np.abs(seg - main)), (seg == first).astype(np.float64)]
    # Story boundaries after the main segment: a headline-like line or a run of
    # boilerplate since the article ended points to an appended story.
    main_end = int(np.flatnonzero(seg == main).max())
    after = pos > main_end
    title_since = np.maximum.accumulate(np.where(after, t, 0.0))
    low_since = np.cumsum(after & (p < 0.2)).astype(np.float64)
    cols += [title_since, np.log1p(low_since)]
    cols += _continuity((row, col, val), (cseg, ccol, cval), seg, seg_norms, first, t, has_words)
    cols += [story_sim, story_min]
    cols += _article_fit(doc, idf, seg, in_body, first)
    # How much of the above (and of the first pass's word weights) the language allows trusting.
    cols.append(np.full(n, _known_language(doc, idf)))
    return _columns(cols)


def _sum_entries(row: np.ndarray, col: np.ndarray, val: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries of a sparse matrix, duplicates summed and zeros dropped, sorted by (row, column)."""
    keep = val != 0
    key = row[keep] * N_TOPIC_FEATURES + col[keep]
    uniq, inverse = np.unique(key, return_inverse=True)
    return uniq // N_TOPIC_FEATURES, uniq % N_TOPIC_FEATURES, np.bincount(inverse, weights=val[keep])


def _segment_entries(doc: Document, idf: np.ndarray, seg: np.ndarray,
                     weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each segment's word vector: the topic vectors of its lines times ``weight``, summed,
    as (segment, column, value) entries sorted by segment and column, zeros left out.

    The same as ``_sum_entries(seg[row], col, weight[row] * val)`` without its sort:
    segments are runs of consecutive lines, so in the (column, row) order of
    ``_story_index`` each (column, segment) group is already contiguous, its entries in
    row order (the sums are added up in the same order); only the groups are then
    sorted by segment, a stable sort of small integers."""
    row, col, val = _topic_vectors(doc, idf)
    wv = weight[row] * val
    order = _story_index(doc, idf)[0]
    o = order[wv[order] != 0]
    if len(o) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    s, c = seg[row[o]], col[o]
    new = np.concatenate([[True], (s[1:] != s[:-1]) | (c[1:] != c[:-1])])
    sums = np.bincount(np.cumsum(new) - 1, weights=wv[o])
    s, c = s[new], c[new]
    by_segment = np.argsort(s.astype(np.uint16) if len(doc) < 1 << 16 else s, kind="stable")
    return s[by_segment], c[by_segment], sums[by_segment]


def _cached_per_idf(key: str):
    """Cache ``fn(doc, idf)`` on the document for this ``idf`` object: what depends only
    on the document's words and the model's IDF, not on the pass, is computed once per
    document, like its line and word features."""
    def decorate(fn):
        @wraps(fn)
        def cached(doc: Document, idf: np.ndarray):
            hit = doc.cache.get(key)
            if hit is None or hit[0] is not idf:
                hit = doc.cache[key] = (idf, fn(doc, idf))
            return hit[1]
        return cached
    return decorate


@_cached_per_idf("known")
def _known_language(doc: Document, idf: np.ndarray) -> float:
    """How far the corpus IDF knows the document's language, from 0 to 1: the share of
    its word entries that the corpus calls common (``COMMON_WORD_IDF``) over
    ``KNOWN_LANGUAGE_SHARE``, at most 1 (1 for a document without words)."""
    cols = lexical_features(doc).indices
    if len(cols) == 0:
        return 1.0
    return min(1.0, float(np.count_nonzero(idf[cols] < COMMON_WORD_IDF)) / len(cols) / KNOWN_LANGUAGE_SHARE)


@_cached_per_idf("weights")
def _word_weights(doc: Document, idf: np.ndarray) -> np.ndarray:
    """Weight of each word entry of ``lexical_features(doc)`` for topical comparisons: its
    corpus IDF, times its IDF within the document (relative to a word of one line) to the
    extent that the corpus IDF does not know the document's language.

    The corpus IDF only knows the languages of the training pages.  In another language
    every word is rare to it, function words included, and two unrelated stories look
    alike through their articles and prepositions.  Such a document is recognised by how
    few of its words the corpus calls common (``COMMON_WORD_IDF``: about 15 % of an
    English document's words, 2-3 % of a German or Spanish one's); then a word on many of
    its lines is taken for a function word and down-weighted, whatever the corpus says.
    """
    words = lexical_features(doc)
    cols = words.indices   # each (line, word) entry is there once
    weights = idf[cols].astype(np.float64)
    unknown = 1.0 - _known_language(doc, idf)
    if unknown == 0.0:
        return weights
    n_lines = int(np.count_nonzero(np.diff(words.indptr)))   # lines with any word
    order = np.argsort(cols, kind="stable")
    sorted_cols = cols[order]
    group = np.cumsum(np.concatenate([[True], sorted_cols[1:] != sorted_cols[:-1]])) - 1
    df = np.bincount(group)[group]          # lines with this entry's word, in sorted order
    local = np.empty(len(cols))
    local[order] = (np.log((1 + n_lines) / (1 + df)) + 1) / (np.log((1 + n_lines) / 2) + 1)
    return weights * local ** unknown


@_cached_per_idf("topic")
def _topic_vectors(doc: Document, idf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each line's word vector (weighted by ``_word_weights``), folded to
    ``N_TOPIC_FEATURES`` columns and scaled to unit length, as (row, column, value) entries."""
    words = lexical_features(doc)
    row = np.repeat(np.arange(words.shape[0]), np.diff(words.indptr))
    row, col, val = _sum_entries(row, words.indices & (N_TOPIC_FEATURES - 1),
                                 words.data.astype(np.float64) * _word_weights(doc, idf))
    return row, col, val / _entry_norms(row, val, words.shape[0])[row]


def _story_flow(doc: Document, idf: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per line i, the cosine between the story so far (S_i: the weighted word vectors
    of lines before i) and the ``STORY_WINDOW`` lines from i on (A_i), and the running
    minimum of that cosine: once an unrelated story has begun, it stays low.

    Lines that are not yet after a full line of story, or not before one, get 1 (no
    evidence of a break).  Linear in the number of word entries: each line's product
    with the story before it comes from running column sums, and everything else from
    products of lines fewer than ``STORY_WINDOW`` apart.
    """
    row, _, val = _topic_vectors(doc, idf)
    n, k = len(doc), STORY_WINDOW
    order, place, start, pairs = _story_index(doc, idf)
    wv = weight[row] * val
    cum = np.concatenate([[0.0], np.cumsum(wv[order])])
    own = np.bincount(row, weights=wv * (cum[place] - cum[start]), minlength=n)   # w_l x_l . S_l
    self2 = np.bincount(row, weights=wv * wv, minlength=n)
    near = [np.bincount(row[a], weights=wv[a] * wv[b], minlength=n) for a, b in pairs]  # w_j x_j . w_j+d x_j+d
    story2 = np.concatenate([[0.0], np.cumsum(2 * own + self2)])[:n]                   # |S_i|^2
    # S_i . w_l x_l for l = i + t is S_l . w_l x_l minus the products with lines i..l-1.
    ahead = np.zeros(n)
    for t in range(k):
        ahead += _shift(own, -t) - sum(_shift(near[d - 1], d - t) for d in range(1, t + 1))
    window2 = _window_sum(self2, k) + sum(2 * _window_sum(near[d - 1], k - d) for d in range(1, k))
    enough = 9.0   # one line of about 20 characters at full weight
    sim = np.where((story2 >= enough) & (window2 >= enough),
                   ahead / np.sqrt(np.maximum(story2 * window2, 1e-12)), 1.0)
    sim = np.clip(sim, 0.0, 1.0)
    return sim, np.minimum.accumulate(sim)


def _window_sum(values: np.ndarray, length: int) -> np.ndarray:
    """values[i : i + length] summed, truncated at the end."""
    n = len(values)
    cs = np.concatenate([[0.0], np.cumsum(values)])
    return cs[np.minimum(np.arange(n) + length, n)] - cs[:n]


@_cached_per_idf("story")
def _story_index(doc: Document, idf: np.ndarray):
    """What ``_story_flow`` needs that depends only on the document's words, so that each
    pass does only the weighted sums: the topic entries' order by (column, row), each
    entry's place in that order and where its column starts there, and for each distance
    d < ``STORY_WINDOW`` the pairs of entries of one column d rows apart.  A column holds
    each row at most once, in increasing order, so such a pair is at most d places apart
    in the order: a few comparisons, no search.
    """
    row, col, _ = _topic_vectors(doc, idf)
    n, m = len(doc), len(row)
    # Rows are already increasing within a column; 16-bit keys sort by radix.
    order = np.argsort(col.astype(np.uint16), kind="stable")
    by_column = (col * n + row)[order]
    place = np.empty(m, dtype=np.int64)
    place[order] = np.arange(m)
    new_column = np.concatenate([[True], col[order][1:] != col[order][:-1]])[:m]
    start = np.maximum.accumulate(np.where(new_column, np.arange(m), 0))[place] if m else place
    target = col * n + row
    pairs = []
    for d in range(1, STORY_WINDOW):
        first, second = [], []
        for ahead in range(1, d + 1):
            nxt = place + ahead
            hit = np.flatnonzero((nxt < m) & (row + d < n))
            hit = hit[by_column[nxt[hit]] == target[hit] + d]
            first.append(hit)
            second.append(order[nxt[hit]])
        pairs.append((np.concatenate(first), np.concatenate(second)))
    return order, place, start, pairs


def _dense_row(row: np.ndarray, col: np.ndarray, val: np.ndarray, k: int) -> np.ndarray:
    """Row ``k`` of (row, column, value) entries sorted by row, as a dense vector."""
    a, b = np.searchsorted(row, [k, k + 1])
    out = np.zeros(N_TOPIC_FEATURES)
    out[col[a:b]] = val[a:b]
    return out


def _article_fit(doc: Document, idf: np.ndarray, seg: np.ndarray, body: np.ndarray,
                 first: int) -> list[np.ndarray]:
    """How well each section fits the article told so far, when only fitting sections
    join it: per line, its segment's cosine to the article's vocabulary, whether the
    segment joined (``ARTICLE_JOIN``), and the share of the line's own word weight that
    the article already has.

    The article starts as the first segment's words; each later segment is compared with
    it and joins it when similar enough, so an appended story is compared with the
    article alone, not with the stories before it, and a section returning to the
    article's topic after one that did not fit scores high again.  Words are the hashed
    uni/bigrams of the segment's likely body lines, present or absent (a word said often
    in a long section counts once, so function words cannot dominate), weighted by
    ``_word_weights``.
    """
    n_seg = int(seg.max()) + 1
    sim, joined = np.ones(n_seg), np.ones(n_seg)
    words = lexical_features(doc)
    row = np.repeat(np.arange(len(doc)), np.diff(words.indptr))
    # Whether each of a line's words is in the article when the line's segment comes up
    # (all are, for the first segment and before: no article to compare with yet).
    known = np.ones(len(row), dtype=bool)
    # Segments are runs of consecutive lines, numbered in order: entry range per segment.
    line_bounds = words.indptr[np.searchsorted(seg, np.arange(n_seg + 1))]
    keep = body[row] & (seg[row] >= first)
    # Distinct (segment, word) keys.  Sorting and dropping repeats is ~20x faster than
    # np.unique, whose plain form hashes (numpy 2.3+); the order carries the weights along.
    entry_w2 = _word_weights(doc, idf) ** 2
    key = seg[row[keep]].astype(np.int64) * N_WORD_FEATURES + words.indices[keep]
    order = np.argsort(key)
    key = key[order]
    first_seen = np.concatenate([[True], key[1:] != key[:-1]]) if len(key) else np.zeros(0, dtype=bool)
    key = key[first_seen]
    w2 = entry_w2[keep][order][first_seen]   # a word's weight is the same on every line
    kseg, kcol = key // N_WORD_FEATURES, key % N_WORD_FEATURES
    bounds = np.searchsorted(kseg, np.arange(n_seg + 1))
    article = np.zeros(N_WORD_FEATURES, dtype=bool)
    article_norm2 = 0.0
    for k in range(first, n_seg):        # one small step per segment: linear overall
        a, b = bounds[k], bounds[k + 1]
        c, v = kcol[a:b], w2[a:b]
        if k > first and article_norm2 > 0:
            la, lb = line_bounds[k], line_bounds[k + 1]
            known[la:lb] = article[words.indices[la:lb]]
            if a == b:
                continue
            sim[k] = float(v[article[c]].sum()) / np.sqrt(float(v.sum()) * article_norm2)
            joined[k] = float(sim[k] >= ARTICLE_JOIN)
            if not joined[k]:
                continue
        article_norm2 += float(v[~article[c]].sum())
        article[c] = True
    line_total = np.bincount(row, weights=entry_w2, minlength=len(doc))
    line_shared = np.bincount(row, weights=entry_w2 * known, minlength=len(doc))
    share = np.where(line_total > 0, line_shared / np.maximum(line_total, 1e-12), 1.0)
    return [sim[seg], joined[seg], share]


def _continuity(lines, segments, seg, seg_norms, first, t, has_words) -> list[np.ndarray]:
    """Does each section carry on the story told before it?

    A subheading's section shares words with the text before it and with the title;
    an appended story shares neither.  Returns, per line: the cosine of its segment to
    the sum of all segments from the first one up to it, the lowest such cosine of any
    segment since the first (once a story has broken off, what follows is suspect),
    its segment's cosine to the title line, and its own cosine to the title line.
    ``lines`` and ``segments`` are (row, column, value) word vectors.
    """
    row, col, val = lines
    cseg, ccol, cval = segments
    n_seg = len(seg_norms)
    bounds = np.searchsorted(cseg, np.arange(n_seg + 1))
    sim_prev = np.ones(n_seg)
    story = np.zeros(N_TOPIC_FEATURES)   # running sum of the segments so far
    story_norm2 = 0.0
    for k in range(first, n_seg):        # one small step per segment: linear overall
        c, v = ccol[bounds[k]:bounds[k + 1]], cval[bounds[k]:bounds[k + 1]]
        dot = float(story[c] @ v)
        if k > first:
            sim_prev[k] = min(max(dot / seg_norms[k] / np.sqrt(max(story_norm2, 1e-12)), 0.0), 1.0)
        story_norm2 += 2 * dot + seg_norms[k] ** 2
        story[c] += v
    min_cont = np.minimum.accumulate(sim_prev)
    # The title: the most title-like line up to the end of the first segment.
    upto = int(np.flatnonzero(seg == first).max()) + 1
    ti = int(np.argmax(t[:upto]))
    if t[ti] >= 0.1 and has_words[ti] > 0:
        title = _dense_row(row, col, val, ti)
        seg_title = np.clip(np.bincount(cseg, weights=cval * title[ccol], minlength=n_seg) / seg_norms, 0.0, 1.0)
        line_title = np.clip(np.bincount(row, weights=val * title[col], minlength=len(seg)), 0.0, 1.0)
    else:
        seg_title = np.zeros(n_seg)
        line_title = np.zeros(len(seg))
    return [sim_prev[seg], min_cont[seg], seg_title[seg], line_title]
