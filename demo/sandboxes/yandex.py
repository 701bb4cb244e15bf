"""Yandex Market Partner API sandbox, strict to the official OpenAPI (YM-OAS: yandex-market/yandex-market-partner-api,
commit 1318e9b): campaigns, stocks, catalogue, prices, business orders and the FBS/DBS order work (status, boxes,
labels, the buyer's cancellation, the first-mile shipment and its act), returns and unredeemed orders, the orders'
statistics with what each order is billed (demo/sandboxes/yandex_stats.py), per-operation limits answered with 420,
and the notifications Yandex POSTs to a shop (YM-NOTIFY: yandex.ru/dev/market/partner-api/doc/ru/push-notifications/
reference/sendNotification; the DBS status model, YM-DOCS, is
yandex.com/dev/market/partner-api/doc/ru/concepts/dbs-order-status-model).

Where the spec is silent the sandbox takes the stricter reading; each such place says so in a comment ("[strict]").
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from itertools import count
from typing import Any

import aiohttp
from aiohttp import web

from demo.sandboxes.cbu import DEMO as DEMO_RATES
from demo.sandboxes.common import (
    SandboxError,
    SandboxServer,
    decode_cursor,
    encode_cursor,
    parse_lines,
    rfc3339,
    utc_now,
)
from demo.sandboxes.demo_platform import DemoAccount, DemoListing, DemoPlatform, SeededProduct
from demo.sandboxes.pdf import LABEL_SIZE, MM, text_pdf
from demo.sandboxes.yandex_stats import STATS_STATUSES, moscow_day, stats_order, stats_status

CURRENCY = "RUR"  # YM-OAS components/schemas/CurrencyType.yaml spells the rouble RUR, not RUB
MOSCOW = timezone(timedelta(hours=3))
DEFAULT_BUSINESS = {"id": 7_700_001, "name": "Sandbox business"}
DEFAULT_CAMPAIGNS: tuple[Mapping[str, Any], ...] = (
    {"id": 21_000_001, "domain": "sandbox-fbs.example", "placementType": "FBS"},
)
# The networks YM-NOTIFY (push-notifications/index.md) lists as Market's senders; the first address stands in.
NOTIFY_SOURCE_IP = "5.45.207.10"
PING_TIMEOUT = 1.0  # YM-NOTIFY: "1 секунда для проверочного уведомления PING"
NOTIFY_TIMEOUT = 10.0  # YM-NOTIFY: "10 секунд для обычных уведомлений"
NOTIFY_RESOURCE = "notification"  # YM-NOTIFY reference/sendNotification: POST /notification
# YM-OAS components/schemas/ShopSku.yaml
SHOP_SKU = re.compile(r"^(?=.*\S.*)[^\x00-\x08\x0A-\x1f\x7f]{1,255}$")
ORDER_STATUSES = frozenset(
    {
        "PLACING",
        "RESERVED",
        "UNPAID",
        "PROCESSING",
        "DELIVERY",
        "PICKUP",
        "DELIVERED",
        "CANCELLED",
        "PENDING",
        "PARTIALLY_RETURNED",
        "RETURNED",
        "UNKNOWN",
    }
)
PROGRAM_TYPES = frozenset({"FBY", "FBS", "DBS", "EXPRESS", "LAAS"})
# YM-OAS components/schemas/ReturnType.yaml, ReturnShipmentStatusType.yaml, RefundStatusType.yaml,
# ReturnDecisionReasonType.yaml, ReturnInstanceStockType.yaml.
RETURN_TYPES = frozenset({"UNREDEEMED", "RETURN"})
RETURN_SHIPMENT_STATUSES = frozenset(
    {
        "CREATED",
        "RECEIVED",
        "IN_TRANSIT",
        "READY_FOR_PICKUP",
        "PICKED",
        "LOST",
        "EXPIRED",
        "CANCELLED",
        "FULFILMENT_RECEIVED",
        "PREPARED_FOR_UTILIZATION",
        "NOT_IN_DEMAND",
        "UTILIZED",
        "READY_FOR_EXPROPRIATION",
        "RECEIVED_FOR_EXPROPRIATION",
        "UNKNOWN",
    }
)
REFUND_STATUSES = frozenset(
    {
        "STARTED_BY_USER",
        "REFUND_IN_PROGRESS",
        "REFUNDED",
        "FAILED",
        "WAITING_FOR_DECISION",
        "DECISION_MADE",
        "REFUNDED_WITH_BONUSES",
        "REFUNDED_BY_SHOP",
        "CANCELLED",
        "REJECTED",
        "COMPLETE_WITHOUT_REFUND",
        "PREMODERATION_DISPUTE",
        "PREMODERATION_DECISION_WAITING",
        "PREMODERATION_DECISION_MADE",
        "PREMODERATION_SELECT_DELIVERY",
        "UNKNOWN",
    }
)
RETURN_REASONS = frozenset(
    {"BAD_QUALITY", "DOES_NOT_FIT", "WRONG_ITEM", "DAMAGE_DELIVERY", "LOYALTY_FAIL", "CONTENT_FAIL", "DELIVERY_FAIL"}
)
RETURN_STOCK_TYPES = frozenset(
    {
        "FIT",
        "DEFECT",
        "ANOMALY",
        "SURPLUS",
        "EXPIRED",
        "MISGRADING",
        "UNDEFINED",
        "INCORRECT_IMEI",
        "INCORRECT_SERIAL_NUMBER",
        "INCORRECT_CIS",
        "PART_MISSING",
        "NON_COMPLIENT",
        "NOT_ACCEPTABLE",
        "SERVICE",
        "MARKDOWN",
        "DEMO",
        "REPAIR",
        "FIRMWARE",
        "UNKNOWN",
    }
)
INSTANCE_STATUSES = frozenset(
    {"CREATED", "RECEIVED", "IN_TRANSIT", "READY_FOR_PICKUP", "PICKED", "CANCELLED", "LOST", "UTILIZED"}
)
# YM-OAS components/schemas/ShipmentStatusType.yaml.
SHIPMENT_STATUSES = frozenset(
    {
        "OUTBOUND_CREATED",
        "OUTBOUND_READY_FOR_CONFIRMATION",
        "OUTBOUND_CONFIRMED",
        "OUTBOUND_SIGNED",
        "FINISHED",
        "ACCEPTED",
        "ACCEPTED_WITH_DISCREPANCIES",
        "ERROR",
    }
)
# confirmShipment's refusal before the cutoff, as paths/..._first-mile_shipments_shipmentId_confirm.yaml quotes it.
BEFORE_CUTOFF = "Cutoff time for shipments has not been reached yet"
# [strict] The act is "только для подтвержденной отгрузки": confirmed or later.
ACT_STATUSES = frozenset(
    {"OUTBOUND_CONFIRMED", "OUTBOUND_SIGNED", "ACCEPTED", "ACCEPTED_WITH_DISCREPANCIES", "FINISHED"}
)
# [strict] The order a return's goods travel back in (the statuses' descriptions, ReturnShipmentStatusType.yaml);
# the sandbox refuses a step back or a step from a final status.
RETURN_STEPS = ("CREATED", "RECEIVED", "IN_TRANSIT", "READY_FOR_PICKUP", "PICKED")
RETURN_ENDS = frozenset({"PICKED", "LOST", "EXPIRED", "CANCELLED", "UTILIZED"})
LABEL_FORMATS = {"A9_HORIZONTALLY": LABEL_SIZE, "A9": (40 * MM, 58 * MM), "A7": (80.4 * MM, 125.6 * MM)}
A4_SIZE = (210 * MM, 297 * MM)
# The concepts/error-codes page the spec links to is not in the OpenAPI; these codes are the sandbox's [strict]
# guess: one fixed code per HTTP status, so a client must branch on the status, not on the code.
ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    420: "HIT_RATE_LIMIT",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def ym_error(status: int, message: str) -> web.Response:
    """YM-OAS components/schemas/ApiErrorResponse.yaml: ``{status: ERROR, errors: [{code, message}]}``."""
    body = {"status": "ERROR", "errors": [{"code": ERROR_CODES.get(status, "ERROR"), "message": message}]}
    return web.json_response(body, status=status)


def ok(result: Any = None) -> web.Response:
    """YM-OAS ApiResponse.yaml: ``{status: OK}`` with the operation's ``result`` when it has one."""
    return web.json_response({"status": "OK"} if result is None else {"status": "OK", "result": result})


