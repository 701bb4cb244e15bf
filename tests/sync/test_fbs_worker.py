"""FBS actions asked in chat are done on the platform by the sync's worker, against the sandboxes: the answer
recorded with what it changes here, one sync_logs row each, labels as one PDF; the platform's own cancel of a
missed deadline told; returns stored once and decided through the ledger."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta
from io import BytesIO
from typing import Any

import aiohttp
import asyncpg
import pytest
from pypdf import PdfReader
from redis.asyncio import Redis

from core import cancellation_requests, fbs
from core.cancellation_requests import IncomingCancellationRequest
from core.listings import PLATFORMS
from core.marketplaces import Connection
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from sync.adapter import Fulfilment
from sync.fbs_worker import FbsWorker
from sync.pull import pull_orders
from sync.push import push_due
from sync.returns import pull_returns
from tests.builders import Shop, stock_of
from tests.sync.world import FAST_RETRY, VAULT, World, uzum_barcode


def _options(connection: Connection) -> dict[str, Any]:
    """The test world's relaxed pacing (tests/sync/world.py), for the worker's own adapters."""
    return {"policy": FAST_RETRY, **({"requests_per_second": 200.0} if connection.slug == "uzum" else {})}


@pytest.fixture
def worker(pool: asyncpg.Pool, redis: Redis, subscriber: Subscriber, effects: Effects, world: World) -> FbsWorker:
    return FbsWorker(
        pool, redis, subscriber, effects, VAULT, sweep_seconds=30, adapter_options=_options, limits=world.limits
    )


async def _uzum_orders(pool: asyncpg.Pool, effects: Effects, world: World, *products: int) -> list[int]:
    """Orders placed on Uzum's sandbox, one per product, and pulled in: our order ids."""
    keys = [str(world.uzum.buyer_orders({uzum_barcode(product): 1}, allow_oversell=True)["id"]) for product in products]
    async with pool.acquire() as conn:
        await pull_orders(conn, effects, world.connections["uzum"], world.adapter("uzum"))
        rows = await conn.fetch(
            "SELECT id, marketplace_order_id FROM orders WHERE marketplace_order_id = ANY($1::text[])", keys
        )
    ids = {row["marketplace_order_id"]: row["id"] for row in rows}
    return [ids[key] for key in keys]


async def _ask(
    pool: asyncpg.Pool,
    effects: Effects,
    world: World,
    kind: fbs.ActionKind,
    orders: list[int],
    reason: str | None = None,
    *,
    slug: str = "uzum",
) -> int:
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        return await fbs.request(
            unit,
            marketplace_id=world.connections[slug].marketplace_id,
            kind=kind,
            order_ids=orders,
            reason=reason,
        )


async def _work(pool: asyncpg.Pool, order_id: int) -> fbs.OrderWork:
    async with pool.acquire() as conn:
        work = await fbs.work_of(conn, order_id)
    assert work is not None
    return work


def test_core_names_the_platforms_with_fbs_work_and_their_cancel_reasons_as_their_adapters_do(world: World) -> None:
    for slug in PLATFORMS:
        adapter = world.adapter(slug)
        assert fbs.fulfils(slug) == isinstance(adapter, Fulfilment), slug
        if isinstance(adapter, Fulfilment):
            assert adapter.cancel_reasons == fbs.cancel_reasons(slug)


async def test_a_confirm_asked_in_chat_is_heard_done_on_the_platform_and_recorded(
    pool: asyncpg.Pool, redis: Redis, effects: Effects, world: World, worker: FbsWorker, shop: Shop
) -> None:
    [order_id] = await _uzum_orders(pool, effects, world, shop.phone)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    try:
        await asyncio.sleep(0.3)  # subscribed: the request wakes it, long before its 30 s sweep
        action_id = await _ask(pool, effects, world, "confirm", [order_id])
        told = await fbs.outcome(pool, redis, action_id, wait=10)
    finally:
        stop.set()
        await running
    assert told is not None and (told.state, told.error) == ("done", None)
    key = int(await pool.fetchval("SELECT marketplace_order_id FROM orders WHERE id = $1", order_id))
    assert world.uzum.orders[key].status == "PACKING"
    work = await _work(pool, order_id)
    assert work.state == "confirmed"
    assert work.deadline is not None and abs(work.deadline - world.uzum.orders[key].deliver_until) < timedelta(
        seconds=1
    )
    log = await pool.fetchrow(
        "SELECT sync_type, direction, trigger_type, status, items_processed FROM sync_logs WHERE sync_type LIKE 'fbs_%'"
    )
    assert dict(log) == {
        "sync_type": "fbs_confirm",
        "direction": "push",
        "trigger_type": "manual",
        "status": "success",
        "items_processed": 1,
    }


