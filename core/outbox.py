"""The notifications outbox: alerts written in the same transaction as the change that caused them.

The bot's sender drains it into Telegram; nothing is lost when Telegram is unreachable.
"""

from __future__ import annotations

from typing import Any

from core.db import Conn

STOCK_LOW = "stock_low"
STOCK_OUT = "stock_out"
STOCK_BACK = "stock_back"
ORDER_PLACED = "order_placed"
ORDER_STATUS = "order_status"
PAYMENT_NEEDS_REFUND = "payment_needs_refund"
SYNC_FAILURE = "sync_failure"
# A marketplace answered 429 and the account's calls pause for longer than a request waits; then, once its
# calls go through again, recovered. One of each per throttle episode (sync.throttle_alerts).
SYNC_THROTTLED = "sync_throttled"
SYNC_RECOVERED = "sync_recovered"
MARKETPLACE_ORDER_PROBLEM = "marketplace_order_problem"
STOCK_DRIFT = "stock_drift"
WEBHOOK_FAILURE = "webhook_failure"


async def add(conn: Conn, kind: str, payload: dict[str, Any]) -> None:
    await conn.execute("INSERT INTO notifications (kind, payload) VALUES ($1, $2)", kind, payload)
