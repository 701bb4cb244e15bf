"""The FBS work of marketplace orders from chat, through the fake Bot API against each marketplace's sandbox: the
new order's alert → Confirm → its labels as a PDF → the pick list → the hand-over; the reminder and the missed
deadline; a seller's cancel giving the stock back; a return restocked and another written off."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import aiohttp
import asyncpg
import pytest
from pypdf import PdfReader
from redis.asyncio import Redis

from bot.alerts import send_due_alerts
from bot.callbacks import (
    AskToCancelOrder,
    CancelMarketplaceOrder,
    DecideReturn,
    FbsStep,
    HandOverMarketplace,
    OpenOrder,
    OpenScreen,
    ReturnStep,
    Screen,
    SendActionPaper,
    WorkOnOrder,
    WriteOffReason,
    WriteOffReturn,
)
from bot.fbs.picklist import chunks
from bot.fbs_texts import TASHKENT, outcome_note
from bot.i18n import create_i18n
from core import fbs
from core.marketplaces import Connection
from core.settings import Settings
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from sync.fbs_worker import FbsWorker
from sync.limiter import RateLimits
from sync.pull import pull_orders
from sync.push import push_due
from sync.returns import pull_returns
from tests.bot.conftest import ADMIN_CHAT_ID, ADMIN_ID
from tests.bot.harness import BotUnderTest, Chat
from tests.builders import Shop, stock_of
from tests.support import running
from tests.sync.world import (
    FAST_RETRY,
    SLUGS,
    VAULT,
    World,
    connect,
    list_everywhere,
    sandboxes,
    uzum_barcode,
    yandex_market_sku,
)

# The English of our own refusals as they were once shown: none of these words may reach an admin.
ENGLISH = re.compile(
    r"\b(the|no|not|is|in|of|its|it|answered|label|order|orders|supply|confirm|first|ship|shipped|awaiting|"
    r"delivery|handed|over|adapter|connected|invoice|make|cabinet|seller|again|could|none|these|postings|sticker|"
    r"gave|came|task|reason|cancelled|failed|marketplace|longer|work|file|point|time|slot)\b",
    re.IGNORECASE,
)
# A mapping's stock_version rises with each change of its product's stock: the push job sends what is newer.
_VERSIONS = "SELECT id, stock_version FROM marketplace_products WHERE product_id = $1"


@dataclass(frozen=True)
class Platform:
    """How a buyer orders and returns on one sandbox, by our product."""

    order: Callable[[World, int, datetime | None], str]  # the platform's order key
    give_back: Callable[[World, int, str], None]  # a return of the product from that order
    papers: int  # the courier's papers the hand-over gives
    # What the seller does in the cabinet (or the platform's schedule does) before a hand-over, given the confirmed
    # orders' keys.
    in_cabinet: Callable[[World, list[str]], object] = lambda world, keys: None


def _uzum_order(world: World, product_id: int, created: datetime | None) -> str:
    return str(world.uzum.buyer_orders({uzum_barcode(product_id): 1}, created_at=created)["id"])


def _wb_order(world: World, product_id: int, created: datetime | None) -> str:
    [task] = world.wb.buyer_orders({40_000 + product_id: 1}, created_at=created)
    return str(task["id"])


def _ozon_order(world: World, product_id: int, created: datetime | None) -> str:
    return str(world.ozon.buyer_orders({60_000 + product_id: 1}, created_at=created)["posting_number"])


def _yandex_order(world: World, product_id: int, created: datetime | None) -> str:
    offer_id = next(
        offer for offer, listed in world.yandex.offers.items() if listed.market_sku == yandex_market_sku(product_id)
    )
    return str(world.yandex.place_order({offer_id: 1}, created_at=created))


def _yandex_return(world: World, product_id: int, key: str) -> None:
    """Delivered, sent back, and waiting for the seller at the pickup point."""
    world.yandex.set_order_status(int(key), "DELIVERY", "DELIVERY_SERVICE_RECEIVED")
    world.yandex.set_order_status(int(key), "DELIVERED", "DELIVERY_SERVICE_DELIVERED")
    world.yandex.move_return(world.yandex.add_return(int(key)), "READY_FOR_PICKUP")


PLATFORMS = {
    # Uzum hands over by the seller's FBS invoice, which its API cannot make (a drop-off point and a time slot
    # chosen in the cabinet): one invoice, one act.
    "uzum": Platform(
        _uzum_order,
        lambda world, product_id, key: world.uzum.add_return({uzum_barcode(product_id): 1}),
        papers=1,
        in_cabinet=lambda world, keys: world.uzum.make_invoice(int(key) for key in keys),
    ),
    # Wildberries closes the supply the tasks went into and gives its QR code.
    "wildberries": Platform(_wb_order, lambda world, product_id, key: world.wb.buyer_returns(int(key)), papers=1),
    # Ozon's act of the carriage.
    "ozon": Platform(_ozon_order, lambda world, product_id, key: world.ozon.add_return(key), papers=1),
    # Yandex forms the day's shipment itself at the warehouse's cutoff; the hand-over confirms it and gives its act.
    "yandex": Platform(_yandex_order, _yandex_return, papers=1, in_cabinet=lambda world, keys: world.yandex.cut_off()),
}


def _options(connection: Connection) -> dict[str, Any]:
    """The relaxed pacing of tests/sync/world.py, for the worker's own adapters."""
    return {"policy": FAST_RETRY, **({"requests_per_second": 200.0} if connection.slug == "uzum" else {})}


