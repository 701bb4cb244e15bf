"""Uzum sandbox state and its wire shapes: a SKU (one FBS/DBS stock number, keyed by barcode), an FBS/DBS order
with its items, and the JSON each endpoint returns for them (contract §1.3-§1.5)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ORDER_STATUSES = (
    "CREATED",
    "PACKING",
    "PENDING_DELIVERY",
    "DELIVERING",
    "DELIVERED",
    "ACCEPTED_AT_DP",
    "DELIVERED_TO_CUSTOMER_DELIVERY_POINT",
    "COMPLETED",
    "CANCELED",
    "PENDING_CANCELLATION",
    "RETURNED",
)
# The reasons a seller may give (SellerOrderCancelRq.reason, UZ-MD post-v1-fbs-order-orderid-cancel.md). The enum
# also holds the platform's own reasons (ACCEPTANCE_TIME_EXPIRED, CANCELED_BY_CUSTOMER, …); the spec answers
# seller-order-12 for "an inadmissible reason" without naming which, so the stricter reading refuses those.
SELLER_CANCEL_REASONS = frozenset({"OUT_OF_STOCK", "OUT_OF_PACKAGE", "OUT_OF_TIME", "OTHER"})
# Uzum's own reason when the seller did not accept an order by acceptUntil.
EXPIRED = "ACCEPTANCE_TIME_EXPIRED"
# Where a seller may still cancel: the spec's seller-order-02 names no statuses, so the stricter assumption is
# only before the order leaves the seller (not once handed over, delivering or later).
SELLER_CANCELLABLE = frozenset({"CREATED", "PACKING"})
FINAL_STATUSES = frozenset({"COMPLETED", "CANCELED", "RETURNED"})
# The order date field each status stamps when reached.
STATUS_DATES = {
    "PACKING": "acceptedDate",
    "DELIVERING": "deliveringDate",
    "DELIVERED": "deliveryDate",
    "DELIVERED_TO_CUSTOMER_DELIVERY_POINT": "deliveredToDeliveryPointDate",
    "COMPLETED": "completedDate",
    "CANCELED": "dateCancelled",
    "RETURNED": "returnDate",
}
SKU_ALIASES = {
    "quantity_fbs": "amount",
    "stock": "amount",
    "title": "product_title",
    "seller_item_code": "seller_sku_code",
}

TimeFormat = Callable[[datetime | None], Any]


@dataclass
class UzumSku:
    sku_id: int
    barcode: str
    product_id: int
    price: int
    sku_title: str = ""
    product_title: str = ""
    seller_sku_code: str | None = None
    amount: int = 0
    purchase_price: int | None = None
    quantity_active: int = 0  # FBO units in Uzum's warehouse; FBS sync never touches them
    fbs_allowed: bool = True
    dbs_allowed: bool = False
    fbs_linked: bool = True
    dbs_linked: bool = False
    archived: bool = False
    blocked: bool = False
    shop_id: int = 1
    sku_char_title: str = ""
    sku_char_value: str = ""
    ikpu: str | None = None
    # The product card's category name and picture (productList[].category, .image) and the SKU's own preview
    # (skuList[].previewImage), as get-v1-product-shop-shopid.md lists them.
    category: str = ""
    image: str | None = None
    preview_image: str | None = None

    def __post_init__(self) -> None:
        self.barcode = str(self.barcode)  # int64 in the product listing, string in the stock API

    def stock_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {
            "skuId": self.sku_id,
            "skuTitle": self.sku_title,
            "productTitle": self.product_title,
            "barcode": self.barcode,
            "amount": self.amount,
            "fbsAllowed": self.fbs_allowed,
            "dbsAllowed": self.dbs_allowed,
            "fbsLinked": self.fbs_linked,
            "dbsLinked": self.dbs_linked,
        }
        if self.seller_sku_code:
            row["sellerSkuCode"] = self.seller_sku_code
        return row

    def product_row(self) -> dict[str, Any]:
        return {
            "skuId": self.sku_id,
            "skuTitle": self.sku_title,
            "skuFullTitle": f"{self.product_title} {self.sku_title}".strip(),
            "barcode": int(self.barcode) if self.barcode.isdigit() else self.barcode,
            "price": self.price,
            "purchasePrice": self.purchase_price,
            "quantityFbs": self.amount,
            "quantityActive": self.quantity_active,
            "archived": self.archived,
            "blocked": self.blocked,
            "article": self.seller_sku_code,
            "sellerItemCode": self.seller_sku_code,
            "ikpu": self.ikpu,
            "previewImage": self.preview_image,
        }


@dataclass
class UzumOrderLine:
    id: int
    sku: UzumSku
    amount: int
    unit_price: int
    status: str = "TO_WITHDRAW"
    cancelled: int = 0

    @property
    def active(self) -> int:
        return self.amount - self.cancelled


@dataclass
class UzumOrder:
    id: int
    shop_id: int
    scheme: str
    status: str
    created: datetime
    accept_until: datetime
    deliver_until: datetime
    lines: list[UzumOrderLine]
    dates: dict[str, datetime] = field(default_factory=dict)
    cancel_reason: str | None = None
    invoice_number: int | None = None  # the FBS invoice the seller put it in (UzumInvoice.number)

    @property
    def price(self) -> int:
        return sum(line.unit_price * line.active for line in self.lines)


def order_json(
    order: UzumOrder, when: TimeFormat, *, commission_percent: int, logistic_fee: int, item_sku_id: bool
) -> dict[str, Any]:
    dbs = order.scheme == "DBS"
    return {
        "id": order.id,
        "status": order.status,
        "scheme": order.scheme,
        "shopId": order.shop_id,
        "price": order.price,
        "dateCreated": when(order.created),
        "acceptUntil": when(order.accept_until),
        "deliverUntil": when(order.deliver_until),
        **{name: when(order.dates.get(name)) for name in STATUS_DATES.values()},
        "cancelReason": order.cancel_reason,
        "identifierRequired": False,
        "invoiceNumber": order.invoice_number,
        "stock": {"id": 1, "externalId": None, "title": "Seller warehouse", "address": "Tashkent"},
        "timeSlot": {"timeFrom": when(order.created), "timeTo": when(order.deliver_until)},
        "dropOffPoint": None if dbs else {"uuid": "dp-1", "address": "Tashkent, drop-off point 1", "type": "DP"},
        "deliveryInfo": (
            {
                "deliveryAddress": "Tashkent, buyer street 1",
                "customerFullname": "Sandbox Buyer",
                "customerPhone": "998900000000",
                "deliveryComment": None,
            }
            if dbs
            else None
        ),
        "orderItems": [
            item_json(
                order, line, when, commission_percent=commission_percent, logistic_fee=logistic_fee, sku_id=item_sku_id
            )
            for line in order.lines
        ],
    }


def item_json(
    order: UzumOrder, line: UzumOrderLine, when: TimeFormat, *, commission_percent: int, logistic_fee: int, sku_id: bool
) -> dict[str, Any]:
    """An order item; its money as the finance list has it too: the commission and the logistics (per unit still
    ordered) come off the price, and sellerProfit is what is left."""
    total = line.unit_price * line.active
    commission = total * commission_percent // 100
    logistics = logistic_fee * line.active
    sku = line.sku
    item: dict[str, Any] = {
        "id": line.id,
        "orderId": order.id,
        "status": line.status,
        "amount": line.amount,
        "cancelled": line.cancelled,
        "amountReturns": 0,
        "sellerPrice": line.unit_price,
        "purchasePrice": sku.purchase_price,
        "commission": commission,
        "sellerProfit": total - commission - logistics,
        "logisticDeliveryFee": logistics,
        "productId": sku.product_id,
        "productTitle": sku.product_title,
        "skuTitle": sku.sku_title,
        "skuCharTitle": sku.sku_char_title,
        "skuCharValue": sku.sku_char_value,
        "date": when(order.created),
        "dateIssued": None,
        "shopId": order.shop_id,
        "returnCause": None,
        "comment": None,
    }
    # The spec's order item has neither skuId nor barcode; sellerSkuCode only when the seller set one.
    if sku.seller_sku_code:
        item["sellerSkuCode"] = sku.seller_sku_code
    if sku_id:
        item["skuId"] = sku.sku_id
    return item
