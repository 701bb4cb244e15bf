"""Returns the marketplaces list, brought in once each (core.fbs.store_return) for an admin to decide: back to
stock or written off. Nothing moves our stock before that decision; every pull writes a sync_logs row."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from core import fbs, marketplace_orders
from core.db import Conn
from core.marketplaces import Connection
from core.unit_of_work import Effects
from sync.adapter import Fulfilment
from sync.http import MarketplaceError
from sync.pull import CATCH_UP_MARGIN, PullRun, logged

# A newly connected marketplace's first pull asks for the returns of this long ago, not its whole history: the
# admins hear of what is on its way back now, not of every return the shop ever had.
FIRST_LOOK_BACK = timedelta(days=3)
# Returns wait for an admin's decision, not for the minute: their reports are slow (Wildberries allows one a
# minute) and a pull round that waits on them keeps every other marketplace's orders waiting too. A platform's
# notice of a return makes the pull due at once (sync.webhook_worker).
RETURNS_EVERY = timedelta(minutes=15)


async def pull_returns(
    conn: Conn, effects: Effects, connection: Connection, adapter: Fulfilment, *, trigger: str = "scheduled"
) -> PullRun:
    started, clock = datetime.now(UTC), time.monotonic()
    last = await conn.fetchval("SELECT returns_pulled_at FROM marketplaces WHERE id = $1", connection.marketplace_id)
    since = started - FIRST_LOOK_BACK if last is None else last - CATCH_UP_MARGIN
    try:
        returns = await adapter.returns(since)
    except MarketplaceError as error:
        return await logged(
            conn, connection, "returns", trigger, started, clock, PullRun("returns", "error", 0, 0, str(error))
        )
    stored = 0
    for incoming in returns:
        async with effects.transaction(conn) as unit:
            lines = [
                fbs.ReturnedLine(
                    await marketplace_orders.resolve(conn, connection.marketplace_id, line),
                    line.quantity,
                    line.title or line.key(),
                )
                for line in incoming.lines
            ]
            stored += await fbs.store_return(
                unit,
                connection.marketplace_id,
                key=incoming.key,
                order_key=incoming.order_key,
                lines=lines,
                reason=incoming.reason,
                defective=incoming.defective,
            )
    await conn.execute(
        "UPDATE marketplaces SET returns_pulled_at = $2 WHERE id = $1", connection.marketplace_id, started
    )
    return await logged(conn, connection, "returns", trigger, started, clock, PullRun("returns", "success", stored, 0))
