"""Liveness (/healthz: the process answers) and readiness (/readyz: PostgreSQL and Redis answer, and the bot's
state beside them: a bot out of touch with Telegram leaves the store and the sync serving, so it is reported as
"degraded" with a 200, never a 503 that would take this replica out of the load balancer)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from webapp.keys import BOT_STATE, POOL, REDIS

CHECK_TIMEOUT = 2.0


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    checks = {"postgres": _postgres_answers(request.app), "redis": _redis_answers(request.app)}
    results = dict(zip(checks, await asyncio.gather(*checks.values()), strict=True))
    failed = [name for name, ok in results.items() if not ok]
    body = {name: "ok" if ok else "unavailable" for name, ok in results.items()}
    bot = request.app[BOT_STATE].status if BOT_STATE in request.app else "off"
    body["bot"] = bot
    if failed:
        return web.json_response(
            {
                "status": "unavailable",
                **body,
                "error": {"code": "not_ready", "message": f"{', '.join(failed)} not answering"},
            },
            status=503,
        )
    return web.json_response({"status": "degraded" if bot == "degraded" else "ok", **body})


async def _postgres_answers(app: web.Application) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            async with app[POOL].acquire() as conn:
                return await conn.fetchval("SELECT 1") == 1
    except Exception:
        return False


async def _redis_answers(app: web.Application) -> bool:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT):
            # redis-py hints this asyncio command "Awaitable[T] | T" (redis-py#2399), which `await` rejects.
            return bool(await app[REDIS].ping())  # type: ignore[misc]
    except Exception:
        return False


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