class ApiError(Exception):
    """A refusal with the HTTP status the spec lists for it."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad(message: str) -> ApiError:
    return ApiError(400, message)


# -- request validation (YM-OAS schemas) -----------------------------------------------------------------------
def object_body(raw: bytes, *, required: bool, allowed: Iterable[str]) -> dict[str, Any]:
    """The JSON object body. [strict] A field the schema does not name is refused (a misspelt filter would
    otherwise be ignored and widen the answer)."""
    if not raw:
        if required:
            raise bad("request body is required")
        return {}
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise bad("request body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise bad("request body must be a JSON object")
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise bad(f"unknown field(s): {', '.join(unknown)}")
    return body


def integer(value: Any, name: str, low: int | None = None, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(f"{name} must be an integer")
    if (low is not None and value < low) or (high is not None and value > high):
        raise bad(f"{name} must be in {low if low is not None else '-inf'}..{high if high is not None else 'inf'}")
    return value


def boolean(value: Any, name: str) -> bool | None:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise bad(f"{name} must be a boolean")
    return value


def shop_sku(value: Any, name: str) -> str:
    if not isinstance(value, str) or not SHOP_SKU.match(value):
        raise bad(f"{name} must be a shop SKU (1..255 characters, not blank, no control characters)")
    return value


def unique_list(value: Any, name: str, max_items: int | None, item: Callable[[Any, str], Any]) -> list[Any] | None:
    """A nullable array with minItems 1, maxItems and uniqueItems, as the request schemas declare them."""
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise bad(f"{name} must be a non-empty array")
    if max_items is not None and len(value) > max_items:
        raise bad(f"{name} may hold at most {max_items} items")
    items = [item(v, name) for v in value]
    if len(set(map(json.dumps, items))) != len(items):
        raise bad(f"{name} must not repeat a value")
    return items


def enum_item(allowed: frozenset[str]) -> Callable[[Any, str], str]:
    def check(value: Any, name: str) -> str:
        if value not in allowed:
            raise bad(f"{name}: unknown value {value!r}")
        return str(value)

    return check


def plain_string(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise bad(f"{name} must hold non-empty strings")
    return value


def iso_date(value: Any, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise bad(f"{name} must be a date YYYY-MM-DD") from exc


def iso_moment(value: Any, name: str) -> datetime | None:
    """[strict] A date-time must carry its UTC offset (the spec's examples all do)."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise bad(f"{name} must be an ISO 8601 date-time") from exc
    if moment.tzinfo is None:
        raise bad(f"{name} must carry its offset from UTC")
    return moment


def query_limit(request: web.Request, default: int | None, maximum: int) -> int | None:
    """``limit`` (YM-OAS components/parameters/PageLimit*.yaml). [strict] The *Truncate parameters carry
    ``x-transform: truncateLimit``; the sandbox refuses a value above the maximum instead of cutting it."""
    raw = request.query.get("limit")
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad("limit must be an integer") from exc
    if not 1 <= value <= maximum:
        raise bad(f"limit must be in 1..{maximum}")
    return value


def page_token(request: web.Request) -> str | None:
    """YM-OAS components/parameters/AliasedPageToken.yaml: ``pageToken``, aliased ``page_token``."""
    tokens = [request.query[name] for name in ("pageToken", "page_token") if name in request.query]
    if len(tokens) > 1:
        raise bad("give pageToken or page_token, not both")
    return tokens[0] if tokens else None


def paged(rows: list[Any], token: str | None, limit: int) -> tuple[list[Any], dict[str, str]]:
    """One page after ``token``; ``paging`` carries ``nextPageToken`` only when more rows follow."""
    try:
        offset = decode_cursor(token)
    except ValueError as exc:
        raise bad("pageToken is not one this server gave") from exc
    chosen = rows[offset : offset + limit]
    more = offset + limit < len(rows)
    return chosen, ({"nextPageToken": encode_cursor(offset + limit)} if more else {})


def path_id(request: web.Request, name: str) -> int:
    """An int64 path parameter with minimum 1 (YM-OAS components/parameters/CampaignId.yaml, BusinessId.yaml)."""
    raw = request.match_info[name]
    if not raw.isdigit() or int(raw) < 1:
        raise bad(f"{name} must be a positive integer")
    return int(raw)


def money(value: Decimal) -> float:
    """A JSON number for the wire; the sandbox keeps Decimal inside."""
    return float(value)


def dd_mm_yyyy(moment: datetime) -> str:
    """YM-OAS DateDdMmYyyyHhMmSs.yaml (the older OrderDTO); [strict] in Moscow time, as the cabinet shows it."""
    return moment.astimezone(MOSCOW).strftime("%d-%m-%Y %H:%M:%S")


# -- limits (YM-OAS x-resource-limit-config) ---------------------------------------------------------------------
@dataclass(frozen=True)
class Limit:
    """``amount`` per ``seconds``; ``per_item`` when the config's ``path`` counts items, not requests."""

    amount: int
    seconds: float
    per_item: bool = False


# [strict] The "none" tier (the smaller where tiers differ), and one budget per key for all its campaigns.
LIMITS: dict[str, Limit] = {
    "getCampaigns": Limit(1000, 3600),  # paths/v2_campaigns.yaml
    "getCampaign": Limit(5000, 3600),  # paths/v2_campaigns_campaignId.yaml
    "updateStocks": Limit(100_000, 60, per_item=True),  # paths/v2_campaigns_campaignId_offers_stocks.yaml req.skus
    "getStocks": Limit(100_000, 60, per_item=True),  # resp.result.warehouses.offers.offerId
    "getOfferMappings": Limit(100, 60),  # paths/v2_businesses_businessId_offer-mappings.yaml
    "getDefaultPrices": Limit(5000, 60, per_item=True),  # paths/v2_businesses_businessId_offer-prices.yaml
    "getPricesByOfferIds": Limit(10_000, 60, per_item=True),  # paths/v2_campaigns_campaignId_offer-prices.yaml
    "getBusinessOrders": Limit(10_000, 3600),  # paths/v1_businesses_businessId_orders.yaml
    "getOrder": Limit(10_000, 3600),  # paths/v2_campaigns_campaignId_orders_orderId.yaml
    "updateOrderStatus": Limit(10_000, 3600),  # paths/v2_campaigns_campaignId_orders_orderId_status.yaml
    "updateOrderStatuses": Limit(10_000, 3600, per_item=True),  # ..._orders_status-update.yaml resp.result.orders
    "setOrderBoxLayout": Limit(10_000, 3600),  # paths/v2_campaigns_campaignId_orders_orderId_boxes.yaml
    "generateOrderLabels": Limit(10_000, 3600),  # ..._orders_orderId_delivery_labels.yaml
    "acceptOrderCancellation": Limit(500, 3600),  # ..._orders_orderId_cancellation_accept.yaml
    "getReturns": Limit(5000, 3600),  # paths/v2_campaigns_campaignId_returns.yaml
    "searchShipments": Limit(200, 3600),  # paths/v2_campaigns_campaignId_first-mile_shipments.yaml
    "confirmShipment": Limit(200, 3600),  # ..._first-mile_shipments_shipmentId_confirm.yaml
    "downloadShipmentAct": Limit(200, 3600),  # ..._first-mile_shipments_shipmentId_act.yaml
    "getOrdersStats": Limit(10_000, 3600),  # paths/v2_campaigns_campaignId_stats_orders.yaml
}

# YM-OAS x-auth-scopes: the accesses an Api-Key may hold that let it call each operation (a key holding none of
# them is refused with 403). Note that pushing stock needs offers-and-cards-management, not order processing.
_ANY_ACCESS = frozenset(
    {
        "all-methods",
        "all-methods:read-only",
        "settings-management",
        "finance-and-accounting",
        "offers-and-cards-management",
        "offers-and-cards-management:read-only",
        "pricing",
        "pricing:read-only",
        "inventory-and-order-processing",
        "inventory-and-order-processing:read-only",
        "promotion",
        "promotion:read-only",
        "communication",
        "supplies-management:read-only",
    }
)
_CATALOGUE_READ = frozenset(
    {"all-methods", "all-methods:read-only", "offers-and-cards-management", "offers-and-cards-management:read-only"}
)
_PRICES_READ = frozenset({"all-methods", "all-methods:read-only", "pricing", "pricing:read-only"})
_ORDERS_READ = frozenset(
    {
        "all-methods",
        "all-methods:read-only",
        "inventory-and-order-processing",
        "inventory-and-order-processing:read-only",
        "finance-and-accounting",
    }
)
_ORDERS_WRITE = frozenset({"all-methods", "inventory-and-order-processing"})
SCOPES: dict[str, frozenset[str]] = {
    "getCampaigns": _ANY_ACCESS,
    "getCampaign": _ANY_ACCESS,
    "updateStocks": frozenset({"all-methods", "offers-and-cards-management"}),
    "getStocks": _CATALOGUE_READ,
    "getOfferMappings": _CATALOGUE_READ,
    "getDefaultPrices": _PRICES_READ,
    "getPricesByOfferIds": _PRICES_READ,
    "getBusinessOrders": _ORDERS_READ,
    "getOrder": _ORDERS_READ | {"communication"},
    "updateOrderStatus": _ORDERS_WRITE,
    "updateOrderStatuses": _ORDERS_WRITE,
    "setOrderBoxLayout": _ORDERS_WRITE,
    "generateOrderLabels": _ORDERS_WRITE,
    "acceptOrderCancellation": _ORDERS_WRITE,
    # paths/v2_campaigns_campaignId_returns.yaml x-auth-scopes: order processing, not finance.
    "getReturns": _ORDERS_READ - {"finance-and-accounting"},
    # The first-mile shipment: read with order access, confirmed and its act made only with write access.
    "searchShipments": _ORDERS_READ - {"finance-and-accounting"},
    "confirmShipment": _ORDERS_WRITE,
    "downloadShipmentAct": _ORDERS_WRITE,
    # Not finance-and-accounting: the spec's x-auth-scopes of getOrdersStats do not list it.
    "getOrdersStats": _ORDERS_READ - {"finance-and-accounting"},
}


class Budget:
    """A fixed window: ``amount`` units from the window's start, then a fresh window."""

    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._start = clock()
        self.used = 0

    def _roll(self) -> None:
        now = self._clock()
        if now - self._start >= self.limit.seconds:
            self._start, self.used = now, 0

    def fits(self, units: int) -> bool:
        self._roll()
        return self.used + units <= self.limit.amount

    def charge(self, units: int) -> None:
        self._roll()
        self.used += units


# -- the platform's records -----------------------------------------------------------------------------------
@dataclass
class YmOffer:
    offer_id: str
    market_sku: int
    name: str
    barcodes: list[str]
    price: Decimal
    archived: bool = False
    updated_at: datetime = field(default_factory=utc_now)


@dataclass
class YmLine:
    item_id: int
    offer_id: str
    name: str
    count: int
    price: Decimal  # per unit, in the shop's currency


@dataclass
class YmReturnItem:
    offer_id: str
    count: int
    reason: str | None  # ReturnDecisionReasonType; None for an unredeemed order (no buyer's decision)
    stock_type: str | None  # ReturnInstanceStockType once Yandex checked the goods


@dataclass
class YmReturn:
    return_id: int
    order_id: int
    campaign_id: int
    return_type: str
    shipment_status: str
    refund_status: str
    created_at: datetime
    updated_at: datetime
    items: list[YmReturnItem]


@dataclass
class YmShipment:
    """A first-mile shipment: Yandex forms one per campaign and shipment day from the orders made ready to ship,
    by the warehouse's schedule (set in the cabinet, not through the API)."""

    shipment_id: int
    campaign_id: int
    day: date
    status: str
    order_ids: list[int]


@dataclass
class YmOrder:
    order_id: int
    campaign_id: int
    status: str
    substatus: str
    created_at: datetime
    updated_at: datetime
    shipment_date: date
    lines: list[YmLine]
    cancel_requested: bool = False
    boxes: list[dict[str, Any]] | None = None
    # The status it was cancelled in: the orders' statistics tell a cancellation in processing from one in delivery.
    cancelled_in: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((line.price * line.count for line in self.lines), Decimal(0))


# -- notification bodies (YM-NOTIFY, "One of 18 types") -----------------------------------------------------------
def ping_notification(at: datetime | None = None) -> dict[str, Any]:
    return {"notificationType": "PING", "time": rfc3339(at or utc_now())}


def _order_items(order: YmOrder) -> list[dict[str, Any]]:
    return [{"offerId": line.offer_id, "count": line.count} for line in order.lines]


def order_created_notification(order: YmOrder) -> dict[str, Any]:
    return {
        "notificationType": "ORDER_CREATED",
        "orderId": order.order_id,
        "campaignId": order.campaign_id,
        "items": _order_items(order),
        "createdAt": rfc3339(order.created_at),
    }


def order_status_updated_notification(order: YmOrder) -> dict[str, Any]:
    return {
        "notificationType": "ORDER_STATUS_UPDATED",
        "orderId": order.order_id,
        "campaignId": order.campaign_id,
        "status": order.status,
        "substatus": order.substatus,
        "updatedAt": rfc3339(order.updated_at),
    }


def order_cancelled_notification(order: YmOrder) -> dict[str, Any]:
    return {
        "notificationType": "ORDER_CANCELLED",
        "orderId": order.order_id,
        "campaignId": order.campaign_id,
        "items": _order_items(order),
        "cancelledAt": rfc3339(order.updated_at),
    }


def cancellation_request_notification(order: YmOrder, at: datetime) -> dict[str, Any]:
    return {
        "notificationType": "ORDER_CANCELLATION_REQUEST",
        "orderId": order.order_id,
        "campaignId": order.campaign_id,
        "requestedAt": rfc3339(at),
    }


@dataclass
class Delivery:
    """What one notification POST got back, judged as YM-NOTIFY's 200 answer requires."""

    status: int | None
    body: Any
    ok: bool
    reason: str


def judge_answer(status: int, body: Any) -> tuple[bool, str]:
    """YM-NOTIFY "Responses": 200 with ``{name, version}`` (strings of 1..100) and ``time`` (date-time)."""
    if status != 200:
        return False, f"status {status}"
    if not isinstance(body, dict):
        return False, "body is not a JSON object"
    for key in ("name", "version"):
        value = body.get(key)
        if not isinstance(value, str) or not 1 <= len(value) <= 100:
            return False, f"{key} must be a string of 1..100 characters"
    try:
        datetime.fromisoformat(str(body.get("time")))
    except ValueError:
        return False, "time must be a date-time"
    return True, "OK"


# -- the server -----------------------------------------------------------------------------------------------
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class YandexSandbox(SandboxServer):
    """One key (``Api-Key``, holding ``scopes``) that sees one business and its campaigns (shops), each given as
    ``{id, domain?, placementType: FBS|DBS, warehouseId?}``. ``base_url`` stands for
    ``https://api.partner.market.yandex.ru``."""

    def __init__(
        self,
        *,
        api_key: str = "ym-sandbox-api-key",
        business: Mapping[str, Any] = DEFAULT_BUSINESS,
        campaigns: Iterable[Mapping[str, Any]] = DEFAULT_CAMPAIGNS,
        scopes: Iterable[str] = ("all-methods",),
        rate_limit: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key = api_key
        self.scopes = frozenset(scopes)
        unknown = self.scopes - _ANY_ACCESS
        if unknown:
            raise ValueError(f"unknown accesses {sorted(unknown)}")
        self.rate_limit = rate_limit
        self.business: dict[str, Any] = {"id": int(business["id"]), "name": str(business["name"])}
        self.campaigns: dict[int, dict[str, Any]] = {}
        self.warehouses: dict[int, int] = {}  # campaign -> its partner warehouse
        for number, raw in enumerate(campaigns, start=1):
            placement = str(raw.get("placementType", "FBS"))
            if placement not in ("FBS", "DBS"):
                raise ValueError("the sandbox serves FBS and DBS campaigns")
            campaign_id = int(raw["id"])
            self.campaigns[campaign_id] = {
                "domain": str(raw.get("domain", f"campaign-{campaign_id}")),
                "id": campaign_id,
                "business": dict(self.business),
                "placementType": placement,
                "apiAvailability": "AVAILABLE",
            }
            self.warehouses[campaign_id] = int(raw.get("warehouseId", 1_500_000 + number))
        if not self.campaigns:
            raise ValueError("at least one campaign")
        self.offers: dict[str, YmOffer] = {}
        self.available: dict[tuple[int, str], int] = {}
        self.reserved: dict[tuple[int, str], int] = {}
        self.stock_updated: dict[tuple[int, str], datetime] = {}
        self.orders: dict[int, YmOrder] = {}
        self.returns: dict[int, YmReturn] = {}
        self.shipments: dict[int, YmShipment] = {}
        self.notifications: list[dict[str, Any]] = []  # every notification Yandex would have sent, in order
        self.deliveries: list[Delivery] = []
        self._operations: dict[tuple[str, str], str] = {}
        self._budgets: dict[str, Budget] = {}
        self._order_ids = count(5_000_000_001)
        self._item_ids = count(80_000_001)
        self._box_ids = count(90_000_001)
        self._return_ids = count(30_000_001)
        self._shipment_ids = count(40_000_001)
        self.now: Callable[[], datetime] = utc_now
        super().__init__(host=host, port=port)

    @property
    def default_campaign(self) -> int:
        return next(iter(self.campaigns))

    @property
    def business_id(self) -> int:
        return int(self.business["id"])

    # -- routes ----------------------------------------------------------------------------------------------
    def add_routes(self, router: web.UrlDispatcher) -> None:
        campaign = "/v2/campaigns/{campaignId}"
        order = campaign + "/orders/{orderId}"
        shipment = campaign + "/first-mile/shipments/{shipmentId}"
        for method, path, operation, handler in (
            ("GET", "/v2/campaigns", "getCampaigns", self._campaigns),
            ("GET", campaign, "getCampaign", self._campaign),
            ("PUT", campaign + "/offers/stocks", "updateStocks", self._update_stocks),
            ("POST", campaign + "/offers/stocks", "getStocks", self._get_stocks),
            ("POST", "/v2/businesses/{businessId}/offer-mappings", "getOfferMappings", self._offer_mappings),
            ("POST", "/v2/businesses/{businessId}/offer-prices", "getDefaultPrices", self._default_prices),
            ("POST", campaign + "/offer-prices", "getPricesByOfferIds", self._campaign_prices),
            ("POST", "/v1/businesses/{businessId}/orders", "getBusinessOrders", self._business_orders),
            ("GET", order, "getOrder", self._get_order),
            ("PUT", order + "/status", "updateOrderStatus", self._update_status),
            ("POST", campaign + "/orders/status-update", "updateOrderStatuses", self._update_statuses),
            ("PUT", order + "/boxes", "setOrderBoxLayout", self._set_boxes),
            ("GET", order + "/delivery/labels", "generateOrderLabels", self._labels),
            ("PUT", order + "/cancellation/accept", "acceptOrderCancellation", self._accept_cancellation),
            ("GET", campaign + "/returns", "getReturns", self._returns),
            ("PUT", campaign + "/first-mile/shipments", "searchShipments", self._search_shipments),
            ("POST", shipment + "/confirm", "confirmShipment", self._confirm_shipment),
            ("GET", shipment + "/act", "downloadShipmentAct", self._shipment_act),
            ("POST", campaign + "/stats/orders", "getOrdersStats", self._orders_stats),
        ):
            router.add_route(method, path, self._refusals(handler))
            self._operations[(method, path)] = operation

    def _refusals(self, handler: Handler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except ApiError as exc:
                return ym_error(exc.status, exc.message)

        return wrapped

    # -- errors, auth, limits --------------------------------------------------------------------------------
    def error_response(self, status: int, message: str) -> web.StreamResponse:
        return ym_error(status, message)

    def check_auth(self, request: web.Request) -> web.StreamResponse | None:
        """YM-OAS components/responses/401.yaml (no credentials) and 403.yaml (wrong credentials)."""
        key = request.headers.get("Api-Key")
        if not key:
            return ym_error(401, "Api-Key header is required")
        if key != self.api_key:
            return ym_error(403, "Api-Key is invalid")
        return None

    def _operation(self, request: web.Request) -> str | None:
        route = request.match_info.route
        resource = route.resource
        return None if resource is None else self._operations.get((route.method, resource.canonical))

    def budget(self, operation: str) -> Budget:
        if operation not in self._budgets:
            self._budgets[operation] = Budget(LIMITS[operation])
        return self._budgets[operation]

    def admit(self, request: web.Request) -> web.StreamResponse | None:
        """Before the handler: the key's accesses (403 without one the operation takes), then the operation's
        budget (YM-OAS components/responses/420.yaml). [strict] A 420 carries no header saying how long to wait
        (the spec names none)."""
        operation = self._operation(request)
        if operation is None:
            return None
        if not self.scopes & SCOPES[operation]:
            return ym_error(403, f"the Api-Key has no access to {operation}")
        if not self.rate_limit:
            return None
        budget = self.budget(operation)
        if not budget.fits(1):
            return ym_error(420, f"{operation}: limit of {budget.limit.amount} exceeded")
        if not budget.limit.per_item:
            budget.charge(1)
        return None

    def charge_items(self, operation: str, units: int) -> None:
        """Per-item budgets: a request asking more than is left is refused whole (420)."""
        if not self.rate_limit:
            return
        budget = self.budget(operation)
        if not budget.fits(units):
            raise ApiError(420, f"{operation}: limit of {budget.limit.amount} items exceeded")
        budget.charge(units)

    # -- shared look-ups -------------------------------------------------------------------------------------
    def campaign_of(self, request: web.Request) -> dict[str, Any]:
        """[strict] Another key's campaign is 404 (YM-OAS lists 404 "ресурс не найден"), like an absent one."""
        campaign_id = path_id(request, "campaignId")
        if campaign_id not in self.campaigns:
            raise ApiError(404, f"campaign {campaign_id} not found")
        return self.campaigns[campaign_id]

    def check_business(self, request: web.Request) -> None:
        business_id = path_id(request, "businessId")
        if business_id != self.business_id:
            raise ApiError(404, f"business {business_id} not found")

    def order_of(self, request: web.Request) -> tuple[dict[str, Any], YmOrder]:
        campaign = self.campaign_of(request)
        order_id = path_id(request, "orderId")
        order = self.orders.get(order_id)
        if order is None or order.campaign_id != campaign["id"]:
            raise ApiError(404, f"order {order_id} not found")
        return campaign, order

    # -- campaigns -------------------------------------------------------------------------------------------
    async def _campaigns(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns.yaml: pageToken/limit (1..100), or the deprecated page/pageSize (pageSize
        at most 100: "Не передавайте значение больше 100"). GetCampaignsResponse has no ``status`` field."""
        rows = list(self.campaigns.values())
        if "page" in request.query or "pageSize" in request.query:
            if "limit" in request.query or page_token(request) is not None:
                raise bad("page/pageSize cannot be combined with pageToken/limit")
            try:
                page = int(request.query.get("page", "1"))
                size = int(request.query.get("pageSize", "100"))
            except ValueError as exc:
                raise bad("page and pageSize must be integers") from exc
            if not 1 <= page <= 10_000 or not 1 <= size <= 100:
                raise bad("page must be in 1..10000 and pageSize in 1..100")
            chosen = rows[(page - 1) * size : page * size]
            pager = {
                "total": len(rows),
                "from": (page - 1) * size + 1 if chosen else 0,
                "to": (page - 1) * size + len(chosen),
                "currentPage": page,
                "pagesCount": -(-len(rows) // size),
                "pageSize": size,
            }
            return web.json_response({"campaigns": chosen, "pager": pager})
        limit = query_limit(request, None, 100)
        chosen, paging = paged(rows, page_token(request), limit or len(rows))
        return web.json_response({"campaigns": chosen, "paging": paging})

    async def _campaign(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"campaign": self.campaign_of(request)})

    # -- stocks ----------------------------------------------------------------------------------------------
    async def _update_stocks(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_offers_stocks.yaml PUT, schemas/UpdateStocksRequest.yaml: skus
        1..2000, each sku once, items exactly one {count 0..2000000000, updatedAt?}."""
        campaign = self.campaign_of(request)
        body = object_body(await request.read(), required=True, allowed={"skus"})
        skus = body.get("skus")
        if not isinstance(skus, list) or not 1 <= len(skus) <= 2000:
            raise bad("skus must be an array of 1..2000 items")
        wanted: dict[str, tuple[int, datetime]] = {}
        for index, entry in enumerate(skus):
            where = f"skus[{index}]"
            if not isinstance(entry, dict) or set(entry) - {"sku", "items"}:
                raise bad(f"{where} must be an object with sku and items")
            sku = shop_sku(entry.get("sku"), f"{where}.sku")
            if sku in wanted:
                raise bad(f"sku {sku!r} is repeated; every sku may appear once per request")
            items = entry.get("items")
            if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
                raise bad(f"{where}.items must hold exactly one object")
            if set(items[0]) - {"count", "updatedAt"}:
                raise bad(f"{where}.items[0] has unknown fields")
            amount = integer(items[0].get("count"), f"{where}.items[0].count", 0, 2_000_000_000)
            at = iso_moment(items[0].get("updatedAt"), f"{where}.items[0].updatedAt") or self.now()
            wanted[sku] = (amount, at)
        # [strict] The spec sends unknown SKUs to concepts/error-codes#stocks, which it does not include: the
        # sandbox refuses the whole request and changes nothing.
        unknown = [sku for sku in wanted if sku not in self.offers]
        if unknown:
            raise bad(f"offers not in the catalogue: {', '.join(unknown)}")
        self.charge_items("updateStocks", len(wanted))
        for sku, (amount, at) in wanted.items():
            self.available[(campaign["id"], sku)] = amount
            self.stock_updated[(campaign["id"], sku)] = at
        return ok()

    async def _get_stocks(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_offers_stocks.yaml POST, schemas/GetWarehouseStocksRequest.yaml;
        limit 1..200 (default 100, PageLimit200.yaml). Stocks by type: AVAILABLE (orderable), FREEZE (held
        for orders), FIT (both) — WarehouseStockType.yaml."""
        campaign = self.campaign_of(request)
        body = object_body(
            await request.read(),
            required=False,
            allowed={"stocksWarehouseId", "hasStocks", "withTurnover", "archived", "offerIds"},
        )
        offer_ids = unique_list(body.get("offerIds"), "offerIds", 500, shop_sku)
        archived = boolean(body.get("archived"), "archived")
        has_stocks = boolean(body.get("hasStocks"), "hasStocks")
        boolean(body.get("withTurnover"), "withTurnover")  # turnover is FBY-only; nothing to add for FBS/DBS
        warehouse = self.warehouses[campaign["id"]]
        if body.get("stocksWarehouseId") is not None:
            if integer(body["stocksWarehouseId"], "stocksWarehouseId", 1) != warehouse:
                return ok({"warehouses": [], "paging": {}})
        token, limit = page_token(request), query_limit(request, 100, 200)
        if offer_ids is not None:
            # "Такой список возвращается только целиком": with offerIds no pageToken, limit or archived.
            if token is not None or "limit" in request.query or archived is not None:
                raise bad("with offerIds do not send pageToken, limit or archived")
            rows = [self.offers[o] for o in offer_ids if o in self.offers]
            paging: dict[str, str] = {}
        else:
            rows = [o for o in self.offers.values() if o.archived == bool(archived)]
            if has_stocks is not None:
                rows = [o for o in rows if (self._fit(campaign["id"], o.offer_id) > 0) == has_stocks]
            rows, paging = paged(rows, token, limit or 100)
        offers = [self._stock_row(campaign["id"], offer) for offer in rows]
        self.charge_items("getStocks", max(1, len(offers)))
        warehouses = [{"warehouseId": warehouse, "offers": offers}] if offers else []
        return ok({"warehouses": warehouses, "paging": paging})

    def _fit(self, campaign_id: int, offer_id: str) -> int:
        key = (campaign_id, offer_id)
        return self.available.get(key, 0) + self.reserved.get(key, 0)

    def _stock_row(self, campaign_id: int, offer: YmOffer) -> dict[str, Any]:
        key = (campaign_id, offer.offer_id)
        row: dict[str, Any] = {
            "offerId": offer.offer_id,
            "stocks": [
                {"type": "FIT", "count": self._fit(campaign_id, offer.offer_id)},
                {"type": "FREEZE", "count": self.reserved.get(key, 0)},
                {"type": "AVAILABLE", "count": self.available.get(key, 0)},
            ],
        }
        if key in self.stock_updated:
            row["updatedAt"] = rfc3339(self.stock_updated[key])
        return row

    # -- catalogue and prices --------------------------------------------------------------------------------
    async def _offer_mappings(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_businesses_businessId_offer-mappings.yaml, schemas/GetOfferMappingsRequest.yaml;
        limit 1..100, default 50 (PageLimit100Truncate.yaml). offerIds (1..100) are answered whole."""
        self.check_business(request)
        body = object_body(
            await request.read(),
            required=False,
            allowed={"offerIds", "cardStatuses", "categoryIds", "vendorNames", "tags", "archived"},
        )
        offer_ids = unique_list(body.get("offerIds"), "offerIds", 100, shop_sku)
        archived = boolean(body.get("archived"), "archived")
        for name in ("cardStatuses", "categoryIds", "vendorNames", "tags"):
            if body.get(name) is not None and not (isinstance(body[name], list) and body[name]):
                raise bad(f"{name} must be a non-empty array")
        token, limit = page_token(request), query_limit(request, 50, 100)
        if offer_ids is not None:
            filters = ("cardStatuses", "categoryIds", "vendorNames", "tags", "archived")
            if token is not None or "limit" in request.query or any(body.get(f) is not None for f in filters):
                raise bad("with offerIds do not send pageToken, limit, cardStatuses, categoryIds, ... or archived")
            rows = [self.offers[o] for o in offer_ids if o in self.offers]
            paging: dict[str, str] = {}
        else:
            # [strict] The sandbox's offers have no category, vendor or tags: those filters match nothing.
            rows = [o for o in self.offers.values() if archived is None or o.archived == archived]
            if any(body.get(f) is not None for f in ("categoryIds", "vendorNames", "tags")):
                rows = []
            if body.get("cardStatuses") is not None and "HAS_CARD_CAN_UPDATE" not in body["cardStatuses"]:
                rows = []
            rows, paging = paged(rows, token, limit or 50)
        mappings = [self._mapping(offer) for offer in rows]
        return ok({"offerMappings": mappings, "paging": paging})

    def _mapping(self, offer: YmOffer) -> dict[str, Any]:
        body: dict[str, Any] = {
            "offerId": offer.offer_id,
            "name": offer.name,
            "basicPrice": {"value": money(offer.price), "currencyId": CURRENCY, "updatedAt": rfc3339(offer.updated_at)},
            "cardStatus": "HAS_CARD_CAN_UPDATE",
            "archived": offer.archived,
        }
        if offer.barcodes:
            body["barcodes"] = list(offer.barcodes)
        return {"offer": body, "mapping": {"marketSku": offer.market_sku, "marketSkuName": offer.name}}

    async def _default_prices(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_businesses_businessId_offer-prices.yaml (getDefaultPrices), GetDefaultPricesRequest
        offerIds 1..200; limit 1..500, default 250."""
        self.check_business(request)
        body = object_body(await request.read(), required=False, allowed={"offerIds", "archived"})
        offer_ids = unique_list(body.get("offerIds"), "offerIds", 200, shop_sku)
        archived = boolean(body.get("archived"), "archived")
        rows, paging = self._price_rows(request, offer_ids, archived)
        offers = [
            {
                "offerId": o.offer_id,
                "price": {"value": money(o.price), "currencyId": CURRENCY, "updatedAt": rfc3339(o.updated_at)},
            }
            for o in rows
        ]
        self.charge_items("getDefaultPrices", max(1, len(offers)))
        return ok({"offers": offers, "paging": paging})

    async def _campaign_prices(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_offer-prices.yaml POST (getPricesByOfferIds, the replacement of
        the deprecated GET), GetPricesByOfferIdsRequest offerIds 1..500; limit 1..500, default 250."""
        self.campaign_of(request)
        body = object_body(await request.read(), required=False, allowed={"offerIds"})
        offer_ids = unique_list(body.get("offerIds"), "offerIds", 500, shop_sku)
        rows, paging = self._price_rows(request, offer_ids, None)
        offers = [
            {
                "offerId": o.offer_id,
                "price": {"value": money(o.price), "currencyId": CURRENCY},
                "updatedAt": rfc3339(o.updated_at),
            }
            for o in rows
        ]
        self.charge_items("getPricesByOfferIds", max(1, len(offers)))
        return ok({"offers": offers, "paging": paging})

    def _price_rows(
        self, request: web.Request, offer_ids: list[str] | None, archived: bool | None
    ) -> tuple[list[YmOffer], dict[str, str]]:
        token, limit = page_token(request), query_limit(request, 250, 500)
        if offer_ids is not None:
            # [strict] As for offer-mappings and stocks: a list by offerIds is answered whole, so no paging.
            if token is not None or "limit" in request.query:
                raise bad("with offerIds do not send pageToken or limit")
            return [self.offers[o] for o in offer_ids if o in self.offers], {}
        rows = [o for o in self.offers.values() if o.archived == bool(archived)]
        return paged(rows, token, limit or 250)

    # -- orders ----------------------------------------------------------------------------------------------
    async def _business_orders(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v1_businesses_businessId_orders.yaml, schemas/GetBusinessOrdersRequest.yaml; limit 1..50
        (PageLimit50Truncate.yaml). Dates: at most 30 days apart; none given = the last 30 days of creation; the
        ...To dates are excluded (OrderDatesFilterDTO.yaml). The answer has no ``status`` field."""
        self.check_business(request)
        body = object_body(
            await request.read(),
            required=True,
            allowed={
                "orderIds",
                "externalOrderIds",
                "programTypes",
                "campaignIds",
                "statuses",
                "substatuses",
                "dates",
                "fake",
                "waitingForCancellationApprove",
                "sourcePlatforms",
            },
        )
        order_ids = unique_list(body.get("orderIds"), "orderIds", 50, lambda v, n: integer(v, n))
        unique_list(body.get("externalOrderIds"), "externalOrderIds", 50, plain_string)
        programs = unique_list(body.get("programTypes"), "programTypes", None, enum_item(PROGRAM_TYPES))
        campaign_ids = unique_list(body.get("campaignIds"), "campaignIds", 50, lambda v, n: integer(v, n, 1))
        statuses = unique_list(body.get("statuses"), "statuses", None, enum_item(ORDER_STATUSES))
        substatuses = unique_list(body.get("substatuses"), "substatuses", None, plain_string)
        fake = boolean(body.get("fake"), "fake")
        waiting = boolean(body.get("waitingForCancellationApprove"), "waitingForCancellationApprove")
        sources = unique_list(
            body.get("sourcePlatforms"),
            "sourcePlatforms",
            None,
            enum_item(frozenset({"MARKET", "OZON", "WILDBERRIES", "OTHER"})),
        )
        for campaign_id in campaign_ids or []:
            if campaign_id not in self.campaigns:
                raise ApiError(404, f"campaign {campaign_id} not found in business {self.business_id}")
        dates = body.get("dates") or {}
        if not isinstance(dates, dict):
            raise bad("dates must be an object")
        keep = self._date_filter(dates)
        limit = query_limit(request, 50, 50) or 50
        rows = [
            o
            for o in sorted(self.orders.values(), key=lambda o: o.order_id)
            if (order_ids is None or o.order_id in order_ids)
            and (campaign_ids is None or o.campaign_id in campaign_ids)
            and (programs is None or self.campaigns[o.campaign_id]["placementType"] in programs)
            and (statuses is None or o.status in statuses)
            and (substatuses is None or o.substatus in substatuses)
            and (fake is None or fake is False)  # the sandbox places real (not test) orders
            and (waiting is None or (o.cancel_requested and self._dbs(o)) == waiting)
            and (sources is None or "MARKET" in sources)
            and body.get("externalOrderIds") is None  # the sandbox's orders carry no external id
            and keep(o)
        ]
        chosen, paging = paged(rows, page_token(request), limit)
        return web.json_response({"orders": [self.business_order(o) for o in chosen], "paging": paging})

    def _date_filter(self, dates: dict[str, Any]) -> Callable[[YmOrder], bool]:
        allowed = {
            "creationDateFrom",
            "creationDateTo",
            "shipmentDateFrom",
            "shipmentDateTo",
            "updateDateFrom",
            "updateDateTo",
        }
        if set(dates) - allowed:
            raise bad(f"dates: unknown field(s) {', '.join(sorted(set(dates) - allowed))}")
        created_from = iso_date(dates.get("creationDateFrom"), "creationDateFrom")
        created_to = iso_date(dates.get("creationDateTo"), "creationDateTo")
        shipment_from = iso_date(dates.get("shipmentDateFrom"), "shipmentDateFrom")
        shipment_to = iso_date(dates.get("shipmentDateTo"), "shipmentDateTo")
        updated_from = iso_moment(dates.get("updateDateFrom"), "updateDateFrom")
        updated_to = iso_moment(dates.get("updateDateTo"), "updateDateTo")
        today = self.now().date()
        # [strict] The 30-day default applies even when orderIds are given: the spec states no exception.
        # Not strict, and uncertain: creationDateTo "defaults to the current date" yet the ...To date is excluded;
        # read literally, a query without dates would never see today's orders, so today is taken as included.
        # Dates are UTC dates here; Yandex may count them in Moscow time.
        created_to = created_to or today + timedelta(days=1)
        created_from = created_from or created_to - timedelta(days=30)
        created_to = max(created_to, created_from + timedelta(days=1))  # "меньше суток ... + сутки"
        if (created_to - created_from).days > 30:
            raise bad("creationDateFrom and creationDateTo may be at most 30 days apart")
        if shipment_from and shipment_to:
            shipment_to = max(shipment_to, shipment_from + timedelta(days=1))
            if (shipment_to - shipment_from).days > 30:
                raise bad("shipmentDateFrom and shipmentDateTo may be at most 30 days apart")

        def keep(order: YmOrder) -> bool:
            created = order.created_at.date()
            return (
                created_from <= created < created_to
                and (shipment_from is None or order.shipment_date >= shipment_from)
                and (shipment_to is None or order.shipment_date < shipment_to)
                and (updated_from is None or order.updated_at >= updated_from)
                and (updated_to is None or order.updated_at <= updated_to)
            )

        return keep

    def _dbs(self, order: YmOrder) -> bool:
        return bool(self.campaigns[order.campaign_id]["placementType"] == "DBS")

    def business_order(self, order: YmOrder) -> dict[str, Any]:
        """YM-OAS schemas/BusinessOrderDTO.yaml. Item ``prices.payment`` is the line's total, not a unit price
        (ItemPriceDTO.yaml: "Если в заказе несколько единиц товаров, в параметрах возвращается суммарное
        значение")."""
        campaign = self.campaigns[order.campaign_id]
        dbs = self._dbs(order)
        delivery: dict[str, Any] = {
            "type": "DELIVERY",
            "serviceName": "Собственная служба" if dbs else "Доставка Маркета",
            "deliveryServiceId": 99 if dbs else 1_006_360,
            "warehouseId": str(self.warehouses[order.campaign_id]),
            "deliveryPartnerType": "SHOP" if dbs else "YANDEX_MARKET",
            "dates": {"fromDate": (order.shipment_date + timedelta(days=1)).isoformat()},
            "shipment": {"shipmentDate": order.shipment_date.isoformat()},
        }
        if order.boxes:
            delivery["boxesLayout"] = [
                {"items": box["items"], "boxId": box["boxId"], "barcode": f"{order.order_id}-{n}"}
                for n, box in enumerate(order.boxes, start=1)
            ]
        body: dict[str, Any] = {
            "orderId": order.order_id,
            "campaignId": order.campaign_id,
            "programType": campaign["placementType"],
            "status": order.status,
            "substatus": order.substatus,
            "creationDate": rfc3339(order.created_at),
            "updateDate": rfc3339(order.updated_at),
            "paymentType": "PREPAID",
            "paymentMethod": "YANDEX",
            "fake": False,
            "items": [
                {
                    "id": line.item_id,
                    "offerId": line.offer_id,
                    "offerName": line.name,
                    "count": line.count,
                    "prices": {
                        "payment": {"value": money(line.price * line.count), "currencyId": CURRENCY},
                        "subsidy": {"value": 0.0, "currencyId": CURRENCY},
                    },
                }
                for line in order.lines
            ],
            "prices": {
                "payment": {"value": money(order.total), "currencyId": CURRENCY},
                "subsidy": {"value": 0.0, "currencyId": CURRENCY},
            },
            "delivery": delivery,
            "sourcePlatform": "MARKET",
        }
        if dbs:
            body["cancelRequested"] = order.cancel_requested  # "Только для модели DBS"
        return body

    def order_dto(self, order: YmOrder) -> dict[str, Any]:
        """YM-OAS schemas/OrderDTO.yaml (the answer of the status PUT and of the deprecated order GET)."""
        body: dict[str, Any] = {
            "id": order.order_id,
            "status": order.status,
            "substatus": order.substatus,
            "creationDate": dd_mm_yyyy(order.created_at),
            "updatedAt": dd_mm_yyyy(order.updated_at),
            "currency": CURRENCY,
            "itemsTotal": money(order.total),
            "deliveryTotal": 0.0,
            "buyerItemsTotalBeforeDiscount": money(order.total),
            "paymentType": "PREPAID",
            "paymentMethod": "YANDEX",
            "fake": False,
            "items": [
                {
                    "id": line.item_id,
                    "offerId": line.offer_id,
                    "offerName": line.name,
                    "price": money(line.price),
                    "buyerPrice": money(line.price),
                    "buyerPriceBeforeDiscount": money(line.price),
                    "count": line.count,
                }
                for line in order.lines
            ],
            "delivery": {
                "type": "DELIVERY",
                "serviceName": "Доставка Маркета",
                "deliveryPartnerType": "SHOP" if self._dbs(order) else "YANDEX_MARKET",
                "dates": {"fromDate": (order.shipment_date + timedelta(days=1)).strftime("%d-%m-%Y")},
                "deliveryServiceId": 1_006_360,
                "shipments": [{"shipmentDate": order.shipment_date.strftime("%d-%m-%Y")}],
            },
            "buyer": {"type": "PERSON"},
            "taxSystem": "OSN",
        }
        if self._dbs(order):
            body["cancelRequested"] = order.cancel_requested
        return body

    async def _get_order(self, request: web.Request) -> web.StreamResponse:
        """The deprecated GET (YM-OAS paths/v2_campaigns_campaignId_orders_orderId.yaml, shutdown 2027-04-12)."""
        _, order = self.order_of(request)
        return web.json_response({"order": self.order_dto(order)})

    # -- FBS/DBS order work ----------------------------------------------------------------------------------
    def _transition(self, order: YmOrder, status: Any, substatus: Any) -> None:
        """What a shop may change (YM-OAS paths/v2_campaigns_campaignId_orders_orderId_status.yaml):
        PROCESSING/STARTED -> PROCESSING/READY_TO_SHIP; PROCESSING/STARTED or READY_TO_SHIP ->
        CANCELLED/SHOP_FAILED. A DBS shop delivers itself, so it also moves its order on along the DBS model
        (YM-DOCS concepts/dbs-order-status-model, the shop's green arrows, "Передавайте статусы в том порядке
        ... Иначе это приведет к ошибке"): PROCESSING -> DELIVERY/DELIVERY_SERVICE_RECEIVED ->
        PICKUP/PICKUP_SERVICE_RECEIVED, DELIVERY or PICKUP -> DELIVERED/DELIVERY_SERVICE_DELIVERED.
        [strict] Anything else is refused, including a shop's cancel with another reason or after PROCESSING."""
        if status not in ORDER_STATUSES:
            raise bad(f"unknown status {status!r}")
        if substatus is not None and not isinstance(substatus, str):
            raise bad("substatus must be a string")
        current = (order.status, order.substatus)
        processing = current in (("PROCESSING", "STARTED"), ("PROCESSING", "READY_TO_SHIP"))
        allowed: dict[tuple[str, str | None], bool] = {
            ("PROCESSING", "READY_TO_SHIP"): current == ("PROCESSING", "STARTED"),
            ("CANCELLED", "SHOP_FAILED"): processing,
        }
        if self._dbs(order):
            allowed |= {
                ("DELIVERY", "DELIVERY_SERVICE_RECEIVED"): processing,
                ("PICKUP", "PICKUP_SERVICE_RECEIVED"): order.status == "DELIVERY",
                ("DELIVERED", "DELIVERY_SERVICE_DELIVERED"): order.status in ("DELIVERY", "PICKUP"),
            }
        if not allowed.get((status, substatus), False):
            raise bad(f"order {order.order_id} cannot go from {'/'.join(current)} to {status}/{substatus}")
        if status == "CANCELLED":
            self._cancel(order, "SHOP_FAILED")
        else:
            self._move(order, status, str(substatus))
            if substatus == "READY_TO_SHIP" and not self._dbs(order):
                self._join_shipment(order)

    def _move(self, order: YmOrder, status: str, substatus: str) -> None:
        """A step on: units held for the order leave the warehouse when it leaves PROCESSING."""
        if order.status == "PROCESSING" and status != "PROCESSING":
            for line in order.lines:
                key = (order.campaign_id, line.offer_id)
                self.reserved[key] = max(0, self.reserved.get(key, 0) - line.count)
        order.status, order.substatus = status, substatus
        order.updated_at = self.now()
        self.notifications.append(order_status_updated_notification(order))

    async def _update_status(self, request: web.Request) -> web.StreamResponse:
        _, order = self.order_of(request)
        body = object_body(await request.read(), required=True, allowed={"order"})
        change = body.get("order")
        if not isinstance(change, dict) or "status" not in change:
            raise bad("order.status is required")
        if set(change) - {"status", "substatus", "delivery"}:
            raise bad("order has unknown fields")
        self._transition(order, change["status"], change.get("substatus"))
        return web.json_response({"order": self.order_dto(order)})

    async def _update_statuses(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_orders_status-update.yaml: up to 30 orders, each answered with
        its own updateStatus OK/ERROR."""
        campaign = self.campaign_of(request)
        body = object_body(await request.read(), required=True, allowed={"orders"})
        entries = body.get("orders")
        if not isinstance(entries, list) or not 1 <= len(entries) <= 30:
            raise bad("orders must be an array of 1..30 items")
        for entry in entries:
            if not isinstance(entry, dict) or "id" not in entry or "status" not in entry:
                raise bad("every order needs id and status")
            integer(entry["id"], "orders[].id")
        self.charge_items("updateOrderStatuses", len(entries))
        results = []
        for entry in entries:
            order = self.orders.get(entry["id"])
            result: dict[str, Any] = {"id": entry["id"]}
            try:
                if order is None or order.campaign_id != campaign["id"]:
                    raise bad(f"order {entry['id']} not found")
                self._transition(order, entry["status"], entry.get("substatus"))
                result |= {"status": order.status, "substatus": order.substatus, "updateStatus": "OK"}
            except ApiError as exc:
                result |= {"updateStatus": "ERROR", "errorDetails": exc.message}
            results.append(result)
        return ok({"orders": results})

    async def _set_boxes(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_orders_orderId_boxes.yaml: allowed until READY_TO_SHIP; every
        unit in a box (whole, or as parts current/total of one item); without allowRemove the layout must hold
        the whole order; with it, fewer units remove them, but never the order's only unit; never more."""
        _, order = self.order_of(request)
        if (order.status, order.substatus) != ("PROCESSING", "STARTED"):
            raise bad("boxes can be set only before the order is READY_TO_SHIP")
        body = object_body(await request.read(), required=True, allowed={"boxes", "allowRemove"})
        allow_remove = boolean(body.get("allowRemove"), "allowRemove") or False
        boxes = body.get("boxes")
        if not isinstance(boxes, list) or not boxes:
            raise bad("boxes must be a non-empty array")
        lines = {line.item_id: line for line in order.lines}
        whole: dict[int, int] = {}
        parts: dict[int, list[tuple[int, int]]] = {}
        for b, box in enumerate(boxes):
            items = box.get("items") if isinstance(box, dict) else None
            if not isinstance(items, list) or not items:
                raise bad(f"boxes[{b}].items must be a non-empty array")
            kinds = set()
            for item in items:
                if not isinstance(item, dict) or item.get("id") not in lines:
                    raise bad(f"boxes[{b}]: every item needs the id of one of the order's items")
                if ("fullCount" in item) == ("partialCount" in item):
                    raise bad(f"boxes[{b}]: give fullCount or partialCount for item {item['id']}")
                if "fullCount" in item:
                    kinds.add("full")
                    whole[item["id"]] = whole.get(item["id"], 0) + integer(item["fullCount"], "fullCount", 1)
                else:
                    kinds.add("part")
                    part = item["partialCount"]
                    if not isinstance(part, dict):
                        raise bad("partialCount must be an object")
                    total = integer(part.get("total"), "partialCount.total", 2)
                    current = integer(part.get("current"), "partialCount.current", 1, total)
                    parts.setdefault(item["id"], []).append((current, total))
            if kinds == {"full", "part"} or ("part" in kinds and len(items) > 1):
                raise bad(f"boxes[{b}]: a box holds whole items or one part of one item, not both")
        for item_id, pieces in parts.items():
            # Each unit split in parts puts every part 1..total in a box of its own; n units, n of each part.
            totals = {t for _, t in pieces}
            seen = Counter(c for c, _ in pieces)
            if len(totals) != 1 or set(seen) != set(range(1, totals.pop() + 1)) or len(set(seen.values())) != 1:
                raise bad(f"item {item_id}: every part 1..total of each unit must be in a box")
            whole[item_id] = whole.get(item_id, 0) + seen[1]
        new_counts = {item_id: whole.get(item_id, 0) for item_id in lines}
        for item_id, units in new_counts.items():
            if units > lines[item_id].count:
                raise bad(f"item {item_id}: an order cannot grow ({units} > {lines[item_id].count})")
        if new_counts != {i: line.count for i, line in lines.items()}:
            if not allow_remove:
                raise bad("the layout does not hold every unit of the order; send allowRemove to remove units")
            if sum(line.count for line in order.lines) == 1:
                raise bad("the order's only item cannot be removed; cancel the order instead")
            self._remove_units(order, new_counts)
        order.boxes = [{"items": box["items"], "boxId": next(self._box_ids)} for box in boxes]
        order.updated_at = self.now()
        return ok({"boxes": [{"items": box["items"], "boxId": box["boxId"]} for box in order.boxes]})

    def _remove_units(self, order: YmOrder, new_counts: dict[int, int]) -> None:
        kept = []
        for line in order.lines:
            dropped = line.count - new_counts[line.item_id]
            key = (order.campaign_id, line.offer_id)
            self.reserved[key] = max(0, self.reserved.get(key, 0) - dropped)
            self.available[key] = self.available.get(key, 0) + dropped
            line.count = new_counts[line.item_id]
            if line.count:
                kept.append(line)
        order.lines = kept

    async def _labels(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_orders_orderId_delivery_labels.yaml: one PDF, a label per box
        (one box when none was set), format A9_HORIZONTALLY/A9/A7/A4, A7 by default. [strict] Only for an order
        still being processed (a cancelled or shipped order has nothing to label)."""
        _, order = self.order_of(request)
        page = request.query.get("format", "A7")
        if page not in (*LABEL_FORMATS, "A4"):
            raise bad("format must be A9_HORIZONTALLY, A9, A7 or A4")
        if order.status != "PROCESSING":
            raise bad(f"order {order.order_id} is {order.status}; labels exist only while it is PROCESSING")
        boxes = order.boxes or [{"boxId": 0, "items": [{"id": line.item_id} for line in order.lines]}]
        pages = [
            [f"Yandex Market order {order.order_id}", f"Box {n} of {len(boxes)}", f"Campaign {order.campaign_id}"]
            for n in range(1, len(boxes) + 1)
        ]
        size = A4_SIZE if page == "A4" else LABEL_FORMATS[page]
        body = text_pdf(pages, size)
        return web.Response(
            body=body,
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="labels-{order.order_id}.pdf"'},
        )

    async def _returns(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_returns.yaml: the campaign's returns and unredeemed orders, oldest
        first, filtered by orderIds (at most 50), refund statuses, shipment statuses, type and the update date
        (fromDate/toDate, or the deprecated from_date/to_date), paged by pageToken and limit (1..100).
        [strict] The dates are Moscow days, toDate included; giving a date in both spellings is refused."""
        campaign = self.campaign_of(request)
        limit = query_limit(request, 100, 100) or 100
        token = page_token(request)
        query = request.query

        def listed(name: str, allowed: frozenset[str]) -> set[str] | None:
            raw = query.get(name)
            return None if raw is None else set(unique_list(raw.split(","), name, None, enum_item(allowed)) or ())

        order_ids = None
        if "orderIds" in query:
            order_ids = set(unique_list(query["orderIds"].split(","), "orderIds", 50, _int64_item) or ())
        refunds = listed("statuses", REFUND_STATUSES)
        shipments = listed("shipmentStatuses", RETURN_SHIPMENT_STATUSES)
        kind = query.get("type")
        if kind is not None and kind not in RETURN_TYPES:
            raise bad("type must be UNREDEEMED or RETURN")
        days = []
        for name, old in (("fromDate", "from_date"), ("toDate", "to_date")):
            if name in query and old in query:
                raise bad(f"give {name} or {old}, not both")
            days.append(iso_date(query.get(name, query.get(old)), name))
        first, last = days
        if first is not None and last is not None and first > last:
            raise bad("fromDate must not be after toDate")
        rows = [
            row
            for row in self.returns.values()
            if row.campaign_id == campaign["id"]
            and (order_ids is None or row.order_id in order_ids)
            and (refunds is None or row.refund_status in refunds)
            and (shipments is None or row.shipment_status in shipments)
            and (kind is None or row.return_type == kind)
            and (first is None or row.updated_at.astimezone(MOSCOW).date() >= first)
            and (last is None or row.updated_at.astimezone(MOSCOW).date() <= last)
        ]
        chosen, paging = paged(rows, token, limit)
        return ok({"paging": paging, "returns": [self.return_dto(row) for row in chosen]})

    def return_dto(self, row: YmReturn) -> dict[str, Any]:
        """YM-OAS ReturnDTO.yaml; amounts in the order's currency (CurrencyValueDTO)."""
        order = self.orders[row.order_id]
        prices = {line.offer_id: line.price for line in order.lines}
        amount = sum((prices[item.offer_id] * item.count for item in row.items), Decimal(0))
        dto: dict[str, Any] = {
            "id": row.return_id,
            "orderId": row.order_id,
            "creationDate": rfc3339(row.created_at),
            "updateDate": rfc3339(row.updated_at),
            "refundStatus": row.refund_status,
            "shipmentStatus": row.shipment_status,
            "amount": {"value": money(amount), "currencyId": CURRENCY},
            "returnType": row.return_type,
            "items": [],
        }
        for item in row.items:
            entry: dict[str, Any] = {"marketSku": self.offers[item.offer_id].market_sku, "shopSku": item.offer_id}
            entry["count"] = item.count
            if item.reason is not None:
                entry["decisions"] = [{"count": item.count, "reasonType": item.reason}]
            if item.stock_type is not None:
                entry["instances"] = [{"stockType": item.stock_type, "status": _instance_status(row)}] * item.count
            dto["items"].append(entry)
        return dto

    # -- first-mile shipments (FBS) ----------------------------------------------------------------------------
    def _join_shipment(self, order: YmOrder) -> None:
        """A ready order joins its campaign's shipment of its shipment day while Yandex still forms it;
        [strict] once that one is formed, the next day's."""
        day = order.shipment_date
        while True:
            found = next(
                (s for s in self.shipments.values() if (s.campaign_id, s.day) == (order.campaign_id, day)), None
            )
            if found is None:
                found = YmShipment(next(self._shipment_ids), order.campaign_id, day, "OUTBOUND_CREATED", [])
                self.shipments[found.shipment_id] = found
            if found.status == "OUTBOUND_CREATED":
                found.order_ids.append(order.order_id)
                return
            day += timedelta(days=1)

    def shipment_of(self, request: web.Request) -> YmShipment:
        campaign = self.campaign_of(request)
        shipment_id = path_id(request, "shipmentId")
        shipment = self.shipments.get(shipment_id)
        if shipment is None or shipment.campaign_id != campaign["id"]:
            raise ApiError(404, f"shipment {shipment_id} not found")
        return shipment

    def _ready(self, shipment: YmShipment) -> list[YmOrder]:
        """The shipment's orders still going: ready to ship, not cancelled (what the act lists)."""
        orders = [self.orders[order_id] for order_id in shipment.order_ids]
        return [order for order in orders if order.status != "CANCELLED"]

    async def _search_shipments(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_first-mile_shipments.yaml (searchShipments), SearchShipmentsRequest:
        dateFrom and dateTo (shipment days, both included) required, statuses, orderIds, cancelledOrders (true by
        default); pageToken and limit (PageLimit30: 1..30, 15 by default). [strict] The dates are DD-MM-YYYY, as
        the request's descriptions say ("Формат даты: ДД-ММ-ГГГГ"), though the schema says format: date."""
        campaign = self.campaign_of(request)
        limit = query_limit(request, 15, 30) or 15
        token = page_token(request)
        body = object_body(
            await request.read(),
            required=True,
            allowed={"dateFrom", "dateTo", "statuses", "orderIds", "cancelledOrders"},
        )
        first, last = (_dd_mm_yyyy_day(body.get(name), name) for name in ("dateFrom", "dateTo"))
        if first > last:
            raise bad("dateFrom must not be after dateTo")
        statuses = unique_list(body.get("statuses"), "statuses", None, enum_item(SHIPMENT_STATUSES))
        order_ids = unique_list(body.get("orderIds"), "orderIds", None, integer)
        cancelled = boolean(body.get("cancelledOrders"), "cancelledOrders")
        rows = [
            shipment
            for shipment in self.shipments.values()
            if shipment.campaign_id == campaign["id"]
            and first <= shipment.day <= last
            and (statuses is None or shipment.status in statuses)
            and (order_ids is None or set(order_ids) & set(shipment.order_ids))
        ]
        chosen, paging = paged(rows, token, limit)
        shown = [self.shipment_dto(shipment, cancelled is not False) for shipment in chosen]
        return ok({"shipments": shown, "paging": paging})

    def shipment_dto(self, shipment: YmShipment, with_cancelled: bool = True) -> dict[str, Any]:
        """YM-OAS ShipmentInfoDTO.yaml (BaseShipmentDTO's required fields, the status); the plan interval is the
        shipment day from 9:00 to 18:00 Moscow time (the sandbox's own schedule)."""
        ready = self._ready(shipment)
        order_ids = shipment.order_ids if with_cancelled else [order.order_id for order in ready]
        start = datetime.combine(shipment.day, datetime.min.time(), MOSCOW) + timedelta(hours=9)
        return {
            "id": shipment.shipment_id,
            "planIntervalFrom": start.isoformat(),
            "planIntervalTo": (start + timedelta(hours=9)).isoformat(),
            "shipmentType": "WITHDRAW",
            "orderIds": list(order_ids),
            "draftCount": len(shipment.order_ids),
            "plannedCount": len(ready),
            "factCount": 0,
            "signature": {"signed": False},
            "status": shipment.status,
        }

    async def _confirm_shipment(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS ..._first-mile_shipments_shipmentId_confirm.yaml: a body is optional ({externalShipmentId,
        signatory}); before the cutoff (still forming) 400 with Yandex's words. [strict] A shipment confirmed
        already, or past confirming, is refused too."""
        shipment = self.shipment_of(request)
        object_body(await request.read(), required=False, allowed={"externalShipmentId", "signatory"})
        if shipment.status == "OUTBOUND_CREATED":
            raise bad(BEFORE_CUTOFF)
        if shipment.status != "OUTBOUND_READY_FOR_CONFIRMATION":
            raise bad(f"shipment {shipment.shipment_id} is {shipment.status}; it cannot be confirmed")
        shipment.status = "OUTBOUND_CONFIRMED"
        return ok()

    async def _shipment_act(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS ..._first-mile_shipments_shipmentId_act.yaml: the act of reception and transfer as a PDF, "только
        для подтвержденной отгрузки", listing the shipment's orders ready to go (A4)."""
        shipment = self.shipment_of(request)
        if shipment.status not in ACT_STATUSES:
            raise bad(f"shipment {shipment.shipment_id} is not confirmed; confirm it first")
        lines = [f"Act of reception and transfer, shipment {shipment.shipment_id}", f"Day {shipment.day}"]
        lines += [f"Order {order.order_id}: {money(order.total)} {CURRENCY}" for order in self._ready(shipment)]
        return web.Response(
            body=text_pdf([lines], A4_SIZE),
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="act-{shipment.shipment_id}.pdf"'},
        )

    async def _accept_cancellation(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_orders_orderId_cancellation_accept.yaml (tag dbs): answers a
        buyer's request to cancel an order already in DELIVERY or PICKUP. accepted true cancels it; false keeps
        it. [strict] Refused for a non-DBS campaign, for an order nobody asked to cancel, and for a refusal
        without ``reason`` (ORDER_DELIVERED or ORDER_IN_DELIVERY)."""
        campaign, order = self.order_of(request)
        body = object_body(await request.read(), required=True, allowed={"accepted", "reason"})
        accepted = boolean(body.get("accepted"), "accepted")
        if accepted is None:
            raise bad("accepted is required")
        reason = body.get("reason")
        if reason is not None and reason not in ("ORDER_DELIVERED", "ORDER_IN_DELIVERY"):
            raise bad("reason must be ORDER_DELIVERED or ORDER_IN_DELIVERY")
        if campaign["placementType"] != "DBS":
            raise bad("cancellation requests are answered only by DBS campaigns")
        if not order.cancel_requested:
            raise bad(f"the buyer has not asked to cancel order {order.order_id}")
        if not accepted and reason is None:
            raise bad("a refused cancellation needs its reason")
        order.cancel_requested = False
        if accepted:
            self._cancel(order, "USER_CHANGED_MIND")
        else:
            order.updated_at = self.now()
        return ok()

    # -- platform-side changes -------------------------------------------------------------------------------
    # -- orders' statistics ----------------------------------------------------------------------------------
    async def _orders_stats(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_stats_orders.yaml, schemas/GetOrdersStatsRequest.yaml: the
        campaign's orders with what each is billed (demo/sandboxes/yandex_stats.py), by order id, limit 1..200
        (PageLimit200.yaml, default 100: not a *Truncate limit, so more is refused); the body is optional.
        Filters: a period (stats_period), ``orders`` and ``statuses`` (nullable, minItems 1, uniqueItems),
        ``hasCis`` (the sandbox's goods carry no identification codes, so true finds nothing)."""
        campaign = self.campaign_of(request)
        limit = query_limit(request, 100, 200) or 100
        body = object_body(
            await request.read(),
            required=False,
            allowed={"dateFrom", "dateTo", "updateFrom", "updateTo", "orders", "statuses", "hasCis"},
        )
        in_period = self.stats_period(body)
        order_ids = unique_list(body.get("orders"), "orders", None, lambda v, n: integer(v, n))
        statuses = unique_list(body.get("statuses"), "statuses", None, enum_item(STATS_STATUSES))
        has_cis = boolean(body.get("hasCis"), "hasCis")
        rows = [
            o
            for o in sorted(self.orders.values(), key=lambda o: o.order_id)
            if o.campaign_id == campaign["id"]
            and in_period(o)
            and (order_ids is None or o.order_id in order_ids)
            and (statuses is None or stats_status(o) in statuses)
            and has_cis is not True
        ]
        chosen, paging = paged(rows, page_token(request), limit)
        placement = str(campaign["placementType"])
        return ok({"orders": [stats_order(o, placement, CURRENCY) for o in chosen], "paging": paging})

    def stats_period(self, body: dict[str, Any]) -> Callable[[YmOrder], bool]:
        """A period of creation (dateFrom/dateTo) or of changes, a status or payments (updateFrom/updateTo), in
        Moscow dates; the two "Нельзя использовать вместе". No period: every order (the spec sets no default and
        no longest period). [strict] The spec says neither whether a period may be open at one end nor whether
        its To date counts: a period is given by both its ends, the To date excluded (as getBusinessOrders'
        OrderDatesFilterDTO says of its own), so From must come before To."""
        created = (iso_date(body.get("dateFrom"), "dateFrom"), iso_date(body.get("dateTo"), "dateTo"))
        updated = (iso_date(body.get("updateFrom"), "updateFrom"), iso_date(body.get("updateTo"), "updateTo"))
        if any(created) and any(updated):
            raise bad("dateFrom and dateTo cannot be used with updateFrom and updateTo")
        by_creation = any(created)
        start, end = created if by_creation else updated
        first, last = ("dateFrom", "dateTo") if by_creation else ("updateFrom", "updateTo")
        if start is None and end is None:
            return lambda order: True
        if start is None or end is None:
            raise bad(f"{first} and {last} must be given together")
        if start >= end:
            raise bad(f"{first} must be before {last} (the {last} date is excluded)")

        def keep(order: YmOrder) -> bool:
            return start <= moscow_day(order.created_at if by_creation else order.updated_at) < end

        return keep

    def _cancel(self, order: YmOrder, substatus: str) -> None:
        """[strict] Units held for an order still PROCESSING go back to the orderable stock; after shipping they
        do not (they left the warehouse)."""
        if order.status == "PROCESSING":
            for line in order.lines:
                key = (order.campaign_id, line.offer_id)
                self.reserved[key] = max(0, self.reserved.get(key, 0) - line.count)
                self.available[key] = self.available.get(key, 0) + line.count
        order.cancelled_in = order.status
        order.status, order.substatus = "CANCELLED", substatus
        order.cancel_requested = False
        order.updated_at = self.now()
        self.notifications.append(order_cancelled_notification(order))

    # -- control (test side) ---------------------------------------------------------------------------------
    def load_catalog(self, items: Iterable[Mapping[str, Any]], *, replace: bool = False) -> int:
        """Items ``{offer_id, market_sku, name, barcodes, price (RUB), stock}``; ``stock`` is orderable stock at the
        default campaign (or ``stocks: {campaign_id: n}``); ``archived`` optional."""
        if replace:
            self.offers.clear()
            self.available.clear()
            self.reserved.clear()
            self.stock_updated.clear()
        loaded = 0
        for raw in items:
            data = dict(raw)
            unknown = set(data) - {"offer_id", "market_sku", "name", "barcodes", "price", "stock", "stocks", "archived"}
            if unknown:
                raise ValueError(f"unknown catalogue fields {sorted(unknown)}")
            offer_id = shop_sku_or_value_error(data.get("offer_id"))
            offer = YmOffer(
                offer_id=offer_id,
                market_sku=int(data.get("market_sku", 0)),
                name=str(data.get("name", offer_id)),
                barcodes=[str(b) for b in data.get("barcodes", [])],
                price=Decimal(str(data.get("price", "0"))),
                archived=bool(data.get("archived", False)),
                updated_at=self.now(),
            )
            self.offers[offer_id] = offer
            stocks = data.get("stocks")
            if stocks is None and data.get("stock") is not None:
                stocks = {self.default_campaign: data["stock"]}
            for campaign_id, amount in (stocks or {}).items():
                if int(campaign_id) not in self.campaigns:
                    raise KeyError(campaign_id)
                self.available[(int(campaign_id), offer_id)] = int(amount)
                self.stock_updated[(int(campaign_id), offer_id)] = self.now()
            loaded += 1
        return loaded

    def stock_of(self, key: Any, warehouse_id: int | None = None) -> int:
        """Orderable (AVAILABLE) stock of an offer; ``warehouse_id`` here is a campaign id (default: the first)."""
        offer_id = str(key)
        if offer_id not in self.offers:
            raise KeyError(key)
        campaign_id = warehouse_id or self.default_campaign
        if campaign_id not in self.campaigns:
            raise KeyError(campaign_id)
        return self.available.get((campaign_id, offer_id), 0)

    def reserved_of(self, offer_id: str, campaign_id: int | None = None) -> int:
        return self.reserved.get((campaign_id or self.default_campaign, offer_id), 0)

    def stock_snapshot(self) -> list[dict[str, Any]]:
        keys = sorted(set(self.available) | set(self.reserved))
        return [
            {
                "campaign_id": c,
                "offer_id": o,
                "available": self.available.get((c, o), 0),
                "reserved": self.reserved.get((c, o), 0),
            }
            for c, o in keys
        ]

    def place_order(
        self,
        items: Any,
        *,
        campaign_id: int | None = None,
        created_at: datetime | str | None = None,
        allow_oversell: bool = False,
    ) -> int:
        """A buyer orders ``{offer_id: count}`` (or ``[(offer_id, count)]``): PROCESSING/STARTED, the units move
        from orderable to held stock, ORDER_CREATED is queued. Returns the order id."""
        campaign_id = campaign_id or self.default_campaign
        if campaign_id not in self.campaigns:
            raise KeyError(campaign_id)
        wanted: dict[str, int] = {}
        for key, quantity in parse_lines(items):
            if str(key) not in self.offers:
                raise KeyError(key)
            wanted[str(key)] = wanted.get(str(key), 0) + quantity
        for offer_id, quantity in wanted.items():
            free = self.available.get((campaign_id, offer_id), 0)
            if not allow_oversell and free < quantity:
                raise SandboxError(f"only {free} of {offer_id} orderable in campaign {campaign_id}")
        for offer_id, quantity in wanted.items():
            key = (campaign_id, offer_id)
            self.available[key] = max(0, self.available.get(key, 0) - quantity)
            self.reserved[key] = self.reserved.get(key, 0) + quantity
        created = datetime.fromisoformat(created_at) if isinstance(created_at, str) else created_at or self.now()
        created = created.astimezone(UTC).replace(microsecond=0)
        order = YmOrder(
            order_id=next(self._order_ids),
            campaign_id=campaign_id,
            status="PROCESSING",
            substatus="STARTED",
            created_at=created,
            updated_at=created,
            shipment_date=(created + timedelta(days=1)).date(),
            lines=[
                YmLine(next(self._item_ids), o, self.offers[o].name, q, self.offers[o].price) for o, q in wanted.items()
            ],
        )
        self.orders[order.order_id] = order
        self.notifications.append(order_created_notification(order))
        return order.order_id

    def cancel_order(self, order_id: int, substatus: str = "USER_CHANGED_MIND") -> dict[str, Any]:
        """The platform (or a buyer, while the order is PROCESSING) cancels: ORDER_CANCELLED is queued."""
        order = self.orders[int(order_id)]
        if order.status in ("CANCELLED", "DELIVERED"):
            raise SandboxError(f"order {order_id} is already {order.status}")
        self._cancel(order, substatus)
        return self.business_order(order)

    def request_cancellation(self, order_id: int) -> dict[str, Any]:
        """The buyer asks to cancel. While PROCESSING the order is cancelled at once ("вам не нужно подтверждать
        отмену заказа — он будет отменен автоматически"); a DBS order in DELIVERY or PICKUP waits for the shop's
        answer (cancelRequested, ORDER_CANCELLATION_REQUEST). Anything else is refused."""
        order = self.orders[int(order_id)]
        if order.status == "PROCESSING":
            self._cancel(order, "USER_CHANGED_MIND")
        elif order.status in ("DELIVERY", "PICKUP") and self._dbs(order):
            if order.cancel_requested:
                raise SandboxError(f"order {order_id} already has a cancellation request")
            order.cancel_requested = True
            order.updated_at = self.now()
            self.notifications.append(cancellation_request_notification(order, order.updated_at))
        else:
            raise SandboxError(f"a buyer cannot ask to cancel order {order_id} ({order.status}) here")
        return self.business_order(order)

    def set_order_status(self, order_id: int, status: str, substatus: str | None = None) -> dict[str, Any]:
        """The platform moves an order on (DELIVERY, PICKUP, DELIVERED…): held units leave the warehouse when it
        ships; ORDER_STATUS_UPDATED is queued."""
        if status not in ORDER_STATUSES or status == "CANCELLED":
            raise ValueError(f"use cancel_order for CANCELLED; unknown status {status}")
        order = self.orders[int(order_id)]
        self._move(order, status, substatus or ("STARTED" if status == "PROCESSING" else "UNKNOWN"))
        return self.business_order(order)

    def add_return(
        self,
        order_id: int,
        items: Any = None,
        *,
        return_type: str = "RETURN",
        reason: str | None = "DOES_NOT_FIT",
        stock_type: str | None = None,
    ) -> int:
        """A buyer sends back ``{offer_id: count}`` of a DELIVERED order (all of it when ``items`` is None), or an
        order in DELIVERY/PICKUP goes unredeemed (UNREDEEMED: the whole order comes back, it is cancelled as
        PICKUP_EXPIRED, no buyer's reason). [strict] No more units than were delivered, less those already coming
        back. The return starts CREATED; ``move_return`` takes it on. Returns its id."""
        order = self.orders[int(order_id)]
        if return_type not in RETURN_TYPES:
            raise ValueError(return_type)
        if reason is not None and reason not in RETURN_REASONS:
            raise ValueError(reason)
        if stock_type is not None and stock_type not in RETURN_STOCK_TYPES:
            raise ValueError(stock_type)
        if return_type == "UNREDEEMED":
            if order.status not in ("DELIVERY", "PICKUP") or items is not None:
                raise SandboxError(f"only a whole order in delivery goes unredeemed; {order_id} is {order.status}")
            wanted = {line.offer_id: line.count for line in order.lines}
            reason = None
        else:
            if order.status not in ("DELIVERED", "PARTIALLY_RETURNED"):
                raise SandboxError(f"order {order_id} is {order.status}; only a delivered order is returned")
            wanted = {line.offer_id: line.count for line in order.lines} if items is None else {}
            for key, quantity in parse_lines(items) if items is not None else ():
                wanted[str(key)] = wanted.get(str(key), 0) + quantity
            coming = Counter[str]()
            for earlier in self.returns.values():
                if earlier.order_id == order.order_id and earlier.shipment_status not in ("CANCELLED", "EXPIRED"):
                    coming.update({item.offer_id: item.count for item in earlier.items})
            delivered = {line.offer_id: line.count for line in order.lines}
            for offer_id, quantity in wanted.items():
                if quantity > delivered.get(offer_id, 0) - coming[offer_id]:
                    raise SandboxError(f"order {order_id} has no {quantity} of {offer_id} left to return")
        now = self.now()
        row = YmReturn(
            return_id=next(self._return_ids),
            order_id=order.order_id,
            campaign_id=order.campaign_id,
            return_type=return_type,
            shipment_status="CREATED",
            refund_status="STARTED_BY_USER" if return_type == "RETURN" else "COMPLETE_WITHOUT_REFUND",
            created_at=now,
            updated_at=now,
            items=[YmReturnItem(offer_id, count, reason, stock_type) for offer_id, count in wanted.items()],
        )
        self.returns[row.return_id] = row
        if return_type == "UNREDEEMED":
            self._cancel(order, "PICKUP_EXPIRED")
        else:
            returned = sum(
                item.count for r in self.returns.values() if r.order_id == order.order_id for item in r.items
            )
            whole = returned >= sum(line.count for line in order.lines)
            self._move(order, "RETURNED" if whole else "PARTIALLY_RETURNED", "UNKNOWN")
        return row.return_id

    def move_return(self, return_id: int, shipment_status: str) -> dict[str, Any]:
        """The goods travel on (RETURN_STEPS), or the return ends LOST, EXPIRED or CANCELLED; [strict] never back,
        never on from an end."""
        row = self.returns[int(return_id)]
        if shipment_status not in RETURN_SHIPMENT_STATUSES:
            raise ValueError(shipment_status)
        if row.shipment_status in RETURN_ENDS:
            raise SandboxError(f"return {return_id} is already {row.shipment_status}")
        if shipment_status in RETURN_STEPS and RETURN_STEPS.index(shipment_status) <= RETURN_STEPS.index(
            row.shipment_status
        ):
            raise SandboxError(f"return {return_id} cannot go from {row.shipment_status} back to {shipment_status}")
        row.shipment_status = shipment_status
        row.updated_at = self.now()
        return self.return_dto(row)

    def cut_off(self, campaign_id: int | None = None) -> list[int]:
        """The warehouse's cutoff passes: every shipment Yandex was forming (of one campaign, or all) is formed and
        can be confirmed. Returns their ids."""
        formed = []
        for shipment in self.shipments.values():
            if shipment.status == "OUTBOUND_CREATED" and campaign_id in (None, shipment.campaign_id):
                shipment.status = "OUTBOUND_READY_FOR_CONFIRMATION"
                formed.append(shipment.shipment_id)
        return formed

    def buyer_orders(self, items: Any, **options: Any) -> dict[str, Any]:
        return self.business_order(self.orders[self.place_order(items, **options)])

    def buyer_cancels(self, order_id: int, **options: Any) -> dict[str, Any]:
        return self.request_cancellation(order_id)

    # -- notifications (test side: Yandex POSTs to the shop) -------------------------------------------------
    async def notify(
        self,
        url: str,
        body: Mapping[str, Any],
        *,
        source_ip: str | None = NOTIFY_SOURCE_IP,
        bind_address: str | None = None,
    ) -> Delivery:
        """POST one notification as Yandex does: JSON, 1 s timeout for PING and 10 s for the rest, no signature
        (YM-NOTIFY). ``url`` is the address the seller entered in the cabinet; the request goes to its resource
        ``/notification`` (reference/sendNotification is ``POST /notification`` relative to it, as Yandex's push
        API posts ``order/accept`` under the shop's URL: pushapi/concepts/request-method). [strict] Never to the
        URL itself: a receiver listening only there misses every notification. ``source_ip`` goes in
        X-Forwarded-For (what a proxy in front of the receiver passes on); ``bind_address`` makes the connection
        itself come from that local address (e.g. 127.0.0.2) for tests of an allow-list on the real peer
        address."""
        timeout = PING_TIMEOUT if body.get("notificationType") == "PING" else NOTIFY_TIMEOUT
        target = url.rstrip("/") + "/" + NOTIFY_RESOURCE
        headers = {"X-Forwarded-For": source_ip} if source_ip else {}
        connector = aiohttp.TCPConnector(local_addr=(bind_address, 0) if bind_address else None)
        try:
            async with (
                aiohttp.ClientSession(connector=connector) as session,
                session.post(
                    target, json=dict(body), headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
                ) as response,
            ):
                raw = await response.read()
                try:
                    answer: Any = json.loads(raw) if raw else None
                except ValueError:
                    answer = raw.decode("utf-8", "replace")
                good, reason = judge_answer(response.status, answer)
                delivery = Delivery(response.status, answer, good, reason)
        except TimeoutError:
            delivery = Delivery(None, None, False, "timeout")
        except aiohttp.ClientError as exc:
            delivery = Delivery(None, None, False, f"connection failed: {type(exc).__name__}")
        self.deliveries.append(delivery)
        return delivery

    async def deliver_all(self, url: str) -> list[Delivery]:
        """Send every queued notification in order to the seller's ``url`` (at its ``/notification``, as
        ``notify`` does); those not accepted stay queued, so a later call plays Yandex's next attempt (the schedule
        of its retries is not documented in YM-NOTIFY)."""
        sent = [(body, await self.notify(url, body)) for body in self.notifications]
        self.notifications = [body for body, delivery in sent if not delivery.ok]
        return [delivery for _, delivery in sent]

    def reset(self) -> None:
        super().reset()
        self.offers.clear()
        self.available.clear()
        self.reserved.clear()
        self.stock_updated.clear()
        self.orders.clear()
        self.returns.clear()
        self.shipments.clear()
        self.notifications.clear()
        self.deliveries.clear()
        self._budgets.clear()


def _int64_item(value: Any, name: str) -> int:
    """One of a comma-separated list of int64 ids in a query."""
    if not str(value).isdigit() or not 1 <= int(value) <= 2**63 - 1:
        raise bad(f"{name} must hold positive integers")
    return int(value)


def _dd_mm_yyyy_day(value: Any, name: str) -> date:
    """A required DD-MM-YYYY day."""
    if not isinstance(value, str):
        raise bad(f"{name} is required (DD-MM-YYYY)")
    try:
        return datetime.strptime(value, "%d-%m-%Y").date()
    except ValueError as exc:
        raise bad(f"{name} must be a date DD-MM-YYYY") from exc


def _instance_status(row: YmReturn) -> str:
    """ReturnInstanceStatusType.yaml for each unit: the return's own shipment status where that type has it."""
    return row.shipment_status if row.shipment_status in INSTANCE_STATUSES else "CREATED"


def shop_sku_or_value_error(value: Any) -> str:
    try:
        return shop_sku(value, "offer_id")
    except ApiError as exc:
        raise ValueError(exc.message) from exc


DEMO_API_KEY = "demo-yandex-key"


def demo_account(listings: list[DemoListing]) -> DemoAccount:
    """The demo's Yandex Market cabinet: one FBS campaign with the demo's offers (shop SKU and Market SKU); the
    campaign is the connection's shop."""
    yandex = YandexSandbox(api_key=DEMO_API_KEY, rate_limit=False)
    yandex.load_catalog(
        [
            {
                "offer_id": listing.keys["offer_id"],
                "market_sku": int(listing.keys["market_sku"]),
                "name": listing.name_ru or listing.name_uz,
                "barcodes": [listing.barcode] if listing.barcode else [],
                "price": _roubles(listing),
                "stock": listing.stock,
            }
            for listing in listings
            if "offer_id" in listing.keys and "market_sku" in listing.keys
        ]
    )
    return DemoAccount(yandex, token=DEMO_API_KEY, shop_id=yandex.default_campaign)


def _roubles(listing: DemoListing) -> Decimal:
    """Market prices are in roubles (YM-OAS CurrencyType RUR), never in so'm: the demo's so'm price at the demo
    bank's rate, or the roubles Market's own price read left there."""
    if listing.price_currency == "RUB":
        return listing.price
    return (listing.price / DEMO_RATES["RUB"].rate).quantize(Decimal("0.01"))


def _demo_keys(product: SeededProduct) -> dict[str, str | None]:
    return {"offer_id": product.sku, "market_sku": str(101_000_000 + product.id)}


DEMO = DemoPlatform(
    commission=Decimal("15.00"), sku_prefix="YM", russian_listings=True, keys=_demo_keys, account=demo_account
)
