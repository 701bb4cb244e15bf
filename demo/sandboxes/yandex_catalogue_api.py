"""Yandex Market catalogue, stocks and prices of the sandbox (YM-OAS: yandex-market/yandex-market-partner-api,
commit 1318e9b): updateStocks and getStocks (paths/v2_campaigns_campaignId_offers_stocks.yaml), getOfferMappings
(paths/v2_businesses_businessId_offer-mappings.yaml), getDefaultPrices (paths/v2_businesses_businessId_offer-prices
.yaml) and getPricesByOfferIds (paths/v2_campaigns_campaignId_offer-prices.yaml), and the test side's catalogue and
stock controls.

Where the spec is silent the sandbox takes the stricter reading; each such place says so in a comment ("[strict]").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiohttp import web

from demo.sandboxes.common import rfc3339
from demo.sandboxes.yandex_campaigns_api import YandexCampaignApi
from demo.sandboxes.yandex_models import YmOffer
from demo.sandboxes.yandex_wire import (
    CURRENCY,
    bad,
    boolean,
    integer,
    iso_moment,
    money,
    object_body,
    ok,
    page_token,
    paged,
    query_limit,
    shop_sku,
    shop_sku_or_value_error,
    unique_list,
)


class YandexCatalogueApi(YandexCampaignApi):
    """Handlers and controls over the offers and the stock per campaign the sandbox holds."""

    offers: dict[str, YmOffer]
    available: dict[tuple[int, str], int]
    reserved: dict[tuple[int, str], int]
    stock_updated: dict[tuple[int, str], datetime]
    charge_items: Callable[[str, int], None]

    # -- stocks ----------------------------------------------------------------------------------------------
    async def _update_stocks(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_offers_stocks.yaml PUT, schemas/UpdateStocksRequest.yaml: skus
        1..2000, each sku once, items exactly one {count 0..2000000000, updatedAt?}."""
        campaign = self.campaign_of(request)
        body = object_body(await request.read(), required=True, allowed={"skus"})
        skus = body.get("skus")
        if not isinstance(skus, list) or not 1 <= len(skus) <= 2000:
            raise bad("skus must be an array of 1..2000 items")
        wanted: dict[str, tuple[int, datetime]] = {}
        for index, entry in enumerate(skus):
            where = f"skus[{index}]"
            if not isinstance(entry, dict) or set(entry) - {"sku", "items"}:
                raise bad(f"{where} must be an object with sku and items")
            sku = shop_sku(entry.get("sku"), f"{where}.sku")
            if sku in wanted:
                raise bad(f"sku {sku!r} is repeated; every sku may appear once per request")
            items = entry.get("items")
            if not isinstance(items, list) or len(items) != 1 or not isinstance(items[0], dict):
                raise bad(f"{where}.items must hold exactly one object")
            if set(items[0]) - {"count", "updatedAt"}:
                raise bad(f"{where}.items[0] has unknown fields")
            amount = integer(items[0].get("count"), f"{where}.items[0].count", 0, 2_000_000_000)
            at = iso_moment(items[0].get("updatedAt"), f"{where}.items[0].updatedAt") or self.now()
            wanted[sku] = (amount, at)
        # [strict] The spec sends unknown SKUs to concepts/error-codes#stocks, which it does not include: the
        # sandbox refuses the whole request and changes nothing.
        unknown = [sku for sku in wanted if sku not in self.offers]
        if unknown:
            raise bad(f"offers not in the catalogue: {', '.join(unknown)}")
        self.charge_items("updateStocks", len(wanted))
        for sku, (amount, at) in wanted.items():
            self.available[(campaign["id"], sku)] = amount
            self.stock_updated[(campaign["id"], sku)] = at
        return ok()

    async def _get_stocks(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_offers_stocks.yaml POST, schemas/GetWarehouseStocksRequest.yaml;
        limit 1..200 (default 100, PageLimit200.yaml). Stocks by type: AVAILABLE (orderable), FREEZE (held
        for orders), FIT (both) — WarehouseStockType.yaml."""
        campaign = self.campaign_of(request)
        body = object_body(
            await request.read(),
            required=False,
            allowed={"stocksWarehouseId", "hasStocks", "withTurnover", "archived", "offerIds"},
        )
        offer_ids = unique_list(body.get("offerIds"), "offerIds", 500, shop_sku)
        archived = boolean(body.get("archived"), "archived")
        has_stocks = boolean(body.get("hasStocks"), "hasStocks")
        boolean(body.get("withTurnover"), "withTurnover")  # turnover is FBY-only; nothing to add for FBS/DBS
        warehouse = self.warehouses[campaign["id"]]
        if body.get("stocksWarehouseId") is not None:
            if integer(body["stocksWarehouseId"], "stocksWarehouseId", 1) != warehouse:
                return ok({"warehouses": [], "paging": {}})
        token, limit = page_token(request), query_limit(request, 100, 200)
        if offer_ids is not None:
            # "Такой список возвращается только целиком": with offerIds no pageToken, limit or archived.
            if token is not None or "limit" in request.query or archived is not None:
                raise bad("with offerIds do not send pageToken, limit or archived")
            rows = [self.offers[o] for o in offer_ids if o in self.offers]
            paging: dict[str, str] = {}
        else:
            rows = [o for o in self.offers.values() if o.archived == bool(archived)]
            if has_stocks is not None:
                rows = [o for o in rows if (self._fit(campaign["id"], o.offer_id) > 0) == has_stocks]
            rows, paging = paged(rows, token, limit or 100)
        offers = [self._stock_row(campaign["id"], offer) for offer in rows]
        self.charge_items("getStocks", max(1, len(offers)))
        warehouses = [{"warehouseId": warehouse, "offers": offers}] if offers else []
        return ok({"warehouses": warehouses, "paging": paging})

    def _fit(self, campaign_id: int, offer_id: str) -> int:
        key = (campaign_id, offer_id)
        return self.available.get(key, 0) + self.reserved.get(key, 0)

    def _stock_row(self, campaign_id: int, offer: YmOffer) -> dict[str, Any]:
        key = (campaign_id, offer.offer_id)
        row: dict[str, Any] = {
            "offerId": offer.offer_id,
            "stocks": [
                {"type": "FIT", "count": self._fit(campaign_id, offer.offer_id)},
                {"type": "FREEZE", "count": self.reserved.get(key, 0)},
                {"type": "AVAILABLE", "count": self.available.get(key, 0)},
            ],
        }
        if key in self.stock_updated:
            row["updatedAt"] = rfc3339(self.stock_updated[key])
        return row

    # -- catalogue and prices --------------------------------------------------------------------------------
    async def _offer_mappings(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_businesses_businessId_offer-mappings.yaml, schemas/GetOfferMappingsRequest.yaml;
        limit 1..100, default 50 (PageLimit100Truncate.yaml). offerIds (1..100) are answered whole."""
        self.check_business(request)
        body = object_body(
            await request.read(),
            required=False,
            allowed={"offerIds", "cardStatuses", "categoryIds", "vendorNames", "tags", "archived"},
        )
        offer_ids = unique_list(body.get("offerIds"), "offerIds", 100, shop_sku)
        archived = boolean(body.get("archived"), "archived")
        for name in ("cardStatuses", "categoryIds", "vendorNames", "tags"):
            if body.get(name) is not None and not (isinstance(body[name], list) and body[name]):
                raise bad(f"{name} must be a non-empty array")
        token, limit = page_token(request), query_limit(request, 50, 100)
        if offer_ids is not None:
            filters = ("cardStatuses", "categoryIds", "vendorNames", "tags", "archived")
            if token is not None or "limit" in request.query or any(body.get(f) is not None for f in filters):
                raise bad("with offerIds do not send pageToken, limit, cardStatuses, categoryIds, ... or archived")
            rows = [self.offers[o] for o in offer_ids if o in self.offers]
            paging: dict[str, str] = {}
        else:
            # [strict] The sandbox's offers have no category, vendor or tags: those filters match nothing.
            rows = [o for o in self.offers.values() if archived is None or o.archived == archived]
            if any(body.get(f) is not None for f in ("categoryIds", "vendorNames", "tags")):
                rows = []
            if body.get("cardStatuses") is not None and "HAS_CARD_CAN_UPDATE" not in body["cardStatuses"]:
                rows = []
            rows, paging = paged(rows, token, limit or 50)
        mappings = [self._mapping(offer) for offer in rows]
        return ok({"offerMappings": mappings, "paging": paging})

    def _mapping(self, offer: YmOffer) -> dict[str, Any]:
        body: dict[str, Any] = {
            "offerId": offer.offer_id,
            "name": offer.name,
            "basicPrice": {"value": money(offer.price), "currencyId": CURRENCY, "updatedAt": rfc3339(offer.updated_at)},
            "cardStatus": "HAS_CARD_CAN_UPDATE",
            "archived": offer.archived,
        }
        if offer.barcodes:
            body["barcodes"] = list(offer.barcodes)
        return {"offer": body, "mapping": {"marketSku": offer.market_sku, "marketSkuName": offer.name}}

    async def _default_prices(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_businesses_businessId_offer-prices.yaml (getDefaultPrices), GetDefaultPricesRequest
        offerIds 1..200; limit 1..500, default 250."""
        self.check_business(request)
        body = object_body(await request.read(), required=False, allowed={"offerIds", "archived"})
        offer_ids = unique_list(body.get("offerIds"), "offerIds", 200, shop_sku)
        archived = boolean(body.get("archived"), "archived")
        rows, paging = self._price_rows(request, offer_ids, archived)
        offers = [
            {
                "offerId": o.offer_id,
                "price": {"value": money(o.price), "currencyId": CURRENCY, "updatedAt": rfc3339(o.updated_at)},
            }
            for o in rows
        ]
        self.charge_items("getDefaultPrices", max(1, len(offers)))
        return ok({"offers": offers, "paging": paging})

    async def _campaign_prices(self, request: web.Request) -> web.StreamResponse:
        """YM-OAS paths/v2_campaigns_campaignId_offer-prices.yaml POST (getPricesByOfferIds, the replacement of
        the deprecated GET), GetPricesByOfferIdsRequest offerIds 1..500; limit 1..500, default 250."""
        self.campaign_of(request)
        body = object_body(await request.read(), required=False, allowed={"offerIds"})
        offer_ids = unique_list(body.get("offerIds"), "offerIds", 500, shop_sku)
        rows, paging = self._price_rows(request, offer_ids, None)
        offers = [
            {
                "offerId": o.offer_id,
                "price": {"value": money(o.price), "currencyId": CURRENCY},
                "updatedAt": rfc3339(o.updated_at),
            }
            for o in rows
        ]
        self.charge_items("getPricesByOfferIds", max(1, len(offers)))
        return ok({"offers": offers, "paging": paging})

    def _price_rows(
        self, request: web.Request, offer_ids: list[str] | None, archived: bool | None
    ) -> tuple[list[YmOffer], dict[str, str]]:
        token, limit = page_token(request), query_limit(request, 250, 500)
        if offer_ids is not None:
            # [strict] As for offer-mappings and stocks: a list by offerIds is answered whole, so no paging.
            if token is not None or "limit" in request.query:
                raise bad("with offerIds do not send pageToken or limit")
            return [self.offers[o] for o in offer_ids if o in self.offers], {}
        rows = [o for o in self.offers.values() if o.archived == bool(archived)]
        return paged(rows, token, limit or 250)

    # -- control (test side) ---------------------------------------------------------------------------------
    def load_catalog(self, items: Iterable[Mapping[str, Any]], *, replace: bool = False) -> int:
        """Items ``{offer_id, market_sku, name, barcodes, price (RUB), stock}``; ``stock`` is orderable stock at the
        default campaign (or ``stocks: {campaign_id: n}``); ``archived`` optional."""
        if replace:
            self.offers.clear()
            self.available.clear()
            self.reserved.clear()
            self.stock_updated.clear()
        loaded = 0
        for raw in items:
            data = dict(raw)
            unknown = set(data) - {"offer_id", "market_sku", "name", "barcodes", "price", "stock", "stocks", "archived"}
            if unknown:
                raise ValueError(f"unknown catalogue fields {sorted(unknown)}")
            offer_id = shop_sku_or_value_error(data.get("offer_id"))
            offer = YmOffer(
                offer_id=offer_id,
                market_sku=int(data.get("market_sku", 0)),
                name=str(data.get("name", offer_id)),
                barcodes=[str(b) for b in data.get("barcodes", [])],
                price=Decimal(str(data.get("price", "0"))),
                archived=bool(data.get("archived", False)),
                updated_at=self.now(),
            )
            self.offers[offer_id] = offer
            stocks = data.get("stocks")
            if stocks is None and data.get("stock") is not None:
                stocks = {self.default_campaign: data["stock"]}
            for campaign_id, amount in (stocks or {}).items():
                if int(campaign_id) not in self.campaigns:
                    raise KeyError(campaign_id)
                self.available[(int(campaign_id), offer_id)] = int(amount)
                self.stock_updated[(int(campaign_id), offer_id)] = self.now()
            loaded += 1
        return loaded

    def stock_of(self, key: Any, warehouse_id: int | None = None) -> int:
        """Orderable (AVAILABLE) stock of an offer; ``warehouse_id`` here is a campaign id (default: the first)."""
        offer_id = str(key)
        if offer_id not in self.offers:
            raise KeyError(key)
        campaign_id = warehouse_id or self.default_campaign
        if campaign_id not in self.campaigns:
            raise KeyError(campaign_id)
        return self.available.get((campaign_id, offer_id), 0)

    def reserved_of(self, offer_id: str, campaign_id: int | None = None) -> int:
        return self.reserved.get((campaign_id or self.default_campaign, offer_id), 0)

    def stock_snapshot(self) -> list[dict[str, Any]]:
        keys = sorted(set(self.available) | set(self.reserved))
        return [
            {
                "campaign_id": c,
                "offer_id": o,
                "available": self.available.get((c, o), 0),
                "reserved": self.reserved.get((c, o), 0),
            }
            for c, o in keys
        ]
