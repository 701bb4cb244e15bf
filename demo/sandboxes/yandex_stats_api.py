"""Yandex Market orders' statistics of the sandbox: getOrdersStats (YM-OAS: yandex-market/yandex-market-partner-
api, commit 1318e9b, paths/v2_campaigns_campaignId_stats_orders.yaml, schemas/GetOrdersStatsRequest.yaml), each
order with what it is billed (demo/sandboxes/yandex_stats.py).

Where the spec is silent the sandbox takes the stricter reading; each such place says so in a comment ("[strict]").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from demo.sandboxes.yandex_campaigns_api import YandexCampaignApi
from demo.sandboxes.yandex_models import YmOrder
from demo.sandboxes.yandex_stats import STATS_STATUSES, moscow_day, stats_order, stats_status
from demo.sandboxes.yandex_wire import (
    CURRENCY,
    bad,
    boolean,
    enum_item,
    integer,
    iso_date,
    object_body,
    ok,
    page_token,
    paged,
    query_limit,
    unique_list,
)


class YandexStatsApi(YandexCampaignApi):
    """The campaign's orders as its statistics list them."""

    orders: dict[int, YmOrder]

    async def _orders_stats(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_stats_orders.yaml, schemas/GetOrdersStatsRequest.yaml: the
        campaign's orders with what each is billed (demo/sandboxes/yandex_stats.py), by order id, limit 1..200
        (PageLimit200.yaml, default 100: not a *Truncate limit, so more is refused); the body is optional.
        Filters: a period (stats_period), ``orders`` and ``statuses`` (nullable, minItems 1, uniqueItems),
        ``hasCis`` (the sandbox's goods carry no identification codes, so true finds nothing)."""
        campaign = self.campaign_of(request)
        limit = query_limit(request, 100, 200) or 100
        body = object_body(
            await request.read(),
            required=False,
            allowed={"dateFrom", "dateTo", "updateFrom", "updateTo", "orders", "statuses", "hasCis"},
        )
        in_period = self.stats_period(body)
        order_ids = unique_list(body.get("orders"), "orders", None, lambda v, n: integer(v, n))
        statuses = unique_list(body.get("statuses"), "statuses", None, enum_item(STATS_STATUSES))
        has_cis = boolean(body.get("hasCis"), "hasCis")
        rows = [
            o
            for o in sorted(self.orders.values(), key=lambda o: o.order_id)
            if o.campaign_id == campaign["id"]
            and in_period(o)
            and (order_ids is None or o.order_id in order_ids)
            and (statuses is None or stats_status(o) in statuses)
            and has_cis is not True
        ]
        chosen, paging = paged(rows, page_token(request), limit)
        placement = str(campaign["placementType"])
        return ok({"orders": [stats_order(o, placement, CURRENCY) for o in chosen], "paging": paging})

    def stats_period(self, body: dict[str, Any]) -> Callable[[YmOrder], bool]:
        """A period of creation (dateFrom/dateTo) or of changes, a status or payments (updateFrom/updateTo), in
        Moscow dates; the two "Нельзя использовать вместе". No period: every order (the spec sets no default and
        no longest period). [strict] The spec says neither whether a period may be open at one end nor whether
        its To date counts: a period is given by both its ends, the To date excluded (as getBusinessOrders'
        OrderDatesFilterDTO says of its own), so From must come before To."""
        created = (iso_date(body.get("dateFrom"), "dateFrom"), iso_date(body.get("dateTo"), "dateTo"))
        updated = (iso_date(body.get("updateFrom"), "updateFrom"), iso_date(body.get("updateTo"), "updateTo"))
        if any(created) and any(updated):
            raise bad("dateFrom and dateTo cannot be used with updateFrom and updateTo")
        by_creation = any(created)
        start, end = created if by_creation else updated
        first, last = ("dateFrom", "dateTo") if by_creation else ("updateFrom", "updateTo")
        if start is None and end is None:
            return lambda order: True
        if start is None or end is None:
            raise bad(f"{first} and {last} must be given together")
        if start >= end:
            raise bad(f"{first} must be before {last} (the {last} date is excluded)")

        def keep(order: YmOrder) -> bool:
            return start <= moscow_day(order.created_at if by_creation else order.updated_at) < end

        return keep
