"""Ozon's FBS work done from our chat (sync.adapter.Fulfilment): ship a posting as one package, cancel it with
Ozon's reason, print its label, hand the day's postings over in a carriage with its act, and read FBS returns.

Sources (OZ-SPEC: QuoVadis86/go-ozon-sdk origin/swagger.json; OZ-MD: Livingbeside/mp-docs-mirror ozon/api/seller/):
/v4/posting/fbs/ship (PostingAPI_ShipFbsPostingV4: product_id is the Ozon SKU; a 200 is no proof, the posting's
substatus ship_failed says it failed), /v2/posting/fbs/cancel with /v1/posting/fbs/cancel-reason's reasons,
/v2/posting/fbs/package-label (fbs/post-v2-posting-fbs-package-label.md), /v1/carriage/create + approve and
/v2/posting/fbs/act/get-postings + get-pdf (deliveryfbs/*: act/create is switched off since 7 September 2026),
/v1/returns/list (returnsList)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from core.listings import ListingKeys
from core.marketplace_orders import IncomingLine
from sync.adapter import CancelReason, Confirmed, Document, HandOver, IncomingReturn, Label, WorkOrder
from sync.http import MarketplaceError, MarketplaceHttp, Reply
from sync.ozon_wire import parse_moment, parse_price, raise_for, rfc3339

# Our reasons → the ids /v1/posting/fbs/cancel-reason offers an FBS posting (352 out of stock, 400 only defective
# items left, 402 other, which needs a message); Ozon has none for a missing package or lack of time.
CANCEL_REASONS: dict[CancelReason, int] = {"out_of_stock": 352, "defective": 400, "other": 402}
OTHER_REASON_MESSAGE = "Отмена продавцом"
RETURNS_PAGE = 500


class OzonFulfilment:
    """The Fulfilment capability of the Ozon adapter, over its request lane."""

    cancel_reasons: tuple[CancelReason, ...] = tuple(CANCEL_REASONS)
    _reads: MarketplaceHttp

    async def confirm(self, order: WorkOrder) -> Confirmed:
        """Ship the posting as one package of all its products, then read it back: Ozon answers 200 before the
        shipping is done and marks a failed one ``ship_failed`` (OZ-SPEC PostingAPI_ShipFbsPostingV4)."""
        posting = await self._posting(order.key)
        quantities: dict[int, int] = {}
        for product in posting.get("products") or []:
            sku = int(product["sku"])
            quantities[sku] = quantities.get(sku, 0) + int(product.get("quantity") or 0)
        body = {
            "posting_number": order.key,
            "packages": [{"products": [{"product_id": sku, "quantity": n} for sku, n in quantities.items()]}],
        }
        reply = await self._reads.request("POST", "/v4/posting/fbs/ship", body=body, idempotent=False)
        raise_for(reply.status, reply.body)
        shipped = await self._posting(order.key)
        if shipped.get("substatus") == "ship_failed":
            raise MarketplaceError(
                f"ozon could not ship {order.key} (ship_failed): ship it again", code="ship_failed", detail=order.key
            )
        return Confirmed(deadline=parse_moment(shipped.get("shipment_date")))

    async def cancel(self, order: WorkOrder, reason: CancelReason) -> None:
        reason_id = CANCEL_REASONS.get(reason)
        if reason_id is None:
            raise MarketplaceError(f"ozon has no cancel reason for {reason!r}", code="no_cancel_reason", detail=reason)
        body: dict[str, Any] = {"posting_number": order.key, "cancel_reason_id": reason_id}
        if reason_id == CANCEL_REASONS["other"]:
            body["cancel_reason_message"] = OTHER_REASON_MESSAGE  # required with 402
        reply = await self._reads.request("POST", "/v2/posting/fbs/cancel", body=body, idempotent=False)
        raise_for(reply.status, reply.body)

    async def labels(self, orders: list[WorkOrder]) -> list[Label]:
        """One request per posting: Ozon takes up to 20 at once but answers them in one PDF that does not say
        which page is whose, and refuses all of them when one is not ready; one each keeps every label the
        platform's own file and a refusal to the posting it is about."""
        labels = []
        for order in orders:
            reply = await self._reads.request(
                "POST", "/v2/posting/fbs/package-label", body={"posting_number": [order.key]}
            )
            raise_for(reply.status, reply.body)
            labels.append(Label(order.key, _document(reply, f"ozon-label-{order.key}.pdf")))
        return labels

    async def hand_over(self, orders: list[WorkOrder]) -> list[HandOver]:
        """One carriage per delivery method of these postings, approved, with its act: Ozon puts every posting
        ready to ship by that method into it (not only ours), so its postings are read back from the act."""
        methods: list[int] = []
        for order in orders:
            posting = await self._posting(order.key)
            method = (posting.get("delivery_method") or {}).get("id")
            if posting.get("status") == "awaiting_deliver" and method and method not in methods:
                methods.append(int(method))
        if not methods:
            raise MarketplaceError(
                "ozon: none of these postings is awaiting delivery (shipped and not handed over)",
                code="none_awaiting_delivery",
            )
        handed = []
        for method in methods:
            created = await self._reads.request(
                "POST", "/v1/carriage/create", body={"delivery_method_id": method}, idempotent=False
            )
            raise_for(created.status, created.body)
            carriage = int((created.body or {})["carriage_id"])
            approved = await self._reads.request(
                "POST", "/v1/carriage/approve", body={"carriage_id": carriage}, idempotent=False
            )
            raise_for(approved.status, approved.body)
            listed = await self._reads.request("POST", "/v2/posting/fbs/act/get-postings", body={"id": carriage})
            raise_for(listed.status, listed.body)
            act = await self._reads.request("POST", "/v2/posting/fbs/act/get-pdf", body={"id": carriage})
            raise_for(act.status, act.body)
            handed.append(
                HandOver(
                    str(carriage),
                    tuple(str(row["posting_number"]) for row in (listed.body or {}).get("result") or []),
                    _document(act, f"ozon-act-{carriage}.pdf"),
                )
            )
        return handed

    async def returns(self, since: datetime | None) -> list[IncomingReturn]:
        """FBS returns, one per returned product (Ozon lists each product of a posting as its own return), those
        created since ``since`` when given. The spec has no defective flag: the reason's text says it."""
        flt: dict[str, Any] = {"return_schema": "FBS"}
        if since is not None:
            flt["logistic_return_date"] = {"time_from": rfc3339(since), "time_to": rfc3339(datetime.now(UTC))}
        return [_return(row) async for row in self._returns(flt)]

    async def _returns(self, flt: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        last_id = 0
        while True:
            body = {"filter": flt, "limit": RETURNS_PAGE, "last_id": last_id}
            reply = await self._reads.request("POST", "/v1/returns/list", body=body)
            raise_for(reply.status, reply.body)
            rows = (reply.body or {}).get("returns") or []
            for row in rows:
                yield row
            if not (reply.body or {}).get("has_next") or not rows:
                return
            last_id = int(rows[-1]["id"])

    async def _posting(self, key: str) -> dict[str, Any]:
        reply = await self._reads.request("POST", "/v3/posting/fbs/get", body={"posting_number": key})
        raise_for(reply.status, reply.body)
        return dict((reply.body or {}).get("result") or {})


def _document(reply: Reply, filename: str) -> Document:
    """The PDF Ozon answers with, as it is (OZ-SPEC: the 200 of a label or an act is application/pdf)."""
    if not reply.raw.startswith(b"%PDF"):
        raise MarketplaceError(
            f"ozon answered without a PDF ({reply.headers.get('Content-Type', '?')})", code="bad_file"
        )
    return Document(filename, reply.raw, "application/pdf")


def _return(row: dict[str, Any]) -> IncomingReturn:
    product = row.get("product") or {}
    return IncomingReturn(
        key=str(row["id"]),
        order_key=row.get("posting_number") or None,
        lines=(
            IncomingLine(
                quantity=int(product.get("quantity") or 0),
                price=parse_price(product.get("price")),
                title=product.get("name") or "",
                seller_sku=product.get("offer_id"),
                keys=ListingKeys(offer_id=product.get("offer_id")),
            ),
        ),
        reason=row.get("return_reason_name") or None,
        returned_at=parse_moment((row.get("logistic") or {}).get("return_date")),
    )
