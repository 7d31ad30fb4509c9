"""Stage 2: Document, line shape, hashed words, structure and context features, the
sparse ``Rows`` they are kept in, ``LineStructure`` rows and the feature schema."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from boilerstrip.features import (
    CONTEXT_FEATURES,
    LINE_FEATURES,
    N_STRUCTURE_FEATURES,
    N_WORD_FEATURES,
    SCHEMA,
    SCHEMA_VERSION,
    Document,
    FeatureCache,
    LineStructure,
    Rows,
    context_features,
    hash_words,
    line_features,
    schema_description,
    structure_features,
    word_features,
)
from boilerstrip.features.context import ARTICLE_JOIN, _main_block
from boilerstrip.features.document import CodePoints
from boilerstrip.features.shape import _char_stats
from boilerstrip.features.structure import hash_structure
from boilerstrip.features.words import _crc32_many, _hash_words_by_regex
from boilerstrip.html import render_html
from boilerstrip.text import TextLine, split_lines

ROOT = Path(__file__).resolve().parents[1]


def doc_of(*lines: str) -> Document:
    return Document.from_text_lines(split_lines("\n".join(lines)))


def col(features: np.ndarray, name: str) -> np.ndarray:
    return features[:, LINE_FEATURES.index(name)]


def ctx_col(features: np.ndarray, name: str) -> np.ndarray:
    return features[:, CONTEXT_FEATURES.index(name)]


def flat_proba(n: int, body: float = 0.9) -> np.ndarray:
    rest = (1.0 - body) / 2
    return np.tile([body, rest, rest], (n, 1))


ONES_IDF = np.ones(N_WORD_FEATURES, dtype=np.float32)


def same_values(a: Rows, b: Rows) -> bool:
    """The same matrix (shape and values), however its entries are stored."""
    return a.shape == b.shape and np.array_equal(a.toarray(), b.toarray())


def row(m: Rows, k: int) -> Rows:
    return m.take(np.array([k]))


def structured_doc(markup: str) -> tuple[Document, list]:
    """The document of rendered HTML (as the pipeline reads it) and the rendered lines."""
    rendered = render_html(markup)
    lines = [TextLine(line.text, i, line.para_break) for i, line in enumerate(rendered)]
    return Document.from_structured_lines(lines, [line.structure for line in rendered]), rendered


# ------------------------------------------------------------------ Document


def test_document_from_text_lines_with_runs_joins_lines():
    lines = split_lines("Title\n\nThe ferry returned to\nservice on Monday.\n\n  Share")
    doc = Document.from_text_lines(lines, [1, 2, 1])
    assert doc.lines == ["Title", "The ferry returned to service on Monday.", "Share"]
    assert doc.index.tolist() == [0, 2, 5] and doc.para_break.tolist() == [False, True, True]
    assert doc.runs.tolist() == [1, 2, 1]
    assert Document.from_text_lines(lines).runs is None
    for bad in ([1, 1, 1], [0, 3, 1], [2, 2, 1]):
        with pytest.raises(ValueError):
            Document.from_text_lines(lines, bad)


def test_document_from_text_lines():
    doc = Document.from_text_lines(split_lines("a\n\nb\nc"))
    assert doc.lines == ["a", "b", "c"]
    assert doc.para_break.tolist() == [False, True, False]
    assert doc.index.tolist() == [0, 2, 3]
    assert doc.structure is None
    assert len(doc) == 3


def test_document_from_structured_lines():
    doc, rendered = structured_doc("<nav><a href='/'>Home</a></nav><h1>Title</h1><p>Body text here.</p>")
    assert doc.lines == ["Home", "Title", "Body text here."]
    assert doc.index.tolist() == [0, 1, 2]
    assert doc.structure == [line.structure for line in rendered]
    assert all(isinstance(s, LineStructure) for s in doc.structure)
    assert [s.heading for s in doc.structure] == [False, True, False]
    with pytest.raises(ValueError):
        Document.from_structured_lines([TextLine("a", 0)], [])
    f = line_features(doc)
    assert col(f, "is_html").tolist() == [1, 1, 1]
    assert col(f, "heading").tolist() == [0, 1, 0]
    assert col(f, "link_share").tolist() == [1, 0, 0]
    assert col(f, "in_boilerplate").tolist() == [1, 0, 0]
    text_f = line_features(doc_of("Home", "Title", "Body text here."))
    for name in ("is_html", "heading", "link_share", "rel_depth", "in_boilerplate"):
        assert not col(text_f, name).any()


# ------------------------------------------------------------------ shapes


def test_feature_name_lists_are_unique():
    assert len(set(LINE_FEATURES)) == len(LINE_FEATURES)
    assert len(set(CONTEXT_FEATURES)) == len(CONTEXT_FEATURES)


@pytest.mark.parametrize("n", [1, 2, 7])
def test_shapes_match_feature_lists(n):
    doc = doc_of(*[f"Line {k} of the test document." for k in range(n)])
    f = line_features(doc)
    assert f.shape == (n, len(LINE_FEATURES)) and f.dtype == np.float32
    w = word_features(doc)
    assert isinstance(w, Rows) and w.shape == (n, N_WORD_FEATURES)
    d = structure_features(doc.structure, n)
    assert isinstance(d, Rows) and d.shape == (n, N_STRUCTURE_FEATURES) and d.nnz == 0
    c = context_features(doc, flat_proba(n), ONES_IDF)
    assert c.shape == (n, len(CONTEXT_FEATURES)) and c.dtype == np.float32
    assert np.isfinite(f).all() and np.isfinite(c).all()


def test_empty_document_shapes():
    doc = Document([], np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64))
    assert line_features(doc).shape == (0, len(LINE_FEATURES))
    assert context_features(doc, np.zeros((0, 3)), ONES_IDF).shape == (0, len(CONTEXT_FEATURES))


def test_structure_features_for_html_input():
    doc, _ = structured_doc("<div class='story'><p>Text one.</p></div><footer>Foot</footer>")
    d = structure_features(doc.structure, len(doc))
    assert d.shape == (2, N_STRUCTURE_FEATURES)
    assert (np.diff(d.indptr) > 0).all()
    assert not same_values(row(d, 0), row(d, 1))


def test_structure_features_are_the_hashed_tag_and_class_words_of_each_line():
    structure = [LineStructure("p", attrs="story body"), LineStructure("li", attrs="menu"),
                 LineStructure("p", attrs="story body"), LineStructure("div")]
    d = structure_features(structure, len(structure))
    assert same_values(d, hash_structure(["tag=p a=story a=body", "tag=li a=menu", "tag=p a=story a=body",
                                          "tag=div "]))
    # Only the 12 innermost class/id words count.
    many = " ".join(f"w{k}" for k in range(20))
    assert same_values(structure_features([LineStructure("p", attrs=many)], 1),
                       hash_structure(["tag=p " + " ".join(f"a=w{k}" for k in range(8, 20))]))


# ------------------------------------------------------------------ line feature values


def test_terminal_punctuation():
    f = line_features(doc_of("A full sentence.", "A question?", "A quote\u201d", "No ending", "Label:", "\u6771\u4eac\u3002"))
    assert col(f, "ends_terminal").tolist() == [1, 1, 1, 0, 1, 1]
    assert col(f, "ends_sentence").tolist() == [1, 1, 0, 0, 0, 1]
    assert col(f, "ends_colon").tolist() == [0, 0, 0, 0, 1, 0]


def test_digit_and_alpha_share():
    f = line_features(doc_of("abc123", "abcdef", "123456"))
    assert col(f, "digit") == pytest.approx([0.5, 0.0, 1.0])
    assert col(f, "alpha") == pytest.approx([0.5, 1.0, 0.0])


def test_a_character_of_a_script_without_spaces_is_a_word_of_line_shape():
    # Word counts and lengths mean the same in Chinese or Japanese as in English: a
    # clause of 10 ideographs and kana is 10 short words, not one very long word.
    ja = "\u6771\u4eac\u306e\u5929\u6c17\u306f\u6674\u308c\u3067\u3059\u3002"
    f = line_features(doc_of(ja, "Plain latin text", "\u5929\u6c17 latin"))
    assert np.expm1(col(f, "log_words")) == pytest.approx([11, 3, 3], abs=1e-4)
    assert col(f, "mean_word_len")[0] < 1.1 < col(f, "mean_word_len")[1]
    assert col(f, "short_words")[0] == pytest.approx(1.0)
    assert "cjk" not in LINE_FEATURES   # a script is no cue to boilerplate


def test_url_count():
    f = line_features(doc_of("Visit https://example.net/page for more", "Two: www.a.org and http://b.io", "No link here"))
    url = col(f, "log_url")
    assert url[0] > 0 and url[1] > url[0] and url[2] == 0


def test_repeats_case_and_space_insensitive():
    f = line_features(doc_of("Share this", "Body sentence one.", "  share THIS", "Share this", "Unique"))
    assert np.exp(col(f, "log_repeats")) == pytest.approx([3, 1, 3, 3, 1])


def test_year_and_clock_cues():
    f = line_features(doc_of("Updated 2023 at 12:30", "Population 12345 people", "Nothing"))
    assert col(f, "log_year").tolist() == pytest.approx([np.log(2), 0, 0])
    assert col(f, "log_clock").tolist() == pytest.approx([np.log(2), 0, 0])


def test_bullet_case_and_parentheses():
    f = line_features(doc_of("\u2022 Menu item", "lower start here", "(Reporting by Jan)", "ALL CAPS HEADER", "Normal Line"))
    assert col(f, "starts_bullet").tolist() == [1, 0, 0, 0, 0]
    assert col(f, "starts_lower").tolist() == [0, 1, 0, 0, 0]
    assert col(f, "parenthesised").tolist() == [0, 0, 1, 0, 0]
    assert col(f, "all_caps").tolist() == [0, 0, 0, 1, 0]


def test_position_and_paragraph_features():
    doc = Document.from_text_lines(split_lines("one\n\ntwo\nthree\nfour\nfive"))
    f = line_features(doc)
    assert col(f, "rel_pos") == pytest.approx([0, 0.25, 0.5, 0.75, 1])
    assert col(f, "para_before").tolist() == [0, 1, 0, 0, 0]
    assert col(f, "para_after").tolist() == [1, 0, 0, 0, 0]
    assert col(f, "log_n") == pytest.approx([np.log1p(5)] * 5)


def test_length_features_and_neighbours():
    long = "a much longer line of text here"
    f = line_features(doc_of("ab", long, "xy"))
    assert col(f, "log_chars") == pytest.approx(np.log1p([2, len(long), 2]))
    assert col(f, "len_vs_max") == pytest.approx([2 / len(long), 1.0, 2 / len(long)])
    assert col(f, "prev_log_chars")[1] == pytest.approx(np.log1p(2))
    assert col(f, "prev_log_chars")[0] == 0
    assert col(f, "next_log_chars")[0] == pytest.approx(np.log1p(len(long)))
    assert col(f, "next_log_chars")[2] == 0


def test_emoji_and_astral_do_not_break_stats():
    f = line_features(doc_of("Great news \U0001f600\U0001f389", "\U0001d54f\U0001d550 math letters", "normal"))
    assert np.isfinite(f).all()
    assert col(f, "log_chars")[0] == pytest.approx(np.log1p(len("Great news \U0001f600\U0001f389")))


# bab8711 introduced _cue_hits(); its nxt(m, k) pads with k zeros even when m is
# shorter than k, so a document whose joined text ("\n".join(lines)) is shorter than
# 4 characters fails to broadcast.  clean("OK") raises for the same reason.
@pytest.mark.parametrize("lines", [["OK"], ["Yes"], ["0"], ["a", "b"], ["5", "6"]])
def test_line_features_on_very_short_documents(lines):
    f = line_features(doc_of(*lines))
    assert f.shape == (len(lines), len(LINE_FEATURES))
    assert np.isfinite(f).all()


def test_line_features_short_but_not_tiny_documents():
    for lines in (["abcd"], ["0", "abc"], ["OK", "no"]):
        assert line_features(doc_of(*lines)).shape == (len(lines), len(LINE_FEATURES))


def test_line_features_cached_on_document():
    doc = doc_of("one line", "two lines")
    assert line_features(doc) is line_features(doc)


def test_line_features_do_not_leak_between_lines():
    """A line's own (non-context) features do not depend on which document it is in."""
    own = ["log_chars", "log_words", "alpha", "digit", "upper", "punct", "mean_word_len", "ends_terminal", "log_url", "log_year"]
    a = line_features(doc_of("First line 2020.", "www.example.com"))
    b = line_features(doc_of("www.example.com", "Other text here", "First line 2020."))
    for name in own:
        assert col(a, name)[0] == pytest.approx(col(b, name)[2])
        assert col(a, name)[1] == pytest.approx(col(b, name)[0])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(alphabet="aZ9 .:/#@\u00a9w120-|,;!?\u6f22\U0001f600\t", min_size=1, max_size=40),
                min_size=1, max_size=8), st.integers(1, 50))
