"""FBS work from chat, the core: an imported order's work row and alert, the action queue's rules, waiting for an
answer, the pick list, deadline reminders and misses, a seller's cancel, and returns decided once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from redis.asyncio import Redis

from core import fbs, marketplace_orders
from core.errors import ValidationError
from core.marketplace_orders import IncomingLine, IncomingOrder
from core.unit_of_work import Effects
from tests.builders import Shop, map_product, stock_of


@pytest.fixture
async def uzum(pool: asyncpg.Pool, shop: Shop) -> int:
    """Uzum connected, the phone and the shirt listed there by their seller codes."""
    async with pool.acquire() as conn:
        marketplace_id = await conn.fetchval(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type) VALUES ('Uzum Market', 'uzum', 'api',"
            " 'uzum') RETURNING id"
        )
        await map_product(conn, shop.phone, marketplace_id, "u-phone")
        await map_product(conn, shop.shirt, marketplace_id, "u-shirt")
    return int(marketplace_id)


def _order(key: str, *, deadline: datetime | None, phones: int = 1, shirts: int = 0) -> IncomingOrder:
    lines = [IncomingLine(phones, seller_sku="PH-1", title="Samsung")] if phones else []
    lines += [IncomingLine(shirts, seller_sku="CL-1", title="Shirt")] if shirts else []
    return IncomingOrder(key, tuple(lines), deadline=deadline)


async def _import(pool: asyncpg.Pool, effects: Effects, marketplace_id: int, order: IncomingOrder) -> int:
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        imported = await marketplace_orders.import_order(unit, marketplace_id, order)
    assert imported.order_id is not None
    return imported.order_id


async def _kinds(pool: asyncpg.Pool) -> list[str]:
    return [row["kind"] for row in await pool.fetch("SELECT kind FROM notifications ORDER BY id")]


async def _request(
    pool: asyncpg.Pool,
    effects: Effects,
    marketplace_id: int,
    kind: fbs.ActionKind,
    *orders: int,
    reason: str | None = None,
) -> int:
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        return await fbs.request(unit, marketplace_id=marketplace_id, kind=kind, order_ids=orders, reason=reason)


async def test_an_imported_order_gets_its_work_row_and_is_told_with_its_deadline_once(
    pool: asyncpg.Pool, effects: Effects, uzum: int
) -> None:
    deadline = datetime.now(UTC) + timedelta(hours=3)
    order_id = await _import(pool, effects, uzum, _order("7001", deadline=deadline, shirts=2))
    await _import(pool, effects, uzum, _order("7001", deadline=deadline, shirts=2))
    async with pool.acquire() as conn:
        work = await fbs.work_of(conn, order_id)
    assert work is not None
    assert (work.state, work.deadline, work.marketplace_kind) == ("new", deadline, "uzum")
    assert work.cancel_reasons == ("out_of_stock", "no_package", "no_time", "other")
    assert await _kinds(pool) == ["fbs_order_arrived"], "instead of order_placed, once"
    payload = await pool.fetchval("SELECT payload FROM notifications")
    assert payload["marketplace_order_id"] == "7001"
    assert [(item["name"], item["quantity"]) for item in payload["items"]] == [
        ("Samsung Galaxy smartfoni", 1),
        ("Ko'ylak ruchka bilan", 2),
    ]


async def test_an_action_must_fit_the_orders_of_its_marketplace_and_their_state(
    pool: asyncpg.Pool, effects: Effects, uzum: int, shop: Shop
) -> None:
    order_id = await _import(pool, effects, uzum, _order("7001", deadline=None))
    with pytest.raises(ValidationError, match="cannot take labels"):
        await _request(pool, effects, uzum, "labels", order_id)
    with pytest.raises(ValidationError, match="not an order of this marketplace"):
        await _request(pool, effects, uzum, "confirm", order_id, order_id + 100)
    with pytest.raises(ValidationError, match="reason"):
        await _request(pool, effects, uzum, "cancel", order_id, reason="because")
    with pytest.raises(ValidationError, match="no FBS actions"):
        await _request(pool, effects, shop.own, "confirm", order_id)
    first = await _request(pool, effects, uzum, "confirm", order_id)
    assert await _request(pool, effects, uzum, "confirm", order_id) == first, "a second tap is the same action"
    with pytest.raises(ValidationError, match="still running"):
        await _request(pool, effects, uzum, "cancel", order_id, reason="out_of_stock")


async def _finish(pool: asyncpg.Pool, effects: Effects, redis: Redis, action_id: int, error: str | None) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            await fbs.finish(unit, action_id, error=error, document=b"%PDF-" if error is None else None)
        await fbs.tell_finished(conn, redis, action_id)


async def test_outcome_waits_for_the_answer_and_a_refusal_nobody_waits_for_becomes_an_alert(
    pool: asyncpg.Pool, redis: Redis, effects: Effects, uzum: int
) -> None:
    order_id = await _import(pool, effects, uzum, _order("7001", deadline=None))
    action_id = await _request(pool, effects, uzum, "confirm", order_id)
    assert await fbs.outcome(pool, redis, action_id, wait=0.1) is None

    async def answer_soon() -> None:
        await asyncio.sleep(0.2)
        await _finish(pool, effects, redis, action_id, "acceptUntil passed")

    clock = asyncio.get_running_loop().time()
    answering = asyncio.create_task(answer_soon())
    told = await fbs.outcome(pool, redis, action_id, wait=10)
    await answering
    assert asyncio.get_running_loop().time() - clock < 0.9, "heard at once, not after the re-read"
    assert told is not None and (told.state, told.error, told.order_ids) == (
        "failed",
        "acceptUntil passed",
        (order_id,),
    )
    assert "fbs_action_failed" not in await _kinds(pool), "its waiter tells it"

    unheard = await _request(pool, effects, uzum, "confirm", order_id)
    await _finish(pool, effects, redis, unheard, "the platform is down")
    failed = await pool.fetchrow("SELECT payload FROM notifications WHERE kind = 'fbs_action_failed'")
    assert failed["payload"]["error"] == "the platform is down"


async def test_the_pick_list_holds_the_confirmed_orders_not_handed_over(
    pool: asyncpg.Pool, effects: Effects, uzum: int
) -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    first = await _import(pool, effects, uzum, _order("7001", deadline=soon, phones=1, shirts=2))
    await _import(pool, effects, uzum, _order("7002", deadline=soon))
    handed = await _import(pool, effects, uzum, _order("7003", deadline=soon))
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            await fbs.confirmed(unit, first, "WB-GI-1", None)
            await fbs.confirmed(unit, handed, None, None)
            await fbs.handed_over(unit, [handed], None)
        [group] = await fbs.pick_list(conn)
        assert await fbs.handover_candidates(conn) == [(uzum, "Uzum Market", 1)]
        assert await conn.fetchval("SELECT status FROM orders WHERE id = $1", first) == "confirmed"
    [order] = group.orders
    assert (group.marketplace_name, order.order_id, order.marketplace_order_id) == ("Uzum Market", first, "7001")
    assert order.lines == (
        fbs.PickLine("CL-1", "Ko'ylak ruchka bilan", 2),
        fbs.PickLine("PH-1", "Samsung Galaxy smartfoni", 1),
    )


async def test_an_unconfirmed_order_is_reminded_once_before_its_deadline(
    pool: asyncpg.Pool, effects: Effects, uzum: int
) -> None:
    now = datetime.now(UTC)
    await _import(pool, effects, uzum, _order("near", deadline=now + timedelta(minutes=50)))
    await _import(pool, effects, uzum, _order("far", deadline=now + timedelta(hours=5)))
    await _import(pool, effects, uzum, _order("passed", deadline=now - timedelta(minutes=5)))
    await _import(pool, effects, uzum, _order("none", deadline=None))
    async with pool.acquire() as conn:
        assert await fbs.remind(conn, timedelta(hours=2)) == 1
        assert await fbs.remind(conn, timedelta(hours=2)) == 0
    reminded = await pool.fetchval("SELECT payload FROM notifications WHERE kind = 'fbs_deadline_near'")
    assert reminded["order_number"] == await pool.fetchval(
        "SELECT order_number FROM orders WHERE marketplace_order_id = 'near'"
    )


async def test_a_platform_cancel_after_a_missed_deadline_is_told_and_gives_the_stock_back(
    pool: asyncpg.Pool, effects: Effects, uzum: int, shop: Shop
) -> None:
    now = datetime.now(UTC)
    missed = await _import(pool, effects, uzum, _order("missed", deadline=now - timedelta(minutes=1)))
    await _import(pool, effects, uzum, _order("early", deadline=now + timedelta(hours=1)))
    async with pool.acquire() as conn:
        for key in ("missed", "early"):
            async with effects.transaction(conn) as unit:
                await marketplace_orders.cancel_imported(unit, uzum, key, "Uzum Market")
        assert await stock_of(conn, shop.phone) == (5, 0)
        work = await fbs.work_of(conn, missed)
    assert work is not None and work.state == "cancelled"
    told = await pool.fetch("SELECT payload FROM notifications WHERE kind = 'fbs_deadline_missed'")
    assert [row["payload"]["order_id"] for row in told] == [missed]


async def test_a_platform_cancel_after_the_hand_over_counts_the_goods_back_once_when_they_return(
    pool: asyncpg.Pool, effects: Effects, uzum: int, shop: Shop
) -> None:
    """The courier has the goods: the cancel gives nothing back at once (the admins are told it comes back as a
    return), and the return, restocked, puts the unit back once."""
    order_id = await _import(pool, effects, uzum, _order("7002", deadline=None))
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            await fbs.confirmed(unit, order_id, None, None)
            await fbs.handed_over(unit, [order_id], "act-1")
        for _ in range(2):  # the pull and the notification may both say so
            async with effects.transaction(conn) as unit:
                await marketplace_orders.cancel_imported(unit, uzum, "7002", "Uzum Market")
        assert await stock_of(conn, shop.phone) == (4, 0), "the unit is with the courier"
        assert await conn.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "cancelled"
        work = await fbs.work_of(conn, order_id)
    assert work is not None and work.state == "cancelled"
    told = await pool.fetch("SELECT payload FROM notifications WHERE kind = 'marketplace_order_problem'")
    assert [(row["payload"]["order"], row["payload"]["problem"]) for row in told] == [
        ("7002", "cancelled_after_shipping")
    ]
    assert await _store(pool, effects, uzum, "R-7002", shop.phone) == 1
    returned = await pool.fetchval("SELECT id FROM marketplace_returns WHERE return_key LIKE 'R-7002:%'")
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            await fbs.decide_return(unit, returned, restock=True, reason=None, actor_id=None)
        assert await stock_of(conn, shop.phone) == (5, 0), "back once, by the return"


async def test_a_seller_cancel_gives_the_stock_back_with_a_cancel_movement_and_marks_the_push(
    pool: asyncpg.Pool, effects: Effects, uzum: int, shop: Shop
) -> None:
    order_id = await _import(pool, effects, uzum, _order("7001", deadline=None, phones=2))
    async with pool.acquire() as conn:
        version = await conn.fetchval(
            "SELECT stock_version FROM marketplace_products WHERE product_id = $1", shop.phone
        )
        async with effects.transaction(conn) as unit:
            await fbs.cancelled_by_seller(unit, order_id, "Uzum Market", "out_of_stock", None)
        assert await stock_of(conn, shop.phone) == (5, 0)
        assert await conn.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == "cancelled"
        assert (
            await conn.fetchval(
                "SELECT quantity_change FROM inventory_movements WHERE movement_type = 'cancel' AND product_id = $1",
                shop.phone,
            )
            == 2
        )
        assert (
            await conn.fetchval("SELECT stock_version FROM marketplace_products WHERE product_id = $1", shop.phone)
            > version
        )


async def _store(pool: asyncpg.Pool, effects: Effects, uzum: int, key: str, product_id: int) -> int:
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        return await fbs.store_return(
            unit,
            uzum,
            key=key,
            order_key="7001",
            lines=[fbs.ReturnedLine(product_id, 1, "Samsung")],
            reason="брак",
            defective=True,
        )


async def test_a_return_is_stored_once_and_decided_once_back_to_stock_or_written_off(
    pool: asyncpg.Pool, effects: Effects, uzum: int, shop: Shop
) -> None:
    await _import(pool, effects, uzum, _order("7001", deadline=None, phones=2))
    assert await _store(pool, effects, uzum, "R-1", shop.phone) == 1
    assert await _store(pool, effects, uzum, "R-1", shop.phone) == 0
    assert await _store(pool, effects, uzum, "R-2", shop.phone) == 1
    arrived = await pool.fetch("SELECT payload FROM notifications WHERE kind = 'return_arrived' ORDER BY id")
    assert [row["payload"]["product_name"] for row in arrived] == ["Samsung Galaxy smartfoni"] * 2
    [restocked, written_off] = [row["id"] for row in await pool.fetch("SELECT id FROM marketplace_returns ORDER BY id")]
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            await fbs.decide_return(unit, restocked, restock=True, reason=None, actor_id=None)
        with pytest.raises(ValidationError, match="say why"):
            async with effects.transaction(conn) as unit:
                await fbs.decide_return(unit, written_off, restock=False, reason=" ", actor_id=None)
        async with effects.transaction(conn) as unit:
            await fbs.decide_return(unit, written_off, restock=False, reason="screen broken", actor_id=None)
        with pytest.raises(ValidationError, match="already decided") as decided:
            async with effects.transaction(conn) as unit:
                await fbs.decide_return(unit, restocked, restock=False, reason="changed my mind", actor_id=None)
        assert decided.value.field == "state", "the bot tells it apart from an item none of our products is"
        assert await stock_of(conn, shop.phone) == (4, 0)
        ledger = await conn.fetch(
            "SELECT movement_type, quantity_change, notes FROM inventory_movements"
            " WHERE reference_type = 'return' ORDER BY id"
        )
    assert [(row["movement_type"], row["quantity_change"]) for row in ledger] == [
        ("marketplace_return", 1),
        ("marketplace_return", 1),
        ("write_off", -1),
    ]
    assert ledger[2]["notes"].endswith("screen broken")


async def test_a_return_of_an_unknown_item_is_refused_a_restock_by_its_own_field(
    pool: asyncpg.Pool, effects: Effects, uzum: int
) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as unit:
            await fbs.store_return(
                unit,
                uzum,
                key="R-9",
                order_key=None,
                lines=[fbs.ReturnedLine(None, 1, "Unknown")],
                reason=None,
                defective=False,
            )
        return_id = await conn.fetchval("SELECT id FROM marketplace_returns")
        with pytest.raises(ValidationError) as unknown:
            async with effects.transaction(conn) as unit:
                await fbs.decide_return(unit, return_id, restock=True, reason=None, actor_id=None)
    assert unknown.value.field == "product_id"


async def test_a_paper_nobody_waited_for_is_alerted_and_kept_for_its_button(
    pool: asyncpg.Pool, redis: Redis, effects: Effects, uzum: int
) -> None:
    order_id = await _import(pool, effects, uzum, _order("7001", deadline=None))
    await pool.execute("UPDATE marketplace_order_work SET state = 'confirmed' WHERE order_id = $1", order_id)
    waited = await _request(pool, effects, uzum, "labels", order_id)

    async def answer_soon() -> None:
        await asyncio.sleep(0.2)
        await _finish(pool, effects, redis, waited, None)

    answering = asyncio.create_task(answer_soon())
    assert await fbs.outcome(pool, redis, waited, wait=10) is not None
    await answering
    assert "fbs_paper_ready" not in await _kinds(pool), "its waiter sends it"

    late = await _request(pool, effects, uzum, "labels", order_id)
    await _finish(pool, effects, redis, late, None)
    ready = await pool.fetchval("SELECT payload FROM notifications WHERE kind = 'fbs_paper_ready'")
    number = await pool.fetchval("SELECT order_number FROM orders WHERE id = $1", order_id)
    assert ready == {"action_id": late, "kind": "labels", "order_numbers": [number]}
    async with pool.acquire() as conn:
        kept = await fbs.paper(conn, late)
        assert kept is not None and kept.content == b"%PDF-" and kept.kind == "labels"
        assert await fbs.paper(conn, late + 1000) is None


async def test_work_of_names_the_platforms_order_number(pool: asyncpg.Pool, effects: Effects, uzum: int) -> None:
    order_id = await _import(pool, effects, uzum, _order("7001", deadline=None))
    async with pool.acquire() as conn:
        work = await fbs.work_of(conn, order_id)
    assert work is not None and work.marketplace_order_id == "7001"
