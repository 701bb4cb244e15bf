"""The seller's own costs an admin sets from the bot, as shop_settings rows that core.fees reads when an order is
placed: packaging per order (in the base currency), the payout fee of the Uzum payout schedule (a percent of the
revenue) and the VAT mode (none, or the rate included in the prices). A value is kept as core.fees reads it:
plain digits with at most two decimals (READABLE, what core.fees takes); none is the row removed. Every change
is audited."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from core import audit, fees
from core.db import Conn
from core.errors import ValidationError
from core.unit_of_work import UnitOfWork


class MoneySetting(StrEnum):
    """The keys core.fees reads."""

    PACKAGING_COST = fees.PACKAGING_COST
    PAYOUT_FEE_PERCENT = fees.PAYOUT_FEE_PERCENT
    VAT_PERCENT = fees.VAT_PERCENT


CENT = Decimal("0.01")
# The values core.fees reads; it counts any other as 0.
READABLE = r"^[0-9]{1,9}(\.[0-9]{1,4})?$"
# The largest value of each (exclusive): nine digits of so'm for packaging; a percent below 100 (a payout fee or
# VAT of 100% or more is a typo, not a rate).
LIMIT: dict[MoneySetting, Decimal] = {
    MoneySetting.PACKAGING_COST: Decimal("1000000000"),
    MoneySetting.PAYOUT_FEE_PERCENT: Decimal(100),
    MoneySetting.VAT_PERCENT: Decimal(100),
}


@dataclass(frozen=True)
class MoneySettings:
    """What core.fees will use; None is "none" (it counts as 0)."""

    packaging_cost: Decimal | None = None
    payout_fee_percent: Decimal | None = None
    vat_percent: Decimal | None = None


async def read(conn: Conn) -> MoneySettings:
    """The values as core.fees reads them: a row it cannot read counts as none, here as there."""
    rows = await conn.fetch(
        "SELECT key, value FROM shop_settings WHERE key = ANY($1::text[]) AND value ~ $2",
        [setting.value for setting in MoneySetting],
        READABLE,
    )
    return MoneySettings(**{row["key"]: Decimal(row["value"]) for row in rows})


def _checked(setting: MoneySetting, value: Decimal) -> Decimal | None:
    exponent = value.as_tuple().exponent
    if not value.is_finite() or not isinstance(exponent, int) or -exponent > 2:
        raise ValidationError(f"{setting.value} takes at most two decimals", setting.value)
    if value < 0 or value >= LIMIT[setting]:
        raise ValidationError(f"{setting.value} must be at least 0 and below {LIMIT[setting]}", setting.value)
    return None if value == 0 else value


def _text(value: Decimal) -> str:
    """12.50 -> '12.5', 15000.00 -> '15000': digits and a point, never an exponent."""
    return format(value.quantize(CENT).normalize(), "f")


async def set_value(uow: UnitOfWork, setting: MoneySetting, value: Decimal, actor_id: int | None) -> MoneySettings:
    """Set one value (0 is none: the row goes). A value out of its range raises ValidationError, writing
    nothing."""
    conn = uow.conn
    kept = _checked(setting, value)
    text = None if kept is None else _text(kept)
    before: str | None = await conn.fetchval("SELECT value FROM shop_settings WHERE key = $1 FOR UPDATE", setting.value)
    if text is None:
        await conn.execute("DELETE FROM shop_settings WHERE key = $1", setting.value)
    else:
        await conn.execute(
            "INSERT INTO shop_settings (key, value) VALUES ($1, $2)"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = NOW()",
            setting.value,
            text,
        )
    if before != text:
        await audit.record(
            conn, actor_id, audit.SHOP_SETTING, "shop_setting", None, {setting.value: before}, {setting.value: text}
        )
    return await read(conn)
