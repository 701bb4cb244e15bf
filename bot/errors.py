"""core's errors told to an admin or customer in their language, and what the bot says when Redis is down."""

from __future__ import annotations

import contextlib
import logging

from aiogram import Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _
from redis.exceptions import RedisError

from bot.texts import status_label
from core.errors import (
    DomainError,
    Forbidden,
    InvalidTransition,
    NotFound,
    OutOfStock,
    ProductInactive,
    ValidationError,
)

log = logging.getLogger(__name__)
router = Router(name=__name__)


def describe(error: DomainError) -> str:
    if isinstance(error, OutOfStock):
        return _("Not enough «{name}»: {available} available, {requested} wanted.").format(
            name=error.product_name, available=error.available, requested=error.requested
        )
    if isinstance(error, ProductInactive):
        return _("«{name}» is not on sale.").format(name=error.product_name)
    if isinstance(error, InvalidTransition):
        return _("The order is already {status}; nothing was changed.").format(status=status_label(error.current))
    if isinstance(error, NotFound):
        return _("Not found: it may have been deleted meanwhile.")
    if isinstance(error, ValidationError):
        return _validation(error)
    if isinstance(error, Forbidden):
        return _("Sorry, this is not allowed.")
    return _unworded(error)


def _unworded(error: DomainError) -> str:
    """core's message is English, for developers: the log keeps it, the reader gets their own language."""
    log.info("no wording for %s: %s", type(error).__name__, error)
    return _("That did not work. Please check what you sent and try again.")


def _validation(error: ValidationError) -> str:
    known = {
        "phone": _("This does not look like a phone number. Send it like +998 90 123 45 67 or 90 123 45 67."),
        "customer_phone": _("This does not look like a phone number. Send it like +998 90 123 45 67 or 90 123 45 67."),
        "sale_price": _("The sale price cannot be higher than the price."),
        "sku": _("This SKU is already used by another product."),
        "channel": _("This channel is switched off or does not take manual orders."),
        "reason": _("Say why the stock changes."),
        "customer_name": _("The customer's name is required."),
        "items": _("Add at least one item."),
        "channel_name": _("A channel needs a name of at most 100 characters that no other channel has."),
        "shop_hours": _("Working hours take at most 200 characters."),
        "shop_about_uz": _("The about text takes at most 1000 characters."),
        "shop_about_ru": _("The about text takes at most 1000 characters."),
        "own_store": _("The own store cannot be switched off; hide a product from it on the product's card."),
    }
    if error.field == "quantity" and "reserved" in str(error):
        return _("Some units are reserved for customers' checkouts: the count cannot be lower than that.")
    worded = known.get(error.field or "")
    return worded if worded is not None else _unworded(error)


@router.errors(ExceptionTypeFilter(RedisError))
async def storage_unavailable(event: ErrorEvent) -> None:
    """Redis keeps every chat's form and lock, so without it each update fails before any handler: tell the user
    to try again instead of leaving them unanswered (a form goes on where it was once Redis is back)."""
    log.warning("update %s not handled, Redis is unavailable: %s", event.update.update_id, event.exception)
    text = _("The bot is briefly unavailable. Please try again in a minute.")
    with contextlib.suppress(TelegramAPIError):
        if event.update.callback_query is not None:
            await event.update.callback_query.answer(text, show_alert=True)
        elif event.update.message is not None:
            await event.update.message.answer(text)
