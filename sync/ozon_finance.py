"""Ozon's own finance figures (sync.adapter.Finance) from its accruals, which replaced the transaction list switched
off on 8 September 2026 (OZ-MD ozon/api/seller/financeapi/post-v3-finance-transaction-list.md):
- `/v1/finance/accrual/by-day` (OZ-MD ozon/api/seller/betamethod/post-v1-finance-accrual-by-day.md; OZ-SPEC
  GetFinanceAccrualByDay), each day of the period: the postings that accrued (POSTING, `unit_number` is the posting
  number) and the charges that belong to no posting (ITEM: storage and the like by product; NON_ITEM: by seller;
  CONTAINER_FEES), which are costs of their day;
- `/v1/finance/accrual/postings` (OZ-MD .../post-v1-finance-accrual-postings.md; OZ-SPEC GetFinanceAccrualPostings)
  for those postings, 200 a request: every accrual of each, whatever its day, so one read says all a posting
  cost so far (our IncomingOrder.key is the posting number);
- `/v1/finance/accrual/types` (OZ-MD .../post-v1-finance-accrual-types.md; OZ-SPEC GetFinanceAccrualTypes): what
  each `type_id` is, by name and description, which say what kind of ours it is (accrual_kind)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sync.adapter import DayCost, Fee, FeeKind, FinanceReport, OrderFinance
from sync.http import MarketplaceError, MarketplaceHttp
from sync.ozon_wire import raise_for

POSTINGS_BATCH = 200  # posting_numbers: maxItems 200 (OZ-SPEC GetFinanceAccrualPostingsRequest)
EARLIEST_DAY = date(2022, 1, 1)  # by-day: "Самая ранняя — 1 января 2022 года"
# The spec lists the types only by their shape ({id, name, description}), never their names: a type is known by
# the words of its name (else of its description), Ozon's codes as its transaction list named the same charges and
# their Russian words, in this order (a refunded commission is a commission, a return's storage is storage). The
# buyer's money for the goods is no fee; a type none of these words name is 'other', kept, never dropped.
REVENUE_NAMES = frozenset(
    {"sale", "saleamount", "продажа", "выручка", "выручка за товар", "реализация", "operationagentdeliveredtocustomer"}
)
KIND_WORDS: tuple[tuple[FeeKind, tuple[str, ...]], ...] = (
    ("acquiring", ("acquiring", "эквайринг")),
    ("commission", ("commission", "комисси")),
    ("storage", ("storage", "размещени", "хранени")),
    ("penalty", ("penalty", "withholding", "штраф", "удержани", "недовложени")),
    ("return_logistics", ("return", "notdelivered", "возврат", "обратн", "невыкуп", "отмен")),
    ("last_mile", ("delivtocustomer", "lastmile", "последняя миля")),
    (
        "logistics",
        (
            "logistic",
            "delivery",
            "flowtrans",
            "dropoff",
            "pickup",
            "fulfillment",
            "kgt",
            "логистик",
            "доставк",
            "магистрал",
            "обработка отправлени",
            "сборка",
        ),
    ),
)


def accrual_kind(name: str, description: str) -> FeeKind | None:
    """Our kind of an accrual type, or None for the buyer's money (a sale is revenue, not a fee)."""
    if {name.strip().lower(), description.strip().lower()} & REVENUE_NAMES:
        return None
    for text in (name.lower(), description.lower()):
        for kind, words in KIND_WORDS:
            if any(word in text for word in words):
                return kind
    return "other"


