"""Stage 1 (Markdown): read_markdown's lines, visible text and structure; looks_like_markdown."""

from __future__ import annotations

import re
import time

import pytest
from conftest import LABELLED, read_labelled
from hypothesis import example, given, settings
from hypothesis import strategies as st

from boilerstrip import clean
from boilerstrip.features import Document, LineStructure
from boilerstrip.markdown import MarkdownLines, looks_like_markdown, read_markdown
from boilerstrip.text import split_lines


def read(text: str) -> list[tuple[str, LineStructure]]:
    md = read_markdown(text)
    return [(v.text, s) for v, s in zip(md.visible, md.structure)]


def visible(text: str) -> list[str]:
    return [v.text for v in read_markdown(text).visible]


def tags(text: str) -> list[str]:
    return [s.tag for s in read_markdown(text).structure]


def one(line: str) -> tuple[str, LineStructure]:
    [(shown, structure)] = read(line)
    return shown, structure


# ------------------------------------------------------------------ blocks


def test_atx_headings_levels_and_closing_hashes():
    got = read("# One\n\n## Two ##\n\n###### Six\n\n####### seven hashes is text\n\n#hashtag")
    assert [(t, s.tag, s.heading) for t, s in got] == [
        ("One", "h1", True), ("Two", "h2", True), ("Six", "h6", True),
        ("####### seven hashes is text", "p", False), ("#hashtag", "p", False)]


def test_setext_headings_and_rules():
    got = read("Title here\n==========\n\nSection\n-------\n\nText.\n\n---\n\n* * *")
    assert [(t, s.tag, s.heading) for t, s in got] == [
        ("Title here", "h1", True), ("==========", "h1", True), ("Section", "h2", True), ("-------", "h2", True),
        ("Text.", "p", False), ("---", "hr", False), ("* * *", "hr", False)]


def test_rule_under_an_image_is_no_heading():
    # html2text writes a one-cell table as the cell's line and "---" under it.
    got = read("![](http://x/logo.gif)\n---")
    assert [(s.tag, s.heading) for _, s in got] == [("img", False), ("hr", False)]


def test_nested_lists_deepen_and_markers_go():
    text = "* Home\n* News\n  * World\n    1. Europe\n  * Sport\n* About\n\n- dash\n+ plus\n3) paren"
    got = read(text)
    assert [t for t, _ in got] == ["Home", "News", "World", "Europe", "Sport", "About", "dash", "plus", "paren"]
    assert all(s.tag == "li" for _, s in got)
    depths = [s.depth for _, s in got]
    assert depths[0] == depths[1] == depths[5] < depths[2] == depths[4] < depths[3]
    assert depths[6] == depths[0]


def test_list_continuation_and_indented_code():
    got = read("* item\n  more of the item\n\nA paragraph.\n\n    code line\n    second line\n\nAfter.")
    assert [(t, s.tag) for t, s in got] == [
        ("item", "li"), ("more of the item", "p"), ("A paragraph.", "p"),
        ("    code line", "pre"), ("    second line", "pre"), ("After.", "p")]
    assert got[1][1].depth > got[2][1].depth
    # Indentation right under a paragraph line is no code block (scrapers indent text).
    assert tags("Term\n    Definition text") == ["p", "p"]


def test_links_count_as_link_text_and_lose_their_targets():
    shown, s = one("* [World](/world)")
    assert (shown, s.tag, s.link_share) == ("World", "li", 1.0)
    shown, s = one("Read [the report](http://example.com/a_(1).html \"Title\") today.")
    assert shown == "Read the report today."
    assert s.link_share == pytest.approx(len("the report") / len(shown))
    assert one("[ Home ](javascript:void\\(0\\)) | [ News ](<a b>)")[0] == "Home | News"
    shown, s = one("Plain prose without any link.")
    assert s.link_share == 0.0 and s.tag == "p"


def test_a_link_holding_links_is_one_link_without_its_targets():
    # A post card (Substack, html2text): image, headline, byline and "Read" linked inside one link.
    card = ("[![Sell to the Agent](https://cdn.example/a.jpeg)Sell to the Agent[Florent D.](https://x.example/p)"
            "·Feb 24[Read full story](https://x.example/s)](https://x.example/s)")
    shown, s = one(card)
    assert shown == "Sell to the AgentSell to the AgentFlorent D.·Feb 24Read full story"
    assert s.link_share == 1.0
    shown, s = one("See [the report](/r) and [[more](/m)](/n) here.")
    assert shown == "See the report and more here."
    assert s.link_share == pytest.approx(len("the reportmore") / len(shown))
    assert one("[[[[deep](/1)](/2)](/3)](/4) end")[0] == "[deep](/4) end"   # three levels read, a fourth as written


