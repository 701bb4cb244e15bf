"""Demo marketplaces: an API marketplace with neither its own address nor keys is served by a local sandbox
started in this process, so a new user sees the sync working. A marketplace configured with its own base URL
or credentials is never redirected to a sandbox."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

import asyncpg

from core import marketplaces
from core.mappings import LISTING_KEYS
from core.marketplaces import Connection
from core.vault import Vault
from demo.platforms import demo_platform
from demo.sandboxes.common import SandboxServer
from demo.sandboxes.demo_platform import DemoAccount, DemoListing

log = logging.getLogger(__name__)

_LISTINGS = f"""
SELECT mp.marketplace_stock, COALESCE(mp.marketplace_price, p.price) AS price, mp.price_currency, p.sku, p.barcode,
       p.name_ru,
       p.name_uz, {LISTING_KEYS}
  FROM marketplace_products mp
  JOIN products p ON p.id = mp.product_id
 WHERE mp.marketplace_id = $1
"""


@dataclass
class DemoMarketplaces:
    """The sandboxes standing in for unconfigured marketplaces, and the connections that point at them."""

    sandboxes: dict[int, SandboxServer] = field(default_factory=dict)
    connections: dict[int, Connection] = field(default_factory=dict)

    def route(self, connection: Connection) -> Connection:
        return self.connections.get(connection.marketplace_id, connection)

    async def stop(self) -> None:
        for sandbox in self.sandboxes.values():
            await sandbox.stop()


def _unconfigured(connection: Connection) -> bool:
    return not (connection.base_url or connection.token or connection.client_id or connection.api_key)


async def start_demo_marketplaces(pool: asyncpg.Pool, vault: Vault) -> DemoMarketplaces:
    demo = DemoMarketplaces()
    async with pool.acquire() as conn:
        # A marketplace whose keys do not open has keys, so no stand-in; the sync jobs tell of it.
        readable, _ = await marketplaces.readable_api_connections(conn, vault)
        for connection in readable:
            hook = demo_platform(connection.api_type)
            if not _unconfigured(connection) or hook is None:
                continue
            account = hook.account([_listing(row) for row in await conn.fetch(_LISTINGS, connection.marketplace_id)])
            sandbox = account.sandbox
            await sandbox.start()
            demo.sandboxes[connection.marketplace_id] = sandbox
            demo.connections[connection.marketplace_id] = _pointed_at(connection, account)
            log.info("%s: no credentials, served by a local sandbox at %s (demo)", connection.name, sandbox.base_url)
    return demo


def _listing(row: asyncpg.Record) -> DemoListing:
    return DemoListing(
        sku=row["sku"],
        barcode=row["barcode"],
        name_uz=row["name_uz"],
        name_ru=row["name_ru"],
        price=row["price"],
        price_currency=row["price_currency"],
        stock=row["marketplace_stock"],
        keys=row["keys"],
    )


def _pointed_at(connection: Connection, account: DemoAccount) -> Connection:
    """The connection at the sandbox's address with the sandbox account's credentials, its sync on."""
    return dataclasses.replace(
        connection,
        base_url=account.sandbox.base_url,
        auto_sync_enabled=True,
        token=account.token or connection.token,
        client_id=account.client_id or connection.client_id,
        api_key=account.api_key or connection.api_key,
        shop_id=account.shop_id or connection.shop_id,
        warehouse_id=account.warehouse_id or connection.warehouse_id,
    )