def test_char_stats_in_pieces_equal_one_line_at_a_time(lines, chunk):
    """Reading the code points in pieces of any size, cutting lines, words and cues
    anywhere, gives the counts of reading them in one piece."""
    got = _char_stats(CodePoints.of(lines), chunk=chunk)
    for name, expected in _char_stats(CodePoints.of(lines), chunk=10**9).items():
        np.testing.assert_array_equal(got[name], expected, err_msg=name)


def test_char_stats_of_one_long_line_in_pieces():
    line = "Visit www.example.com at 10:30 in 1999, or #news @desk \u00a9 2024. " * 40
    whole = _char_stats(CodePoints.of([line, "tail."]))
    for chunk in (3, 64, 1000):
        pieces = _char_stats(CodePoints.of([line, "tail."]), chunk=chunk)
        assert all(np.array_equal(pieces[k], v) for k, v in whole.items())
    assert whole["url"][0] == 80 and whole["clock"][0] == 40 and whole["year"][0] == 80  # www. and .com


# ------------------------------------------------------------------ windows


def _windows_doc(lengths: list[int]) -> Document:
    lines = ["x" * n for n in lengths]
    return Document(lines, np.zeros(len(lines), dtype=bool), np.arange(len(lines)) * 2)


def _windows(doc: Document, max_chars: int, max_lines: int) -> list[Document]:
    return [doc.window(lo, hi) for lo, hi in doc.window_bounds(max_chars, max_lines)]


