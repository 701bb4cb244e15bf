"""A Yandex Market DBS campaign (the shop delivers itself): its hand-over sends each order out, and a buyer asks to
cancel an order already in delivery: the request is heard by the pull or by Yandex's notification, told to the
admins, and the seller's answer goes to the sandbox through the real FBS worker: an acceptance cancels the order
there and gives our stock back once, a refusal keeps it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from redis.asyncio import Redis

from core import cancellation_requests, fbs
from core.errors import ValidationError
from core.marketplaces import Connection
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from demo.sandboxes.yandex import YandexSandbox
from sync.adapter import WorkOrder
from sync.adapters import build_adapter
from sync.fbs_worker import FbsWorker
from sync.http import MarketplaceError
from sync.limiter import RateLimits
from sync.pull import pull_orders
from sync.webhook_worker import WebhookWorker
from sync.yandex import YandexAdapter
from tests.builders import Shop, stock_of
from tests.sync.world import FAST_RETRY, VAULT, YANDEX_KEY, World, yandex_dbs_campaign

DBS = 21_000_202


@dataclass
class Dbs:
    """Our shop's Yandex Market campaign, a DBS one (the shop delivers itself), on its sandbox."""

    ym: YandexSandbox
    connection: Connection
    session: aiohttp.ClientSession
    limits: RateLimits

    def adapter(self) -> YandexAdapter:
        adapter = build_adapter(self.connection, self.session, self.limits, policy=FAST_RETRY, pace=1000.0)
        assert isinstance(adapter, YandexAdapter)
        return adapter


@pytest.fixture
async def dbs(pool: asyncpg.Pool, redis: Redis, effects: Effects, shop: Shop) -> AsyncIterator[Dbs]:
    """The phone listed on the campaign by its SKU; Yandex notifies us at a path token."""
    async with (
        yandex_dbs_campaign(pool, effects, shop.phone, DBS) as (ym, connection),
        aiohttp.ClientSession() as session,
    ):
        yield Dbs(ym, connection, session, RateLimits(redis))


@pytest.fixture
def fbs_worker(pool: asyncpg.Pool, redis: Redis, subscriber: Subscriber, effects: Effects, dbs: Dbs) -> FbsWorker:
    return FbsWorker(
        pool,
        redis,
        subscriber,
        effects,
        VAULT,
        sweep_seconds=30,
        adapter_options=lambda connection: {"policy": FAST_RETRY},
        limits=dbs.limits,
    )


async def _pull(pool: asyncpg.Pool, effects: Effects, dbs: Dbs) -> None:
    async with pool.acquire() as conn:
        run = await pull_orders(conn, effects, dbs.connection, dbs.adapter())
    assert run.status == "success", run


async def _in_delivery(pool: asyncpg.Pool, effects: Effects, dbs: Dbs) -> int:
    """A buyer orders the phone, we import it, and the shop hands it to its own courier (the DBS status the shop
    sets itself: PROCESSING -> DELIVERY, handed over here); the buyer then asks to cancel. Yandex's order id."""
    order_id = dbs.ym.place_order({"PH-1": 1})
    await _pull(pool, effects, dbs)
    delivery = {"order": {"status": "DELIVERY", "substatus": "DELIVERY_SERVICE_RECEIVED"}}
    async with dbs.session.put(
        f"{dbs.ym.base_url}/v2/campaigns/{DBS}/orders/{order_id}/status",
        json=delivery,
        headers={"Api-Key": YANDEX_KEY},
    ) as reply:
        assert reply.status == 200, await reply.text()
    async with pool.acquire() as conn, effects.transaction(conn) as unit:  # as our /handover of a DBS order leaves it
        ours = await conn.fetchval("SELECT id FROM orders WHERE marketplace_order_id = $1", str(order_id))
        await fbs.confirmed(unit, ours, None, None)
        await fbs.handed_over(unit, [ours], None)
    dbs.ym.request_cancellation(order_id)
    return order_id


async def _answer(pool: asyncpg.Pool, effects: Effects, *, accept: bool, refusal: str | None = None) -> None:
    async with pool.acquire() as conn:
        request_id = await conn.fetchval("SELECT id FROM marketplace_cancellation_requests WHERE state = 'pending'")
        assert request_id is not None, "the request is waiting for an answer"
        async with effects.transaction(conn) as unit:
            await cancellation_requests.answer(unit, request_id, accept=accept, refusal=refusal, actor_id=None)


