"""boilerstrip: strip boilerplate from scraped news and article text.

The flow, one module per stage::

    text.py / html.py   text or HTML   -> lines
    features/           lines          -> feature matrices
    model.py            features       -> body/title/boilerplate probabilities
    decoding.py         probabilities  -> keep/drop labels (contiguous blocks)
    api.py, batch.py    labels         -> cleaned text (clean, classify, clean_many)

``pipeline.py`` assembles the stages once; ``estimator.py`` (scikit-learn, training
only) fits the model.

>>> from boilerstrip import clean
>>> clean("")
''
"""

from typing import Any

from .api import Line, classify, clean
from .batch import classify_many, clean_many
from .model import LineModel
from .pipeline import Options
from .text import BinaryInputError

__all__ = ["clean", "classify", "clean_many", "classify_many", "Line", "Options", "LineModel",
           "LineClassifier", "BinaryInputError"]
__version__ = "0.2.0"


def __getattr__(name: str) -> Any:
    # The estimator needs scikit-learn (the [train] extra): imported only when asked for.
    if name == "LineClassifier":
        from .estimator import LineClassifier
        return LineClassifier
    raise AttributeError(f"module 'boilerstrip' has no attribute {name!r}")
