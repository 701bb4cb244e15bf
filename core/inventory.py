"""The stock ledger: the only code that writes inventory.quantity and inventory.reserved_quantity.

Every change runs in the caller's unit of work on a locked inventory row, writes its movement beside it,
marks the product's marketplace mappings for a stock push, keeps own-store visibility in step with
availability, queues low-stock alerts in the outbox and registers the new level on the unit, published after
the commit. Available = quantity - reserved, never below 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import NamedTuple

import asyncpg

from core import back_in_stock, outbox
from core.db import Conn
from core.errors import NotFound, OutOfStock, ValidationError
from core.sql import bind
from core.unit_of_work import UnitOfWork


class Movement(StrEnum):
    RECEIVE = "receive"
    ADJUSTMENT = "adjustment"
    STOCK_TAKE = "stock_take"
    SALE = "sale"
    RETURN = "return"
    CANCEL = "cancel"
    MARKETPLACE_SALE = "marketplace_sale"
    MARKETPLACE_RETURN = "marketplace_return"
    RESERVE = "reserve"
    RELEASE = "release"
    WRITE_OFF = "write_off"


@dataclass(frozen=True)
class Source:
    """Why stock moved and who moved it; copied onto the movement row."""

    reference_type: str | None = None
    reference_id: int | None = None
    marketplace_id: int | None = None
    user_id: int | None = None
    notes: str | None = None


@dataclass(frozen=True)
class StockLevel:
    """A product's stock right after a change: what caches and live pages need to hear."""

    product_id: int
    quantity: int
    reserved: int
    price: Decimal

    @property
    def available(self) -> int:
        return self.quantity - self.reserved


_LOCK = """
SELECT product_id FROM inventory WHERE product_id = ANY($1::int[]) ORDER BY product_id FOR UPDATE
"""

_CURRENT = """
SELECT i.quantity, i.reserved_quantity, p.sku, p.name_uz, p.is_active, p.inactive_reason,
       p.low_stock_threshold, COALESCE(p.sale_price, p.price) AS price
  FROM inventory i
  JOIN products p ON p.id = i.product_id
 WHERE i.product_id = $1
   FOR UPDATE OF i
"""

# One round trip for any number of products: the new counts, one movement each, and the push mark on every
# mapping of the products whose available quantity changed (:moved_ids). The count moves by the change and the
# movement records the row as updated, so the ledger matches the count by construction. :product_ids,
# :quantity_changes and :reserved_changes run in step; each row finds its change by ARRAY_POSITION rather than by
# a join to UNNEST, which would be re-planned on every call.
_WRITE = """
WITH stock AS (
    UPDATE inventory
       SET quantity = quantity + (:quantity_changes::int[])[ARRAY_POSITION(:product_ids::int[], product_id)],
           reserved_quantity = reserved_quantity
                               + (:reserved_changes::int[])[ARRAY_POSITION(:product_ids::int[], product_id)],
           last_updated_at = NOW()
     WHERE product_id = ANY(:product_ids::int[])
    RETURNING product_id, quantity, reserved_quantity,
              (:quantity_changes::int[])[ARRAY_POSITION(:product_ids::int[], product_id)] AS quantity_change,
              (:reserved_changes::int[])[ARRAY_POSITION(:product_ids::int[], product_id)] AS reserved_change
), movement AS (
    INSERT INTO inventory_movements (
        product_id, movement_type, quantity_change, quantity_before, quantity_after,
        reserved_change, reserved_after, reference_type, reference_id, marketplace_id, notes, created_by
    )
    SELECT product_id, :movement, quantity_change, quantity - quantity_change, quantity,
           reserved_change, reserved_quantity, :reference_type, :reference_id, :marketplace_id, :notes, :created_by
      FROM stock
     ORDER BY product_id
)
UPDATE marketplace_products
   SET stock_version = stock_version + 1
 WHERE product_id = ANY(:moved_ids::int[])
"""

_HIDE = "UPDATE products SET is_active = FALSE, inactive_reason = 'out_of_stock' WHERE id = $1"
_SHOW = "UPDATE products SET is_active = TRUE, inactive_reason = NULL WHERE id = $1"


