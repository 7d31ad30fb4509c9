"""Pages that quote program code: how much of them each input path keeps.

Tutorials and developer blogs put code in the article, and in plain text a code line
(``id: ID!``, ``}``) looks like a menu line.  This picks the pages of a split whose gold
body has at least ``--min-lines`` code-like lines, by a pattern used for this measurement
only (the model never sees it), and scores their plain-text page and already-clean
documents and their HTML with the scoring of ``benchmarks.evaluate``.

    python -m benchmarks.code_pages [--split test] [--data DIR] [--out FILE] [--model FILE]
"""

from __future__ import annotations

import re
from typing import Iterable, Mapping

from benchmarks.evaluate import (
    ToolUnavailable,
    _fmt,
    boilerstrip_cleaner,
    evaluate,
    evaluate_html,
    load_pages,
    load_split,
    script_parser,
    write_markdown,
)
from boilerstrip.text import split_lines

# A line ending in { } or ;, starting with a closing bracket, or with an operator,
# empty call or tag in it.
CODE_LINE = re.compile(r"[{};]\s*$|^\s*[}\])]|=>|==|!=|\+\+|::|\(\)|//|</?\w+>")


def code_pages(records: Iterable[Mapping], min_lines: int = 10) -> set[str]:
    """Pages whose gold body lines (the records of style ``lines``: one line per block)
    include ``min_lines`` code-like ones."""
    pages = set()
    for r in records:
        if r["kind"] != "page" or r["style"] != "lines":
            continue
        lines = split_lines(r["text"])
        if len(lines) != len(r["labels"]):
            continue
        body = [ln.text for ln, lab in zip(lines, r["labels"]) if lab == "body"]
        if sum(bool(CODE_LINE.search(t)) for t in body) >= min_lines:
            pages.add(r["page"])
    return pages


def main(argv: list[str] | None = None) -> int:
    ap = script_parser("python -m benchmarks.code_pages", __doc__)
    ap.add_argument("--min-lines", type=int, default=10, help="code-like gold body lines a page needs")
    args = ap.parse_args(argv)
    try:
        clean = boilerstrip_cleaner(args.model)
    except ToolUnavailable as exc:
        ap.error(str(exc))
    records = list(load_split(args.data, args.split))
    pages = code_pages(records, args.min_lines)
    docs = [r for r in records if r["page"] in pages]
    rows = ["| input | documents | P | R | F1 |", "|---|---:|---:|---:|---:|"]
    text = evaluate(clean, docs)
    for kind in ("page", "clean"):
        g = text.groups.get("kind", {}).get(kind)
        if g is not None:
            rows.append(f"| plain text, {kind} documents | {g.docs} | " + " | ".join(map(_fmt, g.shingle_prf)) + " |")
    html = evaluate_html(clean, (p for p in load_pages(args.data, args.split) if p["page"] in pages))
    rows.append(f"| HTML pages | {html.overall.docs} | " + " | ".join(map(_fmt, html.overall.shingle_prf)) + " |")
    md = "\n".join([f"# Pages with code: split `{args.split}`, {len(pages)} pages with at least "
                    f"{args.min_lines} code-like body lines", "", *rows, ""])
    print(md)
    write_markdown(md, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
