"""Property-based tests (hypothesis) across the stages, with the tiny test model."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boilerstrip import classify, clean
from boilerstrip.features import LineStructure
from boilerstrip.html import STYLES, render_html, to_text
from boilerstrip.text import BinaryInputError, decode, split_lines

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Text with everything that makes line splitting interesting.
_SPECIAL = st.sampled_from(["\n", "\r", "\r\n", "\n\n", "\x00", "\x0c", "\x0b", "\x1c", "\x85", "\u2028", "\t",
                            "\u00a0", "\U0001f600", "\u6771\u4eac", "\u3002", "\ufeff", "\x7f", "\x9f", " ", "."])
_WORDS = st.sampled_from(["The", "council", "voted", "on", "Tuesday", "Home", "|", "Share", "ferry", "2023", "12:30",
                          "www.example.com", "\u00a9", "caf\u00e9", "\u5929\u6c17"])
TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(_SPECIAL, _WORDS, st.text(max_size=5)), max_size=60).map(lambda xs: " ".join(xs)),
)


def _is_subsequence(small, big) -> bool:
    it = iter(big)
    return all(any(s == b for b in it) for s in small)


@SETTINGS
@given(TEXT)
def test_clean_output_is_a_subsequence_of_input_lines(tiny_model, text):
    out = clean(text, html=False, model=tiny_model)
    assert isinstance(out, str)
    inputs = [l.text for l in split_lines(text)]
    produced = [l for l in out.split("\n") if l]
    assert _is_subsequence(produced, inputs)
    assert clean(text, html=False, model=tiny_model) == out


@SETTINGS
@given(TEXT)
def test_classify_covers_each_nonblank_line_once(tiny_model, text):
    lines = classify(text, model=tiny_model, html=False)
    expected = split_lines(text)
    assert [(l.index, l.text) for l in lines] == [(l.index, l.text) for l in expected]
    assert all(0.0 <= l.score <= 1.0 for l in lines)


@SETTINGS
@given(TEXT)
def test_clean_with_html_detection_never_crashes(tiny_model, text):
    out = clean(text, model=tiny_model)
    assert isinstance(out, str)


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash(tiny_model, data):
    try:
        text = decode(data)
    except BinaryInputError:   # the one error bytes can raise, and clean() raises it too
        with pytest.raises(BinaryInputError):
            clean(data, html=False, model=tiny_model)
        return
    assert isinstance(text, str)
    lines = split_lines(data)
    assert [l.text for l in lines] == [l.text for l in split_lines(text)]
    out = clean(data, html=False, model=tiny_model)
    assert _is_subsequence([l for l in out.split("\n") if l], [l.text for l in lines])


@SETTINGS
@given(TEXT, st.floats(0.05, 0.95), st.floats(0.05, 0.95))
def test_threshold_is_monotone(tiny_model, text, t1, t2):
    lo, hi = min(t1, t2), max(t1, t2)
    kept_lo = {l.index for l in classify(text, threshold=lo, html=False, model=tiny_model) if l.kept}
    kept_hi = {l.index for l in classify(text, threshold=hi, html=False, model=tiny_model) if l.kept}
    assert kept_hi <= kept_lo


# ------------------------------------------------------------------ HTML grammar

_TAGS = ["p", "div", "span", "a", "b", "li", "ul", "h1", "h2", "td", "tr", "table", "br", "pre", "nav", "footer",
         "script", "style", "noscript", "template", "article", "section", "em", "aside", "form", "button", "hr"]
_TEXT_BITS = st.one_of(
    st.sampled_from(["Hello", "world", " ", "\n", "  ", "&amp;", "&nbsp;", "&lt;", "&#x85;", "\u2028", "\t", "\r\n",
                     "text with words.", "\u6771\u4eac", "\U0001f600", "<", ">", "&", "<!-- c -->", "\x0c"]),
    st.text(max_size=6),
)


def _element(children):
    return st.builds(
        lambda tag, attrs, kids, close: f"<{tag}{attrs}>{''.join(kids)}" + (f"</{tag}>" if close else ""),
        st.sampled_from(_TAGS),
        st.sampled_from(["", " class='menu'", " id='main story'", " hidden", " aria-hidden='true'", " href='/x'"]),
        st.lists(children, max_size=4),
        st.booleans(),
    )


# Hidden elements followed by control characters were once filtered out here (lxml
# refused the tail text); html._drop_keep_tail makes such text XML-safe now, so they are
# generated like any other markup.
HTML = st.recursive(_TEXT_BITS, _element, max_leaves=25)
PAGES = st.one_of(HTML, HTML.map(lambda s: f"<html><body>{s}</body></html>"))


@settings(max_examples=150, deadline=None)
@given(PAGES)
def test_render_html_never_crashes_and_round_trips(markup):
    for style in STYLES:
        lines = render_html(markup, style)
        assert all(l.text.strip() and l.text == l.text.rstrip() for l in lines)
        assert all(0.0 <= l.structure.link_share <= 1.0 for l in lines)
        assert [l.text for l in split_lines(to_text(lines))] == [l.text for l in lines]
        assert not lines or not lines[0].para_break


@settings(max_examples=100, deadline=None)
@given(PAGES)
def test_styles_agree_on_the_words(markup):
    """All styles show the same characters, only split differently."""
    joined = {style: "".join("".join(l.text.split()) for l in render_html(markup, style)) for style in STYLES}
    assert len(set(joined.values())) == 1


@SETTINGS
@given(PAGES)
def test_clean_html_output_lines_are_rendered_lines(tiny_model, markup):
    rendered = [l.text for l in render_html(markup)]
    out = clean(markup, html=True, threshold=0.2, model=tiny_model)
    assert _is_subsequence([l for l in out.split("\n") if l], rendered)


@settings(max_examples=100, deadline=None)
@given(PAGES)
def test_rendered_structure_survives_the_corpus_row_layout(markup):
    """Each rendered line's structure goes into a corpus record as ``to_row()`` and comes
    back with ``from_row``: the same facts, the link share to 3 decimals."""
    for style in STYLES:
        for line in render_html(markup, style):
            s = line.structure
            assert isinstance(s, LineStructure)
            back = LineStructure.from_row(s.to_row())
            assert back._replace(link_share=s.link_share) == s
            assert abs(back.link_share - s.link_share) <= 5e-4
            assert s.depth >= 1 and s.attrs == s.attrs.lower()


@SETTINGS
@given(TEXT)
def test_format_keyword_and_html_keyword_agree(tiny_model, text):
    assert clean(text, format="text", model=tiny_model) == clean(text, html=False, model=tiny_model)
    assert classify(text, format="html", model=tiny_model) == classify(text, html=True, model=tiny_model)
