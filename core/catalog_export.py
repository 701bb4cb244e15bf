"""The catalogue as a file (.xlsx or .csv), in the columns the import reads, with today's stock: a backup, a
bulk edit in Excel, or the template (the columns alone)."""

from __future__ import annotations

from core.catalog_import import CATEGORY_SEPARATOR, COLUMNS
from core.db import Conn
from core.spreadsheets import Cell, table_bytes

_ROWS = """
WITH RECURSIVE paths AS (
    SELECT id, name_uz::text AS path FROM categories WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, p.path || $1 || c.name_uz FROM categories c JOIN paths p ON c.parent_id = p.id
)
SELECT p.sku, p.barcode, p.name_uz, p.name_ru, paths.path AS category, p.price, p.sale_price, p.cost_price,
       i.quantity, p.low_stock_threshold, p.description_uz, p.description_ru,
       (SELECT string_agg(f.source_url, ' ' ORDER BY f.position) FROM product_photos f
         WHERE f.product_id = p.id AND f.source_url IS NOT NULL AND f.status <> 'failed') AS photo_urls
  FROM products p
  JOIN inventory i ON i.product_id = p.id
  LEFT JOIN paths ON paths.id = p.category_id
 ORDER BY p.sku
"""


async def export(conn: Conn, name: str) -> bytes:
    """Every product, by SKU, as the file `name` (its extension chooses the format); the quantity is the count on
    the shelf (reserved units included), as the import sets it. `photo_urls` are the addresses photos were fetched
    (or wait to be fetched) from; a photo sent in the chat has none, and stays as it is when the file comes back."""
    rows: list[tuple[Cell, ...]] = [
        tuple(record[column] for column in COLUMNS) for record in await conn.fetch(_ROWS, CATEGORY_SEPARATOR)
    ]
    return table_bytes(name, COLUMNS, rows)


def template(name: str) -> bytes:
    """An empty catalogue file: the header row the import expects."""
    return table_bytes(name, COLUMNS, [])
