"""Wildberries' realization report of the sandbox, statistics-api `GET /api/v5/supplier/reportDetailByPeriod`
(WB-SPEC 13-finances.yaml, DetailReportItem): a sale row and a logistics row for every task WB has sold, a return
row and its logistics for every sold task a buyer returned, figures derived from its price, and the charges a test
books (storage, penalties, deductions), paged by rrd_id with a 204 at the end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.wildberries_models import MOSCOW, WbReturn, WbTask
from demo.sandboxes.wildberries_wire import wb_error

REPORT_LIMIT_MAX = 100_000
# The sandbox's tariff: WB's reward with VAT as a share of the retail amount, its VAT, acquiring, and the delivery
# of one unit to the buyer (roubles).
COMMISSION_PERCENT = 20
VAT_PERCENT = 20
ACQUIRING_PERCENT = 1.5
DELIVERY_RUB = 50.0
# The row fields a booked charge may carry (DetailReportItem), with the reason WB writes beside it.
CHARGES = {
    "storage_fee": "Хранение",
    "penalty": "Штраф",
    "deduction": "Удержание",
    "acceptance": "Платная приёмка",
}


@dataclass(frozen=True)
class WbCharge:
    rrd_id: int
    field: str
    amount: float
    day: date
    assembly_id: int


class WbFinanceApi:
    tasks: dict[int, WbTask]
    returns: list[WbReturn]
    charges: list[WbCharge]
    _rrd_ids: count[int]
    # The report's currency as WB names it (currency_name): "руб" in the spec's example.
    report_currency: str

    # -- control -------------------------------------------------------------------------------------------------
    def charge(self, field: str, amount: float, *, day: date, task_id: int = 0) -> WbCharge:
        """WB books a charge (``field``: storage_fee, penalty, deduction, acceptance) on ``day``; with ``task_id``
        the row names that assembly task, without it no order."""
        if field not in CHARGES:
            raise ValueError(f"field must be one of {sorted(CHARGES)}")
        booked = WbCharge(next(self._rrd_ids), field, amount, day, task_id)
        self.charges.append(booked)
        return booked

    def report_rows(self) -> list[dict[str, Any]]:
        """Every row WB's report holds now, in rrd_id order: a sold task's sale and its delivery, a return's
        reversal and its way back (rrd_id from the task id, stable between calls), then the booked charges. The
        sandbox keeps no sale time: a sale is dated on the day the task was made."""
        rows = []
        for task in sorted(self.tasks.values(), key=lambda t: t.id):
            if task.wb_status == "sold":
                rows += [self._sale_row(task), self._delivery_row(task)]
        for back in self.returns:
            if back.task.wb_status == "sold":
                rows += [self._return_row(back), self._return_delivery_row(back)]
        rows += [self._charge_row(charge) for charge in self.charges]
        return sorted(rows, key=lambda row: row["rrd_id"])

    def _row(self, rrd_id: int, day: date, operation: str, task: WbTask | None) -> dict[str, Any]:
        zero = (
            "retail_amount ppvz_vw ppvz_vw_nds ppvz_sales_commission ppvz_for_pay ppvz_reward acquiring_fee "
            "delivery_rub penalty additional_payment rebill_logistic_cost storage_fee deduction acceptance"
        )
        return {
            "realizationreport_id": 1_000_000 + day.isocalendar().week,
            "currency_name": self.report_currency,
            "rrd_id": rrd_id,
            "doc_type_name": "Продажа" if operation == "Продажа" else "",
            "supplier_oper_name": operation,
            "quantity": 1 if operation == "Продажа" else 0,
            "delivery_amount": 0,
            "return_amount": 0,
            "rr_dt": day.isoformat(),
            "nm_id": task.card.nm_id if task else 0,
            "sa_name": task.card.vendor_code if task else "",
            "barcode": next(iter(task.size.barcodes), "") if task else "",
            "assembly_id": task.id if task else 0,
            "srid": task.rid if task else "",
            "order_dt": task.created_at.isoformat() if task else None,
            "delivery_method": "FBS",
            **dict.fromkeys(zero.split(), 0),
        }

    def _sale_row(self, task: WbTask) -> dict[str, Any]:
        retail = task.card.discounted(task.size)
        reward = round(retail * COMMISSION_PERCENT / 100, 2)
        vw = round(reward * 100 / (100 + VAT_PERCENT), 2)
        acquiring = round(retail * ACQUIRING_PERCENT / 100, 2)
        row = self._row(task.id * 10 + 1, _day(task.created_at), "Продажа", task)
        row.update(
            retail_price=task.size.price,
            retail_amount=retail,
            ppvz_vw=vw,
            ppvz_vw_nds=round(reward - vw, 2),
            ppvz_sales_commission=round(vw + acquiring, 2),
            acquiring_fee=acquiring,
            ppvz_for_pay=round(retail - reward - acquiring, 2),
        )
        return row

    def _return_row(self, back: WbReturn) -> dict[str, Any]:
        """The sale's figures again under doc_type_name Возврат: WB takes the money back and returns its reward."""
        row = self._sale_row(back.task)
        row.update(rrd_id=back.task.id * 10 + 3, rr_dt=_day(back.order_date).isoformat())
        row.update(doc_type_name="Возврат", supplier_oper_name="Возврат")
        return row

    def _return_delivery_row(self, back: WbReturn) -> dict[str, Any]:
        row = self._row(back.task.id * 10 + 4, _day(back.order_date), "Логистика", back.task)
        row.update(return_amount=1, delivery_rub=DELIVERY_RUB, bonus_type_name="От клиента при возврате")
        return row

    def _delivery_row(self, task: WbTask) -> dict[str, Any]:
        row = self._row(task.id * 10 + 2, _day(task.created_at), "Логистика", task)
        row.update(delivery_amount=1, delivery_rub=DELIVERY_RUB, bonus_type_name="К клиенту при продаже")
        return row

    def _charge_row(self, charge: WbCharge) -> dict[str, Any]:
        task = self.tasks.get(charge.assembly_id)
        row = self._row(charge.rrd_id, charge.day, CHARGES[charge.field], task)
        row[charge.field] = charge.amount
        return row

    # -- routes --------------------------------------------------------------------------------------------------
    async def _report_detail(self, request: web.Request) -> web.Response:
        """Rows dated (rr_dt) from dateFrom's day to dateTo's, both required (RFC3339 dates, with or without a
        time, in Moscow time); rrdid pages on; no more rows is a 204."""
        query = request.query
        try:
            date_from = datetime.fromisoformat(query["dateFrom"]).date()
            date_to = datetime.fromisoformat(query["dateTo"]).date()
            limit = int(query.get("limit", str(REPORT_LIMIT_MAX)))
            after = int(query.get("rrdid", "0"))
        except (KeyError, ValueError):
            return wb_error(400, "IncorrectParameter", "dateFrom and dateTo are required RFC3339 dates")
        if query.get("period", "weekly") not in ("weekly", "daily") or not 0 < limit <= REPORT_LIMIT_MAX:
            return wb_error(400, "IncorrectParameter", f"period is weekly or daily, limit 1..{REPORT_LIMIT_MAX}")
        rows = [
            row
            for row in self.report_rows()
            if row["rrd_id"] > after and date_from <= date.fromisoformat(row["rr_dt"]) <= date_to
        ][:limit]
        return web.json_response(rows) if rows else web.Response(status=204)


def _day(moment: datetime) -> date:
    return moment.astimezone(MOSCOW).date()
