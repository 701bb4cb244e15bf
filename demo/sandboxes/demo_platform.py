"""What a sandbox tells the demo about its platform (each sandbox module's DEMO, named by the platform's declaration
in core.listings): how the demo lists its products there, and how it serves an unconfigured connection with a
sandbox account. Plain values only: the sandboxes import nothing else of the project."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from demo.sandboxes.common import SandboxServer


@dataclass(frozen=True)
class SeededProduct:
    """A demo product as its listing keys are made from it: our id (known once it is written), SKU and barcode."""

    id: int
    sku: str
    barcode: str | None


@dataclass(frozen=True)
class DemoListing:
    """A listing of the demo's catalogue on the platform, as the sandbox is loaded with it."""

    sku: str
    barcode: str | None
    name_uz: str
    name_ru: str | None
    price: Decimal
    price_currency: str | None  # None: the shop's own (so'm)
    stock: int
    keys: Mapping[str, str]


@dataclass(frozen=True)
class DemoAccount:
    """The sandbox standing in for the platform (not started yet), and the connection settings of the account it
    knows (named as the connection's fields; None leaves a field as it is)."""

    sandbox: SandboxServer
    token: str | None = None
    client_id: str | None = None
    api_key: str | None = None
    shop_id: int | None = None
    warehouse_id: int | None = None


@dataclass(frozen=True)
class DemoPlatform:
    # The channel row's default commission (percent).
    commission: Decimal
    # Starts the listing id the demo gives a product there, recognisable at a glance in the bot and the logs.
    sku_prefix: str
    # Its storefront is Russian-first: the demo's listing there is named in Russian.
    russian_listings: bool
    # The listing keys a demo product gets there (made up, deterministic); a None value is left out.
    keys: Callable[[SeededProduct], Mapping[str, str | None]]
    # The sandbox loaded with these listings, and the account the connection is pointed at.
    account: Callable[[list[DemoListing]], DemoAccount]
