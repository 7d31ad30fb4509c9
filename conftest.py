"""Collection rules for the whole repository (not shipped: the package is boilerstrip/)."""

import importlib.util

# The datatrove step subclasses datatrove's extractor, so its module (and its doctest)
# can only be imported where the [datatrove] extra is installed; the [test] extra has it.
collect_ignore = [] if importlib.util.find_spec("datatrove") else ["boilerstrip/datatrove.py"]
