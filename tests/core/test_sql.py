"""Statements bound by name: each `:name` becomes one `$n`, so adding a column cannot shift the others."""

import asyncpg
import pytest

from core.sql import bind


def test_names_become_numbered_parameters_in_the_order_they_first_appear() -> None:
    statement = "SELECT :b::int[], :a, (:b::int[])[1], '10:30', x::text FROM t WHERE y = :a"
    assert bind(statement, a=1, b=[2]) == (
        "SELECT $1::int[], $2, ($1::int[])[1], '10:30', x::text FROM t WHERE y = $2",
        [2],
        1,
    )


def test_a_missing_or_an_unused_value_is_refused() -> None:
    with pytest.raises(TypeError, match=":b"):
        bind("SELECT :a, :b", a=1)
    with pytest.raises(TypeError, match="c"):
        bind("SELECT :a", a=1, c=3)


async def test_a_bound_statement_runs_with_its_values_where_they_belong(pool: asyncpg.Pool) -> None:
    row = await pool.fetchrow(
        *bind("SELECT :first::text AS first, :second::int AS second, :first::text AS again", second=2, first="one")
    )
    assert tuple(row) == ("one", 2, "one")
