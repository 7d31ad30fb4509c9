"""Reference cleaners for the benchmark: keep everything, and the C4 line rules.

``c4_rules`` follows the line-level heuristics that Raffel et al. describe for building
C4 ("Exploring the Limits of Transfer Learning with a Unified Text-to-Text
Transformer", section 2.2), written from that description:

* keep only lines that end in terminal punctuation: ``. ! ? "`` and their Unicode
  variants (``…``, ``。！？``, full-width/half-width stops, closing quotes ``” ’ » 」 』``,
  plus ``؟`` and ``।`` for Arabic and Devanagari);
* keep only lines with at least ``min_words`` words (whitespace-separated tokens; each
  CJK/kana character counts as one word, since those scripts use no spaces).  The paper
  says 5 words; the parameter lets a caller use another threshold (e.g. 3);
* drop any line containing the word "javascript";
* drop lines containing "lorem ipsum" (the paper drops the whole *page*; here, being a
  line cleaner, the line), and lines containing "cookie", "privacy policy" or
  "terms of use" (the policy-notice filter of the public C4 implementation, written here
  as plain substrings).

Matching is case-insensitive.  The *page-level* rules of C4 are not applied, since they
decide whether a page enters a corpus rather than which of its lines are content:
pages with fewer than 3 sentences, pages containing a word from the "bad words" list,
pages containing a curly bracket, and three-sentence-span de-duplication across pages.

Both functions return the kept lines in order, reassembled with
:func:`boilerstrip.text.join_lines` so paragraph breaks are kept as the cleaner keeps them.
"""

from __future__ import annotations

import re

from boilerstrip.text import join_lines, split_lines

__all__ = ["keep_all", "c4_rules", "c4_keep_line"]

C4_MIN_WORDS = 5
_TERMINAL = (
    ".", "!", "?", '"',
    "…", "。", "！", "？", "．", "｡", "‼", "⁇", "⁈", "⁉", "؟", "।",
    "”", "’", "»", "」", "』", "＂", "〞",
)
_WORDCHAR = re.compile(r"\w")
_BANNED = ("javascript", "lorem ipsum", "cookie", "privacy policy", "terms of use")
_CJK = re.compile(
    "[\u3005\u3006\u3007\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]"
)


def keep_all(text: str) -> str:
    """The input's non-blank lines, unchanged and in order (the no-op baseline)."""
    lines = split_lines(text)
    return join_lines(lines, range(len(lines)))


def _word_count(line: str) -> int:
    cjk = len(_CJK.findall(line))
    if not cjk:
        return len(line.split())
    # CJK punctuation left between the characters is not a word
    rest = _CJK.sub(" ", line)
    return cjk + sum(1 for w in rest.split() if _WORDCHAR.search(w))


def c4_keep_line(line: str, min_words: int = C4_MIN_WORDS) -> bool:
    """Whether the C4 line rules keep ``line``."""
    s = line.strip()
    if not s.endswith(_TERMINAL):
        return False
    if _word_count(s) < min_words:
        return False
    low = s.casefold()
    return not any(b in low for b in _BANNED)


def c4_rules(text: str, *, min_words: int = C4_MIN_WORDS) -> str:
    """The lines of ``text`` that pass :func:`c4_keep_line`, in order."""
    lines = split_lines(text)
    keep = [i for i, ln in enumerate(lines) if c4_keep_line(ln.text, min_words)]
    return join_lines(lines, keep)
