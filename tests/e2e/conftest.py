"""Fixtures of the end-to-end tests."""

import secrets
from collections.abc import AsyncIterator

import asyncpg
import pytest

from core.migrations import migrate
from tests.databases import database_name, drop_database, recreate_database


@pytest.fixture
async def empty_database(database_url: str) -> AsyncIterator[str]:
    """A database of its own that only the migrations have touched (the shared one is emptied of every row)."""
    name = f"{database_name(database_url)}_first_day_{secrets.token_hex(4)}"
    url = await recreate_database(database_url, name)
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    yield url
    await drop_database(database_url, name)
