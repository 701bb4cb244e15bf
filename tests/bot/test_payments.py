"""Card payment of a Mini App order: stock held at checkout, checked before the charge, sold once paid."""

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import asyncpg
from aiohttp.test_utils import TestClient

from amazing_store.app import create_app
from core import delivery
from core.embedded import ServiceUrls
from core.settings import Settings
from core.unit_of_work import Effects
from tests.builders import Shop, stock_of
from tests.fake_telegram import FakeTelegram
from tests.support import CUSTOMER, changed, login

BUYER = {"customer_name": "Aziza", "customer_phone": "+998901234567", "payment_method": "card"}


def _payer() -> dict[str, Any]:
    return {"id": CUSTOMER["id"], "is_bot": False, "first_name": CUSTOMER["first_name"], "language_code": "uz"}


def _pre_checkout(order_id: int, amount: int) -> dict[str, Any]:
    return {
        "pre_checkout_query": {
            "id": f"pcq-{order_id}-{amount}",
            "from": _payer(),
            "currency": "UZS",
            "total_amount": amount,
            "invoice_payload": str(order_id),
        }
    }


def _paid(order_id: int, amount: int, charge: str) -> dict[str, Any]:
    return {
        "message": {
            "message_id": 77,
            "date": int(time.time()),
            "chat": {"id": CUSTOMER["id"], "type": "private"},
            "from": _payer(),
            "successful_payment": {
                "currency": "UZS",
                "total_amount": amount,
                "invoice_payload": str(order_id),
                "telegram_payment_charge_id": charge,
                "provider_payment_charge_id": f"p-{charge}",
            },
        }
    }


async def test_card_order_is_held_checked_and_sold_once_paid(
    aiohttp_client: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    fake_telegram: FakeTelegram,
    pool: asyncpg.Pool,
    shop: Shop,
) -> None:
    client: TestClient = await aiohttp_client(
        create_app(
            changed(
                settings,
                telegram_api_url=fake_telegram.base_url,
                payment_provider_token="provider:TEST",
            ),
            service_urls,
        )
    )
    await client.post("/api/cart", json={"product_id": shop.phone, "quantity": 2}, headers=login(client))
    response = await client.post("/api/orders", json=BUYER, headers=login(client))
    assert response.status == 201, await response.text()
    placed = await response.json()
    order_id, amount = placed["order"]["id"], 600_000_000  # 6 000 000 so'm in tiyin
    assert placed["invoice_url"] and placed["order"]["payment_status"] == "awaiting_payment"
    [invoice] = fake_telegram.calls_to("createInvoiceLink")
    assert invoice.params["payload"] == str(order_id) and invoice.params["currency"] == "UZS"
    assert invoice.params["prices"] == [{"label": "Mahsulotlar", "amount": amount}]
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 2), "held, not sold, until paid"

    fake_telegram.queue_update(_pre_checkout(order_id, amount - 100))
    fake_telegram.queue_update(_pre_checkout(order_id, amount))
    wrong, right = await fake_telegram.wait_for_call("answerPreCheckoutQuery", count=2, timeout=10)
    assert wrong.params["ok"] == "false" and "amount" in wrong.params["error_message"]
    assert right.params["ok"] == "true"

    fake_telegram.queue_update(_paid(order_id, amount, "charge-1"))
    fake_telegram.queue_update(_paid(order_id, amount, "charge-1"))  # Telegram may deliver twice
    await fake_telegram.wait_for_call("sendMessage", count=2, timeout=10)
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (3, 0)
        order = await conn.fetchrow(
            "SELECT payment_status, telegram_payment_charge_id FROM orders WHERE id = $1", order_id
        )
        sales = await conn.fetchval("SELECT count(*) FROM inventory_movements WHERE movement_type = 'sale'")
    assert tuple(order) == ("paid", "charge-1") and sales == 1
    assert "To'lov qabul qilindi" in fake_telegram.sent_texts(CUSTOMER["id"])[0]


async def test_a_card_orders_invoice_has_the_delivery_fee_as_its_own_line(
    aiohttp_client: Callable[..., Any],
    settings: Settings,
    service_urls: ServiceUrls,
    fake_telegram: FakeTelegram,
    pool: asyncpg.Pool,
    effects: Effects,
    shop: Shop,
) -> None:
    client: TestClient = await aiohttp_client(
        create_app(
            changed(settings, telegram_api_url=fake_telegram.base_url, payment_provider_token="provider:TEST"),
            service_urls,
        )
    )
    async with pool.acquire() as conn, effects.transaction(conn) as uow:
        zone = await delivery.add(uow, "Toshkent shahri", "город Ташкент", Decimal(20000), None)
    assert (await (await client.get("/api/shop", headers=login(client))).json())["card_payment"] is True
    await client.post("/api/cart", json={"product_id": shop.shirt}, headers=login(client))

    response = await client.post(
        "/api/orders?lang=ru", json={**BUYER, "delivery_zone_id": zone.id}, headers=login(client)
    )

    assert response.status == 201, await response.text()
    order_id = (await response.json())["order"]["id"]
    [invoice] = fake_telegram.calls_to("createInvoiceLink")
    assert invoice.params["prices"] == [
        {"label": "Товары", "amount": 15_000_000},
        {"label": "Доставка", "amount": 2_000_000},
    ]
    fake_telegram.queue_update(_pre_checkout(order_id, 17_000_000))  # Telegram charges the lines' sum
    [answer] = await fake_telegram.wait_for_call("answerPreCheckoutQuery", timeout=10)
    assert answer.params["ok"] == "true"
