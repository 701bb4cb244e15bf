"""An order as the Yandex Market sandbox's getOrdersStats lists it (YM-OAS
paths/v2_campaigns_campaignId_stats_orders.yaml, schemas/OrdersStatsOrderDTO.yaml), with what Yandex bills the seller
for it (OrdersStatsCommissionDTO: a service of OrdersStatsCommissionType and its `actual` sum, "выставлена в момент
создания заказа и которую нужно оплатить").

The spec names the services, never their tariffs: the figures here are the sandbox's own, derived from the order
alone so that a test knows them. From the moment an order is placed, an FBS order is billed its placement (FEE) and
the acceptance of the buyer's payment (AGENCY) as shares of its items' total, delivery to the buyer per unit and
sorting per order; a DBS shop delivers itself, so its order is billed FEE and AGENCY only. A cancelled order is billed
nothing: its services stay listed, each at 0."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from demo.sandboxes.yandex_models import YmOrder

MOSCOW = timezone(timedelta(hours=3))
CENT = Decimal("0.01")
# OrdersStatsCommissionType.yaml, in the spec's order.
COMMISSION_TYPES: tuple[str, ...] = (
    "FEE",
    "FULFILLMENT",
    "LOYALTY_PARTICIPATION_FEE",
    "AUCTION_PROMOTION",
    "INSTALLMENT",
    "DELIVERY_TO_CUSTOMER",
    "EXPRESS_DELIVERY_TO_CUSTOMER",
    "AGENCY",
    "PAYMENT_TRANSFER",
    "RETURNED_ORDERS_STORAGE",
    "SORTING",
    "INTAKE_SORTING",
    "RETURN_PROCESSING",
    "ILLIQUID_GOODS_SALE",
    "CROSSREGIONAL_DELIVERY",
    "FULFILLMENT_WITHDRAW",
    "ITEM_BOOKING",
)
# OrderStatsStatusType.yaml: the report's statuses, which tell a cancellation's moment apart.
STATS_STATUSES = frozenset(
    {
        "CANCELLED_BEFORE_PROCESSING",
        "CANCELLED_IN_DELIVERY",
        "CANCELLED_IN_PROCESSING",
        "DELIVERY",
        "DELIVERED",
        "PARTIALLY_DELIVERED",
        "PARTIALLY_RETURNED",
        "PENDING",
        "PICKUP",
        "PROCESSING",
        "RESERVED",
        "RETURNED",
        "UNKNOWN",
        "UNPAID",
        "LOST",
    }
)
# The sandbox's tariff.
FEE_PERCENT = Decimal(12)
AGENCY_PERCENT = Decimal(1)
DELIVERY_PER_UNIT = Decimal(60)
SORTING_PER_ORDER = Decimal(15)


def moscow_day(moment: datetime) -> date:
    """The report's dates are Moscow dates (statusUpdateDate: "Часовой пояс — UTC+03:00 (Москва)")."""
    return moment.astimezone(MOSCOW).date()


def stats_status(order: YmOrder) -> str:
    """The order's status in the report: a cancellation by the status the order was cancelled in; PLACING, which
    the report's statuses lack, is UNKNOWN."""
    if order.status == "CANCELLED":
        if order.cancelled_in == "PROCESSING":
            return "CANCELLED_IN_PROCESSING"
        if order.cancelled_in in ("DELIVERY", "PICKUP"):
            return "CANCELLED_IN_DELIVERY"
        return "CANCELLED_BEFORE_PROCESSING"
    return order.status if order.status in STATS_STATUSES else "UNKNOWN"


def commissions(order: YmOrder, placement: str) -> list[tuple[str, Decimal]]:
    """What the order is billed, per service, in the order's currency (module docstring)."""
    total = order.total
    billed = [("FEE", _share(total, FEE_PERCENT)), ("AGENCY", _share(total, AGENCY_PERCENT))]
    if placement == "FBS":
        units = sum(line.count for line in order.lines)
        billed += [("DELIVERY_TO_CUSTOMER", DELIVERY_PER_UNIT * units), ("SORTING", SORTING_PER_ORDER)]
    if order.status == "CANCELLED":
        return [(service, Decimal(0)) for service, _ in billed]
    return billed


def stats_order(order: YmOrder, placement: str, currency: str) -> dict[str, Any]:
    """OrdersStatsOrderDTO.yaml. ``payments`` stays empty until the order is delivered ("Окончательная информация о
    расчетах по заказу вернется после его финальной обработки"); then the buyer's one payment. statusUpdateDate is
    Moscow time without an offset, as the spec's example (`2017-11-21T00:00:00`)."""
    delivered = order.status == "DELIVERED"
    payments = [
        {
            "id": f"{order.order_id}-1",
            "date": moscow_day(order.updated_at).isoformat(),
            "type": "PAYMENT",
            "source": "BUYER",
            "total": float(order.total),
        }
    ]
    return {
        "id": order.order_id,
        "creationDate": moscow_day(order.created_at).isoformat(),
        "statusUpdateDate": order.updated_at.astimezone(MOSCOW).replace(tzinfo=None).isoformat(timespec="seconds"),
        "status": stats_status(order),
        "paymentType": "PREPAID",
        "fake": False,
        "items": [
            {
                "offerName": line.name,
                "shopSku": line.offer_id,
                "count": line.count,
                "prices": [
                    {"type": "BUYER", "costPerItem": float(line.price), "total": float(line.price * line.count)}
                ],
            }
            for line in order.lines
        ],
        "payments": payments if delivered else [],
        "commissions": [{"type": service, "actual": float(sum_)} for service, sum_ in commissions(order, placement)],
        "currency": currency,
    }


def _share(total: Decimal, percent: Decimal) -> Decimal:
    return (total * percent / 100).quantize(CENT, rounding=ROUND_HALF_UP)
