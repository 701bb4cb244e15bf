"""Currencies as the platforms write them, turned into the ISO 4217 letters our records keep."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

# ISO 4217 "no currency": what an amount is recorded in when the platform did not say, or named a currency this
# table does not know. No rate is ever found for it, so the reports show "rate missing" instead of a guess.
UNKNOWN = "XXX"

# ISO 4217 numeric codes of the currencies Wildberries settles in (the countries it sells in, and the seller's
# country: Uzbekistan's so'm) and of the usual foreign ones.
NUMERIC = {
    643: "RUB",
    860: "UZS",
    398: "KZT",
    933: "BYN",
    417: "KGS",
    51: "AMD",
    981: "GEL",
    944: "AZN",
    972: "TJS",
    840: "USD",
    978: "EUR",
    156: "CNY",
}


def currency_letters(code: Any) -> str:
    """The letters of an ISO 4217 numeric code (643 or "643" -> "RUB"); UNKNOWN when there is none we know."""
    try:
        letters = NUMERIC.get(int(code))
    except (TypeError, ValueError):
        letters = None
    if letters is None:
        log.warning("currency code %r is not one we know: recorded as %s", code, UNKNOWN)
        return UNKNOWN
    return letters


def currency_of(value: Any) -> str:
    """Letters a platform wrote ("RUB", "kzt"), or UNKNOWN when it wrote none."""
    if isinstance(value, str) and len(value.strip()) == 3 and value.strip().isalpha():
        return value.strip().upper()
    log.warning("currency %r is not ISO 4217 letters: recorded as %s", value, UNKNOWN)
    return UNKNOWN
