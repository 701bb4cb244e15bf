"""What customers see in the own store: product listings with filters, search and sorting, a product
page, best-sellers. Only products on sale (is_active) are listed: sold-out ones hide themselves."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import asyncpg
from pypika import Order, Parameter, Table
from pypika import PostgreSQLQuery as Query
from pypika import functions as fn
from pypika.enums import Comparator
from pypika.queries import QueryBuilder
from pypika.terms import BasicCriterion, Case, CustomFunction, Term

from core import categories

Language = Literal["uz", "ru"]
Sort = Literal["relevance", "new", "popular", "price_asc", "price_desc"]

MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 100

products = Table("products", alias="p")
inventory = Table("inventory", alias="i")
WordSimilarity = CustomFunction("word_similarity", ["needle", "haystack"])
SearchLatin = CustomFunction("search_latin", ["value"])


class _Trigram(Comparator):
    word_similar = "<%"


@dataclass(frozen=True)
class ProductFilter:
    lang: Language = "uz"
    page: int = 1
    per_page: int = 20
    category_id: int | None = None
    query: str | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    in_stock: bool | None = None
    sort: Sort | None = None
    ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ProductPage:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return (self.total + self.per_page - 1) // self.per_page


class _Params:
    """Collects values and hands out $n placeholders, so no value is ever formatted into SQL."""

    def __init__(self) -> None:
        self.values: list[object] = []

    def __call__(self, value: object) -> Parameter:
        self.values.append(value)
        return Parameter(f"${len(self.values)}")


def _localized(params: _Params, lang: Language, uz: Term, ru: Term) -> Term:
    return Case().when(params(lang) == "ru", fn.Coalesce(fn.NullIf(ru, ""), uz)).else_(uz)


def _card_columns(params: _Params, lang: Language) -> list[Term]:
    display_price = fn.Coalesce(products.sale_price, products.price)
    return [
        products.id,
        _localized(params, lang, products.name_uz, products.name_ru).as_("name"),
        _localized(params, lang, products.description_uz, products.description_ru).as_("description"),
        products.price,
        products.sale_price,
        display_price.as_("display_price"),
        products.image_url.as_("image"),
        products.sku,
        products.category_id,
        (inventory.quantity - inventory.reserved_quantity).as_("available"),
    ]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_products(conn: asyncpg.Connection, wanted: ProductFilter) -> ProductPage:
    per_page = max(1, min(wanted.per_page, MAX_PER_PAGE))
    page = max(1, wanted.page)
    needle = (wanted.query or "").strip()[:MAX_QUERY_LENGTH]
    if (wanted.ids is not None and not wanted.ids) or (needle and not any(char.isalnum() for char in needle)):
        return ProductPage([], 0, page, per_page)  # no ids, or only punctuation: nothing can match
    if needle and " " not in needle and any(char.isdigit() for char in needle):
        # A SKU or a scanned barcode names one product: answer it exactly instead of ranking thousands of
        # near-misses ("AS-0777" is similar to every AS-0777x).
        exact = await conn.fetchval(
            "SELECT id FROM products WHERE is_active AND (sku = $1 OR sku = upper($1) OR barcode = $1) LIMIT 1",
            needle,
        )
        if exact is not None:
            wanted = dataclasses.replace(wanted, ids=(exact,), query=None)
            needle = ""
    family = None
    if wanted.category_id is not None:
        family = await categories.family(conn, wanted.category_id) or [wanted.category_id]
    # Two statements, not COUNT(*) OVER (): the page can then stop after per_page rows of an index instead
    # of ranking the whole catalog to count it.
    params = _Params()
    query, latin = _filtered(params, wanted, family, needle)
    sort = wanted.sort or ("relevance" if needle else "new")
    display_price = fn.Coalesce(products.sale_price, products.price)
    query = query.select(*_card_columns(params, wanted.lang))
    if sort == "relevance" and latin is not None:
        query = query.orderby(WordSimilarity(latin, products.search_text), order=Order.desc)
    query = {
        "relevance": query,
        "new": query.orderby(products.created_at, order=Order.desc),
        "popular": query.orderby(products.order_count, order=Order.desc),
        "price_asc": query.orderby(display_price, order=Order.asc),
        "price_desc": query.orderby(display_price, order=Order.desc),
    }[sort].orderby(products.id, order=Order.desc)
    query = query.limit(params(per_page)).offset(params((page - 1) * per_page))
    rows = await conn.fetch(query.get_sql(), *params.values)
    counting = _Params()
    count_query, _ = _filtered(counting, wanted, family, needle)
    total = await conn.fetchval(count_query.select(fn.Count("*")).get_sql(), *counting.values)
    return ProductPage([_card(row) for row in rows], total, page, per_page)


def _filtered(
    params: _Params, wanted: ProductFilter, family: list[int] | None, needle: str
) -> tuple[QueryBuilder, Term | None]:
    """The products on sale that match the filter, before choosing columns, order and page."""
    available = inventory.quantity - inventory.reserved_quantity
    display_price = fn.Coalesce(products.sale_price, products.price)
    query = Query.from_(products).join(inventory).on(inventory.product_id == products.id).where(products.is_active)
    if family is not None:
        query = query.where(products.category_id.isin([params(category) for category in family]))
    if wanted.ids is not None:
        query = query.where(products.id.isin([params(product_id) for product_id in wanted.ids[:MAX_PER_PAGE]]))
    if wanted.min_price is not None:
        query = query.where(display_price >= params(wanted.min_price))
    if wanted.max_price is not None:
        query = query.where(display_price <= params(wanted.max_price))
    if wanted.in_stock:
        query = query.where(available > 0)
    if not needle:
        return query, None
    latin = SearchLatin(params(needle))
    pattern = params(f"%{_escape_like(needle)}%")
    query = query.where(
        (latin != "")  # a needle of apostrophes only normalises to nothing, and would match everything
        & (
            BasicCriterion(_Trigram.word_similar, latin, products.search_text)
            | products.search_text.like(SearchLatin(pattern))
        )
    )
    return query, latin


def _card(row: asyncpg.Record) -> dict[str, Any]:
    card = dict(row)
    card["in_stock"] = card["available"] > 0
    return card


_PRODUCT = """
SELECT p.id,
       CASE WHEN $2 = 'ru' THEN COALESCE(NULLIF(p.name_ru, ''), p.name_uz) ELSE p.name_uz END AS name,
       CASE WHEN $2 = 'ru' THEN COALESCE(NULLIF(p.description_ru, ''), p.description_uz)
            ELSE p.description_uz END AS description,
       p.price, p.sale_price, COALESCE(p.sale_price, p.price) AS display_price, p.image_url AS image, p.sku,
       p.category_id,
       CASE WHEN $2 = 'ru' THEN COALESCE(NULLIF(c.name_ru, ''), c.name_uz) ELSE c.name_uz END AS category_name,
       i.quantity - i.reserved_quantity AS available,
       p.inactive_reason
  FROM products p
  JOIN inventory i ON i.product_id = p.id
  LEFT JOIN categories c ON c.id = p.category_id
 WHERE p.id = $1
"""


async def product_page(conn: asyncpg.Connection, product_id: int, lang: Language) -> dict[str, Any] | None:
    """One product for its page. A sold-out product still has a page (shown as out of stock, e.g. from a
    customer's favorites or order history); one an admin took off sale does not."""
    row = await conn.fetchrow(_PRODUCT, product_id, lang)
    if row is None or row["inactive_reason"] == "admin":
        return None
    card = {key: row[key] for key in row.keys() if key != "inactive_reason"}
    card["in_stock"] = card["available"] > 0
    return card


async def best_sellers(conn: asyncpg.Connection, lang: Language, limit: int = 10) -> list[dict[str, Any]]:
    params = _Params()
    query = (
        Query.from_(products)
        .join(inventory).on(inventory.product_id == products.id)
        .select(*_card_columns(params, lang))
        .where(products.is_active & (products.order_count > 0))
        .orderby(products.order_count, order=Order.desc)
        .orderby(products.id)
        .limit(params(max(1, min(limit, MAX_PER_PAGE))))
    )
    return [_card(row) for row in await conn.fetch(query.get_sql(), *params.values)]
