"""A customer's favorite products (own store). Each change registers `favorites_changed` on the caller's unit of
work: every replica drops what it remembers of them after the commit."""

from __future__ import annotations

import asyncpg

from core.db import Conn
from core.errors import NotFound, ValidationError
from core.unit_of_work import UnitOfWork

MAX_FAVORITES = 500


async def ids(conn: Conn, user_id: int) -> list[int]:
    rows = await conn.fetch(
        "SELECT product_id FROM favorites WHERE user_id = $1 ORDER BY created_at DESC, id DESC", user_id
    )
    return [row["product_id"] for row in rows]


async def add(uow: UnitOfWork, user_id: int, product_id: int) -> None:
    try:
        await uow.conn.execute(
            "INSERT INTO favorites (user_id, product_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", user_id, product_id
        )
    except asyncpg.ForeignKeyViolationError:
        raise NotFound("product", product_id) from None
    uow.favorites_changed(user_id)


async def remove(uow: UnitOfWork, user_id: int, product_id: int) -> None:
    await uow.conn.execute("DELETE FROM favorites WHERE user_id = $1 AND product_id = $2", user_id, product_id)
    uow.favorites_changed(user_id)


async def replace(uow: UnitOfWork, user_id: int, product_ids: list[int]) -> None:
    """Make the favorites exactly these products; unknown ids are refused."""
    conn = uow.conn
    wanted = list(dict.fromkeys(product_ids))
    if len(wanted) > MAX_FAVORITES:
        raise ValidationError(f"at most {MAX_FAVORITES} favorites", "product_ids")
    known = {row["id"] for row in await conn.fetch("SELECT id FROM products WHERE id = ANY($1::int[])", wanted)}
    missing = [product_id for product_id in wanted if product_id not in known]
    if missing:
        raise NotFound("product", missing[0])
    await conn.execute("DELETE FROM favorites WHERE user_id = $1 AND NOT product_id = ANY($2::int[])", user_id, wanted)
    await conn.execute(
        "INSERT INTO favorites (user_id, product_id) SELECT $1, unnest($2::int[]) ON CONFLICT DO NOTHING",
        user_id,
        wanted,
    )
    uow.favorites_changed(user_id)
