"""Phone numbers in E.164 (+998901234567), from the ways people in Uzbekistan type them."""

from __future__ import annotations

import re

from core.errors import ValidationError

_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def normalize_phone(raw: str) -> str:
    """'+998 90 123-45-67', '998901234567', '90 123 45 67' and '8 90 1234567' all become '+998901234567'."""
    digits = re.sub(r"[\s\-().]", "", raw.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not digits.startswith("+"):
        if len(digits) == 9:  # the national number without the country code
            digits = "+998" + digits
        elif len(digits) == 10 and digits.startswith("8"):  # old trunk prefix
            digits = "+998" + digits[1:]
        else:
            digits = "+" + digits
    if digits.startswith("+998") and len(digits) != 13:
        raise ValidationError("an Uzbek number has 9 digits after +998, e.g. +998901234567", "phone")
    if not _E164.match(digits):
        raise ValidationError("phone must look like +998901234567", "phone")
    return digits
