"""Robustness: adversarial inputs (no regex runaway), invariants for bytes and HTML
input, model-file safety, and the CLI's file handling.

Complements test_properties.py (text invariants), test_text.py (decoding), test_model.py
(persistence) and test_cli.py (I/O).  The big tables and the fuzzing run are in
``benchmarks/robustness.py`` and ``benchmarks/fuzz.py``.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import pkgutil
import re
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import boilerstrip.cli as cli
import boilerstrip.decoding
import boilerstrip.features
import boilerstrip.html
import boilerstrip.model
import boilerstrip.pipeline
import boilerstrip.text
from boilerstrip import classify, clean
from boilerstrip.api import text_of
from boilerstrip.cli import main
from boilerstrip.html import STYLES, looks_like_html, render_html
from boilerstrip.model import LineModel
from boilerstrip.pipeline import read
from boilerstrip.text import BinaryInputError, decode, split_lines

ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000
SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# ------------------------------------------------------------------ regular expressions cannot run away

# Worst cases for every regular expression applied to input at run time (text.py,
# html.py, features/words.py, ...): long runs that almost match, then fail.
ADVERSARIAL = {
    "meta-no-gt": lambda: b"<meta" * (MB // 5) + b"\xff",           # _META_CHARSET (bytes path)
    "meta-charset-eq": lambda: b"<meta charset=" * (MB // 14) + b"\xff",
    "meta-200-spaces": lambda: (b"<meta" + b" " * 199) * (MB // 204) + b"\xff",
    "div-no-gt": lambda: "<div " * (MB // 5),                       # _HTML_HINT
    "a-500-chars": lambda: ("<a " + "x" * 499) * (MB // 502),
    "xml-decl-no-end": lambda: "<?xml" + " version" * (MB // 8),      # _parse's ^\s*<\?xml[^>]*\?>
    "spaces-then-xml": lambda: " " * MB + "<?xml ?><p>x</p>",
    "digits-dots": lambda: "1." * (MB // 2),                           # words._DIGIT, words._TOKEN
    "www": lambda: "www." * (MB // 4),
    "controls": lambda: "\x01\x7f\x9f" * (MB // 3),                     # _CONTROL, _XML_UNSAFE
    "cp1252-split": lambda: b"\x81\xff" * (MB // 2),                   # _cp1252_lossless's re.split
    "ws-runs": lambda: "<p>" + " \t" * (MB // 2) + "x</p>",             # _WS
    "class-words": lambda: "<div class='" + "abc " * (MB // 4) + "'>x</div>",  # _ATTR_WORDS
    "surrogates": lambda: "<p>" + "\ud800" * (MB // 10) + "</p>",       # _SURROGATE
    "nested-divs": lambda: "<div>" * (MB // 10) + "deep" + "</div>" * (MB // 10),
    # many short blocks cost ~50-100 us per rendered line (benchmarks/robustness.md): 20k here
    "sibling-divs": lambda: "<div>x</div>" * 20_000,
    "unclosed-comment": lambda: "<html><body><p>before</p><!--" + "x" * MB,
    "unclosed-quote": lambda: "<html><body><p>before</p><a href=\"" + "x " * (MB // 2),
    "entity-soup": lambda: "<p>" + "&#" * (MB // 2) + "</p>",
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_input_finishes_quickly(tiny_model, name):
    data = ADVERSARIAL[name]()
    start = time.perf_counter()
    out = clean(data, model=tiny_model)
    elapsed = time.perf_counter() - start
    assert isinstance(out, str)
    assert elapsed < 5.0, f"{name}: clean() took {elapsed:.1f} s on 1 MB"


def _runtime_modules() -> list:
    """The modules that run on every input: reading, features, model, decoding."""
    modules = [boilerstrip.text, boilerstrip.html, boilerstrip.pipeline, boilerstrip.decoding, boilerstrip.model,
               boilerstrip.features]
    modules += [importlib.import_module(f"boilerstrip.features.{m.name}")
                for m in pkgutil.iter_modules(boilerstrip.features.__path__)]
    return modules


# Where the pattern, the string and the flags are in each ``re`` function's arguments.
_RE_FUNCTIONS = {"match": (1, 2), "search": (1, 2), "fullmatch": (1, 2), "findall": (1, 2), "finditer": (1, 2),
                 "split": (1, 3), "sub": (2, 4), "subn": (2, 4)}


class _RecordingRe:
    """Stands in for the ``re`` module inside the package's modules: every call of a
    module-level ``re`` function (an inline pattern such as ``re.match(r"...", text)``)
    is recorded with the compiled pattern and a way to repeat the call on another
    string, exactly as the package made it (same method, same repl/count/maxsplit)."""

    def __init__(self):
        self.calls: list[tuple[str, re.Pattern, object]] = []

    def __getattr__(self, name):
        real = getattr(re, name)
        if name not in _RE_FUNCTIONS and name != "compile":
            return real

        def recorded(*args, **kwargs):
            caller = sys._getframe(1)
            where = f"{caller.f_globals['__name__'].split('.')[-1]}.{caller.f_code.co_name}"
            if name == "compile":
                pattern = re.compile(*args, **kwargs)
                self.calls.append((where, pattern, None))
                return pattern
            string_at, flags_at = _RE_FUNCTIONS[name]
            flags = kwargs.get("flags", args[flags_at] if len(args) > flags_at else 0)
            pattern = re.compile(args[0], flags)
            before = args[1:string_at]          # sub's repl
            after = args[string_at + 1:flags_at]  # count, maxsplit
            extra = {k: v for k, v in kwargs.items() if k != "flags"}
            method = getattr(pattern, name)

            def again(s):
                result = method(*before, s, *after, **extra)
                return list(result) if name == "finditer" else result   # finditer is lazy

            self.calls.append((where, pattern, again))
            return real(*args, **kwargs)

        return recorded


# Inputs that reach every inline regular expression of the package: the meta charset of
# bytes, the cp1252 fallback, the XML declaration, the HTML sniffing, lists and hard-wrapped
# lines, and characters the word table cannot lower-case (hash_words' regular expressions).
_DRIVING_INPUTS = [
    b"<?xml version='1.0' encoding='utf-8'?><html><head><meta charset='koi8-r'></head>"
    b"<body><p>The council voted \xe9 on Tuesday.</p></body></html>",
    b"Invalid UTF-8 \x81\xff and \x93quotes\x94 in a plain line\n\nA second paragraph of text.",
    b"<meta charset='iso-8859-1'><p>Latin-1 by declaration: \x81\xff and \x93quotes\x94</p>",
    "<!doctype html><p>One</p>\n<p>Two</p>",
    "Plain prose \u03a3\u0130 with a capital sigma.\n- a list item\n1. another item\n\nMore text, 12 hours ago.",
    "\n".join(["The ferry returned to service on Monday after three weeks of repairs to its"] * 8),
]


def _runtime_calls(tiny_model):
    """Every regular expression the package applies to input at run time, with the way
    it applies it: the compiled patterns of the runtime modules (searched, found,
    substituted), and the inline ones as the package itself called them while cleaning
    inputs that reach them (recorded, not copied, so that a change to a real pattern is
    what gets timed)."""
    recorder = _RecordingRe()
    with pytest.MonkeyPatch.context() as mp:
        for module in _runtime_modules():
            if getattr(module, "re", None) is re:
                mp.setattr(module, "re", recorder)
        for data in _DRIVING_INPUTS:
            clean(data, model=tiny_model)
            render_html(data)
    calls = []
    for module in _runtime_modules():
        for attr, value in vars(module).items():
            if isinstance(value, re.Pattern):
                calls.append((f"{module.__name__.split('.')[-1]}.{attr}", value,
                              (value.search, value.findall, lambda s, v=value: v.sub(s[:0], s))))
    seen = set()
    for where, pattern, call in recorder.calls:
        key = (where, pattern.pattern, pattern.flags)
        if key in seen:
            continue
        seen.add(key)
        methods = (call,) if call is not None else \
            (pattern.search, pattern.findall, lambda s, v=pattern: v.sub(s[:0], s))
        calls.append((where, pattern, methods))
    return calls


def test_runtime_calls_are_the_real_patterns(tiny_model):
    """The timed patterns are the package's own objects and inline calls, and the
    driving inputs reach the inline ones (html.looks_like_html's doctype test,
    html._parse's XML declaration, text._cp1252_lossless's split)."""
    calls = _runtime_calls(tiny_model)
    names = {name for name, _, _ in calls}
    assert {"html.looks_like_html", "html._parse", "text._cp1252_lossless"} <= names, names
    by_name = {name: pattern for name, pattern, _ in calls}
    assert by_name["text._META_CHARSET"] is boilerstrip.text._META_CHARSET
    assert by_name["html._HTML_HINT"] is boilerstrip.html._HTML_HINT
    assert by_name["words._TOKEN"] is boilerstrip.features.words._TOKEN
    # the recorder saw the calls the package made, pattern and all
    assert any(p.pattern == rb"([\x81\x8d\x8f\x90\x9d])" for n, p, _ in calls if n == "text._cp1252_lossless")
    assert boilerstrip.html.re is re and boilerstrip.text.re is re   # the real module is back


def test_every_runtime_regex_is_fast_on_adversarial_strings(tiny_model):
    """Each regular expression, called as the package calls it, on each worst case (200 KB)."""
    samples = [make()[:200_000] for make in ADVERSARIAL.values()]
    calls = _runtime_calls(tiny_model)
    assert len(calls) >= 12
    for name, pattern, methods in calls:
        for s in samples:
            if isinstance(pattern.pattern, bytes) != isinstance(s, bytes):
                s = s.encode("utf-8", "surrogatepass") if isinstance(s, str) else s.decode("latin-1")
            for k, method in enumerate(methods):
                start = time.perf_counter()
                method(s)
                assert time.perf_counter() - start < 1.0, (name, k, s[:40])


# ------------------------------------------------------------------ invariants for bytes and HTML input

_WORDS = st.sampled_from(["The", "council", "voted", "Home", "|", "Share", "2023", "www.example.com", "caf\u00e9",
                          "\u6771\u4eac", "\u0627\u0644\u062e\u0628\u0631", "\U0001f600", "\x00", "\x85", "\u2028",
                          "\r\n", "\r", "\n\n", "\t", "\ufeff", "<", "&amp;", "<p>", "<div>"])
TEXT = st.one_of(st.text(max_size=150), st.lists(st.one_of(_WORDS, st.text(max_size=4)), max_size=50).map(" ".join))
ENCODED = st.tuples(TEXT, st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "cp1252", "koi8-r"])).map(
    lambda t: t[0].encode(t[1], errors="replace") if not t[1].startswith("utf") else t[0].encode(t[1], "surrogatepass"))
BYTES = st.one_of(st.binary(max_size=200), ENCODED)

_TAGS = ["p", "div", "span", "a", "li", "ul", "h1", "td", "tr", "table", "br", "pre", "nav", "footer", "script",
         "article", "b", "aside", "title", "head", "body"]
_BITS = st.one_of(st.sampled_from(["Hello", "world", " ", "\n", "&amp;", "&nbsp;", "text with words.", "\u6771\u4eac",
                                   "\U0001f600", "<", ">", "&", "<!-- c -->", "<!--", "\r\n"]), st.text(max_size=5))
_MARKUP = st.recursive(_BITS, lambda kids: st.builds(
    lambda tag, attrs, inner, close: f"<{tag}{attrs}>{''.join(inner)}" + (f"</{tag}>" if close else ""),
    st.sampled_from(_TAGS), st.sampled_from(["", " class='menu'", " id='main'", " href='/x'"]),
    st.lists(kids, max_size=4), st.booleans()), max_leaves=20)
HTML = st.one_of(_MARKUP, _MARKUP.map(lambda s: f"<html><body>{s}</body></html>"),
                 _MARKUP.map(lambda s: f"<!doctype html><html><head><meta charset='utf-8'></head><body>{s}"))
HTML_INPUT = st.one_of(HTML, HTML.map(lambda s: s.encode("utf-8", "surrogatepass")),
                       HTML.map(lambda s: s.encode("utf-16")))


def _is_subsequence(small, big) -> bool:
    it = iter(big)
    return all(any(s == b for b in it) for s in small)


def _check(model, data, html, reference) -> None:
    out = clean(data, html=html, model=model)
    assert isinstance(out, str)
    assert _is_subsequence([l for l in out.split("\n") if l], reference)
    lines = classify(data, html=html, model=model)
    assert [l.text for l in lines] == reference                     # every line exactly once, in order
    assert [l.index for l in lines] == sorted({l.index for l in lines})
    assert text_of(lines) == out
    assert clean(data, html=html, model=model) == out                # deterministic
    assert classify(data, html=html, model=model) == lines


def _refused_as_binary(model, data) -> bool:
    """Bytes that are no text raise BinaryInputError, the same from every entry point."""
    if isinstance(data, str):
        return False
    try:
        decode(data)
    except BinaryInputError:
        for fn in (clean, classify, split_lines):
            with pytest.raises(BinaryInputError):
                fn(data) if fn is split_lines else fn(data, model=model)
        return True
    return False


@SETTINGS
@given(BYTES)
def test_bytes_input_invariants(tiny_model, data):
    if _refused_as_binary(tiny_model, data):
        return
    reference = [l.text for l in split_lines(data)]
    _check(tiny_model, data, False, reference)
    assert clean(data, html=False, model=tiny_model) == clean(decode(data), html=False, model=tiny_model)


@SETTINGS
@given(HTML_INPUT)
def test_html_input_invariants(tiny_model, data):
    reference = [l.text for l in render_html(data)]
    _check(tiny_model, data, True, reference)
    assert [l.index for l in classify(data, html=True, model=tiny_model)] == list(range(len(reference)))


@SETTINGS
@given(st.one_of(TEXT, BYTES, HTML_INPUT))
def test_detected_format_invariants(tiny_model, data):
    """With html=None the lines are those of render_html or split_lines, as detected."""
    if _refused_as_binary(tiny_model, data):
        return
    text = decode(data)
    reference = [l.text for l in (render_html(data) if looks_like_html(text) else split_lines(data))]
    assert [l.text for l in read(data)[1]] == reference
    _check(tiny_model, data, None, reference)


NON_TEXT = st.one_of(st.none(), st.integers(), st.floats(), st.booleans(), st.lists(st.text(max_size=3), max_size=3),
                     st.dictionaries(st.text(max_size=2), st.integers(), max_size=2), st.just(Path("x.txt")),
                     st.just(object()), st.tuples(st.text(max_size=2)), st.just(io.StringIO("text")))


@SETTINGS
@given(NON_TEXT)
def test_non_text_is_a_clear_type_error(tiny_model, value):
    for fn in (lambda v: clean(v, model=tiny_model), lambda v: classify(v, model=tiny_model), render_html, split_lines):
        with pytest.raises(TypeError, match=rf"^expected str or bytes, got {type(value).__name__}$"):
            fn(value)


def test_render_html_styles_on_awkward_bytes():
    for data in (b"\xff\xfe<\x00p\x00>\x00x\x00", b"<p>caf\xe9</p>", "<p>\ud800</p>".encode("utf-8", "surrogatepass"),
                 b"<meta charset=rot13><p>x</p>\xff"):
        for style in STYLES:
            assert all(l.text.strip() for l in render_html(data, style))
    with pytest.raises(BinaryInputError, match="not text"):
        render_html(b"\x00" * 100)


# ------------------------------------------------------------------ model files


class _Payload:
    """Unpickling this creates a marker file: proof that code ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture(scope="module")
