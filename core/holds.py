"""Checkout holds of card orders: the last check before the charge keeps them alive a while longer, and the
sweeper ends those whose payment never came (the order is cancelled, a loose hold released)."""

from __future__ import annotations

from datetime import timedelta

from core import inventory
from core.db import Conn
from core.inventory import Source
from core.order_status import Status, change_status
from core.unit_of_work import Effects, UnitOfWork


async def payable(conn: Conn, order_id: int, amount: int, *, grace: timedelta) -> str | None:
    """Checked just before a customer pays (Telegram's pre-checkout): None when the payment may go ahead,
    else why not. `amount` is in the currency's smallest unit. The holds get `grace` more time, so that
    they cannot expire while the payment goes through."""
    order = await conn.fetchrow("SELECT status, payment_status, total FROM orders WHERE id = $1 FOR UPDATE", order_id)
    if order is None:
        return "order not found"
    if order["status"] != Status.PENDING or order["payment_status"] != "awaiting_payment":
        return "this order is no longer waiting for a payment"
    if int(order["total"] * 100) != amount:
        return "the amount does not match the order"
    extended = await conn.execute(
        "UPDATE stock_reservations SET expires_at = GREATEST(expires_at, NOW() + $2::interval)"
        " WHERE order_id = $1 AND status = 'held'",
        order_id,
        grace,
    )
    return None if not extended.endswith(" 0") else "the reservation has expired; please order again"


async def release_expired_holds(uow: UnitOfWork, limit: int = 100) -> int:
    """Sweep checkout holds past their expiry: unpaid orders are cancelled, loose holds released; returns how
    many orders and loose holds it ended.

    Rows are claimed with SKIP LOCKED so replicas sweeping at once share the work instead of waiting.
    Orders are locked before their holds, in the same order `order_status.mark_paid` takes them, so the two never
    deadlock.
    """
    conn = uow.conn
    orders = await conn.fetch(
        """
        SELECT o.id FROM orders o
         WHERE o.status = 'pending' AND o.payment_status = 'awaiting_payment'
           AND EXISTS (SELECT 1 FROM stock_reservations r
                        WHERE r.order_id = o.id AND r.status = 'held' AND r.expires_at <= NOW())
         ORDER BY o.id
         LIMIT $1
           FOR UPDATE OF o SKIP LOCKED
        """,
        limit,
    )
    for order in orders:
        await change_status(uow, order["id"], Status.CANCELLED, note="payment not received in time")
    loose = await conn.fetch(
        """
        SELECT id, product_id FROM stock_reservations
         WHERE status = 'held' AND order_id IS NULL AND expires_at <= NOW()
         ORDER BY product_id
         LIMIT $1
           FOR UPDATE SKIP LOCKED
        """,
        limit,
    )
    await inventory.lock(conn, (hold["product_id"] for hold in loose))
    for hold in loose:
        await inventory.release(uow, hold["id"], Source("reservation", hold["id"], notes="expired"))
    return len(orders) + len(loose)


async def sweep_expired_holds(conn: Conn, effects: Effects) -> int:
    """The sweeper job: release expired holds batch by batch, one unit of work each; returns how many orders
    and loose holds it ended."""
    ended = 0
    while True:
        async with effects.transaction(conn) as uow:
            batch = await release_expired_holds(uow)
        if not batch:
            return ended
        ended += batch
