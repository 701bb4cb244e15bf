"""Browsing the store: categories, listing, search, product page, and caches that never serve stale stock."""

from decimal import Decimal

import asyncpg
from aiohttp.test_utils import TestClient

from core import inventory, orders, storefront
from tests.builders import Shop
from tests.support import ADMIN, login
from webapp.keys import EFFECTS


async def _names(client: TestClient, query: str, lang: str = "uz") -> list[str]:
    response = await client.get(f"/api/products?{query}&lang={lang}", headers=login(client))
    assert response.status == 200, await response.text()
    return [item["name"] for item in (await response.json())["items"]]


async def test_category_tree_in_both_languages(client: TestClient, shop: Shop) -> None:
    body = await (await client.get("/api/categories?lang=ru", headers=login(client))).json()
    [electronics, clothes] = body["categories"]
    assert electronics["name"] == "Электроника" and clothes["name"] == "Одежда"
    assert [child["name"] for child in electronics["children"]] == ["Телефоны"]


async def test_listing_a_parent_category_shows_its_children_products(client: TestClient, shop: Shop) -> None:
    assert sorted(await _names(client, f"category={shop.electronics}")) == [
        "Oddiy tugmali qurilma",
        "Samsung Galaxy smartfoni",
    ]
    assert await _names(client, f"category={shop.clothes}") == ["Ko'ylak ruchka bilan"]


async def test_search_crosses_scripts_and_forgives_typos(client: TestClient, shop: Shop) -> None:
    # Both are in "Telefonlar": the one whose name has the word comes first.
    assert await _names(client, "q=telefon", lang="ru") == ["Телефон кнопочный", "Смартфон Samsung Galaxy"]
    assert await _names(client, "q=ручка") == ["Ko'ylak ruchka bilan"]
    assert await _names(client, "q=smartfn") == ["Samsung Galaxy smartfoni"]
    assert await _names(client, "q=samsnug galaxy") == ["Samsung Galaxy smartfoni"]
    assert await _names(client, "q=Смартфон") == ["Samsung Galaxy smartfoni"]
    assert (await _names(client, "q=PH-2"))[0] == "Oddiy tugmali qurilma", "the exact SKU ranks first"


async def test_sql_looking_and_huge_search_strings_are_just_text(client: TestClient, shop: Shop) -> None:
    for needle in ("'; DROP TABLE products; --", "%", "_", "\\", "ʻ", "😀" * 50, "\u202e\u200bqwzx"):
        response = await client.get("/api/products", params={"q": needle}, headers=login(client))
        assert response.status == 200, needle
        assert (await response.json())["items"] == []
    nul = await client.get("/api/products", params={"q": "a\u0000b"}, headers=login(client))
    assert nul.status in (200, 422)
    huge = await client.get("/api/products", params={"q": "a" * 5000}, headers=login(client))
    assert huge.status == 422
    assert len(await _names(client, "per_page=100")) == 3


async def test_filters_sorting_and_pagination(client: TestClient, shop: Shop) -> None:
    assert await _names(client, "sort=price_asc") == [
        "Ko'ylak ruchka bilan",
        "Oddiy tugmali qurilma",
        "Samsung Galaxy smartfoni",
    ]
    assert await _names(client, "min_price=200000&max_price=300000") == ["Oddiy tugmali qurilma"]
    page = await (await client.get("/api/products?per_page=2&page=2&sort=price_asc", headers=login(client))).json()
    assert (page["total"], page["pages"], [i["name"] for i in page["items"]]) == (3, 2, ["Samsung Galaxy smartfoni"])


async def test_wrong_types_are_422_and_unknown_parameters_ignored(client: TestClient, shop: Shop) -> None:
    for query in ("page=abc", "per_page=1000", "page=0", "sort=cheapest", "category=-1", "min_price=lots"):
        response = await client.get(f"/api/products?{query}", headers=login(client))
        assert response.status == 422, query
        assert (await response.json())["error"]["code"] == "validation_error"
    assert len(await _names(client, "utm_source=telegram&foo=bar")) == 3


