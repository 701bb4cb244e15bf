"""The money of an order's card: cash on delivery marked collected (once), each fee with its basis, and the profit
of an order in roubles with its so'm figure at the day's rate, or "rate missing" without one."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from bot.callbacks import ChangeOrderStatus, CollectCash, OpenOrder
from core import analytics, orders, rates
from core.order_status import Status
from core.unit_of_work import Effects
from tests.bot.conftest import ADMIN_ID
from tests.bot.harness import Chat
from tests.builders import Shop


async def _place(
    pool: asyncpg.Pool,
    effects: Effects,
    channel: int,
    line: orders.Line,
    *,
    payment_method: str | None = None,
    currency: str | None = None,
) -> int:
    customer = orders.Customer("Aziza", "+998901234567")
    new = orders.NewOrder(channel, (line,), customer, payment_method=payment_method, currency=currency)
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        placed = await orders.place(uow, new)
        await conn.execute("UPDATE notifications SET sent_at = NOW()")
    return placed.id


async def test_cash_collected_from_the_card_makes_the_order_paid_once(
    admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop
) -> None:
    order = await _place(pool, effects, shop.own, orders.Line(shop.shirt, 1), payment_method="cash")
    await admin.send("/orders")
    await admin.tap_data(OpenOrder(order_id=order))
    await admin.tap_data(ChangeOrderStatus(order_id=order, seen=Status.PENDING, to=Status.CONFIRMED))
    assert "To'lov: 💵 yetkazishda naqd pul kutilmoqda" in admin.text

    await admin.tap_button(CollectCash, order_id=order)
    await admin.press(CollectCash(order_id=order).pack())  # a second tap, on the old card

    row = await pool.fetchrow(
        "SELECT o.payment_status, o.cash_collected_at, u.telegram_id FROM orders o"
        " JOIN users u ON u.id = o.cash_collected_by WHERE o.id = $1",
        order,
    )
    assert row["payment_status"] == "paid" and row["cash_collected_at"] is not None
    assert row["telegram_id"] == ADMIN_ID
    audit = await pool.fetch("SELECT entity_id, new_values FROM audit_log WHERE action = 'order.cash_collected'")
    assert [(entry["entity_id"], entry["new_values"]["payment_status"]) for entry in audit] == [(order, "paid")]
    assert admin.toasts()[-2:] == [
        "💵 Naqd pul olindi: buyurtma to'langan.",
        "Bu buyurtmaning naqd puli allaqachon olingan deb belgilangan; hech narsa o'zgarmadi.",
    ]
    assert "To'lov: 💵 naqd pulni Boss " in admin.text and not admin.buttons_of(CollectCash)


async def test_an_order_not_paid_in_cash_has_no_button_and_a_forged_tap_writes_nothing(
    admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop, olx: int
) -> None:
    order = await _place(pool, effects, olx, orders.Line(shop.shirt, 1, Decimal(140000)))
    await admin.send("/orders")
    await admin.tap_data(OpenOrder(order_id=order))
    assert "To'lov: to'lanmagan" in admin.text and not admin.buttons_of(CollectCash)

    await admin.press(CollectCash(order_id=order).pack())

    assert admin.toasts()[-1] == "Bu buyurtma yetkazishda naqd pul bilan to'lanmaydi; hech narsa o'zgarmadi."
    assert await pool.fetchval("SELECT payment_status FROM orders WHERE id = $1", order) == "unpaid"
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'order.cash_collected'") == 0


async def _rouble_order(pool: asyncpg.Pool, effects: Effects, shop: Shop, olx: int) -> int:
    """1 500 RUB for a shirt that cost us 90 000 so'm; the platform's commission, our estimate of its logistics,
    and our packaging in so'm."""
    order = await _place(pool, effects, olx, orders.Line(shop.shirt, 1, Decimal(1500)), currency="RUB")
    await pool.executemany(
        "INSERT INTO order_fees (order_id, kind, amount, currency, basis) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (order_id, kind) DO UPDATE SET amount = EXCLUDED.amount, currency = EXCLUDED.currency,"
        " basis = EXCLUDED.basis",
        [
            (order, "commission", Decimal("120.50"), "RUB", "actual"),
            (order, "logistics", Decimal(80), "RUB", "estimated"),
            (order, "packaging", Decimal(3000), "UZS", "seller"),
        ],
    )
    return order


async def test_a_rouble_orders_card_lists_its_fees_and_its_profit_in_som_at_the_days_rate(
    admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop, olx: int
) -> None:
    order = await _rouble_order(pool, effects, shop, olx)
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        await rates.set_rate(
            unit, "RUB", rates.local_today(), Decimal(140), source="admin", actor_id=None, from_day_on=False
        )
    await admin.send("/orders")
    assert "· 1 500 RUB" in str(admin.buttons())
    await admin.tap_data(OpenOrder(order_id=order))

    day = rates.local_today().strftime("%d.%m.%Y")
    assert "Jami: 1 500 RUB" in admin.text
    assert (
        "Xarajatlar:\n"
        "  • Komissiya: 120.50 RUB (platforma hisobotiga ko'ra)\n"
        "  • Logistika: 80 RUB (taxminiy)\n"
        "  • Qadoqlash: 3 000 so'm (o'z xarajatingiz)\n"
        "Foyda: 1 299.50 RUB − 93 000 so'm\n"
        f"UZS da {day} kursi bo'yicha: 88 930 so'm"
    ) in admin.text
    async with pool.acquire() as conn:  # the report counts the same profit
        counted = await analytics.order_profit(conn, order)
    assert counted is not None and counted.profit == Decimal(88930)


async def test_without_a_rate_the_card_says_rate_missing_in_russian(
    second_admin: Chat, pool: asyncpg.Pool, effects: Effects, shop: Shop, olx: int
) -> None:
    order = await _rouble_order(pool, effects, shop, olx)
    await second_admin.send("/orders")
    await second_admin.tap_data(OpenOrder(order_id=order))

    day = rates.local_today().strftime("%d.%m.%Y")
    assert "Прибыль: 1 299.50 RUB − 93 000 сум" in second_admin.text
    assert f"В UZS: нет курса RUB на {day} (/rate)" in second_admin.text
    assert "88 930" not in second_admin.text
