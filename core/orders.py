"""Orders from every channel through one door: `place`, then the status machine.

`place` checks every line, takes the stock (or holds it until payment), and writes the order with price,
cost, commission and profit snapshots, all in the caller's transaction: any failing line leaves no trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

import asyncpg
from redis.asyncio import Redis

from core import events, inventory, outbox
from core.errors import InvalidTransition, NotFound, OutOfStock, ProductInactive, ValidationError
from core.inventory import Movement, Source, StockLevel

CENT = Decimal("0.01")
MAX_LINE_QUANTITY = 100_000
DEFAULT_RESERVATION_TTL = timedelta(minutes=15)


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

_TIMESTAMP_OF = {Status.CONFIRMED: "confirmed_at", Status.DELIVERED: "delivered_at", Status.CANCELLED: "cancelled_at"}


@dataclass(frozen=True)
class Line:
    product_id: int
    quantity: int
    # Manual channels: the admin's price. API channels: the marketplace's price. Own store: ignored.
    price: Decimal | None = None
    marketplace_product_id: str | None = None


@dataclass(frozen=True)
class Customer:
    name: str
    phone: str
    address: str | None = None


@dataclass(frozen=True)
class NewOrder:
    channel_id: int
    lines: tuple[Line, ...]
    customer: Customer
    user_id: int | None = None
    created_by: int | None = None
    marketplace_order_id: str | None = None
    delivery_fee: Decimal = Decimal(0)
    payment_method: str | None = None
    note: str | None = None
    hold_for_payment: bool = False
    # When the buyer ordered, if not now (a marketplace order imported after the fact): its sales day.
    placed_at: datetime | None = None


@dataclass(frozen=True)
class PlacedOrder:
    id: int
    order_number: str
    total: Decimal
    created: bool
    stock: tuple[StockLevel, ...] = field(default=())


@dataclass(frozen=True)
class StatusChange:
    order_id: int
    status: Status
    stock: tuple[StockLevel, ...] = field(default=())


_CHANNEL = """
SELECT id AS channel_id, name AS channel_name, integration_type, is_active AS channel_active,
       default_commission_rate,
       COALESCE(order_prefix, UPPER(LEFT(REGEXP_REPLACE(slug, '[^a-z0-9]', '', 'g'), 3))) AS prefix
  FROM marketplaces
 WHERE id = $1
"""

_EXISTING_IMPORT = """
SELECT id, order_number, total FROM orders WHERE marketplace_id = $1 AND marketplace_order_id = $2
"""

# The lines' products with the channel's columns on every row (the channel is read once with them), their
# stock rows locked in product id order (ORDER BY before FOR UPDATE): concurrent orders never deadlock. Stock
# rows are matched by ANY on both sides so the one generic plan is two index scans: prepared once per
# connection, never re-planned per order. The rows carry what inventory needs to sell from them.
_PRODUCTS = """
SELECT c.id AS channel_id, c.name AS channel_name, c.integration_type, c.is_active AS channel_active,
       c.default_commission_rate,
       COALESCE(c.order_prefix, UPPER(LEFT(REGEXP_REPLACE(c.slug, '[^a-z0-9]', '', 'g'), 3))) AS prefix,
       p.id, p.sku, p.name_uz, p.is_active, p.inactive_reason, p.low_stock_threshold,
       p.cost_price, COALESCE(p.sale_price, p.price) AS price,
       i.quantity, i.reserved_quantity, i.quantity - i.reserved_quantity AS available,
       mp.marketplace_product_id, mp.marketplace_price, mp.commission_rate
  FROM marketplaces c
  JOIN products p ON p.id = ANY($1::int[])
  JOIN inventory i ON i.product_id = p.id AND i.product_id = ANY($1::int[])
  LEFT JOIN marketplace_products mp ON mp.product_id = p.id AND mp.marketplace_id = c.id
 WHERE c.id = $2
 ORDER BY p.id
   FOR UPDATE OF i
