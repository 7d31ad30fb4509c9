"""Shared fixtures for the stage tests (text, html, features, decoding, model, api, cli).

Most API/CLI tests check invariants that hold for *any* trained model (every output
line is an input line, order, coverage, monotonicity ...).  They run against a tiny
model fitted here on hand-written labelled documents, so they do not depend on the
shipped model file being in sync with the feature code at any given moment.  A few
tests use the shipped model explicitly (``default_model`` fixture).
"""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "stages"
LABELLED = FIXTURES / "labelled"
_LABEL = {"B": "body", "T": "title", "X": "boilerplate"}


def read_labelled(path: Path) -> tuple[str, list[str]]:
    """A labelled fixture: one ``L|text`` row per input line (L in B/T/X).

    Rows with empty text are blank input lines (paragraph breaks) and carry no label.
    Returns the plain text and one label per non-blank line.
    """
    text_lines, labels = [], []
    for row in path.read_text(encoding="utf-8").splitlines():
        tag, _, text = row.partition("|")
        text_lines.append(text)
        if text.strip():
            labels.append(_LABEL[tag])
    return "\n".join(text_lines) + "\n", labels


def labelled_documents():
    """(Document, labels, group) for every labelled fixture, in a stable order."""
    from boilerstrip.features import Document
    from boilerstrip.text import split_lines

    out = []
    for path in sorted(LABELLED.glob("*.txt")):
        text, labels = read_labelled(path)
        lines = split_lines(text)
        assert len(lines) == len(labels), path
        out.append((Document.from_text_lines(lines), labels, path.stem))
    return out


def fit_tiny_model(network_passes: int = 2, **params):
    from boilerstrip.estimator import LineClassifier

    # Repeat the documents (fresh Document objects each time) so that the second pass
    # has enough rows to learn from; the estimator mechanics are what matter here.
    reps = 12
    all_docs, all_labels, groups = [], [], []
    for k in range(reps):
        for doc, labels, group in labelled_documents():
            all_docs.append(doc)
            all_labels.append(labels)
            groups.append(f"{group}{k}")
    # A dozen copies of a few documents leave some context features nearly constant:
    # floor their scale, and give the small network enough units and epochs to converge
    # (with 8 units or a floor of 0.1, most seeds ended predicting boilerplate everywhere;
    # with 32, seeds 0-5 all separate body from boilerplate by 0.37 or more).
    params = {"hidden": (32,), "max_iter": 200, "scale_floor": 0.3, "n_networks": 1, "unseen_language": 0.0,
              "transition": 2.0, **params}
    model = LineClassifier(network_passes=network_passes, **params)
    return model.fit(all_docs, all_labels, groups=groups)


@pytest.fixture(scope="session")
def tiny_estimator():
    """A LineClassifier fitted on the hand-labelled fixtures."""
    return fit_tiny_model()


@pytest.fixture(scope="session")
def tiny_model(tiny_estimator):
    """The tiny estimator's LineModel: pass it as ``model=`` to clean/classify/clean_many."""
    return tiny_estimator.to_model()


@pytest.fixture(scope="session")
def tiny_model_path(tiny_model, tmp_path_factory) -> Path:
    """The tiny model as a file, for ``--model`` and worker processes."""
    path = tmp_path_factory.mktemp("model") / "tiny.npz"
    tiny_model.save(path)
    return path


@pytest.fixture(scope="session")
def default_model():
    """The shipped model.  Fails (never skips) when it cannot be loaded: the shipped
    model must always match the code."""
    from boilerstrip.model import LineModel

    return LineModel.load_default()


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def html_fixtures() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.html"))}


def assert_same_lines(got, expected) -> None:
    """Per document, the same lines and decisions; batched float32 matrix products may
    move the scores from the one-document ones by about 1e-8."""
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert [(l.text, l.index, l.label, l.kept, l.para_break) for l in a] == \
            [(l.text, l.index, l.label, l.kept, l.para_break) for l in b]
        assert [l.score for l in a] == pytest.approx([l.score for l in b], abs=1e-6)
        assert [l.title_score for l in a] == pytest.approx([l.title_score for l in b], abs=1e-6)
