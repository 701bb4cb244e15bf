"""What a Yandex Market key may call and how often (YM-OAS: yandex-market/yandex-market-partner-api, commit 1318e9b):
each operation's ``x-auth-scopes`` (the accesses that let a key call it, 403 without one) and its
``x-resource-limit-config`` budget (420 when spent), counted in fixed windows.

Where the spec is silent the sandbox takes the stricter reading; each such place says so in a comment ("[strict]").
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


# -- limits (YM-OAS x-resource-limit-config) ---------------------------------------------------------------------
@dataclass(frozen=True)
class Limit:
    """``amount`` per ``seconds``; ``per_item`` when the config's ``path`` counts items, not requests."""

    amount: int
    seconds: float
    per_item: bool = False


# [strict] The "none" tier (the smaller where tiers differ), and one budget per key for all its campaigns.
LIMITS: dict[str, Limit] = {
    "getCampaigns": Limit(1000, 3600),  # paths/v2_campaigns.yaml
    "getCampaign": Limit(5000, 3600),  # paths/v2_campaigns_campaignId.yaml
    "updateStocks": Limit(100_000, 60, per_item=True),  # paths/v2_campaigns_campaignId_offers_stocks.yaml req.skus
    "getStocks": Limit(100_000, 60, per_item=True),  # resp.result.warehouses.offers.offerId
    "getOfferMappings": Limit(100, 60),  # paths/v2_businesses_businessId_offer-mappings.yaml
    "getDefaultPrices": Limit(5000, 60, per_item=True),  # paths/v2_businesses_businessId_offer-prices.yaml
    "getPricesByOfferIds": Limit(10_000, 60, per_item=True),  # paths/v2_campaigns_campaignId_offer-prices.yaml
    "getBusinessOrders": Limit(10_000, 3600),  # paths/v1_businesses_businessId_orders.yaml
    "getOrder": Limit(10_000, 3600),  # paths/v2_campaigns_campaignId_orders_orderId.yaml
    "updateOrderStatus": Limit(10_000, 3600),  # paths/v2_campaigns_campaignId_orders_orderId_status.yaml
    "updateOrderStatuses": Limit(10_000, 3600, per_item=True),  # ..._orders_status-update.yaml resp.result.orders
    "setOrderBoxLayout": Limit(10_000, 3600),  # paths/v2_campaigns_campaignId_orders_orderId_boxes.yaml
    "generateOrderLabels": Limit(10_000, 3600),  # ..._orders_orderId_delivery_labels.yaml
    "acceptOrderCancellation": Limit(500, 3600),  # ..._orders_orderId_cancellation_accept.yaml
    "getReturns": Limit(5000, 3600),  # paths/v2_campaigns_campaignId_returns.yaml
    "searchShipments": Limit(200, 3600),  # paths/v2_campaigns_campaignId_first-mile_shipments.yaml
    "confirmShipment": Limit(200, 3600),  # ..._first-mile_shipments_shipmentId_confirm.yaml
    "downloadShipmentAct": Limit(200, 3600),  # ..._first-mile_shipments_shipmentId_act.yaml
    "getOrdersStats": Limit(10_000, 3600),  # paths/v2_campaigns_campaignId_stats_orders.yaml
}

# YM-OAS x-auth-scopes: the accesses an Api-Key may hold that let it call each operation (a key holding none of
# them is refused with 403). Note that pushing stock needs offers-and-cards-management, not order processing.
ANY_ACCESS = frozenset(
    {
        "all-methods",
        "all-methods:read-only",
        "settings-management",
        "finance-and-accounting",
        "offers-and-cards-management",
        "offers-and-cards-management:read-only",
        "pricing",
        "pricing:read-only",
        "inventory-and-order-processing",
        "inventory-and-order-processing:read-only",
        "promotion",
        "promotion:read-only",
        "communication",
        "supplies-management:read-only",
    }
)
_CATALOGUE_READ = frozenset(
    {"all-methods", "all-methods:read-only", "offers-and-cards-management", "offers-and-cards-management:read-only"}
)
_PRICES_READ = frozenset({"all-methods", "all-methods:read-only", "pricing", "pricing:read-only"})
_ORDERS_READ = frozenset(
    {
        "all-methods",
        "all-methods:read-only",
        "inventory-and-order-processing",
        "inventory-and-order-processing:read-only",
        "finance-and-accounting",
    }
)
_ORDERS_WRITE = frozenset({"all-methods", "inventory-and-order-processing"})
SCOPES: dict[str, frozenset[str]] = {
    "getCampaigns": ANY_ACCESS,
    "getCampaign": ANY_ACCESS,
    "updateStocks": frozenset({"all-methods", "offers-and-cards-management"}),
    "getStocks": _CATALOGUE_READ,
    "getOfferMappings": _CATALOGUE_READ,
    "getDefaultPrices": _PRICES_READ,
    "getPricesByOfferIds": _PRICES_READ,
    "getBusinessOrders": _ORDERS_READ,
    "getOrder": _ORDERS_READ | {"communication"},
    "updateOrderStatus": _ORDERS_WRITE,
    "updateOrderStatuses": _ORDERS_WRITE,
    "setOrderBoxLayout": _ORDERS_WRITE,
    "generateOrderLabels": _ORDERS_WRITE,
    "acceptOrderCancellation": _ORDERS_WRITE,
    # paths/v2_campaigns_campaignId_returns.yaml x-auth-scopes: order processing, not finance.
    "getReturns": _ORDERS_READ - {"finance-and-accounting"},
    # The first-mile shipment: read with order access, confirmed and its act made only with write access.
    "searchShipments": _ORDERS_READ - {"finance-and-accounting"},
    "confirmShipment": _ORDERS_WRITE,
    "downloadShipmentAct": _ORDERS_WRITE,
    # Not finance-and-accounting: the spec's x-auth-scopes of getOrdersStats do not list it.
    "getOrdersStats": _ORDERS_READ - {"finance-and-accounting"},
}


class Budget:
    """A fixed window: ``amount`` units from the window's start, then a fresh window."""

    def __init__(self, limit: Limit, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._start = clock()
        self.used = 0

    def _roll(self) -> None:
        now = self._clock()
        if now - self._start >= self.limit.seconds:
            self._start, self.used = now, 0

    def fits(self, units: int) -> bool:
        self._roll()
        return self.used + units <= self.limit.amount

    def charge(self, units: int) -> None:
        self._roll()
        self.used += units
