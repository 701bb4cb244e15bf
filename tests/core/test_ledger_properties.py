"""Property: whatever sequence of stock operations runs, the ledger and the count never disagree."""

import itertools
from datetime import UTC, datetime, timedelta

import asyncpg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import inventory
from core.errors import DomainError
from core.inventory import Movement, Source
from core.unit_of_work import Effects, UnitOfWork
from tests.builders import make_product

PRODUCTS = 3
_skus = itertools.count()

operation = st.tuples(
    st.sampled_from(
        [
            "receive",
            "adjust",
            "set_count",
            "sell",
            "cancel",
            "return",
            "marketplace_sale",
            "marketplace_return",
            "reserve",
            "release",
            "commit",
        ]
    ),
    st.integers(min_value=0, max_value=PRODUCTS - 1),
    st.integers(min_value=-12, max_value=12),
)


async def _apply(uow: UnitOfWork, name: str, product: int, n: int, holds: list[int]) -> None:
    why = Source(notes="property test")
    match name:
        case "receive":
            await inventory.receive(uow, product, n, why)
        case "adjust":
            await inventory.adjust(uow, product, n, why)
        case "set_count":
            await inventory.set_count(uow, product, n, why)
        case "sell":
            await inventory.sell(uow, product, n, why)
        case "cancel" | "return":
            await inventory.give_back(uow, product, n, Movement(name), why)
        case "marketplace_sale":
            await inventory.marketplace_sale(uow, product, n, why)
        case "marketplace_return":
            await inventory.marketplace_return(uow, product, n, why)
        case "reserve":
            hold, _ = await inventory.reserve(uow, product, n, datetime.now(UTC) + timedelta(minutes=15), why)
            holds.append(hold)
        case "release" if holds:
            await inventory.release(uow, holds[abs(n) % len(holds)], why)
        case "commit" if holds:
            await inventory.commit(uow, holds[abs(n) % len(holds)], why)


async def _assert_ledger_matches(conn: asyncpg.Connection, products: list[int]) -> None:
    for product in products:
        quantity, reserved = await conn.fetchrow(
            "SELECT quantity, reserved_quantity FROM inventory WHERE product_id = $1", product
        )
        assert quantity >= 0 and reserved >= 0 and quantity - reserved >= 0
        movements = await conn.fetch(
            "SELECT quantity_change, quantity_before, quantity_after, reserved_change, reserved_after"
            " FROM inventory_movements WHERE product_id = $1 ORDER BY id",
            product,
        )
        assert quantity == sum(m["quantity_change"] for m in movements)
        assert reserved == sum(m["reserved_change"] for m in movements)
        expected_before, expected_reserved = 0, 0
        for m in movements:
            assert m["quantity_before"] == expected_before, "the before/after chain must be continuous"
            assert m["quantity_after"] == m["quantity_before"] + m["quantity_change"]
            assert m["reserved_after"] == expected_reserved + m["reserved_change"]
            expected_before, expected_reserved = m["quantity_after"], m["reserved_after"]
        assert (expected_before, expected_reserved) == (quantity, reserved)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    initial=st.lists(st.integers(min_value=0, max_value=20), min_size=PRODUCTS, max_size=PRODUCTS),
    steps=st.lists(operation, max_size=30),
)
async def test_ledger_and_count_agree_after_every_step(
    pool: asyncpg.Pool, effects: Effects, initial: list[int], steps: list[tuple[str, int, int]]
) -> None:
    async with pool.acquire() as conn:
        async with effects.transaction(conn) as uow:
            products = [await make_product(uow, f"PROP-{next(_skus)}", stock=stock) for stock in initial]
        holds: list[int] = []
        for name, index, n in steps:
            try:
                async with effects.transaction(conn) as uow:  # a refused operation must leave nothing behind
                    await _apply(uow, name, products[index], n, holds)
            except DomainError:
                pass
            await _assert_ledger_matches(conn, products)
