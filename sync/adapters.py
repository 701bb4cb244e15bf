"""Picks the adapter for a marketplace connection."""

from __future__ import annotations

from typing import Any

import aiohttp

from core.marketplaces import Connection
from sync.adapter import Adapter
from sync.http import MarketplaceError
from sync.ozon import OzonAdapter
from sync.uzum import UzumAdapter
from sync.wildberries import WildberriesAdapter

ADAPTERS: dict[str, type[Any]] = {"uzum": UzumAdapter, "wildberries": WildberriesAdapter, "ozon": OzonAdapter}


def build_adapter(connection: Connection, session: aiohttp.ClientSession, **options: Any) -> Adapter:
    kind = ADAPTERS.get(connection.api_type)
    if kind is None:
        raise MarketplaceError(f"no adapter for marketplace type {connection.api_type!r}")
    return kind(connection, session, **options)