def test_a_link_over_several_lines_is_link_text_on_each():
    # markdownify writes a linked block's lines inside one link.
    md = read_markdown("* [Monitoring\n  Uptime & synthetic checks](/product/monitoring)\n\n"
                       "[![](/teaser.jpg)\nRivers rise after the storm\nBy A. Writer · 3 min](/news/rivers)\n\n"
                       "The council met on [Tuesday](/t) to vote.")
    assert [v.text for v in md.visible] == ["Monitoring", "Uptime & synthetic checks", "/teaser.jpg",
                                            "Rivers rise after the storm", "By A. Writer · 3 min",
                                            "The council met on Tuesday to vote."]
    assert [s.link_share for s in md.structure[:5]] == [1.0] * 5
    assert md.structure[5].link_share == pytest.approx(len("Tuesday") / len("The council met on Tuesday to vote."))
    # Not a link: a bracket in code, a "[" whose "](" is too many lines on, a last line of only "](url)".
    md = read_markdown("```\nx = a[0\n```\nThe end](/x)")
    assert md.visible[3].text == "The end](/x)"
    far = read_markdown("[Start\n" + "a line\n" * 9 + "end](/x)")
    assert far.visible[0].text == "[Start" and far.structure[-1].link_share < 1.0
    md = read_markdown("[Photo\n](http://example.com/a.jpg)")
    assert md.visible[0].text == "[Photo" and md.structure[1].link_share == 1.0


def test_images_alt_text_or_url_and_image_lines():
    shown, s = one("![Company logo](/logo.png)")
    assert (shown, s.tag) == ("Company logo", "img")
    shown, s = one("[ ![](http://x/banner.gif) ](http://ads.example/click)")
    assert s.tag == "img" and s.link_share == 1.0 and shown.startswith("http://x/banner.gif")
    shown, s = one("A photo ![of the harbour](/h.jpg) at dawn.")
    assert (shown, s.tag) == ("A photo of the harbour at dawn.", "p")


def test_tables_rows_cells_and_delimiters():
    got = read("Name | Price\n---|---:\nAdult | 4.50\nChild|\n\n| only |\n| --- |\n| cell |")
    assert [(t, s.tag) for t, s in got] == [
        ("Name Price", "tr"), ("---|---:", "tr"), ("Adult 4.50", "tr"), ("Child", "td"),
        ("only", "td"), ("| --- |", "tr"), ("cell", "td")]
    # Pipes in a plain line are text: "Home | News" is a menu, not a table.
    assert read("Home | News | Sport")[0] == ("Home | News | Sport", LineStructure("p", False, 0.0, 10))


def test_blockquotes():
    got = read("> Quoted words.\n> > Nested quote.\n\n> - a quoted item")
    assert [t for t, _ in got] == ["Quoted words.", "Nested quote.", "a quoted item"]
    assert all(s.tag == "blockquote" for _, s in got)
    assert got[1][1].depth > got[0][1].depth


def test_fenced_code_is_kept_as_it_is():
    text = "Before.\n\n```python\n# not a heading\n* not an item\n[x](y) **z**\n```\n\n~~~\ncode\n~~~\nAfter."
    got = read(text)
    assert [(t, s.tag) for t, s in got] == [
        ("Before.", "p"), ("```python", "pre"), ("# not a heading", "pre"), ("* not an item", "pre"),
        ("[x](y) **z**", "pre"), ("```", "pre"), ("~~~", "pre"), ("code", "pre"), ("~~~", "pre"), ("After.", "p")]
    assert not any(s.heading for _, s in got)


def test_emphasis_markers_removed_other_stars_and_underscores_kept():
    assert visible("Some **strong** and *em* and __also__ and _this_ and ~~gone~~ and `code`.") == \
        ["Some strong and em and also and this and gone and code."]
    assert visible("snake_case_name and 2*3*4 stay") == ["snake_case_name and 2*3*4 stay"]
    assert visible("** Special report **") == ["Special report"]
    assert visible("Escaped \\*stars\\* and \\[brackets\\] and 1\\. numbers") == \
        ["Escaped *stars* and [brackets] and 1. numbers"]


def test_reference_links_and_definitions():
    got = read("See [the report][1] and [this][].\n\n[1]: http://example.com/report\n[this]: /this \"T\"")
    assert got[0][0] == "See the report and this."
    assert got[0][1].link_share > 0.5
    assert [(t, s.link_share) for t, s in got[1:]] == [("http://example.com/report", 1.0), ("/this", 1.0)]


