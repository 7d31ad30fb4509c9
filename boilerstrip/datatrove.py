"""datatrove integration: boilerstrip as a step in a datatrove pipeline.

Web-scale text pipelines are often built with datatrove (reader -> extractor ->
filters -> writer).  Its extractor steps turn each document's HTML into text; this
module provides two such steps so boilerstrip can replace or follow them without glue
code:

* :class:`BoilerstripExtractor` -- HTML in (``format="html"``, or ``"auto"`` to
  detect markup per document), article body out;
* :class:`BoilerstripTextCleaner` -- for documents whose ``doc.text`` is already
  plain text (e.g. the output of another extractor, or a text dump): boilerplate
  lines out.

Both subclass datatrove's ``BaseExtractor`` and so behave like its own extractors: each
document is cleaned in a sandboxed worker process with a per-document ``timeout``, a
document whose article comes out empty is dropped, and the step counts ``total``,
``extracted``, ``forwarded``, ``dropped``, ``timeout`` and ``clean_error`` in the
pipeline's stats.

datatrove is optional (``pip install "boilerstrip[datatrove]"``); the rest of the
package never imports this module.

>>> from datatrove.executor import LocalPipelineExecutor             # doctest: +SKIP
>>> from datatrove.pipeline.readers import JsonlReader
>>> from datatrove.pipeline.writers import JsonlWriter
>>> from boilerstrip.datatrove import BoilerstripExtractor
>>> LocalPipelineExecutor([JsonlReader("pages/"), BoilerstripExtractor(),
...                        JsonlWriter("articles/")], tasks=4).run()  # doctest: +SKIP
"""

from __future__ import annotations

try:
    from datatrove.pipeline.extractors.base import BaseExtractor
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError('boilerstrip.datatrove needs datatrove: pip install "boilerstrip[datatrove]"') from e

from .api import clean
from .pipeline import ModelArg, Options, resolve_model

__all__ = ["BoilerstripExtractor", "BoilerstripTextCleaner"]


class _BoilerstripStep(BaseExtractor):
    """What both steps share: checked options and the per-document ``extract``."""

    def __init__(self, *, threshold: float, include_title: bool, format: str, model: ModelArg,
                 timeout: float) -> None:
        super().__init__(timeout=timeout)
        # Bad options or a missing model file fail here, not in every sandboxed worker.
        Options(threshold, include_title, format, model)
        resolve_model(model)
        self.threshold = threshold
        self.include_title = include_title
        self.format = format
        self.model = model

    def extract(self, text: str) -> str:
        """The article body of one document's text (``""`` if there is none).

        datatrove first calls this with ``""`` to warm the sandbox process up; the
        model is loaded then, so that loading it does not count against the first
        document's timeout.
        """
        if not text:
            resolve_model(self.model)
            return ""
        return clean(text, threshold=self.threshold, include_title=self.include_title, format=self.format,
                     model=self.model)


class BoilerstripExtractor(_BoilerstripStep):
    """A datatrove extractor step: each document's HTML replaced by its article body.

    ``format="html"`` reads every document as HTML; ``"auto"`` detects markup per
    document (so plain-text documents mixed in are cleaned as text).  ``threshold``,
    ``include_title`` and ``model`` are :func:`boilerstrip.clean`'s; ``timeout`` is
    datatrove's per-document limit in seconds.  Documents with no article are dropped.

    >>> step = BoilerstripExtractor(include_title=True)
    >>> step.extract("<html><body><nav><a href='/'>Home</a></nav></body></html>")
    ''
    >>> BoilerstripExtractor(format="text")
    Traceback (most recent call last):
    ...
    ValueError: format must be 'html' or 'auto' (use BoilerstripTextCleaner for plain text), got 'text'
    """

    name = "🧹 Boilerstrip"

    def __init__(self, *, format: str = "html", threshold: float = 0.5, include_title: bool = False,
                 model: ModelArg = None, timeout: float = 1.0) -> None:
        if format not in ("html", "auto"):
            raise ValueError("format must be 'html' or 'auto' (use BoilerstripTextCleaner for plain text), "
                             f"got {format!r}")
        super().__init__(threshold=threshold, include_title=include_title, format=format, model=model,
                         timeout=timeout)


class BoilerstripTextCleaner(_BoilerstripStep):
    """A datatrove step for documents that are already text: boilerplate lines removed.

    Each ``doc.text`` is read as plain text (never as HTML, even if it contains
    ``<`` characters) and replaced by its article body; documents with no article
    are dropped.  Keywords as for :class:`BoilerstripExtractor`.

    >>> step = BoilerstripTextCleaner()
    >>> step.extract("Home | News | Sport\\n\\nSubscribe to our newsletter")
    ''
    """

    name = "🧹 Boilerstrip (text)"

    def __init__(self, *, threshold: float = 0.5, include_title: bool = False, model: ModelArg = None,
                 timeout: float = 1.0) -> None:
        super().__init__(threshold=threshold, include_title=include_title, format="text", model=model,
                         timeout=timeout)
