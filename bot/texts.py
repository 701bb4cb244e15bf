"""Shared wording of the bot: money, numbers, statuses and names in the current user's language.

Everything user-facing goes through gettext (`_`); the translations live in bot/locales.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Protocol

from aiogram.utils.i18n import get_i18n
from aiogram.utils.i18n import gettext as _

from core.order_status import Status

MAX_AMOUNT = Decimal("1000000000000")
MAX_QUANTITY = 100_000
# Telegram's limits, in UTF-16 code units: a message's text and a caption.
MAX_MESSAGE = 4096
MAX_CAPTION = 1024


def language() -> str:
    return get_i18n().current_locale


def shorten(text: str, limit: int) -> str:
    """A user's free text cut to `limit` characters, with an ellipsis when it was cut: a message must stay
    within Telegram's limits however long an address, note or name was typed."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fit(text: str, limit: int = MAX_MESSAGE) -> str:
    """A message's text within Telegram's limit, which counts UTF-16 code units (an emoji is two)."""
    encoded = text.encode("utf-16-le")
    if len(encoded) <= limit * 2:
        return text
    return encoded[: (limit - 1) * 2].decode("utf-16-le", errors="ignore") + "…"


def number(value: Decimal | int) -> str:
    """1234567.5 -> '1 234 567.50'; whole amounts without decimals, as prices are written in Uzbekistan."""
    amount = Decimal(value)
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return text.replace(",", " ")


def money(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return _("{amount} sum").format(amount=number(value))


def money_in(value: Decimal, currency: str) -> str:
    """An amount in its currency: so'm as everywhere else, any other currency by its ISO letters."""
    return money(value) if currency == "UZS" else f"{number(value)} {currency}"


def parse_amount(text: str) -> Decimal | None:
    """'120 000', '120000', '99,5' -> Decimal; None when it is not a non-negative amount."""
    cleaned = text.strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    for suffix in ("so'm", "сум", "sum"):
        cleaned = cleaned.removesuffix(suffix)
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        return None
    return amount.quantize(Decimal("0.01"))


def parse_quantity(text: str, *, signed: bool = False) -> int | None:
    """A whole count ('5'); with signed, a change ('+5', '-2'). None when it is not one."""
    cleaned = text.strip().replace(" ", "").replace("−", "-")
    body = cleaned[1:] if signed and cleaned[:1] in "+-" else cleaned
    if not body.isdigit() or len(body) > 6:
        return None
    value = int(body)
    if cleaned.startswith("-"):
        value = -value
    if abs(value) > MAX_QUANTITY:
        return None
    return value


class Named(Protocol):
    @property
    def name_uz(self) -> str: ...

    @property
    def name_ru(self) -> str | None: ...


def product_name(named: Named) -> str:
    """The product's (or category's) name in the reader's language (Russian when there is one)."""
    if language() == "ru" and named.name_ru:
        return named.name_ru
    return named.name_uz


def status_label(status: str) -> str:
    labels = {
        Status.PENDING: _("🟡 new"),
        Status.CONFIRMED: _("🔵 confirmed"),
        Status.PROCESSING: _("🟣 being packed"),
        Status.SHIPPED: _("🚚 shipped"),
        Status.DELIVERED: _("✅ delivered"),
        Status.CANCELLED: _("❌ cancelled"),
    }
    return labels.get(status, status)  # type: ignore[call-overload]  # a StrEnum key equals its str


def sync_label(sync_status: str | None) -> str:
    """A marketplace listing's sync state (listing.sync_status)."""
    if sync_status is None:
        return "—"
    return {
        "pending": _("⏳ waiting to sync"),
        "success": _("✅ in sync"),
        "error": _("❗ sync failed"),
    }.get(sync_status, sync_status)


def status_action(status: Status) -> str:
    """The button that moves an order to `status`."""
    return {
        Status.CONFIRMED: _("✔️ Confirm"),
        Status.PROCESSING: _("📦 Start packing"),
        Status.SHIPPED: _("🚚 Mark shipped"),
        Status.DELIVERED: _("✅ Mark delivered"),
        Status.CANCELLED: _("❌ Cancel order"),
    }.get(status, status.value)


def refusal() -> str:
    return _("Sorry, this is only for the shop's admins.")


def stale_button() -> str:
    return _("This button is out of date: that form was finished or replaced.")


def lost_form() -> str:
    return _(
        "This form's answers are gone: they were lost in a restart of the server, or the form was left "
        "unfinished for more than a day. Start it again:"
    )


def start_form_again() -> str:
    return _("🔁 Start again")
