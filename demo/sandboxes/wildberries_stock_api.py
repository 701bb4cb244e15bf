"""Wildberries warehouse and stock endpoints of the sandbox: seller warehouses, stock push by chrtId with its
quirks (ignored unknown keys, 409 arrays), stock read and delete, and the lagging analytics stock report."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from demo.sandboxes.common import read_json, rfc3339, utc_now
from demo.sandboxes.wildberries_models import WbSize
from demo.sandboxes.wildberries_wire import wb_error

if TYPE_CHECKING:
    from demo.sandboxes.wildberries import WbRules


class WbStockApi:
    rules: WbRules
    warehouses: dict[int, dict[str, Any]]
    sizes: dict[int, WbSize]
    stocks: dict[int, dict[int, int]]
    stock_updates_blocked: bool
    _report: tuple[float, list[dict[str, Any]]] | None

    async def _ping(self, request: web.Request) -> web.Response:
        return web.json_response({"TS": rfc3339(utc_now()), "Status": "OK"})

    async def _warehouses(self, request: web.Request) -> web.Response:
        return web.json_response(list(self.warehouses.values()))

    def _warehouse_id(self, request: web.Request) -> int | None:
        try:
            warehouse_id = int(request.match_info["warehouseId"])
        except ValueError:
            return None
        return warehouse_id if warehouse_id in self.warehouses else None

    async def _push_stocks(self, request: web.Request) -> web.Response:
        warehouse_id = self._warehouse_id(request)
        if warehouse_id is None:
            return wb_error(404, "NotFound", "")
        body = await read_json(request)
        if not isinstance(body, dict):
            return wb_error(400, "IncorrectRequestBody", "Request body must be a JSON object")
        rows = body.get("stocks")
        if rows is None:
            return web.Response(status=204)  # field names are not validated: nothing to do, still 204
        if not isinstance(rows, list) or len(rows) > self.rules.stock_batch_limit:
            return wb_error(400, "IncorrectRequestBody", f"stocks must be a list of 1..{self.rules.stock_batch_limit}")
        if self.stock_updates_blocked:
            return wb_error(406, "StatusNotAcceptable", "Stock updates are blocked")
        if self.warehouses[warehouse_id].get("isProcessing"):
            return web.json_response(
                [{"code": "StoreIsProcessing", "message": "Warehouse is being updated, retry later", "data": None}],
                status=409,
            )
        valid: list[tuple[int, int]] = []
        conflicts: dict[str, list[dict[str, int]]] = {}
        for row in rows:
            parsed = self._stock_row(row)
            if isinstance(parsed, str):
                return wb_error(400, "IncorrectRequestBody", parsed)
            if parsed is None:
                continue  # a row without the known keys is silently ignored
            chrt_id, amount = parsed
            if amount > self.rules.max_amount:
                conflicts.setdefault("UploadDataLimit", []).append(self._named(chrt_id, amount))
            elif chrt_id not in self.sizes:
                conflicts.setdefault("NotFound", []).append(self._named(chrt_id, amount))
            else:
                valid.append((chrt_id, amount))
        if not conflicts or self.rules.apply_valid_rows_on_409:
            self.stocks[warehouse_id].update(valid)
        if conflicts:
            messages = {"UploadDataLimit": "Amount exceeds the limit", "NotFound": "Size not found"}
            body_409 = [{"code": code, "message": messages[code], "data": data} for code, data in conflicts.items()]
            return web.json_response(body_409, status=409)
        return web.Response(status=204)

    def _named(self, chrt_id: int, amount: int) -> dict[str, Any]:
        """A refused item as a 409 lists it: by chrtId, or by the size's barcode where that rule is chosen (a size
        WB does not know has no barcode to name it by)."""
        size = self.sizes.get(chrt_id)
        if self.rules.refused_named_by == "sku" and size is not None and size.barcodes:
            return {"sku": size.barcodes[0], "amount": amount}
        return {"chrtId": chrt_id, "amount": amount}

    def _stock_row(self, row: Any) -> tuple[int, int] | str | None:
        if not isinstance(row, dict):
            return "every stocks item must be an object"
        chrt_id = row.get("chrtId")
        if chrt_id is None and self.rules.accept_legacy_sku and "sku" in row:
            chrt_id = next((s.chrt_id for s in self.sizes.values() if str(row["sku"]) in s.barcodes), -1)
        if chrt_id is None or "amount" not in row:
            return None
        amount = row["amount"]
        if isinstance(chrt_id, bool) or not isinstance(chrt_id, int):
            return "chrtId must be an integer"
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            return "amount must be a non-negative integer"
        return chrt_id, amount

    async def _read_stocks(self, request: web.Request) -> web.Response:
        warehouse_id = self._warehouse_id(request)
        if warehouse_id is None:
            return wb_error(404, "NotFound", "")
        body = await read_json(request)
        ids = body.get("chrtIds") if isinstance(body, dict) else None
        valid_ids = isinstance(ids, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in ids)
        if not valid_ids or not ids or len(ids) > self.rules.stock_read_limit:
            return wb_error(400, "IncorrectRequestBody", f"chrtIds must be 1..{self.rules.stock_read_limit} ints")
        held = self.stocks[warehouse_id]
        # [I] only sizes with a stock record at this warehouse are returned
        return web.json_response({"stocks": [{"chrtId": i, "amount": held[i]} for i in ids if i in held]})

    async def _delete_stocks(self, request: web.Request) -> web.Response:
        warehouse_id = self._warehouse_id(request)
        if warehouse_id is None:
            return wb_error(404, "NotFound", "")
        body = await read_json(request)
        ids = body.get("chrtIds") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not ids or len(ids) > 1000:
            return wb_error(400, "IncorrectRequestBody", "chrtIds must be a list of 1..1000")
        for chrt_id in ids:
            self.stocks[warehouse_id].pop(chrt_id, None)
        return web.Response(status=204)

    def _report_rows(self) -> list[dict[str, Any]]:
        now = time.monotonic()
        if self._report is None or now - self._report[0] >= self.rules.analytics_refresh_seconds:
            rows = [
                {
                    "nmId": self.sizes[chrt].nm_id,
                    "chrtId": chrt,
                    "warehouseId": wid,
                    "warehouseName": self.warehouses[wid]["name"],
                    "regionName": "Центральный",
                    "quantity": amount,
                }
                for wid, held in self.stocks.items()
                for chrt, amount in sorted(held.items())
                if chrt in self.sizes
            ]
            self._report = (now, rows)
        return self._report[1]

    async def _stocks_report(self, request: web.Request) -> web.Response:
        body = await read_json(request)
        if not isinstance(body, dict):
            return wb_error(400, "IncorrectRequestBody", "Request body must be a JSON object")
        nm_ids, chrt_ids = body.get("nmIds"), body.get("chrtIds")
        limit, offset = body.get("limit", 250_000), body.get("offset", 0)
        if not isinstance(limit, int) or not isinstance(offset, int) or limit < 1 or offset < 0:
            return wb_error(400, "IncorrectRequestBody", "limit and offset must be non-negative integers")
        rows = [
            row
            for row in self._report_rows()
            if (not nm_ids or row["nmId"] in nm_ids) and (not chrt_ids or row["chrtId"] in chrt_ids)
        ][offset : offset + limit]
        if not rows:
            return web.Response(status=204)
        return web.json_response({"data": {"items": rows}})
