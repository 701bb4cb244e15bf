"""Yandex Market's own finance figures (sync.adapter.Finance) from the orders' statistics, getOrdersStats
(`POST /v2/campaigns/{campaignId}/stats/orders`, YM-OAS paths/v2_campaigns_campaignId_stats_orders.yaml): each
order of the campaign (OrdersStatsOrderDTO `id`, our IncomingOrder.key) with the services Yandex bills the seller
for it (`commissions`, OrdersStatsCommissionDTO), answered as JSON page by page. It names no charge beyond an
order's, so it gives no costs of a day.

What is actual: a service has one sum, `actual`, "Сумма, которая была выставлена в момент создания заказа и которую
нужно оплатить": what Yandex billed, to be paid, not a forecast (the forecast, `predicted`, "которая была бы
выставлена, если бы заказ был создан в момент формирования отчета", left the spec in 2023 and is never read). Only
`actual` becomes our 'actual'; a service without it is left out. An order's `payments` are the buyer's money, not
fees; its `subsidies` are points that lower later placement bills ("баллы"), not money of this order: neither is
read."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from sync.adapter import Fee, FeeKind, FinanceReport, OrderFinance
from sync.http import MarketplaceError, MarketplaceHttp
from sync.yandex_wire import CampaignBound, iso_currency, raise_for, result_of

STATS_PAGE = 200  # PageLimit200.yaml: limit up to 200 ("не более чем по 200 заказам")
MOSCOW = timezone(timedelta(hours=3))  # statusUpdateDate: "Часовой пояс — UTC+03:00 (Москва)"

# Each service of OrdersStatsCommissionType.yaml in our kinds, by what the spec says it is:
#
#   service                       the spec's words                                        ours
#   FEE                           размещение товара на Маркете                             commission
#   FULFILLMENT                   складская обработка (not returned since 2024-01-01)      logistics
#   LOYALTY_PARTICIPATION_FEE     участие в программе лояльности и отзывы за баллы         other (promotion)
#   AUCTION_PROMOTION             буст продаж с оплатой за продажи                         other (promotion)
#   INSTALLMENT                   рассрочка (not returned since 2022-02-24)                acquiring
#   DELIVERY_TO_CUSTOMER          доставка покупателю                                      last_mile
#   EXPRESS_DELIVERY_TO_CUSTOMER  экспресс-доставка покупателю                             last_mile
#   AGENCY                        прием платежа покупателя                                 acquiring
#   PAYMENT_TRANSFER              перевод платежа покупателя                               acquiring
#   RETURNED_ORDERS_STORAGE       хранение невыкупов и возвратов                           storage
#   SORTING                       обработка заказа                                         logistics
#   INTAKE_SORTING                организация забора заказов со склада продавца            logistics
#   RETURN_PROCESSING             обработка заказов на складе (a return's)                 return_logistics
#   ILLIQUID_GOODS_SALE           вознаграждение за продажу невывезенных товаров           commission
#   CROSSREGIONAL_DELIVERY        доставка средней мили                                    logistics
#   FULFILLMENT_WITHDRAW          вывоз со склада                                          logistics
#   ITEM_BOOKING                  бронирование товара (Market Yandex Go)                   other
#
# Delivery to the buyer is the last mile because the middle mile is its own service (CROSSREGIONAL_DELIVERY); an
# instalment plan and both payment services are what taking the buyer's money costs. A service the spec does not
# list yet is 'other': kept, never dropped.
COMMISSION_KINDS: dict[str, FeeKind] = {
    "FEE": "commission",
    "FULFILLMENT": "logistics",
    "LOYALTY_PARTICIPATION_FEE": "other",
    "AUCTION_PROMOTION": "other",
    "INSTALLMENT": "acquiring",
    "DELIVERY_TO_CUSTOMER": "last_mile",
    "EXPRESS_DELIVERY_TO_CUSTOMER": "last_mile",
    "AGENCY": "acquiring",
    "PAYMENT_TRANSFER": "acquiring",
    "RETURNED_ORDERS_STORAGE": "storage",
    "SORTING": "logistics",
    "INTAKE_SORTING": "logistics",
    "RETURN_PROCESSING": "return_logistics",
    "ILLIQUID_GOODS_SALE": "commission",
    "CROSSREGIONAL_DELIVERY": "logistics",
    "FULFILLMENT_WITHDRAW": "logistics",
    "ITEM_BOOKING": "other",
}


def commission_kind(service: str) -> FeeKind:
    return COMMISSION_KINDS.get(service, "other")


class YandexFinance(CampaignBound):
    """Mixed into YandexAdapter: its campaign, through its order statistics lane (10 000 requests an hour)."""

    _stats: MarketplaceHttp

    async def finance(self, since: datetime, until: datetime) -> FinanceReport:
        """The orders whose status or payments changed in [since, until), whenever they were placed (updateFrom/
        updateTo; never beside dateFrom/dateTo: "Нельзя использовать вместе"), each with what it is billed now.
        The dates are Moscow dates; updateTo goes a day past until's, as the spec does not say whether its To date
        counts (the sandbox, strict, leaves it out) and sets no longest period. An order is one line keyed by the
        order (the spec gives a service no id of its own): its services are its whole bill as of now, so a later
        read replaces what an earlier one said, a cancellation's zeros the charges before it."""
        period = {
            "updateFrom": _moscow_day(since).isoformat(),
            "updateTo": (_moscow_day(until) + timedelta(days=1)).isoformat(),
        }
        lines = [line async for row in self._stats_rows(period) if (line := _order_line(row)) is not None]
        return FinanceReport(tuple(lines), ())

    async def _stats_rows(self, period: dict[str, str]) -> AsyncIterator[dict[str, Any]]:
        """OrdersStatsOrderDTO rows (GetOrdersStatsResponse: `result.orders`), page after page by nextPageToken."""
        path = f"/v2/campaigns/{self._campaign}/stats/orders"
        token: str | None = None
        while True:
            params = {"limit": STATS_PAGE, **({"page_token": token} if token else {})}
            reply = await self._stats.request("POST", path, body=period, params=params)
            raise_for(reply)
            result = result_of(reply)
            for row in result.get("orders") or []:
                yield row
            token = (result.get("paging") or {}).get("nextPageToken")
            if not token:
                return


