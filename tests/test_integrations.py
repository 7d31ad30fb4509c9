"""Pipelines people already run: boilerstrip.datatrove's steps in a real local datatrove
pipeline (JSONL in, JSONL out), and the README's Hugging Face ``datasets`` and datatrove
examples, taken from README.md and run, so that the README cannot rot.

datatrove and datasets are optional extras (both in the ``test`` extra, so CI runs
these tests); without them the tests that need them skip.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

from boilerstrip import clean

README = Path(__file__).resolve().parent.parent / "README.md"

NEWS = """<!doctype html>
<html><head><title>Library reopens after two-year restoration</title></head>
<body>
<header><nav class="menu"><a href="/">Home</a> <a href="/local">Local</a> <a href="/culture">Culture</a> <a href="/weather">Weather</a></nav>
<div class="promo">Subscribe for unlimited access</div></header>
<main><article>
<h1>Library reopens after two-year restoration</h1>
<p class="byline">By a staff reporter · 3 min read</p>
<p>The central library on Market Street reopened to the public on Saturday after a two-year restoration that repaired its leaking roof and restored the original reading room ceiling.</p>
<p>Builders removed more than forty tonnes of damaged plaster and replaced the lead on the dome, the city's heritage officer said, adding that the work had finished three months ahead of schedule.</p>
<p>Visitors queued along the street before the doors opened at nine o'clock, and staff said more than two thousand people had come through the building by lunchtime.</p>
<p>The restoration cost about £6 million, most of it paid by a national lottery grant, and the library will now stay open until eight in the evening on weekdays.</p>
</article>
<aside><h2>Most read</h2><ul><li><a href="/a">Council tax to rise in April</a></li><li><a href="/b">Bus route changes announced</a></li></ul></aside>
</main>
<footer><p>© 2026 City Herald</p><p><a href="/privacy">Privacy policy</a> | <a href="/terms">Terms of use</a> | <a href="/contact">Contact us</a></p></footer>
</body></html>
"""
NEWS_SENTENCES = [
    "The central library on Market Street reopened to the public on Saturday",
    "Builders removed more than forty tonnes of damaged plaster",
    "The restoration cost about £6 million",
]
NEWS_BOILERPLATE = ["Home", "Subscribe for unlimited access", "Most read", "Council tax to rise in April",
                    "© 2026 City Herald", "Privacy policy", "By a staff reporter"]

PLAIN = """Home | News | Science | Health
Sign in

Researchers track rare owls with tiny radio tags

A team of ecologists has fitted lightweight radio tags to twelve long-eared owls in the northern forests to learn where the birds hunt during the winter months.

The tags weigh less than three grams and fall off after about eight weeks, said Dr Helen Marsh, who leads the project at the regional university.

Early results suggest the owls travel up to nine kilometres from their roosts each night, much further than the researchers had expected from earlier surveys.

