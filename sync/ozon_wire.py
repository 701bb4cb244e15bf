"""Reading Ozon's answers, shared by the adapter's stock and order side (sync/ozon.py) and its FBS work
(sync/ozon_fbs.py): its error body, RFC3339 moments and prices."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sync.currencies import currency_of
from sync.http import MarketplaceError


def parse_moment(value: Any) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if isinstance(value, str) and value else None


def parse_price(value: Any) -> Decimal | None:
    """A price: {amount: "1234.00", currency} in the v4 posting lists, {price, currency_code} in returns, a plain
    string in the v3 posting."""
    if isinstance(value, dict):
        value = value.get("amount", value.get("price"))
    return None if value in (None, "") else Decimal(str(value))


def error_message(body: Any) -> str:
    return str(body.get("message")) if isinstance(body, dict) else str(body)[:200]


def raise_for(status: int, body: Any) -> None:
    if status != 200:
        words = error_message(body)
        raise MarketplaceError(f"ozon answered {status}: {words}", status, body, code="refused", detail=words)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def posting_currency(posting: dict[str, Any]) -> str:
    """The currency of a posting's prices: the products' `price.currency` in the v4 lists, `currency_code` in the
    v3 posting; Ozon prices in the cabinet's one currency, so the first product's names the posting's."""
    for product in posting.get("products") or []:
        price = product.get("price")
        return currency_of(price.get("currency") if isinstance(price, dict) else product.get("currency_code"))
    return currency_of(None)
