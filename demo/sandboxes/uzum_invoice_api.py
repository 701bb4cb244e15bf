"""Uzum FBS invoices of the sandbox: the act a seller brings confirmed orders to a drop-off point with. The seller
makes one in the cabinet (make_invoice: a drop-off point and time slot are chosen there); the API lists them, their
orders, and prints the act (UZ-MD fbs-invoice/get-v1-fbs-invoice.md, get-v1-fbs-invoice-invoiceid-orders.md,
get-v1-fbs-invoice-invoiceid-print.md)."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.common import SandboxError
from demo.sandboxes.pdf import A4, text_pdf
from demo.sandboxes.uzum_models import UzumOrder
from demo.sandboxes.uzum_orders_api import UzumOrdersApi
from demo.sandboxes.uzum_wire import envelope, uzum_error

INVOICE_STATUSES = ("CREATED", "ACCEPTANCE_IN_PROGRESS", "CANCELLED", "ACCEPTED")
INVOICE_NUMBER_BASE = 120_000_000_000  # "number = 120000000000 + id" (FbsInvoiceDto.number)


@dataclass
class UzumInvoice:
    id: int
    created: datetime
    orders: list[UzumOrder] = field(default_factory=list)
    status: str = "CREATED"

    @property
    def number(self) -> int:
        return INVOICE_NUMBER_BASE + self.id


class UzumInvoiceApi(UzumOrdersApi):
    invoices: dict[int, UzumInvoice]
    _invoice_ids: count[int]

    def make_invoice(self, order_ids: Iterable[int]) -> dict[str, Any]:
        """The seller makes an FBS invoice in the cabinet. Stricter than the silent spec: only confirmed orders
        (PACKING), each in one invoice at a time."""
        orders = [self.orders[int(order_id)] for order_id in order_ids]
        for order in orders:
            if order.status != "PACKING" or order.invoice_number is not None:
                raise SandboxError(f"order {order.id} cannot go into an invoice ({order.status})")
        invoice = UzumInvoice(next(self._invoice_ids), self.now(), orders)
        for order in orders:
            order.invoice_number = invoice.number
        self.invoices[invoice.id] = invoice
        return self.invoice_json(invoice)

    def invoice_json(self, invoice: UzumInvoice) -> dict[str, Any]:
        full = sum(order.price for order in invoice.orders)
        accepted = invoice.status == "ACCEPTED"
        return {
            "id": invoice.id,
            "number": invoice.number,
            "status": {"text": invoice.status, "color": None, "value": invoice.status},
            "fullPrice": full,
            "acceptedPrice": full if accepted else 0,
            "numberOrders": len(invoice.orders),
            "numberAcceptedOrders": len(invoice.orders) if accepted else 0,
            "stock": {"id": 1, "externalId": None, "title": "Seller warehouse", "address": "Tashkent"},
            "dateCreated": self._when(invoice.created),
            "dateUpdated": self._when(invoice.created),
            "acceptanceStartedDate": None,
            "acceptedDate": None,
            "timeSlot": {"timeFrom": self._when(invoice.created), "timeTo": self._when(invoice.created)},
            "dropOffPoint": {"uuid": "dp-1", "address": "Tashkent, drop-off point 1", "type": "DROP_OFF_POINT"},
        }

    async def _invoices(self, request: web.Request) -> web.Response:
        statuses = request.query.getall("statuses", [])
        if not statuses or any(status not in INVOICE_STATUSES for status in statuses):
            return uzum_error(400, "illegal-argument-001", f"statuses is required: {', '.join(INVOICE_STATUSES)}")
        try:
            page, size = int(request.query.get("page", "0")), int(request.query.get("size", "20"))
        except ValueError:
            return uzum_error(400, "illegal-argument-001", "page and size must be integers")
        if page < 0 or size < 1:
            return uzum_error(400, "illegal-argument-001", "page must be 0 or more and size 1 or more")
        found = [i for i in sorted(self.invoices.values(), key=lambda i: i.id) if i.status in statuses]
        return envelope([self.invoice_json(i) for i in found[page * size : (page + 1) * size]])

    def _invoice_or_error(self, request: web.Request) -> UzumInvoice | web.Response:
        try:
            invoice = self.invoices.get(int(request.match_info["invoiceId"]))
        except ValueError:
            invoice = None
        if invoice is None:
            return uzum_error(404, "fbs-invoice-01", "Invoice not found")
        return invoice

    async def _invoice_orders(self, request: web.Request) -> web.Response:
        invoice = self._invoice_or_error(request)
        if isinstance(invoice, web.Response):
            return invoice
        return envelope(
            [
                {
                    "orderId": order.id,
                    "fullPrice": order.price,
                    "items": [
                        {
                            "orderId": order.id,
                            "barcode": line.sku.barcode,
                            "skuTitle": line.sku.sku_title,
                            "title": line.sku.product_title,
                            "amount": line.active,
                            "price": line.unit_price,
                            "skuId": line.sku.sku_id,
                            "status": "NOT_ACCEPTED",
                            "deliverUntil": self._when(order.deliver_until),
                        }
                        for line in order.lines
                        if line.active
                    ],
                }
                for order in invoice.orders
            ]
        )

    async def _invoice_print(self, request: web.Request) -> web.Response:
        """The act as one Base64 string (FbsInvoiceDocumentDto.document is string<byte>, not an array)."""
        invoice = self._invoice_or_error(request)
        if isinstance(invoice, web.Response):
            return invoice
        lines = [f"UZUM FBS {invoice.number}"] + [f"order {order.id}" for order in invoice.orders]
        return envelope({"document": base64.b64encode(text_pdf([lines], A4)).decode()})
