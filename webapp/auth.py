"""Mini App login: every /api route but the public ones needs `Authorization: tma <initData>`, signed by
Telegram for our bot and fresh. The caller is registered on first sight; admin routes also need admin rights."""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg
from aiogram.utils.web_app import safe_parse_webapp_init_data
from aiohttp import web

from core import users
from webapp.api import access_of
from webapp.errors import ApiError
from webapp.keys import INIT_DATA_TOKEN, POOL, SETTINGS

# Telegram's clock and ours may differ a little; more than this in the future is forged or broken.
CLOCK_SKEW_SECONDS = 60


@dataclass(frozen=True)
class Caller:
    id: int
    telegram_id: int
    language: str
    is_admin: bool


CALLER = web.RequestKey("caller", Caller)


def caller(request: web.Request) -> Caller:
    return request[CALLER]


@web.middleware
async def auth_middleware(request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:
    access = access_of(request)
    if access == "public":
        return await handler(request)
    profile = _verified_profile(request)
    pool: asyncpg.Pool = request.app[POOL]
    async with pool.acquire() as conn:
        user = None if request.path == "/api/users/validate" else await users.by_telegram_id(conn, profile.telegram_id)
        if user is None:  # first sight, or an explicit login: (re)register from what Telegram says
            user = await users.register(conn, profile)
    if not user["is_active"]:
        raise ApiError(403, "forbidden", "this account is blocked")
    is_admin = user["is_admin"] or profile.telegram_id in request.app[SETTINGS].admin_ids
    if access == "admin" and not is_admin:
        raise ApiError(403, "forbidden", "only the shop's admins may do this")
    request[CALLER] = Caller(user["id"], profile.telegram_id, user["language"], is_admin)
    return await handler(request)


def _verified_profile(request: web.Request) -> users.TelegramProfile:
    scheme, _, init_data = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "tma" or not init_data:
        raise ApiError(401, "unauthorized", "open the store from the Telegram bot (no init data)")
    try:
        data = safe_parse_webapp_init_data(request.app[INIT_DATA_TOKEN], init_data.strip())
    except ValueError:
        raise ApiError(401, "unauthorized", "the init data is not signed by this bot") from None
    age = time.time() - data.auth_date.timestamp()
    if age > request.app[SETTINGS].initdata_max_age:
        raise ApiError(401, "unauthorized", "the login has expired; reopen the store from the bot")
    if age < -CLOCK_SKEW_SECONDS:
        raise ApiError(401, "unauthorized", "the init data is dated in the future")
    if data.user is None:
        raise ApiError(401, "unauthorized", "the init data names no user")
    return users.TelegramProfile(
        telegram_id=data.user.id,
        first_name=data.user.first_name,
        last_name=data.user.last_name,
        username=data.user.username,
        language_code=data.user.language_code,
    )
