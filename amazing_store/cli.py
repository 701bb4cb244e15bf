"""The `amazing-store` command: run the process, migrate, seed the demo catalog, manage admins, connect
marketplaces, bring the catalogue in and out as a file."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from core import catalog_export, catalog_import, channels, logs, mappings, marketplaces, media, users
from core.db import Conn, create_pool
from core.embedded import EmbeddedServerError, ServiceUrls, services
from core.errors import DomainError, ValidationError
from core.listings import PLATFORMS, Platform, platform
from core.migrations import MigrationError, migrate
from core.periodic import advisory_lock, lock_key
from core.redis_client import create_redis
from core.settings import Settings, SettingsError, load_settings
from core.spreadsheets import UnreadableTable, table_format
from core.unit_of_work import Effects
from core.vault import DEV_KEY_FILE, VaultError, vault_for
from demo.seeding import catalog_is_empty, demo_was_removed, remove_demo, seed_demo

if TYPE_CHECKING:
    from sync.limiter import RateLimits

log = logging.getLogger("amazing_store")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as error:
        print(f"amazing-store: {error}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format == "json", settings.secret_values())
    try:
        with services(
            settings.database_url.get_secret_value() if settings.database_url else None,
            settings.redis_url.get_secret_value() if settings.redis_url else None,
            settings.data_dir,
        ) as urls:
            return args.command(settings, urls, args)
    except (EmbeddedServerError, MigrationError, OSError, asyncpg.PostgresError, DomainError, VaultError) as error:
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
        "run",
        help="start the web server, the bot and the sync jobs (the default)",
        description="Start the web server, the bot and the sync jobs in one process; migrates first.",
    ).set_defaults(command=_run)
    commands.add_parser(
        "migrate",
        help="apply pending database migrations",
        description="Apply pending sql/NNN_*.sql migrations and exit.",
    ).set_defaults(command=_migrate)
    seed = commands.add_parser(
        "seed-demo",
        help="load the demo catalog (idempotent)",
        description="Load a demo catalog: categories, products with stock, banners and the six channels. "
        "Running it again adds nothing.",
    )
    seed.add_argument("--if-empty", action="store_true", help="only when the catalog has no product yet")
    seed.set_defaults(command=_seed_demo)
    commands.add_parser(
        "remove-demo",
        help="take the demo catalog away, keeping everything the seller added",
        description="Remove the demo's products (with their stock and trial orders), banners, and the demo "
        "categories and manual channels that hold nothing of the seller's. The seller's products, orders and "
        "channels stay; the API marketplaces stay, to be connected.",
    ).set_defaults(command=_remove_demo)
    admin = commands.add_parser(
        "admin",
        help="grant, revoke or list admin rights",
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
    _channel_commands(commands)
    _marketplace_commands(commands)
    _catalog_commands(commands)
    return parser


def _catalog_commands(commands: argparse._SubParsersAction) -> None:
    catalog = commands.add_parser(
        "catalog",
        help="import or export the catalogue as an .xlsx or .csv file",
        description="The catalogue as a file, one product a row, matched by SKU. Columns: "
        + ", ".join(catalog_import.COLUMNS)
        + ". CSV: UTF-8 (with or without a BOM) or Windows-1251, separated by `,` or `;`.",
    )
    actions = catalog.add_subparsers(title="actions", required=True)
    importing = actions.add_parser(
        "import",
        help="check a file, then import it in one transaction",
        description="Check every row; with bad rows, name each (row as Excel numbers it, column, reason), import "
        "nothing and exit 1. A clean file is imported at once, unless --dry-run.",
    )
    importing.add_argument("file", type=Path)
    importing.add_argument("--dry-run", action="store_true", help="only report what the import would do")
    importing.set_defaults(command=_catalog_import)
    exporting = actions.add_parser(
        "export", help="write the catalogue with today's stock", description="Write every product to FILE."
    )
    exporting.add_argument("file", type=Path, help="an .xlsx or .csv path")
    exporting.set_defaults(command=_catalog_export)
    template = actions.add_parser(
        "template", help="write an empty catalogue file", description="Write the header row the import expects."
    )
    template.add_argument("file", type=Path, help="an .xlsx or .csv path")
    template.set_defaults(command=_catalog_template)


def _channel_commands(commands: argparse._SubParsersAction) -> None:
    channel = commands.add_parser(
        "channel",
        help="list, add, rename, switch off or on the sales channels",
        description="The shop's sales channels: the own store, the API marketplaces and manual channels (OLX, "
        "Instagram, a Telegram channel: orders typed into the bot).",
    )
    actions = channel.add_subparsers(title="actions", required=True)
    actions.add_parser("list", help="list every channel", description="List every channel.").set_defaults(
        command=_channel, action="list"
    )
    add = actions.add_parser("add", help="add a manual channel", description="Add a manual channel under any name.")
    add.add_argument("name")
    add.set_defaults(command=_channel, action="add")
    rename = actions.add_parser("rename", help="rename a channel", description="Give a channel (any) a new name.")
    rename.add_argument("id", type=int)
    rename.add_argument("name")
    rename.set_defaults(command=_channel, action="rename")
    for action, text in (("disable", "switch a channel off"), ("enable", "switch a channel back on")):
        sub = actions.add_parser(action, help=text, description=text.capitalize() + ".")
        sub.add_argument("id", type=int)
        sub.set_defaults(command=_channel, action=action)


def _marketplace_commands(commands: argparse._SubParsersAction) -> None:
    market = commands.add_parser(
        "marketplace",
        help=f"connect and map API marketplaces ({_names(lambda _p: True)})",
        description="Connect an API marketplace and map its listings to our products, without SQL.",
    )
    actions = market.add_subparsers(title="actions", required=True)
    configure = actions.add_parser(
        "configure",
        help="set a marketplace's address, keys, warehouse, shop; enable or pause its sync",
        description="Change a marketplace's connection. Keys are encrypted with SECRET_KEY before they are stored. "
        "The running process picks the change up on its next sync run.",
    )
    configure.add_argument("slug", help="the marketplace's slug, like " + ", ".join(PLATFORMS))
    configure.add_argument("--base-url", help="the API address (default: the platform's public one)")
    two_part = "client_id_and_api_key"
    configure.add_argument("--token", help=f"API token ({_names(lambda p: p.credentials == 'token')})")
    configure.add_argument("--client-id", help=f"Client-Id ({_names(lambda p: p.credentials == two_part)})")
    configure.add_argument("--api-key", help=f"Api-Key ({_names(lambda p: p.credentials == two_part)})")
    configure.add_argument(
        "--warehouse-id", type=int, help=f"seller warehouse id ({_names(lambda p: p.place == 'warehouse')})"
    )
    configure.add_argument("--shop-id", type=int, help=f"shop id ({_names(lambda p: p.place == 'shop')})")
    configure.add_argument(
        "--new-webhook-token",
        action="store_true",
        help=f"make a new secret webhook path (for the pushes of {_names(lambda p: p.pushes is not None)})",
    )
    switch = configure.add_mutually_exclusive_group()
    switch.add_argument("--enable", action="store_true", help="let the sync run")
    switch.add_argument("--disable", action="store_true", help="pause the sync")
    configure.set_defaults(command=_marketplace_configure)
    mapping = actions.add_parser(
        "map",
        help="map one of our products to a listing by its platform keys",
        description="Map our product (by SKU) to a marketplace listing by the keys its platform declares: "
        + "; ".join(f"{p.api_type}: {', '.join('--' + _flag(k.name) for k in p.asked())}" for p in PLATFORMS.values())
        + ". Any declared key also as --key NAME=VALUE. Then the keys only the platform knows are read from it.",
    )
    mapping.add_argument("slug")
    mapping.add_argument("--sku", required=True, help="our product's SKU")
    for name in dict.fromkeys(spec.name for declared in PLATFORMS.values() for spec in declared.keys):
        users_of = [p.api_type for p in PLATFORMS.values() if name in {k.name for k in p.keys}]
        mapping.add_argument(
            "--" + _flag(name), dest=f"key_{name}", metavar="VALUE", help=f"listing key {name} ({', '.join(users_of)})"
        )
    mapping.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a listing key by its declared name (repeatable)",
    )
    mapping.add_argument("--warehouse-id", type=int, help="the platform warehouse of this listing, if not the default")
    mapping.set_defaults(command=_marketplace_map)
    unmap = actions.add_parser("unmap", help="remove a product's mapping", description="Remove a mapping.")
    unmap.add_argument("slug")
    unmap.add_argument("--sku", required=True)
    unmap.set_defaults(command=_marketplace_unmap)
    automap = actions.add_parser(
        "automap",
        help="read the marketplace's catalog and map listings whose SKU or barcode is ours",
        description="Read the whole catalog of the marketplace and map every listing whose seller SKU or barcode "
        "matches one of our products; prints what matched, what did not and what conflicts.",
    )
    automap.add_argument("slug")
    automap.set_defaults(command=_marketplace_automap)
    import_cards = actions.add_parser(
        "import",
        help="make our products from the marketplace's cards that map to nothing yet, and map them",
        description="Read the whole catalog of the marketplace: a listing whose seller SKU or barcode is one of our "
        "products is mapped to it; every other unmapped listing becomes a product of ours (title, barcode, seller "
        "SKU, photos, its price as our starting price, its category where the name is one of ours, else "
        "Kategoriyasiz) mapped to it. Running it again adds nothing twice.",
    )
    import_cards.add_argument("slug")
    import_cards.add_argument(
        "--with-stock", action="store_true", help="take their FBS stock as the new products' opening stock"
    )
    import_cards.set_defaults(command=_marketplace_import)
    check = actions.add_parser(
        "check",
        help="ask the marketplace whose key this is, what it sees and until when it works",
        description="A few cheap authenticated calls: prints the seller the key belongs to, the warehouses or shops "
        "it can see and the key's expiry where the platform tells it. Exits 1 with the platform's message when "
        "the key is refused.",
    )
    check.add_argument("slug")
    check.set_defaults(command=_marketplace_check)
    pull = actions.add_parser(
        "pull",
        help="pull the marketplace's orders (or its stock, in stock_diff mode) now",
        description="One pull now, as the sync would run it: new orders are imported and cancellations given "
        "back (with sales_source stock_diff: their stock is read and drops become sales). Prints what it did.",
    )
    pull.add_argument("slug")
    pull.set_defaults(command=_marketplace_pull)
    finance = actions.add_parser(
        "finance",
        help="read the marketplace's own finance figures (commission, logistics, storage, ...) now",
        description="One read of the platform's finance report for the last days, as the daily job runs it: the "
        "orders it names get their actual fees in place of the estimated ones, charges of no order become costs "
        "of their day. Prints what it did.",
    )
    finance.add_argument("slug")
    finance.add_argument("--days", type=int, default=30, help="how many days back to read (default 30)")
    finance.set_defaults(command=_marketplace_finance)


def _run(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    # Imported here so that migrate, seed-demo and admin start without loading aiogram (a second), whose
    # Telegram types are deferred before it is first imported (amazing_store.telegram_types).
    from aiohttp import web

    from amazing_store.telegram_types import install

    install()
    from amazing_store.app import SHUTDOWN_TIMEOUT, create_app

    log.info("web: listening on http://%s:%s", settings.http_host, settings.http_port)
    web.run_app(
        create_app(settings, urls),
        host=settings.http_host,
        port=settings.http_port,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
        # aiohttp's one timer for an idle connection also runs while a request's headers arrive (it is started
        # on connect and after each answer, not by incoming bytes): this bounds slow-header clients too. Its
        # default of 75 s let 300 of them hold a connection each for that long.
        keepalive_timeout=settings.http_keepalive_timeout,
        print=None,
        access_log=None,
    )
    return 0


def _with_database(urls: ServiceUrls, work: Callable[[Conn], Awaitable[int]]) -> int:
    async def session() -> int:
        pool = await create_pool(urls.database_url, min_size=1, max_size=2)
        try:
            async with pool.acquire() as conn:
                return await work(conn)
        finally:
            await pool.close()

    return asyncio.run(session())


def _migrate(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    async def apply(conn: Conn) -> int:
        applied = await migrate(conn)
        print(f"applied: {', '.join(applied)}" if applied else "schema is up to date: nothing to apply")
        return 0

    return _with_database(urls, apply)


def _seed_demo(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    async def seed(conn: Conn) -> int:
        await migrate(conn)
        if args.if_empty and not await catalog_is_empty(conn):
            print("catalog already has products; demo not loaded")
            return 0
        if args.if_empty and await demo_was_removed(conn):
            print("the demo was removed (remove-demo); not loaded again")
            return 0
        pictures = media.store_for(settings)
        async with _effects(urls) as effects:
            try:
                summary = await seed_demo(conn, effects, pictures)
            finally:
                await pictures.close()
        print(
            f"demo loaded: {summary.categories} categories, {summary.products} products, "
            f"{summary.banners} banners, {summary.marketplaces} channels created"
        )
        return 0

    return _with_database(urls, seed)


def _remove_demo(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    async def remove(conn: Conn) -> int:
        await migrate(conn)
        async with _effects(urls) as effects:
            removed = await remove_demo(conn, effects)
        print(
            f"demo removed: {removed.products} products, {removed.orders} trial orders, {removed.categories} "
            f"categories, {removed.banners} banners, {removed.channels} channels"
        )
        return 0

    return _with_database(urls, remove)


def _channel(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    async def manage(conn: Conn) -> int:
        await migrate(conn)
        if args.action == "list":
            for row in await channels.list_all(conn):
                state = "on" if row.is_active else "off"
                print(f"{row.id}\t{row.name}\t{row.kind}\t{state}")
            return 0
        async with _effects(urls) as effects, effects.transaction(conn) as uow:
            if args.action == "add":
                changed = await channels.add_manual(uow, args.name, None)
            elif args.action == "rename":
                changed = await channels.rename(uow, args.id, args.name, None)
            else:
                changed = await channels.switch(uow, args.id, args.action == "enable", None)
        print(f"{changed.id}\t{changed.name}\t{changed.kind}\t{'on' if changed.is_active else 'off'}")
        return 0

    return _with_database(urls, manage)


def _admin(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    async def manage(conn: Conn) -> int:
        await migrate(conn)
        if args.action == "list":
            admins = await users.list_admins(conn)
            for row in admins:
                print(f"{row.telegram_id}\t{row.first_name}\t@{row.username or '-'}")
            configured = sorted(set(settings.admin_ids) - {row.telegram_id for row in admins})
            for telegram_id in configured:
                print(f"{telegram_id}\t(from ADMIN_IDS)")
            return 0
        changed = await users.set_admin(conn, args.telegram_id, args.action == "add")
        verb = "is now an admin" if args.action == "add" else "is no longer an admin"
        print(f"{args.telegram_id} {verb}" if changed else f"{args.telegram_id}: nothing to change")
        return 0

    return _with_database(urls, manage)


def _marketplace_configure(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    async def configure(conn: Conn) -> int:
        await migrate(conn)
        enabled = True if args.enable else (False if args.disable else None)
        async with _effects(urls) as effects, effects.transaction(conn) as uow:
            connection = await marketplaces.configure(
                uow,
                args.slug,
                marketplaces.Changes(
                    base_url=args.base_url,
                    token=args.token,
                    client_id=args.client_id,
                    api_key=args.api_key,
                    warehouse_id=args.warehouse_id,
                    shop_id=args.shop_id,
                    enabled=enabled,
                    new_webhook_token=args.new_webhook_token,
                ),
                vault_for(settings),
            )
        state = "sync on" if connection.auto_sync_enabled else "sync paused"
        print(f"{connection.name}: {connection.base_url or 'public API'}, {state}")
        if connection.webhook_path:
            # Shown this once: only the token's hash is kept.
            print(f"webhook URL: {settings.public_url or 'https://<PUBLIC_URL>'}{connection.webhook_path}")
            print("enter it in the marketplace's cabinet now: it is not stored and cannot be shown again")
        elif await marketplaces.has_webhook_path(conn, args.slug):
            print("webhook URL: set (not shown: only its hash is kept; --new-webhook-token makes a new one)")
        return 0

    return _with_database(urls, configure)


def _with_marketplace(
    settings: Settings,
    urls: ServiceUrls,
    slug: str,
    work: Callable[[Conn, marketplaces.Connection], Awaitable[int]],
    *,
    needs_keys: bool = True,
) -> int:
    """Run `work` on a migrated database with the marketplace's connection loaded. Keys that do not open stop a
    command that needs them before it does anything, with the marketplace named and what mends it."""

    async def run(conn: Conn) -> int:
        await migrate(conn)
        vault = vault_for(settings)
        try:
            connection = await marketplaces.connection(conn, slug, vault, unreadable_as_none=not needs_keys)
        except VaultError:
            _say_keys_unreadable(settings, await marketplaces.connection(conn, slug, vault, unreadable_as_none=True))
            return 1
        return await work(conn, connection)

    return _with_database(urls, run)


def _say_keys_unreadable(settings: Settings, connection: marketplaces.Connection) -> None:
    """What the admin chat's 🔐 alert says, for the operator at the console: the same two ways out."""
    if settings.secret_key is not None:
        key, restore = "this SECRET_KEY", "start with the SECRET_KEY they were sealed with"
    else:  # development: the key kept in DATA_DIR (vault_for)
        path = Path(settings.data_dir) / DEV_KEY_FILE
        key, restore = f"the key in {path}", f"put the key they were sealed with back in {path} (or in SECRET_KEY)"
    flags = "--token ..." if platform(connection.api_type).credentials == "token" else "--client-id ... --api-key ..."
    print(
        f"amazing-store: the saved keys of {connection.name} ({connection.slug}) do not open with {key}; nothing was"
        f" done.\nEnter them again: amazing-store marketplace configure {connection.slug} {flags}\nor {restore}.",
        file=sys.stderr,
    )


