"""A new product by form: SKU, barcode, names uz/ru, category, price, cost, opening stock and a photo.

The photo stays on Telegram's servers: image_url keeps "tg-file:<file_id>" (the bot shows it; the Mini App
needs a media route to serve it, until then it shows its placeholder)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg
from aiogram import F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import FormAction, FormButton, OpenScreen, Screen
from bot.errors import describe
from bot.forms import TYPED, CurrentForm, Event, button, keyboard, nav_row, new_form_id, show
from bot.menu_buttons import menu_button
from bot.products.card import PHOTO_PREFIX, show_card
from bot.products.states import NewProduct
from bot.texts import money, parse_amount, parse_quantity, product_name
from core import admin_products, catalog
from core.admin_products import CategoryChoice
from core.errors import DomainError, ValidationError
from core.settings import Settings
from core.unit_of_work import Effects
from core.users import User

FIELDS = ("sku", "barcode", "name_uz", "name_ru", "category", "price", "cost", "stock", "photo")
OPTIONAL = frozenset({"barcode", "name_ru", "category", "cost", "photo"})
STATES = {field: getattr(NewProduct, field) for field in FIELDS}

router = admin_router(__name__)


def _question(field: str) -> str:
    return {
        "sku": _("New product. Its SKU (our article code)?"),
        "barcode": _("Barcode?"),
        "name_uz": _("Name in Uzbek?"),
        "name_ru": _("Name in Russian?"),
        "category": _("Category?"),
        "price": _("Our price?"),
        "cost": _("Cost (what one unit costs us)?"),
        "stock": _("How many are in the warehouse now?"),
        "photo": _("Send a photo of the product."),
    }[field]


@router.message(Command("newproduct"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.NEW_PRODUCT))
async def start(event: Event, state: FSMContext, pool: asyncpg.Pool) -> None:
    await state.clear()
    await state.set_data({"form": new_form_id()})
    await ask(event, state, pool, "sku")


async def ask(event: Event, state: FSMContext, pool: asyncpg.Pool, field: str, note: str = "") -> None:
    await state.set_state(STATES[field])
    draft = await state.get_data()
    form = draft["form"]
    rows = []
    if field == "category":
        async with pool.acquire() as conn:
            choices = await admin_products.category_choices(conn)
        rows = [[button(_category_name(row), form, FormAction.PICK_CATEGORY, row.id)] for row in choices]
    if field in OPTIONAL:
        rows.append([button(_("Skip"), form, FormAction.SKIP)])
    await show(event, f"{note}\n\n{_question(field)}".strip(), keyboard(*rows, nav_row(form, back=field != "sku")))


def _category_name(row: CategoryChoice) -> str:
    name = product_name(row)
    if row.parent:
        return f"{product_name(row.parent)} › {name}"
    return name


async def _next(event: Event, state: FSMContext, pool: asyncpg.Pool, field: str, **values: Any) -> None:
    draft = await state.update_data(**values)
    following = FIELDS.index(field) + 1
    if draft.get("fixing"):  # sent back from the confirmation to fix one answer: the others stand
        await confirm_step(event, state)
    elif following < len(FIELDS):
        await ask(event, state, pool, FIELDS[following])
    else:
        await confirm_step(event, state)


def _current(raw_state: str | None) -> str | None:
    return next((field for field, state in STATES.items() if state.state == raw_state), None)


@router.message(StateFilter(NewProduct), TYPED)
async def typed(message: Message, state: FSMContext, pool: asyncpg.Pool, raw_state: str | None) -> None:
    field = _current(raw_state)
    if field is None:
        return
    text = (message.text or "").strip()
    value: object = text
    problem = None
    if field in ("sku", "barcode") and not 0 < len(text) <= 100:
        problem = _("Up to 100 characters, please.")
    elif field in ("name_uz", "name_ru") and not 0 < len(text) <= 255:
        problem = _("Up to 255 characters, please.")
    elif field in ("price", "cost"):
        amount = parse_amount(text)
        value, problem = (str(amount), None) if amount is not None else (None, _("Send a number, like 120000."))
    elif field == "stock":
        value = parse_quantity(text)
        problem = _("Send a whole number, like 10.") if value is None or value < 0 else None
    elif field in ("category", "photo"):
        problem = _("Please use the buttons.") if field == "category" else _("Please send a photo.")
    if problem:
        await ask(message, state, pool, field, "⚠️ " + problem)
        return
    await _next(message, state, pool, field, **{field: value})


@router.message(NewProduct.photo, F.photo)
async def photo_sent(message: Message, state: FSMContext, pool: asyncpg.Pool) -> None:
    assert message.photo
    await _next(message, state, pool, "photo", photo=PHOTO_PREFIX + message.photo[-1].file_id)


@router.callback_query(NewProduct.category, FormButton.filter(F.action == FormAction.PICK_CATEGORY), CurrentForm())
async def category_tapped(
    callback: CallbackQuery, callback_data: FormButton, state: FSMContext, pool: asyncpg.Pool
) -> None:
    await _next(callback, state, pool, "category", category=callback_data.value)


@router.callback_query(StateFilter(NewProduct), FormButton.filter(F.action == FormAction.SKIP), CurrentForm())
async def skipped(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool, raw_state: str | None) -> None:
    field = _current(raw_state)
    if field in OPTIONAL:
        await _next(callback, state, pool, field, **{field: None})


@router.callback_query(StateFilter(NewProduct), FormButton.filter(F.action == FormAction.BACK), CurrentForm())
async def back(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool, raw_state: str | None) -> None:
    field = _current(raw_state)
    previous = FIELDS[-1] if field is None else FIELDS[max(0, FIELDS.index(field) - 1)]
    await ask(callback, state, pool, previous)


@router.callback_query(StateFilter(NewProduct), FormButton.filter(F.action == FormAction.CANCEL), CurrentForm())
async def cancel(callback: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    await show(callback, _("Cancelled; nothing was saved."), keyboard([menu_button()]))


def _product(draft: dict[str, Any]) -> catalog.NewProduct:
    return catalog.NewProduct(
        sku=draft["sku"],
        barcode=draft.get("barcode"),
        name_uz=draft["name_uz"],
        name_ru=draft.get("name_ru"),
        category_id=draft.get("category"),
        price=Decimal(draft["price"]),
        cost_price=Decimal(draft["cost"]) if draft.get("cost") else None,
        initial_stock=draft["stock"],
        image_url=draft.get("photo"),
    )


async def confirm_step(event: Event, state: FSMContext, note: str = "") -> None:
    await state.set_state(NewProduct.confirm)
    draft = await state.update_data(fixing=False)
    form = draft["form"]
    text = "\n".join(
        [
            _("New product:"),
            f"{draft['sku']} · {draft.get('barcode') or '—'}",
            draft["name_uz"] + (f" / {draft['name_ru']}" if draft.get("name_ru") else ""),
            _("Price: {price} · cost: {cost}").format(
                price=money(Decimal(draft["price"])), cost=money(Decimal(draft["cost"]) if draft.get("cost") else None)
            ),
            _("Opening stock: {stock}").format(stock=draft["stock"]),
            _("Photo: {photo}").format(photo=_("yes") if draft.get("photo") else _("no")),
        ]
    )
    await show(
        event,
        f"{note}\n\n{text}".strip(),
        keyboard([button(_("✅ Create"), form, FormAction.CREATE_PRODUCT)], nav_row(form)),
    )


@router.callback_query(NewProduct.confirm, FormButton.filter(F.action == FormAction.CREATE_PRODUCT), CurrentForm())
async def create(
    callback: CallbackQuery,
    state: FSMContext,
    pool: asyncpg.Pool,
    effects: Effects,
    settings: Settings,
    admin: User,
    draft: dict[str, Any],
) -> None:
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            product_id = await admin_products.create(
                uow, _product(draft), low_stock_threshold=settings.low_stock_threshold, actor_id=admin.id
            )
    except ValidationError as error:
        if error.field == "sku":
            await state.update_data(fixing=True)
            await ask(callback, state, pool, "sku", "⚠️ " + describe(error))
        else:
            await confirm_step(callback, state, "⚠️ " + describe(error))
        return
    except DomainError as error:
        await confirm_step(callback, state, "⚠️ " + describe(error))
        return
    await state.clear()
    await show_card(callback, pool, product_id, _("✅ Product created."))
