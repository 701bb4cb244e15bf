"""Helpers for the few statements whose shape depends on the input."""

from __future__ import annotations

from collections.abc import Sequence

from pypika import Parameter, Table
from pypika import PostgreSQLQuery as Query


def update_by_id(table_name: str, columns: Sequence[str]) -> str:
    """UPDATE table SET col = $2, ... WHERE id = $1, for the columns a caller chose to change.

    Column names come from each module's own list of editable columns, never from the client."""
    table = Table(table_name)
    statement = Query.update(table).where(table.id == Parameter("$1"))
    for index, name in enumerate(columns, start=2):
        statement = statement.set(table.field(name), Parameter(f"${index}"))
    return statement.get_sql()
