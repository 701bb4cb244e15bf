"""The status machine of an order, and what each move does to its stock: cancelling gives it back, and the
checkout hold of a card order ends as a sale (confirmed, or paid) or goes back (cancelled)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core import inventory, outbox
from core.errors import InvalidTransition, NotFound
from core.inventory import Movement, Source
from core.unit_of_work import UnitOfWork


class Status(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


NEXT_STATUSES: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.CONFIRMED, Status.CANCELLED}),
    Status.CONFIRMED: frozenset({Status.PROCESSING, Status.CANCELLED}),
    Status.PROCESSING: frozenset({Status.SHIPPED, Status.CANCELLED}),
    Status.SHIPPED: frozenset({Status.DELIVERED}),
    Status.DELIVERED: frozenset(),
    Status.CANCELLED: frozenset(),
}

# A marketplace may cancel an order after its goods left (refused at the pickup point, lost on the way): never an
# admin's step, so no button offers it.
PLATFORM_ONLY: dict[Status, frozenset[Status]] = {Status.SHIPPED: frozenset({Status.CANCELLED})}
# The way an order goes forward: a marketplace's progress is followed through each of these.
FORWARD = (Status.PENDING, Status.CONFIRMED, Status.PROCESSING, Status.SHIPPED, Status.DELIVERED)

_TIMESTAMP_OF = {Status.CONFIRMED: "confirmed_at", Status.DELIVERED: "delivered_at", Status.CANCELLED: "cancelled_at"}


@dataclass(frozen=True)
class StatusChange:
    order_id: int
    status: Status


_HISTORY = "INSERT INTO order_status_history (order_id, status, notes, changed_by) VALUES ($1, $2, $3, $4)"


async def change_status(
    uow: UnitOfWork,
    order_id: int,
    target: Status,
    *,
    changed_by: int | None = None,
    note: str | None = None,
    goods_left: bool = False,
    by_platform: bool = False,
) -> StatusChange:
    """Move an order along the status machine; cancelling gives its stock back, unless its goods already left the
    warehouse (``goods_left``: a marketplace cancelled it after the courier took it), which come back as a return
    an admin decides on (core.fbs.decide_return): given back now, they would count twice. ``by_platform``: the
    marketplace moved it, which may take a step no admin can (PLATFORM_ONLY)."""
    conn = uow.conn
    order = await conn.fetchrow(
        "SELECT id, status, payment_status, user_id, order_number, marketplace_id FROM orders WHERE id = $1 FOR UPDATE",
        order_id,
    )
    if order is None:
        raise NotFound("order", order_id)
    current = Status(order["status"])
    allowed = NEXT_STATUSES[current] | (PLATFORM_ONLY.get(current, frozenset()) if by_platform else frozenset())
    if target not in allowed:
        raise InvalidTransition(current.value, target.value)
    source = Source("order", order_id, order["marketplace_id"], changed_by, note or f"{order['order_number']} {target}")
    if order["payment_status"] == "awaiting_payment":
        # The hold ends either way: a cancel gives it back, an admin's confirmation makes it a sale.
        await _end_holds(uow, order_id, source, commit=target != Status.CANCELLED)
        payment_status = "unpaid"
    else:
        payment_status = order["payment_status"]
        if target == Status.CANCELLED and not goods_left:
            await _give_back(uow, order_id, source)
    stamp = _TIMESTAMP_OF.get(target)
    await conn.execute(
        f"UPDATE orders SET status = $2, payment_status = $3{f', {stamp} = NOW()' if stamp else ''} WHERE id = $1",
        order_id,
        target.value,
        payment_status,
    )
    await conn.execute(_HISTORY, order_id, target.value, note, changed_by)
    if order["user_id"] is not None:  # own-store customers hear about every change of their orders
        await outbox.add(conn, outbox.OrderStatus(order_id, order["order_number"], target.value, order["user_id"]))
    return StatusChange(order_id, target)


async def follow_platform(uow: UnitOfWork, order_id: int, target: Status, *, note: str) -> bool:
    """Bring a marketplace order forward to where its platform says it is (SHIPPED, DELIVERED), through each status
    between; returns whether it moved. An order already there, further on or cancelled stays as it is."""
    current = Status(await uow.conn.fetchval("SELECT status FROM orders WHERE id = $1 FOR UPDATE", order_id))
    if current not in FORWARD or FORWARD.index(current) >= FORWARD.index(target):
        return False
    for step in FORWARD[FORWARD.index(current) + 1 : FORWARD.index(target) + 1]:
        await change_status(uow, order_id, step, note=note)
    return True


async def mark_paid(
    uow: UnitOfWork, order_id: int, *, charge_id: str | None = None, note: str | None = None
) -> StatusChange:
    """Payment arrived for an order placed with hold_for_payment: its holds become sales.

    Idempotent on the payment (a retried notice changes nothing). Money that arrives for an order that
    was cancelled meanwhile is recorded and raises a refund alert for the admins, never lost silently."""
    conn = uow.conn
    order = await conn.fetchrow(
        "SELECT status, payment_status, order_number, marketplace_id, total, telegram_payment_charge_id"
        " FROM orders WHERE id = $1 FOR UPDATE",
        order_id,
    )
    if order is None:
        raise NotFound("order", order_id)
    if order["payment_status"] == "paid":
        return StatusChange(order_id, Status(order["status"]))
    source = Source("order", order_id, order["marketplace_id"], None, note or f"{order['order_number']} paid")
    if order["status"] == Status.PENDING and order["payment_status"] == "awaiting_payment":
        await _end_holds(uow, order_id, source, commit=True)
    elif order["status"] == Status.CANCELLED:
        await outbox.add(
            conn, outbox.PaymentNeedsRefund(order_id, order["order_number"], order["total"], order["status"], charge_id)
        )
    await conn.execute(
        "UPDATE orders SET payment_status = 'paid', telegram_payment_charge_id = $2 WHERE id = $1", order_id, charge_id
    )
    await conn.execute(_HISTORY, order_id, order["status"], note or "paid", None)
    return StatusChange(order_id, Status(order["status"]))


async def _end_holds(uow: UnitOfWork, order_id: int, source: Source, *, commit: bool) -> None:
    conn = uow.conn
    holds = await conn.fetch(
        "SELECT id, product_id FROM stock_reservations WHERE order_id = $1 AND status = 'held' ORDER BY product_id",
        order_id,
    )
    await inventory.lock(conn, (hold["product_id"] for hold in holds))
    for hold in holds:
        if commit:
            await inventory.commit(uow, hold["id"], source)
        else:
            await inventory.release(uow, hold["id"], source)


async def _give_back(uow: UnitOfWork, order_id: int, source: Source) -> None:
    conn = uow.conn
    items = await conn.fetch(
        "SELECT product_id, SUM(quantity - cancelled_quantity)::int AS quantity FROM order_items"
        " WHERE order_id = $1 AND product_id IS NOT NULL GROUP BY product_id"
        " HAVING SUM(quantity - cancelled_quantity) > 0 ORDER BY product_id",
        order_id,
    )
    await inventory.lock(conn, (item["product_id"] for item in items))
    for item in items:
        await inventory.give_back(uow, item["product_id"], item["quantity"], Movement.CANCEL, source)