def test_autolinks_html_tags_and_bare_urls():
    shown, s = one("Write to <mailto:desk@example.com> or <https://example.com>, <b>now</b>.")
    assert shown == "Write to or , now ."
    shown, s = one("https://example.com/a/b")
    assert (shown, s.link_share) == ("https://example.com/a/b", 1.0)
    shown, s = one('<a href="http://ads.example/click"><img src="x.gif"></a>')
    assert shown == '<a href="http://ads.example/click"><img src="x.gif"></a>'   # nothing visible: the raw line


def test_footnote_definition_keeps_its_text():
    assert visible("[^1]: The footnote's own text.") == ["The footnote's own text."]


# ------------------------------------------------------------------ invariants


SAMPLE = """# Harbour ferry

* [Home](/)
* [World](/world)

The island ferry will resume **sailing** on [Monday](/m).
![](http://x/sp.gif)

| a | b |
|---|---|
| 1 | 2 |

```
code
```
[1]: http://example.com
"""


def check_invariants(text: str) -> MarkdownLines:
    md = read_markdown(text)
    assert md.lines == split_lines(text)
    assert len(md.visible) == len(md.structure) == len(md.lines)
    for line, shown, s in zip(md.lines, md.visible, md.structure):
        assert (shown.index, shown.para_break) == (line.index, line.para_break)
        assert shown.text.strip()
        assert 0.0 <= s.link_share <= 1.0
        assert s.tag and not s.in_boilerplate and s.attrs == ""
    return md


def test_lines_are_the_inputs_own():
    md = check_invariants(SAMPLE)
    assert [l.text for l in md.lines] == [l.text for l in split_lines(SAMPLE)]
    assert "[World](/world)" in md.lines[2].text


def test_a_document_the_model_can_score(tiny_model):
    md = read_markdown(SAMPLE)
    doc = Document.from_structured_lines(md.visible, md.structure)
    [proba] = tiny_model.predict_proba([doc])
    assert proba.shape == (len(md.lines), 3)


def test_bytes_and_empty_input():
    assert read_markdown(b"# Title\n\nText") == read_markdown("# Title\n\nText")
    assert read_markdown("") == MarkdownLines([], [], [])
    assert read_markdown(" \n\t\n") == MarkdownLines([], [], [])


MARKDOWNISH = st.lists(st.sampled_from(
    ["#", "##", " ", "  ", "    ", "\t", "*", "-", "+", "1.", ">", "|", "---", "===", "```", "~~~", "[", "]", "(",
     ")", "!", "<", ">", "\\", "_", "`", "\"", "http://x.y/", "a", "word", ":", "\n", "\n\n", "\r", "\u2028",
     "\ue001", "\ue041", "\x00", "é", "東"]), max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.one_of(MARKDOWNISH, st.text(max_size=200)))
def test_never_raises_and_keeps_the_invariants(text):
    check_invariants(text)
    assert isinstance(looks_like_markdown(text), bool)


ADVERSARIAL = {
    "open brackets": "[" * (1 << 20),
    "bracket paren": "](" * (1 << 19),
    "empty links": "[](" * (1 << 18),
    "escaped parens": "[a](" + "[c](\\)" * (1 << 17),
    "image starts": "![" * (1 << 19),
    "stars": "*" * (1 << 20),
    "spaces then hash": "# a" + " " * (1 << 20) + "b",
    "open titles": "[a](b " + "\"" * (1 << 20),
    "table rule": "-|" * (1 << 19),
    "quotes": "> " * (1 << 19),
    "scheme-like": "a" * (1 << 20),
    "angle": "[a](<" * (1 << 18),
}


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_linear_time_on_adversarial_lines(name):
    text = ADVERSARIAL[name]
    start = time.perf_counter()
    md = read_markdown(text)
    looks_like_markdown(text)
    assert time.perf_counter() - start < 5.0   # about 0.3 s here; quadratic would be hours
    assert len(md.lines) == 1 and md.visible[0].text.strip()


# ------------------------------------------------------------------ detection


def test_plain_text_is_not_markdown():
    for path in sorted(LABELLED.glob("*.txt")):
        assert not looks_like_markdown(read_labelled(path)[0]), path.name
    assert not looks_like_markdown("Home | News | Sport\n\n# 1 in the charts\n\n- milk\n- eggs\n* bread\n\n"
                                   "The council voted on Tuesday [1][2] to expand the park.\n" * 3)
    assert not looks_like_markdown("")
    assert not looks_like_markdown(b"[a](b)\n[c](d)")   # type: ignore[arg-type]