def test_windows_of_a_short_document_is_itself():
    doc = _windows_doc([10, 20, 30])
    assert doc.window_bounds(1000, 100) == [(0, 3)]
    whole = doc.window(0, 3)
    assert whole.lines == doc.lines and whole.index.tolist() == doc.index.tolist()
    assert whole.para_break.tolist() == doc.para_break.tolist()
    assert doc.n_chars == 63


def test_a_window_keeps_its_lines_structure():
    doc, _ = structured_doc("<h1>Title</h1><p>One.</p><p>Two.</p><footer>Foot</footer>")
    w = doc.window(1, 3)
    assert w.lines == ["One.", "Two."] and w.index.tolist() == [1, 2]
    assert w.structure == doc.structure[1:3]
    assert doc_of("a", "b").window(0, 1).structure is None


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=1, max_size=40), st.integers(1, 100), st.integers(1, 10))
def test_windows_cover_the_document_in_order_within_their_limits(lengths, max_chars, max_lines):
    doc = _windows_doc(lengths)
    bounds = doc.window_bounds(max_chars, max_lines)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(doc)
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))
    windows = _windows(doc, max_chars, max_lines)
    assert [l for w in windows for l in w.lines] == doc.lines
    assert np.array_equal(np.concatenate([w.index for w in windows]), doc.index)
    for w in windows:
        assert 1 <= len(w) <= max_lines
        assert w.n_chars <= max_chars or len(w) == 1     # only a line too long alone exceeds it
    # Greedy: a window ends only where the next line would break a limit.
    for w, nxt in zip(windows, windows[1:]):
        assert len(w) == max_lines or w.n_chars + len(nxt.lines[0]) + 1 > max_chars


# ------------------------------------------------------------------ hashing


def test_hash_words_unigram_column_is_crc32():
    m = hash_words(["hello"])
    assert m.nnz == 1
    assert m.indices[0] == zlib.crc32(b"hello") % N_WORD_FEATURES
    assert m.data[0] == pytest.approx(1.0)


def test_hash_structure_rows_are_each_strings_own_hashed_words():
    tokens = ["tag=p a=story a=body", "tag=li a=menu", "", "tag=p a=story a=body", "tag=li a=menu a=menu"]
    m = hash_structure(tokens)
    assert m.shape == (5, N_STRUCTURE_FEATURES)
    for k, s in enumerate(tokens):   # the same row as the string hashed on its own
        alone = hash_structure([s])
        assert row(m, k).indices.tolist() == alone.indices.tolist() and row(m, k).data.tolist() == alone.data.tolist()
        assert sorted(row(m, k).indices.tolist()) == sorted({zlib.crc32(w.encode()) % N_STRUCTURE_FEATURES
                                                            for w in s.split()})
    assert row(m, 2).nnz == 0
    col = lambda w: zlib.crc32(w.encode()) % N_STRUCTURE_FEATURES   # noqa: E731
    row4 = dict(zip(row(m, 4).indices.tolist(), row(m, 4).data.tolist()))   # counts, then unit length
    assert row4 == pytest.approx({col("tag=li"): 1 / 5 ** 0.5, col("a=menu"): 2 / 5 ** 0.5})


def test_hash_words_case_and_digit_folding():
    a = hash_words(["Year 2023 Results"]).toarray()
    b = hash_words(["year 1999 results"]).toarray()
    c = hash_words(["year 199 results"]).toarray()
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_hash_words_bigrams_and_order():
    ab, ba = hash_words(["alpha beta"]), hash_words(["beta alpha"])
    assert ab.nnz == 3 and ba.nnz == 3            # two unigrams and one bigram each
    assert set(ab.indices) != set(ba.indices)      # bigrams are ordered
    assert len(set(ab.indices) & set(ba.indices)) == 2


def test_hash_words_rows_l2_normalised_and_empty_rows():
    lines = ["The council voted on Tuesday.", "...", "!!! ---", "word word word word", "\u6771\u4eac \u5929\u6c17"]
    m = hash_words(lines)
    assert isinstance(m, Rows)
    assert m.data.dtype == np.float32 and m.indices.dtype == np.int32 and m.indptr.dtype == np.int64
    nnz = np.diff(m.indptr)
    assert nnz[1] == 0 and nnz[2] == 0
    norms = np.sqrt(np.bincount(m.row_ids(), weights=m.data.astype(np.float64) ** 2, minlength=len(lines)))
    assert norms[[0, 3, 4]] == pytest.approx([1, 1, 1], abs=1e-6)
    assert norms[1] == 0 and norms[2] == 0


def test_hash_words_only_first_1000_chars():
    base = "alpha " * 200  # 1,200 characters
    a, b = hash_words([base + "zeta"]), hash_words([base + "omega"])
    assert same_values(a, b)


def test_hash_words_deterministic_within_and_across_processes():
    lines = ["The Harbour ferry resumes on Monday 2023", "caf\u00e9 \u6771\u4eac \U0001f600", "a b c"]
    first, second = hash_words(lines), hash_words(lines)
    assert same_values(first, second)
    code = ("import json, sys; from boilerstrip.features import hash_words; "
            "m = hash_words(json.loads(sys.argv[1])); "
            "print(json.dumps([m.indptr.tolist(), m.indices.tolist(), m.data.tolist()]))")
    env_out = subprocess.run([sys.executable, "-c", code, json.dumps(lines)], cwd=ROOT, capture_output=True,
                             text=True, check=True, env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin",
                                                         "PYTHONPATH": str(ROOT)}).stdout
    indptr, indices, data = json.loads(env_out)
    assert indptr == first.indptr.tolist()
    assert indices == first.indices.tolist()
    assert data == pytest.approx(first.data.tolist())


def _same_matrix(a: Rows, b: Rows) -> bool:
    return a.shape == b.shape and np.array_equal(a.indptr, b.indptr) and \
        np.array_equal(a.indices, b.indices) and np.array_equal(a.data, b.data)


