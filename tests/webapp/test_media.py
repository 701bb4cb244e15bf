"""Product photos in the store: their URLs in the product answers, the files under /media with long caching."""

from __future__ import annotations

import io

import asyncpg
from aiohttp.test_utils import TestClient
from PIL import Image

from core import media, photos
from tests.builders import Shop
from tests.support import login
from webapp.keys import EFFECTS, MEDIA


def picture(color: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (900, 600), color).save(out, "PNG")
    return out.getvalue()


async def _give_photos(client: TestClient, pool: asyncpg.Pool, product_id: int, *colors: str) -> list[str]:
    store = client.app[MEDIA]
    keys = [await media.keep(store, picture(color)) for color in colors]
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as unit:
        await photos.replace(unit, product_id, keys)
    return keys


async def _listed(client: TestClient, product_id: int) -> dict[str, object]:
    response = await client.get("/api/products?per_page=100", headers=login(client))
    assert response.status == 200
    [card] = [item for item in (await response.json())["items"] if item["id"] == product_id]
    return card


async def test_the_list_and_the_page_carry_photo_urls_that_media_serves(
    client: TestClient, pool: asyncpg.Pool, shop: Shop
) -> None:
    assert (await _listed(client, shop.phone))["photo"] is None  # cached without a photo first
    red, green = await _give_photos(client, pool, shop.phone, "red", "green")
    card = await _listed(client, shop.phone)
    assert card["photo"] == photos.urls(red) and card["image"] == photos.urls(red)["card"]
    page = await (await client.get(f"/api/products/{shop.phone}", headers=login(client))).json()
    assert page["photos"] == [photos.urls(red), photos.urls(green)]
    assert page["sku"] and page["price"] and page["image"]  # the fields clients had before stay
    thumb = await client.get(page["photos"][0]["thumb"])
    assert thumb.status == 200 and thumb.content_type == "image/webp"
    with Image.open(io.BytesIO(await thumb.read())) as image:
        assert max(image.size) == media.SIZES["thumb"]
    fallback = await client.get(page["photos"][1]["full_jpeg"])
    assert fallback.status == 200 and fallback.content_type == "image/jpeg"


async def test_media_files_are_cached_for_good_and_revalidated_by_etag(
    client: TestClient, pool: asyncpg.Pool, shop: Shop
) -> None:
    [key] = await _give_photos(client, pool, shop.shirt, "blue")
    url = photos.urls(key)["card"]
    first = await client.get(url)
    assert first.status == 200
    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    again = await client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status == 304 and await again.read() == b""
    other = await client.get(photos.urls(key)["card_jpeg"], headers={"If-None-Match": first.headers["ETag"]})
    assert other.status == 200, "the JPEG is another file with its own tag"


async def test_unknown_or_malformed_media_names_are_404(client: TestClient) -> None:
    for name in ("0" * 32 + "-thumb.webp", "../../etc/passwd", "abc.webp", "0" * 32 + "-huge.webp"):
        response = await client.get(f"/media/{name}")
        assert response.status == 404, name


async def test_clearing_photos_takes_them_off_the_store(client: TestClient, pool: asyncpg.Pool, shop: Shop) -> None:
    await _give_photos(client, pool, shop.telefon, "red")
    assert (await _listed(client, shop.telefon))["photo"] is not None
    await _give_photos(client, pool, shop.telefon)
    card = await _listed(client, shop.telefon)
    assert card["photo"] is None and card["image"] is None