def _moscow_day(moment: datetime) -> date:
    return moment.astimezone(MOSCOW).date()


def _order_line(row: dict[str, Any]) -> OrderFinance | None:
    """The order's billed services summed per kind, zeros kept (a zero is what Yandex bills now); None for a row
    that names no order or bills nothing. Yandex's sums are what the seller pays, positive, as ours are. They are
    in the order's `currency` (CurrencyType.yaml; the spec dropped "в рублях" from `actual` in 2025 and names no
    other currency for it), which is never guessed."""
    if row.get("id") is None:
        return None
    summed: dict[FeeKind, Decimal] = {}
    for service in row.get("commissions") or []:
        if service.get("actual") is not None:
            kind = commission_kind(str(service.get("type") or ""))
            summed[kind] = summed.get(kind, Decimal(0)) + _amount(service["actual"])
    if not summed:
        return None
    currency = row.get("currency")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise MarketplaceError(f"yandex: order {row['id']}'s figures name no currency ({currency!r})")
    fees = tuple(Fee(kind, amount, iso_currency(currency)) for kind, amount in summed.items())
    return OrderFinance(str(row["id"]), fees, f"stats:{row['id']}")


def _amount(value: Any) -> Decimal:
    """A JSON number of two decimals, read through its text, exactly."""
    try:
        return Decimal(str(value))
    except InvalidOperation as bad:
        raise MarketplaceError(f"yandex: a billed sum that is not a number ({value!r})") from bad
