"""Stage 1 (HTML): render_html, to_text, looks_like_html, STYLES; the DOM facts of each line (HtmlLine.structure)."""

from __future__ import annotations

import pytest

from boilerstrip.features import LineStructure
from boilerstrip.html import STYLES, HtmlLine, looks_like_html, render_html, to_text
from boilerstrip.text import split_lines


def texts(markup, style="paragraphs"):
    return [l.text for l in render_html(markup, style)]


def by_text(lines):
    return {l.text: l for l in lines}


# ------------------------------------------------------------------ blocks and drops


def test_block_tags_become_lines_inline_tags_do_not():
    markup = ("<div>First <b>bold</b> and <i>italic</i> and <span>span</span>.</div>"
              "<p>Second</p><ul><li>Third</li><li>Fourth</li></ul><blockquote>Fifth</blockquote>")
    assert texts(markup) == ["First bold and italic and span.", "Second", "Third", "Fourth", "Fifth"]


def test_whitespace_collapsed_inside_a_block():
    assert texts("<p>  lots \n of\t\tspace   here </p>") == ["lots of space here"]


@pytest.mark.parametrize("style", STYLES)
def test_script_style_noscript_template_and_comments_dropped(style, html_fixtures):
    rendered = " ".join(texts(html_fixtures["article"], style))
    for marker in ("SCRIPT_TEXT", "NOSCRIPT_TEXT", "TEMPLATE_TEXT", "COMMENT_TEXT", "font-family", "tracking"):
        assert marker not in rendered
    assert "Harbour ferry service" in rendered


def test_dropped_element_keeps_following_text():
    assert texts("<p>before<script>x = 1</script> after<style>p{}</style> end</p>") == ["before after end"]
    assert texts("<p>one <!-- hidden words --> two</p>") == ["one two"]


def test_hidden_elements_dropped(html_fixtures):
    rendered = texts(html_fixtures["listing"])
    assert not any("HIDDEN_TEXT" in t for t in rendered)
    assert "Last paragraph & entity text." in rendered


def test_head_and_title_not_rendered():
    assert texts("<html><head><title>Page title</title></head><body><p>body</p></body></html>") == ["body"]


@pytest.mark.parametrize("style", ["paragraphs", "lines", "flat"])
def test_br_splits_lines(style):
    assert texts("<p>one<br>two<br/><br>three</p>", style) == ["one", "two", "three"]


def test_pre_keeps_its_lines_and_indentation(html_fixtures):
    rendered = texts(html_fixtures["article"])
    i = rendered.index("Route  Depart")
    assert rendered[i:i + 3] == ["Route  Depart", "Port   06:15", "   Main   07:00"]


def test_entities_decoded():
    assert texts("<p>Fish &amp; chips &lt;3 caf&eacute;&nbsp;bar</p>") == ["Fish & chips <3 caf\u00e9 bar"]


# ------------------------------------------------------------------ DOM facts


def test_heading_flag_and_tag(html_fixtures):
    lines = by_text(render_html(html_fixtures["article"]))
    h1 = lines["Harbour ferry service to resume after six-week repair"]
    assert h1.structure.heading and h1.structure.tag == "h1"
    assert lines["Fares"].structure.heading and lines["Fares"].structure.tag == "h2"
    para = lines["Local businesses said the closure had cut visitor numbers by more than a third."]
    assert not para.structure.heading and para.structure.tag == "p"


def test_link_share():
    lines = render_html("<p><a href='/a'>All of this line is a link</a></p>"
                        "<p>No link in this plain paragraph at all.</p>"
                        "<p>Half <a href='/h'>link</a></p>")
    assert lines[0].structure.link_share == pytest.approx(1.0, abs=0.05)
    assert lines[1].structure.link_share == 0.0
    assert 0.2 < lines[2].structure.link_share < 0.8


