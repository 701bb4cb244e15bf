"""A new product by form: SKU, barcode, names uz/ru, category, price, cost, opening stock and its photos (several,
the first is the main one), fetched from Telegram and kept in the media store when the product is created."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import asyncpg
from aiogram import Bot, F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from redis.asyncio import Redis

from bot.access import admin_router
from bot.callbacks import FormAction, FormButton, OpenScreen, Screen
from bot.errors import describe
from bot.forms import TYPED, CurrentForm, Event, button, keyboard, nav_row, new_form_id, show
from bot.menu_buttons import menu_button
from bot.products import photos as chat_photos
from bot.products.card import show_card
from bot.products.states import NewProduct
from bot.texts import money, parse_amount, parse_quantity, product_name
from core import admin_products, catalog, media, photos
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
        "photo": _("Send photos of the product (the first is the main one), then tap Done."),
    }[field]


@router.message(Command("newproduct"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.NEW_PRODUCT))
async def start(event: Event, state: FSMContext, pool: asyncpg.Pool) -> None:
    await state.clear()
    await state.set_data({"form": new_form_id(Screen.NEW_PRODUCT)})
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
    if field == "photo" and draft.get("photo"):
        note = (note + "\n\n" + _("Photos received: {count}.").format(count=draft["photo"])).strip()
        rows.append([button(_("✅ Done"), form, FormAction.PHOTOS_DONE)])
    elif field in OPTIONAL:
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
async def photo_sent(message: Message, state: FSMContext, pool: asyncpg.Pool, redis: Redis) -> None:
    draft = await state.get_data()
    count = await chat_photos.collect(redis, draft["form"], message)
    await state.update_data(photo=count)
    await ask(message, state, pool, "photo")


@router.callback_query(NewProduct.photo, FormButton.filter(F.action == FormAction.PHOTOS_DONE), CurrentForm())
async def photos_done(callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool) -> None:
    draft = await state.get_data()
    await _next(callback, state, pool, "photo", photo=draft.get("photo"))


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
            _("Photos: {count}").format(count=draft.get("photo") or 0),
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
    redis: Redis,
    media_store: media.MediaStore,
    bot: Bot,
) -> None:
    try:
        # Fetched before the transaction: a download must not hold a database connection.
        keys = await chat_photos.keep_all(bot, media_store, await chat_photos.collected(redis, draft["form"]))
    except chat_photos.PhotoProblem as problem:
        await chat_photos.forget(redis, draft["form"])
        await state.update_data(photo=None)
        await ask(callback, state, pool, "photo", str(problem))
        return
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            product_id = await admin_products.create(
                uow, _product(draft), low_stock_threshold=settings.low_stock_threshold, actor_id=admin.id
            )
            if keys:
                await photos.replace(uow, product_id, keys)
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
    await chat_photos.forget(redis, draft["form"])
    await state.clear()
    await show_card(callback, pool, product_id, _("✅ Product created."))
