"""Product photos: kept in the media directory in every size, queued URLs fetched by the job, failures reported."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from PIL import Image

from core import media, photos
from core.unit_of_work import Effects
from tests.builders import make_product


def picture(color: str = "red", size: tuple[int, int] = (1600, 1200), kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, kind)
    return out.getvalue()


@pytest.fixture
async def origin(aiohttp_server: Callable[..., Awaitable[Any]]) -> AsyncIterator[str]:
    """A web server holding the photos an import names: a good one, a page, a missing one, a huge one."""
    app = web.Application()
    app.router.add_get("/red.png", _serving(picture("red"), "image/png"))
    app.router.add_get("/blue.jpg", _serving(picture("blue", kind="JPEG"), "image/jpeg"))
    app.router.add_get("/page.html", _serving(b"<html></html>", "text/html"))
    app.router.add_get("/lie.png", _serving(b"not really a png", "image/png"))
    app.router.add_get("/huge.png", _serving(b"\0" * 3_000_000, "image/png"))
    server = await aiohttp_server(app)
    yield str(server.make_url("")).rstrip("/")


def _serving(data: bytes, kind: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=data, content_type=kind)

    return handler


@pytest.fixture
async def fetcher(effects: Effects, tmp_path: Path) -> AsyncIterator[photos.Fetcher]:
    # The photo site of these tests is on 127.0.0.1: the leniency a shop grants with PHOTO_FETCH_PRIVATE.
    async with photos.fetching_session(allow_private=True) as session:
        yield photos.Fetcher(effects, media.DirectoryStore(tmp_path / "media"), session, 2_000_000, 5)


def test_every_size_is_kept_as_webp_and_jpeg_within_its_edge() -> None:
    renditions = media.render(picture(size=(3000, 1000)))
    assert len(renditions) == 6
    for rendition in renditions:
        size = rendition.name.split("-")[1].split(".")[0]
        with Image.open(io.BytesIO(rendition.data)) as image:
            assert image.format == ("WEBP" if rendition.name.endswith(".webp") else "JPEG")
            assert max(image.size) == media.SIZES[size]  # type: ignore[index]
            assert abs(image.size[0] - 3 * image.size[1]) <= 3  # the shape is kept


def test_names_follow_the_content_so_caches_stay_right() -> None:
    assert media.media_key(picture("red")) == media.media_key(picture("red"))
    assert media.media_key(picture("red")) != media.media_key(picture("green"))


def test_bytes_that_are_no_picture_are_refused() -> None:
    with pytest.raises(media.NotAnImage):
        media.render(b"<html>hello</html>")


async def test_a_queued_url_is_fetched_kept_and_becomes_the_main_photo(
    pool: asyncpg.Pool, effects: Effects, fetcher: photos.Fetcher, origin: str, tmp_path: Path
) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            product_id = await make_product(unit, "PH-1")
            assert await photos.queue_urls(conn, product_id, [f"{origin}/red.png", f"{origin}/blue.jpg"]) == 2
        assert await fetcher.run(conn) == 2
        keys = await photos.keys_of(conn, product_id)
        row = await conn.fetchrow("SELECT photo_key, image_url FROM products WHERE id = $1", product_id)
    assert keys == [media.media_key(picture("red")), media.media_key(picture("blue", kind="JPEG"))]
    assert row["photo_key"] == keys[0] and row["image_url"] == photos.urls(keys[0])["card"]
    assert (tmp_path / "media" / f"{keys[0]}-thumb.webp").is_file()
    assert (tmp_path / "media" / f"{keys[1]}-full.jpg").is_file()


async def test_a_url_queued_twice_is_fetched_once(pool: asyncpg.Pool, effects: Effects, origin: str) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            product_id = await make_product(unit, "PH-2")
            await photos.queue_urls(conn, product_id, [f"{origin}/red.png", f"{origin}/red.png"])
            assert await photos.queue_urls(conn, product_id, [f"{origin}/red.png"]) == 0
        assert await conn.fetchval("SELECT COUNT(*) FROM product_photos WHERE product_id = $1", product_id) == 1


async def test_a_url_that_is_not_http_is_refused_before_anything_is_queued(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            product_id = await make_product(unit, "PH-3")
        with pytest.raises(photos.ValidationError, match="http"):
            await photos.queue_urls(conn, product_id, ["https://ok.example/a.png", "file:///etc/passwd"])
        assert await conn.fetchval("SELECT COUNT(*) FROM product_photos") == 0


@pytest.mark.parametrize(
    ("path", "reason"),
    [("/page.html", "not an image"), ("/lie.png", "not an image"), ("/huge.png", "larger"), ("/gone.png", "404")],
)
async def test_a_photo_that_cannot_be_fetched_is_reported_and_the_others_are_kept(
    pool: asyncpg.Pool, effects: Effects, fetcher: photos.Fetcher, origin: str, path: str, reason: str
) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            product_id = await make_product(unit, "PH-4")
            await photos.queue_urls(conn, product_id, [f"{origin}{path}", f"{origin}/red.png"])
        assert await fetcher.run(conn) == 2
        alert = await conn.fetchrow("SELECT kind, payload FROM notifications WHERE kind = 'photo_fetch_failed'")
        failed = await conn.fetchrow("SELECT status, error FROM product_photos WHERE source_url LIKE '%' || $1", path)
        assert await photos.keys_of(conn, product_id) == [media.media_key(picture("red"))]
    assert failed["status"] == "failed" and reason in failed["error"]
    assert alert["payload"]["sku"] == "PH-4" and alert["payload"]["url"].endswith(path)
    assert reason in alert["payload"]["error"]


async def test_an_unreachable_host_is_tried_again_later_before_it_is_reported(
    pool: asyncpg.Pool, effects: Effects, fetcher: photos.Fetcher
) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            product_id = await make_product(unit, "PH-5")
            await photos.queue_urls(conn, product_id, ["http://127.0.0.1:9/nothing.png"])
        for attempt in range(1, photos.MAX_ATTEMPTS + 1):
            settled = await fetcher.run(conn)
            assert settled == (1 if attempt == photos.MAX_ATTEMPTS else 0)
            await conn.execute("UPDATE product_photos SET next_attempt_at = NOW()")
        assert await conn.fetchval("SELECT status FROM product_photos") == "failed"
        assert await conn.fetchval("SELECT COUNT(*) FROM notifications WHERE kind = 'photo_fetch_failed'") == 1


async def test_replacing_photos_orders_them_and_clearing_removes_the_main_one(
    pool: asyncpg.Pool, effects: Effects, tmp_path: Path
) -> None:
    store = media.DirectoryStore(tmp_path)
    red, blue = await media.keep(store, picture("red")), await media.keep(store, picture("blue"))
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            product_id = await make_product(unit, "PH-6")
            await photos.replace(unit, product_id, [blue, red])
        assert await photos.keys_of(conn, product_id) == [blue, red]
        assert await conn.fetchval("SELECT photo_key FROM products WHERE id = $1", product_id) == blue
        async with effects.transaction(conn) as unit:
            await photos.replace(unit, product_id, [])
        assert await conn.fetchrow("SELECT photo_key, image_url FROM products WHERE id = $1", product_id) == (
            None,
            None,
        )


async def test_a_url_that_leads_to_a_private_address_is_refused_and_reported_at_once(
    pool: asyncpg.Pool, effects: Effects, origin: str, tmp_path: Path
) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            product_id = await make_product(unit, "PH-9")
            await photos.queue_urls(conn, product_id, [f"{origin}/red.png"])  # 127.0.0.1: the shop's own machine
        async with photos.fetching_session(allow_private=False) as session:
            fetcher = photos.Fetcher(effects, media.DirectoryStore(tmp_path / "media"), session, 2_000_000, 5)
            assert await fetcher.run(conn) == 1  # settled on the first try: trying again would not help
        row = await conn.fetchrow("SELECT status, error FROM product_photos WHERE product_id = $1", product_id)
        alert = await conn.fetchval("SELECT kind FROM notifications")
    assert row["status"] == "failed" and "127.0.0.1 is not a public address" in row["error"]
    assert alert == "photo_fetch_failed"


async def test_a_slow_photo_site_holds_no_lock_and_is_not_fetched_twice(
    pool: asyncpg.Pool, effects: Effects, fetcher: photos.Fetcher, aiohttp_server: Callable[..., Awaitable[Any]]
) -> None:
    release, arrived, asked = asyncio.Event(), asyncio.Event(), []

    async def slow(request: web.Request) -> web.Response:
        asked.append(request.path)
        arrived.set()
        await release.wait()
        return web.Response(body=picture("green"), content_type="image/png")

    app = web.Application()
    app.router.add_get("/slow.png", slow)
    server = await aiohttp_server(app)
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            product_id = await make_product(unit, "PH-SLOW")
            await photos.queue_urls(conn, product_id, [str(server.make_url("/slow.png"))])
        running = asyncio.create_task(fetcher.run(conn))
        await asyncio.wait_for(arrived.wait(), 5)
        async with pool.acquire() as other:
            # The admin replacing the photos meanwhile is not kept waiting by the fetch ...
            locked = await other.fetchval(
                "SELECT id FROM product_photos WHERE product_id = $1 FOR UPDATE NOWAIT", product_id
            )
            # ... and another run (a replica) does not take the same photo.
            assert await fetcher.run(other) == 0
        release.set()
        assert await running == 1
        keys = await photos.keys_of(conn, product_id)
    assert locked is not None and asked == ["/slow.png"]
    assert keys == [media.media_key(picture("green"))]
