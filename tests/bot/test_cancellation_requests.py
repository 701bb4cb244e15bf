"""A buyer's cancellation request in the alert chat, through the fake Bot API: the alert with the order and both
buttons in the admins' language, Accept queuing the answer (and, once the platform takes it, the order cancelled
with its stock back), Reject asking for one of the platform's reasons, and a second answer refused politely.
The platform is made up (tests/tiny_platform.py, declared with the reasons it takes to refuse); the sync's side is
played by its core calls until the Yandex adapter brings a sandbox to answer (phase 2's end-to-end test)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
from redis.asyncio import Redis

from bot.alerts import send_due_alerts
from bot.callbacks import AnswerCancellation, CancellationStep, RefuseCancellation
from core import cancellation_requests, fbs, marketplace_orders
from core.cancellation_requests import IncomingCancellationRequest
from core.listings import PLATFORMS
from core.marketplace_orders import IncomingLine, IncomingOrder
from core.settings import Settings
from core.unit_of_work import Effects
from tests.bot.conftest import ADMIN_CHAT_ID, ADMIN_ID
from tests.bot.harness import BotUnderTest, Chat
from tests.builders import Shop, map_product, stock_of
from tests.tiny_platform import TINY

ASKING = dataclasses.replace(TINY, cancellation_reasons_to_refuse=("in_delivery", "delivered"))


@dataclasses.dataclass(frozen=True)
class Asked:
    order_id: int
    request_id: int


@pytest.fixture
async def asked(pool: asyncpg.Pool, effects: Effects, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> Asked:
    """Two phones ordered on a platform whose buyers' cancellations wait for the seller, and the buyer asks."""
    monkeypatch.setitem(PLATFORMS, ASKING.api_type, ASKING)
    async with pool.acquire() as conn:
        marketplace_id = await conn.fetchval(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type) VALUES ('Tiny Market', 'tiny', 'api',"
            " 'tiny') RETURNING id"
        )
        await map_product(conn, shop.phone, marketplace_id, "t-phone")
        order = IncomingOrder("YM-42", (IncomingLine(2, seller_sku="PH-1", title="Samsung"),))
        async with effects.transaction(conn) as unit:
            imported = await marketplace_orders.import_order(unit, marketplace_id, order)
        await conn.execute("DELETE FROM notifications")  # the order's own alert is another test's
        async with effects.transaction(conn) as unit:
            request = IncomingCancellationRequest("YM-42", None, "Передумал")
            assert await cancellation_requests.record(unit, marketplace_id, request, heard_at=datetime.now(UTC))
    assert imported.order_id is not None
    request_id = await pool.fetchval("SELECT id FROM marketplace_cancellation_requests")
    return Asked(imported.order_id, int(request_id))


@pytest.fixture
def alerts(process: BotUnderTest) -> Chat:
    """The alert chat as the admin sees and taps it."""
    return Chat(process, ADMIN_ID, first_name="Boss", chat_id=ADMIN_CHAT_ID)


@pytest.fixture
async def platform(pool: asyncpg.Pool, redis: Redis, effects: Effects) -> AsyncIterator[None]:
    """The sync's side: each queued answer taken by the platform, recorded as the FBS worker records it."""

    async def take_answers() -> None:
        while True:
            async with pool.acquire() as conn:
                async with effects.transaction(conn) as unit:
                    action = await fbs.claim(unit)
                    if action is not None:
                        for order in action.orders:
                            await cancellation_requests.settled(unit, order.order_id, "Tiny Market")
                        await fbs.finish(unit, action.id)
                if action is not None:
                    await fbs.tell_finished(conn, redis, action.id)
            await asyncio.sleep(0.05)

    task = asyncio.create_task(take_answers())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _alert(pool: asyncpg.Pool, process: BotUnderTest, settings: Settings, alerts: Chat) -> None:
    assert await send_due_alerts(pool, process.bot, settings) == 1
    assert alerts.buttons_of(AnswerCancellation), alerts.text


