"""Wildberries FBS supplies of the sandbox as the state machine WB keeps: a task goes into an open supply (and so to
`confirm`), gets its sticker only there, and the supply is handed over (closed, its tasks `complete`) and only then
gives its QR code (WB-SPEC 03-orders-fbs.yaml `/api/v3/supplies*`, `/api/marketplace/v3/supplies/{supplyId}/orders`,
`/api/v3/orders/stickers`; WB-MD postavki-fbs/*.md and post-api-v3-orders-stickers.md).

Where the spec names a refusal but not its rule, the sandbox takes the stricter reading, said at each place."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from datetime import datetime
from itertools import count
from typing import TYPE_CHECKING

from aiohttp import web
from PIL import Image, ImageDraw, ImageFont

from demo.sandboxes.common import read_json
from demo.sandboxes.wildberries_models import WbSupply, WbTask, supply_json
from demo.sandboxes.wildberries_wire import wb_error

if TYPE_CHECKING:
    from demo.sandboxes.wildberries import WbRules

# The spec's own words for its refusals (WB-SPEC 03-orders-fbs.yaml components/examples).
FAILED_TO_ADD = (
    "Не удалось закрепить сборочное задание за поставкой."
    " Убедитесь, что сборочное задание и поставка удовлетворяют всем необходимым требованиям."
)
ZERO_ORDERS = "Не удалось обработать поставку. Убедитесь, что за ней закреплён хотя бы одно сборочное задание."
NOT_CLOSED = "Поставка не передана в доставку"
STICKER_SIZES = {(58, 40): (580, 400), (40, 30): (400, 300)}
PRINT_TYPES = frozenset({"svg", "zplv", "zplh", "png"})


class WbSuppliesApi:
    rules: WbRules
    tasks: dict[int, WbTask]
    supplies: dict[str, WbSupply]
    _supply_ids: count[int]
    now: Callable[[], datetime]

    # -- supplies --------------------------------------------------------------------------------------------
    def new_supply(self, name: str) -> WbSupply:
        supply = WbSupply(id=f"WB-GI-{next(self._supply_ids)}", name=name, created_at=self.now().replace(microsecond=0))
        self.supplies[supply.id] = supply
        return supply

    async def _create_supply(self, request: web.Request) -> web.Response:
        body = await read_json(request)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str) or not 1 <= len(name) <= 128:
            return wb_error(400, "IncorrectRequestBody", "Некорректное тело запроса")
        return web.json_response({"id": self.new_supply(name).id}, status=201)

    async def _list_supplies(self, request: web.Request) -> web.Response:
        """Oldest first, paged by `next` (the position after the page; the same value once the list is done)."""
        try:
            limit, after = int(request.query["limit"]), int(request.query["next"])
        except (KeyError, ValueError):
            return wb_error(400, "IncorrectParameter", "Передан некорректный параметр")
        if not 1 <= limit <= 1000 or after < 0:
            return wb_error(400, "IncorrectParameter", "Передан некорректный параметр")
        page = list(self.supplies.values())[after : after + limit]
        return web.json_response({"next": after + len(page), "supplies": [supply_json(s) for s in page]})

    async def _supply(self, request: web.Request) -> web.Response:
        supply = self.supplies.get(request.match_info["supplyId"])
        if supply is None:
            return wb_error(404, "NotFound", "Не найдено")
        return web.json_response(supply_json(supply))

    async def _add_orders(self, request: web.Request) -> web.Response:
        supply = self.supplies.get(request.match_info["supplyId"])
        if supply is None:
            return wb_error(404, "NotFound", "Не найдено")
        body = await read_json(request)
        ids = body.get("orders") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100 or not all(isinstance(i, int) for i in ids):
            return wb_error(400, "IncorrectParameter", "Передан некорректный параметр")
        chosen = [self.tasks.get(i) for i in ids]
        # The spec does not say whether the good tasks of a refused batch are added: stricter, none is.
        if any(task is None or not self._may_join(task, supply) for task in chosen):
            return wb_error(409, "FailedToAddSupplyOrder", FAILED_TO_ADD)
        for task in chosen:
            assert task is not None
            self.put_in_supply(task, supply)
        return web.Response(status=204)

    def _may_join(self, task: WbTask, supply: WbSupply) -> bool:
        """A task in `new`, or one moved from another open supply (the spec allows moving between active
        supplies; moving out of a closed one only for a reshipment, which the sandbox does not model), of the
        supply's cargo type and warehouse, into a supply not yet handed over."""
        if supply.done or task.cancelled or task.supplier_status not in ("new", "confirm"):
            return False
        if task.supplier_status == "confirm":
            current = self.supplies.get(task.supply_id or "")
            if current is None or current.done:
                return False
        if supply.cargo_type and supply.cargo_type != task.card.cargo_type:
            return False
        return all(self.tasks[i].warehouse_id == task.warehouse_id for i in supply.order_ids)

    def put_in_supply(self, task: WbTask, supply: WbSupply) -> None:
        self.leave_supply(task)
        if not supply.order_ids:
            supply.cargo_type, supply.cross_border_type = task.card.cargo_type, 0
        supply.order_ids.append(task.id)
        task.supply_id, task.supplier_status = supply.id, "confirm"

    def leave_supply(self, task: WbTask) -> None:
        """A task cancelled by the seller leaves its supply (WB-SPEC `POST /api/v3/supplies` description)."""
        current = self.supplies.get(task.supply_id or "")
        if current is not None and not current.done and task.id in current.order_ids:
            current.order_ids.remove(task.id)

    async def _deliver(self, request: web.Request) -> web.Response:
        supply = self.supplies.get(request.match_info["supplyId"])
        if supply is None:
            return wb_error(404, "NotFound", "Не найдено")
        if not supply.order_ids:
            return wb_error(409, "SupplyHasZeroOrders", ZERO_ORDERS)
        if supply.done:
            # The spec lists no answer for closing a closed supply; stricter: refused, under its generic 409 title.
            return wb_error(409, "SupplyIsClosed", "Ошибка закрытия поставки: поставка уже передана в доставку")
        supply.done, supply.closed_at = True, self.now().replace(microsecond=0)
        for task_id in supply.order_ids:
            self.tasks[task_id].supplier_status = "complete"
        return web.Response(status=204)

    async def _supply_barcode(self, request: web.Request) -> web.Response:
        supply = self.supplies.get(request.match_info["supplyId"])
        kind = request.query.get("type")
        if kind not in PRINT_TYPES:
            return wb_error(400, "IncorrectParameter", "Передан некорректный параметр")
        if supply is None:
            return wb_error(404, "NotFound", "Не найдено")
        if not supply.done:
            return wb_error(409, "SupplyNotClosed", NOT_CLOSED)
        return web.json_response({"barcode": supply.id, "file": _print(kind, (580, 400), [supply.id])})

    # -- stickers --------------------------------------------------------------------------------------------
    async def _stickers(self, request: web.Request) -> web.Response:
        query = request.query
        try:
            size = STICKER_SIZES.get((int(query["width"]), int(query["height"])))
        except (KeyError, ValueError):
            size = None
        kind = query.get("type")
        if size is None or kind not in PRINT_TYPES:
            return wb_error(400, "IncorrectParameter", "Передан некорректный параметр")
        body = await read_json(request)
        ids = body.get("orders") if isinstance(body, dict) else None
        if not isinstance(ids, list) or not 1 <= len(ids) <= self.rules.stickers_batch_limit:
            return wb_error(400, "IncorrectRequestBody", "Некорректное тело запроса")
        chosen = [self.tasks.get(i) if isinstance(i, int) else None for i in ids]
        # Stickers exist only for tasks in `confirm` or `complete` (WB-MD post-api-v3-orders-stickers.md); the
        # spec's 409 does not say whether the others are left out or the request refused: stricter, refused.
        if any(
            task is None or task.cancelled or task.supplier_status not in ("confirm", "complete") for task in chosen
        ):
            return wb_error(
                409, "Conflict", "Стикеры можно получить только для сборочных заданий на сборке или в доставке"
            )
        stickers = []
        for task in chosen:
            assert task is not None
            part_a, part_b = str(task.id)[:-4], str(task.id)[-4:]
            stickers.append(
                {
                    "orderId": task.id,
                    "partA": part_a,
                    "partB": part_b,
                    "barcode": f"!{task.id:x}",
                    "file": _print(kind, size, [f"{part_a} {part_b}", task.card.vendor_code]),
                }
            )
        return web.json_response({"stickers": stickers})


