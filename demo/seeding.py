"""Writes the demo catalog behind `amazing-store seed-demo`: channels, categories, products, stock, channel
mappings and banners, only what is missing, so it is safe to run any number of times."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

import asyncpg

from core import inventory, media, photos
from core.db import Conn
from core.inventory import Source
from core.unit_of_work import Effects, UnitOfWork
from demo import pictures as drawn
from demo.catalog import (
    BANNERS,
    CATEGORIES,
    DELIVERY_ZONES,
    LISTING_PREFIX,
    MANUAL_SLUGS,
    MARKETPLACES,
    RUSSIAN_LISTINGS,
)
from demo.platforms import demo_platform
from demo.products import Picture, Product, build_products
from demo.sandboxes.demo_platform import SeededProduct


@dataclass(frozen=True)
class DemoSummary:
    """Rows created by one seed_demo call; all zeros when the demo was already there."""

    categories: int
    products: int
    banners: int
    marketplaces: int


# Any constant works; it only has to be the same for every process that seeds.
_SEED_LOCK_KEY = 0x616D7A5F64656D6F
# The shop setting that remembers the demo was taken away (its value: when).
_REMOVED_KEY = "demo_removed_at"

_INSERT_MARKETPLACES = """
INSERT INTO marketplaces (name, slug, integration_type, api_type, supports_webhooks, supports_stock_sync,
                          supports_order_sync, supports_price_sync, sync_interval_minutes,
                          default_commission_rate, is_demo)
SELECT d.*, d.integration_type <> 'own'  -- the own store is the seller's, whoever made it
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::bool[], $7::bool[],
              $8::bool[], $9::int[], $10::numeric[])
       AS d(name, slug, integration_type, api_type, supports_webhooks, supports_stock_sync, supports_order_sync,
            supports_price_sync, sync_interval_minutes, default_commission_rate)
-- Migration 019 made the own store already: a conflict on its slug or on "one own store" keeps that one.
ON CONFLICT DO NOTHING
RETURNING id
"""

_INSERT_CATEGORIES = """
INSERT INTO categories (name_uz, name_ru, parent_id, icon, color, sort_order, is_demo)
SELECT d.name_uz, d.name_ru, d.parent_id, d.icon, d.color, d.sort_order, TRUE
  FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[])
       WITH ORDINALITY AS d(name_uz, name_ru, parent_id, icon, color, sort_order, ord)
 ORDER BY d.ord
RETURNING id, name_uz, parent_id
"""

# Categories have no natural key: (parent, name_uz) is how a person would recognise one as "already there".
_EXISTING_CATEGORIES = """
SELECT DISTINCT ON (parent_id, name_uz) id, name_uz, parent_id
  FROM categories
 WHERE name_uz = ANY($1::text[])
   AND (parent_id IS NULL OR parent_id = ANY($2::int[]))
 ORDER BY parent_id, name_uz, id
"""

# Products start hidden with an empty stock row, like every new product (core.catalog); the opening stock
# then arrives through the ledger, which shows them. The profitability trigger fills profitability_percentage.
_INSERT_PRODUCTS = """
WITH created AS (
    INSERT INTO products (sku, barcode, name_uz, name_ru, description_uz, description_ru, category_id, price,
                          sale_price, cost_price, image_url, is_active, inactive_reason, is_demo)
    SELECT d.sku, d.barcode, d.name_uz, d.name_ru, d.description_uz, d.description_ru, d.category_id, d.price,
           d.sale_price, d.cost_price, d.image_url, FALSE, 'out_of_stock', TRUE
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[],
                  $8::numeric[], $9::numeric[], $10::numeric[], $11::text[])
           WITH ORDINALITY AS d(sku, barcode, name_uz, name_ru, description_uz, description_ru, category_id,
                                price, sale_price, cost_price, image_url, ord)
     ORDER BY d.ord
    ON CONFLICT (sku) DO NOTHING
    RETURNING id, sku
), stock AS (
    INSERT INTO inventory (product_id) SELECT id FROM created
)
SELECT id, sku FROM created
"""

_INSERT_LISTINGS = """
INSERT INTO marketplace_products (product_id, marketplace_id, marketplace_product_id, marketplace_sku,
                                  marketplace_name, marketplace_price, marketplace_stock, previous_stock,
                                  price_editable, pushed_version)
