"""Wildberries adapter: stock per seller warehouse keyed by chrtId (size id), 204 on success, 409 naming
the refused items, 300 requests/min with bursts of 20 on the marketplace API."""

from __future__ import annotations

import base64
import json
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
from sync.currencies import currency_letters, currency_of
from sync.http import DEFAULT_RETRY, MarketplaceError, MarketplaceHttp, RetryPolicy, seconds_header
from sync.limiter import RateLimits, Slot, per_second
from sync.wildberries_fbs import WildberriesFulfilment, moment, seller_date
from sync.wildberries_finance import WildberriesFinance

MARKETPLACE_API = "https://marketplace-api.wildberries.ru"
PRICES_API = "https://discounts-prices-api.wildberries.ru"
CONTENT_API = "https://content-api.wildberries.ru"
COMMON_API = "https://common-api.wildberries.ru"
ANALYTICS_API = "https://seller-analytics-api.wildberries.ru"
STATISTICS_API = "https://statistics-api.wildberries.ru"
PRICE_PAGE = 1000
CARDS_PAGE = 100
# How long an item a 409 refused waits before it is pushed again: a warehouse being updated clears in seconds
# (StoreIsProcessing), the other refusals need the seller (contract 2.2); each 409 costs 10 requests of the bucket.
REFUSED_RETRY = 300.0
REFUSED_RETRY_SECONDS = {"StoreIsProcessing": 10.0}
ORDERS_PAGE = 1000
STATUS_BATCH = 1000
# GET /api/v3/orders answers at most 30 days per request (WB-SPEC 03-orders-fbs.yaml l.386).
ORDERS_WINDOW = timedelta(days=30)
# Status values that mean the task will not be sold (contract 2.4).
SELLER_CANCELLED = {"cancel", "cancel_carrier"}
WB_CANCELLED = {"canceled", "canceled_by_client", "declined_by_client", "defect", "canceled_by_carrier"}
# A task WB took from the seller: its supply was handed to delivery (supplierStatus complete), or WB's own status
# has it sorted, with a carrier or at the pick-up point (contract 2.4); sold is bought by its buyer.
SELLER_HANDED = {"complete"}
WB_TOOK = {"sorted", "ready_for_pickup", "postponed_delivery", "accepted_by_carrier", "sent_to_carrier"}
WB_SOLD = {"sold"}
# A seller warehouse's deliveryType (contract 2.2).
DELIVERY_TYPES = {1: "FBS", 2: "DBS", 3: "DBW", 5: "C&C", 6: "EDBS"}