async def lock(conn: Conn, product_ids: Iterable[int]) -> None:
    """Lock several products' stock rows in id order, so concurrent multi-product writes never deadlock."""
    await conn.execute(_LOCK, sorted(set(product_ids)))


async def receive(
    uow: UnitOfWork, product_id: int, quantity: int, source: Source, *, opening: bool = False
) -> StockLevel:
    """Goods arrived at the warehouse. A new product's opening stock raises no "back in stock" alert."""
    _require_positive(quantity)
    return await _move(uow, product_id, Movement.RECEIVE, quantity, 0, source, alert=not opening)


async def receive_many(
    uow: UnitOfWork, receipts: Sequence[tuple[int, int]], source: Source, *, opening: bool = False
) -> list[StockLevel]:
    """Goods arrived for several products, (product id, quantity) pairs, in one write: a catalogue import."""
    for _, quantity in receipts:
        _require_positive(quantity)
    changes = [(product_id, quantity, 0) for product_id, quantity in receipts]
    return await _move_many(uow, changes, Movement.RECEIVE, source, alert=not opening) if changes else []


async def adjust(uow: UnitOfWork, product_id: int, change: int, source: Source) -> StockLevel:
    """An admin's correction, +/- n, with the reason in source.notes."""
    if change == 0:
        raise ValidationError("an adjustment must change the stock", "change")
    if not (source.notes or "").strip():
        raise ValidationError("say why the stock is adjusted", "reason")
    return await _move(uow, product_id, Movement.ADJUSTMENT, change, 0, source)


async def set_count(uow: UnitOfWork, product_id: int, counted: int, source: Source) -> StockLevel:
    """Stock take: the shelf holds `counted`; the ledger records the difference (even 0: the count happened)."""
    if counted < 0:
        raise ValidationError("a count cannot be negative", "quantity")
    current = await _current(_connection(uow), product_id)
    if counted < current["reserved_quantity"]:
        raise ValidationError(
            f"{current['reserved_quantity']} units are reserved for customers; the count cannot be lower", "quantity"
        )
    return await _move(uow, product_id, Movement.STOCK_TAKE, counted - current["quantity"], 0, source)


async def count_many(uow: UnitOfWork, counts: Sequence[tuple[int, int]], source: Source) -> list[StockLevel]:
    """A stock take of several products, (product id, counted) pairs, in one write. Unlike `set_count`, a product
    already at its count moves nothing: a re-imported catalogue file must not fill the ledger with zeros."""
    conn = _connection(uow)
    locked = {product_id: await _current(conn, product_id) for product_id, _ in sorted(counts)}
    changes = []
    for product_id, counted in counts:
        row = locked[product_id]
        if counted < 0:
            raise ValidationError("a count cannot be negative", "quantity")
        if counted < row["reserved_quantity"]:
            raise ValidationError(
                f"{row['reserved_quantity']} units of {row['sku']} are reserved for customers; the count cannot be"
                " lower",
                "quantity",
            )
        if counted != row["quantity"]:
            changes.append((product_id, counted - row["quantity"], 0))
    return await _move_many(uow, changes, Movement.STOCK_TAKE, source, locked=locked) if changes else []


async def sell(uow: UnitOfWork, product_id: int, quantity: int, source: Source) -> StockLevel:
    return (await sell_many(uow, [(product_id, quantity)], source))[0]


async def sell_many(
    uow: UnitOfWork,
    sales: Sequence[tuple[int, int]],
    source: Source,
    *,
    locked: Mapping[int, asyncpg.Record] | None = None,
) -> list[StockLevel]:
    """Sell (product id, quantity) pairs, one per product, in one round trip whatever their number: an
    order's lines. Every pair is checked before any is written, so a short one leaves no trace.

    A caller that has already locked the stock rows (FOR UPDATE OF inventory, in this transaction) passes
    them as `locked`, by product id, with the columns of _CURRENT, and saves the read."""
    for _, quantity in sales:
        _require_positive(quantity)
    return await _move_many(
        uow, [(product_id, -quantity, 0) for product_id, quantity in sales], Movement.SALE, source, locked=locked
    )