@pytest.mark.parametrize("lines", [
    ["Ünïcödé Straße 12", "\u0395\u039b\u039b\u0391\u03a3 \u03a3\u039f\u03a6\u0399\u0391"],  # capital sigma
    ["\u0130stanbul \u0130\u015fte", "x_y __init__ \u00bd \u2167 \u0663\u0664"],        # dotted I, numerics
    ["\U0001d400\U0001d401 bold", "\U00010400 deseret \U0001f600 emoji", "\ud800 lone"],  # astral, surrogate
    ["a" * 40 + " " + "\u00e9" * 20 + " " + "\u6771" * 15, "tiny"],                      # words past 32 bytes
    ["x " * 600 + "tail", "k" * 1500, ""],                                                 # past 1,000 characters
    ["line with\nnewline inside", "\u0939\u093f\u0928\u094d\u0926\u0940 \u0627\u0644\u0639\u0631\u0628\u064a\u0629"],
])
def test_hash_words_equals_its_regex_definition(lines):
    assert _same_matrix(hash_words(lines), _hash_words_by_regex(lines))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(max_codepoint=0xFFFF, blacklist_categories=("Cs",)), max_size=80),
                min_size=1, max_size=6))
def test_hash_words_equals_its_regex_definition_on_any_text(lines):
    # BMP text: almost always the vectorised path (the table folds all but two letters)
    assert _same_matrix(hash_words(lines), _hash_words_by_regex(lines))


@pytest.mark.parametrize("text, spaced", [
    ("市议会批准", "市 议 会 批 准"),
    ("GPU芯片股大跌3%", "gpu 芯 片 股 大 跌 0"),
    ("市議会、メインストリート", "市 議 会 メ イ ン ス ト リ ー ト"),
])
def test_hash_words_a_character_of_a_script_without_spaces_is_a_word(text, spaced):
    # Runs of such characters are whole clauses, which two lines of one story never
    # share; a word per character (as the benchmark tokenises them) makes them comparable.
    for fn in (hash_words, _hash_words_by_regex):
        assert same_values(fn([text]), hash_words([spaced]))


def test_crc32_many_equals_zlib():
    rng = np.random.default_rng(0)
    buf = rng.integers(0, 256, 500, dtype=np.uint8)
    start = rng.integers(0, 400, 60)
    length = np.concatenate([rng.integers(1, 12, 50), rng.integers(30, 100, 10)])
    expected = [zlib.crc32(buf[s:s + n].tobytes()) for s, n in zip(start, length)]
    assert _crc32_many(buf, start, length).tolist() == expected


def test_word_features_cached_and_equal_to_hash_words():
    doc = doc_of("alpha beta", "gamma")
    assert word_features(doc) is word_features(doc)
    assert doc.cache.words is word_features(doc)
    assert _same_matrix(word_features(doc), hash_words(["alpha beta", "gamma"]))


def test_code_points_shared_then_released():
    doc = doc_of("alpha beta", "gamma \u6771\u4eac")
    assert isinstance(doc.cache, FeatureCache) and doc.cache.code_points is None
    line_features(doc)
    cps = doc.cache.code_points        # kept for the word hashes still to come
    assert cps is not None
    assert cps.cps.tolist() == [ord(c) for c in "alpha beta\ngamma \u6771\u4eac"]
    assert cps.starts.tolist() == [0, 11] and cps.lengths.tolist() == [10, 8]
    word_features(doc)
    assert doc.cache.code_points is None   # both features cached: the array is dropped
    assert doc.cache.shape is not None and doc.cache.words is not None


def test_with_words_gives_a_document_with_other_words_and_leaves_itself_alone():
    doc = doc_of("alpha beta", "gamma delta")
    shape, words = line_features(doc), word_features(doc)
    kept = Rows(words.data.copy(), words.indices.copy(), words.indptr.copy(), words.n_cols)
    other = hash_words(["one two", "three"])
    moved = doc.with_words(other)
    assert word_features(moved) is other and line_features(moved) is shape
    assert moved.lines == doc.lines and moved.cache is not doc.cache
    assert word_features(doc) is words and _same_matrix(words, kept)


# ------------------------------------------------------------------ _main_block


@pytest.mark.parametrize("p,expected", [
    ([0.1, 0.1, 0.9, 0.9, 0.9, 0.1], (2, 5)),
    ([0.9, 0.9, 0.9], (0, 3)),
    ([0.9], (0, 1)),
    ([0.9, 0.9, 0.4, 0.9, 0.9], (0, 5)),                           # a small dip is bridged
    ([0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9], (6, 9)),       # a deep gap is not; the heavier block wins
    ([0.1, 0.3, 0.2], (1, 2)),                                     # nothing is body: the least bad line
])
def test_main_block_hand_made(p, expected):
    assert _main_block(np.array(p)) == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_main_block_is_a_maximum_sum_run(p):
    arr = np.array(p)
    lo, hi = _main_block(arr)
    assert 0 <= lo < hi <= len(p)
    best = max((arr[i:j] - 0.5).sum() for i in range(len(p)) for j in range(i + 1, len(p) + 1))
    assert (arr[lo:hi] - 0.5).sum() == pytest.approx(best, abs=1e-9)


# ------------------------------------------------------------------ context features


HARBOUR = [
    "The harbour ferry to the island will resume its crossings on Monday after repairs.",
    "Ferry crossings between the harbour and the island were halted when the ferry failed an inspection.",
    "Island residents waited weeks for the harbour ferry and its crossings to return.",
    "The ferry operator said the harbour terminal on the island is ready for crossings.",
    "Repairs to the ferry engines were finished in the harbour dry dock this week.",
    "Season tickets for island ferry crossings from the harbour will be extended.",
]
CHIPS = [
    "Semiconductor shares fell after the chip maker cut its revenue forecast.",
    "Demand for memory chips in phones and computers weakened, the semiconductor company said.",
    "Analysts expect chip prices to stay low while semiconductor inventories remain high.",
    "The chip maker plans to reduce wafer output at two semiconductor fabs.",
]


def test_topic_sim_higher_for_the_main_story():
    doc = doc_of(*HARBOUR, *CHIPS)
    c = context_features(doc, flat_proba(len(doc)), ONES_IDF)
    sim = ctx_col(c, "topic_sim")
    assert sim[:6].min() > sim[6:].max()
    assert sim[:6].mean() > 2 * sim[6:].mean()
    assert ((sim >= 0) & (sim <= 1)).all()


def _with_headlines(*sections):
    """Lines and first-pass probabilities: each section is a headline (title-like) and body lines."""
    lines, proba = [], []
    for head, body in sections:
        lines.append(head)
        proba.append([0.05, 0.9, 0.05])
        lines += body
        proba += [[0.9, 0.05, 0.05]] * len(body)
    return doc_of(*lines), np.array(proba)


