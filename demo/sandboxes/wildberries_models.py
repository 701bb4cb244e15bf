"""Wildberries sandbox state and its wire shapes: cards with sizes (nmID → chrtID + barcodes + prices), seller
warehouses, and FBS assembly tasks (one unit of one size each), as in contract §2.2-§2.4."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from demo.sandboxes.common import rfc3339, utc_now

# A task counts as cancelled when either side says so (contract §2.4 [I] mapping).
CANCELLED_SUPPLIER = frozenset({"cancel", "cancel_carrier"})
CANCELLED_WB = frozenset({"canceled", "canceled_by_client", "declined_by_client", "defect", "canceled_by_carrier"})
SUPPLIER_STATUSES = frozenset({"new", "confirm", "complete", "cancel", "cancel_carrier"})
WB_STATUSES = frozenset(
    {
        "waiting",
        "sorted",
        "sold",
        "canceled",
        "canceled_by_client",
        "declined_by_client",
        "defect",
        "ready_for_pickup",
        "postponed_delivery",
        "accepted_by_carrier",
        "sent_to_carrier",
        "canceled_by_carrier",
    }
)
CURRENCY_RUB = 643


@dataclass
class WbSize:
    chrt_id: int
    nm_id: int
    barcodes: list[str]
    tech_size: str = "0"
    wb_size: str = ""
    price: int = 0  # before the seller's discount (the struck-through price)
    discounted_price: float | None = None  # None: computed from the card's discount


@dataclass
class WbCard:
    nm_id: int
    vendor_code: str
    title: str = ""
    brand: str = ""
    subject_name: str = ""
    discount: int = 0  # percent, one per card
    club_discount: int = 0
    cargo_type: int = 1
    photos: list[str] = field(default_factory=list)  # one URL per photo, served in every size the card lists
    sizes: list[WbSize] = field(default_factory=list)
    # whole seconds, so that the cursor's updatedAt (RFC3339 seconds) names a card exactly
    created_at: datetime = field(default_factory=lambda: utc_now().replace(microsecond=0))
    updated_at: datetime = field(default_factory=lambda: utc_now().replace(microsecond=0))

    def discounted(self, size: WbSize) -> float:
        if size.discounted_price is not None:
            return size.discounted_price
        return round(size.price * (100 - self.discount) / 100, 2)

    def club_discounted(self, size: WbSize) -> float:
        return round(self.discounted(size) * (100 - self.club_discount) / 100, 2)


@dataclass
class WbTask:
    """An assembly task: one unit of one size, the unit of work of WB FBS."""

    id: int
    order_uid: str
    rid: str
    created_at: datetime
    warehouse_id: int
    office_id: int
    card: WbCard
    size: WbSize
    is_zero_order: bool
    supplier_status: str = "new"
    wb_status: str = "waiting"
    supply_id: str | None = None
    stock_taken: bool = True  # did this unit lower the sandbox stock (so a buyer cancel gives it back)
    currency: int = CURRENCY_RUB  # currencyCode: the sale's currency
    converted_currency: int = CURRENCY_RUB  # convertedCurrencyCode: the seller country's currency

    @property
    def cancelled(self) -> bool:
        return self.supplier_status in CANCELLED_SUPPLIER or self.wb_status in CANCELLED_WB

    @property
    def cancellable(self) -> bool:
        return self.supplier_status in ("new", "confirm") and self.wb_status == "waiting"


@dataclass
class WbSupply:
    """A supply: the seller's box of assembly tasks for one trip to WB (WB-SPEC 03-orders-fbs.yaml `Supply`). It
    takes the cargo type of its first task (the sandbox's tasks are all domestic, crossBorderType 0); `done` once
    handed over (closed)."""

    id: str
    name: str
    created_at: datetime
    order_ids: list[int] = field(default_factory=list)
    cargo_type: int = 0  # 0 until the first task is added
    cross_border_type: int | None = None
    done: bool = False
    closed_at: datetime | None = None


@dataclass
class WbReturn:
    """One row of the returns-to-seller report (WB-SPEC 12-reports.yaml `/api/v1/analytics/goods-return`)."""

    srid: str
    task: WbTask
    reason: str
    return_type: str
    order_date: datetime
    status: str = "В пути в пвз"
    completed_at: datetime | None = None
    shk_id: int = 0
    sticker_id: str = ""


def card_from_item(item: Mapping[str, Any], existing: WbCard | None) -> tuple[WbCard, WbSize, Any]:
    """One flat catalog item (one size) → its card (new or updated), the size, and its stock spec."""
    data = dict(item)
    nm_id = int(data.pop("nmID", data.pop("nmId", 0)))
    chrt = data.pop("chrtId", data.pop("chrtID", None))
    if not nm_id or chrt is None:
        raise ValueError("a WB item needs nmID and chrtId")
    barcodes = data.pop("barcodes", data.pop("skus", None))
    if barcodes is None:
        barcode = data.pop("barcode", None)
        barcodes = [] if barcode is None else [barcode]
    size = WbSize(
        chrt_id=int(chrt),
        nm_id=nm_id,
        barcodes=[str(b) for b in barcodes],
        tech_size=str(data.pop("techSize", "0")),
        wb_size=str(data.pop("wbSize", "")),
        price=int(data.pop("price", 0)),
        discounted_price=data.pop("discountedPrice", None),
    )
    stock = data.pop("stock", data.pop("amount", None))
    card = existing or WbCard(nm_id=nm_id, vendor_code=str(data.get("vendorCode", "")))
    for wire, attr in (
        ("vendorCode", "vendor_code"),
        ("title", "title"),
        ("brand", "brand"),
        ("subjectName", "subject_name"),
        ("discount", "discount"),
        ("clubDiscount", "club_discount"),
        ("cargoType", "cargo_type"),
        ("photos", "photos"),
    ):
        if wire in data:
            setattr(card, attr, data.pop(wire))
    if data:
        raise ValueError(f"unknown WB item fields {sorted(data)}")
    card.sizes = [s for s in card.sizes if s.chrt_id != size.chrt_id] + [size]
    card.updated_at = utc_now().replace(microsecond=0)
    return card, size, stock


def card_json(card: WbCard) -> dict[str, Any]:
    return {
        "nmID": card.nm_id,
        "imtID": card.nm_id + 100_000_000,
        "nmUUID": f"00000000-0000-0000-0000-{card.nm_id:012d}",
        "subjectID": 0,
        "subjectName": card.subject_name,
        "vendorCode": card.vendor_code,
        "brand": card.brand,
        "title": card.title,
        "description": "",
        "needKiz": False,
        "photos": [{"big": url, "c246x328": url, "c516x688": url, "square": url, "tm": url} for url in card.photos],
        "video": "",
        "dimensions": {"length": 10, "width": 10, "height": 10, "weightBrutto": 0.5, "isValid": True},
        "characteristics": [],
        "sizes": [
            {"chrtID": s.chrt_id, "techSize": s.tech_size, "wbSize": s.wb_size, "skus": list(s.barcodes)}
            for s in card.sizes
        ],
        "tags": [],
        "createdAt": rfc3339(card.created_at),
        "updatedAt": rfc3339(card.updated_at),
    }


def goods_json(card: WbCard, currency: str) -> dict[str, Any]:
    return {
        "nmID": card.nm_id,
        "vendorCode": card.vendor_code,
        "currencyIsoCode4217": currency,
        "discount": card.discount,
        "clubDiscount": card.club_discount,
        "editableSizePrice": len({s.price for s in card.sizes}) > 1,
        "isBadTurnover": False,
        "sizes": [
            {
                "sizeID": s.chrt_id,
                "techSizeName": s.tech_size,
                "price": s.price,
                "discountedPrice": card.discounted(s),
                "clubDiscountedPrice": card.club_discounted(s),
            }
            for s in card.sizes
        ],
    }


def task_json(task: WbTask, *, in_list: bool) -> dict[str, Any]:
    card, size = task.card, task.size
    kopecks = round(card.discounted(size) * 100)  # order money is in minor units (×100)
    body: dict[str, Any] = {
        "id": task.id,
        "orderUid": task.order_uid,
        "rid": task.rid,
        "createdAt": rfc3339(task.created_at),
        "warehouseId": task.warehouse_id,
        "officeId": task.office_id,
        "offices": ["Москва"],
        "nmId": card.nm_id,
        "chrtId": size.chrt_id,
        "skus": list(size.barcodes),
        "article": card.vendor_code,
        "colorCode": "",
        "price": size.price * 100,
        "finalPrice": kopecks,
        "salePrice": kopecks,
        "convertedPrice": size.price * 100,
        "convertedFinalPrice": kopecks,
        "currencyCode": task.currency,
        "convertedCurrencyCode": task.converted_currency,
        "scanPrice": None,
        "cargoType": card.cargo_type,
        "crossBorderType": 0,
        "deliveryType": "fbs",
        "isZeroOrder": task.is_zero_order,
        "isPickupPointShipmentAllowed": False,
        "options": {"isB2B": False},
        "requiredMeta": [],
        "optionalMeta": [],
        "comment": "",
        "address": None,
        # Only oversized (СГТ, cargoType 2) tasks carry dates: the delivery date and the date WB recommends the
        # seller brings it by, both DD.MM.YYYY (WB-MD get-api-v3-orders-new.md); the sandbox gives two days.
        "ddate": _wb_date(task.created_at + timedelta(days=4)) if card.cargo_type == 2 else None,
        "sellerDate": _wb_date(task.created_at + timedelta(days=2)) if card.cargo_type == 2 else None,
    }
    if in_list:
        body["supplyId"] = task.supply_id
    return body


def status_json(task: WbTask) -> dict[str, Any]:
    return {
        "id": task.id,
        "supplierStatus": task.supplier_status,
        "wbStatus": task.wb_status,
        "isCancellable": task.cancellable,
    }


def supply_json(supply: WbSupply) -> dict[str, Any]:
    return {
        "id": supply.id,
        "isB2b": None if not supply.order_ids else False,
        "isPickupPointShipmentAllowed": False,
        "done": supply.done,
        "createdAt": rfc3339(supply.created_at),
        "closedAt": rfc3339(supply.closed_at),
        "scanDt": None,
        "name": supply.name,
        "cargoType": supply.cargo_type,
        "crossBorderType": supply.cross_border_type,
        "destinationOfficeId": None,
        "recommendedWhId": 0,
        "shippingDt": None,
        "shippingPointId": None,
        "shippingType": None,
        "waybillUuid": None,
        "spotAvailable": False,
    }


def return_json(row: WbReturn) -> dict[str, Any]:
    task = row.task
    return {
        "barcode": next(iter(task.size.barcodes), ""),
        "brand": task.card.brand,
        "completedDt": _moscow(row.completed_at),
        "dstOfficeAddress": "Москва, улица Песочная 1",
        "dstOfficeId": task.office_id,
        "expiredDt": None,
        "isStatusActive": 0 if row.completed_at else 1,
        "nmId": task.card.nm_id,
        "orderDt": row.order_date.astimezone(MOSCOW).date().isoformat(),
        "orderId": task.id,
        "readyToReturnDt": None,
        "reason": row.reason,
        "returnType": row.return_type,
        "shkId": row.shk_id,
        "srid": row.srid,
        "status": row.status,
        "stickerId": row.sticker_id,
        "subjectName": task.card.subject_name,
        "techSize": task.size.tech_size,
    }


# WB's reports give times without a zone, meaning Moscow time (WB-SPEC 12-reports.yaml: "Если часовой пояс не
# указан, то берётся Московское время UTC+3").
MOSCOW = timezone(timedelta(hours=3))


def _moscow(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(MOSCOW).replace(tzinfo=None).isoformat(timespec="seconds")


def _wb_date(moment: datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y")
