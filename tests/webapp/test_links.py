"""Links the store shows its customers are http(s) addresses or its own paths: a product's image given by an admin,
a banner's picture and link written into the table. javascript:, data: and //another-host never reach the page."""

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from tests.builders import Shop
from tests.support import ADMIN, login

HOSTILE = [
    "javascript:alert(document.cookie)",
    "JavaScript:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "//evil.example/x.png",
    "/\\evil.example/x.png",
    "/media/../api/orders",
    "vbscript:msgbox(1)",
    "https://",
    "ftp://files.example/x.png",
]


@pytest.mark.parametrize("url", HOSTILE)
async def test_a_product_image_that_is_no_http_link_nor_our_path_is_refused(
    client: TestClient, shop: Shop, url: str
) -> None:
    created = await client.post(
        "/api/products",
        headers=login(client, ADMIN),
        json={"sku": "LINK-1", "name_uz": "Rasm", "price": "1000", "image_url": url},
    )
    changed = await client.put(f"/api/products/{shop.phone}", headers=login(client, ADMIN), json={"image_url": url})
    for answer in (created, changed):
        assert answer.status == 422, await answer.text()
        assert (await answer.json())["error"]["details"] == {"field": "image_url"}
    page = await (await client.get(f"/api/products/{shop.phone}", headers=login(client))).json()
    assert page["image"] != url


async def test_http_links_and_our_own_paths_are_kept_as_product_images(client: TestClient, shop: Shop) -> None:
    for url in ("https://cdn.example.uz/p/1.webp", "http://img.example.uz/2.png", "/media/ab12-card.webp", None):
        changed = await client.put(f"/api/products/{shop.phone}", headers=login(client, ADMIN), json={"image_url": url})
        assert changed.status == 200, await changed.text()
        assert (await changed.json())["image_url"] == url


async def test_a_banner_with_a_hostile_link_is_shown_without_it_and_one_with_a_hostile_picture_not_at_all(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    await pool.execute(
        """
        INSERT INTO banners (title_uz, image_url, link_type, link_url, sort_order)
        VALUES ('Yaxshi', '/app/demo/a.svg', 'url', 'https://shop.uz/aksiya', 0),
               ('Havola', 'https://cdn.example.uz/b.png', 'url', 'javascript:alert(1)', 1),
               ('Boshqa sayt', '/media/c-card.webp', 'url', '//evil.example', 2),
               ('Rasm', 'data:image/svg+xml,<svg onload=alert(1)>', NULL, NULL, 3)
        """
    )
    shown = (await (await client.get("/api/banners?lang=uz", headers=login(client))).json())["items"]
    assert [(b["title"], b["link_type"], b["link_url"]) for b in shown] == [
        ("Yaxshi", "url", "https://shop.uz/aksiya"),
        ("Havola", None, None),
        ("Boshqa sayt", None, None),
    ]