@pytest.fixture
async def world(pool: asyncpg.Pool, redis: Redis, effects: Effects, shop: Shop) -> AsyncIterator[World]:
    uzum, wb, ozon, yandex = sandboxes()
    for sandbox in (uzum, wb, ozon, yandex):
        await sandbox.start()
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as uow:
            connections = await connect(uow, uzum, wb, ozon, yandex)
        await list_everywhere(conn, connections, uzum, wb, ozon, yandex, [shop.phone, shop.telefon, shop.shirt])
        # Wildberries' returns report names a unit by its barcode alone: the mappings know it, as those mapped
        # from the WB catalogue do (tests/sync/world.py maps by chrtId only).
        await conn.execute(
            "INSERT INTO listing_keys (mapping_id, marketplace_id, name, value)"
            " SELECT id, marketplace_id, 'barcode', '2000' || lpad(product_id::text, 9, '0')"
            " FROM marketplace_products WHERE marketplace_id = $1",
            connections["wildberries"].marketplace_id,
        )
    async with aiohttp.ClientSession() as session:
        world = World(uzum, wb, ozon, yandex, connections, session, RateLimits(redis))
        for slug in connections:  # the platforms start with our stock, so buyers can order
            await push_due(pool, connections[slug], world.adapter(slug), trigger="scheduled")
        yield world
    for sandbox in (uzum, wb, ozon, yandex):
        await sandbox.stop()


@pytest.fixture
async def worker(
    pool: asyncpg.Pool, redis: Redis, subscriber: Subscriber, effects: Effects, world: World
) -> AsyncIterator[FbsWorker]:
    worker = FbsWorker(
        pool, redis, subscriber, effects, VAULT, sweep_seconds=30, adapter_options=_options, limits=world.limits
    )
    async with running(worker):
        yield worker


@pytest.fixture
def alerts(process: BotUnderTest) -> Chat:
    """The alert chat as the admin sees and taps it."""
    return Chat(process, ADMIN_ID, first_name="Boss", chat_id=ADMIN_CHAT_ID)


async def _arrives(
    slug: str, pool: asyncpg.Pool, effects: Effects, world: World, product_id: int, created: datetime | None = None
) -> tuple[str, int]:
    """A buyer's order on the platform, imported: its key and our order id."""
    key = PLATFORMS[slug].order(world, product_id, created)
    async with pool.acquire() as conn:
        await pull_orders(conn, effects, world.connections[slug], world.adapter(slug))
        order_id = await conn.fetchval(
            "SELECT id FROM orders WHERE marketplace_id = $1 AND marketplace_order_id = $2",
            world.connections[slug].marketplace_id,
            key,
        )
    assert order_id is not None
    return key, order_id


async def _deliver(pool: asyncpg.Pool, process: BotUnderTest, settings: Settings) -> None:
    assert await send_due_alerts(pool, process.bot, settings) > 0


async def _state(pool: asyncpg.Pool, order_id: int) -> str:
    async with pool.acquire() as conn:
        work = await fbs.work_of(conn, order_id)
    assert work is not None
    return work.state


def _pdf_pages(content: bytes) -> int:
    return len(PdfReader(BytesIO(content)).pages)


