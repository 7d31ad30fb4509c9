"""Corpus build: readers, alignment, splits and a whole build on a tiny fake corpora tree."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from boilerstrip.data import read_records
from boilerstrip.data.aggregate import FRAGMENT_VARIANTS, aggregator_doc, assemble, fragment_doc, interrupted_doc
from boilerstrip.data.align import align_lines, tokens
from boilerstrip.data.build import build
from boilerstrip.data.converters import CONVERTERS, choose_converters, label_rendering
from boilerstrip.data.corpora import SOURCES, read_all, site_of, strip_l3s_annotations
from boilerstrip.data.splits import assign_splits
from boilerstrip.features import LineStructure
from boilerstrip.html import STYLES, render_html, to_text
from boilerstrip.text import split_lines

BODY1 = ("The council met on Tuesday to discuss the new budget for the coming year.",
         "Members said the plan would raise spending on schools and roads by a modest amount.")
BODY2 = ("Scientists found a new species of frog in the mountains of the northern region.",
         "The frog is small and green and sings at night during the rainy season.")


def _page(title: str, body: tuple, extra: str = "") -> str:
    paras = "".join(f"<p>{p}</p>" for p in body)
    return (f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a> <a href='/n'>News</a></nav>"
            f"<h1>{title}</h1><div class='story'>{paras}</div><div class='share'>Share</div>"
            f"<ul class='related'><li><a href='/x'>Other story about budgets and frogs today</a></li></ul>{extra}"
            f"<footer>Copyright 2024 Example Media. All rights reserved.</footer></body></html>")


def _tar(path: Path, top: str, files: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in sorted(files.items()):
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def make_corpora(root: Path) -> Path:
    """A tiny corpora tree: 2 pages per source, in each source's real archive layout."""
    sites = ["alpha-news.com", "beta-times.co.uk", "gamma.org", "delta.net", "epsilon.com", "zeta.com",
             "eta.com", "theta.com", "iota.com", "kappa.com", "lambda.com", "mu.com"]
    # L3S: labels on spans, injected style, url mapping
    style = "<style type='text/css'>.x-nc-sel0 { display:block }</style>"
    ann = []
    for title, body in [("Budget agreed", BODY1), ("Frog found", BODY2)]:
        spans = "".join(f"<p><span class='x-nc-sel2'>{p}</span></p>" for p in body)
        ann.append(f"<html><head>{style}</head><body class='x-nc-linearized'><div>Home</div>"
                   f"<h1><span class='x-nc-sel1'>{title}</span></h1>{spans}"
                   f"<p><span class='x-nc-sel3'>Photo: a caption</span></p>"
                   f"<p><span class='x-nc-sel4'>Related: another story</span></p>"
                   f"<p><span class='x-nc-sel5'>Great article, thanks!</span></p></body></html>")
    _tar(root / "l3s-gn1/l3s-gn1.tar.gz", "l3s-gn1", {
        "url-mapping.txt": f"<urn:uuid:u1>\thttp://www.{sites[0]}/a\n<urn:uuid:u2>\thttp://news.{sites[1]}/b\n".encode(),
        "annotated/u1.html": ann[0].encode(), "annotated/u2.html": ann[1].encode(),
        "original/u1.html": b"<html></html>", "original/u2.html": b"<html></html>"})
    # WCXB: gzipped html + ground-truth json, dev/test
    meta = {"files": {}}
    files = {}
    for k, (split, fid, site) in enumerate([("dev", "0001", sites[2]), ("test", "0002", sites[3])]):
        title, body = ("Budget agreed", BODY1) if k == 0 else ("Frog found", BODY2)
        files[f"{split}/html/{fid}.html.gz"] = gzip.compress(_page(title, body).encode())
        gt = {"url": f"https://{site}/p", "ground_truth": {"title": title, "main_content": "\n\n".join(body),
                                                           "with": [body[0][:20]], "without": ["Share"]}}
        files[f"{split}/ground-truth/{fid}.json"] = json.dumps(gt).encode()
        meta["files"][fid] = {"split": split, "page_type": "article", "domain": site}
    files["metadata.json"] = json.dumps(meta).encode()
    _tar(root / "wcxb/wcxb-articles.tar.gz", "wcxb", files)
    # MSV: cp1252 gold with curly quotes, title first line
    for source, prefix, s in (("msv-big5", "big5-05/", (sites[4], sites[5])), ("msv-chaos", "", (sites[6], sites[7]))):
        files = {}
        for k, (title, body) in enumerate([("Budget agreed", BODY1), ("Frog found", BODY2)]):
            canon = f"<link rel='canonical' href='http://www.{s[k]}/story'>"
            page = _page(title, body).replace("<head>", "<head>" + canon)
            files[f"{prefix}html/story ({k + 1}).htm"] = page.encode()
            gold = "\u201c" + title + "\u201d\r\n\r\n" + "\r\n\r\n".join(body)
            files[f"{prefix}gold/story ({k + 1}).txt"] = gold.encode("cp1252")
        _tar(root / f"{source}/{source}.tar.gz", source, files)
    # Readability: one real page, one synthetic case that must be skipped
    page = _page("Budget agreed", BODY1).replace("<head>", f"<head><link rel='canonical' href='https://{sites[8]}/x'>")
    expected = "<div id='readability-page-1'>" + "".join(f"<p>{p}</p>" for p in BODY1) + "</div>"
    files = {"real-1/source.html": page.encode(), "real-1/expected.html": expected.encode(),
             "real-1/expected-metadata.json": json.dumps({"title": "Budget agreed", "lang": "en"}).encode(),
             "replace-brs/source.html": b"<p>x</p>", "replace-brs/expected.html": b"<p>x</p>"}
    _tar(root / "readability-test-pages/readability-test-pages.tar.gz", "readability-test-pages", files)
    # trafilatura: snippets only
    ev = {f"https://{sites[9]}/a": {"file": "a.html", "with": ["frog"], "without": ["Share"]},
          f"https://{sites[10]}/b": {"file": "b.html", "with": ["budget"], "without": ["Home"]}}
    _tar(root / "trafilatura-eval/trafilatura-eval.tar.gz", "trafilatura-eval", {
        "evaldata.json": json.dumps(ev).encode(),
        "html/a.html": _page("Frog found", BODY2).replace("<html>", "<html lang='de'>").encode(),
        "html/b.html": _page("Budget agreed", BODY1).encode()})
    return root


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> Path:
    return make_corpora(tmp_path_factory.mktemp("corpora"))


