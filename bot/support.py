"""A customer writes to the bot: whatever no other handler took (text, a photo, a voice note, a video, a
document, a sticker, ...) goes to the seller as a message of the customer's support thread (core.support), and the
customer is told once per burst that the seller will reply here. Included last: commands, buttons, payments and
every admin's form come first, and an admin's own chat with the bot is never a support thread."""

from __future__ import annotations

import asyncpg
from aiogram import F, Router
from aiogram.enums import ChatType, ContentType
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.access import IsAdmin
from bot.i18n import profile_of
from core import support, users
from core.users import User

# What a person sends; service messages (a pinned message, a payment, a Mini App's data) are not a question.
WRITTEN = {
    ContentType.TEXT,
    ContentType.PHOTO,
    ContentType.VOICE,
    ContentType.VIDEO,
    ContentType.VIDEO_NOTE,
    ContentType.AUDIO,
    ContentType.DOCUMENT,
    ContentType.STICKER,
    ContentType.ANIMATION,
    ContentType.LOCATION,
    ContentType.CONTACT,
}

router = Router(name=__name__)


@router.message(
    F.chat.type == ChatType.PRIVATE,
    F.content_type.in_(WRITTEN),
    ~F.text.startswith("/"),  # an unknown command is not a question to the seller
    ~IsAdmin(),
)
async def write_to_seller(message: Message, pool: asyncpg.Pool, user: User | None = None) -> None:
    sender = message.from_user
    if sender is None:
        return
    async with pool.acquire() as conn, conn.transaction():
        if user is None:  # wrote before ever pressing /start
            user = await users.register(conn, profile_of(sender))
        received = await support.receive(
            conn, user.id, message.chat.id, message.message_id, message.content_type, message.text or message.caption
        )
    if received.acknowledge:
        await message.answer(_("✉️ Thank you! Your message has been passed to the seller, who will reply in this chat."))
