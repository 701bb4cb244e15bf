"""The category tree of the catalog, in the customer's language, and its upkeep by admins (each change registers
`catalog_changed` on the caller's unit of work)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

import asyncpg

from core.db import Conn
from core.errors import NotFound, ValidationError
from core.sql import update_by_id
from core.unit_of_work import UnitOfWork

_TREE = """
SELECT id, parent_id, icon, color, sort_order,
       CASE WHEN $1 = 'ru' THEN COALESCE(NULLIF(name_ru, ''), name_uz) ELSE name_uz END AS name
  FROM categories
 WHERE is_active
 ORDER BY sort_order, id
"""


class Node(TypedDict):
    """A category of the tree. A TypedDict, not a dataclass: the API answers (and caches) the tree as it is."""

    id: int
    parent_id: int | None
    icon: str | None
    color: str | None
    sort_order: int
    name: str  # in the reader's language
    children: list[Node]


async def tree(conn: Conn, lang: str) -> list[Node]:
    """Active categories, children under their parents; a child of an inactive parent is not shown."""
    nodes = {
        row["id"]: Node(
            id=row["id"],
            parent_id=row["parent_id"],
            icon=row["icon"],
            color=row["color"],
            sort_order=row["sort_order"],
            name=row["name"],
            children=[],
        )
        for row in await conn.fetch(_TREE, lang)
    }
    roots = []
    for node in nodes.values():
        if node["parent_id"] is None:
            roots.append(node)
        elif node["parent_id"] in nodes:
            nodes[node["parent_id"]]["children"].append(node)
    return roots


@dataclass(frozen=True)
class CategoryFields:
    name_uz: str | None = None
    name_ru: str | None = None
    parent_id: int | None = None
    icon: str | None = None
    color: str | None = None
    sort_order: int | None = None
    is_active: bool | None = None


_COLUMNS = ("name_uz", "name_ru", "parent_id", "icon", "color", "sort_order", "is_active")


async def create(uow: UnitOfWork, fields: CategoryFields) -> int:
    name_uz = (fields.name_uz or "").strip()
    if not name_uz:
        raise ValidationError("the Uzbek name is required", "name_uz")
    try:
        category_id: int = await uow.conn.fetchval(
            "INSERT INTO categories (name_uz, name_ru, parent_id, icon, color, sort_order, is_active)"
            " VALUES ($1, $2, $3, $4, $5, COALESCE($6, 0), COALESCE($7, TRUE)) RETURNING id",
            name_uz,
            fields.name_ru,
            fields.parent_id,
            fields.icon,
            fields.color,
            fields.sort_order,
            fields.is_active,
        )
    except asyncpg.ForeignKeyViolationError:
        raise NotFound("category", fields.parent_id) from None
    uow.catalog_changed()
    return category_id


async def update(uow: UnitOfWork, category_id: int, fields: CategoryFields, given: set[str]) -> None:
    """Change the fields named in `given` (so a field can be set to null on purpose)."""
    conn = uow.conn
    changes = [name for name in _COLUMNS if name in given]
    if "name_uz" in given and not (fields.name_uz or "").strip():
        raise ValidationError("the Uzbek name is required", "name_uz")
    if "parent_id" in given and fields.parent_id is not None:
        if fields.parent_id in await family(conn, category_id):
            raise ValidationError("a category cannot move under itself or its own subcategory", "parent_id")
    if not changes:
        exists = await conn.fetchval("SELECT 1 FROM categories WHERE id = $1", category_id)
        if not exists:
            raise NotFound("category", category_id)
        return
    try:
        status = await conn.execute(
            update_by_id("categories", changes), category_id, *(getattr(fields, name) for name in changes)
        )
    except asyncpg.ForeignKeyViolationError:
        raise NotFound("category", fields.parent_id) from None
    except asyncpg.NotNullViolationError as error:
        raise ValidationError(f"{error.column_name} cannot be empty", error.column_name) from None
    if status.endswith(" 0"):
        raise NotFound("category", category_id)
    uow.catalog_changed()


async def delete(uow: UnitOfWork, category_id: int) -> None:
    """Delete a category and its subcategories; their products stay, without a category."""
    if (await uow.conn.execute("DELETE FROM categories WHERE id = $1", category_id)).endswith(" 0"):
        raise NotFound("category", category_id)
    uow.catalog_changed()


async def family(conn: Conn, category_id: int) -> list[int]:
    """A category and all its descendants (listing a parent shows its children's products too)."""
    rows = await conn.fetch(
        """
        WITH RECURSIVE family AS (
            SELECT id FROM categories WHERE id = $1
            UNION ALL
            SELECT c.id FROM categories c JOIN family f ON c.parent_id = f.id
        )
        SELECT id FROM family
        """,
        category_id,
    )
    return [row["id"] for row in rows]