def test_continuity_separates_a_section_from_an_appended_story():
    doc, proba = _with_headlines(("Harbour ferry returns to the island", HARBOUR[:3]),
                                 ("Ferry repairs in the harbour", HARBOUR[3:]),
                                 ("Chip maker cuts forecast", CHIPS))
    c = context_features(doc, proba, ONES_IDF)
    sim_prev, min_cont = ctx_col(c, "seg_sim_prev"), ctx_col(c, "seg_min_cont")
    story = slice(0, 4), slice(4, 8), slice(9, 12)  # first section, its sequel, the chip story's body
    assert (sim_prev[story[0]] == 1.0).all()                 # nothing before the first section
    assert sim_prev[story[1]].min() > sim_prev[story[2]].max() + 0.2
    assert min_cont[story[2]].max() <= sim_prev[story[2]].max()
    title_sim = ctx_col(c, "seg_sim_title")
    assert title_sim[story[1]].min() > title_sim[story[2]].max()
    line_title = ctx_col(c, "title_sim")
    assert line_title[0] == pytest.approx(1.0, abs=1e-6)     # the title line itself
    assert line_title[story[2]].max() < 0.1


def test_continuity_never_rises_after_a_break():
    doc, proba = _with_headlines(("Harbour ferry returns", HARBOUR[:3]), ("Chip maker cuts forecast", CHIPS),
                                 ("Ferry repairs", HARBOUR[3:]))
    min_cont = ctx_col(context_features(doc, proba, ONES_IDF), "seg_min_cont")
    assert (np.diff(min_cont) <= 1e-6).all()
    assert min_cont[-1] < 0.5


def test_article_fit_compares_each_section_with_the_article_alone():
    # Article, an appended story, then a section that returns to the article: the
    # appended story does not join the article, and the returning section fits it
    # again (unlike the running minimum of seg_min_cont, which stays low).
    doc, proba = _with_headlines(("Harbour ferry returns to the island", HARBOUR[:3]),
                                 ("Chip maker cuts forecast", CHIPS),
                                 ("Ferry repairs in the harbour", HARBOUR[3:]))
    c = context_features(doc, proba, _common_words_idf())
    sim, joined = ctx_col(c, "article_sim"), ctx_col(c, "article_joined")
    first, chips, back = slice(0, 4), slice(5, 8), slice(9, len(doc))
    assert (sim[first] == 1.0).all() and (joined[first] == 1.0).all()
    assert (joined[chips] == 0.0).all() and (joined[back] == 1.0).all()
    assert sim[back].min() > sim[chips].max() + ARTICLE_JOIN
    share = ctx_col(c, "line_article_share")
    assert (share[first] == 1.0).all() and share[back].min() > share[chips].max() + 0.2
    assert ((sim >= 0.0) & (sim <= 1.0 + 1e-6)).all()


def test_article_fit_counts_a_word_once_per_section():
    # A section's fit is the cosine of word-presence vectors: its distinct words (each at
    # its squared weight) shared with the article's, however often either says them.
    from boilerstrip.features.context import _word_weights

    doc, proba = _with_headlines(("Harbour ferry returns", HARBOUR[:3]), ("Chip maker cuts forecast", CHIPS + CHIPS[:2]))
    idf = _common_words_idf()
    sim = ctx_col(context_features(doc, proba, idf), "article_sim")
    words, w = word_features(doc), _word_weights(doc, idf)
    weight = {}
    for i in range(len(doc)):
        a, b = words.indptr[i], words.indptr[i + 1]
        weight.update(zip(words.indices[a:b].tolist(), (w[a:b] ** 2).tolist()))
    def vocabulary(rows):
        return {c for i in rows for c in words.indices[words.indptr[i]:words.indptr[i + 1]].tolist()}
    article, chips = vocabulary(range(1, 4)), vocabulary(range(5, len(doc)))   # body lines only
    expected = sum(weight[c] for c in article & chips) / np.sqrt(
        sum(weight[c] for c in article) * sum(weight[c] for c in chips))
    assert sim[-1] == pytest.approx(expected, rel=1e-5)


MENSAJERIA = [
    "Los reguladores ordenaron el martes a los servicios de mensajería responder a las denuncias de acoso en un día.",
    "La norma obliga a las plataformas de mensajería a publicar cuántas denuncias de acoso reciben y cuándo las atienden.",
    "Las asociaciones de víctimas de acoso celebraron la decisión de los reguladores sobre la mensajería.",
    "Las plataformas de mensajería cifrada dicen que el plazo de un día para las denuncias es imposible.",
]
CHIPS_ES = [
    "Las acciones del fabricante de chips cayeron un doce por ciento en la sesión de la tarde.",
    "La empresa de semiconductores recortó la previsión de ventas de chips para el trimestre.",
    "Los analistas esperan que los precios de los chips sigan bajos durante el año.",
]


def test_word_weights_discount_the_words_of_many_lines_in_an_unknown_language():
    from boilerstrip.features.context import _word_weights

    doc = doc_of("el faro rojo", "el puerto viejo", "el barco azul", "el muelle largo")
    words = word_features(doc)
    el = words.indices == zlib.crc32(b"el") % N_WORD_FEATURES
    faro = words.indices == zlib.crc32(b"faro") % N_WORD_FEATURES
    # A corpus IDF that calls no word common: words are weighted within the document too.
    w = _word_weights(doc, 10 * ONES_IDF)
    assert w.shape == words.indices.shape
    assert (w[faro] == 10.0).all()                 # a word of one line keeps its corpus IDF
    assert (w[el] < 6.0).all()                     # a word of every line: a function word
    # A corpus IDF that knows the language (many common words): its IDF is used as it is.
    assert (_word_weights(doc, ONES_IDF) == 1.0).all()


def test_known_language_is_the_share_of_common_words_and_a_context_column():
    from boilerstrip.features.context import COMMON_WORD_IDF, KNOWN_LANGUAGE_SHARE, _known_language

    doc = doc_of("el faro rojo brilla", "un puerto viejo duerme", "mi barco azul navega", "tu muelle largo espera")
    cols = word_features(doc).indices
    el = cols == zlib.crc32(b"el") % N_WORD_FEATURES
    idf = 10 * ONES_IDF
    assert _known_language(doc, idf) == 0.0                       # no word is common
    idf_el = idf.copy()
    idf_el[cols[el]] = COMMON_WORD_IDF - 1                         # only "el" is common
    expected = min(1.0, el.mean() / KNOWN_LANGUAGE_SHARE)
    assert 0.0 < expected < 1.0 and _known_language(doc, idf_el) == pytest.approx(expected)
    assert _known_language(doc, ONES_IDF) == 1.0                  # every word is common
    assert _known_language(doc_of("... !!!", "---"), idf) == 1.0  # no words: nothing to doubt
    proba = np.tile([0.6, 0.1, 0.3], (len(doc), 1))
    column = ctx_col(context_features(doc, proba, idf_el), "known_language")
    assert column == pytest.approx(np.full(len(doc), expected), rel=1e-6)


