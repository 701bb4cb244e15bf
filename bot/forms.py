"""What every inline form shares: form ids against stale buttons (naming the screen that starts the form again),
showing a step (edit the tapped message or send a new one), and the Back/Cancel row."""

from __future__ import annotations

import contextlib
import secrets
from typing import Any

from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from pydantic import BaseModel

from bot.callbacks import ChangeOrderPart, FormAction, FormButton, Screen

Event = Message | CallbackQuery

# Typed input, but never a command: /orders typed mid-form is a command, not a product name.
TYPED = F.text & ~F.text.startswith("/")


# A form id starts with a letter naming the screen that starts that form afresh: what a button of a form whose
# state was lost still knows, to offer the same form again. (Hex ids, drawn before the letters, name none.)
RESTARTS = {"o": Screen.MANUAL_ORDER, "n": Screen.NEW_PRODUCT, "p": Screen.PRODUCTS}


def new_form_id(restart: Screen) -> str:
    """A fresh id for a form that `restart` (a manual order, a new product, or a product's forms: the products
    screen) starts again."""
    letter = next(letter for letter, screen in RESTARTS.items() if screen == restart)
    return letter + secrets.token_hex(4)


def restart_screen(form: str) -> Screen:
    return RESTARTS.get(form[:1], Screen.MENU)


class CurrentForm(Filter):
    """After the button's callback data filter: passes a form's button only while its form is the one in the FSM
    state, and injects the form's data as `draft` (read into `model` when the form has one). Anything else falls
    through to the stale-button note."""

    def __init__(self, model: type[BaseModel] | None = None) -> None:
        self.model = model

    async def __call__(
        self, callback: CallbackQuery, callback_data: FormButton | ChangeOrderPart, state: FSMContext
    ) -> bool | dict[str, Any]:
        data = await state.get_data()
        if data.get("form") != callback_data.form:
            return False
        return {"draft": data if self.model is None else self.model.model_validate(data)}


async def show(event: Event, text: str, markup: InlineKeyboardMarkup | None = None, *, answer: bool = True) -> None:
    """A tapped button turns its own message into the next step (its old buttons vanish with it);
    typed input gets a new message. `answer=False` when the tap was already answered (with a note)."""
    if isinstance(event, CallbackQuery):
        message = event.message
        if isinstance(message, Message):
            try:
                await message.edit_text(text, reply_markup=markup)
            except TelegramBadRequest as error:
                if "not modified" not in error.message:  # e.g. too old to edit: say it anew
                    await message.answer(text, reply_markup=markup)
        elif event.from_user is not None and event.bot is not None:
            await event.bot.send_message(event.from_user.id, text, reply_markup=markup)
        if answer:
            with contextlib.suppress(TelegramBadRequest):
                await event.answer()
    else:
        await event.answer(text, reply_markup=markup)


async def tell(event: Event, text: str) -> None:
    """A short note that does not replace the form: a toast for a button, a message for typed input."""
    if isinstance(event, CallbackQuery):
        with contextlib.suppress(TelegramBadRequest):
            await event.answer(text, show_alert=True)
    else:
        await event.answer(text)


def button(text: str, form: str, action: FormAction, value: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=FormButton(form=form, action=action, value=value).pack())


def nav_row(form: str, *, back: bool = True) -> list[InlineKeyboardButton]:
    row = [button(_("⬅️ Back"), form, FormAction.BACK)] if back else []
    row.append(button(_("✖️ Cancel"), form, FormAction.CANCEL))
    return row


def keyboard(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])