@pytest.mark.parametrize("container", ["nav", "footer", "aside", "form", "header"])
def test_in_boilerplate_containers(container):
    lines = render_html(f"<div><p>Body paragraph here.</p><{container}><div><p>Inner text</p></div></{container}>"
                        f"<p>After the container.</p></div>")
    flags = {l.text: l.structure.in_boilerplate for l in lines}
    assert flags == {"Body paragraph here.": False, "Inner text": True, "After the container.": False}


def test_attrs_words_from_class_and_id(html_fixtures):
    lines = by_text(render_html(html_fixtures["article"]))
    assert lines["Home"].structure.attrs.split() == ["site", "header", "top", "main", "menu"]
    assert "related" in lines["Marina plan approved"].structure.attrs.split()
    assert "byline" in lines["By Jan Novak"].structure.attrs.split()
    assert lines["Home"].structure.in_boilerplate


def test_attrs_lowercased_and_short_words_dropped():
    line = render_html("<div class='ArticleBody x1 ab' id='MAIN-Story'><p>text</p></div>")[0]
    assert line.structure.attrs == "articlebody main story"


def test_attrs_from_the_six_innermost_elements_only():
    names = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india"]
    markup = "".join(f"<div class='{n} x' id='{n.upper()}-Box'>" for n in names) + "<p>deep</p>"
    line = render_html(markup)[0]
    assert line.structure.attrs == " ".join(f"{n} {n} box" for n in names[4:])   # the last five divs and p
    assert line.structure.depth == 11   # body, nine divs, p
    shallow = render_html("<div class='outer part'><span>x <b id='inner'>y</b></span>z</div>")[0]
    assert shallow.structure.attrs == "outer part"   # the line is flushed at the div's end, inside the div only


def test_structure_is_a_line_structure():
    lines = render_html("<nav><a href='/'>Home</a></nav><h2 class='Sub Head'>Fares</h2>")
    assert all(isinstance(l.structure, LineStructure) for l in lines)
    assert lines[0].structure == LineStructure("nav", False, 1.0, 2, True, "")
    assert lines[1].structure == LineStructure("h2", True, 0.0, 2, False, "sub head")
    assert HtmlLine("text").structure == LineStructure() and HtmlLine("text").mark is None


def test_depth_grows_with_nesting():
    lines = render_html("<div><p>shallow</p><div><div><p>deep</p></div></div></div>")
    assert lines[1].structure.depth > lines[0].structure.depth


# ------------------------------------------------------------------ styles


def test_styles_constant():
    assert set(STYLES) == {"paragraphs", "lines", "flat", "tags"}


def test_unknown_style_rejected():
    with pytest.raises(ValueError, match="unknown style"):
        render_html("<p>x</p>", "bogus")


def test_paragraphs_style_has_paragraph_breaks(html_fixtures):
    lines = render_html(html_fixtures["article"], "paragraphs")
    assert not lines[0].para_break
    assert all(l.para_break for l in lines[1:])
    assert "\n\n" in to_text(lines)


def test_lines_style_has_no_breaks(html_fixtures):
    lines = render_html(html_fixtures["article"], "lines")
    assert not any(l.para_break for l in lines)
    assert "\n\n" not in to_text(lines)
    assert [l.text for l in lines] == texts(html_fixtures["article"], "paragraphs")


def test_flat_joins_table_cells_of_a_row(html_fixtures):
    flat = texts(html_fixtures["article"], "flat")
    rows = [t for t in flat if "Adult" in t or "Child" in t]
    assert len(rows) == 2
    assert "Adult" in rows[0] and "4.50" in rows[0]
    assert "Child" in rows[1] and "2.00" in rows[1]
    # in the block styles each cell is its own line
    assert {"Adult", "4.50", "Child", "2.00"} <= set(texts(html_fixtures["article"], "lines"))


