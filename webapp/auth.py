"""Mini App login: every /api route but the public ones needs `Authorization: tma <initData>`, signed by
Telegram for our bot and fresh. The caller is registered on first sight; admin routes also need admin rights.

A Mini App sends the same init data with every request of a visit, so a verified caller is remembered for a
few seconds by that header: browsing then costs no signature check and no users lookup. Admin routes and
logins always check afresh, so a revoked admin loses access at once."""

from __future__ import annotations

import time
from dataclasses import dataclass

import asyncpg
from aiogram.utils.web_app import safe_parse_webapp_init_data
from aiohttp import web

from core import users
from core.memory import Memory
from webapp.api import Access
from webapp.errors import ApiError
from webapp.keys import INIT_DATA_TOKEN, POOL, SETTINGS

# Telegram's clock and ours may differ a little; more than this in the future is forged or broken.
CLOCK_SKEW_SECONDS = 60
KNOWN_CALLER_SECONDS = 10.0
KNOWN_CALLERS_KEPT = 10_000
LOGIN_PATH = "/api/users/validate"


@dataclass(frozen=True)
class Caller:
    id: int
    telegram_id: int
    language: str
    is_admin: bool


CALLER = web.RequestKey("caller", Caller)
KNOWN_CALLERS = web.AppKey("known_callers", Memory)


def setup(app: web.Application) -> None:
    app[KNOWN_CALLERS] = Memory(KNOWN_CALLERS_KEPT, KNOWN_CALLER_SECONDS)


def caller(request: web.Request) -> Caller:
    return request[CALLER]


async def authenticate(request: web.Request, access: Access) -> None:
    """Establish the caller of a "user" or "admin" route (request[CALLER]), or refuse with 401/403."""
    authorization = request.headers.get("Authorization", "")
    rememberable = access == "user" and request.path != LOGIN_PATH
    known = request.app[KNOWN_CALLERS].get(authorization) if rememberable else None
    if known is not None:
        request[CALLER] = known
        return
    profile, valid_for = _verified_profile(request)
    pool: asyncpg.Pool = request.app[POOL]
    async with pool.acquire() as conn:
        user = None if request.path == LOGIN_PATH else await users.by_telegram_id(conn, profile.telegram_id)
        if user is None:  # first sight, or an explicit login: (re)register from what Telegram says
            user = await users.register(conn, profile)
    if not user.is_active:
        raise ApiError(403, "forbidden", "this account is blocked")
    is_admin = user.is_admin or profile.telegram_id in request.app[SETTINGS].admin_ids
    if access == "admin" and not is_admin:
        raise ApiError(403, "forbidden", "only the shop's admins may do this")
    request[CALLER] = Caller(user.id, profile.telegram_id, user.language, is_admin)
    if rememberable:
        request.app[KNOWN_CALLERS].put(authorization, request[CALLER], lifetime=valid_for)


def _verified_profile(request: web.Request) -> tuple[users.TelegramProfile, float]:
    """Who Telegram says the caller is, and for how many more seconds that login is valid."""
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
    profile = users.TelegramProfile(
        telegram_id=data.user.id,
        first_name=data.user.first_name,
        last_name=data.user.last_name,
        username=data.user.username,
        language_code=data.user.language_code,
    )
    return profile, request.app[SETTINGS].initdata_max_age - age
