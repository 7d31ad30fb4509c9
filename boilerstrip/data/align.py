"""Line labels for a rendered page, derived by aligning its lines with the gold text.

Gold texts were copied from rendered pages by people or tools, so they differ from our
rendering in whitespace, quotes, dashes, entities, case and Unicode forms.  Both sides
are therefore reduced to word tokens (NFKC, accents folded, lower-cased, punctuation
dropped) and aligned monotonically with ``difflib.SequenceMatcher`` on integer token
ids.  A line is ``body`` when most of its tokens sit in matching runs; a short line
(1-3 tokens) only when a run covers it completely *and* either continues into its
neighbours or is exactly a whole gold line, so that "Share" or "Home" never become
body because the gold happens to contain the word.
"""

from __future__ import annotations

import html as html_mod
import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher

__all__ = ["tokens", "align_lines", "Alignment", "BODY_SHARE", "LABELS"]

LABELS = ("title", "body", "boilerplate", "supplemental", "related", "comments")
BODY_SHARE = 0.5      # share of a long line's tokens that must be aligned
SHORT = 3             # lines with at most this many tokens need the strict rule
_TOKEN = re.compile(r"\w+")
_COMBINING = re.compile(r"[\u0300-\u036f]")


def tokens(text: str) -> list[str]:
    """Word tokens that survive every cosmetic difference between page and gold."""
    text = unicodedata.normalize("NFKC", html_mod.unescape(text)).lower()
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return [t for t in _TOKEN.findall(text) if t != "_"]


@dataclass
class Alignment:
    labels: list[str]
    gold_tokens: int       # tokens in the gold body
    gold_covered: int      # of those, aligned to a line labelled body (recall)
    body_tokens: int       # tokens on lines labelled body
    body_aligned: int      # of those, aligned to gold (precision)


def _ids(seq: list[str], vocab: dict[str, int]) -> list[int]:
    return [vocab.setdefault(t, len(vocab)) for t in seq]


def _title_lines(line_toks: list[list[str]], title: list[str], labels: list[str]) -> list[int]:
    """Lines (a run of 1-3) that spell the title, nearest before the first body line."""
    if not title:
        return []
    tset = set(title)
    first_body = next((i for i, lab in enumerate(labels) if lab == "body"), len(labels))
    found: list[tuple[int, int]] = []
    for i, toks in enumerate(line_toks):
        if labels[i] == "body" or not toks or toks[0] not in tset:
            continue
        run: list[str] = []
        for j in range(i, min(i + 3, len(line_toks))):
            if labels[j] == "body" or not line_toks[j]:
                break
            run = run + line_toks[j]
            if len(run) > 1.5 * len(title) + 2:
                break
            m = sum(b.size for b in SequenceMatcher(None, title, run, autojunk=False).get_matching_blocks())
            if (m >= 0.9 * len(run) and m >= 0.75 * len(title)) or (m == len(title) and m >= 0.6 * len(run)):
                found.append((i, j))
                break
    if not found:
        return []
    before = [f for f in found if f[0] < first_body]
    after = [f for f in found if first_body <= f[0] <= first_body + 10]
    if not before and not after:
        return []
    start, end = before[-1] if before else after[0]
    return list(range(start, end + 1))


def align_lines(lines: list[str], gold: str, title: str = "") -> Alignment:
    """Label each line ``title``, ``body`` or ``boilerplate`` against the gold text."""
    vocab: dict[str, int] = {}
    line_toks = [tokens(line) for line in lines]
    doc: list[int] = []
    owner: list[int] = []
    for i, toks in enumerate(line_toks):
        doc.extend(_ids(toks, vocab))
        owner.extend([i] * len(toks))
    gold_lines = [tokens(g) for g in gold.splitlines()]
    gold_ids: list[int] = []
    gold_starts, gold_ends = set(), set()
    for toks in gold_lines:
        if toks:
            gold_starts.add(len(gold_ids))
            gold_ids.extend(_ids(toks, vocab))
            gold_ends.add(len(gold_ids))
    aligned = bytearray(len(doc))
    gold_pos = [-1] * len(doc)
    block_of = [-1] * len(doc)
    blocks = SequenceMatcher(None, doc, gold_ids, autojunk=False).get_matching_blocks()
    for k, (a, b, n) in enumerate(blocks):
        for off in range(n):
            block_of[a + off] = k
            gold_pos[a + off] = b + off
            aligned[a + off] = n >= 2
    labels = ["boilerplate"] * len(lines)
    pos = 0
    for i, toks in enumerate(line_toks):
        n = len(toks)
        if n == 0:
            continue
        span = range(pos, pos + n)
        pos += n
        if n > SHORT:
            if sum(aligned[span.start:span.stop]) >= BODY_SHARE * n:
                labels[i] = "body"
            continue
        k = block_of[span.start]
        if k < 0 or any(block_of[p] != k for p in span):
            continue
        a, b, size = blocks[k]
        whole_gold_line = gold_pos[span.start] in gold_starts and gold_pos[span.stop - 1] + 1 in gold_ends
        if size > n or whole_gold_line:
            labels[i] = "body"
    # lines without word tokens ("---", "}", "•") follow their neighbours when both are body
    prev = "boilerplate"
    for i, toks in enumerate(line_toks):
        if toks:
            prev = labels[i]
        elif prev == "body" and next((labels[j] for j in range(i + 1, len(labels)) if line_toks[j]), "") == "body":
            labels[i] = "body"
    for i in _title_lines(line_toks, tokens(title), labels):
        labels[i] = "title"
    body_tok = covered = 0
    gold_hit = bytearray(len(gold_ids))
    pos = 0
    for i, toks in enumerate(line_toks):
        n = len(toks)
        if labels[i] == "body":
            body_tok += n
            for p in range(pos, pos + n):
                if aligned[p] or (n <= SHORT and gold_pos[p] >= 0):
                    covered += 1
                    gold_hit[gold_pos[p]] = 1
        pos += n
    return Alignment(labels, len(gold_ids), sum(gold_hit), body_tok, covered)