def _message_with_text(chat: Chat, text: str) -> dict[str, Any]:
    return next(m for m in chat.messages() if text in str(m.get("text", "")))


def _message_with(chat: Chat, factory_data: str) -> dict[str, Any]:
    """The chat's message that carries this button."""
    return next(m for m in chat.messages() if factory_data in [data for _text, data in chat.buttons(m)])


@pytest.mark.parametrize("slug", SLUGS)
async def test_orders_are_confirmed_labelled_picked_and_handed_over_from_chat(
    slug: str,
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    world: World,
    worker: FbsWorker,
    shop: Shop,
    admin: Chat,
    alerts: Chat,
) -> None:
    arrived = [await _arrives(slug, pool, effects, world, product) for product in (shop.phone, shop.shirt)]
    await _deliver(pool, process, bot_settings)
    (key, order_id), (_, second_id) = arrived
    number = await pool.fetchval("SELECT order_number FROM orders WHERE id = $1", order_id)
    alert = _message_with_text(alerts, number)["text"]
    assert key in alert and "Samsung Galaxy smartfoni × 1" in alert
    assert "⏰" in alert, "the deadline (Tashkent time) where the platform gives one"
    currency = await pool.fetchval("SELECT currency FROM orders WHERE id = $1", order_id)
    assert (currency in alert) is (currency != "UZS"), "the total in the platform's currency, never read as so'm"

    for confirmed in (order_id, second_id):
        confirm = WorkOnOrder(order_id=confirmed, step=FbsStep.CONFIRM).pack()
        await alerts.press(confirm, int(_message_with(alerts, confirm)["message_id"]))
    assert "Tasdiqlandi" in _message_with_text(alerts, number)["text"]
    assert f"(№ {key})" in _message_with_text(alerts, number)["text"], "the platform's number stays after the tap"
    assert (currency in _message_with_text(alerts, number)["text"]) is (currency != "UZS")
    assert await _state(pool, order_id) == "confirmed"

    labels = WorkOnOrder(order_id=order_id, step=FbsStep.LABELS).pack()
    await alerts.press(labels, int(_message_with(alerts, labels)["message_id"]))
    [(filename, printed)] = alerts.documents()
    assert filename.endswith(".pdf") and _pdf_pages(printed) == 1, "one page per label"
    assert "yorlig'i" in _message_with_text(alerts, number)["text"], "the alert says where the labels are"

    await admin.send("/picklist")
    listed = "\n".join(str(m.get("text", "")) for m in admin.messages())
    assert "2 ta buyurtma" in listed and number in listed and "PH-1 Samsung Galaxy smartfoni × 1" in listed
    [(picklist_name, picklist)] = admin.documents()
    assert picklist_name.startswith("picklist-") and "CL-1" in PdfReader(BytesIO(picklist)).pages[0].extract_text()

    PLATFORMS[slug].in_cabinet(world, [key for key, _order in arrived])
    await admin.send("/handover")
    await admin.tap_button(HandOverMarketplace, marketplace_id=world.connections[slug].marketplace_id)
    assert "2 ta buyurtma" in _message_with_text(admin, "topshirildi")["text"]
    assert [await _state(pool, order) for order in (order_id, second_id)] == ["handed_over"] * 2
    statuses = await pool.fetch("SELECT status FROM orders WHERE id = ANY($1::int[])", [order_id, second_id])
    assert [row["status"] for row in statuses] == ["shipped"] * 2, "their goods left: the orders are shipped"
    async with pool.acquire() as conn:
        assert await fbs.pick_list(conn) == []
    papers = admin.documents()[1:]
    assert len(papers) == PLATFORMS[slug].papers and all(_pdf_pages(content) >= 1 for _name, content in papers)


