"""Ozon adapter (Seller API): stock per (offer, warehouse) pair, at most 100 pairs a request and 80
requests a minute, one update per pair per 30 s, and a result for every pair; its FBS work is sync/ozon_fbs.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp

from core.key_checks import KeyCheck, Place
from core.listings import ListingKeys
from core.marketplace_orders import IncomingLine, IncomingOrder, OpenOrder
from core.marketplaces import Connection
from core.order_progress import Progress
from sync.adapter import CatalogItem, ItemResult, Listing, PriceQuote, StockUpdate
from sync.currencies import currency_of
from sync.http import DEFAULT_RETRY, MarketplaceError, MarketplaceHttp, RetryPolicy, seconds_header
from sync.limiter import RateLimits, per_second, per_window
from sync.ozon_fbs import OzonFulfilment
from sync.ozon_finance import OzonFinance
from sync.ozon_wire import error_message, parse_moment, parse_price, posting_currency, raise_for, rfc3339

BASE_URL = "https://api-seller.ozon.ru"
PAIR_COOLDOWN_SECONDS = 30.0
PAGE = 1000
POSTINGS_PAGE = 100
LOOKBACK = timedelta(days=30)
# /v4/posting/fbs/list spans at most a year per request (OZ-SPEC; contract §3.4).
LIST_PERIOD = timedelta(days=365)
# Our date of an order imported before placement times were kept is when we imported it, up to a pull interval
# after Ozon's in_process_at: postings this close to the edge of the cancellation list's window are asked
# about one by one as well.
PLACED_MARGIN = timedelta(days=1)
# Where a posting stands once past the seller's part (OZ PostingStatus): handed to Ozon or a carrier and on its
# way (or disputed after), delivered to its buyer, or cancelled.
PROGRESS_OF_STATUS: dict[str, Progress] = {
    "driver_pickup": "left",
    "sent_by_seller": "left",
    "delivering": "left",
    "arbitration": "left",
    "client_arbitration": "left",
    "delivered": "delivered",
    "cancelled": "cancelled",
}
WAREHOUSES_PAGE = 200
# Ozon counts stock pushes in a sliding minute: this many may go at once, the rest one by one after them.
STOCKS_BURST = 20


class OzonAdapter(OzonFulfilment, OzonFinance):
    name = "ozon"
    batch_limit = 100
    max_quantity = 999_999

    def __init__(
        self,
        connection: Connection,
        session: aiohttp.ClientSession,
        limits: RateLimits,
        *,
        stocks_per_minute: int = 80,
        policy: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        if not connection.client_id or not connection.api_key:
            raise MarketplaceError("ozon: Client-Id and Api-Key are required", code="not_configured")
        self._warehouse = connection.warehouse_id
        headers = {"Client-Id": connection.client_id, "Api-Key": connection.api_key}
        retry = seconds_header("Retry-After")
        # Per Client-Id (contract 3.6): stock pushes 80 a minute; everything else within 50 a second, of which
        # we take 10.
        stocks = per_window(stocks_per_minute, 60, STOCKS_BURST)
        self._stocks = MarketplaceHttp(
            session,
            connection.base_url or BASE_URL,
            headers,
            limits.lane(connection, "stocks", stocks),
            retry,
            policy,
            name=self.name,
        )
        self._reads = MarketplaceHttp(
            session,
            connection.base_url or BASE_URL,
            headers,
            limits.lane(connection, "reads", per_second(10, 10)),
            retry,
            policy,
            name=self.name,
        )

    @property
    def calls(self) -> int:
        return self._stocks.calls + self._reads.calls

    def _warehouse_of(self, listing: Listing) -> int | None:
        return listing.warehouse_id or self._warehouse

    def missing_keys(self, listing: Listing) -> str | None:
        if self._warehouse_of(listing) is None:
            return "Ozon needs a warehouse id (marketplace configure ozon --warehouse-id)"
        return None

    async def push_stock(self, updates: list[StockUpdate]) -> list[ItemResult]:
        body = {
            "stocks": [
                {
                    "offer_id": u.listing.keys["offer_id"],
                    "product_id": u.listing.keys.integer("product_id"),
                    "stock": u.quantity,
                    "warehouse_id": self._warehouse_of(u.listing),
                }
                for u in updates
            ]
        }
        reply = await self._stocks.request("POST", "/v2/products/stocks", body=body)
        if reply.status != 200:
            message = f"ozon answered {reply.status}: {error_message(reply.body)}"
            return [ItemResult(u.listing.mapping_id, False, message) for u in updates]
        rows = (reply.body or {}).get("result") or []
        results = {(row.get("offer_id"), row.get("warehouse_id")): row for row in rows}
        outcome = []
        for update in updates:
            row = results.get((update.listing.keys["offer_id"], self._warehouse_of(update.listing)))
            if row is None:
                outcome.append(ItemResult(update.listing.mapping_id, False, "ozon returned no result for this item"))
                continue
            errors = row.get("errors") or []
            if row.get("updated") and not errors:
                outcome.append(ItemResult(update.listing.mapping_id, True))
                continue
            codes = {e.get("code") for e in errors}
            outcome.append(
                ItemResult(
                    update.listing.mapping_id,
                    False,
                    "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errors) or "not updated",
                    retry_in=PAIR_COOLDOWN_SECONDS if "TOO_MANY_REQUESTS" in codes else None,
                )
            )
        return outcome

    async def read_stock(self, listings: list[Listing]) -> dict[int, int]:
        by_pair = {
            (listing.keys["offer_id"], self._warehouse_of(listing)): listing.mapping_id
            for listing in listings
            if "offer_id" in listing.keys
        }
        offers = list({offer for offer, _ in by_pair})
        found: dict[int, int] = {}
        for start in range(0, len(offers), PAGE):
            cursor = ""
            while True:
                body = {
                    "limit": PAGE,
                    "offer_id": offers[start : start + PAGE],
                    **({"cursor": cursor} if cursor else {}),
                }
                reply = await self._reads.request("POST", "/v2/product/info/stocks-by-warehouse/fbs", body=body)
                raise_for(reply.status, reply.body)
                for row in (reply.body or {}).get("products") or []:
                    mapping_id = by_pair.get((row.get("offer_id"), row.get("warehouse_id")))
                    if mapping_id is not None:
                        found[mapping_id] = int(row.get("free_stock") or 0)
                cursor = (reply.body or {}).get("cursor") or ""
                if not (reply.body or {}).get("has_next") or not cursor:
                    break
        return found

    async def read_prices(self, listings: list[Listing]) -> list[PriceQuote]:
        by_offer = {listing.keys["offer_id"]: listing for listing in listings if "offer_id" in listing.keys}
        offers = list(by_offer)
        quotes = []
        for start in range(0, len(offers), PAGE):
            cursor = ""
            while True:
                body = {
                    "filter": {"offer_id": offers[start : start + PAGE], "visibility": "ALL"},
                    "limit": PAGE,
                    **({"cursor": cursor} if cursor else {}),
                }
                reply = await self._reads.request("POST", "/v5/product/info/prices", body=body)
                raise_for(reply.status, reply.body)
                for item in (reply.body or {}).get("items") or []:
                    listing = by_offer.get(item.get("offer_id"))
                    if listing is not None:
                        price = item.get("price") or {}
                        quotes.append(
                            PriceQuote(
                                listing,
                                _money(price.get("marketing_seller_price") or price.get("price")),
                                _money(price.get("old_price")),
                                currency_of(price["currency_code"]) if price.get("currency_code") else None,
                            )
                        )
                cursor = (reply.body or {}).get("cursor") or ""
                if not cursor or not (reply.body or {}).get("items"):
                    break
        return quotes

    async def incoming_orders(self, since: datetime | None) -> list[IncomingOrder]:
        """Postings waiting to be fulfilled (the work queue), each with its lines and the buyer's prices; with
        ``since`` also every posting since then in any status, so one already shipped while we were not pulling
        is still imported (marketplace-fidelity.md D4). A posting cancelled before we saw it is marked so, in
        both lists: the work queue has no status filter and can list it (D10)."""
        now = datetime.now(UTC)
        window = {"cutoff_from": rfc3339(now - LOOKBACK), "cutoff_to": rfc3339(now + LOOKBACK)}
        found = {
            posting["posting_number"]: _order(posting)
            async for posting in self._postings("/v4/posting/fbs/unfulfilled/list", window)
        }
        if since is not None:
            period = {"since": rfc3339(max(since, now - LIST_PERIOD)), "to": rfc3339(now)}
            async for posting in self._postings("/v4/posting/fbs/list", period):
                found.setdefault(posting["posting_number"], _order(posting))
        return list(found.values())

    async def order(self, key: str) -> IncomingOrder | None:
        """One posting by its number (a push notification names it; its prices come from here)."""
        posting = await self._posting_if_any(key)
        return None if posting is None else _order(posting)

    async def _posting_if_any(self, key: str) -> dict[str, Any] | None:
        """/v3/posting/fbs/get, None for a posting Ozon does not know (404)."""
        reply = await self._reads.request("POST", "/v3/posting/fbs/get", body={"posting_number": key})
        if reply.status == 404:
            return None
        raise_for(reply.status, reply.body)
        return {**((reply.body or {}).get("result") or {}), "posting_number": key}

    async def order_progress(self, open_orders: list[OpenOrder]) -> dict[str, Progress]:
        """The list covers postings of the last 30 days (D10), filtered by the statuses past the seller's part;
        older open ones are asked about one by one (/v3/posting/fbs/get), so a late cancellation of an old
        posting still gives the stock back (they are few: a delivered posting is asked about no more)."""
        now = datetime.now(UTC)
        recent = {order.key for order in open_orders if order.placed_at >= now - LOOKBACK + PLACED_MARGIN}
        window = {"since": rfc3339(now - LOOKBACK), "to": rfc3339(now), "statuses": list(PROGRESS_OF_STATUS)}
        found: dict[str, Progress] = {}
        if recent:
            async for posting in self._postings("/v4/posting/fbs/list", window):
                progress = PROGRESS_OF_STATUS.get(posting.get("status") or "")
                if posting["posting_number"] in recent and progress is not None:
                    found[posting["posting_number"]] = progress
        for order in open_orders:
            if order.key not in recent:
                old = await self._posting_if_any(order.key) or {}
                progress = PROGRESS_OF_STATUS.get(old.get("status") or "")
                if progress is not None:
                    found[order.key] = progress
        return found

    async def _postings(self, path: str, window: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        cursor = ""
        while True:
            body = {"filter": window, "limit": POSTINGS_PAGE, **({"cursor": cursor} if cursor else {})}
            reply = await self._reads.request("POST", path, body=body)
            raise_for(reply.status, reply.body)
            for posting in (reply.body or {}).get("postings") or []:
                yield posting
            cursor = (reply.body or {}).get("cursor") or ""
            if not (reply.body or {}).get("has_next") or not cursor:
                return

    async def learn_keys(self, listings: list[Listing]) -> dict[int, ListingKeys]:
        return {}  # posting lines carry offer_id, which a mapping always has

    async def catalog(self) -> AsyncIterator[CatalogItem]:
        last_id = ""
        while True:
            reply = await self._reads.request(
                "POST", "/v3/product/list", body={"filter": {"visibility": "ALL"}, "last_id": last_id, "limit": PAGE}
            )
            raise_for(reply.status, reply.body)
            result = (reply.body or {}).get("result") or {}
            ids = [item["product_id"] for item in result.get("items") or []]
            if ids:
                info = await self._reads.request("POST", "/v3/product/info/list", body={"product_id": ids})
                raise_for(info.status, info.body)
                for item in (info.body or {}).get("items") or []:
                    yield CatalogItem(
                        title=item.get("name") or item.get("offer_id") or "",
                        seller_sku=item.get("offer_id"),
                        barcodes=tuple(str(b) for b in item.get("barcodes") or []),
                        listing=Listing(0, ListingKeys(offer_id=item.get("offer_id"), product_id=item.get("id"))),
                        price=parse_price(item.get("price")),
                        # The main image first, then the others (OZ /v3/product/info/list `primary_image`, `images`).
                        photo_urls=tuple(
                            dict.fromkeys(
                                str(url) for url in [*_urls(item.get("primary_image")), *_urls(item.get("images"))]
                            )
                        ),
                    )
            last_id = result.get("last_id") or ""
            if len(ids) < PAGE or not last_id:
                return

    async def check(self) -> KeyCheck:
        """Whose cabinet the key opens (`/v1/seller/info`), its FBS/rFBS warehouses (`/v2/warehouse/list`) and
        the key's expiry (`/v1/roles` `expires_at`; keys live six months, contract 3.1)."""
        seller = await self._reads.request("POST", "/v1/seller/info", body={})
        raise_for(seller.status, seller.body)
        company = (seller.body or {}).get("company") or {}
        roles = await self._reads.request("POST", "/v1/roles", body={})
        raise_for(roles.status, roles.body)
        places: list[Place] = []
        cursor = ""
        while True:
            body = {"limit": WAREHOUSES_PAGE, **({"cursor": cursor} if cursor else {})}
            reply = await self._reads.request("POST", "/v2/warehouse/list", body=body)
            raise_for(reply.status, reply.body)
            places += [
                Place(
                    str(row.get("warehouse_id")),
                    str(row.get("name") or ""),
                    ", ".join([str(row.get("status") or ""), *(["rFBS"] if row.get("is_rfbs") else [])]),
                )
                for row in (reply.body or {}).get("warehouses") or []
            ]
            cursor = (reply.body or {}).get("cursor") or ""
            if not (reply.body or {}).get("has_next") or not cursor:
                break
        expires = (roles.body or {}).get("expires_at")
        return KeyCheck(
            company.get("name") or company.get("legal_name"),
            tuple(places),
            datetime.fromisoformat(expires) if expires else None,
        )


def _order(posting: dict[str, Any]) -> IncomingOrder:
    return IncomingOrder(
        posting["posting_number"],
        _lines(posting),
        cancelled=posting.get("status") == "cancelled",
        placed_at=parse_moment(posting.get("in_process_at")),
        currency=posting_currency(posting),
        # The posting is to be shipped (handed to Ozon) by then, in the lists and the single posting alike.
        deadline=parse_moment(posting.get("shipment_date")),
    )


def _lines(posting: dict[str, Any]) -> tuple[IncomingLine, ...]:
    """A posting's lines, from the v4 lists or the v3 single posting."""
    return tuple(
        IncomingLine(
            quantity=int(product.get("quantity") or 0),
            price=parse_price(product.get("price")),
            title=product.get("name") or "",
            seller_sku=product.get("offer_id"),
            keys=ListingKeys(offer_id=product.get("offer_id")),
        )
        for product in posting.get("products") or []
    )


def _money(value: Any) -> Decimal | None:
    if value in (None, "", 0, "0"):
        return None
    return Decimal(str(value))


def _urls(value: Any) -> list[Any]:
    """A card's image field: a list of URLs, or one URL as a string."""
    if isinstance(value, str):
        return [value] if value else []
    return [url for url in value or [] if url]