def test_tokens_ignore_cosmetics():
    assert tokens("\u201cDon\u2019t\u201d \u2014 Caf\u00e9&nbsp;&amp; FOO\u00a0bar") == \
        tokens('"Don\'t" - Cafe & foo bar')
    assert tokens("\ufb01ne  \t line") == ["fine", "line"]


def test_align_tolerates_quotes_dashes_entities_whitespace():
    lines = ["Home", "News", "Budget \u2014 \u201cagreed\u201d", "The council met on Tuesday &amp; discussed the   budget.",
             "Share", "It\u2019s a modest plan \u2013 members said.", "Related stories", "Copyright 2024"]
    gold = 'The Council met on tuesday & discussed the budget.\n\nIt\'s a modest plan - members said.'
    a = align_lines(lines, gold, 'Budget - "Agreed"')
    assert a.labels == ["boilerplate", "boilerplate", "title", "body", "boilerplate", "body",
                        "boilerplate", "boilerplate"]
    assert a.gold_covered == a.gold_tokens


def test_short_lines_need_whole_run():
    # "Share" and "news" appear in the gold, but not as a run continuing into neighbours
    lines = ["Share", "news", "Subhead here", "We report the news every day and night.", "Share"]
    gold = "Subhead here\nWe report the news every day and night.\nPress share to share."
    a = align_lines(lines, gold)
    assert a.labels == ["boilerplate", "boilerplate", "body", "body", "boilerplate"]
    # a short gold line separated from the rest on the page is body when it is a whole gold line
    a = align_lines(["Intro line of the article is long enough", "Ad", "Key Points", "More text follows here ok"],
                    "Intro line of the article is long enough\nKey Points\nMore text follows here ok")
    assert a.labels == ["body", "boilerplate", "body", "body"]


