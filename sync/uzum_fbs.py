"""Uzum Market FBS work done from our chat (sync.adapter.Fulfilment): confirming an order, cancelling it with one of
the seller's reasons, its label, the act of the FBS invoice it is handed over in, and the returns Uzum lists. Every
refusal carries Uzum's own code and words."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from core.listings import ListingKeys
from core.marketplace_orders import IncomingLine
from sync.adapter import CancelReason, Confirmed, Document, HandOver, IncomingReturn, Label, WorkOrder
from sync.http import MarketplaceError, MarketplaceHttp
from sync.uzum_wire import error_codes, moment, raise_for

# Our reasons in Uzum's words (SellerOrderCancelRq.reason, UZ-MD post-v1-fbs-order-orderid-cancel.md). Uzum has no
# "defective" reason; its other values (ACCEPTANCE_TIME_EXPIRED, CANCELED_BY_CUSTOMER, …) are the platform's own.
CANCEL_CODES: dict[CancelReason, str] = {
    "out_of_stock": "OUT_OF_STOCK",
    "no_package": "OUT_OF_PACKAGE",
    "no_time": "OUT_OF_TIME",
    "other": "OTHER",
}
# LARGE is 58x40 mm; BIG is the smaller 43x25 mm despite its name (UZ-MD get-v1-fbs-order-orderid-labels-print.md).
LABEL_SIZE = "LARGE"
RETURN_PAGE = 50  # the most GET /v1/return serves a page (UZ-MD get-v1-return.md)
INVOICE_PAGE = 50  # GET /v1/fbs/invoice declares no maximum
# Where an order is once confirmed and before Uzum's courier has it: a confirm that finds it here was applied
# already (in the seller's cabinet, or by our earlier try whose answer was lost).
CONFIRMED_STATUSES = ("PACKING", "PENDING_DELIVERY")


class UzumFulfilment:
    """Mixed into UzumAdapter: the calls go through its paced HTTP."""

    _http: MarketplaceHttp
    cancel_reasons: tuple[CancelReason, ...] = tuple(CANCEL_CODES)

    async def confirm(self, order: WorkOrder) -> Confirmed:
        """`POST /v1/fbs/order/{orderId}/confirm`; its answer is the order, whose deliverUntil ("the date the seller
        must hand the order over by", FbsInvoiceOrderItemDto in UZ-MD spec.json) is the next deadline."""
        reply = await self._http.request("POST", f"/v1/fbs/order/{order.key}/confirm", idempotent=False)
        try:
            raise_for(reply.status, reply.body)
        except MarketplaceError as refused:
            if "seller-order-02" not in error_codes(refused):
                raise
            current = await self._read_order(order.key)
            if current.get("status") not in CONFIRMED_STATUSES:
                raise
            return Confirmed(deadline=moment(current.get("deliverUntil")))
        return Confirmed(deadline=moment((reply.body.get("payload") or {}).get("deliverUntil")))

    async def cancel(self, order: WorkOrder, reason: CancelReason) -> None:
        code = CANCEL_CODES.get(reason)
        if code is None:
            raise MarketplaceError(
                f"uzum: no cancel reason of Uzum's matches {reason!r}", code="no_cancel_reason", detail=reason
            )
        reply = await self._http.request(
            "POST", f"/v1/fbs/order/{order.key}/cancel", body={"reason": code}, idempotent=False
        )
        raise_for(reply.status, reply.body)

    async def labels(self, orders: list[WorkOrder]) -> list[Label]:
        """One `GET /v1/fbs/order/{orderId}/labels/print` per order; its payload.document is an array of Base64
        PDFs (SellerOrderLabelDto), each kept as a label of the order."""
        found: list[Label] = []
        for order in orders:
            reply = await self._http.request(
                "GET", f"/v1/fbs/order/{order.key}/labels/print", params={"size": LABEL_SIZE}
            )
            raise_for(reply.status, reply.body)
            pdfs = _pdfs((reply.body.get("payload") or {}).get("document"))
            if not pdfs:
                raise MarketplaceError(
                    f"uzum: no label came for order {order.key}",
                    reply.status,
                    reply.body,
                    code="no_label",
                    detail=order.key,
                )
            found += [
                Label(order.key, Document(f"uzum-{order.key}-{number}.pdf", pdf, "application/pdf"))
                for number, pdf in enumerate(pdfs, 1)
            ]
        return found

    async def hand_over(self, orders: list[WorkOrder]) -> list[HandOver]:
        """The FBS invoices these orders are in, each with its act for the drop-off point (`GET
        /v1/fbs/invoice/{invoiceId}/print`, a Base64 PDF). An invoice is made in the seller's cabinet: its creation
        (`POST /v1/fbs/invoice`) needs a timeSlotUuid that no read of the spec gives (its time slots carry only
        timeFrom/timeTo) and a sellerId that no read names (UZ-MD fbs-invoice/post-v1-fbs-invoice.md,
        get-v1-fbs-invoice-dop-time-slot.md). An order in no open invoice yet is refused, naming that step."""
        wanted = {order.key for order in orders}
        found: list[HandOver] = []
        async for invoice in self._open_invoices():
            reply = await self._http.request("GET", f"/v1/fbs/invoice/{invoice['id']}/orders")
            raise_for(reply.status, reply.body)
            keys = tuple(str(row.get("orderId")) for row in reply.body.get("payload") or [])
            ours = tuple(key for key in keys if key in wanted)
            if ours:
                found.append(await self._act(invoice, ours))
                wanted.difference_update(ours)
            if not wanted:
                return found
        raise MarketplaceError(
            f"uzum: orders {', '.join(sorted(wanted))} are in no open FBS invoice: make one for them in the Uzum"
            " seller cabinet (drop-off point and time slot), then hand over again",
            code="no_invoice",
            detail=", ".join(sorted(wanted)),
        )

    async def _open_invoices(self) -> AsyncIterator[dict[str, Any]]:
        """The FBS invoices not yet accepted at a drop-off point (status CREATED), paged until a short page."""
        page = 0
        while True:
            reply = await self._http.request(
                "GET", "/v1/fbs/invoice", params={"statuses": "CREATED", "page": page, "size": INVOICE_PAGE}
            )
            raise_for(reply.status, reply.body)
            invoices = reply.body.get("payload") or []
            for invoice in invoices:
                yield invoice
            if len(invoices) < INVOICE_PAGE:
                return
            page += 1

    async def _act(self, invoice: dict[str, Any], keys: tuple[str, ...]) -> HandOver:
        reply = await self._http.request("GET", f"/v1/fbs/invoice/{invoice['id']}/print")
        raise_for(reply.status, reply.body)
        number = str(invoice.get("number") or invoice["id"])
        pdfs = _pdfs((reply.body.get("payload") or {}).get("document"))
        document = Document(f"uzum-invoice-{number}.pdf", pdfs[0], "application/pdf") if pdfs else None
        return HandOver(number, keys, document)

    async def returns(self, since: datetime | None) -> list[IncomingReturn]:
        """Every return Uzum lists (`GET /v1/return`, a bare array, pages of 50 until a short one), those created
        since ``since`` when given: the endpoint has no date filter. A cancelled return brings nothing back."""
        found: list[IncomingReturn] = []
        page = 0
        while True:
            reply = await self._http.request("GET", "/v1/return", params={"page": page, "size": RETURN_PAGE})
            raise_for(reply.status, reply.body)
            rows = reply.body if isinstance(reply.body, list) else []
            for row in rows:
                incoming = _return(row)
                if incoming is not None and (
                    since is None or incoming.returned_at is None or incoming.returned_at >= since
                ):
                    found.append(incoming)
            if len(rows) < RETURN_PAGE:
                return found
            page += 1

    async def _read_order(self, key: str) -> dict[str, Any]:
        reply = await self._http.request("GET", f"/v1/fbs/order/{key}")
        raise_for(reply.status, reply.body)
        return dict(reply.body.get("payload") or {})


def _pdfs(document: Any) -> list[bytes]:
    """A label is an array of Base64 strings in the spec, an invoice's act one string: both are read."""
    parts = [document] if isinstance(document, str) else document if isinstance(document, list) else []
    try:
        return [base64.b64decode(part, validate=True) for part in parts if isinstance(part, str) and part]
    except binascii.Error as error:
        raise MarketplaceError(f"uzum: a label is not Base64: {error}", code="bad_file") from None


def _return(row: dict[str, Any]) -> IncomingReturn | None:
    """A return (SellerReturnDto, UZ-MD get-v1-return.md): keyed by its id; its items name the SKU by skuId only and
    no order, and the spec gives no reason beyond the type (DEFECTED: defective goods, RETURN, FBS)."""
    if row.get("id") is None or row.get("canceledDate"):
        return None
    lines = tuple(
        IncomingLine(
            quantity=int(item.get("amount") or 0),
            title=item.get("skuTitle") or item.get("productTitle") or "",
            keys=ListingKeys(sku_id=item.get("skuId")),
        )
        for item in row.get("returnItems") or []
    )
    lines = tuple(line for line in lines if line.quantity > 0)
    if not lines:
        return None
    return IncomingReturn(
        key=str(row["id"]),
        order_key=None,
        lines=lines,
        defective=row.get("type") == "DEFECTED",
        returned_at=moment(row.get("dateCreated")),
    )
