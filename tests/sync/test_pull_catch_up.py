"""Orders that moved on while we were not pulling still reach our one stock, once; cancellations are asked
about cheaply (marketplace-fidelity.md D4, D7, D10)."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from core.unit_of_work import Effects
from sync.pull import PullRun, pull_orders
from sync.push import push_due
from tests.builders import Shop, stock_of
from tests.sync import markets
from tests.sync.world import SLUGS, World, uzum_barcode

PLATFORMS = SLUGS


@pytest.fixture(autouse=True)
async def in_sync(pool: asyncpg.Pool, world: World) -> None:
    """The marketplaces start with our stock."""
    for slug in PLATFORMS:
        await push_due(pool, world.connections[slug], world.adapter(slug), trigger="scheduled")


async def _pull(pool: asyncpg.Pool, effects: Effects, world: World, slug: str) -> PullRun:
    async with pool.acquire() as conn:
        return await pull_orders(conn, effects, world.connections[slug], world.adapter(slug))


async def _stopped_pulling(pool: asyncpg.Pool, world: World, slug: str, ago: timedelta) -> None:
    """Our last successful pull of this marketplace was that long ago (the process was down since)."""
    await pool.execute(
        "UPDATE marketplaces SET orders_pulled_at = $2 WHERE id = $1",
        world.connections[slug].marketplace_id,
        datetime.now(UTC) - ago,
    )


def _buyer_orders_a_phone(world: World, shop: Shop, slug: str, placed_at: datetime | None = None) -> str:
    """The platform's key of the new order."""
    return markets.buyer_orders(world, slug, shop.phone, "PH-1", 1, placed_at)


_moves_past_new = markets.moves_past_new
# Our status of an order after markets.moves_past_new: Uzum and Yandex have it on its way, Ozon delivered, and on
# Wildberries it is on a supply, still in the seller's hands.
MOVED_PAST_NEW_TO = {"uzum": "shipped", "wildberries": "pending", "ozon": "delivered", "yandex": "shipped"}


async def _sales(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("SELECT count(*) FROM inventory_movements WHERE movement_type = 'sale'")


@pytest.mark.parametrize("slug", PLATFORMS)
async def test_an_order_that_left_new_while_we_were_not_pulling_is_imported_and_sold_once(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop, slug: str
) -> None:
    await _pull(pool, effects, world, slug)
    await _stopped_pulling(pool, world, slug, timedelta(hours=3))
    placed_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    key = _buyer_orders_a_phone(world, shop, slug, placed_at)
    _moves_past_new(world, slug, key)

    run = await _pull(pool, effects, world, slug)
    again = await _pull(pool, effects, world, slug)

    # Imported, and moved on to where the platform has it (one more step of the run's work when it moved).
    followed = MOVED_PAST_NEW_TO[slug]
    assert (run.status, run.processed, again.processed) == ("success", 1 + (followed != "pending"), 0)
    order = await pool.fetchrow(
        "SELECT marketplace_order_id, order_date, status FROM orders WHERE marketplace_id = $1",
        world.connections[slug].marketplace_id,
    )
    assert tuple(order) == (key, placed_at, followed), "the order counts on the day the buyer placed it"
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (4, 0)
    assert await _sales(pool) == 1


@pytest.mark.parametrize("slug", PLATFORMS)
async def test_a_catch_up_that_lists_known_orders_again_imports_nothing_twice(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop, slug: str
) -> None:
    key = _buyer_orders_a_phone(world, shop, slug)
    await _pull(pool, effects, world, slug)
    _moves_past_new(world, slug, key)
    catch_up = await world.adapter(slug).incoming_orders(datetime.now(UTC) - timedelta(hours=1))
    assert key in {order.key for order in catch_up}, "the catch-up lists the order we already hold"

    run = await _pull(pool, effects, world, slug)

    # Nothing imported; only a move of the order's status when the platform has it past the seller's part.
    assert (run.status, run.processed) == ("success", int(MOVED_PAST_NEW_TO[slug] != "pending"))
    assert await pool.fetchval("SELECT count(*) FROM orders") == 1
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (4, 0)
    assert await _sales(pool) == 1


@pytest.mark.parametrize("slug", ["wildberries", "ozon", "yandex"])
async def test_an_order_cancelled_before_we_first_saw_it_is_not_imported(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop, slug: str
) -> None:
    await _pull(pool, effects, world, slug)
    key = _buyer_orders_a_phone(world, shop, slug)
    markets.buyer_cancels(world, slug, key)

    run = await _pull(pool, effects, world, slug)

    assert (run.status, run.processed, run.failed) == ("success", 0, 0), "nothing to take, and nothing failed"
    assert await pool.fetchval("SELECT count(*) FROM orders") == 0
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 0)
    assert await _sales(pool) == 0