def test_article_fit_separates_stories_better_where_the_idf_knows_no_word():
    # An article in two sections, then an unrelated story; Spanish, whose function words
    # (de, la, los, las, el) are on most lines.  With a corpus IDF that calls every word
    # common (trusted as it is), they tie the stories together; with one that calls none
    # common (a language the corpus does not have), they weigh little within the
    # document, and the story comes apart from the article more clearly.
    doc, proba = _with_headlines(("Nuevas reglas para la mensajería", MENSAJERIA[:2]),
                                 ("Las víctimas celebran", MENSAJERIA[2:]),
                                 ("Caen las acciones de chips", CHIPS_ES))
    sequel, chips = slice(3, 6), slice(7, len(doc))
    contrast = {}
    for name, idf in (("trusted", ONES_IDF), ("unknown", 10 * ONES_IDF)):
        sim = ctx_col(context_features(doc, proba, idf), "article_sim")
        contrast[name] = sim[sequel].min() / sim[chips].max()
        assert sim[sequel].min() > sim[chips].max()
    assert contrast["unknown"] > 1.15 * contrast["trusted"]


def _common_words_idf() -> np.ndarray:
    """An IDF like a corpus gives: function words weigh little, other words much more."""
    idf = np.full(N_WORD_FEATURES, 10.0, dtype=np.float32)
    for word in "the to of and a in its is on for after will were when at from this with said while".split():
        idf[zlib.crc32(word.encode()) % N_WORD_FEATURES] = 1.0
    return idf


def test_story_flow_breaks_where_an_unrelated_story_begins_without_a_headline():
    doc = doc_of(*HARBOUR, *CHIPS)   # no title-like line: only the words tell
    c = context_features(doc, flat_proba(len(doc)), _common_words_idf())
    sim, low = ctx_col(c, "story_sim"), ctx_col(c, "story_min")
    assert sim[6] < 0.02 and sim[6] == sim.min()               # the chip story starts at line 6
    assert sim[1:6].min() > 0.1                                # the harbour story carries on
    assert (np.diff(low) <= 1e-6).all() and low[6:].max() < 0.02 and low[:6].min() > 0.1
    # ...and the break starts a segment of its own, unlike the same lines in one story
    first = ctx_col(c, "seg_is_first")
    assert first[:6].min() == 1 and first[6:].max() == 0
    whole = context_features(doc_of(*HARBOUR, *HARBOUR), flat_proba(12), _common_words_idf())
    assert (ctx_col(whole, "seg_is_first") == 1).all() and ctx_col(whole, "story_min").min() > 0.1


def test_story_flow_matches_the_direct_computation():
    from boilerstrip.features.context import STORY_WINDOW, _story_flow, _topic_vectors

    doc = doc_of(*HARBOUR[:3], "Menu", *CHIPS, *HARBOUR[3:])
    weight = np.random.default_rng(0).uniform(0, 6, len(doc))
    sim, low = _story_flow(doc, ONES_IDF, weight)
    row, col, val = _topic_vectors(doc, ONES_IDF)
    x = np.zeros((len(doc), int(col.max()) + 1))
    np.add.at(x, (row, col), val)
    x *= weight[:, None]
    for i in range(len(doc)):
        story, ahead = x[:i].sum(axis=0), x[i:i + STORY_WINDOW].sum(axis=0)
        if story @ story >= 9 and ahead @ ahead >= 9:
            expected = np.clip(story @ ahead / np.sqrt((story @ story) * (ahead @ ahead)), 0, 1)
        else:
            expected = 1.0
        assert sim[i] == pytest.approx(expected, abs=1e-9)
    assert low == pytest.approx(np.minimum.accumulate(sim))


def test_title_features_zero_without_a_title_like_line():
    doc = doc_of(*HARBOUR, *CHIPS)
    c = context_features(doc, flat_proba(len(doc)), ONES_IDF)
    assert (ctx_col(c, "seg_sim_title") == 0).all() and (ctx_col(c, "title_sim") == 0).all()


def test_topic_sim_zero_for_lines_without_words():
    doc = doc_of(*HARBOUR[:3], "---", *HARBOUR[3:])
    sim = ctx_col(context_features(doc, flat_proba(len(doc)), ONES_IDF), "topic_sim")
    assert sim[3] == 0
    assert (sim[[0, 1, 2, 4, 5, 6]] > 0).all()


def test_context_first_pass_neighbours():
    doc = doc_of(*[f"line {k}" for k in range(5)])
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    proba = np.column_stack([p, 1 - p, np.zeros(5)])
    c = context_features(doc, proba, ONES_IDF)
    assert ctx_col(c, "p_body+0") == pytest.approx(p)
    assert ctx_col(c, "p_body-1") == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])
    assert ctx_col(c, "p_body+1") == pytest.approx([0.2, 0.3, 0.4, 0.5, 0])
    assert ctx_col(c, "p_title+0") == pytest.approx(1 - p)
    assert ctx_col(c, "doc_mean_p") == pytest.approx([0.3] * 5)


def test_context_in_main_marks_the_main_block():
    doc = doc_of(*[f"line number {k}" for k in range(6)])
    p = np.array([0.1, 0.1, 0.9, 0.9, 0.9, 0.1])
    proba = np.column_stack([p, np.zeros(6), 1 - p])
    c = context_features(doc, proba, ONES_IDF)
    assert ctx_col(c, "in_main").tolist() == [0, 0, 1, 1, 1, 0]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=40).filter(str.strip), min_size=1, max_size=12), st.data())
def test_context_features_finite_for_any_proba(lines, data):
    doc = Document([l.strip() for l in lines], np.zeros(len(lines), dtype=bool), np.arange(len(lines)))
    assume(len("\n".join(doc.lines)) >= 4)  # shorter documents: see test_line_features_on_very_short_documents
    raw = np.array(data.draw(st.lists(st.tuples(*[st.floats(0.001, 1)] * 3), min_size=len(lines), max_size=len(lines))))
    proba = raw / raw.sum(axis=1, keepdims=True)
    c = context_features(doc, proba, ONES_IDF)
    assert c.shape == (len(lines), len(CONTEXT_FEATURES))
    assert np.isfinite(c).all()
    assert np.isfinite(line_features(doc)).all()


