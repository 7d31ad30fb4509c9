"""Tests for benchmarks.stability's perturbations and counts (no model quality)."""

from __future__ import annotations

from benchmarks import stability as st
from benchmarks.renderers import gold_lines, oracle

GOLD = ("The harbour ferry resumes sailing on Monday after repairs to its engines.\n\n"
        "Engineers replaced the propeller shafts and the steering gear over the winter.")
PAGE = "\n".join(["* [Home](/)", "", "* [World](/world)", "Ferry news", "",
                  "The harbour ferry resumes sailing on Monday after repairs to its engines.",
                  "Engineers replaced the propeller shafts and the steering gear over the winter.",
                  "Share this"])


def test_lines_above_article_stop_at_the_first_gold_line():
    above = st.lines_above_article(PAGE, GOLD)
    assert above == [0, 2, 3]                                    # blank lines are never removed
    lines = PAGE.split("\n")
    assert all("ferry resumes" not in lines[k] for k in above)   # never a line of the article
    assert st.lines_above_article("Home\nMenu", GOLD) == [0, 1]  # no gold line: all of them


def test_without_line_leaves_out_exactly_one_line():
    for k in st.lines_above_article(PAGE, GOLD):
        out = st.without_line(PAGE, k).split("\n")
        assert out == PAGE.split("\n")[:k] + PAGE.split("\n")[k + 1:]


def test_gold_lines_is_the_oracle_rule():
    lines = PAGE.split("\n")
    assert gold_lines(lines, GOLD) == [5, 6]
    assert oracle(PAGE, GOLD).split("\n") == [lines[5], lines[6]]


def test_moves_count_pages_by_direction():
    moves = st.Moves(changes=[[0.0, -0.5], [0.3], [], [0.06, -0.01]])
    assert moves.count(0.2) == 2 and moves.count(0.2, -1) == 1 and moves.count(0.2, +1) == 1
    assert moves.count(0.05) == 3
    assert abs(moves.largest() - (0.5 + 0.3 + 0.0 + 0.06) / 4) < 1e-12


def test_measure_page_removes_up_to_the_asked_lines():
    moves = st.Moves()
    st.measure_page(PAGE, GOLD, "", "page/1", 2, None, moves)
    st.measure_page(PAGE, GOLD, "", "page/1", 9, None, moves)
    assert [len(c) for c in moves.changes] == [2, 3]             # capped by the lines above the article
    assert all(-1.0 <= c <= 1.0 for page in moves.changes for c in page)
    assert moves.whole.tp > 0                                     # the whole page's article was scored
