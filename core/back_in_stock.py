"""The "Notify me" of a sold-out product: a customer's wish to hear when it is back, kept until it is. The
transaction that brings the product back (core.inventory) turns each wish into an outbox row for the customer's
chat and drops it, so a customer is told once, even when the product sells out and comes back again."""

from __future__ import annotations

from core import outbox
from core.db import Conn
from core.errors import DomainError, NotFound


class ProductInStock(DomainError):
    """A wish for a product that can be bought now: the page showed it sold out, and it came back meanwhile."""

    code = "product_in_stock"

    def __init__(self, product_id: int) -> None:
        super().__init__(f"product {product_id} is in stock")
        self.product_id = product_id


# A product an admin took off sale has no page for customers (core.storefront.product_page): no wish for it.
# FOR SHARE: a restock committing meanwhile either sees the wish written after this, or this sees its stock.
_AVAILABLE = """
SELECT i.quantity - i.reserved_quantity AS available
  FROM products p JOIN inventory i ON i.product_id = p.id
 WHERE p.id = $1 AND p.inactive_reason IS DISTINCT FROM 'admin'
   FOR SHARE OF i
"""
_WISH = "INSERT INTO back_in_stock_requests (user_id, product_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"


async def request(conn: Conn, user_id: int, product_id: int) -> None:
    """Remember that the customer wants to hear when the sold-out product is back (asking twice is once)."""
    async with conn.transaction():
        available = await conn.fetchval(_AVAILABLE, product_id)
        if available is None:
            raise NotFound("product", product_id)
        if available > 0:
            raise ProductInStock(product_id)
        await conn.execute(_WISH, user_id, product_id)


async def wait_again(conn: Conn, user_id: int, product_id: int) -> None:
    """The product sold out again before its news went out: the wish waits for the next return."""
    await conn.execute(_WISH, user_id, product_id)


async def withdraw(conn: Conn, user_id: int, product_id: int) -> None:
    await conn.execute("DELETE FROM back_in_stock_requests WHERE user_id = $1 AND product_id = $2", user_id, product_id)


async def is_requested(conn: Conn, user_id: int, product_id: int) -> bool:
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM back_in_stock_requests WHERE user_id = $1 AND product_id = $2)",
            user_id,
            product_id,
        )
    )


# The outbox rows of outbox.BackInStock, written in one statement: a restock holds its stock row's lock until
# it commits, and a popular product may have a thousand customers waiting.
_ANNOUNCE = """
WITH told AS (DELETE FROM back_in_stock_requests WHERE product_id = $1 RETURNING user_id)
INSERT INTO notifications (kind, payload)
SELECT $2, jsonb_build_object('product_id', $1::int, 'user_id', user_id) FROM told ORDER BY user_id
"""


async def announce(conn: Conn, product_id: int) -> None:
    """The product is back: one outbox row per waiting customer, and the wishes are gone. Runs inside the
    transaction that changed the stock, so the news goes out exactly when the stock did."""
    await conn.execute(_ANNOUNCE, product_id, outbox.BackInStock.KIND)
