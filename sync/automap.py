"""Maps a marketplace's catalog onto our products by SKU or barcode, showing progress for large catalogs, or
imports its unmapped cards as products of ours."""

from __future__ import annotations

from decimal import Decimal
from typing import TextIO

import aiohttp

from core import mappings
from core.db import Conn
from core.marketplace_catalog import Card, CatalogImport, import_cards
from core.marketplaces import Connection
from core.unit_of_work import Effects
from sync.adapter import Adapter, CatalogItem, Listing
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


async def import_catalog(
    conn: Conn,
    effects: Effects,
    connection: Connection,
    limits: RateLimits,
    *,
    with_stock: bool,
    low_stock_threshold: int,
    actor_id: int | None = None,
    adapter: Adapter | None = None,
) -> CatalogImport:
    """Read the whole catalogue (and, for cards that carry none, their prices; with ``with_stock`` their FBS
    stock in our warehouse there), then bring in what maps to nothing yet in one transaction. ``adapter``: one
    already built (tests pace it differently)."""
    async with aiohttp.ClientSession() as session:
        reader = adapter or build_adapter(connection, session, limits)
        items = [item async for item in reader.catalog()]
        # The positions stand in for mapping ids: the reads below answer per listing.
        listings = [Listing(number, item.listing.keys, item.listing.warehouse_id) for number, item in enumerate(items)]
        unpriced = [listing for listing, item in zip(listings, items, strict=True) if item.price is None]
        prices = (
            {quote.listing.mapping_id: quote.price for quote in await reader.read_prices(unpriced)} if unpriced else {}
        )
        stock = await reader.read_stock(listings) if with_stock and listings else {}
    cards = [_card(item, prices.get(number), stock.get(number)) for number, item in enumerate(items)]
    async with effects.transaction(conn) as unit:
        return await import_cards(
            unit,
            connection.marketplace_id,
            cards,
            with_stock=with_stock,
            low_stock_threshold=low_stock_threshold,
            actor_id=actor_id,
        )


def _card(item: CatalogItem, price: Decimal | None, stock: int | None) -> Card:
    return Card(
        title=item.title,
        seller_sku=item.seller_sku,
        barcodes=item.barcodes,
        keys=item.listing.keys,
        warehouse_id=item.listing.warehouse_id,
        price=item.price if item.price is not None else price,
        category=item.category,
        photo_urls=item.photo_urls,
        stock=stock,
    )
