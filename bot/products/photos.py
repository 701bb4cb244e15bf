"""A product's photos from the chat: the admin sends several (an album or one by one, the first is the main one),
the bot fetches them from Telegram and keeps them in the media store; "Change photos" on the card replaces or
clears them."""

from __future__ import annotations

import asyncpg
from aiogram import Bot, F
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from redis.asyncio import Redis

from bot.access import admin_router
from bot.callbacks import ChangePhotos, FormAction, FormButton, Screen
from bot.forms import TYPED, CurrentForm, Event, button, keyboard, nav_row, new_form_id, show, tell
from bot.products.card import show_card
from bot.products.states import ProductPhotos
from core import media, photos
from core.unit_of_work import Effects

# Photos of one form wait here, ordered by their message id: the messages of an album arrive at once and are
# handled side by side, so a read-modify-write of the form's data would lose some of them.
_KEY = "photo-drafts:{form}"
DRAFT_TTL_SECONDS = 24 * 3600

router = admin_router(__name__)


class PhotoProblem(Exception):
    """A photo could not be fetched from Telegram or read; the message says which one, for the admin."""


async def collect(redis: Redis, form: str, message: Message) -> int:
    """Keep a sent photo's file id with the form; returns how many it has now (at most photos.MAX_PHOTOS)."""
    assert message.photo
    key = _KEY.format(form=form)
    await redis.zadd(key, {message.photo[-1].file_id: message.message_id})
    await redis.expire(key, DRAFT_TTL_SECONDS)
    return min(int(await redis.zcard(key)), photos.MAX_PHOTOS)


async def collected(redis: Redis, form: str) -> list[str]:
    return [
        file_id.decode() if isinstance(file_id, bytes) else str(file_id)
        for file_id in await redis.zrange(_KEY.format(form=form), 0, photos.MAX_PHOTOS - 1)
    ]


async def forget(redis: Redis, form: str) -> None:
    await redis.delete(_KEY.format(form=form))


async def keep_all(bot: Bot, store: media.MediaStore, file_ids: list[str]) -> list[str]:
    """Download each photo from Telegram and keep it in every size; their keys in the same order."""
    keys = []
    for number, file_id in enumerate(file_ids, start=1):
        try:
            downloaded = await bot.download(file_id)
            assert downloaded is not None  # no destination given: aiogram returns the bytes
            keys.append(await media.keep(store, downloaded.read()))
        except (TelegramAPIError, OSError, media.NotAnImage) as error:
            raise PhotoProblem(
                _("⚠️ Photo {number} could not be read ({error}); please send the photos again.").format(
                    number=number, error=str(error)[:80]
                )
            ) from error
    return keys


def _screen(form: str, count: int) -> tuple[str, InlineKeyboardMarkup]:
    text = _(
        "Send the product's photos in the order the store shows them: the first is the main one "
        "(up to {limit}). Then tap Save. Clear removes them all."
    ).format(limit=photos.MAX_PHOTOS)
    if count:
        text += "\n\n" + _("Photos received: {count}.").format(count=count)
    return text, keyboard(
        [button(_("💾 Save"), form, FormAction.SAVE_PHOTOS)] if count else [],
        [button(_("🗑 Clear all photos"), form, FormAction.CLEAR_PHOTOS)],
        nav_row(form, back=False),
    )


@router.callback_query(ChangePhotos.filter())
async def change(callback: CallbackQuery, callback_data: ChangePhotos, state: FSMContext) -> None:
    form = new_form_id(Screen.PRODUCTS)
    await state.clear()
    await state.set_state(ProductPhotos.collecting)
    await state.set_data({"form": form, "product_id": callback_data.product_id})
    await show(callback, *_screen(form, 0))


@router.message(ProductPhotos.collecting, F.photo)
async def photo_sent(message: Message, state: FSMContext, redis: Redis) -> None:
    form = (await state.get_data())["form"]
    count = await collect(redis, form, message)
    await show(message, *_screen(form, count))


@router.message(ProductPhotos.collecting, TYPED)
async def typed(message: Message) -> None:
    await tell(message, _("Please send a photo."))


@router.callback_query(ProductPhotos.collecting, FormButton.filter(F.action == FormAction.SAVE_PHOTOS), CurrentForm())
async def save(
    callback: CallbackQuery,
    state: FSMContext,
    pool: asyncpg.Pool,
    redis: Redis,
    effects: Effects,
    media_store: media.MediaStore,
    bot: Bot,
    draft: dict[str, object],
) -> None:
    form, product_id = str(draft["form"]), int(str(draft["product_id"]))
    file_ids = await collected(redis, form)
    if not file_ids:
        await tell(callback, _("Send at least one photo first, or tap Clear."))
        return
    try:
        keys = await keep_all(bot, media_store, file_ids)
    except PhotoProblem as problem:
        await forget(redis, form)
        await show(callback, str(problem) + "\n\n" + _screen(form, 0)[0], _screen(form, 0)[1])
        return
    await _replace(callback, state, pool, redis, effects, form, product_id, keys)


@router.callback_query(ProductPhotos.collecting, FormButton.filter(F.action == FormAction.CLEAR_PHOTOS), CurrentForm())
async def clear(
    callback: CallbackQuery,
    state: FSMContext,
    pool: asyncpg.Pool,
    redis: Redis,
    effects: Effects,
    draft: dict[str, object],
) -> None:
    await _replace(callback, state, pool, redis, effects, str(draft["form"]), int(str(draft["product_id"])), [])


async def _replace(
    event: Event,
    state: FSMContext,
    pool: asyncpg.Pool,
    redis: Redis,
    effects: Effects,
    form: str,
    product_id: int,
    keys: list[str],
) -> None:
    async with pool.acquire() as conn, effects.transaction(conn) as unit:
        await photos.replace(unit, product_id, keys)
    await forget(redis, form)
    await state.clear()
    note = _("✅ Photos saved: {count}.").format(count=len(keys)) if keys else _("✅ The photos were removed.")
    await show_card(event, pool, product_id, note)


@router.callback_query(StateFilter(ProductPhotos), FormButton.filter(F.action == FormAction.CANCEL), CurrentForm())
async def cancel(
    callback: CallbackQuery, state: FSMContext, pool: asyncpg.Pool, redis: Redis, draft: dict[str, object]
) -> None:
    await forget(redis, str(draft["form"]))
    await state.clear()
    await show_card(callback, pool, int(str(draft["product_id"])), _("Cancelled; the photos are as they were."))
