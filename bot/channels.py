"""/channels: the sales channels an admin sees and changes: add a manual one under any name or an API marketplace
the shop has no channel for yet, rename any, switch one off or on. The rules are core.channels'."""

from __future__ import annotations

import asyncpg
from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.callbacks import (
    AddChannel,
    AddMarketplace,
    ConnectMarketplace,
    OpenChannel,
    OpenScreen,
    RenameChannel,
    Screen,
    SwitchChannel,
)
from bot.errors import describe
from bot.forms import TYPED, Event, show
from bot.menu_buttons import menu_button
from core import channels
from core.channels import Channel
from core.errors import DomainError
from core.unit_of_work import Effects
from core.users import User

router = admin_router(__name__)


class ChannelForm(StatesGroup):
    name = State()


def _kind(channel: Channel) -> str:
    return {"own": _("own store"), "api": _("marketplace"), "manual": _("manual")}[channel.kind]


def _line(channel: Channel) -> str:
    state = "" if channel.is_active else " — " + _("switched off")
    return f"{'🟢' if channel.is_active else '⚪️'} {channel.name} ({_kind(channel)}){state}"


def _back_to_list() -> InlineKeyboardButton:
    return InlineKeyboardButton(text=_("⬅️ Channels"), callback_data=OpenScreen(screen=Screen.CHANNELS).pack())


async def _show_list(event: Event, pool: asyncpg.Pool, note: str | None = None) -> None:
    async with pool.acquire() as conn:
        rows = await channels.list_all(conn)
    lines = [note, ""] if note else []
    lines += [_("🛒 Sales channels:"), *(_line(row) for row in rows)]
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            *(
                [InlineKeyboardButton(text=row.name, callback_data=OpenChannel(channel_id=row.id).pack())]
                for row in rows
            ),
            *(
                [
                    InlineKeyboardButton(
                        text=_("🔌 Connect {name}").format(name=platform.name),
                        callback_data=AddMarketplace(api_type=platform.api_type).pack(),
                    )
                ]
                for platform in channels.not_added(rows)
            ),
            [InlineKeyboardButton(text=_("➕ Add a channel"), callback_data=AddChannel().pack())],
            [menu_button()],
        ]
    )
    await show(event, "\n".join(lines), markup)


@router.message(Command("channels"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.CHANNELS))
async def listing(event: Message | CallbackQuery, state: FSMContext, pool: asyncpg.Pool) -> None:
    await state.clear()
    await _show_list(event, pool)


async def _show_channel(event: Event, channel: Channel, note: str | None = None) -> None:
    rows = [[InlineKeyboardButton(text=_("✏️ Rename"), callback_data=RenameChannel(channel_id=channel.id).pack())]]
    if channel.kind == "api":
        connect = ConnectMarketplace(marketplace_id=channel.id)
        rows.append([InlineKeyboardButton(text=_("🔑 Connect with a key"), callback_data=connect.pack())])
    if channel.kind != "own":
        text = _("Switch off") if channel.is_active else _("Switch on")
        switch = SwitchChannel(channel_id=channel.id, on=not channel.is_active)
        rows.append([InlineKeyboardButton(text=text, callback_data=switch.pack())])
    rows.append([_back_to_list()])
    text = "\n".join([*([note, ""] if note else []), _line(channel)])
    await show(event, text, InlineKeyboardMarkup(inline_keyboard=rows))


@router.callback_query(OpenChannel.filter())
async def opened(callback: CallbackQuery, callback_data: OpenChannel, pool: asyncpg.Pool) -> None:
    try:
        async with pool.acquire() as conn:
            channel = await channels.get(conn, callback_data.channel_id)
    except DomainError as error:
        await callback.answer(describe(error), show_alert=True)
        return
    await _show_channel(callback, channel)


@router.callback_query(AddMarketplace.filter())
async def marketplace_added(
    callback: CallbackQuery, callback_data: AddMarketplace, pool: asyncpg.Pool, effects: Effects, admin: User
) -> None:
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            channel = await channels.add_marketplace(uow, callback_data.api_type, admin.id)
    except DomainError as error:
        await callback.answer(describe(error), show_alert=True)
        return
    await _show_channel(
        callback, channel, _("✅ {name} is a channel now: connect it with its key.").format(name=channel.name)
    )


@router.callback_query(SwitchChannel.filter())
async def switched(
    callback: CallbackQuery, callback_data: SwitchChannel, pool: asyncpg.Pool, effects: Effects, admin: User
) -> None:
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            channel = await channels.switch(uow, callback_data.channel_id, callback_data.on, admin.id)
    except DomainError as error:
        await callback.answer(describe(error), show_alert=True)
        return
    await _show_channel(callback, channel, _("✅ Switched on.") if channel.is_active else _("✅ Switched off."))


def _ask_name_markup() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_back_to_list()]])


@router.callback_query(AddChannel.filter())
async def add(callback: CallbackQuery, state: FSMContext) -> None:
    await state.set_state(ChannelForm.name)
    await state.set_data({"channel_id": None})
    await show(
        callback, _("Send the new channel's name, like OLX, Instagram or a Telegram channel."), _ask_name_markup()
    )


@router.callback_query(RenameChannel.filter())
async def rename(callback: CallbackQuery, callback_data: RenameChannel, state: FSMContext, pool: asyncpg.Pool) -> None:
    try:
        async with pool.acquire() as conn:
            channel = await channels.get(conn, callback_data.channel_id)
    except DomainError as error:
        await callback.answer(describe(error), show_alert=True)
        return
    await state.set_state(ChannelForm.name)
    await state.set_data({"channel_id": channel.id})
    await show(callback, _("Send the new name for «{name}».").format(name=channel.name), _ask_name_markup())


@router.message(ChannelForm.name, TYPED)
async def named(message: Message, state: FSMContext, pool: asyncpg.Pool, effects: Effects, admin: User) -> None:
    channel_id = (await state.get_data()).get("channel_id")
    try:
        async with pool.acquire() as conn, effects.transaction(conn) as uow:
            if channel_id is None:
                await channels.add_manual(uow, message.text or "", admin.id)
            else:
                await channels.rename(uow, channel_id, message.text or "", admin.id)
    except DomainError as error:
        await message.answer("⚠️ " + describe(error) + "\n\n" + _("Send another name."), reply_markup=_ask_name_markup())
        return
    await state.clear()
    await _show_list(message, pool, _("✅ Saved."))
