"""A running web face over the test database, and a small shop to browse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from amazing_store.app import create_app
from core import catalog, categories
from core.embedded import ServiceUrls
from core.settings import Settings
from tests.builders import make_channel
from tests.support import changed
from webapp.initdata import sign_init_data
from webapp.keys import INIT_DATA_TOKEN

CUSTOMER = {"id": 5001, "first_name": "Aziza", "last_name": "Karimova", "username": "aziza", "language_code": "uz"}
ADMIN = {"id": 9001, "first_name": "Boss", "language_code": "ru"}


@pytest.fixture
async def client(aiohttp_client: Callable[..., Any], settings: Settings, service_urls: ServiceUrls,
                 pool: asyncpg.Pool, redis: Redis) -> TestClient:
    """The `redis` fixture empties Redis first: caches and rate-limit windows from another test must not leak."""
    return await aiohttp_client(create_app(changed(settings, bot_token=None, admin_ids=[ADMIN["id"]]), service_urls))


def login(client: TestClient, user: dict[str, Any] = CUSTOMER, **fields: Any) -> dict[str, str]:
    """Authorization headers for `user`, signed like Telegram would for this app's bot."""
    return {"Authorization": "tma " + sign_init_data(client.app[INIT_DATA_TOKEN], user, **fields)}


@dataclass
class Shop:
    own: int
    phones: int
    electronics: int
    clothes: int
    phone: int
    telefon: int
    shirt: int


@pytest.fixture
async def shop(pool: asyncpg.Pool) -> Shop:
    async with pool.acquire() as conn:
        own = await make_channel(conn, "amazing-store", "own", prefix="AS")
        electronics = await categories.create(conn, categories.CategoryFields(name_uz="Elektronika",
                                                                              name_ru="Электроника", sort_order=1))
        phones = await categories.create(conn, categories.CategoryFields(name_uz="Telefonlar", name_ru="Телефоны",
                                                                         parent_id=electronics))
        clothes = await categories.create(conn, categories.CategoryFields(name_uz="Kiyim", name_ru="Одежда",
                                                                          sort_order=2))

        async def product(sku: str, name_uz: str, name_ru: str, category: int, price: str, stock: int) -> int:
            from decimal import Decimal

            product_id, _ = await catalog.create_product(conn, catalog.NewProduct(
                sku=sku, name_uz=name_uz, name_ru=name_ru, category_id=category, price=Decimal(price),
                cost_price=Decimal(price) * Decimal("0.6"), initial_stock=stock,
            ), low_stock_threshold=2)
            return product_id

        phone = await product("PH-1", "Samsung Galaxy smartfoni", "Смартфон Samsung Galaxy", phones, "3000000", 5)
        telefon = await product("PH-2", "Oddiy tugmali qurilma", "Телефон кнопочный", phones, "250000", 3)
        shirt = await product("CL-1", "Ko'ylak ruchka bilan", "Рубашка", clothes, "150000", 10)
    return Shop(own, phones, electronics, clothes, phone, telefon, shirt)
