"""What a declaration names by import path ("package.module:NAME"), found when first asked for: core declares the
adapters and the demo's sandboxes (core.listings) without importing the rooms they live in."""

from __future__ import annotations

import importlib
from functools import cache


@cache
def resolve(path: str) -> object:
    """The object at "package.module:NAME"; ValueError for a path without a name, ImportError or AttributeError
    when the module or the name is not there (a declaration's mistake, to be seen at once)."""
    module, separator, name = path.partition(":")
    if not separator or not module or not name:
        raise ValueError(f"expected an import path like 'package.module:NAME', got {path!r}")
    return getattr(importlib.import_module(module), name)
