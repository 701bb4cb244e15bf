"""Yandex Market FBS/DBS order work of the sandbox as a state machine that refuses what Yandex refuses (YM-OAS:
yandex-market/yandex-market-partner-api, commit 1318e9b): updateOrderStatus and updateOrderStatuses
(paths/v2_campaigns_campaignId_orders_orderId_status.yaml, ..._orders_status-update.yaml), setOrderBoxLayout
(..._orders_orderId_boxes.yaml), generateOrderLabels (..._orders_orderId_delivery_labels.yaml), a DBS shop's answer
to a buyer's cancellation (..._orders_orderId_cancellation_accept.yaml), the DBS status model a shop moves its own
order along (YM-DOCS: yandex.com/dev/market/partner-api/doc/ru/concepts/dbs-order-status-model), and the test
side's orders: a buyer places one, asks to cancel it, the platform moves it on or cancels it.

Where the spec is silent the sandbox takes the stricter reading; each such place says so in a comment ("[strict]").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.common import SandboxError, parse_lines
from demo.sandboxes.pdf import text_pdf
from demo.sandboxes.yandex_models import (
    ORDER_STATUSES,
    YmLine,
    YmOffer,
    YmOrder,
    cancellation_request_notification,
    order_cancelled_notification,
    order_created_notification,
    order_status_updated_notification,
)
from demo.sandboxes.yandex_orders_api import YandexOrderApi
from demo.sandboxes.yandex_wire import A4_SIZE, LABEL_FORMATS, ApiError, bad, boolean, integer, object_body, ok


class YandexOrderWorkApi(YandexOrderApi):
    """What a shop and a buyer do to an order, and the stock it holds."""

    offers: dict[str, YmOffer]
    available: dict[tuple[int, str], int]
    reserved: dict[tuple[int, str], int]
    notifications: list[dict[str, Any]]
    _order_ids: count[int]
    _item_ids: count[int]
    _box_ids: count[int]
    charge_items: Callable[[str, int], None]
    _join_shipment: Callable[[YmOrder], None]

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

    # -- control (test side) ---------------------------------------------------------------------------------
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
