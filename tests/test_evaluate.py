"""Tests for benchmarks.evaluate and benchmarks.baselines, with hand-computed figures."""

from __future__ import annotations

import gzip
import json
import sys
import types

import numpy as np
import pytest

from benchmarks import evaluate as ev
from benchmarks.baselines import c4_keep_line, c4_rules, keep_all
from benchmarks.evaluate import (
    evaluate,
    evaluate_html,
    line_counts,
    match_lines,
    shingle_counts,
    snippet_counts,
    tokenize,
)
from boilerstrip.text import split_lines


def doc(text, gold, labels=None, **kw):
    rec = {"id": kw.pop("id", "d"), "source": "src", "kind": "page", "style": "lines", "lang": "en",
           "text": text, "gold": gold, "gold_title": "", "labels": labels}
    rec.update(kw)
    return rec


def identity(text):
    return text


def const(out):
    return lambda _text: out


# ------------------------------------------------------------------------------ tokens

def test_tokenize_unicode_and_cjk():
    assert tokenize("Größe: ÉTÉ, naïve!") == ["grösse", "été", "naïve"]
    assert tokenize("Привет, мир") == ["привет", "мир"]
    assert tokenize("東京は晴れ") == ["東", "京", "は", "晴", "れ"]
    assert tokenize("abc東京def") == ["abc", "東", "京", "def"]
    assert tokenize("  ... ") == []


# ---------------------------------------------------------------------------- shingles

def test_identical_text_is_perfect():
    gold = "The quick brown fox jumps over the lazy dog."
    rep = evaluate(identity, [doc(gold, gold)])
    assert (rep.precision, rep.recall, rep.f1) == (1.0, 1.0, 1.0)


def test_disjoint_text_scores_zero():
    rep = evaluate(const("one two three four five"), [doc("x", "six seven eight nine ten")])
    assert (rep.precision, rep.recall, rep.f1) == (0.0, 0.0, 0.0)


def test_partial_overlap_hand_computed():
    gold = "a b c d e f"  # shingles abcd bcde cdef
    # prediction "a b c d e": abcd bcde -> tp 2, fp 0, fn 1
    assert shingle_counts("a b c d e", gold) == pytest.approx((2 / 3, 0, 1 / 3))
    rep = evaluate(const("a b c d e"), [doc("a b c d e", gold)])
    assert rep.precision == pytest.approx(1.0)
    assert rep.recall == pytest.approx(2 / 3)
    assert rep.f1 == pytest.approx(0.8)
    # prediction "a b c d e f g h": abcd bcde cdef defg efgh -> tp 3, fp 2, fn 0
    rep = evaluate(const("a b c d e f g h"), [doc("x", gold)])
    assert rep.precision == pytest.approx(0.6)
    assert rep.recall == pytest.approx(1.0)
    assert rep.f1 == pytest.approx(0.75)


def test_multiset_shingles_count_repeats():
    # gold "a b c d a b c d": abcd bcda cdab dabc abcd -> {abcd:2, bcda, cdab, dabc}
    # pred "a b c d": {abcd:1} -> tp 1, fp 0, fn 4
    assert shingle_counts("a b c d", "a b c d a b c d") == pytest.approx((0.2, 0.0, 0.8))


def test_short_texts_use_tokens():
    # fewer than 4 tokens on one side: unigrams on both sides
    # pred {hello, world, foo}, gold {hello, world}: tp 2, fp 1, fn 0
    assert shingle_counts("Hello world foo", "hello, WORLD") == pytest.approx((2 / 3, 1 / 3, 0))


def test_edge_cases():
    assert shingle_counts("", "") == (1.0, 0.0, 0.0)
    assert shingle_counts("  !! ", "...") == (1.0, 0.0, 0.0)
    assert shingle_counts("some words", "") == (0.0, 1.0, 0.0)
    assert shingle_counts("", "some words") == (0.0, 0.0, 1.0)


def test_pages_weigh_the_same():
    long_gold = " ".join(f"w{i}" for i in range(2000))
    docs = [doc("a b c d e", "a b c d e", id="short"), doc(long_gold, long_gold, id="long")]
    # short page perfect (tp 1), long page output empty (fn 1):
    outputs = {"a b c d e": "a b c d e", long_gold: ""}
    rep = evaluate(lambda t: outputs[t], docs)
    assert rep.precision == pytest.approx(1.0)
    assert rep.recall == pytest.approx(0.5)
    assert rep.f1 == pytest.approx(2 / 3)
    # and the other way round: the long page perfect, the short one missed entirely
    outputs = {"a b c d e": "", long_gold: long_gold}
    rep = evaluate(lambda t: outputs[t], docs)
    assert rep.recall == pytest.approx(0.5)


