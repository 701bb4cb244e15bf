"""Wildberries sandbox (contract §2 and §5): one server for the marketplace, prices, content, analytics and common
hosts' paths, with per-category token buckets (a 4xx costs ten) and the X-Ratelimit-* headers; FBS supplies,
stickers and the returns report in wildberries_supplies_api.py and wildberries_returns_api.py."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.common import (
    SandboxError,
    SandboxServer,
    TokenBucket,
    parse_lines,
    reason_phrase,
    utc_now,
    whole_seconds,
)
from demo.sandboxes.demo_platform import DemoAccount, DemoListing, DemoPlatform, SeededProduct
from demo.sandboxes.wildberries_catalog_api import WbCatalogApi
from demo.sandboxes.wildberries_finance_api import WbCharge, WbFinanceApi
from demo.sandboxes.wildberries_models import (
    CURRENCY_RUB,
    SUPPLIER_STATUSES,
    WB_STATUSES,
    WbCard,
    WbReturn,
    WbSize,
    WbSupply,
    WbTask,
    card_from_item,
    status_json,
    task_json,
)
from demo.sandboxes.wildberries_orders_api import WbOrdersApi
from demo.sandboxes.wildberries_returns_api import WbReturnsApi
from demo.sandboxes.wildberries_seller_api import DEFAULT_SELLER, WbSellerApi
from demo.sandboxes.wildberries_stock_api import WbStockApi
from demo.sandboxes.wildberries_supplies_api import WbSuppliesApi
from demo.sandboxes.wildberries_wire import gateway_error, wb_error

# (requests per minute, burst) per limit category, contract §2.6.
DEFAULT_RATES: dict[str, tuple[float, int]] = {
    "marketplace": (300, 20),
    "cancel": (100, 20),
    "stocks_delete": (50, 2),
    "prices": (100, 5),  # 10 per 6 s
    "content": (100, 5),
    "analytics": (3, 1),
    "common": (300, 20),
    "seller_info": (1, 10),  # 1 a minute, bursts of 10 (Personal and Service tokens; a Basic one gets 1 a day)
    "goods_return": (1, 10),  # 1 a minute, bursts of 10 (WB-SPEC 12-reports.yaml goods-return)
    "statistics": (1, 1),  # 1 a minute, no burst (WB-SPEC 13-finances.yaml reportDetailByPeriod)
}
DEFAULT_WAREHOUSE: dict[str, Any] = {
    "id": 1_000_001,
    "name": "Sandbox FBS warehouse",
    "officeId": 15,
    "cargoType": 1,
    "deliveryType": 1,
    "isDeleting": False,
    "isProcessing": False,
}


@dataclass(frozen=True)
class WbRules:
    """The platform's rules; [I]/[C] marks the contract's inferences and community observations."""

    stock_batch_limit: int = 1000
    stock_read_limit: int = 1000  # [I] siblings allow 1000
    max_amount: int = 100_000
    # [I] are the good rows of a 409 batch applied? The spec does not say; the stricter answer (no) is the default.
    apply_valid_rows_on_409: bool = False
    # How a 409 names a refused item: by chrtId (WB-MD put-api-v3-stocks-warehouseid.md, 2026) or, as the Dec-2025
    # examples of WB-SPEC 02-products.yaml (l.6380ff) show, by its barcode only ("sku").
    refused_named_by: str = "chrtId"
    accept_legacy_sku: bool = False  # items {"sku": barcode} (switched off in 2026; contract: chrtId only)
    accept_bearer: bool = False  # [C] "Bearer <token>"
    rate_limit: bool = True
    rates: Mapping[str, tuple[float, int]] = field(default_factory=lambda: dict(DEFAULT_RATES))
    error_cost: int = 10  # every 4xx counts as this many requests
    decrement_on_order: bool = True  # [I]
    restore_stock_on_seller_cancel: bool = False  # [I]
    orders_limit_max: int = 1000
    orders_window_days: int = 30
    status_batch_limit: int = 1000
    stickers_batch_limit: int = 100  # WB-SPEC 03-orders-fbs.yaml /api/v3/orders/stickers maxItems
    content_limit_max: int = 100
    prices_limit_max: int = 1000
    analytics_refresh_seconds: float = 1800.0  # the stock report lags up to 30 min
    # The account's currencies, ISO 4217: a task's sale currency (`currencyCode`) and the seller country's
    # (`convertedCurrencyCode`, numeric), and the prices API's `currencyIsoCode4217` (letters). The spec's
    # examples show RUB (643); a seller in Uzbekistan is settled in so'm (860). The sandbox keeps one price per
    # size, read in whichever currency these name.
    sale_currency: int = CURRENCY_RUB
    seller_currency: int = CURRENCY_RUB
    prices_currency: str = "RUB"


def category_of(method: str, path: str) -> str:
    if path.startswith("/api/v3/orders/") and path.endswith("/cancel"):
        return "cancel"
    if method == "DELETE" and path.startswith("/api/v3/stocks/"):
        return "stocks_delete"
    if path.startswith("/api/v2/list/goods"):
        return "prices"
    if path.startswith("/content/"):
        return "content"
    if path.startswith("/api/analytics/"):
        return "analytics"
    if path == "/api/v1/analytics/goods-return":
        return "goods_return"
    if path == "/ping":
        return "common"
    if path == "/api/v1/seller-info":
        return "seller_info"
    if path == "/api/v5/supplier/reportDetailByPeriod":
        return "statistics"
    return "marketplace"


class WildberriesSandbox(
    WbStockApi, WbCatalogApi, WbOrdersApi, WbSuppliesApi, WbReturnsApi, WbSellerApi, WbFinanceApi, SandboxServer
):
    def __init__(
        self,
        *,
        token: str = "wb-sandbox-token",
        tokens: Iterable[str] = (),
        warehouses: Iterable[Mapping[str, Any]] = (DEFAULT_WAREHOUSE,),
        seller: Mapping[str, Any] = DEFAULT_SELLER,
        rules: WbRules | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        **overrides: Any,
    ) -> None:
        self.rules = replace(rules or WbRules(), **overrides)
        self.tokens = {token, *tokens}
        self.seller = dict(seller)
        self.warehouses: dict[int, dict[str, Any]] = {int(w["id"]): {**DEFAULT_WAREHOUSE, **w} for w in warehouses}
        self.cards: dict[int, WbCard] = {}
        self.sizes: dict[int, WbSize] = {}
        self.stocks: dict[int, dict[int, int]] = {wid: {} for wid in self.warehouses}
        self.tasks: dict[int, WbTask] = {}
        self.supplies: dict[str, WbSupply] = {}
        self.returns: list[WbReturn] = []
        self.charges: list[WbCharge] = []
        self._rrd_ids = count(9_000_000_000_001)  # after every task's own rows (task id x 10 + n)
        self.report_currency = "руб"
        self.stock_updates_blocked = False
        self._task_ids = count(3_000_000_001)
        self._supply_ids = count(1_000_001)
        self.now = utc_now  # the clock of supplies and returns
        self._buckets: dict[str, TokenBucket] = {}
        self._report: tuple[float, list[dict[str, Any]]] | None = None
        super().__init__(host=host, port=port)

    # -- routes ----------------------------------------------------------------------------------------------
    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get("/ping", self._ping)
        router.add_get("/api/v1/seller-info", self._seller_info)
        router.add_get("/api/v3/warehouses", self._warehouses)
        router.add_put("/api/v3/stocks/{warehouseId}", self._push_stocks)
        router.add_post("/api/v3/stocks/{warehouseId}", self._read_stocks)
        router.add_delete("/api/v3/stocks/{warehouseId}", self._delete_stocks)
        router.add_post("/content/v2/get/cards/list", self._cards)
        router.add_get("/api/v2/list/goods/filter", self._goods_get)
        router.add_post("/api/v2/list/goods/filter", self._goods_post)
        router.add_post("/api/analytics/v1/stocks-report/seller-warehouses", self._stocks_report)
        router.add_get("/api/v3/orders/new", self._orders_new)
        router.add_get("/api/v3/orders", self._orders)
        router.add_post("/api/v3/orders/status", self._orders_status)
        router.add_patch("/api/v3/orders/{orderId}/cancel", self._cancel)
        router.add_post("/api/v3/orders/stickers", self._stickers)
        router.add_post("/api/v3/supplies", self._create_supply)
        router.add_get("/api/v3/supplies", self._list_supplies)
        router.add_get("/api/v3/supplies/{supplyId}", self._supply)
        # The current call; the old PATCH /api/v3/supplies/{supplyId}/orders/{orderId} was removed on 18 December
        # (WB-SPEC 03-orders-fbs.yaml marks it deprecated), so the sandbox does not answer it.
        router.add_patch("/api/marketplace/v3/supplies/{supplyId}/orders", self._add_orders)
        router.add_patch("/api/v3/supplies/{supplyId}/deliver", self._deliver)
        router.add_get("/api/v3/supplies/{supplyId}/barcode", self._supply_barcode)
        router.add_get("/api/v1/analytics/goods-return", self._goods_return)
        router.add_get("/api/v5/supplier/reportDetailByPeriod", self._report_detail)

    def add_control_routes(self, router: web.UrlDispatcher) -> None:
        router.add_post("/_sandbox/warehouse", self._ctl_warehouse)
        router.add_post("/_sandbox/return", self._ctl_return)

    def error_response(self, status: int, message: str) -> web.StreamResponse:
        if status in (401, 429):
            return gateway_error(status, message)
        return wb_error(status, reason_phrase(status).replace(" ", ""), message)

    # -- auth & limits ---------------------------------------------------------------------------------------
    def check_auth(self, request: web.Request) -> web.StreamResponse | None:
        value = request.headers.get("Authorization", "")
        if self.rules.accept_bearer and value.startswith("Bearer "):
            value = value[len("Bearer ") :]
        if value not in self.tokens:
            return gateway_error(401, "token is missing, malformed or of a wrong category")
        return None

    def bucket(self, category: str) -> TokenBucket:
        if category not in self._buckets:
            per_minute, burst = self.rules.rates.get(category, self.rules.rates["marketplace"])
            self._buckets[category] = TokenBucket(burst, per_minute / 60)
        return self._buckets[category]

    def admit(self, request: web.Request) -> web.StreamResponse | None:
        if not self.rules.rate_limit:
            return None
        bucket = self.bucket(category_of(request.method, request.path))
        if bucket.try_take():
            return None
        return gateway_error(
            429,
            "Limited by global limiter",
            **{
                "X-Ratelimit-Retry": str(whole_seconds(bucket.seconds_until(1))),
                "X-Ratelimit-Limit": f"{bucket.capacity:g}",
                "X-Ratelimit-Reset": str(whole_seconds(bucket.seconds_until_full())),
            },
        )

    def finish(self, request: web.Request, response: web.StreamResponse) -> None:
        if not self.rules.rate_limit or response.status == 429:
            return
        bucket = self.bucket(category_of(request.method, request.path))
        if 400 <= response.status < 500:
            bucket.charge(self.rules.error_cost - 1)  # the request itself already took one
        response.headers["X-Ratelimit-Remaining"] = str(bucket.remaining)

    # -- control ---------------------------------------------------------------------------------------------
    def load_catalog(self, items: Iterable[Mapping[str, Any]], *, replace: bool = False) -> int:
        """Flat items, one per size: nmID, chrtId, barcode(s), vendorCode, price, discount, stock (int for the
        first warehouse or ``{warehouseId: amount}``)…"""
        if replace:
            self.cards.clear()
            self.sizes.clear()
            for held in self.stocks.values():
                held.clear()
        loaded = 0
        for item in items:
            nm_id = int(item.get("nmID", item.get("nmId", 0)))
            card, size, stock = card_from_item(item, self.cards.get(nm_id))
            self.cards[card.nm_id] = card
            self.sizes[size.chrt_id] = size
            if isinstance(stock, Mapping):
                for wid, amount in stock.items():
                    self.stocks.setdefault(int(wid), {})[size.chrt_id] = int(amount)
            elif stock is not None:
                self.stocks[self.default_warehouse][size.chrt_id] = int(stock)
            loaded += 1
        return loaded

    @property
    def default_warehouse(self) -> int:
        return next(iter(self.warehouses))

    def find_size(self, key: Any) -> WbSize:
        """By chrtId, then barcode, then vendorCode (single-size cards)."""
        text = str(key)
        if text.isdigit() and int(text) in self.sizes:
            return self.sizes[int(text)]
        for size in self.sizes.values():
            if text in size.barcodes:
                return size
        for card in self.cards.values():
            if card.vendor_code == text:
                if len(card.sizes) != 1:
                    raise ValueError(f"vendorCode {text} has several sizes; use chrtId or barcode")
                return card.sizes[0]
        raise KeyError(key)

    def stock_of(self, key: Any, warehouse_id: int | None = None) -> int:
        size = self.find_size(key)
        return self.stocks.get(warehouse_id or self.default_warehouse, {}).get(size.chrt_id, 0)

    def stock_snapshot(self) -> list[dict[str, Any]]:
        return [
            {"warehouseId": wid, "chrtId": chrt, "nmID": self.sizes[chrt].nm_id, "amount": amount}
            for wid, held in self.stocks.items()
            for chrt, amount in sorted(held.items())
            if chrt in self.sizes
        ]

    def buyer_orders(
        self,
        items: Any,
        *,
        warehouse_id: int | None = None,
        allow_oversell: bool = False,
        created_at: str | datetime | None = None,
    ) -> list[dict[str, Any]]:
        """A buyer checks out ``{key: qty}`` (key: chrtId, barcode or vendorCode): one assembly task per unit.

        With ``allow_oversell`` units beyond the stock become ``isZeroOrder`` tasks."""
        warehouse_id = warehouse_id or self.default_warehouse
        if warehouse_id not in self.warehouses:
            raise KeyError(warehouse_id)
        lines = [(self.find_size(key), quantity) for key, quantity in parse_lines(items)]
        held = self.stocks.setdefault(warehouse_id, {})
        for size in {s.chrt_id: s for s, _ in lines}.values():
            wanted = sum(q for s, q in lines if s.chrt_id == size.chrt_id)
            if not allow_oversell and held.get(size.chrt_id, 0) < wanted:
                raise SandboxError(f"only {held.get(size.chrt_id, 0)} of chrtId {size.chrt_id} in stock")
        created = datetime.fromisoformat(created_at) if isinstance(created_at, str) else created_at or utc_now()
        created = created.astimezone(UTC).replace(microsecond=0)  # the API's dates are whole Unix seconds
        order_uid = f"{uuid.uuid4().hex[:12]}_{int(created.timestamp())}"
        tasks: list[WbTask] = []
        for size, quantity in lines:
            for _ in range(quantity):
                in_stock = held.get(size.chrt_id, 0) > 0
                take = in_stock and self.rules.decrement_on_order
                if take:
                    held[size.chrt_id] -= 1
                task = WbTask(
                    id=next(self._task_ids),
                    order_uid=order_uid,
                    rid=uuid.uuid4().hex,
                    created_at=created,
                    warehouse_id=warehouse_id,
                    office_id=int(self.warehouses[warehouse_id].get("officeId", 0)),
                    card=self.cards[size.nm_id],
                    size=size,
                    is_zero_order=not in_stock,
                    stock_taken=take,
                    currency=self.rules.sale_currency,
                    converted_currency=self.rules.seller_currency,
                )
                self.tasks[task.id] = task
                tasks.append(task)
        return [task_json(t, in_list=False) for t in tasks]

    def buyer_cancels(self, order_id: int | str) -> list[dict[str, Any]]:
        """The buyer cancels a task (by id) or the whole cart (by orderUid); units go back to stock."""
        chosen = [t for t in self.tasks.values() if t.order_uid == order_id or str(t.id) == str(order_id)]
        if not chosen:
            raise KeyError(order_id)
        cancellable = [t for t in chosen if not t.cancelled]
        if not cancellable:
            raise SandboxError(f"{order_id} is already cancelled")
        for task in cancellable:
            task.wb_status = "declined_by_client"
            self._give_back(task)
        return [status_json(t) for t in chosen]

    def set_order_status(
        self, order_id: int, status: str | None = None, *, wb_status: str | None = None
    ) -> dict[str, Any]:
        """Set a task's supplierStatus (``status``) and/or wbStatus; stock is not touched. ``confirm`` is the
        seller adding the task to a supply: it leaves /orders/new and the history list shows its supplyId."""
        task = self.tasks[int(order_id)]
        if status is not None and status not in SUPPLIER_STATUSES:
            raise ValueError(f"unknown supplierStatus {status}")
        if wb_status is not None and wb_status not in WB_STATUSES:
            raise ValueError(f"unknown wbStatus {wb_status}")
        if status == "confirm" and task.supply_id is None:
            self.put_in_supply(task, self.new_supply("made in the cabinet"))
        task.supplier_status = status or task.supplier_status
        task.wb_status = wb_status or task.wb_status
        return status_json(task)

    def buyer_returns(
        self, order_id: int, *, reason: str = "Не подошёл размер", handed_over: bool = True
    ) -> dict[str, Any]:
        """A buyer returns a delivered task's unit; with ``handed_over`` WB has already given it back to the
        seller (``completedDt``)."""
        task = self.tasks[int(order_id)]
        moment = self.now().replace(microsecond=0)
        row = WbReturn(
            srid=uuid.uuid4().hex,
            task=task,
            reason=reason,
            return_type="Возврат товара продавцу",
            order_date=moment - timedelta(hours=1),
            status="Выдано продавцу" if handed_over else "В пути в пвз",
            completed_at=moment if handed_over else None,
            shk_id=task.id * 7,
            sticker_id=str(task.id * 3),
        )
        self.returns.append(row)
        return {"srid": row.srid, "orderId": task.id}

    def set_warehouse(self, warehouse_id: int, **fields: Any) -> dict[str, Any]:
        """Add or change a seller warehouse (e.g. ``isProcessing=True``)."""
        warehouse = self.warehouses.setdefault(int(warehouse_id), {**DEFAULT_WAREHOUSE, "id": int(warehouse_id)})
        warehouse.update(fields)
        self.stocks.setdefault(int(warehouse_id), {})
        return warehouse

    def block_stock_updates(self, on: bool = True) -> None:
        """While on, stock pushes get 406 StatusNotAcceptable (e.g. a seller ban)."""
        self.stock_updates_blocked = on

    async def _ctl_warehouse(self, request: web.Request) -> web.Response:
        return await self.control(request, lambda body: self.set_warehouse(body.pop("id"), **body))

    async def _ctl_return(self, request: web.Request) -> web.Response:
        return await self.control(request, lambda body: self.buyer_returns(body.pop("orderId"), **body))

    def reset(self) -> None:
        super().reset()
        self.cards.clear()
        self.sizes.clear()
        self.tasks.clear()
        self.supplies.clear()
        self.returns.clear()
        self.charges.clear()
        self.stocks = {wid: {} for wid in self.warehouses}
        self._buckets.clear()
        self._report = None
        self.stock_updates_blocked = False


def demo_account(listings: list[DemoListing]) -> DemoAccount:
    """The demo's Wildberries cabinet: its listings with a chrtId, in its default warehouse."""
    # A seller in Uzbekistan is settled in so'm by Wildberries (marketplace-fidelity.md, CUR).
    wb = WildberriesSandbox(token="demo-wb-token", seller_currency=860, prices_currency="UZS")
    wb.load_catalog(
        [
            {
                "nmID": int(listing.keys["chrt_id"]),
                "chrtId": int(listing.keys["chrt_id"]),
                "barcode": listing.barcode or listing.sku,
                "vendorCode": listing.sku,
                "title": listing.name_ru or listing.name_uz,
                "price": int(listing.price),
                "stock": listing.stock,
            }
            for listing in listings
            if "chrt_id" in listing.keys
        ]
    )
    return DemoAccount(wb, token="demo-wb-token", warehouse_id=wb.default_warehouse)


def _demo_keys(product: SeededProduct) -> dict[str, str | None]:
    return {"chrt_id": str(8000000 + product.id)}


DEMO = DemoPlatform(
    commission=Decimal("17.00"), sku_prefix="WB", russian_listings=True, keys=_demo_keys, account=demo_account
)
