"""Uzum FBS work of the sandbox beyond confirm and cancel: an order's label, the seller's returns, and the
platform's own clock, which a test moves on so that Uzum cancels what was not accepted in time (UZ-MD
rabota-s-zakazami-fbs-dbs/get-v1-fbs-order-orderid-labels-print.md, return-invoice/get-v1-return.md)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.common import parse_lines
from demo.sandboxes.pdf import MM, text_pdf
from demo.sandboxes.uzum_models import UzumSku
from demo.sandboxes.uzum_orders_api import UzumOrdersApi
from demo.sandboxes.uzum_wire import envelope, uzum_error

# Label sizes in millimetres: LARGE is 58x40 and BIG the smaller 43x25, as the spec names them.
LABEL_SIZES = {"LARGE": (58.0, 40.0), "BIG": (43.0, 25.0)}
# The spec is silent on which statuses have a label; the stricter assumption: only a confirmed order not yet with
# the courier (a new one has no assembly to label, a cancelled one nothing to send).
LABEL_STATUSES = ("PACKING", "PENDING_DELIVERY")
RETURN_TYPES = ("DEFECTED", "RETURN", "FBS")
RETURN_PAGE_MAX = 50


@dataclass
class UzumReturnLine:
    id: int
    sku: UzumSku
    amount: int


@dataclass
class UzumReturn:
    id: int
    type: str
    created: datetime
    lines: list[UzumReturnLine]
    status: str = "CREATED"
    cancelled: datetime | None = None


class UzumFbsApi(UzumOrdersApi):
    returns: dict[int, UzumReturn]
    _return_ids: count[int]
    _return_line_ids: count[int]
    find_sku: Callable[[Any], UzumSku]  # UzumSandbox's: by barcode, sellerSkuCode or skuId

    # -- control -------------------------------------------------------------------------------------------------
    def advance_clock(self, delta: timedelta) -> None:
        """Time passes on the platform; then Uzum's own job runs (expire_overdue)."""
        self.clock_offset += delta
        self.expire_overdue()

    def expire_overdue(self) -> list[int]:
        """Uzum cancels an order the seller did not accept by acceptUntil (the 16 h rule) with reason
        ACCEPTANCE_TIME_EXPIRED, a value of the spec's cancel reason enum. Run when a test moves the clock, not on
        every request: the real job runs at its own times, so an order may sit past its deadline, still CREATED,
        and a confirm then meets seller-order-03. Like the sandbox's other market cancel, the stock is left as it
        is (the spec does not say; our push sets the absolute number anyway)."""
        expired = [o for o in self.orders.values() if o.status == "CREATED" and self.now() > o.accept_until]
        for order in expired:
            self._cancel(order, "ACCEPTANCE_TIME_EXPIRED", restore=False)
        return [order.id for order in expired]

    def add_return(self, items: Any, *, type: str = "FBS", created_at: datetime | None = None) -> dict[str, Any]:
        """Goods come back to the seller: ``items`` = ``{key: qty}`` (barcode, sellerSkuCode or skuId)."""
        if type not in RETURN_TYPES:
            raise ValueError(f"return type must be one of {RETURN_TYPES}")
        lines = [
            UzumReturnLine(next(self._return_line_ids), self.find_sku(key), amount)
            for key, amount in parse_lines(items)
        ]
        created = UzumReturn(next(self._return_ids), type, created_at or self.now(), lines)
        self.returns[created.id] = created
        return self.return_json(created)

    def cancel_return(self, return_id: int) -> dict[str, Any]:
        cancelled = self.returns[return_id]
        cancelled.status, cancelled.cancelled = "CANCELED", self.now()
        return self.return_json(cancelled)

    def return_json(self, found: UzumReturn) -> dict[str, Any]:
        total = sum(line.amount for line in found.lines)
        return {
            "id": found.id,
            "dateCreated": self._when(found.created),
            "status": found.status,
            "stock": {"id": 1, "externalId": None, "title": "Seller warehouse", "address": "Tashkent"},
            "timeSlotReservation": None,
            "paidStorage": None,
            "executionDate": self._when(found.cancelled),
            "assembledDate": None,
            "completedDate": None,
            "canceledDate": self._when(found.cancelled),
            "externalNumber": f"RET-{found.id}",
            "type": found.type,
            "returnItems": [
                {
                    "id": line.id,
                    "skuId": line.sku.sku_id,
                    "amount": line.amount,
                    "packedAmount": line.amount,
                    "skuTitle": line.sku.sku_title,
                    "productTitle": line.sku.product_title,
                    "purchasePrice": line.sku.purchase_price,
                }
                for line in found.lines
            ],
            "totalAmount": total,
            "totalPackedAmount": total,
            "countAllowedChange": 0,
            "maxCountAllowedChange": 0,
        }

    # -- routes --------------------------------------------------------------------------------------------------
    async def _label(self, request: web.Request) -> web.Response:
        size = request.query.get("size")
        if size not in LABEL_SIZES:
            return uzum_error(400, "illegal-argument-001", "size is required: LARGE or BIG")
        order = self._order_or_error(request)
        if isinstance(order, web.Response):
            return order
        if order.status not in LABEL_STATUSES:
            # The spec lists no code for this refusal; seller-order-02 is Uzum's "wrong status" elsewhere.
            return uzum_error(400, "seller-order-02", f"Order is in status {order.status}")
        width, height = LABEL_SIZES[size]
        lines = [f"UZUM {order.id}"] + [f"{line.sku.barcode} x{line.active}" for line in order.lines if line.active]
        pdf = text_pdf([lines], (width * MM, height * MM))
        return envelope({"document": [base64.b64encode(pdf).decode()]})

    async def _returns(self, request: web.Request) -> web.Response:
        """A bare JSON array of SellerReturnDto, not the envelope (UZ-MD spec.json, getSellerReturn)."""
        try:
            page = int(request.query.get("page", "0"))
            size = int(request.query.get("size", str(RETURN_PAGE_MAX)))
            wanted = int(request.query["returnId"]) if "returnId" in request.query else None
        except ValueError:
            return uzum_error(400, "illegal-argument-001", "returnId, page and size must be integers")
        if page < 0 or not 0 <= size <= RETURN_PAGE_MAX:
            return uzum_error(400, "illegal-argument-001", f"size must be 0..{RETURN_PAGE_MAX}")
        found = [r for r in sorted(self.returns.values(), key=lambda r: r.id) if wanted in (None, r.id)]
        return web.json_response([self.return_json(r) for r in found[page * size : (page + 1) * size]])
