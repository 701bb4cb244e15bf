"""The order being typed in, as it lives in the FSM data (JSON in Redis: money as strings)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.orders import Customer, Line

Draft = dict[str, Any]


def lines(draft: Draft) -> list[dict[str, Any]]:
    return list(draft.get("lines") or [])


def core_lines(draft: Draft) -> tuple[Line, ...]:
    return tuple(Line(item["product_id"], item["quantity"], Decimal(item["price"])) for item in lines(draft))


def with_line(draft: Draft, item: dict[str, Any]) -> list[dict[str, Any]]:
    """The same product twice is one line: quantities add up, the price typed last counts."""
    updated = lines(draft)
    for existing in updated:
        if existing["product_id"] == item["product_id"]:
            existing["quantity"] += item["quantity"]
            existing["price"] = item["price"]
            return updated
    return [*updated, item]


def without_line(draft: Draft, product_id: int) -> list[dict[str, Any]]:
    return [item for item in lines(draft) if item["product_id"] != product_id]


def fee(draft: Draft) -> Decimal:
    return Decimal(draft.get("fee") or "0")


def customer(draft: Draft) -> Customer:
    return Customer(draft.get("customer_name") or "", draft.get("phone") or "", draft.get("address"))
