"""Maps a marketplace's catalog onto our products by SKU or barcode, showing progress for large catalogs."""

from __future__ import annotations

from typing import TextIO

import aiohttp

from core import mappings
from core.db import Conn
from core.marketplaces import Connection
from sync.adapters import build_adapter
from sync.limiter import RateLimits


async def automap(
    conn: Conn, connection: Connection, limits: RateLimits, progress: TextIO | None = None
) -> mappings.MatchReport:
    """``limits``: reading the catalog keeps to the account's limit shared with the running replicas."""
    candidates: list[mappings.Candidate] = []
    async with aiohttp.ClientSession() as session:
        adapter = build_adapter(connection, session, limits)
        async for item in adapter.catalog():
            candidates.append(
                mappings.Candidate(
                    item.seller_sku, item.barcodes, item.listing.keys, item.title, item.listing.warehouse_id
                )
            )
            if progress is not None and len(candidates) % 500 == 0:
                progress.write(f"\rread {len(candidates)} listings from {connection.name}...")
                progress.flush()
    if progress is not None:
        progress.write(f"\rread {len(candidates)} listings from {connection.name}; matching\n")
    return await mappings.match_catalog(conn, connection.marketplace_id, candidates)
