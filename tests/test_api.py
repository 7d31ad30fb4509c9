"""Stage 5: clean / classify / text_of, the pipeline they share (Options, read), and the
batch API (clean_many, classify_many).

These check invariants that hold for any trained model, using the tiny model fitted
on the labelled fixtures, passed explicitly as ``model=tiny_model``; the tests that take
the ``default_model`` fixture use the shipped model.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import pytest
from conftest import LABELLED, assert_same_lines, read_labelled

from boilerstrip import Line, Options, classify, clean
from boilerstrip.api import text_of
from boilerstrip.batch import classify_many, clean_many
from boilerstrip.decoding import keep_mask
from boilerstrip.html import render_html
from boilerstrip.model import CLASSES, LineModel
from boilerstrip.pipeline import read
from boilerstrip.text import split_lines

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = (ROOT / "boilerstrip" / "examples" / "aggregator.txt").read_text(encoding="utf-8")


def sample_texts() -> list[str]:
    texts = [read_labelled(p)[0] for p in sorted(LABELLED.glob("*.txt"))]
    texts.append(EXAMPLE)
    texts.append("Short title\r\n\r\nA body line that goes on for a while, with commas, and a full stop.\r\n"
                 "Menu | Home | Contact\r\n\r\n\r\nAnother paragraph of prose that reads like an article.")
    return texts


def is_subsequence(small: list[str], big: list[str]) -> bool:
    it = iter(big)
    return all(any(s == b for b in it) for s in small)


def output_lines(out: str) -> list[str]:
    return [l for l in out.split("\n") if l]


# ------------------------------------------------------------------ trivial inputs


def test_clean_empty_and_blank_need_no_model():
    # no model argument: the shipped model is never needed for empty input
    assert clean("") == ""
    assert clean("   \n\t\r\n  \n") == ""
    assert clean(b"") == ""
    assert classify("") == []
    assert classify("\n\n\u00a0\n") == []


@pytest.mark.parametrize("value", [None, 12, 3.0, ["text"], {"a": 1}])
def test_clean_rejects_non_text(value, tiny_model):
    with pytest.raises(TypeError, match="expected str or bytes"):
        clean(value, model=tiny_model)
    with pytest.raises(TypeError, match="expected str or bytes"):
        classify(value, model=tiny_model)


def test_clean_none_message():
    with pytest.raises(TypeError, match="got NoneType"):
        clean(None)


@pytest.mark.parametrize("threshold", [0.0, 1.0, -1.0, 2.0])
def test_invalid_threshold(threshold, tiny_model):
    with pytest.raises(ValueError):
        clean(EXAMPLE, threshold=threshold, model=tiny_model)


@pytest.mark.parametrize("text", ["OK", "Yes", "a\nb", "<html><p>Hi</p></html>"])
def test_clean_very_short_input(text, tiny_model):
    out = clean(text, model=tiny_model)
    assert out in ("", "Hi", "a", "b", "a\nb", text)


# ------------------------------------------------------------------ bytes input


def test_bytes_input_same_as_str(tiny_model):
    for text in sample_texts():
        expected = clean(text, model=tiny_model)
        assert clean(text.encode("utf-8"), model=tiny_model) == expected
        assert clean(text.encode("utf-16"), model=tiny_model) == expected
        assert clean(bytearray(text.encode("utf-8")), model=tiny_model) == expected


def test_cp1252_bytes_input(tiny_model):
    text = "\u201cQuoted\u201d headline about the caf\u00e9 on Main Street\n\nThe caf\u00e9 opened on Tuesday, its owner said."
    lines = classify(text.encode("cp1252"), model=tiny_model)
    assert [l.text for l in lines] == [l.text for l in split_lines(text)]


# ------------------------------------------------------------------ invariants


def test_output_lines_are_input_lines_in_order(tiny_model):
    for text in sample_texts():
        inputs = [l.text for l in split_lines(text)]
        for threshold in (0.1, 0.5, 0.9):
            out = clean(text, threshold=threshold, model=tiny_model)
            assert is_subsequence(output_lines(out), inputs)
            assert "\n\n\n" not in out and not out.startswith("\n") and not out.endswith("\n")


def test_long_input_scored_in_windows_keeps_every_line_in_order(tiny_model, monkeypatch):
    """Past WINDOW_CHARS (lowered here so the test stays small) a text is scored window
    by window: classify still covers every line once, in order, and clean() returns
    input lines in input order, the same as text_of(classify())."""
    from boilerstrip import model as model_module

    text = "\n\n".join(sample_texts() * 3)
    monkeypatch.setattr(model_module, "WINDOW_CHARS", len(text) // 7)
    expected = split_lines(text)
    lines = classify(text, model=tiny_model)
    assert [(l.index, l.text) for l in lines] == [(l.index, l.text) for l in expected]
    out = clean(text, model=tiny_model)
    assert out == text_of(lines) and is_subsequence(output_lines(out), [l.text for l in expected])


def test_classify_covers_every_nonblank_line_once(tiny_model):
    for text in sample_texts():
        lines = classify(text, model=tiny_model)
        expected = split_lines(text)
        assert all(isinstance(l, Line) for l in lines)
        assert [l.index for l in lines] == [l.index for l in expected]
        assert [l.text for l in lines] == [l.text for l in expected]
        assert [l.para_break for l in lines] == [l.para_break for l in expected]
        assert all(a < b for a, b in zip([l.index for l in lines], [l.index for l in lines][1:]))


def test_scores_and_labels(tiny_model):
    for text in sample_texts():
        for include_title in (False, True):
            lines = classify(text, include_title=include_title, model=tiny_model)
            for l in lines:
                assert 0.0 <= l.score <= 1.0 and 0.0 <= l.title_score <= 1.0
                assert l.score + l.title_score <= 1.0 + 1e-9
                assert l.label in CLASSES
                assert isinstance(l.kept, bool)
                if l.kept:
                    assert l.label in (("body", "title") if include_title else ("body",))
                else:
                    assert l.label in ("title", "boilerplate")


def test_scores_are_the_model_probabilities(tiny_model):
    doc, _ = read(EXAMPLE)
    proba = tiny_model.predict_proba([doc])[0]
    lines = classify(EXAMPLE, model=tiny_model)
    assert [l.score for l in lines] == pytest.approx(proba[:, 0].tolist())
    assert [l.title_score for l in lines] == pytest.approx(proba[:, 1].tolist())
    # kept: the body probabilities decoded with the model's own transition cost
    assert [l.kept for l in lines] == keep_mask(proba[:, 0], 0.5, tiny_model.transition).tolist()


def test_lower_threshold_never_keeps_fewer_lines(tiny_model):
    grid = (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95)
    for text in sample_texts():
        kept = [{l.index for l in classify(text, threshold=t, model=tiny_model) if l.kept} for t in grid]
        for looser, stricter in zip(kept, kept[1:]):
            assert stricter <= looser


def test_threshold_actually_changes_output(tiny_model):
    outs = {clean(EXAMPLE, threshold=t, model=tiny_model) for t in (0.02, 0.5, 0.98)}
    assert len(outs) > 1


def test_include_title_never_keeps_fewer_lines(tiny_model):
    for text in sample_texts():
        for t in (0.3, 0.5, 0.7):
            plain = {l.index for l in classify(text, threshold=t, model=tiny_model) if l.kept}
            titled = {l.index for l in classify(text, threshold=t, include_title=True, model=tiny_model) if l.kept}
            assert plain <= titled


def test_text_of_classify_equals_clean(tiny_model):
    for text in sample_texts():
        for kwargs in ({}, {"threshold": 0.3}, {"include_title": True}):
            assert text_of(classify(text, model=tiny_model, **kwargs)) == clean(text, model=tiny_model, **kwargs)


def test_text_of_keeps_paragraph_breaks():
    lines = [Line("A", 0, "body", 0.9, 0.0, True), Line("B", 1, "boilerplate", 0.1, 0.0, False, True),
             Line("C", 2, "body", 0.9, 0.0, True), Line("D", 4, "body", 0.9, 0.0, True, True)]
    assert text_of(lines) == "A\n\nC\n\nD"
    assert text_of([]) == ""


def test_deterministic(tiny_model):
    for text in sample_texts():
        assert clean(text, model=tiny_model) == clean(text, model=tiny_model)
        assert classify(text, model=tiny_model) == classify(text, model=tiny_model)


def test_line_ending_style_does_not_change_decisions(tiny_model):
    text = EXAMPLE
    base = classify(text, model=tiny_model)
    for variant in (text.replace("\n", "\r\n"), text.replace("\n", "\r")):
        other = classify(variant, model=tiny_model)
        assert [(l.text, l.kept) for l in other] == [(l.text, l.kept) for l in base]
        assert [l.score for l in other] == pytest.approx([l.score for l in base])



@pytest.mark.parametrize("indent", ["    ", "\t\t", " \u00a0"])
def test_indentation_does_not_change_decisions_and_is_kept(tiny_model, default_model, indent):
    # Scrapers indent text as its markup was indented; the decisions must not depend on
    # it (the shipped model, indented 4 spaces, used to lose whole paragraphs of test
    # pages), and the kept lines come back with the input's own indentation.
    indented = "\n".join(indent + line if line.strip() else line for line in EXAMPLE.split("\n"))
    for model in (tiny_model, default_model):
        base, other = classify(EXAMPLE, model=model), classify(indented, model=model)
        assert [l.kept for l in other] == [l.kept for l in base]
        assert [l.score for l in other] == [l.score for l in base]
        assert [l.text for l in other] == [indent + l.text for l in base]
    out = clean(indented, model=default_model)
    assert out and all(line.startswith(indent) for line in out.split("\n") if line)


@pytest.mark.parametrize("width", [60, 78])
def test_hard_wrapped_text_is_scored_by_paragraph_and_returned_as_wrapped(tiny_model, default_model, width):
    # lynx/w3m dumps and html2text wrap paragraphs at a fixed width; each wrapped line is
    # scored as its whole paragraph, and the kept lines are the input's wrapped lines.
    import textwrap

    wrapped = "\n".join("\n".join(textwrap.wrap(line, width)) for line in EXAMPLE.split("\n"))
    wrapped_lines = split_lines(wrapped)
    assert len(wrapped_lines) > len(split_lines(EXAMPLE))
    for model in (tiny_model, default_model):
        lines = classify(wrapped, model=model)
        assert [l.text for l in lines] == [l.text for l in wrapped_lines]
        unwrapped = classify(EXAMPLE, model=model)
        # every wrapped line gets its paragraph's decision and score
        by_paragraph = [l for l in unwrapped for _ in textwrap.wrap(l.text, width)]
        assert [l.kept for l in lines] == [l.kept for l in by_paragraph]
        assert [l.score for l in lines] == pytest.approx([l.score for l in by_paragraph])
    out = clean(wrapped, model=default_model)
    assert is_subsequence(output_lines(out), [l.text for l in wrapped_lines])
    assert " ".join(out.split()) == " ".join(clean(EXAMPLE, model=default_model).split())


# ------------------------------------------------------------------ HTML input


def test_html_detected_and_rendered(tiny_model, html_fixtures):
    for markup in html_fixtures.values():
        lines = classify(markup, model=tiny_model)
        assert [l.text for l in lines] == [l.text for l in render_html(markup)]
        assert [l.index for l in lines] == list(range(len(lines)))
        out = clean(markup, threshold=0.05, model=tiny_model)
        assert "<" not in out.replace("<3", "")
        assert is_subsequence(output_lines(out), [l.text for l in lines])


def test_read_formats(html_fixtures):
    doc, lines = read(html_fixtures["article"])
    assert doc.structure is not None and len(doc.structure) == len(lines)
    assert [l.text for l in lines] == [l.text for l in render_html(html_fixtures["article"])]
    doc, lines = read(html_fixtures["article"], format="text")
    assert doc.structure is None
    assert any(l.text.lstrip().startswith("<") for l in lines)
    doc, lines = read("Plain prose line.\nAnother line.", format="html")
    assert doc.structure is not None and [l.text for l in lines] == ["Plain prose line. Another line."]
    doc, lines = read("Plain prose line.\nAnother line.")
    assert doc.structure is None and [l.text for l in lines] == ["Plain prose line.", "Another line."]


def test_html_forced_off_keeps_markup_lines(tiny_model, html_fixtures):
    markup = html_fixtures["article"]
    lines = classify(markup, html=False, model=tiny_model)
    assert [l.text for l in lines] == [l.text for l in split_lines(markup)]


def test_format_text_on_html_keeps_it_as_text_lines(tiny_model, html_fixtures):
    for markup in html_fixtures.values():
        source_lines = [l.text for l in split_lines(markup)]
        lines = classify(markup, format="text", model=tiny_model)
        assert [l.text for l in lines] == source_lines
        assert [l.index for l in lines] == [l.index for l in split_lines(markup)]
        for threshold in (0.05, 0.5):
            out = clean(markup, format="text", threshold=threshold, model=tiny_model)
            assert is_subsequence(output_lines(out), source_lines)
            assert out == text_of(classify(markup, format="text", threshold=threshold, model=tiny_model))
        assert clean(markup, format="text", threshold=0.05, model=tiny_model) == \
            clean(markup, html=False, threshold=0.05, model=tiny_model)
    # the markup survives: at a low threshold some tag-bearing source line is kept
    assert any("<" in clean(m, format="text", threshold=0.01, model=tiny_model) for m in html_fixtures.values())


def test_format_html_and_html_true_agree(tiny_model, html_fixtures):
    for markup in list(html_fixtures.values()) + ["Plain prose line.\nAnother line."]:
        assert classify(markup, format="html", model=tiny_model) == classify(markup, html=True, model=tiny_model)
        assert clean(markup, format="auto", model=tiny_model) == clean(markup, model=tiny_model)


def test_html_bytes_with_meta_charset(tiny_model):
    page = ("<html><head><meta charset='windows-1251'></head><body><h1>\u041d\u043e\u0432\u043e\u0441\u0442\u0438 \u0434\u043d\u044f</h1>"
            "<p>\u0413\u043e\u0440\u043e\u0434\u0441\u043a\u043e\u0439 \u0441\u043e\u0432\u0435\u0442 \u0443\u0442\u0432\u0435\u0440\u0434\u0438\u043b \u0431\u044e\u0434\u0436\u0435\u0442.</p>"
            "<p>\u0421\u043b\u0435\u0434\u0443\u044e\u0449\u0435\u0435 \u0437\u0430\u0441\u0435\u0434\u0430\u043d\u0438\u0435 \u0432 \u043c\u0430\u0440\u0442\u0435.</p></body></html>")
    lines = classify(page.encode("cp1251"), model=tiny_model)
    assert [l.text for l in lines] == [l.text for l in render_html(page)]


# ------------------------------------------------------------------ shipped model smoke test


def test_shipped_model_smoke(default_model):
    lines = classify(EXAMPLE, model=default_model)
    assert [l.index for l in lines] == [l.index for l in split_lines(EXAMPLE)]
    out = clean(EXAMPLE)
    assert is_subsequence(output_lines(out), [l.text for l in split_lines(EXAMPLE)])
    # overwhelming evidence only: the long body sentences are kept, the menu bar is not
    assert "Engineers replaced both propeller shafts" in out
    assert "Home | World | Business | Tech | Sport" not in out


# ------------------------------------------------------------------ batch


def batch_inputs(html_fixtures) -> list:
    return sample_texts() + ["", "   \n"] + list(html_fixtures.values()) + [EXAMPLE.encode("utf-8")]


@pytest.mark.parametrize("batch_size", [1, 3, 100])
def test_clean_many_equals_clean(tiny_model, html_fixtures, batch_size):
    inputs = batch_inputs(html_fixtures)
    expected = [clean(x, model=tiny_model) for x in inputs]
    assert list(clean_many(inputs, batch_size=batch_size, model=tiny_model)) == expected


def test_clean_many_with_two_jobs(tiny_model, html_fixtures):
    inputs = batch_inputs(html_fixtures)
    expected = [clean(x, model=tiny_model) for x in inputs]
    assert list(clean_many(inputs, n_jobs=2, batch_size=2, model=tiny_model)) == expected
    assert list(clean_many(iter(inputs), n_jobs=2, batch_size=5, threshold=0.3, model=tiny_model)) == \
        [clean(x, threshold=0.3, model=tiny_model) for x in inputs]


def test_classify_many_equals_classify(tiny_model, html_fixtures):
    inputs = batch_inputs(html_fixtures)
    got = list(classify_many(inputs, batch_size=4, include_title=True, model=tiny_model))
    expected = [classify(x, include_title=True, model=tiny_model) for x in inputs]
    assert_same_lines(got, expected)


def test_clean_many_accepts_a_generator_and_is_lazy(tiny_model):
    pulled = []

    def endless():
        for k in itertools.count():
            pulled.append(k)
            yield f"Story number {k} headline\n\nThe body of story {k} is a sentence about the town council."

    results = clean_many(endless(), batch_size=2, model=tiny_model)
    first = [next(results) for _ in range(3)]
    assert len(first) == 3 and all(isinstance(x, str) for x in first)
    assert len(pulled) <= 4  # two batches of two, nothing more
    assert first == [clean(f"Story number {k} headline\n\nThe body of story {k} is a sentence about the town council.",
                           model=tiny_model) for k in range(3)]


def test_clean_many_empty_and_bad_batch_size(tiny_model):
    assert list(clean_many([], model=tiny_model)) == []
    assert list(clean_many(["", " "], model=tiny_model)) == ["", ""]
    with pytest.raises(ValueError, match="batch_size"):
        list(clean_many(["x"], batch_size=0, model=tiny_model))


def test_clean_many_uses_default_model(default_model):
    inputs = sample_texts()[:3]
    assert list(clean_many(inputs)) == [clean(x, model=default_model) for x in inputs]
    assert list(clean_many(inputs)) == [clean(x) for x in inputs]


# ------------------------------------------------------------------ Options and model=


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.5, 1.5, float("nan"), float("inf"), True, False, "0.5", None])
def test_options_threshold_outside_open_unit_interval(threshold):
    with pytest.raises(ValueError, match="threshold"):
        Options(threshold=threshold)
    with pytest.raises(ValueError, match="threshold"):
        Options.of(threshold=threshold)


@pytest.mark.parametrize("threshold", [1e-9, 0.5, 0.999999, np.float64(0.3)])
def test_options_threshold_inside_is_accepted(threshold):
    assert Options(threshold=threshold).threshold == threshold


@pytest.mark.parametrize("value", [1, 0, "yes", "False", None, 1.0, [True]])
def test_options_include_title_must_be_a_bool(value):
    with pytest.raises(TypeError, match="include_title"):
        Options(include_title=value)


def test_options_include_title_accepts_numpy_bools():
    assert Options(include_title=np.bool_(True)).include_title
    assert not Options(include_title=False).include_title


@pytest.mark.parametrize("fmt", ["HTML", "pdf", "", None, "md", "txt"])
def test_options_unknown_format(fmt):
    with pytest.raises(ValueError, match="format"):
        Options(format=fmt)


def test_options_of_html_keyword():
    assert Options.of(html=True).format == "html"
    assert Options.of(html=False).format == "text"
    assert Options.of().format == "auto"
    assert Options.of(format="text").format == "text"
    for fmt in ("text", "html"):
        for html in (True, False):   # even when they agree
            with pytest.raises(ValueError, match="html= or format="):
                Options.of(html=html, format=fmt)


@pytest.mark.parametrize("fn", [clean, classify])
def test_public_functions_validate_options(tiny_model, fn):
    text = "Home\n\nThe council voted on Tuesday to expand the park."
    with pytest.raises(ValueError, match="threshold"):
        fn(text, threshold=1.0, model=tiny_model)
    with pytest.raises(TypeError, match="include_title"):
        fn(text, include_title="yes", model=tiny_model)
    with pytest.raises(ValueError, match="format"):
        fn(text, format="pdf", model=tiny_model)
    with pytest.raises(ValueError, match="html= or format="):
        fn(text, html=True, format="text", model=tiny_model)
    # invalid options are rejected even when there is nothing to clean
    with pytest.raises(ValueError, match="threshold"):
        fn("", threshold=0.0)


def test_options_are_frozen():
    options = Options()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.threshold = 0.3  # type: ignore[misc]


def test_model_argument_forms(tiny_estimator, tiny_model, tiny_model_path):
    loaded = LineModel.load(tiny_model_path)
    for text in sample_texts()[:3]:
        expected = clean(text, model=tiny_model)
        assert clean(text, model=tiny_estimator) == expected            # a fitted LineClassifier
        from_file = clean(text, model=loaded)
        assert clean(text, model=tiny_model_path) == from_file          # a path (PathLike)
        assert clean(text, model=str(tiny_model_path)) == from_file     # a path (str)
        assert [l.kept for l in classify(text, model=str(tiny_model_path))] == \
            [l.kept for l in classify(text, model=loaded)]


@pytest.mark.parametrize("model", [42, object(), ["model.npz"], b"model.npz"])
def test_model_argument_of_another_type_is_a_type_error(model):
    with pytest.raises(TypeError, match="model must be"):
        clean("The council voted on Tuesday.", model=model)


def test_model_argument_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        clean("The council voted on Tuesday.", model=tmp_path / "missing.npz")


def test_model_argument_damaged_file(tmp_path):
    bad = tmp_path / "model.npz"
    bad.write_bytes(b"not a model\n" * 10)
    with pytest.raises(ValueError, match="not a boilerstrip model"):
        clean("The council voted on Tuesday.", model=bad)


def test_clean_refuses_binary_bytes_with_a_documented_value_error(tiny_model):
    from boilerstrip import BinaryInputError

    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    for fn in (clean, classify):
        with pytest.raises(BinaryInputError, match="not text"):
            fn(png, model=tiny_model)
    with pytest.raises(ValueError):
        list(clean_many(["A line of text.", png], model=tiny_model))


def test_article_mode_keeps_one_block_and_is_the_best_run_of_the_scores(tiny_model):
    from boilerstrip.decoding import block_mask

    for text in sample_texts():
        lines = classify(text, mode="article", model=tiny_model)
        kept = [k for k, l in enumerate(lines) if l.kept]
        assert kept == list(range(kept[0], kept[-1] + 1)) if kept else True      # one contiguous block
        assert [l.kept for l in lines] == block_mask([l.score for l in lines]).tolist()
        assert clean(text, mode="article", model=tiny_model) == text_of(lines)
    with pytest.raises(ValueError, match="mode must be one of page, article"):
        clean("x", mode="articles")


MARKDOWN_PAGE = """# [NewsDesk](/)