# ------------------------------------------------------------------------------- lines

LINES = "My Title\n\nHome | News | Sport\nFirst body line here.\nSecond body line here.\n\nComment by Bob"
LABELS = ["title", "boilerplate", "body", "body", "comments"]
GOLD = "First body line here.\nSecond body line here."


def test_match_lines_subsequence():
    assert match_lines(["a", "b", "a", "c"], ["a", "c"]) == ([True, False, False, True], [])
    assert match_lines(["a", "b", "a"], ["b", "a"]) == ([False, True, True], [])
    assert match_lines([" a ", "b"], ["a", "x"]) == ([True, False], [1])


def test_line_scoring():
    # keeps title, body1, comment: nav dropped (tp), comment kept (fn),
    # body1 kept (tn), body2 dropped (fp); title excluded by default.
    out = "My Title\nFirst body line here.\nComment by Bob"
    assert line_counts(LABELS, [True, False, True, False, True]) == (1, 1, 1, 1)
    rep = evaluate(const(out), [doc(LINES, GOLD, LABELS)])
    g = rep.overall
    assert (g.line_tp, g.line_fp, g.line_fn, g.line_tn) == (1, 1, 1, 1)
    assert g.line_prf == pytest.approx((0.5, 0.5, 0.5))
    # include_title: the kept title is content kept -> one more tn, same P/R
    rep = evaluate(const(out), [doc(LINES, GOLD, LABELS)], include_title=True)
    assert (rep.overall.line_tp, rep.overall.line_fp, rep.overall.line_fn, rep.overall.line_tn) == (1, 1, 1, 2)
    # dropping the title: ignored by default, a false "boilerplate" with include_title
    out2 = "First body line here.\nComment by Bob"
    assert evaluate(const(out2), [doc(LINES, GOLD, LABELS)]).overall.line_prf == pytest.approx((0.5, 0.5, 0.5))
    p, r, _ = evaluate(const(out2), [doc(LINES, GOLD, LABELS)], include_title=True).overall.line_prf
    assert (p, r) == pytest.approx((1 / 3, 0.5))


def test_title_left_out_of_shingles_by_default():
    text = "A Long Headline For The Story\n\nBody words one two three four five."
    gold = "Body words one two three four five."
    rec = doc(text, gold, ["title", "body"], gold_title="A Long Headline For The Story")
    assert evaluate(identity, [rec]).f1 == 1.0
    assert evaluate(const(gold), [rec]).f1 == 1.0
    # with the title in the gold, keeping it is right and dropping it loses recall
    assert evaluate(identity, [rec], include_title=True).f1 == 1.0
    assert evaluate(const(gold), [rec], include_title=True).recall < 1.0


def test_label_mismatch_is_not_line_scored():
    rep = evaluate(identity, [doc("a\nb", "a", ["body"])])
    assert rep.overall.label_mismatch == 1 and rep.overall.line_docs == 0


# ---------------------------------------------------------------------------- snippets

def test_snippet_counts():
    out = "Intro.\nHello   World said the\nfooter  TEXT"
    assert snippet_counts(out, ["hello world", "missing bit"], ["Footer text", "absent one"]) == (1, 2, 1, 2)


def test_evaluate_html_snippets_per_language():
    pages = [
        {"page": "p1", "source": "trafilatura-eval", "lang": "de", "html": "<p>Guten Tag Welt</p><nav>Menü</nav>",
         "gold": "", "gold_title": "", "with": ["guten tag"], "without": ["Menü"]},
        {"page": "p2", "source": "trafilatura-eval", "lang": "fr", "html": "<p>Bonjour</p>",
         "gold": "", "gold_title": "", "with": ["bonjour", "au revoir"], "without": ["pub"]},
        {"page": "p3", "source": "gold-src", "lang": "en", "html": "<p>one two three four five</p>",
         "gold": "one two three four five", "gold_title": ""},
    ]

    def text_of(html):
        import lxml.html
        return lxml.html.fromstring(html).text_content()

    rep = evaluate_html(text_of, pages)
    de, fr = rep.groups["lang"]["de"], rep.groups["lang"]["fr"]
    assert (de.with_share, de.without_share) == (1.0, 0.0)
    assert (fr.with_share, fr.without_share) == (0.5, 1.0)
    assert rep.overall.with_share == pytest.approx(2 / 3)
    assert rep.overall.without_share == pytest.approx(0.5)
    # only the page with gold is shingle-scored
    assert rep.overall.shingle_docs == 1 and rep.f1 == 1.0
    md = rep.to_markdown(("source", "lang"))
    assert "Snippets per language" in md and "| de |" in md


