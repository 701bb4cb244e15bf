"""GET /api/shop: the shop's profile as the admins wrote it, the about text in the reader's language; nothing
made up when nothing was written."""

import asyncpg
from aiohttp.test_utils import TestClient

from core import shop
from core.shop import ProfileField
from core.unit_of_work import Effects
from tests.builders import make_channel
from tests.support import login
from webapp.pages import STORE_ADDRESS


async def test_the_store_reads_the_profile_in_its_language(
    client: TestClient, pool: asyncpg.Pool, effects: Effects
) -> None:
    async with pool.acquire() as conn:
        await make_channel(conn, "amazing-store", "own")
        async with effects.transaction(conn) as uow:
            for field, value in (
                (ProfileField.NAME, "Zebo Butik"),
                (ProfileField.PHONE, "+998 71 200 00 00"),
                (ProfileField.ABOUT_UZ, "Ayollar kiyimi"),
                (ProfileField.ABOUT_RU, "Женская одежда"),
            ):
                await shop.set_profile_field(uow, field, value, None)

    uz = await (await client.get("/api/shop?lang=uz", headers=login(client))).json()
    ru = await (await client.get("/api/shop?lang=ru", headers=login(client))).json()

    assert uz == {
        "name": "Zebo Butik",
        "phone": "+998712000000",
        "hours": None,
        "about": "Ayollar kiyimi",
        "bot_link": None,
        "card_payment": False,
    }
    assert ru["about"] == "Женская одежда"


async def test_an_unwritten_profile_is_all_null(client: TestClient, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await make_channel(conn, "amazing-store", "own")
    response = await client.get("/api/shop", headers=login(client))
    assert response.status == 200
    assert await response.json() == {
        "name": "amazing-store",
        "phone": None,
        "hours": None,
        "about": None,
        "bot_link": None,
        "card_payment": False,
    }


async def test_the_store_knows_the_bots_link_once_the_bot_has_said_its_name(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        await make_channel(conn, "amazing-store", "own")
    client.app[STORE_ADDRESS].bot_link = "https://t.me/zebo_butik_bot"
    response = await client.get("/api/shop", headers=login(client))
    assert (await response.json())["bot_link"] == "https://t.me/zebo_butik_bot"


async def test_a_plain_browser_reads_the_shops_name_and_bot_link_without_login(
    client: TestClient, pool: asyncpg.Pool
) -> None:
    """/app opened outside Telegram has no login: it still shows the shop and the way to its bot."""
    async with pool.acquire() as conn:
        await make_channel(conn, "amazing-store", "own")
    client.app[STORE_ADDRESS].bot_link = "https://t.me/zebo_butik_bot"
    response = await client.get("/api/shop")
    assert response.status == 200
    assert await response.json() == {
        "name": "amazing-store",
        "phone": None,
        "hours": None,
        "about": None,
        "bot_link": "https://t.me/zebo_butik_bot",
        "card_payment": False,
    }
