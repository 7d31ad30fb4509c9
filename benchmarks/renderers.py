"""Scrapers' renderings of HTML pages: how much of the article boilerstrip keeps from each.

Real pipelines hand boilerstrip what their HTML converter made of a page: Markdown
(html2text, markdownify), indented or bulleted text (inscriptis, resiliparse) or plain
block text (html-text, BeautifulSoup ``get_text("\\n")``).  Each page of a split with a
gold article (all of them, or a seeded sample of ``--limit``) is rendered by each converter,
and the rendering is scored with the token 4-gram shingle F1 of ``benchmarks.evaluate`` (title
lines left out): ``as text`` is ``boilerstrip.clean(rendering, format="text")``; ``clean``
is ``boilerstrip.clean(rendering)``, which reads the rendering as Markdown when
``looks_like_markdown`` says it is (the renderings it says so of are ``detected``);
``keep all`` returns the rendering unchanged;
``oracle`` keeps exactly the lines more than half of whose token 4-grams are in the gold
(an estimate of the best any line choice can do on that rendering: a line holding the
article and a sidebar side by side can only be kept or dropped whole).  Link targets
``(url)``, image URLs and reference-link definitions' URLs are removed from every
output before scoring, so that Markdown is not punished for its URLs.  ``no article``:
pages where ``as text`` or ``clean`` kept under 5 % of the article's shingles (recall < 0.05); docs/s
(clean): ``clean`` calls per second on one renderer's renderings of all the pages, timed after
scoring in a loop of their own, best of ``--repeat`` loops, the renderers' loops taken in turn
(every renderer timed the same way, and a slow moment of the machine costs each alike); docs/s
(render): the converter's own speed.  ``trained without``: the same ``clean()`` with a model
trained without that renderer's documents (``--without``, made by ``python -m
boilerstrip.train --exclude-styles ...``), which shows how the model fares on a converter it
has never met; ``resiliparse`` without bullets is in no training document.

Aggregator documents (the split's ``converted-aggregator`` documents: a page's own
article in one converter's rendering, then boilerplate lines of other pages and 1-3
other sites' articles in the same converter's rendering, see ``data/README.md``) are
scored the same way, with the appended stories as boilerplate.

    python -m benchmarks.renderers [--split test] [--limit N] [--data DIR] [--out FILE] [--model FILE]
                                   [--without FILE] [--repeat 3]
"""

from __future__ import annotations

import random
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

from benchmarks.evaluate import (
    _drop_title_text,
    _fmt,
    _prf,
    git_commit,
    load_pages,
    load_split,
    script_parser,
    shingle_counts,
    shingles,
    tokenize,
    write_markdown,
)
from benchmarks.evidence import _model_line
from boilerstrip import clean
from boilerstrip.data.converters import CONVERTERS, UNSEEN
from boilerstrip.markdown import looks_like_markdown
from boilerstrip.model import LineModel
from boilerstrip.pipeline import resolve_model
from boilerstrip.text import join_lines, split_lines

# ------------------------------------------------------------------------ renderers


def _boilerstrip(html: str) -> str:
    from boilerstrip.html import render_html, to_text

    return to_text(render_html(html, "paragraphs"))


#: name -> (what it is, HTML -> text): the converters training documents are made with,
#: one that no training document comes from, and our own renderer for reference.
RENDERERS: dict[str, tuple[str, Callable[[str], str]]] = {
    **{name: (f"{c.family}: {c.what}", c.render) for name, c in CONVERTERS.items()},
    **{name: (f"{c.family}: {c.what}; never in training", c.render) for name, c in UNSEEN.items()},
    "boilerstrip render": ('`boilerstrip.html.render_html(..., "paragraphs")` (reference)', _boilerstrip),
}

# ------------------------------------------------------------------------ scoring

# Markdown's URLs: inline link and image targets (escaped parens and one level of
# parens inside), autolinks, and the URL of a reference definition.
_TARGET = re.compile(r"\]\((?:<[^<>\n]*>|(?:\\.|[^\s()\\]|\((?:\\.|[^\s()\\])*\))*)(?:\s+\"[^\"\n]*\")?\s*\)")
_AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:|www\.)[^<>\s]*>")
_DEFINITION = re.compile(r"^( {0,3}\[[^\[\]\n]+\]:)[ \t]*\S+.*$", re.M)


