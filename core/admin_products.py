"""Products as the seller's back office sees them: search over the whole catalog (hidden products too), a card
with stock and every channel's listing, and the admin's writes (stock, our prices, the own-store switch, new
products). Each write records its audit row in the caller's unit of work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core import audit, catalog, inventory
from core.catalog import NewProduct, ProductView
from core.db import Conn
from core.errors import NotFound, ValidationError
from core.inventory import Source, StockLevel
from core.unit_of_work import UnitOfWork

SEARCH_LIMIT = 10
MAX_NEEDLE = 100
PRICE_FIELDS = ("price", "sale_price", "cost_price")

_SEARCH = """
SELECT p.id, p.sku, p.barcode, p.name_uz, p.name_ru, p.price, COALESCE(p.sale_price, p.price) AS display_price,
       p.is_active, i.quantity - i.reserved_quantity AS available,
       lower(p.sku) = lower($1) OR p.barcode IS NOT DISTINCT FROM $1 AS exact
  FROM products p
  JOIN inventory i ON i.product_id = p.id
 WHERE lower(p.sku) = lower($1) OR p.barcode = $1
    OR (search_latin($1) <> '' AND (search_latin($1) <% p.search_text OR p.search_text LIKE search_latin($2)))
 ORDER BY (lower(p.sku) = lower($1) OR p.barcode = $1) DESC,
          word_similarity(search_latin($1), p.search_text) DESC, p.id
 LIMIT $3
"""


@dataclass(frozen=True)
class Found:
    """A product found by the search, hidden ones too."""

    id: int
    sku: str
    barcode: str | None
    name_uz: str
    name_ru: str | None
    price: Decimal
    display_price: Decimal  # the sale price when there is one
    is_active: bool
    available: int
    exact: bool  # the needle is its SKU or barcode


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(conn: Conn, needle: str, limit: int = SEARCH_LIMIT) -> list[Found]:
    """Products by exact SKU or barcode first, then by name (uz or ru, either script, typos forgiven)."""
    needle = needle.strip()[:MAX_NEEDLE]
    if not needle:
        return []
    return [Found(**row) for row in await conn.fetch(_SEARCH, needle, f"%{_escape_like(needle)}%", limit)]


@dataclass(frozen=True)
class CategoryName:
    name_uz: str
    name_ru: str | None


@dataclass(frozen=True)
class Listing:
    """A product's listing on one channel, with what the channel last told us of it."""

    marketplace_id: int
    channel: str
    integration_type: str  # 'api' channels set their own prices
    marketplace_product_id: str
    marketplace_sku: str | None
    marketplace_stock: int
    marketplace_price: Decimal | None
    price_editable: bool
    status: str
    sync_status: str
    sync_error: str | None
    last_synced_at: datetime | None


@dataclass(frozen=True)
class ProductCard:
    product: ProductView
    category: CategoryName | None
    low_stock_threshold: int
    listings: list[Listing]
    photo_count: int


_LISTINGS = """
SELECT mp.marketplace_id, m.name AS channel, m.integration_type, mp.marketplace_product_id, mp.marketplace_sku,
       mp.marketplace_stock, mp.marketplace_price, mp.price_editable, mp.status, mp.sync_status, mp.sync_error,
       mp.last_synced_at
  FROM marketplace_products mp
  JOIN marketplaces m ON m.id = mp.marketplace_id
 WHERE mp.product_id = $1
 ORDER BY m.id
"""


async def card(conn: Conn, product_id: int) -> ProductCard:
    product = await catalog.admin_view(conn, product_id)
    extra = await conn.fetchrow(
        "SELECT p.low_stock_threshold, c.id AS category_id, c.name_uz, c.name_ru,"
        " (SELECT COUNT(*) FROM product_photos f WHERE f.product_id = p.id AND f.status = 'ready') AS photo_count"
        " FROM products p LEFT JOIN categories c ON c.id = p.category_id WHERE p.id = $1",
        product_id,
    )
    assert extra is not None  # admin_view above found the product
    category = CategoryName(extra["name_uz"], extra["name_ru"]) if extra["category_id"] is not None else None
    listings = await _listings(conn, product_id)
    return ProductCard(product, category, extra["low_stock_threshold"], listings, extra["photo_count"])


async def _listings(conn: Conn, product_id: int) -> list[Listing]:
    return [Listing(**row) for row in await conn.fetch(_LISTINGS, product_id)]