async def _alerts(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch("SELECT payload FROM notifications WHERE kind = 'fbs_cancellation_requested' ORDER BY id")
    return [dict(row["payload"]) for row in rows]


def _notification_url(dbs: Dbs, receiver: TestClient) -> str:
    """The URL entered in the cabinet: the path shown once, when its token was made."""
    assert dbs.connection.webhook_path is not None
    return str(receiver.make_url(dbs.connection.webhook_path))


async def test_a_request_heard_by_the_pull_and_accepted_cancels_the_order_there_and_gives_the_stock_back_once(
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    effects: Effects,
    shop: Shop,
    dbs: Dbs,
    fbs_worker: FbsWorker,
    receiver: TestClient,
) -> None:
    order_id = await _in_delivery(pool, effects, dbs)
    async with pool.acquire() as conn:
        sold = await stock_of(conn, shop.phone)
    assert sold == (4, 0)
    await _pull(pool, effects, dbs)
    await _pull(pool, effects, dbs)  # heard again: still one request, told once
    asked = await pool.fetchrow("SELECT state, order_key FROM marketplace_cancellation_requests")
    assert (asked["state"], asked["order_key"]) == ("pending", str(order_id))
    [alert] = await _alerts(pool)
    assert alert["marketplace_order_id"] == str(order_id) and alert["marketplace_name"] == "Yandex Market"

    await _answer(pool, effects, accept=True)
    assert await fbs_worker.process_due(dbs.session) == 1
    [sent] = dbs.ym.requests_to(f"PUT /v2/campaigns/{DBS}/orders/{order_id}/cancellation/accept")
    assert sent.body == {"accepted": True}
    assert (dbs.ym.orders[order_id].status, dbs.ym.orders[order_id].substatus) == ("CANCELLED", "USER_CHANGED_MIND")
    assert await pool.fetchval("SELECT state FROM marketplace_actions") == "done"
    assert await pool.fetchval("SELECT status FROM orders") == "cancelled"
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 0)

    # Yandex then tells of the cancel, and a later pull reads it: neither gives the phone back again.
    assert all(delivery.ok for delivery in await dbs.ym.deliver_all(_notification_url(dbs, receiver)))
    await WebhookWorker(pool, redis, subscriber, Effects(redis), VAULT).process_due(dbs.session)
    await _pull(pool, effects, dbs)
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 0)
        assert await conn.fetchval("SELECT count(*) FROM inventory_movements WHERE movement_type = 'cancel'") == 1
    assert len(await _alerts(pool)) == 1


async def test_a_request_heard_by_notification_and_refused_in_delivery_keeps_the_order_and_our_stock(
    pool: asyncpg.Pool,
    redis: Redis,
    subscriber: Subscriber,
    effects: Effects,
    shop: Shop,
    dbs: Dbs,
    fbs_worker: FbsWorker,
    receiver: TestClient,
) -> None:
    order_id = await _in_delivery(pool, effects, dbs)
    deliveries = await dbs.ym.deliver_all(_notification_url(dbs, receiver))
    assert all(delivery.ok for delivery in deliveries), deliveries
    await WebhookWorker(pool, redis, subscriber, Effects(redis), VAULT).process_due(dbs.session)
    stored = await pool.fetch("SELECT event_type, status FROM marketplace_webhooks ORDER BY id")
    assert ("ORDER_CANCELLATION_REQUEST", "processed") in [(row["event_type"], row["status"]) for row in stored]
    requested_at = await pool.fetchval("SELECT requested_at FROM marketplace_cancellation_requests")
    # As the notification says, to its second (requestedAt), not when we heard it.
    assert requested_at == dbs.ym.orders[order_id].updated_at.replace(microsecond=0)
    [alert] = await _alerts(pool)
    assert alert["marketplace_order_id"] == str(order_id)
    async with pool.acquire() as conn:
        kept = await stock_of(conn, shop.phone)

    await _answer(pool, effects, accept=False, refusal="in_delivery")
    assert await fbs_worker.process_due(dbs.session) == 1
    [sent] = dbs.ym.requests_to(f"PUT /v2/campaigns/{DBS}/orders/{order_id}/cancellation/accept")
    assert sent.body == {"accepted": False, "reason": "ORDER_IN_DELIVERY"}
    order = dbs.ym.orders[order_id]
    assert (order.status, order.cancel_requested) == ("DELIVERY", False)
    assert await pool.fetchval("SELECT state FROM marketplace_actions") == "done"
    settled = await pool.fetchrow("SELECT state, refusal, settled_at FROM marketplace_cancellation_requests")
    assert (settled["state"], settled["refusal"]) == ("rejected", "in_delivery") and settled["settled_at"]
    await _pull(pool, effects, dbs)  # the platform no longer lists it: nothing asked again
    assert await pool.fetchval("SELECT status FROM orders") != "cancelled"
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == kept == (4, 0)
    assert len(await _alerts(pool)) == 1


async def test_yandexs_refusal_of_an_answer_reaches_the_seller_in_its_own_words(
    pool: asyncpg.Pool, effects: Effects, dbs: Dbs
) -> None:
    """An order nobody asked to cancel (the buyer's request answered in the cabinet meanwhile, say)."""
    order_id = dbs.ym.place_order({"PH-1": 1})
    with pytest.raises(MarketplaceError) as refused:
        await dbs.adapter().answer_cancellation(WorkOrder(str(order_id)), True, None)
    assert (refused.value.code, refused.value.status) == ("refused", 400)
    assert refused.value.detail is not None and f"the buyer has not asked to cancel order {order_id}" in (
        refused.value.detail
    )
    with pytest.raises(MarketplaceError) as unknown:
        await dbs.adapter().answer_cancellation(WorkOrder(str(order_id)), False, None)
    assert unknown.value.code == "no_cancel_reason"
    assert len(dbs.ym.requests_to(f"PUT /v2/campaigns/{DBS}/orders/{order_id}/cancellation/accept")) == 1


