"""A new seller's catalogue brought in from a file with the real console program, on an empty migrated database:
refused with the bad cell named, then imported with its photos, sold in the store, and exported back (with the
stock the sale left)."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from amazing_store.app import create_app
from core import catalog_import
from core.embedded import ServiceUrls
from core.settings import Settings
from tests.core.test_photos import picture
from tests.e2e.test_cli import _cli
from tests.support import changed, login


def catalogue(photos: str) -> str:
    """Three rows; the first names two photos at `photos` (the seller's own site)."""
    return (
        "sku;barcode;name_uz;name_ru;category;price;sale_price;cost_price;quantity;low_stock_threshold;"
        "description_uz;description_ru;photo_urls\n"
        "TEL-1;4780000000011;Telefon A;Телефон А;Elektronika/Telefonlar;2 500 000;2 300 000;1 900 000;4;2;;;"
        f"{photos}/front.png {photos}/back.png\n"
        "TEL-2;;Telefon B;Телефон Б;Elektronika/Telefonlar;1 200 000,50;;;7;3;Yaxshi;Хороший;\n"
        "QOP-1;;Sumka;Сумка;Aksessuarlar;150000;;;0;1;;;\n"
    )


async def _photo_site(aiohttp_server: Callable[..., Any]) -> str:
    site = web.Application()
    for name, color in (("front", "red"), ("back", "blue")):
        site.router.add_get(f"/{name}.png", _serving(picture(color)))
    return str((await aiohttp_server(site)).make_url("")).rstrip("/")


def _serving(data: bytes) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=data, content_type="image/png")

    return handler


async def _listed_once_photos_are_in(client: TestClient) -> dict[str, Any]:
    """The store's list, once the photo job has fetched the imported photos (it looks every 0.2 s here)."""
    for _ in range(100):
        listed: dict[str, Any] = await (await client.get("/api/products?sort=price_asc", headers=login(client))).json()
        if all(item["photo"] for item in listed["items"] if item["sku"] == "TEL-1"):
            return listed
        await asyncio.sleep(0.2)
    raise AssertionError("the imported photos never reached the store")


async def test_a_csv_with_a_bad_price_is_refused_and_the_corrected_one_is_sold_and_exported(
    empty_database: str,
    service_urls: ServiceUrls,
    tmp_path: Path,
    redis: Redis,
    settings: Settings,
    aiohttp_client: Callable[..., Any],
    aiohttp_server: Callable[..., Any],
) -> None:
    service_urls = ServiceUrls(empty_database, service_urls.redis_url)
    pool = await asyncpg.create_pool(empty_database, min_size=1, max_size=2)
    try:
        await _first_day(pool, service_urls, tmp_path, settings, aiohttp_client, aiohttp_server)
    finally:
        await pool.close()


async def _first_day(
    pool: asyncpg.Pool,
    service_urls: ServiceUrls,
    tmp_path: Path,
    settings: Settings,
    aiohttp_client: Callable[..., Any],
    aiohttp_server: Callable[..., Any],
) -> None:
    good_text = catalogue(await _photo_site(aiohttp_server))
    bad = tmp_path / "tovarlar.csv"
    bad.write_text(good_text.replace("1 200 000,50", "1 2OO OOO"), encoding="utf-8-sig")
    refused = _cli(service_urls, tmp_path, "catalog", "import", str(bad))
    assert refused.returncode == 1
    assert "row 3, column price: '1 2OO OOO' is not an amount" in refused.stderr
    assert "nothing imported" in refused.stderr
    assert await pool.fetchval("SELECT count(*) FROM products") == 0
    assert await pool.fetchval("SELECT count(*) FROM categories") == 0

    good = tmp_path / "tovarlar.csv"
    good.write_text(good_text, encoding="utf-8-sig")
    dry = _cli(service_urls, tmp_path, "catalog", "import", str(good), "--dry-run")
    assert dry.returncode == 0 and "3 new, 0 updated, 3 new categories" in dry.stdout, dry.stderr
    assert await pool.fetchval("SELECT count(*) FROM products") == 0
    done = _cli(service_urls, tmp_path, "catalog", "import", str(good))
    assert done.returncode == 0 and "imported: 3 created" in done.stdout, done.stderr

    app_settings = changed(
        settings,
        bot_token=None,
        database_url=service_urls.database_url,
        media_dir=tmp_path / "media",
        photo_fetch_interval=0.2,
        photo_fetch_private=True,  # the seller's photo site of this test is on 127.0.0.1
    )
    client = await aiohttp_client(create_app(app_settings, service_urls))
    listed = await _listed_once_photos_are_in(client)
    on_sale = [(item["sku"], item["display_price"], item["available"]) for item in listed["items"]]
    # The bag has no stock: hidden until it arrives, as any new product.
    assert on_sale == [("TEL-2", "1200000.50", 7), ("TEL-1", "2300000.00", 4)]
    phone = next(item for item in listed["items"] if item["sku"] == "TEL-1")
    thumb = await client.get(phone["photo"]["thumb"])
    assert thumb.status == 200 and thumb.content_type == "image/webp"
    page = await (await client.get(f"/api/products/{phone['id']}", headers=login(client))).json()
    assert len(page["photos"]) == 2
    # The own store exists from the migrations alone: a customer buys the imported phone.
    customer = login(client)
    assert (await client.post("/api/cart", json={"product_id": phone["id"]}, headers=customer)).status == 200
    order = await client.post(
        "/api/orders", headers=customer, json={"customer_name": "Jasur", "customer_phone": "901234567"}
    )
    assert order.status == 201, await order.text()

    exported = tmp_path / "back.xlsx"
    result = _cli(service_urls, tmp_path, "catalog", "export", str(exported))
    assert result.returncode == 0, result.stderr
    back = catalog_import.parse(exported.read_bytes(), exported.name)
    original = catalog_import.parse(good_text.encode(), "tovarlar.csv")
    assert not back.problems
    sold = [replace(row, quantity=3) if row.sku == "TEL-1" else row for row in original.rows]  # one phone left
    assert _by_sku(back.rows) == _by_sku(tuple(sold))


def _by_sku(rows: tuple[catalog_import.ProductRow, ...]) -> list[catalog_import.ProductRow]:
    """The rows without their numbers: the export orders them by SKU."""
    return sorted((replace(row, row=0) for row in rows), key=lambda row: row.sku)


def test_template_has_the_columns_the_import_reads(service_urls: ServiceUrls, tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    result = _cli(service_urls, tmp_path, "catalog", "template", str(path))
    assert result.returncode == 0, result.stderr
    empty = catalog_import.parse(path.read_bytes(), path.name)
    assert empty.columns == set(catalog_import.COLUMNS) and not empty.rows and not empty.problems
