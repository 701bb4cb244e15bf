"""Real profit in the base currency: each order converted at its own day's rate, a missing rate shown as such,
estimated and actual fees, the seller's own costs, products sold at a loss, cash on delivery."""

from datetime import UTC, date, datetime
from decimal import Decimal

import asyncpg

from core import analytics, fees, finance_import, marketplace_orders, orders, reports
from core.marketplace_orders import IncomingLine, IncomingOrder
from core.orders import Customer, Line, NewOrder
from core.unit_of_work import Effects
from sync.adapter import Fee, FinanceReport, OrderFinance
from tests.builders import make_channel, make_product, map_product

ALI = Customer("Ali", "+998901234567")
MONDAY, TUESDAY = date(2026, 11, 9), date(2026, 11, 10)


def _noon(day: date) -> datetime:
    """Noon in Tashkent (UTC+5) of a local day."""
    return datetime(day.year, day.month, day.day, 7, tzinfo=UTC)


async def _import(
    conn: asyncpg.Connection, effects: Effects, channel: int, key: str, sku: str, price: str, currency: str, day: date
) -> int:
    incoming = IncomingOrder(
        key, (IncomingLine(1, Decimal(price), seller_sku=sku),), currency=currency, placed_at=_noon(day)
    )
    async with effects.transaction(conn) as uow:
        imported = await marketplace_orders.import_order(uow, channel, incoming)
    assert imported.order_id is not None
    return imported.order_id


async def _place(conn: asyncpg.Connection, effects: Effects, order: NewOrder) -> int:
    async with effects.transaction(conn) as uow:
        return (await orders.place(uow, order)).id


async def _rate(conn: asyncpg.Connection, currency: str, day: date, rate: str) -> None:
    await conn.execute(
        "INSERT INTO exchange_rates (currency, day, rate, source) VALUES ($1, $2, $3, 'admin')",
        currency,
        day,
        Decimal(rate),
    )


async def _four_channels(conn: asyncpg.Connection, effects: Effects) -> dict[str, int]:
    """Wildberries (20 %), Ozon (15 %) and Uzum (10 %) sell PHONE (our cost 700 000 so'm); OLX is manual."""
    channels = {
        "wildberries": await make_channel(conn, "wildberries", "api", commission="20"),
        "ozon": await make_channel(conn, "ozon", "api", commission="15"),
        "uzum": await make_channel(conn, "uzum", "api", commission="10"),
        "olx": await make_channel(conn, "olx", "manual"),
    }
    async with effects.transaction(conn) as uow:
        channels["phone"] = await make_product(uow, "PHONE", stock=20, price="1000000", cost="700000")
        channels["case"] = await make_product(uow, "CASE", stock=20, price="50000", cost="20000")
    for slug in ("wildberries", "ozon", "uzum"):
        await map_product(conn, channels["phone"], channels[slug], f"{slug}-phone")
        await map_product(conn, channels["case"], channels[slug], f"{slug}-case")
    return channels