def test_site_of():
    assert site_of("http://www.bbc.co.uk/news/x") == "bbc.com"  # alias: one site, two domains
    assert site_of("https://news.example.com.au/a") == "example.com.au"
    assert site_of("https://web.archive.org/web/20130428031108/http://www.forbes.com/sites/x") == "forbes.com"
    assert site_of("//us.yahoo.com/news/") == "yahoo.com"


def test_strip_l3s_annotations():
    raw = ("<html><head><style>.x-nc-sel0 {a:b}</style></head><body class='x-nc-linearized'>"
           "<span class=\"x-nc-sel2\">x</span><div class=\"story x-nc-sel0\">y</div></body></html>")
    clean = strip_l3s_annotations(raw)
    assert "x-nc" not in clean and "<style" not in clean and 'class="story"' in clean


def test_readers(corpora):
    pages = read_all(corpora)
    by = {p.page_id: p for p in pages}
    assert {p.source for p in pages} == set(SOURCES)
    assert "readability-test-pages/replace-brs" not in by  # synthetic case skipped
    msv = by["msv-big5/big5-05/story (1)"]
    assert msv.gold_title == "\u201cBudget agreed\u201d" and msv.gold_text.startswith("The council")
    l3s = by["l3s-gn1/u1"]
    assert l3s.gold_title == "Budget agreed" and "x-nc" not in l3s.html and "x-nc" in l3s.annotated
    assert by["wcxb/test/0002"].site == "delta.net"
    traf = [p for p in pages if p.source == "trafilatura-eval"]
    assert all(p.gold_text == "" for p in traf) and {p.lang for p in traf} == {"de", ""}


def test_html_invariant_on_fixture_pages(corpora):
    for page in read_all(corpora):
        for style in STYLES:
            lines = render_html(page.html, style)
            assert [l.text for l in split_lines(to_text(lines))] == [l.text for l in lines]


def test_splits_disjoint_and_wcxb_test_pinned(corpora):
    pages = read_all(corpora)
    split = assign_splits(pages)
    assert split["delta.net"] == "test"
    assert set(split.values()) <= {"train", "dev", "test"}
    assert all(p.site in split for p in pages)


def test_assemble_counts_lines():
    text, labels = assemble([[("a", "title", False), ("b", "body", True)], [("c", "boilerplate", False)]], "lines")
    assert text == "a\nb\nc" and labels == ["title", "body", "boilerplate"]
    text, _ = assemble([[("a", "title", False), ("b", "body", True)], [("c", "boilerplate", False)]], "paragraphs")
    assert text == "a\n\nb\n\nc"


def _labelled_page(name: str, site: str, n_body: int) -> dict:
    lines = [("Home", "boilerplate", False), (f"{name} headline", "title", True)]
    lines += [(f"{name} paragraph {k} with enough words to read.", "body", True) for k in range(n_body)]
    lines += [("Share this", "boilerplate", True)]
    return {"page": name, "site": site, "title": f"{name} headline", "styles": {s: lines for s in STYLES}}


def _body(page: dict) -> list[str]:
    return [t for t, lab, _ in page["styles"]["lines"] if lab == "body"]


