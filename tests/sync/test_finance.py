"""The platforms' own finance figures against the sandboxes: orders placed there and imported here turn from
estimated to actual with every fee kind the platform reported (the seller's own rows stay), a charge that names
no order becomes a cost of its day, reading the same period twice changes nothing, an order we do not hold is
counted, a refused read changes nothing, and each read is a row in sync_logs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from redis.asyncio import Redis

from core.unit_of_work import Effects
from demo.sandboxes.ozon_finance_api import ACCRUAL_TYPES
from demo.sandboxes.yandex_stats import COMMISSION_TYPES
from sync.adapter import Adapter, Finance
from sync.adapters import build_adapter
from sync.finance import daily_job, pull_finance
from sync.limiter import RateLimits
from sync.ozon_finance import accrual_kind
from sync.pull import pull_orders
from sync.yandex_finance import commission_kind
from tests.builders import Shop
from tests.sync.world import FAST_RETRY, VAULT, World, uzum_barcode, yandex_market_sku


@dataclass(frozen=True)
class Platform:
    slug: str
    # Places `count` orders on the sandbox and returns their keys.
    place: Callable[[World, Shop, int], list[str]]
    # Takes these orders as far as the platform's finance report needs them (sold, delivered).
    settle: Callable[[World, list[str]], None]
    # Books a charge that names no order (storage); None: the platform's figures name none (Yandex's order
    # statistics).
    charge_day: Callable[[World], None] | None
    # Every fee kind the sandbox reports for a placed order.
    kinds: frozenset[str]
    currency: str
    # The seller's key stops opening the platform; its refusal names this HTTP status.
    revoke: Callable[[World], None]
    refused: str


def _uzum_place(world: World, shop: Shop, count: int) -> list[str]:
    world.uzum.rules = replace(world.uzum.rules, logistic_fee_per_unit=4_000)
    return [
        str(world.uzum.buyer_orders({uzum_barcode(shop.phone): 1}, allow_oversell=True)["id"]) for _ in range(count)
    ]


def _uzum_settle(world: World, keys: list[str]) -> None:
    """Uzum's finance list has an order's items from the moment it is placed."""


def _uzum_charge(world: World) -> None:
    world.uzum.add_expense(25_000, name="Хранение товаров", source="STORAGE")


def _uzum_revoke(world: World) -> None:
    world.uzum.tokens.clear()


def _wb_place(world: World, shop: Shop, count: int) -> list[str]:
    # The report is read 1 a minute on WB; the sandbox lets this test read it at once.
    world.wb.rules = replace(world.wb.rules, rates={**world.wb.rules.rates, "statistics": (6_000, 100)})
    chrt = 40_000 + shop.shirt
    world.wb.stocks[world.wb.default_warehouse][chrt] = 10
    return [str(world.wb.buyer_orders({chrt: 1})[0]["id"]) for _ in range(count)]


def _wb_settle(world: World, keys: list[str]) -> None:
    for key in keys:
        world.wb.set_order_status(int(key), wb_status="sold")
        world.wb.charge("penalty", 150.0, day=date.today(), task_id=int(key))


def _wb_charge(world: World) -> None:
    world.wb.charge("storage_fee", 12.5, day=date.today())


def _wb_revoke(world: World) -> None:
    world.wb.tokens.clear()


def _ozon_place(world: World, shop: Shop, count: int) -> list[str]:
    return [
        str(world.ozon.buyer_orders({60_000 + shop.phone: 1}, allow_oversell=True)["posting_number"])
        for _ in range(count)
    ]


def _ozon_settle(world: World, keys: list[str]) -> None:
    for key in keys:
        world.ozon.set_order_status(key, "delivered")


def _ozon_charge(world: World) -> None:
    world.ozon.book("OperationMarketplaceServiceStorage", -310.0)


def _ozon_revoke(world: World) -> None:
    world.ozon.api_key = "a-key-ozon-no-longer-knows"


def _yandex_place(world: World, shop: Shop, count: int) -> list[str]:
    [offer] = [o.offer_id for o in world.yandex.offers.values() if o.market_sku == yandex_market_sku(shop.phone)]
    return [str(world.yandex.place_order({offer: 1}, allow_oversell=True)) for _ in range(count)]


def _yandex_settle(world: World, keys: list[str]) -> None:
    """Yandex bills an order's services from its creation (OrdersStatsCommissionDTO.actual)."""


def _yandex_revoke(world: World) -> None:
    world.yandex.api_key = "a-key-yandex-no-longer-knows"