@pytest.mark.parametrize("slug", SLUGS)
async def test_a_seller_cancel_with_the_platforms_reason_gives_the_stock_back(
    slug: str,
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    world: World,
    worker: FbsWorker,
    shop: Shop,
    alerts: Chat,
) -> None:
    _key, order_id = await _arrives(slug, pool, effects, world, shop.shirt)
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.shirt) == (9, 0)
        sold = dict(await conn.fetch(_VERSIONS, shop.shirt))
    await _deliver(pool, process, bot_settings)

    await alerts.tap_button(WorkOnOrder, order_id=order_id, step=FbsStep.CANCEL)
    reasons = [button.reason for _data, button in alerts.buttons_of(CancelMarketplaceOrder)]
    assert reasons == list(fbs.cancel_reasons(slug)) and "Omborda yo'q" in [text for text, _ in alerts.buttons()]
    await alerts.tap_button(CancelMarketplaceOrder, order_id=order_id, reason="out_of_stock")

    assert "Bekor qilindi" in alerts.text
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.shirt) == (10, 0), "back through the ledger"
        assert await conn.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "cancelled"
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM inventory_movements WHERE movement_type = 'cancel' AND product_id = $1",
                shop.shirt,
            )
            == 1
        )
        back = dict(await conn.fetch(_VERSIONS, shop.shirt))
    assert len(back) == len(world.connections) and all(back[mapping] > sold[mapping] for mapping in back), (
        "every channel hears it"
    )


@pytest.mark.parametrize("slug", ["uzum", "ozon", "yandex"])  # Wildberries gives a date only for oversized goods
async def test_the_reminder_before_a_deadline_offers_confirm_in_tashkent_time(
    slug: str,
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    world: World,
    shop: Shop,
    alerts: Chat,
) -> None:
    _key, order_id = await _arrives(slug, pool, effects, world, shop.phone)
    async with pool.acquire() as conn:
        work = await fbs.work_of(conn, order_id)
        assert work is not None and work.deadline is not None
        await conn.execute("UPDATE notifications SET sent_at = NOW()")  # the new order's alert is not this test's
        assert await fbs.remind(conn, work.deadline - datetime.now(UTC) + timedelta(minutes=1)) == 1
    await _deliver(pool, process, bot_settings)

    local = work.deadline.astimezone(TASHKENT).strftime("%H:%M")
    assert "hali tasdiqlanmagan" in alerts.text and local in alerts.text
    assert alerts.button_data(WorkOnOrder, order_id=order_id, step=FbsStep.CONFIRM)


@pytest.mark.parametrize("slug", ["uzum", "ozon"])
async def test_an_order_the_platform_cancelled_after_its_deadline_is_told(
    slug: str,
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    world: World,
    shop: Shop,
    alerts: Chat,
) -> None:
    """Uzum cancels an order not accepted in time, Ozon a posting not shipped by its date."""
    # Placed so long ago that its deadline (Uzum's 16 h to accept, Ozon's 24 h to ship) is a second or so away.
    platform = world.uzum if slug == "uzum" else world.ozon
    hours = world.uzum.rules.accept_hours if slug == "uzum" else world.ozon.rules.shipment_hours
    placed = datetime.now(UTC) - timedelta(hours=hours, seconds=-1.5)
    _key, order_id = await _arrives(slug, pool, effects, world, shop.phone, placed)
    await pool.execute("UPDATE notifications SET sent_at = NOW()")
    await asyncio.sleep(1.5)
    platform.advance_clock(timedelta())  # the platform's job cancels what is overdue
    async with pool.acquire() as conn:
        await pull_orders(conn, effects, world.connections[slug], world.adapter(slug))
    await _deliver(pool, process, bot_settings)

    number = await pool.fetchval("SELECT order_number FROM orders WHERE id = $1", order_id)
    assert number in alerts.text and "tasdiqlanmadi" in alerts.text
    assert alerts.button_data(OpenOrder, order_id=order_id)
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 0)


