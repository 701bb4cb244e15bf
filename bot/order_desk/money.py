"""The money part of an order's card: its payment (cash expected or collected), each fee with its basis, and the
profit in the order's currency with its base-currency figure at the day's rate (or "rate missing")."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram.utils.i18n import gettext as _

from bot.texts import money_in
from core import analytics
from core.order_money import Amount, OrderMoney

LOCAL = ZoneInfo(analytics.DEFAULT_TIMEZONE)


def fee_name(kind: str) -> str:
    """An order_fees kind (sql/022_money.sql), as a list item on the card."""
    return {
        "commission": _("Commission"),
        "logistics": _("Logistics"),
        "last_mile": _("Last mile"),
        "storage": _("Storage"),
        "penalty": _("Penalty"),
        "acquiring": _("Acquiring"),
        "return_logistics": _("Return logistics"),
        "payout_fee": _("Payout fee"),
        "packaging": _("Packaging"),
        "vat": _("VAT within the price"),
    }.get(kind, _("Other fee"))


def basis_name(basis: str) -> str:
    return {
        "estimated": _("estimated"),
        "actual": _("as the platform reported"),
    }.get(basis, _("your own cost"))


def payment_label(payment_status: str) -> str:
    return {
        "unpaid": _("unpaid"),
        "awaiting_payment": _("awaiting payment"),
        "paid": _("paid"),
        "refunded": _("refunded"),
    }.get(payment_status, payment_status)


def payment_line(payment_status: str, view: OrderMoney) -> str:
    cash = view.cash
    if cash is not None and cash.expected:
        return _("Payment: 💵 cash expected on delivery")
    if cash is not None and cash.collected_at is not None:
        return _("Payment: 💵 cash collected by {name} on {when}").format(
            name=cash.collected_by_name or "—", when=cash.collected_at.astimezone(LOCAL).strftime("%d.%m.%Y %H:%M")
        )
    return _("Payment: {status}").format(status=payment_label(payment_status))


def _amounts(amounts: tuple[Amount, ...]) -> str:
    """'1 299.50 RUB − 93 000 so'm': the order's currency first, the others added or taken away, never summed."""
    first, *others = amounts
    text = money_in(first.value, first.currency)
    for amount in others:
        sign = "+" if amount.value >= 0 else "−"
        text += f" {sign} {money_in(abs(amount.value), amount.currency)}"
    return text


def money_lines(view: OrderMoney) -> list[str]:
    lines = []
    if view.fees:
        lines.append(_("Fees:"))
        lines += [
            f"  • {fee_name(fee.kind)}: {money_in(fee.amount, fee.currency)} ({basis_name(fee.basis)})"
            for fee in view.fees
        ]
    if not view.profit:
        return lines
    lines.append(_("Profit: {amount}").format(amount=_amounts(view.profit)))
    if len(view.profit) > 1 or view.profit[0].currency != view.base_currency:
        day = view.day.strftime("%d.%m.%Y")
        if view.profit_base is None:
            lines.append(
                _("In {base}: rate missing for {currencies} on {day} (/rate)").format(
                    base=view.base_currency, currencies=", ".join(view.missing_rates), day=day
                )
            )
        else:
            lines.append(
                _("In {base} at the rate of {day}: {amount}").format(
                    base=view.base_currency, day=day, amount=money_in(view.profit_base, view.base_currency)
                )
            )
    return lines
