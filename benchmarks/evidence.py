"""Does the model decide by evidence or by position?  Measured on documents made here.

Every document is assembled by this module from the test split's labelled page records
(pages and sites never trained on), deliberately *not* with the corpus builder's
construction code (``boilerstrip.data.aggregate``), so that what is measured is how the
model copes with inputs made another way.  The pieces are the page records' own lines
with their labels (the ``paragraphs`` rendering: one line per block), laid out as plain
text: a blank line between paragraphs (``--layout lines``: no blank lines at all), the
lines of a widget block (a "Related Articles" line, a headline, a source, a time stamp)
on consecutive lines.  A page's *article* is its lines labelled ``body`` (its title line,
byline and tags are not); an *appended story* is the ``body`` lines of another test page
from a different site.  Shares kept are of characters (whitespace not counted), from
``classify``'s ``kept`` flags, averaged over documents (each document weighs the same);
F1 is the token 4-gram shingle F1 of ``benchmarks/evaluate.py`` of the kept lines (title
line left out) against the own article's body lines.  Pairings are drawn with
``random.Random(0)``.

    python -m benchmarks.evidence [--split test] [--data data/built] [--model FILE]
        [--out benchmarks/results/evidence.md] [--limit N] [--layout paragraphs|lines]
"""

from __future__ import annotations

import hashlib
import math
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

from benchmarks.evaluate import (
    GroupStats,
    _fmt,
    git_commit,
    load_split,
    script_parser,
    shingle_counts,
    tokenize,
    write_markdown,
)
from boilerstrip import Line, classify
from boilerstrip.pipeline import MODES, ModelArg, resolve_model
from boilerstrip.text import split_lines

__all__ = ["Page", "Built", "build", "pages_from_records", "clean_article", "menu_then_article", "appended_doc",
           "multi_appended_doc", "seeds_doc", "tfidf_vectors", "related_partner", "unrelated_partners",
           "short_partners", "share_kept", "lines_bucket", "ratio_bucket", "measure", "main"]

# Roles of the constructed lines.
BODY, TITLE, PAGE, SEPARATOR, APPENDED = "body", "title", "page", "separator", "appended"
LAYOUTS = ("paragraphs", "lines")
LINE_BUCKETS = ((1, 4), (5, 14), (15, 39), (40, None))
RATIO_BUCKETS = ((None, 0.5), (0.5, 1.0), (1.0, 2.0), (2.0, None))
COMMENTS_WIDGET = ("No comments yet", "Be the first to comment", "Log in to comment")
APP_PROMO = ("Download our app for the latest news", "Get it on Google Play")
RELATED = "Related Articles"
LOSS = 0.10        # an article "loses text" when more than this share of it is dropped
STORY_RATIO = (2.0, 10.0)   # appended stories of a short own article: this many times longer


@dataclass(frozen=True)
class Page:
    """A labelled test page: its lines as ``(text, label, para_break)`` in page order."""

    page: str
    site: str
    title: str
    lines: tuple[tuple[str, str, bool], ...]

    @property
    def body(self) -> list[str]:
        return [t for t, lab, _ in self.lines if lab == "body"]

    @property
    def body_chars(self) -> int:
        return sum(_chars(t) for t in self.body)

    @property
    def headline(self) -> str:
        """The page's headline for a teaser line: its gold title, else its title line."""
        title = " ".join(" ".join(ln.text for ln in split_lines(self.title)).split())
        title = title or next((t for t, lab, _ in self.lines if lab == "title"), "")
        return title or f"More from {self.source_name}"

    @property
    def source_name(self) -> str:
        """The name a widget gives the page's source: its site."""
        return self.site or "News"


@dataclass
class Built:
    """A constructed document: its text and, per non-blank line, the line's text, its
    role (own ``body``/``title``/other ``page`` line, ``separator``, ``appended``), its
    character offset in ``text`` and its input line number (blank lines counted, as
    ``Line.index``)."""

    text: str = ""
    lines: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    @property
    def gold(self) -> str:
        """The own article: its body lines, a paragraph each."""
        return "\n\n".join(t for t, r in zip(self.lines, self.roles) if r == BODY)

    def chars(self, role: str) -> int:
        return sum(_chars(t) for t, r in zip(self.lines, self.roles) if r == role)


