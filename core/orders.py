"""Orders from every channel through one door: `place` (and `quote`, what placing would charge and earn).

`place` checks every line, takes the stock (or holds it until payment), and writes the order with price,
cost, commission and profit snapshots and its estimated fees (core.fees), all in the caller's unit of work: any
failing line leaves no trace.
The order then moves along core.order_status; card payments' holds are core.holds'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

import asyncpg

from core import fees, inventory, outbox, rates
from core.db import Conn
from core.errors import NotFound, OutOfStock, ProductInactive, ValidationError
from core.inventory import Source
from core.order_status import Status
from core.sql import bind
from core.unit_of_work import UnitOfWork

CENT = Decimal("0.01")
MAX_LINE_QUANTITY = 100_000
DEFAULT_RESERVATION_TTL = timedelta(minutes=15)


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
    # The own store's delivery zone the fee is for (core.delivery), with its Uzbek name for the alert.
    delivery_zone_id: int | None = None
    delivery_zone_name: str | None = None
    payment_method: str | None = None
    note: str | None = None
    hold_for_payment: bool = False
    # When the buyer ordered, if not now (a marketplace order imported after the fact): its sales day.
    placed_at: datetime | None = None
    # False: the caller tells the admins of the order its own way (core.fbs's alert with its buttons).
    announce: bool = True
    # The currency of the lines' prices (ISO 4217 letters); None: the shop's base currency (manual and own-store
    # orders are priced in it).
    currency: str | None = None


@dataclass(frozen=True)
class PlacedOrder:
    id: int
    order_number: str
    total: Decimal
    created: bool


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

# One round trip for the whole order, whatever its number of lines: the order (numbered from the sequence after
# its :number_prefix "PREFIX-YYYYMMDD-", at least six digits), its items, the products' order counts and the first
# history row. The item arrays run in step, one element per line. Each product finds its quantity by
# ARRAY_POSITION rather than by a join to UNNEST, whose generic plan would scan every product.
_WRITE_ORDER = """
WITH number AS (
    SELECT nextval('order_number_seq') AS sequence
), new_order AS (
    INSERT INTO orders (
        order_number, marketplace_id, marketplace_order_id, user_id, created_by,
        customer_name, customer_phone, customer_address,
        subtotal, delivery_zone_id, delivery_fee, total, total_cost, total_profit, total_commission,
        payment_status, payment_method, note, order_date, currency
    )
    SELECT :number_prefix || LPAD(sequence::text, GREATEST(LENGTH(sequence::text), 6), '0'),
           :channel_id, :marketplace_order_id, :user_id, :created_by,
           :customer_name, :customer_phone, :customer_address,
           :subtotal, :delivery_zone_id, :delivery_fee, :total, :total_cost, :total_profit, :total_commission,
           :payment_status, :payment_method, :note, COALESCE(:placed_at::timestamptz, NOW()), :currency
      FROM number
    RETURNING id, order_number
), items AS (
    INSERT INTO order_items (
        order_id, product_id, product_name, product_sku, marketplace_product_id,
        price, cost_price, quantity, subtotal, commission_rate, commission, profit
    )
    SELECT new_order.id, line.*
      FROM new_order, UNNEST(
          :product_ids::int[], :product_names::text[], :product_skus::text[], :listing_ids::text[],
          :prices::numeric[], :cost_prices::numeric[], :quantities::int[], :subtotals::numeric[],
          :commission_rates::numeric[], :commissions::numeric[], :profits::numeric[]
      ) AS line
), counted AS (
    UPDATE products SET order_count = order_count + (:quantities::int[])[ARRAY_POSITION(:product_ids::int[], id)]
     WHERE id = ANY(:product_ids::int[])
), history AS (
    INSERT INTO order_status_history (order_id, status, notes, changed_by)
    SELECT id, :status, :status_note, :changed_by FROM new_order
)
SELECT id, order_number FROM new_order
"""


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
    uow: UnitOfWork, order: NewOrder, *, reservation_ttl: timedelta = DEFAULT_RESERVATION_TTL
) -> PlacedOrder:
    """Place an order on any channel. API imports are idempotent on (channel, marketplace order id)."""
    conn = uow.conn
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
    total = subtotal + order.delivery_fee
    written = await conn.fetchrow(
        *bind(
            _WRITE_ORDER,
            number_prefix=f"{channel['prefix']}-{datetime.now(UTC):%Y%m%d}-",
            channel_id=channel["channel_id"],
            marketplace_order_id=order.marketplace_order_id,
            user_id=order.user_id,
            created_by=order.created_by,
            customer_name=order.customer.name.strip(),
            customer_phone=order.customer.phone.strip(),
            customer_address=order.customer.address,
            subtotal=subtotal,
            delivery_zone_id=order.delivery_zone_id,
            delivery_fee=order.delivery_fee,
            total=total,
            total_cost=total_cost,
            total_profit=total_profit,
            total_commission=total_commission,
            payment_status="awaiting_payment" if order.hold_for_payment else "unpaid",
            payment_method=order.payment_method,
            note=order.note,
            placed_at=order.placed_at,
            currency=order.currency or await rates.base_currency(conn),
            product_ids=[p.line.product_id for p in priced],
            product_names=[p.product["name_uz"] for p in priced],
            product_skus=[p.product["sku"] for p in priced],
            listing_ids=[p.line.marketplace_product_id or p.product["marketplace_product_id"] for p in priced],
            prices=[p.price for p in priced],
            cost_prices=[p.product["cost_price"] for p in priced],
            quantities=[p.line.quantity for p in priced],
            subtotals=[p.subtotal for p in priced],
            commission_rates=[p.commission_rate for p in priced],
            commissions=[p.commission for p in priced],
            profits=[p.profit for p in priced],
            status=Status.PENDING.value,
            status_note=f"placed via {channel['channel_name']}",
            changed_by=changed_by,
        )
    )
    assert written is not None  # the INSERT ... RETURNING always gives its row
    order_id, order_number = written["id"], written["order_number"]
    await fees.estimate(conn, order_id)

    source = Source("order", order_id, channel["channel_id"], changed_by, order_number)
    if order.hold_for_payment:
        expires_at = datetime.now(UTC) + reservation_ttl
        for p in priced:
            await inventory.reserve(uow, p.line.product_id, p.line.quantity, expires_at, source, order_id)
    else:
        await inventory.sell_many(uow, [(p.line.product_id, p.line.quantity) for p in priced], source, locked=products)
    # The admin who typed a manual order knows about it.
    if channel["integration_type"] != "manual" and order.announce:
        await outbox.add(
            conn,
            outbox.OrderPlaced(
                order_id,
                order_number,
                channel["channel_name"],
                total,
                order.customer.name.strip(),
                tuple(outbox.OrderedItem(p.product["name_uz"], p.line.quantity) for p in priced),
                user_id=order.user_id,
                note=(order.note or "").strip() or None,
                delivery_zone=order.delivery_zone_name,
                delivery_fee=order.delivery_fee if order.delivery_zone_id is not None else None,
            ),
        )
    if order.user_id is not None:  # the customer hears that the order arrived (a row of its own: one recipient)
        await outbox.add(conn, outbox.OrderStatus(order_id, order_number, Status.PENDING.value, order.user_id))
    return PlacedOrder(order_id, order_number, total, created=True)


async def _read(
    conn: Conn, channel_id: int, product_ids: list[int]
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


async def quote(conn: Conn, channel_id: int, lines: tuple[Line, ...], delivery_fee: Decimal = Decimal(0)) -> Quote:
    """What `place` would charge and earn for these lines on this channel, taking nothing: the summary an
    admin confirms. Priced by the same code as `place`, so the two never disagree; raises what `place` would
    (OutOfStock, NotFound, ValidationError)."""
    merged = _merge_lines(lines)
    channel, products = await _read(conn, channel_id, [line.product_id for line in merged])
    if channel is None:
        raise NotFound("channel", channel_id)
    priced = [_price(line, products, channel) for line in merged]
    quoted = tuple(
        QuotedLine(
            p.line.product_id,
            p.product["name_uz"],
            p.product["sku"],
            p.line.quantity,
            p.price,
            p.subtotal,
            p.cost,
            p.commission,
            p.profit,
        )
        for p in priced
    )
    subtotal = sum((q.subtotal for q in quoted), Decimal(0))
    cost = sum((q.cost or Decimal(0) for q in quoted), Decimal(0))
    commission = sum((q.commission for q in quoted), Decimal(0))
    profit = sum((q.profit for q in quoted), Decimal(0))
    return Quote(quoted, subtotal, delivery_fee, subtotal + delivery_fee, cost, commission, profit)
