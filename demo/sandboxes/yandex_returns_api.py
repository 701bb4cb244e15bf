"""Yandex Market returns and unredeemed orders of the sandbox (YM-OAS: yandex-market/yandex-market-partner-api,
commit 1318e9b): getReturns (paths/v2_campaigns_campaignId_returns.yaml) with ReturnDTO.yaml, and the test side's
returns: a buyer sends goods back or leaves an order unredeemed, and the goods travel back
(ReturnShipmentStatusType.yaml).

Where the spec is silent the sandbox takes the stricter reading; each such place says so in a comment ("[strict]").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.common import SandboxError, parse_lines, rfc3339
from demo.sandboxes.yandex_campaigns_api import YandexCampaignApi
from demo.sandboxes.yandex_models import (
    INSTANCE_STATUSES,
    REFUND_STATUSES,
    RETURN_REASONS,
    RETURN_SHIPMENT_STATUSES,
    RETURN_STOCK_TYPES,
    RETURN_TYPES,
    YmOffer,
    YmOrder,
    YmReturn,
    YmReturnItem,
    return_notification,
)
from demo.sandboxes.yandex_wire import (
    CURRENCY,
    MOSCOW,
    bad,
    enum_item,
    iso_date,
    money,
    ok,
    page_token,
    paged,
    query_limit,
    unique_list,
)

# [strict] The order a return's goods travel back in (the statuses' descriptions, ReturnShipmentStatusType.yaml);
# the sandbox refuses a step back or a step from a final status.
RETURN_STEPS = ("CREATED", "RECEIVED", "IN_TRANSIT", "READY_FOR_PICKUP", "PICKED")
RETURN_ENDS = frozenset({"PICKED", "LOST", "EXPIRED", "CANCELLED", "UTILIZED"})


class YandexReturnApi(YandexCampaignApi):
    """Returns of the orders the sandbox holds."""

    orders: dict[int, YmOrder]
    offers: dict[str, YmOffer]
    returns: dict[int, YmReturn]
    notifications: list[dict[str, Any]]  # what Yandex will send the seller's URL (YandexNotify)
    _return_ids: count[int]
    _cancel: Callable[[YmOrder, str], None]
    _move: Callable[[YmOrder, str, str], None]

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

    # -- control (test side) ---------------------------------------------------------------------------------
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
        self.notifications.append(return_notification(row, created=True))
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
        self.notifications.append(return_notification(row, created=False))
        return self.return_dto(row)


def _int64_item(value: Any, name: str) -> int:
    """One of a comma-separated list of int64 ids in a query."""
    if not str(value).isdigit() or not 1 <= int(value) <= 2**63 - 1:
        raise bad(f"{name} must hold positive integers")
    return int(value)


def _instance_status(row: YmReturn) -> str:
    """ReturnInstanceStatusType.yaml for each unit: the return's own shipment status where that type has it."""
    return row.shipment_status if row.shipment_status in INSTANCE_STATUSES else "CREATED"
