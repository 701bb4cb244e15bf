"""Wildberries' own finance figures (sync.adapter.Finance) from the realization report by period, statistics-api
`GET /api/v5/supplier/reportDetailByPeriod` (WB-SPEC 13-finances.yaml, DetailReportItem). A row names our order by
`assembly_id` (the assembly task id, our IncomingOrder.key); a row without one (storage, paid acceptance, a
deduction) is a cost of its day (`rr_dt`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from sync.adapter import DayCost, Fee, FeeKind, FinanceReport, OrderFinance
from sync.http import MarketplaceError, MarketplaceHttp
from sync.wildberries_fbs import MOSCOW

REPORT_PAGE = 100_000  # the spec's maximum `limit`
# `currency_name` is the report currency's Russian short name ("руб" in the spec's example), not an ISO code. Only
# names we know are read: an unknown one stops the read rather than book its figures in a guessed currency.
CURRENCIES = {
    "руб": "RUB",
    "rub": "RUB",
    "сум": "UZS",
    "uzs": "UZS",
    "тенге": "KZT",
    "kzt": "KZT",
    "сом": "KGS",
    "kgs": "KGS",
    "драм": "AMD",
    "amd": "AMD",
    "бел. руб": "BYN",
    "byn": "BYN",
}
RETURN = "Возврат"  # doc_type_name of a return: its commission and acquiring come back to the seller


class WildberriesFinance:
    """Mixed into WildberriesAdapter, whose statistics client it uses (1 request a minute)."""

    _statistics: MarketplaceHttp

    async def finance(self, since: datetime, until: datetime) -> FinanceReport:
        """The weekly report's rows of [since, until) (`period` weekly, the spec's default: the settled figures
        of the realization reports), paged by rrd_id."""
        lines: list[OrderFinance] = []
        costs: list[DayCost] = []
        async for row in self._report_rows(since, until):
            fees = _fees(row)
            if not fees:
                continue
            if row.get("assembly_id"):
                lines.append(OrderFinance(str(row["assembly_id"]), fees, f"rrd:{row['rrd_id']}"))
            else:
                day = datetime.fromisoformat(str(row["rr_dt"])[:10]).date()
                note = row.get("bonus_type_name") or row.get("supplier_oper_name")
                costs += [DayCost(f"rrd:{row['rrd_id']}:{fee.kind}", day, fee, note) for fee in fees]
        return FinanceReport(tuple(lines), tuple(costs))

    async def _report_rows(self, since: datetime, until: datetime) -> AsyncIterator[dict[str, Any]]:
        """Dates go in Moscow time without a zone, as the spec asks. Paging starts at rrdid 0 and goes on from the
        last row's rrd_id until a 204; a page shorter than the limit is the last one too (one call a minute
        saved)."""
        params = {
            "dateFrom": since.astimezone(MOSCOW).replace(tzinfo=None).isoformat(timespec="seconds"),
            "dateTo": until.astimezone(MOSCOW).replace(tzinfo=None).isoformat(timespec="seconds"),
            "limit": REPORT_PAGE,
            "period": "weekly",
        }
        after = 0
        while True:
            reply = await self._statistics.request(
                "GET", "/api/v5/supplier/reportDetailByPeriod", params={**params, "rrdid": after}
            )
            if reply.status == 204:
                return
            if reply.status != 200 or not isinstance(reply.body, list):
                raise MarketplaceError(f"wildberries answered {reply.status}: {reply.body}", reply.status, reply.body)
            for row in reply.body:
                yield row
            if len(reply.body) < REPORT_PAGE:
                return
            after = reply.body[-1]["rrd_id"]


def _fees(row: dict[str, Any]) -> tuple[Fee, ...]:
    """A row's charges in our kinds (positive: the seller pays):
    - commission: WB's reward with its VAT, `ppvz_vw` + `ppvz_vw_nds` (negative when WB pays the seller back
      for its discount). Not `ppvz_sales_commission`: the spec calls it the reward "before the attorney's
      services", which are acquiring and the pick-up point's fee, so taking it beside `acquiring_fee` would
      count acquiring twice;
    - acquiring: `acquiring_fee`; other: `ppvz_reward` (the pick-up point's fee), `deduction`, `acceptance`;
    - logistics: `delivery_rub` of a delivery and `rebill_logistic_cost`; return_logistics: `delivery_rub` of a
      row counting returns (`return_amount`);
    - storage: `storage_fee`; penalty: `penalty`;
    - `additional_payment` corrects WB's reward in the seller's favour: a negative commission.
    A return row (`doc_type_name` Возврат) gives its commission and acquiring back."""
    currency = _currency(row.get("currency_name"))
    back = -1 if row.get("doc_type_name") == RETURN else 1
    delivery: FeeKind = "return_logistics" if _number(row.get("return_amount")) else "logistics"
    parts: list[tuple[FeeKind, Decimal]] = [
        ("commission", back * (_number(row.get("ppvz_vw")) + _number(row.get("ppvz_vw_nds")))),
        ("commission", -_number(row.get("additional_payment"))),
        ("acquiring", back * _number(row.get("acquiring_fee"))),
        ("other", back * _number(row.get("ppvz_reward"))),
        ("other", _number(row.get("deduction")) + _number(row.get("acceptance"))),
        (delivery, _number(row.get("delivery_rub"))),
        ("logistics", _number(row.get("rebill_logistic_cost"))),
        ("storage", _number(row.get("storage_fee"))),
        ("penalty", _number(row.get("penalty"))),
    ]
    summed: dict[FeeKind, Decimal] = {}
    for kind, amount in parts:
        if amount:
            summed[kind] = summed.get(kind, Decimal(0)) + amount
    return tuple(Fee(kind, amount, currency) for kind, amount in summed.items() if amount)


def _number(value: Any) -> Decimal:
    """The report's numbers are JSON numbers of roubles (not kopecks); read through their text, exactly."""
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def _currency(name: Any) -> str:
    code = CURRENCIES.get(str(name or "").strip().lower())
    if code is None:
        raise MarketplaceError(f"wildberries: the report's currency {name!r} is not one we know")
    return code
