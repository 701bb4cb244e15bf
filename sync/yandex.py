"""Yandex Market adapter (Partner API, YM-OAS: yandex-market/yandex-market-partner-api openapi/): stock per shop
SKU of one campaign (the connection's shop id), orders read through the campaign's business, the FBS work of an
order (ready to ship, cancel, labels, hand-over, returns), a DBS campaign's answers to its buyers' cancellation
requests and what Yandex bills for each order (sync/yandex_finance.py). Limits are per operation (each path's
x-resource-limit-config, the "none" tier); over one, Yandex answers 420, which sync.http treats as its throttle
status."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import aiohttp

from core.cancellation_requests import IncomingCancellationRequest
from core.key_checks import KeyCheck, Place
from core.listings import ListingKeys
from core.marketplace_orders import IncomingLine, IncomingOrder, OpenOrder
from core.marketplaces import Connection
from core.order_progress import Progress
from core.pushes.yandex import progress_of
from sync.adapter import (
    CancellationRefusal,
    CancelReason,
    CatalogItem,
    Confirmed,
    Document,
    HandOver,
    IncomingReturn,
    ItemResult,
    Label,
    Listing,
    PriceQuote,
    StockUpdate,
    WorkOrder,
)
from sync.http import DEFAULT_RETRY, MarketplaceError, MarketplaceHttp, RetryPolicy, seconds_header
from sync.limiter import RateLimits, account_of, per_window
from sync.limiter_store import Slot
from sync.yandex_finance import YandexFinance
from sync.yandex_wire import iso_currency, raise_for, refusal, result_of

BASE_URL = "https://api.partner.market.yandex.ru"
THROTTLE_STATUS = 420  # components/responses/420.yaml: "Превышен лимит обращений"
MOSCOW = timezone(timedelta(hours=3))
# UpdateStocksRequest.yaml skus maxItems; UpdateStockItemDTO count maximum.
STOCKS_BATCH = 2000
MAX_COUNT = 2_000_000_000
# GetWarehouseStocksRequest, GetPricesByOfferIdsRequest: offerIds up to 500, answered whole (no paging).
OFFER_IDS_STOCKS = 500
OFFER_IDS_PRICES = 500
# GetOfferMappingsRequest offerIds up to 100; limit up to 100 (PageLimit100Truncate.yaml).
MAPPINGS_PAGE = 100
# GetBusinessOrdersRequest: orderIds up to 50, limit up to 50 (PageLimit50Truncate.yaml); creation dates at most
# 30 days apart, the ...To date excluded (OrderDatesFilterDTO.yaml).
ORDERS_PAGE = 50
ORDER_WINDOW = timedelta(days=30)
# A catch-up after a long absence looks back at most this far (as the Ozon adapter does).
CATCH_UP_MOST = timedelta(days=365)
CAMPAIGNS_PAGE = 100
# Statuses an order has once the buyer's order is placed and paid (OrderStatusType.yaml): PLACING, RESERVED,
# UNPAID and PENDING are before it, so no stock of ours is sold yet.
PLACED_STATUSES = ["PROCESSING", "DELIVERY", "PICKUP", "DELIVERED", "PARTIALLY_RETURNED", "RETURNED", "CANCELLED"]
# Every reason we offer is sent as the one shop-side cancel substatus the spec has (updateOrderStatus).
CANCEL_REASONS: dict[CancelReason, str] = {
    "out_of_stock": "SHOP_FAILED",
    "defective": "SHOP_FAILED",
    "other": "SHOP_FAILED",
}
# Why a DBS shop refuses a buyer's cancellation, in Yandex's codes (OrderCancellationReasonType.yaml: the order is
# already with the courier, or already delivered); acceptOrderCancellation requires one when it refuses.
CANCELLATION_REFUSALS: dict[CancellationRefusal, str] = {
    "in_delivery": "ORDER_IN_DELIVERY",
    "delivered": "ORDER_DELIVERED",
}
# Only a DBS campaign's buyers wait for the shop's answer (GetBusinessOrdersRequest.waitingForCancellationApprove,
# BusinessOrderDTO.cancelRequested: "Только для модели DBS"); an FBS order in delivery is Yandex's to cancel.
ANSWERS_CANCELLATIONS = "DBS"
# A DBS campaign delivers its orders itself (PlacementType.yaml): it moves them on along the DBS status model.
DELIVERS_ITSELF = "DBS"
# updateOrderStatuses: at most 30 orders a request (UpdateOrderStatusesRequest.yaml).
STATUSES_BATCH = 30
# searchShipments: a first-mile shipment that is formed (OUTBOUND_READY_FOR_CONFIRMATION) or confirmed already
# (a repeated hand-over gives its act again) (ShipmentStatusType.yaml); days ahead asked; its page (PageLimit30).
SHIPMENT_TO_HAND_OVER = ("OUTBOUND_READY_FOR_CONFIRMATION", "OUTBOUND_CONFIRMED")
SHIPMENT_DAYS_AHEAD = timedelta(days=7)
SHIPMENTS_PAGE = 30
# getReturns: the shipment statuses of a return whose goods are back for the seller (ReturnShipmentStatusType.yaml),
# and its page (PageLimit100Truncate.yaml).
RETURNED_TO_SELLER = ("READY_FOR_PICKUP", "PICKED")
RETURNS_PAGE = 100
# ReturnDecisionReasonType.yaml, in the words of its own description (Russian, as Yandex's cabinet shows them):
# the admin reads the reason as the platform gives it, as Ozon's and Uzum's come.
RETURN_REASONS = {
    "BAD_QUALITY": "бракованный товар (есть недостатки)",
    "DOES_NOT_FIT": "товар не подошел",
    "WRONG_ITEM": "привезли не тот товар",
    "DAMAGE_DELIVERY": "товар поврежден при доставке",
    "LOYALTY_FAIL": "невозможно установить виновного в браке/пересорте",
    "CONTENT_FAIL": "ошибочное описание товара по вине Маркета",
    "DELIVERY_FAIL": "товар не привезли",
}
UNREDEEMED = "невыкуп: покупатель не забрал заказ"
# ReturnInstanceStockType.yaml: the stock types Yandex's own check gives goods it found unfit to sell.
DEFECTIVE_STOCK = frozenset({"DEFECT", "PART_MISSING", "NON_COMPLIENT"})
# generateOrderLabels formats: A9_HORIZONTALLY is 58x40 mm, the size of our label printer.
LABEL_FORMAT = "A9_HORIZONTALLY"

# The business and the placement model (FBS, DBS...) of a campaign never change: learnt once per process
# (GET /v2/campaigns/{campaignId}).
_CAMPAIGNS: dict[tuple[str, int], tuple[int, str]] = {}


def _limit(amount: int, seconds: float, pace: float, burst: int = 1) -> Slot:
    """``amount`` requests per ``seconds`` (the spec's "none" tier), times ``pace`` (tests relax it)."""
    return per_window(max(burst + 1, int(amount * pace)), seconds, burst)


class YandexAdapter(YandexFinance):
    name = "yandex"
    batch_limit = STOCKS_BATCH
    max_quantity = MAX_COUNT
    cancel_reasons: tuple[CancelReason, ...] = tuple(CANCEL_REASONS)
    cancellation_reasons_to_refuse: tuple[CancellationRefusal, ...] = tuple(CANCELLATION_REFUSALS)

    def __init__(
        self,
        connection: Connection,
        session: aiohttp.ClientSession,
        limits: RateLimits,
        *,
        pace: float = 1.0,
        policy: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        if not connection.token:
            raise MarketplaceError("yandex: the Api-Key is required", code="not_configured")
        self._campaign_id = int(connection.shop_id) if connection.shop_id else None
        self._account = account_of(connection)
        base = connection.base_url or BASE_URL
        headers = {"Api-Key": connection.token}
        retry = seconds_header("Retry-After")  # [strict] 420.yaml names no header; one is used if ever sent

        def lane(family: str, slot: Slot) -> MarketplaceHttp:
            return MarketplaceHttp(
                session,
                base,
                headers,
                limits.lane(connection, family, slot),
                retry,
                policy,
                name=self.name,
                throttle_status=THROTTLE_STATUS,
            )

        # Per-item limits (updateStocks, getStocks: 100 000 items a minute; getPricesByOfferIds: 10 000 offers a
        # minute) are paced as requests of the largest batch, so a full batch never goes over.
        self._stocks = lane("stocks", _limit(100_000 // STOCKS_BATCH, 60, pace, 5))
        self._stock_reads = lane("stock_reads", _limit(100_000 // OFFER_IDS_STOCKS, 60, pace, 5))
        self._prices = lane("prices", _limit(10_000 // OFFER_IDS_PRICES, 60, pace, 2))
        self._mappings = lane("mappings", _limit(100, 60, pace, 5))  # getOfferMappings: 100 a minute
        self._orders = lane("orders", _limit(10_000, 3600, pace, 10))  # getBusinessOrders: 10 000 an hour
        # getCampaigns 1 000 an hour, getCampaign 5 000: [strict] one lane at the smaller.
        self._campaigns = lane("campaigns", _limit(1000, 3600, pace, 3))
        # updateOrderStatus, setOrderBoxLayout, generateOrderLabels: 10 000 an hour each; [strict] one lane.
        self._work = lane("order_work", _limit(10_000, 3600, pace, 5))
        self._answers = lane("cancellation_answers", _limit(500, 3600, pace, 2))  # acceptOrderCancellation: 500
        self._returns = lane("returns", _limit(5000, 3600, pace, 3))  # getReturns: 5 000 an hour
        # searchShipments, confirmShipment, downloadShipmentAct: 200 an hour each; [strict] one lane.
        self._shipments = lane("shipments", _limit(200, 3600, pace, 3))
        self._stats = lane("orders_stats", _limit(10_000, 3600, pace, 5))  # getOrdersStats: 10 000 an hour

    @property
    def calls(self) -> int:
        lanes = (self._stocks, self._stock_reads, self._prices, self._mappings, self._orders, self._campaigns)
        return sum(
            http.calls for http in (*lanes, self._work, self._answers, self._returns, self._shipments, self._stats)
        )

    def missing_keys(self, listing: Listing) -> str | None:
        return None  # the campaign is the connection's; offer_id is declared required

    # -- stock ------------------------------------------------------------------------------------------------
    async def push_stock(self, updates: list[StockUpdate]) -> list[ItemResult]:
        """One PUT for the batch. [strict] The spec leaves an unknown SKU to its error-codes page, which it does
        not include; the sandbox refuses the whole request naming the SKUs. Those named fail, the others are
        sent again without them; a refusal naming none of ours fails them all."""
        if not updates:
            return []
        body = {"skus": [{"sku": u.listing.keys["offer_id"], "items": [{"count": u.quantity}]} for u in updates]}
        path = f"/v2/campaigns/{self._campaign}/offers/stocks"
        reply = await self._stocks.request("PUT", path, body=body)
        if reply.status == 200:
            return [ItemResult(u.listing.mapping_id, True) for u in updates]
        message = refusal(reply)
        named = [u for u in updates if _names(message, u.listing.keys["offer_id"])]
        if not named or len(named) == len(updates):
            return [ItemResult(u.listing.mapping_id, False, message) for u in updates]
        rest = await self.push_stock([u for u in updates if u not in named])
        return [ItemResult(u.listing.mapping_id, False, message) for u in named] + rest

    async def read_stock(self, listings: list[Listing]) -> dict[int, int]:
        """The campaign's AVAILABLE stock (what the push sets; FREEZE is held for orders), per offer id."""
        by_offer = _by_offer(listings)
        found: dict[int, int] = {}
        offers = list(by_offer)
        for start in range(0, len(offers), OFFER_IDS_STOCKS):
            body = {"offerIds": offers[start : start + OFFER_IDS_STOCKS]}
            reply = await self._stock_reads.request("POST", f"/v2/campaigns/{self._campaign}/offers/stocks", body=body)
            raise_for(reply)
            for warehouse in result_of(reply).get("warehouses") or []:
                for row in warehouse.get("offers") or []:
                    mapping_id = by_offer.get(row.get("offerId"))
                    if mapping_id is not None:
                        counts = {s.get("type"): int(s.get("count") or 0) for s in row.get("stocks") or []}
                        found[mapping_id] = found.get(mapping_id, 0) + counts.get("AVAILABLE", 0)
        return found

    async def read_prices(self, listings: list[Listing]) -> list[PriceQuote]:
        """The campaign's prices (getPricesByOfferIds); read only: nothing here ever sets a price."""
        by_offer = {listing.keys["offer_id"]: listing for listing in listings if "offer_id" in listing.keys}
        offers = list(by_offer)
        quotes = []
        for start in range(0, len(offers), OFFER_IDS_PRICES):
            body = {"offerIds": offers[start : start + OFFER_IDS_PRICES]}
            reply = await self._prices.request("POST", f"/v2/campaigns/{self._campaign}/offer-prices", body=body)
            raise_for(reply)
            for row in result_of(reply).get("offers") or []:
                listing = by_offer.get(row.get("offerId"))
                price = row.get("price") or {}
                if listing is not None:
                    quotes.append(
                        PriceQuote(
                            listing,
                            _money(price.get("value")),
                            _money(price.get("discountBase")),
                            iso_currency(price.get("currencyId")) if price.get("currencyId") else None,
                        )
                    )
        return quotes

    # -- catalogue --------------------------------------------------------------------------------------------
    async def catalog(self) -> AsyncIterator[CatalogItem]:
        async for row in self._mapping_pages({"archived": False}):
            offer, mapping = row.get("offer") or {}, row.get("mapping") or {}
            price = offer.get("basicPrice") or {}
            yield CatalogItem(
                title=offer.get("name") or offer.get("offerId") or "",
                seller_sku=offer.get("offerId"),
                barcodes=tuple(str(b) for b in offer.get("barcodes") or []),
                listing=Listing(0, ListingKeys(offer_id=offer.get("offerId"), market_sku=mapping.get("marketSku"))),
                price=_money(price.get("value")),
                category=offer.get("category") or None,
                photo_urls=tuple(str(url) for url in offer.get("pictures") or [] if url),
            )

    async def learn_keys(self, listings: list[Listing]) -> dict[int, ListingKeys]:
        """The Market SKU of each listing, from its offer mapping (order items carry offerId, which every
        mapping has; the Market SKU is kept for the seller's cabinet links)."""
        by_offer = _by_offer(listings)
        offers = list(by_offer)
        learnt: dict[int, ListingKeys] = {}
        for start in range(0, len(offers), MAPPINGS_PAGE):
            body = {"offerIds": offers[start : start + MAPPINGS_PAGE]}
            reply = await self._mappings.request("POST", await self._business_path("offer-mappings"), body=body)
            raise_for(reply)
            for row in result_of(reply).get("offerMappings") or []:
                mapping_id = by_offer.get(str((row.get("offer") or {}).get("offerId")))
                sku = (row.get("mapping") or {}).get("marketSku")
                if mapping_id is not None and sku:
                    learnt[mapping_id] = ListingKeys(market_sku=sku)
        return learnt

    async def _mapping_pages(self, body: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        path = await self._business_path("offer-mappings")
        token: str | None = None
        while True:
            params = {"limit": MAPPINGS_PAGE, **({"page_token": token} if token else {})}
            reply = await self._mappings.request("POST", path, body=body, params=params)
            raise_for(reply)
            result = result_of(reply)
            for row in result.get("offerMappings") or []:
                yield row
            token = (result.get("paging") or {}).get("nextPageToken")
            if not token:
                return

    # -- orders -----------------------------------------------------------------------------------------------
    async def incoming_orders(self, since: datetime | None) -> list[IncomingOrder]:
        """The work queue (PROCESSING, STARTED or READY_TO_SHIP) and, with ``since``, every order placed since
        then in a placed status, in windows of 30 days of creation dates (the spec's widest)."""
        work = {"statuses": ["PROCESSING"], "substatuses": ["STARTED", "READY_TO_SHIP"]}
        found = {order.key: order async for order in self._orders_matching(work)}
        if since is not None:
            for window in _windows(max(since, datetime.now(UTC) - CATCH_UP_MOST)):
                async for order in self._orders_matching({"statuses": PLACED_STATUSES, "dates": window}):
                    found.setdefault(order.key, order)
        return list(found.values())

    async def order(self, key: str) -> IncomingOrder | None:
        """One order by its id, among those of the last 30 days (a notification names a new one)."""
        if not key.isdigit():
            return None
        async for order in self._orders_matching({"orderIds": [int(key)]}):
            return order
        return None

    async def order_progress(self, open_orders: list[OpenOrder]) -> dict[str, Progress]:
        """Asked by id, 50 at a time, each group within one 30-day window of creation dates around its
        orders' placement (without dates the spec looks at the last 30 days only)."""
        ordered = sorted((o for o in open_orders if o.key.isdigit()), key=lambda o: o.placed_at)
        found: dict[str, Progress] = {}
        group: list[OpenOrder] = []
        for order in [*ordered, None]:
            if order is not None and group and len(group) < ORDERS_PAGE:
                if _dates_around(group[0].placed_at, order.placed_at) is not None:
                    group.append(order)
                    continue
            if group:
                window = _dates_around(group[0].placed_at, group[-1].placed_at)
                filters = {"orderIds": [int(o.key) for o in group], "dates": window}
                async for row in self._order_rows(filters):
                    progress = progress_of(row.get("status"), row.get("substatus"))
                    if progress is not None:
                        found[str(row["orderId"])] = progress
            group = [order] if order is not None else []
        return found

    async def _orders_matching(self, filters: dict[str, Any]) -> AsyncIterator[IncomingOrder]:
        async for row in self._order_rows(filters):
            yield _order(row)

    async def _order_rows(self, filters: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        """BusinessOrderDTO rows of our campaign matching ``filters`` (GetBusinessOrdersRequest), page by page."""
        path = f"/v1/businesses/{await self._business()}/orders"
        body = {"campaignIds": [self._campaign], **filters}
        token: str | None = None
        while True:
            params = {"limit": ORDERS_PAGE, **({"page_token": token} if token else {})}
            reply = await self._orders.request("POST", path, body=body, params=params)
            raise_for(reply)
            answer = reply.body if isinstance(reply.body, dict) else {}
            for row in answer.get("orders") or []:
                yield row
            token = (answer.get("paging") or {}).get("nextPageToken")
            if not token:
                return

    # -- the key ----------------------------------------------------------------------------------------------
    async def check(self) -> KeyCheck:
        """The campaigns (shops) the key sees (GET /v2/campaigns) and the business that owns ours; the spec
        says nothing of a key's expiry."""
        places: list[Place] = []
        account: str | None = None
        token: str | None = None
        while True:
            params = {"limit": CAMPAIGNS_PAGE, **({"page_token": token} if token else {})}
            reply = await self._campaigns.request("GET", "/v2/campaigns", params=params)
            raise_for(reply)
            answer = reply.body if isinstance(reply.body, dict) else {}
            for campaign in answer.get("campaigns") or []:
                business = campaign.get("business") or {}
                if account is None or campaign.get("id") == self._campaign_id:
                    account = business.get("name") or account
                places.append(
                    Place(
                        str(campaign.get("id")), str(campaign.get("domain") or ""), campaign.get("placementType") or ""
                    )
                )
            token = (answer.get("paging") or {}).get("nextPageToken")
            if not token:
                break
        return KeyCheck(account, tuple(places), None)

    async def _business(self) -> int:
        return (await self._campaign_facts())[0]

    async def _campaign_facts(self) -> tuple[int, str]:
        """The campaign's business id and placement type (CampaignDTO.business, placementType)."""
        cached = _CAMPAIGNS.get((self._account, self._campaign))
        if cached is None:
            reply = await self._campaigns.request("GET", f"/v2/campaigns/{self._campaign}")
            raise_for(reply)
            campaign = (reply.body or {}).get("campaign") or {}
            business = campaign.get("business") or {}
            if not business.get("id"):
                raise MarketplaceError(f"yandex: campaign {self._campaign} names no business", code="refused")
            facts = (int(business["id"]), str(campaign.get("placementType") or ""))
            cached = _CAMPAIGNS[(self._account, self._campaign)] = facts
        return cached

    async def _business_path(self, tail: str) -> str:
        return f"/v2/businesses/{await self._business()}/{tail}"

    # -- FBS work (sync.adapter.Fulfilment) -------------------------------------------------------------------
    async def confirm(self, order: WorkOrder) -> Confirmed:
        """PROCESSING/STARTED -> READY_TO_SHIP. Boxes are optional (setOrderBoxLayout: "можно делать ... до
        перевода заказа в статус Готов к отгрузке"); without them Yandex counts one box."""
        body = {"order": {"status": "PROCESSING", "substatus": "READY_TO_SHIP"}}
        reply = await self._work.request("PUT", self._order_path(order, "/status"), body=body, idempotent=False)
        raise_for(reply)
        shipments = (((reply.body or {}).get("order") or {}).get("delivery") or {}).get("shipments") or []
        return Confirmed(deadline=_deadline(shipments[0].get("shipmentDate")) if shipments else None)

    async def cancel(self, order: WorkOrder, reason: CancelReason) -> None:
        substatus = CANCEL_REASONS.get(reason)
        if substatus is None:
            raise MarketplaceError(
                f"yandex has no cancel reason for {reason!r}", code="no_cancel_reason", detail=reason
            )
        body = {"order": {"status": "CANCELLED", "substatus": substatus}}
        reply = await self._work.request("PUT", self._order_path(order, "/status"), body=body, idempotent=False)
        raise_for(reply)

    async def labels(self, orders: list[WorkOrder]) -> list[Label]:
        """One PDF per order (a label per box), 58x40 mm."""
        labels = []
        for order in orders:
            reply = await self._work.request(
                "GET", self._order_path(order, "/delivery/labels"), params={"format": LABEL_FORMAT}
            )
            raise_for(reply)
            if not reply.raw.startswith(b"%PDF"):
                raise MarketplaceError(
                    f"yandex answered without a PDF ({reply.headers.get('Content-Type', '?')})", code="bad_file"
                )
            labels.append(Label(order.key, Document(f"yandex-label-{order.key}.pdf", reply.raw, "application/pdf")))
        return labels

    async def hand_over(self, orders: list[WorkOrder]) -> list[HandOver]:
        """Yandex forms the first-mile shipment itself, from the orders made ready to ship, by the warehouse's
        schedule: we find the shipments holding our orders (searchShipments, paths/v2_campaigns_campaignId_
        first-mile_shipments.yaml, shipment days from yesterday to a week ahead), confirm each one formed
        (confirmShipment: before the cutoff Yandex refuses with its words) and give its act of reception and
        transfer for the courier (downloadShipmentAct, a PDF "только для подтвержденной отгрузки"). A shipment
        confirmed before (a retry) only gives its act again; our orders in none stay confirmed. A DBS campaign
        has no shipment of Yandex's: its orders go out with the shop's own courier (_send_out)."""
        keys = sorted({int(order.key) for order in orders if order.key.isdigit()})
        if not keys:
            return []
        if (await self._campaign_facts())[1] == DELIVERS_ITSELF:
            return await self._send_out(keys)
        today = datetime.now(MOSCOW).date()
        body = {
            # SearchShipmentsRequest: "Формат даты: ДД-ММ-ГГГГ".
            "dateFrom": (today - timedelta(days=1)).strftime("%d-%m-%Y"),
            "dateTo": (today + SHIPMENT_DAYS_AHEAD).strftime("%d-%m-%Y"),
            "statuses": list(SHIPMENT_TO_HAND_OVER),
            "orderIds": keys,
            "cancelledOrders": False,
        }
        shipments: list[dict[str, Any]] = []
        path = f"/v2/campaigns/{self._campaign}/first-mile/shipments"
        token: str | None = None
        while True:
            params = {"limit": SHIPMENTS_PAGE, **({"pageToken": token} if token else {})}
            reply = await self._shipments.request("PUT", path, body=body, params=params, idempotent=True)
            raise_for(reply)
            page = result_of(reply)
            shipments += page.get("shipments") or []
            token = (page.get("paging") or {}).get("nextPageToken")
            if not token:
                break
        handovers = []
        for shipment in shipments:
            shipment_id = shipment.get("id")
            if not isinstance(shipment_id, int):
                raise MarketplaceError("yandex: a shipment without its id", code="bad_answer")
            if shipment.get("status") == "OUTBOUND_READY_FOR_CONFIRMATION":
                confirm = f"{path}/{shipment_id}/confirm"
                raise_for(await self._shipments.request("POST", confirm, idempotent=False))
            act = await self._shipments.request("GET", f"{path}/{shipment_id}/act")
            raise_for(act)
            if not act.raw.startswith(b"%PDF"):
                raise MarketplaceError(
                    f"yandex answered without a PDF ({act.headers.get('Content-Type', '?')})", code="bad_file"
                )
            ours = tuple(str(key) for key in shipment.get("orderIds") or [] if key in keys)
            document = Document(f"yandex-act-{shipment_id}.pdf", act.raw, "application/pdf")
            handovers.append(HandOver(str(shipment_id), ours, document))
        if not handovers:
            raise MarketplaceError(
                "yandex: no shipment of these orders is formed yet (Yandex forms it at the warehouse's cutoff)",
                code="no_shipment",
            )
        return handovers

    async def _send_out(self, keys: list[int]) -> list[HandOver]:
        """A DBS campaign delivers itself: handing over is telling Yandex each order went out with the shop's
        courier, DELIVERY/DELIVERY_SERVICE_RECEIVED (YM-DOCS dbs-order-status-model); an order refused stays
        confirmed here (the worker says it was not handed over)."""
        return [HandOver(None, tuple(await self._move_on(keys, "DELIVERY", "DELIVERY_SERVICE_RECEIVED")))]

    # -- the seller's own delivery (sync.adapter.SelfDelivery) ---------------------------------------------
    async def delivered(self, orders: list[WorkOrder]) -> list[str]:
        """A DBS campaign's courier handed the orders to their buyers: DELIVERED/DELIVERY_SERVICE_DELIVERED, the
        last step of the DBS status model, which only the shop takes. An FBS campaign's orders are delivered by
        Yandex: nothing is sent."""
        _, placement = await self._campaign_facts()
        if placement != DELIVERS_ITSELF:
            raise MarketplaceError(
                f"yandex: campaign {self._campaign} is {placement or '?'}; Yandex delivers its orders",
                code="marketplace_delivers",
            )
        keys = sorted({int(order.key) for order in orders if order.key.isdigit()})
        return await self._move_on(keys, "DELIVERED", "DELIVERY_SERVICE_DELIVERED") if keys else []

    async def _move_on(self, keys: list[int], status: str, substatus: str) -> list[str]:
        """updateOrderStatuses (paths/v2_campaigns_campaignId_orders_status-update.yaml), 30 orders a request,
        each answered OK or ERROR; the keys it took."""
        path = f"/v2/campaigns/{self._campaign}/orders/status-update"
        sent: list[str] = []
        for start in range(0, len(keys), STATUSES_BATCH):
            batch = keys[start : start + STATUSES_BATCH]
            body = {"orders": [{"id": key, "status": status, "substatus": substatus} for key in batch]}
            reply = await self._work.request("POST", path, body=body, idempotent=False)
            raise_for(reply)
            answered = result_of(reply).get("orders") or []
            sent += [str(row.get("id")) for row in answered if row.get("updateStatus") == "OK"]
        return sent

    async def returns(self, since: datetime | None) -> list[IncomingReturn]:
        """getReturns (paths/v2_campaigns_campaignId_returns.yaml): the campaign's returns and unredeemed orders
        (невыкупы) whose goods are back for the seller: waiting at the pickup point (READY_FOR_PICKUP) or taken
        (PICKED). One still on its way, lost or cancelled brings nothing back to decide on. ``fromDate`` filters
        by the update date, a day without a time: [strict] read as a Moscow day, so asked from the Moscow day
        of ``since``."""
        params: dict[str, Any] = {"shipmentStatuses": ",".join(RETURNED_TO_SELLER), "limit": RETURNS_PAGE}
        if since is not None:
            params["fromDate"] = since.astimezone(MOSCOW).date().isoformat()
        returns = []
        path = f"/v2/campaigns/{self._campaign}/returns"
        while True:
            reply = await self._returns.request("GET", path, params=params)
            raise_for(reply)
            page = result_of(reply)
            returns += [_return(row) for row in page.get("returns") or []]
            token = (page.get("paging") or {}).get("nextPageToken")
            if not token:
                return returns
            params["pageToken"] = token

    # -- buyers' cancellation requests (sync.adapter.CancellationRequests) -------------------------------------
    async def cancellation_requests(self, since: datetime | None) -> list[IncomingCancellationRequest]:
        """A DBS campaign's orders in DELIVERY or PICKUP whose buyer asked to cancel (waitingForCancellationApprove,
        cancelRequested); another campaign's buyers wait for no answer, so nothing is asked. The spec lists them
        by no request date (``since`` is of no use) and looks at 30 days of creation dates unless told: [strict]
        an order may be asked about however long its delivery takes, so every 30-day window of the last year is
        asked (13 requests a pull, of getBusinessOrders' 10 000 an hour). The request's time and the buyer's
        reason are not in BusinessOrderDTO: the pull's time stands for it."""
        if (await self._campaign_facts())[1] != ANSWERS_CANCELLATIONS:
            return []
        asked: dict[str, IncomingCancellationRequest] = {}
        for window in _windows(datetime.now(UTC) - CATCH_UP_MOST):
            async for row in self._order_rows({"waitingForCancellationApprove": True, "dates": window}):
                if row.get("cancelRequested") is True and row.get("orderId") is not None:
                    key = str(row["orderId"])
                    asked.setdefault(key, IncomingCancellationRequest(key))
        return list(asked.values())

    async def answer_cancellation(self, order: WorkOrder, accept: bool, reason: CancellationRefusal | None) -> None:
        """acceptOrderCancellation (paths/v2_campaigns_campaignId_orders_orderId_cancellation_accept.yaml):
        ``accepted`` true cancels the order there; false keeps it and needs the reason the buyer is told."""
        body: dict[str, Any] = {"accepted": accept}
        if not accept:
            code = CANCELLATION_REFUSALS.get(reason) if reason is not None else None
            if code is None:
                raise MarketplaceError(
                    f"yandex has no refusal reason for {reason!r}", code="no_cancel_reason", detail=str(reason)
                )
            body["reason"] = code
        path = self._order_path(order, "/cancellation/accept")
        reply = await self._answers.request("PUT", path, body=body, idempotent=False)
        raise_for(reply)

    def _order_path(self, order: WorkOrder, tail: str) -> str:
        if not order.key.isdigit():
            raise MarketplaceError(f"yandex: {order.key!r} is no order id", code="bad_key", detail=order.key)
        return f"/v2/campaigns/{self._campaign}/orders/{order.key}{tail}"


# -- reading Yandex's answers -----------------------------------------------------------------------------------
def _names(message: str, sku: str) -> bool:
    """Does the refusal name this SKU as a whole word (not as part of a longer one)?"""
    return re.search(rf"(?<![\w.-]){re.escape(sku)}(?![\w.-])", message) is not None


def _by_offer(listings: list[Listing]) -> dict[str, int]:
    return {listing.keys["offer_id"]: listing.mapping_id for listing in listings if "offer_id" in listing.keys}


def _return(row: dict[str, Any]) -> IncomingReturn:
    """ReturnDTO.yaml: lines by shopSku (our offer id) and count; the reason is the first decision's, the goods
    defective when Yandex's check put any unit in an unfit stock type (ReturnInstanceDTO.stockType)."""
    items = row.get("items") or []
    decisions = [decision for item in items for decision in item.get("decisions") or []]
    instances = [instance for item in items for instance in item.get("instances") or []]
    reason = next((RETURN_REASONS.get(d.get("reasonType")) for d in decisions if d.get("reasonType")), None)
    if row.get("returnType") == "UNREDEEMED":
        reason = UNREDEEMED
    return IncomingReturn(
        key=str(row["id"]),
        order_key=str(row["orderId"]),
        lines=tuple(
            IncomingLine(
                quantity=int(item.get("count") or 0),
                seller_sku=item.get("shopSku"),
                keys=ListingKeys(offer_id=item.get("shopSku")),
            )
            for item in items
        ),
        reason=reason,
        defective=any(instance.get("stockType") in DEFECTIVE_STOCK for instance in instances),
        returned_at=_moment(row.get("updateDate")),
    )


def _money(value: Any) -> Decimal | None:
    return None if value in (None, "", 0) else Decimal(str(value))


def _moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if isinstance(value, str) and value else None


def _deadline(value: Any) -> datetime | None:
    """A shipment date (YYYY-MM-DD in BusinessOrderDTO, DD-MM-YYYY in OrderDTO). [strict] The spec gives no hour:
    the deadline is the day's start in Moscow time, the earliest it can mean."""
    if not isinstance(value, str) or not value:
        return None
    day = date.fromisoformat(value) if value[4:5] == "-" else datetime.strptime(value, "%d-%m-%Y").date()
    return datetime.combine(day, time(0), MOSCOW).astimezone(UTC)


def _windows(since: datetime) -> list[dict[str, str]]:
    """Creation-date windows from ``since`` to today, each at most 30 days, the ...To day excluded. A day early
    and two days late, as Yandex may count dates in Moscow time."""
    start = since.astimezone(UTC).date() - timedelta(days=1)
    end = datetime.now(UTC).date() + timedelta(days=2)
    windows = []
    while start < end:
        stop = min(start + ORDER_WINDOW, end)
        windows.append({"creationDateFrom": start.isoformat(), "creationDateTo": stop.isoformat()})
        start = stop
    return windows


def _dates_around(first: datetime, last: datetime) -> dict[str, str] | None:
    """A creation-date window holding orders placed from ``first`` to ``last`` (our placement time may be when we
    imported the order, a little after Yandex's), or None when it would be wider than 30 days."""
    start = first.astimezone(UTC).date() - timedelta(days=2)
    stop = last.astimezone(UTC).date() + timedelta(days=2)
    if stop - start > ORDER_WINDOW:
        return None
    return {"creationDateFrom": start.isoformat(), "creationDateTo": stop.isoformat()}


def _order(row: dict[str, Any]) -> IncomingOrder:
    """BusinessOrderDTO.yaml; an item's ``prices.payment`` is the line's total (ItemPriceDTO.yaml)."""
    lines = []
    currency = None
    for item in row.get("items") or []:
        quantity = int(item.get("count") or 0)
        payment = (item.get("prices") or {}).get("payment") or {}
        total = _money(payment.get("value"))
        currency = currency or payment.get("currencyId")
        lines.append(
            IncomingLine(
                quantity=quantity,
                price=(total / quantity).quantize(Decimal("0.01")) if total is not None and quantity else None,
                title=item.get("offerName") or "",
                seller_sku=item.get("offerId"),
                keys=ListingKeys(offer_id=item.get("offerId")),
            )
        )
    shipment = ((row.get("delivery") or {}).get("shipment") or {}).get("shipmentDate")
    return IncomingOrder(
        str(row["orderId"]),
        tuple(lines),
        cancelled=row.get("status") == "CANCELLED",
        placed_at=_moment(row.get("creationDate")),
        deadline=_deadline(shipment),
        currency=iso_currency(currency or ((row.get("prices") or {}).get("payment") or {}).get("currencyId")),
        seller_delivers=row.get("programType") == DELIVERS_ITSELF,
    )
