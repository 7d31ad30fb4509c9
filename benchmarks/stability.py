"""How far does one line decide a page?  Each page cleaned whole and without one line above its article.

Each page of a split with a gold article (all of them, or a seeded sample of ``--limit``) is
rendered by every converter of ``benchmarks.renderers`` and cleaned whole, then again with
one line above its article left out: up to ``--removals`` lines per page and rendering,
drawn with ``random.Random`` seeded by the page id among the non-blank lines before the
first line whose text is mostly gold (the rule of ``benchmarks.renderers.oracle``, link
targets removed), so never a line of the article.  F1 is the token 4-gram shingle F1 of
``benchmarks.renderers`` (link targets removed, title lines left out).  A page *moves* when
one of these cleanings scores more than 0.2 (0.05) of F1 away from the whole page's: the
decision about its article rested on a menu or sidebar line (falling: it lost its article
or gained boilerplate; rising: the whole page had).  ``largest change``: the mean over pages
of the largest such difference.  ``F1 whole`` pools the whole pages' shingles, as the
renderers' table does.

    python -m benchmarks.stability [--split test] [--data data/built] [--model FILE]
        [--limit N] [--removals 4] [--out benchmarks/results/stability.md]
"""

from __future__ import annotations

import random
import sys
import time
from dataclasses import dataclass, field
from typing import Sequence

from benchmarks.evaluate import _fmt, _prf, git_commit, load_pages, script_parser, write_markdown
from benchmarks.evidence import _model_line
from benchmarks.renderers import RENDERERS, Scores, drop_link_targets, gold_lines
from boilerstrip import clean
from boilerstrip.pipeline import ModelArg, resolve_model

__all__ = ["lines_above_article", "without_line", "Moves", "measure_page", "main"]

MOVES = (0.2, 0.05)   # F1 differences that count a page as moved


def lines_above_article(text: str, gold: str) -> list[int]:
    """Positions (in ``text.split("\\n")``) of the non-blank lines before the first line
    that is mostly gold; all of them when no line is.

    >>> lines_above_article("Home\\n\\nNews\\nThe council voted on Tuesday to expand the park.",
    ...                     "The council voted on Tuesday to expand the park.")
    [0, 2]
    """
    lines = text.split("\n")
    article = gold_lines([drop_link_targets(line) for line in lines], gold)
    end = article[0] if article else len(lines)
    return [k for k in range(end) if lines[k].strip()]


def without_line(text: str, k: int) -> str:
    """``text`` with its line ``k`` (of ``text.split("\\n")``) left out.

    >>> without_line("a\\nb\\nc", 1)
    'a\\nc'
    """
    lines = text.split("\n")
    return "\n".join(lines[:k] + lines[k + 1:])


@dataclass
class Moves:
    """One rendering's figures over its pages: per page, the F1 changes its removals made."""

    whole: Scores = field(default_factory=Scores)
    changes: list[list[float]] = field(default_factory=list)

    def count(self, above: float, direction: int = 0) -> int:
        """Pages with a change beyond ``above``: either way (``direction`` 0), or only
        down (-1) or up (+1)."""
        return sum(any(abs(c) > above and (direction == 0 or c * direction > 0) for c in page)
                   for page in self.changes)

    def largest(self) -> float:
        """The mean over pages of the largest change (0 for a page without removals)."""
        return sum(max(map(abs, page), default=0.0) for page in self.changes) / max(len(self.changes), 1)


def _f1(counts: Sequence[float]) -> float:
    """F1 of shingle counts (``evaluate._prf``'s); 0 where it cannot be told."""
    return _prf(*counts[:3])[2] or 0.0


def measure_page(text: str, gold: str, title: str, page_id: str, removals: int, model: ModelArg,
                 moves: Moves) -> None:
    """Clean ``text`` whole and without each of up to ``removals`` lines above its article,
    adding the figures to ``moves`` (a page without such a line counts as unmoved)."""
    above = lines_above_article(text, gold)
    picks = random.Random(page_id).sample(above, min(removals, len(above)))
    base = _f1(moves.whole.add(clean(text, model=model), gold, title))
    moves.changes.append([_f1(Scores().add(clean(without_line(text, k), model=model), gold, title)) - base
                          for k in picks])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = script_parser("python -m benchmarks.stability", __doc__)
    ap.add_argument("--limit", type=int, default=None, help="pages: a seeded sample of those with gold")
    ap.add_argument("--removals", type=int, default=4, help="lines above the article left out, one at a time")
    args = ap.parse_args(argv)
    if args.removals < 1:
        ap.error("--removals must be at least 1")
    try:
        model = resolve_model(args.model)
    except (OSError, ValueError) as exc:
        ap.error(f"the model does not load: {exc}")
    pages = [p for p in load_pages(args.data, args.split) if (p.get("gold") or "").strip()]
    random.Random(0).shuffle(pages)
    pages = pages[:args.limit]
    rows = {name: Moves() for name in RENDERERS}
    t0 = time.perf_counter()
    for page in pages:
        for name, (_, render) in RENDERERS.items():
            try:
                text = render(page["html"])
            except Exception:   # a converter that fails on a page: not measured there
                continue
            measure_page(text, page["gold"], page.get("gold_title") or "", page["page"], args.removals, model,
                         rows[name])
    seconds = time.perf_counter() - t0
    big, small = MOVES
    head = ["renderer", "pages", "with a line above the article", "F1 whole", f"pages falling > {big}",
            f"pages rising > {big}", f"pages moving > {small}", "largest change (mean)"]
    table = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for name, r in rows.items():
        table.append(f"| {name} | {len(r.changes)} | {sum(bool(c) for c in r.changes)} | {r.whole.f1()} | "
                     f"{r.count(big, -1)} | {r.count(big, +1)} | {r.count(small)} | {_fmt(r.largest())} |")
    command = " ".join(["python -m benchmarks.stability", *argv])
    md = "\n".join([f"# One line away: split `{args.split}`, {len(pages)} pages with a gold article", "",
                    f"- command: `{command}`", f"- commit: `{git_commit()}`", f"- model: {_model_line(args.model)}",
                    f"- up to {args.removals} removals per page and rendering, {seconds:.0f} s", "",
                    " ".join(__doc__.split("\n\n")[1].split()), "", *table, ""])
    print(md)
    write_markdown(md, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