@pytest.mark.parametrize("slug", SLUGS)
async def test_a_return_is_put_back_in_stock_and_another_written_off(
    slug: str,
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    world: World,
    worker: FbsWorker,
    shop: Shop,
    alerts: Chat,
) -> None:
    for product in (shop.phone, shop.shirt):
        key, _order_id = await _arrives(slug, pool, effects, world, product)
        PLATFORMS[slug].give_back(world, product, key)
    await pool.execute("UPDATE notifications SET sent_at = NOW()")
    async with pool.acquire() as conn:
        run = await pull_returns(conn, effects, world.connections[slug], world.adapter(slug))
    assert run.processed == 2
    await _deliver(pool, process, bot_settings)
    returns = await pool.fetch("SELECT id, product_id FROM marketplace_returns ORDER BY product_id")
    kept, spoilt = ({row["product_id"]: row["id"] for row in returns}[p] for p in (shop.phone, shop.shirt))

    restock = DecideReturn(return_id=kept, step=ReturnStep.RESTOCK).pack()
    await alerts.press(restock, int(_message_with(alerts, restock)["message_id"]))
    ask = DecideReturn(return_id=spoilt, step=ReturnStep.WRITE_OFF).pack()
    message_id = int(_message_with(alerts, ask)["message_id"])
    await alerts.press(ask, message_id)
    await alerts.press(WriteOffReturn(return_id=spoilt, reason=WriteOffReason.DEFECTIVE).pack(), message_id)

    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 0), "4 after the sale, the return puts one back"
        assert await stock_of(conn, shop.shirt) == (9, 0), "written off: still one less"
        moves = await conn.fetch(
            "SELECT movement_type, quantity_change, notes FROM inventory_movements WHERE product_id = $1"
            " AND movement_type IN ('marketplace_return', 'write_off') ORDER BY id",
            shop.shirt,
        )
    assert [(m["movement_type"], m["quantity_change"]) for m in moves] == [("marketplace_return", 1), ("write_off", -1)]
    assert "Nuqsonli" in moves[1]["notes"], "the reason in the ledger"
    texts = [str(m.get("text", "")) for m in alerts.messages()]
    assert any("Omborga qaytarildi (Boss)" in text for text in texts)
    assert any("Hisobdan chiqarildi: Nuqsonli (Boss)" in text for text in texts)

    await alerts.press(restock, int(_message_with_text(alerts, "Omborga qaytarildi")["message_id"]))
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 0), "decided once"


async def test_the_order_card_shows_the_fbs_state_and_confirms_on_the_platform(
    pool: asyncpg.Pool,
    effects: Effects,
    world: World,
    worker: FbsWorker,
    shop: Shop,
    admin: Chat,
) -> None:
    _key, order_id = await _arrives("uzum", pool, effects, world, shop.phone)
    await admin.send("/orders")
    await admin.tap_button(OpenOrder, order_id=order_id)
    assert "Uzum Market: 🟡 tasdiqlanishini kutmoqda" in admin.text and "Toshkent vaqti" in admin.text
    assert admin.buttons_of(AskToCancelOrder) == [], "cancelled on the platform, with its reason, never only here"

    await admin.tap_button(WorkOnOrder, order_id=order_id, step=FbsStep.CONFIRM, card=True)

    assert "Tasdiqlandi" in admin.text and "🔵" in admin.text
    assert admin.button_data(WorkOnOrder, order_id=order_id, step=FbsStep.LABELS, card=True)


