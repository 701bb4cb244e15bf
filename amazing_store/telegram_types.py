"""Telegram's types built on first use instead of at import.

aiogram builds the pydantic validators of every Telegram type (~300) when it is imported: its
`aiogram/types/__init__.py` calls `model_rebuild` on each with the namespace that resolves their forward
references. That is ~100 MiB in every process, though a shop's bot meets a few dozen of those types. The
types are declared `defer_build`, and pydantic builds any incomplete model the first time it validates or
serializes one, by calling its `model_rebuild`; all that is missing then is aiogram's namespace.
`install()`, run before aiogram is first imported, keeps that namespace instead of building, and hands it to
every later rebuild of an aiogram model (types, methods and their responses) that comes without one.

Neither library offers a supported way to do this: aiogram 3.31 rebuilds every type in a loop at the end of
aiogram/types/__init__.py, with no switch, and pydantic 2.13's model_rebuild builds whenever the model is not
complete (defer_build only spares the class statement). So pyproject.toml pins both to the minor versions
tested, and tests/bot/test_telegram_types.py fails when an upgrade breaks this or its saving.
"""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel

_EAGER_REBUILD = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]


def install() -> None:
    """Import aiogram with its types deferred; does nothing if aiogram was already imported."""
    if "aiogram" in sys.modules:
        return
    kept: dict[str, Any] = {}
    importing = True

    def rebuild(
        cls: type[BaseModel], *, _types_namespace: Any = None, _parent_namespace_depth: int = 2, **options: Any
    ) -> bool | None:
        if cls.__module__.startswith("aiogram."):
            if importing and _types_namespace:  # aiogram.types' loop: keep its namespace, build nothing
                kept.setdefault("namespace", _types_namespace)
                return None
            _types_namespace = _types_namespace or kept.get("namespace")
        # One frame deeper than pydantic expects: the caller's namespace is one more frame up.
        return _EAGER_REBUILD(
            cls, _types_namespace=_types_namespace, _parent_namespace_depth=_parent_namespace_depth + 1, **options
        )

    BaseModel.model_rebuild = classmethod(rebuild)  # type: ignore[method-assign, assignment]
    try:
        import aiogram  # noqa: F401 (the import this module exists for)
    except BaseException:
        BaseModel.model_rebuild = classmethod(_EAGER_REBUILD)  # type: ignore[method-assign, assignment]
        raise
    finally:
        importing = False
