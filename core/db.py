"""The asyncpg pool: one per process, every connection in UTC with JSON codecs.

Connections go back to the pool without asyncpg's reset statement (advisory unlock all, CLOSE ALL, UNLISTEN,
RESET ALL): it was one more round trip on every release, a tenth of an order's cost. An open transaction is
still rolled back. What that statement would undo, this code never leaves behind: no session SET, no LISTEN, no
cursor outside a transaction, and a session advisory lock is held only by a block that releases it (jobs take
it through core.periodic.advisory_lock, which ends the connection when it cannot; the migration lock is taken
at start-up, where a failure ends the process)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import TypeAlias
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from asyncpg.pool import PoolConnectionProxy

# What a domain function's `conn` is: a connection, or the pool's proxy for one. asyncpg treats the proxy as a
# Connection (isinstance says so) but their types are unrelated classes.
Conn: TypeAlias = asyncpg.Connection | PoolConnectionProxy


def _decode_json(text: str) -> object:
    # Numbers with a fraction in JSON from the database are money (json_build_object of NUMERIC): never float.
    return json.loads(text, parse_float=Decimal)


def _encode_json(value: object) -> str:
    return json.dumps(value, default=str)


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(type_name, encoder=_encode_json, decoder=_decode_json, schema="pg_catalog")


class _PooledConnection(asyncpg.Connection):
    def get_reset_query(self) -> str:
        return ""


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
        connection_class=_PooledConnection,
        command_timeout=30,
        server_settings={"timezone": "UTC", "application_name": "amazing-store"},
    )


def redact_url(url: str) -> str:
    """The URL without its password, for logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
