"""A Yandex Market DBS shop (it delivers itself) from chat, through the fake Bot API and the sandbox, with the real FBS
worker: confirm on the order card, hand over to the shop's own courier with /handover, and once the buyer has the
goods, "Delivered to the buyer" tells Yandex (the last step of the DBS status model, which only the shop takes)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from redis.asyncio import Redis

from bot.callbacks import FbsStep, HandOverMarketplace, OpenOrder, WorkOnOrder
from core.marketplaces import Connection
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from demo.sandboxes.yandex import YandexSandbox
from sync.adapters import build_adapter
from sync.fbs_worker import FbsWorker
from sync.limiter import RateLimits
from sync.pull import pull_orders
from tests.bot.harness import Chat
from tests.builders import Shop
from tests.support import running
from tests.sync.world import FAST_RETRY, VAULT, yandex_dbs_campaign

DBS = 21_000_303


@pytest.fixture
async def ym(pool: asyncpg.Pool, effects: Effects, shop: Shop) -> AsyncIterator[tuple[YandexSandbox, Connection]]:
    async with yandex_dbs_campaign(pool, effects, shop.phone, DBS) as campaign:
        yield campaign


@pytest.fixture
async def worker(
    pool: asyncpg.Pool, redis: Redis, subscriber: Subscriber, effects: Effects
) -> AsyncIterator[FbsWorker]:
    options = {"policy": FAST_RETRY}
    worker = FbsWorker(pool, redis, subscriber, effects, VAULT, sweep_seconds=30, adapter_options=lambda c: options)
    async with running(worker):
        yield worker


def _steps(chat: Chat) -> list[FbsStep]:
    return [button.step for _data, button in chat.buttons_of(WorkOnOrder)]


async def test_a_dbs_order_is_confirmed_handed_to_the_shops_courier_and_told_delivered_from_chat(
    pool: asyncpg.Pool,
    redis: Redis,
    effects: Effects,
    ym: tuple[YandexSandbox, Connection],
    worker: FbsWorker,
    admin: Chat,
) -> None:
    sandbox, connection = ym
    key = sandbox.place_order({"PH-1": 1})
    async with aiohttp.ClientSession() as session, pool.acquire() as conn:
        adapter = build_adapter(connection, session, RateLimits(redis), policy=FAST_RETRY, pace=1000.0)
        assert (await pull_orders(conn, effects, connection, adapter)).status == "success"
    order_id = await pool.fetchval("SELECT id FROM orders WHERE marketplace_order_id = $1", str(key))
    await admin.send("/orders")
    await admin.tap_button(OpenOrder, order_id=order_id)
    await admin.tap_button(WorkOnOrder, order_id=order_id, step=FbsStep.CONFIRM, card=True)
    assert FbsStep.DELIVERED not in _steps(admin), "not before its courier has it"

    await admin.send("/handover")
    await admin.tap_button(HandOverMarketplace, marketplace_id=connection.marketplace_id)
    assert sandbox.orders[key].status == "DELIVERY"
    await admin.send("/orders")
    await admin.tap_button(OpenOrder, order_id=order_id)
    steps = {data for data, _button in admin.buttons_of(WorkOnOrder)}
    assert [label for label, data in admin.buttons() if data in steps] == ["📦 Xaridorga yetkazildi"]

    await admin.tap_button(WorkOnOrder, order_id=order_id, step=FbsStep.DELIVERED, card=True)

    assert "📦 Yetkazildi: Yandex Market xabardor qilindi." in admin.text, admin.text
    assert _steps(admin) == [], "nothing is left to do"
    assert "Yandex Market: ✅ xaridorga yetkazildi" in admin.text
    assert (sandbox.orders[key].status, sandbox.orders[key].substatus) == ("DELIVERED", "DELIVERY_SERVICE_DELIVERED")
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "delivered"
