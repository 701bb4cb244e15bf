"""Search finds what people mean: a word finds the products of the category it names (before those that merely
have the word), words that mean the same find each other's products, a change of synonyms holds for the very
next search, and an exact SKU or barcode answers that product. On a tiny catalogue built here, and on the demo."""

from decimal import Decimal

import asyncpg
from aiohttp.test_utils import TestClient

from core import catalog, categories, synonyms
from demo.seeding import seed_demo
from tests.support import login
from webapp.keys import EFFECTS


async def _names(client: TestClient, typed: str, lang: str = "uz", per_page: int = 20) -> list[str]:
    response = await client.get(
        "/api/products", params={"q": typed, "lang": lang, "per_page": str(per_page)}, headers=login(client)
    )
    assert response.status == 200, await response.text()
    return [item["name"] for item in (await response.json())["items"]]


async def _category(
    client: TestClient, pool: asyncpg.Pool, name_uz: str, name_ru: str, parent: int | None = None
) -> int:
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as uow:
        fields = categories.CategoryFields(name_uz=name_uz, name_ru=name_ru, parent_id=parent)
        return await categories.create(uow, fields)


async def _product(
    client: TestClient, pool: asyncpg.Pool, sku: str, name_uz: str, category: int, barcode: str | None = None
) -> int:
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as uow:
        new = catalog.NewProduct(
            sku=sku, name_uz=name_uz, barcode=barcode, category_id=category, price=Decimal("100000"), initial_stock=2
        )
        return await catalog.create_product(uow, new, low_stock_threshold=1)


async def _add_group(client: TestClient, pool: asyncpg.Pool, *words: str) -> synonyms.Group:
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as uow:
        return await synonyms.add_group(uow, list(words), actor_id=None)


async def _tiny_shop(client: TestClient, pool: asyncpg.Pool) -> None:
    """Smartphones whose names say neither "telefon" nor "smartfon", and a phone holder that says "telefon"."""
    electronics = await _category(client, pool, "Elektronika", "Электроника")
    phones = await _category(client, pool, "Smartfonlar", "Смартфоны", electronics)
    auto = await _category(client, pool, "Avtotovarlar", "Автотовары")
    await _product(client, pool, "PH-1", "Samsung Galaxy A15", phones)
    await _product(client, pool, "PH-2", "Apple iPhone 15", phones)
    await _product(client, pool, "AU-1", "Baseus telefon ushlagichi", auto)


async def test_a_word_finds_the_category_it_names_before_products_that_merely_have_it(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    await _tiny_shop(client, pool)
    for typed, lang in (("smartfon", "uz"), ("смартфоны", "ru"), ("Smartfonlar", "uz")):
        assert sorted(await _names(client, typed, lang)) == ["Apple iPhone 15", "Samsung Galaxy A15"], typed
    # A parent category's name finds its subcategories' products; a word of no category still finds by name.
    assert sorted(await _names(client, "elektronika")) == ["Apple iPhone 15", "Samsung Galaxy A15"]
    assert await _names(client, "ushlagich") == ["Baseus telefon ushlagichi"]
    # Several words: every one must match, by name or by category.
    assert await _names(client, "samsung smartfon") == ["Samsung Galaxy A15"]
    # "telefon" names no category of this shop until it is said to mean "smartfon": then the smartphones come
    # first, at the very next search (the cached answer is not served), and the holder after them.
    assert await _names(client, "telefon") == ["Baseus telefon ushlagichi"]
    await _add_group(client, pool, "telefon", "smartfon", "смартфон")
    for typed, lang in (("telefon", "uz"), ("телефон", "ru"), ("telefonlar", "uz")):
        found = await _names(client, typed, lang)
        assert sorted(found[:2]) == ["Apple iPhone 15", "Samsung Galaxy A15"], typed
        assert found[2:] == ["Baseus telefon ushlagichi"], typed


async def test_words_that_mean_the_same_find_each_other_s_products_until_the_group_is_removed(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    await _tiny_shop(client, pool)
    assert await _names(client, "айфон", "ru") == []
    group = await _add_group(client, pool, "iPhone", "айфон")
    assert await _names(client, "айфон", "ru") == ["Apple iPhone 15"]
    assert await _names(client, "ayfon") == ["Apple iPhone 15"]
    async with pool.acquire() as conn, client.app[EFFECTS].transaction(conn) as uow:
        await synonyms.remove_group(uow, group.id, actor_id=None)
    assert await _names(client, "айфон", "ru") == []


async def test_an_exact_sku_or_barcode_answers_that_product_first(client: TestClient, pool: asyncpg.Pool) -> None:
    phones = await _category(client, pool, "Smartfonlar", "Смартфоны")
    await _product(client, pool, "AS-0777", "Samsung Galaxy A15", phones, barcode="4780000000017")
    await _product(client, pool, "AS-07771", "Samsung Galaxy A25", phones, barcode="4780000000024")
    await _product(client, pool, "AS-07772", "Samsung Galaxy A55", phones)
    assert await _names(client, "AS-0777") == ["Samsung Galaxy A15"]
    assert await _names(client, "as-07771") == ["Samsung Galaxy A25"]
    assert await _names(client, "4780000000024") == ["Samsung Galaxy A25"]
    # A part of a code is no exact code: every product that has it.
    assert len(await _names(client, "AS-077")) == 3


async def test_in_the_demo_telefon_shows_smartphones_first_and_ayfon_finds_the_iphones(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        await seed_demo(conn, client.app[EFFECTS])
        # The tests' tables start empty: the starting list of synonyms the migration gave the shop comes back.
        await conn.execute("SELECT add_starting_search_synonyms()")
        smartphones = await conn.fetchval(
            "SELECT count(*) FROM products p JOIN categories c ON c.id = p.category_id"
            " WHERE p.is_active AND c.name_uz = 'Smartfonlar'"
        )
    assert smartphones >= 20
    for typed, lang, word in (("telefon", "uz", "smartfoni"), ("телефон", "ru", "Смартфон")):
        found = await _names(client, typed, lang, per_page=100)
        assert all(word in name for name in found[:smartphones]), (typed, found)
        assert any("ushlagich" in name or "держатель" in name.lower() for name in found[smartphones:]), found
    for typed, lang in (("айфон", "ru"), ("ayfon", "uz"), ("iphone", "uz")):
        found = await _names(client, typed, lang)
        assert found and all("iPhone" in name for name in found), (typed, found)
        assert len(found) == 4, found
