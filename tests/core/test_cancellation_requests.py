"""A buyer's request to cancel a marketplace order, the core: recorded and told once, answered once through the FBS
action queue, and an accepted request that the platform takes cancels our order with its stock back exactly once.
The platform is made up (tests/tiny_platform.py, declared with the reasons it takes to refuse): no adapter here,
the worker's side is played by its core calls."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from core import cancellation_requests, fbs, marketplace_orders
from core.cancellation_requests import IncomingCancellationRequest
from core.errors import ValidationError
from core.listings import PLATFORMS
from core.marketplace_orders import IncomingLine, IncomingOrder
from core.unit_of_work import Effects
from tests.builders import Shop, map_product, stock_of
from tests.tiny_platform import TINY

ASKING = dataclasses.replace(TINY, cancellation_reasons_to_refuse=("in_delivery", "delivered"))


@pytest.fixture
async def tiny(pool: asyncpg.Pool, shop: Shop, monkeypatch: pytest.MonkeyPatch) -> int:
    """A platform whose buyers' cancellations wait for the seller's answer, the phone listed there."""
    monkeypatch.setitem(PLATFORMS, ASKING.api_type, ASKING)
    async with pool.acquire() as conn:
        marketplace_id = await conn.fetchval(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type) VALUES ('Tiny Market', 'tiny', 'api',"
            " 'tiny') RETURNING id"
        )
        await map_product(conn, shop.phone, marketplace_id, "t-phone")
    return int(marketplace_id)


async def _import(pool: asyncpg.Pool, effects: Effects, marketplace_id: int, key: str, phones: int = 2) -> int:
    order = IncomingOrder(key, (IncomingLine(phones, seller_sku="PH-1", title="Samsung"),))
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        imported = await marketplace_orders.import_order(unit, marketplace_id, order)
    assert imported.order_id is not None
    return imported.order_id


async def _record(
    pool: asyncpg.Pool,
    effects: Effects,
    marketplace_id: int,
    key: str,
    *,
    heard_at: datetime | None = None,
    reason: str | None = "Передумал",
) -> bool:
    asked = IncomingCancellationRequest(key, None, reason)
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        return await cancellation_requests.record(unit, marketplace_id, asked, heard_at=heard_at or datetime.now(UTC))


async def _request_id(pool: asyncpg.Pool, key: str) -> int:
    return int(await pool.fetchval("SELECT id FROM marketplace_cancellation_requests WHERE order_key = $1", key))


async def _answer(
    pool: asyncpg.Pool, effects: Effects, request_id: int, *, accept: bool, refusal: str | None = None
) -> int:
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        return await cancellation_requests.answer(unit, request_id, accept=accept, refusal=refusal, actor_id=None)


async def _platform_takes_the_answer(pool: asyncpg.Pool, effects: Effects) -> None:
    """The FBS worker's side: the oldest action claimed, the platform's yes recorded with what it changes here."""
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        action = await fbs.claim(unit)
        assert action is not None and action.kind == "answer_cancellation"
        for order in action.orders:
            await cancellation_requests.settled(unit, order.order_id, "Tiny Market")
        await fbs.finish(unit, action.id)


async def _alerts(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT payload FROM notifications WHERE kind = 'fbs_cancellation_requested' ORDER BY id")


async def test_a_request_is_recorded_and_told_once_however_often_it_is_heard(
    pool: asyncpg.Pool, effects: Effects, tiny: int
) -> None:
    order_id = await _import(pool, effects, tiny, "YM-1")
    assert await _record(pool, effects, tiny, "YM-1") is True
    assert await _record(pool, effects, tiny, "YM-1") is False
    assert await _record(pool, effects, tiny, "YM-1", reason=None) is False
    [alert] = await _alerts(pool)
    payload = alert["payload"]
    assert (payload["order_id"], payload["marketplace_order_id"], payload["reason"]) == (order_id, "YM-1", "Передумал")
    assert [(item["name"], item["quantity"]) for item in payload["items"]] == [("Samsung Galaxy smartfoni", 2)]
    state = await pool.fetchval("SELECT state FROM marketplace_cancellation_requests WHERE order_id = $1", order_id)
    assert state == "pending"


async def test_a_request_for_an_order_we_do_not_hold_or_that_is_over_is_not_recorded(
    pool: asyncpg.Pool, effects: Effects, tiny: int
) -> None:
    await _import(pool, effects, tiny, "YM-2")
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        await marketplace_orders.cancel_imported(unit, tiny, "YM-2", "Tiny Market")
    assert await _record(pool, effects, tiny, "YM-unknown") is False
    assert await _record(pool, effects, tiny, "YM-2") is False
    assert await _alerts(pool) == []


async def test_an_answer_queues_one_action_and_a_second_answer_is_refused(
    pool: asyncpg.Pool, effects: Effects, tiny: int
) -> None:
    order_id = await _import(pool, effects, tiny, "YM-3")
    await _record(pool, effects, tiny, "YM-3")
    request_id = await _request_id(pool, "YM-3")
    action_id = await _answer(pool, effects, request_id, accept=True)
    with pytest.raises(ValidationError) as refused:
        await _answer(pool, effects, request_id, accept=False, refusal="in_delivery")
    assert refused.value.field == "state"
    actions = await pool.fetch("SELECT id, kind, order_ids, reason, state FROM marketplace_actions")
    assert [tuple(row) for row in actions] == [(action_id, "answer_cancellation", [order_id], None, "pending")]
    assert await pool.fetchval("SELECT state FROM marketplace_cancellation_requests") == "accepted"


async def test_a_refusal_needs_a_reason_the_platform_takes(pool: asyncpg.Pool, effects: Effects, tiny: int) -> None:
    await _import(pool, effects, tiny, "YM-4")
    await _record(pool, effects, tiny, "YM-4")
    request_id = await _request_id(pool, "YM-4")
    for wrong in (None, "out_of_stock"):
        with pytest.raises(ValidationError) as refused:
            await _answer(pool, effects, request_id, accept=False, refusal=wrong)
        assert refused.value.field == "reason"
    assert await pool.fetchval("SELECT count(*) FROM marketplace_actions") == 0, "nothing queued for a wrong reason"
    await _answer(pool, effects, request_id, accept=False, refusal="delivered")
    assert await pool.fetchval("SELECT reason FROM marketplace_actions") == "delivered"


async def test_an_accepted_request_cancels_the_order_and_gives_the_stock_back_once_when_the_platform_takes_it(
    pool: asyncpg.Pool, effects: Effects, tiny: int, shop: Shop
) -> None:
    order_id = await _import(pool, effects, tiny, "YM-5", phones=2)
    async with pool.acquire() as conn:
        taken = await stock_of(conn, shop.phone)
    await _record(pool, effects, tiny, "YM-5")
    await _answer(pool, effects, await _request_id(pool, "YM-5"), accept=True)
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == taken, "nothing moves before the platform takes the answer"
    await _platform_takes_the_answer(pool, effects)
    async with pool.acquire() as conn:
        back = await stock_of(conn, shop.phone)
        assert back == (5, 0) and back != taken
        assert await conn.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "cancelled"
        work = await fbs.work_of(conn, order_id)
        assert work is not None and work.state == "cancelled"
        # The platform's own word of the cancel (its notification, the next pull) comes after: nothing moves again.
        async with effects.transaction(conn) as unit:
            await marketplace_orders.cancel_imported(unit, tiny, "YM-5", "Tiny Market")
        assert await stock_of(conn, shop.phone) == back
        cancels = await conn.fetchval(
            "SELECT count(*) FROM inventory_movements WHERE movement_type = 'cancel' AND product_id = $1", shop.phone
        )
    assert cancels == 1


async def test_an_order_out_with_the_shops_courier_counts_back_when_its_accepted_cancel_is_heard_first(
    pool: asyncpg.Pool, effects: Effects, tiny: int, shop: Shop
) -> None:
    """Handed over to the shop's own courier, who brings it back: the platform's cancel, heard before our record of
    the answer is settled, already gives the units back (there is no platform return to wait for)."""
    order_id = await _import(pool, effects, tiny, "YM-6", phones=2)
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        await fbs.confirmed(unit, order_id, None, None)
        await fbs.handed_over(unit, [order_id], None)
    await _record(pool, effects, tiny, "YM-6")
    await _answer(pool, effects, await _request_id(pool, "YM-6"), accept=True)
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:  # the pull read the platform's cancel first
            await marketplace_orders.cancel_imported(unit, tiny, "YM-6", "Tiny Market")
        assert await stock_of(conn, shop.phone) == (5, 0)
    await _platform_takes_the_answer(pool, effects)
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 0), "once"
    told = await pool.fetchval("SELECT count(*) FROM notifications WHERE kind = 'marketplace_order_problem'")
    assert told == 0, "nothing comes back as a return"


async def test_a_refused_request_keeps_the_order_and_its_stock(
    pool: asyncpg.Pool, effects: Effects, tiny: int, shop: Shop
) -> None:
    order_id = await _import(pool, effects, tiny, "YM-6")
    async with pool.acquire() as conn:
        taken = await stock_of(conn, shop.phone)
    await _record(pool, effects, tiny, "YM-6")
    await _answer(pool, effects, await _request_id(pool, "YM-6"), accept=False, refusal="in_delivery")
    await _platform_takes_the_answer(pool, effects)
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == taken
        assert await conn.fetchval("SELECT status FROM orders WHERE id = $1", order_id) != "cancelled"
        row = await conn.fetchrow("SELECT state, refusal, settled_at FROM marketplace_cancellation_requests")
    assert (row["state"], row["refusal"]) == ("rejected", "in_delivery") and row["settled_at"] is not None


async def test_an_answer_the_platform_did_not_take_waits_for_an_answer_again(
    pool: asyncpg.Pool, effects: Effects, tiny: int
) -> None:
    order_id = await _import(pool, effects, tiny, "YM-7")
    await _record(pool, effects, tiny, "YM-7")
    request_id = await _request_id(pool, "YM-7")
    first = await _answer(pool, effects, request_id, accept=True)
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        action = await fbs.claim(unit)
        assert action is not None and action.id == first
        await cancellation_requests.unsettled(unit, [order_id])
        await fbs.finish(unit, action.id, error=fbs.refusal("unreachable"))
    assert await pool.fetchval("SELECT state FROM marketplace_cancellation_requests") == "pending"
    second = await _answer(pool, effects, request_id, accept=False, refusal="in_delivery")
    assert second != first


async def test_a_buyer_asking_again_after_a_settled_refusal_is_told_again_but_a_stale_hearing_is_not(
    pool: asyncpg.Pool, effects: Effects, tiny: int
) -> None:
    await _import(pool, effects, tiny, "YM-8")
    before = datetime.now(UTC) - timedelta(seconds=1)
    await _record(pool, effects, tiny, "YM-8")
    await _answer(pool, effects, await _request_id(pool, "YM-8"), accept=False, refusal="in_delivery")
    await _platform_takes_the_answer(pool, effects)
    # A pull that read the platform before the refusal reached it still saw the old request.
    assert await _record(pool, effects, tiny, "YM-8", heard_at=before) is False
    assert await _record(pool, effects, tiny, "YM-8", reason="Долго везут") is True
    assert [alert["payload"]["reason"] for alert in await _alerts(pool)] == ["Передумал", "Долго везут"]
    assert await pool.fetchval("SELECT state FROM marketplace_cancellation_requests") == "pending"