def test_aggregator_doc_keeps_its_article_and_appends_other_sites_stories_whole():
    page = _labelled_page("own", "own.com", 6)
    others = [page] + [_labelled_page(f"other{k}", f"site{k}.com", 8) for k in range(5)]
    story_of = {o["title"]: _body(o) for o in others[1:]}
    pool, short_pool = ["Related: a story", "Sign up now", "12 comments"], ["Reuters", "2 hours ago"]
    n_stories, styles = set(), set()
    for seed in range(40):
        style, text, labels = aggregator_doc(page, others, pool, short_pool, STYLES, seed)
        styles.add(style)
        lines = [l.text for l in split_lines(text)]
        assert len(lines) == len(labels)
        # The page's own headline and body, whole and in order, are all that is kept.
        kept = [t for t, lab in zip(lines, labels) if lab in ("title", "body")]
        assert kept == [page["title"]] + _body(page)
        assert not any(t.startswith("own") for t, lab in zip(lines, labels) if lab == "boilerplate")
        # Then 1-3 stories of other sites, each its headline followed by its whole body.
        heads = [k for k, t in enumerate(lines) if t in story_of]
        assert 1 <= len(heads) <= 3 and heads[0] > lines.index(_body(page)[-1])
        for h in heads:
            story = [t for t in lines[h + 1:] if t in story_of[lines[h]]]
            assert story == story_of[lines[h]]
        assert {t for t, lab in zip(lines, labels) if lab == "boilerplate" and not t.startswith("other")} \
            <= set(pool) | set(short_pool) | {"Home"}
        n_stories.add(len(heads))
    assert n_stories == {1, 2, 3} and len(styles) > 1     # the seed varies the mix


def test_interrupted_doc_keeps_the_whole_article_in_order():
    gold = "\n\n".join(f"Paragraph {k} of the article, with enough words to read." for k in range(8))
    pool = [f"Related story {k}" for k in range(20)]
    seen_cuts = set()
    for seed in range(30):
        style, text, labels = interrupted_doc("The title", gold, pool, "page/1", seed)
        lines = [l.text for l in split_lines(text)]
        assert labels[0] == "title" and lines[0] == "The title"
        body = [t for t, lab in zip(lines, labels) if lab == "body"]
        assert body == [l.text for l in split_lines(gold)]          # whole, in order, still body
        inserted = [t for t, lab in zip(lines, labels) if lab == "boilerplate"]
        assert inserted and set(inserted) <= set(pool) and len(inserted) <= 10
        assert labels[1:3] == ["body", "body"] and labels[-2:] == ["body", "body"]
        seen_cuts.add(tuple(k for k in range(1, len(labels)) if labels[k] == "boilerplate" != labels[k - 1]))
    assert len(seen_cuts) > 5                                      # insertion points vary with the seed
    assert interrupted_doc("T", "One.\n\nTwo.\n\nThree.", pool, "p") is None   # too short
    assert interrupted_doc("T", gold, [], "p") is None


def test_fragment_docs_are_short_excerpts_of_the_page_lines():
    lines = [("Home", "boilerplate", False), ("Headline", "title", True)]
    lines += [(f"Paragraph {k} of the article.", "body", True) for k in range(6)]
    lines += [("Share this", "boilerplate", True), ("Footer", "comments", False)]
    labels = [lab for _, lab, _ in lines]
    sizes, around, mixed_orders = set(), set(), set()
    for k in range(80):
        picks = [fragment_doc(lines, f"page/{k}", v) for v in range(FRAGMENT_VARIANTS)]
        for picked in picks:
            assert picked and len(set(picked)) == len(picked) and all(0 <= i < len(lines) for i in picked)
        clean, surround, chrome, mixed = picks
        assert 1 <= len(clean) <= 4 and {labels[i] for i in clean} == {"body"}          # all article
        assert clean == list(range(clean[0], clean[-1] + 1))                            # consecutive
        sizes.add(len(clean))
        assert surround == list(range(surround[0], surround[-1] + 1)) and len(surround) <= 6
        around.update(labels[i] for i in surround)
        assert 1 <= len(chrome) <= 4 and {labels[i] for i in chrome} <= {"boilerplate", "comments"}
        kinds = [labels[i] == "body" for i in mixed]
        assert any(kinds) and not all(kinds) and kinds in ([True] * sum(kinds) + [False] * (len(kinds) - sum(kinds)),
                                                           [False] * (len(kinds) - sum(kinds)) + [True] * sum(kinds))
        mixed_orders.add(kinds[0])
    assert sizes == {1, 2, 3, 4}                     # sizes vary, and a run stops at the body's end
    assert {"title", "boilerplate"} <= around        # variant 1 takes the real lines around it
    assert mixed_orders == {True, False}             # chrome before or after the excerpt
    assert fragment_doc(lines, "page/1", 3) == fragment_doc(lines, "page/1", 3)          # seeded per page
    assert fragment_doc([("Home", "boilerplate", False)], "p") is None                    # no body line
    assert fragment_doc([("Text.", "body", False)], "p", 2) is None                       # no boilerplate line