* [World](/world)
* [Business](/business)
* [Sport](/sport)

![NewsDesk logo](/img/logo.png)

## Harbour ferry service to resume after six-week repair

The island ferry that links **Port Alder** with the mainland will resume sailing on Monday after six weeks in dry dock, the [regional transport authority](/authority) said on Thursday.

Engineers replaced both propeller shafts and the steering gear after a fault was found during a routine inspection in October.

[Share on Facebook](https://facebook.com/share) | [Share on X](https://x.com/share)
"""


def test_markdown_in_markdown_out(tiny_model):
    """Markdown is read for its structure, but what is returned are the input's own lines."""
    lines = classify(MARKDOWN_PAGE, format="markdown", model=tiny_model)
    assert [l.text for l in lines] == [l.text for l in split_lines(MARKDOWN_PAGE)]
    out = clean(MARKDOWN_PAGE, format="markdown", threshold=0.01, model=tiny_model)
    assert all(line in MARKDOWN_PAGE.splitlines() for line in out.splitlines() if line)
    # auto detects it; as plain text the same lines get other scores (link targets and markup count there)
    assert [l.score for l in classify(MARKDOWN_PAGE, model=tiny_model)] == [l.score for l in lines]
    plain = [l.score for l in classify(MARKDOWN_PAGE, format="text", model=tiny_model)]
    assert plain != [l.score for l in lines]


def test_plain_text_with_a_dash_or_hash_line_is_not_read_as_markdown(tiny_model):
    text = "Home | News\n\n# 1 story today\n\n- The council voted on Tuesday to expand the park by twelve acres.\n"
    assert [l.score for l in classify(text, model=tiny_model)] == \
        [l.score for l in classify(text, format="text", model=tiny_model)]