Share this story
Related: Hedgehog numbers fall again
Cookie settings
"""
PLAIN_SENTENCES = [
    "A team of ecologists has fitted lightweight radio tags to twelve long-eared owls",
    "The tags weigh less than three grams",
    "Early results suggest the owls travel up to nine kilometres",
]
PLAIN_BOILERPLATE = ["Home | News | Science | Health", "Sign in", "Share this story", "Cookie settings",
                     "Related: Hedgehog numbers fall again"]

# A page with no article at all: its extraction is empty.
NO_ARTICLE = """<html><head><title>Page not found</title></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<p>Sign in</p>
<footer><a href="/privacy">Privacy</a> | <a href="/terms">Terms</a></footer>
</body></html>"""
MENU_TEXT = "Home | News | Sport\nSign in\n\nPrivacy | Terms | Cookie settings\n"


def assert_article(text: str, sentences: list[str], boilerplate: list[str]) -> None:
    for sentence in sentences:
        assert sentence in text
    lines = [line.strip() for line in text.splitlines()]
    for line in boilerplate:
        assert line not in lines and line not in text


# ---------------------------------------------------------------------- helpers

def need_datatrove_jsonl() -> None:
    """datatrove, and orjson for its JsonlReader/JsonlWriter (datatrove's ``io`` extra).

    Without orjson these tests skip locally but fail in CI (``CI`` set), where they are
    meant to run."""
    pytest.importorskip("datatrove", reason='needs the datatrove extra: pip install "boilerstrip[datatrove]"')
    if importlib.util.find_spec("orjson") is None:
        message = "datatrove's JsonlReader/JsonlWriter need orjson: pip install orjson"
        if os.environ.get("CI"):
            pytest.fail(message + " (add it to the test extra)")
        pytest.skip(message)


def write_jsonl(path: Path, docs: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")


def read_jsonl_dir(folder: Path) -> dict[str, dict]:
    """Every record written under ``folder`` (plain or gzipped JSONL), by id."""
    out = {}
    for path in sorted(folder.rglob("*.jsonl*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            for row in f:
                record = json.loads(row)
                out[record["id"]] = record
    return out


def step_stats(logging_dir: Path, name: str) -> dict:
    """The merged stats counters of the pipeline step whose name contains ``name``."""
    steps = json.loads((logging_dir / "stats.json").read_text(encoding="utf-8"))
    [step] = [s for s in steps if name in s["name"]]
    return {key: value["total"] if isinstance(value, dict) else value for key, value in step["stats"].items()}


def readme_example(word: str, readme: Path = README) -> str | None:
    """The first ```python block in the README section whose heading contains ``word``
    (case-insensitive), or None.  Lines inside code blocks are never headings."""
    if not readme.exists():
        return None
    in_section, fence, block = False, False, None
    for line in readme.read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("```"):
            if fence:
                if block is not None:
                    return "\n".join(block) + "\n"
                fence = False
            else:
                fence = True
                if in_section and line.strip() == "```python":
                    block = []
            continue
        if fence:
            if block is not None:
                block.append(line)
        elif re.match(r"#{1,6}\s", line):
            in_section = word.lower() in line.lower()
    return None


def run_readme_example(word: str) -> dict:
    code = readme_example(word)
    if code is None:
        pytest.skip(f"README.md has no ```python example under a heading containing {word!r} yet")
    namespace: dict = {"__name__": "readme_example"}
    exec(compile(code, f"README.md ({word} example)", "exec"), namespace)
    return namespace


# ---------------------------------------------------------------------- datatrove

def test_extractor_in_a_local_jsonl_pipeline(tmp_path):
    need_datatrove_jsonl()
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from boilerstrip.datatrove import BoilerstripExtractor

    write_jsonl(tmp_path / "in" / "pages.jsonl", [
        {"id": "news", "text": NEWS, "url": "https://example.org/library"},
        {"id": "plain", "text": PLAIN, "url": "https://example.org/owls"},
        {"id": "no-article", "text": NO_ARTICLE, "url": "https://example.org/404"},
    ])
    logs = tmp_path / "logs"
    LocalPipelineExecutor(
        [JsonlReader(str(tmp_path / "in")), BoilerstripExtractor(format="auto"),
         JsonlWriter(str(tmp_path / "out"))],
        tasks=1, logging_dir=str(logs),
    ).run()

    out = read_jsonl_dir(tmp_path / "out")
    assert sorted(out) == ["news", "plain"]  # the page with no article is dropped
    assert out["news"]["text"] == clean(NEWS, format="html")
    assert_article(out["news"]["text"], NEWS_SENTENCES, NEWS_BOILERPLATE)
    assert "Library reopens" not in out["news"]["text"]  # include_title=False
    assert out["plain"]["text"] == clean(PLAIN, format="text")  # "auto": plain text read as text
    assert_article(out["plain"]["text"], PLAIN_SENTENCES, PLAIN_BOILERPLATE)
    assert out["news"]["metadata"]["url"] == "https://example.org/library"  # metadata passes through

    stats = step_stats(logs, "Boilerstrip")
    assert (stats["total"], stats["extracted"], stats["forwarded"], stats["dropped"]) == (3, 3, 2, 1)
    assert "clean_error" not in stats and "timeout" not in stats


def test_extractor_knobs_reach_clean():
    pytest.importorskip("datatrove")
    from datatrove.data import Document

    from boilerstrip.datatrove import BoilerstripExtractor
    from boilerstrip.pipeline import default_model

    step = BoilerstripExtractor(include_title=True, threshold=0.3, model=default_model())
    [doc] = step.run(iter([Document(text=NEWS, id="news")]))
    assert doc.text == clean(NEWS, include_title=True, threshold=0.3, format="html")
    assert doc.text.startswith("Library reopens after two-year restoration")


def test_text_cleaner_on_documents_that_are_already_text():
    pytest.importorskip("datatrove")
    from datatrove.data import Document

    from boilerstrip.datatrove import BoilerstripTextCleaner

    step = BoilerstripTextCleaner()
    docs = [Document(text=PLAIN, id="plain", metadata={"lang": "en"}), Document(text=MENU_TEXT, id="menu")]
    out = list(step.run(iter(docs)))
    assert [d.id for d in out] == ["plain"]  # nothing but boilerplate: dropped
    assert out[0].text == clean(PLAIN, format="text")
    assert_article(out[0].text, PLAIN_SENTENCES, PLAIN_BOILERPLATE)
    assert out[0].metadata == {"lang": "en"}
    counts = {key: step.stats[key].total for key in ("total", "extracted", "forwarded", "dropped")}
    assert counts == {"total": 2, "extracted": 2, "forwarded": 1, "dropped": 1}


def test_text_cleaner_reads_markup_as_text():
    pytest.importorskip("datatrove")
    from boilerstrip.datatrove import BoilerstripTextCleaner

    text = NEWS.replace("<p>", "").replace("</p>", "")  # still full of tags, read as lines of text
    assert BoilerstripTextCleaner().extract(text) == clean(text, format="text")


def test_bad_options_fail_when_the_step_is_built(tmp_path):
    pytest.importorskip("datatrove")
    from boilerstrip.datatrove import BoilerstripExtractor, BoilerstripTextCleaner

    with pytest.raises(ValueError, match="BoilerstripTextCleaner"):
        BoilerstripExtractor(format="text")
    with pytest.raises(ValueError, match="threshold"):
        BoilerstripExtractor(threshold=1.5)
    with pytest.raises(TypeError, match="include_title"):
        BoilerstripTextCleaner(include_title="yes")
    with pytest.raises(FileNotFoundError):
        BoilerstripExtractor(model=tmp_path / "missing.npz")
    with pytest.raises(TypeError):
        BoilerstripTextCleaner(format="html")


def test_readme_datatrove_example(tmp_path, monkeypatch):
    """The README's datatrove example, run in a temporary directory on pages it reads."""
    need_datatrove_jsonl()
    monkeypatch.chdir(tmp_path)
    write_jsonl(tmp_path / "pages" / "pages.jsonl", [
        {"id": "news", "text": NEWS}, {"id": "no-article", "text": NO_ARTICLE}])
    run_readme_example("datatrove")
    out = read_jsonl_dir(tmp_path / "articles")
    assert sorted(out) == ["news"]
    assert_article(out["news"]["text"], NEWS_SENTENCES, NEWS_BOILERPLATE)


# ---------------------------------------------------------------------- Hugging Face datasets

def test_readme_hugging_face_datasets_example(tmp_path, monkeypatch):
    """The README's ``Dataset.map`` example: a "text" column of cleaned pages."""
    pytest.importorskip("datasets", reason='needs the datasets extra: pip install "boilerstrip[datasets]"')
    monkeypatch.chdir(tmp_path)
    namespace = run_readme_example("Hugging Face")
    ds = namespace["ds"]
    assert "text" in ds.column_names and len(ds) >= 2
    for html, text in zip(ds["html"], ds["text"]):
        assert text and text == clean(html)
        lines = text.splitlines()
        assert len([line for line in lines if len(line) > 60]) >= 2  # whole sentences, not menu items
        assert "Home" not in text and "Privacy" not in text
