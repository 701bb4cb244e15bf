"""Ozon's accruals in the sandbox, the methods that replaced the switched-off `/v3/finance/transaction/list`
(OZ-MD ozon/api/seller/financeapi/post-v3-finance-transaction-list.md: "будет отключён 8 сентября 2026 года";
this sandbox no longer serves it, so it answers 404 like any unknown path):
- `POST /v1/finance/accrual/types` (OZ-MD ozon/api/seller/betamethod/post-v1-finance-accrual-types.md; OZ-SPEC
  GetFinanceAccrualTypes): the reference of accrual types, `{id, name, description}`;
- `POST /v1/finance/accrual/postings` (OZ-MD .../post-v1-finance-accrual-postings.md; OZ-SPEC
  GetFinanceAccrualPostings): every accrual of the postings asked for (1..200 numbers);
- `POST /v1/finance/accrual/by-day` (OZ-MD .../post-v1-finance-accrual-by-day.md; OZ-SPEC GetFinanceAccrualByDay):
  every accrual of one day, paged by `last_id`, by posting (POSTING), by product (ITEM), by seller (NON_ITEM).
A delivered posting accrues its sale, commission, logistics, last mile and acquiring on its delivery day; a test
books the charges that belong to no posting (storage, penalties). Amounts are strings with their currency, signed
from the seller's side (a charge negative): the spec says only "Значение может быть отрицательным"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from aiohttp import web

from demo.sandboxes.ozon_models import OzonPosting, PostingLine
from demo.sandboxes.ozon_wire import BadRequest

POSTINGS_MAX = 200  # posting_numbers: minItems 1, maxItems 200 (OZ-SPEC GetFinanceAccrualPostingsRequest)
EARLIEST_DAY = date(2022, 1, 1)  # "Самая ранняя — 1 января 2022 года"
# The spec names no page size for by-day; the sandbox's is small so that paging is always exercised.
BY_DAY_PAGE = 2
# The spec lists no accrual types (only their shape): the sandbox's reference names each type by the code Ozon's
# transaction list used for the same charge, with a Russian description, and numbers them itself. `Sale` is the
# buyer's money for the goods, the others are charges.
ACCRUAL_TYPES: tuple[tuple[int, str, str], ...] = (
    (1, "Sale", "Выручка за товар"),
    (2, "SaleCommission", "Комиссия за продажу"),
    (3, "MarketplaceServiceItemDirectFlowLogistic", "Логистика"),
    (4, "MarketplaceServiceItemDelivToCustomer", "Последняя миля"),
    (5, "MarketplaceRedistributionOfAcquiringOperation", "Оплата эквайринга"),
    (6, "MarketplaceServiceItemReturnFlowLogistic", "Обратная логистика"),
    (7, "OperationMarketplaceServiceStorage", "Услуга размещения товаров на складе"),
    (8, "OperationMarketplaceWithHoldingForUndeliverableGoods", "Удержание за недовложение товара"),
    (9, "MarketplaceMarketingActionCostItem", "Продвижение товаров"),
)
TYPE_IDS = {name: type_id for type_id, name, _ in ACCRUAL_TYPES}
# The sandbox's tariff: commission and acquiring as a share of the sale, two delivery services per unit.
COMMISSION_PERCENT = Decimal(15)
ACQUIRING_PERCENT = Decimal("1.5")
SERVICES = (
    ("MarketplaceServiceItemDirectFlowLogistic", Decimal(60)),
    ("MarketplaceServiceItemDelivToCustomer", Decimal(25)),
)
# Ozon's cabinet runs on Moscow time; an accrual's date is a date without a zone (the spec does not say which).
MOSCOW_OFFSET = timedelta(hours=3)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class OzonCharge:
    """A charge booked on the seller that names no posting: by product when it has a SKU, else by seller."""

    accrual_id: int
    type_name: str
    amount: Decimal  # signed from the seller's side: a charge is negative
    currency: str
    day: date
    sku: int | None


@dataclass(frozen=True)
class _Accrual:
    """One posting accrual as `/v1/finance/accrual/postings` lists it."""

    type_name: str
    amount: Decimal
    line: PostingLine


class OzonFinanceApi:
    postings: dict[str, OzonPosting]
    charges: list[OzonCharge]
    company: dict[str, Any]
    _operation_ids: count[int]
    now: Callable[[], datetime]

    # -- control -------------------------------------------------------------------------------------------------
    def book(self, type_name: str, amount: float, *, sku: int | None = None) -> OzonCharge:
        """Ozon books a charge (``amount`` negative) or a payment (positive) of a type of ACCRUAL_TYPES that names
        no posting, e.g. OperationMarketplaceServiceStorage, today, in the cabinet's currency."""
        if type_name not in TYPE_IDS:
            raise ValueError(f"no accrual type {type_name!r} in the sandbox's reference")
        charge = OzonCharge(
            next(self._operation_ids),
            type_name,
            Decimal(str(amount)).quantize(CENT),
            str(self.company["currency"]),
            _moscow_day(self.now()),
            sku,
        )
        self.charges.append(charge)
        return charge

    def by_day(self, day: date) -> list[dict[str, Any]]:
        """Every accrual Ozon holds for the day: the delivered postings' (by order id), then the booked charges."""
        found = [
            _posting_accrual(posting)
            for posting in sorted(self.postings.values(), key=lambda p: p.order_id)
            if posting.status == "delivered" and _accrued_on(posting) == day
        ]
        return found + [_charge_accrual(charge) for charge in self.charges if charge.day == day]

    # -- routes --------------------------------------------------------------------------------------------------
    async def _accrual_types(self, body: dict[str, Any]) -> web.Response:
        types = [{"id": type_id, "name": name, "description": text} for type_id, name, text in ACCRUAL_TYPES]
        return web.json_response({"accrual_types": types})

    async def _accrual_postings(self, body: dict[str, Any]) -> web.Response:
        numbers = body.get("posting_numbers")
        if not isinstance(numbers, list) or not 1 <= len(numbers) <= POSTINGS_MAX:
            raise BadRequest(f"posting_numbers must list 1..{POSTINGS_MAX} posting numbers")
        if not all(isinstance(number, str) for number in numbers):
            raise BadRequest("posting_numbers must be strings")
        # The spec does not say what an unknown number gives: the stricter assumption, it is left out.
        known = [self.postings[number] for number in dict.fromkeys(numbers) if number in self.postings]
        return web.json_response(
            {"posting_accruals": [{"posting_number": p.posting_number, "accruals": _listed(p)} for p in known]}
        )

    async def _accrual_by_day(self, body: dict[str, Any]) -> web.Response:
        given, last_id = body.get("date"), body.get("last_id")
        if not isinstance(given, str) or not isinstance(last_id, str):
            raise BadRequest("date and last_id are required")
        try:
            day = date.fromisoformat(given)
        except ValueError as bad:
            raise BadRequest("date must be YYYY-MM-DD") from bad
        if day < EARLIEST_DAY:
            raise BadRequest(f"date must be {EARLIEST_DAY.isoformat()} or later")
        rows = self.by_day(day)
        start = 0
        if last_id:
            # "Если укажете last_id, передайте значение date из предыдущего запроса, иначе вернётся ошибка 400"
            page_day, _, seen = last_id.partition("/")
            if page_day != given or not seen.isdigit():
                raise BadRequest("last_id does not belong to this date")
            start = next((i + 1 for i, row in enumerate(rows) if row["accrual_id"] == int(seen)), len(rows))
        page = rows[start : start + BY_DAY_PAGE]
        # The spec does not say how the last page is marked: the stricter assumption, last_id stays set and the
        # reader learns the end from a page without accruals.
        last = f"{given}/{page[-1]['accrual_id']}" if page else last_id
        return web.json_response({"accruals": page, "last_id": last})


