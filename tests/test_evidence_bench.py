"""Tests for benchmarks.evidence's document construction and measures (no model quality)."""

from __future__ import annotations

import random

import pytest

from benchmarks import evidence as ev
from boilerstrip import Line
from boilerstrip.text import split_lines


def record(page, site, lines, title=""):
    """A page record in the corpus's shape from ``(label, text)`` rows."""
    return {"id": f"{page}#page-paragraphs", "page": page, "site": site, "source": "src", "lang": "en",
            "kind": "page", "style": "paragraphs", "text": "\n\n".join(t for _, t in lines),
            "labels": [lab for lab, _ in lines], "gold": "", "gold_title": title}


RECORDS = [
    record("a/1", "alpha.com", [("boilerplate", "Home"), ("boilerplate", "World | Sport"), ("title", "Ferry resumes"),
                                ("body", "The harbour ferry resumes sailing on Monday after repairs."),
                                ("body", "Engineers replaced the propeller shafts and the steering gear."),
                                ("boilerplate", "Share this")], title="Ferry resumes"),
    record("b/1", "beta.org", [("boilerplate", "Menu"), ("body", "Chip shares slid after a weak outlook for memory."),
                               ("body", "Analysts said inventories remained high across the industry."),
                               ("body", "A recovery in prices was unlikely before next year, they said."),
                               ("body", "The company plans to cut spending on new factories."),
                               ("body", "Its shares have fallen by a third since the spring.")], title="Chip shares slide"),
    record("c/1", "gamma.net", [("body", "The court upheld a ruling on ferry data retention and harbour records."),
                                ("body", "Operators must delete location records after twelve months.")]),
    {"kind": "aggregator", "style": "lines", "text": "x", "labels": ["body"], "page": "z", "site": "z"},
]


@pytest.fixture
def pages():
    return ev.pages_from_records(RECORDS)


def check_offsets(doc):
    """Each constructed line is where its offset says, and split_lines agrees on the lines."""
    assert len(doc.lines) == len(doc.roles) == len(doc.starts) == len(doc.indices)
    for text, start in zip(doc.lines, doc.starts):
        assert doc.text[start:start + len(text)] == text
    assert [(l.text, l.index) for l in split_lines(doc.text)] == list(zip(doc.lines, doc.indices))


def test_pages(pages):
    assert [p.page for p in pages] == ["a/1", "b/1", "c/1"]          # page records only, sorted
    assert pages[0].body == ["The harbour ferry resumes sailing on Monday after repairs.",
                             "Engineers replaced the propeller shafts and the steering gear."]
    assert pages[0].headline == "Ferry resumes" and pages[2].headline == "More from gamma.net"
    assert pages[1].body_chars == sum(len(t.replace(" ", "")) for t in pages[1].body)


@pytest.mark.parametrize("layout", ev.LAYOUTS)
def test_clean_and_menu(pages, layout):
    doc = ev.clean_article(pages[0], layout)
    check_offsets(doc)
    assert doc.roles == ["body", "body"] and doc.gold == "\n\n".join(pages[0].body)
    assert ("\n\n" in doc.text) == (layout == "paragraphs")
    titled = ev.clean_article(pages[0], layout, with_title=True)
    assert titled.roles == ["title", "body", "body"] and titled.lines[0] == "Ferry resumes"
    menu = ev.menu_then_article(pages[0], random.Random(0), layout)
    check_offsets(menu)
    assert menu.lines[:2] == ["Home", "World | Sport"] and menu.roles == ["page", "page", "body", "body"]
    assert ev.menu_then_article(pages[2], random.Random(0), layout) is None       # nothing above its article


def test_appended(pages):
    own, story = pages[0], pages[1]
    doc = ev.appended_doc(own, story, random.Random(0))
    check_offsets(doc)
    n = len(own.lines)
    assert doc.lines[:n] == [t for t, _, _ in own.lines]                           # the whole page first, in order
    assert doc.roles[:n] == ["page", "page", "title", "body", "body", "page"]
    assert doc.lines[n:n + 3] == ["Related Articles", "Chip shares slide", "beta.org"]
    assert doc.lines[n + 3].endswith(" ago") and doc.roles[n:n + 4] == ["separator"] * 4
    assert doc.lines[n + 4:] == story.body and set(doc.roles[n + 4:]) == {"appended"}
    assert doc.gold == "\n\n".join(own.body)
    assert doc.meta["ratio"] == pytest.approx(story.body_chars / own.body_chars)
    direct = ev.appended_doc(own, story, random.Random(0), separator=False, layout="lines")
    check_offsets(direct)
    assert direct.roles == doc.roles[:n] + ["appended"] * len(story.body) and "\n\n" not in direct.text


