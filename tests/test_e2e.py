"""End-to-end: the shipped model on real held-out pages.

WCXB's test pages are always in our test split (see data/README.md), so the shipped
model never saw them or their sites.  The archive is read in place from
``../shared/corpora`` (or ``$BOILERSTRIP_CORPORA``).  Without it the tests skip (a
user without the corpora), unless ``BOILERSTRIP_REQUIRE_CORPORA=1`` is set (CI): then
they fail, so that a missing or misplaced archive cannot pass as a green run.
"""

from __future__ import annotations

import html
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks.baselines import c4_rules
from benchmarks.evaluate import shingle_counts
from boilerstrip import classify, clean
from boilerstrip.html import render_html, to_text
from boilerstrip.text import split_lines

ROOT = Path(__file__).resolve().parents[1]
CORPORA = Path(os.environ.get("BOILERSTRIP_CORPORA") or ROOT.parent / "shared" / "corpora")
N_PAGES = 40


def corpora_required() -> bool:
    """Whether missing corpora fail the tests (``BOILERSTRIP_REQUIRE_CORPORA=1``, as CI
    sets it) rather than skip them."""
    return os.environ.get("BOILERSTRIP_REQUIRE_CORPORA", "").strip().lower() in ("1", "true", "yes")


def need_corpora() -> None:
    """Skip, or fail when they are required, if the WCXB archive is not there."""
    if (CORPORA / "wcxb").is_dir():
        return
    message = f"corpora not found at {CORPORA} (set $BOILERSTRIP_CORPORA to their directory)"
    if corpora_required():
        pytest.fail(f"{message}; BOILERSTRIP_REQUIRE_CORPORA is set, so the end-to-end tests must run",
                    pytrace=False)
    pytest.skip(message)


def _f1(pairs) -> float:
    """Shingle F1 from per-page normalised counts, as benchmarks.evaluate defines it."""
    tp, fp, fn = np.mean(np.array(pairs), axis=0)
    p, r = tp / (tp + fp), tp / (tp + fn)
    return 2 * p * r / (p + r)


@pytest.fixture(scope="module")
def pages():
    need_corpora()
    from boilerstrip.data.corpora import read_source

    out = [p for p in read_source(CORPORA, "wcxb") if p.page_id.startswith("wcxb/test/") and p.gold_text]
    assert len(out) >= N_PAGES
    return out[:N_PAGES]


@pytest.mark.parametrize("style", ["paragraphs", "tags"])
def test_plain_text_beats_line_rules_on_held_out_pages(pages, style):
    ours, rules = [], []
    for page in pages:
        text = to_text(render_html(page.html, style))
        ours.append(shingle_counts(clean(text), page.gold_text))
        rules.append(shingle_counts(c4_rules(text), page.gold_text))
    assert _f1(ours) >= 0.85
    assert _f1(ours) >= _f1(rules) + 0.05


def test_html_input_on_held_out_pages(pages):
    scores = [shingle_counts(clean(page.html), page.gold_text) for page in pages]
    assert _f1(scores) >= 0.85


def test_clean_articles_come_back_whole(pages):
    kept = total = 0
    for page in pages:
        text = page.gold_title + "\n\n" + page.gold_text
        lines = classify(text)
        body = [l for l in lines if l.text != page.gold_title]
        kept += sum(len(l.text) for l in body if l.kept)
        total += sum(len(l.text) for l in body)
    # The target is 0.99; the shipped model (b02780bcf4ca) keeps 0.896 of these 40 long-form
    # articles: it drops most of two listicles (wcxb/test/4368 and 4055) and sections after
    # subheadings.  The model before it kept 0.926 here, but only 0.970 of the 360 clean test
    # articles against 0.976 now, and 0.07 of a paragraph given alone.  This guards against
    # further regressions.
    assert kept / total >= 0.88


@pytest.mark.parametrize("markup", [False, True])
def test_an_excerpt_of_one_or_two_paragraphs_comes_back_whole(pages, markup):
    """What scrapers also hand over: the first one or two paragraphs of a held-out article
    on their own, as plain text or as an HTML fragment of ``<p>`` elements.  A document
    this short has no page around it to tell the article from; all of it is article."""
    kept = total = 0
    for page in pages:
        paragraphs = [" ".join(l.text.split()) for l in split_lines(page.gold_text) if len(l.text) > 80]
        for n in (1, 2):
            excerpt = paragraphs[:n]
            if markup:
                text = "".join(f"<p>{html.escape(p)}</p>" for p in excerpt)
            else:
                text = "\n\n".join(excerpt)
            out = " ".join(clean(text).split())
            kept += sum(len(p) for p in excerpt if p in out)
            total += sum(len(p) for p in excerpt)
    # Measured with the shipped model (b02780bcf4ca): 0.998 as plain text, 1.000 as HTML.
    # The model before it, fitted on whole pages and articles only, kept 0.658 and 0.555
    # (of single paragraphs alone, 0.07 and 0.00).
    assert kept / total >= 0.95


def test_output_is_input_lines_in_order(pages):
    for page in pages[:10]:
        text = to_text(render_html(page.html, "lines"))
        inputs = [l.text for l in split_lines(text)]
        it = iter(inputs)
        assert all(line in it for line in clean(text).split("\n") if line)