async def test_an_fbs_campaign_is_never_asked_for_cancellation_requests(world: World) -> None:
    """Its buyers' cancellations are Yandex's to decide (the filter is "only for DBS")."""
    adapter = world.adapter("yandex")
    assert isinstance(adapter, YandexAdapter)
    assert await adapter.cancellation_requests(None) == []
    asked = world.yandex.requests_to(f"POST /v1/businesses/{world.yandex.business_id}/orders")
    assert not asked, "nothing is listed for it"


async def test_a_dbs_campaign_hands_over_by_telling_yandex_each_order_went_out_with_its_courier(dbs: Dbs) -> None:
    """A DBS shop delivers itself: its hand-over moves each order to DELIVERY (one batch request, answered per
    order); an order Yandex refuses (cancelled meanwhile) is left out, and no shipment act is asked for."""
    adapter = dbs.adapter()
    going, gone = dbs.ym.place_order({"PH-1": 1}), dbs.ym.place_order({"PH-1": 1})
    await adapter.confirm(WorkOrder(str(going)))
    dbs.ym.request_cancellation(gone)  # the buyer cancels while it is still PROCESSING: at once
    [handed] = await adapter.hand_over([WorkOrder(str(going)), WorkOrder(str(gone))])
    assert (handed.shipment, handed.order_keys, handed.document) == (None, (str(going),), None)
    assert (dbs.ym.orders[going].status, dbs.ym.orders[going].substatus) == ("DELIVERY", "DELIVERY_SERVICE_RECEIVED")
    [sent] = dbs.ym.requests_to(f"POST /v2/campaigns/{DBS}/orders/status-update")
    assert [order["id"] for order in sent.body["orders"]] == sorted([going, gone])
    assert dbs.ym.requests_to(f"PUT /v2/campaigns/{DBS}/first-mile/shipments") == []


async def _request(pool: asyncpg.Pool, effects: Effects, dbs: Dbs, kind: fbs.ActionKind, order_id: int) -> int:
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        return await fbs.request(unit, marketplace_id=dbs.connection.marketplace_id, kind=kind, order_ids=[order_id])


async def test_a_dbs_order_its_courier_handed_to_the_buyer_is_told_delivered_from_chat(
    pool: asyncpg.Pool, effects: Effects, dbs: Dbs, fbs_worker: FbsWorker, shop: Shop
) -> None:
    """The last step of the DBS status model is the shop's: after the hand-over the admin's "delivered" reaches
    Yandex (DELIVERED/DELIVERY_SERVICE_DELIVERED) through the FBS worker, and the order is delivered here."""
    key = dbs.ym.place_order({"PH-1": 1})
    await _pull(pool, effects, dbs)
    ours = await pool.fetchval("SELECT id FROM orders WHERE marketplace_order_id = $1", str(key))
    async with pool.acquire() as conn:
        work = await fbs.work_of(conn, ours)
    assert work is not None and work.seller_delivers, "a DBS order is the shop's to deliver"
    with pytest.raises(ValidationError, match="it cannot take deliver"):
        await _request(pool, effects, dbs, "deliver", ours)  # not before its courier has it
    for kind in ("confirm", "hand_over"):
        await _request(pool, effects, dbs, kind, ours)
        assert await fbs_worker.process_due(dbs.session) == 1
    assert dbs.ym.orders[key].status == "DELIVERY"

    action = await _request(pool, effects, dbs, "deliver", ours)
    assert await fbs_worker.process_due(dbs.session) == 1

    assert await pool.fetchval("SELECT state FROM marketplace_actions WHERE id = $1", action) == "done"
    assert (dbs.ym.orders[key].status, dbs.ym.orders[key].substatus) == ("DELIVERED", "DELIVERY_SERVICE_DELIVERED")
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", ours) == "delivered"
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (4, 0), "its unit was sold once, when it was placed"


async def test_yandex_refusing_the_delivered_step_leaves_the_order_as_it_was_and_says_so(
    pool: asyncpg.Pool, effects: Effects, dbs: Dbs, fbs_worker: FbsWorker
) -> None:
    key = dbs.ym.place_order({"PH-1": 1})
    await _pull(pool, effects, dbs)
    ours = await pool.fetchval("SELECT id FROM orders WHERE marketplace_order_id = $1", str(key))
    for kind in ("confirm", "hand_over"):
        await _request(pool, effects, dbs, kind, ours)
        await fbs_worker.process_due(dbs.session)
    dbs.ym.set_order_status(key, "DELIVERED", "DELIVERY_SERVICE_DELIVERED")  # marked in the cabinet meanwhile

    action = await _request(pool, effects, dbs, "deliver", ours)
    await fbs_worker.process_due(dbs.session)

    state, error = await pool.fetchrow("SELECT state, error FROM marketplace_actions WHERE id = $1", action)
    assert state == "failed" and fbs.refusal("not_delivered") in error
    assert await pool.fetchval("SELECT status FROM orders WHERE id = $1", ours) == "shipped"