class OzonFinance:
    """Mixed into OzonAdapter, whose read lane it uses."""

    _reads: MarketplaceHttp

    async def finance(self, since: datetime, until: datetime) -> FinanceReport:
        """The accruals of every day that [since, until) touches and the postings that accrued on them. A day is
        asked up to the day after `until`'s: the spec gives accrual dates without a zone (the cabinet's Moscow
        time is ahead of UTC), and a day read twice counts once (each line keeps Ozon's own id)."""
        kinds = await self._types()
        numbers: dict[str, None] = {}
        costs: list[DayCost] = []
        for day in _days(since, until):
            async for accrual in self._by_day(day):
                if accrual.get("accrued_category") == "POSTING":
                    if number := str(accrual.get("unit_number") or ""):
                        numbers[number] = None
                else:
                    costs += _day_costs(accrual, kinds)
        lines: list[OrderFinance] = []
        chosen = list(numbers)
        for start in range(0, len(chosen), POSTINGS_BATCH):
            body = {"posting_numbers": chosen[start : start + POSTINGS_BATCH]}
            for posting in (await self._ask("/v1/finance/accrual/postings", body)).get("posting_accruals") or []:
                number = str(posting.get("posting_number") or "")
                accrued = ((a.get("type_id"), a.get("accrued")) for a in posting.get("accruals") or [])
                if number and (fees := _fees(accrued, kinds)):
                    # The posting's whole account: a later read replaces what this one said.
                    lines.append(OrderFinance(number, fees, f"accruals:{number}"))
        return FinanceReport(tuple(lines), tuple(costs))

    async def _types(self) -> dict[int, tuple[FeeKind | None, str]]:
        """Our kind and Ozon's name of each type_id."""
        found: dict[int, tuple[FeeKind | None, str]] = {}
        for row in (await self._ask("/v1/finance/accrual/types", {})).get("accrual_types") or []:
            name, description = str(row.get("name") or ""), str(row.get("description") or "")
            found[_type_id(row.get("id"))] = (accrual_kind(name, description), description or name)
        return found

    async def _by_day(self, day: date) -> AsyncIterator[dict[str, Any]]:
        """One day's accruals, page after page: the spec does not say how the last page is marked, so reading stops
        at a page without accruals (or without a last_id to go on from)."""
        last_id = ""
        while True:
            page = await self._ask("/v1/finance/accrual/by-day", {"date": day.isoformat(), "last_id": last_id})
            accruals = page.get("accruals") or []
            for accrual in accruals:
                yield accrual
            last_id = str(page.get("last_id") or "")
            if not accruals or not last_id:
                return

    async def _ask(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        reply = await self._reads.request("POST", path, body=body)
        raise_for(reply.status, reply.body)
        return reply.body if isinstance(reply.body, dict) else {}


def _days(since: datetime, until: datetime) -> Iterable[date]:
    day = max(since.astimezone(UTC).date(), EARLIEST_DAY)
    last = (until.astimezone(UTC) + timedelta(days=1)).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def _day_costs(accrual: dict[str, Any], kinds: dict[int, tuple[FeeKind | None, str]]) -> list[DayCost]:
    """An accrual that names no posting: its fees by product (item_fees), by seller (non_item_fee) or by container
    (container_fees), summed per kind and currency, dated by the accrual's `date`."""
    accrued = [
        (fee.get("type_id"), fee.get("accrued")) for fee in (accrual.get("container_fees") or {}).get("fees") or []
    ]
    for item in (accrual.get("item_fees") or {}).get("fees") or []:
        accrued += [(fee.get("type_id"), fee.get("accrued")) for fee in item.get("fees") or []]
    if non_item := accrual.get("non_item_fee"):
        accrued.append((non_item.get("type_id"), non_item.get("accrued")))
    fees = _fees(accrued, kinds)
    names = sorted({kinds.get(_type_id(type_id), (None, str(type_id)))[1] for type_id, _ in accrued})
    day = date.fromisoformat(str(accrual.get("date")))
    if not (accrual_id := accrual.get("accrual_id")):
        raise MarketplaceError("ozon: an accrual without an accrual_id cannot be counted once")
    key = f"accrual:{accrual_id}"
    return [DayCost(f"{key}:{fee.kind}:{fee.currency}", day, fee, ", ".join(names) or None) for fee in fees]


def _fees(accrued: Iterable[tuple[Any, Any]], kinds: dict[int, tuple[FeeKind | None, str]]) -> tuple[Fee, ...]:
    """Ozon's amounts are signed from the seller's side (a charge negative), ours the other way round; the buyer's
    money (a sale) is left out. A type_id the reference does not list is 'other'."""
    summed: dict[tuple[FeeKind, str], Decimal] = {}
    for type_id, money in accrued:
        kind = kinds.get(_type_id(type_id), ("other", ""))[0]
        if kind is None:
            continue
        amount, currency = _money(money)
        if amount:
            summed[kind, currency] = summed.get((kind, currency), Decimal(0)) - amount
    return tuple(Fee(kind, amount, currency) for (kind, currency), amount in summed.items() if amount)


def _type_id(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as bad:
        raise MarketplaceError(f"ozon: an accrual without a type_id ({value!r})") from bad


def _money(value: Any) -> tuple[Decimal, str]:
    """`{amount: "-12.50", currency: "RUB"}`: every amount names its currency, which is never guessed."""
    money = value if isinstance(value, dict) else {}
    currency = str(money.get("currency") or "").upper()
    try:
        amount = Decimal(str(money.get("amount") or "0"))
    except InvalidOperation as bad:
        raise MarketplaceError(f"ozon: an accrual amount that is not a number ({money.get('amount')!r})") from bad
    if amount and (len(currency) != 3 or not currency.isalpha()):
        raise MarketplaceError(f"ozon: an accrual of {amount} names no currency ({currency!r})")
    return amount, currency
