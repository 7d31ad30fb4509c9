"""Time-boxed fuzzing of ``clean()``, ``classify()`` and ``render_html`` (outside CI).

    python -m benchmarks.fuzz --minutes 10            # writes benchmarks/results/fuzz.md
    python -m benchmarks.fuzz --minutes 1 --out /tmp/fuzz.md
    python -m benchmarks.fuzz --minutes 1 --model FILE   # another model file

Hypothesis generates text, bytes, HTML-ish markup (as ``str`` and as ``bytes``) and
non-text values, in batches with fresh random seeds until the time is up (database off,
no deadline).  For every input it checks the invariants the package promises:

* ``clean()`` returns ``str`` and never raises (``TypeError`` for non-text, only);
* every output line is one of the input's lines, in input order (the lines of
  ``split_lines(input)``, or of ``render_html(input)`` for HTML);
* ``classify()`` covers every input line exactly once, scores in [0, 1], and
  ``text_of(classify(x)) == clean(x)``;
* both are deterministic (a second call gives the same result);
* ``render_html`` gives non-blank, right-stripped lines in every style.

Failures are shrunk by hypothesis; each distinct failure (exception type and message
head) is recorded once with its minimal reproducer, and fuzzing carries on.

It runs in ONE process.  The model is ``--model FILE`` when given, else the shipped one
when it loads, otherwise the small model the test suite fits (``tests/conftest.py``):
the invariants hold for any model, and the report says which one was used.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.robustness import MODEL_HELP, load_model  # noqa: E402
from boilerstrip import classify, clean  # noqa: E402
from boilerstrip.api import text_of  # noqa: E402
from boilerstrip.html import STYLES, render_html  # noqa: E402
from boilerstrip.pipeline import read  # noqa: E402

# ------------------------------------------------------------------ strategies

_SPECIAL = ["\n", "\r", "\r\n", "\n\n", "\x00", "\x0c", "\x0b", "\x1c", "\x1e", "\x85", "\u2028", "\u2029",
            "\t", "\u00a0", "\ufeff", "\x7f", "\x9f", "\ud800", "\udfff", "\ufffe", "\uffff", " ", ".", "|"]
_WORDS = ["The", "council", "voted", "on", "Tuesday", "to", "expand", "the", "park.", "Home", "Share", "Menu",
          "Copyright", "\u00a9 2024", "12:30", "2023-01-05", "1.2.3.4.5.6", "www.example.com", "www.www.www.",
          "http://x.y/z?a=b", "caf\u00e9", "\u6771\u4eac\u90fd\u306e\u30cb\u30e5\u30fc\u30b9\u3002",
          "\u0627\u0644\u0623\u062e\u0628\u0627\u0631", "\u05e9\u05dc\u05d5\u05dd", "\u0928\u092e\u0938\u094d\u0924\u0947",
          "\U0001f600", "\U0001f1eb\U0001f1f7", "\u200d", "\u0301", "A" * 50, "9" * 40]
_ADVERSARIAL = ["<meta", "<meta charset=", "charset=", "<?xml", "<!--", "-->", "<![CDATA[", "<div", "<div>", "</div>",
                "<p>", "<a href='", '"', "'", "<", ">", "&", "&#", "&#x", "&amp", "<script>", "</script>",
                "<html", "<!doctype html>", "<br>", "<body hidden>", "<span aria-hidden='true'>"]

TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(_SPECIAL), st.sampled_from(_WORDS), st.text(max_size=8)),
             max_size=120).map(" ".join),
    st.lists(st.sampled_from(_SPECIAL + _WORDS + _ADVERSARIAL), max_size=200).map("".join),
    st.tuples(st.sampled_from(_ADVERSARIAL + _WORDS + ["\n", "x\n"]), st.integers(1, 3000)).map(lambda t: t[0] * t[1]),
)

_TAGS = ["p", "div", "span", "a", "b", "i", "li", "ul", "ol", "h1", "h2", "h3", "td", "tr", "table", "br", "pre",
         "nav", "header", "footer", "aside", "form", "script", "style", "noscript", "template", "article", "section",
         "em", "button", "hr", "title", "head", "body", "html", "meta", "svg", "textarea", "select", "option",
         "iframe", "blockquote", "main", "figure", "figcaption", "font", "center", "x-custom"]
_ATTRS = ["", " class='menu nav'", " id='main story'", " hidden", " aria-hidden='true'", " href='/x'",
          " class=\"", " id='unclosed", " charset=utf-8", " style='display:none'", " lang=ar dir=rtl",
          " class='" + "a" * 300 + "'"]
_TEXT_BITS = st.one_of(
    st.sampled_from(["Hello", "world", " ", "\n", "&amp;", "&nbsp;", "&lt;", "&#x85;", "&#0;", "&#xD800;", "&bogus;",
                     "\u2028", "\t", "\r\n", "\r", "text with words.", "\u6771\u4eac", "\u0627\u0644\u062e\u0628\u0631",
                     "\U0001f600", "<", ">", "&", "<!-- c -->", "<!--", "\x0c", "\x00", "\x01", "\ud800", "]]>",
                     "<![CDATA[x]]>", "<?php ?>", "</", "<p", "<meta"]),
    st.text(max_size=10),
)


def _element(children):
    return st.builds(
        lambda tag, attrs, kids, close: f"<{tag}{attrs}>{''.join(kids)}" + (f"</{tag}>" if close else ""),
        st.sampled_from(_TAGS), st.sampled_from(_ATTRS), st.lists(children, max_size=5), st.booleans())


_MARKUP = st.recursive(_TEXT_BITS, _element, max_leaves=40)
HTML = st.one_of(
    _MARKUP,
    _MARKUP.map(lambda s: f"<html><body>{s}</body></html>"),
    _MARKUP.map(lambda s: f"<!doctype html><html><head><meta charset='utf-8'><title>T</title></head><body>{s}"),
    st.tuples(st.sampled_from(["<div>", "<div>x", "<p>a\n", "<b><i>", "<a href='", "<!--", "<table><tr><td>"]),
              st.integers(1, 2000)).map(lambda t: t[0] * t[1]),
)

_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1", "koi8-r",
              "shift_jis", "gb18030", "big5"]
BYTES = st.one_of(
    st.binary(max_size=400),
    st.tuples(st.one_of(TEXT, HTML), st.sampled_from(_ENCODINGS)).map(
        lambda t: t[0].encode(t[1], errors="replace") if not t[1].startswith("utf") else
        t[0].encode(t[1], errors="surrogatepass")),
    st.tuples(st.sampled_from(["utf-8", "koi8-r", "cp1251", "shift_jis", "utf-16", "x-bogus", "rot13", "base64",
                               "utf-7", "zlib", "idna", "hex"]), HTML, st.binary(max_size=20)).map(
        lambda t: f"<meta charset={t[0]}>".encode() + t[1].encode("utf-8", "surrogatepass") + t[2]),
)

NON_TEXT = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.lists(st.text(max_size=3), max_size=3),
                     st.dictionaries(st.text(max_size=2), st.integers(), max_size=2), st.just(object()),
                     st.just(Path("x.txt")), st.booleans(), st.tuples(st.text(max_size=3)))

# ------------------------------------------------------------------ invariants


def _is_subsequence(small, big) -> bool:
    it = iter(big)
    return all(any(s == b for b in it) for s in small)


def check_text(model, data, format) -> None:
    """All invariants for one str/bytes input read as ``format`` ("text", "html" or
    "auto"); raises AssertionError (or the bug) on failure."""
    reference = [l.text for l in read(data, format)[1]]
    out = clean(data, format=format, model=model)
    assert isinstance(out, str), type(out)
    produced = [l for l in out.split("\n") if l]
    assert _is_subsequence(produced, reference), "output lines are not input lines in input order"
    lines = classify(data, format=format, model=model)
    assert [l.text for l in lines] == reference, "classify does not cover every input line exactly once"
    assert len({l.index for l in lines}) == len(lines), "duplicate line index"
    assert [l.index for l in lines] == sorted(l.index for l in lines), "line indexes out of order"
    assert all(0.0 <= l.score <= 1.0 and 0.0 <= l.title_score <= 1.0 for l in lines), "score out of [0, 1]"
    assert text_of(lines) == out, "text_of(classify(x)) != clean(x)"
    assert clean(data, format=format, model=model) == out, "clean is not deterministic"
    if format == "html":
        rendered = [l.text for l in render_html(data)]
        assert rendered == reference, "format='html' lines are not render_html lines"


def check_render(data) -> None:
    for style in STYLES:
        lines = render_html(data, style)
        assert all(l.text.strip() and l.text == l.text.rstrip() for l in lines), style
        assert all(0.0 <= l.structure.link_share <= 1.0 for l in lines), style
        assert render_html(data, style) == lines, "render_html is not deterministic"


def check_non_text(model, value) -> None:
    for fn in (lambda v: clean(v, model=model), lambda v: classify(v, model=model), render_html):
        try:
            fn(value)
        except TypeError as exc:
            assert "expected str or bytes" in str(exc), str(exc)
        else:
            raise AssertionError(f"no TypeError for {type(value).__name__}")


# ------------------------------------------------------------------ runner


class Fuzzer:
    def __init__(self, model, deadline: float):
        self.model = model
        self.deadline = deadline
        self.counts: Counter = Counter()
        self.failures: dict[tuple[str, str], dict] = {}
        self.last_failing = None

    def target(self, kind: str):
        """One (kind, check) pair as a hypothesis-decorated function."""
        model = self.model
        strategy = {"text": TEXT, "html": HTML, "bytes": BYTES, "html-bytes": HTML.map(
            lambda s: s.encode("utf-8", "surrogatepass")), "non-text": NON_TEXT}[kind]

        def run(data):
            if time.monotonic() > self.deadline:
                return  # time is up: let the batch finish cheaply
            self.counts[kind] += 1
            try:
                if kind == "non-text":
                    check_non_text(model, data)
                elif kind in ("html", "html-bytes"):
                    check_render(data)
                    check_text(model, data, "html")
                    check_text(model, data, "auto")
                else:
                    check_text(model, data, "text")
                    check_text(model, data, "auto")
            except Exception:
                self.last_failing = (kind, data)
                raise

        return given(strategy)(run)

    def batch(self, kind: str, batch_seed: int, size: int) -> None:
        fn = settings(max_examples=size, deadline=None, database=None, derandomize=False,
                      phases=[Phase.generate, Phase.shrink], print_blob=False,
                      suppress_health_check=list(HealthCheck))(seed(batch_seed)(self.target(kind)))
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - every failure is a finding
            kind_, data = self.last_failing or (kind, None)
            cause = exc
            key = (type(cause).__name__, str(cause).splitlines()[0][:120] if str(cause) else "")
            if key not in self.failures:
                self.failures[key] = {"kind": kind_, "input": repr(data)[:2000], "error": f"{type(cause).__name__}: {cause}"[:800],
                                      "traceback": "".join(traceback.format_exception(cause))[-2500:], "seed": batch_seed}
                print(f"FAILURE ({kind_}): {key}", flush=True)
            self.counts["failed-batches"] += 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--batch", type=int, default=200, help="examples per hypothesis run")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "fuzz.md"))
    ap.add_argument("--model", default=None, metavar="FILE", help=MODEL_HELP)
    args = ap.parse_args(argv)

    model, model_name = load_model(args.model)
    start = time.monotonic()
    fuzzer = Fuzzer(model, start + args.minutes * 60)
    kinds = ["text", "bytes", "html", "html-bytes", "non-text"]
    k = 0
    while time.monotonic() < fuzzer.deadline:
        kind = kinds[k % len(kinds)]
        fuzzer.batch(kind, args.seed + k, args.batch if kind != "non-text" else 50)
        k += 1
        if k % len(kinds) == 0:
            print(f"[{time.monotonic() - start:6.0f} s] {dict(fuzzer.counts)}", flush=True)
    elapsed = time.monotonic() - start
    total = sum(v for key, v in fuzzer.counts.items() if key != "failed-batches")
    write_report(args, fuzzer, model_name, elapsed, total, k)
    print(f"done: {total} inputs in {elapsed:.0f} s, {len(fuzzer.failures)} distinct failures -> {args.out}")
    return 1 if fuzzer.failures else 0


def write_report(args, fuzzer: Fuzzer, model_name: str, elapsed: float, total: int, batches: int) -> None:
    rows = [
        "# Fuzzing `clean()`, `classify()` and `render_html`",
        "",
        f"Command: `python -m benchmarks.fuzz --minutes {args.minutes:g}"
        + (f" --model {args.model}" if args.model else "") + "` (one process; hypothesis, database off, "
        f"no deadline, {args.batch} examples per batch, base seed {args.seed}).",
        "",
        f"* Python {platform.python_version()}, model: {model_name}",
        f"* Wall time: {elapsed / 60:.1f} min, {batches} batches",
        f"* Inputs tried: **{total}** (hypothesis examples, shrinking included; each is checked with `clean`, "
        "`classify`, a second `clean`, and for HTML `render_html` in all four styles, with `format=\"html\"` "
        "and with detection)",
        "",
        "| input kind | inputs |",
        "|---|---:|",
    ]
    for kind in ("text", "bytes", "html", "html-bytes", "non-text"):
        rows.append(f"| {kind} | {fuzzer.counts.get(kind, 0)} |")
    rows += ["", "Invariants checked: see the docstring of `benchmarks/fuzz.py`.", "",
             f"## Failures: {len(fuzzer.failures)} distinct", ""]
    if not fuzzer.failures:
        rows.append("None: no exception other than the expected `TypeError` for non-text values, and no broken "
                    "invariant.")
    for (etype, head), f in fuzzer.failures.items():
        rows += [f"### {etype}: {head}", "", f"* kind: {f['kind']}, batch seed {f['seed']}",
                 "* minimal reproducer (hypothesis-shrunk):", "", "```python", f"{f['input']}", "```", "",
                 "```", f["traceback"].rstrip(), "```", ""]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
