"""The Yandex Market key's business and campaigns (shops) in the sandbox: getCampaigns and getCampaign (YM-OAS
paths/v2_campaigns.yaml, paths/v2_campaigns_campaignId.yaml), and the look-ups of a path's campaign and business
that every other endpoint starts from.

Where the spec is silent the sandbox takes the stricter reading; each such place says so in a comment ("[strict]").
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from demo.sandboxes.yandex_wire import ApiError, bad, page_token, paged, path_id, query_limit


class YandexCampaignApi:
    """The business and campaigns the key sees; the base of every endpoint family."""

    business: dict[str, Any]
    campaigns: dict[int, dict[str, Any]]
    warehouses: dict[int, int]  # campaign -> its partner warehouse
    now: Callable[[], datetime]

    @property
    def default_campaign(self) -> int:
        return next(iter(self.campaigns))

    @property
    def business_id(self) -> int:
        return int(self.business["id"])

    # -- shared look-ups -------------------------------------------------------------------------------------
    def campaign_of(self, request: web.Request) -> dict[str, Any]:
        """[strict] Another key's campaign is 404 (YM-OAS lists 404 "ресурс не найден"), like an absent one."""
        campaign_id = path_id(request, "campaignId")
        if campaign_id not in self.campaigns:
            raise ApiError(404, f"campaign {campaign_id} not found")
        return self.campaigns[campaign_id]

    def check_business(self, request: web.Request) -> None:
        business_id = path_id(request, "businessId")
        if business_id != self.business_id:
            raise ApiError(404, f"business {business_id} not found")

    # -- campaigns -------------------------------------------------------------------------------------------
    async def _campaigns(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns.yaml: pageToken/limit (1..100), or the deprecated page/pageSize (pageSize
        at most 100: "Не передавайте значение больше 100"). GetCampaignsResponse has no ``status`` field."""
        rows = list(self.campaigns.values())
        if "page" in request.query or "pageSize" in request.query:
            if "limit" in request.query or page_token(request) is not None:
                raise bad("page/pageSize cannot be combined with pageToken/limit")
            try:
                page = int(request.query.get("page", "1"))
                size = int(request.query.get("pageSize", "100"))
            except ValueError as exc:
                raise bad("page and pageSize must be integers") from exc
            if not 1 <= page <= 10_000 or not 1 <= size <= 100:
                raise bad("page must be in 1..10000 and pageSize in 1..100")
            chosen = rows[(page - 1) * size : page * size]
            pager = {
                "total": len(rows),
                "from": (page - 1) * size + 1 if chosen else 0,
                "to": (page - 1) * size + len(chosen),
                "currentPage": page,
                "pagesCount": -(-len(rows) // size),
                "pageSize": size,
            }
            return web.json_response({"campaigns": chosen, "pager": pager})
        limit = query_limit(request, None, 100)
        chosen, paging = paged(rows, page_token(request), limit or len(rows))
        return web.json_response({"campaigns": chosen, "paging": paging})

    async def _campaign(self, request: web.Request) -> web.StreamResponse:
        return web.json_response({"campaign": self.campaign_of(request)})
