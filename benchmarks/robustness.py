"""Bad, odd and huge inputs: what ``clean()``, ``classify()`` and ``render_html`` do with them.

    python -m benchmarks.robustness            # writes benchmarks/results/robustness.md
    python -m benchmarks.robustness --quick    # the cases only, 1 and 2.5 MB series
    python -m benchmarks.robustness --only nul,cr   # some cases (table to --out)
    python -m benchmarks.robustness --model FILE    # another model file than the shipped one

Every case runs in its own child process (one at a time, so a single core is used),
which loads the model, builds the input, and then measures

* the outcome of ``clean()`` (``str`` and its length, or the exception type and message),
  and the seconds taken by ``clean()``, ``classify()`` and, for markup, ``render_html``;
* peak memory: the growth of the child's peak RSS (``ru_maxrss``) during the calls, which
  includes lxml's C allocations, and the peak of Python allocations (``tracemalloc``, in a
  separate ``clean()`` call so that tracing does not slow the timed one).

Then a linear-growth series: 1, 2.5, 5 and 10 MB of (a) plain text made of real documents
(``data/built/test.jsonl.gz``), (b) the same text as one single line, (c) HTML made of
real pages (``data/built/test-pages.jsonl.gz``), with seconds and memory per size and the
10 MB / 1 MB ratios.

The model is ``--model FILE`` when given, else the shipped one when it loads; otherwise
(e.g. while it is being retrained with a new feature set) the small model fitted by the
test suite, which has the same feature code and matrix sizes; the report says which.
Children have a 5-minute timeout and an 8 GB address-space cap.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

from boilerstrip.data import read_records

ROOT = Path(__file__).resolve().parents[1]
TINY_MODEL = Path("/tmp/boilerstrip-robustness-tiny.npz")
TEXT_DATA = ROOT / "data" / "built" / "test.jsonl.gz"
PAGE_DATA = ROOT / "data" / "built" / "test-pages.jsonl.gz"
OUT = ROOT / "benchmarks" / "results" / "robustness.md"
MB = 1_000_000
CHILD_TIMEOUT = 300
MEMORY_CAP = 8 * 1024 ** 3
MODEL_HELP = ("model file (default: the shipped model, or the test suite's tiny model when the shipped one "
              "does not load)")


def load_model(path: str | None = None):
    """(model, description): the model file ``path`` when given; else the shipped model
    if it loads, else the test suite's tiny model (fitted and saved once)."""
    from boilerstrip.model import LineModel

    if path:
        return LineModel.load(path), f"model file `{path}`"
    try:
        return LineModel.load_default(), "shipped model (boilerstrip/models/default.npz)"
    except (OSError, ValueError) as exc:  # ModelMismatchError is a ValueError
        reason = str(exc)
    try:
        tiny = LineModel.load(TINY_MODEL)
    except (OSError, ValueError):  # not there yet, or saved by another version
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import fit_tiny_model

        tmp = TINY_MODEL.with_suffix(f".{os.getpid()}.npz")
        fit_tiny_model().save(tmp)
        os.replace(tmp, TINY_MODEL)
        tiny = LineModel.load(TINY_MODEL)
    return tiny, ("tiny test model (`tests/conftest.py` `fit_tiny_model`); the shipped "
                  f"model did not load: {reason}")


# ------------------------------------------------------------------ inputs

NEWS = ("The city council voted on Tuesday to expand the riverside park by twelve hectares.\n"
        "The plan, first proposed in 2019, had stalled over the cost of moving a bus depot.\n\n"
        "Home | News | Sport | Weather\nShare this article\n\u00a9 2024 Example Media. All rights reserved.\n")
