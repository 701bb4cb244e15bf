"""Ozon's transaction list of the sandbox, `POST /v3/finance/transaction/list` (OZ-MD
ozon/api/seller/financeapi/post-v3-finance-transaction-list.md): for every delivered posting a sale with its
commission, logistics and last mile, and its acquiring as an operation of its own; plus the charges a test books
(storage, penalties) without a posting. Amounts are signed from the seller's side and carry no currency: they are in
the cabinet's (`company.currency` of /v1/seller/info)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.ozon_models import OzonPosting
from demo.sandboxes.ozon_wire import BadRequest

PAGE_SIZE_MAX = 1000
# The sandbox's tariff: commission as a share of the sale, acquiring, and two services per posting.
COMMISSION_PERCENT = 15
ACQUIRING_PERCENT = 1.5
SERVICES = (("MarketplaceServiceItemDirectFlowLogistic", 60.0), ("MarketplaceServiceItemDelivToCustomer", 25.0))
# Ozon's cabinet runs on Moscow time; operation_date is written without a zone.
MOSCOW_OFFSET = timedelta(hours=3)


@dataclass(frozen=True)
class OzonCharge:
    operation_id: int
    operation_type: str
    amount: float  # signed from the seller's side: a charge is negative
    at: datetime
    posting_number: str


class OzonFinanceApi:
    postings: dict[str, OzonPosting]
    charges: list[OzonCharge]
    _operation_ids: count[int]
    now: Callable[[], datetime]

    # -- control -------------------------------------------------------------------------------------------------
    def book(self, operation_type: str, amount: float, *, posting_number: str = "") -> OzonCharge:
        """Ozon books an operation that is itself a charge (``amount`` negative) or a payment (positive), e.g.
        OperationMarketplaceServiceStorage without a posting."""
        charge = OzonCharge(next(self._operation_ids), operation_type, amount, self.now(), posting_number)
        self.charges.append(charge)
        return charge

    def operations(self) -> list[dict[str, Any]]:
        """Every operation Ozon holds now: a delivered posting's sale and acquiring (ids from the posting's order
        id, stable between calls, dated when it went out), then the booked charges."""
        found: list[dict[str, Any]] = []
        for posting in sorted(self.postings.values(), key=lambda p: p.order_id):
            if posting.status == "delivered":
                found += _sale(posting)
        found += [_charge(charge) for charge in self.charges]
        return found

    # -- routes --------------------------------------------------------------------------------------------------
    async def _transactions(self, body: dict[str, Any]) -> web.Response:
        page, size = body.get("page"), body.get("page_size")
        if not isinstance(page, int) or not isinstance(size, int) or page < 1 or not 0 < size <= PAGE_SIZE_MAX:
            raise BadRequest(f"page must be 1 or more, page_size 1..{PAGE_SIZE_MAX}")
        wanted = _filter(body.get("filter"))
        rows = [op for op in self.operations() if wanted(op)]
        chosen = rows[(page - 1) * size : page * size]
        return web.json_response(
            {"result": {"operations": chosen, "page_count": math.ceil(len(rows) / size), "row_count": len(rows)}}
        )


def _filter(given: Any) -> Callable[[dict[str, Any]], bool]:
    """By posting number, or by a period of one month at most (the filter is one of the two)."""
    if not isinstance(given, dict):
        raise BadRequest("filter is required")
    number = given.get("posting_number") or ""
    if number:
        return lambda op: op["posting"]["posting_number"] == number
    period = given.get("date") or {}
    try:
        start = datetime.fromisoformat(str(period["from"]).replace("Z", "+00:00"))
        end = datetime.fromisoformat(str(period["to"]).replace("Z", "+00:00"))
    except (KeyError, ValueError) as bad:
        raise BadRequest("filter.date.from and filter.date.to are required") from bad
    if end < start or end > _month_on(start):
        raise BadRequest("the period must be one month at most")
    types = set(given.get("operation_type") or [])

    def wanted(op: dict[str, Any]) -> bool:
        moment = (datetime.fromisoformat(op["operation_date"]) - MOSCOW_OFFSET).replace(tzinfo=UTC)
        return start <= moment <= end and (not types or op["operation_type"] in types)

    return wanted


def _month_on(moment: datetime) -> datetime:
    """The same moment a calendar month later (the last day of a shorter month)."""
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month, day=min(moment.day, 28))


def _operation(
    operation_id: int, operation_type: str, name: str, at: datetime, posting: OzonPosting | None
) -> dict[str, Any]:
    moscow = at.astimezone(UTC).replace(tzinfo=None) + MOSCOW_OFFSET
    return {
        "operation_id": operation_id,
        "operation_type": operation_type,
        "operation_date": moscow.replace(microsecond=0).isoformat(sep=" "),
        "operation_type_name": name,
        "delivery_charge": 0,
        "return_delivery_charge": 0,
        "accruals_for_sale": 0,
        "sale_commission": 0,
        "amount": 0,
        "type": "other",
        "posting": {
            "delivery_schema": "FBS" if posting else "",
            "order_date": posting.in_process_at.strftime("%Y-%m-%d %H:%M:%S") if posting else "",
            "posting_number": posting.posting_number if posting else "",
            "warehouse_id": posting.warehouse_id if posting else 0,
        },
        "items": [{"name": line.item.name, "sku": line.item.sku} for line in posting.lines] if posting else [],
        "services": [],
    }


def _sale(posting: OzonPosting) -> list[dict[str, Any]]:
    at = posting.delivering_date or posting.in_process_at
    accrued = round(sum(line.price * line.quantity for line in posting.lines), 2)
    commission = -round(accrued * COMMISSION_PERCENT / 100, 2)
    services = [{"name": name, "price": -price} for name, price in SERVICES]
    sale = _operation(
        posting.order_id * 10 + 1, "OperationAgentDeliveredToCustomer", "Доставка покупателю", at, posting
    )
    sale.update(
        accruals_for_sale=accrued,
        sale_commission=commission,
        services=services,
        type="orders",
        amount=round(accrued + commission - sum(price for _, price in SERVICES), 2),
    )
    acquiring = _operation(
        posting.order_id * 10 + 2, "MarketplaceRedistributionOfAcquiringOperation", "Оплата эквайринга", at, posting
    )
    acquiring["amount"] = -round(accrued * ACQUIRING_PERCENT / 100, 2)
    return [sale, acquiring]


def _charge(charge: OzonCharge) -> dict[str, Any]:
    operation = _operation(charge.operation_id, charge.operation_type, charge.operation_type, charge.at, None)
    operation.update(amount=charge.amount, type="services")
    if charge.posting_number:
        operation["posting"]["posting_number"] = charge.posting_number
    return operation