def _chars(text: str) -> int:
    return len("".join(text.split()))


def build(blocks: Iterable[Sequence[tuple[str, str, bool]]], layout: str = "paragraphs", **meta) -> Built:
    """Lay blocks of ``(text, role, para_break)`` lines out as one plain-text document.

    ``paragraphs``: a blank line before every block and before each line whose
    ``para_break`` is set; ``lines``: no blank line anywhere."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, got {layout!r}")
    doc = Built(meta=dict(meta))
    parts: list[str] = []
    pos = line_no = 0
    for block in blocks:
        for k, (text, role, para) in enumerate(block):
            one = split_lines(text) if "\n" not in text else []
            if len(one) != 1 or one[0].text != text:
                raise ValueError(f"not a single non-blank line: {text!r}")
            if doc.lines:
                sep = "\n\n" if layout == "paragraphs" and (para or k == 0) else "\n"
                parts.append(sep)
                pos += len(sep)
                line_no += len(sep)
            doc.lines.append(text)
            doc.roles.append(role)
            doc.starts.append(pos)
            doc.indices.append(line_no)
            parts.append(text)
            pos += len(text)
    doc.text = "".join(parts)
    return doc


# ------------------------------------------------------------------------------ pages

def pages_from_records(records: Iterable[dict], style: str = "paragraphs") -> list[Page]:
    """The labelled pages among ``records`` (``kind == "page"`` in ``style``) that have a
    body line, sorted by page id."""
    pages = []
    for rec in records:
        if rec.get("kind") != "page" or rec.get("style") != style:
            continue
        lines = split_lines(rec["text"])
        if len(lines) != len(rec["labels"]):
            continue
        page = Page(rec["page"], rec["site"], rec.get("gold_title") or "",
                    tuple((ln.text, lab, ln.para_break) for ln, lab in zip(lines, rec["labels"])))
        if page.body:
            pages.append(page)
    return sorted(pages, key=lambda p: p.page)


def _own_page(page: Page) -> list[tuple[str, str, bool]]:
    """The page's lines with roles: its body, its title line, and the rest (``page``)."""
    role = {"body": BODY, "title": TITLE}
    return [(t, role.get(lab, PAGE), para) for t, lab, para in page.lines]


def _article(page: Page, with_title: bool = False) -> list[tuple[str, str, bool]]:
    head = [(page.headline, TITLE, True)] if with_title and page.title.strip() else []
    return head + [(t, BODY, True) for t in page.body]


def _story(story: Page) -> list[tuple[str, str, bool]]:
    return [(t, APPENDED, True) for t in story.body]


