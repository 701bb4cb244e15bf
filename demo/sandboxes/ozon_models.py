"""Ozon sandbox state and its wire shapes: products (offer_id / product_id / sku, prices), FBS postings, and the
push-notification payloads built from them (contract §3.1-§3.5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from demo.sandboxes.common import rfc3339

UNFULFILLED = frozenset(
    {
        "awaiting_registration",
        "acceptance_in_progress",
        "awaiting_approve",
        "awaiting_packaging",
        "awaiting_deliver",
        "arbitration",
        "client_arbitration",
        "not_accepted",
    }
)
SHIPPED = frozenset({"delivering", "driver_pickup", "delivered", "sent_by_seller"})
# What /v4/posting/fbs/unfulfilled/list answers: its description names shipped and cancelled postings among the
# statuses it returns, not only the work queue (OZ-MD post-v4-posting-fbs-unfulfilled-list.md).
UNFULFILLED_LISTED = UNFULFILLED | {"delivering", "driver_pickup", "cancelled"}
STATUSES = UNFULFILLED | SHIPPED | {"cancelled", "cancelled_from_split_pending", "awaiting_verification"}
SELLER_CANCELLABLE = frozenset(
    {"awaiting_registration", "acceptance_in_progress", "awaiting_approve", "awaiting_packaging", "awaiting_deliver"}
)
# API status → push state. The contract gives awaiting_packaging, cancelled and delivered; the rest is [I].
PUSH_STATES: dict[str, str] = {
    "awaiting_registration": "posting_awaiting_registration",
    "acceptance_in_progress": "posting_acceptance_in_progress",
    "awaiting_approve": "posting_awaiting_approve",
    "awaiting_packaging": "posting_created",
    "awaiting_deliver": "posting_transferring_to_delivery",
    "arbitration": "posting_in_arbitration",
    "client_arbitration": "posting_in_client_arbitration",
    "delivering": "posting_in_carriage",
    "driver_pickup": "posting_driver_pick_up",
    "delivered": "posting_delivered",
    "cancelled": "posting_canceled",
    "cancelled_from_split_pending": "posting_canceled",
    "not_accepted": "posting_not_in_sort_center",
    "sent_by_seller": "posting_sent_by_seller",
    "awaiting_verification": "posting_awaiting_verification",
}


@dataclass
class OzonItem:
    offer_id: str
    product_id: int
    sku: int
    price: float
    old_price: float = 0.0
    min_price: float = 0.0
    marketing_seller_price: float | None = None
    name: str = ""
    currency_code: str = "RUB"
    barcodes: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # the first is the main one
    archived: bool = False
    is_kgt: bool = False


@dataclass
class PostingLine:
    item: OzonItem
    quantity: int
    price: float


@dataclass
class OzonPosting:
    posting_number: str
    order_id: int
    order_number: str
    status: str
    warehouse_id: int
    warehouse_name: str
    in_process_at: datetime
    shipment_date: datetime
    lines: list[PostingLine]
    last_changed: datetime
    delivering_date: datetime | None = None
    cancellation: dict[str, Any] | None = None
    is_express: bool = False
    reserved: bool = True  # units still held as "reserved" on the warehouse
    # The last ship request was answered 200 but failed behind it (OZ-SPEC PostingAPI_ShipFbsPostingV4: the
    # posting then shows substatus ship_failed and is to be shipped again).
    ship_failed: bool = False

    @property
    def substatus(self) -> str:
        if self.ship_failed:
            return "ship_failed"
        return PUSH_STATES.get(self.status, f"posting_{self.status}")


def delivery_method_id(posting: OzonPosting) -> int:
    """[I] The delivery method a posting goes by: one per warehouse here, its id not the warehouse's."""
    return posting.warehouse_id % 1_000_000 + 1


def money(value: float) -> str:
    return f"{value:.2f}"


def item_price(item: OzonItem) -> dict[str, Any]:
    return {
        "price": item.price,
        "old_price": item.old_price,
        "min_price": item.min_price,
        "marketing_seller_price": item.price if item.marketing_seller_price is None else item.marketing_seller_price,
        "net_price": 0.0,
        "retail_price": 0.0,
        "vat": 0.2,
        "currency_code": item.currency_code,
        "auto_action_enabled": False,
    }