async def test_the_alert_shows_the_order_and_both_buttons_in_uzbek(
    pool: asyncpg.Pool, process: BotUnderTest, bot_settings: Settings, alerts: Chat, asked: Asked
) -> None:
    await _alert(pool, process, bot_settings, alerts)
    text = alerts.text
    assert "bekor qilishni so'rayapti" in text and "(№ YM-42)" in text
    assert "Samsung Galaxy smartfoni × 2" in text and "Передумал" in text, "the order's lines and the buyer's reason"
    assert [label for label, _data in alerts.buttons()] == ["✅ Qabul qilish", "✋ Rad etish"]


async def test_the_alert_speaks_russian_where_the_admins_chose_it(
    pool: asyncpg.Pool, process: BotUnderTest, bot_settings: Settings, alerts: Chat, second_admin: Chat, asked: Asked
) -> None:
    await _alert(pool, process, bot_settings, alerts)
    assert "Покупатель просит отменить заказ" in alerts.text
    assert [label for label, _data in alerts.buttons()] == ["✅ Принять", "✋ Отклонить"]


async def test_accept_queues_the_answer_and_once_the_platform_takes_it_the_stock_is_back(
    pool: asyncpg.Pool,
    process: BotUnderTest,
    bot_settings: Settings,
    alerts: Chat,
    asked: Asked,
    shop: Shop,
    platform: None,
) -> None:
    await _alert(pool, process, bot_settings, alerts)
    await alerts.tap_button(AnswerCancellation, request_id=asked.request_id, step=CancellationStep.ACCEPT)
    actions = await pool.fetch("SELECT kind, order_ids, reason, state FROM marketplace_actions")
    assert [tuple(row) for row in actions] == [("answer_cancellation", [asked.order_id], None, "done")]
    assert "qabul qilindi" in alerts.text and "omborga qaytdi (Boss)" in alerts.text, alerts.text
    assert "Samsung Galaxy smartfoni × 2" in alerts.text, "the alert keeps what it was about"
    assert alerts.buttons() == [], "answered: no button left"
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 0)
        assert await conn.fetchval("SELECT status FROM orders WHERE id = $1", asked.order_id) == "cancelled"


async def test_reject_asks_for_the_platforms_reason_and_refuses_with_it(
    pool: asyncpg.Pool,
    process: BotUnderTest,
    bot_settings: Settings,
    alerts: Chat,
    asked: Asked,
    shop: Shop,
    platform: None,
) -> None:
    await _alert(pool, process, bot_settings, alerts)
    async with pool.acquire() as conn:
        kept = await stock_of(conn, shop.phone)
    await alerts.tap_button(AnswerCancellation, request_id=asked.request_id, step=CancellationStep.REJECT)
    assert [button.reason for _data, button in alerts.buttons_of(RefuseCancellation)] == ["in_delivery", "delivered"]
    labels = [label for label, _data in alerts.buttons()]
    assert labels == ["Buyurtma allaqachon xaridorga yo'lda", "Buyurtma allaqachon yetkazib berilgan", "⬅️ Orqaga"]
    assert await pool.fetchval("SELECT count(*) FROM marketplace_actions") == 0, "asking the reason sends nothing"

    await alerts.tap_button(RefuseCancellation, request_id=asked.request_id, reason="in_delivery")
    assert await pool.fetchval("SELECT reason FROM marketplace_actions") == "in_delivery"
    assert "rad etildi: Buyurtma allaqachon xaridorga yo'lda (Boss)" in alerts.text, alerts.text
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == kept
        assert await conn.fetchval("SELECT status FROM orders WHERE id = $1", asked.order_id) != "cancelled"


async def test_a_second_answer_is_refused_politely_and_sends_nothing(
    pool: asyncpg.Pool,
    process: BotUnderTest,
    bot_settings: Settings,
    alerts: Chat,
    asked: Asked,
    platform: None,
) -> None:
    await _alert(pool, process, bot_settings, alerts)
    message_id = int(alerts.screen()["message_id"])
    accept = AnswerCancellation(request_id=asked.request_id, step=CancellationStep.ACCEPT).pack()
    await alerts.press(accept, message_id)
    await alerts.press(RefuseCancellation(request_id=asked.request_id, reason="delivered").pack(), message_id)
    assert "allaqachon javob berilgan" in alerts.text, alerts.text
    assert await pool.fetchval("SELECT count(*) FROM marketplace_actions") == 1
