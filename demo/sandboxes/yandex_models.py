"""Yandex Market sandbox state and its vocabularies: offers, orders and their lines, returns and first-mile
shipments as the sandbox holds them, the enumerations of the YM-OAS schemas they take their statuses from, and the
notification bodies built from an order (YM-NOTIFY: yandex.ru/dev/market/partner-api/doc/ru/push-notifications/
reference/sendNotification).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from demo.sandboxes.common import rfc3339, utc_now

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


def return_notification(row: YmReturn, *, created: bool) -> dict[str, Any]:
    """ORDER_RETURN_CREATED, or ORDER_RETURN_STATUS_UPDATED as the return moves on. [strict] Only the fields YM-NOTIFY
    marks required and that make the event itself (orderId, returnId and its time, as core.pushes.yandex names
    them) with the campaign: what the return now is, a client reads from getReturns."""
    return {
        "notificationType": "ORDER_RETURN_CREATED" if created else "ORDER_RETURN_STATUS_UPDATED",
        "campaignId": row.campaign_id,
        "orderId": row.order_id,
        "returnId": row.return_id,
        **({"createdAt": rfc3339(row.created_at)} if created else {"updatedAt": rfc3339(row.updated_at)}),
    }


def cancellation_request_notification(order: YmOrder, at: datetime) -> dict[str, Any]:
    return {
        "notificationType": "ORDER_CANCELLATION_REQUEST",
        "orderId": order.order_id,
        "campaignId": order.campaign_id,
        "requestedAt": rfc3339(at),
    }