def test_plain_text_quoting_a_little_markdown_is_not_markdown():
    prose = "\n\n".join(f"Paragraph {k} of a tutorial about writing documentation in plain words." for k in range(120))
    quoted = "\n".join(["# Welcome!", "## Walkthrough", "![Logo](/logo.png)", "![Photo](https://x.example/p.jpg)"])
    assert not looks_like_markdown(prose + "\n\n" + quoted + "\n\n" + prose)


def test_markdown_is_markdown():
    assert looks_like_markdown(SAMPLE)
    assert looks_like_markdown("* [Home](/)\n* [News](/news)\n\nSome text.")
    assert looks_like_markdown("# Title\n\nSome **strong** text and a [link](/x).")
    assert looks_like_markdown("Intro.\n\n```\ncode\n```\n\n- one\n- two")
    assert looks_like_markdown("See [the docs][1].\n\n[1]: https://example.com/docs")


@pytest.mark.parametrize("name", ["article", "listing"])
def test_converters_output_is_markdown(html_fixtures, name):
    html2text = pytest.importorskip("html2text")
    markdownify = pytest.importorskip("markdownify")
    converter = html2text.HTML2Text()
    converter.body_width = 0
    for text in (converter.handle(html_fixtures[name]), markdownify.markdownify(html_fixtures[name])):
        assert looks_like_markdown(text)
        md = check_invariants(text)
        shown = {v.text: s for v, s in zip(md.visible, md.structure)}
        if name == "article":
            assert shown["World"].tag == "li" and shown["World"].link_share == 1.0
            assert shown["Harbour ferry service to resume after six-week repair"].heading
            assert shown["Adult 4.50"].tag == "tr"


@pytest.mark.parametrize("line", ["![]()", "[]()", "[![]()]()", "![]( )", "![](<>)"])
def test_a_line_of_empty_links_and_images_shows_its_raw_text(line):
    """Nothing visible and an empty URL: the line shows its raw text, never a blank line
    (a blank line made the feature code index past the document's end)."""
    md = read_markdown(f"Some words of an article here.\n\n{line}")
    assert [v.text for v in md.visible] == ["Some words of an article here.", line.strip()]
    assert clean(f"A first paragraph of the story.\n\n{line}", format="markdown") is not None


# ------------------------------------------------------------------ reading all lines at once


# Pieces of inline markup that could join across a line break if a pattern let them.
INLINE_LINE = st.lists(st.sampled_from(
    ["[a](b", "![", "[", "]", "](", ")", " )", "(", "\"t\"", " 't'", "<", ">", "<http://x.y", "a@b", "**", "*", "_", "__",
     "~~", "`", " ", "  ", "\t", "\xa0", "a", "word", "http://x.y/", "www.", "\\*", "\ue041", "[1]", "[]", "<b>", "é"]),
    max_size=10).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(INLINE_LINE, MARKDOWNISH), max_size=8))
@example(["[a](b", " )", "![x](y", ")"])
@example(["word [<b](x) c>", "<b [x>](y) word"])   # a tag leaves one link mark on each line
def test_lines_read_together_read_as_each_alone(texts):
    """Inline markup is read for all lines at once (one regex pass per pattern over the
    lines joined by newlines); but for links whose text spans lines (tested on their own),
    every line must come out as if read alone."""
    from boilerstrip.markdown import _Inline, _protect

    lines = [_protect(line.text) for text in texts for line in split_lines(text)]
    together = _Inline(lines, spanning=False)
    for k, line in enumerate(lines):
        alone = _Inline([line], spanning=False)
        assert (together.text[k], together.link_share[k], k in together.image_only, together.urls(k)) == \
            (alone.text[0], alone.link_share[0], 0 in alone.image_only, alone.urls(0))


def test_spelled_out_character_classes():
    """The whitespace and alphanumeric patterns the reader uses in place of str methods."""
    from boilerstrip.markdown import _ALNUM, _NO_SPACE_OR_PAREN, _ODD_SPACE

    every = "".join(map(chr, range(0x110000)))
    assert _ODD_SPACE.findall(every) == [c for c in every if c.isspace() and c not in " \n"]
    assert re.findall(_NO_SPACE_OR_PAREN, every) == re.findall(r"[^\s()]", every)
    assert _ALNUM.findall(every) == [c for c in every if c.isalnum()]


@pytest.mark.parametrize("text", ["[x\n" * 100_000 + "](y)", "[a\nb\nc](" * 50_000, "[" + "w\n" * 7 + "x](" * 30_000])
def test_links_over_lines_read_in_linear_time(text):
    start = time.perf_counter()
    md = read_markdown(text)
    assert time.perf_counter() - start < 5.0   # about 0.5 s here
    assert len(md.lines) == text.count("\n") + 1 and all(v.text.strip() for v in md.visible)
