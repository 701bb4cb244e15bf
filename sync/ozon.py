"""Ozon adapter (Seller API): stock per (offer, warehouse) pair, at most 100 pairs a request and 80
requests a minute, one update per pair per 30 s, and a result for every pair."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp

from core.marketplace_orders import IncomingLine, IncomingOrder
from core.marketplaces import Connection
from sync.adapter import CatalogItem, ItemResult, Listing, PriceQuote, StockUpdate
from sync.http import DEFAULT_RETRY, MarketplaceError, MarketplaceHttp, RetryPolicy, seconds_header
from sync.limiter import RateLimits, per_second, per_window

BASE_URL = "https://api-seller.ozon.ru"
PAIR_COOLDOWN_SECONDS = 30.0
PAGE = 1000
POSTINGS_PAGE = 100
LOOKBACK = timedelta(days=30)
# Ozon counts stock pushes in a sliding minute: this many may go at once, the rest one by one after them.
STOCKS_BURST = 20


class OzonAdapter:
    name = "ozon"
    batch_limit = 100
    max_quantity = 999_999

    def __init__(self, connection: Connection, session: aiohttp.ClientSession, limits: RateLimits, *,
                 stocks_per_minute: int = 80, policy: RetryPolicy = DEFAULT_RETRY) -> None:
        if not connection.client_id or not connection.api_key:
            raise MarketplaceError("ozon: Client-Id and Api-Key are required")
        self._warehouse = connection.warehouse_id
        headers = {"Client-Id": connection.client_id, "Api-Key": connection.api_key}
        retry = seconds_header("Retry-After")
        # Per Client-Id (contract 3.6): stock pushes 80 a minute; everything else within 50 a second, of which
        # we take 10.
        stocks = per_window(stocks_per_minute, 60, STOCKS_BURST)
        self._stocks = MarketplaceHttp(session, connection.base_url or BASE_URL, headers,
                                       limits.lane(connection, "stocks", stocks), retry, policy, name=self.name)
        self._reads = MarketplaceHttp(session, connection.base_url or BASE_URL, headers,
                                      limits.lane(connection, "reads", per_second(10, 10)), retry, policy,
                                      name=self.name)

    @property
    def calls(self) -> int:
        return self._stocks.calls + self._reads.calls

    def _warehouse_of(self, listing: Listing) -> int | None:
        return listing.warehouse_id or self._warehouse

    def missing_keys(self, listing: Listing) -> str | None:
        if not listing.offer_id or not listing.product_id:
            return "Ozon needs the offer_id and product_id of this listing"
        if self._warehouse_of(listing) is None:
            return "Ozon needs a warehouse id (marketplace configure ozon --warehouse-id)"
        return None

    async def push_stock(self, updates: list[StockUpdate]) -> list[ItemResult]:
        body = {"stocks": [
            {"offer_id": u.listing.offer_id, "product_id": u.listing.product_id, "stock": u.quantity,
             "warehouse_id": self._warehouse_of(u.listing)}
            for u in updates
        ]}
        reply = await self._stocks.request("POST", "/v2/products/stocks", body=body)
        if reply.status != 200:
            message = f"ozon answered {reply.status}: {_message(reply.body)}"
            return [ItemResult(u.listing.mapping_id, False, message) for u in updates]
        rows = (reply.body or {}).get("result") or []
        results = {(row.get("offer_id"), row.get("warehouse_id")): row for row in rows}
        outcome = []
        for update in updates:
            row = results.get((update.listing.offer_id, self._warehouse_of(update.listing)))
            if row is None:
                outcome.append(ItemResult(update.listing.mapping_id, False, "ozon returned no result for this item"))
                continue
            errors = row.get("errors") or []
            if row.get("updated") and not errors:
                outcome.append(ItemResult(update.listing.mapping_id, True))
                continue
            codes = {e.get("code") for e in errors}
            outcome.append(ItemResult(
                update.listing.mapping_id, False,
                "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors) or "not updated",
                retry_in=PAIR_COOLDOWN_SECONDS if "TOO_MANY_REQUESTS" in codes else None,
            ))
        return outcome

    async def read_stock(self, listings: list[Listing]) -> dict[int, int]:
        by_pair = {(listing.offer_id, self._warehouse_of(listing)): listing.mapping_id
                   for listing in listings if listing.offer_id}
        offers = list({offer for offer, _ in by_pair})
        found: dict[int, int] = {}
        for start in range(0, len(offers), PAGE):
            cursor = ""
            while True:
                body = {"limit": PAGE, "offer_id": offers[start:start + PAGE], **({"cursor": cursor} if cursor else {})}
                reply = await self._reads.request("POST", "/v2/product/info/stocks-by-warehouse/fbs", body=body)
                _raise_for(reply.status, reply.body)
                for row in (reply.body or {}).get("products") or []:
                    mapping_id = by_pair.get((row.get("offer_id"), row.get("warehouse_id")))
                    if mapping_id is not None:
                        found[mapping_id] = int(row.get("free_stock") or 0)
                cursor = (reply.body or {}).get("cursor") or ""
                if not (reply.body or {}).get("has_next") or not cursor:
                    break
        return found

    async def read_prices(self, listings: list[Listing]) -> list[PriceQuote]:
        by_offer = {listing.offer_id: listing for listing in listings if listing.offer_id}
        offers = list(by_offer)
        quotes = []
        for start in range(0, len(offers), PAGE):
            cursor = ""
            while True:
                body = {"filter": {"offer_id": offers[start:start + PAGE], "visibility": "ALL"}, "limit": PAGE,
                        **({"cursor": cursor} if cursor else {})}
                reply = await self._reads.request("POST", "/v5/product/info/prices", body=body)
                _raise_for(reply.status, reply.body)
                for item in (reply.body or {}).get("items") or []:
                    listing = by_offer.get(item.get("offer_id"))
                    if listing is not None:
                        price = item.get("price") or {}
                        quotes.append(PriceQuote(listing, _money(price.get("marketing_seller_price") or
                                                                 price.get("price")), _money(price.get("old_price"))))
                cursor = (reply.body or {}).get("cursor") or ""
                if not cursor or not (reply.body or {}).get("items"):
                    break
        return quotes

    async def incoming_orders(self) -> list[IncomingOrder]:
        """Postings waiting to be fulfilled (the work queue), each with its lines and the buyer's prices."""
        now = datetime.now(UTC)
        window = {"cutoff_from": _rfc3339(now - LOOKBACK), "cutoff_to": _rfc3339(now + LOOKBACK)}
        found = []
        async for posting in self._postings("/v4/posting/fbs/unfulfilled/list", window):
            lines = tuple(
                IncomingLine(quantity=int(product.get("quantity") or 0), price=_price(product.get("price")),
                             title=product.get("name") or "", seller_sku=product.get("offer_id"),
                             offer_id=product.get("offer_id"))
                for product in posting.get("products") or []
            )
            found.append(IncomingOrder(posting["posting_number"], lines))
        return found

    async def posting(self, posting_number: str) -> IncomingOrder | None:
        """One posting (a push notification names it; its prices come from here)."""
        reply = await self._reads.request("POST", "/v3/posting/fbs/get", body={"posting_number": posting_number})
        if reply.status == 404:
            return None
        _raise_for(reply.status, reply.body)
        posting = (reply.body or {}).get("result") or {}
        return IncomingOrder(posting_number, tuple(
            IncomingLine(quantity=int(product.get("quantity") or 0), price=_price(product.get("price")),
                         title=product.get("name") or "", seller_sku=product.get("offer_id"),
                         offer_id=product.get("offer_id"))
            for product in posting.get("products") or []
        ), cancelled=posting.get("status") == "cancelled")

    async def cancelled_orders(self, keys: list[str]) -> set[str]:
        wanted = set(keys)
        now = datetime.now(UTC)
        window = {"since": _rfc3339(now - LOOKBACK), "to": _rfc3339(now), "statuses": ["cancelled"]}
        return {posting["posting_number"] async for posting in self._postings("/v4/posting/fbs/list", window)
                if posting["posting_number"] in wanted}

    async def _postings(self, path: str, window: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        cursor = ""
        while True:
            body = {"filter": window, "limit": POSTINGS_PAGE, **({"cursor": cursor} if cursor else {})}
            reply = await self._reads.request("POST", path, body=body)
            _raise_for(reply.status, reply.body)
            for posting in (reply.body or {}).get("postings") or []:
                yield posting
            cursor = (reply.body or {}).get("cursor") or ""
            if not (reply.body or {}).get("has_next") or not cursor:
                return

    async def catalog(self) -> AsyncIterator[CatalogItem]:
        last_id = ""
        while True:
            reply = await self._reads.request("POST", "/v3/product/list",
                                              body={"filter": {"visibility": "ALL"}, "last_id": last_id, "limit": PAGE})
            _raise_for(reply.status, reply.body)
            result = (reply.body or {}).get("result") or {}
            ids = [item["product_id"] for item in result.get("items") or []]
            if ids:
                info = await self._reads.request("POST", "/v3/product/info/list", body={"product_id": ids})
                _raise_for(info.status, info.body)
                for item in (info.body or {}).get("items") or []:
                    yield CatalogItem(
                        title=item.get("name") or item.get("offer_id") or "",
                        seller_sku=item.get("offer_id"),
                        barcodes=tuple(str(b) for b in item.get("barcodes") or []),
                        listing=Listing(0, offer_id=item.get("offer_id"), product_id=item.get("id"),
                                        warehouse_id=self._warehouse),
                    )
            last_id = result.get("last_id") or ""
            if len(ids) < PAGE or not last_id:
                return


def _rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _price(value: Any) -> Decimal | None:
    """A posting's price: {amount: "1234.00", currency} in v4, a plain string in v3."""
    if isinstance(value, dict):
        value = value.get("amount")
    return None if value in (None, "") else Decimal(str(value))


def _money(value: Any) -> Decimal | None:
    if value in (None, "", 0, "0"):
        return None
    return Decimal(str(value))


def _message(body: Any) -> str:
    return str(body.get("message")) if isinstance(body, dict) else str(body)[:200]


def _raise_for(status: int, body: Any) -> None:
    if status != 200:
        raise MarketplaceError(f"ozon answered {status}: {_message(body)}", status, body)