def model_arrays(tiny_model_path):
    with np.load(tiny_model_path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@pytest.mark.parametrize("key", ["meta", "dense_mean", "net0_member0_intercept0", "w_words_data", "extra_key"])
def test_load_refuses_pickled_object_and_runs_no_code(model_arrays, tmp_path, key):
    marker = tmp_path / "pwned"
    arrays = dict(model_arrays)
    arrays[key] = np.array([_Payload(marker)], dtype=object)
    bad = tmp_path / "evil.npz"
    np.savez(bad, **arrays)  # allow_pickle is on for saving
    if key != "extra_key":
        with pytest.raises(ValueError, match="not a numpy archive of plain arrays"):
            LineModel.load(bad)
    else:
        LineModel.load(bad)  # arrays it does not read are never unpickled
    assert not marker.exists()
    # the payload is live: trusting the file would have run it
    with np.load(bad, allow_pickle=True) as z:
        z[key]
    assert marker.exists()


def test_load_refuses_a_plain_pickle_file(tmp_path):
    import pickle

    marker = tmp_path / "pwned"
    bad = tmp_path / "model.npz"
    bad.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(ValueError, match="not a numpy archive of plain arrays"):
        LineModel.load(bad)
    assert not marker.exists()


def _npz_bytes(arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _with_meta(arrays, raw: bytes):
    out = dict(arrays)
    out["meta"] = np.frombuffer(raw, dtype=np.uint8)
    return out


def _without(arrays, key):
    out = dict(arrays)
    del out[key]
    return out


def _meta_without(arrays, field):
    meta = json.loads(bytes(arrays["meta"]).decode())
    del meta[field]
    return _with_meta(arrays, json.dumps(meta).encode())


TAMPERED = [
    ("random bytes", lambda a: os.urandom(4096)),
    ("text file", lambda a: b"not a model\n" * 10),
    ("meta not JSON", lambda a: _npz_bytes(_with_meta(a, b"{not json"))),
    ("meta not UTF-8", lambda a: _npz_bytes(_with_meta(a, b"\xff\xfe"))),
    ("inconsistent sparse arrays", lambda a: _npz_bytes({**a, "w_words_indptr": a["w_words_indptr"][:2]})),
    ("empty file", lambda a: b""),
    ("truncated", lambda a: _npz_bytes(a)[: len(_npz_bytes(a)) // 2]),
    ("corrupted deflate stream", lambda a: _corrupt(a)),
    ("missing meta", lambda a: _npz_bytes(_without(a, "meta"))),
    ("indices out of range", lambda a: _npz_bytes({**a, "w_words_indices": a["w_words_indices"] + 2 ** 20})),
    ("missing array", lambda a: _npz_bytes(_without(a, "net0_member0_coef0"))),
    ("missing idf", lambda a: _npz_bytes(_without(a, "idf"))),
    ("meta without transition", lambda a: _npz_bytes(_meta_without(a, "transition"))),
    ("meta without networks", lambda a: _npz_bytes(_meta_without(a, "networks"))),
    ("meta is a JSON list", lambda a: _npz_bytes(_with_meta(a, b"[1, 2]"))),
    ("a .npy file", lambda a: _npy()),
]


def _corrupt(arrays) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    data = bytearray(buf.getvalue())
    for i in range(300, 6000, 7):
        data[i] ^= 0x55
    return bytes(data)


def _npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    return buf.getvalue()


@pytest.mark.parametrize("name, make", [
    pytest.param(name, make, id=name) for name, make in TAMPERED])
def test_load_of_tampered_file_raises_a_clear_value_error(model_arrays, tmp_path, name, make):
    bad = tmp_path / "model.npz"
    bad.write_bytes(make(model_arrays))
    with pytest.raises(ValueError):
        LineModel.load(bad)


@pytest.mark.parametrize("key, shape", [("net0_member0_coef0", (3, 3)), ("dense_mean", (2,)), ("bias", (4,)),
                                        ("idf", (10,)), ("net0_mean", (1,)), ("w_dense", (3, 1))])
def test_load_checks_array_shapes(model_arrays, tmp_path, key, shape):
    bad = tmp_path / "model.npz"
    bad.write_bytes(_npz_bytes({**model_arrays, key: np.zeros(shape, dtype=model_arrays[key].dtype)}))
    with pytest.raises(ValueError):
        LineModel.load(bad)


def test_load_of_the_untampered_arrays_works(model_arrays, tmp_path, tiny_model_path):
    good = tmp_path / "model.npz"
    good.write_bytes(_npz_bytes(model_arrays))
    text = "Home | News\n\nThe council voted on Tuesday to expand the park by twelve acres."
    assert clean(text, model=LineModel.load(good)) == clean(text, model=LineModel.load(tiny_model_path))


def test_cli_with_garbage_model_reports_one_line(tmp_path):
    """A garbage model file is reported by the CLI without a traceback."""
    bad = tmp_path / "model.npz"
    bad.write_bytes(b"not a model\n" * 10)
    story = tmp_path / "story.txt"
    story.write_text("The council voted on Tuesday.\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "boilerstrip", "--model", str(bad), str(story)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "cannot load the model" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and proc.stdout == ""


@pytest.mark.parametrize("name, make", [pytest.param(name, make, id=name) for name, make in TAMPERED])
def test_cli_with_tampered_model_reports_one_line(model_arrays, tmp_path, capsys, name, make):
    bad = tmp_path / "model.npz"
    bad.write_bytes(make(model_arrays))
    story = tmp_path / "story.txt"
    story.write_text("The council voted on Tuesday.\n", encoding="utf-8")
    assert main(["--model", str(bad), str(story)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "cannot load the model" in err


# ------------------------------------------------------------------ CLI file handling

STORY = (ROOT / "boilerstrip" / "examples" / "aggregator.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def file_model(tiny_model_path) -> LineModel:
    """The tiny model as the command line loads it from ``--model``."""
    return LineModel.load(tiny_model_path)


@pytest.fixture
def run(tiny_model_path):
    """``main`` with the tiny model: ``run([...])`` is ``main([..., "--model", FILE])``."""
    return lambda args: main([*args, "--model", str(tiny_model_path)])


def _expected(data, model) -> str:
    out = clean(data, model=model)
    return out + "\n" if out else ""


def test_output_via_symlink_to_input_is_refused(run, file_model, tmp_path, capsys):
    src = tmp_path / "story.txt"
    src.write_text(STORY, encoding="utf-8")
    link = tmp_path / "out.txt"
    link.symlink_to(src)
    assert run([str(src), "-o", str(link)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert src.read_text(encoding="utf-8") == STORY


def test_output_via_other_spelling_of_input_is_refused(run, file_model, tmp_path, capsys, monkeypatch):
    (tmp_path / "sub").mkdir()
    src = tmp_path / "story.txt"
    src.write_text(STORY, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "sub")
    assert run(["../story.txt", "-o", "./../sub/../story.txt"]) == 2
    assert src.read_text(encoding="utf-8") == STORY


def test_output_is_replaced_atomically(run, file_model, tmp_path):
    src = tmp_path / "story.txt"
    src.write_text(STORY, encoding="utf-8")
    target = tmp_path / "out.txt"
    target.write_text("old contents", encoding="utf-8")
    other = tmp_path / "other-link.txt"
    os.link(target, other)  # a second name for the old file: a rename leaves it alone
    inode = target.stat().st_ino
    assert run([str(src), "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == _expected(STORY, file_model)
    assert target.stat().st_ino != inode  # a new file renamed into place, not rewritten in place
    assert other.read_text(encoding="utf-8") == "old contents"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other-link.txt", "out.txt", "story.txt"]


def test_failed_write_leaves_old_output_and_no_temp_file(run, file_model, tmp_path, capsys, monkeypatch):
    src = tmp_path / "story.txt"
    src.write_text(STORY, encoding="utf-8")
    target = tmp_path / "out.txt"
    target.write_text("old contents", encoding="utf-8")

    def failing_replace(a, b):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cli.os, "replace", failing_replace)
    assert run([str(src), "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "No space left" in err
    assert target.read_text(encoding="utf-8") == "old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt", "story.txt"]


def test_output_directory_created_with_parents(run, file_model, tmp_path):
    src = tmp_path / "story.txt"
    src.write_text(STORY, encoding="utf-8")
    out = tmp_path / "new" / "deeper" / "dir"
    assert run([str(src), "-o", str(out) + os.sep]) == 0
    assert (out / "story.txt").read_text(encoding="utf-8") == _expected(STORY, file_model)


def test_output_write_error_reported_per_file_and_others_written(run, file_model, tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text(STORY, encoding="utf-8")
    (src / "b.txt").write_text(STORY, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").mkdir()  # a directory where a.txt's output should go
    (out / "a.txt" / "keep").write_text("x")
    assert run([str(src), "-o", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "a.txt" in err[0] and "Traceback" not in err[0]
    assert (out / "b.txt").read_text(encoding="utf-8") == _expected(STORY, file_model)
    assert (out / "a.txt" / "keep").read_text() == "x"


def test_undecodable_bytes_are_cleaned_not_rejected(run, file_model, tmp_path, capsys):
    """No file is 'undecodable': invalid UTF-8 falls back to a lossless cp1252 reading."""
    data = STORY.encode("utf-8") + b"\n\xff\xfe\x81 broken \xc3\n" + "caf\u00e9 \u2013 ok".encode("cp1252")
    f = tmp_path / "mixed.txt"
    f.write_bytes(data)
    assert run([str(f)]) == 0
    out, err = capsys.readouterr()
    assert out == _expected(data, file_model) and err == ""


@pytest.fixture
def unix_socket(tmp_path):
    """A path that exists, is not a directory, and cannot be read even by root (ENXIO)."""
    path = tmp_path / "sock.txt"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    yield path
    s.close()


def test_unreadable_file_reported_in_one_line_and_others_processed(run, file_model, tmp_path, capsys, unix_socket):
    # chmod 000 does not stop root, and these tests may run as root: a socket is unreadable for everyone.
    good = tmp_path / "good.txt"
    good.write_text(STORY, encoding="utf-8")
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to(tmp_path / "nowhere")
    assert run([str(unix_socket), str(dangling), str(good)]) == 1
    out, err = capsys.readouterr()
    assert out == f"==> {good} <==\n" + _expected(STORY, file_model)   # several inputs: headed, as head(1) does
    rows = err.strip().splitlines()
    assert len(rows) == 2 and "Traceback" not in err
    assert any("sock.txt" in r for r in rows) and any("dangling.txt" in r for r in rows)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 file")
def test_chmod_000_file_reported(run, file_model, tmp_path, capsys):
    f = tmp_path / "secret.txt"
    f.write_text(STORY, encoding="utf-8")
    f.chmod(0)
    try:
        assert run([str(f)]) == 1
        assert "secret.txt" in capsys.readouterr().err
    finally:
        f.chmod(0o644)


def test_unreadable_entries_inside_a_directory_are_reported(run, file_model, tmp_path, capsys):
    d = tmp_path / "crawl"
    d.mkdir()
    (d / "good.txt").write_text(STORY, encoding="utf-8")
    (d / "dangling.txt").symlink_to(tmp_path / "nowhere")
    run([str(d)])
    assert "dangling.txt" in capsys.readouterr().err


def test_fifo_input_is_read(run, file_model, tmp_path, capsys):
    """A named pipe (what `boilerstrip <(curl ...)` passes) is read like a file."""
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "wb") as fh:
            fh.write(STORY.encode("utf-8"))

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    assert run([str(fifo)]) == 0
    t.join(5)
    assert capsys.readouterr().out == _expected(STORY, file_model)


def test_content_after_closing_html_is_rendered():
    markup = "<html><body><p>one</p></body></html><html><body><p>two</p></body></html>"
    assert [l.text for l in render_html(markup)] == ["one", "two"]
