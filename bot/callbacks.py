"""Callback data of every inline button, one factory per feature (Telegram allows 64 bytes)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LangCb(CallbackData, prefix="lang"):
    code: str


class MenuCb(CallbackData, prefix="menu"):
    item: str


class FormCb(CallbackData, prefix="f"):
    """A button of a form. `form` is the id of the form that drew it: a button of a closed or replaced form
    (a stale message, a second tap on Confirm) no longer matches the form in the FSM state."""

    form: str
    action: str
    value: int = 0


class ProductCb(CallbackData, prefix="pr"):
    action: str
    id: int
    arg: int = 0


class OrdersCb(CallbackData, prefix="ol"):
    """The order list with its filters; every button carries the whole filter, so no state is needed."""

    status: str = ""
    channel: int = 0
    today: int = 0
    page: int = 0


class OrderCb(CallbackData, prefix="od"):
    """An order's card and its status buttons; `seen` is the status the admin was looking at."""

    action: str
    id: int
    seen: str = ""
    to: str = ""


class ReportCb(CallbackData, prefix="rp"):
    """A report of a named period: today, week or month."""

    period: str


class SyncCb(CallbackData, prefix="sy"):
    """The /sync board (action "show") and its buttons for one marketplace: run, pause, resume, check (its key)."""

    action: str
    id: int = 0


ADMIN_PREFIXES = ("menu", "f", "pr", "ol", "od", "rp", "sy")