async def give_back(uow: UnitOfWork, product_id: int, quantity: int, movement: Movement, source: Source) -> StockLevel:
    """Units come back: a cancelled order (CANCEL) or goods returned by a customer (RETURN)."""
    if movement not in (Movement.CANCEL, Movement.RETURN):
        raise ValueError(f"give_back records cancel or return, not {movement}")
    _require_positive(quantity)
    return await _move(uow, product_id, movement, quantity, 0, source)


async def marketplace_sale(uow: UnitOfWork, product_id: int, quantity: int, source: Source) -> StockLevel:
    """Units sold on a marketplace we learnt about from its stock, not from an order."""
    _require_positive(quantity)
    return await _move(uow, product_id, Movement.MARKETPLACE_SALE, -quantity, 0, source)


async def marketplace_return(
    uow: UnitOfWork, product_id: int, quantity: int, source: Source, *, alert: bool = True
) -> StockLevel:
    """Units a marketplace buyer sent back. Without `alert`, no stock alert: units that pass through the stock
    in the same unit of work (a return written off at once) neither come back nor run out."""
    _require_positive(quantity)
    return await _move(uow, product_id, Movement.MARKETPLACE_RETURN, quantity, 0, source, alert=alert)


async def write_off(
    uow: UnitOfWork, product_id: int, quantity: int, source: Source, *, alert: bool = True
) -> StockLevel:
    """Units that leave the stock for good (damaged, defective), with the reason in source.notes."""
    _require_positive(quantity)
    if not (source.notes or "").strip():
        raise ValidationError("say why the goods are written off", "reason")
    return await _move(uow, product_id, Movement.WRITE_OFF, -quantity, 0, source, alert=alert)


async def reserve(
    uow: UnitOfWork,
    product_id: int,
    quantity: int,
    expires_at: datetime,
    source: Source,
    order_id: int | None = None,
) -> tuple[int, StockLevel]:
    """Hold units for a checkout until expires_at; returns (reservation id, level)."""
    _require_positive(quantity)
    level = await _move(uow, product_id, Movement.RESERVE, 0, quantity, source)
    reservation_id = await uow.conn.fetchval(
        "INSERT INTO stock_reservations (product_id, order_id, quantity, expires_at)"
        " VALUES ($1, $2, $3, $4) RETURNING id",
        product_id,
        order_id,
        quantity,
        expires_at,
    )
    return reservation_id, level


async def release(uow: UnitOfWork, reservation_id: int, source: Source) -> StockLevel | None:
    """Give a hold back; None when it was already released or committed (so a retry is harmless)."""
    held = await _held(_connection(uow), reservation_id)
    if held is None:
        return None
    level = await _move(uow, held["product_id"], Movement.RELEASE, 0, -held["quantity"], source)
    await uow.conn.execute(
        "UPDATE stock_reservations SET status = 'released', closed_at = NOW() WHERE id = $1", reservation_id
    )
    return level


async def commit(uow: UnitOfWork, reservation_id: int, source: Source) -> StockLevel:
    """Turn a hold into a sale (payment arrived)."""
    held = await _held(_connection(uow), reservation_id)
    if held is None:
        raise ValidationError(f"reservation {reservation_id} is no longer held", "reservation")
    level = await _move(uow, held["product_id"], Movement.SALE, -held["quantity"], -held["quantity"], source)
    await uow.conn.execute(
        "UPDATE stock_reservations SET status = 'committed', closed_at = NOW() WHERE id = $1", reservation_id
    )
    return level


async def _held(conn: Conn, reservation_id: int) -> asyncpg.Record | None:
    row = await conn.fetchrow(
        "SELECT product_id, quantity, status FROM stock_reservations WHERE id = $1 FOR UPDATE", reservation_id
    )
    if row is None:
        raise NotFound("reservation", reservation_id)
    return row if row["status"] == "held" else None


def _connection(uow: UnitOfWork) -> Conn:
    """The unit's connection. A bare connection is refused before anything is written: a stock write outside
    a unit of work would never tell the caches and live pages."""
    if not isinstance(uow, UnitOfWork):
        raise TypeError(f"stock moves only in a unit of work (core.unit_of_work), not on a {type(uow).__name__}")
    return uow.conn


def _require_positive(quantity: int) -> None:
    if quantity <= 0:
        raise ValidationError("quantity must be at least 1", "quantity")