async def listing(conn: Conn, product_id: int, marketplace_id: int) -> Listing:
    """One channel's listing of a product (to explain, e.g., why its price cannot be edited here)."""
    found = [row for row in await _listings(conn, product_id) if row.marketplace_id == marketplace_id]
    if not found:
        raise NotFound("listing", f"{product_id}@{marketplace_id}")
    return found[0]


async def adjust_stock(uow: UnitOfWork, product_id: int, change: int, reason: str, actor_id: int) -> StockLevel:
    """+/- n with the reason, e.g. goods arrived or broke."""
    level = await inventory.adjust(uow, product_id, change, Source("adjustment", None, None, actor_id, reason.strip()))
    await audit.record(
        uow.conn,
        actor_id,
        audit.STOCK_ADJUST,
        "product",
        product_id,
        {"quantity": level.quantity - change},
        {"quantity": level.quantity, "reason": reason.strip()},
    )
    return level


async def count_stock(uow: UnitOfWork, product_id: int, counted: int, actor_id: int) -> StockLevel:
    """A stock take: the shelf holds `counted`."""
    conn = uow.conn
    before = await conn.fetchval("SELECT quantity FROM inventory WHERE product_id = $1 FOR UPDATE", product_id)
    if before is None:
        raise NotFound("product", product_id)
    level = await inventory.set_count(
        uow, product_id, counted, Source("stock_take", None, None, actor_id, "stock take")
    )
    await audit.record(
        conn, actor_id, audit.STOCK_COUNT, "product", product_id, {"quantity": before}, {"quantity": level.quantity}
    )
    return level


async def set_price(uow: UnitOfWork, product_id: int, field: str, value: Decimal | None, actor_id: int) -> ProductView:
    """Our price, sale price or cost. Marketplace prices are theirs and never change here."""
    if field not in PRICE_FIELDS:
        raise ValidationError(f"{field} is not one of our prices", field)
    before = await catalog.admin_view(uow.conn, product_id)
    after = await catalog.update_product(uow, product_id, {field: value})
    await audit.record(
        uow.conn,
        actor_id,
        audit.PRODUCT_UPDATE,
        "product",
        product_id,
        {field: before.our_price(field)},
        {field: after.our_price(field)},
    )
    return after


async def set_active(uow: UnitOfWork, product_id: int, active: bool, actor_id: int) -> bool:
    """Switch a product on or off in the own store; returns whether it is visible now."""
    before = await catalog.admin_view(uow.conn, product_id)
    visible = await catalog.set_active(uow, product_id, active)
    await audit.record(
        uow.conn,
        actor_id,
        audit.PRODUCT_ACTIVATE,
        "product",
        product_id,
        {"is_active": before.is_active, "inactive_reason": before.inactive_reason},
        {"switched_on": active, "is_active": visible},
    )
    return visible


async def create(uow: UnitOfWork, product: NewProduct, *, low_stock_threshold: int, actor_id: int) -> int:
    product_id = await catalog.create_product(
        uow, product, low_stock_threshold=low_stock_threshold, created_by=actor_id
    )
    await audit.record(
        uow.conn,
        actor_id,
        audit.PRODUCT_CREATE,
        "product",
        product_id,
        None,
        {
            "sku": product.sku,
            "name_uz": product.name_uz,
            "name_ru": product.name_ru,
            "barcode": product.barcode,
            "category_id": product.category_id,
            "price": product.price,
            "cost_price": product.cost_price,
            "initial_stock": product.initial_stock,
            "image_url": product.image_url,
        },
    )
    return product_id


@dataclass(frozen=True)
class CategoryChoice:
    id: int
    name_uz: str
    name_ru: str | None
    parent: CategoryName | None


async def category_choices(conn: Conn) -> list[CategoryChoice]:
    """Active categories, parents before their children, for a picker."""
    rows = await conn.fetch(
        """
        SELECT c.id, c.name_uz, c.name_ru, p.name_uz AS parent_uz, p.name_ru AS parent_ru
          FROM categories c
          LEFT JOIN categories p ON p.id = c.parent_id
         WHERE c.is_active
         ORDER BY COALESCE(p.sort_order, c.sort_order), COALESCE(c.parent_id, c.id), c.parent_id NULLS FIRST,
                  c.sort_order, c.id
        """
    )
    return [
        CategoryChoice(
            row["id"],
            row["name_uz"],
            row["name_ru"],
            CategoryName(row["parent_uz"], row["parent_ru"]) if row["parent_uz"] else None,
        )
        for row in rows
    ]