def _print(kind: str, size: tuple[int, int], lines: list[str]) -> str:
    """A label in the asked format, base64: a real PNG of the asked pixel size, or a small SVG/ZPL."""
    if kind == "png":
        image = Image.new("L", size, 255)
        draw = ImageDraw.Draw(image)
        font = ImageFont.load_default(size=size[1] // 8)
        for row, line in enumerate(lines):
            draw.text((size[0] // 20, size[1] // 10 + row * size[1] // 5), line, fill=0, font=font)
        # bars standing in for the barcode: one per bit of the first line
        for bit, char in enumerate("".join(f"{ord(c):08b}" for c in lines[0])[: size[0] // 4]):
            if char == "1":
                x = size[0] // 20 + bit * 3
                draw.rectangle((x, size[1] * 6 // 10, x + 1, size[1] * 9 // 10), fill=0)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        raw = buffer.getvalue()
    elif kind == "svg":
        text = "".join(f'<text x="10" y="{40 * (i + 1)}">{line}</text>' for i, line in enumerate(lines))
        raw = f'<svg xmlns="http://www.w3.org/2000/svg" width="{size[0]}" height="{size[1]}">{text}</svg>'.encode()
    else:
        raw = ("^XA" + "".join(f"^FO20,{40 * (i + 1)}^FD{line}^FS" for i, line in enumerate(lines)) + "^XZ").encode()
    return base64.b64encode(raw).decode()
