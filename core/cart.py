"""A customer's cart in the own store: lines with the price seen when added, checked against today's."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TypedDict

import asyncpg

from core.db import Conn
from core.errors import NotFound, OutOfStock, ProductInactive, ValidationError

MAX_LINES = 100

_LINES = """
SELECT ci.id, ci.product_id, ci.quantity, ci.price_snapshot,
       CASE WHEN $2 = 'ru' THEN COALESCE(NULLIF(p.name_ru, ''), p.name_uz) ELSE p.name_uz END AS name,
       p.image_url AS image, COALESCE(p.sale_price, p.price) AS price,
       i.quantity - i.reserved_quantity AS available, p.is_active, p.inactive_reason
  FROM cart_items ci
  JOIN products p ON p.id = ci.product_id
  JOIN inventory i ON i.product_id = p.id
 WHERE ci.user_id = $1
 ORDER BY ci.created_at, ci.id
"""


class CartLine(TypedDict):
    """A line with today's price and stock. A TypedDict, not a dataclass: the API answers it as it is."""

    id: int
    product_id: int
    quantity: int
    price_snapshot: Decimal  # the price when the line was added (or last shown)
    name: str
    image: str | None
    price: Decimal  # today's
    on_sale: bool  # False once an admin took the product off sale
    available: int
    in_stock: bool
    price_changed: bool
    line_total: Decimal


@dataclass(frozen=True)
class Cart:
    items: list[CartLine]

    @property
    def total_quantity(self) -> int:
        return sum(item["quantity"] for item in self.items)

    @property
    def subtotal(self) -> Decimal:
        return sum((item["line_total"] for item in self.items), Decimal("0.00"))

    @property
    def has_changes(self) -> bool:
        """Something differs from when it was added: a price, or there is not enough stock any more."""
        return any(item["price_changed"] or item["quantity"] > item["available"] for item in self.items)


async def view(conn: Conn, user_id: int, lang: str = "uz") -> Cart:
    items = []
    for row in await conn.fetch(_LINES, user_id, lang):
        on_sale = row["inactive_reason"] != "admin"
        available = row["available"] if on_sale else 0
        items.append(
            CartLine(
                id=row["id"],
                product_id=row["product_id"],
                quantity=row["quantity"],
                price_snapshot=row["price_snapshot"],
                name=row["name"],
                image=row["image"],
                price=row["price"],
                on_sale=on_sale,
                available=available,
                in_stock=available > 0,
                price_changed=row["price"] != row["price_snapshot"],
                line_total=row["price"] * row["quantity"],
            )
        )
    return Cart(items)


async def put(conn: Conn, user_id: int, product_id: int, quantity: int) -> None:
    """Set how many of a product the cart holds (1..available), adding the line if needed."""
    product = await _sellable(conn, product_id, quantity)
    lines = await conn.fetchval(
        "SELECT count(*) FROM cart_items WHERE user_id = $1 AND product_id <> $2", user_id, product_id
    )
    if lines >= MAX_LINES:
        raise ValidationError(f"a cart holds at most {MAX_LINES} different products", "product_id")
    await conn.execute(
        """
        INSERT INTO cart_items (user_id, product_id, quantity, price_snapshot) VALUES ($1, $2, $3, $4)
        ON CONFLICT (user_id, product_id) DO UPDATE
           SET quantity = EXCLUDED.quantity, price_snapshot = EXCLUDED.price_snapshot
        """,
        user_id,
        product_id,
        quantity,
        product["price"],
    )


async def update(conn: Conn, user_id: int, item_id: int, quantity: int) -> None:
    """Change a line's quantity; the price seen when it was added stays the reference."""
    product_id = await conn.fetchval(
        "SELECT product_id FROM cart_items WHERE id = $1 AND user_id = $2", item_id, user_id
    )
    if product_id is None:
        raise NotFound("cart item", item_id)
    await _sellable(conn, product_id, quantity)
    await conn.execute("UPDATE cart_items SET quantity = $2 WHERE id = $1", item_id, quantity)


async def remove(conn: Conn, user_id: int, item_id: int) -> None:
    if (await conn.execute("DELETE FROM cart_items WHERE id = $1 AND user_id = $2", item_id, user_id)).endswith(" 0"):
        raise NotFound("cart item", item_id)


async def clear(conn: Conn, user_id: int) -> None:
    await conn.execute("DELETE FROM cart_items WHERE user_id = $1", user_id)


async def refresh_prices(conn: Conn, user_id: int) -> None:
    """The customer has been shown today's prices: they become the cart's reference."""
    await conn.execute(
        """
        UPDATE cart_items ci SET price_snapshot = COALESCE(p.sale_price, p.price)
          FROM products p
         WHERE ci.user_id = $1 AND p.id = ci.product_id AND ci.price_snapshot <> COALESCE(p.sale_price, p.price)
        """,
        user_id,
    )


async def _sellable(conn: Conn, product_id: int, quantity: int) -> asyncpg.Record:
    if quantity < 1:
        raise ValidationError("quantity must be at least 1", "quantity")
    product = await conn.fetchrow(
        """
        SELECT p.name_uz, p.inactive_reason, COALESCE(p.sale_price, p.price) AS price,
               i.quantity - i.reserved_quantity AS available
          FROM products p JOIN inventory i ON i.product_id = p.id
         WHERE p.id = $1
        """,
        product_id,
    )
    if product is None:
        raise NotFound("product", product_id)
    if product["inactive_reason"] == "admin":
        raise ProductInactive(product_id, product["name_uz"])
    if quantity > product["available"]:
        raise OutOfStock(product_id, product["name_uz"], quantity, product["available"])
    return product