SELECT d.product_id, d.marketplace_id, d.listing_id, d.sku, d.name, d.price, d.stock, d.stock, d.editable,
       1  -- the listing starts with our stock already (marketplace_stock): nothing to push yet
  FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::text[], $6::numeric[], $7::int[], $8::bool[])
       AS d(product_id, marketplace_id, listing_id, sku, name, price, stock, editable)
ON CONFLICT (product_id, marketplace_id) DO NOTHING
RETURNING id, marketplace_id, product_id
"""

_INSERT_LISTING_KEYS = """
INSERT INTO listing_keys (mapping_id, marketplace_id, name, value)
SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::text[])
"""

_INSERT_BANNERS = """
INSERT INTO banners (title_uz, title_ru, image_url, link_type, link_id, link_url, sort_order, is_demo)
SELECT *, TRUE FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[])
RETURNING id
"""


# Only into a shop with no zone at all: the seller's own delivery terms are never mixed with the demo's.
_INSERT_DELIVERY_ZONES = """
INSERT INTO delivery_zones (name_uz, name_ru, fee, free_from, delivery_time_uz, delivery_time_ru, is_demo)
SELECT d.*, TRUE
  FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::text[], $6::text[])
       AS d(name_uz, name_ru, fee, free_from, delivery_time_uz, delivery_time_ru)
 WHERE NOT EXISTS (SELECT 1 FROM delivery_zones)
"""


async def catalog_is_empty(conn: Conn) -> bool:
    """True when there is not a single product, the moment to offer the demo."""
    return bool(await conn.fetchval("SELECT NOT EXISTS (SELECT 1 FROM products)"))


async def demo_was_removed(conn: Conn) -> bool:
    """True once `remove_demo` ran: the trial's `seed-demo --if-empty` must not bring it back to a shop that
    took it away and has not entered a product yet."""
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM shop_settings WHERE key = $1)", _REMOVED_KEY))


async def seed_demo(conn: Conn, effects: Effects, pictures: media.MediaStore | None = None) -> DemoSummary:
    """Create whatever part of the demo catalog is missing, in one unit of work; existing rows stay as is. With a
    media store, each new product gets its drawn picture as its photo; without one, its category's icon."""
    async with effects.transaction(conn) as uow:
        # Two seeds at once (CLI beside a starting server) would otherwise both miss, then insert, a category.
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _SEED_LOCK_KEY)
        marketplaces_created = await _seed_marketplaces(conn)
        category_ids, categories_created = await _seed_categories(conn)
        products = build_products()
        product_ids = await _seed_products(uow, products, category_ids)
        if pictures is not None and product_ids:
            await _seed_pictures(uow, pictures, [p for p in products if p.sku in product_ids], product_ids)
        banners_created = await _seed_banners(conn, products, category_ids)
        await conn.execute(
            _INSERT_DELIVERY_ZONES,
            [z.name_uz for z in DELIVERY_ZONES],
            [z.name_ru for z in DELIVERY_ZONES],
            [z.fee for z in DELIVERY_ZONES],
            [z.free_from for z in DELIVERY_ZONES],
            [z.time_uz for z in DELIVERY_ZONES],
            [z.time_ru for z in DELIVERY_ZONES],
        )
        uow.catalog_changed()
    return DemoSummary(
        categories=categories_created,
        products=len(product_ids),
        banners=banners_created,
        marketplaces=marketplaces_created,
    )


