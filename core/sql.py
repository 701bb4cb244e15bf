"""Helpers for statements: long ones bound by name, and the few whose shape depends on the input."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

from pypika import Parameter, Table
from pypika import PostgreSQLQuery as Query

# `:name`, but not the second colon of a `::type` cast nor a time in a literal ('10:30').
_NAME = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


def bind(statement: str, /, **values: object) -> tuple[Any, ...]:
    """The statement with its `:name` parameters numbered as asyncpg's `$n`, followed by their values in that
    order, to spread into a call: `await conn.fetchrow(*bind(SQL, order_id=order_id))`. A name used twice is one
    parameter; a name without a value, or a value no name asks for, is refused. Adding a column to a long
    statement then cannot shift the values of the others."""
    sql, names = _numbered(statement)
    missing = [name for name in names if name not in values]
    if missing:
        raise TypeError(f"no value for {', '.join(':' + name for name in missing)}")
    unused = sorted(set(values) - set(names))
    if unused:
        raise TypeError(f"the statement has no {', '.join(':' + name for name in unused)}")
    return (sql, *(values[name] for name in names))


@functools.cache
def _numbered(statement: str) -> tuple[str, tuple[str, ...]]:
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return _NAME.sub(number, statement), tuple(names)


def update_by_id(table_name: str, columns: Sequence[str]) -> str:
    """UPDATE table SET col = $2, ... WHERE id = $1, for the columns a caller chose to change.

    Column names come from each module's own list of editable columns, never from the client."""
    table = Table(table_name)
    statement = Query.update(table).where(table.id == Parameter("$1"))
    for index, name in enumerate(columns, start=2):
        statement = statement.set(table.field(name), Parameter(f"${index}"))
    return statement.get_sql()
