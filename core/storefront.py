"""What customers see in the own store: product listings with filters, search and sorting, a product
page, best sellers. Only products on sale (is_active) are listed: sold-out ones hide themselves."""

from __future__ import annotations

import dataclasses
import decimal
import functools
import operator
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, TypedDict

import asyncpg
from pypika import Order, Parameter, Table
from pypika import PostgreSQLQuery as Query
from pypika import functions as fn
from pypika.enums import Comparator
from pypika.queries import QueryBuilder
from pypika.terms import BasicCriterion, Case, CustomFunction, Term

from core import categories, photos, search
from core.db import Conn

Language = Literal["uz", "ru"]
Sort = Literal["relevance", "new", "popular", "price_asc", "price_desc"]

MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 100
SEARCH_COUNT_LIMIT = 1000

products = Table("products", alias="p")
inventory = Table("inventory", alias="i")
SearchLatin = CustomFunction("search_latin", ["value"])
TsMatch = CustomFunction("ts_match_vq", ["vector", "query"])


class _Text(Comparator):
    matches = "@@"


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


class Card(TypedDict):
    """A product as the store lists it. A TypedDict, not a dataclass: it goes as it is into the API's JSON and the
    cache, whose warm path splices ready-encoded cards (webapp.cards) and would only pay for a conversion."""

    id: int
    name: str
    description: str | None
    price: Decimal
    sale_price: Decimal | None
    display_price: Decimal
    discount_percent: int | None  # how much the sale price takes off the price, when there is a sale
    image: str | None
    sku: str
    category_id: int | None
    available: int
    in_stock: bool
    photo: photos.PhotoUrls | None  # the main photo, when the product has one


class DetailCard(Card):
    """A product on its own page: the card, its category's name and every photo, the main one first."""

    category_name: str | None
    photos: list[photos.PhotoUrls]


@dataclass(frozen=True)
class ProductPage:
    items: list[Card]
    total: int
    page: int
    per_page: int
    total_is_estimate: bool = False  # a search matched more than SEARCH_COUNT_LIMIT products; total is the limit

    @property
    def pages(self) -> int:
        return (self.total + self.per_page - 1) // self.per_page


class _Params:
    """Collects values and hands out $n placeholders, so no value is ever formatted into SQL."""

    def __init__(self) -> None:
        self.values: list[object] = []

    def __call__(self, value: object) -> Parameter:
        # pypika renders a parameter anywhere, but hints int for limit/offset and str for like: the
        # `type: ignore[arg-type]` on those calls is for its hints, not for our values.
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
        products.photo_key,
    ]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_products(conn: Conn, wanted: ProductFilter) -> ProductPage:
    per_page = max(1, min(wanted.per_page, MAX_PER_PAGE))
    page = max(1, wanted.page)
    typed = (wanted.query or "").strip()[:MAX_QUERY_LENGTH]
    if (wanted.ids is not None and not wanted.ids) or (typed and not any(char.isalnum() for char in typed)):
        return ProductPage([], 0, page, per_page)  # no ids, or only punctuation: nothing can match
    if typed and " " not in typed and any(char.isdigit() for char in typed):
        # A SKU or a scanned barcode names one product: answer it exactly instead of listing every product
        # whose codes contain it ("AS-0777" is in every AS-0777x).
        exact = await conn.fetchval(
            "SELECT id FROM products WHERE is_active AND (sku = $1 OR sku = upper($1) OR barcode = $1) LIMIT 1",
            typed,
        )
        if exact is not None:
            wanted = dataclasses.replace(wanted, ids=(exact,), query=None)
            typed = ""
    needle = await search.understand(conn, typed) if typed else None
    if needle is not None and not (needle.words or needle.codes):
        return ProductPage([], 0, page, per_page)  # only one-letter scraps: too little to look for
    if needle is not None and needle.names_categories:
        async with conn.transaction():
            # A word that names a category matches its words or the category's lexeme, and the planner adds
            # their frequencies as if they were apart, though a category's products mostly have its words. At
            # twice the true count it reads the table until enough rows match (50 ms at 100,000 products)
            # instead of asking the GIN index (10 ms). Only searches read products this way: no seq scan here.
            await conn.execute("SET LOCAL enable_seqscan = off")
            return await _page(conn, wanted, needle, page, per_page)
    return await _page(conn, wanted, needle, page, per_page)


