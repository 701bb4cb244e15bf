"""Products of the master catalog: creation (with their stock row), prices, and own-store visibility.

Every change registers `catalog_changed` on the caller's unit of work: cached catalog pages drop after the commit."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

import asyncpg

from core import inventory, links
from core.db import Conn
from core.errors import NotFound, ValidationError
from core.inventory import Source
from core.sql import bind, update_by_id
from core.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class NewProduct:
    sku: str
    name_uz: str
    price: Decimal
    name_ru: str | None = None
    barcode: str | None = None
    description_uz: str | None = None
    description_ru: str | None = None
    category_id: int | None = None
    sale_price: Decimal | None = None
    cost_price: Decimal | None = None
    image_url: str | None = None
    initial_stock: int = 0


_INSERT = """
INSERT INTO products (
    sku, barcode, name_uz, name_ru, description_uz, description_ru, category_id,
    price, sale_price, cost_price, image_url, low_stock_threshold, is_active, inactive_reason
) VALUES (
    :sku, :barcode, :name_uz, :name_ru, :description_uz, :description_ru, :category_id,
    :price, :sale_price, :cost_price, :image_url, :low_stock_threshold, FALSE, 'out_of_stock'
)
RETURNING id
"""


async def create_product(
    uow: UnitOfWork, product: NewProduct, *, low_stock_threshold: int, created_by: int | None = None
) -> int:
    """A new product starts hidden with an empty stock row; its first stock arrives as a 'receive'."""
    conn = uow.conn
    _check_prices(product.price, product.sale_price, product.cost_price)
    _check_image_url(product.image_url)
    if product.initial_stock < 0:
        raise ValidationError("initial stock cannot be negative", "initial_stock")
    try:
        product_id = await conn.fetchval(
            *bind(
                _INSERT,
                sku=product.sku.strip(),
                barcode=product.barcode,
                name_uz=product.name_uz.strip(),
                name_ru=product.name_ru,
                description_uz=product.description_uz,
                description_ru=product.description_ru,
                category_id=product.category_id,
                price=product.price,
                sale_price=product.sale_price,
                cost_price=product.cost_price,
                image_url=product.image_url,
                low_stock_threshold=low_stock_threshold,
            )
        )
    except asyncpg.UniqueViolationError:
        raise ValidationError(f"SKU {product.sku} is already used by another product", "sku") from None
    except asyncpg.ForeignKeyViolationError:
        raise NotFound("category", product.category_id) from None
    await conn.execute("INSERT INTO inventory (product_id) VALUES ($1)", product_id)
    if product.initial_stock:
        source = Source("product", product_id, user_id=created_by, notes="opening stock")
        await inventory.receive(uow, product_id, product.initial_stock, source, opening=True)
    uow.catalog_changed()
    return product_id


async def set_active(uow: UnitOfWork, product_id: int, active: bool) -> bool:
    """An admin switches a product on or off in the own store; returns whether it is now visible.

    Switched off by an admin, it stays off whatever the stock does. Switched on with nothing available,
    it waits hidden (as 'out_of_stock') and shows itself when stock arrives.
    """
    conn = uow.conn
    await inventory.lock(conn, [product_id])  # a stock change in flight must see the new reason, or we its count
    row = await conn.fetchrow(
        """
        UPDATE products p
           SET is_active = $2 AND i.quantity > i.reserved_quantity,
               inactive_reason = CASE WHEN NOT $2 THEN 'admin'
                                      WHEN i.quantity > i.reserved_quantity THEN NULL
                                      ELSE 'out_of_stock' END
          FROM inventory i
         WHERE p.id = $1 AND i.product_id = p.id
        RETURNING p.is_active
        """,
        product_id,
        active,
    )
    if row is None:
        raise NotFound("product", product_id)
    uow.catalog_changed()
    return row["is_active"]


@dataclass(frozen=True)
class ProductView:
    """A product as its admins see it: every field of ours, and its stock."""

    id: int
    sku: str
    barcode: str | None
    name_uz: str
    name_ru: str | None
    description_uz: str | None
    description_ru: str | None
    category_id: int | None
    price: Decimal
    sale_price: Decimal | None
    cost_price: Decimal | None
    profitability_percentage: Decimal | None
    image_url: str | None
    is_active: bool
    inactive_reason: str | None  # 'admin' (taken off sale) or 'out_of_stock'
    quantity: int
    reserved: int
    available: int

    def our_price(self, field: str) -> Decimal | None:
        """One of our prices by its name (price, sale_price or cost_price), for the form that edits it."""
        return {"price": self.price, "sale_price": self.sale_price, "cost_price": self.cost_price}[field]


_ADMIN_VIEW = """
SELECT p.id, p.sku, p.barcode, p.name_uz, p.name_ru, p.description_uz, p.description_ru, p.category_id,
       p.price, p.sale_price, p.cost_price, p.profitability_percentage, p.image_url, p.is_active,
       p.inactive_reason, i.quantity, i.reserved_quantity AS reserved, i.quantity - i.reserved_quantity AS available
  FROM products p
  JOIN inventory i ON i.product_id = p.id
 WHERE p.id = $1
