"""Ozon FBS work of the sandbox as a state machine that refuses what Ozon refuses: ship a posting (awaiting_packaging
→ awaiting_deliver), its package label (a PDF, only awaiting_deliver), the day's carriage and its act (create →
approve → act PDF), the FBS returns list, and the posting that misses its shipment_date on a clock a test moves.

Sources (OZ-SPEC: QuoVadis86/go-ozon-sdk origin/swagger.json; OZ-MD: Livingbeside/mp-docs-mirror ozon/api/seller/):
/v4/posting/fbs/ship and its error table (OZ-SPEC PostingAPI_ShipFbsPostingV4), /v2/posting/fbs/package-label
(OZ-MD fbs/post-v2-posting-fbs-package-label.md: at most 20 postings, only awaiting_deliver, all or none),
/v1/carriage/create, /v1/carriage/approve, /v1/carriage/get, /v2/posting/fbs/act/get-postings,
/v2/posting/fbs/act/get-pdf (OZ-MD deliveryfbs/*: /v2/posting/fbs/act/create is switched off since 7 September
2026), /v1/returns/list (OZ-SPEC returnsList: limit ≤ 500, one date filter at most, last_id paging)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.common import SandboxError, rfc3339
from demo.sandboxes.ozon_models import SHIPPED, OzonPosting, delivery_method_id, state_changed_event
from demo.sandboxes.ozon_postings_api import OzonPostingApi
from demo.sandboxes.ozon_wire import BadRequest, int_in, ozon_error, parse_moment
from demo.sandboxes.pdf import A4, text_pdf

LABELS_MAX = 20
RETURNS_LIMIT_MAX = 500
RETURN_DATE_FILTERS = ("logistic_return_date", "storage_tariffication_start_date", "visual_status_change_moment")
# Ozon's own cancellation of a posting not shipped by its shipment_date. The spec names the cancellation types
# (seller, client/customer, ozon, system, delivery; OZ-SPEC v3Cancellation) but not which one this is: an
# automatic cancellation is the system's, and the reason id is [I].
OVERDUE_CANCEL = ("system", 0, "Отправление не собрано к дате отгрузки")


@dataclass
class Carriage:
    carriage_id: int
    delivery_method_id: int
    warehouse_id: int
    departure_date: datetime
    postings: list[str]
    created_at: datetime
    status: str = "new"  # new → formed (approved); the act is printable once formed


@dataclass
class OzonReturn:
    return_id: int
    posting: OzonPosting
    offer_id: str
    quantity: int
    reason: str
    kind: str
    returned_at: datetime
    status: str = "ArrivedAtReturnPlace"


class OzonFbsApi(OzonPostingApi):
    carriages: dict[int, Carriage]
    returns: dict[int, OzonReturn]
    failing_ships: set[str]
    _carriage_ids: count[int]
    _return_ids: count[int]

    def fail_next_ship(self, posting_number: str) -> None:
        """The next ship of this posting is answered 200 yet fails behind it (substatus ship_failed)."""
        self.failing_ships.add(posting_number)

    def advance_clock(self, delta: timedelta) -> None:
        """Move the sandbox's time on; postings whose shipment_date passes unshipped are cancelled by Ozon."""
        self.clock_shift += delta
        self.cancel_overdue()

    def cancel_overdue(self) -> None:
        """Ozon cancels a posting still awaiting packaging after its shipment_date (the seller missed it): the
        reserve goes back to free stock. The spec does not say it happens at once; stricter to assume it does."""
        now = self.now()
        for posting in self.postings.values():
            if posting.status == "awaiting_packaging" and posting.shipment_date < now:
                kind, reason_id, reason = OVERDUE_CANCEL
                self._cancel(posting, kind, reason_id, reason, restore=True)

    # -- ship ------------------------------------------------------------------------------------------------
    async def _ship(self, body: dict[str, Any]) -> web.Response:
        packages = body.get("packages")
        if not isinstance(packages, list) or not packages:
            raise BadRequest("packages is required")
        posting = self.postings.get(str(body.get("posting_number", "")))
        if posting is None:
            return ozon_error(404, "POSTING_NOT_FOUND")
        if posting.status == "cancelled":
            return ozon_error(400, "POSTING_ALREADY_CANCELLED")
        if posting.status != "awaiting_packaging":
            shipped = posting.status == "awaiting_deliver" or posting.status in SHIPPED
            return ozon_error(400, "POSTING_ALREADY_SHIPPED" if shipped else "HAS_INCORRECT_STATUS")
        # Several packages split the posting into new postings (OZ-SPEC); the sandbox does not simulate the split
        # and refuses it rather than pretend it happened.
        if len(packages) > 1:
            return ozon_error(400, "the sandbox ships a posting as one package only")
        wanted: dict[int, int] = {}
        for product in (packages[0] or {}).get("products") or []:
            product_id = int_in(product.get("product_id"), 1, 2**63 - 1, "product_id")
            wanted[product_id] = wanted.get(product_id, 0) + int_in(product.get("quantity"), 1, 2**31 - 1, "quantity")
        ordered = {line.item.sku: line.quantity for line in posting.lines}
        if set(wanted) - set(ordered):
            return ozon_error(400, "UNKNOWN_PRODUCT_DEFINED")  # product_id is the Ozon SKU, not the product id
        if wanted != ordered:
            return ozon_error(400, "HAS_INCORRECT_PRODUCT_QUANTITY")
        posting.last_changed = self.now()
        posting.ship_failed = posting.posting_number in self.failing_ships
        if posting.ship_failed:
            self.failing_ships.discard(posting.posting_number)
            return web.json_response({"result": [posting.posting_number], "additional_data": []})
        posting.status = "awaiting_deliver"
        self._emit(state_changed_event(posting, self.seller_id))
        return web.json_response({"result": [posting.posting_number], "additional_data": []})

    # -- labels ----------------------------------------------------------------------------------------------
    async def _package_label(self, body: dict[str, Any]) -> web.Response:
        numbers = body.get("posting_number")
        if not isinstance(numbers, list) or not numbers or len(numbers) > LABELS_MAX:
            raise BadRequest(f"posting_number must list 1..{LABELS_MAX} postings")
        postings = [self.postings.get(str(number)) for number in numbers]
        if any(posting is None for posting in postings):
            return ozon_error(404, "Posting not found")
        chosen = [posting for posting in postings if posting is not None]
        # One posting not awaiting_deliver refuses the whole request (OZ-MD: "if at least one posting fails, no
        # labels are prepared"); the error texts are the spec's.
        if any(posting.status in SHIPPED for posting in chosen):
            return ozon_error(400, "label not allowed for delivered postings")
        if not any(posting.status == "awaiting_deliver" for posting in chosen):
            return ozon_error(400, "NO_POSTINGS_FOR_BATCH_DOWNLOAD")
        if any(posting.status != "awaiting_deliver" for posting in chosen):
            return ozon_error(400, "INVALID_ARGUMENT")
        pages = [
            [posting.posting_number, f"Ozon FBS {posting.warehouse_name}", *(p.item.offer_id for p in posting.lines)]
            for posting in chosen
        ]
        name = f"ticket-{self.seller_id}-{rfc3339(self.now())}.pdf"
        return _pdf(text_pdf(pages), name)

    # -- carriage and act ------------------------------------------------------------------------------------
    async def _carriage_create(self, body: dict[str, Any]) -> web.Response:
        method = body.get("delivery_method_id")
        if not isinstance(method, int) or isinstance(method, bool):
            raise BadRequest("delivery_method_id is required")
        departure = parse_moment(body["departure_date"], "departure_date") if body.get("departure_date") else None
        in_carriage = {number for carriage in self.carriages.values() for number in carriage.postings}
        ready = [
            posting
            for posting in self.postings.values()
            if posting.status == "awaiting_deliver"
            and delivery_method_id(posting) == method
            and posting.posting_number not in in_carriage
        ]
        # The spec is silent on a carriage with nothing in it; stricter: refused.
        if not ready:
            return ozon_error(400, "no postings awaiting_deliver for this delivery method")
        carriage = Carriage(
            next(self._carriage_ids),
            method,
            ready[0].warehouse_id,
            departure or self.now(),
            [posting.posting_number for posting in ready],
            self.now(),
        )
        self.carriages[carriage.carriage_id] = carriage
        return web.json_response({"carriage_id": carriage.carriage_id})

    def _carriage(self, value: Any) -> Carriage:
        carriage = self.carriages.get(value) if isinstance(value, int) else None
        if carriage is None:
            raise LookupError(value)
        return carriage

    async def _carriage_approve(self, body: dict[str, Any]) -> web.Response:
        try:
            carriage = self._carriage(body.get("carriage_id"))
        except LookupError:
            return ozon_error(404, "carriage not found")
        if carriage.status != "new":
            return ozon_error(400, f"carriage is {carriage.status}, only a new one can be approved")
        carriage.status = "formed"
        return web.json_response({})

    async def _carriage_get(self, body: dict[str, Any]) -> web.Response:
        try:
            carriage = self._carriage(body.get("carriage_id"))
        except LookupError:
            return ozon_error(404, "carriage not found")
        formed = carriage.status != "new"
        return web.json_response(
            {
                "carriage_id": carriage.carriage_id,
                "company_id": self.seller_id,
                "delivery_method_id": carriage.delivery_method_id,
                "warehouse_id": carriage.warehouse_id,
                "departure_date": rfc3339(carriage.departure_date),
                "created_at": rfc3339(carriage.created_at),
                "status": carriage.status,
                # A seller outside Russia gets the act of acceptance (OZ-MD post-v2-posting-fbs-act-get-pdf.md).
                "available_actions": ["get_act_of_acceptance"] if formed else [],
                "act_type": "act_of_acceptance",
                "has_postings_for_next_carriage": False,
                "is_partial": False,
                "partial_num": 0,
            }
        )

    async def _act_postings(self, body: dict[str, Any]) -> web.Response:
        try:
            carriage = self._carriage(body.get("id"))
        except LookupError:
            return ozon_error(404, "carriage not found")
        rows = [
            {
                "posting_number": number,
                "status": self.postings[number].status,
                "seller_error": "",
                "updated_at": rfc3339(self.postings[number].last_changed),
                "created_at": rfc3339(self.postings[number].in_process_at),
                "products": [
                    {"name": line.item.name, "offer_id": line.item.offer_id, "sku": line.item.sku}
                    for line in self.postings[number].lines
                ],
            }
            for number in carriage.postings
        ]
        return web.json_response({"result": rows})

    async def _act_pdf(self, body: dict[str, Any]) -> web.Response:
        try:
            carriage = self._carriage(body.get("id"))
        except LookupError:
            return ozon_error(404, "carriage not found")
        # The documents exist once the carriage is approved (OZ-MD post-v1-carriage-approve.md).
        if carriage.status == "new":
            return ozon_error(400, "documents are not formed: approve the carriage first")
        lines = [f"Act of acceptance, carriage {carriage.carriage_id}", *carriage.postings]
        return _pdf(text_pdf([lines], A4), f"act-{carriage.carriage_id}.pdf")

    # -- returns ---------------------------------------------------------------------------------------------
    def add_return(
        self,
        posting_number: str,
        offer_id: str | None = None,
        *,
        quantity: int = 1,
        reason: str = "Не подошёл размер",
        kind: str = "ClientReturn",
        returned_at: datetime | None = None,
    ) -> int:
        """A buyer sends back ``quantity`` of one line of a posting (its first when ``offer_id`` is None): one
        return per product, as Ozon lists them. Returns the return id."""
        posting = self.postings[posting_number]
        line = next((ln for ln in posting.lines if offer_id in (None, ln.item.offer_id)), None)
        if line is None or not 0 < quantity <= line.quantity:
            raise SandboxError(f"{posting_number} has no {quantity} of {offer_id}")
        returned = OzonReturn(
            next(self._return_ids),
            posting,
            line.item.offer_id,
            quantity,
            reason,
            kind,
            returned_at or self.now().replace(microsecond=0),
        )
        self.returns[returned.return_id] = returned
        return returned.return_id

    async def _returns_list(self, body: dict[str, Any]) -> web.Response:
        flt = body.get("filter") or {}
        limit = int_in(body.get("limit"), 1, RETURNS_LIMIT_MAX, "limit")
        last_id = body.get("last_id") or 0
        dates = [name for name in RETURN_DATE_FILTERS if flt.get(name)]
        if len(dates) > 1:
            raise BadRequest("use only one of " + ", ".join(RETURN_DATE_FILTERS))
        span: Mapping[str, Any] = flt.get("logistic_return_date") or {}
        start = parse_moment(span["time_from"], "time_from") if span.get("time_from") else None
        end = parse_moment(span["time_to"], "time_to") if span.get("time_to") else None
        postings = flt.get("posting_numbers") or []
        if len(postings) > 50:
            raise BadRequest("posting_numbers holds at most 50 values")
        chosen = [
            r
            for r in sorted(self.returns.values(), key=lambda r: r.return_id)
            if r.return_id > last_id
            and (not start or r.returned_at >= start)
            and (not end or r.returned_at <= end)
            and (not postings or r.posting.posting_number in postings)
            and (flt.get("return_schema") in (None, "", "FBS"))
        ]
        rows = chosen[:limit]
        return web.json_response(
            {"returns": [_return_json(r, self.seller_id) for r in rows], "has_next": len(chosen) > limit}
        )


