"""Sales on the marketplaces reach our one stock exactly once: orders, cancellations, stock_diff, prices, drift."""

import asyncio
from decimal import Decimal

import asyncpg
import pytest
from redis.asyncio import Redis

from core import fbs
from core.marketplace_orders import open_order_keys
from core.unit_of_work import Effects
from sync.pull import PullRun, pull_orders, pull_prices, pull_stock_diff, reconcile
from sync.puller import MarketplacePuller
from sync.push import push_due
from tests.builders import Shop, stock_of
from tests.sync.markets import buyer_cancels, buyer_orders, buyer_receives, courier_takes, edit_in_cabinet, their_stock
from tests.sync.world import SLUGS, UZUM_SKU_TITLE, VAULT, World, uzum_barcode, yandex_market_sku


@pytest.fixture(autouse=True)
async def in_sync(pool: asyncpg.Pool, world: World) -> None:
    """The marketplaces start with our stock."""
    for slug in SLUGS:
        await push_due(pool, world.connections[slug], world.adapter(slug), trigger="scheduled")


async def _pull(pool: asyncpg.Pool, effects: Effects, world: World, slug: str) -> PullRun:
    async with pool.acquire() as conn:
        return await pull_orders(conn, effects, world.connections[slug], world.adapter(slug))


async def _orders(pool: asyncpg.Pool, marketplace_id: int) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT id, marketplace_order_id, status, total, total_commission FROM orders"
        " WHERE marketplace_id = $1 ORDER BY id",
        marketplace_id,
    )


@pytest.mark.parametrize("slug", SLUGS)
async def test_an_order_is_imported_once_and_its_cancellation_gives_the_stock_back_once(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop, slug: str
) -> None:
    key = buyer_orders(world, slug, shop.shirt, "CL-1", 1)
    run = await _pull(pool, effects, world, slug)
    again = await _pull(pool, effects, world, slug)
    assert (run.status, run.processed, again.processed) == ("success", 1, 0)
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.shirt) == (9, 0)
    buyer_cancels(world, slug, key)
    await _pull(pool, effects, world, slug)
    await _pull(pool, effects, world, slug)
    [order] = await _orders(pool, world.connections[slug].marketplace_id)
    assert (order["marketplace_order_id"], order["status"]) == (key, "cancelled")
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.shirt) == (10, 0)
        assert await conn.fetchval("SELECT count(*) FROM inventory_movements WHERE movement_type = 'cancel'") == 1


@pytest.mark.parametrize("slug", SLUGS)
async def test_an_order_the_courier_took_without_a_hand_over_from_chat_is_shipped_then_delivered_then_left_alone(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop, slug: str
) -> None:
    """The seller did the order's steps in the platform's cabinet, none from chat: the platform's word moves the
    order on, its FBS work ends (no reminder, nothing to pick or hand over), and once delivered it is asked about
    no more."""
    key = buyer_orders(world, slug, shop.shirt, "CL-1", 1)
    await _pull(pool, effects, world, slug)
    marketplace_id = world.connections[slug].marketplace_id
    assert await pool.fetchval("SELECT state FROM marketplace_order_work") == "new"
    courier_takes(world, slug, key)

    took = await _pull(pool, effects, world, slug)

    assert (took.status, took.processed) == ("success", 1)
    order = await pool.fetchrow(
        "SELECT o.status, w.state FROM orders o JOIN marketplace_order_work w ON w.order_id = o.id"
        " WHERE o.marketplace_order_id = $1",
        key,
    )
    assert tuple(order) == ("shipped", "handed_over")
    async with pool.acquire() as conn:
        assert await fbs.pick_list(conn) == [] and await fbs.handover_candidates(conn) == []
        assert await stock_of(conn, shop.shirt) == (9, 0), "its unit was sold once, when it was placed"
    buyer_receives(world, slug, key)

    delivered = await _pull(pool, effects, world, slug)

    assert (delivered.status, delivered.processed) == ("success", 1)
    assert await pool.fetchval("SELECT status FROM orders WHERE marketplace_order_id = $1", key) == "delivered"
    async with pool.acquire() as conn:
        assert await open_order_keys(conn, marketplace_id) == [], "a delivered order is asked about no more"
        assert await stock_of(conn, shop.shirt) == (9, 0)