def _moscow_day(moment: datetime) -> date:
    return (moment.astimezone(UTC) + MOSCOW_OFFSET).date()


def _accrued_on(posting: OzonPosting) -> date:
    return _moscow_day(posting.delivering_date or posting.in_process_at)


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": str(amount.quantize(CENT)), "currency": currency}


def _accruals(posting: OzonPosting) -> list[_Accrual]:
    """A delivered posting's accruals, line by line; nothing before it is delivered."""
    if posting.status != "delivered":
        return []
    found: list[_Accrual] = []
    for line in posting.lines:
        sale = (Decimal(str(line.price)) * line.quantity).quantize(CENT)
        found += [
            _Accrual("Sale", sale, line),
            _Accrual("SaleCommission", -(sale * COMMISSION_PERCENT / 100).quantize(CENT), line),
            *(_Accrual(name, -price * line.quantity, line) for name, price in SERVICES),
            _Accrual(
                "MarketplaceRedistributionOfAcquiringOperation", -(sale * ACQUIRING_PERCENT / 100).quantize(CENT), line
            ),
        ]
    return found


def _listed(posting: OzonPosting) -> list[dict[str, Any]]:
    day = _accrued_on(posting).isoformat()
    return [
        {
            "accrual_date": day,
            "accrued": _money(accrual.amount, accrual.line.item.currency_code),
            "quantity": accrual.line.quantity,
            "seller_price": _money(Decimal(str(accrual.line.price)), accrual.line.item.currency_code),
            "sku": accrual.line.item.sku,
            "type_id": TYPE_IDS[accrual.type_name],
        }
        for accrual in _accruals(posting)
    ]


