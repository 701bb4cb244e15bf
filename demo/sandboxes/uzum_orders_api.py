"""Uzum FBS/DBS order endpoints of the sandbox: the paged list with its quirks, count, single order, confirm and
the seller's cancel, plus the status moves they share with the control methods (contract §1.5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from demo.sandboxes.common import epoch_ms, rfc3339, utc_now
from demo.sandboxes.uzum_models import (
    EXPIRED,
    ORDER_STATUSES,
    SELLER_CANCEL_REASONS,
    SELLER_CANCELLABLE,
    STATUS_DATES,
    UzumOrder,
    order_json,
)
from demo.sandboxes.uzum_wire import envelope, uzum_error

if TYPE_CHECKING:
    from demo.sandboxes.uzum import UzumRules


class UzumOrdersApi:
    rules: UzumRules
    orders: dict[int, UzumOrder]
    # The platform's clock runs this far ahead of ours: a test moves it on (UzumSandbox.advance_clock).
    clock_offset: timedelta

    def now(self) -> datetime:
        return utc_now() + self.clock_offset

    def _when(self, moment: datetime | None) -> Any:
        return epoch_ms(moment) if self.rules.dates_as_epoch_ms else rfc3339(moment)

    def order_json(self, order: UzumOrder) -> dict[str, Any]:
        return order_json(
            order,
            self._when,
            commission_percent=self.rules.commission_percent,
            logistic_fee=self.rules.logistic_fee_per_unit,
            item_sku_id=self.rules.order_items_carry_sku_id,
        )

    def _order_filter(self, query: Any) -> tuple[set[int], str | None, str | None, Any, Any] | str:
        shop_ids = query.getall("shopIds", [])
        if not shop_ids:
            return "shopIds is required"
        status = query.get("status")
        if status is None and self.rules.status_default_created:
            status = "CREATED"
        if status is not None and status not in ORDER_STATUSES:
            return f"unknown status {status}"
        scheme = query.get("scheme")
        if scheme is not None and scheme not in ("FBS", "DBS"):
            return "scheme must be FBS or DBS"
        try:
            shops = {int(s) for s in shop_ids}
            date_from = self._filter_moment(query.get("dateFrom"))
            date_to = self._filter_moment(query.get("dateTo"))
        except ValueError:
            return "shopIds, dateFrom and dateTo must be integers"
        return shops, status, scheme, date_from, date_to

    def _filter_moment(self, value: str | None) -> datetime | None:
        if value is None or self.rules.date_filter_unit == "ignored":
            return None
        number = int(value)
        seconds = number / 1000 if self.rules.date_filter_unit == "ms" else number
        return datetime.fromtimestamp(seconds, utc_now().tzinfo)

    def _matching_orders(self, shops: set[int], status: str | None, scheme: str | None, start: Any, end: Any) -> list:
        found = [
            order
            for order in self.orders.values()
            if order.shop_id in shops
            and (status is None or order.status == status)
            and (scheme is None or order.scheme == scheme)
            and (start is None or order.created >= start)
            and (end is None or order.created <= end)
        ]
        return sorted(found, key=lambda o: (o.created, o.id), reverse=True)

    async def _orders(self, request: web.Request) -> web.Response:
        parsed = self._order_filter(request.query)
        if isinstance(parsed, str):
            return uzum_error(400, "illegal-argument-001", parsed)
        shops, status, scheme, start, end = parsed
        if start and end and end < start:
            return uzum_error(400, "seller-order-12", "dateTo must not be before dateFrom")
        try:
            page, size = int(request.query.get("page", "0")), int(request.query.get("size", "20"))
        except ValueError:
            return uzum_error(400, "illegal-argument-001", "page and size must be integers")
        if not 1 <= size <= self.rules.order_page_max or page < 0:
            return uzum_error(400, "illegal-argument-001", f"size must be 1..{self.rules.order_page_max}")
        found = self._matching_orders(shops, status, scheme, start, end)
        chosen = found[page * size : (page + 1) * size]
        total = len(chosen) if self.rules.total_amount_is_page_length else len(found)
        return envelope({"orders": [self.order_json(o) for o in chosen], "totalAmount": total})

    async def _orders_count(self, request: web.Request) -> web.Response:
        parsed = self._order_filter(request.query)
        if isinstance(parsed, str):
            return uzum_error(400, "illegal-argument-001", parsed)
        shops, status, _, start, end = parsed
        return envelope(len(self._matching_orders(shops, status or "CREATED", "FBS", start, end)))

    def _order_or_error(self, request: web.Request) -> UzumOrder | web.Response:
        try:
            order = self.orders.get(int(request.match_info["orderId"]))
        except ValueError:
            order = None
        if order is None:
            return uzum_error(400, "seller-order-01", "Order not found")
        return order

    async def _order(self, request: web.Request) -> web.Response:
        order = self._order_or_error(request)
        return order if isinstance(order, web.Response) else envelope(self.order_json(order))

    async def _confirm(self, request: web.Request) -> web.Response:
        order = self._order_or_error(request)
        if isinstance(order, web.Response):
            return order
        # Past acceptUntil the answer is seller-order-03, before and after Uzum's job has cancelled the order.
        if (order.status == "CREATED" and self.now() > order.accept_until) or order.cancel_reason == EXPIRED:
            return uzum_error(400, "seller-order-03", "The confirmation deadline has passed")
        if order.status != "CREATED":
            return uzum_error(400, "seller-order-02", f"Order is in status {order.status}")
        self._move(order, "PACKING")
        return envelope(self.order_json(order))

    async def _seller_cancel(self, request: web.Request) -> web.Response:
        order = self._order_or_error(request)
        if isinstance(order, web.Response):
            return order
        try:
            body = await request.json()
        except ValueError:
            body = None
        reason = body.get("reason") if isinstance(body, dict) else None
        if reason not in SELLER_CANCEL_REASONS:
            return uzum_error(400, "seller-order-12", "Unknown cancel reason")
        if order.status in ("CANCELED", "PENDING_CANCELLATION"):
            return uzum_error(400, "seller-order-13", "Order is already cancelled")
        if order.status not in SELLER_CANCELLABLE:
            return uzum_error(400, "seller-order-02", f"Order is in status {order.status}")
        # A seller's cancellation leaves the stock as it is (UZ-KB "Как считаются остатки").
        self._cancel(order, reason, restore=False)
        return envelope(self.order_json(order))

    def _move(self, order: UzumOrder, status: str) -> None:
        order.status = status
        if status in STATUS_DATES:
            order.dates[STATUS_DATES[status]] = self.now()
        if status not in ("CREATED", "CANCELED"):
            for line in order.lines:
                if line.status == "TO_WITHDRAW":
                    line.status = "PROCESSING"

    def _cancel(self, order: UzumOrder, reason: str, *, restore: bool) -> None:
        for line in order.lines:
            if restore and self.rules.decrement_on_order:
                line.sku.amount += line.active
            line.cancelled = line.amount
            line.status = "CANCELED"
        order.cancel_reason = reason
        self._move(order, "CANCELED")
