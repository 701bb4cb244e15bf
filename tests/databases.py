"""Scratch databases for tests, created next to whatever server the suite runs on."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg


def database_named(url: str, name: str) -> str:
    """The same server and options as `url`, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


async def recreate_database(server_url: str, name: str) -> str:
    """An empty database `name` on the server of server_url; returns its URL."""
    conn = await asyncpg.connect(database_named(server_url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return database_named(server_url, name)


async def drop_database(server_url: str, name: str) -> None:
    conn = await asyncpg.connect(database_named(server_url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()