async def test_a_yandex_order_line_is_priced_per_unit_from_its_line_total_in_roubles(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    """An item's prices.payment is the line's total (YM-OAS ItemPriceDTO.yaml), in RUR, which is RUB."""
    key = buyer_orders(world, "yandex", shop.phone, "PH-1", 2)
    [order] = await world.adapter("yandex").incoming_orders(None)
    [line] = order.lines
    assert (order.key, order.currency, line.quantity, line.price) == (key, "RUB", 2, Decimal("1000.00"))
    assert order.deadline is not None and order.placed_at is not None and order.deadline > order.placed_at
    await _pull(pool, effects, world, "yandex")
    [imported] = await _orders(pool, world.connections["yandex"].marketplace_id)
    assert imported["total"] == Decimal("2000.00")


async def test_an_uzum_order_is_imported_once_with_its_price_and_commission(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    placed = world.uzum.buyer_orders({uzum_barcode(shop.phone): 2})
    run = await _pull(pool, effects, world, "uzum")
    again = await _pull(pool, effects, world, "uzum")
    assert (run.status, run.processed, again.processed) == ("success", 1, 0)
    [order] = await _orders(pool, world.connections["uzum"].marketplace_id)
    assert order["marketplace_order_id"] == str(placed["id"])
    assert order["total"] == Decimal("200000.00") and order["total_commission"] == Decimal("20000.00")
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (3, 0)
        assert await conn.fetchval("SELECT count(*) FROM inventory_movements WHERE movement_type = 'sale'") == 1


async def test_an_uzum_line_without_seller_code_is_matched_by_product_and_sku_title(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    """Uzum order items carry neither skuId nor barcode, and sellerSkuCode only when the seller set one (UZ-MD
    get-v2-fbs-orders.md; fidelity D1): the listing, mapped by skuId + barcode, is found through the productId and
    skuTitle its catalogue SKU has, learnt from the catalogue once the first such line arrives."""
    world.uzum.buyer_orders({uzum_barcode(shop.phone): 1})
    [item] = next(iter(world.uzum.orders.values())).lines
    assert item.sku.seller_sku_code is None
    run = await _pull(pool, effects, world, "uzum")
    assert (run.status, run.processed, run.failed) == ("success", 1, 0)
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (4, 0)
        learnt = await conn.fetchval(
            "SELECT k.value FROM listing_keys k JOIN marketplace_products mp ON mp.id = k.mapping_id"
            " WHERE mp.product_id = $1 AND k.name = 'product_sku' AND mp.marketplace_id = $2",
            shop.phone,
            world.connections["uzum"].marketplace_id,
        )
        assert learnt == f"{20_000 + shop.phone}:{UZUM_SKU_TITLE}"
        assert await conn.fetchval("SELECT count(*) FROM marketplace_order_problems") == 0
    catalogue_reads = len(world.uzum.requests_to("GET /v1/product/shop/1"))
    world.uzum.buyer_orders({uzum_barcode(shop.phone): 1})
    await _pull(pool, effects, world, "uzum")
    assert len(world.uzum.requests_to("GET /v1/product/shop/1")) == catalogue_reads, "a known pair asks nothing"


async def test_a_cancellation_on_the_marketplace_gives_the_stock_back_once(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    placed = world.uzum.buyer_orders({uzum_barcode(shop.shirt): 3})
    await _pull(pool, effects, world, "uzum")
    world.uzum.buyer_cancels(placed["id"])
    await _pull(pool, effects, world, "uzum")
    await _pull(pool, effects, world, "uzum")
    [order] = await _orders(pool, world.connections["uzum"].marketplace_id)
    assert order["status"] == "cancelled"
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.shirt) == (10, 0)
        assert await conn.fetchval("SELECT count(*) FROM inventory_movements WHERE movement_type = 'cancel'") == 1


async def test_wildberries_tasks_are_one_unit_each_and_cancellations_are_polled(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    tasks = world.wb.buyer_orders({40_000 + shop.shirt: 2})
    await _pull(pool, effects, world, "wildberries")
    orders = await _orders(pool, world.connections["wildberries"].marketplace_id)
    assert len(orders) == 2
    world.wb.buyer_cancels(tasks[0]["id"] if isinstance(tasks, list) else tasks["id"])
    await _pull(pool, effects, world, "wildberries")
    statuses = sorted(row["status"] for row in await _orders(pool, world.connections["wildberries"].marketplace_id))
    assert statuses == ["cancelled", "pending"]
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.shirt) == (9, 0)


async def test_an_ozon_posting_is_imported_by_offer_id(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    posting = world.ozon.buyer_orders({"PH-2": 1})
    await _pull(pool, effects, world, "ozon")
    [order] = await _orders(pool, world.connections["ozon"].marketplace_id)
    assert order["marketplace_order_id"] == posting["posting_number"]
    world.ozon.buyer_cancels(posting["posting_number"])
    await _pull(pool, effects, world, "ozon")
    assert (await _orders(pool, world.connections["ozon"].marketplace_id))[0]["status"] == "cancelled"


async def test_an_unmapped_line_is_kept_aside_and_alerted_once(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    world.uzum.load_catalog(
        [
            {
                "skuId": 99_999,
                "barcode": "4789999999999",
                "productId": 99_999,
                "price": 5000,
                "sellerSkuCode": "NOT-OURS",
                "amount": 10,
            }
        ]
    )
    world.uzum.buyer_orders({"NOT-OURS": 1, uzum_barcode(shop.phone): 1})
    for _ in range(2):
        run = await _pull(pool, effects, world, "uzum")
    assert run.status == "success" and run.processed == 0, "the second pull finds the order known"
    async with pool.acquire() as conn:
        problems = await conn.fetch("SELECT problem, line FROM marketplace_order_problems")
        alerts = await conn.fetchval("SELECT count(*) FROM notifications WHERE kind = 'marketplace_order_problem'")
        assert await stock_of(conn, shop.phone) == (4, 0), "the mapped line of the same order is still sold"
    assert [(p["problem"], p["line"]["seller_sku"]) for p in problems] == [("unmapped", "NOT-OURS")]
    assert alerts == 1


async def test_an_order_for_units_we_no_longer_have_is_kept_aside(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    await pool.execute("UPDATE inventory SET quantity = 0 WHERE product_id = $1", shop.telefon)
    world.wb.buyer_orders({40_000 + shop.telefon: 1})
    run = await _pull(pool, effects, world, "wildberries")
    assert run.status == "partial"
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT problem FROM marketplace_order_problems") == "out_of_stock"
        assert await conn.fetchval("SELECT count(*) FROM orders") == 0


async def test_stock_diff_mode_turns_their_stock_drop_into_a_marketplace_sale(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    placed = world.uzum.buyer_orders({uzum_barcode(shop.shirt): 3})
    async with pool.acquire() as conn:
        run = await pull_stock_diff(conn, effects, world.connections["uzum"], world.adapter("uzum"))
        sale = await conn.fetchrow(
            "SELECT movement_type, quantity_change, notes, marketplace_id"
            " FROM inventory_movements WHERE movement_type LIKE 'marketplace%'"
        )
        assert (run.status, run.processed) == ("success", 1)
        assert tuple(sale) == (
            "marketplace_sale",
            -3,
            "3 sold on Uzum Market",
            world.connections["uzum"].marketplace_id,
        )
        assert await stock_of(conn, shop.shirt) == (7, 0)
        due = await conn.fetchval(
            "SELECT count(*) FROM marketplace_products WHERE product_id = $1 AND stock_version > pushed_version",
            shop.shirt,
        )
        assert due == len(SLUGS), "the new truth goes to every channel"
        world.uzum.buyer_cancels(placed["id"])
        await pull_stock_diff(conn, effects, world.connections["uzum"], world.adapter("uzum"))
        back = await conn.fetchrow(
            "SELECT quantity_change, notes FROM inventory_movements WHERE movement_type = 'marketplace_return'"
        )
        assert tuple(back) == (3, "3 returned on Uzum Market")
        assert await stock_of(conn, shop.shirt) == (10, 0)


@pytest.mark.parametrize("slug", ["ozon", "yandex"])
async def test_prices_are_read_into_the_mapping_never_written(
    pool: asyncpg.Pool, world: World, shop: Shop, slug: str
) -> None:
    sandbox = world.ozon if slug == "ozon" else world.yandex
    sandbox.requests.clear()
    async with pool.acquire() as conn:
        run = await pull_prices(conn, world.connections[slug], world.adapter(slug))
        prices = await conn.fetch(
            "SELECT marketplace_price FROM marketplace_products mp JOIN marketplaces m"
            " ON m.id = mp.marketplace_id WHERE m.slug = $1",
            slug,
        )
    assert run.processed == 3 and {row["marketplace_price"] for row in prices} == {Decimal("1000.00")}
    campaign = world.yandex.default_campaign
    read = {"ozon": "POST /v5/product/info/prices", "yandex": f"POST /v2/campaigns/{campaign}/offer-prices"}[slug]
    sent = {f"{r.method} {r.path}" for r in sandbox.requests}
    assert sent == {read}, "nothing but a read of their prices is sent"


@pytest.mark.parametrize("slug", ["wildberries", "yandex"])
async def test_drift_is_detected_reported_and_fixed_by_the_next_push(
    pool: asyncpg.Pool, world: World, shop: Shop, slug: str
) -> None:
    edit_in_cabinet(world, slug, shop.phone, "PH-1", 42)
    async with pool.acquire() as conn:
        run = await reconcile(conn, world.connections[slug], world.adapter(slug))
        alert = await conn.fetchrow("SELECT payload FROM notifications WHERE kind = 'stock_drift'")
    assert (run.status, run.failed) == ("partial", 1)
    assert alert["payload"]["items"] == [{"product_id": shop.phone, "sku": "PH-1", "theirs": 42, "ours": 5}]
    await push_due(pool, world.connections[slug], world.adapter(slug), trigger="scheduled")
    assert their_stock(world, slug, shop.phone, "PH-1") == 5


async def test_a_yandex_order_held_on_their_side_is_no_drift(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    """Yandex moves an order's units from AVAILABLE to FREEZE: what we push and read back is the AVAILABLE."""
    buyer_orders(world, "yandex", shop.shirt, "CL-1", 2)
    await _pull(pool, effects, world, "yandex")
    await push_due(pool, world.connections["yandex"], world.adapter("yandex"), trigger="scheduled")
    async with pool.acquire() as conn:
        run = await reconcile(conn, world.connections["yandex"], world.adapter("yandex"))
    assert run.status == "success" and world.yandex.stock_of("CL-1") == 8 and world.yandex.reserved_of("CL-1") == 2


async def test_yandex_market_skus_are_learnt_from_its_catalogue(pool: asyncpg.Pool, world: World, shop: Shop) -> None:
    from sync.pull import learn_keys

    async with pool.acquire() as conn:
        assert await learn_keys(conn, world.connections["yandex"], world.adapter("yandex")) == 3
        learnt = await conn.fetchval(
            "SELECT k.value FROM listing_keys k JOIN marketplace_products mp ON mp.id = k.mapping_id"
            " WHERE mp.product_id = $1 AND k.name = 'market_sku' AND mp.marketplace_id = $2",
            shop.phone,
            world.connections["yandex"].marketplace_id,
        )
    assert learnt == str(yandex_market_sku(shop.phone))


async def test_reconcile_never_raises_stock_sold_there_in_lines_we_could_not_place(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    """An Uzum sale whose line matched none of our listings lowered Uzum's count but not ours: pushing ours back
    would sell those units again. The drift is held and the alert says why."""
    world.uzum.load_catalog(
        [{"skuId": 99_999, "barcode": "4789999999999", "productId": 99_999, "price": 5000, "amount": 10}]
    )
    world.uzum.buyer_orders({"4789999999999": 1})
    world.uzum.skus[10_000 + shop.phone].amount -= 2  # sold there through a line we cannot read either
    await _pull(pool, effects, world, "uzum")
    async with pool.acquire() as conn:
        run = await reconcile(conn, world.connections["uzum"], world.adapter("uzum"))
        alert = await conn.fetchval("SELECT payload FROM notifications WHERE kind = 'stock_drift'")
        due = await conn.fetchval("SELECT count(*) FROM marketplace_products WHERE stock_version > pushed_version")
    assert run.status == "partial" and "not raised" in (run.error or "")
    assert alert["held"] == [{"product_id": shop.phone, "sku": "PH-1", "theirs": 3, "ours": 5}]
    assert alert["count"] == 0 and alert["unplaced_lines"] == 1
    assert due == 0
    await push_due(pool, world.connections["uzum"], world.adapter("uzum"), trigger="scheduled")
    assert world.uzum.stock_of(uzum_barcode(shop.phone)) == 3


async def test_less_there_by_exactly_our_open_orders_from_there_is_no_drift(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    """A platform that keeps our open orders' units reserved shows that much less than we pushed: not drift."""
    world.wb.buyer_orders({40_000 + shop.shirt: 2})
    await _pull(pool, effects, world, "wildberries")
    await push_due(pool, world.connections["wildberries"], world.adapter("wildberries"), trigger="scheduled")
    world.wb.stocks[world.wb.default_warehouse][40_000 + shop.shirt] -= 2  # it reserves them on top
    async with pool.acquire() as conn:
        run = await reconcile(conn, world.connections["wildberries"], world.adapter("wildberries"))
        alerts = await conn.fetchval("SELECT count(*) FROM notifications WHERE kind = 'stock_drift'")
    assert (run.status, alerts) == ("success", 0)


async def test_units_taken_there_by_an_order_kept_aside_are_pushed_back_even_when_they_equal_our_open_orders(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    """An Uzum order asking for more phones than we have is kept aside, but Uzum took its shirt too: a shirt count
    lower by one, like our one open shirt order from there, is that kept-aside unit, so the truth goes back."""
    world.uzum.buyer_orders({uzum_barcode(shop.shirt): 1})
    await _pull(pool, effects, world, "uzum")
    await push_due(pool, world.connections["uzum"], world.adapter("uzum"), trigger="scheduled")
    world.uzum.buyer_orders({uzum_barcode(shop.shirt): 1, uzum_barcode(shop.phone): 6}, allow_oversell=True)
    await _pull(pool, effects, world, "uzum")
    assert world.uzum.stock_of(uzum_barcode(shop.shirt)) == 8
    async with pool.acquire() as conn:
        run = await reconcile(conn, world.connections["uzum"], world.adapter("uzum"))
    assert run.status == "partial"
    await push_due(pool, world.connections["uzum"], world.adapter("uzum"), trigger="scheduled")
    assert world.uzum.stock_of(uzum_barcode(shop.shirt)) == 9
    assert world.uzum.stock_of(uzum_barcode(shop.phone)) == 5


async def test_two_replicas_pull_each_marketplace_once_per_interval(
    pool: asyncpg.Pool, redis: Redis, world: World, shop: Shop
) -> None:
    world.uzum.buyer_orders({uzum_barcode(shop.phone): 1})
    fast = {"requests_per_second": 200.0}
    replicas = [MarketplacePuller(pool, redis, Effects(redis), VAULT, adapter_options=lambda c: fast) for _ in range(2)]
    connection = world.connections["uzum"]
    await asyncio.gather(*(replica.pull_due(connection, world.session) for replica in replicas))
    await asyncio.gather(*(replica.pull_due(connection, world.session) for replica in replicas))
    async with pool.acquire() as conn:
        kinds = [
            row["sync_type"]
            for row in await conn.fetch(
                "SELECT sync_type FROM sync_logs WHERE direction = 'pull' AND marketplace_id = $1 ORDER BY id",
                connection.marketplace_id,
            )
        ]
        imported = await conn.fetchval(
            "SELECT count(*) FROM orders WHERE marketplace_id = $1", connection.marketplace_id
        )
    assert sorted(kinds) == ["orders", "price", "reconcile", "returns"], "each pull ran once across both replicas"
    assert imported == 1