async def test_uzum_cancellations_are_asked_for_since_the_oldest_open_order_only(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    now = datetime.now(UTC)
    for _ in range(60):  # more than a page (50) of the shop's old cancellation history
        old = world.uzum.buyer_orders({uzum_barcode(shop.shirt): 1}, created_at=now - timedelta(days=90))
        world.uzum.buyer_cancels(old["id"])
    recent = world.uzum.buyer_orders({uzum_barcode(shop.phone): 1}, created_at=now - timedelta(days=2))
    await _pull(pool, effects, world, "uzum")
    world.uzum.buyer_cancels(recent["id"])
    world.uzum.requests.clear()

    run = await _pull(pool, effects, world, "uzum")

    assert (run.status, run.processed) == ("success", 1)
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (5, 0), "the recent cancellation gave the phone back"
    asked = [
        r.query
        for r in world.uzum.requests_to("GET /v2/fbs/orders")
        if r.query["status"][0] in ("CANCELED", "PENDING_CANCELLATION")
    ]
    assert [q["status"][0] for q in asked] == ["CANCELED", "PENDING_CANCELLATION"], "one page each"
    date_from = {int(q["dateFrom"][0]) for q in asked}
    assert len(date_from) == 1
    [start] = date_from
    assert old["dateCreated"] < start <= recent["dateCreated"], "the old cancellations lie outside the window"


async def test_uzum_is_asked_whether_orders_left_only_since_the_oldest_one_still_here(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    """An order on its way for a week keeps the delivered and cancelled lists a week long; the four lists that say
    an order left are asked from the oldest order still in the warehouse, and not at all when none is."""
    now = datetime.now(UTC)
    away = world.uzum.buyer_orders({uzum_barcode(shop.shirt): 1}, created_at=now - timedelta(days=7))
    await _pull(pool, effects, world, "uzum")
    world.uzum.set_order_status(away["id"], "DELIVERING")
    await _pull(pool, effects, world, "uzum")
    assert await pool.fetchval("SELECT status FROM orders") == "shipped"

    def asked() -> dict[str, set[int]]:
        """Each status asked about and from when, leaving out the work queue (no date) and the catch-up of orders
        placed since the last pull (minutes ago)."""
        catch_up = (datetime.now(UTC) - timedelta(minutes=30)).timestamp() * 1000
        found: dict[str, set[int]] = {}
        for request in world.uzum.requests_to("GET /v2/fbs/orders"):
            dated = request.query.get("dateFrom")
            if dated and int(dated[0]) < catch_up:
                found.setdefault(request.query["status"][0], set()).add(int(dated[0]))
        return found

    world.uzum.requests.clear()
    await _pull(pool, effects, world, "uzum")
    assert not set(asked()) & {"DELIVERING", "DELIVERED", "ACCEPTED_AT_DP", "DELIVERED_TO_CUSTOMER_DELIVERY_POINT"}
    assert asked()["COMPLETED"] == asked()["CANCELED"], "the one on its way may be delivered or cancelled"

    here = world.uzum.buyer_orders({uzum_barcode(shop.phone): 1}, created_at=now - timedelta(hours=1))
    await _pull(pool, effects, world, "uzum")
    world.uzum.requests.clear()
    await _pull(pool, effects, world, "uzum")
    [left_from] = asked()["DELIVERING"]
    [ended_from] = asked()["COMPLETED"]
    assert ended_from < away["dateCreated"] < left_from < here["dateCreated"]


async def test_an_ozon_posting_older_than_the_cancelled_list_is_checked_on_its_own(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    await _stopped_pulling(pool, world, "ozon", timedelta(days=41))
    old = world.ozon.buyer_orders({"PH-1": 1}, created_at=datetime.now(UTC) - timedelta(days=40))["posting_number"]
    world.ozon.set_order_status(old, "delivering")
    recent = world.ozon.buyer_orders({"CL-1": 1})["posting_number"]
    await _pull(pool, effects, world, "ozon")
    async with pool.acquire() as conn:
        assert await stock_of(conn, shop.phone) == (4, 0), "the catch-up imported the 40-day-old posting"
    assert await pool.fetchval("SELECT status FROM orders WHERE marketplace_order_id = $1", old) == "shipped"
    world.ozon.set_order_status(old, "cancelled")  # lost in delivery, cancelled by Ozon
    world.ozon.requests.clear()

    run = await _pull(pool, effects, world, "ozon")

    assert (run.status, run.processed) == ("success", 1)
    statuses = dict(await pool.fetch("SELECT marketplace_order_id, status FROM orders"))
    assert statuses == {old: "cancelled", recent: "pending"}
    async with pool.acquire() as conn:
        # Its goods left with the courier: a unit that comes back is a return an admin decides on, not this cancel.
        assert await stock_of(conn, shop.phone) == (4, 0)
    told = await pool.fetchval("SELECT payload FROM notifications WHERE kind = 'marketplace_order_problem'")
    assert (told["order"], told["problem"], told["status"]) == (old, "cancelled_after_shipping", "shipped")
    asked = [r.body["posting_number"] for r in world.ozon.requests_to("POST /v3/posting/fbs/get")]
    assert asked == [old], "only the posting the 30-day list cannot show is asked about on its own"
