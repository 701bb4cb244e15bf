"""Demo marketplaces: an API marketplace with neither its own address nor keys is served by a local sandbox
started in this process, so a new user sees the sync working. A marketplace configured with its own base URL
or credentials is never redirected to a sandbox."""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from decimal import Decimal

import asyncpg

from core import marketplaces
from core.mappings import LISTING_KEYS
from core.marketplaces import Connection
from core.vault import Vault
from demo.sandboxes.cbu import DEMO
from demo.sandboxes.common import SandboxServer
from demo.sandboxes.ozon import OzonSandbox
from demo.sandboxes.uzum import UzumSandbox
from demo.sandboxes.wildberries import WildberriesSandbox

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
        for connection in await marketplaces.api_connections(conn, vault):
            if not _unconfigured(connection) or connection.api_type not in ("uzum", "wildberries", "ozon"):
                continue
            rows = await conn.fetch(_LISTINGS, connection.marketplace_id)
            sandbox, routed = _sandbox_for(connection, rows)
            await sandbox.start()
            demo.sandboxes[connection.marketplace_id] = sandbox
            demo.connections[connection.marketplace_id] = dataclasses.replace(
                routed, base_url=sandbox.base_url, auto_sync_enabled=True
            )
            log.info("%s: no credentials, served by a local sandbox at %s (demo)", connection.name, sandbox.base_url)
    return demo


def _sandbox_for(connection: Connection, rows: list[asyncpg.Record]) -> tuple[SandboxServer, Connection]:
    if connection.api_type == "uzum":
        uzum = UzumSandbox(token="demo-uzum-token", rate_limit=False)
        uzum.load_catalog(
            [
                {
                    "skuId": int(r["keys"]["sku_id"]),
                    "barcode": r["keys"]["barcode"],
                    "productId": int(r["keys"]["sku_id"]),
                    "price": int(r["price"]),
                    "sellerSkuCode": r["sku"],
                    "skuTitle": r["name_uz"],
                    "amount": r["marketplace_stock"],
                }
                for r in rows
                if "sku_id" in r["keys"] and "barcode" in r["keys"]
            ]
        )
        return uzum, dataclasses.replace(connection, token="demo-uzum-token", shop_id=1)
    if connection.api_type == "wildberries":
        # A seller in Uzbekistan is settled in so'm by Wildberries (marketplace-fidelity.md, CUR).
        wb = WildberriesSandbox(token="demo-wb-token", seller_currency=860, prices_currency="UZS")
        wb.load_catalog(
            [
                {
                    "nmID": int(r["keys"]["chrt_id"]),
                    "chrtId": int(r["keys"]["chrt_id"]),
                    "barcode": r["barcode"] or r["sku"],
                    "vendorCode": r["sku"],
                    "title": r["name_ru"] or r["name_uz"],
                    "price": int(r["price"]),
                    "stock": r["marketplace_stock"],
                }
                for r in rows
                if "chrt_id" in r["keys"]
            ]
        )
        return wb, dataclasses.replace(connection, token="demo-wb-token", warehouse_id=wb.default_warehouse)
    ozon = OzonSandbox(client_id="1", api_key="demo-ozon-key", rate_limit=False)
    ozon.load_catalog(
        [
            {
                "offer_id": r["keys"]["offer_id"],
                "product_id": int(r["keys"]["product_id"]),
                "sku": int(r["keys"]["product_id"]),
                "price": _roubles(r),
                "name": r["name_ru"] or r["name_uz"],
                "stocks": r["marketplace_stock"],
            }
            for r in rows
            if "offer_id" in r["keys"] and "product_id" in r["keys"]
        ]
    )
    return ozon, dataclasses.replace(
        connection, client_id="1", api_key="demo-ozon-key", warehouse_id=ozon.default_warehouse
    )


def _roubles(row: asyncpg.Record) -> float:
    """Ozon prices in the cabinet's currency, never in so'm (OZ-SPEC price.currency_code): the demo's so'm price at
    the demo bank's rate, or the roubles Ozon's own price read left there."""
    if row["price_currency"] == "RUB":
        return float(row["price"])
    return float((row["price"] / DEMO["RUB"].rate).quantize(Decimal("0.01")))
