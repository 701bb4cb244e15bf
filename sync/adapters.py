"""Picks the adapter for a marketplace connection: the class its platform declares (core.listings), imported when
first asked for."""

from __future__ import annotations

from typing import Any

import aiohttp

from core.import_paths import resolve
from core.listings import declared
from core.marketplaces import Connection
from sync.adapter import Adapter
from sync.http import MarketplaceError
from sync.limiter import RateLimits


def adapter_class(api_type: str) -> type[Any] | None:
    """The adapter class a marketplace type declares; None for a type nobody declared."""
    platform = declared(api_type)
    if platform is None:
        return None
    kind = resolve(platform.adapter)
    if not isinstance(kind, type):
        raise TypeError(f"{platform.adapter} (the adapter of {api_type}) is not a class")
    return kind


def build_adapter(
    connection: Connection, session: aiohttp.ClientSession, limits: RateLimits, **options: Any
) -> Adapter:
    """``limits`` is the process's one RateLimits: every adapter of an account then keeps to one shared limit."""
    kind = adapter_class(connection.api_type)
    if kind is None:
        raise MarketplaceError(f"no adapter for marketplace type {connection.api_type!r}", code="no_fbs")
    adapter: Adapter = kind(connection, session, limits, **options)
    return adapter
