"""Stage 5: the public API — text in, labelled lines or cleaned text out.

>>> from boilerstrip import clean, classify
>>> text = "\\n\\n".join([
...     "Home | World | Sport",
...     "Council approves park expansion",
...     "The city council voted on Tuesday to expand Riverside Park by twelve acres, officials said.",
...     "The plan, first proposed in 2019, will cost about $4 million and open in spring.",
...     "Residents had asked for more green space for years, and the vote was unanimous.",
...     "Share this article\\nNo comments yet"])
>>> print(clean(text))
The city council voted on Tuesday to expand Riverside Park by twelve acres, officials said.
<BLANKLINE>
The plan, first proposed in 2019, will cost about $4 million and open in spring.
<BLANKLINE>
Residents had asked for more green space for years, and the vote was unanimous.
>>> [line.kept for line in classify(text)]
[False, False, True, True, True, False, False]
"""

from __future__ import annotations

from typing import Optional

from .pipeline import Line, ModelArg, Options, label_batch, text_of
from .text import TextInput

__all__ = ["Line", "clean", "classify", "text_of"]


def classify(text: TextInput, *, threshold: float = 0.5, include_title: bool = False, format: str = "auto",
             html: Optional[bool] = None, model: ModelArg = None, mode: str = "page") -> list[Line]:
    """Label every non-blank line of ``text`` (``str`` or ``bytes``, plain text or HTML).

    Use it to pick your own precision/recall trade-off or to see why a line went.
    Keywords as for :func:`clean`.

    >>> lines = classify("Menu\\nHome\\n\\nThe council voted on Tuesday to expand the park.")
    >>> [l.index for l in lines]
    [0, 1, 3]
    >>> all(0.0 <= l.score <= 1.0 for l in lines)
    True
    """
    return label_batch([text], Options.of(threshold, include_title, format, html, model, mode), as_text=False)[0]


def clean(text: TextInput, *, threshold: float = 0.5, include_title: bool = False, format: str = "auto",
          html: Optional[bool] = None, model: ModelArg = None, mode: str = "page") -> str:
    """Return the article body of ``text``: its own lines, in order, boilerplate removed.

    ``text`` is ``str`` or ``bytes`` (decoded as UTF-8 with BOM detection, falling back
    to cp1252), plain text or HTML (``format="auto"`` detects markup; ``"text"`` and
    ``"html"`` force a reader; ``html=True/False`` is the same as ``format="html"/"text"``).
    Paragraph breaks (blank lines) between kept lines are preserved.  A lower
    ``threshold`` keeps more; ``include_title=True`` also keeps the headline; ``model``
    is another model (a file path or a loaded model) instead of the shipped one.
    ``mode="article"`` says the text is one article, perhaps with boilerplate before it
    and other stories appended: the one contiguous run of lines with the most body
    evidence is kept whole (the default, ``"page"``, decides every line on its own
    evidence).  Returns ``""`` when nothing is article.

    >>> clean("")
    ''
    >>> clean(None)
    Traceback (most recent call last):
    ...
    TypeError: expected str or bytes, got NoneType
    """
    return label_batch([text], Options.of(threshold, include_title, format, html, model, mode), as_text=True)[0]
