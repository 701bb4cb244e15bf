"""The stock push engine: level-triggered. It reads the mappings whose stock changed since their last push,
computes each value from the CURRENT available stock and the mapping's channel rule, sends batches as large
as the platform allows, and records a push only for the version it read, so a change that lands meanwhile
is pushed next time. A crash or an outage loses nothing: the next run sends the truth."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from core import outbox
from core.db import Conn
from core.listings import ListingKeys, platform
from core.mappings import LISTING_KEYS
from core.marketplaces import Connection
from core.periodic import advisory_lock, lock_key
from sync.adapter import Adapter, ItemResult, Listing, StockUpdate
from sync.http import MarketplaceError, Throttled

log = logging.getLogger(__name__)

# How many due mappings one run takes at most (several batches); the rest go in the next run.
RUN_LIMIT = 10_000

_DUE = f"""
SELECT mp.id, mp.product_id, mp.stock_version, mp.warehouse_id, mp.stock_buffer, mp.stock_percent, mp.max_quantity,
       i.quantity - i.reserved_quantity AS available, {LISTING_KEYS}
  FROM marketplace_products mp
  JOIN inventory i ON i.product_id = mp.product_id
 WHERE mp.marketplace_id = $1
   AND mp.stock_version > mp.pushed_version
   AND mp.status = 'active'
   AND (mp.push_not_before IS NULL OR mp.push_not_before <= NOW())
 ORDER BY mp.id
 LIMIT $2
"""

# Row locks taken in product order, the order every stock change takes them in, so a push never
# deadlocks with an order being placed.
_LOCK_MAPPINGS = "SELECT id FROM marketplace_products WHERE id = ANY($1::int[]) ORDER BY product_id FOR UPDATE"

_PUSHED = """
UPDATE marketplace_products mp
   SET pushed_version = GREATEST(mp.pushed_version, r.version), marketplace_stock = r.quantity,
       previous_stock = r.quantity, stock_last_synced_at = NOW(), last_synced_at = NOW(),
       sync_status = 'success', sync_error = NULL, push_not_before = NULL
  FROM UNNEST($1::int[], $2::bigint[], $3::int[]) AS r(id, version, quantity)
 WHERE mp.id = r.id
"""

_FAILED = """
UPDATE marketplace_products mp
   SET sync_status = 'error', sync_error = r.error, last_synced_at = NOW(),
       push_not_before = CASE WHEN r.retry_in IS NULL THEN NULL ELSE NOW() + r.retry_in * INTERVAL '1 second' END,
       marketplace_stock = COALESCE(r.theirs, mp.marketplace_stock)
  FROM UNNEST($1::int[], $2::text[], $3::float8[], $4::int[]) AS r(id, error, retry_in, theirs)
 WHERE mp.id = r.id
"""

_LOG = """
INSERT INTO sync_logs (marketplace_id, sync_type, direction, trigger_type, status, items_processed, items_failed,
                       error_message, started_at, completed_at, duration_ms)