def test_multi_and_seeds(pages):
    doc = ev.multi_appended_doc(pages[2], [pages[0], pages[1]], random.Random(1))
    check_offsets(doc)
    assert doc.roles.count("appended") == 7 and doc.meta["n_stories"] == 2
    assert doc.lines[2] == "Related Articles" and doc.lines[3] == "Ferry resumes"
    seeds = ev.seeds_doc(pages[0], [pages[1], pages[2]], random.Random(0), whole_page=False)
    check_offsets(seeds)
    assert seeds.lines[:3] == ["Ferry resumes", *pages[0].body]
    assert seeds.lines[3:9] == [*ev.COMMENTS_WIDGET, *ev.APP_PROMO, "Related Articles"]
    assert seeds.lines[9] == "Chip shares slide" and seeds.lines[10].startswith("beta.org · ")
    assert seeds.lines[11:16] == pages[1].body and seeds.lines[16] == "More from gamma.net"
    assert seeds.roles.count("appended") == 7 and seeds.roles.count("separator") == 10


def test_pairings(pages):
    rng = random.Random(0)
    picked = ev.unrelated_partners(pages[0], pages, rng, 2)
    assert {p.site for p in picked} == {"beta.org", "gamma.net"}
    vectors = ev.tfidf_vectors(pages)
    j, sim = ev.related_partner(0, pages, vectors)
    assert pages[j].page == "c/1" and 0 < sim <= 1                                 # "ferry", "harbour" shared
    # 2-10x as long as c/1 (111 characters): only b/1 (231); a/1 (104) is not
    assert [p.page for p in ev.short_partners(pages[2], pages, rng, 1)] == ["b/1"]
    assert ev.short_partners(pages[2], pages, rng, 2) is None
    assert ev.short_partners(pages[1], pages, rng, 1) is None                       # nothing 2x as long as b/1


def test_buckets():
    assert [ev.lines_bucket(n) for n in (1, 4, 5, 14, 15, 39, 40, 400)] == ["1-4", "1-4", "5-14", "5-14", "15-39",
                                                                          "15-39", "40+", "40+"]
    assert [ev.ratio_bucket(r) for r in (0.0, 0.49, 0.5, 0.99, 1.0, 1.99, 2.0, 9.0)] == [
        "< 0.5", "< 0.5", "0.5-1", "0.5-1", "1-2", "1-2", ">= 2", ">= 2"]
    assert ev.RATIO_NAMES == ["< 0.5", "0.5-1", "1-2", ">= 2"] and ev.LINE_NAMES == ["1-4", "5-14", "15-39", "40+"]


def line(text, kept, index=0):
    return Line(text, index, "body" if kept else "boilerplate", 0.9 if kept else 0.1, 0.0, kept)


def test_share_kept_and_measure():
    lines = [line("ab cd", True), line("efgh", False), line("  ij  ", True), line("klmnop", False)]
    assert ev.share_kept(lines, [True, True, True, False]) == pytest.approx(6 / 10)   # whitespace not counted
    assert ev.share_kept(lines, [False, False, False, True]) == 0.0
    assert ev.share_kept(lines, [False] * 4) is None
    doc = ev.build([[("Menu", "page", False), ("Big news", "title", False)],
                    [("one two three four five", "body", True), ("six seven", "body", True)],
                    [("Related Articles", "separator", False)], [("other story here", "appended", True)]])
    check_offsets(doc)
    kept = [False, True, True, False, True, True]
    lines = [line(t, k, i) for t, k, i in zip(doc.lines, kept, doc.indices)]
    m = ev.measure(doc, lines)
    assert m.own_recall == pytest.approx(19 / 27) and m.appended_kept == 1.0
    assert m.separator_kept == 1.0 and m.page_kept == 0.0
    tp, fp, fn = m.shingles   # gold: 4 shingles; kept (title out): 7, of which 2 are gold
    assert (tp, fp, fn) == pytest.approx((2 / 9, 5 / 9, 2 / 9))


def test_build_rejects_bad_lines():
    with pytest.raises(ValueError):
        ev.build([[("two\nlines", "body", False)]])
    with pytest.raises(ValueError):
        ev.build([[("   ", "body", False)]])
    with pytest.raises(ValueError):
        ev.build([[("x", "body", False)]], layout="tags")
