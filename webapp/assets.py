"""The store's own code (webapp/static: its JS modules and CSS) as a phone downloads it: gzipped once when the
process starts and served from memory, and the page naming every module up front (modulepreload), so the phone
asks for all of them at once instead of finding each import one round trip after the other."""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
ENTRY_MODULE = "app.js"  # index.html loads it; the others are its imports
PRELOAD_MARK = "<!-- modulepreload -->"
# A new version of the store is a new file content: a phone asks again each time (a 304 when unchanged).
REVALIDATE = "no-cache"


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


def own_code_files() -> list[Path]:
    """Every JS and CSS file of the store (not the demo's pictures), in a stable order."""
    return sorted(path for path in STATIC.rglob("*") if path.suffix in CONTENT_TYPES and path.is_file())


def load_assets() -> dict[str, Asset]:
    assets: dict[str, Asset] = {}
    for path in own_code_files():
        body = path.read_bytes()
        etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
        assets[path.relative_to(STATIC).as_posix()] = Asset(
            body, gzip.compress(body, compresslevel=9, mtime=0), CONTENT_TYPES[path.suffix], etag
        )
    return assets


def index_page(assets: dict[str, Asset]) -> bytes:
    """index.html with a modulepreload link for each module the entry module imports."""
    links = "\n  ".join(
        f'<link rel="modulepreload" href="/app/{name}">'
        for name in assets
        if name.endswith(".js") and name != ENTRY_MODULE
    )
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    assert PRELOAD_MARK in page, f"index.html lost its {PRELOAD_MARK}"
    return page.replace(PRELOAD_MARK, links).encode()


ASSETS = web.AppKey("assets", dict[str, Asset])


async def serve(request: web.Request) -> web.Response:
    asset = request.app[ASSETS][request.path.removeprefix("/app/")]
    headers = {"Cache-Control": REVALIDATE, "ETag": asset.etag, "Vary": "Accept-Encoding"}
    if asset.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return web.Response(body=asset.gzipped, headers={**headers, "Content-Type": asset.content_type})
    return web.Response(body=asset.body, headers={**headers, "Content-Type": asset.content_type})


def setup_routes(app: web.Application) -> None:
    """One route per file, registered before the static directory: these are answered here, the rest there."""
    app[ASSETS] = load_assets()
    for name in app[ASSETS]:
        app.router.add_get(f"/app/{name}", serve)
