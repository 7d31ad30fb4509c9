"""Stage 2: Document, line_features, hash_words/lexical_features, dom/context features, _main_block."""

from __future__ import annotations

import json
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from scipy import sparse

from boilerstrip.features import (ARTICLE_JOIN, CONTEXT_FEATURES, LINE_FEATURES, N_DOM_FEATURES, N_WORD_FEATURES, CodePoints,
                                  Document, _char_stats, _crc32_many, _hash_words_by_regex, _main_block,
                                  context_features,
                                  dom_features, hash_dom, hash_words, lexical_features, line_features)
from boilerstrip.html import render_html
from boilerstrip.text import split_lines

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
    assert doc.dom is None
    assert len(doc) == 3


def test_document_from_html_lines():
    rendered = render_html("<nav><a href='/'>Home</a></nav><h1>Title</h1><p>Body text here.</p>")
    doc = Document.from_html_lines(rendered)
    assert doc.lines == ["Home", "Title", "Body text here."]
    assert doc.index.tolist() == [0, 1, 2]
    assert doc.dom == rendered
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
    w = lexical_features(doc)
    assert w.shape == (n, N_WORD_FEATURES)
    d = dom_features(doc)
    assert d.shape == (n, N_DOM_FEATURES) and d.nnz == 0
    c = context_features(doc, flat_proba(n), ONES_IDF)
    assert c.shape == (n, len(CONTEXT_FEATURES)) and c.dtype == np.float32
    assert np.isfinite(f).all() and np.isfinite(c).all()


def test_empty_document_shapes():
    doc = Document([], np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64))
    assert line_features(doc).shape == (0, len(LINE_FEATURES))
    assert context_features(doc, np.zeros((0, 3)), ONES_IDF).shape == (0, len(CONTEXT_FEATURES))


def test_dom_features_for_html_input():
    doc = Document.from_html_lines(render_html("<div class='story'><p>Text one.</p></div><footer>Foot</footer>"))
    d = dom_features(doc)
    assert d.shape == (2, N_DOM_FEATURES)
    assert (np.diff(d.indptr) > 0).all()
    assert (d[0] != d[1]).nnz > 0


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


def test_windows_of_a_short_document_is_itself():
    doc = _windows_doc([10, 20, 30])
    assert doc.windows(1000, 100) == [doc]
    assert doc.n_chars == 63


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=1, max_size=40), st.integers(1, 100), st.integers(1, 10))
def test_windows_cover_the_document_in_order_within_their_limits(lengths, max_chars, max_lines):
    doc = _windows_doc(lengths)
    windows = doc.windows(max_chars, max_lines)
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


def test_hash_dom_rows_are_each_strings_own_hashed_words():
    tokens = ["tag=p a=story a=body", "tag=li a=menu", "", "tag=p a=story a=body", "tag=li a=menu a=menu"]
    m = hash_dom(tokens)
    assert m.shape == (5, N_DOM_FEATURES)
    for k, s in enumerate(tokens):   # the same row as the string hashed on its own
        alone = hash_dom([s])
        assert m[k].indices.tolist() == alone.indices.tolist() and m[k].data.tolist() == alone.data.tolist()
        assert sorted(m[k].indices.tolist()) == sorted({zlib.crc32(w.encode()) % N_DOM_FEATURES for w in s.split()})
    assert m[2].nnz == 0
    col = lambda w: zlib.crc32(w.encode()) % N_DOM_FEATURES   # noqa: E731
    row4 = dict(zip(m[4].indices.tolist(), m[4].data.tolist()))   # counts, then unit length
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
    assert isinstance(m, sparse.csr_matrix)
    nnz = np.diff(m.indptr)
    assert nnz[1] == 0 and nnz[2] == 0
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    assert norms[[0, 3, 4]] == pytest.approx([1, 1, 1], abs=1e-6)
    assert norms[1] == 0 and norms[2] == 0


def test_hash_words_only_first_1000_chars():
    base = "alpha " * 200  # 1,200 characters
    a, b = hash_words([base + "zeta"]), hash_words([base + "omega"])
    assert (a != b).nnz == 0


def test_hash_words_deterministic_within_and_across_processes():
    lines = ["The Harbour ferry resumes on Monday 2023", "caf\u00e9 \u6771\u4eac \U0001f600", "a b c"]
    first, second = hash_words(lines), hash_words(lines)
    assert (first != second).nnz == 0
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


def _same_matrix(a: sparse.csr_matrix, b: sparse.csr_matrix) -> bool:
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
        assert (fn([text]) != hash_words([spaced])).nnz == 0


