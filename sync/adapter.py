"""The one interface every marketplace adapter implements, and the records that cross it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol, runtime_checkable

from core.cancellation_requests import IncomingCancellationRequest
from core.key_checks import KeyCheck

# CancelReason and CancellationRefusal are declared with the platforms (core.listings); re-exported for the
# adapters that name them here.
from core.listings import CancellationRefusal as CancellationRefusal
from core.listings import CancelReason as CancelReason
from core.listings import ListingKeys
from core.marketplace_orders import IncomingLine, IncomingOrder, OpenOrder
from core.order_progress import Progress


@dataclass(frozen=True)
class Listing:
    """A mapping as an adapter sees it: its platform keys (core.listings) and the warehouse its stock goes to
    (None: the connection's default)."""

    mapping_id: int
    keys: ListingKeys = field(default_factory=ListingKeys)
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
    # What the platform shows for a refused item, when it was read back.
    platform_stock: int | None = None


@dataclass(frozen=True)
class PriceQuote:
    listing: Listing
    price: Decimal | None
    strikethrough: Decimal | None
    currency: str | None = None  # ISO 4217 letters, when the platform says


@dataclass(frozen=True)
class CatalogItem:
    """One sellable item of the platform's catalog, for mapping to our products by SKU or barcode, or for making
    one of ours from it (price, category and photos where the card read carries them)."""

    title: str
    seller_sku: str | None
    barcodes: tuple[str, ...]
    listing: Listing = field(default_factory=lambda: Listing(0))
    price: Decimal | None = None
    category: str | None = None
    photo_urls: tuple[str, ...] = ()


class Adapter(Protocol):
    name: str
    batch_limit: int
    max_quantity: int

    @property
    def calls(self) -> int:
        """HTTP requests sent so far."""

    def missing_keys(self, listing: Listing) -> str | None:
        """Why this mapping cannot be pushed beyond a missing declared key (e.g. no warehouse), or None."""

    async def push_stock(self, updates: list[StockUpdate]) -> list[ItemResult]:
        """Set absolute stock for at most batch_limit items; one result per update."""

    async def read_stock(self, listings: list[Listing]) -> dict[int, int]:
        """The platform's current stock per mapping id."""

    async def read_prices(self, listings: list[Listing]) -> list[PriceQuote]:
        """The platform's price and strikethrough price (read-only for us)."""

    def catalog(self) -> AsyncIterator[CatalogItem]:
        """Every item of the seller's catalog on the platform."""

    async def incoming_orders(self, since: datetime | None) -> list[IncomingOrder]:
        """Orders placed on the platform that are still to be fulfilled and, with ``since`` (the last pull, less
        a margin), every order placed since then whatever its status now, so that one that moved on while we
        were not pulling is still imported (marked ``cancelled`` if the platform cancelled it meanwhile).
        None (the first pull) looks at the work queue only: a newly connected shop imports no history."""

    async def order_progress(self, open_orders: list[OpenOrder]) -> dict[str, Progress]:
        """Where the platform took these open orders past the seller's steps, by key: their goods left the
        warehouse, they reached their buyers, or they were cancelled; an order still with the seller is absent."""

    async def learn_keys(self, listings: list[Listing]) -> dict[int, ListingKeys]:
        """Keys of these listings that only the platform knows (e.g. what its order lines carry), by mapping id:
        asked when an order line resolves to nothing, and after mapping."""

    async def check(self) -> KeyCheck:
        """Whose key this is, the warehouses or shops it sees and until when it works, from a few cheap calls;
        raises MarketplaceError with the platform's words when the key is refused."""


@runtime_checkable
class OrderLookup(Protocol):
    """An optional capability: fetching one order by its key, for a platform whose push notification names an
    order without its lines and prices (Ozon's postings)."""

    async def order(self, key: str) -> IncomingOrder | None:
        """The order as the platform has it now, or None when the platform does not know it (yet)."""


@dataclass(frozen=True)
class WorkOrder:
    """An imported marketplace order as the FBS actions need it: its key, and the platform's shipment (a
    Wildberries supply) it went into when it was confirmed, if any."""

    key: str
    shipment: str | None = None


@dataclass(frozen=True)
class Confirmed:
    """What confirming told us: the shipment the order is now in (Wildberries' supply) and the next deadline
    (ship by), when the platform gives them."""

    shipment: str | None = None
    deadline: datetime | None = None


@dataclass(frozen=True)
class Document:
    """A file a platform gave us (a label, a supply's QR code, an act) as its bytes, untouched."""

    filename: str
    content: bytes
    media_type: str  # "application/pdf", "image/png", "image/svg+xml"


@dataclass(frozen=True)
class Label:
    order_key: str
    document: Document


@dataclass(frozen=True)
class HandOver:
    """One handed-over shipment (a Wildberries supply, an Ozon act) and its paper for the courier, if any."""

    shipment: str | None
    order_keys: tuple[str, ...]
    document: Document | None = None


@dataclass(frozen=True)
class IncomingReturn:
    """Goods a buyer sent back, as the platform lists them; keyed by the platform's own return id (or the
    order and line it is for, where the platform has no return id), so hearing of it twice changes nothing."""

    key: str
    order_key: str | None
    lines: tuple[IncomingLine, ...]
    reason: str | None = None
    # The platform itself says the goods are defective.
    defective: bool = False
    returned_at: datetime | None = None


@runtime_checkable
class Fulfilment(Protocol):
    """An optional capability: the FBS work an order needs on the platform, done from our chat. Every refusal
    raises sync.http.MarketplaceError with the platform's words; nothing here moves our stock."""

    cancel_reasons: tuple[CancelReason, ...]

    async def confirm(self, order: WorkOrder) -> Confirmed:
        """Accept the order for assembly (Uzum: confirm; Wildberries: into today's open supply, made when there
        is none; Ozon: ship the posting as one package)."""

    async def cancel(self, order: WorkOrder, reason: CancelReason) -> None:
        """Cancel the order on the platform on the seller's side."""

    async def labels(self, orders: list[WorkOrder]) -> list[Label]:
        """Each order's label as the platform prints it, sized for a 58x40 label where the platform lets us ask."""

    async def hand_over(self, orders: list[WorkOrder]) -> list[HandOver]:
        """Close what these confirmed orders are in and hand it to the platform's courier (Wildberries: deliver
        the supply and give its QR code); an empty list where the platform has no such step."""

    async def returns(self, since: datetime | None) -> list[IncomingReturn]:
        """Returns the platform lists (since a time when given)."""


@runtime_checkable
class CancellationRequests(Protocol):
    """An optional capability: buyers' requests to cancel an order that the platform leaves to the seller to answer
    (Yandex Market DBS). Every refusal raises sync.http.MarketplaceError with the platform's words; nothing here
    moves our stock (core.cancellation_requests does, when an acceptance is taken)."""

    # Equal to its platform's declaration (core.listings.Platform.cancellation_reasons_to_refuse).
    cancellation_reasons_to_refuse: tuple[CancellationRefusal, ...]

    async def cancellation_requests(self, since: datetime | None) -> list[IncomingCancellationRequest]:
        """Every order whose request still waits for the seller's answer, whenever the order was placed; ``since``
        (the last pull, less a margin) lets a platform that lists requests by date ask for those made since."""

    async def answer_cancellation(self, order: WorkOrder, accept: bool, reason: CancellationRefusal | None) -> None:
        """Accept the request (the platform then cancels the order) or refuse it with one of the reasons."""


@runtime_checkable
class SelfDelivery(Protocol):
    """An optional capability: telling the platform the seller's own courier delivered orders (Yandex Market DBS).
    Returns the keys the platform took; refusing them all raises sync.http.MarketplaceError with its words."""

    async def delivered(self, orders: list[WorkOrder]) -> list[str]:
        """Mark these handed-over orders delivered to their buyers."""


# What a platform charges the seller for, in our words (the kinds of sql/022_money.sql order_fees).
FeeKind = Literal[
    "commission", "logistics", "last_mile", "storage", "penalty", "acquiring", "return_logistics", "other"
]


@dataclass(frozen=True)
class Fee:
    kind: FeeKind
    # Positive: the seller pays it; negative: the platform pays it back (a compensation, a refunded fee).
    amount: Decimal
    currency: str  # ISO 4217 letters: "UZS", "RUB"


@dataclass(frozen=True)
class OrderFinance:
    """One line of the platform's finance report for one of our imported orders (keyed as IncomingOrder.key):
    every fee the line charged, summed per kind. ``key`` is the platform's own id of the line, so reading it
    twice counts it once while the lines of other periods add up (sql/026_order_fee_lines.sql)."""

    order_key: str
    fees: tuple[Fee, ...]
    key: str


@dataclass(frozen=True)
class DayCost:
    """A charge that belongs to no order (storage, a penalty), a cost of its day; ``key`` is the platform's own
    id of the line, so reading the same report twice counts it once."""

    key: str
    day: date
    fee: Fee
    note: str | None = None


@dataclass(frozen=True)
class FinanceReport:
    orders: tuple[OrderFinance, ...]
    day_costs: tuple[DayCost, ...]


@runtime_checkable
class Finance(Protocol):
    """An optional capability: the platform's finance figures for a period (Uzum's order items and expenses,
    Wildberries' realization report, Ozon's accruals)."""

    async def finance(self, since: datetime, until: datetime) -> FinanceReport:
        """Every fee the platform booked in [since, until), per order where it names one, else per day."""
