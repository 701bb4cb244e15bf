"""Steps of the product forms: search, stock and price edits, a marketplace listing's keys, and a new product."""

from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup


class ProductForm(StatesGroup):
    search = State()
    adjust_change = State()
    adjust_reason = State()
    count = State()
    price = State()
    listing_key = State()


class ProductPhotos(StatesGroup):
    collecting = State()


class NewProduct(StatesGroup):
    sku = State()
    barcode = State()
    name_uz = State()
    name_ru = State()
    category = State()
    price = State()
    cost = State()
    stock = State()
    photo = State()
    confirm = State()
