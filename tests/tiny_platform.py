"""Tiny Market: a marketplace made up for the tests of the seam (tests/core/test_platforms.py), declared in the
one registry by the test that uses it (monkeypatching core.listings.PLATFORMS) and nowhere else."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import aiohttp

from core.listings import KeySpec, Platform
from core.marketplaces import Connection
from core.pushes import Notice, Ping, Refusal, Work
from demo.sandboxes.demo_platform import DemoAccount, DemoListing, DemoPlatform
from demo.sandboxes.uzum import UzumSandbox
from sync.limiter import RateLimits


class TinyAdapter:
    """The least an adapter class is to the seam: built from a connection, a session and the shared limits."""

    name = "Tiny Market"

    def __init__(self, connection: Connection, session: aiohttp.ClientSession, limits: RateLimits) -> None:
        self.connection = connection


class TinyPushes:
    default_networks: tuple[str, ...] = ("203.0.113.0/24",)
    resource: str | None = None

    def parse(self, body: bytes) -> Ping | Notice:
        return Ping()

    def ping_answer(self, now: datetime) -> dict[str, Any]:
        return {}

    def ack(self, now: datetime) -> dict[str, Any]:
        return {}

    def refusal(self, reason: Refusal, message: str) -> dict[str, Any]:
        return {"message": message}

    def work_of(self, kind: str, payload: dict[str, Any]) -> Work | None:
        return None


def _tiny_account(listings: list[DemoListing]) -> DemoAccount:
    return DemoAccount(UzumSandbox(token="tiny"), token="tiny", shop_id=1)


TINY_DEMO = DemoPlatform(
    commission=Decimal("9.00"),
    sku_prefix="TI",
    russian_listings=False,
    keys=lambda product: {"tiny_id": str(product.id)},
    account=_tiny_account,
)
TINY = Platform(
    api_type="tiny",
    name="Tiny Market",
    keys=(KeySpec("tiny_id", "integer", {"uz": "tiny_id", "ru": "tiny_id"}, required=True),),
    credentials="client_id_and_api_key",
    place="shop",
    cancel_reasons=("out_of_stock", "other"),
    adapter=f"{__name__}:TinyAdapter",
    sandbox=f"{__name__}:TINY_DEMO",
    pushes=TinyPushes(),
)