async def _page(
    conn: Conn, wanted: ProductFilter, needle: search.Needle | None, page: int, per_page: int
) -> ProductPage:
    """The page of products that match the filter and the understood search."""
    family = None
    if wanted.category_id is not None:
        family = await categories.family(conn, wanted.category_id) or [wanted.category_id]
    every = True
    total, estimated = await _count(conn, wanted, family, needle, every)
    if not total and needle is not None and len(needle.words) > 1:
        # No product has all the words: those with most of them are the next best answer.
        every = False
        total, estimated = await _count(conn, wanted, family, needle, every)
    if not total:
        return ProductPage([], 0, page, per_page)
    params = _Params()
    query = _filtered(params, wanted, family, needle, every, dense=estimated)
    sort = wanted.sort or ("relevance" if needle else "new")
    display_price = fn.Coalesce(products.sale_price, products.price)
    if sort == "relevance" and needle is not None and (rankings := needle.rankings(every)):
        # Ranking reads every match it orders, so it orders the SEARCH_COUNT_LIMIT matches the count reported,
        # whatever their number: "samsung artel telefon" matches 12,000 products with one word or more.
        candidates = query.select(products.id).limit(params(SEARCH_COUNT_LIMIT))  # type: ignore[arg-type]
        query = (
            Query.from_(products)
            .join(inventory)
            .on(inventory.product_id == products.id)
            .where(products.id.isin(candidates))
        )
        for points in rankings:  # in order of weight: a point of the first outweighs any number of the next
            rank = functools.reduce(operator.add, [fn.Cast(_matches(params, tsquery), "int") for tsquery in points])
            query = query.orderby(rank, order=Order.desc)
    query = query.select(*_card_columns(params, wanted.lang))
    # Equally relevant matches come newest first; ordered by the primary key, a common word's page is read
    # off that index in a few rows instead of sorting all its matches.
    query = {
        "relevance": query,
        "new": query.orderby(products.created_at, order=Order.desc),
        "popular": query.orderby(products.order_count, order=Order.desc),
        "price_asc": query.orderby(display_price, order=Order.asc),
        "price_desc": query.orderby(display_price, order=Order.desc),
    }[sort].orderby(products.id, order=Order.desc)
    query = query.limit(params(per_page)).offset(params((page - 1) * per_page))  # type: ignore[arg-type]
    rows = await conn.fetch(query.get_sql(), *params.values)
    return ProductPage([_card(row) for row in rows], total, page, per_page, estimated)


async def _count(
    conn: Conn,
    wanted: ProductFilter,
    family: list[int] | None,
    needle: search.Needle | None,
    every: bool,
) -> tuple[int, bool]:
    """How many products match, and whether that is only a lower bound. A separate statement, not
    COUNT(*) OVER (): the page can then stop after per_page rows of an index instead of ranking every match.
    A search counts no further than SEARCH_COUNT_LIMIT: a common word matches thousands, and reading them
    all only to print their number would cost more than the search."""
    params = _Params()
    query = _filtered(params, wanted, family, needle, every)
    if needle is None:
        return await conn.fetchval(query.select(fn.Count("*")).get_sql(), *params.values), False
    matches = query.select(1).limit(params(SEARCH_COUNT_LIMIT + 1))  # type: ignore[arg-type]
    found = await conn.fetchval(Query.from_(matches).select(fn.Count("*")).get_sql(), *params.values)
    return min(found, SEARCH_COUNT_LIMIT), found > SEARCH_COUNT_LIMIT


def _filtered(
    params: _Params,
    wanted: ProductFilter,
    family: list[int] | None,
    needle: search.Needle | None,
    every: bool,
    dense: bool = False,
) -> QueryBuilder:
    """The products on sale that match the filter, before choosing columns, order and page. `every`: a product
    must have every word of the search, else any of them; `dense`: the count found more than it counts."""
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
    if needle is None:
        return query
    for code in needle.codes:
        query = query.where(products.search_text.like(SearchLatin(params(f"%{_escape_like(code)}%"))))  # type: ignore[arg-type]
    if dense and every and len(needle.words) > 1:
        # The planner takes words for independent: "kir", "yuvish", "mashinasi" (3% of products each) would
        # meet in 3 products, not 3,000, so it would read all 3,000 and sort them for a page instead of walking
        # the newest products until it has the page. Told only the first word (the function form of @@ gets
        # a flat guess, not the words' frequencies, and no index), it walks; the count has just shown that
        # matches are that common.
        query = query.where(_matches(params, needle.words[0].tsquery))
        query = query.where(TsMatch(products.search_vector, fn.Cast(params(needle.tsquery(every)), "tsquery")))
    elif needle.words:
        query = query.where(_matches(params, needle.tsquery(every)))
    return query


