"""Ozon FBS posting endpoints of the sandbox — unfulfilled and period lists, single posting, seller cancel — and
the posting lifecycle (reserve release, cancellation) that also raises the push events (contract §3.4-§3.5)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from demo.sandboxes.common import utc_now
from demo.sandboxes.ozon_models import (
    SELLER_CANCELLABLE,
    SHIPPED,
    UNFULFILLED_LISTED,
    OzonPosting,
    cancelled_event,
    posting_json,
)
from demo.sandboxes.ozon_push import OzonPushEmitter
from demo.sandboxes.ozon_wire import BadRequest, int_in, ozon_error, page, parse_moment

if TYPE_CHECKING:
    from demo.sandboxes.ozon import OzonRules


class OzonPostingApi:
    """Handlers and lifecycle over the postings the sandbox holds."""

    rules: OzonRules
    free: dict[tuple[str, int], int]
    reserved: dict[tuple[str, int], int]
    postings: dict[str, OzonPosting]
    push_events: list[dict[str, Any]]
    push: OzonPushEmitter | None
    seller_id: int
    clock_shift: timedelta

    def now(self) -> datetime:
        """The sandbox's time: the real one, moved on by a test (OzonFbsApi.advance_clock)."""
        return utc_now() + self.clock_shift

    # -- postings --------------------------------------------------------------------------------------------
    @staticmethod
    def _extras(body: Mapping[str, Any]) -> frozenset[str]:
        return frozenset(name for name, on in (body.get("with") or {}).items() if on)

    def _common_posting_filter(self, flt: Mapping[str, Any], posting: OzonPosting) -> bool:
        statuses = flt.get("statuses") or []
        warehouses = flt.get("warehouse_ids") or []
        changed = flt.get("last_changed_status_date") or {}
        if statuses and posting.status not in statuses:
            return False
        if warehouses and posting.warehouse_id not in warehouses:
            return False
        if changed.get("from") and posting.last_changed < parse_moment(changed["from"], "last_changed_status_date"):
            return False
        return not (
            changed.get("to") and posting.last_changed > parse_moment(changed["to"], "last_changed_status_date")
        )

    def _sorted_page(self, chosen: list[OzonPosting], body: Mapping[str, Any]) -> tuple[list[Any], str, bool]:
        limit = int_in(body.get("limit"), 1, self.rules.postings_limit_max, "limit")
        descending = str(body.get("sort_dir", "ASC")).upper() == "DESC"
        chosen.sort(key=lambda p: (p.in_process_at, p.posting_number), reverse=descending)
        return page(chosen, limit, body.get("cursor"))

    async def _unfulfilled(self, body: dict[str, Any]) -> web.Response:
        flt = body.get("filter") or {}
        cutoff = flt.get("cutoff_from") or flt.get("cutoff_to")
        delivering = flt.get("delivering_date_from") or flt.get("delivering_date_to")
        if bool(cutoff) == bool(delivering):
            raise BadRequest("set either cutoff_from/cutoff_to or delivering_date_from/delivering_date_to")
        field, attribute = ("cutoff", "shipment_date") if cutoff else ("delivering_date", "delivering_date")
        start = parse_moment(flt[f"{field}_from"], f"{field}_from") if flt.get(f"{field}_from") else None
        end = parse_moment(flt[f"{field}_to"], f"{field}_to") if flt.get(f"{field}_to") else None
        chosen = []
        for posting in self.postings.values():
            moment = getattr(posting, attribute)
            if posting.status not in UNFULFILLED_LISTED or moment is None:
                continue
            if (start and moment < start) or (end and moment > end):
                continue
            if self._common_posting_filter(flt, posting):
                chosen.append(posting)
        rows_page, cursor, has_next = self._sorted_page(chosen, body)
        extras = self._extras(body)
        return web.json_response(
            {
                "postings": [posting_json(p, extras=extras) for p in rows_page],
                "cursor": cursor,
                "has_next": has_next,
                "count": len(chosen),
            }
        )

    async def _posting_list(self, body: dict[str, Any]) -> web.Response:
        flt = body.get("filter") or {}
        if not flt.get("since") or not flt.get("to"):
            raise BadRequest("filter.since and filter.to are required")
        since, to = parse_moment(flt["since"], "since"), parse_moment(flt["to"], "to")
        if to < since or to - since > timedelta(days=self.rules.period_max_days):
            raise BadRequest(f"the period must be at most {self.rules.period_max_days} days")
        order_numbers = flt.get("order_numbers") or []
        if len(order_numbers) > 100:
            raise BadRequest("order_numbers holds at most 100 values")
        chosen = [
            p
            for p in self.postings.values()
            if since <= p.in_process_at <= to
            and (not flt.get("order_id") or p.order_id == flt["order_id"])
            and (not order_numbers or p.order_number in order_numbers)
            and self._common_posting_filter(flt, p)
        ]
        rows_page, cursor, has_next = self._sorted_page(chosen, body)
        extras = self._extras(body)
        return web.json_response(
            {"postings": [posting_json(p, extras=extras) for p in rows_page], "cursor": cursor, "has_next": has_next}
        )

    async def _posting_get(self, body: dict[str, Any]) -> web.Response:
        posting = self.postings.get(str(body.get("posting_number", "")))
        if posting is None:
            return ozon_error(404, "Posting not found")
        return web.json_response({"result": posting_json(posting, v3=True, extras=self._extras(body))})

    async def _seller_cancel(self, body: dict[str, Any]) -> web.Response:
        posting = self.postings.get(str(body.get("posting_number", "")))
        if posting is None:
            return ozon_error(404, "Posting not found")
        reason_id = body.get("cancel_reason_id")
        if reason_id not in self.rules.seller_cancel_reasons:
            raise BadRequest("cancel_reason_id is not a valid reason")
        if reason_id == 402 and not body.get("cancel_reason_message"):
            raise BadRequest("cancel_reason_message is required for reason 402")
        # A cancelled posting, and one the courier has taken (delivering on), cannot be cancelled by the seller:
        # the spec names the conditionally delivered only, stricter to refuse every handed-over status. The texts
        # are the spec's for these states (OZ-SPEC error table of /v4/posting/fbs/ship).
        if posting.status == "cancelled":
            return ozon_error(400, "POSTING_ALREADY_CANCELLED")
        if posting.status not in SELLER_CANCELLABLE:
            return ozon_error(400, f"HAS_INCORRECT_STATUS: posting is {posting.status}, it cannot be cancelled")
        message = str(body.get("cancel_reason_message") or "Cancelled by the seller")
        self._cancel(posting, "seller", reason_id, message, restore=self.rules.restore_stock_on_seller_cancel)
        return web.json_response({"result": True})

    # -- posting lifecycle -----------------------------------------------------------------------------------
    def _release(self, posting: OzonPosting, *, back_to_free: bool) -> None:
        if not posting.reserved:
            return
        for line in posting.lines:
            pair = (line.item.offer_id, posting.warehouse_id)
            self.reserved[pair] = max(0, self.reserved.get(pair, 0) - line.quantity)
            if back_to_free:
                self.free[pair] = self.free.get(pair, 0) + line.quantity
        posting.reserved = False

    def _cancel(self, posting: OzonPosting, kind: str, reason_id: int, reason: str, *, restore: bool) -> None:
        old_status = posting.status
        shipped = old_status in SHIPPED
        self._release(posting, back_to_free=restore and not shipped)
        posting.status = "cancelled"
        posting.last_changed = self.now()
        posting.cancellation = {
            "cancel_reason_id": reason_id,
            "cancel_reason": reason,
            "cancellation_type": kind,
            "cancellation_initiator": {"seller": "Продавец", "customer": "Покупатель"}.get(kind, "Ozon"),
            "cancelled_after_ship": shipped,
            "affect_cancellation_rating": kind == "seller",
        }
        self._emit(cancelled_event(posting, old_status, self.seller_id))

    def _emit(self, message: dict[str, Any]) -> None:
        self.push_events.append(message)
        if self.push is not None:
            self.push.enqueue(message)
