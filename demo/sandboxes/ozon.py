"""Ozon Seller API sandbox (contract §3 and §5): stock per (offer_id, warehouse) with per-item results and the
30-second pair rule, price and product reads, FBS postings and their FBS work (ship, labels, carriage and act,
returns; demo/sandboxes/ozon_fbs_api.py), and push notifications to a configured URL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.cbu import DEMO as DEMO_RATES
from demo.sandboxes.common import (
    SandboxError,
    SandboxServer,
    SlidingWindow,
    TokenBucket,
    from_fields,
    parse_lines,
    utc_now,
    whole_seconds,
)
from demo.sandboxes.demo_platform import DemoAccount, DemoListing, DemoPlatform, SeededProduct
from demo.sandboxes.ozon_fbs_api import Carriage, OzonFbsApi, OzonReturn
from demo.sandboxes.ozon_finance_api import OzonCharge, OzonFinanceApi
from demo.sandboxes.ozon_models import (
    SHIPPED,
    STATUSES,
    OzonItem,
    OzonPosting,
    PostingLine,
    new_posting_event,
    posting_json,
    state_changed_event,
)
from demo.sandboxes.ozon_products_api import OzonProductApi
from demo.sandboxes.ozon_push import DEFAULT_BACKOFF, OzonPushEmitter
from demo.sandboxes.ozon_seller_api import DEFAULT_COMPANY, OzonSellerApi
from demo.sandboxes.ozon_wire import BadRequest, ozon_error

STOCKS_PATH = "/v2/products/stocks"
KEY_LIFETIME = timedelta(days=180)  # "Key valid 6 months" (contract §3.1)
DEFAULT_WAREHOUSE: dict[str, Any] = {
    "warehouse_id": 1_020_000_000_000_001,
    "name": "Sandbox FBS warehouse",
    "status": "created",
    "is_rfbs": False,
    "is_kgt": False,
    "is_express": False,
}


@dataclass(frozen=True)
class OzonRules:
    """The platform's rules; [I]/[C] marks the contract's inferences."""

    stock_batch_limit: int = 100
    pair_window_seconds: float = 30.0  # each (offer, warehouse) pair at most once per window
    stock_pushes_per_window: int = 80
    stock_window_seconds: float = 60.0
    max_stock_exclusive: int = 1_000_000
    require_product_id: bool = True  # [V spec] whether it is enforced in practice is open (§6.3)
    unknown_offer_code: str = "NOT_FOUND_ERROR"  # [I] or "offer_id_not_found"
    rate_limit: bool = True
    requests_per_second: float = 50.0
    auth_error_status: int = 401  # [I] 401 or 403
    auth_error_code: int = 16  # [I]
    restore_stock_on_seller_cancel: bool = True  # [I] the posting's reserve goes back to free stock
    shipment_hours: float = 24.0  # [I] cutoff after the posting is created
    # What /v1/posting/fbs/cancel-reason offers an FBS posting: 352 out of stock, 400 only defective left, 402 other
    # (with a message); 401 and 665-667 are arbitration and rFBS-in-delivery reasons (OZ-SPEC
    # PostingAPI_GetPostingFbsCancelReasonV1 and /v2/posting/fbs/cancel-reason/list is_available_for_cancellation).
    seller_cancel_reasons: frozenset[int] = frozenset({352, 400, 402})
    postings_limit_max: int = 100
    stocks_limit_max: int = 1000
    warehouses_limit_max: int = 200
    period_max_days: int = 365
    push_url: str | None = None
    push_backoff: Sequence[float] = DEFAULT_BACKOFF
    push_timeout: float = 5.0
    push_source_ip: str | None = "195.34.21.10"
    push_source_header: str = "X-Forwarded-For"
    push_bind_address: str | None = None


class OzonSandbox(OzonProductApi, OzonFbsApi, OzonSellerApi, OzonFinanceApi, SandboxServer):
    def __init__(
        self,
        *,
        client_id: str = "123456",
        api_key: str = "ozon-sandbox-api-key",
        key_expires_at: datetime | None = None,
        company: Mapping[str, Any] = DEFAULT_COMPANY,
        warehouses: Iterable[Mapping[str, Any]] = (DEFAULT_WAREHOUSE,),
        rules: OzonRules | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        **overrides: Any,
    ) -> None:
        self.rules = replace(rules or OzonRules(), **overrides)
        self.client_id = client_id
        self.api_key = api_key
        self.seller_id = int(client_id) if client_id.isdigit() else 0
        self.key_expires_at = key_expires_at or utc_now() + KEY_LIFETIME
        self.company = dict(company)
        self.warehouses: dict[int, dict[str, Any]] = {
            int(w["warehouse_id"]): {**DEFAULT_WAREHOUSE, **w} for w in warehouses
        }
        self.items: dict[str, OzonItem] = {}
        self.free: dict[tuple[str, int], int] = {}
        self.reserved: dict[tuple[str, int], int] = {}
        self.postings: dict[str, OzonPosting] = {}
        self.clock_shift = timedelta()
        self.carriages: dict[int, Carriage] = {}
        self.returns: dict[int, OzonReturn] = {}
        self.charges: list[OzonCharge] = []
        self._operation_ids = count(90_000_000_001)  # after every posting's own accrual ids (order id x 10 + n)
        self.failing_ships: set[str] = set()
        self._carriage_ids = count(87_000_001)
        self._return_ids = count(1_500_000_001)
        self.push_events: list[dict[str, Any]] = []
        self.push: OzonPushEmitter | None = None
        self._last_pair_update: dict[tuple[str, int], float] = {}
        self._order_ids = count(24_219_509)
        self._bucket = TokenBucket(self.rules.requests_per_second, self.rules.requests_per_second)
        self._stock_window = SlidingWindow(self.rules.stock_pushes_per_window, self.rules.stock_window_seconds)
        super().__init__(host=host, port=port)
        if self.rules.push_url:
            self.connect_push(self.rules.push_url)

    # -- routes ----------------------------------------------------------------------------------------------
    def add_routes(self, router: web.UrlDispatcher) -> None:
        for path, handler in (
            (STOCKS_PATH, self._push_stocks),
            ("/v2/product/info/stocks-by-warehouse/fbs", self._stocks_by_warehouse),
            ("/v4/product/info/stocks", self._stocks_summary),
            ("/v5/product/info/prices", self._prices),
            ("/v3/product/info/list", self._info_list),
            ("/v3/product/list", self._product_list),
            ("/v2/warehouse/list", self._warehouse_list),
            ("/v4/posting/fbs/unfulfilled/list", self._unfulfilled),
            ("/v4/posting/fbs/list", self._posting_list),
            ("/v3/posting/fbs/get", self._posting_get),
            ("/v2/posting/fbs/cancel", self._seller_cancel),
            ("/v4/posting/fbs/ship", self._ship),
            ("/v2/posting/fbs/package-label", self._package_label),
            ("/v1/carriage/create", self._carriage_create),
            ("/v1/carriage/approve", self._carriage_approve),
            ("/v1/carriage/get", self._carriage_get),
            ("/v2/posting/fbs/act/get-postings", self._act_postings),
            ("/v2/posting/fbs/act/get-pdf", self._act_pdf),
            ("/v1/returns/list", self._returns_list),
            ("/v1/seller/info", self._seller_info),
            ("/v1/roles", self._roles),
            ("/v1/finance/accrual/types", self._accrual_types),
            ("/v1/finance/accrual/postings", self._accrual_postings),
            ("/v1/finance/accrual/by-day", self._accrual_by_day),
        ):
            router.add_post(path, self._validated(handler))
        # The key in this sandbox may call every method it serves.
        self.roles = [
            {
                "name": "Admin",
                "methods": sorted(r.resource.canonical for r in router.routes() if r.resource is not None),
            }
        ]

    def _validated(self, handler: Any) -> Any:
        """Parse the JSON object body for the handler; BadRequest from it becomes Ozon's 400."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                raw = await request.read()  # already read (and cached) by the request log
                body = json.loads(raw) if raw else {}
            except ValueError:
                return ozon_error(400, "Request validation error: body is not valid JSON")
            if not isinstance(body, dict):
                return ozon_error(400, "Request validation error: body must be a JSON object")
            self.cancel_overdue()  # the sandbox's clock may have passed a shipment_date since the last request
            try:
                return await handler(body)
            except BadRequest as exc:
                return ozon_error(400, f"Request validation error: {exc}")

        return wrapped

    # -- errors, auth, limits --------------------------------------------------------------------------------
    def error_response(self, status: int, message: str) -> web.StreamResponse:
        return ozon_error(status, "method is not allowed" if status == 405 else message)

    def check_auth(self, request: web.Request) -> web.StreamResponse | None:
        client_id, api_key = request.headers.get("Client-Id"), request.headers.get("Api-Key")
        if client_id is None or api_key is None:
            message = "Client-Id and Api-Key headers are required"
        elif client_id != self.client_id or api_key != self.api_key:
            message = "Invalid Api-Key, please check the key and try again"
        else:
            return None
        return ozon_error(self.rules.auth_error_status, message, self.rules.auth_error_code)

    def admit(self, request: web.Request) -> web.StreamResponse | None:
        if not self.rules.rate_limit:
            return None
        if not self._bucket.try_take():
            wait = whole_seconds(self._bucket.seconds_until(1))
            return ozon_error(
                429,
                "You have reached request rate limit per second",
                headers={"Retry-After": str(wait), "Ratelimit-Remaining": "0"},
            )
        if request.path == STOCKS_PATH and not self._stock_window.try_add():
            wait = whole_seconds(self._stock_window.seconds_until_free())
            return ozon_error(
                429,
                "Too many requests to update stocks",
                headers={"Retry-After": str(wait), "Ratelimit-Remaining": "0"},
            )
        return None

    def finish(self, request: web.Request, response: web.StreamResponse) -> None:
        if self.rules.rate_limit:
            window = self._stock_window if request.path == STOCKS_PATH else self._bucket
            response.headers["Ratelimit-Remaining"] = str(window.remaining)

    # -- push ------------------------------------------------------------------------------------------------
    def connect_push(self, url: str, **options: Any) -> OzonPushEmitter:
        """Send this sandbox's events to ``url`` (TYPE_PING first); options as for :class:`OzonPushEmitter`."""
        settings: dict[str, Any] = {
            "backoff": self.rules.push_backoff,
            "timeout": self.rules.push_timeout,
            "source_ip": self.rules.push_source_ip,
            "source_header": self.rules.push_source_header,
            "bind_address": self.rules.push_bind_address,
        }
        self.push = OzonPushEmitter(url, **(settings | options))
        return self.push

    async def wait_push(self) -> None:
        """Wait until every generated event was delivered (or given up on)."""
        if self.push is not None:
            await self.push.drain()

    async def on_stop(self) -> None:
        if self.push is not None:
            await self.push.close()

    # -- control ---------------------------------------------------------------------------------------------
    def load_catalog(self, items: Iterable[Mapping[str, Any] | OzonItem], *, replace: bool = False) -> int:
        """Items: offer_id, product_id, sku, price, old_price, name…, and ``stocks`` (int for the first
        warehouse or ``{warehouse_id: free}``)."""
        if replace:
            self.items.clear()
            self.free.clear()
            self.reserved.clear()
        loaded = 0
        for raw in items:
            stocks: Any = None
            if isinstance(raw, OzonItem):
                item = raw
            else:
                data = dict(raw)
                stocks = data.pop("stocks", data.pop("stock", None))
                item = from_fields(OzonItem, data)
            self.items[item.offer_id] = item
            if isinstance(stocks, Mapping):
                for warehouse_id, amount in stocks.items():
                    self.free[(item.offer_id, int(warehouse_id))] = int(amount)
            elif stocks is not None:
                self.free[(item.offer_id, self.default_warehouse)] = int(stocks)
            loaded += 1
        return loaded

    @property
    def default_warehouse(self) -> int:
        return next(iter(self.warehouses))

    def find_item(self, key: Any) -> OzonItem:
        """By offer_id, then sku, then product_id."""
        text = str(key)
        if text in self.items:
            return self.items[text]
        for item in self.items.values():
            if text in (str(item.sku), str(item.product_id)):
                return item
        raise KeyError(key)

    def stock_of(self, key: Any, warehouse_id: int | None = None) -> int:
        """Free stock (what the seller pushes) of an item at a warehouse (default: the first)."""
        return self.free.get((self.find_item(key).offer_id, warehouse_id or self.default_warehouse), 0)

    def reserved_of(self, key: Any, warehouse_id: int | None = None) -> int:
        return self.reserved.get((self.find_item(key).offer_id, warehouse_id or self.default_warehouse), 0)

    def stock_snapshot(self) -> list[dict[str, Any]]:
        return [
            {
                "offer_id": offer_id,
                "warehouse_id": warehouse_id,
                "free_stock": free,
                "reserved": self.reserved.get((offer_id, warehouse_id), 0),
            }
            for (offer_id, warehouse_id), free in sorted(self.free.items())
        ]

    def buyer_orders(
        self,
        items: Any,
        *,
        warehouse_id: int | None = None,
        allow_oversell: bool = False,
        created_at: str | datetime | None = None,
        is_express: bool = False,
    ) -> dict[str, Any]:
        """A buyer orders ``{key: qty}`` (key: offer_id, sku or product_id): one posting awaiting packaging,
        the units move from free stock to reserved, and TYPE_NEW_POSTING is pushed."""
        warehouse_id = warehouse_id or self.default_warehouse
        if warehouse_id not in self.warehouses:
            raise KeyError(warehouse_id)
        wanted: dict[str, int] = {}
        for key, quantity in parse_lines(items):
            item = self.find_item(key)
            wanted[item.offer_id] = wanted.get(item.offer_id, 0) + quantity
        for offer_id, quantity in wanted.items():
            free = self.free.get((offer_id, warehouse_id), 0)
            if not allow_oversell and free < quantity:
                raise SandboxError(f"only {free} of {offer_id} free at warehouse {warehouse_id}")
        for offer_id, quantity in wanted.items():
            pair = (offer_id, warehouse_id)
            self.free[pair] = max(0, self.free.get(pair, 0) - quantity)
            self.reserved[pair] = self.reserved.get(pair, 0) + quantity
        created = datetime.fromisoformat(created_at) if isinstance(created_at, str) else created_at or self.now()
        created = created.astimezone(UTC).replace(microsecond=0)
        order_id = next(self._order_ids)
        order_number = f"{order_id:08d}-{uuid.uuid4().int % 10_000:04d}"
        posting = OzonPosting(
            posting_number=f"{order_number}-1",
            order_id=order_id,
            order_number=order_number,
            status="awaiting_packaging",
            warehouse_id=warehouse_id,
            warehouse_name=str(self.warehouses[warehouse_id].get("name", "")),
            in_process_at=created,
            shipment_date=created + timedelta(hours=self.rules.shipment_hours),
            lines=[PostingLine(self.items[o], q, self.items[o].price) for o, q in wanted.items()],
            last_changed=created,
            is_express=is_express,
        )
        self.postings[posting.posting_number] = posting
        self._emit(new_posting_event(posting, self.seller_id))
        return posting_json(posting)

    def buyer_cancels(
        self, order_id: str, *, reason_id: int = 501, reason: str = "Покупатель отменил заказ"
    ) -> dict[str, Any]:
        """The buyer cancels a posting (by posting_number): the reserve goes back to free stock
        (if not shipped yet) and TYPE_POSTING_CANCELLED is pushed. ``reason_id`` is [I]."""
        posting = self.postings[str(order_id)]
        if posting.status == "cancelled":
            raise SandboxError(f"{order_id} is already cancelled")
        self._cancel(posting, "customer", reason_id, reason, restore=True)
        return posting_json(posting)

    def set_order_status(self, order_id: str, status: str) -> dict[str, Any]:
        """Move a posting along; shipping statuses take the reserved units off the warehouse, ``cancelled``
        is an Ozon-side cancel. Pushes TYPE_STATE_CHANGED (or TYPE_POSTING_CANCELLED)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status}")
        posting = self.postings[str(order_id)]
        if status == "cancelled":
            self._cancel(posting, "ozon", 0, "Cancelled by Ozon", restore=True)
            return posting_json(posting)
        if status in SHIPPED:
            self._release(posting, back_to_free=False)
            posting.delivering_date = posting.delivering_date or self.now().replace(microsecond=0)
        posting.status = status
        posting.last_changed = self.now()
        self._emit(state_changed_event(posting, self.seller_id))
        return posting_json(posting)

    def reset(self) -> None:
        super().reset()
        self.items.clear()
        self.free.clear()
        self.reserved.clear()
        self.postings.clear()
        self.carriages.clear()
        self.returns.clear()
        self.charges.clear()
        self.failing_ships.clear()
        self.clock_shift = timedelta()
        self.push_events.clear()
        self._last_pair_update.clear()
        self._bucket = TokenBucket(self.rules.requests_per_second, self.rules.requests_per_second)
        self._stock_window = SlidingWindow(self.rules.stock_pushes_per_window, self.rules.stock_window_seconds)


def demo_account(listings: list[DemoListing]) -> DemoAccount:
    """The demo's Ozon cabinet: its listings with an offer_id and a product_id, in its default warehouse."""
    ozon = OzonSandbox(client_id="1", api_key="demo-ozon-key", rate_limit=False)
    ozon.load_catalog(
        [
            {
                "offer_id": listing.keys["offer_id"],
                "product_id": int(listing.keys["product_id"]),
                "sku": int(listing.keys["product_id"]),
                "price": _roubles(listing),
                "name": listing.name_ru or listing.name_uz,
                "stocks": listing.stock,
            }
            for listing in listings
            if "offer_id" in listing.keys and "product_id" in listing.keys
        ]
    )
    return DemoAccount(ozon, client_id="1", api_key="demo-ozon-key", warehouse_id=ozon.default_warehouse)


def _roubles(listing: DemoListing) -> float:
    """Ozon prices in the cabinet's currency, never in so'm (OZ-SPEC price.currency_code): the demo's so'm price at
    the demo bank's rate, or the roubles Ozon's own price read left there."""
    if listing.price_currency == "RUB":
        return float(listing.price)
    return float((listing.price / DEMO_RATES["RUB"].rate).quantize(Decimal("0.01")))


def _demo_keys(product: SeededProduct) -> dict[str, str | None]:
    return {"offer_id": product.sku, "product_id": str(9000000 + product.id)}


DEMO = DemoPlatform(
    commission=Decimal("12.00"), sku_prefix="OZ", russian_listings=True, keys=_demo_keys, account=demo_account
)
