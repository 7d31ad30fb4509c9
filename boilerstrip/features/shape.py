"""Line shape: what a line looks like on its own and next to its neighbours (length,
character classes, punctuation, case, cues such as URLs and clock times, position,
repetition) and, where markup was read, its structural facts.

Character statistics are computed for the whole document at once from one code-point
array: a table gives each code point's class bits, and ``np.add.reduceat`` sums them
per line.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

import numpy as np

from .document import CodePoints, Document, code_points, release_code_points
from .words import nospace_table, word_bounds

__all__ = ["LINE_FEATURES", "line_features", "window_mean", "shift", "columns"]

# Two bytes (bit flags) per code point of the Basic Multilingual Plane, built once on first use.
# NOSPACE: a character of a script written without spaces, a word of its own.
ALPHA, UPPER, LOWER, DIGIT, SPACE, PUNCT, NOSPACE = 1, 2, 4, 8, 16, 32, 64
# Punctuation classes that matter for boilerplate share the table, one bit each.
_PUNCTUATION = {
    "terminal": ".!?。！？…\"'”’»)]:;", "sentence_end": ".!?。！？…", "bullet": "•·-–—*►▶●■◆○◦>|",
    "open": "([", "close": ")]", "separator": "|•·»›/", "comma": ",;，、", "date_sep": "./-",
}
TERMINAL, SENTENCE_END, BULLET, OPEN, CLOSE, SEPARATOR, COMMA, DATE_SEP = (128 << k for k in range(8))
_CUES = ("url", "at", "hashtag", "clock", "year", "digit_sep", "copyright")

LINE_FEATURES = (
    ["log_chars", "log_words", "alpha", "digit", "upper", "punct", "mean_word_len",
     "titlecase", "short_words", "ends_terminal", "ends_sentence", "ends_colon", "starts_bullet",
     "starts_digit", "starts_lower", "parenthesised", "all_caps"]
    + [f"log_{name}" for name in _CUES] + ["log_separators", "log_sentences", "log_commas"]
    + ["log_repeats", "para_before", "para_after", "rel_pos", "log_pos", "log_from_end", "log_n",
       "len_vs_max", "len_vs_median", "prev_log_chars", "next_log_chars", "prev_terminal",
       "next_terminal", "win2_log_chars", "win5_log_chars", "win3_terminal",
       "is_html", "heading", "link_share", "rel_depth", "in_boilerplate"])

CHAR_CHUNK = 1 << 20   # code points per step of _char_stats: its temporaries stay bounded
_HALO_BEFORE, _HALO_AFTER = 1, 4   # a character's hits look one back and up to four ahead
_COUNTS = (("alpha", ALPHA), ("upper", UPPER), ("digit", DIGIT), ("space", SPACE), ("punct", PUNCT),
           ("separators", SEPARATOR), ("commas", COMMA))


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
    table[nospace_table()] |= NOSPACE
    for bit, chars in zip((TERMINAL, SENTENCE_END, BULLET, OPEN, CLOSE, SEPARATOR, COMMA, DATE_SEP),
                          _PUNCTUATION.values()):
        for ch in chars:
            table[ord(ch)] |= bit
    return table


def window_mean(values: np.ndarray, radius: int) -> np.ndarray:
    """Mean of values[i-radius : i+radius+1], truncated at the document edges."""
    lo, hi, count = _window_bounds(len(values), radius)
    cs = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    return (cs[hi] - cs[lo]) / count


@lru_cache(maxsize=256)
def _window_bounds(n: int, radius: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Window ends for ``window_mean``: they depend only on the length and radius,
    and the same few come back for every document."""
    pos = np.arange(n)
    lo = np.maximum(pos - radius, 0)
    hi = np.minimum(pos + radius + 1, n)
    out = lo, hi, np.maximum(hi - lo, 1).astype(np.float64)
    for a in out:
        a.flags.writeable = False  # shared between calls
    return out


def shift(values: np.ndarray, by: int, fill: float = 0.0) -> np.ndarray:
    """``values`` moved ``by`` places down (up when negative), ``fill`` where nothing moved in."""
    out = np.full_like(values, fill)
    if by > 0:
        out[by:] = values[:-by]
    elif by < 0:
        out[:by] = values[-by:]
    else:
        out[:] = values
    return out


def columns(cols: list[np.ndarray]) -> np.ndarray:
    """Per-line feature columns as one C-ordered float32 matrix (rows: lines); one
    conversion of the whole list, where ``column_stack`` makes each column 2-D first."""
    return np.ascontiguousarray(np.array(cols, dtype=np.float32).T)