async def _seed_pictures(
    uow: UnitOfWork, store: media.MediaStore, products: list[Product], product_ids: dict[str, int]
) -> None:
    """Draw each model's picture once and keep it like a photo; drawing and encoding run on every core."""
    lanes = asyncio.Semaphore(os.cpu_count() or 1)

    async def keep(picture: Picture) -> tuple[Picture, str]:
        async with lanes:
            png = await asyncio.to_thread(drawn.draw, picture.label, picture.color)
            return picture, await media.keep(store, png)

    keys = dict(await asyncio.gather(*(keep(picture) for picture in {p.picture for p in products})))
    for product in products:
        await photos.replace(uow, product_ids[product.sku], [keys[product.picture]])


async def _seed_marketplaces(conn: Conn) -> int:
    rows = MARKETPLACES
    created = await conn.fetch(
        _INSERT_MARKETPLACES,
        [m.name for m in rows],
        [m.slug for m in rows],
        [m.integration_type for m in rows],
        [m.api_type for m in rows],
        [m.supports_webhooks for m in rows],
        [m.supports_stock_sync for m in rows],
        [m.supports_order_sync for m in rows],
        [m.supports_price_sync for m in rows],
        [m.sync_interval_minutes for m in rows],
        [m.default_commission_rate for m in rows],
    )
    return len(created)


async def _seed_categories(conn: Conn) -> tuple[dict[str, int], int]:
    """Ids of every demo category by key, and how many had to be created."""
    ids: dict[str, int] = {}
    created = 0

    top_rows = await conn.fetch(_EXISTING_CATEGORIES, [c.name_uz for c in CATEGORIES], [])
    existing_top = {r["name_uz"]: r["id"] for r in top_rows if r["parent_id"] is None}
    missing_top = [(i, c) for i, c in enumerate(CATEGORIES, start=1) if c.name_uz not in existing_top]
    if missing_top:
        inserted = await conn.fetch(
            _INSERT_CATEGORIES,
            [c.name_uz for _, c in missing_top],
            [c.name_ru for _, c in missing_top],
            [None for _ in missing_top],
            [c.icon for _, c in missing_top],
            [c.color for _, c in missing_top],
            [i for i, _ in missing_top],
        )
        existing_top.update({r["name_uz"]: r["id"] for r in inserted})
        created += len(inserted)
    for top in CATEGORIES:
        ids[top.key] = existing_top[top.name_uz]

    parents = [top for top in CATEGORIES if top.children]
    sub_rows = await conn.fetch(
        _EXISTING_CATEGORIES,
        [s.name_uz for top in parents for s in top.children],
        [ids[top.key] for top in parents],
    )
    existing_sub = {(r["parent_id"], r["name_uz"]): r["id"] for r in sub_rows if r["parent_id"] is not None}
    missing_sub = [
        (ids[top.key], i, top, sub)
        for top in parents
        for i, sub in enumerate(top.children, start=1)
        if (ids[top.key], sub.name_uz) not in existing_sub
    ]
    if missing_sub:
        inserted = await conn.fetch(
            _INSERT_CATEGORIES,
            [s.name_uz for _, _, _, s in missing_sub],
            [s.name_ru for _, _, _, s in missing_sub],
            [p for p, _, _, _ in missing_sub],
            [s.icon for _, _, _, s in missing_sub],
            [t.color for _, _, t, _ in missing_sub],
            [i for _, i, _, _ in missing_sub],
        )
        existing_sub.update({(r["parent_id"], r["name_uz"]): r["id"] for r in inserted})
        created += len(inserted)
    for top in parents:
        for sub in top.children:
            ids[sub.key] = existing_sub[(ids[top.key], sub.name_uz)]
    return ids, created


