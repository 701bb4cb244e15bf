"""/delivery over the bot: an admin adds a zone (names, fee), sets its free-delivery sum and delivery time, and
switches it off, each change audited; what is out of range is refused in the admin's language, writing nothing; a
customer gets the refusal. A customer's shared contact keeps the phone. The new-order alert names the zone."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

import asyncpg

from bot import alert_texts
from bot.callbacks import ClearDeliveryZone, EditDeliveryZone, SwitchDeliveryZone
from bot.i18n import create_i18n
from core import outbox
from core.delivery import ZoneField
from core.notifications import Due
from tests.bot.conftest import CUSTOMER_ID
from tests.bot.harness import Chat


async def _zones(pool: asyncpg.Pool) -> list[tuple]:
    rows = await pool.fetch(
        "SELECT name_uz, name_ru, fee, free_from, delivery_time_uz, delivery_time_ru, is_active FROM delivery_zones"
    )
    return [tuple(row) for row in rows]


async def _add(chat: Chat, name_uz: str, name_ru: str, fee: str) -> None:
    await chat.send("/delivery")
    await chat.tap(chat.buttons()[-2][0])  # "➕ Add a zone", above the menu button
    for typed in (name_uz, name_ru, fee):
        await chat.send(typed)


async def test_an_admin_adds_a_zone_and_sets_its_terms(admin: Chat, pool: asyncpg.Pool) -> None:
    await admin.send("/delivery")
    assert "Hali hududlar yo'q" in admin.text
    await admin.tap("➕ Hudud qo'shish")
    await admin.send("Toshkent shahri")
    await admin.send("город Ташкент")
    await admin.send("20 000")
    assert "✅ Hudud qo'shildi" in admin.text
    zone = await pool.fetchval("SELECT id FROM delivery_zones")

    await admin.tap_button(EditDeliveryZone, zone_id=zone, field=ZoneField.FREE_FROM)
    await admin.send("300 000")
    await admin.tap_button(EditDeliveryZone, zone_id=zone, field=ZoneField.TIME_UZ)
    await admin.send("1 kun")
    await admin.tap_button(EditDeliveryZone, zone_id=zone, field=ZoneField.TIME_RU)
    await admin.send("1 день")
    await admin.tap_button(EditDeliveryZone, zone_id=zone, field=ZoneField.FEE)
    await admin.send("25000")
    assert "Yetkazish narxi: 25 000 so'm" in admin.text

    assert await _zones(pool) == [
        ("Toshkent shahri", "город Ташкент", Decimal("25000.00"), Decimal("300000.00"), "1 kun", "1 день", True)
    ]
    await admin.tap("⬅️ Yetkazib berish hududlari")
    assert "• Toshkent shahri — 25 000 so'm, 300 000 so'm dan bepul, 1 kun" in admin.text
    actions = await pool.fetch("SELECT action, new_values FROM audit_log ORDER BY id")
    assert [row["action"] for row in actions] == ["delivery.zone_add"] + ["delivery.zone_update"] * 4
    assert actions[-1]["new_values"] == {"fee": "25000.00"}


async def test_the_free_delivery_sum_is_cleared_and_the_zone_switched_off(admin: Chat, pool: asyncpg.Pool) -> None:
    await _add(admin, "Samarqand", "Самарканд", "50000")
    zone = await pool.fetchval("SELECT id FROM delivery_zones")
    await admin.tap_button(EditDeliveryZone, zone_id=zone, field=ZoneField.FREE_FROM)
    await admin.send("1000000")
    await admin.tap_button(EditDeliveryZone, zone_id=zone, field=ZoneField.FREE_FROM)
    await admin.tap_button(ClearDeliveryZone, zone_id=zone, field=ZoneField.FREE_FROM)
    await admin.tap_button(SwitchDeliveryZone, zone_id=zone, on=False)

    assert "⛔ O'chirildi" in admin.text
    assert await _zones(pool) == [("Samarqand", "Самарканд", Decimal("50000.00"), None, None, None, False)]
    switched = await pool.fetchrow("SELECT old_values, new_values FROM audit_log ORDER BY id DESC LIMIT 1")
    assert (switched["old_values"], switched["new_values"]) == ({"is_active": True}, {"is_active": False})
    await admin.tap("⬅️ Yetkazib berish hududlari")
    assert "Samarqand — 50 000 so'm (o'chirilgan)" in admin.text


async def test_bad_values_are_refused_in_russian_and_nothing_is_written(second_admin: Chat, pool: asyncpg.Pool) -> None:
    await second_admin.send("/delivery")
    await second_admin.tap("➕ Добавить зону")
    await second_admin.send("x" * 101)
    assert "Название — от 1 до 100 символов" in second_admin.text
    await second_admin.send("Toshkent shahri")
    await second_admin.send("город Ташкент")
    for typed in ("двадцать тысяч", "-5", "1 000 000 000"):
        await second_admin.send(typed)
        assert "Стоимость — сумма от 0 до 999 999 999" in second_admin.text
    assert await _zones(pool) == []

    await second_admin.send("0")  # free delivery everywhere in the zone
    zone = await pool.fetchval("SELECT id FROM delivery_zones")
    await second_admin.tap_button(EditDeliveryZone, zone_id=zone, field=ZoneField.FREE_FROM)
    for typed in ("0", "много"):
        await second_admin.send(typed)
        assert "Сумма бесплатной доставки — больше 0" in second_admin.text
    assert await _zones(pool) == [
        ("Toshkent shahri", "город Ташкент", Decimal("0.00"), None, None, None, True),
    ]
    assert await pool.fetchval("SELECT count(*) FROM audit_log") == 1


async def test_a_customer_gets_the_refusal(customer: Chat, pool: asyncpg.Pool) -> None:
    await customer.send("/delivery")
    assert "faqat do'kon adminlari" in customer.text
    assert await _zones(pool) == []


async def test_a_customers_own_shared_contact_keeps_the_phone(customer: Chat, pool: asyncpg.Pool) -> None:
    def contact(user_id: int) -> dict:
        update = customer.fake.message_update("", user_id=CUSTOMER_ID, first_name="Aziza")
        del update["message"]["text"]
        update["message"]["contact"] = {"phone_number": "998901234567", "first_name": "Aziza", "user_id": user_id}
        return update

    await customer.process.feed(contact(CUSTOMER_ID + 1))  # someone else's card: not the customer's phone
    assert await pool.fetchval("SELECT phone FROM users WHERE telegram_id = $1", CUSTOMER_ID) is None

    await customer.process.feed(contact(CUSTOMER_ID))

    assert await pool.fetchval("SELECT phone FROM users WHERE telegram_id = $1", CUSTOMER_ID) == "+998901234567"
    assert "+998901234567 saqlandi" in customer.text


def test_the_new_order_alert_names_the_zone_and_its_fee() -> None:
    alert = outbox.OrderPlaced(
        3,
        "AS-0003",
        "Amazing Store",
        Decimal("170000.00"),
        "Aziza",
        (outbox.OrderedItem("Ko'ylak", 1),),
        user_id=11,
        delivery_zone="Toshkent shahri",
        delivery_fee=Decimal("20000.00"),
    )
    payload = json.loads(json.dumps(dataclasses.asdict(alert), default=str))  # as the database gives it back
    due = Due(1, alert.KIND, payload, 0, datetime.now(UTC), outbox.parse(alert.KIND, payload))
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale("ru"):
        text = alert_texts.admin_line(due)
    assert text.endswith("🚚 Доставка — Toshkent shahri: 20 000 сум")
