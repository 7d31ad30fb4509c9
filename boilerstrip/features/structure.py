"""What markup says about a line: its block element, heading, link share, depth,
boilerplate containers and class/id words.

A reader that knows the markup (the HTML reader today) fills one
:class:`LineStructure` per line; :func:`structure_features` turns them into the
hashed tag and class/id words of the first pass.  The numeric facts are columns of
the line shape (:mod:`.shape`).
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np

from .rows import Rows
from .words import hash_tokens

__all__ = ["LineStructure", "N_STRUCTURE_FEATURES", "structure_features", "hash_structure"]

N_STRUCTURE_FEATURES = 2 ** 14


class LineStructure(NamedTuple):
    """The structural facts of one line.

    A named tuple rather than a dataclass: a page renders to hundreds of lines, and a
    tuple is built in a third of the time of a frozen dataclass instance.  ``to_row``
    and ``from_row`` are the one place that knows its layout in the corpus records.
    """

    tag: str = ""                 # innermost block element
    heading: bool = False         # inside h1-h6
    link_share: float = 0.0       # share of the line's characters inside links
    depth: int = 0                # depth of the block element in the document tree
    in_boilerplate: bool = False  # inside nav/header/footer/aside/form
    attrs: str = ""               # class/id words of the enclosing elements, innermost last

    def to_row(self) -> list:
        """The JSON row of a corpus record (link share to 3 decimals)."""
        return [self.tag, int(self.heading), round(self.link_share, 3), self.depth, int(self.in_boilerplate),
                self.attrs]

    @classmethod
    def from_row(cls, row: Sequence) -> "LineStructure":
        tag, heading, link_share, depth, in_boilerplate, attrs = row
        return cls(str(tag), bool(heading), float(link_share), int(depth), bool(in_boilerplate), str(attrs))


def hash_structure(strings: Sequence[str]) -> Rows:
    """Hashed space-separated structure words of each string: a row of word counts
    scaled to unit length."""
    return hash_tokens([s.split() for s in strings], N_STRUCTURE_FEATURES)


def structure_features(structure: Sequence[LineStructure] | None, n_lines: int) -> Rows:
    """Hashed structure words (block tag, class/id words) per line; empty rows without
    markup."""
    if structure is None:
        return Rows.empty(n_lines, N_STRUCTURE_FEATURES)
    # Lines of one page share a few tag/attribute sets: each set's words are made and
    # hashed once, and the lines' rows taken from those.
    index: dict = {}
    which = np.fromiter((index.setdefault((s.tag, s.attrs), len(index)) for s in structure), dtype=np.int64,
                        count=len(structure))
    words = [f"tag={tag} " + " ".join("a=" + w for w in attrs.split()[-12:]) for tag, attrs in index]
    return hash_structure(words).take(which)