SCRIPTS = {
    "cjk": "\u6771\u4eac\u90fd\u8b70\u4f1a\u306f\u706b\u66dc\u65e5\u3001\u5ddd\u6cbf\u3044\u306e\u516c\u5712\u3092\u62e1\u5f35"
           "\u3059\u308b\u8a08\u753b\u3092\u53ef\u6c7a\u3057\u305f\u3002\n\u5e02\u8bae\u4f1a\u5468\u4e8c\u6295\u7968\u51b3\u5b9a"
           "\u6269\u5efa\u6cb3\u6ee8\u516c\u56ed\u3002\n\uc11c\uc6b8\uc2dc\uc758\ud68c\ub294 \ud654\uc694\uc77c \uacf5\uc6d0 "
           "\ud655\uc7a5 \uacc4\ud68d\uc744 \uc2b9\uc778\ud588\ub2e4.\n\u30db\u30fc\u30e0 | \u30cb\u30e5\u30fc\u30b9 | "
           "\u30b9\u30dd\u30fc\u30c4\n",
    "arabic/hebrew (RTL)": "\u0635\u0648\u0651\u062a \u0645\u062c\u0644\u0633 \u0627\u0644\u0645\u062f\u064a\u0646\u0629 "
           "\u064a\u0648\u0645 \u0627\u0644\u062b\u0644\u0627\u062b\u0627\u0621 \u0639\u0644\u0649 \u062a\u0648\u0633\u064a\u0639 "
           "\u0627\u0644\u062d\u062f\u064a\u0642\u0629.\n\u05de\u05d5\u05e2\u05e6\u05ea \u05d4\u05e2\u05d9\u05e8 "
           "\u05d4\u05e6\u05d1\u05d9\u05e2\u05d4 \u05d1\u05d9\u05d5\u05dd \u05e9\u05dc\u05d9\u05e9\u05d9.\n\u200f\u0627\u0644\u0631"
           "\u0626\u064a\u0633\u064a\u0629 | \u0623\u062e\u0628\u0627\u0631\n",
    "other scripts": "\u0413\u043e\u0440\u043e\u0434\u0441\u043a\u043e\u0439 \u0441\u043e\u0432\u0435\u0442 "
           "\u043f\u0440\u043e\u0433\u043e\u043b\u043e\u0441\u043e\u0432\u0430\u043b \u0432\u043e \u0432\u0442\u043e\u0440"
           "\u043d\u0438\u043a.\n\u0928\u0917\u0930 \u092a\u0930\u093f\u0937\u0926 \u0928\u0947 \u092e\u0902\u0917\u0932"
           "\u0935\u093e\u0930 \u0915\u094b \u092e\u0924\u0926\u093e\u0928 \u0915\u093f\u092f\u093e\u0964\n\u0e2a\u0e20\u0e32"
           "\u0e40\u0e21\u0e37\u0e2d\u0e07\u0e25\u0e07\u0e21\u0e15\u0e34\u0e27\u0e31\u0e19\u0e2d\u0e31\u0e07\u0e04\u0e32\u0e23\n"
           "\u1019\u103c\u102d\u102f\u1037\u1014\u101a\u103a \u1000\u1031\u102c\u1004\u103a\u1005\u102e\n\u0393\u03b5\u03b9\u03ac "
           "\u03c3\u03bf\u03c5 \u03ba\u03cc\u03c3\u03bc\u03b5\n",
    "emoji": "The council voted \U0001f44d\U0001f3fd on the park \U0001f333\U0001f333.\n\U0001f468\u200d\U0001f469\u200d"
             "\U0001f467\u200d\U0001f466 families \U0001f1eb\U0001f1f7\U0001f1ef\U0001f1f5 welcomed it \u2764\ufe0f\n"
             "\U0001f4e2 Share \U0001f4e7 Email \U0001f517 Link\n",
    "combining marks": "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324\u031e\u0349\u035a\u032f"
                       "algo te\u0301xt with cafe\u0301 and ma\u0303e\u0303\n" * 3,
}


def _real_text(size: int) -> str:
    """Real documents (their ``text``), blank-line separated, cut to ``size`` UTF-8 bytes."""
    parts, n = [], 0
    while n < size:
        for record in read_records(TEXT_DATA):
            t = record["text"]
            parts.append(t)
            n += len(t.encode("utf-8")) + 2
            if n >= size:
                break
    return "\n\n".join(parts).encode("utf-8")[:size].decode("utf-8", "ignore")


def _real_html(size: int) -> str:
    """One page whose body holds the bodies of real pages, cut to ``size`` UTF-8 bytes.

    (Concatenating whole pages would measure nothing: libxml2 drops everything after
    the first ``</html>``, see tests/test_robustness.py.)"""
    parts, n = [], 0
    while n < size:
        for record in read_records(PAGE_DATA):
            h = record["html"]
            start = h.lower().find("<body")
            start = h.find(">", start) + 1 if start >= 0 else 0
            end = h.lower().rfind("</body>")
            body = h[start:end if end > start else len(h)].replace("</html>", "").replace("</body>", "")
            parts.append(f"<div class='page'>{body}</div>")
            n += len(parts[-1].encode("utf-8")) + 1
            if n >= size:
                    break
    page = "<!doctype html><html><head><title>pages</title></head><body>\n" + "\n".join(parts)
    return page.encode("utf-8")[:size].decode("utf-8", "ignore")


