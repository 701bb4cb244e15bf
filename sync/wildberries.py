"""Wildberries adapter: stock per seller warehouse keyed by chrtId (size id), 204 on success, 409 naming
the refused items, 300 requests/min with bursts of 20 on the marketplace API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp

from core.marketplace_orders import IncomingLine, IncomingOrder
from core.marketplaces import Connection
from sync.adapter import CatalogItem, ItemResult, Listing, PriceQuote, StockUpdate
from sync.http import DEFAULT_RETRY, MarketplaceError, MarketplaceHttp, RetryPolicy, seconds_header
from sync.limiter import RateLimits, per_second

MARKETPLACE_API = "https://marketplace-api.wildberries.ru"
PRICES_API = "https://discounts-prices-api.wildberries.ru"
CONTENT_API = "https://content-api.wildberries.ru"
PRICE_PAGE = 1000
CARDS_PAGE = 100
# Status values that mean the task will not be sold (contract 2.4).
SELLER_CANCELLED = {"cancel", "cancel_carrier"}
WB_CANCELLED = {"canceled", "canceled_by_client", "declined_by_client", "defect", "canceled_by_carrier"}


class WildberriesAdapter:
    name = "wildberries"
    batch_limit = 1000
    max_quantity = 100_000

    def __init__(self, connection: Connection, session: aiohttp.ClientSession, limits: RateLimits, *,
                 burst: int = 20, per_minute: int = 300, policy: RetryPolicy = DEFAULT_RETRY) -> None:
        if not connection.token:
            raise MarketplaceError("wildberries: no API token configured")
        if connection.warehouse_id is None:
            raise MarketplaceError("wildberries: no warehouse id configured")
        self._warehouse = connection.warehouse_id
        retry = seconds_header("X-Ratelimit-Retry")
        headers = {"Authorization": connection.token}
        # WB keeps one token bucket per seller account and API category (contract 2.6): marketplace 300/min
        # burst 20, prices 10 per 6 s burst 5, content 100/min burst 5.
        # A base URL override (sandbox) serves every WB host's paths on one server.
        self._market = MarketplaceHttp(session, connection.base_url or MARKETPLACE_API, headers,
                                       limits.lane(connection, "marketplace", per_second(per_minute / 60, burst)),
                                       retry, policy, name=self.name)
        self._prices = MarketplaceHttp(session, connection.base_url or PRICES_API, headers,
                                       limits.lane(connection, "prices", per_second(10 / 6, 5)), retry, policy,
                                       name=self.name)
        self._content = MarketplaceHttp(session, connection.base_url or CONTENT_API, headers,
                                        limits.lane(connection, "content", per_second(100 / 60, 5)), retry, policy,
                                        name=self.name)

    @property
    def calls(self) -> int:
        return self._market.calls + self._prices.calls + self._content.calls

    def missing_keys(self, listing: Listing) -> str | None:
        return None if listing.chrt_id else "Wildberries needs the chrtId (size id) of this listing"

    async def push_stock(self, updates: list[StockUpdate]) -> list[ItemResult]:
        body = {"stocks": [{"chrtId": u.listing.chrt_id, "amount": u.quantity} for u in updates]}
        reply = await self._market.request("PUT", f"/api/v3/stocks/{self._warehouse}", body=body)
        if reply.status in (200, 204):
            return [ItemResult(u.listing.mapping_id, True) for u in updates]
        if reply.status == 409 and isinstance(reply.body, list):
            # The array names the refused items; the others are taken as applied (re-read confirms).
            refused: dict[int, str] = {}
            for problem in reply.body:
                for item in problem.get("data") or []:
                    if item.get("chrtId") is not None:
                        refused[int(item["chrtId"])] = f"{problem.get('code')}: {problem.get('message')}"
            if refused:
                return [ItemResult(u.listing.mapping_id, u.listing.chrt_id not in refused,
                                   refused.get(u.listing.chrt_id or 0)) for u in updates]
        message = f"wildberries answered {reply.status}: {str(reply.body)[:200]}"
        return [ItemResult(u.listing.mapping_id, False, message) for u in updates]

    async def read_stock(self, listings: list[Listing]) -> dict[int, int]:
        by_chrt = {listing.chrt_id: listing.mapping_id for listing in listings if listing.chrt_id}
        found: dict[int, int] = {}
        chrt_ids = list(by_chrt)
        for start in range(0, len(chrt_ids), self.batch_limit):
            reply = await self._market.request("POST", f"/api/v3/stocks/{self._warehouse}",
                                               body={"chrtIds": chrt_ids[start:start + self.batch_limit]})
            _raise_for(reply.status, reply.body)
            for row in (reply.body or {}).get("stocks") or []:
                if row.get("chrtId") in by_chrt:
                    found[by_chrt[row["chrtId"]]] = int(row.get("amount") or 0)
        return found

    async def read_prices(self, listings: list[Listing]) -> list[PriceQuote]:
        by_chrt = {listing.chrt_id: listing for listing in listings if listing.chrt_id}
        quotes = []
        offset = 0
        while True:
            reply = await self._prices.request("GET", "/api/v2/list/goods/filter",
                                               params={"limit": PRICE_PAGE, "offset": offset})
            _raise_for(reply.status, reply.body)
            goods = ((reply.body or {}).get("data") or {}).get("listGoods") or []
            for good in goods:
                for size in good.get("sizes") or []:
                    listing = by_chrt.get(size.get("sizeID"))
                    if listing is not None:
                        quotes.append(PriceQuote(listing, _money(size.get("discountedPrice")),
                                                 _money(size.get("price"))))
            if len(goods) < PRICE_PAGE:
                return quotes
            offset += PRICE_PAGE

    async def incoming_orders(self) -> list[IncomingOrder]:
        """New assembly tasks: one task is one unit of one size."""
        reply = await self._market.request("GET", "/api/v3/orders/new")
        _raise_for(reply.status, reply.body)
        return [
            IncomingOrder(str(task["id"]), (IncomingLine(
                quantity=1, price=Decimal(task["convertedPrice"]) / 100 if task.get("convertedPrice") else None,
                title=task.get("article") or "", seller_sku=task.get("article"), chrt_id=task.get("chrtId"),
            ),), address=(task.get("address") or {}).get("fullAddress"))
            for task in (reply.body or {}).get("orders") or []
        ]

    async def cancelled_orders(self, keys: list[str]) -> set[str]:
        ids = [int(key) for key in keys if key.isdigit()]
        cancelled: set[str] = set()
        for start in range(0, len(ids), self.batch_limit):
            reply = await self._market.request("POST", "/api/v3/orders/status",
                                               body={"orders": ids[start:start + self.batch_limit]})
            _raise_for(reply.status, reply.body)
            for row in (reply.body or {}).get("orders") or []:
                if row.get("supplierStatus") in SELLER_CANCELLED or row.get("wbStatus") in WB_CANCELLED:
                    cancelled.add(str(row["id"]))
        return cancelled

    async def catalog(self) -> AsyncIterator[CatalogItem]:
        cursor: dict[str, Any] = {"limit": CARDS_PAGE}
        while True:
            reply = await self._content.request("POST", "/content/v2/get/cards/list",
                                                body={"settings": {"cursor": cursor, "filter": {"withPhoto": -1}}})
            _raise_for(reply.status, reply.body)
            cards = (reply.body or {}).get("cards") or []
            for card in cards:
                for size in card.get("sizes") or []:
                    yield CatalogItem(
                        title=card.get("title") or card.get("vendorCode") or "",
                        seller_sku=card.get("vendorCode"),
                        barcodes=tuple(str(b) for b in size.get("skus") or []),
                        listing=Listing(0, chrt_id=size.get("chrtID")),
                    )
            page = (reply.body or {}).get("cursor") or {}
            if len(cards) < CARDS_PAGE or not page:
                return
            cursor = {"limit": CARDS_PAGE, "updatedAt": page.get("updatedAt"), "nmID": page.get("nmID")}


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _raise_for(status: int, body: Any) -> None:
    if status not in (200, 204):
        raise MarketplaceError(f"wildberries answered {status}: {str(body)[:200]}", status, body)
