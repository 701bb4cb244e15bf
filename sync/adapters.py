"""Picks the adapter for a marketplace connection."""

from __future__ import annotations

from typing import Any

import aiohttp

from core.marketplaces import Connection
from sync.adapter import Adapter
from sync.http import MarketplaceError
from sync.limiter import RateLimits
from sync.ozon import OzonAdapter
from sync.uzum import UzumAdapter
from sync.wildberries import WildberriesAdapter

ADAPTERS: dict[str, type[Any]] = {"uzum": UzumAdapter, "wildberries": WildberriesAdapter, "ozon": OzonAdapter}


def build_adapter(
    connection: Connection, session: aiohttp.ClientSession, limits: RateLimits, **options: Any
) -> Adapter:
    """``limits`` is the process's one RateLimits: every adapter of an account then keeps to one shared limit."""
    kind = ADAPTERS.get(connection.api_type)
    if kind is None:
        raise MarketplaceError(f"no adapter for marketplace type {connection.api_type!r}", code="no_fbs")
    return kind(connection, session, limits, **options)