def drop_link_targets(text: str) -> str:
    """``text`` without Markdown's URLs: ``[a](u)`` -> ``[a]``, ``![b](u)`` -> ``![b]``.

    >>> drop_link_targets("[World](/world) ![logo](http://x/a_(1).png) <http://x> and\\n[1]: http://x/y")
    '[World] ![logo]  and\\n[1]:'
    """
    text = _TARGET.sub("]", text)
    text = _AUTOLINK.sub("", text)
    return _DEFINITION.sub(r"\1", text)


def gold_lines(texts: Sequence[str], gold: str) -> list[int]:
    """Positions of the ``texts`` most of whose token 4-grams are gold 4-grams (a text of
    fewer than 4 tokens: whose token sequence is in the gold).

    >>> gold_lines(["Home", "The council voted on Tuesday.", "Share"], "The council voted on Tuesday.")
    [1]
    """
    tokens = tokenize(gold)
    grams = {n: set(shingles(tokens, n)) for n in (1, 2, 3, 4)}
    keep = []
    for k, text in enumerate(texts):
        own = tokenize(text)
        if not own:
            continue
        mine = shingles(own, min(4, len(own)))
        if 2 * sum(c for g, c in mine.items() if g in grams[len(g)]) > sum(mine.values()):
            keep.append(k)
    return keep


def oracle(text: str, gold: str) -> str:
    """The lines of ``text`` that :func:`gold_lines` keeps: an estimate of the best any
    choice of lines can do."""
    lines = split_lines(text)
    return join_lines(lines, gold_lines([line.text for line in lines], gold))


@dataclass
class Scores:
    """Summed normalised shingle counts of one output kind."""

    tp: float = 0.0
    fp: float = 0.0
    fn: float = 0.0

    def add(self, output: str, gold: str, title: str) -> tuple[float, float, float]:
        counts = shingle_counts(_drop_title_text(drop_link_targets(output), title), gold)
        self.tp += counts[0]
        self.fp += counts[1]
        self.fn += counts[2]
        return counts

    def f1(self) -> str:
        return _fmt(_prf(self.tp, self.fp, self.fn)[2])


@dataclass
class Row:
    pages: int = 0
    errors: int = 0
    detected: int = 0
    no_article_text: int = 0
    no_article: int = 0
    seconds: float = 0.0                 # the best timed loop of clean() over the renderings
    render_seconds: float = 0.0
    renderings: list[str] = field(default_factory=list)
    scores: dict[str, Scores] = field(default_factory=lambda: {k: Scores() for k in KINDS})


KINDS = ("as text", "clean", "without", "keep all", "oracle")


def _excluded(model: LineModel | None) -> tuple[str, ...]:
    """The renderings a model was trained without (its card says so)."""
    if model is None:
        return ()
    return tuple((model.card or {}).get("training", {}).get("exclude_styles") or ())


