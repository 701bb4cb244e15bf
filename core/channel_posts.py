"""What the admin's /post puts in a Telegram channel: a product named by its SKU or number, as customers see it
(its name in the post's language, the price it sells at, the sale's discount, its main photo)."""

from __future__ import annotations

import re

from core import storefront
from core.db import Conn

MAX_ID = 2**31 - 1
# A channel as Telegram names it: @username (5-32 letters, digits, _) or its numeric id (-100...).
CHANNEL = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-?\d{1,20})$")


def is_channel(text: str) -> bool:
    return CHANNEL.match(text) is not None


async def product(conn: Conn, key: str, lang: storefront.Language) -> storefront.DetailCard | None:
    """The product named by its SKU (as written, or in capitals as SKUs usually are) or, failing that, its
    number; None when none is, or when an admin took it off sale (a post would sell what the store does not)."""
    product_id = await conn.fetchval(
        "SELECT id FROM products WHERE sku = $1 OR sku = upper($1) ORDER BY sku = $1 DESC LIMIT 1", key
    )
    if product_id is None and key.isdigit() and int(key) <= MAX_ID:
        product_id = int(key)
    return None if product_id is None else await storefront.product_page(conn, product_id, lang)
