"""/start: register the customer and open the Mini App."""

from __future__ import annotations

import asyncpg
from aiogram import Router
from aiogram.filters import CommandStart
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message, WebAppInfo

from bot.texts import t
from core import users
from core.settings import Settings


def create_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart())
    return router


async def start(message: Message, pool: asyncpg.Pool, settings: Settings) -> None:
    sender = message.from_user
    if sender is None:
        return
    async with pool.acquire() as conn:
        user = await users.register(
            conn,
            users.TelegramProfile(
                telegram_id=sender.id,
                first_name=sender.first_name,
                last_name=sender.last_name,
                username=sender.username,
                language_code=sender.language_code,
            ),
        )
    language = user["language"]
    greeting = t("greeting", language, name=user["first_name"])
    if settings.mini_app_url is None:
        await message.answer(f"{greeting}\n{t('store_offline', language)}")
        return
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[
            InlineKeyboardButton(text=t("open_store_button", language), web_app=WebAppInfo(url=settings.mini_app_url))
        ]]
    )
    await message.answer(f"{greeting}\n{t('open_store_hint', language)}", reply_markup=keyboard)
