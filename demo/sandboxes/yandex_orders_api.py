"""Yandex Market orders as the sandbox answers them (YM-OAS: yandex-market/yandex-market-partner-api, commit
1318e9b): getBusinessOrders (paths/v1_businesses_businessId_orders.yaml, GetBusinessOrdersRequest.yaml,
OrderDatesFilterDTO.yaml) with BusinessOrderDTO.yaml, and the deprecated getOrder
(paths/v2_campaigns_campaignId_orders_orderId.yaml) with OrderDTO.yaml.

Where the spec is silent the sandbox takes the stricter reading; each such place says so in a comment ("[strict]").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from aiohttp import web

from demo.sandboxes.common import rfc3339
from demo.sandboxes.yandex_campaigns_api import YandexCampaignApi
from demo.sandboxes.yandex_models import ORDER_STATUSES, PROGRAM_TYPES, YmOrder
from demo.sandboxes.yandex_wire import (
    CURRENCY,
    ApiError,
    bad,
    boolean,
    dd_mm_yyyy,
    enum_item,
    integer,
    iso_date,
    iso_moment,
    money,
    object_body,
    page_token,
    paged,
    path_id,
    plain_string,
    query_limit,
    unique_list,
)


class YandexOrderApi(YandexCampaignApi):
    """Reads over the orders the sandbox holds."""

    orders: dict[int, YmOrder]

    def order_of(self, request: web.Request) -> tuple[dict[str, Any], YmOrder]:
        campaign = self.campaign_of(request)
        order_id = path_id(request, "orderId")
        order = self.orders.get(order_id)
        if order is None or order.campaign_id != campaign["id"]:
            raise ApiError(404, f"order {order_id} not found")
        return campaign, order

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