def _posting_accrual(posting: OzonPosting) -> dict[str, Any]:
    """The by-day view of a delivered posting: per product its commission and delivery services (acquiring has no
    place of its own there; it is in total_amount)."""
    accruals = _accruals(posting)
    currency = posting.lines[0].item.currency_code
    products = []
    for line in posting.lines:
        mine = {accrual.type_name: accrual.amount for accrual in accruals if accrual.line is line}
        services = [{"accrued": _money(mine[name], currency), "type_id": TYPE_IDS[name]} for name, _ in SERVICES]
        products.append(
            {
                "sku": line.item.sku,
                "commission": {
                    "bonus": _money(Decimal(0), currency),
                    "coinvestment": _money(Decimal(0), currency),
                    "commission": _money(mine["SaleCommission"], currency),
                    "commission_ratio": str(COMMISSION_PERCENT / 100),
                    "sale_amount": _money(mine["Sale"], currency),
                    "sale_commission": _money(mine["SaleCommission"], currency),
                    "sale_price": _money(Decimal(str(line.price)), currency),
                    "seller_price": _money(Decimal(str(line.price)), currency),
                },
                "delivery": {
                    "services": services,
                    "total_accrued": _money(sum((mine[name] for name, _ in SERVICES), Decimal(0)), currency),
                },
            }
        )
    return {
        "accrual_id": posting.order_id * 10 + 1,
        "accrued_category": "POSTING",
        "date": _accrued_on(posting).isoformat(),
        "unit_number": posting.posting_number,
        "posting": {"delivery_schema": "FBS", "delivery_speed": 0, "products": products},
        "total_amount": _money(sum((accrual.amount for accrual in accruals), Decimal(0)), currency),
    }


def _charge_accrual(charge: OzonCharge) -> dict[str, Any]:
    fee = {"accrued": _money(charge.amount, charge.currency), "type_id": TYPE_IDS[charge.type_name]}
    accrual: dict[str, Any] = {
        "accrual_id": charge.accrual_id,
        "date": charge.day.isoformat(),
        "unit_number": "",
        "total_amount": _money(charge.amount, charge.currency),
    }
    if charge.sku is None:
        accrual.update(accrued_category="NON_ITEM", non_item_fee=fee)
    else:
        accrual.update(accrued_category="ITEM", item_fees={"fees": [{"sku": charge.sku, "fees": [fee]}]})
    return accrual
