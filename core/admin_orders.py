"""Orders as the seller's back office sees them: manual orders typed in by an admin, the filtered order list,
one order's card, and status changes checked against what the admin saw. Every write is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core import audit, order_status, orders
from core.db import Conn
from core.errors import InvalidTransition, NotFound, ValidationError
from core.order_status import NEXT_STATUSES, Status, StatusChange
from core.orders import Customer, Line, NewOrder, PlacedOrder, Quote
from core.phones import normalize_phone
from core.unit_of_work import UnitOfWork

# Forward steps first, cancelling last: the order the buttons are shown in.
_STATUS_ORDER = list(Status)


@dataclass(frozen=True)
class Channel:
    id: int
    name: str


async def manual_channels(conn: Conn) -> list[Channel]:
    """Channels an admin may type orders for: the active manual ones (OLX, Bir-Bir, ...)."""
    rows = await conn.fetch(
        "SELECT id, name FROM marketplaces WHERE integration_type = 'manual' AND is_active ORDER BY name, id"
    )
    return [Channel(**row) for row in rows]


async def channels(conn: Conn) -> list[Channel]:
    return [Channel(**row) for row in await conn.fetch("SELECT id, name FROM marketplaces ORDER BY id")]


async def _require_manual(conn: Conn, channel_id: int) -> None:
    kind = await conn.fetchval("SELECT integration_type FROM marketplaces WHERE id = $1", channel_id)
    if kind is None:
        raise NotFound("channel", channel_id)
    if kind != "manual":
        raise ValidationError("orders are typed in only for manual channels", "channel")


async def quote_manual(
    conn: Conn, channel_id: int, lines: tuple[Line, ...], delivery_fee: Decimal = Decimal(0)
) -> Quote:
    """Totals, cost and profit of a manual order being typed in; raises OutOfStock like placing it would."""
    await _require_manual(conn, channel_id)
    return await orders.quote(conn, channel_id, lines, delivery_fee)


async def place_manual(
    uow: UnitOfWork,
    channel_id: int,
    lines: tuple[Line, ...],
    customer: Customer,
    admin_id: int,
    delivery_fee: Decimal = Decimal(0),
) -> PlacedOrder:
    """A buyer phoned in: the order goes through the one door (`orders.place`) at the admin's prices."""
    conn = uow.conn
    await _require_manual(conn, channel_id)
    address = (customer.address or "").strip() or None
    customer = Customer(customer.name.strip(), normalize_phone(customer.phone), address)
    placed = await orders.place(
        uow, NewOrder(channel_id, lines, customer, created_by=admin_id, delivery_fee=delivery_fee)
    )
    await audit.record(
        conn,
        admin_id,
        audit.ORDER_PLACE,
        "order",
        placed.id,
        None,
        {
            "order_number": placed.order_number,
            "channel_id": channel_id,
            "total": placed.total,
            "items": [
                {"product_id": line.product_id, "quantity": line.quantity, "price": line.price} for line in lines
            ],
        },
    )
    return placed


@dataclass(frozen=True)
class OrderFilter:
    status: Status | None = None
    channel_id: int | None = None
    # [start, end) of "today" in the seller's time zone, when only today's orders are wanted.
    since: datetime | None = None
    until: datetime | None = None
    page: int = 0
    per_page: int = 8


@dataclass(frozen=True)
class ListedOrder:
    """An order in the list."""

    id: int
    order_number: str
    status: str
    total: Decimal
    customer_name: str
    order_date: datetime
    channel: str
    currency: str  # of the total: a marketplace's (RUB, ...) or the base currency


_LIST = """
SELECT o.id, o.order_number, o.status, o.total, o.customer_name, o.order_date, m.name AS channel, o.currency,
       COUNT(*) OVER () AS total_count
  FROM orders o
  JOIN marketplaces m ON m.id = o.marketplace_id
 WHERE ($1::text IS NULL OR o.status = $1)
   AND ($2::int IS NULL OR o.marketplace_id = $2)
   AND ($3::timestamptz IS NULL OR o.order_date >= $3)
   AND ($4::timestamptz IS NULL OR o.order_date < $4)
 ORDER BY o.order_date DESC, o.id DESC
 LIMIT $5 OFFSET $6
"""


