"""What the marketplaces tell us: their orders and cancellations (or, in stock_diff mode, the drop of their
stock), their prices, and their stock read back to catch drift. Every run writes a pull row in sync_logs."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from core import inventory, marketplace_orders, outbox
from core.errors import OutOfStock
from core.inventory import Source, StockLevel
from core.marketplaces import Connection
from sync.adapter import Adapter
from sync.http import MarketplaceError
from sync.push import listing_of

log = logging.getLogger(__name__)

_LOG = """
INSERT INTO sync_logs (marketplace_id, sync_type, direction, trigger_type, status, items_processed, items_failed,
                       error_message, started_at, completed_at, duration_ms)
VALUES ($1, $2, 'pull', $3, $4, $5, $6, $7, $8, NOW(), $9)
"""

_MAPPINGS = "SELECT * FROM marketplace_products WHERE marketplace_id = $1 AND status = 'active' ORDER BY id"


@dataclass(frozen=True)
class OrderCounts:
    """An orders pull's work: orders placed here (whole or in part), orders with a line kept aside for an
    admin (unmapped, or no units left), and imported orders the marketplace cancelled."""

    imported: int = 0
    set_aside: int = 0
    cancelled: int = 0

    @classmethod
    def of(cls, tally: Counter[str]) -> OrderCounts:
        """From the import outcomes (core.marketplace_orders.Outcome) and the cancellations a pull tallied."""
        return cls(tally["created"] + tally["partial"], tally["partial"] + tally["unplaced"], tally["cancelled"])


@dataclass(frozen=True)
class PullRun:
    kind: str
    status: str
    processed: int
    failed: int
    stock: tuple[StockLevel, ...] = ()
    error: str | None = None
    orders: OrderCounts = OrderCounts()


async def _logged(conn: asyncpg.Connection, connection: Connection, kind: str, trigger: str, started: datetime,
                  clock: float, run: PullRun) -> PullRun:
    await conn.execute(_LOG, connection.marketplace_id, kind, trigger, run.status, run.processed, run.failed,
                       run.error, started, int((time.monotonic() - clock) * 1000))
    return run


async def pull_orders(conn: asyncpg.Connection, connection: Connection, adapter: Adapter, *,
                      trigger: str = "scheduled") -> PullRun:
    """Import new orders (idempotent) and the cancellations of the ones we hold."""
    started, clock = datetime.now(UTC), time.monotonic()
    levels: list[StockLevel] = []
    processed = failed = 0
    tally: Counter[str] = Counter()
    try:
        for incoming in await adapter.incoming_orders():
            async with conn.transaction():
                imported = await marketplace_orders.import_order(conn, connection.marketplace_id, incoming)
            processed += imported.outcome in ("created", "partial")
            failed += imported.outcome in ("partial", "unplaced")
            tally[imported.outcome] += 1
            levels.extend(imported.stock)
        open_keys = await marketplace_orders.open_order_keys(conn, connection.marketplace_id)
        if open_keys:
            for key in sorted(await adapter.cancelled_orders(open_keys)):
                async with conn.transaction():
                    levels.extend(await marketplace_orders.cancel_imported(
                        conn, connection.marketplace_id, key, connection.name))
                processed += 1
                tally["cancelled"] += 1
    except MarketplaceError as error:
        return await _logged(conn, connection, "orders", trigger, started, clock,
                             PullRun("orders", "error", processed, failed, tuple(levels), str(error),
                                     orders=OrderCounts.of(tally)))
    await conn.execute("UPDATE marketplaces SET orders_pulled_at = NOW() WHERE id = $1", connection.marketplace_id)
    status = "partial" if failed else "success"
    return await _logged(conn, connection, "orders", trigger, started, clock,
                         PullRun("orders", status, processed, failed, tuple(levels), orders=OrderCounts.of(tally)))


async def pull_stock_diff(conn: asyncpg.Connection, connection: Connection, adapter: Adapter, *,
                          trigger: str = "scheduled") -> PullRun:
    """The design's workflow 1: previous - current stock on the marketplace = units sold there (a
    marketplace_sale); an increase = units back (a marketplace_return). Then every channel hears the truth."""
    started, clock = datetime.now(UTC), time.monotonic()
    rows = await conn.fetch(_MAPPINGS, connection.marketplace_id)
    try:
        theirs = await adapter.read_stock([listing_of(row, connection) for row in rows])
    except MarketplaceError as error:
        return await _logged(conn, connection, "stock", trigger, started, clock,
                             PullRun("stock", "error", 0, 0, (), str(error)))
    levels: list[StockLevel] = []
    processed = failed = 0
    for row in rows:
        current = theirs.get(row["id"])
        if current is None:
            continue
        change = row["previous_stock"] - current
        source = Source("marketplace", row["id"], connection.marketplace_id,
                        notes=f"{abs(change)} {'sold' if change > 0 else 'returned'} on {connection.name}")
        try:
            async with conn.transaction():
                if change > 0:
                    levels.append(await inventory.marketplace_sale(conn, row["product_id"], change, source))
                elif change < 0:
                    levels.append(await inventory.marketplace_return(conn, row["product_id"], -change, source))
                await conn.execute(
                    "UPDATE marketplace_products SET previous_stock = $2, marketplace_stock = $2,"
                    " stock_last_synced_at = NOW() WHERE id = $1",
                    row["id"], current,
                )
        except OutOfStock:
            failed += 1
            await outbox.add(conn, outbox.MARKETPLACE_ORDER_PROBLEM, {
                "marketplace_id": connection.marketplace_id, "order": None, "problem": "out_of_stock",
                "product_id": row["product_id"], "sold_there": change,
            })
            continue
        processed += change != 0
    await conn.execute("UPDATE marketplaces SET orders_pulled_at = NOW() WHERE id = $1", connection.marketplace_id)
    status = "partial" if failed else "success"
    return await _logged(conn, connection, "stock", trigger, started, clock,
                         PullRun("stock", status, processed, failed, tuple(levels)))


async def pull_prices(conn: asyncpg.Connection, connection: Connection, adapter: Adapter, *,
                      trigger: str = "scheduled") -> PullRun:
    """Their price and strikethrough price, read-only for us: shown to the seller, never written back."""
    started, clock = datetime.now(UTC), time.monotonic()
    rows = await conn.fetch(_MAPPINGS, connection.marketplace_id)
    try:
        quotes = await adapter.read_prices([listing_of(row, connection) for row in rows])
    except MarketplaceError as error:
        return await _logged(conn, connection, "price", trigger, started, clock,
                             PullRun("price", "error", 0, 0, (), str(error)))
    await conn.executemany(
        "UPDATE marketplace_products SET marketplace_price = $2, marketplace_strikethrough_price = $3,"
        " last_synced_at = NOW() WHERE id = $1",
        [(quote.listing.mapping_id, quote.price, quote.strikethrough) for quote in quotes],
    )
    await conn.execute("UPDATE marketplaces SET prices_pulled_at = NOW() WHERE id = $1", connection.marketplace_id)
    return await _logged(conn, connection, "price", trigger, started, clock,
                         PullRun("price", "success", len(quotes), 0))


async def reconcile(conn: asyncpg.Connection, connection: Connection, adapter: Adapter, *,
                    trigger: str = "scheduled") -> PullRun:
    """Read their stock back and compare with what we last pushed; drift is marked for a push of the truth
    and told to the admins as one digest."""
    started, clock = datetime.now(UTC), time.monotonic()
    rows = await conn.fetch(
        "SELECT mp.*, p.sku FROM marketplace_products mp JOIN products p ON p.id = mp.product_id"
        " WHERE mp.marketplace_id = $1 AND mp.status = 'active' AND mp.pushed_version > 0"
        " AND mp.stock_version = mp.pushed_version ORDER BY mp.id",
        connection.marketplace_id,
    )
    try:
        theirs = await adapter.read_stock([listing_of(row, connection) for row in rows])
    except MarketplaceError as error:
        return await _logged(conn, connection, "reconcile", trigger, started, clock,
                             PullRun("reconcile", "error", 0, 0, (), str(error)))
    drift = [(row, theirs[row["id"]]) for row in rows
             if row["id"] in theirs and theirs[row["id"]] != row["marketplace_stock"]]
    if drift:
        async with conn.transaction():
            await conn.execute("UPDATE marketplace_products SET stock_version = stock_version + 1"
                               " WHERE id = ANY($1::int[])", [row["id"] for row, _ in drift])
            await outbox.add(conn, outbox.STOCK_DRIFT, {
                "marketplace_id": connection.marketplace_id, "marketplace": connection.name,
                "items": [{"product_id": row["product_id"], "sku": row["sku"], "theirs": value,
                           "ours": row["marketplace_stock"]} for row, value in drift[:50]],
                "count": len(drift),
            })
    status = "partial" if drift else "success"
    error = f"{len(drift)} listings drifted; pushing the truth" if drift else None
    return await _logged(conn, connection, "reconcile", trigger, started, clock,
                         PullRun("reconcile", status, len(rows), len(drift), (), error))