async def test_each_order_is_converted_at_its_own_days_rate(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        ids = await _four_channels(conn, effects)
        await _rate(conn, "RUB", date(2026, 11, 7), "140")  # Saturday's rate still holds on Monday
        await _rate(conn, "RUB", TUESDAY, "150")
        await _rate(conn, "RUB", date(2026, 11, 11), "999")  # a later day's rate is no order's
        wb = await _import(conn, effects, ids["wildberries"], "WB-1", "PHONE", "10000", "RUB", MONDAY)
        await _import(conn, effects, ids["ozon"], "OZ-1", "PHONE", "8000", "RUB", TUESDAY)
        await _import(conn, effects, ids["uzum"], "UZ-1", "PHONE", "1100000", "UZS", MONDAY)
        olx = NewOrder(ids["olx"], (Line(ids["phone"], 1, price=Decimal("900000")),), ALI, placed_at=_noon(TUESDAY))
        await _place(conn, effects, olx)
        report = await reports.build(conn, reports.between(MONDAY, TUESDAY))
        wb_profit = await analytics.order_profit(conn, wb)

    assert report.currency == "UZS"
    money = {s.key: (s.orders, s.revenue, s.cost, s.commission, s.profit) for s in report.channels}
    assert money == {
        # 10 000 RUB at Monday's 140, its estimated commission 2 000 RUB too.
        "wildberries": (1, Decimal("1400000.00"), Decimal("700000.00"), Decimal("280000.00"), Decimal("420000.00")),
        # 8 000 RUB at Tuesday's 150.
        "ozon": (1, Decimal("1200000.00"), Decimal("700000.00"), Decimal("180000.00"), Decimal("320000.00")),
        "uzum": (1, Decimal("1100000.00"), Decimal("700000.00"), Decimal("110000.00"), Decimal("290000.00")),
        "olx": (1, Decimal("900000.00"), Decimal("700000.00"), Decimal(0), Decimal("200000.00")),
    }
    assert [s.key for s in report.channels] == ["wildberries", "ozon", "uzum", "olx"]
    assert (report.total.revenue, report.total.profit) == (Decimal("4600000.00"), Decimal("1230000.00"))
    assert report.channels[0].margin == Decimal("30.00")
    assert [(t.key, t.revenue) for t in report.top] == [("PHONE", Decimal("4600000.00"))]
    by_day = {(day, s.key): s.revenue for day, s in report.daily}
    assert by_day[(MONDAY, "wildberries")] == Decimal("1400000.00")
    assert by_day[(TUESDAY, "ozon")] == Decimal("1200000.00")
    assert wb_profit is not None
    assert (wb_profit.currency, wb_profit.revenue, wb_profit.revenue_base, wb_profit.profit, wb_profit.basis) == (
        "RUB",
        Decimal("10000.00"),
        Decimal("1400000.00"),
        Decimal("420000.00"),
        "estimated",
    )


async def test_a_missing_rate_shows_for_the_slices_it_touches_only(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        ids = await _four_channels(conn, effects)
        await _rate(conn, "RUB", MONDAY, "140")
        await _import(conn, effects, ids["wildberries"], "WB-1", "PHONE", "10000", "RUB", MONDAY)
        await _import(conn, effects, ids["wildberries"], "WB-2", "CASE", "500", "KZT", TUESDAY)  # no KZT rate
        await _import(conn, effects, ids["uzum"], "UZ-1", "PHONE", "1100000", "UZS", TUESDAY)
        await _rate(conn, "KZT", date(2026, 11, 11), "25")  # a rate from the day after is not Tuesday's
        report = await reports.build(conn, reports.between(MONDAY, TUESDAY))
        await _rate(conn, "KZT", TUESDAY, "24")  # an admin enters it: the next report has every figure
        later = await reports.build(conn, reports.between(MONDAY, TUESDAY))

    channels = {s.key: s for s in report.channels}
    assert channels["wildberries"].revenue is None and channels["wildberries"].profit is None
    assert channels["wildberries"].rate_missing and channels["wildberries"].margin is None
    assert channels["wildberries"].cost == Decimal("720000.00")  # our cost needs no rate
    assert channels["uzum"].profit == Decimal("290000.00")
    assert report.total.revenue is None
    days = {(day, s.key): s for day, s in report.daily}
    assert days[(MONDAY, "wildberries")].profit == Decimal("420000.00")
    assert days[(TUESDAY, "wildberries")].profit is None
    top = {t.key: t for t in report.top}
    assert top["PHONE"].revenue == Decimal("2500000.00") and top["CASE"].revenue is None
    assert {t.key: t.revenue for t in later.top} == {"PHONE": Decimal("2500000.00"), "CASE": Decimal("12000.00")}
    assert later.total.revenue == Decimal("2512000.00")


async def test_seller_costs_are_fees_of_the_order(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        ids = await _four_channels(conn, effects)
        await _rate(conn, "RUB", MONDAY, "140")
        for key, value in ((fees.PACKAGING_COST, "5000"), (fees.PAYOUT_FEE_PERCENT, "1.5"), (fees.VAT_PERCENT, "12")):
            await conn.execute("INSERT INTO shop_settings (key, value) VALUES ($1, $2)", key, value)
        uzum = await _import(conn, effects, ids["uzum"], "UZ-1", "PHONE", "1120000", "UZS", MONDAY)
        wb = await _import(conn, effects, ids["wildberries"], "WB-1", "PHONE", "10000", "RUB", MONDAY)
        rows = await conn.fetch(
            "SELECT order_id, kind, amount, currency, basis FROM order_fees ORDER BY order_id, kind"
        )
        report = await reports.build(conn, reports.between(MONDAY, MONDAY))

    assert [tuple(row) for row in rows] == [
        (uzum, "commission", Decimal("112000.00"), "UZS", "estimated"),
        (uzum, "packaging", Decimal("5000.00"), "UZS", "seller"),
        (uzum, "payout_fee", Decimal("16800.00"), "UZS", "seller"),  # Uzum's payout schedule: Uzum only
        (uzum, "vat", Decimal("120000.00"), "UZS", "seller"),  # 12 % within the price: 1 120 000 × 12 / 112
        (wb, "commission", Decimal("2000.00"), "RUB", "estimated"),
        (wb, "packaging", Decimal("5000.00"), "UZS", "seller"),  # ours, in the base currency
        (wb, "vat", Decimal("1071.43"), "RUB", "seller"),
    ]
    channels = {s.key: s for s in report.channels}
    # 1 120 000 − 700 000 − 112 000 − 5 000 − 16 800 − 120 000
    assert channels["uzum"].profit == Decimal("166200.00")
    # 1 400 000 − 700 000 − 280 000 − 5 000 − 1 071.43 × 140
    assert channels["wildberries"].profit == Decimal("264999.80")
    assert report.fee_basis == analytics.FeeBasis(estimated=2, actual=0)


async def test_actual_fees_count_as_actual_and_a_loss_names_its_cause(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        ids = await _four_channels(conn, effects)
        await _rate(conn, "RUB", MONDAY, "140")
        wb = await _import(conn, effects, ids["wildberries"], "WB-1", "CASE", "500", "RUB", MONDAY)
        await _import(conn, effects, ids["ozon"], "OZ-1", "CASE", "100", "RUB", MONDAY)
        await _import(conn, effects, ids["ozon"], "OZ-2", "PHONE", "4000", "RUB", MONDAY)  # 560 000 < our 700 000
        before = await reports.build(conn, reports.between(MONDAY, MONDAY))
        reported = (Fee("commission", Decimal(100), "RUB"), Fee("logistics", Decimal(300), "RUB"))
        async with effects.transaction(conn) as uow:  # the platform's own figures replace the estimate
            await finance_import.record(
                uow, ids["wildberries"], FinanceReport((OrderFinance("WB-1", reported, "L1"),), ())
            )
        report = await reports.build(conn, reports.between(MONDAY, MONDAY))
        wb_profit = await analytics.order_profit(conn, wb)

    # The report before kept Monday's sums; the platform's figures changed them, and the next report shows it.
    assert before.fee_basis == analytics.FeeBasis(estimated=3, actual=0)
    assert report.fee_basis == analytics.FeeBasis(estimated=2, actual=1)
    assert wb_profit is not None and wb_profit.basis == "actual"
    # 500 RUB × 140 = 70 000, less our 20 000 and 400 RUB × 140 = 56 000 of the platform's fees.
    assert wb_profit.profit == Decimal("-6000.00")
    assert [(loss.sku, loss.units, loss.profit_per_unit, loss.cause, loss.cause_amount) for loss in report.losses] == [
        # 560 000 − 700 000 − 84 000 (15 %): the price did not cover our cost.
        ("PHONE", 1, Decimal("-224000.00"), "cost", Decimal("140000.00")),
        # 84 000 − 40 000 − (14 000 + 2 100 commission, 42 000 logistics): logistics took most.
        ("CASE", 2, Decimal("-7050.00"), "logistics", Decimal("42000.00")),
    ]


async def test_dropped_units_shrink_the_estimate(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        ids = await _four_channels(conn, effects)
        line = IncomingLine(3, Decimal("50000"), seller_sku="CASE")
        order = IncomingOrder("UZ-1", (line,), placed_at=_noon(MONDAY))
        async with effects.transaction(conn) as uow:
            imported = await marketplace_orders.import_order(uow, ids["uzum"], order)
        fewer = IncomingOrder("UZ-1", (IncomingLine(1, Decimal("50000"), seller_sku="CASE"),), placed_at=_noon(MONDAY))
        async with effects.transaction(conn) as uow:
            await marketplace_orders.import_order(uow, ids["uzum"], fewer)
        commission = await conn.fetchval(
            "SELECT amount FROM order_fees WHERE order_id = $1 AND kind = 'commission'", imported.order_id
        )
    assert commission == Decimal("5000.00")  # 10 % of the one unit still sold, not of three


async def test_cash_expected_and_collected(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        ids = await _four_channels(conn, effects)
        shop = await make_channel(conn, "shop", "own")
        placed = [
            await _place(
                conn,
                effects,
                NewOrder(shop, (Line(ids["case"], 1),), ALI, payment_method="cash", placed_at=_noon(MONDAY)),
            )
            for _ in range(3)
        ]
        await conn.execute("UPDATE orders SET status = 'delivered' WHERE id = ANY($1::int[])", placed[:2])
        await conn.execute("UPDATE orders SET cash_collected_at = NOW() WHERE id = $1", placed[0])
        report = await reports.build(conn, reports.between(MONDAY, MONDAY))
    assert report.cash == analytics.Cash(
        expected_orders=3,
        expected=Decimal("150000.00"),
        collected_orders=1,
        collected=Decimal("50000.00"),
        delivered_uncollected=1,
    )


async def test_kept_sums_follow_deleted_and_truncated_orders(pool: asyncpg.Pool, effects: Effects) -> None:
    async with pool.acquire() as conn:
        ids = await _four_channels(conn, effects)
        await _import(conn, effects, ids["uzum"], "UZ-1", "PHONE", "1100000", "UZS", MONDAY)
        await _import(conn, effects, ids["uzum"], "UZ-2", "CASE", "50000", "UZS", TUESDAY)
        week = reports.between(MONDAY, TUESDAY)
        assert [s.orders for s in (await reports.build(conn, week)).channels] == [2]
        await conn.execute("DELETE FROM orders WHERE marketplace_order_id = 'UZ-2'")  # as the demo's removal does
        assert [s.revenue for s in (await reports.build(conn, week)).channels] == [Decimal("1100000.00")]
        await conn.execute("TRUNCATE orders CASCADE")
        assert (await reports.build(conn, week)).empty