class WildberriesAdapter(WildberriesFulfilment, WildberriesFinance):
    name = "wildberries"
    batch_limit = 1000
    max_quantity = 100_000

    def __init__(
        self,
        connection: Connection,
        session: aiohttp.ClientSession,
        limits: RateLimits,
        *,
        burst: int = 20,
        per_minute: int = 300,
        statistics_per_minute: float = 1,
        policy: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        if not connection.token:
            raise MarketplaceError("wildberries: no API token configured", code="not_configured")
        # None until one is picked: a key check (which lists the warehouses to pick from) needs none.
        self._warehouse_id = connection.warehouse_id
        retry = seconds_header("X-Ratelimit-Retry")
        headers = {"Authorization": connection.token}

        # WB keeps one token bucket per seller account and API category (contract 2.6): marketplace 300/min
        # burst 20, prices 10 per 6 s burst 5, content 100/min burst 5.
        # A base URL override (sandbox) serves every WB host's paths on one server.
        def client(host: str, lane: str, rate: Slot) -> MarketplaceHttp:
            return MarketplaceHttp(
                session,
                connection.base_url or host,
                headers,
                limits.lane(connection, lane, rate),
                retry,
                policy,
                name=self.name,
            )

        self._market = client(MARKETPLACE_API, "marketplace", per_second(per_minute / 60, burst))
        self._prices = client(PRICES_API, "prices", per_second(10 / 6, 5))
        self._content = client(CONTENT_API, "content", per_second(100 / 60, 5))
        # Seller info: 1 a minute with bursts of 10 (WB-SPEC 01-general.yaml getV1SellerInfo).
        self._common = client(COMMON_API, "common", per_second(1 / 60, 10))
        # The returns-to-seller report: 1 a minute with bursts of 10 (WB-SPEC 12-reports.yaml goods-return).
        self._analytics = client(ANALYTICS_API, "goods_return", per_second(1 / 60, 10))
        # The realization report: 1 a minute, no burst (WB-SPEC 13-finances.yaml reportDetailByPeriod).
        self._statistics = client(STATISTICS_API, "statistics", per_second(statistics_per_minute / 60, 1))
        self._expires_at = _token_expiry(connection.token)

    @property
    def _warehouse(self) -> int:
        if self._warehouse_id is None:
            raise MarketplaceError("wildberries: no warehouse id configured", code="not_configured")
        return self._warehouse_id

    @property
    def calls(self) -> int:
        clients = (self._market, self._prices, self._content, self._common, self._analytics, self._statistics)
        return sum(client.calls for client in clients)

    def missing_keys(self, listing: Listing) -> str | None:
        return None  # one warehouse per connection: the declared chrtId is all a push needs

    async def push_stock(self, updates: list[StockUpdate]) -> list[ItemResult]:
        body = {"stocks": [{"chrtId": u.listing.keys.integer("chrt_id"), "amount": u.quantity} for u in updates]}
        reply = await self._market.request("PUT", f"/api/v3/stocks/{self._warehouse}", body=body)
        if reply.status in (200, 204):
            return [ItemResult(u.listing.mapping_id, True) for u in updates]
        refused = _refused(reply.body, updates) if reply.status == 409 else {}
        if refused:
            # Whether WB applied the other rows of a 409 batch is undocumented (contract 2.2 [I]): they are sent
            # again without the refused ones, which settles it either way (a push sets stock, it does not add),
            # and the refused ones' stock is read back so the seller sees what WB really shows.
            rest = [u for u in updates if u.listing.mapping_id not in refused]
            results = await self.push_stock(rest) if rest else []
            theirs = await self.read_stock([u.listing for u in updates if u.listing.mapping_id in refused])
            return results + [
                ItemResult(
                    mapping_id,
                    False,
                    message,
                    retry_in=REFUSED_RETRY_SECONDS.get(code, REFUSED_RETRY),
                    platform_stock=theirs.get(mapping_id),
                )
                for mapping_id, (code, message) in refused.items()
            ]
        message = f"wildberries answered {reply.status}: {str(reply.body)[:200]}"
        return [ItemResult(u.listing.mapping_id, False, message) for u in updates]

    async def read_stock(self, listings: list[Listing]) -> dict[int, int]:
        by_chrt = {
            listing.keys.integer("chrt_id"): listing.mapping_id for listing in listings if "chrt_id" in listing.keys
        }
        found: dict[int, int] = {}
        chrt_ids = list(by_chrt)
        for start in range(0, len(chrt_ids), self.batch_limit):
            reply = await self._market.request(
                "POST",
                f"/api/v3/stocks/{self._warehouse}",
                body={"chrtIds": chrt_ids[start : start + self.batch_limit]},
            )
            _raise_for(reply.status, reply.body)
            for row in (reply.body or {}).get("stocks") or []:
                if row.get("chrtId") in by_chrt:
                    found[by_chrt[row["chrtId"]]] = int(row.get("amount") or 0)
        return found

    async def read_prices(self, listings: list[Listing]) -> list[PriceQuote]:
        by_chrt = {listing.keys.integer("chrt_id"): listing for listing in listings if "chrt_id" in listing.keys}
        quotes = []
        offset = 0
        while True:
            reply = await self._prices.request(
                "GET", "/api/v2/list/goods/filter", params={"limit": PRICE_PAGE, "offset": offset}
            )
            _raise_for(reply.status, reply.body)
            goods = ((reply.body or {}).get("data") or {}).get("listGoods") or []
            for good in goods:
                named = good.get("currencyIsoCode4217")
                currency = currency_of(named) if named else None
                for size in good.get("sizes") or []:
                    listing = by_chrt.get(size.get("sizeID"))
                    if listing is not None:
                        quotes.append(
                            PriceQuote(
                                listing, _money(size.get("discountedPrice")), _money(size.get("price")), currency
                            )
                        )
            if len(goods) < PRICE_PAGE:
                return quotes
            offset += PRICE_PAGE

    async def incoming_orders(self, since: datetime | None) -> list[IncomingOrder]:
        """New assembly tasks, and with ``since`` every task created since then: one the seller already put on
        a supply while we were not pulling has left /orders/new for good (marketplace-fidelity.md D4). That list
        carries no status, so the tasks not in /orders/new are asked about, and cancelled ones marked."""
        reply = await self._market.request("GET", "/api/v3/orders/new")
        _raise_for(reply.status, reply.body)
        found = {str(task["id"]): _order(task) for task in (reply.body or {}).get("orders") or []}
        if since is None:
            return list(found.values())
        earlier = [task async for task in self._tasks_since(since) if str(task["id"]) not in found]
        cancelled = await self._cancelled([int(task["id"]) for task in earlier])
        return [*found.values(), *(_order(task, cancelled=str(task["id"]) in cancelled) for task in earlier)]

    async def order_progress(self, open_orders: list[OpenOrder]) -> dict[str, Progress]:
        return await self._progress([int(order.key) for order in open_orders if order.key.isdigit()])

    async def _tasks_since(self, since: datetime) -> AsyncIterator[dict[str, Any]]:
        """Tasks created since then, paged by ``next`` until an empty page; the window is clamped to the 30 days
        one request may span (a longer outage loses the older tasks' catch-up, not the newer ones')."""
        now = datetime.now(UTC)
        window = {"dateFrom": int(max(since, now - ORDERS_WINDOW).timestamp()), "dateTo": int(now.timestamp())}
        cursor = 0
        while True:
            reply = await self._market.request(
                "GET", "/api/v3/orders", params={"limit": ORDERS_PAGE, "next": cursor, **window}
            )
            _raise_for(reply.status, reply.body)
            tasks = (reply.body or {}).get("orders") or []
            if not tasks:
                return
            for task in tasks:
                yield task
            following = (reply.body or {}).get("next")
            if not following or following == cursor:
                return
            cursor = following

    async def _cancelled(self, ids: list[int]) -> set[str]:
        """Which of these tasks either side has cancelled."""
        return {key for key, progress in (await self._progress(ids)).items() if progress == "cancelled"}

    async def _progress(self, ids: list[int]) -> dict[str, Progress]:
        """Where these tasks went past the seller (POST /api/v3/orders/status, 1000 ids a call); a cancel by
        either side wins over the rest."""
        found: dict[str, Progress] = {}
        for start in range(0, len(ids), STATUS_BATCH):
            reply = await self._market.request(
                "POST", "/api/v3/orders/status", body={"orders": ids[start : start + STATUS_BATCH]}
            )
            _raise_for(reply.status, reply.body)
            for row in (reply.body or {}).get("orders") or []:
                seller, wb = row.get("supplierStatus"), row.get("wbStatus")
                if seller in SELLER_CANCELLED or wb in WB_CANCELLED:
                    found[str(row["id"])] = "cancelled"
                elif wb in WB_SOLD:
                    found[str(row["id"])] = "delivered"
                elif seller in SELLER_HANDED or wb in WB_TOOK:
                    found[str(row["id"])] = "left"
        return found

    async def learn_keys(self, listings: list[Listing]) -> dict[int, ListingKeys]:
        """The barcode of each listing's size (a 409 may name refused items by barcode only)."""
        by_chrt = {listing.keys["chrt_id"]: listing for listing in listings if "chrt_id" in listing.keys}
        learnt: dict[int, ListingKeys] = {}
        async for item in self.catalog():
            listing = by_chrt.get(item.listing.keys.get("chrt_id", ""))
            barcode = item.listing.keys.get("barcode")
            if listing is not None and barcode and listing.keys.get("barcode") != barcode:
                learnt[listing.mapping_id] = ListingKeys(barcode=barcode)
        return learnt

    async def catalog(self) -> AsyncIterator[CatalogItem]:
        cursor: dict[str, Any] = {"limit": CARDS_PAGE}
        while True:
            reply = await self._content.request(
                "POST", "/content/v2/get/cards/list", body={"settings": {"cursor": cursor, "filter": {"withPhoto": -1}}}
            )
            _raise_for(reply.status, reply.body)
            cards = (reply.body or {}).get("cards") or []
            for card in cards:
                for size in card.get("sizes") or []:
                    yield CatalogItem(
                        title=card.get("title") or card.get("vendorCode") or "",
                        seller_sku=card.get("vendorCode"),
                        barcodes=tuple(str(b) for b in size.get("skus") or []),
                        # A size may carry several barcodes; the first names it (a key names one listing).
                        listing=Listing(
                            0, ListingKeys(chrt_id=size.get("chrtID"), barcode=next(iter(size.get("skus") or []), None))
                        ),
                        category=card.get("subjectName") or None,
                        # The largest of each photo's sizes (WB content API card `photos[].big`); the price is not
                        # on the card but in the prices API (read_prices).
                        photo_urls=tuple(
                            str(photo["big"])
                            for photo in card.get("photos") or []
                            if isinstance(photo, dict) and photo.get("big")
                        ),
                    )
            page = (reply.body or {}).get("cursor") or {}
            if len(cards) < CARDS_PAGE or not page:
                return
            cursor = {"limit": CARDS_PAGE, "updatedAt": page.get("updatedAt"), "nmID": page.get("nmID")}

    async def check(self) -> KeyCheck:
        """The seller the token belongs to (`GET /api/v1/seller-info`, any token category), its seller warehouses
        (`GET /api/v3/warehouses`) and the token's expiry from its own payload."""
        info: dict[str, Any] = {}
        try:
            seller = await self._common.request("GET", "/api/v1/seller-info")
            _refused_unless_ok(seller.status, seller.body)
            info = seller.body if isinstance(seller.body, dict) else {}
        except MarketplaceError as error:
            # A Basic token may read the seller info once a day: a 429 says nothing about the key itself.
            if error.status != 429:
                raise
        trade_mark, name = info.get("tradeMark"), info.get("name")
        account = f"{trade_mark} ({name})" if trade_mark and name and trade_mark != name else trade_mark or name
        warehouses = await self._market.request("GET", "/api/v3/warehouses")
        _refused_unless_ok(warehouses.status, warehouses.body)
        rows = [row for row in warehouses.body if isinstance(row, dict)] if isinstance(warehouses.body, list) else []
        places = tuple(Place(str(row.get("id")), str(row.get("name") or ""), _warehouse_note(row)) for row in rows)
        return KeyCheck(account, places, self._expires_at)


def _warehouse_note(row: dict[str, Any]) -> str:
    """Its delivery type, and WB's flags for a warehouse that takes no stock updates now (contract 2.2)."""
    kind = DELIVERY_TYPES.get(row.get("deliveryType") or 0, str(row.get("deliveryType")))
    return ", ".join([kind, *(flag for flag in ("isProcessing", "isDeleting") if row.get(flag))])


def _token_expiry(token: str) -> datetime | None:
    """WB tokens are JWTs (valid 180 days, contract 2.1): the payload's `exp` says until when. It is only read,
    never verified: only WB can, and WB refusing the key is what the check's calls show."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return datetime.fromtimestamp(int(payload["exp"]), UTC)
    except (ValueError, KeyError, TypeError, OverflowError, OSError):
        return None


def _refused_unless_ok(status: int, body: Any) -> None:
    """401/403 bodies carry the reason in `detail` (problem JSON) or `message`."""
    if status != 200:
        words = (body.get("detail") or body.get("message")) if isinstance(body, dict) else None
        words = words or str(body)[:200]
        raise MarketplaceError(f"wildberries answered {status}: {words}", status, body, code="refused", detail=words)


def _order(task: dict[str, Any], *, cancelled: bool = False) -> IncomingOrder:
    return IncomingOrder(
        str(task["id"]),
        (_line(task),),
        address=(task.get("address") or {}).get("fullAddress"),
        cancelled=cancelled,
        placed_at=moment(task.get("createdAt")),
        # convertedPrice (the line's price) is in the seller country's currency, named by convertedCurrencyCode
        # (WB-MD get-api-v3-orders-new.md).
        currency=currency_letters(task.get("convertedCurrencyCode")),
        # Only oversized tasks (cargoType 2) carry a ship-by date; WB gives ordinary tasks none (WB-MD
        # get-api-v3-orders-new.md `sellerDate`).
        deadline=seller_date(task.get("sellerDate")),
    )


def _line(task: dict[str, Any]) -> IncomingLine:
    """One assembly task is one unit of one size (there is no quantity field; contract 2.4)."""
    return IncomingLine(
        quantity=1,
        price=Decimal(task["convertedPrice"]) / 100 if task.get("convertedPrice") else None,
        title=task.get("article") or "",
        seller_sku=task.get("article"),
        keys=ListingKeys(chrt_id=task.get("chrtId")),
    )


def _refused(body: Any, updates: list[StockUpdate]) -> dict[int, tuple[str, str]]:
    """Mapping id -> (code, message) of the items a 409 names, by chrtId or, in older answers, by barcode (`sku`)."""
    if not isinstance(body, list):
        return {}
    by_chrt = {u.listing.keys.get("chrt_id"): u.listing.mapping_id for u in updates}
    by_barcode = {u.listing.keys.get("barcode"): u.listing.mapping_id for u in updates if "barcode" in u.listing.keys}
    refused: dict[int, tuple[str, str]] = {}
    for problem in body:
        if not isinstance(problem, dict):
            continue
        for item in problem.get("data") or []:
            named = (
                by_chrt.get(str(item.get("chrtId")))
                if item.get("chrtId") is not None
                else by_barcode.get(str(item.get("sku")))
            )
            if named is not None:
                refused[named] = (str(problem.get("code")), f"{problem.get('code')}: {problem.get('message')}")
    return refused


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _raise_for(status: int, body: Any) -> None:
    if status not in (200, 204):
        words = str(body)[:200]
        raise MarketplaceError(f"wildberries answered {status}: {words}", status, body, code="refused", detail=words)
