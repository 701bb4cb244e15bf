"""Ozon stock and catalog endpoints of the sandbox: the stock push with per-item results and the 30-second pair
rule, stock by warehouse and by scheme, prices, product info/listing and warehouses (contract §3.1-§3.3)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from demo.sandboxes.common import encode_cursor
from demo.sandboxes.ozon_models import OzonItem, item_price
from demo.sandboxes.ozon_wire import BadRequest, int_in, page

if TYPE_CHECKING:
    from demo.sandboxes.ozon import OzonRules


class OzonProductApi:
    """Handlers over the catalog and stock state the sandbox holds."""

    rules: OzonRules
    items: dict[str, OzonItem]
    free: dict[tuple[str, int], int]
    reserved: dict[tuple[str, int], int]
    warehouses: dict[int, dict[str, Any]]
    _last_pair_update: dict[tuple[str, int], float]

    # -- stock push ------------------------------------------------------------------------------------------
    async def _push_stocks(self, body: dict[str, Any]) -> web.Response:
        rows = body.get("stocks")
        if not isinstance(rows, list) or not rows:
            raise BadRequest("stocks must be a non-empty list")
        if len(rows) > self.rules.stock_batch_limit:
            raise BadRequest(f"stocks must contain at most {self.rules.stock_batch_limit} items")
        for index, row in enumerate(rows):
            self._check_stock_row(index, row)
        return web.json_response({"result": [self._apply_stock_row(row) for row in rows]})

    def _check_stock_row(self, index: int, row: Any) -> None:
        prefix = f"invalid ProductsStocksRequest.Stocks[{index}]"
        if not isinstance(row, dict):
            raise BadRequest(f"{prefix}: value must be an object")
        if not isinstance(row.get("warehouse_id"), int) or row["warehouse_id"] <= 0:
            raise BadRequest(f"{prefix}: invalid ProductsStocksRequest_Stock.WarehouseId: value must be greater than 0")
        stock = row.get("stock")
        if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
            raise BadRequest(f"{prefix}: invalid ProductsStocksRequest_Stock.Stock: value must be a non-negative int")
        if self.rules.require_product_id and not isinstance(row.get("product_id"), int):
            raise BadRequest(f"{prefix}: invalid ProductsStocksRequest_Stock.ProductId: value is required")
        if not row.get("offer_id") and not row.get("product_id"):
            raise BadRequest(f"{prefix}: offer_id or product_id is required")

    def _apply_stock_row(self, row: dict[str, Any]) -> dict[str, Any]:
        item = self._item_for_row(row)
        warehouse_id = row["warehouse_id"]
        result: dict[str, Any] = {
            "offer_id": item.offer_id if item else row.get("offer_id", ""),
            "product_id": item.product_id if item else row.get("product_id", 0),
            "warehouse_id": warehouse_id,
            "updated": False,
            "errors": [],
        }

        def error(code: str, message: str) -> dict[str, Any]:
            result["errors"].append({"code": code, "message": message})
            return result

        if item is None:
            return error(self.rules.unknown_offer_code, "Product not found")
        if warehouse_id not in self.warehouses:
            return error("WAREHOUSE_NOT_FOUND", "Warehouse not found")
        if item.archived:
            return error("PRODUCT_IS_ARCHIVED", "Product is archived")
        if row["stock"] >= self.rules.max_stock_exclusive:
            return error("STOCK_TOO_BIG", f"Stock must be less than {self.rules.max_stock_exclusive}")
        pair = (item.offer_id, warehouse_id)
        now = time.monotonic()
        last = self._last_pair_update.get(pair)
        if last is not None and now - last < self.rules.pair_window_seconds:
            return error("TOO_MANY_REQUESTS", "Stock is updated too frequently")
        self._last_pair_update[pair] = now
        self.free[pair] = row["stock"]  # the pushed number excludes units already reserved
        self.reserved.setdefault(pair, 0)
        result["updated"] = True
        return result

    def _item_for_row(self, row: dict[str, Any]) -> OzonItem | None:
        offer_id = row.get("offer_id")
        if offer_id:  # when both are sent offer_id wins
            return self.items.get(str(offer_id))
        return next((i for i in self.items.values() if i.product_id == row.get("product_id")), None)

    # -- product reads ---------------------------------------------------------------------------------------
    def _filtered_items(self, flt: Mapping[str, Any]) -> list[OzonItem]:
        offer_ids = flt.get("offer_id") or []
        product_ids = [str(p) for p in flt.get("product_id") or []]
        if len(offer_ids) > 1000 or len(product_ids) > 1000:
            raise BadRequest("filter lists hold at most 1000 ids")
        visibility = flt.get("visibility", "ALL")
        chosen = [
            item
            for item in self.items.values()
            if (not offer_ids or item.offer_id in offer_ids)
            and (not product_ids or str(item.product_id) in product_ids)
            and (visibility == "ALL" or (visibility == "ARCHIVED") == item.archived)
        ]
        return sorted(chosen, key=lambda i: i.product_id)

    async def _stocks_by_warehouse(self, body: dict[str, Any]) -> web.Response:
        limit = int_in(body.get("limit"), 1, self.rules.stocks_limit_max, "limit")
        offer_ids, skus = body.get("offer_id") or [], body.get("sku") or []
        rows = []
        for (offer_id, warehouse_id), free in sorted(self.free.items()):
            item = self.items.get(offer_id)
            if item is None or (offer_ids and offer_id not in offer_ids) or (skus and item.sku not in skus):
                continue
            reserved = self.reserved.get((offer_id, warehouse_id), 0)
            rows.append(
                {
                    "offer_id": offer_id,
                    "product_id": item.product_id,
                    "sku": item.sku,
                    "warehouse_id": warehouse_id,
                    "warehouse_name": self.warehouses.get(warehouse_id, {}).get("name", ""),
                    "present": free + reserved,
                    "reserved": reserved,
                    "free_stock": free,
                }
            )
        rows_page, cursor, has_next = page(rows, limit, body.get("cursor"))
        return web.json_response({"products": rows_page, "cursor": cursor, "has_next": has_next})

    async def _stocks_summary(self, body: dict[str, Any]) -> web.Response:
        limit = int_in(body.get("limit"), 1, self.rules.stocks_limit_max, "limit")
        items = self._filtered_items(body.get("filter") or {})
        rows_page, cursor, _ = page(items, limit, body.get("cursor"))
        return web.json_response(
            {"items": [self._stock_summary(i) for i in rows_page], "cursor": cursor, "total": len(items)}
        )

    def _stock_summary(self, item: OzonItem) -> dict[str, Any]:
        by_type: dict[str, dict[str, Any]] = {}
        for (offer_id, warehouse_id), free in self.free.items():
            if offer_id != item.offer_id:
                continue
            kind = "rfbs" if self.warehouses.get(warehouse_id, {}).get("is_rfbs") else "fbs"
            entry = by_type.setdefault(
                kind,
                {
                    "type": kind,
                    "sku": item.sku,
                    "present": 0,
                    "reserved": 0,
                    "shipment_type": "SHIPMENT_TYPE_GENERAL",
                    "warehouse_ids": [],
                },
            )
            reserved = self.reserved.get((offer_id, warehouse_id), 0)
            entry["present"] += free + reserved
            entry["reserved"] += reserved
            entry["warehouse_ids"].append(warehouse_id)
        return {"offer_id": item.offer_id, "product_id": item.product_id, "stocks": list(by_type.values())}

    async def _prices(self, body: dict[str, Any]) -> web.Response:
        limit = int_in(body.get("limit"), 1, 1000, "limit")
        items = self._filtered_items(body.get("filter") or {})
        rows_page, cursor, _ = page(items, limit, body.get("cursor"))
        rows = [
            {
                "offer_id": i.offer_id,
                "product_id": i.product_id,
                "price": item_price(i),
                "commissions": {"sales_percent_fbs": 15.0, "fbs_direct_flow_trans_min_amount": 0.0},
                "marketing_actions": {"actions": [], "current_period_from": None, "current_period_to": None},
                "price_indexes": {"color_index": "WITHOUT_INDEX"},
                "acquiring": 0.0,
                "volume_weight": 0.5,
            }
            for i in rows_page
        ]
        return web.json_response({"items": rows, "cursor": cursor, "total": len(items), "total_items": len(items)})

    async def _info_list(self, body: dict[str, Any]) -> web.Response:
        offer_ids = [str(o) for o in body.get("offer_id") or []]
        product_ids = [int(p) for p in body.get("product_id") or []]
        skus = [int(s) for s in body.get("sku") or []]
        if len(offer_ids) + len(product_ids) + len(skus) > 1000:
            raise BadRequest("at most 1000 ids in total")
        chosen = [
            i for i in self.items.values() if i.offer_id in offer_ids or i.product_id in product_ids or i.sku in skus
        ]
        return web.json_response({"items": [self._info(i) for i in chosen]})

    def _info(self, item: OzonItem) -> dict[str, Any]:
        present = sum(f + self.reserved.get(k, 0) for k, f in self.free.items() if k[0] == item.offer_id)
        reserved = sum(r for k, r in self.reserved.items() if k[0] == item.offer_id)
        return {
            "id": item.product_id,
            "offer_id": item.offer_id,
            "sku": item.sku,
            "name": item.name,
            "barcodes": list(item.barcodes),
            "primary_image": item.images[:1],
            "images": list(item.images),
            "price": f"{item.price:.2f}",
            "old_price": f"{item.old_price:.2f}",
            "min_price": f"{item.min_price:.2f}",
            "currency_code": item.currency_code,
            "sources": [
                {"sku": item.sku, "source": "sds", "created_at": None, "shipment_type": "SHIPMENT_TYPE_GENERAL"}
            ],
            "stocks": {
                "has_stock": present > 0,
                "stocks": [{"present": present, "reserved": reserved, "sku": item.sku, "source": "fbs"}],
            },
            "is_archived": item.archived,
            "is_kgt": item.is_kgt,
        }

    async def _product_list(self, body: dict[str, Any]) -> web.Response:
        limit = int_in(body.get("limit", 1000), 1, 1000, "limit")
        items = self._filtered_items(body.get("filter") or {})
        rows_page, cursor, _ = page(items, limit, body.get("last_id"))
        rows = [
            {
                "product_id": i.product_id,
                "offer_id": i.offer_id,
                "archived": i.archived,
                "has_fbo_stocks": False,
                "has_fbs_stocks": any(f > 0 for k, f in self.free.items() if k[0] == i.offer_id),
                "is_discounted": False,
                "quants": [],
            }
            for i in rows_page
        ]
        last_id = cursor or (encode_cursor(len(items)) if rows_page else "")
        return web.json_response({"result": {"items": rows, "last_id": last_id, "total": len(items)}})

    async def _warehouse_list(self, body: dict[str, Any]) -> web.Response:
        limit = int_in(body.get("limit", self.rules.warehouses_limit_max), 1, self.rules.warehouses_limit_max, "limit")
        wanted = body.get("warehouse_ids") or []
        rows = [w for wid, w in sorted(self.warehouses.items()) if not wanted or wid in wanted]
        rows_page, cursor, has_next = page(rows, limit, body.get("cursor"))
        return web.json_response({"warehouses": rows_page, "cursor": cursor, "has_next": has_next})
