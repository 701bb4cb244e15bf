"""The one interface every marketplace adapter implements, and the records that cross it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol, runtime_checkable

from core.key_checks import KeyCheck
from core.marketplace_orders import IncomingOrder


@dataclass(frozen=True)
class Listing:
    """A mapping's platform keys (only the ones its platform uses are set)."""

    mapping_id: int
    chrt_id: int | None = None
    sku_id: int | None = None
    barcode: str | None = None
    offer_id: str | None = None
    product_id: int | None = None
    warehouse_id: int | None = None


@dataclass(frozen=True)
class StockUpdate:
    listing: Listing
    quantity: int


@dataclass(frozen=True)
class ItemResult:
    mapping_id: int
    ok: bool
    error: str | None = None
    # The platform will refuse this item until then (seconds from now), e.g. Ozon's 30 s per item rule.
    retry_in: float | None = None


@dataclass(frozen=True)
class PriceQuote:
    listing: Listing
    price: Decimal | None
    strikethrough: Decimal | None


@dataclass(frozen=True)
class CatalogItem:
    """One sellable item of the platform's catalog, for mapping to our products by SKU or barcode."""

    title: str
    seller_sku: str | None
    barcodes: tuple[str, ...]
    listing: Listing = field(default_factory=lambda: Listing(0))


class Adapter(Protocol):
    name: str
    batch_limit: int
    max_quantity: int

    @property
    def calls(self) -> int:
        """HTTP requests sent so far."""

    def missing_keys(self, listing: Listing) -> str | None:
        """Why this mapping cannot be pushed (a platform key is missing), or None."""

    async def push_stock(self, updates: list[StockUpdate]) -> list[ItemResult]:
        """Set absolute stock for at most batch_limit items; one result per update."""

    async def read_stock(self, listings: list[Listing]) -> dict[int, int]:
        """The platform's current stock per mapping id."""

    async def read_prices(self, listings: list[Listing]) -> list[PriceQuote]:
        """The platform's price and strikethrough price (read-only for us)."""

    def catalog(self) -> AsyncIterator[CatalogItem]:
        """Every item of the seller's catalog on the platform."""

    async def incoming_orders(self) -> list[IncomingOrder]:
        """Orders placed on the platform that are still to be fulfilled."""

    async def cancelled_orders(self, keys: list[str]) -> set[str]:
        """Which of these order keys the platform has cancelled."""

    async def check(self) -> KeyCheck:
        """Whose key this is, the warehouses or shops it sees and until when it works, from a few cheap calls;
        raises MarketplaceError with the platform's words when the key is refused."""


@runtime_checkable
class OrderLookup(Protocol):
    """An optional capability: fetching one order by its key, for a platform whose push notification names an
    order without its lines and prices (Ozon's postings)."""

    async def order(self, key: str) -> IncomingOrder | None:
        """The order as the platform has it now, or None when the platform does not know it (yet)."""
