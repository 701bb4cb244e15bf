"""Product search as customers meet it: typos, either script, apostrophes, several words, codes, and counts
that stay cheap on a large catalog (core.search and sql/010)."""

from decimal import Decimal

import asyncpg

from core import catalog, storefront
from core.unit_of_work import Effects


async def _product(
    conn: asyncpg.Connection,
    effects: Effects,
    sku: str,
    name_uz: str,
    name_ru: str | None = None,
    price: str = "100000",
) -> int:
    async with effects.transaction(conn) as uow:
        return await catalog.create_product(
            uow,
            catalog.NewProduct(sku=sku, name_uz=name_uz, name_ru=name_ru, price=Decimal(price), initial_stock=3),
            low_stock_threshold=1,
        )


async def _found(conn: asyncpg.Connection, query: str, **filters: object) -> list[str]:
    page = await storefront.list_products(conn, storefront.ProductFilter(query=query, **filters))  # type: ignore[arg-type]
    return [item["name"] for item in page.items]


async def test_typos_and_either_script_find_the_product(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await _product(conn, effects, "F-1", "Samsung muzlatgich", "Холодильник Samsung")
        await _product(conn, effects, "V-1", "Artel changyutgich", "Пылесос Artel")
        for typed in ("samsnug", "muzlatgch", "holodilnik", "холодилник", "Холодильник"):
            assert await _found(conn, typed) == ["Samsung muzlatgich"], typed
        for typed in ("changyutkich", "pilesos", "пылесос", "ЧАНГЮТГИЧ"):
            assert await _found(conn, typed) == ["Artel changyutgich"], typed


async def test_every_apostrophe_spelling_finds_the_same_toy(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await _product(conn, effects, "T-1", "O'yinchoq mashina", "Игрушечная машина")
        for typed in ("o'yinchoq", "oʻyinchoq", "o’yinchoq", "oyinchoq", "ўйинчоқ"):
            assert await _found(conn, typed) == ["O'yinchoq mashina"], typed


async def test_several_words_find_products_with_all_of_them_else_with_most(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        await _product(conn, effects, "P-1", "Samsung telefon")
        await _product(conn, effects, "P-2", "Artel telefon")
        await _product(conn, effects, "F-1", "Samsung muzlatgich")
        assert await _found(conn, "samsung telefon") == ["Samsung telefon"]
        # No product is both Artel and Samsung: the two with two of the three words come first.
        found = await _found(conn, "samsung artel telefon")
        assert sorted(found[:2]) == ["Artel telefon", "Samsung telefon"] and found[2:] == ["Samsung muzlatgich"]


async def test_a_word_the_catalog_lacks_does_not_hide_the_others(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await _product(conn, effects, "P-1", "Artel telefon")
        assert await _found(conn, "nokia telefon") == ["Artel telefon"]
        assert await _found(conn, "nokia") == []


async def test_a_whole_word_ranks_before_the_longer_words_it_starts(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await _product(conn, effects, "H-1", "Philips fen")
        await _product(conn, effects, "L-1", "Fenix chiroq")  # newer, so it would come first on a tie
        assert await _found(conn, "fen") == ["Philips fen", "Fenix chiroq"]
        assert await _found(conn, "feni") == ["Fenix chiroq"], "a word being typed finds what it starts"


async def test_a_corrected_name_is_found_by_typos_of_its_new_spelling(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        product = await _product(conn, effects, "P-1", "Samsnug telefon")
        assert await _found(conn, "samsung") == ["Samsnug telefon"], "a typo in the catalog is forgiven too"
        async with effects.transaction(conn) as uow:
            await catalog.update_product(uow, product, {"name_uz": "Samsung telefon"})
        # "samsnug" is no longer a catalog word: it is taken for a typo of "samsung" again.
        assert await _found(conn, "samsnug") == ["Samsung telefon"]


async def test_a_code_finds_the_products_whose_codes_contain_it(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await _product(conn, effects, "AS-077701", "Nike krossovka Q172")
        await _product(conn, effects, "AS-077702", "Adidas krossovka")
        await _product(conn, effects, "AS-012345", "Nike krossovka W5")
        assert sorted(await _found(conn, "AS-0777")) == ["Adidas krossovka", "Nike krossovka Q172"]
        assert await _found(conn, "nike q172") == ["Nike krossovka Q172"]
        assert await _found(conn, "AS-012345") == ["Nike krossovka W5"]


async def test_search_keeps_filters_and_sorts(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        await _product(conn, effects, "P-1", "Samsung telefon", price="3000000")
        await _product(conn, effects, "P-2", "Artel telefon", price="1000000")
        await _product(conn, effects, "P-3", "Redmi telefon", price="2000000")
        assert await _found(conn, "telefon", sort="price_asc") == ["Artel telefon", "Redmi telefon", "Samsung telefon"]
        assert await _found(conn, "telefon", max_price=Decimal("2000000"), sort="price_desc") == [
            "Redmi telefon",
            "Artel telefon",
        ]


async def test_a_common_word_counts_to_the_limit_and_says_the_total_is_more(
    pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        await conn.execute(
            """
            INSERT INTO products (sku, name_uz, price, is_active)
            SELECT 'P-' || n, 'Redmi telefon' || CASE WHEN n <= 10 THEN ' Artel' ELSE '' END, 1000, TRUE
              FROM generate_series(1, $1::int) AS n
            """,
            storefront.SEARCH_COUNT_LIMIT + 5,
        )
        await conn.execute("INSERT INTO inventory (product_id, quantity) SELECT id, 1 FROM products")
        newest = await conn.fetchval("SELECT max(id) FROM products")
        for typed in ("telefon", "redmi telefon"):
            common = await storefront.list_products(conn, storefront.ProductFilter(query=typed))
            assert (common.total, common.total_is_estimate, common.pages) == (storefront.SEARCH_COUNT_LIMIT, True, 50)
            assert [item["id"] for item in common.items] == list(range(newest, newest - 20, -1)), typed
        rare = await storefront.list_products(conn, storefront.ProductFilter(query="artel telefon"))
        assert (rare.total, rare.total_is_estimate) == (10, False)
        assert all(item["name"].endswith("Artel") for item in rare.items)
