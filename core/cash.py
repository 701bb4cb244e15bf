"""Cash on delivery: an admin marks an order's cash as collected (who, when), which makes the order paid. Until
then a cash order that is not cancelled is "cash expected", whatever its delivery status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core import audit
from core.db import Conn
from core.errors import DomainError, NotFound
from core.unit_of_work import UnitOfWork

CASH = "cash"


class Refusal(StrEnum):
    NOT_CASH = "not_cash"
    CANCELLED = "cancelled"
    COLLECTED = "collected"


class CashRefused(DomainError):
    """The order's cash cannot be marked collected: it is not paid in cash, it was cancelled, or someone
    already marked it (a second tap)."""

    code = "cash_refused"

    def __init__(self, order_id: int, reason: Refusal) -> None:
        super().__init__(f"order {order_id}: cash not marked collected ({reason.value})")
        self.reason = reason


@dataclass(frozen=True)
class Collected:
    order_id: int
    collected_at: datetime
    collected_by: int


def expected(payment_method: str | None, status: str, collected_at: datetime | None) -> bool:
    """Cash the shop still waits for: a cash order, not cancelled, nobody marked it collected."""
    return payment_method == CASH and status != "cancelled" and collected_at is None


async def collect(uow: UnitOfWork, order_id: int, admin_id: int) -> Collected:
    """Mark the order's cash collected by `admin_id` now: payment status paid, audited, in the caller's unit.
    The order row is locked first, so two admins tapping at once give one collection and one refusal."""
    conn: Conn = uow.conn
    order = await conn.fetchrow(
        "SELECT payment_method, status, payment_status, cash_collected_at, total, currency"
        " FROM orders WHERE id = $1 FOR UPDATE",
        order_id,
    )
    if order is None:
        raise NotFound("order", order_id)
    if order["payment_method"] != CASH:
        raise CashRefused(order_id, Refusal.NOT_CASH)
    if order["cash_collected_at"] is not None:
        raise CashRefused(order_id, Refusal.COLLECTED)
    if order["status"] == "cancelled":
        raise CashRefused(order_id, Refusal.CANCELLED)
    collected_at: datetime = await conn.fetchval(
        "UPDATE orders SET cash_collected_at = NOW(), cash_collected_by = $2, payment_status = 'paid'"
        " WHERE id = $1 RETURNING cash_collected_at",
        order_id,
        admin_id,
    )
    await audit.record(
        conn,
        admin_id,
        audit.CASH_COLLECT,
        "order",
        order_id,
        {"payment_status": order["payment_status"], "cash_collected_at": None},
        {
            "payment_status": "paid",
            "cash_collected_at": collected_at.isoformat(),
            "amount": order["total"],
            "currency": order["currency"],
        },
    )
    return Collected(order_id, collected_at, admin_id)
