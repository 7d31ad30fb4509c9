"""How the plain-text path copes with the ways scrapers lay text out.

Scrapers differ in what they do to whitespace: they indent lines as the markup was
indented, hard-wrap paragraphs at a terminal width (lynx/w3m dumps, html2text), put every
sentence on a line of its own, or drop or double the blank lines.  Each variant here is
made from the labelled test documents by re-laying out their lines (each new line keeps
the label of the line it came from), then scored by the F1 of the kept body characters
(whitespace not counted), so that every variant is comparable with the documents as built.

    python -m benchmarks.formats [--split test] [--limit 300] [--out benchmarks/results/formats.md] [--model FILE]
"""

from __future__ import annotations

import itertools
import re
import textwrap
import time
import zlib
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from benchmarks.evaluate import load_split, script_parser, write_markdown
from boilerstrip import classify
from boilerstrip.pipeline import ModelArg, resolve_model
from boilerstrip.text import split_lines

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)")

# name -> (what it does, how one line becomes lines, blank lines: "keep" | "none" | "every")
VARIANTS: dict[str, tuple[str, Callable[[str], list[str]], str]] = {
    "as built": ("the documents as in the corpus", lambda t: [t], "keep"),
    "indented 4 spaces": ("every line indented by four spaces", lambda t: ["    " + t], "keep"),
    "indented 2 tabs": ("every line indented by two tabs", lambda t: ["\t\t" + t], "keep"),
    "trailing spaces": ("three spaces after every line", lambda t: [t + "   "], "keep"),
    "wrapped at 78": ("paragraphs hard-wrapped at 78 columns (html2text, lynx)", lambda t: textwrap.wrap(t, 78) or [t], "keep"),
    "wrapped at 60": ("paragraphs hard-wrapped at 60 columns", lambda t: textwrap.wrap(t, 60) or [t], "keep"),
    "a sentence per line": ("every sentence on a line of its own", lambda t: _SENTENCE.split(t), "keep"),
    "blank line after every line": ("a blank line between all lines", lambda t: [t], "every"),
    "no blank lines": ("no blank lines at all", lambda t: [t], "none"),
}


def _documents(data: Path, split: str, limit: int) -> list[dict]:
    """Page and aggregator documents, a deterministic third of them, at most ``limit``."""
    chosen = (r for r in load_split(data, split)
              if r["kind"] in ("page", "aggregator") and zlib.crc32(r["id"].encode()) % 3 == 0)
    return list(itertools.islice(chosen, limit))


def relayout(record: dict, split_line: Callable[[str], list[str]], blanks: str) -> tuple[str, list[str]]:
    """The record's text laid out anew, and one label per line of the result."""
    out: list[str] = []
    labels: list[str] = []
    for line, label in zip(split_lines(record["text"]), record["labels"]):
        parts = [p for p in split_line(line.text) if p.strip()] or [line.text]
        if out and (blanks == "every" or (blanks == "keep" and line.para_break)):
            out.append("")
        for part in parts:
            if out and blanks == "every" and out[-1] != "":
                out.append("")
            out.append(part)
            labels.append(label)
    return "\n".join(out), labels


def body_char_f1(text: str, labels: list[str], model: ModelArg = None) -> float:
    """F1 of the kept body characters (whitespace not counted) of one document."""
    lines = classify(text, html=False, model=model)
    if len(lines) != len(labels):
        raise AssertionError(f"{len(lines)} lines but {len(labels)} labels")
    kept = np.array([l.kept for l in lines])
    gold = np.array([lab == "body" for lab in labels])
    chars = np.array([len("".join(l.text.split())) for l in lines], dtype=np.float64)
    tp, fp, fn = chars[kept & gold].sum(), chars[kept & ~gold].sum(), chars[~kept & gold].sum()
    return 1.0 if tp + fp + fn == 0 else float(2 * tp / (2 * tp + fp + fn))


def run(records: list[dict], model: ModelArg = None) -> Iterator[tuple[str, str, float, float, float]]:
    """(variant, description, mean body-character F1, its change from "as built", seconds)."""
    base = None
    for name, (what, split_line, blanks) in VARIANTS.items():
        start = time.process_time()
        f1 = float(np.mean([body_char_f1(*relayout(r, split_line, blanks), model) for r in records]))
        base = f1 if base is None else base
        yield name, what, f1, f1 - base, time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    ap = script_parser("python -m benchmarks.formats", __doc__)
    ap.add_argument("--limit", type=int, default=300, help="documents (page and aggregator)")
    args = ap.parse_args(argv)
    try:
        model = resolve_model(args.model)  # loaded once
    except (OSError, ValueError) as exc:  # ModelMismatchError is a ValueError
        ap.error(f"the model does not load: {exc}")
    records = _documents(args.data, args.split, args.limit)
    rows = ["| layout | what | body-character F1 | vs. as built |", "|---|---|---:|---:|"]
    for name, what, f1, delta, seconds in run(records, model):
        rows.append(f"| {name} | {what} | {f1:.4f} | {delta:+.4f} |")
        print(rows[-1], f"({seconds:.0f} s)", flush=True)
    md = "\n".join([f"# Plain-text layouts: split `{args.split}`, {len(records)} page and aggregator documents", "",
                    __doc__.split("\n\n")[1].replace("\n", " "), "", *rows, ""])
    write_markdown(md, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
