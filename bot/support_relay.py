"""The alert sender's part of support in chat: a customer's message, queued in the outbox, is copied into the alert
chat (by message id, so a photo or a voice note goes as it is, by its file_id) as a reply to its thread's header;
the header, posted with the thread's first message, says who writes: name, language, phone, latest orders.
Each step is noted as soon as Telegram took it, so a pass that fails half-way posts only the rest next time."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import ReplyParameters
from aiogram.utils.i18n import gettext as _

from bot.i18n import create_i18n
from bot.language import NAMES
from bot.pacing import Pacer
from bot.texts import money_in, status_label
from core import notifications, outbox, support
from core.db import Conn


async def forward(conn: Conn, bot: Bot, pacer: Pacer, chat_id: int, alert: outbox.SupportMessage) -> None:
    """Copies the message into `chat_id`; Telegram's errors reach the caller, as a send_message's would."""
    found = await support.forwarding(conn, alert.message_id)
    if found is None or found.forwarded:
        return
    header_id = found.header_message_id if found.header_chat_id == chat_id else None
    if header_id is None:  # the thread's first message here (or the alert chat moved): say who writes
        card = await support.customer_card(conn, found.user_id)
        i18n = create_i18n()
        with i18n.context(), i18n.use_locale(await notifications.admin_language(conn, chat_id)):
            text = header(card)
        await pacer.wait(chat_id)
        header_id = (await bot.send_message(chat_id, text)).message_id
        await support.header_posted(conn, found.thread_id, chat_id, header_id)
    under_header = ReplyParameters(message_id=header_id, allow_sending_without_reply=True)
    await pacer.wait(chat_id)
    try:
        copy_id = (
            await bot.copy_message(
                chat_id, found.customer_chat_id, found.customer_message_id, reply_parameters=under_header
            )
        ).message_id
    except TelegramBadRequest as error:
        if "message to copy not found" not in error.message:
            raise
        # The customer deleted it before it was copied: what they wrote is kept, a medium is not.
        await pacer.wait(chat_id)
        note = await bot.send_message(chat_id, await _deleted(conn, found, chat_id), reply_parameters=under_header)
        copy_id = note.message_id
    await support.forwarded(conn, found.message_id, chat_id, copy_id)


async def _deleted(conn: Conn, found: support.Forwarding, chat_id: int) -> str:
    i18n = create_i18n()
    with i18n.context(), i18n.use_locale(await notifications.admin_language(conn, chat_id)):
        note = _("🗑 The customer deleted this message ({kind}) before it reached this chat.").format(
            kind=found.content_type
        )
    return f"{note}\n\n{found.text[:3500]}" if found.text else note


def header(card: support.CustomerCard | None) -> str:
    if card is None:  # the account was deleted meanwhile; the message itself still reaches the admins
        return _("💬 A customer writes to the shop.")
    name = " ".join(part for part in (card.first_name, card.last_name) if part)
    lines = [_("💬 {name} writes to the shop").format(name=name)]
    lines.append(
        " · ".join([NAMES.get(card.language, card.language), *([f"@{card.username}"] if card.username else [])])
    )
    lines.append(f"📞 {card.phone}" if card.phone else _("📞 No phone number given yet."))
    if card.orders:
        lines.append(_("🧾 Latest orders:"))
        lines += [
            f"• {order.order_number} — {status_label(order.status)} — {money_in(order.total, order.currency)}"
            for order in card.orders
        ]
    else:
        lines.append(_("🧾 No orders yet."))
    lines += ["", _("↩️ Reply to any message of this thread to answer: the customer gets it from the bot.")]
    return "\n".join(lines)