def test_flat_breaks_only_at_paragraph_like_blocks():
    lines = render_html("<div>intro</div><p>para one</p><ul><li>item</li></ul><h2>head</h2>", "flat")
    assert [(l.text, l.para_break) for l in lines] == [
        ("intro", False), ("para one", True), ("item", False), ("head", True)]


def test_tags_style_splits_inline_links_onto_own_lines(html_fixtures):
    assert texts("<p>Read <a href='/x'>the report</a> today.</p>", "tags") == ["Read", "the report", "today."]
    assert texts("<p>Read <a href='/x'>the report</a> today.</p>", "paragraphs") == ["Read the report today."]
    tags = render_html(html_fixtures["article"], "tags")
    assert [(l.text, l.structure.link_share) for l in tags if l.text in ("By", "Jan Novak")] == \
        [("By", 0.0), ("Jan Novak", 1.0)]
    assert not any(l.para_break for l in tags)


@pytest.mark.parametrize("style", STYLES)
def test_all_styles_keep_same_words_in_same_order(style, html_fixtures):
    for markup in html_fixtures.values():
        base = " ".join(texts(markup, "paragraphs")).split()
        other = " ".join(texts(markup, style)).split()
        # flat may glue adjacent cells ("Adult4.50"); compare characters without spaces
        assert "".join(other) == "".join(base)


# ------------------------------------------------------------------ robustness


def test_broken_and_fragment_html(html_fixtures):
    rendered = texts(html_fixtures["fragment"])
    assert rendered[0] == "Chip maker shares slide"
    assert any(t.startswith("Shares in a large semiconductor maker") for t in rendered)
    assert "Analysts said inventories remained high" in rendered
    assert {"One", "Two"} <= set(rendered)
    assert any("nested block" in t for t in rendered)


@pytest.mark.parametrize("markup", ["", "   \n\t", "<html></html>", "<div><span></span></div>", "<!-- only a comment -->",
                                    "<script>x()</script>", b"", "<html><body></body></html>"])
def test_empty_input_gives_no_lines(markup):
    for style in STYLES:
        assert render_html(markup, style) == []
    assert to_text([]) == ""


@pytest.mark.parametrize("markup", ["<", "&", "<p", "</p></div>", "<p><p><p>", "<div <p>x", "<?xml version='1.0' encoding='utf-8'?><p>x</p>",
                                    "<p>a\x00b\x01c</p>", "<![CDATA[x]]>", "<p>\ud800</p>".encode("utf-8", "surrogatepass")])
def test_garbage_never_crashes(markup):
    for style in STYLES:
        lines = render_html(markup, style)
        assert all(isinstance(l, HtmlLine) and l.text.strip() for l in lines)


def test_hidden_and_aria_hidden_true_only():
    markup = ("<p>a <span hidden=''>x</span>b <span aria-hidden='true'>y<i hidden>z</i></span>c "
              "<span aria-hidden='false'>kept</span> <span HIDDEN>w</span>d</p>")
    assert texts(markup) == ["a b c kept d"]


def test_lone_surrogate_does_not_lose_the_rest_of_the_page():
    assert texts("<p>a\ud800b</p><p>after</p>") == ["a\ufffdb", "after"]


@pytest.mark.parametrize("markup", ["<p>One <span hidden>x</span>\x0ctwo</p>",
                                    "<p>One <span aria-hidden='true'>x</span> two\x0b</p>",
                                    "<div><b hidden>x</b>a\x01b</div>",
                                    "<hr hidden>\x0c"])
def test_hidden_element_followed_by_control_character(markup):
    for style in STYLES:
        lines = render_html(markup, style)
        assert "x" not in [l.text for l in lines]


def test_bytes_input_decoded():
    page = "<html><head><meta charset='utf-8'></head><body><p>Caf\u00e9 \u2013 open</p></body></html>"
    assert texts(page.encode("utf-8")) == ["Caf\u00e9 \u2013 open"]
    assert texts(page.encode("utf-16")) == ["Caf\u00e9 \u2013 open"]