def posting_json(posting: OzonPosting, *, v3: bool = False, extras: frozenset[str] = frozenset()) -> dict[str, Any]:
    """v4 list shape (``price`` as ``{amount, currency}``) or the v3 single-posting shape (price string)."""
    products = []
    for line in posting.lines:
        product: dict[str, Any] = {
            "sku": line.item.sku,
            "offer_id": line.item.offer_id,
            "name": line.item.name,
            "quantity": line.quantity,
            "is_marketplace_buyout": False,
            "imei": [],
        }
        if v3:
            product.update(price=money(line.price), currency_code=line.item.currency_code)
        else:
            product["price"] = {"amount": money(line.price), "currency": line.item.currency_code}
        products.append(product)
    cancellation = posting.cancellation or {
        "cancel_reason_id": 0,
        "cancel_reason": "",
        "cancellation_type": "",
        "cancellation_initiator": "",
        "cancelled_after_ship": False,
        "affect_cancellation_rating": False,
    }
    return {
        "posting_number": posting.posting_number,
        "order_id": posting.order_id,
        "order_number": posting.order_number,
        "status": posting.status,
        "substatus": posting.substatus,
        "delivery_method": {
            "id": delivery_method_id(posting),
            "name": f"Ozon delivery, {posting.warehouse_name}",
            "warehouse_id": posting.warehouse_id,
            "warehouse": posting.warehouse_name,
            "tpl_provider_id": 24,
            "tpl_provider": "Ozon delivery",
        },
        "tracking_number": "",
        "tpl_integration_type": "ozon",
        "in_process_at": rfc3339(posting.in_process_at),
        "shipment_date": rfc3339(posting.shipment_date),
        "delivering_date": rfc3339(posting.delivering_date),
        "is_express": posting.is_express,
        "parent_posting_number": "",
        "available_actions": ["cancel", "ship"] if posting.status in SELLER_CANCELLABLE else [],
        "cancellation": cancellation,
        "customer": None,
        "addressee": None,
        "requirements": {
            "products_requiring_gtd": [],
            "products_requiring_country": [],
            "products_requiring_mandatory_mark": [],
            "products_requiring_rnpt": [],
        },
        "products": products,
        "barcodes": (
            {"upper_barcode": f"%101%{posting.order_id}", "lower_barcode": posting.posting_number}
            if "barcodes" in extras
            else None
        ),
        "analytics_data": (
            {
                "region": "Москва",
                "city": "Москва",
                "delivery_type": "PVZ",
                "is_premium": False,
                "warehouse_id": posting.warehouse_id,
            }
            if "analytics_data" in extras
            else None
        ),
        "financial_data": financial_data(posting) if "financial_data" in extras else None,
    }


def financial_data(posting: OzonPosting) -> dict[str, Any]:
    rows = []
    for line in posting.lines:
        commission = round(line.price * line.quantity * 0.15, 2)  # [I] any plausible rate
        rows.append(
            {
                "product_id": line.item.sku,
                "price": line.price,
                "old_price": line.item.old_price,
                "payout": round(line.price * line.quantity - commission, 2),
                "commission_amount": commission,
                "commission_percent": 15,
                "customer_price": {"amount": money(line.price), "currency": line.item.currency_code},
                "quantity": line.quantity,
                "actions": [],
            }
        )
    return {"products": rows, "cluster_from": "Москва", "cluster_to": "Москва"}


def new_posting_event(posting: OzonPosting, seller_id: int) -> dict[str, Any]:
    return {
        "message_type": "TYPE_NEW_POSTING",
        "seller_id": seller_id,
        "warehouse_id": posting.warehouse_id,
        "posting_number": posting.posting_number,
        "in_process_at": rfc3339(posting.in_process_at),
        "products": [
            {"sku": line.item.sku, "offer_id": line.item.offer_id, "quantity": line.quantity} for line in posting.lines
        ],
        "shipment_date": rfc3339(posting.shipment_date),
        "tpl_integration_type": "ozon",
        "is_express": posting.is_express,
        "tracking_number": "",
        "delivery_date_begin": rfc3339(posting.shipment_date),
        "delivery_date_end": rfc3339(posting.shipment_date),
    }


def cancelled_event(posting: OzonPosting, old_status: str, seller_id: int) -> dict[str, Any]:
    cancellation = posting.cancellation or {}
    return {
        "message_type": "TYPE_POSTING_CANCELLED",
        "seller_id": seller_id,
        "warehouse_id": posting.warehouse_id,
        "posting_number": posting.posting_number,
        "products": [{"sku": line.item.sku, "quantity": line.quantity} for line in posting.lines],
        "old_state": PUSH_STATES.get(old_status, f"posting_{old_status}"),
        "new_state": "posting_canceled",
        "changed_state_date": rfc3339(posting.last_changed),
        "reason": {"id": cancellation.get("cancel_reason_id", 0), "message": cancellation.get("cancel_reason", "")},
    }


def state_changed_event(posting: OzonPosting, seller_id: int) -> dict[str, Any]:
    return {
        "message_type": "TYPE_STATE_CHANGED",
        "seller_id": seller_id,
        "warehouse_id": posting.warehouse_id,
        "posting_number": posting.posting_number,
        "new_state": posting.substatus,
        "changed_state_date": rfc3339(posting.last_changed),
    }
