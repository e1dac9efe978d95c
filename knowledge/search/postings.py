"""The posting-list sums of the search compiled (``knowledge/search/_postings.c``), when they were built.

``native`` is the C module, or None where it was not built (no compiler when the package was installed):
then the numpy code beside each call runs, which is also the reference the C code is tested against
(tests/test_search_exact.py runs both). Both give the same floats: the C code does numpy's operations in
numpy's order. Setting ``YUNLING_SEARCH_NUMPY=1`` in the environment runs the numpy code even where the
C module was built.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType


def _load() -> ModuleType | None:
    if os.environ.get("YUNLING_SEARCH_NUMPY", "").strip() not in ("", "0"):
        return None
    try:
        return importlib.import_module("knowledge.search._postings")
    except ImportError:
        return None


native: ModuleType | None = _load()
