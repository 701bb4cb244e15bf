"""/synonyms: the groups of words that mean the same to the store's search ("telefon, smartfon, смартфон"), a
page at a time, each with a button that removes it; a typed list of words adds a group. What is not a group is
refused politely and writes nothing. The rules are core.synonyms'."""

from __future__ import annotations

import asyncpg
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import RemoveSynonyms, ShowSynonyms
from bot.forms import TYPED, Event, show
from bot.menu_buttons import menu_button
from core import synonyms
from core.errors import NotFound, ValidationError
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)

# A page of groups stays far below Telegram's 4096 characters: 15 groups of 10 words of 40 letters at most.
PER_PAGE = 15
BUTTONS_PER_ROW = 5


class SynonymsForm(StatesGroup):
    typed = State()


def _words(group: synonyms.Group) -> str:
    return " · ".join(group.words)


async def _screen(event: Event, pool: asyncpg.Pool, page: int = 0, note: str | None = None) -> None:
    async with pool.acquire() as conn:
        every = await synonyms.groups(conn)
    pages = max(1, -(-len(every) // PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = every[page * PER_PAGE : (page + 1) * PER_PAGE]
    lines = [note, ""] if note else []
    lines.append(_("🔤 Words that mean the same to the store's search:"))
    lines += [f"{number}. {_words(group)}" for number, group in enumerate(shown, start=page * PER_PAGE + 1)]
    if not every:
        lines.append(_("No groups yet."))
    lines += [
        "",
        _("A customer who types one word of a group also finds the products named with the others."),
        _("Send a new group: its words separated by commas, like: telefon, smartfon, смартфон"),
    ]
    if shown:
        lines.append(_("🗑 A number's button removes that group."))
    removes = [
        InlineKeyboardButton(text=f"🗑 {number}", callback_data=RemoveSynonyms(group_id=group.id, page=page).pack())
        for number, group in enumerate(shown, start=page * PER_PAGE + 1)
    ]
    rows = [removes[start : start + BUTTONS_PER_ROW] for start in range(0, len(removes), BUTTONS_PER_ROW)]
    turns = [
        *([InlineKeyboardButton(text="◀️", callback_data=ShowSynonyms(page=page - 1).pack())] if page > 0 else []),
        *(
            [InlineKeyboardButton(text="▶️", callback_data=ShowSynonyms(page=page + 1).pack())]
            if page + 1 < pages
            else []
        ),
    ]
    rows += [row for row in (turns, [menu_button()]) if row]
    await show(event, "\n".join(lines), InlineKeyboardMarkup(inline_keyboard=rows))


async def _add(message: Message, text: str, pool: asyncpg.Pool, effects: Effects, admin: User) -> None:
    words = synonyms.split(text)
    async with pool.acquire() as conn:
        try:
            async with effects.transaction(conn) as unit:
                group = await synonyms.add_group(unit, words, admin.id)
        except ValidationError:
            await message.answer(
                "⚠️ "
                + _(
                    "A group is two to {most} words of letters, each one word, separated by commas, like: "
                    "noutbuk, ноутбук, laptop"
                ).format(most=synonyms.MAX_WORDS)
            )
            return
        every = [known.id for known in await synonyms.groups(conn)]
    page = every.index(group.id) // PER_PAGE if group.id in every else 0  # the page that shows the new group
    await _screen(message, pool, page, _("✅ Added: {words}").format(words=_words(group)))


@router.message(Command("synonyms"))
async def opened(
    message: Message, command: CommandObject, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User
) -> None:
    await state.set_state(SynonymsForm.typed)
    if command.args:
        await _add(message, command.args, pool, effects, admin)
    else:
        await _screen(message, pool)


@router.message(SynonymsForm.typed, TYPED)
async def typed(message: Message, pool: asyncpg.Pool, effects: Effects, admin: User) -> None:
    await _add(message, message.text or "", pool, effects, admin)


@router.callback_query(ShowSynonyms.filter())
async def turned(callback: CallbackQuery, callback_data: ShowSynonyms, state: FSMContext, pool: asyncpg.Pool) -> None:
    await state.set_state(SynonymsForm.typed)
    await _screen(callback, pool, callback_data.page)


@router.callback_query(RemoveSynonyms.filter())
async def removed(
    callback: CallbackQuery,
    callback_data: RemoveSynonyms,
    state: FSMContext,
    pool: asyncpg.Pool,
    effects: Effects,
    admin: User,
) -> None:
    await state.set_state(SynonymsForm.typed)
    async with pool.acquire() as conn:
        try:
            async with effects.transaction(conn) as unit:
                group = await synonyms.remove_group(unit, callback_data.group_id, admin.id)
        except NotFound:
            note = _("That group was already removed.")
        else:
            note = _("🗑 Removed: {words}").format(words=_words(group))
    await _screen(callback, pool, callback_data.page, note)
