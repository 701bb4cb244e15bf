"""Categories and products: what customers browse (cached), and what admins edit (bumping the cache)."""

from __future__ import annotations

import functools
from typing import Any

from aiohttp import web

from core import back_in_stock, catalog, categories, counters, favorites, storefront
from webapp.api import Api
from webapp.auth import caller
from webapp.cache import cached
from webapp.cards import CardList
from webapp.errors import ApiError
from webapp.keys import EFFECTS, NEAR_CACHE, POOL, REDIS, SETTINGS
from webapp.models import (
    AdminProduct,
    BestSellersQuery,
    Categories,
    Category,
    CategoryChange,
    CategoryCreate,
    LangQuery,
    ProductCard,
    ProductChange,
    ProductCreate,
    ProductDetail,
    ProductList,
    ProductPage,
    ProductQuery,
)

api = Api("catalog")


@api.route("GET", "/api/categories", summary="The category tree", query=LangQuery, response=Categories)
async def list_categories(request: web.Request, query: LangQuery) -> dict[str, Any]:
    async def load() -> dict[str, Any]:
        async with request.app[POOL].acquire() as conn:
            tree = await categories.tree(conn, query.lang)
            return Categories(categories=[Category.model_validate(node) for node in tree]).model_dump(mode="json")

    return await cached(request.app, f"categories:{query.lang}", load)


@api.route(
    "POST",
    "/api/categories",
    summary="Create a category",
    access="admin",
    body=CategoryCreate,
    response=Category,
    status=201,
)
async def create_category(request: web.Request, body: CategoryCreate) -> Category:
    async with request.app[POOL].acquire() as conn:
        async with request.app[EFFECTS].transaction(conn) as uow:
            category_id = await categories.create(uow, categories.CategoryFields(**body.model_dump()))
        created = await conn.fetchrow(
            "SELECT id, name_uz AS name, icon, color, sort_order, parent_id FROM categories WHERE id = $1", category_id
        )
    assert created is not None  # inserted just above, on this connection
    return Category(**created, children=[])


@api.route(
    "PUT", "/api/categories/{category_id:\\d+}", summary="Change a category", access="admin", body=CategoryChange
)
async def update_category(request: web.Request, category_id: int, body: CategoryChange) -> None:
    async with request.app[POOL].acquire() as conn, request.app[EFFECTS].transaction(conn) as uow:
        await categories.update(uow, category_id, categories.CategoryFields(**body.model_dump()), body.model_fields_set)


@api.route(
    "DELETE", "/api/categories/{category_id:\\d+}", summary="Delete a category and its subcategories", access="admin"
)
async def delete_category(request: web.Request, category_id: int) -> None:
    async with request.app[POOL].acquire() as conn, request.app[EFFECTS].transaction(conn) as uow:
        await categories.delete(uow, category_id)


async def _favorites(request: web.Request) -> frozenset[int]:
    who = caller(request)

    async def load() -> frozenset[int]:
        async with request.app[POOL].acquire() as conn:
            return frozenset(await favorites.ids(conn, who.id))

    return await request.app[NEAR_CACHE].favorites(who.id, load)


@api.route("GET", "/api/products", summary="Browse and search products", query=ProductQuery, response=ProductPage)
async def list_products(request: web.Request, query: ProductQuery) -> web.Response:
    page = await product_page(request.app, query)
    if not page.cards:
        return page.response(frozenset())
    liked = request.app[NEAR_CACHE].known_favorites(caller(request).id)
    return page.response(liked if liked is not None else await _favorites(request))