async def _seed_products(uow: UnitOfWork, products: list[Product], category_ids: dict[str, int]) -> dict[str, int]:
    """Insert the missing products with their stock, ledger and channel listings; the new ids by SKU."""
    conn = uow.conn
    rows = await conn.fetch(
        _INSERT_PRODUCTS,
        [p.sku for p in products],
        [p.barcode for p in products],
        [p.name_uz for p in products],
        [p.name_ru for p in products],
        [p.description_uz for p in products],
        [p.description_ru for p in products],
        [category_ids[p.leaf] for p in products],
        [p.price for p in products],
        [p.sale_price for p in products],
        [p.cost_price for p in products],
        [p.image_url for p in products],
    )
    new_ids: dict[str, int] = {r["sku"]: r["id"] for r in rows}
    # Only products created now get stock and listings: a product that was already there keeps its own.
    fresh = [p for p in products if p.sku in new_ids]
    if not fresh:
        return new_ids

    opening = Source("demo", notes="Demo opening stock")
    for product in fresh:
        if product.quantity > 0:
            await inventory.receive(uow, new_ids[product.sku], product.quantity, opening, opening=True)

    channels = await conn.fetch(
        "SELECT id, slug, api_type FROM marketplaces WHERE slug = ANY($1::text[])", list(LISTING_PREFIX)
    )
    marketplace_ids: dict[str, int] = {r["slug"]: r["id"] for r in channels}
    listings = [(p, listing) for p in fresh for listing in p.listings if listing.slug in marketplace_ids]
    if listings:
        mapped = await conn.fetch(
            _INSERT_LISTINGS,
            [new_ids[p.sku] for p, _ in listings],
            [marketplace_ids[x.slug] for _, x in listings],
            [f"{LISTING_PREFIX[x.slug]}-{p.sku}" for p, x in listings],
            [p.sku for p, _ in listings],
            [p.name_ru if x.slug in RUSSIAN_LISTINGS else p.name_uz for p, x in listings],
            [x.price for _, x in listings],
            [p.quantity for p, _ in listings],
            [x.slug in MANUAL_SLUGS for _, x in listings],
        )
        await _seed_listing_keys(conn, mapped, {r["id"]: r["api_type"] for r in channels}, fresh, new_ids)
    return new_ids


async def _seed_listing_keys(
    conn: Conn,
    mapped: list[asyncpg.Record],
    api_types: dict[int, str | None],
    products: list[Product],
    new_ids: dict[str, int],
) -> None:
    """The API listings' platform keys a stock push needs (made up, deterministic, as each sandbox declares), so
    the demo's sync works against the local sandboxes."""
    seeded = {new_ids[p.sku]: SeededProduct(id=new_ids[p.sku], sku=p.sku, barcode=p.barcode) for p in products}
    rows: list[tuple[int, int, str, str]] = []
    for listing in mapped:
        hook = demo_platform(api_types[listing["marketplace_id"]])
        if hook is None:  # a manual channel: no keys
            continue
        keys = hook.keys(seeded[listing["product_id"]])
        rows += [(listing["id"], listing["marketplace_id"], n, v) for n, v in keys.items() if v is not None]
    if rows:
        await conn.execute(_INSERT_LISTING_KEYS, *(list(column) for column in zip(*rows, strict=True)))


async def _seed_banners(conn: Conn, products: list[Product], category_ids: dict[str, int]) -> int:
    existing = {
        r["image_url"]
        for r in await conn.fetch(
            "SELECT image_url FROM banners WHERE image_url = ANY($1::text[])", [b.image_url for b in BANNERS]
        )
    }
    missing = [(i, b) for i, b in enumerate(BANNERS, start=1) if b.image_url not in existing]
    if not missing:
        return 0
    linked_skus = {
        b.link_model: next(p.sku for p in products if p.name_uz.startswith(b.link_model))
        for _, b in missing
        if b.link_model
    }
    product_ids: dict[str, int] = {
        r["sku"]: r["id"]
        for r in await conn.fetch(
            "SELECT id, sku FROM products WHERE sku = ANY($1::text[])", list(linked_skus.values())
        )
    }
    link_ids: list[int | None] = []
    for _, banner in missing:
        if banner.link_category:
            link_ids.append(category_ids[banner.link_category])
        elif banner.link_model:
            link_ids.append(product_ids.get(linked_skus[banner.link_model]))
        else:
            link_ids.append(None)
    inserted = await conn.fetch(
        _INSERT_BANNERS,
        [b.title_uz for _, b in missing],
        [b.title_ru for _, b in missing],
        [b.image_url for _, b in missing],
        [b.link_type for _, b in missing],
        link_ids,
        [b.link_url for _, b in missing],
        [i for i, _ in missing],
    )
    return len(inserted)