async def test_sold_out_product_hides_from_listing_and_returns_with_stock(
    client: TestClient, shop: Shop, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as uow:
        await orders.place(
            uow, orders.NewOrder(shop.own, (orders.Line(shop.telefon, 3),), orders.Customer("Ali", "+998901234567"))
        )
    assert "Oddiy tugmali qurilma" not in await _names(client, "per_page=50")
    page = await (await client.get(f"/api/products/{shop.telefon}", headers=login(client))).json()
    assert (page["available"], page["in_stock"]) == (0, False)
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as uow:
        await inventory.receive(uow, shop.telefon, 4, inventory.Source(notes="delivery"))
    # Every stock write drops the cached pages once it committed, whichever code wrote it.
    assert "Oddiy tugmali qurilma" in await _names(client, "per_page=50")


async def test_listing_is_fresh_right_after_a_sale_through_the_api(client: TestClient, shop: Shop) -> None:
    before = await (await client.get(f"/api/products/{shop.phone}", headers=login(client))).json()
    assert before["available"] == 5
    await client.post("/api/cart", json={"product_id": shop.phone, "quantity": 2}, headers=login(client))
    placed = await client.post(
        "/api/orders", json={"customer_name": "Aziza", "customer_phone": "+998901234567"}, headers=login(client)
    )
    assert placed.status == 201
    after = await (await client.get(f"/api/products/{shop.phone}", headers=login(client))).json()
    assert after["available"] == 3
    listing = await (await client.get("/api/products", headers=login(client))).json()
    assert {i["id"]: i["available"] for i in listing["items"]}[shop.phone] == 3


async def test_listing_is_fresh_right_after_an_admin_edit(client: TestClient, shop: Shop) -> None:
    assert "Samsung Galaxy smartfoni" in await _names(client, "sort=new")
    edited = await client.put(
        f"/api/products/{shop.phone}",
        headers=login(client, ADMIN),
        json={"name_uz": "Samsung Galaxy A55", "sale_price": "2700000"},
    )
    assert edited.status == 200
    assert "Samsung Galaxy A55" in await _names(client, "sort=new")
    card = await (await client.get(f"/api/products/{shop.phone}", headers=login(client))).json()
    assert (card["name"], card["display_price"]) == ("Samsung Galaxy A55", "2700000.00")
    hidden = await client.put(f"/api/products/{shop.phone}", json={"is_active": False}, headers=login(client, ADMIN))
    assert (await hidden.json())["inactive_reason"] == "admin"
    assert "Samsung Galaxy A55" not in await _names(client, "sort=new")
    assert (await client.get(f"/api/products/{shop.phone}", headers=login(client))).status == 404


async def test_xss_looking_names_are_returned_as_data(client: TestClient, shop: Shop) -> None:
    name = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    created = await client.post(
        "/api/products",
        headers=login(client, ADMIN),
        json={
            "sku": "XSS-1",
            "name_uz": name,
            "price": "1000",
            "initial_stock": 1,
            "category_id": shop.clothes,
        },
    )
    assert created.status == 201, await created.text()
    assert name in await _names(client, f"category={shop.clothes}")


async def test_admin_creates_products_and_categories(client: TestClient, shop: Shop, pool: asyncpg.Pool) -> None:
    category = await client.post(
        "/api/categories", headers=login(client, ADMIN), json={"name_uz": "Sport", "name_ru": "Спорт", "icon": "⚽"}
    )
    assert category.status == 201
    category_id = (await category.json())["id"]
    product = await client.post(
        "/api/products",
        headers=login(client, ADMIN),
        json={
            "sku": "SP-1",
            "name_uz": "To'p",
            "price": "120000",
            "cost_price": "80000",
            "initial_stock": 7,
            "category_id": category_id,
        },
    )
    body = await product.json()
    assert (body["available"], body["profitability_percentage"], body["is_active"]) == (7, "50.00", True)
    duplicate = await client.post(
        "/api/products", headers=login(client, ADMIN), json={"sku": "SP-1", "name_uz": "x", "price": "1"}
    )
    assert duplicate.status == 422 and "SKU" in (await duplicate.json())["error"]["message"]
    bad_price = await client.put(
        f"/api/products/{shop.phone}", headers=login(client, ADMIN), json={"sale_price": "99999999"}
    )
    assert bad_price.status == 422
    moved = await client.put(
        f"/api/categories/{shop.electronics}", headers=login(client, ADMIN), json={"parent_id": shop.phones}
    )
    assert moved.status == 422, "a category cannot move under its own child"
    assert (await client.delete(f"/api/categories/{category_id}", headers=login(client, ADMIN))).status == 204
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT category_id FROM products WHERE sku = 'SP-1'") is None
        assert await conn.fetchval("SELECT price FROM products WHERE id = $1", shop.phone) == Decimal("3000000.00")


async def test_product_views_are_counted_without_a_write_per_request(
    client: TestClient, shop: Shop, pool: asyncpg.Pool
) -> None:
    from core import counters
    from webapp.keys import REDIS

    for _ in range(3):
        assert (await client.get(f"/api/products/{shop.phone}", headers=login(client))).status == 200
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT view_count FROM products WHERE id = $1", shop.phone) == 0
        await counters.flush_views(conn, client.app[REDIS])
        assert await conn.fetchval("SELECT view_count FROM products WHERE id = $1", shop.phone) == 3
    assert (await client.get("/api/products/999999", headers=login(client))).status == 404


async def test_a_search_matching_very_many_says_its_count_is_a_lower_bound(
    client: TestClient, shop: Shop, pool: asyncpg.Pool
) -> None:
    await pool.execute(
        """
        WITH created AS (
            INSERT INTO products (sku, name_uz, price, is_active)
            SELECT 'MANY-' || n, 'Redmi quloqchin', 1000, TRUE FROM generate_series(1, $1::int) AS n RETURNING id
        )
        INSERT INTO inventory (product_id, quantity) SELECT id, 1 FROM created
        """,
        storefront.SEARCH_COUNT_LIMIT + 1,
    )
    many = await (await client.get("/api/products?q=quloqchin", headers=login(client))).json()
    assert (many["total"], many["total_is_estimate"]) == (storefront.SEARCH_COUNT_LIMIT, True)
    few = await (await client.get("/api/products?q=smartfon", headers=login(client))).json()
    assert (few["total"], few["total_is_estimate"]) == (1, False)
