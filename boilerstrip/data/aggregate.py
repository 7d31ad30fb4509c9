"""Aggregator and clean documents, assembled only from real lines.

Aggregator pages (news apps, feed readers, "more stories" scrapes) are the case the
library exists for: one real article followed by lines that belong to *other* pages.
Every piece here comes from labelled renderings of real pages of the same split: the
article's own title/body lines (sometimes after a few of its own boilerplate lines),
then boilerplate lines of other pages, then 1-3 other articles from other sites, each
behind its headline and a short source/time line.  Only the first article is body.

Fragments are a few consecutive lines cut out of a real page (a paragraph or two, now
and then with the lines around them), as scrapers hand over excerpts, briefs and HTML
fragments: short inputs whose document context is thin, where a whole-page model would
otherwise drop a lone paragraph of article.

Interrupted documents are the converse: one whole article with a few boilerplate,
related-article or comment lines of other pages inserted between its paragraphs, as
inline "Related"/promotion blocks are on real pages.  The article carries on after
each interruption and stays body: what follows a boilerplate block is not
necessarily another story.
"""

from __future__ import annotations

import random
import zlib

from ..text import split_lines

__all__ = ["assemble", "aggregator_doc", "clean_doc", "fragment_doc", "FRAGMENT_VARIANTS", "interrupted_doc",
           "BOILER_POOL_LABELS"]

BOILER_POOL_LABELS = ("boilerplate", "related", "comments")


def assemble(blocks: list[list[tuple[str, str, bool]]], style: str) -> tuple[str, list[str]]:
    """Join blocks of (text, label, para_break) lines into a document in ``style``.

    "lines" has no blank lines at all; the other styles keep each line's own break and
    put a blank line between blocks.
    """
    out: list[str] = []
    labels: list[str] = []
    for block in blocks:
        for k, (text, label, para) in enumerate(block):
            if out:
                blank = style != "lines" and (para or k == 0)
                out.append("\n\n" if blank else "\n")
            out.append(text)
            labels.append(label)
    text = "".join(out)
    assert len(split_lines(text)) == len(labels)
    return text, labels


def _rng(seed: int, key: str) -> random.Random:
    return random.Random(seed * 1_000_003 + zlib.crc32(key.encode()))


def aggregator_doc(page: dict, others: list[dict], pool: list[str], short_pool: list[str],
                   styles: tuple, seed: int = 0) -> tuple[str, str, list[str]]:
    """One aggregator document for ``page``; ``others`` are labelled pages of the same
    split (dicts with site, title, and per-style (text, label, para_break) lines)."""
    rng = _rng(seed, page["page"])
    style = rng.choice(styles)
    lines = page["styles"][style]
    keep = [i for i, (_, lab, _) in enumerate(lines) if lab in ("title", "body")]
    first = keep[0]
    lead = []
    if rng.random() < 0.4:
        before = [ln for ln in lines[max(0, first - 6):first] if ln[1] == "boilerplate"]
        lead = [(t, "boilerplate", p) for t, _, p in before[-rng.randint(1, 3):]]
    blocks = []
    if lead:
        blocks.append(lead)
    blocks.append([lines[i] for i in keep])
    # Most aggregators put a "Related"/comments/promo block between the stories, some
    # append the next story straight away; some give a source/time line, some do not.
    if rng.random() < 0.75:
        blocks.append([(t, "boilerplate", False) for t in rng.sample(pool, min(len(pool), rng.randint(1, 8)))])
    with_source = rng.random() < 0.7
    candidates = [o for o in others if o["site"] != page["site"]]
    for other in rng.sample(candidates, min(len(candidates), rng.randint(1, 3))):
        olines = other["styles"][style]
        body = [(t, "boilerplate", p) for t, lab, p in olines if lab == "body"]
        head = other["title"] or next((t for t, lab, _ in olines if lab == "title"), "")
        block = []
        if head and split_lines(head):
            block.append((" ".join(head.split()), "boilerplate", True))
        if short_pool and with_source:
            block.append((rng.choice(short_pool), "boilerplate", False))
        blocks.append(block + body)
    text, labels = assemble(blocks, style)
    return style, text, labels