async def product_page(app: web.Application, query: ProductQuery) -> CardList:
    """One page of product cards, the same for everyone (the hearts are the caller's, spliced in after)."""

    async def load() -> dict[str, Any]:
        wanted = storefront.ProductFilter(
            lang=query.lang,
            page=query.page,
            per_page=query.per_page,
            category_id=query.category,
            query=query.q,
            min_price=query.min_price,
            max_price=query.max_price,
            in_stock=query.in_stock,
            sort=query.sort,
        )
        async with app[POOL].acquire() as conn:
            page = await storefront.list_products(conn, wanted)
        items = [ProductCard.model_validate(card) for card in page.items]
        return ProductPage(
            items=items,
            total=page.total,
            total_is_estimate=page.total_is_estimate,
            page=page.page,
            per_page=page.per_page,
            pages=page.pages,
        ).model_dump(mode="json")

    # The warm path, this API's busiest, answers from memory without awaiting anything.
    key = _page_key(query)
    known: CardList | None = app[NEAR_CACHE].known_page(key)
    return known or await cached(app, key, load, shape=_card_list)


@api.route(
    "GET", "/api/products/best-sellers", summary="Best-selling products", query=BestSellersQuery, response=ProductList
)
async def best_sellers(request: web.Request, query: BestSellersQuery) -> web.Response:
    async def load() -> list[dict[str, Any]]:
        async with request.app[POOL].acquire() as conn:
            return [
                ProductCard.model_validate(card).model_dump(mode="json")
                for card in await storefront.best_sellers(conn, query.lang, query.limit)
            ]

    page: CardList = await cached(
        request.app, f"best-sellers:{query.lang}:{query.limit}", load, shape=lambda items: CardList.of(items, {})
    )
    return page.response(await _favorites(request) if page.cards else frozenset())


@functools.lru_cache(maxsize=1_000)
def _page_key(query: ProductQuery) -> str:
    """The cache key of a listing (query models are frozen, so the same query string costs this once)."""
    return "products:" + query.model_dump_json(exclude_none=True)


def _card_list(page: dict[str, Any]) -> CardList:
    return CardList.of(page["items"], {key: value for key, value in page.items() if key != "items"})


@api.route("GET", "/api/products/{product_id:\\d+}", summary="One product", query=LangQuery, response=ProductDetail)
async def get_product(request: web.Request, product_id: int, query: LangQuery) -> dict[str, Any]:
    async def load() -> dict[str, Any] | None:
        async with request.app[POOL].acquire() as conn:
            card = await storefront.product_page(conn, product_id, query.lang)
        return None if card is None else ProductDetail.model_validate(card).model_dump(mode="json")

    card = await cached(request.app, f"product:{product_id}:{query.lang}", load)
    if card is None:
        raise ApiError(404, "not_found", f"product {product_id} not found")
    await counters.bump(request.app[REDIS], counters.PRODUCT_VIEWS, [product_id])
    requested = False
    if not card["in_stock"]:  # only a sold-out product offers "Notify me"
        async with request.app[POOL].acquire() as conn:
            requested = await back_in_stock.is_requested(conn, caller(request).id, product_id)
    return {**card, "is_favorite": card["id"] in await _favorites(request), "back_in_stock_requested": requested}


@api.route(
    "POST",
    "/api/products",
    summary="Create a product",
    access="admin",
    body=ProductCreate,
    response=AdminProduct,
    status=201,
)
async def create_product(request: web.Request, body: ProductCreate) -> AdminProduct:
    fields = body.model_dump(exclude={"is_active"})
    async with request.app[POOL].acquire() as conn, request.app[EFFECTS].transaction(conn) as uow:
        product_id = await catalog.create_product(
            uow,
            catalog.NewProduct(**fields),
            low_stock_threshold=request.app[SETTINGS].low_stock_threshold,
            created_by=caller(request).id,
        )
        if not body.is_active:
            await catalog.set_active(uow, product_id, False)
        product = await catalog.admin_view(conn, product_id)
    return AdminProduct.model_validate(product, from_attributes=True)


@api.route(
    "PUT",
    "/api/products/{product_id:\\d+}",
    summary="Change a product",
    access="admin",
    body=ProductChange,
    response=AdminProduct,
)
async def update_product(request: web.Request, product_id: int, body: ProductChange) -> AdminProduct:
    async with request.app[POOL].acquire() as conn, request.app[EFFECTS].transaction(conn) as uow:
        product = await catalog.update_product(uow, product_id, body.model_dump(exclude_unset=True))
    return AdminProduct.model_validate(product, from_attributes=True)