def test_crc32_many_equals_zlib():
    rng = np.random.default_rng(0)
    buf = rng.integers(0, 256, 500, dtype=np.uint8)
    start = rng.integers(0, 400, 60)
    length = np.concatenate([rng.integers(1, 12, 50), rng.integers(30, 100, 10)])
    expected = [zlib.crc32(buf[s:s + n].tobytes()) for s, n in zip(start, length)]
    assert _crc32_many(buf, start, length).tolist() == expected


def test_lexical_features_cached_and_equal_to_hash_words():
    doc = doc_of("alpha beta", "gamma")
    assert lexical_features(doc) is lexical_features(doc)
    assert (lexical_features(doc) != hash_words(["alpha beta", "gamma"])).nnz == 0


def test_code_points_shared_then_released():
    doc = doc_of("alpha beta", "gamma \u6771\u4eac")
    line_features(doc)
    assert "cps" in doc.cache          # kept for the word hashes still to come
    cps = doc.cache["cps"]
    assert cps.cps.tolist() == [ord(c) for c in "alpha beta\ngamma \u6771\u4eac"]
    assert cps.starts.tolist() == [0, 11] and cps.lengths.tolist() == [10, 8]
    lexical_features(doc)
    assert "cps" not in doc.cache      # both features cached: the array is dropped


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
    from boilerstrip.features import _word_weights

    doc, proba = _with_headlines(("Harbour ferry returns", HARBOUR[:3]), ("Chip maker cuts forecast", CHIPS + CHIPS[:2]))
    idf = _common_words_idf()
    sim = ctx_col(context_features(doc, proba, idf), "article_sim")
    words, w = lexical_features(doc), _word_weights(doc, idf)
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
    from boilerstrip.features import _word_weights

    doc = doc_of("el faro rojo", "el puerto viejo", "el barco azul", "el muelle largo")
    words = lexical_features(doc)
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
    from boilerstrip.features import COMMON_WORD_IDF, KNOWN_LANGUAGE_SHARE, _known_language

    doc = doc_of("el faro rojo brilla", "un puerto viejo duerme", "mi barco azul navega", "tu muelle largo espera")
    cols = lexical_features(doc).indices
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
    from boilerstrip.features import STORY_WINDOW, _story_flow, _topic_vectors

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


def test_context_features_do_not_modify_cached_lexical_features():
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
    before = lexical_features(doc).copy()
    context_features(doc, flat_proba(len(doc)), ONES_IDF)
    after = lexical_features(doc)
    assert np.array_equal(after.indptr, before.indptr)
    assert (after != hash_words(doc.lines)).nnz == 0


def test_context_features_are_a_function_of_their_inputs():
    a = context_features(doc_of(*HARBOUR, *CHIPS), flat_proba(10), ONES_IDF)
    b = context_features(doc_of(*HARBOUR, *CHIPS), flat_proba(10), ONES_IDF)
    np.testing.assert_array_equal(a, b)


def test_context_features_reuse_topic_vectors_only_for_the_same_idf():
    doc, proba = doc_of(*HARBOUR, *CHIPS), flat_proba(10)
    first = context_features(doc, proba, ONES_IDF)
    np.testing.assert_array_equal(context_features(doc, proba, ONES_IDF), first)  # cached vectors
    other_idf = ONES_IDF.copy()
    other_idf[lexical_features(doc).indices[:3]] = 5.0  # reweight a few words of the first line
    fresh = context_features(doc_of(*HARBOUR, *CHIPS), proba, other_idf)
    np.testing.assert_array_equal(context_features(doc, proba, other_idf), fresh)
    assert not np.array_equal(fresh, first)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["ferry harbour", "council vote", "chip maker shares", "the ferry",
                                           "shares fell", "...", "vote on the harbour plan"]),
                          st.integers(0, 2), st.sampled_from([0.0, 0.3, 1.0])), min_size=1, max_size=25))
def test_segment_entries_are_the_sorted_sums_of_their_lines_entries(rows):
    from boilerstrip.features import _segment_entries, _sum_entries, _topic_vectors
    doc = doc_of(*[text for text, _, _ in rows])
    seg = np.cumsum([step for _, step, _ in rows])   # runs of consecutive lines
    weight = np.array([w for _, _, w in rows])
    row, col, val = _topic_vectors(doc, ONES_IDF)
    expected = _sum_entries(seg[row], col, weight[row] * val)
    got = _segment_entries(doc, ONES_IDF, seg, weight)
    for e, g in zip(expected, got):
        assert g.tolist() == e.tolist()   # the same entries, in the same order, the same sums