def test_context_features_do_not_modify_cached_word_features():
    # two words whose hashed columns differ but coincide once folded to 2**14 columns
    seen, pair = {}, None
    for k in range(100_000):
        word = "w" + "".join(chr(97 + (k // 26 ** j) % 26) for j in range(4))  # letters only (digits fold to 0)
        column = zlib.crc32(word.encode()) % N_WORD_FEATURES
        folded = column % (2 ** 14)
        if folded in seen and seen[folded][1] != column:
            pair = (seen[folded][0], word)
            break
        seen[folded] = (word, column)
    assert pair is not None
    doc = doc_of(*HARBOUR[:3], f"{pair[0]} and {pair[1]} together", *CHIPS)
    words = word_features(doc)
    before = Rows(words.data.copy(), words.indices.copy(), words.indptr.copy(), words.n_cols)
    context_features(doc, flat_proba(len(doc)), ONES_IDF)
    after = word_features(doc)
    assert _same_matrix(after, before)
    assert _same_matrix(after, hash_words(doc.lines))


def test_context_features_are_a_function_of_their_inputs():
    a = context_features(doc_of(*HARBOUR, *CHIPS), flat_proba(10), ONES_IDF)
    b = context_features(doc_of(*HARBOUR, *CHIPS), flat_proba(10), ONES_IDF)
    np.testing.assert_array_equal(a, b)


def test_context_features_reuse_topic_vectors_only_for_the_same_idf():
    doc, proba = doc_of(*HARBOUR, *CHIPS), flat_proba(10)
    first = context_features(doc, proba, ONES_IDF)
    np.testing.assert_array_equal(context_features(doc, proba, ONES_IDF), first)  # cached vectors
    other_idf = ONES_IDF.copy()
    other_idf[word_features(doc).indices[:3]] = 5.0  # reweight a few words of the first line
    fresh = context_features(doc_of(*HARBOUR, *CHIPS), proba, other_idf)
    np.testing.assert_array_equal(context_features(doc, proba, other_idf), fresh)
    assert not np.array_equal(fresh, first)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["ferry harbour", "council vote", "chip maker shares", "the ferry",
                                           "shares fell", "...", "vote on the harbour plan"]),
                          st.integers(0, 2), st.sampled_from([0.0, 0.3, 1.0])), min_size=1, max_size=25))
def test_segment_entries_are_the_sorted_sums_of_their_lines_entries(rows):
    from boilerstrip.features.context import _segment_entries, _sum_entries, _topic_vectors
    doc = doc_of(*[text for text, _, _ in rows])
    seg = np.cumsum([step for _, step, _ in rows])   # runs of consecutive lines
    weight = np.array([w for _, _, w in rows])
    row, col, val = _topic_vectors(doc, ONES_IDF)
    expected = _sum_entries(seg[row], col, weight[row] * val)
    got = _segment_entries(doc, ONES_IDF, seg, weight)
    for e, g in zip(expected, got):
        assert g.tolist() == e.tolist()   # the same entries, in the same order, the same sums


# ------------------------------------------------------------------ Rows


def _sparse_dense(rng: np.random.Generator, n_rows: int, n_cols: int, density: float = 0.3) -> np.ndarray:
    """A dense float32-valued matrix with some empty rows and many zeros."""
    a = rng.normal(size=(n_rows, n_cols)).astype(np.float32).astype(np.float64)
    a[rng.random((n_rows, n_cols)) > density] = 0.0
    if n_rows > 2:
        a[1] = 0.0   # an empty row
    return a


dense_matrices = st.integers(0, 2 ** 32 - 1).flatmap(
    lambda seed: st.tuples(st.just(seed), st.integers(0, 9), st.integers(1, 12), st.floats(0.0, 1.0)))


def _rows_of(spec) -> tuple[np.ndarray, Rows]:
    seed, n_rows, n_cols, density = spec
    a = _sparse_dense(np.random.default_rng(seed), n_rows, n_cols, density)
    return a, Rows.from_dense(a)


def _valid_csr(m: Rows) -> None:
    n_rows, n_cols = m.shape
    assert m.indptr[0] == 0 and m.indptr[-1] == m.nnz == len(m.indices)
    assert (np.diff(m.indptr) >= 0).all()
    assert ((m.indices >= 0) & (m.indices < n_cols)).all()
    for i in range(n_rows):   # each row's columns sorted and distinct
        cols = m.indices[m.indptr[i]:m.indptr[i + 1]]
        assert (np.diff(cols) > 0).all()


def test_rows_from_dense_round_trips_and_is_csr():
    a = _sparse_dense(np.random.default_rng(1), 6, 9)
    m = Rows.from_dense(a)
    _valid_csr(m)
    assert m.shape == (6, 9) and m.nnz == np.count_nonzero(a)
    assert m.data.dtype == np.float32 and m.indices.dtype == np.int32 and m.indptr.dtype == np.int64
    assert np.array_equal(m.toarray(), a)
    assert m.row_ids().tolist() == np.nonzero(a)[0].tolist()