def _case(name, build, what, markup=False):
    return {"name": name, "build": build, "what": what, "markup": markup}


def _cases() -> list[dict]:
    c = []
    add = lambda *a, **k: c.append(_case(*a, **k))  # noqa: E731
    # --- empty and whitespace
    add("empty str", lambda: "", '`""`')
    add("empty bytes", lambda: b"", '`b""`')
    add("whitespace only", lambda: " \t\n\n\u00a0\u3000\u2028\r\n \x0c ", "spaces, tabs, NBSP, ideographic space, line breaks")
    # --- bytes and encodings
    add("UTF-8 bytes", lambda: NEWS.encode("utf-8"), "news sample, UTF-8")
    add("UTF-8 with BOM", lambda: NEWS.encode("utf-8-sig"), "`EF BB BF` + UTF-8")
    add("UTF-16-LE with BOM", lambda: NEWS.encode("utf-16"), "`FF FE` + UTF-16-LE")
    add("UTF-16-BE with BOM", lambda: b"\xfe\xff" + NEWS.encode("utf-16-be"), "`FE FF` + UTF-16-BE")
    add("UTF-16-LE, no BOM", lambda: NEWS.encode("utf-16-le"), "UTF-16 without BOM (ASCII text: valid UTF-8 with NULs)")
    add("UTF-32 with BOM", lambda: NEWS.encode("utf-32"), "`FF FE 00 00` + UTF-32-LE")
    add("cp1252 bytes", lambda: "\u201cCaf\u00e9 cr\u00e8me\u201d \u2013 \u20ac5 \u2026 na\u00efve\n".encode("cp1252") * 5,
        "curly quotes, \u00e9, \u20ac, \u2026 in cp1252")
    add("cp1252 undefined bytes", lambda: b"A \x81\x8d\x8f\x90\x9d B\n" * 5, "the five bytes cp1252 leaves undefined")
    add("invalid UTF-8", lambda: b"ok \xff\xfe bad \xc3 trunc \xe2\x82 \xed\xa0\x80 surrogate \xf8\x88\x80\x80\x80\n" * 5,
        "stray, truncated, surrogate and 5-byte sequences")
    add("meta charset koi8-r", lambda: "<html><head><meta charset='koi8-r'></head><body><p>\u0413\u043e\u0440\u043e\u0434 "
        "\u0441\u043e\u0432\u0435\u0442</p></body></html>".encode("koi8-r"), "HTML bytes declaring koi8-r", True)
    add("meta charset bogus", lambda: b"<meta charset='x-no-such'><p>caf\xe9</p>" + b"<meta charset=rot13>", "unknown / non-text codecs declared", True)
    add("bytearray", lambda: bytearray(NEWS.encode()), "`bytearray`")
    add("memoryview", lambda: memoryview(NEWS.encode()), "`memoryview`")
    # --- control characters and line ends
    add("NUL and C0/C1 controls", lambda: ("Para\x00graph one\x01\x02\x1b[31m red\x7f\x9b.\n" * 5) + "\x00\x00\n", "NUL, ESC, DEL, C1 bytes in lines")
    add("only NULs", lambda: "\x00" * 10_000, "10,000 NULs")
    add("CR line ends", lambda: NEWS.replace("\n", "\r"), "classic Mac `\\r`")
    add("CRLF line ends", lambda: NEWS.replace("\n", "\r\n"), "Windows `\\r\\n`")
    add("exotic line breaks", lambda: "one\vtwo\ffour\x1cfive\x1dsix\x1eseven\x85eight\u2028nine\u2029ten",
        "`\\v \\f \\x1c-\\x1e \\x85 U+2028 U+2029`")
    add("lone surrogates (str)", lambda: "Text \ud800 with \udfff lone surrogates.\n<p>\ud83d</p>", "unpaired UTF-16 surrogates in `str`")
    # --- scripts
    for name, text in SCRIPTS.items():
        add(name, lambda text=text: text * 20, f"{name}, 20 copies")
    # --- HTML
    add("HTML fragment", lambda: "<p>Hello <b>world</b>, a fragment.</p><p>Second", "no html/body, unclosed `<p>`", True)
    add("broken HTML", lambda: "<html><body><div <p>x</p></span></div></div><p class='a>Text</b><table><td>cell"
        "<li>item</ul><a href=\"x>link<h1>Head</h2>&nbsp&amp;&#xZZ;", "unbalanced/unquoted/misnested tags, bad entities", True)
    add("article.html fixture", lambda: (ROOT / "tests" / "fixtures" / "stages" / "article.html").read_text(), "a real-looking article page", True)
    add("script/style only", lambda: "<html><head><style>p{}</style></head><body><script>var a='<p>x</p>';</script></body></html>",
        "no visible text", True)
    add("XML declaration", lambda: "<?xml version='1.0' encoding='utf-8'?><html><body><p>x</p></body></html>", "XHTML prolog", True)
    add("hidden + control", lambda: "<html><body><p>One <span hidden>x</span>\x0ctwo</p><hr hidden>\x0b</body></html>",
        "hidden element followed by a control character", True)
    # --- size
    add("5 MB single line", lambda: ("word " * (5 * MB // 5)).strip(), "one line of 5 MB, no newline")
    add("5 MB no spaces", lambda: "x" * (5 * MB), "one 5 MB token")
    add("300k short lines", lambda: "ok\n" * 300_000, "300,000 lines of `ok` (0.9 MB)")
    add("300k varied lines", lambda: "".join(f"Item {k} | Share\n" for k in range(300_000)), "300,000 short distinct lines (5.6 MB)")
    add("1M blank lines", lambda: "\r" * 1_000_000 + "text", "1,000,000 `\\r` then one line")
    add("200k HTML paragraphs", lambda: "<p>a\n" * 200_000, "`<p>a\\n` x 200,000 (1 MB, 200k rendered lines)", True)
    # --- regular-expression worst cases (every runtime regex in boilerstrip/*.py)
    add("`<meta` x 200k (bytes)", lambda: b"<meta" * 200_000 + b"\xff", "_META_CHARSET on invalid UTF-8, no `>`", True)
    add("`<meta charset=` x 70k", lambda: b"<meta charset=" * 70_000 + b"\xff", "_META_CHARSET, value never starts", True)
    add("`<meta` + 200 spaces runs", lambda: (b"<meta" + b" " * 199) * 5000 + b"\xff", "_META_CHARSET `[^>]{0,200}?` at its bound", True)
    add("`<div ` x 200k (str)", lambda: "<div " * 200_000, "_HTML_HINT `[^<>]{0,500}>` with no `>`", True)
    add("`<a ` + 499 chars runs", lambda: ("<a " + "x" * 499) * 2000, "_HTML_HINT at its 500-char bound", True)
    add("`<?xml` no `?>`", lambda: "<?xml" + " version" * 125_000 + "<p>x", "_parse `^\\s*<\\?xml[^>]*\\?>` without end", True)
    add("1 MB spaces then `<?xml`", lambda: " " * MB + "<?xml ?><p>x</p>", "`^\\s*` over 1 MB", True)
    add("digits/dots 1 MB", lambda: "1." * (MB // 2), "_DIGIT / _TOKEN, one line")
    add("`www.` x 250k", lambda: "www." * 250_000, "one 1 MB line of `www.`")
    add("\\w run with lines", lambda: ("a" * 999 + "\n") * 1000, "1,000 lines of 999 word chars")
    add("controls 1 MB", lambda: "\x01\x7f\x9f" * 333_333, "_CONTROL on every character")
    add("cp1252 split 1 MB", lambda: b"\x81\xff" * 500_000, "`_cp1252_lossless` split on every other byte")
    add("whitespace runs", lambda: ("<p>" + " \t" * 100_000 + "x</p>") * 5, "whitespace collapsing over long runs", True)
    add("class words", lambda: "<div class='" + "abc " * 250_000 + "'>x</div>", "_ATTR_WORDS over a 1 MB class", True)
    add("surrogates 100k", lambda: "<p>" + "\ud800" * 100_000 + "</p>", "_SURROGATE on 100k lone surrogates", True)
    add("deep nesting 100k", lambda: "<div>" * 100_000 + "deep text" + "</div>" * 100_000, "100,000 nested `<div>`", True)
    add("100k sibling divs", lambda: "<div>x</div>" * 100_000, "100,000 `<div>x</div>`", True)
    add("100k `<div>` unclosed", lambda: "<div>x" * 100_000, "100,000 `<div>x` never closed", True)
    add("unclosed comment", lambda: "<html><body><p>before</p><!--" + "x" * MB, "`<!--` then 1 MB", True)
    add("unclosed attribute quote", lambda: "<html><body><p>before</p><a href=\"" + "x " * (MB // 2), "`href=\"` then 1 MB", True)
    add("unclosed script", lambda: "<html><body><p>before</p><script>" + "var x;\n" * 150_000, "`<script>` then 1 MB", True)
    add("entity soup", lambda: "<p>" + "&#" * 500_000 + "</p>", "1 MB of `&#`", True)
    # --- not text
    for value, label in ((None, "None"), (42, "int"), (3.5, "float"), (["a", "b"], "list of str"),
                         ({"text": "x"}, "dict"), (Path("README.md"), "Path"), (object(), "object")):
        add(label, lambda value=value: value, f"`{label}`")
    return c


CASES = {case["name"]: case for case in _cases()}


def _series_inputs() -> dict[str, callable]:
    return {"text": _real_text, "single line": lambda size: _real_text(size).replace("\n", " "), "html": _real_html}


# ------------------------------------------------------------------ measuring (child side)


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _call(fn, data):
    t = time.perf_counter()
    try:
        result = fn(data)
        return time.perf_counter() - t, result, None
    except Exception as exc:  # noqa: BLE001 - the outcome is what is measured
        return time.perf_counter() - t, None, exc


def measure(data, markup: bool, model, full: bool = True) -> dict:
    import tracemalloc

    from boilerstrip import classify, clean
    from boilerstrip.html import render_html

    size = len(data) if isinstance(data, (bytes, bytearray)) else \
        len(data.encode("utf-8", "surrogatepass")) if isinstance(data, str) else \
        data.nbytes if isinstance(data, memoryview) else None
    gc.collect()
    rss0 = _maxrss_mb()
    row = {"bytes": size, "rss_base_mb": rss0}
    secs, out, exc = _call(lambda d: clean(d, model=model), data)
    row["clean_s"] = secs
    row["outcome"] = f"str ({len(out):,} chars)" if exc is None else f"{type(exc).__name__}: {exc}"
    row["ok"] = exc is None and isinstance(out, str)
    row["out_chars"] = len(out) if out is not None else None
    if full:
        secs, lines, exc = _call(lambda d: classify(d, model=model), data)
        row["classify_s"] = secs
        row["classify"] = f"{len(lines):,} lines" if exc is None else f"{type(exc).__name__}"
        if markup:
            secs, lines, exc = _call(render_html, data)
            row["render_s"] = secs
            row["render"] = f"{len(lines):,} lines" if exc is None else f"{type(exc).__name__}"
    row["rss_peak_growth_mb"] = _maxrss_mb() - rss0
    gc.collect()
    tracemalloc.start()
    _call(lambda d: clean(d, model=model), data)
    row["py_peak_mb"] = tracemalloc.get_traced_memory()[1] / MB
    tracemalloc.stop()
    return row


def child(spec: str, model_path: str | None = None) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    model, _ = load_model(model_path)
    from boilerstrip import clean

    clean(NEWS + "<p>warm up</p>", model=model)  # first-use caches (character tables, BLAS)
    clean("<html><body><p>warm up</p></body></html>", model=model)
    kind, _, arg = spec.partition(":")
    if kind == "case":
        case = CASES[arg]
        row = measure(case["build"](), case["markup"], model)
    else:
        series, _, size = arg.rpartition("@")
        data = _series_inputs()[series](int(float(size) * MB))
        row = measure(data, series == "html", model, full=False)
        row["lines"] = data.count("\n") + 1
    print("RESULT " + json.dumps(row))


# ------------------------------------------------------------------ running (parent side)


def run_child(spec: str, model_path: str | None = None) -> dict:
    t = time.perf_counter()
    model_args = ["--model", model_path] if model_path else []
    try:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.robustness", "--child", spec, *model_args],
                              cwd=ROOT, capture_output=True, text=True, timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"outcome": f"TIMEOUT after {CHILD_TIMEOUT} s", "ok": False}
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
    return {"outcome": f"child died (exit {proc.returncode}, {time.perf_counter() - t:.0f} s): {tail}", "ok": False}


def _f(x, fmt="{:.3f}") -> str:
    return "" if x is None else fmt.format(x)


def _md(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--quick", action="store_true", help="series at 1 and 2.5 MB only")
    ap.add_argument("--only", help="comma-separated case names (no series)")
    ap.add_argument("--no-series", action="store_true")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--model", default=None, metavar="FILE", help=MODEL_HELP)
    args = ap.parse_args(argv)
    if args.model:  # children run in the repository root
        args.model = str(Path(args.model).resolve())
    if args.child:
        child(args.child, args.model)
        return 0

    _, model_name = load_model(args.model)  # fits and saves the tiny model once if needed
    names = args.only.split(",") if args.only else list(CASES)
    rows = []
    for name in names:
        row = run_child(f"case:{name}", args.model)
        rows.append((name, row))
        print(f"{name:32s} {row.get('outcome', '')[:70]:70s} {_f(row.get('clean_s'))} s", flush=True)
    sizes = [1, 2.5] if args.quick else [1, 2.5, 5, 10]
    series = {}
    if not (args.only or args.no_series):
        for kind in _series_inputs():
            for size in sizes:
                row = run_child(f"series:{kind}@{size}", args.model)
                series[(kind, size)] = row
                print(f"series {kind:12s} {size:5} MB  {row.get('outcome', '')[:40]:40s} {_f(row.get('clean_s'))} s "
                      f"rss+{_f(row.get('rss_peak_growth_mb'), '{:.0f}')} MB", flush=True)
    write(args.out, model_name, rows, series, sizes)
    return 0 if all(r.get("ok") or r.get("outcome", "").startswith("TypeError") for _, r in rows) else 1


def write(path, model_name, rows, series, sizes) -> None:
    out = [
        "# Robustness: bad, odd and huge inputs",
        "",
        "Generated by `python -m benchmarks.robustness` (one child process per case, run one at a time).",
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs shared with other jobs; "
        f"model: {model_name}.",
        "",
        "*clean s*, *classify s*, *render s*: seconds for `clean(x)`, `classify(x)`, `render_html(x)` (markup cases);"
        " *RSS +MB*: growth of the process's peak resident memory during those calls (includes lxml's C memory);"
        " *py peak MB*: peak of Python allocations during one `clean(x)` (tracemalloc).",
        "",
        "| case | input | size | `clean()` outcome | clean s | classify s | render s | RSS +MB | py peak MB |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in rows:
        size = r.get("bytes")
        size_s = "" if size is None else (f"{size / MB:.1f} MB" if size >= 100_000 else f"{size:,} B")
        out.append(f"| {_md(name)} | {_md(CASES[name]['what'])} | {size_s} | {_md(r.get('outcome', ''))} | "
                   f"{_f(r.get('clean_s'))} | {_f(r.get('classify_s'))} | {_f(r.get('render_s'))} | "
                   f"{_f(r.get('rss_peak_growth_mb'), '{:.0f}')} | {_f(r.get('py_peak_mb'), '{:.1f}')} |")
    if series:
        out += ["", "## Linear growth", "",
                "`clean(x)` on (a) plain text made of real documents (`data/built/test.jsonl.gz`, blank-line "
                "separated), (b) the same text as one line (newlines replaced by spaces), (c) the bodies of real pages "
                "(`data/built/test-pages.jsonl.gz`) in one page (*lines*: source lines). Ratios are 10 MB / 1 MB (10 = linear).", "",
                "| input | MB | lines | seconds | MB/s | RSS +MB | py peak MB |", "|---|---:|---:|---:|---:|---:|---:|"]
        for (kind, size), r in series.items():
            mbps = size / r["clean_s"] if r.get("clean_s") else None
            out.append(f"| {kind} | {size:g} | {_f(r.get('lines'), '{:,}')} | {_f(r.get('clean_s'), '{:.2f}')} | "
                       f"{_f(mbps, '{:.2f}')} | {_f(r.get('rss_peak_growth_mb'), '{:.0f}')} | "
                       f"{_f(r.get('py_peak_mb'), '{:.0f}')} |")
        out += ["", "| input | time ratio | RSS-growth ratio | py-peak ratio |", "|---|---:|---:|---:|"]
        lo, hi = sizes[0], sizes[-1]
        for kind in dict.fromkeys(k for k, _ in series):
            a, b = series.get((kind, lo), {}), series.get((kind, hi), {})

            def ratio(key, a=a, b=b):
                return f"{b[key] / a[key]:.1f}" if a.get(key) and b.get(key) else ""

            out.append(f"| {kind} ({hi:g} MB / {lo:g} MB) | {ratio('clean_s')} | {ratio('rss_peak_growth_mb')} | "
                       f"{ratio('py_peak_mb')} |")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text("\n".join(out) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