def test_xml_declaration_accepted():
    assert texts("<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>") == ["x"]


# ------------------------------------------------------------------ looks_like_html


@pytest.mark.parametrize("markup", [
    "<!DOCTYPE html><html><head><title>x</title></head><body>y</body></html>",
    "  \n<html><body><p>text</p></body></html>",
    "<div class='post'><p>One paragraph.</p><p>Another one.</p></div>",
    "<p>Para one.</p>\n<p>Para two.</p>\n<p>Para three.</p>",
    "<P>One<P>Two<BR>three",
    "<!-- generated -->\n\t\n<div>x</div>",
    "\n<script>\nvar a = 1;\nvar b = 2;\nvar c = 3;\nvar d = 4;\n</script><p>Text</p>",
    "<style>\n.a { color: red }\n.b { color: blue }\n.c { margin: 0 }\n</style><p>Text</p>",
])
def test_looks_like_html_true(markup, html_fixtures):
    assert looks_like_html(markup)
    for page in html_fixtures.values():
        assert looks_like_html(page)


@pytest.mark.parametrize("text", [
    "",
    "Plain prose with no markup at all.\nSecond line.",
    "Use the <p> element to mark a paragraph; browsers add space around it.",
    "Prices: 3 < 5 and 7 > 2, so a<b holds.\nAnother line.",
    "Email us at <news@example.com> for tips.",
    # A plain-text tutorial quoting a few tags in its code sample: tags on 2 of 12 lines.
    "\n".join(["How to break lines in a template", "Templates join lines unless told otherwise."]
              + ["Each step of the guide explains one more setting in plain words."] * 8
              + ["Write <br/> after each item, like this: one<br/>two<br/>",
                 "or <p>wrap each item</p> in its own paragraph."]),
])
def test_looks_like_html_false(text):
    assert not looks_like_html(text)


# ------------------------------------------------------------------ invariant and mark=


@pytest.mark.parametrize("style", STYLES)
def test_to_text_split_invariant(style, html_fixtures):
    extra = {"inline": "<p>a <b>b</b> <a href='#'>c</a></p><p>\u2028x\x85y</p><pre>a\x85b\u2028c\x1cd\n\n  e</pre>",
             "controls": "<p>\x01 lead</p><p>tab\tinside</p><pre>\tindent\n</pre>"}
    for markup in list(html_fixtures.values()) + list(extra.values()):
        lines = render_html(markup, style)
        assert lines
        assert [l.text for l in split_lines(to_text(lines))] == [l.text for l in lines]
        # paragraph breaks survive too
        assert [l.para_break for l in split_lines(to_text(lines))] == [l.para_break for l in lines]


def test_to_text_uses_blank_lines_for_breaks():
    lines = [HtmlLine("a"), HtmlLine("b", para_break=True), HtmlLine("c")]
    assert to_text(lines) == "a\n\nb\nc"


def test_mark_callback_labels_lines():
    markup = ("<body><div data-label='boilerplate'><p>Menu item</p></div>"
              "<div data-label='body'><p>Body sentence that is fairly long here <span data-label='ad'>ad</span></p>"
              "<p>short <span data-label='ad'>a much longer advert text here</span></p>"
              "<p>unlabelled inside body</p></div><p>outside</p></body>")
    seen = []

    def mark(el):
        seen.append(el.tag)
        return el.get("data-label")

    lines = render_html(markup, mark=mark)
    assert [(l.text, l.mark) for l in lines] == [
        ("Menu item", "boilerplate"),
        ("Body sentence that is fairly long here ad", "body"),   # majority of characters
        ("short a much longer advert text here", "ad"),            # majority of characters
        ("unlabelled inside body", "body"),                        # inherited from the parent
        ("outside", None),
    ]
    assert "span" in seen and "p" in seen
    assert all(l.mark is None for l in render_html(markup))
