"""A marketplace's own finance figures into ours: each line of its report that names one of our orders is kept by
the platform's id of the line, the order's 'estimated' fees give way to 'actual' ones (the sum of its lines per
kind), and the charges that name no order become costs of their day. Reading a report twice changes nothing."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from core.unit_of_work import UnitOfWork


# The shapes of sync/adapter.py's Fee, OrderFinance, DayCost and FinanceReport, as far as this module reads them:
# core imports no other room, so the adapters' records are taken by their shape.
class FeeShape(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def amount(self) -> Decimal: ...
    @property
    def currency(self) -> str: ...


class OrderLineShape(Protocol):
    @property
    def order_key(self) -> str: ...
    @property
    def fees(self) -> Sequence[FeeShape]: ...
    @property
    def key(self) -> str: ...


class DayCostShape(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def day(self) -> date: ...
    @property
    def fee(self) -> FeeShape: ...
    @property
    def note(self) -> str | None: ...


class ReportShape(Protocol):
    @property
    def orders(self) -> Sequence[OrderLineShape]: ...
    @property
    def day_costs(self) -> Sequence[DayCostShape]: ...


_ORDERS = """
SELECT marketplace_order_id, id FROM orders WHERE marketplace_id = $1 AND marketplace_order_id = ANY($2::text[])
"""

# A line read again says what it says now (Uzum's items change while an order goes on): its rows are replaced.
_DROP_LINES = """
DELETE FROM order_fee_lines WHERE marketplace_id = $1 AND line_key = ANY($2::text[])
"""

_LINES = """
INSERT INTO order_fee_lines (marketplace_id, line_key, order_id, kind, amount, currency)
SELECT $1, l.line_key, l.order_id, l.kind, l.amount, l.currency
  FROM unnest($2::text[], $3::int[], $4::text[], $5::numeric[], $6::text[])
       AS l(line_key, order_id, kind, amount, currency)
"""

# The platform's figures replace our estimate of every kind, not only the kinds it reported: what it did not
# charge it did not charge. The seller's own rows (packaging, payout fee, VAT) stay.
_DROP_ESTIMATES = """
DELETE FROM order_fees WHERE order_id = ANY($1::int[]) AND basis IN ('estimated', 'actual')
"""

# One row per order and kind; a kind booked in two currencies would need two rows, which the table's key refuses
# (no sum ever adds two currencies): that report fails whole rather than store a wrong figure.
_ACTUALS = """
INSERT INTO order_fees (order_id, kind, amount, currency, basis, source)
SELECT order_id, kind, SUM(amount), currency, 'actual', 'marketplace finance report'
  FROM order_fee_lines
 WHERE order_id = ANY($1::int[])
 GROUP BY order_id, kind, currency
"""

_DAY_COSTS = """
INSERT INTO day_costs (marketplace_id, day, kind, amount, currency, source_key, note)
SELECT $1, c.day, c.kind, c.amount, c.currency, c.source_key, c.note
  FROM unnest($2::date[], $3::text[], $4::numeric[], $5::text[], $6::text[], $7::text[])
       AS c(day, kind, amount, currency, source_key, note)
    ON CONFLICT (marketplace_id, source_key) DO UPDATE
   SET day = EXCLUDED.day, kind = EXCLUDED.kind, amount = EXCLUDED.amount, currency = EXCLUDED.currency,
       note = EXCLUDED.note
"""


@dataclass(frozen=True)
class FinanceCounts:
    """What a report did: our orders whose fees are now the platform's, the orders it named that we do not hold
    (placed before we were connected, or not imported yet: counted, never an error), and its day costs."""

    orders: int = 0
    unknown_orders: int = 0
    day_costs: int = 0


async def record(unit: UnitOfWork, marketplace_id: int, report: ReportShape) -> FinanceCounts:
    conn = unit.conn
    keys = sorted({line.order_key for line in report.orders})
    ours: dict[str, int] = {row[0]: row[1] for row in await conn.fetch(_ORDERS, marketplace_id, keys)} if keys else {}
    # Per line, kind and currency: a line's fees are summed per kind by the adapter, a kind in two currencies
    # stays two figures.
    lines: dict[tuple[str, int, str, str], Decimal] = defaultdict(Decimal)
    for line in report.orders:
        order_id = ours.get(line.order_key)
        if order_id is not None:
            for fee in line.fees:
                lines[(line.key, order_id, fee.kind, fee.currency)] += fee.amount
    if lines:
        await conn.execute(_DROP_LINES, marketplace_id, sorted({key for key, _, _, _ in lines}))
        await conn.execute(
            _LINES,
            marketplace_id,
            [key for key, _, _, _ in lines],
            [order_id for _, order_id, _, _ in lines],
            [kind for _, _, kind, _ in lines],
            list(lines.values()),
            [currency for _, _, _, currency in lines],
        )
    named = sorted({ours[key] for key in keys if key in ours})
    if named:
        await conn.execute(_DROP_ESTIMATES, named)
        await conn.execute(_ACTUALS, named)
    costs = report.day_costs
    if costs:
        await conn.execute(
            _DAY_COSTS,
            marketplace_id,
            [cost.day for cost in costs],
            [cost.fee.kind for cost in costs],
            [cost.fee.amount for cost in costs],
            [cost.fee.currency for cost in costs],
            [cost.key for cost in costs],
            [cost.note for cost in costs],
        )
    return FinanceCounts(len(named), len(keys) - len(named), len({cost.key for cost in costs}))