async def _current(conn: Conn, product_id: int) -> asyncpg.Record:
    row = await conn.fetchrow(_CURRENT, product_id)
    if row is None:
        raise NotFound("product", product_id)
    return row


async def _move(
    uow: UnitOfWork,
    product_id: int,
    movement: Movement,
    quantity_change: int,
    reserved_change: int,
    source: Source,
    *,
    alert: bool = True,
) -> StockLevel:
    return (await _move_many(uow, [(product_id, quantity_change, reserved_change)], movement, source, alert=alert))[0]


class _Step(NamedTuple):
    """One product's change, checked: what follows the write (visibility, alerts, the new level)."""

    product_id: int
    row: asyncpg.Record
    quantity_after: int
    reserved_after: int
    available_before: int
    available_after: int


async def _move_many(
    uow: UnitOfWork,
    changes: Sequence[tuple[int, int, int]],
    movement: Movement,
    source: Source,
    *,
    alert: bool = True,
    locked: Mapping[int, asyncpg.Record] | None = None,
) -> list[StockLevel]:
    """Apply (product id, quantity change, reserved change) triples, one per product, on rows locked in id
    order (concurrent writers never deadlock). Every triple is checked before the one write; the new levels
    are registered on the unit, so no write of stock goes unannounced."""
    conn = _connection(uow)
    changes = sorted(changes)
    if len({product_id for product_id, _, _ in changes}) != len(changes):
        raise ValueError("one change per product")
    if locked is None:  # one scalar read a product (planned once per connection), in id order
        locked = {product_id: await _current(conn, product_id) for product_id, _, _ in changes}
    planned: list[_Step] = []
    for product_id, quantity_change, reserved_change in changes:
        row = locked.get(product_id)
        if row is None:
            raise NotFound("product", product_id)
        quantity, reserved = row["quantity"], row["reserved_quantity"]
        new_quantity, new_reserved = quantity + quantity_change, reserved + reserved_change
        available_before, available_after = quantity - reserved, new_quantity - new_reserved
        if available_after < 0 or new_quantity < 0:
            raise OutOfStock(product_id, row["name_uz"], available_before - available_after, available_before)
        if new_reserved < 0:
            raise ValidationError("cannot release more than is reserved", "quantity")
        planned.append(_Step(product_id, row, new_quantity, new_reserved, available_before, available_after))
    await conn.execute(
        *bind(
            _WRITE,
            product_ids=[product_id for product_id, _, _ in changes],
            quantity_changes=[quantity_change for _, quantity_change, _ in changes],
            reserved_changes=[reserved_change for _, _, reserved_change in changes],
            movement=movement.value,
            reference_type=source.reference_type,
            reference_id=source.reference_id,
            marketplace_id=source.marketplace_id,
            notes=source.notes,
            created_by=source.user_id,
            moved_ids=[step.product_id for step in planned if step.available_after != step.available_before],
        )
    )
    levels: list[StockLevel] = []
    for step in planned:
        if step.available_after == 0 and step.row["is_active"]:
            await conn.execute(_HIDE, step.product_id)
        elif step.available_after > 0 and step.row["inactive_reason"] == "out_of_stock":
            await conn.execute(_SHOW, step.product_id)
        if alert:
            await _alert_crossings(conn, step.product_id, step.row, step.available_before, step.available_after)
        if step.available_before <= 0 < step.available_after:
            await back_in_stock.announce(conn, step.product_id)
        levels.append(StockLevel(step.product_id, step.quantity_after, step.reserved_after, step.row["price"]))
    uow.stock_changed(levels)
    return levels


async def _alert_crossings(conn: Conn, product_id: int, row: asyncpg.Record, before: int, after: int) -> None:
    """One outbox row per crossing: down through the threshold, down to zero, back up from zero."""
    threshold = row["low_stock_threshold"]
    crossing: type[outbox.StockOut | outbox.StockBack | outbox.StockLow]
    if before > 0 and after == 0:
        crossing = outbox.StockOut
    elif before == 0 and after > 0:
        crossing = outbox.StockBack
    elif before > threshold >= after > 0:
        crossing = outbox.StockLow
    else:
        return
    await outbox.add(conn, crossing(product_id, row["sku"], row["name_uz"], after, threshold))