# ------------------------------------------------------------------------------ errors

def test_exception_is_counted_not_raised():
    def flaky(text):
        if "boom" in text:
            raise ValueError("boom")
        return text

    docs = [doc("boom goes the text here", "boom goes the text here", ["body"], id="bad"),
            doc("fine words are all here", "fine words are all here", ["body"], id="ok")]
    rep = evaluate(flaky, docs)
    assert rep.overall.errors == 1 and rep.overall.docs == 2
    assert rep.precision == 1.0 and rep.recall == pytest.approx(0.5)
    assert rep.overall.line_fp == 1  # the failed document dropped its body line
    assert [d.error for d in rep.docs] == ["ValueError: boom", None]


def test_non_string_result_is_an_error():
    rep = evaluate(lambda t: None, [doc("words", "words")])
    assert rep.overall.errors == 1 and rep.recall == 0.0


# ----------------------------------------------------------------------------- reports

def test_groups_and_markdown():
    docs = [doc("a b c d", "a b c d", source="s1", kind="page", style="lines", id="1"),
            doc("e f g h", "x y z w", source="s2", kind="clean", style="flat", id="2")]
    rep = evaluate(identity, docs, tool="keep-all")
    assert rep.groups["source"]["s1"].shingle_prf == (1.0, 1.0, 1.0)
    assert rep.groups["source"]["s2"].shingle_prf == (0.0, 0.0, 0.0)
    assert rep.groups["kind"]["clean"].docs == 1 and rep.groups["style"]["lines"].docs == 1
    md = rep.to_markdown()
    assert md.startswith("## keep-all")
    assert "### Per source" in md and "| s1 |" in md and "| s2 |" in md and "### Per style" in md
    cmp = ev.compare_markdown([rep, evaluate(const(""), docs, tool="empty")])
    assert "| s1 | empty |" in cmp


def _write(path, records):
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")


def test_cli(tmp_path, capsys):
    text = "Menu\nThe first sentence of the story is long enough.\nShare this"
    recs = [doc(text, "The first sentence of the story is long enough.", ["boilerplate", "body", "boilerplate"],
                source="s1", id=str(i)) for i in range(3)]
    recs.append(doc(text, "x", ["boilerplate", "body", "boilerplate"], kind="clean", id="c"))
    _write(tmp_path / "dev.jsonl.gz", recs)
    out = tmp_path / "res.md"
    code = ev.main(["--split", "dev", "--data", str(tmp_path), "--tool", "keep-all,c4", "--kind", "page",
                    "--limit", "2", "--out", str(out)])
    assert code == 0
    md = out.read_text()
    assert "2 records" in md and "## Comparison" in md and "- `c4`: 2 documents, 0 errors" in md
    assert "| s1 | c4 | 2 | 0 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 | 1.000 |" in md
    assert md.strip() in capsys.readouterr().out
    assert ev.main(["--split", "test", "--data", str(tmp_path)]) == 2


def test_unseen_vocabulary_moves_every_word_column_and_restores_them():
    from boilerstrip import features
    from boilerstrip.features import Document, word_features
    from boilerstrip.pipeline import read

    lines = ["The harbour ferry resumes crossings", "Share this", "The harbour ferry resumes crossings"]

    def doc_words():
        # what the model sees: the words of a fresh document (the cache is per document)
        return word_features(Document.from_text_lines(split_lines("\n".join(lines))))

    before, doc_before = features.hash_words(lines), doc_words()
    read_before = word_features(read("\n".join(lines))[0])
    with ev.unseen_vocabulary(3):
        during = features.hash_words(lines)
        again = features.hash_words(lines)
        doc_during = doc_words()
        read_during = word_features(read("\n".join(lines))[0])
    after, doc_after = features.hash_words(lines), doc_words()
    assert np.array_equal(after.toarray(), before.toarray()) and np.array_equal(doc_after.toarray(), doc_before.toarray())
    assert np.array_equal(during.toarray(), again.toarray())        # one fixed permutation
    assert during.nnz == before.nnz and set(during.indices) != set(before.indices)
    assert sorted(during.data.tolist()) == sorted(before.data.tolist())
    dense = during.toarray()
    assert np.array_equal(dense[0], dense[2])                         # same words, same columns
    for k in range(during.shape[0]):                                  # each row's columns sorted
        row = during.indices[during.indptr[k]:during.indptr[k + 1]]
        assert (np.diff(row) > 0).all()
    # the documents the pipeline makes see the moved columns too
    assert np.array_equal(doc_during.toarray(), dense)
    assert np.array_equal(read_during.toarray(), dense) and not np.array_equal(read_before.toarray(), dense)


