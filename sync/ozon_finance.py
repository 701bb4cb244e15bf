"""Ozon's own finance figures (sync.adapter.Finance) from its transactions, `POST /v3/finance/transaction/list`
(OZ-MD ozon/api/seller/financeapi/post-v3-finance-transaction-list.md; OZ-SPEC FinanceAPI_FinanceTransactionListV3).
An operation names our order by `posting.posting_number` (our IncomingOrder.key); one without a posting number
(storage, subscriptions, promotion) is a cost of its day."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sync.adapter import DayCost, Fee, FeeKind, FinanceReport, OrderFinance
from sync.http import MarketplaceError, MarketplaceHttp
from sync.ozon_wire import raise_for

TRANSACTIONS_PAGE = 1000  # the spec's page_size maximum
# "The longest period of one request is 1 month": 28 days is within any month.
TRANSACTIONS_WINDOW = timedelta(days=28)
# What each service of an operation is, in our kinds (the names the spec lists for services[].name); a service
# not named here is 'other'.
SERVICE_KINDS: dict[str, FeeKind] = {
    "MarketplaceServiceItemDelivToCustomer": "last_mile",
    "MarketplaceServiceItemDirectFlowTrans": "logistics",
    "MarketplaceServiceItemDirectFlowLogistic": "logistics",
    "MarketplaceServiceItemDirectFlowLogisticVDC": "logistics",
    "MarketplaceServiceItemDeliveryKGT": "logistics",
    "MarketplaceDeliveryCostItem": "logistics",
    "MarketplaceServiceItemDropoffFF": "logistics",
    "MarketplaceServiceItemDropoffPVZ": "logistics",
    "MarketplaceServiceItemDropoffSC": "logistics",
    "MarketplaceServiceItemDropoffPPZ": "logistics",
    "MarketplaceServiceItemFulfillment": "logistics",
    "MarketplaceServiceItemPickup": "logistics",
    "MarketplaceServiceItemReturnFlowTrans": "return_logistics",
    "MarketplaceServiceItemReturnFlowLogistic": "return_logistics",
    "MarketplaceServiceItemReturnAfterDelivToCustomer": "return_logistics",
    "MarketplaceServiceItemReturnNotDelivToCustomer": "return_logistics",
    "MarketplaceServiceItemReturnPartGoodsCustomer": "return_logistics",
    "MarketplaceNotDeliveredCostItem": "return_logistics",
    "MarketplaceReturnAfterDeliveryCostItem": "return_logistics",
    "MarketplaceServiceItemRedistributionReturnsPVZ": "return_logistics",
    "MarketplaceRedistributionOfAcquiringOperation": "acquiring",
    "OperationMarketplaceServiceStorage": "storage",
    "MarketplaceReturnStorageServiceAtThePickupPointFbsItem": "storage",
    "MarketplaceReturnStorageServiceInTheWarehouseFbsItem": "storage",
    "OperationMarketplaceWithHoldingForUndeliverableGoods": "penalty",
}
# An operation that is itself the charge (no services, no commission), by operation_type: its `amount` is it.
OPERATION_KINDS: dict[str, FeeKind] = {
    **SERVICE_KINDS,
    "OperationItemReturn": "return_logistics",
    "OperationReturnGoodsFBSofRMS": "return_logistics",
    "MarketplaceServiceItemReturnFlowLogistic": "return_logistics",
}


class OzonFinance:
    """Mixed into OzonAdapter, whose read lane it uses."""

    _reads: MarketplaceHttp

    async def finance(self, since: datetime, until: datetime) -> FinanceReport:
        """Every transaction of [since, until), a month at most per request. The list carries no currency: its
        amounts are in the seller's settlement currency, `company.currency` of `/v1/seller/info`."""
        currency = await self._settlement_currency()
        lines: list[OrderFinance] = []
        costs: list[DayCost] = []
        start = since
        while start < until:
            end = min(start + TRANSACTIONS_WINDOW, until)
            async for operation in self._operations(start, end):
                fees = _fees(operation, currency)
                number = (operation.get("posting") or {}).get("posting_number") or ""
                key = f"op:{operation['operation_id']}"
                if number:
                    lines.append(OrderFinance(number, fees, key))
                else:
                    day = _day(operation.get("operation_date"))
                    note = operation.get("operation_type_name") or operation.get("operation_type")
                    costs += [DayCost(f"{key}:{fee.kind}", day, fee, note) for fee in fees]
            start = end
        return FinanceReport(tuple(line for line in lines if line.fees), tuple(costs))

    async def _settlement_currency(self) -> str:
        reply = await self._reads.request("POST", "/v1/seller/info", body={})
        raise_for(reply.status, reply.body)
        currency = str(((reply.body or {}).get("company") or {}).get("currency") or "")
        if len(currency) != 3 or not currency.isalpha():
            raise MarketplaceError(f"ozon: the cabinet names no settlement currency ({currency!r})")
        return currency.upper()

    async def _operations(self, start: datetime, end: datetime) -> AsyncIterator[dict[str, Any]]:
        page = 1
        while True:
            body = {
                "filter": {
                    "date": {"from": _wire(start), "to": _wire(end)},
                    "operation_type": [],
                    "posting_number": "",
                    "transaction_type": "all",
                },
                "page": page,
                "page_size": TRANSACTIONS_PAGE,
            }
            reply = await self._reads.request("POST", "/v3/finance/transaction/list", body=body)
            raise_for(reply.status, reply.body)
            result = (reply.body or {}).get("result") or {}
            for operation in result.get("operations") or []:
                yield operation
            if page >= int(result.get("page_count") or 0):
                return
            page += 1


def _fees(operation: dict[str, Any], currency: str) -> tuple[Fee, ...]:
    """Ozon's amounts are signed from the seller's side (a charge negative), ours the other way round:
    - commission: `sale_commission` (positive when a return gives it back);
    - each of `services[]` by its name (SERVICE_KINDS): last mile, logistics, return logistics, acquiring, ...;
    - `delivery_charge` logistics and `return_delivery_charge` return logistics (old tariffs, bulky goods);
    - an operation with none of these and no sale (`accruals_for_sale` 0) is itself the charge: its `amount`,
      of the kind its operation_type names (a compensation comes as a negative 'other')."""
    parts: list[tuple[FeeKind, Decimal]] = [
        ("commission", _number(operation.get("sale_commission"))),
        ("logistics", _number(operation.get("delivery_charge"))),
        ("return_logistics", _number(operation.get("return_delivery_charge"))),
    ]
    parts += [
        (SERVICE_KINDS.get(str(service.get("name")), "other"), _number(service.get("price")))
        for service in operation.get("services") or []
    ]
    if not any(amount for _, amount in parts) and not _number(operation.get("accruals_for_sale")):
        parts.append(
            (OPERATION_KINDS.get(str(operation.get("operation_type")), "other"), _number(operation.get("amount")))
        )
    summed: dict[FeeKind, Decimal] = {}
    for kind, amount in parts:
        if amount:
            summed[kind] = summed.get(kind, Decimal(0)) - amount
    return tuple(Fee(kind, amount, currency) for kind, amount in summed.items() if amount)


def _number(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _wire(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:mm:ss.sssZ`, as FilterPeriod asks."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _day(value: Any) -> date:
    """operation_date ("2021-11-01 00:00:00") carries no zone and the spec does not say which: the date as Ozon
    writes it is taken as the day of the charge."""
    return datetime.fromisoformat(str(value)).date()
