"""Scoring for boilerplate removal, on plain-text documents and on HTML pages.

Three measures are computed; each is defined exactly here, since figures from
different benchmarks are only comparable when the definitions match.

Shingle precision / recall / F1 (the measure of the public article-extraction benchmarks)
---------------------------------------------------------------------------------------
1. *Tokens.*  The text is casefolded and split into Unicode word tokens, the matches of
   ``\\w+`` (``re.UNICODE``).  Scripts written without spaces between words (Han,
   Hiragana, Katakana, and also Thai, Lao, Khmer, Myanmar) yield one token per
   character instead, so every language gets tokens of comparable weight.
2. *Shingles.*  The multiset of token 4-grams.  When either text of a page is non-empty
   but shorter than 4 tokens, both texts of that page use their tokens themselves as
   shingles (1-grams), so a very short text can still match.
3. *Per page.*  With ``P`` the predicted and ``G`` the gold shingle multisets,
   ``tp = |P ∩ G|``, ``fp = |P − G|``, ``fn = |G − P|`` (multiset intersection and
   differences), then each is divided by ``tp + fp + fn`` so that every page weighs the
   same however long it is.  Edge cases: both texts without tokens -> ``tp = 1``
   (a perfect page); gold empty, prediction not -> ``fp = 1``; prediction empty, gold
   not -> ``fn = 1``.
4. *Over pages.*  ``precision = mean(tp) / (mean(tp) + mean(fp))``,
   ``recall = mean(tp) / (mean(tp) + mean(fn))``, ``F1 = 2PR / (P + R)`` (0 when
   ``P + R = 0``; an empty denominator makes a score undefined, as for line scores).

Gold text and titles.  Gold is the record's ``gold`` (article body, no title).  By
default (``include_title=False``) the title is left out of both sides: for a plain-text
document the output lines matched to input lines labelled ``title`` are removed before
scoring; for an HTML page every output line equal to ``gold_title`` (whitespace-
normalised, casefolded) is removed.  With ``include_title=True`` the gold is
``gold_title + "\\n\\n" + gold`` and the output is scored as it is.

Line precision / recall / F1 for the *boilerplate* class (plain-text documents)
-------------------------------------------------------------------------------
Each record has one label per line of ``split_lines(text)``.  A line is truly
boilerplate when its label is not ``body`` (``boilerplate``, ``supplemental``,
``related``, ``comments``).  Title lines are left out of line scoring entirely by
default (sources disagree on whether a title belongs to the text); with
``include_title=True`` they are scored as content to keep, like ``body``.

A line is predicted boilerplate when it does not appear in the output.  The output's
lines (``split_lines(output)``) are matched back to the input's lines in order, as a
subsequence: each output line is matched to the first not-yet-passed input line with the
same text (compared after stripping surrounding whitespace).  Output lines that match
no input line are ignored by this measure (they still count in shingle scoring).
Counts are summed over all lines of all documents of a group (micro average):
``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)``, where positive = dropped.
A score with an empty denominator is undefined (``None``, shown as "–"): e.g. the
precision of a tool that drops nothing, or the recall on documents without
boilerplate; F1 is then 0 if the other score is 0, else undefined.  A document whose label count differs from its line
count is not line-scored (reported as ``label_mismatch``).

Snippet scores (pages that carry ``with`` / ``without`` snippets)
-----------------------------------------------------------------
``with found`` is the share of ``with`` snippets found in the output, ``without
absent`` the share of ``without`` snippets absent from it; a snippet is found when its
whitespace-normalised, casefolded text is a substring of the output normalised the
same way.  Shares are pooled over snippets (not pages) and reported per language.

Errors.  An exception raised by the tool (or a non-``str`` result) is counted in
``errors`` and the document is scored as if the output were empty; the run goes on.
Seconds are the time spent inside the tool.

CLI::

    python -m benchmarks.evaluate --split dev [--data data/built] [--tool keep-all,c4]  (--pages --tool boilerstrip-html: HTML)
        [--kind page,aggregator,clean] [--limit N] [--out FILE.md] [--pages] [--model FILE]

``--model FILE`` runs the boilerstrip tools with that model file instead of the shipped model.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from boilerstrip.text import split_lines

__all__ = [
    "tokenize",
    "shingles",
    "shingle_counts",
    "line_counts",
    "match_lines",
    "snippet_counts",
    "GroupStats",
    "Report",
    "evaluate",
    "evaluate_html",
    "compare_markdown",
    "load_jsonl",
    "load_split",
    "load_pages",
    "TOOLS",
    "Tool",
    "ToolUnavailable",
    "boilerstrip_cleaner",
    "script_parser",
    "write_markdown",
    "CORPUS_LABELS",
    "main",
]

N = 4
BODY = "body"
TITLE = "title"
#: The corpus's line labels (finer than the model's classes, ``boilerstrip.model.CLASSES``).
CORPUS_LABELS = ("body", "title", "boilerplate", "supplemental", "related", "comments")

# Scripts written without spaces between words: one token per character.
_NOSPACE = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
    "\u3005\u3006\u3007"  # CJK iteration / closing marks, ideographic zero
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # CJK extensions B-G
)
_TOKEN = re.compile(f"[{_NOSPACE}]|[^\\W{_NOSPACE}]+", re.UNICODE)
_WS = re.compile(r"\s+")


# ----------------------------------------------------------------------------- shingles

def tokenize(text: str) -> list[str]:
    """Casefolded Unicode word tokens; one token per character for CJK, Thai & co.

    >>> tokenize("Hello, World! 東京タワー x_1")
    ['hello', 'world', '東', '京', 'タ', 'ワ', 'ー', 'x_1']
    """
    return _TOKEN.findall(text.casefold())


def shingles(tokens: Sequence[str], n: int = N) -> Counter:
    """Multiset of token n-grams (tuples); fewer than ``n`` tokens -> the tokens as 1-grams."""
    if len(tokens) < n:
        return Counter((t,) for t in tokens)
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def shingle_counts(predicted: str, gold: str, n: int = N) -> tuple[float, float, float]:
    """Normalised ``(tp, fp, fn)`` of one page, summing to 1 (see module docstring)."""
    pt, gt = tokenize(predicted), tokenize(gold)
    if not pt and not gt:
        return 1.0, 0.0, 0.0
    if not gt:
        return 0.0, 1.0, 0.0
    if not pt:
        return 0.0, 0.0, 1.0
    k = n if min(len(pt), len(gt)) >= n else 1
    ps, gs = shingles(pt, k), shingles(gt, k)
    tp = sum((ps & gs).values())
    fp = sum((ps - gs).values())
    fn = sum((gs - ps).values())
    total = tp + fp + fn
    return tp / total, fp / total, fn / total


def _prf(tp: float, fp: float, fn: float) -> tuple[float | None, float | None, float | None]:
    """Precision, recall, F1; ``None`` where undefined (an empty denominator).

    F1 is 0 when either defined score is 0, ``None`` when it cannot be told."""
    p = tp / (tp + fp) if tp + fp > 0 else None
    r = tp / (tp + fn) if tp + fn > 0 else None
    if p is not None and r is not None:
        f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    else:
        f = 0.0 if (p == 0 or r == 0) else None
    return p, r, f


# -------------------------------------------------------------------------------- lines

def match_lines(input_lines: Sequence[str], output_lines: Sequence[str]) -> tuple[list[bool], list[int]]:
    """Match output lines back to input lines in order (greedy subsequence).

    Returns ``(kept, unmatched)``: ``kept[i]`` tells whether input line ``i`` was matched
    by an output line, ``unmatched`` lists the positions of output lines that matched no
    (remaining) input line.

    >>> match_lines(["a", "b", "a", "c"], ["a", "c", "z"])
    ([True, False, False, True], [2])
    """
    keys = [s.strip() for s in input_lines]
    kept = [False] * len(keys)
    unmatched: list[int] = []
    pos = 0
    for j, out in enumerate(output_lines):
        key = out.strip()
        k = pos
        while k < len(keys) and keys[k] != key:
            k += 1
        if k < len(keys):
            kept[k] = True
            pos = k + 1
        else:
            unmatched.append(j)
    return kept, unmatched


def line_counts(labels: Sequence[str], kept: Sequence[bool], include_title: bool = False) -> tuple[int, int, int, int]:
    """``(tp, fp, fn, tn)`` for the boilerplate class; positive = dropped."""
    tp = fp = fn = tn = 0
    for label, keep in zip(labels, kept):
        if label == TITLE and not include_title:
            continue
        boiler = label not in (BODY, TITLE)
        if boiler and not keep:
            tp += 1
        elif boiler:
            fn += 1
        elif not keep:
            fp += 1
        else:
            tn += 1
    return tp, fp, fn, tn


# ----------------------------------------------------------------------------- snippets

def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip().casefold()


def snippet_counts(output: str, with_: Iterable[str], without: Iterable[str]) -> tuple[int, int, int, int]:
    """``(with_found, with_total, without_absent, without_total)`` for one page."""
    out = _norm(output)
    w = [_norm(s) for s in with_ if _norm(s)]
    wo = [_norm(s) for s in without if _norm(s)]
    return sum(s in out for s in w), len(w), sum(s not in out for s in wo), len(wo)


# ------------------------------------------------------------------------------- report

@dataclass
class GroupStats:
    """Sums for one group of documents; the scores are properties computed from them."""

    docs: int = 0
    errors: int = 0
    seconds: float = 0.0
    shingle_docs: int = 0
    tp: float = 0.0
    fp: float = 0.0
    fn: float = 0.0
    line_docs: int = 0
    label_mismatch: int = 0
    line_tp: int = 0
    line_fp: int = 0
    line_fn: int = 0
    line_tn: int = 0
    with_found: int = 0
    with_total: int = 0
    without_absent: int = 0
    without_total: int = 0

    def add(self, other: "GroupStats") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def shingle_prf(self) -> tuple[float, float, float]:
        # mean(tp)/(mean(tp)+mean(fp)) equals sum(tp)/(sum(tp)+sum(fp)): same page count.
        return _prf(self.tp, self.fp, self.fn)

    @property
    def line_prf(self) -> tuple[float, float, float]:
        return _prf(self.line_tp, self.line_fp, self.line_fn)

    @property
    def with_share(self) -> float | None:
        return self.with_found / self.with_total if self.with_total else None

    @property
    def without_share(self) -> float | None:
        return self.without_absent / self.without_total if self.without_total else None

    def summary(self) -> dict:
        p, r, f = self.shingle_prf
        lp, lr, lf = self.line_prf
        return {
            "docs": self.docs, "errors": self.errors, "seconds": round(self.seconds, 3),
            "precision": p, "recall": r, "f1": f,
            "line_precision": lp, "line_recall": lr, "line_f1": lf,
            "with_found": self.with_share, "without_absent": self.without_share,
        }


@dataclass
class DocResult:
    """Per-document outcome, kept for error analysis (no texts, only scores)."""

    id: str
    groups: dict
    stats: GroupStats
    error: str | None = None


DIMENSIONS = ("source", "kind", "style", "lang")


@dataclass
class Report:
    """Scores overall and per value of each dimension (source, kind, style, lang)."""

    tool: str = ""
    overall: GroupStats = field(default_factory=GroupStats)
    groups: dict[str, dict[str, GroupStats]] = field(default_factory=dict)
    docs: list[DocResult] = field(default_factory=list)
    wall_seconds: float = 0.0
    html: bool = False

    def record(self, result: DocResult) -> None:
        self.docs.append(result)
        self.overall.add(result.stats)
        for dim, value in result.groups.items():
            self.groups.setdefault(dim, {}).setdefault(str(value), GroupStats()).add(result.stats)

    @property
    def precision(self) -> float | None:
        return self.overall.shingle_prf[0]

    @property
    def recall(self) -> float | None:
        return self.overall.shingle_prf[1]

    @property
    def f1(self) -> float | None:
        return self.overall.shingle_prf[2]

    def to_dict(self) -> dict:
        return {
            "tool": self.tool,
            "overall": self.overall.summary(),
            "groups": {d: {k: g.summary() for k, g in sorted(v.items())} for d, v in self.groups.items()},
            "wall_seconds": round(self.wall_seconds, 3),
        }

    def to_markdown(self, dimensions: Sequence[str] = ("source", "kind", "style")) -> str:
        """Markdown tables: overall, then one table per dimension; snippets per language."""
        title = f"## {self.tool}" if self.tool else "## Results"
        parts = [title, "", f"{self.overall.docs} documents, {self.overall.errors} errors, "
                 f"{self.overall.seconds:.1f} s in the tool, {self.wall_seconds:.1f} s wall.", ""]
        rows = [("overall", self.overall)]
        parts += [_table("all", rows, lines=not self.html), ""]
        for dim in dimensions:
            if dim in self.groups:
                rows = sorted(self.groups[dim].items())
                parts += [f"### Per {dim}", "", _table(dim, rows, lines=not self.html), ""]
        if self.overall.with_total or self.overall.without_total:
            rows = sorted(self.groups.get("lang", {}).items()) + [("all", self.overall)]
            parts += ["### Snippets per language", "", _snippet_table(rows), ""]
        return "\n".join(parts).rstrip() + "\n"


def _fmt(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def _table(head: str, rows: Sequence[tuple[str, GroupStats]], lines: bool = True, tool_col: bool = False) -> str:
    cols = [head] + (["tool"] if tool_col else []) + ["docs", "errors", "P", "R", "F1"]
    if lines:
        cols += ["line P", "line R", "line F1"]
    cols += ["seconds"]
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join(["---"] * (1 + tool_col) + ["---:"] * (len(cols) - 1 - tool_col)) + "|"]
    for row in rows:
        name, g = row[0], row[-1]
        cells = [str(name)] + ([str(row[1])] if tool_col else [])
        cells += [str(g.docs), str(g.errors)]
        cells += [_fmt(x) for x in g.shingle_prf] if g.shingle_docs else ["–"] * 3
        if lines:
            cells += [_fmt(x) for x in g.line_prf] if g.line_docs else ["–"] * 3
        cells += [f"{g.seconds:.2f}"]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def _snippet_table(rows: Sequence[tuple[str, GroupStats]]) -> str:
    out = ["| lang | pages | with found | without absent | with n | without n |", "|---|---:|---:|---:|---:|---:|"]
    for name, g in rows:
        if not (g.with_total or g.without_total):
            continue
        out.append(f"| {name} | {g.docs} | {_fmt(g.with_share)} | {_fmt(g.without_share)} | {g.with_total} | {g.without_total} |")
    return "\n".join(out)


def compare_markdown(reports: Sequence[Report], dimensions: Sequence[str] = ("source", "kind")) -> str:
    """One table per dimension with a row per (group, tool), to compare tools side by side."""
    html = any(r.html for r in reports)
    parts = ["### Overall", "", _table("all", [("overall", r.tool, r.overall) for r in reports], lines=not html, tool_col=True), ""]
    for dim in dimensions:
        values = sorted({v for r in reports for v in r.groups.get(dim, {})})
        if not values:
            continue
        rows = [(v, r.tool, r.groups[dim][v]) for v in values for r in reports if v in r.groups.get(dim, {})]
        parts += [f"### Per {dim}", "", _table(dim, rows, lines=not html, tool_col=True), ""]
    return "\n".join(parts).rstrip() + "\n"


# --------------------------------------------------------------------------- evaluation

def _run(fn: Callable[[str], str], arg: str) -> tuple[str, str | None, float]:
    start = time.perf_counter()
    try:
        out = fn(arg)
        err = None if isinstance(out, str) else f"TypeError: tool returned {type(out).__name__}"
    except Exception as exc:  # a failing tool is scored, never fatal
        out, err = "", f"{type(exc).__name__}: {exc}"[:300]
    seconds = time.perf_counter() - start
    return (out if err is None else ""), err, seconds


def _group_values(doc: Mapping, dims: Sequence[str]) -> dict:
    return {d: doc.get(d) or "?" for d in dims}


def evaluate(fn: Callable[[str], str], docs: Iterable[Mapping], *, include_title: bool = False, tool: str = "") -> Report:
    """Run ``fn`` (``str -> str``) on each plain-text record's ``text`` and score it.

    Groups: per ``source``, ``kind``, ``style`` (and ``lang``), plus overall.
    """
    report = Report(tool=tool or getattr(fn, "__name__", ""))
    wall = time.perf_counter()
    for doc in docs:
        text = doc.get("text") or ""
        output, err, seconds = _run(fn, text)
        stats = GroupStats(docs=1, errors=int(err is not None), seconds=seconds)
        in_lines = split_lines(text)
        out_lines = split_lines(output)
        kept, _ = match_lines([ln.text for ln in in_lines], [ln.text for ln in out_lines])
        labels = doc.get("labels")
        # Title handling for shingles: drop output lines matched to title lines.
        gold = doc.get("gold") or ""
        if include_title:
            title = doc.get("gold_title") or ""
            gold = f"{title}\n\n{gold}" if title else gold
            predicted = output
        elif labels and len(labels) == len(in_lines) and TITLE in labels:
            predicted = _drop_title_lines(in_lines, out_lines, labels)
        else:
            predicted = _drop_title_text(output, doc.get("gold_title") or "")
        stats.tp, stats.fp, stats.fn = shingle_counts(predicted, gold)
        stats.shingle_docs = 1
        if labels is not None:
            if len(labels) == len(in_lines):
                stats.line_tp, stats.line_fp, stats.line_fn, stats.line_tn = line_counts(labels, kept, include_title)
                stats.line_docs = 1
            else:
                stats.label_mismatch = 1
        if doc.get("with") or doc.get("without"):
            (stats.with_found, stats.with_total,
             stats.without_absent, stats.without_total) = snippet_counts(output, doc.get("with") or (), doc.get("without") or ())
        report.record(DocResult(str(doc.get("id", doc.get("page", ""))), _group_values(doc, DIMENSIONS), stats, err))
    report.wall_seconds = time.perf_counter() - wall
    return report


def _drop_title_lines(in_lines, out_lines, labels) -> str:
    """The output without the lines that matched title-labelled input lines."""
    keys = [ln.text.strip() for ln in in_lines]
    keep_out: list[str] = []
    pos = 0
    for out in out_lines:
        key = out.text.strip()
        k = pos
        while k < len(keys) and keys[k] != key:
            k += 1
        if k < len(keys):
            pos = k + 1
            if labels[k] == TITLE:
                continue
        keep_out.append(out.text)
    return "\n".join(keep_out)


def _drop_title_text(output: str, title: str) -> str:
    t = _norm(title)
    if not t:
        return output
    return "\n".join(ln.text for ln in split_lines(output) if _norm(ln.text) != t)


def evaluate_html(fn: Callable[[str], str], pages: Iterable[Mapping], *, include_title: bool = False, tool: str = "") -> Report:
    """Run ``fn`` (HTML ``str -> str``) on each page record's ``html`` and score it.

    Pages with a non-empty ``gold`` get shingle scores; pages with ``with`` / ``without``
    snippets get snippet scores (pages of source ``trafilatura-eval`` only the latter).
    Groups: per ``source`` and ``lang``, plus overall.
    """
    report = Report(tool=tool or getattr(fn, "__name__", ""), html=True)
    wall = time.perf_counter()
    for page in pages:
        output, err, seconds = _run(fn, page.get("html") or "")
        stats = GroupStats(docs=1, errors=int(err is not None), seconds=seconds)
        gold = page.get("gold") or ""
        title = page.get("gold_title") or ""
        with_, without = page.get("with") or (), page.get("without") or ()
        if gold.strip() or not (with_ or without):
            if include_title:
                gold = f"{title}\n\n{gold}" if title else gold
                predicted = output
            else:
                predicted = _drop_title_text(output, title)
            stats.tp, stats.fp, stats.fn = shingle_counts(predicted, gold)
            stats.shingle_docs = 1
        if with_ or without:
            (stats.with_found, stats.with_total,
             stats.without_absent, stats.without_total) = snippet_counts(output, with_, without)
        report.record(DocResult(str(page.get("page", page.get("id", ""))), _group_values(page, ("source", "lang")), stats, err))
    report.wall_seconds = time.perf_counter() - wall
    return report


# ---------------------------------------------------------------------------- data, CLI

def load_jsonl(path: str | Path) -> Iterator[dict]:
    """Records of a (possibly gzipped) JSONL file."""
    from boilerstrip.data import read_records

    return read_records(path)


def load_split(data: str | Path, split: str) -> Iterator[dict]:
    return load_jsonl(Path(data) / f"{split}.jsonl.gz")


def load_pages(data: str | Path, split: str) -> Iterator[dict]:
    return load_jsonl(Path(data) / f"{split}-pages.jsonl.gz")


class ToolUnavailable(RuntimeError):
    """A registered tool cannot be built here (missing package, not written yet...)."""


@dataclass(frozen=True)
class Tool:
    """A registry entry: ``factory()`` returns the callable (``factory(model)`` when
    ``takes_model``: a model file path, or ``None`` for the shipped model); ``input`` is
    its argument kind."""

    factory: Callable[..., Callable[[str], str]]
    input: str = "text"  # "text" or "html"
    description: str = ""
    takes_model: bool = False


def _keep_all():
    from benchmarks.baselines import keep_all
    return keep_all


def _c4():
    from benchmarks.baselines import c4_rules
    return c4_rules


def boilerstrip_cleaner(model=None, **keywords) -> Callable[[str], str]:
    """``boilerstrip.clean`` with ``model`` (a model file path, a loaded ``LineModel``,
    or ``None``: the shipped model) loaded once, here, and the given keywords.

    Raises :class:`ToolUnavailable` when boilerstrip cannot be imported or the model does
    not load (e.g. the shipped model while it is being retrained for new features)."""
    try:
        from boilerstrip import clean
    except ImportError as exc:
        raise ToolUnavailable(f"boilerstrip.clean is not importable yet ({exc}); "
                              "the cleaner has to exist before it can be benchmarked") from exc
    from boilerstrip.pipeline import resolve_model

    try:
        loaded = resolve_model(model)
    except (OSError, ValueError) as exc:  # ModelMismatchError is a ValueError
        raise ToolUnavailable(f"the boilerstrip model does not load: {type(exc).__name__}: {exc}") from exc

    def boilerstrip_clean(text: str) -> str:
        return clean(text, model=loaded, **keywords)
    return boilerstrip_clean


def _boilerstrip_html(model=None):
    return boilerstrip_cleaner(model, html=True)


def _html_text():
    def html_all_text(html: str) -> str:
        import lxml.html
        if not html.strip():
            return ""
        root = lxml.html.fromstring(html)
        for bad in root.xpath("//script|//style|//noscript"):
            bad.drop_tree()
        return root.text_content()
    return html_all_text


# name -> Tool.  Add entries here (an HTML extractor: Tool(factory, input="html")).
TOOLS: dict[str, Tool] = {
    "keep-all": Tool(_keep_all, "text", "returns the input unchanged"),
    "c4": Tool(_c4, "text", "C4 line rules (T5 paper)"),
    "boilerstrip": Tool(boilerstrip_cleaner, "text", "boilerstrip.clean", takes_model=True),
    "boilerstrip-html": Tool(_boilerstrip_html, "html", "boilerstrip.clean on the page's HTML", takes_model=True),
    "html-all-text": Tool(_html_text, "html", "all text of the HTML except script/style"),
}


@lru_cache(maxsize=4)
def _column_permutation(seed: int, n: int):
    import numpy as np

    return np.random.default_rng(seed).permutation(n).astype(np.int32)


@contextmanager
def unseen_vocabulary(seed: int) -> Iterator[None]:
    """Run boilerstrip as if every document were in a language its corpus never had.

    boilerstrip's hashed word columns are moved by a fixed random permutation (``seed``)
    while the block runs: each word then lands on another word's column, so what the
    model learned about words (first-pass weights, corpus IDF) says nothing about it,
    while the line shapes, punctuation and layout stay those of the real documents.  It
    estimates what is left of its quality on text whose vocabulary it never saw, from
    documents that do have gold labels (the corpora's labelled pages are nearly all English).
    """
    from boilerstrip import features
    from boilerstrip.features import words

    perm = _column_permutation(seed, features.N_WORD_FEATURES)
    original = words.hash_words

    def shuffled_hash_words(lines, cp=None):
        return original(lines, cp).with_columns(perm)

    # word_features() looks hash_words up in its own module; the package re-exports it.
    for module in (words, features):
        module.hash_words = shuffled_hash_words
    try:
        yield
    finally:
        for module in (words, features):
            module.hash_words = original


def script_parser(prog: str, doc: str) -> argparse.ArgumentParser:
    """The command line shared by the one-table measurement scripts (``formats``,
    ``code_pages``): ``--split``, ``--data``, ``--out`` and ``--model``; the description is
    the first paragraph of ``doc``."""
    ap = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    ap.add_argument("--split", default="test")
    ap.add_argument("--data", type=Path, default=Path("data/built"))
    ap.add_argument("--out", type=Path, default=None, help="also write the Markdown table here")
    ap.add_argument("--model", default=None, metavar="FILE", help="model file (default: the shipped model)")
    return ap


def git_commit() -> str:
    """The short hash of the checkout's HEAD, for a results file's header ("unknown" outside git)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parent)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_markdown(md: str, out: Path | None) -> None:
    """Write ``md`` to ``out`` (its folder made as needed), when given."""
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(md, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.evaluate", description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--data", default="data/built")
    ap.add_argument("--tool", default="keep-all", help=f"comma-separated, from: {', '.join(TOOLS)}")
    ap.add_argument("--kind", default="", help="comma-separated kinds to keep (page,aggregator,clean)")
    ap.add_argument("--source", default="", help="comma-separated sources to keep")
    ap.add_argument("--limit", type=int, default=0, help="score only the first N documents (after filtering)")
    ap.add_argument("--pages", action="store_true", help="score HTML tools on {split}-pages.jsonl.gz")
    ap.add_argument("--include-title", action="store_true", help="score the title as content to keep")
    ap.add_argument("--out", default="", help="also write the Markdown to this file")
    ap.add_argument("--unseen-vocabulary", type=int, default=None, metavar="SEED",
                    help="score boilerstrip as on a language it never saw: its hashed words moved "
                         "to other columns by a random permutation (see unseen_vocabulary)")
    ap.add_argument("--model", default=None, metavar="FILE",
                    help="model file for the boilerstrip tools (default: the shipped model)")
    args = ap.parse_args(argv)

    names = [t.strip() for t in args.tool.split(",") if t.strip()]
    unknown = [n for n in names if n not in TOOLS]
    if unknown:
        ap.error(f"unknown tool(s) {', '.join(unknown)}; known: {', '.join(TOOLS)}")
    kinds = {k.strip() for k in args.kind.split(",") if k.strip()}
    sources = {k.strip() for k in args.source.split(",") if k.strip()}
    path = Path(args.data) / (f"{args.split}-pages.jsonl.gz" if args.pages else f"{args.split}.jsonl.gz")
    if not path.exists():
        print(f"error: {path} does not exist (build the corpus first)", file=sys.stderr)
        return 2
    records = []
    for rec in load_jsonl(path):
        if kinds and rec.get("kind") not in kinds:
            continue
        if sources and rec.get("source") not in sources:
            continue
        records.append(rec)
        if args.limit and len(records) >= args.limit:
            break

    reports: list[Report] = []
    status = 0
    for name in names:
        tool = TOOLS[name]
        if (tool.input == "html") != args.pages:
            print(f"skipping {name}: takes {tool.input} input; use {'--pages' if tool.input == 'html' else 'no --pages'}",
                  file=sys.stderr)
            status = 2
            continue
        try:
            fn = tool.factory(args.model) if tool.takes_model else tool.factory()
        except ToolUnavailable as exc:
            print(f"skipping {name}: {exc}", file=sys.stderr)
            status = 2
            continue
        run = evaluate_html if args.pages else evaluate
        seed = args.unseen_vocabulary
        with nullcontext() if seed is None else unseen_vocabulary(seed):
            label = name if seed is None else f"{name} (unseen vocabulary {seed})"
            reports.append(run(fn, records, include_title=args.include_title, tool=label))

    if not reports:
        return status or 2
    header = (f"# {'Pages' if args.pages else 'Documents'}: split `{args.split}`, {len(records)} records"
              + (f", kinds {','.join(sorted(kinds))}" if kinds else "")
              + (f", sources {','.join(sorted(sources))}" if sources else "")
              + (", title included" if args.include_title else "")
              + (f", boilerstrip's vocabulary permuted (seed {args.unseen_vocabulary})"
                 if args.unseen_vocabulary is not None else "")
              + (f", boilerstrip model `{args.model}`" if args.model else "") + "\n\n"
              + "Shingle P/R/F1: token 4-gram shingles, page-normalised (see benchmarks/evaluate.py). "
              + ("" if args.pages else "Line P/R/F1: boilerplate class, title lines excluded. ")
              + "\n")
    dims = ("source", "lang") if args.pages else ("source", "kind", "style")
    body = header + "\n"
    if len(reports) > 1:
        body += "".join(f"- `{r.tool}`: {r.overall.docs} documents, {r.overall.errors} errors, "
                        f"{r.overall.seconds:.1f} s in the tool\n" for r in reports)
        body += "\n## Comparison\n\n" + compare_markdown(reports, dims)
        snippets = [r for r in reports if r.overall.with_total or r.overall.without_total]
        for r in snippets:
            rows = sorted(r.groups.get("lang", {}).items()) + [("all", r.overall)]
            body += f"\n### Snippets per language: {r.tool}\n\n" + _snippet_table(rows) + "\n"
    else:
        body += reports[0].to_markdown(dims)
    print(body)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(body, encoding="utf-8")
    return status


if __name__ == "__main__":
    sys.exit(main())