def _seq_hits(cps: np.ndarray, seq: str) -> np.ndarray:
    """Boolean array: True where the code points starting there spell ``seq``.

    Only the places that start with ``seq[0]`` are followed further."""
    hit = np.zeros(len(cps), dtype=bool)
    at = np.flatnonzero(cps[: max(len(cps) - len(seq) + 1, 0)] == ord(seq[0]))
    for j, ch in enumerate(seq[1:], 1):
        at = at[cps[at + j] == ord(ch)]
    hit[at] = True
    return hit


def _next(m: np.ndarray, k: int = 1) -> np.ndarray:
    return np.concatenate([m[k:], np.zeros(min(k, len(m)), dtype=bool)])


def _previous(m: np.ndarray) -> np.ndarray:
    return np.concatenate([[False], m[:-1]])


def _cue_hits(cps: np.ndarray, flags: np.ndarray) -> list[np.ndarray]:
    """Per character, where each cue in ``_CUES`` starts (URLs, @, #tags, clock times,
    years, digit-separator-digit as in dates and scores, the copyright sign)."""
    lower = np.where((cps >= 65) & (cps <= 90), cps | 0x20, cps)
    digit = (flags & DIGIT) > 0
    word = (flags & (ALPHA | DIGIT)) > 0
    url = np.zeros(len(cps), dtype=bool)
    for seq in ("://", "www.", ".com", ".org", ".net", ".htm"):
        url |= _seq_hits(lower, seq)
    hashtag = (cps == ord("#")) & _next(word) & ~_previous(word)
    clock = (cps == ord(":")) & _previous(digit) & _next(digit) & _next(digit, 2)
    run_start = digit & ~_previous(digit)
    year = run_start & (((cps == ord("1")) & _next(cps == ord("9"))) | ((cps == ord("2")) & _next(cps == ord("0")))) \
        & _next(digit, 2) & _next(digit, 3) & ~_next(digit, 4)
    digit_sep = ((flags & DATE_SEP) > 0) & _previous(digit) & _next(digit)
    return [url, cps == ord("@"), hashtag, clock, year, digit_sep, cps == ord("©")]


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
    word_start, word_end = word_bounds(~hits["space"], (flags & NOSPACE) > 0)
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
    stats: dict[str, np.ndarray] = {}
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


def _structure_columns(doc: Document, n: int) -> list[np.ndarray]:
    """The numeric structural facts as columns (zeros without markup)."""
    if doc.structure is None:
        return [np.zeros(n)] * 5
    s = doc.structure
    heading = np.fromiter((x.heading for x in s), dtype=np.float64, count=n)
    link_share = np.fromiter((x.link_share for x in s), dtype=np.float64, count=n)
    depth = np.fromiter((x.depth for x in s), dtype=np.float64, count=n)
    in_boilerplate = np.fromiter((x.in_boilerplate for x in s), dtype=np.float64, count=n)
    return [np.ones(n), heading, link_share, depth / max(depth.max(), 1.0), in_boilerplate]


def line_features(doc: Document) -> np.ndarray:
    """Dense per-line features, ``(len(doc), len(LINE_FEATURES))`` float32 (cached)."""
    if doc.cache.shape is not None:
        return doc.cache.shape
    lines = doc.lines
    n = len(lines)
    if n == 0:
        return np.zeros((0, len(LINE_FEATURES)), dtype=np.float32)
    s = _char_stats(code_points(doc))
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
    keys = [line.strip().lower() for line in lines]
    counts = Counter(keys)
    pos = np.arange(n, dtype=np.float64)
    para = doc.para_break.astype(np.float64)
    cols += [
        np.log(np.fromiter(map(counts.__getitem__, keys), dtype=np.float64, count=n)),
        para, shift(para, -1), pos / max(n - 1, 1), np.log1p(pos), np.log1p(n - 1 - pos),
        np.full(n, np.log1p(n)), chars / chars.max(), log_chars - np.log1p(np.median(s["chars"])),
        shift(log_chars, 1), shift(log_chars, -1), shift(ends_terminal, 1), shift(ends_terminal, -1),
        window_mean(log_chars, 2), window_mean(log_chars, 5), window_mean(ends_terminal, 3),
    ]
    cols += _structure_columns(doc, n)
    doc.cache.shape = columns(cols)
    release_code_points(doc)
    return doc.cache.shape
