"""Train/dev/test by registrable domain, so no site is seen in two splits.

WCXB's own test pages pin their domains to test.  The remaining sites are dealt out
largest first to whichever split is furthest below its 70/15/15 share of pages (ties
broken by a hash of the site, so the result is deterministic and order-free).  Sites
that only have snippet gold (trafilatura-eval) are dealt out afterwards on their own
counts, so that they do not distort the labelled split sizes.
"""

from __future__ import annotations

import zlib
from collections import Counter

__all__ = ["SPLITS", "TARGET", "assign_splits"]

SPLITS = ("train", "dev", "test")
TARGET = {"train": 0.70, "dev": 0.15, "test": 0.15}


def _deal(sizes: Counter, fixed: dict[str, str], out: dict[str, str]) -> None:
    load = Counter({s: 0 for s in SPLITS})
    for site, split in fixed.items():
        out[site] = split
        load[split] += sizes.get(site, 0)
    total = sum(sizes.values()) or 1
    for site in sorted((s for s in sizes if s not in out), key=lambda s: (-sizes[s], zlib.crc32(s.encode()), s)):
        split = max(SPLITS, key=lambda sp: (TARGET[sp] * total - load[sp]) / TARGET[sp])
        out[site] = split
        load[split] += sizes[site]


def assign_splits(pages) -> dict[str, str]:
    """``{site: split}`` for every page's site (pages need .site, .source, .page_id, .gold_text)."""
    labelled = Counter(p.site for p in pages if p.gold_text)
    fixed = {p.site: "test" for p in pages if p.source == "wcxb" and p.page_id.startswith("wcxb/test/")}
    out: dict[str, str] = {}
    _deal(labelled, {s: v for s, v in fixed.items()}, out)
    rest = Counter(p.site for p in pages if p.site not in out)
    _deal(rest, {}, out)
    return out