def _appended_pairs_kept(pages) -> tuple[float, float]:
    """Held-out articles, each followed by another held-out article from a different site
    under its own headline, the way aggregators append them: the mean share of the first
    and of the appended article that ``clean()`` keeps, over 10 pairs."""
    kept_first, kept_second = [], []
    for k in range(0, 20, 2):
        first, second = pages[k], pages[k + 1]
        text = "\n\n".join([first.gold_title, first.gold_text, "Related stories", second.gold_title,
                             second.gold_text])
        out = clean(text)
        tp1, _, fn1 = shingle_counts(out, first.gold_text)
        tp2, _, fn2 = shingle_counts(out, second.gold_text)
        kept_first.append(tp1 / (tp1 + fn1))
        kept_second.append(tp2 / (tp2 + fn2))
    return float(np.mean(kept_first)), float(np.mean(kept_second))


def test_appended_unrelated_stories_are_dropped(pages):
    kept_first, kept_second = _appended_pairs_kept(pages)
    assert kept_first >= 0.85
    # Measured with the shipped model (b02780bcf4ca): 0.28 of the appended article
    # survives on average (0.30 with fb6faad386a7 before it); the aim is near 0.
    assert kept_second <= 0.45


def test_appended_stories_are_dropped_in_a_vocabulary_never_seen(pages):
    """The same pairs, with every word moved to another word's hashed column (what the
    model learned about words then says nothing, as for a language the corpora do not
    have): the appended article is still told apart by words shared within the document."""
    from benchmarks.evaluate import unseen_vocabulary

    with unseen_vocabulary(1):
        kept_first, kept_second = _appended_pairs_kept(pages)
    assert kept_first >= 0.85
    # Measured with the shipped model (b02780bcf4ca): 0.922 of the first article kept,
    # 0.24 of the appended one (0.28 with the real vocabulary); fb6faad386a7 before it
    # kept 0.986 and 0.27; 0.38 of the appended one with c9e5d3f1918f, 0.46 with the one
    # before that, whose unseen-language documents
    # only had their IDF shuffled; before words were weighted within the document, the
    # features and model then shipped kept 0.91 here.
    assert kept_second <= 0.6


def _boilerplate_lines(page, n: int) -> list[str]:
    """Short lines of a page's rendering that are not in its gold text: its menus, share
    prompts, teasers and footers."""
    gold = " ".join(page.gold_text.split())
    lines = [l.text for l in render_html(page.html, "lines")]
    return [t for t in lines if 3 <= len(t) <= 60 and t not in gold and t != page.gold_title][:n]


def test_articles_interrupted_by_boilerplate_stay_whole(pages):
    """Held-out articles with a block of another held-out page's boilerplate lines in the
    middle, as inline promotions and "Related" teasers sit on real pages: the article
    carries on after the block, and the block goes."""
    kept, inserted_kept = [], []
    for k in range(20):
        page, other = pages[k], pages[(k + 7) % len(pages)]
        paragraphs = [p for p in page.gold_text.split("\n") if p.strip()]
        block = _boilerplate_lines(other, 4)
        if len(paragraphs) < 4 or not block:
            continue
        cut = len(paragraphs) // 2
        text = "\n\n".join([page.gold_title, *paragraphs[:cut], *block, *paragraphs[cut:]])
        out = clean(text)
        tp, _, fn = shingle_counts(out, "\n".join(paragraphs))
        kept.append(tp / (tp + fn))
        out_lines = set(out.split("\n"))
        inserted_kept.append(np.mean([t in out_lines for t in block]))
    assert len(kept) >= 10
    # Measured with the shipped model (b02780bcf4ca) on these 20 articles: 0.986 of the
    # article kept, 0.56 of the inserted lines kept (0.986 and 0.68 with fb6faad386a7 before
    # it; 0.986 and 0.60 with the model before that,
    # c9e5d3f1918f, trained on the same corpus with the CJK-share feature: retraining moves
    # this mean by a block or two; 0.973 and 0.70, at the bound, with the one before that;
    # 0.981 and 0.62 with the article-fit model before that, which
    # removed 59 % of the inserted lines of the 356 interrupted test documents against
    # 64 % then; 0.50 with the model before the article-fit features; 0.85 before
    # interrupted articles were trained on).  The blocks are kept or dropped whole, so one
    # 4-line block moves this mean by 0.05.
    assert np.mean(kept) >= 0.94
    assert np.mean(inserted_kept) <= 0.7


# ------------------------------------------------------------------ the corpora gate


def _run_without_corpora(tmp_path, require: str | None) -> subprocess.CompletedProcess:
    """One e2e test in a child pytest, with $BOILERSTRIP_CORPORA pointing nowhere."""
    env = {k: v for k, v in os.environ.items() if k != "BOILERSTRIP_REQUIRE_CORPORA"}
    env["BOILERSTRIP_CORPORA"] = str(tmp_path / "no-corpora")
    if require is not None:
        env["BOILERSTRIP_REQUIRE_CORPORA"] = require
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs",
                           "--rootdir", str(ROOT), f"{Path(__file__).resolve()}::test_html_input_on_held_out_pages"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("require", [None, "", "0"])
def test_missing_corpora_skip_when_not_required(tmp_path, require):
    proc = _run_without_corpora(tmp_path, require)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SKIPPED [1]" in proc.stdout and "corpora not found" in proc.stdout


@pytest.mark.parametrize("require", ["1", "true"])
def test_missing_corpora_fail_when_required(tmp_path, require):
    # reported as an error in the fixture that reads the corpora: the run fails
    proc = _run_without_corpora(tmp_path, require)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "SKIPPED" not in proc.stdout
    assert "corpora not found" in proc.stdout and "BOILERSTRIP_REQUIRE_CORPORA" in proc.stdout