@dataclass(frozen=True)
class RemovedDemo:
    """Rows `remove_demo` took away."""

    orders: int
    products: int
    categories: int
    banners: int
    channels: int


# A trial order is one whose every line is a demo product: the seller's own products are never on one.
_DELETE_TRIAL_ORDERS = """
DELETE FROM orders o
 WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.id)
   AND NOT EXISTS (SELECT 1 FROM order_items i LEFT JOIN products p ON p.id = i.product_id
                    WHERE i.order_id = o.id AND p.is_demo IS NOT TRUE)
"""

# A seller's order that also sold a demo product keeps its line (price and name are snapshots; the product
# link becomes NULL through the foreign key).
_DELETE_PRODUCTS = "DELETE FROM products WHERE is_demo"

_DELETE_BANNERS = "DELETE FROM banners WHERE is_demo"

# A demo zone an order of the seller's went to is the seller's now (the order keeps its zone).
_DELETE_DELIVERY_ZONES = """
DELETE FROM delivery_zones z
 WHERE z.is_demo AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.delivery_zone_id = z.id)
"""

# Leaves first, one level per round: a demo category that now holds a seller's product or category stays.
_DELETE_EMPTY_CATEGORIES = """
DELETE FROM categories c
 WHERE c.is_demo
   AND NOT EXISTS (SELECT 1 FROM products p WHERE p.category_id = c.id)
   AND NOT EXISTS (SELECT 1 FROM categories child WHERE child.parent_id = c.id)
"""

# Manual channels only: the API marketplaces' rows are the slots `marketplace configure` connects, demo or not.
# A manual channel with the seller's orders or listings on it is the seller's now.
_DELETE_CHANNELS = """
DELETE FROM marketplaces m
 WHERE m.is_demo AND m.integration_type = 'manual'
   AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.marketplace_id = m.id)
   AND NOT EXISTS (SELECT 1 FROM marketplace_products mp WHERE mp.marketplace_id = m.id)
"""


def _count(status: str) -> int:
    return int(status.rsplit(" ", 1)[1])


async def remove_demo(conn: Conn, effects: Effects) -> RemovedDemo:
    """Take the demo away in one unit of work: its products with their stock and trial orders, its banners and
    delivery zones, and its categories and manual channels that hold nothing of the seller's."""
    async with effects.transaction(conn) as uow:
        await conn.execute("SELECT pg_advisory_xact_lock($1)", _SEED_LOCK_KEY)
        orders = _count(await conn.execute(_DELETE_TRIAL_ORDERS))
        products = _count(await conn.execute(_DELETE_PRODUCTS))
        banners = _count(await conn.execute(_DELETE_BANNERS))
        await conn.execute(_DELETE_DELIVERY_ZONES)
        categories = 0
        while removed := _count(await conn.execute(_DELETE_EMPTY_CATEGORIES)):
            categories += removed
        channels = _count(await conn.execute(_DELETE_CHANNELS))
        await conn.execute(
            "INSERT INTO shop_settings (key, value) VALUES ($1, NOW()::text) ON CONFLICT (key) DO NOTHING", _REMOVED_KEY
        )
        uow.catalog_changed()
    return RemovedDemo(orders=orders, products=products, categories=categories, banners=banners, channels=channels)
