"""Login, profile and favorites."""

from __future__ import annotations

from aiohttp import web

from core import favorites, storefront, users
from webapp.api import Api
from webapp.auth import caller
from webapp.keys import EFFECTS, POOL
from webapp.models import (
    FavoriteIds,
    Favorites,
    FavoritesReplace,
    LangQuery,
    ProductCard,
    Profile,
    ProfileChange,
    Session,
)

api = Api("users")


async def _session(request: web.Request) -> Session:
    who = caller(request)
    async with request.app[POOL].acquire() as conn:
        profile = await users.profile(conn, who.id)
        liked = await favorites.ids(conn, who.id)
    return Session(user=Profile.model_validate(profile, from_attributes=True), favorites=liked, is_admin=who.is_admin)


@api.route("POST", "/api/users/validate", summary="Log in with Telegram init data", response=Session)
async def validate(request: web.Request) -> Session:
    return await _session(request)


@api.route("GET", "/api/users/profile", summary="The caller's profile and favorites", response=Session)
async def get_profile(request: web.Request) -> Session:
    return await _session(request)


@api.route(
    "PUT", "/api/users/profile", summary="Change name, phone (E.164) or language", body=ProfileChange, response=Session
)
async def put_profile(request: web.Request, body: ProfileChange) -> Session:
    async with request.app[POOL].acquire() as conn:
        await users.update_profile(conn, caller(request).id, body.model_dump(exclude_unset=True))
    return await _session(request)


@api.route("GET", "/api/users/favorites", summary="Favorite products", query=LangQuery, response=Favorites)
async def get_favorites(request: web.Request, query: LangQuery) -> Favorites:
    async with request.app[POOL].acquire() as conn:
        liked = await favorites.ids(conn, caller(request).id)
        page = await storefront.list_products(
            conn, storefront.ProductFilter(lang=query.lang, ids=tuple(liked), per_page=storefront.MAX_PER_PAGE)
        )
    cards = {card["id"]: ProductCard.model_validate({**card, "is_favorite": True}) for card in page.items}
    return Favorites(favorites=liked, items=[cards[product_id] for product_id in liked if product_id in cards])


@api.route("PUT", "/api/users/favorites", summary="Replace the favorites", body=FavoritesReplace, response=FavoriteIds)
async def put_favorites(request: web.Request, body: FavoritesReplace) -> FavoriteIds:
    who = caller(request)
    async with request.app[POOL].acquire() as conn:
        async with request.app[EFFECTS].transaction(conn) as uow:
            await favorites.replace(uow, who.id, body.product_ids)
        return FavoriteIds(favorites=await favorites.ids(conn, who.id))


@api.route("POST", "/api/users/favorites/{product_id:\\d+}", summary="Add a favorite", response=FavoriteIds)
async def add_favorite(request: web.Request, product_id: int) -> FavoriteIds:
    who = caller(request)
    async with request.app[POOL].acquire() as conn:
        async with request.app[EFFECTS].transaction(conn) as uow:
            await favorites.add(uow, who.id, product_id)
        return FavoriteIds(favorites=await favorites.ids(conn, who.id))


@api.route("DELETE", "/api/users/favorites/{product_id:\\d+}", summary="Remove a favorite", response=FavoriteIds)
async def remove_favorite(request: web.Request, product_id: int) -> FavoriteIds:
    who = caller(request)
    async with request.app[POOL].acquire() as conn:
        async with request.app[EFFECTS].transaction(conn) as uow:
            await favorites.remove(uow, who.id, product_id)
        return FavoriteIds(favorites=await favorites.ids(conn, who.id))
