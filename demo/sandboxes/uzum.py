"""Uzum Market seller OpenAPI sandbox (contract §1 and §5): stock per SKU by barcode, prices in the product
listing, FBS/DBS orders with their labels and invoices, returns, a platform clock a test moves on, the
``{payload, errors, timestamp, trace, error}`` envelope and per-token rate limits."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.common import (
    SandboxError,
    SandboxServer,
    TokenBucket,
    from_fields,
    parse_lines,
)
from demo.sandboxes.demo_platform import DemoAccount, DemoListing, DemoPlatform, SeededProduct
from demo.sandboxes.uzum_fbs_api import UzumFbsApi, UzumReturn
from demo.sandboxes.uzum_finance_api import UzumExpense, UzumFinanceApi
from demo.sandboxes.uzum_invoice_api import UzumInvoice, UzumInvoiceApi
from demo.sandboxes.uzum_models import (
    FINAL_STATUSES,
    ORDER_STATUSES,
    SKU_ALIASES,
    UzumOrder,
    UzumOrderLine,
    UzumSku,
)
from demo.sandboxes.uzum_stock_api import UzumStockApi
from demo.sandboxes.uzum_wire import uzum_error

API_PREFIX = "/api/seller-openapi"


@dataclass(frozen=True)
class UzumRules:
    """The platform's rules; [I]/[C] marks the contract's inferences and community observations."""

    stock_batch_limit: int | None = 100  # [I] none declared; clients chunk by 100
    max_amount: int | None = 10_000  # [V manual, I for the API]
    batch_400_rejects_all: bool = True  # [I] False: valid rows are applied, the 400 lists the bad ones
    accept_sku_id_only: bool = False  # [C] rows with skuId but no barcode matched by skuId
    accept_bearer: bool = False  # [C] "Bearer <token>" accepted as well
    rate_limit: bool = True
    max_per_second: float = 1.0  # [C] ~1 request/second per token
    burst_capacity: float | None = None  # None: same as max_per_second
    per_day: int = 100_000  # [I] a daily quota exists, its size is not published
    # [C] a token over its rate is throttled: every call answers 429, without Retry-After, for this long (60-180 s
    # observed; UZ-MD is silent). The stricter assumption by default: a client that cannot live with a minute of
    # 429s fails its tests; a test that wants to see the end of a throttle asks for a short one.
    throttle_seconds: float = 60.0
    rate_limit_body: str = "envelope"  # [I] "envelope" or "empty"
    stock_page_max: int = 100
    order_page_max: int = 50
    status_default_created: bool = True  # [C] no status parameter behaves as status=CREATED
    total_amount_is_page_length: bool = True  # [C] payload.totalAmount equals the page length
    dates_as_epoch_ms: bool = True  # [C] order dates on the wire as epoch ms; False: ISO-8601
    # dateFrom/dateTo ("ms", "s" or "ignored"), compared with dateCreated. The spec types them int64 without a
    # unit; its other int64 dates are epoch ms (UZ-MD get-v2-fbs-orders.md), and community reports disagree
    # [C]: ms is the spec's reading and the stricter one (a client sending seconds gets no filtering at all,
    # which a test of a date window notices).
    date_filter_unit: str = "ms"
    order_items_carry_sku_id: bool = False  # [C] some clients see skuId on order items
    decrement_on_order: bool = True  # [I] stock goes down when the order is placed
    accept_hours: float = 16.0  # confirm deadline (UZ-KB)
    deliver_hours: float = 48.0  # [I]
    commission_percent: int = 10  # [I] only to fill the commission fields
    logistic_fee_per_unit: int = 0  # [I] logisticDeliveryFee of an item, per unit still ordered


class UzumSandbox(UzumStockApi, UzumFbsApi, UzumInvoiceApi, UzumFinanceApi, SandboxServer):
    api_prefix = API_PREFIX

    def __init__(
        self,
        *,
        token: str = "uzum-sandbox-token",
        tokens: Iterable[str] = (),
        shops: Iterable[Mapping[str, Any]] = ({"id": 1, "name": "Shop"},),
        rules: UzumRules | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        **overrides: Any,
    ) -> None:
        self.rules = replace(rules or UzumRules(), **overrides)
        self.tokens = {token, *tokens}
        self.shops = [dict(shop) for shop in shops]
        self.skus: dict[int, UzumSku] = {}
        self.orders: dict[int, UzumOrder] = {}
        self.returns: dict[int, UzumReturn] = {}
        self.invoices: dict[int, UzumInvoice] = {}
        self.expenses: dict[int, UzumExpense] = {}
        self.clock_offset = timedelta()
        self._order_ids = count(70_000_001)
        self._line_ids = count(90_000_001)
        self._return_ids = count(30_000_001)
        self._return_line_ids = count(31_000_001)
        self._invoice_ids = count(1_001)
        self._expense_ids = count(5_000_001)
        self._buckets: dict[str, TokenBucket] = {}
        self._daily: dict[str, tuple[date, int]] = {}
        self._throttled_until: dict[str, float] = {}
        super().__init__(host=host, port=port)

    # -- routes ----------------------------------------------------------------------------------------------
    def add_routes(self, router: web.UrlDispatcher) -> None:
        p = API_PREFIX
        router.add_get(p + "/v1/shops", self._shops)
        router.add_post(p + "/v2/fbs/sku/stocks", self._push_stocks)
        router.add_get(p + "/v2/fbs/sku/stocks", self._read_stocks_v2)
        router.add_get(p + "/v3/fbs/sku/stocks", self._read_stocks_v3)
        router.add_get(p + "/v1/product/shop/{shopId}", self._products)
        router.add_get(p + "/v2/fbs/orders", self._orders)
        router.add_get(p + "/v2/fbs/orders/count", self._orders_count)
        router.add_get(p + "/v1/fbs/order/{orderId}", self._order)
        router.add_post(p + "/v1/fbs/order/{orderId}/confirm", self._confirm)
        router.add_post(p + "/v1/fbs/order/{orderId}/cancel", self._seller_cancel)
        router.add_get(p + "/v1/fbs/order/{orderId}/labels/print", self._label)
        router.add_get(p + "/v1/return", self._returns)
        router.add_get(p + "/v1/fbs/invoice", self._invoices)
        router.add_get(p + "/v1/fbs/invoice/{invoiceId}/orders", self._invoice_orders)
        router.add_get(p + "/v1/fbs/invoice/{invoiceId}/print", self._invoice_print)
        router.add_get(p + "/v1/finance/orders", self._finance_orders)
        router.add_get(p + "/v1/finance/expenses", self._finance_expenses)

    def error_response(self, status: int, message: str) -> web.StreamResponse:
        return uzum_error(status, f"http-{status}", message)

    # -- auth & limits ---------------------------------------------------------------------------------------
    def _token(self, request: web.Request) -> str | None:
        value = request.headers.get("Authorization")
        if value and self.rules.accept_bearer and value.startswith("Bearer "):
            value = value[len("Bearer ") :]
        return value if value in self.tokens else None

    def check_auth(self, request: web.Request) -> web.StreamResponse | None:
        if self._token(request) is None:
            return uzum_error(401, "unauthorized", "Missing or invalid token in the Authorization header")
        return None

    def _bucket(self, token: str) -> TokenBucket:
        if token not in self._buckets:
            rate = self.rules.max_per_second
            self._buckets[token] = TokenBucket(self.rules.burst_capacity or rate, rate)
        return self._buckets[token]

    def _day_used(self, token: str) -> int:
        day, used = self._daily.get(token, (date.today(), 0))
        return used if day == date.today() else 0

    def admit(self, request: web.Request) -> web.StreamResponse | None:
        if not self.rules.rate_limit:
            return None
        token = self._token(request) or ""
        bucket = self._bucket(token)
        now = time.monotonic()
        throttled = now < self._throttled_until.get(token, 0.0)
        if throttled or self._day_used(token) >= self.rules.per_day or not bucket.try_take():
            if self.rules.throttle_seconds and not throttled:
                self._throttled_until[token] = now + self.rules.throttle_seconds
            if self.rules.rate_limit_body == "empty":
                response: web.StreamResponse = web.Response(status=429)
            else:
                response = uzum_error(429, "too-many-requests", "Too many requests")
            self._add_rate_headers(token, response)
            return response
        self._daily[token] = (date.today(), self._day_used(token) + 1)
        return None

    def finish(self, request: web.Request, response: web.StreamResponse) -> None:
        if self.rules.rate_limit:
            self._add_rate_headers(self._token(request) or "", response)

    def _add_rate_headers(self, token: str, response: web.StreamResponse) -> None:
        bucket = self._bucket(token)
        response.headers.update(
            {
                "X-RateLimit-Remaining": str(bucket.remaining),
                "X-RateLimit-Replenish-Rate": f"{bucket.per_second:g}",
                "X-RateLimit-Burst-Capacity": f"{bucket.capacity:g}",
                "X-RateLimit-Requested-Tokens": "1",
                "X-RateLimit-Limit-Per-Day": str(self.rules.per_day),
                "X-RateLimit-Remaining-Per-Day": str(max(0, self.rules.per_day - self._day_used(token))),
            }
        )

    # -- control ---------------------------------------------------------------------------------------------
    def load_catalog(self, items: Iterable[Mapping[str, Any] | UzumSku], *, replace: bool = False) -> int:
        """Items with Uzum keys: skuId, barcode, productId, price, sellerSkuCode, skuTitle, productTitle, amount…"""
        loaded = [item if isinstance(item, UzumSku) else from_fields(UzumSku, item, SKU_ALIASES) for item in items]
        if replace:
            self.skus.clear()
        for sku in loaded:
            self.skus[sku.sku_id] = sku
        return len(loaded)

    def find_sku(self, key: Any) -> UzumSku:
        """By barcode, then sellerSkuCode, then skuId."""
        text = str(key)
        for sku in self.skus.values():
            if sku.barcode == text or sku.seller_sku_code == text:
                return sku
        if text.isdigit() and int(text) in self.skus:
            return self.skus[int(text)]
        raise KeyError(key)

    def stock_of(self, key: Any, warehouse_id: int | None = None) -> int:
        return self.find_sku(key).amount

    def throttle_token(self, token: str, seconds: float) -> None:
        """Another client of this token went over Uzum's rate: every call with it answers 429 for ``seconds``."""
        self._throttled_until[token] = time.monotonic() + seconds

    def stock_snapshot(self) -> list[dict[str, Any]]:
        return [
            {"skuId": s.sku_id, "barcode": s.barcode, "sellerSkuCode": s.seller_sku_code, "amount": s.amount}
            for s in sorted(self.skus.values(), key=lambda s: s.sku_id)
        ]

    def buyer_orders(
        self,
        items: Any,
        *,
        scheme: str = "FBS",
        shop_id: int | None = None,
        allow_oversell: bool = False,
        created_at: str | datetime | None = None,
    ) -> dict[str, Any]:
        """A buyer places an order: ``items`` = ``{key: qty}`` (key: barcode, sellerSkuCode or skuId)."""
        if scheme not in ("FBS", "DBS"):
            raise ValueError("scheme must be FBS or DBS")
        wanted: dict[int, int] = {}
        skus: dict[int, UzumSku] = {}
        for key, quantity in parse_lines(items):
            sku = self.find_sku(key)
            skus[sku.sku_id] = sku
            wanted[sku.sku_id] = wanted.get(sku.sku_id, 0) + quantity
        for sku_id, quantity in wanted.items():
            if not allow_oversell and skus[sku_id].amount < quantity:
                raise SandboxError(f"only {skus[sku_id].amount} of SKU {sku_id} in stock")
        created = datetime.fromisoformat(created_at) if isinstance(created_at, str) else created_at or self.now()
        order_id = next(self._order_ids)
        lines = [
            UzumOrderLine(id=next(self._line_ids), sku=skus[sku_id], amount=qty, unit_price=skus[sku_id].price)
            for sku_id, qty in wanted.items()
        ]
        if self.rules.decrement_on_order:
            for line in lines:
                line.sku.amount = max(0, line.sku.amount - line.amount)
        order = UzumOrder(
            id=order_id,
            shop_id=shop_id if shop_id is not None else next(iter(skus.values())).shop_id,
            scheme=scheme,
            status="CREATED",
            created=created,
            accept_until=created + timedelta(hours=self.rules.accept_hours),
            deliver_until=created + timedelta(hours=self.rules.deliver_hours),
            lines=lines,
        )
        self.orders[order_id] = order
        return self.order_json(order)

    def buyer_cancels(self, order_id: int, *, items: Any = None) -> dict[str, Any]:
        """The buyer cancels the whole order (or ``items`` = ``{key: qty}`` of it); the units go back to stock."""
        order = self.orders[int(order_id)]
        if order.status in FINAL_STATUSES:
            raise SandboxError(f"order {order_id} is {order.status}")
        if items is None:
            self._cancel(order, "CANCELED_BY_CUSTOMER", restore=True)
            return self.order_json(order)
        for key, quantity in parse_lines(items):
            sku = self.find_sku(key)
            line = next((ln for ln in order.lines if ln.sku is sku and ln.active >= quantity), None)
            if line is None:
                raise SandboxError(f"order {order_id} has no {quantity} uncancelled units of {key}")
            line.cancelled += quantity
            line.status = "CANCELED" if line.active == 0 else "PARTIALLY_CANCELLED"
            if self.rules.decrement_on_order:
                sku.amount += quantity
        if all(line.active == 0 for line in order.lines):
            order.cancel_reason = "CANCELED_BY_CUSTOMER"
            self._move(order, "CANCELED")
        return self.order_json(order)

    def set_order_status(self, order_id: int, status: str) -> dict[str, Any]:
        """Move an order along (e.g. DELIVERING, COMPLETED); CANCELED here is a market cancel (stock untouched)."""
        if status not in ORDER_STATUSES:
            raise ValueError(f"unknown status {status}")
        order = self.orders[int(order_id)]
        if status == "CANCELED":
            self._cancel(order, "MARKET_REASON", restore=False)
        else:
            self._move(order, status)
        return self.order_json(order)

    def reset(self) -> None:
        super().reset()
        self.skus.clear()
        self.orders.clear()
        self.returns.clear()
        self.invoices.clear()
        self.expenses.clear()
        self.clock_offset = timedelta()
        self._buckets.clear()
        self._daily.clear()
        self._throttled_until.clear()


def demo_account(listings: list[DemoListing]) -> DemoAccount:
    """The demo's Uzum shop: its listings with an skuId and a barcode, the shop 1 of one token."""
    uzum = UzumSandbox(token="demo-uzum-token", rate_limit=False)
    uzum.load_catalog(
        [
            {
                "skuId": int(listing.keys["sku_id"]),
                "barcode": listing.keys["barcode"],
                "productId": int(listing.keys["sku_id"]),
                "price": int(listing.price),
                "sellerSkuCode": listing.sku,
                "skuTitle": listing.name_uz,
                "amount": listing.stock,
            }
            for listing in listings
            if "sku_id" in listing.keys and "barcode" in listing.keys
        ]
    )
    return DemoAccount(uzum, token="demo-uzum-token", shop_id=1)


def _demo_keys(product: SeededProduct) -> dict[str, str | None]:
    return {"sku_id": str(7000000 + product.id), "barcode": product.barcode}


DEMO = DemoPlatform(
    commission=Decimal("15.00"), sku_prefix="UZ", russian_listings=False, keys=_demo_keys, account=demo_account
)
