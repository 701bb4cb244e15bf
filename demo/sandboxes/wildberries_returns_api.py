"""Wildberries' report of goods returned to the seller, in the sandbox: `GET /api/v1/analytics/goods-return` on the
analytics host, at most 31 days a request, one row per returned unit naming its assembly task (`orderId`) and
barcode (WB-SPEC 12-reports.yaml)."""

from __future__ import annotations

from datetime import date

from aiohttp import web

from demo.sandboxes.wildberries_models import MOSCOW, WbReturn, return_json

REPORT_DAYS = 31


class WbReturnsApi:
    returns: list[WbReturn]

    async def _goods_return(self, request: web.Request) -> web.Response:
        try:
            first = date.fromisoformat(request.query["dateFrom"])
            last = date.fromisoformat(request.query["dateTo"])
        except (KeyError, ValueError):
            return _problem("Invalid query params", "dateFrom and dateTo are required dates (YYYY-MM-DD)")
        if last < first or (last - first).days > REPORT_DAYS:
            return _problem("Invalid query params", f"the period must be at most {REPORT_DAYS} days")
        # The spec does not say which date the period filters; the sandbox takes the return order's date (orderDt).
        rows = [row for row in self.returns if first <= row.order_date.astimezone(MOSCOW).date() <= last]
        return web.json_response({"report": [return_json(row) for row in rows]})


def _problem(title: str, detail: str) -> web.Response:
    """The 400 of the reports API is problem JSON (WB-SPEC 12-reports.yaml `4xxResponse`)."""
    return web.json_response(
        {"title": title, "detail": detail, "requestId": "sandbox", "origin": "sandbox"},
        status=400,
        content_type="application/problem+json",
    )
