"""Uzum shop, stock and price endpoints of the sandbox: shops, the stock push by barcode with its validation,
stock reads (v2 unpaged, v3 page/cursor) and the product listing that carries prices (contract §1.1-§1.4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

from demo.sandboxes.uzum_models import UzumSku
from demo.sandboxes.uzum_wire import api_error, envelope, uzum_error

if TYPE_CHECKING:
    from demo.sandboxes.uzum import UzumRules


class UzumStockApi:
    rules: UzumRules
    shops: list[dict[str, Any]]
    skus: dict[int, UzumSku]

    async def _shops(self, request: web.Request) -> web.Response:
        return web.json_response(self.shops)  # bare list, no envelope

    async def _push_stocks(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return uzum_error(400, "storage-service-05", "Request body is not valid JSON")
        rows = body.get("skuAmountList") if isinstance(body, dict) else None
        if not isinstance(rows, list) or not rows:
            return uzum_error(400, "storage-service-05", "skuAmountList must contain at least one item")
        limit = self.rules.stock_batch_limit
        if limit is not None and len(rows) > limit:
            return uzum_error(400, "storage-service-05", f"skuAmountList must contain at most {limit} items")
        errors: list[dict[str, Any]] = []
        updates: list[tuple[UzumSku, dict[str, Any]]] = []
        seen: set[str] = set()
        for index, row in enumerate(rows):
            problem = self._row_problem(row, seen)
            if problem:
                errors.append(api_error("storage-service-05", problem, index=index))
                continue
            sku = self._sku_for_row(row)
            if sku is None:
                errors.append(api_error("storage-service-09", "SKU not found", index=index, barcode=row.get("barcode")))
                continue
            updates.append((sku, row))
        if errors and self.rules.batch_400_rejects_all:
            return envelope(None, errors, 400)
        for sku, row in updates:
            sku.amount = row["amount"]
            for wire, attr in (("fbsLinked", "fbs_linked"), ("dbsLinked", "dbs_linked")):
                if isinstance(row.get(wire), bool):
                    setattr(sku, attr, row[wire])
        if errors:
            return envelope(None, errors, 400)
        return envelope({})

    def _row_problem(self, row: Any, seen: set[str]) -> str | None:
        if not isinstance(row, dict):
            return "item must be an object"
        amount = row.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int):
            return "amount is required and must be an integer"
        if amount < 0:
            return "amount must not be negative"
        if self.rules.max_amount is not None and amount > self.rules.max_amount:
            return f"amount must not exceed {self.rules.max_amount}"
        barcode = row.get("barcode")
        if barcode is None and self.rules.accept_sku_id_only and isinstance(row.get("skuId"), int):
            return None
        if not isinstance(barcode, str) or not barcode:
            return "barcode is required"
        if barcode in seen:
            return f"barcode {barcode} is repeated in the list"
        seen.add(barcode)
        return None

    def _sku_for_row(self, row: dict[str, Any]) -> UzumSku | None:
        barcode = row.get("barcode")
        if barcode is None:  # only reachable with accept_sku_id_only
            return self.skus.get(row["skuId"])
        # skuId is "optional for update" and not used for matching; the barcode decides.
        return next((sku for sku in self.skus.values() if sku.barcode == barcode), None)

    async def _read_stocks_v2(self, request: web.Request) -> web.Response:
        rows = [sku.stock_row() for sku in sorted(self.skus.values(), key=lambda s: s.sku_id, reverse=True)]
        return envelope({"skuAmountList": rows})

    async def _read_stocks_v3(self, request: web.Request) -> web.Response:
        query = request.query
        if "page" in query and "skuIdFrom" in query:
            return uzum_error(400, "fbs-12-illegal-argument", "Use either page or skuIdFrom, not both")
        try:
            size = int(query["size"])
            page = int(query.get("page", "0"))
            cursor = int(query["skuIdFrom"]) if "skuIdFrom" in query else None
        except (KeyError, ValueError):
            return uzum_error(400, "illegal-argument-001", "size is required; page, skuIdFrom, size are integers")
        if not 1 <= size <= self.rules.stock_page_max or page < 0 or (cursor is not None and cursor < 0):
            return uzum_error(400, "illegal-argument-001", f"size must be 1..{self.rules.stock_page_max}")
        if cursor is not None:
            ordered = sorted((s for s in self.skus.values() if s.sku_id > cursor), key=lambda s: s.sku_id)
            chosen = ordered[:size]
        else:
            ordered = sorted(self.skus.values(), key=lambda s: s.sku_id, reverse=True)
            chosen = ordered[page * size : (page + 1) * size]
        return envelope({"skuAmountList": [sku.stock_row() for sku in chosen]})

    async def _products(self, request: web.Request) -> web.Response:
        try:
            shop_id = int(request.match_info["shopId"])
            size, page = int(request.query["size"]), int(request.query["page"])
        except (KeyError, ValueError):
            return uzum_error(400, "illegal-argument-001", "page and size are required integers")
        if size < 1 or page < 0:
            return uzum_error(400, "illegal-argument-001", "size must be positive and page not negative")
        if shop_id not in {shop["id"] for shop in self.shops}:
            return uzum_error(403, "fbs-2-seller-access-denied", "No access to this shop")
        products = self._product_list(shop_id, request.query)
        chosen = products[page * size : (page + 1) * size]
        return web.json_response({"productList": chosen, "totalProductsAmount": len(products)})  # no envelope

    def _product_list(self, shop_id: int, query: Mapping[str, str]) -> list[dict[str, Any]]:
        wanted = query.get("filter", "ALL")
        search = query.get("searchQuery", "").lower()
        grouped: dict[int, list[UzumSku]] = {}
        for sku in self.skus.values():
            if sku.shop_id != shop_id:
                continue
            if (wanted == "ARCHIVE" and not sku.archived) or (wanted == "ACTIVE" and (sku.archived or sku.blocked)):
                continue
            if search and search not in f"{sku.product_title} {sku.sku_title}".lower():
                continue
            grouped.setdefault(sku.product_id, []).append(sku)
        sort_key = {"PRICE": lambda p: min(s.price for s in p[1]), "LEFTOVERS": lambda p: sum(s.amount for s in p[1])}
        items = sorted(grouped.items(), key=sort_key.get(query.get("sortBy", ""), lambda p: p[0]))
        if query.get("order", "DESC") == "DESC":
            items.reverse()
        return [
            {
                "productId": pid,
                "title": skus[0].product_title,
                "category": skus[0].category,
                "image": skus[0].image,
                "skuList": [s.product_row() for s in skus],
            }
            for pid, skus in items
        ]
