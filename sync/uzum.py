"""Uzum Market adapter (Seller OpenAPI): stock keyed by SKU barcode (+ skuId), one stock per SKU, envelope
answers, about one request per second per token."""

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

BASE_URL = "https://api-seller.uzum.uz/api/seller-openapi"
PAGE = 100
ORDER_PAGE = 50
NEW_STATUSES = ("CREATED", "PACKING", "PENDING_DELIVERY")
CANCELLED_STATUSES = ("CANCELED", "PENDING_CANCELLATION")


class UzumAdapter:
    """Paced a little under Uzum's observed one request a second, one pace for every call of the token (contract
    1.7 [C]: the limit is per token): a 429 there throttles the token for a minute or more, so running at
    exactly the limit (where clock jitter trips it) costs far more than 10 % of speed."""

    name = "uzum"
    max_quantity = 10_000  # the seller manual forbids more per SKU; assumed enforced by the API too

    def __init__(self, connection: Connection, session: aiohttp.ClientSession, limits: RateLimits, *,
                 batch_limit: int = 100, requests_per_second: float = 0.9,
                 policy: RetryPolicy = DEFAULT_RETRY) -> None:
        if not connection.token:
            raise MarketplaceError("uzum: no API token configured")
        self.batch_limit = batch_limit
        self._shop_id = connection.shop_id
        self._http = MarketplaceHttp(
            session, connection.base_url or BASE_URL, {"Authorization": connection.token},
            limits.lane(connection, "all", per_second(requests_per_second)), seconds_header("Retry-After"), policy,
            name=self.name,
        )

    @property
    def calls(self) -> int:
        return self._http.calls

    def missing_keys(self, listing: Listing) -> str | None:
        return None if listing.barcode else "Uzum needs the SKU barcode of this listing"

    async def push_stock(self, updates: list[StockUpdate]) -> list[ItemResult]:
        body = {"skuAmountList": [
            {"barcode": u.listing.barcode, "amount": u.quantity, **({"skuId": u.listing.sku_id} if u.listing.sku_id
                                                                    else {})}
            for u in updates
        ]}
        reply = await self._http.request("POST", "/v2/fbs/sku/stocks", body=body)
        if reply.status == 200 and not _errors(reply.body):
            return [ItemResult(u.listing.mapping_id, True) for u in updates]
        if reply.status == 400 and len(updates) > 1:
            # Uzum rejects a whole batch for one bad row and does not say which: halve until it is found,
            # so one broken listing never blocks the others.
            middle = len(updates) // 2
            return await self.push_stock(updates[:middle]) + await self.push_stock(updates[middle:])
        message = _describe(reply.status, reply.body)
        return [ItemResult(u.listing.mapping_id, False, message) for u in updates]

    async def read_stock(self, listings: list[Listing]) -> dict[int, int]:
        by_barcode = {listing.barcode: listing.mapping_id for listing in listings if listing.barcode}
        found: dict[int, int] = {}
        cursor = 0
        while True:
            reply = await self._http.request("GET", "/v3/fbs/sku/stocks", params={"skuIdFrom": cursor, "size": PAGE})
            _raise_for(reply.status, reply.body)
            rows = (reply.body.get("payload") or {}).get("skuAmountList") or []
            for row in rows:
                mapping_id = by_barcode.get(str(row.get("barcode")))
                if mapping_id is not None:
                    found[mapping_id] = int(row.get("amount") or 0)
            if len(rows) < PAGE:
                return found
            cursor = rows[-1]["skuId"]

    async def read_prices(self, listings: list[Listing]) -> list[PriceQuote]:
        wanted = {listing.barcode: listing for listing in listings if listing.barcode}
        quotes = []
        async for sku in self._skus():
            listing = wanted.get(str(sku.get("barcode")))
            if listing is not None:
                price = sku.get("price")
                # Uzum publishes no strikethrough price in any read endpoint.
                quotes.append(PriceQuote(listing, Decimal(price) if price is not None else None, None))
        return quotes

    async def catalog(self) -> AsyncIterator[CatalogItem]:
        async for sku in self._skus():
            yield CatalogItem(
                title=sku.get("skuFullTitle") or sku.get("skuTitle") or "",
                seller_sku=sku.get("sellerItemCode") or sku.get("article"),
                barcodes=(str(sku["barcode"]),) if sku.get("barcode") is not None else (),
                listing=Listing(0, sku_id=sku.get("skuId"), barcode=str(sku.get("barcode") or "") or None),
            )

    async def incoming_orders(self) -> list[IncomingOrder]:
        """Orders still to be fulfilled. Uzum filters by one status at a time and its totals are unreliable,
        so each status is paged until a short page (contract 1.5)."""
        found = []
        for status in NEW_STATUSES:
            async for order in self._orders(status):
                lines = tuple(
                    IncomingLine(
                        quantity=int(item.get("amount") or 0) - int(item.get("cancelled") or 0),
                        price=Decimal(item["sellerPrice"]) if item.get("sellerPrice") is not None else None,
                        title=item.get("skuTitle") or item.get("productTitle") or "",
                        seller_sku=item.get("sellerSkuCode"), sku_id=item.get("skuId"),
                    )
                    for item in order.get("orderItems") or []
                    if item.get("status") != "CANCELED"
                )
                lines = tuple(line for line in lines if line.quantity > 0)
                if lines:
                    buyer = order.get("deliveryInfo") or {}
                    found.append(IncomingOrder(str(order["id"]), lines, buyer.get("customerFullname"),
                                               buyer.get("customerPhone"), buyer.get("deliveryAddress")))
        return found

    async def cancelled_orders(self, keys: list[str]) -> set[str]:
        wanted = set(keys)
        cancelled: set[str] = set()
        for status in CANCELLED_STATUSES:
            async for order in self._orders(status):
                if str(order["id"]) in wanted:
                    cancelled.add(str(order["id"]))
        return cancelled

    async def _orders(self, status: str) -> AsyncIterator[dict[str, Any]]:
        if self._shop_id is None:
            raise MarketplaceError("uzum: no shop id configured (amazing-store marketplace configure uzum --shop-id)")
        page = 0
        while True:
            reply = await self._http.request("GET", "/v2/fbs/orders", params={
                "shopIds": self._shop_id, "status": status, "page": page, "size": ORDER_PAGE,
            })
            _raise_for(reply.status, reply.body)
            orders = (reply.body.get("payload") or {}).get("orders") or []
            for order in orders:
                yield order
            if len(orders) < ORDER_PAGE:
                return
            page += 1

    async def _skus(self) -> AsyncIterator[dict[str, Any]]:
        if self._shop_id is None:
            raise MarketplaceError("uzum: no shop id configured (amazing-store marketplace configure uzum --shop-id)")
        page = 0
        while True:
            reply = await self._http.request("GET", f"/v1/product/shop/{self._shop_id}",
                                             params={"page": page, "size": PAGE})
            _raise_for(reply.status, reply.body)
            products = (reply.body or {}).get("productList") or []
            for product in products:
                for sku in product.get("skuList") or []:
                    yield sku
            if len(products) < PAGE:
                return
            page += 1


def _errors(body: Any) -> list[dict[str, Any]]:
    return (body.get("errors") or []) if isinstance(body, dict) else []


def _describe(status: int, body: Any) -> str:
    codes = ", ".join(f"{e.get('code')}: {e.get('message')}" for e in _errors(body)) or str(body)[:200]
    return f"uzum answered {status}: {codes}"


def _raise_for(status: int, body: Any) -> None:
    if status != 200 or _errors(body):
        raise MarketplaceError(_describe(status, body), status, body)