def test_cli_unseen_vocabulary_is_labelled(tmp_path):
    _write(tmp_path / "dev.jsonl.gz", [doc("Menu\nThe first sentence of the story is long enough.", "x",
                                           ["boilerplate", "body"])])
    out = tmp_path / "res.md"
    assert ev.main(["--data", str(tmp_path), "--tool", "keep-all", "--unseen-vocabulary", "1",
                    "--out", str(out)]) == 0
    md = out.read_text()
    assert "vocabulary permuted (seed 1)" in md and "keep-all (unseen vocabulary 1)" in md


def test_cli_unavailable_tool(tmp_path, monkeypatch, capsys):
    _write(tmp_path / "dev.jsonl.gz", [doc("a", "a")])
    monkeypatch.setitem(sys.modules, "boilerstrip", types.ModuleType("boilerstrip"))  # no clean()
    assert ev.main(["--data", str(tmp_path), "--tool", "boilerstrip"]) == 2
    assert "boilerstrip.clean is not importable" in capsys.readouterr().err


# ---------------------------------------------------------------------------- baselines

def test_keep_all_keeps_every_line():
    text = "a\n\n\nb\r\nc  \n"
    assert keep_all(text) == "a\n\nb\nc"
    assert keep_all("") == ""


@pytest.mark.parametrize("line, kept", [
    ("The council approved the budget on Tuesday.", True),
    ('"We are very pleased with it," she said, "really."', True),
    ("Will the new plan work for everyone?", True),
    ("What a great day for the team!", True),
    ("He paused and then said nothing at all…", True),
    ("Share this article on Facebook", False),              # no terminal punctuation
    ("Read more.", False),                                  # too few words
    ("Please enable JavaScript to view the comments.", False),
    ("Lorem ipsum dolor sit amet, consectetur.", False),
    ("This site uses cookies to improve your experience.", False),
    ("By using this site you agree to our Privacy Policy.", False),
    ("Please read the Terms of Use before you continue.", False),
    ("東京で新しい美術館が開館した。", True),                # CJK: characters count as words
    ("美術館が開館した。", True),                            # 8 characters
    ("開館した。", False),                                  # 4 characters
    ("新しいmuseum開館。", True),                           # 5 characters + 1 word
    ("Он сказал, что всё будет хорошо!", True),
    ("Then she said: «we will see about that»", True),
])
def test_c4_lines(line, kept):
    assert c4_keep_line(line) is kept


def test_c4_min_words_parameter_and_output():
    assert not c4_keep_line("It rained all day.")            # 4 words < 5
    assert c4_keep_line("It rained all day.", min_words=3)
    text = "Home | News\n\nThe council approved the budget on Tuesday.\nShare\n\nIt was a long meeting for everyone."
    out = c4_rules(text)
    assert out == "The council approved the budget on Tuesday.\n\nIt was a long meeting for everyone."
    assert all(ln.text in text for ln in split_lines(out))