VALUES ($1, 'stock', 'push', $2, $3, $4, $5, $6, $7, NOW(), $8)
"""


@dataclass(frozen=True)
class PushRun:
    marketplace_id: int
    status: str
    pushed: int
    failed: int
    calls: int
    error: str | None = None
    # The account is paused after a 429 for this many seconds: the run stopped; the rest goes after the pause.
    resume_in: float | None = None


def listing_of(row: asyncpg.Record, connection: Connection) -> Listing:
    """A mapping row (with its `keys` object, see LISTING_KEYS) as an adapter sees it."""
    return Listing(row["id"], ListingKeys(row["keys"]), row["warehouse_id"] or connection.warehouse_id)


def value_to_push(available: int, buffer: int, percent: int, max_quantity: int | None, platform_max: int) -> int:
    """min(max, floor((available - buffer) x percent / 100)), never below 0 nor above the platform's maximum."""
    value = max(0, (available - buffer) * percent // 100)
    return min(value, platform_max if max_quantity is None else min(max_quantity, platform_max))


async def push_due(pool: asyncpg.Pool, connection: Connection, adapter: Adapter, *, trigger: str) -> PushRun | None:
    """Push every due mapping of one marketplace; None when another replica is pushing it right now."""
    key = lock_key(f"push:{connection.marketplace_id}")
    async with pool.acquire() as conn, advisory_lock(conn, key) as taken:
        return await _push(conn, connection, adapter, trigger) if taken else None


async def _push(conn: Conn, connection: Connection, adapter: Adapter, trigger: str) -> PushRun:
    started, clock = datetime.now(UTC), time.monotonic()
    calls_before = adapter.calls
    rows = await conn.fetch(_DUE, connection.marketplace_id, RUN_LIMIT)
    declared = platform(connection.api_type)
    updates: list[tuple[StockUpdate, int]] = []
    results: list[ItemResult] = []
    for row in rows:
        listing = listing_of(row, connection)
        lacking = declared.missing(listing.keys)
        missing = (
            f"{connection.name}: no {', '.join(lacking)} for this listing" if lacking else adapter.missing_keys(listing)
        )
        if missing:
            results.append(ItemResult(row["id"], False, missing))
            continue
        quantity = value_to_push(
            row["available"], row["stock_buffer"], row["stock_percent"], row["max_quantity"], adapter.max_quantity
        )
        updates.append((StockUpdate(listing, quantity), row["stock_version"]))
    versions = {update.listing.mapping_id: (version, update.quantity) for update, version in updates}
    error: str | None = None
    resume_in: float | None = None
    for start in range(0, len(updates), adapter.batch_limit):
        batch = [update for update, _ in updates[start : start + adapter.batch_limit]]
        try:
            results.extend(await adapter.push_stock(batch))
        except MarketplaceError as failure:
            # The marketplace itself is failing (after the HTTP layer's retries), or throttles the account for
            # longer than a request waits: stop this run; everything not pushed stays due and goes next time.
            error = str(failure)
            resume_in = failure.seconds if isinstance(failure, Throttled) else None
            results.extend(ItemResult(u.listing.mapping_id, False, error) for u in batch)
            break
    await _record(conn, results, versions)
    pushed = sum(result.ok for result in results)
    failed = len(results) - pushed
    status = "error" if error else ("partial" if failed else "success")
    if not rows:  # nothing was due: a sweep that found the marketplace in step is not worth a log row
        return PushRun(connection.marketplace_id, status, 0, 0, 0)
    await conn.execute(
        _LOG,
        connection.marketplace_id,
        trigger,
        status,
        pushed,
        failed,
        error,
        started,
        int((time.monotonic() - clock) * 1000),
    )
    if resume_in is None:  # a throttle has alerts of its own (sync.throttle_alerts)
        await _track_failure(conn, connection, error)
    log.info(
        "push %s: %s pushed, %s failed, %s calls (%s)",
        connection.slug,
        pushed,
        failed,
        adapter.calls - calls_before,
        status,
    )
    return PushRun(connection.marketplace_id, status, pushed, failed, adapter.calls - calls_before, error, resume_in)


async def _record(conn: Conn, results: list[ItemResult], versions: dict[int, tuple[int, int]]) -> None:
    done = [result for result in results if result.ok]
    failed = [result for result in results if not result.ok]
    if not results:
        return
    async with conn.transaction():
        await conn.execute(_LOCK_MAPPINGS, [result.mapping_id for result in results])
        if done:
            await conn.execute(
                _PUSHED,
                [r.mapping_id for r in done],
                [versions[r.mapping_id][0] for r in done],
                [versions[r.mapping_id][1] for r in done],
            )
        if failed:
            await conn.execute(
                _FAILED,
                [r.mapping_id for r in failed],
                [(r.error or "")[:1000] for r in failed],
                [r.retry_in for r in failed],
                [r.platform_stock for r in failed],
            )


async def _track_failure(conn: Conn, connection: Connection, error: str | None) -> None:
    """One alert when a marketplace starts failing past its retries; the next success clears the state."""
    if error is None:
        await conn.execute(
            "UPDATE marketplaces SET failing_since = NULL, failure_alerted = FALSE, last_sync_at = NOW()"
            " WHERE id = $1 AND (failing_since IS NOT NULL OR failure_alerted OR last_sync_at IS NULL"
            " OR last_sync_at < NOW() - INTERVAL '1 minute')",
            connection.marketplace_id,
        )
        return
    async with conn.transaction():
        already = await conn.fetchval(
            "SELECT failure_alerted FROM marketplaces WHERE id = $1 FOR UPDATE", connection.marketplace_id
        )
        await conn.execute(
            "UPDATE marketplaces SET failing_since = COALESCE(failing_since, NOW()), failure_alerted = TRUE"
            " WHERE id = $1",
            connection.marketplace_id,
        )
        if not already:
            await outbox.add(conn, outbox.SyncFailure(connection.marketplace_id, connection.name, error[:500]))