PLATFORMS = [
    Platform(
        "uzum",
        _uzum_place,
        _uzum_settle,
        _uzum_charge,
        frozenset({"commission", "logistics"}),
        "UZS",
        _uzum_revoke,
        "401",
    ),
    Platform(
        "wildberries",
        _wb_place,
        _wb_settle,
        _wb_charge,
        frozenset({"commission", "acquiring", "logistics", "penalty"}),
        "RUB",
        _wb_revoke,
        "401",
    ),
    Platform(
        "ozon",
        _ozon_place,
        _ozon_settle,
        _ozon_charge,
        frozenset({"commission", "acquiring", "logistics", "last_mile"}),
        "RUB",
        _ozon_revoke,
        "401",
    ),
    Platform(
        "yandex",
        _yandex_place,
        _yandex_settle,
        None,
        frozenset({"commission", "acquiring", "logistics", "last_mile"}),
        "RUB",
        _yandex_revoke,
        "403",
    ),
]


def _adapter(world: World, slug: str) -> Adapter:
    """The platform's adapter, its pacing relaxed (finance reads are 1 a minute on Wildberries)."""
    options: dict[str, Any] = {
        "uzum": {"requests_per_second": 200.0},
        "wildberries": {"per_minute": 60_000, "burst": 1000, "statistics_per_minute": 60_000},
        "ozon": {},
        "yandex": {"pace": 1000.0},
    }[slug]
    return build_adapter(world.connections[slug], world.session, world.limits, policy=FAST_RETRY, **options)


async def _import(pool: asyncpg.Pool, effects: Effects, world: World, slug: str) -> dict[str, int]:
    """Pull the platform's orders; our order id by the platform's key."""
    async with pool.acquire() as conn:
        run = await pull_orders(conn, effects, world.connections[slug], _adapter(world, slug))
    assert run.status == "success", run.error
    rows = await pool.fetch(
        "SELECT marketplace_order_id, id FROM orders WHERE marketplace_id = $1", world.connections[slug].marketplace_id
    )
    return {row["marketplace_order_id"]: row["id"] for row in rows}


async def _estimate(pool: asyncpg.Pool, order_ids: list[int], currency: str) -> None:
    """Beside what the order import wrote (core.fees: the estimated commission), an estimated acquiring and the
    seller's own packaging."""
    await pool.execute(
        "INSERT INTO order_fees (order_id, kind, amount, currency, basis)"
        " SELECT o, k.kind, 1, $2, k.basis FROM unnest($1::int[]) AS o,"
        " (VALUES ('commission', 'estimated'), ('acquiring', 'estimated'), ('packaging', 'seller')) AS k(kind, basis)"
        " ON CONFLICT (order_id, kind) DO NOTHING",
        order_ids,
        currency,
    )


async def _fees(pool: asyncpg.Pool, order_ids: list[int]) -> list[tuple[Any, ...]]:
    rows = await pool.fetch(
        "SELECT order_id, kind, amount, currency, basis FROM order_fees WHERE order_id = ANY($1::int[])"
        " ORDER BY order_id, kind",
        order_ids,
    )
    return [tuple(row) for row in rows]


async def _finance(pool: asyncpg.Pool, effects: Effects, world: World, slug: str) -> Any:
    adapter = _adapter(world, slug)
    assert isinstance(adapter, Finance)
    async with pool.acquire() as conn:
        return await pull_finance(conn, effects, world.connections[slug], adapter, days=7, trigger="manual")


@pytest.mark.parametrize("platform", PLATFORMS, ids=[p.slug for p in PLATFORMS])
async def test_the_platforms_figures_replace_the_estimates_and_every_read_is_logged(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop, platform: Platform
) -> None:
    keys = platform.place(world, shop, 2)
    ours = await _import(pool, effects, world, platform.slug)
    order_ids = [ours[key] for key in keys]
    await _estimate(pool, order_ids, platform.currency)
    stranger = platform.place(world, shop, 1)  # placed after our import: an order we do not hold
    platform.settle(world, keys + stranger)
    day_costs = 0 if platform.charge_day is None else 1
    if platform.charge_day is not None:
        platform.charge_day(world)

    run = await _finance(pool, effects, world, platform.slug)

    assert run.status == "success", run.error
    assert (run.counts.orders, run.counts.unknown_orders) == (2, 1) and stranger[0] not in ours
    fees = await _fees(pool, order_ids)
    for order_id in order_ids:
        mine = [fee for fee in fees if fee[0] == order_id]
        actual = {kind for _, kind, _, _, basis in mine if basis == "actual"}
        assert actual == platform.kinds
        assert {(kind, basis) for _, kind, _, _, basis in mine if basis != "actual"} == {("packaging", "seller")}
        assert all(amount > 0 and currency == platform.currency for _, _, amount, currency, _ in mine)
    costs = await pool.fetch(
        "SELECT kind, amount, currency FROM day_costs WHERE marketplace_id = $1",
        world.connections[platform.slug].marketplace_id,
    )
    assert len(costs) == day_costs
    for cost in costs:
        assert (cost["kind"], cost["currency"]) == ("storage", platform.currency) and cost["amount"] > 0

    again = await _finance(pool, effects, world, platform.slug)

    assert again.status == "success" and again.counts == run.counts
    assert await _fees(pool, order_ids) == fees
    assert await pool.fetchval("SELECT count(*) FROM day_costs") == day_costs
    logs = await pool.fetch(
        "SELECT status, trigger_type, items_processed FROM sync_logs"
        " WHERE sync_type = 'finance' AND marketplace_id = $1",
        world.connections[platform.slug].marketplace_id,
    )
    assert [tuple(log) for log in logs] == [("success", "manual", 2 + day_costs)] * 2


