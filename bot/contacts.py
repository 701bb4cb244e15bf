"""A customer's own contact, shared in one tap (the Mini App's checkout asks with Telegram.WebApp.requestContact,
which makes Telegram send it to the bot as a message): the phone is kept on the customer, and checkout fills it in."""

from __future__ import annotations

import asyncpg
from aiogram import F, Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from bot.i18n import profile_of
from core import users
from core.errors import ValidationError

router = Router(name=__name__)


def _own_contact(message: Message) -> bool:
    """Only the sender's own contact: anyone can forward someone else's card."""
    return (
        message.contact is not None
        and message.from_user is not None
        and (message.contact.user_id == message.from_user.id)
    )


@router.message(F.contact, _own_contact)
async def contact_shared(message: Message, pool: asyncpg.Pool) -> None:
    assert message.contact is not None and message.from_user is not None  # _own_contact
    try:
        async with pool.acquire() as conn, conn.transaction():
            user = await users.register(conn, profile_of(message.from_user))
            user = await users.update_profile(conn, user.id, {"phone": message.contact.phone_number})
    except ValidationError:
        await message.answer(_("This phone number does not look right; please type it at checkout."))
        return
    saved = _("📞 Your phone {phone} is saved: the store fills it in at checkout.").format(phone=user.phone)
    await message.answer(saved)
