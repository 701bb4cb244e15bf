"""The marketplaces' own finance figures, pulled once a day per API marketplace (and on demand from the CLI): the
adapter's report for the last days goes into core.finance_import in one transaction, and every run writes a
'finance' row in sync_logs."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import aiohttp

from core import marketplaces
from core.db import Conn
from core.finance_import import FinanceCounts, record
from core.marketplaces import Connection
from core.periodic import Job
from core.unit_of_work import Effects
from core.unreadable_keys import UnreadableKeys
from core.vault import Vault
from sync.adapter import Finance
from sync.adapters import build_adapter
from sync.http import MarketplaceError
from sync.limiter import RateLimits

log = logging.getLogger(__name__)

# Each day the last 30 days are read again: a platform books an order's money over weeks (Wildberries' weekly
# reports come out days after the week, a return's refund of commission weeks after the sale), and a line read
# again is counted once (core.finance_import).
DEFAULT_DAYS = 30
EVERY = timedelta(days=1)
# How often the process looks whether a marketplace's daily read is due.
CHECK_SECONDS = 3600.0

_LOG = """
INSERT INTO sync_logs (marketplace_id, sync_type, direction, trigger_type, status, items_processed, items_failed,
                       error_message, started_at, completed_at, duration_ms)
VALUES ($1, 'finance', 'pull', $2, $3, $4, 0, $5, $6, NOW(), $7)
"""

_DUE = """
SELECT NOT EXISTS (SELECT 1 FROM sync_logs WHERE marketplace_id = $1 AND sync_type = 'finance'
                      AND status = 'success' AND started_at > NOW() - $2::interval)
"""


@dataclass(frozen=True)
class FinanceRun:
    status: str  # 'success' or 'error'
    counts: FinanceCounts = field(default_factory=FinanceCounts)
    error: str | None = None


async def pull_finance(
    conn: Conn,
    effects: Effects,
    connection: Connection,
    adapter: Finance,
    *,
    days: int = DEFAULT_DAYS,
    trigger: str = "scheduled",
) -> FinanceRun:
    """Read the platform's finance report of the last `days` days and record it (one transaction: an order's
    estimated fees never sit beside half of its actual ones)."""
    started, clock = datetime.now(UTC), time.monotonic()
    try:
        report = await adapter.finance(started - timedelta(days=days), started)
        async with effects.transaction(conn) as unit:
            run = FinanceRun("success", await record(unit, connection.marketplace_id, report))
    except MarketplaceError as error:
        run = FinanceRun("error", error=str(error))
    counts = run.counts
    await conn.execute(
        _LOG,
        connection.marketplace_id,
        trigger,
        run.status,
        counts.orders + counts.day_costs,
        run.error,
        started,
        int((time.monotonic() - clock) * 1000),
    )
    if counts.unknown_orders:
        log.info("%s finance: %d orders we do not hold", connection.slug, counts.unknown_orders)
    return run


def daily_job(
    effects: Effects,
    vault: Vault,
    limits: RateLimits,
    *,
    route: Callable[[Connection], Connection] | None = None,
) -> Job:
    """The process's job (core.periodic.run_periodically): each API marketplace whose adapter reads finance and
    that had no successful read in the last day is read now."""

    unreadable_keys = UnreadableKeys("finance reads")

    async def job(conn: Conn) -> None:
        # One marketplace whose keys do not open must not keep the others' finance unread.
        connections, unreadable = await marketplaces.readable_api_connections(conn, vault)
        await unreadable_keys.tell(conn, unreadable)
        async with aiohttp.ClientSession() as session:
            for connection in connections:
                if not connection.auto_sync_enabled or not await conn.fetchval(_DUE, connection.marketplace_id, EVERY):
                    continue
                if route is not None:
                    connection = route(connection)
                try:
                    adapter = build_adapter(connection, session, limits)
                except MarketplaceError as error:
                    log.warning("cannot read %s finance: %s", connection.slug, error)
                    continue
                if isinstance(adapter, Finance):
                    run = await pull_finance(conn, effects, connection, adapter)
                    if run.status != "success":
                        log.info("finance %s: %s", connection.slug, run.error)

    return job