def test_cli_pages(tmp_path):
    pages = [{"page": "p1", "source": "trafilatura-eval", "site": "s", "lang": "de", "url": "u",
              "html": "<html><body><p>Guten Tag</p><script>var x;</script></body></html>",
              "gold": "", "gold_title": "", "with": ["guten tag"], "without": ["var x"]}]
    _write(tmp_path / "dev-pages.jsonl.gz", pages)
    out = tmp_path / "p.md"
    assert ev.main(["--data", str(tmp_path), "--pages", "--tool", "html-all-text", "--out", str(out)]) == 0
    md = out.read_text()
    assert "| de | 1 | 1.000 | 1.000 | 1 | 1 |" in md
    # a text tool is refused on HTML pages
    assert ev.main(["--data", str(tmp_path), "--pages", "--tool", "keep-all"]) == 2


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_words = st.lists(st.sampled_from(["a", "b", "c", "d", "東", "x1"]), max_size=12).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(_words, _words)
def test_shingle_counts_properties(pred, gold):
    tp, fp, fn = shingle_counts(pred, gold)
    assert tp + fp + fn == pytest.approx(1.0)
    assert min(tp, fp, fn) >= 0
    assert shingle_counts(gold, gold)[0] == 1.0
    # swapping prediction and gold swaps fp and fn
    tp2, fp2, fn2 = shingle_counts(gold, pred)
    assert (tp2, fp2, fn2) == pytest.approx((tp, fn, fp))


def test_undefined_line_scores():
    # dropping nothing: precision undefined, recall 0, F1 0
    rep = evaluate(identity, [doc(LINES, GOLD, LABELS)])
    assert rep.overall.line_prf == (None, 0.0, 0.0)
    # shingles (title dropped): gold 8 tokens -> 5 shingles, all among the output's 11
    # (14 tokens): tp 5, fp 6 -> P 5/11, R 1, F1 0.625
    assert (rep.precision, rep.recall, rep.f1) == pytest.approx((5 / 11, 1.0, 0.625))
    assert "| overall | 1 | 0 | 0.455 | 1.000 | 0.625 | – | 0.000 | 0.000 |" in rep.to_markdown()
    # no boilerplate at all and one body line dropped: recall undefined, precision 0
    rep = evaluate(const("First body line here."), [doc(GOLD, GOLD, ["body", "body"])])
    assert rep.overall.line_prf == (0.0, None, 0.0)


# ------------------------------------------------------------------ benchmarks.formats

def test_formats_relayout_keeps_one_label_per_line():
    from benchmarks.formats import VARIANTS, relayout

    record = {"text": "Home | News\n\nThe council voted on Tuesday. It met for hours, officials said, "
                      "and the vote was unanimous after a long debate about the park.\nShare",
              "labels": ["boilerplate", "body", "boilerplate"]}
    for name, (_, split_line, blanks) in VARIANTS.items():
        text, labels = relayout(record, split_line, blanks)
        lines = split_lines(text)
        assert len(lines) == len(labels), name
        # the words and their labels are the record's, in order
        assert " ".join(" ".join(l.text.split()) for l in lines).split() == record["text"].split(), name
        assert labels[0] == "boilerplate" and labels[-1] == "boilerplate" and "body" in labels, name
    import textwrap

    n_body = len(textwrap.wrap(split_lines(record["text"])[1].text, 60))
    text, labels = relayout(record, VARIANTS["wrapped at 60"][1], "keep")
    assert n_body > 1 and labels == ["boilerplate"] + ["body"] * n_body + ["boilerplate"]
    assert [l.para_break for l in split_lines(text)] == [False, True] + [False] * n_body
    text, _ = relayout(record, VARIANTS["blank line after every line"][1], "every")
    assert all(l.para_break for l in split_lines(text)[1:])


# ------------------------------------------------------------------ benchmarks.code_pages

def test_code_pages_selects_pages_by_their_gold_code_lines():
    from benchmarks.code_pages import CODE_LINE, code_pages

    assert all(CODE_LINE.search(s) for s in ("type User {", "}", "const x = f();", "if (a == b)", "<div>"))
    assert not any(CODE_LINE.search(s) for s in ("Home | News", "A sentence, with a comma.", "Share (0)"))
    code = ["type User {", "  id: ID!", "}"] * 4           # 8 code-like lines of 12
    prose = ["The council voted on Tuesday after a long debate."] * 12
    menu = ["Home {", "News {", "}", "}"] * 3            # code-like, but boilerplate
    recs = [
        {"page": "tutorial", "kind": "page", "style": "lines", "text": "\n".join(code),
         "labels": ["body"] * len(code)},
        {"page": "story", "kind": "page", "style": "lines", "text": "\n".join(menu + prose),
         "labels": ["boilerplate"] * len(menu) + ["body"] * len(prose)},
        {"page": "tutorial", "kind": "page", "style": "flat", "text": "x", "labels": ["body"]},
    ]
    assert code_pages(recs, min_lines=8) == {"tutorial"}
    assert code_pages(recs, min_lines=9) == set()
