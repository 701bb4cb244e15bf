"""Yandex Market first-mile shipments of the sandbox (FBS; YM-OAS: yandex-market/yandex-market-partner-api,
commit 1318e9b): the shipment a ready order joins, searchShipments (paths/v2_campaigns_campaignId_first-mile_
shipments.yaml) with ShipmentInfoDTO.yaml, confirmShipment (..._first-mile_shipments_shipmentId_confirm.yaml) and
downloadShipmentAct (..._first-mile_shipments_shipmentId_act.yaml), and the test side's warehouse cutoff.

Where the spec is silent the sandbox takes the stricter reading; each such place says so in a comment ("[strict]").
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.pdf import text_pdf
from demo.sandboxes.yandex_campaigns_api import YandexCampaignApi
from demo.sandboxes.yandex_models import SHIPMENT_STATUSES, YmOrder, YmShipment
from demo.sandboxes.yandex_wire import (
    A4_SIZE,
    CURRENCY,
    MOSCOW,
    ApiError,
    bad,
    boolean,
    enum_item,
    integer,
    money,
    object_body,
    ok,
    page_token,
    paged,
    path_id,
    query_limit,
    unique_list,
)

# confirmShipment's refusal before the cutoff, as paths/..._first-mile_shipments_shipmentId_confirm.yaml quotes it.
BEFORE_CUTOFF = "Cutoff time for shipments has not been reached yet"
# [strict] The act is "только для подтвержденной отгрузки": confirmed or later.
ACT_STATUSES = frozenset(
    {"OUTBOUND_CONFIRMED", "OUTBOUND_SIGNED", "ACCEPTED", "ACCEPTED_WITH_DISCREPANCIES", "FINISHED"}
)


class YandexShipmentApi(YandexCampaignApi):
    """The first-mile shipments Yandex forms from the orders the sandbox holds."""

    orders: dict[int, YmOrder]
    shipments: dict[int, YmShipment]
    _shipment_ids: count[int]

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

    # -- control (test side) ---------------------------------------------------------------------------------
    def cut_off(self, campaign_id: int | None = None) -> list[int]:
        """The warehouse's cutoff passes: every shipment Yandex was forming (of one campaign, or all) is formed and
        can be confirmed. Returns their ids."""
        formed = []
        for shipment in self.shipments.values():
            if shipment.status == "OUTBOUND_CREATED" and campaign_id in (None, shipment.campaign_id):
                shipment.status = "OUTBOUND_READY_FOR_CONFIRMATION"
                formed.append(shipment.shipment_id)
        return formed


def _dd_mm_yyyy_day(value: Any, name: str) -> date:
    """A required DD-MM-YYYY day."""
    if not isinstance(value, str):
        raise bad(f"{name} is required (DD-MM-YYYY)")
    try:
        return datetime.strptime(value, "%d-%m-%Y").date()
    except ValueError as exc:
        raise bad(f"{name} must be a date DD-MM-YYYY") from exc