def _article(title: str, gold: str) -> tuple[list, list]:
    """The gold article as a title block (empty without a title) and a body block."""
    head = [(" ".join(title.split()), "title", False)] if title.strip() else []
    return head, [(ln.text, "body", ln.para_break) for ln in split_lines(gold)]


def clean_doc(title: str, gold: str, key: str, seed: int = 0) -> tuple[str, str, list[str]]:
    """The gold text alone: title line + gold body lines, with or without blank lines."""
    rng = _rng(seed + 1, key)
    style = rng.choice(("paragraphs", "lines"))
    head, body = _article(title, gold)
    blocks = [b for b in (head, body) if b]
    text, labels = assemble(blocks, style)
    return style, text, labels


def interrupted_doc(title: str, gold: str, pool: list[str], key: str,
                    seed: int = 0) -> tuple[str, str, list[str]] | None:
    """The gold article with 1-2 blocks of 1-5 pool lines inserted between its lines
    (never before its second line or after its second-to-last), or None when the
    article is too short to interrupt."""
    rng = _rng(seed + 2, key)
    style = rng.choice(("paragraphs", "lines"))
    head, body = _article(title, gold)
    if len(body) < 4 or not pool:
        return None
    cuts = sorted(rng.sample(range(2, len(body) - 1), min(len(body) - 3, rng.randint(1, 2))))
    blocks = [head] if head else []
    start = 0
    for cut in cuts:
        blocks.append(body[start:cut])
        blocks.append([(t, "boilerplate", False) for t in rng.sample(pool, min(len(pool), rng.randint(1, 5)))])
        start = cut
    blocks.append(body[start:])
    text, labels = assemble(blocks, style)
    return style, text, labels


FRAGMENT_VARIANTS = 4


def _run(lines: list[tuple[str, str, bool]], start: int, most: int, labels: tuple) -> list[int]:
    """Indices of up to ``most`` consecutive lines from ``start`` whose labels are in ``labels``."""
    end = start
    while end < min(len(lines), start + most) and lines[end][1] in labels:
        end += 1
    return list(range(start, end))


def fragment_doc(lines: list[tuple[str, str, bool]], key: str, variant: int = 0,
                 seed: int = 0) -> list[int] | None:
    """Indices, in document order, of the page lines that make a short excerpt, or None
    when the page lacks the lines a variant needs.

    0. 1-4 consecutive body lines alone: a clean excerpt, all article.
    1. from up to 2 lines before a body line to 0-3 lines after it, whatever they are:
       an excerpt with its real surroundings.
    2. 1-4 consecutive boilerplate lines alone (a menu, a share or comment widget): a
       short input can be all boilerplate too.
    3. 1-3 consecutive body lines with a run of 1-3 of the page's boilerplate lines
       before or after them: an excerpt cut with some of the page's chrome.
    """
    rng = _rng(seed + 3 + variant, key)
    body = [i for i, (_, lab, _) in enumerate(lines) if lab == "body"]
    boiler = [i for i, (_, lab, _) in enumerate(lines) if lab in BOILER_POOL_LABELS]
    if not body or (variant >= 2 and not boiler):
        return None
    if variant == 0:
        return _run(lines, rng.choice(body), rng.randint(1, 4), ("body",))
    if variant == 1:
        first = rng.choice(body)
        return list(range(max(0, first - rng.randint(0, 2)), min(len(lines), first + rng.randint(1, 4))))
    chrome = _run(lines, rng.choice(boiler), rng.randint(1, 4 if variant == 2 else 3), BOILER_POOL_LABELS)
    if variant == 2:
        return chrome
    article = _run(lines, rng.choice(body), rng.randint(1, 3), ("body",))
    return chrome + article if rng.random() < 0.4 else article + chrome