def _matches(params: _Params, tsquery: str) -> Term:
    return BasicCriterion(_Text.matches, products.search_vector, fn.Cast(params(tsquery), "tsquery"))


def discount_percent(price: Decimal, sale_price: Decimal | None) -> int | None:
    """The "−N %" of a sale price, rounded to the nearest percent; None without a sale or for less than 1 %."""
    if sale_price is None or price <= 0 or sale_price >= price:
        return None
    percent = int(((price - sale_price) * 100 / price).quantize(Decimal(1), rounding=decimal.ROUND_HALF_UP))
    return percent or None


def _card(row: asyncpg.Record) -> Card:
    return Card(
        id=row["id"],
        name=row["name"],
        description=row["description"],
        price=row["price"],
        sale_price=row["sale_price"],
        display_price=row["display_price"],
        discount_percent=discount_percent(row["price"], row["sale_price"]),
        image=row["image"],
        sku=row["sku"],
        category_id=row["category_id"],
        available=row["available"],
        in_stock=row["available"] > 0,
        photo=photos.urls(row["photo_key"]) if row["photo_key"] else None,
    )


_PRODUCT = """
SELECT p.id,
       CASE WHEN $2 = 'ru' THEN COALESCE(NULLIF(p.name_ru, ''), p.name_uz) ELSE p.name_uz END AS name,
       CASE WHEN $2 = 'ru' THEN COALESCE(NULLIF(p.description_ru, ''), p.description_uz)
            ELSE p.description_uz END AS description,
       p.price, p.sale_price, COALESCE(p.sale_price, p.price) AS display_price, p.image_url AS image, p.sku,
       p.category_id, p.photo_key,
       CASE WHEN $2 = 'ru' THEN COALESCE(NULLIF(c.name_ru, ''), c.name_uz) ELSE c.name_uz END AS category_name,
       i.quantity - i.reserved_quantity AS available,
       p.inactive_reason
  FROM products p
  JOIN inventory i ON i.product_id = p.id
  LEFT JOIN categories c ON c.id = p.category_id
 WHERE p.id = $1
"""


async def product_page(conn: Conn, product_id: int, lang: Language) -> DetailCard | None:
    """One product for its page. A sold-out product still has a page (shown as out of stock, e.g. from a
    customer's favorites or order history); one an admin took off sale does not."""
    row = await conn.fetchrow(_PRODUCT, product_id, lang)
    if row is None or row["inactive_reason"] == "admin":
        return None
    keys = await photos.keys_of(conn, product_id) if row["photo_key"] else []
    return DetailCard(**_card(row), category_name=row["category_name"], photos=[photos.urls(key) for key in keys])


# The best sellers are the units sold in the last days through every channel, not the own store alone: one
# warehouse sells on every channel, so a product that sells on Uzum is wanted here too, and a young shop's own
# orders are too few to rank anything. Cancelled units do not count; a product sold out or off sale is left out.
BEST_SELLER_DAYS = 30

_BEST_SELLERS = """
SELECT oi.product_id
  FROM orders o
  JOIN order_items oi ON oi.order_id = o.id
  JOIN products p ON p.id = oi.product_id AND p.is_active
  JOIN inventory i ON i.product_id = p.id AND i.quantity - i.reserved_quantity > 0
 WHERE o.order_date >= NOW() - make_interval(days => $1) AND o.status <> 'cancelled'
 GROUP BY oi.product_id
HAVING SUM(oi.quantity - oi.cancelled_quantity) > 0
 ORDER BY SUM(oi.quantity - oi.cancelled_quantity) DESC, MAX(o.order_date) DESC, oi.product_id
 LIMIT $2
"""


async def best_sellers(conn: Conn, lang: Language, limit: int = 10, days: int = BEST_SELLER_DAYS) -> list[Card]:
    """The products sold most in the last `days` that can be bought now, best first; none in a shop without
    sales (the home screen then shows no row)."""
    limit = max(1, min(limit, MAX_PER_PAGE))
    ranked = [row["product_id"] for row in await conn.fetch(_BEST_SELLERS, days, limit)]
    if not ranked:
        return []
    params = _Params()
    query = (
        Query.from_(products)
        .join(inventory)
        .on(inventory.product_id == products.id)
        .select(*_card_columns(params, lang))
        .where(products.id.isin([params(product_id) for product_id in ranked]))
    )
    cards = {row["id"]: _card(row) for row in await conn.fetch(query.get_sql(), *params.values)}
    return [cards[product_id] for product_id in ranked if product_id in cards]