async def list_orders(conn: Conn, wanted: OrderFilter) -> tuple[list[ListedOrder], int]:
    """One page of orders, newest first, and how many match in all."""
    rows = await conn.fetch(
        _LIST,
        wanted.status.value if wanted.status else None,
        wanted.channel_id,
        wanted.since,
        wanted.until,
        wanted.per_page,
        max(0, wanted.page) * wanted.per_page,
    )
    page = [ListedOrder(**{key: value for key, value in row.items() if key != "total_count"}) for row in rows]
    return page, rows[0]["total_count"] if rows else 0


@dataclass(frozen=True)
class OrderView:
    """One order with its money and who typed it in (None unless an admin did)."""

    id: int
    order_number: str
    status: str
    order_date: datetime
    channel: str
    customer_name: str
    customer_phone: str
    customer_address: str | None
    subtotal: Decimal
    delivery_fee: Decimal
    total: Decimal
    total_cost: Decimal | None  # in the base currency; fees and profit are core.order_money's
    payment_status: str
    created_by_name: str | None
    note: str | None  # the customer's words with the order
    # The own store's delivery zone (core.delivery) in both languages; None without a zone.
    delivery_zone_uz: str | None = None
    delivery_zone_ru: str | None = None


@dataclass(frozen=True)
class OrderItem:
    product_id: int | None
    product_name: str
    product_sku: str
    price: Decimal
    quantity: int
    subtotal: Decimal
    profit: Decimal | None


@dataclass(frozen=True)
class StatusEntry:
    status: str
    notes: str | None
    created_at: datetime
    changed_by_name: str | None


@dataclass(frozen=True)
class OrderCard:
    order: OrderView
    items: list[OrderItem]
    history: list[StatusEntry]

    @property
    def status(self) -> Status:
        return Status(self.order.status)

    @property
    def next_statuses(self) -> list[Status]:
        return [status for status in _STATUS_ORDER if status in NEXT_STATUSES[self.status]]


_CARD = """
SELECT o.id, o.order_number, o.status, o.order_date, m.name AS channel, o.customer_name, o.customer_phone,
       o.customer_address, o.subtotal, o.delivery_fee, o.total, o.total_cost,
       o.payment_status, u.first_name AS created_by_name, o.note,
       z.name_uz AS delivery_zone_uz, z.name_ru AS delivery_zone_ru
  FROM orders o
  JOIN marketplaces m ON m.id = o.marketplace_id
  LEFT JOIN users u ON u.id = o.created_by
  LEFT JOIN delivery_zones z ON z.id = o.delivery_zone_id
 WHERE o.id = $1
"""


async def order_card(conn: Conn, order_id: int) -> OrderCard:
    order = await conn.fetchrow(_CARD, order_id)
    if order is None:
        raise NotFound("order", order_id)
    items = await conn.fetch(
        "SELECT product_id, product_name, product_sku, price, quantity, subtotal, profit"
        " FROM order_items WHERE order_id = $1 ORDER BY id",
        order_id,
    )
    history = await conn.fetch(
        "SELECT h.status, h.notes, h.created_at, u.first_name AS changed_by_name FROM order_status_history h"
        " LEFT JOIN users u ON u.id = h.changed_by WHERE h.order_id = $1 ORDER BY h.created_at, h.id",
        order_id,
    )
    return OrderCard(
        OrderView(**order), [OrderItem(**item) for item in items], [StatusEntry(**entry) for entry in history]
    )


async def change_status(
    uow: UnitOfWork, order_id: int, expected: Status, target: Status, admin_id: int
) -> StatusChange:
    """Move an order on, but only from the status the admin was looking at: a second tap, or another admin
    who was quicker, gets InvalidTransition instead of a surprise. Cancelling gives the stock back."""
    conn = uow.conn
    current = await conn.fetchval("SELECT status FROM orders WHERE id = $1 FOR UPDATE", order_id)
    if current is None:
        raise NotFound("order", order_id)
    if current != expected:
        raise InvalidTransition(current, target.value)
    change = await order_status.change_status(uow, order_id, target, changed_by=admin_id)
    await audit.record(
        conn, admin_id, audit.ORDER_STATUS, "order", order_id, {"status": current}, {"status": target.value}
    )
    return change
