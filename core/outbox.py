"""The notifications outbox: alerts written in the same transaction as the change that caused them.

The bot's sender drains it into Telegram; nothing is lost when Telegram is unreachable. Each kind of alert is one
frozen dataclass below, shared by its writers and the bot's renderer, so a renamed field is a type error; its
KIND is the row's `kind`, its fields the row's JSON payload.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, get_args

from pydantic import TypeAdapter, ValidationError

from core.db import Conn


@dataclass(frozen=True)
class _StockCrossing:
    """Available stock crossed a line (`name` is the Uzbek name)."""

    product_id: int
    sku: str
    name: str
    available: int
    threshold: int


@dataclass(frozen=True)
class StockLow(_StockCrossing):
    KIND: ClassVar[str] = "stock_low"


@dataclass(frozen=True)
class StockOut(_StockCrossing):
    KIND: ClassVar[str] = "stock_out"


@dataclass(frozen=True)
class StockBack(_StockCrossing):
    KIND: ClassVar[str] = "stock_back"


@dataclass(frozen=True)
class OrderedItem:
    name: str
    quantity: int


@dataclass(frozen=True)
class OrderPlaced:
    """An order arrived through a channel other than a manual one (the admin who typed it knows)."""

    KIND: ClassVar[str] = "order_placed"
    order_id: int
    order_number: str
    channel: str
    total: Decimal
    customer_name: str
    items: tuple[OrderedItem, ...]
    user_id: int | None = None  # rows written before customers had accounts have none
    note: str | None = None  # what the customer wrote with the order
    # The own store's delivery zone (its Uzbek name, as the items' names) and its fee in the order's currency.
    delivery_zone: str | None = None
    delivery_fee: Decimal | None = None


@dataclass(frozen=True)
class OrderStatus:
    """News of an own-store order for its customer's chat (the one kind not for the admins)."""

    KIND: ClassVar[str] = "order_status"
    order_id: int
    order_number: str
    status: str
    user_id: int


@dataclass(frozen=True)
class BackInStock:
    """A sold-out product a customer asked about is back (core.back_in_stock): for that customer's chat."""

    KIND: ClassVar[str] = "back_in_stock"
    product_id: int
    user_id: int


@dataclass(frozen=True)
class PaymentNeedsRefund:
    """Money arrived for an order cancelled meanwhile."""

    KIND: ClassVar[str] = "payment_needs_refund"
    order_id: int
    order_number: str
    total: Decimal
    status: str
    charge_id: str | None


@dataclass(frozen=True)
class SyncFailure:
    KIND: ClassVar[str] = "sync_failure"
    marketplace_id: int
    marketplace: str
    error: str


@dataclass(frozen=True)
class SyncThrottled:
    """A marketplace answered 429 and the account's calls pause for longer than a request waits; one per throttle
    episode (sync.throttle_alerts), like SyncRecovered once its calls go through again."""

    KIND: ClassVar[str] = "sync_throttled"
    marketplace_id: int
    marketplace: str
    pause_seconds: int


@dataclass(frozen=True)
class SyncRecovered:
    KIND: ClassVar[str] = "sync_recovered"
    marketplace_id: int
    marketplace: str


@dataclass(frozen=True)
class ProblemLine:
    """A marketplace order line we could not place, as kept in marketplace_order_problems.line."""

    quantity: int
    price: str | None
    title: str
    seller_sku: str | None
    keys: dict[str, str]


@dataclass(frozen=True)
class MarketplaceOrderProblem:
    """A marketplace order (or a stock change there) we could not take as it came; what else is known depends on
    the problem: the line set aside, the product sold out here, or the status it had when cancelled there."""

    KIND: ClassVar[str] = "marketplace_order_problem"
    marketplace_id: int
    order: str | None
    problem: str
    line: ProblemLine | None = None
    product_id: int | None = None
    sold_there: int | None = None
    status: str | None = None


@dataclass(frozen=True)
class DriftedListing:
    product_id: int
    sku: str
    theirs: int
    ours: int


@dataclass(frozen=True)
class StockDrift:
    """A marketplace shows other stock than ours: `items` are being pushed the truth; `held` show less there while
    some of its order lines match none of our listings, so they are not raised (rows before holding have none)."""

    KIND: ClassVar[str] = "stock_drift"
    marketplace_id: int
    marketplace: str
    items: tuple[DriftedListing, ...]
    count: int
    held: tuple[DriftedListing, ...] = ()
    held_count: int = 0
    unplaced_lines: int = 0


@dataclass(frozen=True)
class WebhookFailure:
    KIND: ClassVar[str] = "webhook_failure"
    marketplace_id: int
    event_id: int
    event_type: str
    error: str


@dataclass(frozen=True)
class MarketplaceKeysUnreadable:
    """A marketplace's stored API keys do not open with this SECRET_KEY (it changed, or the keys were sealed with
    another): its pushes are refused 503 until its keys are configured again or the right key is back."""

    KIND: ClassVar[str] = "marketplace_keys_unreadable"
    marketplace_id: int
    marketplace: str


@dataclass(frozen=True)
class PhotoFetchFailed:
    """A photo named by URL (an import) could not be fetched; the product stays as it is without it."""

    KIND: ClassVar[str] = "photo_fetch_failed"
    product_id: int
    sku: str
    name: str
    url: str
    error: str