async def test_labels_of_two_orders_come_as_one_pdf_with_a_page_each(
    pool: asyncpg.Pool, redis: Redis, effects: Effects, world: World, worker: FbsWorker, shop: Shop
) -> None:
    orders = await _uzum_orders(pool, effects, world, shop.phone, shop.shirt)
    await _ask(pool, effects, world, "confirm", orders)
    async with aiohttp.ClientSession() as session:
        await worker.process_due(session)
        action_id = await _ask(pool, effects, world, "labels", orders)
        assert await worker.process_due(session) == 1
    told = await fbs.outcome(pool, redis, action_id, wait=0)
    assert told is not None and told.state == "done" and told.document is not None
    pages = PdfReader(BytesIO(told.document)).pages
    assert len(pages) == 2
    assert (round(float(pages[0].mediabox.width) * 25.4 / 72), round(float(pages[0].mediabox.height) * 25.4 / 72)) == (
        58,
        40,
    )
    assert told.filename == f"labels-uzum-{action_id}.pdf"


async def test_a_seller_cancel_is_done_there_and_gives_the_stock_back_here(
    pool: asyncpg.Pool, effects: Effects, world: World, worker: FbsWorker, shop: Shop
) -> None:
    [order_id] = await _uzum_orders(pool, effects, world, shop.phone)
    await push_due(pool, world.connections["uzum"], world.adapter("uzum"), trigger="scheduled")
    assert world.uzum.stock_of(uzum_barcode(shop.phone)) == 4
    await _ask(pool, effects, world, "cancel", [order_id], reason="no_package")
    async with aiohttp.ClientSession() as session:
        await worker.process_due(session)
    key = int(await pool.fetchval("SELECT marketplace_order_id FROM orders WHERE id = $1", order_id))
    assert (world.uzum.orders[key].status, world.uzum.orders[key].cancel_reason) == ("CANCELED", "OUT_OF_PACKAGE")
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 0)
        assert await conn.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "cancelled"
        assert await conn.fetchval("SELECT count(*) FROM inventory_movements WHERE movement_type = 'cancel'") == 1
    assert (await _work(pool, order_id)).state == "cancelled"
    await push_due(pool, world.connections["uzum"], world.adapter("uzum"), trigger="scheduled")
    assert world.uzum.stock_of(uzum_barcode(shop.phone)) == 5, "the stock that came back is pushed"


async def test_a_refusal_nobody_waits_for_is_recorded_and_told(
    pool: asyncpg.Pool, effects: Effects, world: World, worker: FbsWorker, shop: Shop
) -> None:
    [order_id] = await _uzum_orders(pool, effects, world, shop.phone)
    world.uzum.set_order_status(
        int(await pool.fetchval("SELECT marketplace_order_id FROM orders WHERE id = $1", order_id)), "CANCELED"
    )
    action_id = await _ask(pool, effects, world, "confirm", [order_id])
    async with aiohttp.ClientSession() as session:
        await worker.process_due(session)
    row = await pool.fetchrow("SELECT state, error FROM marketplace_actions WHERE id = $1", action_id)
    number = await pool.fetchval("SELECT order_number FROM orders WHERE id = $1", order_id)
    assert row["state"] == "failed" and row["error"].startswith(f"{number}: [fbs:refused:400] «seller-order-")
    alert = await pool.fetchval("SELECT payload FROM notifications WHERE kind = 'fbs_action_failed'")
    assert alert["action_id"] == action_id and alert["error"] == row["error"]
    assert await pool.fetchval("SELECT status FROM sync_logs WHERE sync_type = 'fbs_confirm'") == "error"
    assert (await _work(pool, order_id)).state == "new"