def test_full_build(corpora, tmp_path):
    out = tmp_path / "built"
    manifest = build(corpora, out, n_jobs=1, manifest_path=tmp_path / "manifest.json", log=lambda *a: None)
    assert json.loads((tmp_path / "manifest.json").read_text())["sources"].keys() == set(SOURCES)
    sites: dict[str, set] = {}
    docs, pages = [], []
    for split in ("train", "dev", "test"):
        with gzip.open(out / f"{split}.jsonl.gz", "rt") as f:
            for line in f:
                d = json.loads(line)
                d["_split"] = split
                docs.append(d)
        with gzip.open(out / f"{split}-pages.jsonl.gz", "rt") as f:
            for line in f:
                p = json.loads(line)
                pages.append(p)
                sites.setdefault(p["site"], set()).add(split)
                assert set(p) == {"page", "source", "site", "lang", "url", "html", "gold", "gold_title", "with", "without"}
                assert "x-nc-" not in p["html"]
    assert all(len(s) == 1 for s in sites.values())
    assert len(pages) == 11  # 2 per source, 1 readability case skipped
    keys = {"id", "page", "source", "site", "lang", "kind", "style", "text", "labels", "gold", "gold_title"}
    kinds = set()
    for d in docs:
        if d["kind"].startswith("converted"):   # a converter's rendering: read as the converter's format
            assert set(d) == keys | {"format", "_split"} and d["style"] in CONVERTERS
            assert d["format"] == CONVERTERS[d["style"]].format
        else:
            assert keys <= set(d) <= keys | {"dom", "_split"}
            assert d["style"] in STYLES and d["kind"] in ("page", "aggregator", "clean", "interrupted", "fragment")
        assert len(split_lines(d["text"])) == len(d["labels"])
        assert d["source"] != "trafilatura-eval"
        kinds.add(d["kind"])
        if d["kind"] in ("page", "fragment") and d["style"] == "paragraphs":
            structures = [LineStructure.from_row(row) for row in d["dom"]]
            assert len(structures) == len(d["labels"])
            assert [s.to_row() for s in structures] == d["dom"]     # the row layout round-trips
            if d["kind"] == "page":   # the rows are the rendered page's structure, line by line
                page_html = next(p["html"] for p in pages if p["page"] == d["page"])
                rendered = render_html(page_html, "paragraphs")
                assert [l.text for l in rendered] == [l.text for l in split_lines(d["text"])]
                assert structures == [LineStructure.from_row(l.structure.to_row()) for l in rendered]
        if d["kind"] == "page":
            assert "body" in d["labels"]
        if d["kind"] == "fragment":   # scored against its own body lines, not the page's gold
            body = [l.text for l, lab in zip(split_lines(d["text"]), d["labels"]) if lab == "body"]
            assert d["gold"] == "\n\n".join(body)
            assert d["gold_title"] in ("", next(p["gold_title"] for p in pages if p["page"] == d["page"]))
    assert {"page", "aggregator", "clean", "fragment", "converted", "converted-aggregator"} <= kinds
    for d in docs:
        if d["kind"] == "converted":   # the converter's own lines, the article's labelled body
            page_html = next(p["html"] for p in pages if p["page"] == d["page"])
            rendering = CONVERTERS[d["style"]].render(page_html)
            assert [l.text for l in split_lines(d["text"])] == [l.text for l in split_lines(rendering)]
            got = {" ".join(tokens(l.text)): lab for l, lab in zip(split_lines(d["text"]), d["labels"])}
            assert {got.get(" ".join(tokens(b))) for b in BODY1 + BODY2} & {"body"}
            assert "boilerplate" in d["labels"]
    assert manifest["converters"].keys() == CONVERTERS.keys()
    assert sum(c["labelled_ok"] for c in manifest["converters"].values()) == sum(
        d["kind"] == "converted" for d in docs)
    formats: dict = {}
    for d in docs:
        if d["kind"] == "converted":
            formats.setdefault(d["page"], []).append(d["format"] == "markdown")
    assert formats and all(sorted(f) == [False, True] for f in formats.values())   # one Markdown, one other
    per_page = Counter(d["page"] for d in docs if d["kind"] == "converted-aggregator")
    assert per_page and set(per_page.values()) == {1}
    l3s = next(d for d in docs if d["id"] == "l3s-gn1/u1#page-paragraphs")
    lines = [l.text for l in split_lines(l3s["text"])]
    assert dict(zip(lines, l3s["labels"])) == {
        "Home": "boilerplate", "Budget agreed": "title", BODY1[0]: "body", BODY1[1]: "body",
        "Photo: a caption": "supplemental", "Related: another story": "related",
        "Great article, thanks!": "comments"}
    wc = next(d for d in docs if d["id"] == "wcxb/dev/0001#page-lines")
    got = dict(zip([l.text for l in split_lines(wc["text"])], wc["labels"]))
    assert got["Budget agreed"] == "title" and got[BODY1[0]] == "body" and got["Share"] == "boilerplate"
    assert got["Home News"] == "boilerplate" and got["Copyright 2024 Example Media. All rights reserved."] == "boilerplate"
    wc = next(d for d in docs if d["id"] == "wcxb/dev/0001#page-paragraphs")
    facts = {l.text: LineStructure.from_row(row) for l, row in zip(split_lines(wc["text"]), wc["dom"])}
    assert facts["Home News"].in_boilerplate and facts["Home News"].link_share > 0.8   # all but the space
    assert facts["Budget agreed"].heading and facts["Budget agreed"].tag == "h1"
    assert facts[BODY1[0]].tag == "p" and "story" in facts[BODY1[0]].attrs.split()
    assert not facts[BODY1[0]].heading and not facts[BODY1[0]].in_boilerplate
    # determinism: a second build is byte-identical
    build(corpora, tmp_path / "again", n_jobs=2, log=lambda *a: None)
    for name in ("train.jsonl.gz", "dev.jsonl.gz", "test.jsonl.gz", "test-pages.jsonl.gz"):
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    assert manifest["alignment"]["wcxb"]["gold_recall_mean"] == 1.0


