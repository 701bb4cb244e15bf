"""The steps of a manual order form."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class ManualOrder(StatesGroup):
    channel = State()
    search = State()
    pick = State()
    quantity = State()
    price = State()
    items = State()
    name = State()
    phone = State()
    address = State()
    fee = State()
    summary = State()
    edit = State()
