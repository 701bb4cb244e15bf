"""Wildberries FBS assembly-task endpoints of the sandbox: new tasks, history paged by ``next``, statuses, and the
seller's cancel (contract §2.4)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web

from demo.sandboxes.common import read_json
from demo.sandboxes.wildberries_models import WbTask, status_json, task_json
from demo.sandboxes.wildberries_wire import wb_error

if TYPE_CHECKING:
    from demo.sandboxes.wildberries import WbRules


class WbOrdersApi:
    rules: WbRules
    tasks: dict[int, WbTask]
    stocks: dict[int, dict[int, int]]
    leave_supply: Callable[[WbTask], None]  # wildberries_supplies_api.py

    async def _orders_new(self, request: web.Request) -> web.Response:
        fresh = [t for t in self.tasks.values() if t.supplier_status == "new" and not t.cancelled]
        return web.json_response({"orders": [task_json(t, in_list=False) for t in fresh]})

    async def _orders(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            limit, after = int(query["limit"]), int(query["next"])
            now = int(time.time())
            date_to = int(query.get("dateTo", now))
            date_from = int(query.get("dateFrom", date_to - self.rules.orders_window_days * 86_400))
        except (KeyError, ValueError):
            return wb_error(400, "IncorrectParameter", "limit and next are required integers")
        if not 1 <= limit <= self.rules.orders_limit_max or after < 0:
            return wb_error(400, "IncorrectParameter", f"limit must be 1..{self.rules.orders_limit_max}")
        if date_to < date_from or date_to - date_from > self.rules.orders_window_days * 86_400:
            return wb_error(
                400, "IncorrectParameter", f"the period must be at most {self.rules.orders_window_days} days"
            )
        found = sorted(
            (t for t in self.tasks.values() if t.id > after and date_from <= t.created_at.timestamp() <= date_to),
            key=lambda t: t.id,
        )[:limit]
        return web.json_response(
            {"next": found[-1].id if found else after, "orders": [task_json(t, in_list=True) for t in found]}
        )

    async def _orders_status(self, request: web.Request) -> web.Response:
        body = await read_json(request)
        ids = body.get("orders") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not ids or len(ids) > self.rules.status_batch_limit:
            return wb_error(400, "IncorrectRequestBody", f"orders must hold 1..{self.rules.status_batch_limit} ids")
        return web.json_response({"orders": [status_json(self.tasks[i]) for i in ids if i in self.tasks]})

    async def _cancel(self, request: web.Request) -> web.Response:
        try:
            task = self.tasks.get(int(request.match_info["orderId"]))
        except ValueError:
            task = None
        if task is None:
            return wb_error(404, "NotFound", "Order not found")
        if not task.cancellable:
            # WB-SPEC 03-orders-fbs.yaml: the 409 of this call is StatusMismatch (or StatusChangeNotAllowed).
            return wb_error(409, "StatusMismatch", "Несоответствие статусов, проверьте их правильность")
        self.leave_supply(task)
        task.supplier_status, task.wb_status = "cancel", "canceled"
        if self.rules.restore_stock_on_seller_cancel:
            self._give_back(task)
        return web.Response(status=204)

    def _give_back(self, task: WbTask) -> None:
        if task.stock_taken:
            held = self.stocks.setdefault(task.warehouse_id, {})
            held[task.size.chrt_id] = held.get(task.size.chrt_id, 0) + 1
            task.stock_taken = False
