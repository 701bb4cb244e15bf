"""Our shop connected to the three marketplace sandboxes: products, mappings, and the sandboxes' catalogs."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
import asyncpg
from cryptography.fernet import Fernet

from core import marketplaces
from core.marketplaces import Connection
from core.vault import Vault
from sync.adapter import Adapter
from sync.adapters import build_adapter
from sync.http import RetryPolicy
from sync.limiter import RateLimits
from sync.sandbox.ozon import OzonSandbox
from sync.sandbox.uzum import UzumSandbox
from sync.sandbox.wildberries import WildberriesSandbox

VAULT = Vault(Fernet.generate_key().decode())
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=2.0)
UZUM_TOKEN, WB_TOKEN, OZON_CLIENT, OZON_KEY = "uzum-secret-token", "wb-secret-token", "777", "ozon-secret-key"


@dataclass
class World:
    uzum: UzumSandbox
    wb: WildberriesSandbox
    ozon: OzonSandbox
    connections: dict[str, Connection]
    session: aiohttp.ClientSession
    limits: RateLimits  # the test process's, on the test Redis

    def adapter(self, slug: str) -> Adapter:
        options = {"uzum": {"requests_per_second": 200.0}}.get(slug, {})
        return build_adapter(self.connections[slug], self.session, self.limits, policy=FAST_RETRY, **options)


def sandboxes(pair_window: float = 0.0) -> tuple[UzumSandbox, WildberriesSandbox, OzonSandbox]:
    return (
        # Uzum's one request a second (and the minute-long throttle past it) would make every sync test wait;
        # the limit and the throttle are tested on their own (tests/sync/test_rate_limits.py).
        UzumSandbox(token=UZUM_TOKEN, rate_limit=False),
        WildberriesSandbox(token=WB_TOKEN),
        # Ozon's one-update-per-pair-per-30-s rule is tested on its own with a short window.
        OzonSandbox(client_id=OZON_CLIENT, api_key=OZON_KEY, rate_limit=False, pair_window_seconds=pair_window),
    )


async def connect(conn: asyncpg.Connection, uzum: UzumSandbox, wb: WildberriesSandbox,
                  ozon: OzonSandbox) -> dict[str, Connection]:
    for slug, name in (("uzum", "Uzum Market"), ("wildberries", "Wildberries"), ("ozon", "Ozon")):
        await conn.execute(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type, default_commission_rate)"
            " VALUES ($1, $2, 'api', $2, 10) ON CONFLICT (slug) DO NOTHING",
            name, slug,
        )
    changes = {
        "uzum": marketplaces.Changes(base_url=uzum.base_url, token=UZUM_TOKEN, shop_id=1, enabled=True),
        "wildberries": marketplaces.Changes(base_url=wb.base_url, token=WB_TOKEN, warehouse_id=wb.default_warehouse,
                                            enabled=True),
        "ozon": marketplaces.Changes(base_url=ozon.base_url, client_id=OZON_CLIENT, api_key=OZON_KEY,
                                     warehouse_id=ozon.default_warehouse, enabled=True),
    }
    return {slug: await marketplaces.configure(conn, slug, change, VAULT) for slug, change in changes.items()}


async def list_everywhere(conn: asyncpg.Connection, world_connections: dict[str, Connection],
                          uzum: UzumSandbox, wb: WildberriesSandbox, ozon: OzonSandbox, products: list[int]) -> None:
    """List our products on the three marketplaces (sandbox catalogs) and map them (set-based, fast)."""
    rows = await conn.fetch("SELECT id, sku FROM products WHERE id = ANY($1::int[]) ORDER BY id", products)
    uzum.load_catalog([{"skuId": 10_000 + r["id"], "barcode": f"478{r['id']:010d}", "productId": 20_000 + r["id"],
                        "price": 100_000, "sellerSkuCode": r["sku"], "amount": 0} for r in rows])
    wb.load_catalog([{"nmID": 30_000 + r["id"], "chrtId": 40_000 + r["id"], "barcode": f"2000{r['id']:09d}",
                      "vendorCode": r["sku"], "price": 1000, "stock": 0} for r in rows])
    ozon.load_catalog([{"offer_id": r["sku"], "product_id": 50_000 + r["id"], "sku": 60_000 + r["id"],
                        "price": 1000.0, "stocks": 0} for r in rows])
    ids = [r["id"] for r in rows]
    await conn.execute(
        """
        INSERT INTO marketplace_products (product_id, marketplace_id, marketplace_product_id, uzum_sku_id, uzum_barcode)
        SELECT id, $2, (10000 + id)::text, 10000 + id, '478' || lpad(id::text, 10, '0') FROM unnest($1::int[]) id
        """,
        ids, world_connections["uzum"].marketplace_id,
    )
    await conn.execute(
        "INSERT INTO marketplace_products (product_id, marketplace_id, marketplace_product_id, wb_chrt_id)"
        " SELECT id, $2, (40000 + id)::text, 40000 + id FROM unnest($1::int[]) id",
        ids, world_connections["wildberries"].marketplace_id,
    )
    await conn.execute(
        "INSERT INTO marketplace_products (product_id, marketplace_id, marketplace_product_id, ozon_offer_id,"
        " ozon_product_id) SELECT p.id, $2, p.sku, p.sku, 50000 + p.id FROM products p WHERE p.id = ANY($1::int[])",
        ids, world_connections["ozon"].marketplace_id,
    )
