"""Own-store checkout: the customer's cart becomes an order, or the customer is told what changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Literal, TypedDict

from core import cart, delivery, orders
from core.db import Conn
from core.errors import DomainError, NotFound, OutOfStock, ProductInactive, ValidationError
from core.phones import normalize_phone
from core.unit_of_work import UnitOfWork

PAYMENT_METHODS = ("cash", "card")


class Conflict(TypedDict):
    """What changed about one line. A TypedDict, not a dataclass: the API answers it as it is."""

    product_id: int
    name: str
    problem: Literal["inactive", "out_of_stock", "price_changed"]
    requested: int | None  # None when the product went off sale while the order was placed
    available: int
    old_price: Decimal | None
    new_price: Decimal | None


class CartConflict(DomainError):
    """The cart no longer matches the shop: prices moved or stock ran short. Details per item."""

    code = "cart_conflict"

    def __init__(self, items: list[Conflict]) -> None:
        super().__init__("some items in the cart changed; please check them")
        self.items = items


@dataclass(frozen=True)
class Checkout:
    """Either the placed order, or the conflicts to show (the cart's prices are then refreshed)."""

    order: orders.PlacedOrder | None
    conflicts: list[Conflict] = field(default_factory=list)


async def own_store_channel(conn: Conn) -> int:
    channel = await conn.fetchval(
        "SELECT id FROM marketplaces WHERE integration_type = 'own' AND is_active ORDER BY id LIMIT 1"
    )
    if channel is None:
        raise NotFound("channel", "own store")
    return channel


async def place_from_cart(
    uow: UnitOfWork,
    user_id: int,
    customer: orders.Customer,
    *,
    payment_method: str = "cash",
    note: str | None = None,
    delivery_zone_id: int | None = None,
    reservation_ttl: timedelta = orders.DEFAULT_RESERVATION_TTL,
) -> Checkout:
    """Run in the caller's unit of work; commit it in both outcomes (conflicts refresh the cart's prices).
    With delivery zones switched on the customer must choose one; its fee is computed here from the cart's
    subtotal (the page's figure is never taken) and is part of the order's total."""
    conn = uow.conn
    if payment_method not in PAYMENT_METHODS:
        raise ValidationError(f"payment method must be one of {', '.join(PAYMENT_METHODS)}", "payment_method")
    customer = orders.Customer(customer.name, normalize_phone(customer.phone), customer.address)
    channel = await own_store_channel(conn)
    await conn.execute("SELECT id FROM cart_items WHERE user_id = $1 FOR UPDATE", user_id)  # one checkout at a time
    current = await cart.view(conn, user_id)
    if not current.items:
        raise ValidationError("the cart is empty", "cart")
    conflicts = [problem for item in current.items if (problem := _problem(item))]
    if conflicts:
        await cart.refresh_prices(conn, user_id)
        return Checkout(None, conflicts)
    zone, delivery_fee = await delivery.fee_for_order(conn, delivery_zone_id, current.subtotal)
    placed = await orders.place(
        uow,
        orders.NewOrder(
            channel_id=channel,
            lines=tuple(orders.Line(item["product_id"], item["quantity"]) for item in current.items),
            customer=customer,
            user_id=user_id,
            payment_method=payment_method,
            note=note,
            delivery_zone_id=zone.id if zone else None,
            delivery_zone_name=zone.name_uz if zone else None,
            delivery_fee=delivery_fee,
            hold_for_payment=payment_method == "card",
        ),
        reservation_ttl=reservation_ttl,
    )
    await cart.clear(conn, user_id)
    return Checkout(placed)


def _problem(item: cart.CartLine) -> Conflict | None:
    if not item["on_sale"]:
        problem: Literal["inactive", "out_of_stock", "price_changed"] = "inactive"
    elif item["quantity"] > item["available"]:
        problem = "out_of_stock"
    elif item["price_changed"]:
        problem = "price_changed"
    else:
        return None
    changed = problem == "price_changed"
    return Conflict(
        product_id=item["product_id"],
        name=item["name"],
        requested=item["quantity"],
        available=item["available"],
        old_price=item["price_snapshot"] if changed else None,
        new_price=item["price"] if changed else None,
        problem=problem,
    )


def race_conflict(error: OutOfStock | ProductInactive) -> CartConflict:
    """Stock that went between the cart check and the order (another buyer was faster), told the same way."""
    if isinstance(error, OutOfStock):
        item = Conflict(
            product_id=error.product_id,
            name=error.product_name,
            problem="out_of_stock",
            requested=error.requested,
            available=error.available,
            old_price=None,
            new_price=None,
        )
    else:
        item = Conflict(
            product_id=error.product_id,
            name=error.product_name,
            problem="inactive",
            requested=None,
            available=0,
            old_price=None,
            new_price=None,
        )
    return CartConflict([item])
