"""Uzum Market adapter (Seller OpenAPI): stock keyed by SKU barcode (+ skuId), one stock per SKU, envelope
answers, about one request per second per token."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import aiohttp

from core.key_checks import KeyCheck, Place
from core.listings import ListingKeys, uzum_product_sku
from core.marketplace_orders import IncomingLine, IncomingOrder, OpenOrder
from core.marketplaces import Connection
from core.order_progress import Progress
from sync.adapter import CatalogItem, ItemResult, Listing, PriceQuote, StockUpdate
from sync.http import DEFAULT_RETRY, MarketplaceError, MarketplaceHttp, RetryPolicy, seconds_header
from sync.limiter import RateLimits, per_second
from sync.uzum_fbs import UzumFulfilment
from sync.uzum_finance import UzumFinance
from sync.uzum_wire import describe, errors, moment, raise_for

BASE_URL = "https://api-seller.uzum.uz/api/seller-openapi"
PAGE = 100
ORDER_PAGE = 50
NEW_STATUSES = ("CREATED", "PACKING", "PENDING_DELIVERY")
# Where an order goes after the work queue, in lifecycle order: paged in this order, an order that moves on
# between two requests is met again in a later status rather than missed.
LATER_STATUSES = ("DELIVERING", "DELIVERED", "ACCEPTED_AT_DP", "DELIVERED_TO_CUSTOMER_DELIVERY_POINT", "COMPLETED")
# Where an order stands once past the seller's part, for the statuses that say it (UZ-MD get-v2-fbs-orders.md's
# lifecycle): handed to Uzum and on its way, at the pick-up point, picked up by its buyer (COMPLETED), or ended
# without a sale: cancelled, or RETURNED (its goods come back as a return, which the returns pull reads).
PROGRESS_OF_STATUS: dict[str, Progress] = {
    "DELIVERING": "left",
    "DELIVERED": "left",
    "ACCEPTED_AT_DP": "left",
    "DELIVERED_TO_CUSTOMER_DELIVERY_POINT": "left",
    "COMPLETED": "delivered",
    "CANCELED": "cancelled",
    "PENDING_CANCELLATION": "cancelled",
    "RETURNED": "cancelled",
}
# Our date of an order imported before placement times were kept is when we imported it (up to a pull interval
# after Uzum's dateCreated); cancellation polling starts this much before the oldest open order.
PLACED_MARGIN = timedelta(days=1)


class UzumAdapter(UzumFulfilment, UzumFinance):
    """Paced a little under Uzum's observed one request a second, one pace for every call of the token (contract
    1.7 [C]: the limit is per token): a 429 there throttles the token for a minute or more, so running at
    exactly the limit (where clock jitter trips it) costs far more than 10 % of speed."""

    name = "uzum"
    max_quantity = 10_000  # the seller manual forbids more per SKU; assumed enforced by the API too

    def __init__(
        self,
        connection: Connection,
        session: aiohttp.ClientSession,
        limits: RateLimits,
        *,
        batch_limit: int = 100,
        requests_per_second: float = 0.9,
        policy: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        if not connection.token:
            raise MarketplaceError("uzum: no API token configured", code="not_configured")
        self.batch_limit = batch_limit
        self._shop_id = connection.shop_id
        self._http = MarketplaceHttp(
            session,
            connection.base_url or BASE_URL,
            {"Authorization": connection.token},
            limits.lane(connection, "all", per_second(requests_per_second)),
            seconds_header("Retry-After"),
            policy,
            name=self.name,
        )

    @property
    def calls(self) -> int:
        return self._http.calls

    def missing_keys(self, listing: Listing) -> str | None:
        return None  # one stock per SKU: the declared keys (skuId, barcode) are all a push needs

    async def push_stock(self, updates: list[StockUpdate]) -> list[ItemResult]:
        body = {
            "skuAmountList": [
                {
                    "barcode": u.listing.keys["barcode"],
                    "amount": u.quantity,
                    **({"skuId": u.listing.keys.integer("sku_id")} if "sku_id" in u.listing.keys else {}),
                }
                for u in updates
            ]
        }
        reply = await self._http.request("POST", "/v2/fbs/sku/stocks", body=body)
        if reply.status == 200 and not errors(reply.body):
            return [ItemResult(u.listing.mapping_id, True) for u in updates]
        if reply.status == 400 and len(updates) > 1:
            # Uzum rejects a whole batch for one bad row and does not say which: halve until it is found,
            # so one broken listing never blocks the others.
            middle = len(updates) // 2
            return await self.push_stock(updates[:middle]) + await self.push_stock(updates[middle:])
        message = describe(reply.status, reply.body)
        return [ItemResult(u.listing.mapping_id, False, message) for u in updates]

    async def read_stock(self, listings: list[Listing]) -> dict[int, int]:
        by_barcode = {listing.keys["barcode"]: listing.mapping_id for listing in listings if "barcode" in listing.keys}
        found: dict[int, int] = {}
        async for row in self._stock_rows():
            mapping_id = by_barcode.get(str(row.get("barcode")))
            if mapping_id is not None:
                found[mapping_id] = int(row.get("amount") or 0)
        return found

    async def _stock_rows(self) -> AsyncIterator[dict[str, Any]]:
        """Every FBS/DBS SKU with its stock and its barcode as a string (cursor mode, contract 1.3)."""
        cursor = 0
        while True:
            reply = await self._http.request("GET", "/v3/fbs/sku/stocks", params={"skuIdFrom": cursor, "size": PAGE})
            raise_for(reply.status, reply.body)
            rows = (reply.body.get("payload") or {}).get("skuAmountList") or []
            for row in rows:
                yield row
            if len(rows) < PAGE:
                return
            cursor = rows[-1]["skuId"]

    async def read_prices(self, listings: list[Listing]) -> list[PriceQuote]:
        wanted = {listing.keys["sku_id"]: listing for listing in listings if "sku_id" in listing.keys}
        quotes = []
        async for _product, sku in self._skus():
            listing = wanted.get(str(sku.get("skuId")))
            if listing is not None:
                price = sku.get("price")
                # Uzum publishes no strikethrough price in any read endpoint; it sells in so'm only.
                quotes.append(PriceQuote(listing, Decimal(price) if price is not None else None, None, "UZS"))
        return quotes

    async def catalog(self) -> AsyncIterator[CatalogItem]:
        barcodes = await self._barcodes()
        async for product, sku in self._skus():
            barcode = barcodes.get(sku.get("skuId"))
            yield CatalogItem(
                title=sku.get("skuFullTitle") or sku.get("skuTitle") or "",
                seller_sku=sku.get("sellerItemCode") or sku.get("article"),
                barcodes=(barcode,) if barcode else (),
                listing=Listing(0, _catalog_keys(product, sku, barcode)),
                price=Decimal(str(sku["price"])) if sku.get("price") is not None else None,
                category=product.get("category") or None,
                # The card's picture, then the SKU's own preview (a colour of it) when that is another one.
                photo_urls=tuple(dict.fromkeys(url for url in (product.get("image"), sku.get("previewImage")) if url)),
            )

    async def learn_keys(self, listings: list[Listing]) -> dict[int, ListingKeys]:
        """What the catalogue says of our listings (found by skuId): the product id and SKU title its order lines
        carry, and the barcode the stock API writes with."""
        by_sku = {listing.keys["sku_id"]: listing for listing in listings if "sku_id" in listing.keys}
        if not by_sku:
            return {}
        barcodes = await self._barcodes()
        learnt: dict[int, ListingKeys] = {}
        async for product, sku in self._skus():
            listing = by_sku.get(str(sku.get("skuId")))
            if listing is None:
                continue
            known = _catalog_keys(product, sku, barcodes.get(sku.get("skuId")))
            news = {name: value for name, value in known.items() if listing.keys.get(name) != value}
            if news:
                learnt[listing.mapping_id] = ListingKeys(news)
        return learnt

    async def _barcodes(self) -> dict[Any, str]:
        """skuId -> barcode as the stock API writes it. The product card types the barcode as int64, which drops
        leading zeros (UZ-MD get-v1-product-shop-shopid.md; fidelity D6): a write barcode must come from here."""
        return {
            row["skuId"]: str(row["barcode"])
            async for row in self._stock_rows()
            if row.get("skuId") is not None and row.get("barcode") not in (None, "")
        }

    async def incoming_orders(self, since: datetime | None) -> list[IncomingOrder]:
        """Orders still to be fulfilled and, with ``since``, every order placed since then that went further
        while we were not pulling (marketplace-fidelity.md D4). Uzum filters by one status at a time and its
        totals are unreliable, so each status is paged until a short page (contract 1.5). The work queue is
        asked for without a date: it is small, and stays right whatever unit Uzum turns out to read dates in."""
        found: dict[str, IncomingOrder] = {}
        for status in NEW_STATUSES + (LATER_STATUSES if since is not None else ()):
            placed_from = since if status in LATER_STATUSES else None
            async for order in self._orders(status, placed_from):
                incoming = _order(order)
                if incoming.lines:
                    found.setdefault(incoming.key, incoming)
        return list(found.values())

    async def order_progress(self, open_orders: list[OpenOrder]) -> dict[str, Progress]:
        """Looked for among orders placed since the oldest one we hold open (D7), not in the shop's whole history,
        a status at a time (the filter takes one); what is found is intersected with our keys, so a filter the
        platform ignored would cost pages, not correctness. Later statuses are asked last: an order that moves on
        between two requests ends up where it went. Whether an order left is asked only since the oldest one not
        known to have left (recent, as orders leave within days), not since the oldest one still on its way."""
        wanted = {order.key for order in open_orders}
        oldest = min((order.placed_at for order in open_orders), default=None)
        oldest_here = min((order.placed_at for order in open_orders if not order.shipped), default=None)
        found: dict[str, Progress] = {}
        for status, progress in PROGRESS_OF_STATUS.items():
            placed_from = oldest_here if progress == "left" else oldest
            if placed_from is None:
                continue
            async for order in self._orders(status, placed_from - PLACED_MARGIN):
                if str(order["id"]) in wanted:
                    found[str(order["id"])] = progress
        return found

    async def check(self) -> KeyCheck:
        """The shops the token sees (`GET /v1/shops`, a bare list). Uzum's API names no seller and publishes no
        token expiry, so the shops are all it tells."""
        reply = await self._http.request("GET", "/v1/shops")
        raise_for(reply.status, reply.body)
        shops = reply.body if isinstance(reply.body, list) else []
        return KeyCheck(None, tuple(Place(str(shop.get("id")), str(shop.get("name") or "")) for shop in shops), None)

    async def _orders(self, status: str, placed_from: datetime | None) -> AsyncIterator[dict[str, Any]]:
        if self._shop_id is None:
            raise MarketplaceError(
                "uzum: no shop id configured (amazing-store marketplace configure uzum --shop-id)",
                code="not_configured",
            )
        # dateFrom is an int64 in the spec with no unit named; the operation's other int64 dates are Unix epoch
        # milliseconds (UZ-MD get-v2-fbs-orders.md), so milliseconds it is. Community reports on the unit are
        # unreliable (contract 1.5 [C]); the sandbox reads milliseconds too.
        dates = {} if placed_from is None else {"dateFrom": int(placed_from.timestamp() * 1000)}
        page = 0
        while True:
            reply = await self._http.request(
                "GET",
                "/v2/fbs/orders",
                params={
                    "shopIds": self._shop_id,
                    "status": status,
                    "page": page,
                    "size": ORDER_PAGE,
                    **dates,
                },
            )
            raise_for(reply.status, reply.body)
            orders = (reply.body.get("payload") or {}).get("orders") or []
            for order in orders:
                yield order
            if len(orders) < ORDER_PAGE:
                return
            page += 1

    async def _skus(self) -> AsyncIterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Every (product, SKU) of the shop's catalogue."""
        if self._shop_id is None:
            raise MarketplaceError(
                "uzum: no shop id configured (amazing-store marketplace configure uzum --shop-id)",
                code="not_configured",
            )
        page = 0
        while True:
            reply = await self._http.request(
                "GET", f"/v1/product/shop/{self._shop_id}", params={"page": page, "size": PAGE}
            )
            raise_for(reply.status, reply.body)
            products = (reply.body or {}).get("productList") or []
            for product in products:
                for sku in product.get("skuList") or []:
                    yield product, sku
            if len(products) < PAGE:
                return
            page += 1