@dataclass(frozen=True)
class FbsOrderArrived:
    """A new order of a platform whose FBS work is done from chat (core.fbs): told instead of OrderPlaced, with
    the platform's deadline, so that the admins can confirm or cancel it from the alert."""

    KIND: ClassVar[str] = "fbs_order_arrived"
    order_id: int
    order_number: str
    marketplace_id: int
    marketplace_name: str
    marketplace_order_id: str
    deadline: datetime | None
    total: Decimal
    items: tuple[OrderedItem, ...]
    currency: str = "UZS"  # of the total: the platform's; alerts stored before currencies were so'm


@dataclass(frozen=True)
class FbsDeadlineNear:
    """An unconfirmed marketplace order's deadline is near (FBS_REMINDER_MINUTES before it); once per order."""

    KIND: ClassVar[str] = "fbs_deadline_near"
    order_id: int
    order_number: str
    marketplace_name: str
    deadline: datetime


@dataclass(frozen=True)
class FbsDeadlineMissed:
    """The platform cancelled an order that was never confirmed, after its deadline had passed."""

    KIND: ClassVar[str] = "fbs_deadline_missed"
    order_id: int
    order_number: str
    marketplace_name: str
    deadline: datetime


@dataclass(frozen=True)
class FbsActionFailed:
    """The platform refused an FBS action after its requester stopped waiting for the answer."""

    KIND: ClassVar[str] = "fbs_action_failed"
    action_id: int
    kind: str
    order_numbers: tuple[str, ...]
    error: str


@dataclass(frozen=True)
class FbsPaperReady:
    """An FBS action brought back a document (labels, the courier's paper) after its requester stopped waiting:
    the admins fetch it with the alert's button (core.fbs.paper)."""

    KIND: ClassVar[str] = "fbs_paper_ready"
    action_id: int
    kind: str
    order_numbers: tuple[str, ...]


@dataclass(frozen=True)
class FbsCancellationRequested:
    """A buyer asks to cancel a marketplace order the platform leaves to the seller to answer
    (core.cancellation_requests): the admins accept or refuse it with the alert's buttons."""

    KIND: ClassVar[str] = "fbs_cancellation_requested"
    request_id: int
    order_id: int
    order_number: str
    marketplace_name: str
    marketplace_order_id: str
    total: Decimal
    currency: str
    items: tuple[OrderedItem, ...]
    reason: str | None  # the buyer's words, as the platform gives them


@dataclass(frozen=True)
class ReturnArrived:
    """A buyer sent goods back through a marketplace: waits for an admin to put them back in stock or write
    them off (core.fbs.decide_return)."""

    KIND: ClassVar[str] = "return_arrived"
    return_id: int
    marketplace_name: str
    order_number: str | None
    product_name: str
    quantity: int
    reason: str | None
    defective: bool


@dataclass(frozen=True)
class RateMissing:
    """Currencies in use (orders, marketplace prices) with no fresh rate to the base currency: their amounts are
    left out of the reports' totals until an admin or the Central Bank gives one. Told once a day."""

    KIND: ClassVar[str] = "rate_missing"
    currencies: tuple[str, ...]


@dataclass(frozen=True)
class SupportMessage:
    """A customer wrote to the bot (core.support): the alert sender copies the message into the alert chat, under
    its thread's header, and notes where it landed, so that an admin's reply finds the customer."""

    KIND: ClassVar[str] = "support_message"
    message_id: int  # support_messages.id
    thread_id: int


Alert = (
    StockLow
    | StockOut
    | StockBack
    | OrderPlaced
    | OrderStatus
    | BackInStock
    | PaymentNeedsRefund
    | SyncFailure
    | SyncThrottled
    | SyncRecovered
    | MarketplaceOrderProblem
    | StockDrift
    | WebhookFailure
    | MarketplaceKeysUnreadable
    | PhotoFetchFailed
    | FbsOrderArrived
    | FbsDeadlineNear
    | FbsDeadlineMissed
    | FbsActionFailed
    | FbsPaperReady
    | FbsCancellationRequested
    | ReturnArrived
    | RateMissing
    | SupportMessage
)
KINDS: dict[str, type[Alert]] = {shape.KIND: shape for shape in get_args(Alert)}


async def add(conn: Conn, alert: Alert) -> None:
    await conn.execute(
        "INSERT INTO notifications (kind, payload) VALUES ($1, $2)", alert.KIND, dataclasses.asdict(alert)
    )


async def add_unless_recent(conn: Conn, alert: Alert, within: timedelta) -> bool:
    """Add the alert unless the same one (kind and payload) was added within `within`; True when added. For a
    condition met over and over (every push of a platform's retries), from any replica: a lock on the alert
    makes concurrent writers take turns, so the second sees the first's row."""
    payload = dataclasses.asdict(alert)
    async with conn.transaction():
        identity = f"{alert.KIND}:{json.dumps(payload, sort_keys=True, default=str)}"
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", identity)
        added = await conn.fetchval(
            """
            INSERT INTO notifications (kind, payload)
            SELECT $1::varchar, $2::jsonb
             WHERE NOT EXISTS (SELECT 1 FROM notifications
                                WHERE kind = $1::varchar AND payload = $2::jsonb AND created_at > NOW() - $3::interval)
            RETURNING id
            """,
            alert.KIND,
            payload,
            within,
        )
    return added is not None


def parse(kind: str, payload: dict[str, Any]) -> Alert | None:
    """A stored row as its kind's dataclass; None for a kind this code does not know, or a payload not shaped as
    its kind (then the row is shown as it is: one odd row must not stop the outbox)."""
    if kind not in KINDS:
        return None
    try:
        return _adapter(kind).validate_python(payload)
    except ValidationError:
        return None


@functools.cache
def _adapter(kind: str) -> TypeAdapter[Alert]:
    return TypeAdapter(KINDS[kind])
