"""Stage 2: lines to features, one module per kind of evidence.

====================  ===============================================================
``document``          the document's lines and the features computed for it (cache)
``shape``             line shape: length, characters, cues, position, neighbours
``words``             hashed word uni/bigrams (the lexical evidence)
``structure``         what markup says about a line (:class:`LineStructure`)
``context``           document context from a pass's probabilities (topic, story)
``rows``              the sparse rows the hashed features are kept in
====================  ===============================================================

The *feature schema* names what the features are.  :data:`SCHEMA_VERSION` is bumped by
hand whenever a feature's meaning changes; :data:`SCHEMA` is a hash of it together with
the feature names and sizes.  A model file records the schema it was trained with and
:mod:`boilerstrip.model` refuses a model of another schema.

>>> doc = Document.from_text_lines(split_lines("Home\\n\\nThe council voted on Tuesday."))
>>> line_features(doc).shape == (2, len(LINE_FEATURES))
True
"""

from __future__ import annotations

import hashlib
import json

from ..text import split_lines
from .context import CONTEXT_FEATURES, N_TOPIC_FEATURES, context_features
from .document import Document, FeatureCache
from .rows import Rows
from .shape import LINE_FEATURES, line_features
from .structure import N_STRUCTURE_FEATURES, LineStructure, structure_features
from .words import MAX_HASHED_CHARS, N_WORD_FEATURES, hash_words, word_features

__all__ = ["Document", "FeatureCache", "Rows", "LineStructure", "line_features", "word_features",
           "structure_features", "context_features", "hash_words", "LINE_FEATURES", "CONTEXT_FEATURES",
           "N_WORD_FEATURES", "N_STRUCTURE_FEATURES", "SCHEMA_VERSION", "SCHEMA", "schema_description",
           "split_lines"]

#: Bump whenever what a feature means changes (a new cue, another tokenisation, another
#: normalisation), even if its name stays: a model trained before then is not valid.
#: 2: lines featurised without their leading whitespace; structure facts as LineStructure.
SCHEMA_VERSION = 2


def schema_description() -> dict:
    """What the schema hash covers: the hand-kept version, the feature names and the
    sizes of the hashed spaces."""
    return {"version": SCHEMA_VERSION, "line_features": list(LINE_FEATURES),
            "context_features": list(CONTEXT_FEATURES), "word_features": N_WORD_FEATURES,
            "structure_features": N_STRUCTURE_FEATURES, "topic_features": N_TOPIC_FEATURES,
            "max_hashed_chars": MAX_HASHED_CHARS}


#: The schema of the features this code computes, e.g. ``"2-1a2b3c4d5e6f"``.
SCHEMA = f"{SCHEMA_VERSION}-" + hashlib.sha256(
    json.dumps(schema_description(), sort_keys=True).encode()).hexdigest()[:12]