"""

_EDITABLE = (
    "barcode",
    "name_uz",
    "name_ru",
    "description_uz",
    "description_ru",
    "category_id",
    "price",
    "sale_price",
    "cost_price",
    "image_url",
)


async def admin_view(conn: Conn, product_id: int) -> ProductView:
    row = await conn.fetchrow(_ADMIN_VIEW, product_id)
    if row is None:
        raise NotFound("product", product_id)
    return ProductView(**row)


async def update_product(uow: UnitOfWork, product_id: int, changes: dict[str, object]) -> ProductView:
    """Change our own fields of a product (texts, category, our prices, image, own-store switch).

    Marketplace prices are theirs and are not here: they are read from each marketplace."""
    conn = uow.conn
    current = await admin_view(conn, product_id)
    unknown = set(changes) - {*_EDITABLE, "is_active"}
    if unknown:
        raise ValidationError(f"cannot change {', '.join(sorted(unknown))}", sorted(unknown)[0])
    if "name_uz" in changes and not str(changes["name_uz"] or "").strip():
        raise ValidationError("the Uzbek name is required", "name_uz")
    if "price" in changes and changes["price"] is None:
        raise ValidationError("the price is required", "price")
    merged = {**dataclasses.asdict(current), **changes}
    _check_prices(merged["price"], merged["sale_price"], merged["cost_price"])
    if "image_url" in changes:
        _check_image_url(changes["image_url"])
    fields = [name for name in _EDITABLE if name in changes]
    if fields:
        try:
            await conn.execute(update_by_id("products", fields), product_id, *(changes[name] for name in fields))
        except asyncpg.ForeignKeyViolationError:
            raise NotFound("category", changes.get("category_id")) from None
    if "is_active" in changes and changes["is_active"] is not None:
        await set_active(uow, product_id, bool(changes["is_active"]))
    uow.catalog_changed()
    return await admin_view(conn, product_id)


def _check_image_url(url: object) -> None:
    # The store shows it as a picture to every customer: an http(s) address or one of our own paths only.
    if url is not None and not (isinstance(url, str) and links.is_allowed(url)):
        raise ValidationError("the image must be an http(s) address or one of the store's /media/ paths", "image_url")


def _check_prices(price: Decimal, sale_price: Decimal | None, cost_price: Decimal | None) -> None:
    for name, value in (("price", price), ("sale_price", sale_price), ("cost_price", cost_price)):
        if value is not None and (not value.is_finite() or value < 0):
            raise ValidationError(f"{name.replace('_', ' ')} must be a non-negative amount", name)
    if sale_price is not None and sale_price > price:
        raise ValidationError("the sale price must not exceed the price", "sale_price")
