"""An admin answers a customer: a Telegram reply, in the alert chat, to any message of a support thread (its
header, the customer's copied messages, an earlier answer) is copied to the customer's chat, text or media, and
the admin is told whether it arrived. Anything else said in the alert chat is the admins' own talk: ignored."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiogram import Bot, F
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.filters import Filter
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.alert_chat import GROUPS
from core import notifications, shop, support
from core.settings import Settings
from core.users import User

router = admin_router(__name__)


class ThreadReply(Filter):
    """Passes a reply in the alert chat to a message of a support thread; hands the thread on as `thread`."""

    async def __call__(self, message: Message, pool: asyncpg.Pool, settings: Settings) -> bool | dict[str, Any]:
        replied = message.reply_to_message
        if replied is None:
            return False
        async with pool.acquire() as conn:
            if message.chat.id != (settings.admin_chat_id or await shop.alert_chat(conn)):
                return False
            thread = await support.thread_at(conn, message.chat.id, replied.message_id)
        return {"thread": thread} if thread is not None else False


@router.message(F.chat.type.in_(GROUPS), ~F.text.startswith("/"), ThreadReply())
async def answer_customer(
    message: Message, bot: Bot, pool: asyncpg.Pool, admin: User, thread: support.ThreadRef
) -> None:
    copied_id: int | None = None
    error: str | None = None
    try:
        copied_id = (await bot.copy_message(thread.telegram_id, message.chat.id, message.message_id)).message_id
    except TelegramForbiddenError as refused:
        error = f"403: {refused.message}"
        note = _("⚠️ {name} has blocked the bot: the answer did not reach them.").format(name=thread.first_name)
    except TelegramAPIError as refused:
        error = refused.message
        note = _("⚠️ Telegram did not deliver the answer to {name}; please send it again.").format(
            name=thread.first_name
        )
    else:
        note = _("✅ Sent to {name}.").format(name=thread.first_name)
    reply = support.Reply(
        thread_id=thread.thread_id,
        admin_id=admin.id,
        content_type=message.content_type,
        text=message.text or message.caption,
        customer_chat_id=thread.telegram_id,
        alert_chat_id=message.chat.id,
        alert_message_id=message.message_id,
        customer_message_id=copied_id,
        error=error,
    )
    async with pool.acquire() as conn, conn.transaction():
        await support.record_reply(conn, reply)
        if error is not None and error.startswith("403"):
            await notifications.mark_blocked(conn, thread.user_id, error)
    await message.reply(note)