def test_structure_row_layout():
    structure = LineStructure("p", True, 0.123456, 7, False, "story main")
    row = structure.to_row()
    assert row == ["p", 1, 0.123, 7, 0, "story main"]
    assert json.loads(json.dumps(row)) == row
    assert LineStructure.from_row(row) == LineStructure("p", True, 0.123, 7, False, "story main")
    assert LineStructure.from_row(LineStructure().to_row()) == LineStructure()
    with pytest.raises(ValueError):
        LineStructure.from_row(row[:5])


def test_train_command_on_a_built_corpus(corpora, tmp_path, capsys):
    from boilerstrip import train
    from boilerstrip.features import SCHEMA
    from boilerstrip.model import FORMAT_VERSION, LineModel

    build(corpora, tmp_path / "built", n_jobs=1, log=lambda *a: None, manifest_path=tmp_path / "m.json")
    common = ["--data", str(tmp_path / "built"), "--network-passes", "1", "--max-iter", "5"]
    assert train.main(common + ["--out", str(tmp_path / "a.npz")]) == 0
    out = capsys.readouterr().out
    assert "dev body-line F1 by transition cost" in out and "metrics: " in out and "wrote " in out
    chosen = LineModel.load(tmp_path / "a.npz")
    assert chosen.transition in train.TRANSITIONS
    assert len(chosen.networks) == 1 and len(chosen.networks[0].members) == 3   # the shipped model's default
    card = chosen.card
    assert card["format"] == FORMAT_VERSION and card["schema"] == SCHEMA
    assert card["corpus"]["documents"] > 0 and card["corpus"]["lines"] > 0
    assert set(card["metrics"]) == {"dev", "test"} and set(card["probe"]) == set(train.PROBES)
    assert card["training"]["params"]["network_passes"] == 1
    # A given transition cost skips the dev search; --networks sets the members per pass.
    # --exclude-styles leaves renderings out (recorded on the card).
    left_out = sorted(CONVERTERS)[:3]
    assert train.main(common + ["--out", str(tmp_path / "b.npz"), "--transition", "1.5", "--networks", "1",
                                "--no-evaluate", "--exclude-styles", *left_out]) == 0
    out = capsys.readouterr().out
    assert "by transition cost" not in out and "metrics: " not in out
    other = LineModel.load(tmp_path / "b.npz")
    assert other.transition == 1.5 and len(other.networks[0].members) == 1 and "metrics" not in other.card
    assert other.card["training"]["exclude_styles"] == left_out
    records = list(read_records(tmp_path / "built" / "train.jsonl.gz"))
    assert any(r["style"] in left_out for r in records)
    assert other.card["corpus"]["documents"] == card["corpus"]["documents"] - sum(
        len(train.record_documents(r)) for r in records if r["style"] in left_out)
    assert train.main(common + ["--data", str(tmp_path / "missing"), "--out", str(tmp_path / "c.npz")]) == 2
    assert not (tmp_path / "c.npz").exists()


