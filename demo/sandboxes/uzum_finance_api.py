"""Uzum's finance endpoints of the sandbox: the finance list of order items (`GET /v1/finance/orders`, figures
derived from the orders the sandbox holds) and the seller's expenses (`GET /v1/finance/expenses`, charges a test
books with add_expense) (UZ-MD finance/get-v1-finance-orders.md, finance/get-v1-finance-expenses.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.uzum_models import UzumOrder
from demo.sandboxes.uzum_wire import envelope, uzum_error

EXPENSE_TYPES = ("OUTCOME", "INCOME")
EXPENSE_STATUSES = ("CREATED", "REFUNDED", "CONFIRMED", "CANCELED")
# Neither call declares a page maximum; the stricter assumption is the 100 of the API's other lists.
FINANCE_PAGE_MAX = 100


@dataclass
class UzumExpense:
    id: int
    name: str
    source: str
    price: int
    type: str
    status: str
    created: datetime
    service_date: datetime


class UzumFinanceApi:
    orders: dict[int, UzumOrder]
    expenses: dict[int, UzumExpense]
    shops: list[dict[str, Any]]
    _expense_ids: count[int]
    now: Callable[[], datetime]
    _when: Callable[[datetime | None], Any]
    _filter_moment: Callable[[str | None], datetime | None]
    order_json: Callable[[UzumOrder], dict[str, Any]]

    # -- control -------------------------------------------------------------------------------------------------
    def add_expense(
        self,
        price: int,
        *,
        name: str = "Хранение товаров",
        source: str = "STORAGE",
        type: str = "OUTCOME",
        status: str = "CONFIRMED",
        when: datetime | None = None,
    ) -> dict[str, Any]:
        """Uzum charges the seller (OUTCOME) or pays him (INCOME) something that names no order."""
        if type not in EXPENSE_TYPES or status not in EXPENSE_STATUSES:
            raise ValueError(f"type must be one of {EXPENSE_TYPES}, status one of {EXPENSE_STATUSES}")
        moment = when or self.now()
        expense = UzumExpense(next(self._expense_ids), name, source, price, type, status, moment, moment)
        self.expenses[expense.id] = expense
        return self.expense_json(expense)

    def expense_json(self, expense: UzumExpense) -> dict[str, Any]:
        return {
            "id": expense.id,
            # date-time in the spec; the sandbox writes it as it writes the orders' dates.
            "dateCreated": self._when(expense.created),
            "dateUpdated": self._when(expense.created),
            "name": expense.name,
            "source": expense.source,
            "shopId": self.shops[0]["id"],
            "sellerId": 1,
            "paymentPrice": expense.price,
            "amount": 1,
            "status": expense.status,
            "externalId": None,
            "code": expense.source,
            "dateService": self._when(expense.service_date),
            "type": expense.type,
        }

    # -- routes --------------------------------------------------------------------------------------------------
    def _finance_window(self, query: Any) -> tuple[int, int, datetime | None, datetime | None] | web.Response:
        try:
            page = int(query.get("page", "0"))
            size = int(query.get("size", "20"))
            date_from = self._filter_moment(query.get("dateFrom"))
            date_to = self._filter_moment(query.get("dateTo"))
        except ValueError:
            return uzum_error(400, "illegal-argument-001", "page, size, dateFrom and dateTo must be integers")
        if page < 0 or not 0 < size <= FINANCE_PAGE_MAX:
            return uzum_error(400, "illegal-argument-001", f"size must be 1..{FINANCE_PAGE_MAX}")
        return page, size, date_from, date_to

    async def _finance_orders(self, request: web.Request) -> web.Response:
        """Each item of the orders placed in the window (the spec: dateFrom is "the date to show orders from"),
        every status, as FinanceOrderItemsDto: `{orderItems, totalElements}`, not in the envelope."""
        query = request.query
        if not query.getall("shopIds", []):
            return uzum_error(400, "illegal-argument-001", "shopIds is required")
        if query.get("group", "false") != "false":
            # ProductGroupedSellerItem is typed only as a bare object in the spec: the sandbox does not invent it.
            return uzum_error(400, "illegal-argument-001", "the sandbox serves only group=false")
        window = self._finance_window(query)
        if isinstance(window, web.Response):
            return window
        page, size, date_from, date_to = window
        items = [
            item
            for order in sorted(self.orders.values(), key=lambda o: o.id)
            if _within(order.created, date_from, date_to)
            for item in self.order_json(order)["orderItems"]
        ]
        chosen = items[page * size : (page + 1) * size]
        return web.json_response({"orderItems": chosen, "totalElements": len(items)})

    async def _finance_expenses(self, request: web.Request) -> web.Response:
        window = self._finance_window(request.query)
        if isinstance(window, web.Response):
            return window
        page, size, date_from, date_to = window
        found = [
            e for e in sorted(self.expenses.values(), key=lambda e: e.id) if _within(e.created, date_from, date_to)
        ]
        chosen = found[page * size : (page + 1) * size]
        return envelope({"payments": [self.expense_json(e) for e in chosen]})


def _within(moment: datetime, date_from: datetime | None, date_to: datetime | None) -> bool:
    """In the window, both ends included, compared as the wire has them: to the millisecond."""
    moment = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    return (date_from is None or moment >= date_from) and (date_to is None or moment <= date_to)
