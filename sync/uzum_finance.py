"""Uzum Market's own finance figures (sync.adapter.Finance): each sold item's commission and logistics from the
finance list of order items (`GET /v1/finance/orders`, UZ-MD finance/get-v1-finance-orders.md; its items are the
order items of rabota-s-zakazami-fbs-dbs/get-v2-fbs-orders.md: `commission`, `logisticDeliveryFee`,
`sellerProfit`, all int64 so'm), and the seller's other charges from `GET /v1/finance/expenses`
(finance/get-v1-finance-expenses.md), which name no order and so are costs of their day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from core.analytics import DEFAULT_TIMEZONE
from sync.adapter import DayCost, Fee, FeeKind, FinanceReport, OrderFinance
from sync.http import MarketplaceError, MarketplaceHttp
from sync.uzum_wire import moment, raise_for

CURRENCY = "UZS"  # Uzum sells and pays out in so'm only
# Neither finance call declares a page maximum; 100 is what the other list calls of the API take.
FINANCE_PAGE = 100
# A charge's day is its day in Tashkent, where the seller's reports are read.
LOCAL = ZoneInfo(DEFAULT_TIMEZONE)
# An expense's `source` and `name` are free text in the spec (no values listed): a charge is sorted into our kinds
# by the words Uzum's cabinet uses for them, and into 'other' when none matches.
EXPENSE_WORDS: tuple[tuple[FeeKind, tuple[str, ...]], ...] = (
    ("storage", ("storage", "хранен", "saqlash")),
    ("penalty", ("penalty", "fine", "штраф", "jarima")),
    ("return_logistics", ("return", "возврат", "qaytar")),
    ("logistics", ("logistic", "delivery", "логист", "достав", "yetkaz")),
)
# A refunded or cancelled payment charges nothing: it is kept at zero, so an earlier read of it is undone.
VOID_STATUSES = ("REFUNDED", "CANCELED")


class UzumFinance:
    """Mixed into UzumAdapter: the calls go through its paced HTTP, for its shop."""

    _http: MarketplaceHttp
    _shop_id: int | None

    async def finance(self, since: datetime, until: datetime) -> FinanceReport:
        """The order items of orders placed in [since, until) as Uzum's finance list has them now (their fees
        change while an order goes on), and the expenses of the period. Dates go as epoch milliseconds: the spec
        types them int64 without a unit, as it does the order list's, whose dates are milliseconds. Both ends
        count (the spec does not say): a line met in two windows is kept once."""
        dates = {"dateFrom": int(since.timestamp() * 1000), "dateTo": int(until.timestamp() * 1000)}
        lines = [_order_line(item) async for item in self._finance_items(dates)]
        costs = [cost async for cost in self._expenses(dates) if cost is not None]
        return FinanceReport(tuple(line for line in lines if line.fees), tuple(costs))

    async def _finance_items(self, dates: dict[str, int]) -> AsyncIterator[dict[str, Any]]:
        """Every item (group=false: one SellerOrderItemDto per order item). The answer is FinanceOrderItemsDto,
        `{orderItems, totalElements}` without the envelope (UZ-MD spec.json getFinanceOrders)."""
        page = 0
        while True:
            reply = await self._http.request(
                "GET",
                "/v1/finance/orders",
                params={"shopIds": self._shop(), "group": "false", "page": page, "size": FINANCE_PAGE, **dates},
            )
            raise_for(reply.status, reply.body)
            if not isinstance(reply.body, dict) or "orderItems" not in reply.body:
                raise MarketplaceError("uzum: the finance list came without orderItems", reply.status, reply.body)
            items = reply.body["orderItems"] or []
            for item in items:
                yield item
            if len(items) < FINANCE_PAGE:
                return
            page += 1

    async def _expenses(self, dates: dict[str, int]) -> AsyncIterator[DayCost | None]:
        page = 0
        while True:
            reply = await self._http.request(
                "GET",
                "/v1/finance/expenses",
                params={"shopId": self._shop(), "page": page, "size": FINANCE_PAGE, **dates},
            )
            raise_for(reply.status, reply.body)
            payments = (reply.body.get("payload") or {}).get("payments") or []
            for payment in payments:
                yield _expense(payment)
            if len(payments) < FINANCE_PAGE:
                return
            page += 1

    def _shop(self) -> int:
        if self._shop_id is None:
            raise MarketplaceError("uzum: no shop id configured (amazing-store marketplace configure uzum --shop-id)")
        return self._shop_id


def _order_line(item: dict[str, Any]) -> OrderFinance:
    """An item's commission and its logistics (`logisticDeliveryFee`). `sellerProfit` is what is left to the
    seller after them (a payout, not a fee): our profit is computed from the fees, not taken from it."""
    fields: tuple[tuple[FeeKind, str], ...] = (("commission", "commission"), ("logistics", "logisticDeliveryFee"))
    fees = tuple(Fee(kind, Decimal(item[field]), CURRENCY) for kind, field in fields if item.get(field) is not None)
    return OrderFinance(str(item["orderId"]), fees, f"item:{item['id']}")


def _expense(payment: dict[str, Any]) -> DayCost | None:
    """OUTCOME is a charge to the seller, INCOME a payment to him (a negative cost); paymentPrice is taken as the
    payment's whole sum (the spec calls it "Сумма платежа"; `amount` is a count of units)."""
    when = moment(payment.get("dateService")) or moment(payment.get("dateCreated"))
    if when is None or payment.get("paymentPrice") is None:
        return None
    price = Decimal(payment["paymentPrice"])
    if payment.get("status") in VOID_STATUSES:
        price = Decimal(0)
    elif payment.get("type") == "INCOME":
        price = -price
    words = f"{payment.get('source') or ''} {payment.get('name') or ''}".lower()
    kind: FeeKind = next((kind for kind, stems in EXPENSE_WORDS if any(stem in words for stem in stems)), "other")
    return DayCost(
        f"expense:{payment['id']}",
        when.astimezone(LOCAL).date(),
        Fee(kind, price, CURRENCY),
        payment.get("name") or payment.get("source"),
    )