"""

# One round trip for the whole order, whatever its number of lines: the order (numbered from the sequence:
# $1 is "PREFIX-YYYYMMDD-", then at least six digits), its items, the products' order counts and the first
# history row. The item arrays ($18..$28) run in step, one element per line. Each product finds its quantity by
# ARRAY_POSITION rather than by a join to UNNEST, whose generic plan would scan every product.
_WRITE_ORDER = """
WITH number AS (
    SELECT nextval('order_number_seq') AS sequence
), new_order AS (
    INSERT INTO orders (
        order_number, marketplace_id, marketplace_order_id, user_id, created_by,
        customer_name, customer_phone, customer_address,
        subtotal, delivery_fee, total, total_cost, total_profit, total_commission,
        payment_status, payment_method, note, order_date
    )
    SELECT $1 || LPAD(sequence::text, GREATEST(LENGTH(sequence::text), 6), '0'),
           $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, COALESCE($32::timestamptz, NOW())
      FROM number
    RETURNING id, order_number
), items AS (
    INSERT INTO order_items (
        order_id, product_id, product_name, product_sku, marketplace_product_id,
        price, cost_price, quantity, subtotal, commission_rate, commission, profit
    )
    SELECT new_order.id, line.*
      FROM new_order, UNNEST(
          $18::int[], $19::text[], $20::text[], $21::text[], $22::numeric[], $23::numeric[], $24::int[],
          $25::numeric[], $26::numeric[], $27::numeric[], $28::numeric[]
      ) AS line
), counted AS (
    UPDATE products SET order_count = order_count + ($24::int[])[ARRAY_POSITION($18::int[], id)]
     WHERE id = ANY($18::int[])
), history AS (
    INSERT INTO order_status_history (order_id, status, notes, changed_by)
    SELECT id, $29, $30, $31 FROM new_order
)
SELECT id, order_number FROM new_order
"""

_HISTORY = "INSERT INTO order_status_history (order_id, status, notes, changed_by) VALUES ($1, $2, $3, $4)"


@dataclass(frozen=True)
class _Priced:
    line: Line
    product: asyncpg.Record
    price: Decimal
    commission_rate: Decimal
    subtotal: Decimal
    commission: Decimal
    cost: Decimal | None
    profit: Decimal


async def place(
    conn: asyncpg.Connection, order: NewOrder, *, reservation_ttl: timedelta = DEFAULT_RESERVATION_TTL
) -> PlacedOrder:
    """Place an order on any channel. API imports are idempotent on (channel, marketplace order id)."""
    lines = _merge_lines(order.lines)
    _validate(order)
    product_ids = [line.product_id for line in lines]
    if order.marketplace_order_id is None:  # the channel comes with the products: one round trip less
        found, products = await _read(conn, order.channel_id, product_ids)
        channel = _checked_channel(found, order)
    else:  # an import first makes sure it is new, before it locks any stock
        channel = _checked_channel(await conn.fetchrow(_CHANNEL, order.channel_id), order)
        # Two imports of one marketplace order wait for each other here; the second finds the first.
        await conn.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))", order.channel_id, order.marketplace_order_id
        )
        existing = await conn.fetchrow(_EXISTING_IMPORT, order.channel_id, order.marketplace_order_id)
        if existing is not None:
            return PlacedOrder(existing["id"], existing["order_number"], existing["total"], created=False)
        _, products = await _read(conn, order.channel_id, product_ids)
    priced = [_price(line, products, channel) for line in lines]

    subtotal = sum((p.subtotal for p in priced), Decimal(0))
    total_cost = sum((p.cost or Decimal(0) for p in priced), Decimal(0))
    total_commission = sum((p.commission for p in priced), Decimal(0))
    total_profit = sum((p.profit for p in priced), Decimal(0))
    changed_by = order.created_by or order.user_id
    written = await conn.fetchrow(
        _WRITE_ORDER,
        f"{channel['prefix']}-{datetime.now(UTC):%Y%m%d}-", channel["channel_id"], order.marketplace_order_id,
        order.user_id, order.created_by, order.customer.name.strip(), order.customer.phone.strip(),
        order.customer.address,
        subtotal, order.delivery_fee, subtotal + order.delivery_fee, total_cost, total_profit, total_commission,
        "awaiting_payment" if order.hold_for_payment else "unpaid", order.payment_method, order.note,
        [p.line.product_id for p in priced],
        [p.product["name_uz"] for p in priced],
        [p.product["sku"] for p in priced],
        [p.line.marketplace_product_id or p.product["marketplace_product_id"] for p in priced],
        [p.price for p in priced],
        [p.product["cost_price"] for p in priced],
        [p.line.quantity for p in priced],
        [p.subtotal for p in priced],
        [p.commission_rate for p in priced],
        [p.commission for p in priced],
        [p.profit for p in priced],
        Status.PENDING.value, f"placed via {channel['channel_name']}", changed_by, order.placed_at,
    )
    order_id, order_number = written["id"], written["order_number"]

    source = Source("order", order_id, channel["channel_id"], changed_by, order_number)
    if order.hold_for_payment:
        expires_at = datetime.now(UTC) + reservation_ttl
        stock = [
            (await inventory.reserve(conn, p.line.product_id, p.line.quantity, expires_at, source, order_id))[1]
            for p in priced
        ]
    else:
        stock = await inventory.sell_many(
            conn, [(p.line.product_id, p.line.quantity) for p in priced], source, locked=products
        )
    if channel["integration_type"] != "manual":  # the admin who typed a manual order knows about it
        await outbox.add(conn, outbox.OrderPlaced(
            order_id, order_number, channel["channel_name"], subtotal + order.delivery_fee,
            order.customer.name.strip(), tuple(outbox.OrderedItem(p.product["name_uz"], p.line.quantity)
                                               for p in priced),
            user_id=order.user_id,
        ))
    if order.user_id is not None:  # the customer hears that the order arrived (a row of its own: one recipient)
        await outbox.add(conn, outbox.OrderStatus(order_id, order_number, Status.PENDING.value, order.user_id))
    return PlacedOrder(order_id, order_number, subtotal + order.delivery_fee, created=True, stock=tuple(stock))


async def _read(
    conn: asyncpg.Connection, channel_id: int, product_ids: list[int]
) -> tuple[asyncpg.Record | None, dict[int, asyncpg.Record]]:
    """The channel (None if there is none) and the products by id, their stock rows locked."""
    rows = await conn.fetch(_PRODUCTS, product_ids, channel_id)
    # No row at all: no such channel, or none of the products exists (the channel is then read alone).
    channel = rows[0] if rows else await conn.fetchrow(_CHANNEL, channel_id)
    return channel, {row["id"]: row for row in rows}


def _checked_channel(channel: asyncpg.Record | None, order: NewOrder) -> asyncpg.Record:
    if channel is None:
        raise NotFound("channel", order.channel_id)
    if not channel["channel_active"]:
        raise ValidationError(f"channel {channel['channel_name']} is switched off", "channel")
    if (channel["integration_type"] == "api") != (order.marketplace_order_id is not None):
        raise ValidationError("marketplace orders, and only they, carry the marketplace's order id", "channel")
    return channel


def _merge_lines(lines: tuple[Line, ...]) -> list[Line]:
    """One line per product, in product id order (the order stock rows are locked in)."""
    if not lines:
        raise ValidationError("an order needs at least one item", "items")
    merged: dict[int, Line] = {}
    for line in lines:
        if not isinstance(line.quantity, int) or not 1 <= line.quantity <= MAX_LINE_QUANTITY:
            raise ValidationError(f"quantity must be between 1 and {MAX_LINE_QUANTITY}", "quantity")
        if line.price is not None and (not line.price.is_finite() or line.price < 0):
            raise ValidationError("a price cannot be negative", "price")
        if line.product_id in merged:
            first = merged[line.product_id]
            line = Line(line.product_id, first.quantity + line.quantity, first.price, first.marketplace_product_id)
        merged[line.product_id] = line
    return [merged[product_id] for product_id in sorted(merged)]


def _validate(order: NewOrder) -> None:
    if not order.customer.name.strip():
        raise ValidationError("the customer's name is required", "customer_name")
    if not order.customer.phone.strip():
        raise ValidationError("the customer's phone is required", "customer_phone")
    if not order.delivery_fee.is_finite() or order.delivery_fee < 0:
        raise ValidationError("the delivery fee cannot be negative", "delivery_fee")


def _price(line: Line, products: dict[int, asyncpg.Record], channel: asyncpg.Record) -> _Priced:
    product = products.get(line.product_id)
    if product is None:
        raise NotFound("product", line.product_id)
    kind = channel["integration_type"]
    # Hidden because it sold out, the customer hears "out of stock" (below), not "not on sale".
    if kind == "own" and product["inactive_reason"] == "admin":
        raise ProductInactive(product["id"], product["name_uz"])
    if product["available"] < line.quantity:
        raise OutOfStock(product["id"], product["name_uz"], line.quantity, product["available"])
    if kind == "own" or line.price is None:
        price = product["marketplace_price"] if kind == "api" and product["marketplace_price"] else product["price"]
    else:
        price = line.price
    rate = product["commission_rate"] if product["commission_rate"] is not None else channel["default_commission_rate"]
    rate = rate or Decimal(0)
    subtotal = (price * line.quantity).quantize(CENT)
    commission = (subtotal * rate / 100).quantize(CENT, ROUND_HALF_UP)
    cost = None if product["cost_price"] is None else (product["cost_price"] * line.quantity).quantize(CENT)
    profit = subtotal - (cost or Decimal(0)) - commission
    return _Priced(line, product, price, rate, subtotal, commission, cost, profit)


@dataclass(frozen=True)
class QuotedLine:
    product_id: int
    name: str
    sku: str
    quantity: int
    price: Decimal
    subtotal: Decimal
    cost: Decimal | None
    commission: Decimal
    profit: Decimal


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuotedLine, ...]
    subtotal: Decimal
    delivery_fee: Decimal
    total: Decimal
    cost: Decimal
    commission: Decimal
    profit: Decimal


async def quote(
    conn: asyncpg.Connection, channel_id: int, lines: tuple[Line, ...], delivery_fee: Decimal = Decimal(0)
) -> Quote:
    """What `place` would charge and earn for these lines on this channel, taking nothing: the summary an
    admin confirms. Priced by the same code as `place`, so the two never disagree; raises what `place` would
    (OutOfStock, NotFound, ValidationError)."""
    merged = _merge_lines(lines)
    channel, products = await _read(conn, channel_id, [line.product_id for line in merged])
    if channel is None:
        raise NotFound("channel", channel_id)
    priced = [_price(line, products, channel) for line in merged]
    quoted = tuple(
        QuotedLine(p.line.product_id, p.product["name_uz"], p.product["sku"], p.line.quantity, p.price, p.subtotal,
                   p.cost, p.commission, p.profit)
        for p in priced
    )
    subtotal = sum((q.subtotal for q in quoted), Decimal(0))
    cost = sum((q.cost or Decimal(0) for q in quoted), Decimal(0))
    commission = sum((q.commission for q in quoted), Decimal(0))
    profit = sum((q.profit for q in quoted), Decimal(0))
    return Quote(quoted, subtotal, delivery_fee, subtotal + delivery_fee, cost, commission, profit)


async def change_status(
    conn: asyncpg.Connection,
    order_id: int,
    target: Status,
    *,
    changed_by: int | None = None,
    note: str | None = None,
) -> StatusChange:
    """Move an order along the status machine; cancelling gives its stock back."""
    order = await conn.fetchrow(
        "SELECT id, status, payment_status, user_id, order_number, marketplace_id FROM orders WHERE id = $1 FOR UPDATE",
        order_id,
    )
    if order is None:
        raise NotFound("order", order_id)
    current = Status(order["status"])
    if target not in NEXT_STATUSES[current]:
        raise InvalidTransition(current.value, target.value)
    source = Source("order", order_id, order["marketplace_id"], changed_by, note or f"{order['order_number']} {target}")
    stock: list[StockLevel] = []
    if order["payment_status"] == "awaiting_payment":
        # The hold ends either way: a cancel gives it back, an admin's confirmation makes it a sale.
        stock = await _end_holds(conn, order_id, source, commit=target != Status.CANCELLED)
        payment_status = "unpaid"
    else:
        payment_status = order["payment_status"]
        if target == Status.CANCELLED:
            stock = await _give_back(conn, order_id, source)
    stamp = _TIMESTAMP_OF.get(target)
    await conn.execute(
        f"UPDATE orders SET status = $2, payment_status = $3{f', {stamp} = NOW()' if stamp else ''} WHERE id = $1",
        order_id, target.value, payment_status,
    )
    await conn.execute(_HISTORY, order_id, target.value, note, changed_by)
    if order["user_id"] is not None:  # own-store customers hear about every change of their orders
        await outbox.add(conn, outbox.OrderStatus(order_id, order["order_number"], target.value, order["user_id"]))
    return StatusChange(order_id, target, tuple(stock))


async def payable(conn: asyncpg.Connection, order_id: int, amount: int, *, grace: timedelta) -> str | None:
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
        order_id, grace,
    )
    return None if not extended.endswith(" 0") else "the reservation has expired; please order again"


async def mark_paid(
    conn: asyncpg.Connection, order_id: int, *, charge_id: str | None = None, note: str | None = None
) -> StatusChange:
    """Payment arrived for an order placed with hold_for_payment: its holds become sales.

    Idempotent on the payment (a retried notice changes nothing). Money that arrives for an order that
    was cancelled meanwhile is recorded and raises a refund alert for the admins, never lost silently."""
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
    stock: list[StockLevel] = []
    if order["status"] == Status.PENDING and order["payment_status"] == "awaiting_payment":
        stock = await _end_holds(conn, order_id, source, commit=True)
    elif order["status"] == Status.CANCELLED:
        await outbox.add(conn, outbox.PaymentNeedsRefund(order_id, order["order_number"], order["total"],
                                                         order["status"], charge_id))
    await conn.execute(
        "UPDATE orders SET payment_status = 'paid', telegram_payment_charge_id = $2 WHERE id = $1", order_id, charge_id
    )
    await conn.execute(_HISTORY, order_id, order["status"], note or "paid", None)
    return StatusChange(order_id, Status(order["status"]), tuple(stock))


async def _end_holds(conn: asyncpg.Connection, order_id: int, source: Source, *, commit: bool) -> list[StockLevel]:
    holds = await conn.fetch(
        "SELECT id, product_id FROM stock_reservations WHERE order_id = $1 AND status = 'held' ORDER BY product_id",
        order_id,
    )
    await inventory.lock(conn, (hold["product_id"] for hold in holds))
    levels = []
    for hold in holds:
        if commit:
            levels.append(await inventory.commit(conn, hold["id"], source))
        elif (level := await inventory.release(conn, hold["id"], source)) is not None:
            levels.append(level)
    return levels


async def _give_back(conn: asyncpg.Connection, order_id: int, source: Source) -> list[StockLevel]:
    items = await conn.fetch(
        "SELECT product_id, SUM(quantity - cancelled_quantity)::int AS quantity FROM order_items"
        " WHERE order_id = $1 AND product_id IS NOT NULL GROUP BY product_id"
        " HAVING SUM(quantity - cancelled_quantity) > 0 ORDER BY product_id",
        order_id,
    )
    await inventory.lock(conn, (item["product_id"] for item in items))
    return [
        await inventory.give_back(conn, item["product_id"], item["quantity"], Movement.CANCEL, source)
        for item in items
    ]


async def release_expired_holds(conn: asyncpg.Connection, limit: int = 100) -> list[StockLevel]:
    """Sweep checkout holds past their expiry: unpaid orders are cancelled, loose holds released.

    Rows are claimed with SKIP LOCKED so replicas sweeping at once share the work instead of waiting.
    Orders are locked before their holds, in the same order `mark_paid` takes them, so the two never deadlock.
    """
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
    levels: list[StockLevel] = []
    for order in orders:
        change = await change_status(conn, order["id"], Status.CANCELLED, note="payment not received in time")
        levels.extend(change.stock)
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
        if (level := await inventory.release(conn, hold["id"], Source("reservation", hold["id"], notes="expired"))):
            levels.append(level)
    return levels


async def sweep_expired_holds(conn: asyncpg.Connection, redis: Redis) -> int:
    """The sweeper job: release expired holds batch by batch, one transaction each; returns products touched."""
    touched = 0
    while True:
        async with conn.transaction():
            levels = await release_expired_holds(conn)
        if not levels:
            return touched
        touched += len(levels)
        await events.publish_stock_changed(redis, levels)


_CUSTOMER_ORDERS = """
SELECT o.id, o.order_number, o.status, o.payment_status, o.payment_method, o.subtotal, o.delivery_fee, o.total,
       o.created_at, o.customer_name, o.customer_phone, o.customer_address, o.note,
       COALESCE(json_agg(json_build_object(
           'product_id', oi.product_id,
           'name', CASE WHEN $2 = 'ru' THEN COALESCE(NULLIF(p.name_ru, ''), oi.product_name) ELSE oi.product_name END,
           'sku', oi.product_sku, 'price', oi.price, 'quantity', oi.quantity, 'subtotal', oi.subtotal,
           'image', p.image_url
       ) ORDER BY oi.id) FILTER (WHERE oi.id IS NOT NULL), '[]') AS items
  FROM orders o
  LEFT JOIN order_items oi ON oi.order_id = o.id
  LEFT JOIN products p ON p.id = oi.product_id
 WHERE o.user_id = $1 AND ($3::int IS NULL OR o.id = $3)
 GROUP BY o.id
 ORDER BY o.created_at DESC, o.id DESC
 LIMIT 100
"""


async def customer_orders(
    conn: asyncpg.Connection, user_id: int, lang: str = "uz", order_id: int | None = None
) -> list[dict]:
    """A customer's own orders, newest first (another customer's order is simply not there)."""
    return [dict(row) for row in await conn.fetch(_CUSTOMER_ORDERS, user_id, lang, order_id)]
