"""Serves product photos under /media/: a name is its content's hash, so a browser or a CDN may keep a file for a
year without asking again, and one that asks anyway (If-None-Match) is answered 304 without a body."""

from __future__ import annotations

from aiohttp import web

from core import media
from webapp.errors import ApiError
from webapp.keys import MEDIA

CACHE_FOREVER = "public, max-age=31536000, immutable"


async def serve(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if not media.NAME.match(name):
        raise ApiError(404, "not_found", "no such photo")
    etag = f'"{name.split(".")[0]}-{name.rsplit(".", 1)[1]}"'
    headers = {"Cache-Control": CACHE_FOREVER, "ETag": etag}
    if etag in request.headers.get("If-None-Match", "") or request.headers.get("If-None-Match") == "*":
        return web.Response(status=304, headers=headers)
    data = await request.app[MEDIA].get(name)
    if data is None:
        raise ApiError(404, "not_found", "no such photo")
    return web.Response(body=data, content_type=media.content_type(name), headers=headers)


def setup_routes(app: web.Application) -> None:
    app.router.add_get("/media/{name}", serve)
