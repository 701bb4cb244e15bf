"""Sales reports over the bot: /report with the numbers of orders placed in the test, per channel and in
total, a PNG chart of profit per channel sent as a photo (a channel without a rate named, never drawn as 0),
date ranges, and the Reports buttons of the admin menu."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from bot.callbacks import OpenScreen, Screen, ShowReport
from bot.reports import chart
from core import orders, reports
from core.unit_of_work import Effects
from tests.bot.harness import Chat
from tests.builders import Shop, make_channel
from tests.fake_telegram import FakeTelegram

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def _sell_on_two_channels(pool: asyncpg.Pool, effects: Effects, shop: Shop) -> None:
    """OLX: a phone at the admin's 2 900 000 and two shirts at our 150 000. Bir-Bir (10% commission): two
    push-button phones at 250 000. Costs are 60% of our prices (tests.builders.make_shop)."""
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        olx = await make_channel(conn, "olx", "manual", prefix="OLX")
        bir_bir = await make_channel(conn, "bir-bir", "manual", commission="10", prefix="BB")
        buyer = orders.Customer("Jasur", "+998907654321")
        await orders.place(
            uow,
            orders.NewOrder(olx, (orders.Line(shop.phone, 1, Decimal("2900000")), orders.Line(shop.shirt, 2)), buyer),
        )
        await orders.place(uow, orders.NewOrder(bir_bir, (orders.Line(shop.telefon, 2),), buyer))


def _block(text: str, heading: str) -> str:
    found = [block for block in text.split("\n\n") if block.startswith(heading)]
    assert found, f"no {heading!r} block in {text!r}"
    return found[0]


async def test_report_today_shows_each_channels_money_and_the_total(
    admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop
) -> None:
    await _sell_on_two_channels(pool, effects, shop)

    await admin.send("/report today")

    [report] = [m["text"] for m in admin.messages() if "Savdo hisoboti" in m.get("text", "")]
    olx = _block(report, "🏪 olx")
    assert "Tushum 3 200 000 so'm · buyurtmalar 1 · dona 3" in olx
    assert "Tannarx 1 980 000 so'm · komissiya 0 so'm · foyda 1 220 000 so'm · marja 38.12%" in olx
    bir_bir = _block(report, "🏪 bir-bir")
    assert "Tushum 500 000 so'm · buyurtmalar 1 · dona 2" in bir_bir
    assert "Tannarx 300 000 so'm · komissiya 50 000 so'm · foyda 150 000 so'm · marja 30%" in bir_bir
    total = _block(report, "Σ")
    assert "Tushum 3 700 000 so'm · buyurtmalar 2 · dona 5" in total and "foyda 1 370 000 so'm" in total
    assert "1. Samsung Galaxy smartfoni (PH-1): 1 ta, 2 900 000 so'm" in report
    # The same money as the orders themselves carry.
    placed = await pool.fetchrow("SELECT sum(total) AS revenue, sum(total_profit) AS profit FROM orders")
    assert (placed["revenue"], placed["profit"]) == (Decimal("3700000"), Decimal("1370000"))


async def test_report_chart_is_a_png_photo(
    admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await _sell_on_two_channels(pool, effects, shop)

    await admin.send("/report week")

    [call] = fake_telegram.calls_to("sendPhoto")
    photo = call.params["photo"]
    assert photo.head.startswith(PNG_SIGNATURE) and photo.size > 1000
    assert str(call.params["chat_id"]) == str(admin.user_id) and "📈" in call.params["caption"]


async def test_a_date_range_counts_only_its_days(
    admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop, fake_telegram: FakeTelegram
) -> None:
    await _sell_on_two_channels(pool, effects, shop)
    await pool.execute("UPDATE orders SET order_date = '2026-11-05 23:30+05'")  # 5 November in Tashkent

    await admin.send("/report 2026-11-01 2026-11-05")
    assert "01.11.2026 – 05.11.2026" in admin.messages()[-2]["text"]
    assert "Tushum 3 700 000 so'm" in admin.messages()[-2]["text"]
    await admin.send("/report 06.11.2026 2026-11-20")
    assert "Bu davrda savdo bo'lmadi." in admin.text
    await admin.send("/report 2026-11-20 2026-11-01")
    assert "davr chiqmaydi" in admin.text
    assert len(fake_telegram.calls_to("sendPhoto")) == 1  # no chart of an empty period


async def test_reports_from_the_admin_menu(admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop) -> None:
    await _sell_on_two_channels(pool, effects, shop)
    await admin.send("/admin")
    await admin.tap_data(OpenScreen(screen=Screen.REPORTS))
    assert ShowReport(period="month").pack() in [data for _text, data in admin.buttons()]

    await admin.tap_data(ShowReport(period="month"))

    assert "Tushum 3 700 000 so'm" in admin.messages()[-2]["text"]
    assert "photo" in admin.screen()


async def test_a_currency_without_a_rate_says_so_and_the_rest_stays(
    admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop
) -> None:
    await _sell_on_two_channels(pool, effects, shop)
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        kaspi = await make_channel(conn, "kaspi", "manual", commission="10", prefix="KS")
        buyer = orders.Customer("Aigerim", "+77011234567")
        line = orders.Line(shop.shirt, 1, Decimal("9000"))
        await orders.place(uow, orders.NewOrder(kaspi, (line,), buyer, currency="KZT"))  # no KZT rate anywhere

    await admin.send("/report today")

    [report] = [m["text"] for m in admin.messages() if "Savdo hisoboti" in m.get("text", "")]
    assert "Tushum kurs kiritilmagan · buyurtmalar 1 · dona 1" in _block(report, "🏪 kaspi")
    assert "Tushum 3 200 000 so'm · buyurtmalar 1 · dona 3" in _block(report, "🏪 olx")
    assert "Tushum kurs kiritilmagan" in _block(report, "Σ")
    assert "🧾" in report and "hali bizning hisobimiz bo'yicha: 2" in report


async def test_the_chart_draws_profit_in_som_and_names_a_channel_without_a_rate(
    admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop, fake_telegram: FakeTelegram
) -> None:
    """OLX sells a shirt (cost 90 000) at 150 000 so'm; "wb" one at 1 500 roubles, with no rouble rate."""
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        olx = await make_channel(conn, "olx", "manual", prefix="OLX")
        wb = await make_channel(conn, "wb", "manual", prefix="WB")
        buyer = orders.Customer("Jasur", "+998907654321")
        await orders.place(uow, orders.NewOrder(olx, (orders.Line(shop.shirt, 1),), buyer))
        await orders.place(
            uow, orders.NewOrder(wb, (orders.Line(shop.shirt, 1, Decimal(1500)),), buyer, currency="RUB")
        )

    await admin.send("/report today")

    [call] = fake_telegram.calls_to("sendPhoto")
    assert "kunlik foyda, UZS da" in call.params["caption"]
    assert "Kurs kiritilmagan, shuning uchun chizilmadi (? belgisi): wb." in call.params["caption"]
    today = reports.local_today()
    async with pool.acquire() as conn:
        report = await reports.build(conn, reports.named("today", today))
    assert chart.profits(report) == {(today, "olx"): Decimal(60000), (today, "wb"): None}