def test_a_long_pick_list_is_split_under_telegrams_limit() -> None:
    lines = [f"🧾 UZU-{n:04d} · ⏰ 7 dekabr, 14:30 — {'Ko‘ylak ' * 8}" for n in range(400)]
    messages = chunks(lines)
    assert len(messages) > 1
    assert all(len(message.encode("utf-16-le")) // 2 <= 4096 for message in messages)
    assert "\n".join(messages).split("\n") == lines, "every line whole, in order"


async def test_a_refusal_is_shown_in_the_platforms_words_and_the_steps_stay(
    pool: asyncpg.Pool,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    world: World,
    worker: FbsWorker,
    shop: Shop,
    alerts: Chat,
) -> None:
    """Uzum refuses a confirm after acceptUntil (seller-order-03) even before its own job cancels the order."""
    placed = datetime.now(UTC) - timedelta(hours=world.uzum.rules.accept_hours, minutes=1)
    _key, order_id = await _arrives("uzum", pool, effects, world, shop.phone, placed)
    await _deliver(pool, process, bot_settings)

    await alerts.tap_button(WorkOnOrder, order_id=order_id, step=FbsStep.CONFIRM)

    assert "⚠️ Uzum Market rad etdi:" in alerts.text
    assert await _state(pool, order_id) == "new"
    assert alerts.button_data(WorkOnOrder, order_id=order_id, step=FbsStep.CONFIRM), "it can be tried again"


async def test_the_menu_offers_the_pick_list_and_the_hand_over(admin: Chat, shop: Shop) -> None:
    await admin.send("/admin")
    await admin.tap_button(OpenScreen, screen=Screen.PICK_LIST)
    assert "Terish uchun hech narsa yo'q" in admin.text

    await admin.send("/admin")
    await admin.tap_button(OpenScreen, screen=Screen.HAND_OVER)
    assert "Topshiradigan narsa yo'q" in admin.text


async def test_a_paper_that_came_after_nobody_waited_reaches_the_alert_chat_with_a_button(
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    effects: Effects,
    process: BotUnderTest,
    bot_settings: Settings,
    world: World,
    shop: Shop,
    alerts: Chat,
) -> None:
    """The labels came after the bot stopped waiting (WAIT_SECONDS): the sync's alert carries them."""
    _key, order_id = await _arrives("uzum", pool, effects, world, shop.phone)
    worker = FbsWorker(
        pool, redis, subscriber, effects, VAULT, sweep_seconds=30, adapter_options=_options, limits=world.limits
    )
    marketplace_id = world.connections["uzum"].marketplace_id
    async with aiohttp.ClientSession() as session:
        for kind in ("confirm", "labels"):  # asked from chat, answered after nobody waits any more
            async with pool.acquire() as conn, effects.transaction(conn) as unit:
                action_id = await fbs.request(unit, marketplace_id=marketplace_id, kind=kind, order_ids=[order_id])
            assert await worker.process_due(session) == 1
    await pool.execute("UPDATE notifications SET sent_at = NOW() WHERE kind <> 'fbs_paper_ready'")
    await _deliver(pool, process, bot_settings)

    number = await pool.fetchval("SELECT order_number FROM orders WHERE id = $1", order_id)
    assert f"{number} yorliqlari tayyor" in alerts.text
    await alerts.tap_button(SendActionPaper, action_id=action_id)
    [(filename, printed)] = alerts.documents()
    assert filename == f"labels-uzum-{action_id}.pdf" and _pdf_pages(printed) == 1

    await alerts.press(SendActionPaper(action_id=action_id + 1000).pack())
    assert alerts.toasts()[-1] == "Bu fayl endi saqlanmagan. Uni buyurtmadan qayta so'rang."
    assert len(alerts.documents()) == 1


@pytest.mark.parametrize("code", fbs.REFUSAL_CODES)
def test_each_refusal_of_our_own_reads_in_uzbek_and_russian_without_english(code: fbs.RefusalCode) -> None:
    details: dict[str, str | None] = {
        "order_moved_on": "cancelled",
        "refused": "400",
        "throttled": "60",
        "platform_down": "503",
        "no_cancel_reason": "no_time",
        "unexpected": None,
    }
    error = f"UZU-0001: {fbs.refusal(code, details.get(code, '7001'))}"
    failed = fbs.ActionOutcome(1, "labels", "failed", error, None, None, (1,))
    i18n = create_i18n()
    said = {}
    for locale in ("en", "uz", "ru"):
        with i18n.context(), i18n.use_locale(locale):
            said[locale] = outcome_note(failed, "Uzum Market")
    for locale in ("uz", "ru"):
        assert "[fbs:" not in said[locale] and said[locale] != said["en"], said[locale]
        assert not ENGLISH.findall(said[locale].replace("Uzum Market", "")), said[locale]
    if code != "unexpected":
        unexpected = fbs.ActionOutcome(1, "labels", "failed", fbs.refusal("unexpected"), None, None, (1,))
        with i18n.context(), i18n.use_locale("uz"):
            assert outcome_note(unexpected, "Uzum Market") not in said["uz"], "a text of its own"


async def test_a_hand_over_uzum_cannot_do_is_told_in_uzbek_not_in_our_english(
    pool: asyncpg.Pool,
    effects: Effects,
    world: World,
    worker: FbsWorker,
    shop: Shop,
    admin: Chat,
) -> None:
    """Confirmed, but in no FBS invoice of the cabinet: a condition our adapter detects, named in the admin's
    language with Uzum's order number."""
    key, order_id = await _arrives("uzum", pool, effects, world, shop.phone)
    await admin.send("/orders")
    await admin.tap_button(OpenOrder, order_id=order_id)
    await admin.tap_button(WorkOnOrder, order_id=order_id, step=FbsStep.CONFIRM, card=True)
    await admin.send("/handover")
    await admin.tap_button(HandOverMarketplace, marketplace_id=world.connections["uzum"].marketplace_id)

    refused = admin.text
    assert "rad etdi: buyurtmalar hech qaysi ochiq FBS nakladnoyda yo'q" in refused and f"({key})" in refused
    assert not ENGLISH.findall(refused.replace("Uzum Market", "")), refused
    assert await _state(pool, order_id) == "confirmed"
