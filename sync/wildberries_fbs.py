"""Wildberries FBS work from our chat (the Fulfilment capability of sync/adapter.py): a task is confirmed by putting
it into today's open supply, gets its sticker there, and the supply is handed over with its QR code
(WB-SPEC 03-orders-fbs.yaml; WB-MD orders-fbs/postavki-fbs/*.md, guides/postavki-fbs.md). Returns come from the
returns-to-seller report (WB-SPEC 12-reports.yaml `/api/v1/analytics/goods-return`)."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from core.analytics import DEFAULT_TIMEZONE
from core.listings import ListingKeys
from core.marketplace_orders import IncomingLine
from sync.adapter import CancelReason, Confirmed, Document, HandOver, IncomingReturn, Label, WorkOrder
from sync.http import MarketplaceError, MarketplaceHttp, Reply

# "Today's" supply is today's in the seller's time: Tashkent, UTC+5 all year (no summer time).
LOCAL = ZoneInfo(DEFAULT_TIMEZONE)
SUPPLIES_PAGE = 1000
# Stickers: at most 100 a request; 580x400 px PNG for a 58x40 mm label (WB-SPEC /api/v3/orders/stickers).
STICKERS_BATCH = 100
# WB's reports give times without a zone, meaning Moscow time (WB-SPEC 12-reports.yaml, "Если часовой пояс не
# указан, то берётся Московское время UTC+3"); the returns report spans at most 31 days a request.
MOSCOW = timezone(timedelta(hours=3))
RETURNS_WINDOW = timedelta(days=30)


class WildberriesFulfilment:
    """Mixed into WildberriesAdapter, whose marketplace and analytics clients it uses."""

    _market: MarketplaceHttp
    _analytics: MarketplaceHttp

    # WB's cancel takes no reason (PATCH /api/v3/orders/{orderId}/cancel has no body): these are only asked so
    # that our records say why; out of stock is the cancel WB forgives for isZeroOrder tasks.
    cancel_reasons: tuple[CancelReason, ...] = ("out_of_stock", "other")

    async def confirm(self, order: WorkOrder) -> Confirmed:
        """Into today's open supply that can take it (made when there is none) with the current call (PATCH
        /api/marketplace/v3/supplies/{supplyId}/orders; the old per-task PATCH is deprecated and removed)."""
        supply = await self._todays_supply(await self._new_task(order))
        reply = await self._market.request(
            "PATCH", f"/api/marketplace/v3/supplies/{supply}/orders", body={"orders": [_task_id(order)]}
        )
        _refused_unless(reply, 204)
        return Confirmed(shipment=supply)

    async def _new_task(self, order: WorkOrder) -> dict[str, Any] | None:
        """The task as /api/v3/orders/new lists it (None once it is not new: adding it then gets WB's words)."""
        reply = await self._market.request("GET", "/api/v3/orders/new")
        _refused_unless(reply, 200)
        return next((t for t in (reply.body or {}).get("orders") or [] if str(t.get("id")) == order.key), None)

    async def _todays_supply(self, task: dict[str, Any] | None) -> str:
        """The newest open supply (`done` false) made today in Tashkent time that takes this task, else a new
        one. A supply takes the cargo type and cross-border type of its first task and then only tasks of those
        (WB-SPEC PATCH /api/marketplace/v3/supplies/{supplyId}/orders), so a large item gets a supply of its own."""
        today = datetime.now(LOCAL).date()
        found: tuple[datetime, str] | None = None
        cursor = 0
        while True:
            reply = await self._market.request(
                "GET", "/api/v3/supplies", params={"limit": SUPPLIES_PAGE, "next": cursor}
            )
            _refused_unless(reply, 200)
            supplies = (reply.body or {}).get("supplies") or []
            for supply in supplies:
                made = moment(supply.get("createdAt"))
                if not supply.get("done") and made is not None and made.astimezone(LOCAL).date() == today:
                    if _takes(supply, task) and (found is None or made >= found[0]):
                        found = (made, str(supply["id"]))
            following = (reply.body or {}).get("next")
            if len(supplies) < SUPPLIES_PAGE or not following or following == cursor:
                break
            cursor = following
        if found is not None:
            return found[1]
        # Not retried on a lost answer: a second POST would make a second supply.
        created = await self._market.request(
            "POST", "/api/v3/supplies", body={"name": f"amazing-store {today.isoformat()}"}, idempotent=False
        )
        _refused_unless(created, 201)
        supply = created.body.get("id") if isinstance(created.body, dict) else None
        if not supply:
            raise MarketplaceError(
                f"wildberries made a supply but named none: {str(created.body)[:200]}", code="bad_answer"
            )
        return str(supply)

    async def cancel(self, order: WorkOrder, reason: CancelReason) -> None:
        """204, or 409 once WB no longer lets the seller cancel (e.g. the supply was handed over)."""
        reply = await self._market.request("PATCH", f"/api/v3/orders/{_task_id(order)}/cancel")
        _refused_unless(reply, 204)

    async def labels(self, orders: list[WorkOrder]) -> list[Label]:
        """PNG stickers 58x40, 100 a request; WB gives them only for tasks on assembly or in delivery (in a
        supply)."""
        found: dict[str, Document] = {}
        for start in range(0, len(orders), STICKERS_BATCH):
            batch = orders[start : start + STICKERS_BATCH]
            reply = await self._market.request(
                "POST",
                "/api/v3/orders/stickers",
                params={"type": "png", "width": 58, "height": 40},
                body={"orders": [_task_id(order) for order in batch]},
            )
            _refused_unless(reply, 200)
            for sticker in (reply.body or {}).get("stickers") or []:
                key = str(sticker.get("orderId"))
                found[key] = Document(f"wb-sticker-{key}.png", _file(sticker), "image/png")
        missing = [order.key for order in orders if order.key not in found]
        if missing:
            raise MarketplaceError(
                f"wildberries gave no sticker for {', '.join(missing)}", code="no_label", detail=", ".join(missing)
            )
        return [Label(order.key, found[order.key]) for order in orders]

    async def hand_over(self, orders: list[WorkOrder]) -> list[HandOver]:
        """Each supply these tasks are in is handed over (PATCH .../deliver closes it) and its QR code read (only
        a closed supply has one). A supply already closed (by the seller in the cabinet, or by WB at the first
        scan) still gives its QR code."""
        by_supply: dict[str, list[str]] = {}
        for order in orders:
            if order.shipment is None:
                raise MarketplaceError(
                    f"wildberries: task {order.key} is in no supply; confirm it first",
                    code="no_supply",
                    detail=order.key,
                )
            by_supply.setdefault(order.shipment, []).append(order.key)
        handed = []
        for supply, keys in by_supply.items():
            delivered = await self._market.request("PATCH", f"/api/v3/supplies/{supply}/deliver")
            if delivered.status != 204 and not (delivered.status == 409 and await self._closed(supply)):
                _refused_unless(delivered, 204)
            qr = await self._market.request("GET", f"/api/v3/supplies/{supply}/barcode", params={"type": "png"})
            _refused_unless(qr, 200)
            handed.append(HandOver(supply, tuple(keys), Document(f"{supply}.png", _file(qr.body), "image/png")))
        return handed

    async def _closed(self, supply: str) -> bool:
        reply = await self._market.request("GET", f"/api/v3/supplies/{supply}")
        return reply.status == 200 and bool((reply.body or {}).get("done"))

    async def returns(self, since: datetime | None) -> list[IncomingReturn]:
        """Units WB has given back to the seller (`completedDt` set: only then can the seller restock or write
        them off) that came from an assembly task (`orderId`: FBS, not goods WB stored), keyed by the return's
        `srid`. Without ``since``, the report's longest span (31 days)."""
        now = datetime.now(UTC)
        start = max(since, now - RETURNS_WINDOW) if since else now - RETURNS_WINDOW
        reply = await self._analytics.request(
            "GET",
            "/api/v1/analytics/goods-return",
            params={
                "dateFrom": start.astimezone(MOSCOW).date().isoformat(),
                "dateTo": now.astimezone(MOSCOW).date().isoformat(),
            },
        )
        _refused_unless(reply, 200)
        found: dict[str, IncomingReturn] = {}
        for row in (reply.body or {}).get("report") or []:
            completed = _report_moment(row.get("completedDt"))
            if not row.get("srid") or not row.get("orderId") or completed is None:
                continue
            found[str(row["srid"])] = IncomingReturn(
                key=str(row["srid"]),
                order_key=str(row["orderId"]),
                lines=(
                    IncomingLine(
                        quantity=1,  # one row is one unit (an assembly task is one unit)
                        title=row.get("subjectName") or "",
                        # By barcode only: the report's rows carry no chrtId, and their nmId names the card of
                        # every size, not a unit (WB-SPEC 12-reports.yaml, goods-return `report` items).
                        keys=ListingKeys(barcode=row.get("barcode") or None),
                    ),
                ),
                reason=row.get("reason") or row.get("returnType") or None,
                returned_at=completed,
            )
        return list(found.values())


def _takes(supply: dict[str, Any], task: dict[str, Any] | None) -> bool:
    """Whether an open supply takes the task: an empty one (cargoType 0, crossBorderType null) takes any."""
    if task is None:
        return True
    return supply.get("cargoType") in (0, None, task.get("cargoType")) and supply.get("crossBorderType") in (
        None,
        task.get("crossBorderType"),
    )


def _task_id(order: WorkOrder) -> int:
    if not order.key.isdigit():
        raise MarketplaceError(
            f"wildberries: {order.key!r} is not an assembly task id", code="bad_key", detail=order.key
        )
    return int(order.key)


def _file(body: Any) -> bytes:
    """A sticker's or QR code's `file`: the image, base64."""
    try:
        return base64.b64decode((body or {}).get("file") or "", validate=True)
    except (binascii.Error, ValueError, AttributeError):
        raise MarketplaceError("wildberries sent a file that is not base64", code="bad_file") from None


def _refused_unless(reply: Reply, status: int) -> None:
    """WB's business errors are `{code, message}`; the seller sees them as WB wrote them."""
    if reply.status == status:
        return
    body = reply.body
    words = str(body)
    if isinstance(body, dict) and body.get("message"):
        words = f"{body.get('code')}: {body['message']}"
    elif isinstance(body, dict) and body.get("detail"):
        words = str(body["detail"])  # the gateway's 401/429 and the reports' problem JSON
    raise MarketplaceError(
        f"wildberries answered {reply.status}: {words[:300]}", reply.status, body, code="refused", detail=words[:300]
    )


def moment(value: Any) -> datetime | None:
    """An RFC3339 time (``createdAt``, UTC)."""
    return datetime.fromisoformat(value).astimezone(UTC) if isinstance(value, str) and value else None


def seller_date(value: Any) -> datetime | None:
    """An oversized task's `sellerDate` (DD.MM.YYYY), the day WB recommends it reaches WB (WB-MD
    get-api-v3-orders-new.md): the deadline is that day's start in Tashkent, the stricter reading of a date
    without a time (the seller is reminded before the day, not during it)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        day = datetime.strptime(value, "%d.%m.%Y").date()
    except ValueError:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL).astimezone(UTC)


def _report_moment(value: Any) -> datetime | None:
    """A report's time: zoneless means Moscow time."""
    if not isinstance(value, str) or not value:
        return None
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=MOSCOW)).astimezone(UTC)