def _names(which: Callable[[Platform], bool]) -> str:
    """The display names of the declared platforms that fit, for the help."""
    return ", ".join(p.name for p in PLATFORMS.values() if which(p))


def _flag(name: str) -> str:
    return name.replace("_", "-")


def _typed_keys(args: argparse.Namespace) -> dict[str, str]:
    """The keys given as flags and as --key NAME=VALUE."""
    values = {
        name.removeprefix("key_"): value
        for name, value in vars(args).items()
        if name.startswith("key_") and value is not None
    }
    for pair in args.key:
        name, sep, value = pair.partition("=")
        if not sep:
            raise ValidationError(f"--key takes NAME=VALUE, not {pair!r}", "key")
        values[name.strip()] = value
    return values


def _marketplace_map(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    async def map_one(conn: Conn, connection: marketplaces.Connection) -> int:
        import aiohttp

        from sync.adapters import build_adapter
        from sync.http import MarketplaceError
        from sync.pull import learn_keys

        described = platform(connection.api_type)
        keys = described.parse(_typed_keys(args))
        await mappings.map_product(conn, connection.marketplace_id, args.sku, keys, warehouse_id=args.warehouse_id)
        print(
            f"{args.sku} -> {connection.name} listing {described.listing_id(keys)}; its stock is pushed on the next run"
        )
        try:
            async with aiohttp.ClientSession() as session, _shared_limits(urls) as limits:
                learnt = await learn_keys(conn, connection, build_adapter(connection, session, limits))
            if learnt:
                print(f"read {learnt} listing keys from {connection.name}")
        except MarketplaceError as error:  # the mapping stands; the keys are read again when an order needs them
            print(f"could not read listing keys from {connection.name} now: {error}", file=sys.stderr)
        return 0

    return _with_marketplace(settings, urls, args.slug, map_one)


def _marketplace_unmap(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    async def unmap_one(conn: Conn, connection: marketplaces.Connection) -> int:
        removed = await mappings.unmap(conn, connection.marketplace_id, args.sku)
        print(f"{args.sku}: mapping removed" if removed else f"{args.sku}: was not mapped")
        return 0

    # Only our own rows change: keys that do not open (or none) do not stand in its way.
    return _with_marketplace(settings, urls, args.slug, unmap_one, needs_keys=False)


def _catalog_import(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    try:
        file = catalog_import.parse(args.file.read_bytes(), args.file.name)
    except UnreadableTable as error:
        print(f"amazing-store: {args.file}: {error}", file=sys.stderr)
        return 1

    async def run(conn: Conn) -> int:
        await migrate(conn)
        plan = await catalog_import.check(conn, file)
        print(f"{file.name}: {plan.new} new, {plan.updated} updated, {plan.new_categories} new categories")
        if not plan.ok:
            for problem in plan.problems:
                print(f"{file.name}: {problem}", file=sys.stderr)
            print(f"amazing-store: {len(plan.problems)} bad cells; nothing imported", file=sys.stderr)
            return 1
        if args.dry_run:
            return 0
        async with _effects(urls) as effects, effects.transaction(conn) as uow:
            done = await catalog_import.run(uow, file, actor_id=None, low_stock_threshold=settings.low_stock_threshold)
        print(f"imported: {done.created} created, {done.updated} updated, {done.new_categories} categories created")
        return 0

    return _with_database(urls, run)


def _catalog_export(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    async def run(conn: Conn) -> int:
        await migrate(conn)
        args.file.write_bytes(await catalog_export.export(conn, args.file.name))
        print(f"exported to {args.file}")
        return 0

    try:
        table_format(args.file.name)
    except UnreadableTable as error:
        print(f"amazing-store: {error}", file=sys.stderr)
        return 2
    return _with_database(urls, run)


def _catalog_template(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    try:
        args.file.write_bytes(catalog_export.template(args.file.name))
    except UnreadableTable as error:
        print(f"amazing-store: {error}", file=sys.stderr)
        return 2
    print(f"template written to {args.file}")
    return 0


@contextlib.asynccontextmanager
async def _effects(urls: ServiceUrls) -> AsyncIterator[Effects]:
    """The command's publisher: caches, live pages and webhook receivers of running processes hear what it
    changed, as they hear their own."""
    redis = create_redis(urls.redis_url)
    try:
        yield Effects(redis)
    finally:
        await redis.aclose()


@contextlib.asynccontextmanager
async def _shared_limits(urls: ServiceUrls) -> AsyncIterator[RateLimits]:
    """The marketplaces' rate limits as the running replicas share them through Redis: a command keeps to them too."""
    from sync.limiter import RateLimits

    redis = create_redis(urls.redis_url)
    try:
        yield RateLimits(redis)
    finally:
        await redis.aclose()


def _marketplace_automap(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    from sync.automap import automap

    async def run(conn: Conn, connection: marketplaces.Connection) -> int:
        async with _shared_limits(urls) as limits:
            report = await automap(conn, connection, limits, progress=sys.stderr)
        print(
            f"matched {len(report.matched)}, already mapped {len(report.already)},"
            f" unmatched {len(report.unmatched)}, conflicts {len(report.conflicts)}"
        )
        for listing in report.conflicts:
            print(f"conflict: listing {listing}")
        for listing in report.unmatched:
            print(f"unmatched: listing {listing}")
        return 0

    return _with_marketplace(settings, urls, args.slug, run)


def _marketplace_import(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    from sync.automap import import_catalog

    async def run(conn: Conn, connection: marketplaces.Connection) -> int:
        async with _shared_limits(urls) as limits, _effects(urls) as effects:
            done = await import_catalog(
                conn,
                effects,
                connection,
                limits,
                with_stock=args.with_stock,
                low_stock_threshold=settings.low_stock_threshold,
            )
        print(f"{connection.name}: {done.created} created, {done.mapped} mapped to ours, {done.skipped} skipped")
        return 0

    return _with_marketplace(settings, urls, args.slug, run)


def _marketplace_check(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    import aiohttp

    from sync.http import MarketplaceError
    from sync.key_check import check_key

    async def run(conn: Conn, connection: marketplaces.Connection) -> int:
        try:
            async with aiohttp.ClientSession() as session, _shared_limits(urls) as limits:
                checked = await check_key(connection, session, limits)
        except MarketplaceError as error:
            what = "refused the key" if error.status in (401, 403) else "could not be checked"
            print(f"amazing-store: {connection.name} {what}: {error}", file=sys.stderr)
            return 1
        print(f"{connection.name}: key accepted")
        print(f"account: {checked.account or 'not named by the platform'}")
        if checked.expires_at is None:
            print("key expires: not told by the platform")
        else:
            days = (checked.expires_at - datetime.now(UTC)).days
            print(f"key expires: {checked.expires_at:%Y-%m-%d %H:%M} UTC (in {days} days)")
        print("warehouses and shops it sees:" + ("" if checked.places else " none"))
        for place in checked.places:
            print("  " + "\t".join(part for part in (place.id, place.name, place.note) if part))
        return 0

    return _with_marketplace(settings, urls, args.slug, run)


def _marketplace_pull(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    import aiohttp

    from sync.adapters import build_adapter
    from sync.http import MarketplaceError
    from sync.pull import pull_orders, pull_stock_diff

    async def run(conn: Conn, connection: marketplaces.Connection) -> int:
        async with aiohttp.ClientSession() as session, _shared_limits(urls) as limits, _effects(urls) as effects:
            try:
                adapter = build_adapter(connection, session, limits)
            except MarketplaceError as error:
                print(f"amazing-store: {error}", file=sys.stderr)
                return 1
            # The running process pulls under the same lock: one pull of a marketplace at a time.
            async with advisory_lock(conn, lock_key(f"pull:{connection.marketplace_id}")) as taken:
                if not taken:
                    print(
                        f"amazing-store: a pull of {connection.name} is running right now; try again in a moment",
                        file=sys.stderr,
                    )
                    return 1
                pull = pull_stock_diff if connection.sales_source == "stock_diff" else pull_orders
                pulled = await pull(conn, effects, connection, adapter, trigger="manual")
        if pulled.status == "error":
            print(f"amazing-store: {connection.name}: {pulled.error}", file=sys.stderr)
            return 1
        if pulled.kind == "stock":
            print(
                f"{connection.name} stock read: {pulled.processed} listings changed, {pulled.failed} could not be "
                "taken from our stock"
            )
        else:
            counts = pulled.orders
            print(
                f"{connection.name} orders: {counts.imported} imported, {counts.set_aside} set aside for an admin, "
                f"{counts.cancelled} cancelled, {counts.shipped} shipped, {counts.delivered} delivered"
            )
        return 0

    return _with_marketplace(settings, urls, args.slug, run)


def _marketplace_finance(settings: Settings, urls: ServiceUrls, args: argparse.Namespace) -> int:
    import aiohttp

    from sync.adapter import Finance
    from sync.adapters import build_adapter
    from sync.finance import pull_finance
    from sync.http import MarketplaceError

    async def run(conn: Conn, connection: marketplaces.Connection) -> int:
        async with aiohttp.ClientSession() as session, _shared_limits(urls) as limits, _effects(urls) as effects:
            try:
                adapter = build_adapter(connection, session, limits)
            except MarketplaceError as error:
                print(f"amazing-store: {error}", file=sys.stderr)
                return 1
            if not isinstance(adapter, Finance):
                print(f"amazing-store: {connection.name} has no finance report we read", file=sys.stderr)
                return 1
            read = await pull_finance(conn, effects, connection, adapter, days=args.days, trigger="manual")
        if read.status == "error":
            print(f"amazing-store: {connection.name}: {read.error}", file=sys.stderr)
            return 1
        counts = read.counts
        print(
            f"{connection.name} finance: {counts.orders} orders with actual fees, {counts.unknown_orders} orders "
            f"we do not hold, {counts.day_costs} costs of a day"
        )
        return 0

    return _with_marketplace(settings, urls, args.slug, run)
