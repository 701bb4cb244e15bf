"""Server-Sent Events: stock and price changes of the products an open page shows."""

from __future__ import annotations

import asyncio
import json

from aiohttp import web

from webapp.api import Api
from webapp.keys import LIVE_STOCK
from webapp.models import EventsQuery

api = Api("live")
KEEPALIVE_SECONDS = 15


@api.route("GET", "/api/events", summary="Live stock of some products (text/event-stream)", query=EventsQuery)
async def stream(request: web.Request, query: EventsQuery) -> web.StreamResponse:
    wanted = frozenset(int(part) for part in query.products.split(","))
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    await response.prepare(request)
    await response.write(b": connected\n\n")
    with request.app[LIVE_STOCK].subscribe(wanted) as changes:
        try:
            while True:
                try:
                    change = await asyncio.wait_for(changes.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    await response.write(b": keepalive\n\n")
                    continue
                await response.write(f"event: stock\ndata: {json.dumps(change)}\n\n".encode())
        except ConnectionResetError:  # the page was closed
            return response