@settings(max_examples=60, deadline=None)
@given(dense_matrices, st.integers(1, 4))
def test_rows_dot_equals_the_dense_product(spec, k):
    a, m = _rows_of(spec)
    w = np.random.default_rng(spec[0] + 1).normal(size=(a.shape[1], k))
    got = m.dot(w)
    assert got.shape == (a.shape[0], k)
    np.testing.assert_allclose(got, a @ w, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dense", [np.array([[0.0, 2.0], [1.0, 0.0]]), np.zeros((2, 2)), np.zeros((0, 2))])
def test_rows_dot_is_float64_as_documented(dense):
    got = Rows.from_dense(dense).dot(np.ones((2, 3)))
    assert got.shape == (len(dense), 3)
    assert got.dtype == np.float64


def test_rows_dot_adds_each_rows_entries_in_order_as_a_csr_product():
    # The model's first pass relies on this: the same sums, to the last bit, as the
    # scipy.sparse product the weights were trained with.
    scipy_sparse = pytest.importorskip("scipy.sparse")
    a = _sparse_dense(np.random.default_rng(2), 40, 300, density=0.2)
    m = Rows.from_dense(a)
    w = np.random.default_rng(3).normal(size=(300, 3))
    assert isinstance(m.to_scipy(), scipy_sparse.csr_matrix)
    assert np.array_equal(m.dot(w), m.to_scipy() @ w)
    assert np.array_equal(m.to_scipy().toarray(), a)


def test_rows_dot_with_words_of_real_lines():
    words = hash_words(["The council voted on Tuesday.", "...", "Share this story", "the council"])
    w = np.random.default_rng(0).normal(size=(N_WORD_FEATURES, 3))
    got = words.dot(w)
    expected = np.array([[sum(float(v) * w[c, j] for c, v in zip(row(words, i).indices, row(words, i).data))
                          for j in range(3)] for i in range(4)])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert (got[1] == 0).all()


@settings(max_examples=60, deadline=None)
@given(dense_matrices, st.data())
def test_rows_take_picks_rows_in_order_with_repeats(spec, data):
    a, m = _rows_of(spec)
    picks = np.array(data.draw(st.lists(st.integers(0, max(a.shape[0] - 1, 0)), max_size=12)
                               if a.shape[0] else st.just([])), dtype=np.int64)
    got = m.take(picks)
    _valid_csr(got)
    assert got.shape == (len(picks), a.shape[1])
    assert np.array_equal(got.toarray(), a[picks] if len(picks) else np.zeros((0, a.shape[1])))
    assert got.data.dtype == np.float32 and got.indices.dtype == np.int32


def test_rows_take_does_not_share_or_change_the_original():
    a = _sparse_dense(np.random.default_rng(4), 5, 7)
    m = Rows.from_dense(a)
    got = m.take(np.array([3, 0, 3]))
    got.data[:] = 99.0
    assert np.array_equal(m.toarray(), a)


@settings(max_examples=40, deadline=None)
@given(st.lists(dense_matrices, max_size=4), st.integers(1, 12))
def test_rows_vstack_equals_stacking_the_dense_rows(specs, n_cols):
    parts = [Rows.from_dense(_sparse_dense(np.random.default_rng(seed), n, n_cols, d)) for seed, n, _, d in specs]
    got = Rows.vstack(parts, n_cols)
    _valid_csr(got)
    assert got.shape == (sum(p.shape[0] for p in parts), n_cols)
    expected = np.vstack([p.toarray() for p in parts]) if parts else np.zeros((0, n_cols))
    assert np.array_equal(got.toarray(), expected)


def test_rows_vstack_of_nothing_has_the_given_columns():
    assert Rows.vstack([], 17).shape == (0, 17)
    assert Rows.vstack([]).shape == (0, 0)
    one = Rows.from_dense(np.array([[0.0, 1.5]]))
    assert Rows.vstack([one]).toarray().tolist() == [[0.0, 1.5]]


@settings(max_examples=60, deadline=None)
@given(dense_matrices, st.data())
def test_rows_with_columns_moves_the_chosen_rows_entries(spec, data):
    a, m = _rows_of(spec)
    n_rows, n_cols = a.shape
    perm = np.random.default_rng(spec[0] + 2).permutation(n_cols)
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=n_rows, max_size=n_rows)), dtype=bool)
    for rows in (mask, None):
        got = m.with_columns(perm, rows=rows)
        _valid_csr(got)
        hit = np.ones(n_rows, dtype=bool) if rows is None else rows
        expected = a.copy()
        expected[hit] = 0.0
        expected[np.ix_(hit, perm)] = a[hit]   # column c moves to perm[c]
        assert np.array_equal(got.toarray(), expected)
    assert np.array_equal(m.toarray(), a)      # the original is left as it was


def test_rows_with_columns_of_hashed_words_keeps_each_rows_values():
    words = hash_words(["alpha beta gamma", "delta epsilon", "zeta"])
    before = Rows(words.data.copy(), words.indices.copy(), words.indptr.copy(), words.n_cols)
    perm = np.random.default_rng(1).permutation(N_WORD_FEATURES)
    moved = words.with_columns(perm, rows=np.array([False, True, False]))
    assert _same_matrix(row(moved, 0), row(words, 0)) and _same_matrix(row(moved, 2), row(words, 2))
    assert sorted(row(moved, 1).data.tolist()) == sorted(row(words, 1).data.tolist())
    assert sorted(row(moved, 1).indices.tolist()) == sorted(perm[row(words, 1).indices].tolist())
    assert _same_matrix(words, before)


@pytest.mark.parametrize("n_rows", [0, 1, 4])
def test_empty_rows(n_rows):
    m = Rows.empty(n_rows, 6)
    _valid_csr(m)
    assert m.shape == (n_rows, 6) and m.nnz == 0
    assert m.toarray().shape == (n_rows, 6) and not m.toarray().any()
    d = m.dot(np.ones((6, 3)))
    assert d.shape == (n_rows, 3) and not d.any()
    assert m.take(np.zeros(0, dtype=np.int64)).shape == (0, 6)
    if n_rows:
        assert m.take(np.array([n_rows - 1, 0])).shape == (2, 6)
    assert m.with_columns(np.arange(6)[::-1]).shape == (n_rows, 6)
    assert Rows.vstack([m, m]).shape == (2 * n_rows, 6)
    assert Rows.from_dense(np.zeros((n_rows, 6))).shape == (n_rows, 6)


# ------------------------------------------------------------------ LineStructure


def test_line_structure_defaults_and_row_layout():
    assert LineStructure() == LineStructure("", False, 0.0, 0, False, "")
    s = LineStructure("p", True, 0.33333, 7, True, "story body")
    assert s.to_row() == ["p", 1, 0.333, 7, 1, "story body"]
    assert [type(v) for v in s.to_row()] == [str, int, float, int, int, str]


@settings(max_examples=100, deadline=None)
@given(st.builds(LineStructure, st.text(max_size=8), st.booleans(), st.integers(0, 1000).map(lambda k: k / 1000),
                 st.integers(0, 60), st.booleans(), st.text(max_size=30)))
def test_line_structure_round_trips_through_a_json_row(s):
    back = LineStructure.from_row(json.loads(json.dumps(s.to_row())))
    assert back == s
    assert [type(v) for v in back] == [str, bool, float, int, bool, str]


def test_line_structure_from_row_rounds_link_share_and_types_a_records_row():
    s = LineStructure("li", False, 2 / 3, 4, True, "menu")
    assert LineStructure.from_row(s.to_row()) == s._replace(link_share=0.667)
    row_ = ["h1", 1, 0.5, 3, 0, "title"]   # as a corpus record stores it
    assert LineStructure.from_row(row_) == LineStructure("h1", True, 0.5, 3, False, "title")
    assert LineStructure.from_row(row_).to_row() == row_
    with pytest.raises(ValueError):
        LineStructure.from_row(["p", 0, 0.0, 1, 0])   # a short row is not a structure


def test_rendered_html_structure_round_trips():
    _, rendered = structured_doc("<nav class='menu'><a href='/'>Home</a></nav><h1>Title</h1>"
                                 "<div id='story'><p>Body <a href='/x'>text</a> here.</p></div>")
    for line in rendered:
        s = line.structure
        assert LineStructure.from_row(json.loads(json.dumps(s.to_row()))) == s._replace(
            link_share=round(s.link_share, 3))


# ------------------------------------------------------------------ schema


def test_schema_names_the_version_and_hashes_the_description():
    import hashlib

    description = schema_description()
    assert description["version"] == SCHEMA_VERSION
    assert description["line_features"] == list(LINE_FEATURES)
    assert description["context_features"] == list(CONTEXT_FEATURES)
    assert description["word_features"] == N_WORD_FEATURES
    assert description["structure_features"] == N_STRUCTURE_FEATURES
    digest = hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()[:12]
    assert SCHEMA == f"{SCHEMA_VERSION}-{digest}"


def test_schema_is_the_same_in_another_process():
    code = "from boilerstrip.features import SCHEMA; print(SCHEMA)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "7", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}).stdout
    assert out.strip() == SCHEMA
