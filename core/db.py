"""The asyncpg pool: one per process, every connection in UTC with JSON codecs."""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def _decode_json(text: str) -> object:
    # Numbers with a fraction in JSON from the database are money (json_build_object of NUMERIC): never float.
    return json.loads(text, parse_float=Decimal)


def _encode_json(value: object) -> str:
    return json.dumps(value, default=str)


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(type_name, encoder=_encode_json, decoder=_decode_json, schema="pg_catalog")


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        init=_init_connection,
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