@pytest.mark.parametrize("platform", PLATFORMS, ids=[p.slug for p in PLATFORMS])
async def test_a_refused_read_is_logged_as_an_error_and_writes_nothing(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop, platform: Platform
) -> None:
    keys = platform.place(world, shop, 1)
    order_ids = [(await _import(pool, effects, world, platform.slug))[key] for key in keys]
    await _estimate(pool, order_ids, platform.currency)
    platform.settle(world, keys)
    estimated = await _fees(pool, order_ids)
    platform.revoke(world)

    run = await _finance(pool, effects, world, platform.slug)

    assert run.status == "error" and run.error is not None and platform.refused in run.error
    assert await _fees(pool, order_ids) == estimated
    assert await pool.fetchval("SELECT count(*) FROM order_fee_lines") == 0
    assert await pool.fetchval("SELECT status FROM sync_logs WHERE sync_type = 'finance'") == "error"


async def test_the_daily_job_reads_each_marketplace_once_a_day(
    pool: asyncpg.Pool, redis: Redis, effects: Effects, world: World
) -> None:
    job = daily_job(effects, VAULT, RateLimits(redis))
    async with pool.acquire() as conn:
        await job(conn)
        await job(conn)  # within the day: nothing is due
    logs = await pool.fetch("SELECT marketplace_id, status FROM sync_logs WHERE sync_type = 'finance'")
    # Every API marketplace's adapter reads finance figures.
    assert all(isinstance(world.adapter(slug), Finance) for slug in world.connections)
    assert sorted(tuple(log) for log in logs) == sorted(
        (connection.marketplace_id, "success") for connection in world.connections.values()
    )


