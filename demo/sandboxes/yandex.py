"""Yandex Market Partner API sandbox, strict to the official OpenAPI (YM-OAS: yandex-market/yandex-market-partner-api,
commit 1318e9b): campaigns, stocks, catalogue, prices, business orders and the FBS/DBS order work (status, boxes,
labels, the buyer's cancellation, the first-mile shipment and its act), returns and unredeemed orders, the orders'
statistics with what each order is billed (demo/sandboxes/yandex_stats.py), per-operation limits answered with 420,
and the notifications Yandex POSTs to a shop (YM-NOTIFY: yandex.ru/dev/market/partner-api/doc/ru/push-notifications/
reference/sendNotification; the DBS status model, YM-DOCS, is
yandex.com/dev/market/partner-api/doc/ru/concepts/dbs-order-status-model).

This module composes the sandbox: its routes, the key's auth, accesses and budgets, and the demo's platform. Each
endpoint family lives in a mixin of its own (yandex_campaigns_api, yandex_catalogue_api, yandex_orders_api,
yandex_order_work_api, yandex_returns_api, yandex_shipments_api, yandex_stats_api, yandex_notify), the records in
yandex_models, the wire helpers in yandex_wire, the accesses and limits in yandex_limits.

Where the spec is silent the sandbox takes the stricter reading; each such place says so in a comment ("[strict]").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.cbu import DEMO as DEMO_RATES
from demo.sandboxes.common import SandboxServer, utc_now
from demo.sandboxes.demo_platform import DemoAccount, DemoListing, DemoPlatform, SeededProduct
from demo.sandboxes.yandex_catalogue_api import YandexCatalogueApi
from demo.sandboxes.yandex_limits import ANY_ACCESS, LIMITS, SCOPES, Budget
from demo.sandboxes.yandex_models import YmOffer, YmOrder, YmReturn, YmShipment
from demo.sandboxes.yandex_notify import Delivery, YandexNotifier
from demo.sandboxes.yandex_order_work_api import YandexOrderWorkApi
from demo.sandboxes.yandex_returns_api import YandexReturnApi
from demo.sandboxes.yandex_shipments_api import YandexShipmentApi
from demo.sandboxes.yandex_stats_api import YandexStatsApi
from demo.sandboxes.yandex_wire import ApiError, ym_error

DEFAULT_BUSINESS = {"id": 7_700_001, "name": "Sandbox business"}
DEFAULT_CAMPAIGNS: tuple[Mapping[str, Any], ...] = (
    {"id": 21_000_001, "domain": "sandbox-fbs.example", "placementType": "FBS"},
)


# -- the server -----------------------------------------------------------------------------------------------
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class YandexSandbox(
    YandexCatalogueApi,
    YandexOrderWorkApi,
    YandexReturnApi,
    YandexShipmentApi,
    YandexStatsApi,
    YandexNotifier,
    SandboxServer,
):
    """One key (``Api-Key``, holding ``scopes``) that sees one business and its campaigns (shops), each given as
    ``{id, domain?, placementType: FBS|DBS, warehouseId?}``. ``base_url`` stands for
    ``https://api.partner.market.yandex.ru``."""

    def __init__(
        self,
        *,
        api_key: str = "ym-sandbox-api-key",
        business: Mapping[str, Any] = DEFAULT_BUSINESS,
        campaigns: Iterable[Mapping[str, Any]] = DEFAULT_CAMPAIGNS,
        scopes: Iterable[str] = ("all-methods",),
        rate_limit: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key = api_key
        self.scopes = frozenset(scopes)
        unknown = self.scopes - ANY_ACCESS
        if unknown:
            raise ValueError(f"unknown accesses {sorted(unknown)}")
        self.rate_limit = rate_limit
        self.business: dict[str, Any] = {"id": int(business["id"]), "name": str(business["name"])}
        self.campaigns: dict[int, dict[str, Any]] = {}
        self.warehouses: dict[int, int] = {}  # campaign -> its partner warehouse
        for number, raw in enumerate(campaigns, start=1):
            placement = str(raw.get("placementType", "FBS"))
            if placement not in ("FBS", "DBS"):
                raise ValueError("the sandbox serves FBS and DBS campaigns")
            campaign_id = int(raw["id"])
            self.campaigns[campaign_id] = {
                "domain": str(raw.get("domain", f"campaign-{campaign_id}")),
                "id": campaign_id,
                "business": dict(self.business),
                "placementType": placement,
                "apiAvailability": "AVAILABLE",
            }
            self.warehouses[campaign_id] = int(raw.get("warehouseId", 1_500_000 + number))
        if not self.campaigns:
            raise ValueError("at least one campaign")
        self.offers: dict[str, YmOffer] = {}
        self.available: dict[tuple[int, str], int] = {}
        self.reserved: dict[tuple[int, str], int] = {}
        self.stock_updated: dict[tuple[int, str], datetime] = {}
        self.orders: dict[int, YmOrder] = {}
        self.returns: dict[int, YmReturn] = {}
        self.shipments: dict[int, YmShipment] = {}
        self.notifications: list[dict[str, Any]] = []  # every notification Yandex would have sent, in order
        self.deliveries: list[Delivery] = []
        self._operations: dict[tuple[str, str], str] = {}
        self._budgets: dict[str, Budget] = {}
        self._order_ids = count(5_000_000_001)
        self._item_ids = count(80_000_001)
        self._box_ids = count(90_000_001)
        self._return_ids = count(30_000_001)
        self._shipment_ids = count(40_000_001)
        self.now: Callable[[], datetime] = utc_now
        super().__init__(host=host, port=port)

    # -- routes ----------------------------------------------------------------------------------------------
    def add_routes(self, router: web.UrlDispatcher) -> None:
        campaign = "/v2/campaigns/{campaignId}"
        order = campaign + "/orders/{orderId}"
        shipment = campaign + "/first-mile/shipments/{shipmentId}"
        for method, path, operation, handler in (
            ("GET", "/v2/campaigns", "getCampaigns", self._campaigns),
            ("GET", campaign, "getCampaign", self._campaign),
            ("PUT", campaign + "/offers/stocks", "updateStocks", self._update_stocks),
            ("POST", campaign + "/offers/stocks", "getStocks", self._get_stocks),
            ("POST", "/v2/businesses/{businessId}/offer-mappings", "getOfferMappings", self._offer_mappings),
            ("POST", "/v2/businesses/{businessId}/offer-prices", "getDefaultPrices", self._default_prices),
            ("POST", campaign + "/offer-prices", "getPricesByOfferIds", self._campaign_prices),
            ("POST", "/v1/businesses/{businessId}/orders", "getBusinessOrders", self._business_orders),
            ("GET", order, "getOrder", self._get_order),
            ("PUT", order + "/status", "updateOrderStatus", self._update_status),
            ("POST", campaign + "/orders/status-update", "updateOrderStatuses", self._update_statuses),
            ("PUT", order + "/boxes", "setOrderBoxLayout", self._set_boxes),
            ("GET", order + "/delivery/labels", "generateOrderLabels", self._labels),
            ("PUT", order + "/cancellation/accept", "acceptOrderCancellation", self._accept_cancellation),
            ("GET", campaign + "/returns", "getReturns", self._returns),
            ("PUT", campaign + "/first-mile/shipments", "searchShipments", self._search_shipments),
            ("POST", shipment + "/confirm", "confirmShipment", self._confirm_shipment),
            ("GET", shipment + "/act", "downloadShipmentAct", self._shipment_act),
            ("POST", campaign + "/stats/orders", "getOrdersStats", self._orders_stats),
        ):
            router.add_route(method, path, self._refusals(handler))
            self._operations[(method, path)] = operation

    def _refusals(self, handler: Handler) -> Handler:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except ApiError as exc:
                return ym_error(exc.status, exc.message)

        return wrapped

    # -- errors, auth, limits --------------------------------------------------------------------------------
    def error_response(self, status: int, message: str) -> web.StreamResponse:
        return ym_error(status, message)

    def check_auth(self, request: web.Request) -> web.StreamResponse | None:
        """YM-OAS components/responses/401.yaml (no credentials) and 403.yaml (wrong credentials)."""
        key = request.headers.get("Api-Key")
        if not key:
            return ym_error(401, "Api-Key header is required")
        if key != self.api_key:
            return ym_error(403, "Api-Key is invalid")
        return None

    def _operation(self, request: web.Request) -> str | None:
        route = request.match_info.route
        resource = route.resource
        return None if resource is None else self._operations.get((route.method, resource.canonical))

    def budget(self, operation: str) -> Budget:
        if operation not in self._budgets:
            self._budgets[operation] = Budget(LIMITS[operation])
        return self._budgets[operation]

    def admit(self, request: web.Request) -> web.StreamResponse | None:
        """Before the handler: the key's accesses (403 without one the operation takes), then the operation's
        budget (YM-OAS components/responses/420.yaml). [strict] A 420 carries no header saying how long to wait
        (the spec names none)."""
        operation = self._operation(request)
        if operation is None:
            return None
        if not self.scopes & SCOPES[operation]:
            return ym_error(403, f"the Api-Key has no access to {operation}")
        if not self.rate_limit:
            return None
        budget = self.budget(operation)
        if not budget.fits(1):
            return ym_error(420, f"{operation}: limit of {budget.limit.amount} exceeded")
        if not budget.limit.per_item:
            budget.charge(1)
        return None

    def charge_items(self, operation: str, units: int) -> None:
        """Per-item budgets: a request asking more than is left is refused whole (420)."""
        if not self.rate_limit:
            return
        budget = self.budget(operation)
        if not budget.fits(units):
            raise ApiError(420, f"{operation}: limit of {budget.limit.amount} items exceeded")
        budget.charge(units)

    # -- control (test side) ---------------------------------------------------------------------------------
    def buyer_orders(self, items: Any, **options: Any) -> dict[str, Any]:
        return self.business_order(self.orders[self.place_order(items, **options)])

    def buyer_cancels(self, order_id: int, **options: Any) -> dict[str, Any]:
        return self.request_cancellation(order_id)

    def reset(self) -> None:
        super().reset()
        self.offers.clear()
        self.available.clear()
        self.reserved.clear()
        self.stock_updated.clear()
        self.orders.clear()
        self.returns.clear()
        self.shipments.clear()
        self.notifications.clear()
        self.deliveries.clear()
        self._budgets.clear()


DEMO_API_KEY = "demo-yandex-key"


def demo_account(listings: list[DemoListing]) -> DemoAccount:
    """The demo's Yandex Market cabinet: one FBS campaign with the demo's offers (shop SKU and Market SKU); the
    campaign is the connection's shop."""
    yandex = YandexSandbox(api_key=DEMO_API_KEY, rate_limit=False)
    yandex.load_catalog(
        [
            {
                "offer_id": listing.keys["offer_id"],
                "market_sku": int(listing.keys["market_sku"]),
                "name": listing.name_ru or listing.name_uz,
                "barcodes": [listing.barcode] if listing.barcode else [],
                "price": _roubles(listing),
                "stock": listing.stock,
            }
            for listing in listings
            if "offer_id" in listing.keys and "market_sku" in listing.keys
        ]
    )
    return DemoAccount(yandex, token=DEMO_API_KEY, shop_id=yandex.default_campaign)


def _roubles(listing: DemoListing) -> Decimal:
    """Market prices are in roubles (YM-OAS CurrencyType RUR), never in so'm: the demo's so'm price at the demo
    bank's rate, or the roubles Market's own price read left there."""
    if listing.price_currency == "RUB":
        return listing.price
    return (listing.price / DEMO_RATES["RUB"].rate).quantize(Decimal("0.01"))


def _demo_keys(product: SeededProduct) -> dict[str, str | None]:
    return {"offer_id": product.sku, "market_sku": str(101_000_000 + product.id)}


DEMO = DemoPlatform(
    commission=Decimal("15.00"), sku_prefix="YM", russian_listings=True, keys=_demo_keys, account=demo_account
)
