"""/synonyms over the bot: an admin lists the groups of words that mean the same to search, adds one by typing
its words and removes one with its button, in Uzbek or Russian, each change audited; what is not a group is
refused politely and writes nothing; a customer gets the refusal."""

from __future__ import annotations

import asyncpg
import pytest

from bot.callbacks import RemoveSynonyms, ShowSynonyms
from core import storefront
from tests.bot.harness import Chat


async def _groups(pool: asyncpg.Pool) -> list[list[str]]:
    rows = await pool.fetch(
        "SELECT array_agg(word ORDER BY word) AS words FROM search_synonyms GROUP BY group_id ORDER BY group_id"
    )
    return [list(row["words"]) for row in rows]


async def test_an_admin_adds_a_group_and_another_removes_it_in_russian(
    admin: Chat, second_admin: Chat, pool: asyncpg.Pool
) -> None:
    await admin.send("/synonyms")
    assert "ma'nodosh so'zlar" in admin.text and "Hozircha guruhlar yo'q." in admin.text
    await admin.send("ayfon, iPhone; айфон")  # "ayfon" and "айфон" are one word to search: kept once
    assert "✅ Qo'shildi: ayfon · iPhone" in admin.text and "1. ayfon · iPhone" in admin.text
    assert await _groups(pool) == [["ayfon", "iPhone"]]
    added = await pool.fetchrow("SELECT actor_id, new_values FROM audit_log WHERE action = 'search.synonyms_add'")
    assert added["actor_id"] is not None and added["new_values"] == {"words": ["ayfon", "iPhone"]}

    await second_admin.send("/synonyms noutbuk, ноутбук, laptop")
    assert "✅ Добавлено: laptop · noutbuk" in second_admin.text and "2. laptop · noutbuk" in second_admin.text
    [_, (_, second)] = second_admin.buttons_of(RemoveSynonyms)
    await second_admin.tap_button(RemoveSynonyms, group_id=second.group_id)
    assert "🗑 Удалено: laptop · noutbuk" in second_admin.text
    assert "2." not in second_admin.text
    assert await _groups(pool) == [["ayfon", "iPhone"]]
    removed = await pool.fetchval("SELECT old_values FROM audit_log WHERE action = 'search.synonyms_remove'")
    assert removed == {"words": ["laptop", "noutbuk"]}
    # A button of a group that is gone says so and changes nothing.
    await second_admin.press(RemoveSynonyms(group_id=second.group_id, page=0).pack())
    assert "Эта группа уже удалена." in second_admin.text


async def test_a_group_added_in_the_bot_holds_for_the_next_search(admin: Chat, pool: asyncpg.Pool) -> None:
    await pool.execute(
        "INSERT INTO products (sku, name_uz, price, is_active) VALUES ('PH-1', 'Apple iPhone 15', 100000, TRUE)"
    )
    await pool.execute("INSERT INTO inventory (product_id, quantity) SELECT id, 1 FROM products")

    async def found(typed: str) -> list[str]:
        async with pool.acquire() as conn:
            page = await storefront.list_products(conn, storefront.ProductFilter(query=typed, lang="ru"))
        return [item["name"] for item in page.items]

    assert await found("айфон") == []
    await admin.send("/synonyms iphone, айфон")
    assert await found("айфон") == ["Apple iPhone 15"]


@pytest.mark.parametrize(
    "typed",
    ["telefon", "mobil telefon, smartfon", "telefon, телефон", "iphone 15, айфон", ", ".join(["so'z"] * 2 + ["a"] * 9)],
)
async def test_what_is_not_a_group_is_refused_politely_and_nothing_is_written(
    admin: Chat, pool: asyncpg.Pool, typed: str
) -> None:
    await admin.send("/synonyms")
    await admin.send(typed)
    assert "Guruh — vergul bilan ajratilgan" in admin.text
    assert await _groups(pool) == []
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 0


async def test_many_groups_turn_pages(admin: Chat, pool: asyncpg.Pool) -> None:
    await pool.execute("SELECT add_starting_search_synonyms()")
    await admin.send("/synonyms")
    assert "1. smartfon · telefon" in admin.text and "16." not in admin.text
    await admin.tap_button(ShowSynonyms, page=1)
    assert "16. " in admin.text and "1. smartfon" not in admin.text


async def test_a_customer_gets_the_refusal(customer: Chat, pool: asyncpg.Pool) -> None:
    await customer.send("/synonyms telefon, smartfon")
    assert "faqat do'kon adminlari" in customer.text
    assert await _groups(pool) == []