def _aggregator_table(args, model: LineModel, without: LineModel | None) -> list[str]:
    """F1 on the split's aggregator documents in each converter's rendering."""
    excluded = _excluded(without)
    rows: dict[str, dict[str, Scores]] = {}
    docs: dict[str, int] = {}
    for doc in load_split(args.data, args.split):
        if doc["kind"] != "converted-aggregator":
            continue
        name, gold, title = doc["style"], doc["gold"], doc.get("gold_title") or ""
        row = rows.setdefault(name, {k: Scores() for k in ("clean", "without", "keep all")})
        docs[name] = docs.get(name, 0) + 1
        row["clean"].add(clean(doc["text"], model=model), gold, title)
        if without is not None and name in excluded:
            row["without"].add(clean(doc["text"], model=without), gold, title)
        row["keep all"].add(doc["text"], gold, title)
    table = ["| rendering | documents | F1 clean() | F1 clean(), model trained without this rendering | F1 keep all |",
             "|---|---:|---:|---:|---:|"]
    for name in sorted(rows, key=list(RENDERERS).index):
        r = rows[name]
        loro = r["without"].f1() if name in excluded else "-"
        table.append(f"| {name} | {docs[name]} | {r['clean'].f1()} | {loro} | {r['keep all'].f1()} |")
    return table


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = script_parser("python -m benchmarks.renderers", __doc__)
    ap.add_argument("--limit", type=int, default=None,
                    help="pages: a seeded sample of those with gold (default: all of them)")
    ap.add_argument("--repeat", type=int, default=3, help="timed clean() loops over each renderer's renderings")
    ap.add_argument("--without", default=None, metavar="FILE",
                    help="a model trained without some renderings (`python -m boilerstrip.train "
                         "--exclude-styles ...`), scored on those renderings in a column of its own")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    try:
        model = resolve_model(args.model)
        without = resolve_model(args.without) if args.without else None
    except (OSError, ValueError) as exc:
        ap.error(f"the model does not load: {exc}")
    excluded = _excluded(without)
    pages = [p for p in load_pages(args.data, args.split) if (p.get("gold") or "").strip()]
    random.Random(0).shuffle(pages)
    chosen = "seeded sample" if args.limit is not None and args.limit < len(pages) else "all with a gold article"
    pages = pages[:args.limit]
    rows = {name: Row() for name in RENDERERS}
    t0 = time.perf_counter()
    for page in pages:
        gold, title = page["gold"], page.get("gold_title") or ""
        for name, (_, render) in RENDERERS.items():
            row = rows[name]
            row.pages += 1
            start = time.perf_counter()
            try:
                text = render(page["html"])
            except Exception:   # a converter that fails on a page: scored as empty output
                row.errors += 1
                text = ""
            row.render_seconds += time.perf_counter() - start
            tp, _, fn = row.scores["as text"].add(clean(text, format="text", model=model), gold, title)
            row.no_article_text += tp + fn > 0 and tp / (tp + fn) < 0.05
            row.renderings.append(text)
            out = clean(text, model=model)
            tp, _, fn = row.scores["clean"].add(out, gold, title)
            row.no_article += tp + fn > 0 and tp / (tp + fn) < 0.05
            if without is not None and name in excluded:
                row.scores["without"].add(clean(text, model=without), gold, title)
            row.detected += looks_like_markdown(text)
            row.scores["keep all"].add(text, gold, title)
            row.scores["oracle"].add(oracle(drop_link_targets(text), gold), gold, title)
    for _ in range(args.repeat):         # loops of each renderer in turn, the best of each kept
        for row in rows.values():
            start = time.perf_counter()
            for text in row.renderings:
                clean(text, model=model)
            elapsed = time.perf_counter() - start
            row.seconds = min(row.seconds, elapsed) if row.seconds else elapsed
    seconds = time.perf_counter() - t0
    table = ["| renderer | what | pages | detected as Markdown | F1 read as plain text | F1 clean() "
             "| F1 clean(), model trained without this renderer | F1 keep all | F1 oracle "
             "| no article (as text) | no article (clean) | errors | docs/s (clean) | docs/s (render) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, (what, _) in RENDERERS.items():
        r = rows[name]
        f1s = [r.scores[k].f1() if k != "without" or name in excluded else "-" for k in KINDS]
        table.append(f"| {name} | {what} | {r.pages} | {r.detected} | " + " | ".join(f1s)
                     + f" | {r.no_article_text} | {r.no_article} | {r.errors} | {r.pages / max(r.seconds, 1e-9):.1f} "
                       f"| {r.pages / max(r.render_seconds, 1e-9):.1f} |")
    aggregators = _aggregator_table(args, model, without)
    command = " ".join(["python -m benchmarks.renderers", *argv])
    paragraphs = __doc__.split("\n\n")
    without_line = [f"- model trained without {', '.join(excluded)}: {_model_line(args.without)}"] if without else []
    md = "\n".join([f"# Converters' renderings: split `{args.split}`, {len(pages)} pages with a gold article", "",
                    f"- command: `{command}`", f"- commit: `{git_commit()}`", f"- model: {_model_line(args.model)}",
                    *without_line,
                    f"- {len(pages)} pages ({chosen}), {len(RENDERERS)} renderers, {seconds:.0f} s", "",
                    " ".join(paragraphs[1].split()), "", *table, "",
                    "## Aggregator documents in each converter's rendering", "",
                    " ".join(paragraphs[2].split()), "", *aggregators, ""])
    print(md)
    write_markdown(md, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
