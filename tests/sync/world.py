"""Our shop connected to the four marketplace sandboxes: products, mappings, and the sandboxes' catalogs."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import asyncpg
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from core import marketplaces
from core.marketplaces import Connection
from core.settings import Settings
from core.unit_of_work import Effects, UnitOfWork
from core.vault import Vault
from demo.sandboxes.ozon import OzonSandbox
from demo.sandboxes.uzum import UzumSandbox
from demo.sandboxes.wildberries import WildberriesSandbox
from demo.sandboxes.yandex import YandexSandbox
from sync.adapter import Adapter
from sync.adapters import build_adapter
from sync.http import RetryPolicy
from sync.limiter import RateLimits

VAULT = Vault(Fernet.generate_key().decode())
FAST_RETRY = RetryPolicy(attempts=3, base_delay=0.01, max_delay=2.0)
UZUM_TOKEN, WB_TOKEN, OZON_CLIENT, OZON_KEY = "uzum-secret-token", "wb-secret-token", "777", "ozon-secret-key"
YANDEX_KEY = "yandex-secret-api-key"
# Every API marketplace the world connects, in the registry's order.
SLUGS = ("uzum", "wildberries", "ozon", "yandex")


@dataclass
class World:
    uzum: UzumSandbox
    wb: WildberriesSandbox
    ozon: OzonSandbox
    yandex: YandexSandbox
    connections: dict[str, Connection]
    session: aiohttp.ClientSession
    limits: RateLimits  # the test process's, on the test Redis

    def adapter(self, slug: str) -> Adapter:
        # Tests that do not test rate limits would wait on our pacing of the documented rates: it is relaxed here
        # (the limits are tested in tests/sync/test_rate_limits.py and the sandboxes' own tests).
        options = {
            "uzum": {"requests_per_second": 200.0},
            "ozon": {"stocks_per_minute": 6000},
            "wildberries": {"per_minute": 60_000, "burst": 1000},
            "yandex": {"pace": 1000.0},
        }.get(slug, {})
        return build_adapter(self.connections[slug], self.session, self.limits, policy=FAST_RETRY, **options)


def sandboxes(pair_window: float = 0.0) -> tuple[UzumSandbox, WildberriesSandbox, OzonSandbox, YandexSandbox]:
    return (
        # Uzum's one request a second (and the minute-long throttle past it) would make every sync test wait;
        # the limit and the throttle are tested on their own (tests/sync/test_rate_limits.py).
        UzumSandbox(token=UZUM_TOKEN, rate_limit=False),
        WildberriesSandbox(token=WB_TOKEN),
        # Ozon's one-update-per-pair-per-30-s rule is tested on its own with a short window.
        OzonSandbox(client_id=OZON_CLIENT, api_key=OZON_KEY, rate_limit=False, pair_window_seconds=pair_window),
        # Yandex's per-operation budgets (an hour long for orders) are tested in the sandbox's own tests.
        YandexSandbox(api_key=YANDEX_KEY, rate_limit=False),
    )


async def connect(
    uow: UnitOfWork,
    uzum: UzumSandbox,
    wb: WildberriesSandbox,
    ozon: OzonSandbox,
    yandex: YandexSandbox,
    vault: Vault = VAULT,
    *,
    ozon_pushes: bool = False,
) -> dict[str, Connection]:
    """The four API marketplaces on their sandboxes (Yandex's campaign as the shop id), their keys sealed with
    `vault` (a process's own vault when a real process must read them); with `ozon_pushes`, Ozon pushes to us on a
    path token."""
    names = {"uzum": "Uzum Market", "wildberries": "Wildberries", "ozon": "Ozon", "yandex": "Yandex Market"}
    for slug, name in names.items():
        await uow.conn.execute(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type, default_commission_rate)"
            " VALUES ($1, $2, 'api', $2, 10) ON CONFLICT (slug) DO NOTHING",
            name,
            slug,
        )
    changes = {
        "uzum": marketplaces.Changes(base_url=uzum.base_url, token=UZUM_TOKEN, shop_id=1, enabled=True),
        "wildberries": marketplaces.Changes(
            base_url=wb.base_url, token=WB_TOKEN, warehouse_id=wb.default_warehouse, enabled=True
        ),
        "ozon": marketplaces.Changes(
            base_url=ozon.base_url,
            client_id=OZON_CLIENT,
            api_key=OZON_KEY,
            warehouse_id=ozon.default_warehouse,
            enabled=True,
            new_webhook_token=ozon_pushes,
        ),
        "yandex": marketplaces.Changes(
            base_url=yandex.base_url, token=YANDEX_KEY, shop_id=yandex.default_campaign, enabled=True
        ),
    }
    return {slug: await marketplaces.configure(uow, slug, change, vault) for slug, change in changes.items()}


@contextlib.asynccontextmanager
async def process_world(pool: asyncpg.Pool, redis: Redis, settings: Settings) -> AsyncIterator[World]:
    """The four sandboxes running and connected with keys sealed by the process's (or the CLI's) SECRET_KEY,
    Ozon pushing on a path token."""
    assert settings.secret_key is not None
    uzum, wb, ozon, yandex = sandboxes()
    for sandbox in (uzum, wb, ozon, yandex):
        await sandbox.start()
    try:
        async with pool.acquire() as conn, Effects(redis).transaction(conn) as uow:
            connections = await connect(
                uow, uzum, wb, ozon, yandex, Vault(settings.secret_key.get_secret_value()), ozon_pushes=True
            )
        async with aiohttp.ClientSession() as session:
            yield World(uzum, wb, ozon, yandex, connections, session, RateLimits(redis))
    finally:
        for sandbox in (uzum, wb, ozon, yandex):
            await sandbox.stop()


UZUM_SKU_TITLE = "Standard"


def yandex_market_sku(product_id: int) -> int:
    """The Market SKU Yandex's catalogue gives our product's offer."""
    return 70_000 + product_id


def uzum_barcode(product_id: int) -> str:
    """The barcode of our product's SKU in the Uzum sandbox catalogue."""
    return f"478{product_id:010d}"


async def list_everywhere(
    conn: asyncpg.Connection,
    world_connections: dict[str, Connection],
    uzum: UzumSandbox,
    wb: WildberriesSandbox,
    ozon: OzonSandbox,
    yandex: YandexSandbox,
    products: list[int],
    *,
    uzum_seller_codes: bool = False,
) -> None:
    """List our products on the four marketplaces (sandbox catalogs) and map them as a seller would by hand
    (set-based, fast): Uzum by skuId + barcode, Wildberries by chrtId, Ozon by offer_id + product_id, Yandex by
    offer_id (its Market SKU is learnt). Uzum SKUs carry
    no seller code unless asked (its order items then name the SKU only by productId and skuTitle)."""
    rows = await conn.fetch("SELECT id, sku FROM products WHERE id = ANY($1::int[]) ORDER BY id", products)
    uzum.load_catalog(
        [
            {
                "skuId": 10_000 + r["id"],
                "barcode": uzum_barcode(r["id"]),
                "productId": 20_000 + r["id"],
                "skuTitle": UZUM_SKU_TITLE,
                "price": 100_000,
                "amount": 0,
                **({"sellerSkuCode": r["sku"]} if uzum_seller_codes else {}),
            }
            for r in rows
        ]
    )
    wb.load_catalog(
        [
            {
                "nmID": 30_000 + r["id"],
                "chrtId": 40_000 + r["id"],
                "barcode": f"2000{r['id']:09d}",
                "vendorCode": r["sku"],
                "price": 1000,
                "stock": 0,
            }
            for r in rows
        ]
    )
    ozon.load_catalog(
        [
            {
                "offer_id": r["sku"],
                "product_id": 50_000 + r["id"],
                "sku": 60_000 + r["id"],
                "price": 1000.0,
                "stocks": 0,
            }
            for r in rows
        ]
    )
    yandex.load_catalog(
        [
            {
                "offer_id": r["sku"],
                "market_sku": yandex_market_sku(r["id"]),
                "name": r["sku"],
                "barcodes": [f"460{r['id']:010d}"],
                "price": 1000,
                "stock": 0,
            }
            for r in rows
        ]
    )
    listings = {
        "uzum": [
            (r["id"], str(10_000 + r["id"]), {"sku_id": str(10_000 + r["id"]), "barcode": uzum_barcode(r["id"])})
            for r in rows
        ],
        "wildberries": [(r["id"], str(40_000 + r["id"]), {"chrt_id": str(40_000 + r["id"])}) for r in rows],
        "ozon": [(r["id"], r["sku"], {"offer_id": r["sku"], "product_id": str(50_000 + r["id"])}) for r in rows],
        "yandex": [(r["id"], r["sku"], {"offer_id": r["sku"]}) for r in rows],
    }
    for slug, mapped in listings.items():
        await insert_listings(conn, world_connections[slug].marketplace_id, mapped)


async def insert_listings(
    conn: asyncpg.Connection, marketplace_id: int, listings: list[tuple[int, str, dict[str, str]]]
) -> None:
    """Mappings (product id, listing id, keys) in two statements."""
    mapping_ids = dict(
        await conn.fetch(
            "INSERT INTO marketplace_products (product_id, marketplace_id, marketplace_product_id)"
            " SELECT d.product_id, $2, d.listing FROM unnest($1::int[], $3::text[]) AS d(product_id, listing)"
            " RETURNING product_id, id",
            [product_id for product_id, _, _ in listings],
            marketplace_id,
            [listing for _, listing, _ in listings],
        )
    )
    keys = [
        (mapping_ids[product_id], name, value) for product_id, _, named in listings for name, value in named.items()
    ]
    await conn.execute(
        "INSERT INTO listing_keys (mapping_id, marketplace_id, name, value)"
        " SELECT k.mapping_id, $1, k.name, k.value"
        " FROM unnest($2::int[], $3::text[], $4::text[]) AS k(mapping_id, name, value)",
        marketplace_id,
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
    )


@contextlib.asynccontextmanager
async def yandex_dbs_campaign(
    pool: asyncpg.Pool, effects: Effects, phone: int, campaign_id: int
) -> AsyncIterator[tuple[YandexSandbox, Connection]]:
    """A shop's Yandex Market DBS campaign (the shop delivers itself) on its sandbox, connected with a webhook path
    token, our phone (PH-1) listed on it by its SKU."""
    sandbox = YandexSandbox(
        api_key=YANDEX_KEY, campaigns=[{"id": campaign_id, "placementType": "DBS"}], rate_limit=False
    )
    sandbox.load_catalog([{"offer_id": "PH-1", "market_sku": 1001, "name": "Phone", "price": 30_000, "stock": 5}])
    await sandbox.start()
    try:
        async with pool.acquire() as conn:
            await conn.execute(
                "INSERT INTO marketplaces (name, slug, integration_type, api_type, default_commission_rate)"
                " VALUES ('Yandex Market', 'yandex', 'api', 'yandex', 10)"
            )
            async with effects.transaction(conn) as uow:
                change = marketplaces.Changes(
                    base_url=sandbox.base_url,
                    token=YANDEX_KEY,
                    shop_id=campaign_id,
                    enabled=True,
                    new_webhook_token=True,
                )
                connection = await marketplaces.configure(uow, "yandex", change, VAULT)
            await insert_listings(conn, connection.marketplace_id, [(phone, "PH-1", {"offer_id": "PH-1"})])
        yield sandbox, connection
    finally:
        await sandbox.stop()
