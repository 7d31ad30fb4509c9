"""Print labelled lines of a deterministic page sample, for reading label quality by eye.

Pages are drawn round-robin over sources (seeded), from every split, in one of the
renderer's styles or as one converter rendered them (``--style html2text``).  Each page shows
its gold title and the start/end of its gold, then its lines with labels, from a few
lines before the first non-boilerplate line to a few after the last; long runs of
same-label lines are shortened to their ends.  Lines printed = lines checked.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

from .build import read_records
from .splits import SPLITS

__all__ = ["sample_pages", "inspect"]


def sample_pages(built: Path, n: int, seed: int = 0, style: str = "paragraphs") -> list[dict]:
    by_source = defaultdict(list)
    for split in SPLITS:
        for rec in read_records(Path(built) / f"{split}.jsonl.gz"):
            if rec["kind"] in ("page", "converted") and rec["style"] == style:
                by_source[rec["source"]].append(rec)
    rng = random.Random(seed)
    pools = {s: rng.sample(v, len(v)) for s, v in sorted(by_source.items())}
    out: list[dict] = []
    while len(out) < n and any(pools.values()):
        for s in sorted(pools):
            if pools[s] and len(out) < n:
                out.append(pools[s].pop())
    return out


def inspect(built: Path, n: int = 40, seed: int = 0, style: str = "paragraphs", context: int = 4,
            run: int = 6, width: int = 110) -> None:
    from ..text import split_lines
    total = 0
    for k, rec in enumerate(sample_pages(built, n, seed, style)):
        lines = [l.text for l in split_lines(rec["text"])]
        labels = rec["labels"]
        content = [i for i, lab in enumerate(labels) if lab != "boilerplate"]
        lo = max(0, content[0] - context) if content else 0
        hi = min(len(lines), content[-1] + context + 1) if content else min(len(lines), 20)
        gold = rec["gold"].replace("\n", " / ")
        print(f"\n=== [{k}] {rec['page']} ({rec['source']}) lines {lo}-{hi - 1} of {len(lines)}")
        print(f"    TITLE: {rec['gold_title'][:width]}")
        print(f"    GOLD : {gold[:width]} ... {gold[-width:]}")
        i = lo
        while i < hi:
            j = i
            while j < hi and labels[j] == labels[i]:
                j += 1
            show = list(range(i, j)) if j - i <= 2 * run else list(range(i, i + run)) + [None] + list(range(j - run, j))
            for x in show:
                if x is None:
                    print(f"      ... {j - i - 2 * run} more {labels[i]} lines")
                    continue
                total += 1
                print(f"{x:5d} {labels[x][:5]:5s} | {lines[x][:width]}")
            i = j
    print(f"\nlines shown: {total}")