def _time_stamp(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return f"{rng.randint(5, 55)} minutes ago"
    if kind == 1:
        n = rng.randint(1, 23)
        return f"{n} hour{'s' if n > 1 else ''} ago"
    n = rng.randint(1, 6)
    return f"{n} day{'s' if n > 1 else ''} ago"


def _teaser(story: Page, rng: random.Random, one_line: bool = False) -> list[tuple[str, str, bool]]:
    """Headline, source and time stamp of an appended story (source and time on one
    line, "site · 3 hours ago", when ``one_line``)."""
    if one_line:
        return [(story.headline, SEPARATOR, True), (f"{story.source_name} · {_time_stamp(rng)}", SEPARATOR, False)]
    return [(story.headline, SEPARATOR, True), (story.source_name, SEPARATOR, False),
            (_time_stamp(rng), SEPARATOR, False)]


# ------------------------------------------------------------------------ documents

def clean_article(page: Page, layout: str = "paragraphs", with_title: bool = False) -> Built:
    """Table 1: the page's body lines alone (its title line first when ``with_title``)."""
    return build([_article(page, with_title)], layout, page=page.page, n_lines=len(page.body))


def menu_then_article(page: Page, rng: random.Random, layout: str = "paragraphs") -> Built | None:
    """Table 1, variant: 2-6 of the page's own boilerplate lines from above its article
    (its menu), then the article; ``None`` when the page has none there."""
    first = next(i for i, (_, lab, _) in enumerate(page.lines) if lab in ("body", "title"))
    menu = [t for t, lab, _ in page.lines[:first] if lab == "boilerplate"]
    if not menu:
        return None
    menu = menu[:rng.randint(2, 6)]
    return build([[(t, PAGE, False) for t in menu], _article(page)], layout, page=page.page,
                 n_lines=len(page.body))


def appended_doc(page: Page, story: Page, rng: random.Random, separator: bool = True,
                 layout: str = "paragraphs") -> Built:
    """Table 2: the whole page (its own boilerplate and article, in order), then, with
    ``separator``, a "Related Articles" line, the story's headline, its site and a
    relative time stamp, then the story's body."""
    blocks = [_own_page(page)]
    if separator:
        blocks.append([(RELATED, SEPARATOR, False)] + _teaser(story, rng))
    blocks.append(_story(story))
    return build(blocks, layout, page=page.page, story=story.page,
                 ratio=story.body_chars / max(1, page.body_chars))


def multi_appended_doc(page: Page, stories: Sequence[Page], rng: random.Random, layout: str = "paragraphs") -> Built:
    """Table 2 (d): the whole page, a "Related Articles" line, then each story behind its
    headline, site and time stamp."""
    blocks = [_own_page(page), [(RELATED, SEPARATOR, False)]]
    for story in stories:
        blocks.append(_teaser(story, rng))
        blocks.append(_story(story))
    return build(blocks, layout, page=page.page, stories=[s.page for s in stories], n_stories=len(stories),
                 ratio=sum(s.body_chars for s in stories) / max(1, page.body_chars))


def seeds_doc(page: Page, stories: Sequence[Page], rng: random.Random, whole_page: bool = True,
              layout: str = "paragraphs") -> Built:
    """Table 3, the shape of the aggregator example: the own page (or its title and
    article alone), a comments widget, an app promo, "Related Articles", then the
    stories, each behind a headline and a "site · time" line."""
    blocks = [_own_page(page) if whole_page else _article(page, with_title=True),
              [(t, SEPARATOR, False) for t in COMMENTS_WIDGET],
              [(t, SEPARATOR, False) for t in APP_PROMO] + [(RELATED, SEPARATOR, False)]]
    for story in stories:
        blocks.append(_teaser(story, rng, one_line=True))
        blocks.append(_story(story))
    return build(blocks, layout, page=page.page, stories=[s.page for s in stories])


# ------------------------------------------------------------------------- pairings

_STOP = frozenset("""a an and are as at be been but by for from had has have he her his i in is it its not of on or
our she that the their there they this to was we were which who will with you your""".split())


def _content_words(page: Page) -> Counter:
    return Counter(t for t in tokenize(" ".join(page.body)) if len(t) > 2 and t.isalpha() and t not in _STOP)


def tfidf_vectors(pages: Sequence[Page]) -> list[dict[str, float]]:
    """Unit-length TF-IDF vectors of the pages' article content words."""
    counts = [_content_words(p) for p in pages]
    df: Counter = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(pages)
    vectors = []
    for c in counts:
        v = {w: (1 + math.log(k)) * math.log((1 + n) / (1 + df[w])) for w, k in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        vectors.append({w: x / norm for w, x in v.items()})
    return vectors


def related_partner(k: int, pages: Sequence[Page], vectors: Sequence[dict[str, float]]) -> tuple[int, float]:
    """The page of another site whose article is closest to page ``k``'s (TF-IDF cosine)
    and the cosine; ties go to the first in order."""
    mine = vectors[k]
    best, best_sim = -1, -1.0
    for j, other in enumerate(pages):
        if other.site == pages[k].site:
            continue
        small, large = (mine, vectors[j]) if len(mine) <= len(vectors[j]) else (vectors[j], mine)
        sim = sum(x * large.get(w, 0.0) for w, x in small.items())
        if sim > best_sim:
            best, best_sim = j, sim
    return best, best_sim


def unrelated_partners(page: Page, pages: Sequence[Page], rng: random.Random, n: int = 1) -> list[Page]:
    """``n`` pages drawn from other sites than ``page``'s (and than each other's)."""
    picked: list[Page] = []
    sites = {page.site}
    candidates = [p for p in pages if p.site not in sites]
    while len(picked) < n and candidates:
        story = rng.choice(candidates)
        picked.append(story)
        sites.add(story.site)
        candidates = [p for p in candidates if p.site not in sites]
    return picked


def short_partners(page: Page, pages: Sequence[Page], rng: random.Random, n: int) -> list[Page] | None:
    """``n`` pages of other sites, each with an article 2-10 times as long as ``page``'s,
    or ``None`` when there are not enough."""
    low, high = STORY_RATIO
    candidates = [p for p in pages if p.site != page.site and low * page.body_chars <= p.body_chars <= high * page.body_chars]
    if len({p.site for p in candidates}) < n:
        return None
    return unrelated_partners(page, candidates, rng, n)


# ------------------------------------------------------------------------ measuring

def share_kept(lines: Sequence[Line], mask: Sequence[bool]) -> float | None:
    """Kept characters (whitespace not counted) over all characters of the lines where
    ``mask`` is true; ``None`` when they have none."""
    total = kept = 0
    for line, m in zip(lines, mask, strict=True):
        if m:
            n = _chars(line.text)
            total += n
            kept += n if line.kept else 0
    return kept / total if total else None


def lines_bucket(n: int) -> str:
    for low, high in LINE_BUCKETS:
        if n >= low and (high is None or n <= high):
            return f"{low}+" if high is None else f"{low}-{high}"
    return "0"


def ratio_bucket(r: float) -> str:
    for low, high in RATIO_BUCKETS:
        if (low is None or r >= low) and (high is None or r < high):
            return f"< {high:g}" if low is None else f">= {low:g}" if high is None else f"{low:g}-{high:g}"
    raise ValueError(r)


RATIO_NAMES = [ratio_bucket(0.1), ratio_bucket(0.7), ratio_bucket(1.5), ratio_bucket(3.0)]
LINE_NAMES = [lines_bucket(lo) for lo, _ in LINE_BUCKETS]


def run(doc: Built, model: ModelArg = None, mode: str = "page") -> list[Line]:
    """``classify`` on the document; checks it returned the constructed lines."""
    lines = classify(doc.text, html=False, model=model, mode=mode)
    if [(l.text, l.index) for l in lines] != list(zip(doc.lines, doc.indices)):
        raise AssertionError(f"classify's lines are not the constructed ones ({doc.meta})")
    return lines


@dataclass
class Measure:
    """One document's figures."""

    own_recall: float | None
    appended_kept: float | None
    separator_kept: float | None
    page_kept: float | None
    shingles: tuple[float, float, float]


def measure(doc: Built, lines: Sequence[Line]) -> Measure:
    """Shares kept per role, and the shingle counts of the kept lines (title line left
    out) against the own article."""
    roles = doc.roles
    predicted = "\n".join(l.text for l, r in zip(lines, roles) if l.kept and r != TITLE)
    return Measure(share_kept(lines, [r == BODY for r in roles]), share_kept(lines, [r == APPENDED for r in roles]),
                   share_kept(lines, [r == SEPARATOR for r in roles]), share_kept(lines, [r == PAGE for r in roles]),
                   shingle_counts(predicted, doc.gold))


class Group:
    """Figures of a group of documents: means of shares, pooled shingle F1."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}
        self.stats: dict[str, GroupStats] = {}
        self.docs = 0

    def add(self, **kw) -> None:
        for k, v in kw.items():
            if isinstance(v, tuple):
                s = self.stats.setdefault(k, GroupStats())
                s.add(GroupStats(docs=1, shingle_docs=1, tp=v[0], fp=v[1], fn=v[2]))
            elif v is not None:
                self.values.setdefault(k, []).append(float(v))

    def mean(self, k: str) -> float | None:
        v = self.values.get(k)
        return sum(v) / len(v) if v else None

    def count(self, k: str, pred: Callable[[float], bool]) -> int:
        return sum(pred(x) for x in self.values.get(k, []))

    def f1(self, k: str) -> float | None:
        s = self.stats.get(k)
        return s.shingle_prf[2] if s else None


def _groups(names: Sequence[str]) -> dict[str, Group]:
    return {n: Group() for n in [*names, "all"]}


def _add(groups: dict[str, Group], bucket: str, **kw) -> None:
    for name in (bucket, "all"):
        groups[name].add(**kw)
        groups[name].docs += 1


def _table(head: Sequence[str], rows: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1),
                      *("| " + " | ".join(r) + " |" for r in rows)])


# ---------------------------------------------------------------------------- tables

class Runner:
    """Runs documents through the model, caching the lone pages/articles."""

    def __init__(self, model: ModelArg, mode: str = "page") -> None:
        self.model = model
        self.mode = mode
        self.docs = 0
        self.cache: dict[tuple, Measure] = {}

    def __call__(self, doc: Built) -> Measure:
        self.docs += 1
        return measure(doc, run(doc, self.model, self.mode))

    def alone(self, key: tuple, make: Callable[[], Built]) -> Measure:
        if key not in self.cache:
            self.cache[key] = self(make())
        return self.cache[key]


def table_clean(own: Sequence[Page], runner: Runner, layout: str) -> str:
    """Table 1: each own page's article alone, and after 2-6 of its menu lines."""
    rng = random.Random(0)
    plain, menu = _groups(LINE_NAMES), _groups(LINE_NAMES)
    for page in own:
        bucket = lines_bucket(len(page.body))
        m = runner.alone(("article", page.page), lambda p=page: clean_article(p, layout))
        _add(plain, bucket, kept=m.own_recall)
        doc = menu_then_article(page, rng, layout)
        if doc is not None:
            m = runner(doc)
            _add(menu, bucket, kept=m.own_recall, menu_dropped=1 - (m.page_kept or 0.0))
    rows = []
    for name in plain:
        a, b = plain[name], menu[name]
        rows.append([name, str(a.docs), _fmt(a.mean("kept")), str(a.count("kept", lambda x: x < 1 - LOSS)),
                     str(b.docs), _fmt(b.mean("kept")), str(b.count("kept", lambda x: x < 1 - LOSS)),
                     _fmt(b.mean("menu_dropped"))])
    return _table(["body lines", "docs", "article kept", f"losing > {LOSS:.0%}",
                   "docs (menu first)", "article kept", f"losing > {LOSS:.0%}", "menu lines dropped"], rows)


def _appended_rows(groups: dict[str, Group]) -> list[list[str]]:
    return [[name, str(g.docs), _fmt(g.mean("appended")), _fmt(g.mean("recall")), _fmt(g.mean("recall_alone")),
             _fmt(g.f1("f1")), _fmt(g.f1("f1_alone")), _fmt(g.mean("separator"))] for name, g in groups.items()]


APPENDED_HEAD = ["appended / own", "docs", "appended kept", "own recall", "own recall, page alone", "F1",
                 "F1, page alone", "separator kept"]


def _record_appended(groups: dict[str, Group], bucket: str, m: Measure, alone: Measure) -> None:
    _add(groups, bucket, appended=m.appended_kept, recall=m.own_recall, recall_alone=alone.own_recall,
         f1=m.shingles, f1_alone=alone.shingles, separator=m.separator_kept)


def table_appended(own: Sequence[Page], pool: Sequence[Page], runner: Runner, layout: str, variant: str,
                   vectors: Sequence[dict[str, float]] | None = None) -> tuple[str, dict]:
    """Table 2, variants ``separator``, ``direct``, ``related``: one document per own
    page, the story drawn from ``pool`` (``vectors``: ``pool``'s TF-IDF vectors)."""
    rng = random.Random(0)
    groups = _groups(RATIO_NAMES)
    sims: list[float] = []
    index = {p.page: k for k, p in enumerate(pool)}
    for page in own:
        if variant == "related":
            assert vectors is not None
            j, sim = related_partner(index[page.page], pool, vectors)
            story = pool[j]
            sims.append(sim)
        else:
            story = unrelated_partners(page, pool, rng)[0]
        doc = appended_doc(page, story, rng, separator=variant != "direct", layout=layout)
        alone = runner.alone(("page", page.page), lambda p=page: build([_own_page(p)], layout))
        _record_appended(groups, ratio_bucket(doc.meta["ratio"]), runner(doc), alone)
    extra = {"mean_cosine": sum(sims) / len(sims)} if sims else {}
    return _table(APPENDED_HEAD, _appended_rows(groups)), extra


def table_short(own: Sequence[Page], pool: Sequence[Page], runner: Runner, layout: str, limit: int,
                draws: int = 3) -> tuple[str, int]:
    """Table 2 (d): own articles of 1-4 body lines, with 1, 2 and 3 appended stories
    (``draws`` pairings each), every story 2-10 times as long as the own article."""
    rng = random.Random(0)
    groups = _groups(["1 story", "2 stories", "3 stories"])
    short = [p for p in own if 1 <= len(p.body) <= 4]
    made = 0
    for page in short:
        alone = runner.alone(("page", page.page), lambda p=page: build([_own_page(p)], layout))
        for n in (1, 2, 3):
            for _ in range(draws):
                if made >= limit:
                    break
                stories = short_partners(page, pool, rng, n)
                if stories is None:
                    continue
                doc = multi_appended_doc(page, stories, rng, layout)
                _record_appended(groups, f"{n} stor{'y' if n == 1 else 'ies'}", runner(doc), alone)
                made += 1
    head = ["appended stories", *APPENDED_HEAD[1:]]
    return _table(head, _appended_rows(groups)), len(short)


def table_seeds(own: Sequence[Page], pool: Sequence[Page], runner: Runner, layout: str) -> str:
    """Table 3: the aggregator example's shape, the own part the whole page or its
    title and article alone."""
    rng = random.Random(0)
    groups = {"own page (record's lines)": Group(), "own title + article only": Group()}
    for page in own:
        stories = unrelated_partners(page, pool, rng, 2)
        for g, whole in zip(groups.values(), (True, False)):
            doc = seeds_doc(page, stories, rng, whole_page=whole, layout=layout)
            if whole:
                alone = runner.alone(("page", page.page), lambda p=page: build([_own_page(p)], layout))
            else:
                alone = runner.alone(("titled", page.page), lambda p=page: clean_article(p, layout, with_title=True))
            m = runner(doc)
            g.add(appended=m.appended_kept, recall=m.own_recall, recall_alone=alone.own_recall,
                  f1=m.shingles, f1_alone=alone.shingles, separator=m.separator_kept)
            g.docs += 1
    head = ["own part", "docs", "F1", "F1, own part alone", "own recall", "own recall, alone", "appended kept",
            "widget lines kept"]
    rows = [[name, str(g.docs), _fmt(g.f1("f1")), _fmt(g.f1("f1_alone")), _fmt(g.mean("recall")),
             _fmt(g.mean("recall_alone")), _fmt(g.mean("appended")), _fmt(g.mean("separator"))]
            for name, g in groups.items()]
    return _table(head, rows)


# ------------------------------------------------------------------------------ main

def _model_line(model: str | None) -> str:
    if model:
        path = Path(model)
        return f"`{model}` (sha256 `{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}`)"
    shipped = Path(__file__).resolve().parent.parent / "boilerstrip" / "models" / "default.npz"
    digest = hashlib.sha256(shipped.read_bytes()).hexdigest()[:12] if shipped.exists() else "?"
    return f"shipped (`boilerstrip/models/default.npz`, sha256 `{digest}`)"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = script_parser("python -m benchmarks.evidence", __doc__)
    ap.add_argument("--limit", type=int, default=1000, help="own pages per table (a seeded sample; 2d: documents)")
    ap.add_argument("--layout", choices=LAYOUTS, default="paragraphs")
    ap.add_argument("--mode", choices=MODES, default="page", help="clean()'s mode (page: the default)")
    args = ap.parse_args(argv)
    try:
        model = resolve_model(args.model)
    except (OSError, ValueError) as exc:
        ap.error(f"the model does not load: {exc}")
    t0 = time.perf_counter()
    pool = pages_from_records(load_split(args.data, args.split))
    if not pool:
        ap.error(f"no labelled page records in {args.data}/{args.split}.jsonl.gz")
    order = list(pool)
    random.Random(0).shuffle(order)   # --limit takes a seeded sample of the own pages
    own = order[:args.limit]
    runner = Runner(model, args.mode)
    lay = args.layout
    sections: list[str] = []

    def section(title: str, intro: str, make: Callable[[], str]) -> None:
        start, before = time.perf_counter(), runner.docs
        body = make()
        sections.append(f"### {title}\n\n{' '.join(intro.split())}\n\n{body}\n")
        print(f"{title}: {runner.docs - before} documents run, {time.perf_counter() - start:.0f} s", file=sys.stderr)

    section("1. Clean articles", """Each page's body lines alone (no title), by body-line count: mean share of
            the article's characters kept, and the articles losing more than 10 %.  Right ("menu first"): 2-6 of
            the page's own boilerplate lines from above its article (its menu), then the article; pages without
            such lines left out.  Menu lines dropped: mean share of the menu's characters dropped.""",
            lambda: table_clean(own, runner, lay))
    intro = """The whole page (its own boilerplate and article in order, as in the page record), then %s; by
            appended-story / own-article length in characters.  Appended kept: mean share of the appended
            story's characters kept; own recall: of the own article's; "page alone": the same page with nothing
            appended; F1: shingle F1 against the own article; separator kept: share of the separator lines kept."""
    separator = """a separator block (a "Related Articles" line, the story's headline, its site, a relative time
            stamp such as "3 hours ago", each on a line of its own) and """
    section("2a. Appended story behind a separator", intro % (separator + "the article of a random test page of "
            "another site"), lambda: table_appended(own, pool, runner, lay, "separator")[0])
    section("2b. Appended story, no separator", """As 2a without the separator block: the story's first paragraph
            comes straight after the page's last line.""",
            lambda: table_appended(own, pool, runner, lay, "direct")[0])

    def related() -> str:
        md, more = table_appended(own, pool, runner, lay, "related", tfidf_vectors(pool))
        return md + f"\n\nMean TF-IDF cosine of the pairs: {more['mean_cosine']:.3f}."

    section("2c. Related appended story", """As 2a, the story being the article of the test page of another site
            closest to the own article (highest TF-IDF cosine of their content words).""", related)
    short_count = [0]

    def short() -> str:
        md, short_count[0] = table_short(order, pool, runner, lay, args.limit)
        return md + (f"\n\n{short_count[0]} test pages have an article of 1-4 body lines; each is measured with "
                     "one, two and three stories, three pairings each (fewer where too few long enough stories).")

    section("2d. Short own article, longer stories appended", """Pages whose article is 1-4 body lines: the whole
            page, a "Related Articles" line, then one to three articles of random test pages of other sites, each
            2-10 times as long as the own article and behind its headline, site and time stamp lines.""", short)
    section("3. The seeds' shape", "The own part, a comments widget (" + ", ".join(f'"{t}"' for t in COMMENTS_WIDGET)
            + "), an app promo (" + ", ".join(f'"{t}"' for t in APP_PROMO) + """), a "Related Articles" line,
            then the articles of random test pages of two other sites, each behind its headline and a
            "site · 5 hours ago" line (the shape of `boilerstrip/examples/aggregator.txt`).  Own part: the whole
            page, or its title line and article alone ("alone" then is the title and article alone).  Widget
            lines kept: share of the widget, promo, "Related Articles" and headline/source lines kept.""",
            lambda: table_seeds(own, pool, runner, lay))
    seconds = time.perf_counter() - t0
    command = " ".join(["python -m benchmarks.evidence", *argv])
    header = [f"# Evidence or position: split `{args.split}`, documents made from its labelled pages", "",
              f"- command: `{command}`", f"- commit: `{git_commit()}`", f"- model: {_model_line(args.model)}",
              f"- {len(pool)} labelled {args.split} pages of {len({p.site for p in pool})} sites, "
              f"{len(own)} own pages per table, layout `{lay}`, mode `{args.mode}`; {runner.docs} documents run in {seconds:.0f} s", "",
              " ".join(__doc__.split("\n\n")[1].split()), ""]
    md = "\n".join(header) + "\n" + "\n".join(sections)
    print(md)
    write_markdown(md, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
