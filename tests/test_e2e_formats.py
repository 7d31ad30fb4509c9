"""End to end with the shipped model on renderings other than plain block lines: a
Markdown page (as html2text and markdownify write them) and an inscriptis-style indented
page with `*` list items.  The pages are hand-written for these tests (in none of the
corpora): a menu that is a bullet list, an article with its own bulleted list, share links,
a logo image and a "Related" link list."""

from __future__ import annotations

from pathlib import Path

import pytest

from boilerstrip import classify, clean

FORMATS = Path(__file__).parent / "fixtures" / "formats"
ARTICLE = ("The island ferry that links Port Alder", "Engineers replaced both propeller shafts",
           "The authority said the repairs cost", "a new timetable with an extra early sailing",
           "free parking at the mainland terminal", "a refund scheme for commuters",
           '"We know how hard the last few weeks')


@pytest.mark.parametrize("name, fmt", [("harbour.md", "auto"), ("harbour.md", "markdown"),
                                       ("harbour-inscriptis.txt", "auto")])
def test_menu_list_dropped_article_list_kept(default_model, name, fmt):
    text = (FORMATS / name).read_text(encoding="utf-8")
    lines = classify(text, format=fmt, model=default_model)
    kept = [l.text.strip() for l in lines if l.kept]
    # the article, its own bulleted list included, whole and in order
    assert [next(k for k, t in enumerate(kept) if a in t) for a in ARTICLE] == sorted(
        next(k for k, t in enumerate(kept) if a in t) for a in ARTICLE)
    assert len(kept) == len(ARTICLE)
    # the menu (a bullet list of links), the logo, share links and the Related list are dropped
    for junk in ("Home", "Subscribe", "logo", "Share on", "Related", "Ferry fares to rise", "©"):
        assert not any(junk in t for t in kept), junk
    # Markdown in, Markdown out: the kept lines are the input's own
    assert all(line in text.splitlines() for line in clean(text, format=fmt, model=default_model).splitlines())


def test_markdown_link_and_image_lines_score_low(default_model):
    text = (FORMATS / "harbour.md").read_text(encoding="utf-8")
    for line in classify(text, model=default_model):
        if line.text.startswith(("* [", "[![", "[Share")):
            assert line.score < 0.3, line.text


def test_markdown_aggregator_page_keeps_its_article_and_drops_both_appended_stories(default_model):
    """The seeds' shape, written as Markdown: the page's own article, a comments widget, an
    app promotion, "More stories", then a chip maker's stock story and a foreign court
    ruling, each under its linked headline and a source/time line."""
    text = (FORMATS / "harbour-aggregator.md").read_text(encoding="utf-8")
    kept = clean(text, model=default_model)
    for own in ARTICLE[:2] + ARTICLE[-1:]:
        assert own in kept, own
    for appended in ("Solvane", "8.2 billion", "Analysts said", "Lisbon", "public hearing", "applause",
                     "Market Wire", "No comments yet", "App Store", "More stories", "Share on", "©"):
        assert appended not in kept, appended


LAYOUT_STORY = [
    "The harbour authority approved the new ferry timetable on Tuesday evening, after a long public "
    "consultation with island residents.",
    "Commuters had asked for an earlier sailing for more than two years, saying the first boat reached "
    "the mainland too late for work.",
    "The first boat will now leave the island at a quarter past six, and a late sailing has been added on "
    "Fridays and Saturdays.",
    "Fares stay the same until the end of the year, the authority said, although a review of season "
    "tickets is due in the autumn.",
    "A second vessel is due back from its refit in the spring, when the authority expects to run a "
    "half-hourly service at peak times.",
    "Until then, weekend sailings will run every ninety minutes, and passengers are asked to book vehicle "
    "spaces in advance."]
LAYOUT_SIDEBAR = [f"Most read: {t}" for t in (
    "Council approves budget for new school", "Storm closes coastal road for a week",
    "Local team wins cup final in extra time", "Bakery celebrates one hundred years",
    "Bridge repairs to start in June", "Festival line-up announced", "New library opens its doors",
    "Fishing quotas cut again", "Hospital car park fees rise", "Ferry fares: what changes",
    "Island broadband upgrade delayed", "Lifeboat crew rescues walkers")]


def test_layout_table_laid_out_side_by_side_keeps_the_article_lines(default_model):
    """inscriptis lays a layout table's cells out side by side: each article paragraph shares
    its line with a "Most read" link, and the links run on between the paragraphs.  The
    article's lines are kept, the lines of links alone are dropped (read column by column)."""
    inscriptis = pytest.importorskip("inscriptis")
    html = ("<html><body><table><tr><td><h1>Earlier ferry approved for island commuters</h1>"
            + "".join(f"<p>{p}</p>" for p in LAYOUT_STORY) + "</td><td><ul>"
            + "".join(f"<li><a href='/most-read'>{s}</a></li>" for s in LAYOUT_SIDEBAR)
            + "</ul></td></tr></table><p>© 2026 Island News. All rights reserved.</p></body></html>")
    text = inscriptis.get_text(html)
    kept = clean(text, model=default_model).splitlines()
    assert [next(k for k, line in enumerate(kept) if p in line) for p in LAYOUT_STORY] == list(range(6))
    assert len(kept) == len(LAYOUT_STORY)
    own = [line.rstrip() for line in text.splitlines()]       # the input's own lines (less trailing padding)
    assert [own.index(line) for line in kept] == sorted(own.index(line) for line in kept)