async def test_an_uzum_item_read_again_says_what_it_says_now(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    """Uzum's finance list has an item's fees as they are now: once the buyer cancels, its commission and logistics
    are nothing, and a read replaces what the earlier one said."""
    [key] = _uzum_place(world, shop, 1)
    order_id = (await _import(pool, effects, world, "uzum"))[key]
    await _finance(pool, effects, world, "uzum")
    assert {kind: amount > 0 for _, kind, amount, _, _ in await _fees(pool, [order_id])} == {
        "commission": True,
        "logistics": True,
    }
    world.uzum.buyer_cancels(int(key))
    await _finance(pool, effects, world, "uzum")
    assert {(kind, amount, basis) for _, kind, amount, _, basis in await _fees(pool, [order_id])} == {
        ("commission", 0, "actual"),
        ("logistics", 0, "actual"),
    }


async def test_a_wildberries_return_gives_the_commission_back_and_costs_its_way_back(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    """A return row (doc_type_name Возврат) reverses the sale's reward and acquiring; its delivery row counts a
    return (return_amount), so its cost is return logistics."""
    [key] = _wb_place(world, shop, 1)
    order_id = (await _import(pool, effects, world, "wildberries"))[key]
    world.wb.set_order_status(int(key), wb_status="sold")
    world.wb.buyer_returns(int(key))
    run = await _finance(pool, effects, world, "wildberries")
    assert run.status == "success", run.error
    assert {kind: amount for _, kind, amount, _, _ in await _fees(pool, [order_id])} == {
        "commission": 0,
        "acquiring": 0,
        "logistics": 50,
        "return_logistics": 50,
    }


def test_each_ozon_accrual_type_is_one_of_our_kinds_by_its_words() -> None:
    """The spec lists no accrual types: a type is known by its name's words (else its description's); the buyer's
    money is no fee, and a type no word names is 'other'."""
    assert {name: accrual_kind(name, text) for _, name, text in ACCRUAL_TYPES} == {
        "Sale": None,
        "SaleCommission": "commission",
        "MarketplaceServiceItemDirectFlowLogistic": "logistics",
        "MarketplaceServiceItemDelivToCustomer": "last_mile",
        "MarketplaceRedistributionOfAcquiringOperation": "acquiring",
        "MarketplaceServiceItemReturnFlowLogistic": "return_logistics",
        "OperationMarketplaceServiceStorage": "storage",
        "OperationMarketplaceWithHoldingForUndeliverableGoods": "penalty",
        "MarketplaceMarketingActionCostItem": "other",
    }
    assert accrual_kind("", "Возврат комиссии за продажу") == "commission"
    assert accrual_kind("MarketplaceReturnStorageServiceInTheWarehouseFbsItem", "") == "storage"
    assert accrual_kind("MarketplaceServiceItemReturnAfterDelivToCustomer", "") == "return_logistics"
    assert accrual_kind("LastMileCourier", "") == "last_mile"
    assert accrual_kind("Выручка", "") is None


def test_each_yandex_service_is_one_of_our_kinds_by_its_meaning() -> None:
    """Every service of the spec's OrdersStatsCommissionType (the sandbox holds its list) in our kinds, by what the
    spec says it is (sync/yandex_finance.py's table); a service the spec does not list yet is 'other'."""
    assert {service: commission_kind(service) for service in COMMISSION_TYPES} == {
        "FEE": "commission",
        "FULFILLMENT": "logistics",
        "LOYALTY_PARTICIPATION_FEE": "other",
        "AUCTION_PROMOTION": "other",
        "INSTALLMENT": "acquiring",
        "DELIVERY_TO_CUSTOMER": "last_mile",
        "EXPRESS_DELIVERY_TO_CUSTOMER": "last_mile",
        "AGENCY": "acquiring",
        "PAYMENT_TRANSFER": "acquiring",
        "RETURNED_ORDERS_STORAGE": "storage",
        "SORTING": "logistics",
        "INTAKE_SORTING": "logistics",
        "RETURN_PROCESSING": "return_logistics",
        "ILLIQUID_GOODS_SALE": "commission",
        "CROSSREGIONAL_DELIVERY": "logistics",
        "FULFILLMENT_WITHDRAW": "logistics",
        "ITEM_BOOKING": "other",
    }
    assert commission_kind("A_SERVICE_YANDEX_ADDS_LATER") == "other"


async def test_a_yandex_order_cancelled_after_a_read_is_billed_nothing_at_the_next(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    """Yandex lists an order's services as billed now (the sandbox's tariff on a 1000-rouble order: 12 % placement,
    1 % payment acceptance, 60 delivery, 15 sorting); once the buyer cancels, each is billed 0, and the next read
    replaces what the first one said."""
    [key] = _yandex_place(world, shop, 1)
    order_id = (await _import(pool, effects, world, "yandex"))[key]
    await _finance(pool, effects, world, "yandex")
    assert {(kind, amount, currency) for _, kind, amount, currency, _ in await _fees(pool, [order_id])} == {
        ("commission", 120, "RUB"),
        ("acquiring", 10, "RUB"),
        ("last_mile", 60, "RUB"),
        ("logistics", 15, "RUB"),
    }
    world.yandex.buyer_cancels(int(key))
    run = await _finance(pool, effects, world, "yandex")
    assert run.status == "success", run.error
    assert {(kind, amount, basis) for _, kind, amount, _, basis in await _fees(pool, [order_id])} == {
        ("commission", 0, "actual"),
        ("acquiring", 0, "actual"),
        ("last_mile", 0, "actual"),
        ("logistics", 0, "actual"),
    }


async def test_ozon_charges_by_product_and_by_seller_are_costs_of_their_day(
    pool: asyncpg.Pool, effects: Effects, world: World, shop: Shop
) -> None:
    """Ozon's by-day accruals that name no posting: storage by product (ITEM), a penalty by seller (NON_ITEM)."""
    world.ozon.book("OperationMarketplaceServiceStorage", -310.0, sku=60_000 + shop.phone)
    world.ozon.book("OperationMarketplaceWithHoldingForUndeliverableGoods", -75.5)
    world.ozon.book("OperationMarketplaceServiceStorage", 10.0)  # Ozon gives some storage money back

    run = await _finance(pool, effects, world, "ozon")

    assert run.status == "success", run.error
    rows = await pool.fetch("SELECT kind, amount, currency, day FROM day_costs ORDER BY amount")
    today = rows[0]["day"]
    assert [tuple(row) for row in rows] == [
        ("storage", -10, "RUB", today),
        ("penalty", Decimal("75.50"), "RUB", today),
        ("storage", 310, "RUB", today),
    ]
