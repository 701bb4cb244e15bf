"""/post <SKU or number> [@channel or channel id]: an admin puts a product in a Telegram channel the bot
administers: its photo, name, price (and the sale's discount) and a "Buy" button that opens the Mini App at the
product. A channel named once is remembered: the next /post without one goes there."""

from __future__ import annotations

import asyncpg
from aiogram import Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    BufferedInputFile,
    ChatMemberAdministrator,
    ChatMemberOwner,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import gettext as _

from bot.access import admin_router
from bot.texts import language, money
from core import channel_posts, media, product_links, shop, storefront
from core.users import User

router = admin_router(__name__)

# A photo's caption holds 1024 characters.
MAX_CAPTION = 1024


@router.message(Command("post"))
async def post(
    message: Message, command: CommandObject, bot: Bot, pool: asyncpg.Pool, media_store: media.MediaStore, admin: User
) -> None:
    words = (command.args or "").split()
    if not 1 <= len(words) <= 2 or (len(words) == 2 and not channel_posts.is_channel(words[1])):
        await message.answer(_usage())
        return
    lang: storefront.Language = "ru" if language() == "ru" else "uz"
    async with pool.acquire() as conn:
        product = await channel_posts.product(conn, words[0], lang)
        channel = words[1] if len(words) == 2 else await shop.post_channel(conn)
    if product is None:
        await message.answer(_("⚠️ No product on sale has the SKU or number {key}.").format(key=words[0]))
        return
    if channel is None:
        await message.answer(
            _("⚠️ Name the channel once: /post {key} @channel. Later posts go there.").format(key=words[0])
        )
        return
    if not await _may_post(bot, channel):
        await message.answer(
            _(
                "⚠️ I cannot post in {channel}: add this bot to the channel as an administrator allowed to post "
                "messages, then send /post again."
            ).format(channel=channel)
        )
        return
    me = await bot.me()
    link = product_links.shared(f"https://t.me/{me.username}", product["id"])
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=_("🛒 Buy"), url=link)]])
    text = _caption(product)
    try:
        photo = await _photo(product, media_store)
        if photo is None:
            await bot.send_message(channel, text, reply_markup=markup)
        else:
            await bot.send_photo(channel, photo, caption=text[:MAX_CAPTION], reply_markup=markup)
    except (TelegramBadRequest, TelegramForbiddenError):
        await message.answer(
            _(
                "⚠️ Telegram did not take the post in {channel}: check that the bot may post there, then try again."
            ).format(channel=channel)
        )
        return
    async with pool.acquire() as conn, conn.transaction():
        await shop.set_post_channel(conn, channel, admin.id)
    await message.answer(
        _("✅ «{name}» is posted in {channel}. /post with only the SKU posts there again.").format(
            name=product["name"], channel=channel
        )
    )


def _usage() -> str:
    return _(
        "Send /post with the product's SKU or number, and the channel the first time: /post AB-123 @my_channel "
        "(or the channel's id, -100...). The bot must be an administrator of the channel."
    )


async def _may_post(bot: Bot, channel: str) -> bool:
    """The bot administers the chat and, in a channel, may post in it."""
    try:
        member = await bot.get_chat_member(channel, bot.id)
        chat = await bot.get_chat(channel)
    except (TelegramBadRequest, TelegramForbiddenError):  # no such chat, or the bot is not in it
        return False
    if isinstance(member, ChatMemberOwner):
        return True
    if not isinstance(member, ChatMemberAdministrator) or member.status != ChatMemberStatus.ADMINISTRATOR:
        return False
    return chat.type != ChatType.CHANNEL or bool(member.can_post_messages)


def _caption(product: storefront.DetailCard) -> str:
    lines = [product["name"]]
    if product["discount_percent"] is not None:
        lines.append(
            _("💰 {price} instead of {old} (−{percent} %)").format(
                price=money(product["display_price"]), old=money(product["price"]), percent=product["discount_percent"]
            )
        )
    else:
        lines.append(_("💰 {price}").format(price=money(product["display_price"])))
    if not product["in_stock"]:
        lines.append(_("Sold out for now: tap Buy to be told when it is back."))
    return "\n".join(lines)


async def _photo(product: storefront.DetailCard, media_store: media.MediaStore) -> BufferedInputFile | str | None:
    """The main photo we keep, uploaded (Telegram cannot fetch our address from a test or a closed server);
    else the image address the product names, for Telegram to fetch; else none."""
    if product["photos"]:
        name = product["photos"][0]["card_jpeg"].rsplit("/", 1)[-1]
        data = await media_store.get(name)
        if data is not None:
            return BufferedInputFile(data, filename=name)
    return product["image"] or None
