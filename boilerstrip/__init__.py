"""boilerstrip: strip boilerplate from scraped news and article text.

The flow, one module per stage::

    text.py / html.py   text or HTML  -> lines
    features.py         lines         -> feature matrices
    model.py            features      -> body/title/boilerplate probabilities
    decoding.py         probabilities -> keep/drop labels (contiguous blocks)
    api.py              labels        -> cleaned text (clean, classify)

>>> from boilerstrip import clean
>>> clean("")
''
"""

from .api import Line, classify, clean
from .model import LineClassifier

__all__ = ["clean", "classify", "Line", "LineClassifier"]
__version__ = "0.1.0"
