"""The Central Bank of Uzbekistan's daily exchange rates (CBU_RATES_URL, https://cbu.uz/uz/arkhiv-kursov-valyut/json/)
into exchange_rates, every currency it lists (a currency that comes into use between two runs then has its
rate already), and one alert a day when a currency in use has no fresh rate.

The bank's JSON is a list of currencies, each {"Ccy": "RUB", "Nominal": "1", "Rate": "152.34", "Date":
"07.12.2026", ...}: `Rate` so'm buy `Nominal` units, from `Date` on (the bank dates tomorrow's rate when it
publishes it in the afternoon). A shop whose base currency is not the so'm gets the rates crossed through the
so'm: RUB in KZT = (so'm per RUB) / (so'm per KZT)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import aiohttp

from core import rates
from core.db import Conn
from core.rates import DayRate
from core.unit_of_work import Effects

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
# The table keeps eight decimals (NUMERIC(20, 8)).
PLACES = Decimal("1e-8")
UZS = "UZS"


class BankUnreadable(Exception):
    """The bank could not be reached, or answered something that is not its list of rates."""


@dataclass(frozen=True)
class BankRate:
    """So'm per one unit of a currency, from a day on, as the bank published it."""

    currency: str
    day: date
    som: Decimal


def read(body: Any) -> list[BankRate]:
    """The bank's list; a row that is not a currency with a positive rate and a date is skipped, an answer that
    is not a list of them at all is refused."""
    if not isinstance(body, list):
        raise BankUnreadable("the answer is not a list of rates")
    found = []
    for row in body:
        try:
            rate, nominal = Decimal(str(row["Rate"])), Decimal(str(row["Nominal"]))
            found.append(
                BankRate(str(row["Ccy"]), datetime.strptime(str(row["Date"]), "%d.%m.%Y").date(), rate / nominal)
            )
        except (KeyError, TypeError, ValueError, InvalidOperation, ZeroDivisionError):
            log.warning("a row of the bank's rates is not one: %.200r", row)
    usable = [rate for rate in found if rate.som.is_finite() and rate.som > 0 and rates.CURRENCY.match(rate.currency)]
    if body and not usable:
        raise BankUnreadable("no row of the answer is a rate")
    return usable


def in_base(bank: list[BankRate], base: str) -> list[DayRate]:
    """Every rate the bank published, in the base currency: its own when the base is the so'm, crossed through
    the base's so'm rate of the same day otherwise (the so'm then gets one too); none when the bank does not list
    the base. A rate the table cannot hold (it rounds to nothing in eight decimals) is left out."""
    if base == UZS:
        found = [DayRate(rate.currency, rate.day, rate.som.quantize(PLACES)) for rate in bank if rate.currency != UZS]
    else:
        pivot = next((rate for rate in bank if rate.currency == base), None)
        if pivot is None:
            return []
        crossed = [BankRate(UZS, pivot.day, Decimal(1))]
        crossed += [rate for rate in bank if rate.day == pivot.day and rate.currency not in (base, UZS)]
        found = [DayRate(rate.currency, rate.day, (rate.som / pivot.som).quantize(PLACES)) for rate in crossed]
    return [rate for rate in found if 0 < rate.rate < rates.MAX_RATE]


async def fetch(session: aiohttp.ClientSession, url: str) -> list[BankRate]:
    try:
        async with session.get(url, timeout=TIMEOUT) as response:
            if response.status != 200:
                raise BankUnreadable(f"the bank answered {response.status}")
            body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        raise BankUnreadable(f"the bank could not be read: {error}") from error
    return read(body)


class CbuRates:
    """The job: read the bank, store its rates, tell the admins (once a day) what in use still lacks a rate.
    It runs more often than daily (CBU_RATES_INTERVAL) so that a bank out of reach at one run is read at the
    next; a run that finds the same rates changes nothing."""

    def __init__(self, url: str, effects: Effects) -> None:
        self._url = url
        self._effects = effects

    async def run(self, conn: Conn) -> list[str]:
        """Returns the currencies still without a fresh rate."""
        try:
            async with aiohttp.ClientSession() as session:
                bank = await fetch(session, self._url)
        except BankUnreadable as error:
            log.warning("exchange rates: %s", error)
            bank = []
        async with self._effects.transaction(conn) as unit:
            await rates.set_bank_rates(unit, in_base(bank, await rates.base_currency(conn)))
            return await rates.announce_missing(unit)