def _return_json(returned: OzonReturn, seller_id: int) -> dict[str, Any]:
    posting = returned.posting
    line = next(ln for ln in posting.lines if ln.item.offer_id == returned.offer_id)
    price = {"currency_code": line.item.currency_code, "price": line.price}
    return {
        "id": returned.return_id,
        "company_id": seller_id,
        "return_reason_name": returned.reason,
        "type": returned.kind,
        "schema": "FBS",
        "order_id": posting.order_id,
        "order_number": posting.order_number,
        "posting_number": posting.posting_number,
        "place": {"id": posting.warehouse_id, "name": posting.warehouse_name, "address": ""},
        "target_place": {"id": posting.warehouse_id, "name": posting.warehouse_name, "address": ""},
        "product": {
            "sku": line.item.sku,
            "offer_id": line.item.offer_id,
            "name": line.item.name,
            "price": price,
            "price_without_commission": price,
            "commission_percent": 0,
            "commission": {"currency_code": line.item.currency_code, "price": 0},
            "quantity": returned.quantity,
        },
        "logistic": {"return_date": rfc3339(returned.returned_at), "barcode": f"ii{returned.return_id}"},
        "visual": {
            "status": {"id": 2, "display_name": "Прибыл в место возврата", "sys_name": returned.status},
            "change_moment": rfc3339(returned.returned_at),
        },
        "additional_info": {"is_opened": False, "is_super_econom": False},
        "exemplars": [{"id": returned.return_id * 10 + i} for i in range(returned.quantity)],
    }


def _pdf(content: bytes, filename: str) -> web.Response:
    """Ozon answers a file request with the PDF itself (OZ-SPEC: 200 is application/pdf)."""
    return web.Response(
        body=content,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
