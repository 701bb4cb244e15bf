"""/channels over the bot: an admin lists the channels, adds a manual one, renames one and switches one off, in
their language; a switched-off channel is not offered in the manual order form."""

from __future__ import annotations

import asyncpg

from bot.callbacks import AddMarketplace, ConnectMarketplace, FormAction, FormButton, OpenChannel, SwitchChannel
from tests.bot.harness import Chat
from tests.builders import make_channel


async def test_an_admin_adds_a_channel_from_the_menu(admin: Chat, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await make_channel(conn, "amazing-store", "own")
    await admin.send("/admin")
    await admin.tap("Savdo kanallari")
    assert "amazing-store (o'z do'konimiz)" in admin.text
    await admin.tap("Kanal qo'shish")
    await admin.send("Instagram")
    assert "✅" in admin.text and "🟢 Instagram (qo'lda)" in admin.text
    assert await pool.fetchval("SELECT integration_type FROM marketplaces WHERE name = 'Instagram'") == "manual"


async def test_a_taken_name_is_refused_politely_and_the_form_waits_for_another(
    second_admin: Chat, pool: asyncpg.Pool, olx: int
) -> None:
    await second_admin.send("/channels")
    await second_admin.tap_button(OpenChannel, channel_id=olx)
    await second_admin.tap("Переименовать")
    await second_admin.send("BIR-BIR")
    assert "не такое, как у другого канала" in second_admin.text
    await second_admin.send("OLX Uzbekistan")
    assert "🟢 OLX Uzbekistan (ручной)" in second_admin.text
    assert await pool.fetchval("SELECT name FROM marketplaces WHERE id = $1", olx) == "OLX Uzbekistan"


async def test_a_switched_off_channel_is_not_offered_for_a_manual_order(admin: Chat, olx: int) -> None:
    await admin.send("/channels")
    await admin.tap_button(OpenChannel, channel_id=olx)
    await admin.tap_button(SwitchChannel, channel_id=olx, on=False)
    assert "o'chirilgan" in admin.text
    await admin.send("/order")
    offered = [button.value for _, button in admin.buttons_of(FormButton) if button.action == FormAction.CHOOSE_CHANNEL]
    assert offered and olx not in offered


async def test_the_own_store_has_no_switch(admin: Chat, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        own = await make_channel(conn, "amazing-store", "own")
    await admin.send("/channels")
    await admin.tap_button(OpenChannel, channel_id=own)
    assert admin.buttons_of(SwitchChannel) == []


async def test_a_customer_is_refused_the_channels(customer: Chat) -> None:
    await customer.send("/channels")
    assert "admin" in customer.text.lower()


async def test_a_shop_without_the_demo_adds_yandex_market_from_the_channels_and_is_offered_its_key(
    second_admin: Chat, pool: asyncpg.Pool
) -> None:
    await second_admin.send("/channels")
    offered = [button.api_type for _, button in second_admin.buttons_of(AddMarketplace)]
    assert offered == ["uzum", "wildberries", "ozon", "yandex"]
    await second_admin.tap("🔌 Подключить Yandex Market")
    assert "✅ Yandex Market теперь канал" in second_admin.text
    marketplace_id = await pool.fetchval("SELECT id FROM marketplaces WHERE slug = 'yandex' AND api_type = 'yandex'")
    assert [button.marketplace_id for _, button in second_admin.buttons_of(ConnectMarketplace)] == [marketplace_id]
    await second_admin.send("/channels")
    assert "yandex" not in [button.api_type for _, button in second_admin.buttons_of(AddMarketplace)]
