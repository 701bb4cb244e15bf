"""Scratch databases for tests, created next to whatever server the suite runs on."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import asyncpg


def database_named(url: str, name: str) -> str:
    """The same server and options as `url`, another database."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


def _worker_number() -> int | None:
    """pytest-xdist's worker (gw0, gw1, …), or None when the suite runs in one process."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker.removeprefix("gw")) if worker.startswith("gw") else None


def worker_suffix() -> str:
    """Part of a scratch database's name, so that workers sharing one server never meet."""
    number = _worker_number()
    return "" if number is None else f"_gw{number}"


def redis_database_for_worker(url: str) -> str:
    """The configured Redis for the first worker, the database numbers below it for the others (the URL's own
    number is the top: `/15` gives 15, 14, …). Keys are apart, and so are the app's pub/sub channels, which are
    server-wide in Redis and so carry their database's number in their names (core.events.scoped)."""
    number = _worker_number() or 0
    parts = urlsplit(url)
    first = int(parts.path.lstrip("/") or 0)
    if number > first:
        raise RuntimeError(f"REDIS_URL {url!r} leaves no Redis database for worker {number}")
    return urlunsplit(parts._replace(path=f"/{first - number}"))


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
