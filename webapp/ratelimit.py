"""Per-customer request budget on the API (fixed one-minute windows in Redis, shared by replicas).

With Redis down nobody is limited: a shop that refuses customers because its limiter is broken sells nothing.
"""

from __future__ import annotations

import logging
import time

from aiohttp import web

from webapp.auth import CALLER
from webapp.errors import ApiError
from webapp.keys import REDIS, SETTINGS

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60


@web.middleware
async def rate_limit_middleware(request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:
    who = request.get(CALLER)
    if who is None:
        return await handler(request)
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"ratelimit:{who.id}:{window}"
    try:
        async with request.app[REDIS].pipeline(transaction=True) as pipe:
            used, _ = await pipe.incr(key).expire(key, WINDOW_SECONDS * 2).execute()
    except Exception as error:
        log.debug("rate limit skipped: %s", error)
        return await handler(request)
    if used > request.app[SETTINGS].api_rate_limit:
        retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now) + 1)
        raise ApiError(429, "rate_limited", "too many requests; please slow down", {"retry_after": retry_after},
                       headers={"Retry-After": str(retry_after)})
    return await handler(request)
