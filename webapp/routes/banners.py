"""Banners of the store front."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from core import banners, counters
from webapp.api import Api
from webapp.cache import cached
from webapp.keys import POOL, REDIS
from webapp.models import Banner, Banners, LangQuery

api = Api("banners")


@api.route("GET", "/api/banners", summary="Banners on show now", query=LangQuery, response=Banners)
async def list_banners(request: web.Request, query: LangQuery) -> dict[str, Any]:
    async def load() -> dict[str, Any]:
        async with request.app[POOL].acquire() as conn:
            items = await banners.active(conn, query.lang)
        return Banners(items=[Banner(**item) for item in items]).model_dump(mode="json")

    shown = await cached(request.app, f"banners:{query.lang}", load)
    await counters.bump(request.app[REDIS], counters.BANNER_VIEWS, [item["id"] for item in shown["items"]])
    return shown


@api.route("POST", "/api/banners/{banner_id:\\d+}/click", summary="Count a tap on a banner")
async def click(request: web.Request, banner_id: int) -> None:
    async with request.app[POOL].acquire() as conn:
        await banners.click(conn, banner_id)