def _order(order: dict[str, Any]) -> IncomingOrder:
    buyer = order.get("deliveryInfo") or {}
    return IncomingOrder(
        str(order["id"]),
        _lines(order.get("orderItems") or []),
        buyer.get("customerFullname"),
        buyer.get("customerPhone"),
        buyer.get("deliveryAddress"),
        placed_at=moment(order.get("dateCreated")),
        deadline=_deadline(order),
        currency="UZS",  # Uzum's amounts are whole so'm everywhere; its orders carry no currency field
    )


def _deadline(order: dict[str, Any]) -> datetime | None:
    """The seller's next step: accept a new order by acceptUntil (Uzum cancels it itself after that), then hand a
    confirmed one over by deliverUntil (UZ-MD get-v2-fbs-orders.md, SellerOrderDto)."""
    return moment(order.get("acceptUntil") if order.get("status") == "CREATED" else order.get("deliverUntil"))


def _lines(items: Iterable[dict[str, Any]]) -> tuple[IncomingLine, ...]:
    """The units still ordered: an item's cancelled units (or a cancelled item) are not for us to take."""
    lines = tuple(_line(item) for item in items if item.get("status") != "CANCELED")
    return tuple(line for line in lines if line.quantity > 0)


def _line(item: dict[str, Any]) -> IncomingLine:
    """An order item names its SKU only by productId and skuTitle (the spec's item has neither skuId nor barcode;
    UZ-MD get-v2-fbs-orders.md), and by sellerSkuCode when the seller set one; a skuId is taken if ever sent."""
    return IncomingLine(
        quantity=int(item.get("amount") or 0) - int(item.get("cancelled") or 0),
        price=Decimal(item["sellerPrice"]) if item.get("sellerPrice") is not None else None,
        title=item.get("skuTitle") or item.get("productTitle") or "",
        seller_sku=item.get("sellerSkuCode"),
        keys=ListingKeys(
            sku_id=item.get("skuId"), product_sku=uzum_product_sku(item.get("productId"), item.get("skuTitle"))
        ),
    )


def _catalog_keys(product: dict[str, Any], sku: dict[str, Any], barcode: str | None) -> ListingKeys:
    return ListingKeys(
        sku_id=sku.get("skuId"),
        barcode=barcode,
        product_sku=uzum_product_sku(product.get("productId"), sku.get("skuTitle")),
    )