def test_label_rendering_aligns_what_a_reader_sees_of_markdown():
    text = ("* [Home](/) * [News](/news)\n\n# Budget agreed\n\n"
            "The council met on [Tuesday](https://example.com/2024/tuesday-meeting) to discuss the new budget "
            "for the coming year.\n\n![logo](https://example.com/logo.png)\n\n[Share](https://example.com/share)")
    lines, alignment = label_rendering(text, "markdown", BODY1[0], "Budget agreed")
    assert [line for line, _, _ in lines] == [line.text for line in split_lines(text)]   # the rendering's own lines
    assert [label for _, label, _ in lines] == ["boilerplate", "title", "body", "boilerplate", "boilerplate"]
    assert alignment.gold_covered == alignment.gold_tokens          # the URL's words never count as text
    # Read as plain text, the link target's words would sit in the body line's tokens.
    _, raw = label_rendering(text, "text", BODY1[0], "Budget agreed")
    assert raw.body_tokens > alignment.body_tokens


def test_choose_converters_is_seeded_per_page_one_markdown_and_one_other():
    chosen = [choose_converters(f"site/{k}", 7) for k in range(300)]
    assert chosen == [choose_converters(f"site/{k}", 7) for k in range(300)]
    assert chosen != [choose_converters(f"site/{k}", 8) for k in range(300)]
    assert {name for pair in chosen for name in pair} == set(CONVERTERS)
    formats = [tuple(CONVERTERS[name].format == "markdown" for name in pair) for pair in chosen]
    assert set(formats) == {(True, False), (False, True)}     # the aggregator's rendering: either one


def test_a_setext_underline_takes_its_headings_label():
    text = "Home\n\nBudget agreed\n=============\n\n" + BODY1[0] + "\n\nMore\n----\n\nShare"
    lines, _ = label_rendering(text, "markdown", BODY1[0] + "\n\nMore", "Budget agreed")
    assert [label for _, label, _ in lines] == ["boilerplate", "title", "title", "body", "body", "body",
                                                "boilerplate"]
