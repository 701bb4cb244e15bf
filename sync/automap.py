"""Maps a marketplace's catalog onto our products by SKU or barcode, showing progress for large catalogs, or
imports its unmapped cards as products of ours: from the CLI directly, from the bot through core.catalog_requests
answered by the CatalogImporter job."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TextIO

import aiohttp
import asyncpg
from redis.asyncio import Redis

from core import catalog_requests, mappings, marketplaces, unreadable_keys
from core.catalog_requests import Action, Answer, Request
from core.db import Conn
from core.errors import DomainError
from core.marketplace_catalog import Card, CatalogImport, import_cards
from core.marketplaces import Connection
from core.periodic import unless_stopped
from core.unit_of_work import Effects
from core.vault import Vault
from sync.adapter import Adapter, CatalogItem, Listing
from sync.adapters import build_adapter
from sync.http import MarketplaceError
from sync.limiter import RateLimits

log = logging.getLogger(__name__)
REDIS_DOWN_PAUSE = 2.0


async def automap(
    conn: Conn,
    connection: Connection,
    limits: RateLimits,
    progress: TextIO | None = None,
    *,
    actor_id: int | None = None,
    **adapter_options: Any,
) -> mappings.MatchReport:
    """``limits``: reading the catalog keeps to the account's limit shared with the running replicas."""
    candidates: list[mappings.Candidate] = []
    async with aiohttp.ClientSession() as session:
        adapter = build_adapter(connection, session, limits, **adapter_options)
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
    return await mappings.automap(conn, connection.marketplace_id, candidates, actor_id=actor_id)


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
    **adapter_options: Any,
) -> CatalogImport:
    """Read the whole catalogue (and, for cards that carry none, their prices; with ``with_stock`` their FBS
    stock in our warehouse there), then bring in what maps to nothing yet in one transaction. ``adapter``: one
    already built (tests pace it differently)."""
    async with aiohttp.ClientSession() as session:
        reader = adapter or build_adapter(connection, session, limits, **adapter_options)
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


class CatalogImporter:
    """Runs the imports and automaps the bot asks for, one at a time per process; a request another replica took
    is its."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        redis: Redis,
        effects: Effects,
        vault: Vault,
        *,
        low_stock_threshold: int,
        limits: RateLimits | None = None,
        route: Callable[[Connection], Connection] | None = None,
        adapter_options: Callable[[Connection], dict[str, Any]] | None = None,
    ) -> None:
        self._pool, self._redis, self._effects, self._vault = pool, redis, effects, vault
        self._threshold = low_stock_threshold
        self._limits = limits or RateLimits(redis)
        self._route = route or (lambda connection: connection)
        self._options = adapter_options or (lambda connection: {})
        self._unreadable = unreadable_keys.UnreadableKeys("catalogue imports")

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                # Stopping does not wait out the Redis block (a request popped just then: its asker times out).
                request = await unless_stopped(catalog_requests.next_request(self._redis), stop)
                if request is not None:
                    await catalog_requests.reply(self._redis, request, await self.answer(request))
            except Exception as error:  # Redis down: the askers time out and say so
                log.warning("catalogue request not answered: %s", error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), REDIS_DOWN_PAUSE)

    async def answer(self, request: Request) -> Answer:
        async with self._pool.acquire() as conn:
            readable, unreadable = await marketplaces.readable_api_connections(conn, self._vault)
            if request.marketplace_id in unreadable:  # its catalogue cannot be read; the others' still can
                await self._unreadable.tell(conn, [request.marketplace_id])
                return Answer(refused=unreadable_keys.REFUSED)
            connection = next((c for c in readable if c.marketplace_id == request.marketplace_id), None)
            if connection is None:
                return Answer(refused="not an active API marketplace")
            connection = self._route(connection)
            try:
                if request.action is Action.AUTOMAP:
                    report = await automap(
                        conn, connection, self._limits, actor_id=request.actor_id, **self._options(connection)
                    )
                    return Answer(automapped=mappings.Automapped.of(report))
                done = await import_catalog(
                    conn,
                    self._effects,
                    connection,
                    self._limits,
                    with_stock=request.action is Action.IMPORT_WITH_STOCK,
                    low_stock_threshold=self._threshold,
                    actor_id=request.actor_id,
                    **self._options(connection),
                )
            except (MarketplaceError, DomainError) as error:
                return Answer(refused=str(error))
        return Answer(imported=done)


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