async def test_an_answer_to_a_cancellation_request_the_adapter_cannot_send_waits_for_an_answer_again(
    pool: asyncpg.Pool,
    effects: Effects,
    world: World,
    worker: FbsWorker,
    shop: Shop,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Uzum declared as if its buyers' cancellations waited for the seller: its adapter has no such capability.
    asking = dataclasses.replace(PLATFORMS["uzum"], cancellation_reasons_to_refuse=("in_delivery",))
    monkeypatch.setitem(PLATFORMS, "uzum", asking)
    [order_id] = await _uzum_orders(pool, effects, world, shop.phone)
    key = await pool.fetchval("SELECT marketplace_order_id FROM orders WHERE id = $1", order_id)
    async with pool.acquire() as conn:
        taken = await stock_of(conn, shop.phone)
        async with effects.transaction(conn) as unit:
            request = IncomingCancellationRequest(key)
            await cancellation_requests.record(
                unit, world.connections["uzum"].marketplace_id, request, heard_at=datetime.now(UTC)
            )
        request_id = await conn.fetchval("SELECT id FROM marketplace_cancellation_requests")
        async with effects.transaction(conn) as unit:
            action_id = await cancellation_requests.answer(unit, request_id, accept=True, refusal=None, actor_id=None)
    async with aiohttp.ClientSession() as session:
        assert await worker.process_due(session) == 1
    row = await pool.fetchrow("SELECT state, error FROM marketplace_actions WHERE id = $1", action_id)
    assert (row["state"], row["error"]) == ("failed", "[fbs:no_fbs]")
    assert await pool.fetchval("SELECT state FROM marketplace_cancellation_requests") == "pending"
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == taken, "nothing is cancelled here that the platform did not take"
    assert await pool.fetchval("SELECT status FROM sync_logs WHERE sync_type = 'fbs_answer_cancellation'") == "error"


async def test_the_platforms_cancel_of_an_order_past_its_deadline_is_told_as_missed(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    # Placed on Uzum 17 hours ago (its clock set back, then on again to now): its 16 hours to accept are gone.
    world.uzum.advance_clock(timedelta(hours=-17))
    [order_id] = await _uzum_orders(pool, effects, world, shop.phone)
    world.uzum.advance_clock(timedelta(hours=17))
    async with pool.acquire() as conn:
        await pull_orders(conn, effects, world.connections["uzum"], world.adapter("uzum"))
        assert await stock_of(conn, shop.phone) == (5, 0)
    missed = await pool.fetchval("SELECT payload FROM notifications WHERE kind = 'fbs_deadline_missed'")
    assert missed["order_id"] == order_id
    assert (await _work(pool, order_id)).state == "cancelled"


async def test_a_return_read_twice_is_stored_and_told_once_then_decided_through_the_ledger(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    world.uzum.add_return({uzum_barcode(shop.phone): 1}, type="DEFECTED")
    world.uzum.add_return({uzum_barcode(shop.shirt): 1})
    adapter = world.adapter("uzum")
    assert isinstance(adapter, Fulfilment)
    async with pool.acquire() as conn:
        first = await pull_returns(conn, effects, world.connections["uzum"], adapter)
        again = await pull_returns(conn, effects, world.connections["uzum"], adapter)
        assert (first.processed, again.processed) == (2, 0)
        assert await conn.fetchval("SELECT count(*) FROM notifications WHERE kind = 'return_arrived'") == 2
        returns = {
            row["product_id"]: (row["id"], row["defective"])
            for row in await conn.fetch("SELECT id, product_id, defective FROM marketplace_returns")
        }
        assert returns[shop.phone][1] and not returns[shop.shirt][1]
        async with effects.transaction(conn) as unit:
            await fbs.decide_return(unit, returns[shop.shirt][0], restock=True, reason=None, actor_id=None)
            await fbs.decide_return(unit, returns[shop.phone][0], restock=False, reason="broken", actor_id=None)
        assert await stock_of(conn, shop.shirt) == (11, 0)
        assert await stock_of(conn, shop.phone) == (5, 0)
        assert (
            await conn.fetchval("SELECT count(*) FROM sync_logs WHERE sync_type = 'returns' AND direction = 'pull'")
            == 2
        )


async def test_a_hand_over_marks_the_orders_handed_over_and_gives_the_invoices_acts_as_one_pdf(
    pool: asyncpg.Pool, redis: Redis, effects: Effects, world: World, worker: FbsWorker, shop: Shop
) -> None:
    orders = await _uzum_orders(pool, effects, world, shop.phone, shop.shirt)
    await _ask(pool, effects, world, "confirm", orders)
    async with aiohttp.ClientSession() as session:
        await worker.process_due(session)
        keys = [
            int(row["marketplace_order_id"])
            for row in await pool.fetch(
                "SELECT marketplace_order_id FROM orders WHERE id = ANY($1::int[]) ORDER BY id", orders
            )
        ]
        world.uzum.make_invoice([keys[0]])
        world.uzum.make_invoice([keys[1]])
        action_id = await _ask(pool, effects, world, "hand_over", orders)
        await worker.process_due(session)
    told = await fbs.outcome(pool, redis, action_id, wait=0)
    assert told is not None and (told.state, told.error) == ("done", None) and told.document is not None
    assert len(PdfReader(BytesIO(told.document)).pages) == 2, "each invoice's act"
    assert [(await _work(pool, order_id)).state for order_id in orders] == ["handed_over"] * 2
    async with pool.acquire() as conn:
        assert await fbs.pick_list(conn) == [] and await fbs.handover_candidates(conn) == []


async def test_wildberries_tasks_go_into_one_supply_print_and_are_handed_over_with_its_qr_code(
    pool: asyncpg.Pool, redis: Redis, effects: Effects, world: World, worker: FbsWorker, shop: Shop
) -> None:
    chrt = 40_000 + shop.shirt
    world.wb.stocks[world.wb.default_warehouse][chrt] = 10
    world.wb.buyer_orders({chrt: 2})
    async with pool.acquire() as conn:
        await pull_orders(conn, effects, world.connections["wildberries"], world.adapter("wildberries"))
    orders = [row["id"] for row in await pool.fetch("SELECT id FROM orders ORDER BY id")]
    assert len(orders) == 2
    async with aiohttp.ClientSession() as session:
        await _ask(pool, effects, world, "confirm", orders, slug="wildberries")
        await worker.process_due(session)
        [supply] = {(await _work(pool, order_id)).shipment for order_id in orders}
        assert supply in world.wb.supplies
        labels = await _ask(pool, effects, world, "labels", orders, slug="wildberries")
        handed = await _ask(pool, effects, world, "hand_over", orders, slug="wildberries")
        assert await worker.process_due(session) == 2
    printed, qr = [await fbs.outcome(pool, redis, action_id, wait=0) for action_id in (labels, handed)]
    assert printed is not None and printed.document is not None and qr is not None and qr.document is not None
    assert len(PdfReader(BytesIO(printed.document)).pages) == 2, "the stickers, PNG, a page each"
    assert len(PdfReader(BytesIO(qr.document)).pages) == 1, "the supply's QR code"
    assert world.wb.supplies[supply].done
    assert [(await _work(pool, order_id)).state for order_id in orders] == ["handed_over"] * 2


async def test_an_ozon_posting_is_shipped_and_labelled_and_another_cancelled_with_ozons_reason(
    pool: asyncpg.Pool, redis: Redis, effects: Effects, world: World, worker: FbsWorker, shop: Shop
) -> None:
    shipped, cancelled = (
        str(world.ozon.buyer_orders({"PH-1": 1}, allow_oversell=True)["posting_number"]) for _ in range(2)
    )
    async with pool.acquire() as conn:
        await pull_orders(conn, effects, world.connections["ozon"], world.adapter("ozon"))
    ids = {
        row["marketplace_order_id"]: row["id"]
        for row in await pool.fetch("SELECT id, marketplace_order_id FROM orders")
    }
    async with aiohttp.ClientSession() as session:
        await _ask(pool, effects, world, "confirm", [ids[shipped]], slug="ozon")
        await _ask(pool, effects, world, "cancel", [ids[cancelled]], reason="defective", slug="ozon")
        await worker.process_due(session)
        labels = await _ask(pool, effects, world, "labels", [ids[shipped]], slug="ozon")
        await worker.process_due(session)
    assert world.ozon.postings[shipped].status == "awaiting_deliver"
    assert world.ozon.postings[cancelled].status == "cancelled"
    assert world.ozon.requests_to("POST /v2/posting/fbs/cancel")[0].body["cancel_reason_id"] == 400
    printed = await fbs.outcome(pool, redis, labels, wait=0)
    assert printed is not None and printed.document is not None
    assert len(PdfReader(BytesIO(printed.document)).pages) == 1
    assert [(await _work(pool, ids[key])).state for key in (shipped, cancelled)] == ["confirmed", "cancelled"]
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (4, 0), "the cancelled posting's unit is back"


async def test_an_order_the_platform_cancelled_before_its_action_ran_is_not_sent_and_named_by_a_code(
    pool: asyncpg.Pool, effects: Effects, world: World, worker: FbsWorker, shop: Shop
) -> None:
    [order_id] = await _uzum_orders(pool, effects, world, shop.phone)
    action_id = await _ask(pool, effects, world, "confirm", [order_id])
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        await fbs.cancelled_by_platform(unit, order_id, "Uzum Market")
    async with aiohttp.ClientSession() as session:
        await worker.process_due(session)
    number = await pool.fetchval("SELECT order_number FROM orders WHERE id = $1", order_id)
    error = await pool.fetchval("SELECT error FROM marketplace_actions WHERE id = $1", action_id)
    assert error == f"{number}: [fbs:order_moved_on:cancelled]", "a token the bot words, not our English"
    key = int(await pool.fetchval("SELECT marketplace_order_id FROM orders WHERE id = $1", order_id))
    assert world.uzum.orders[key].status != "PACKING", "not sent to the platform"
