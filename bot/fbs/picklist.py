"""/picklist: every confirmed marketplace order not yet handed over, grouped by marketplace, with the products to
pick; as messages (split under Telegram's 4096 characters) and as a PDF to print."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime

import asyncpg
from aiogram import F
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot import fbs_texts
from bot.access import admin_router
from bot.callbacks import OpenScreen, Screen
from core import fbs, pdf
from core.fbs import PickGroup

router = admin_router(__name__)

# Telegram counts a message's length in UTF-16 code units (an emoji is two) and takes at most 4096.
MAX_MESSAGE = 4000
MAX_LINE = 300


def _length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def chunks(lines: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    """The lines as few messages as fit, each line whole (a longer one is cut to MAX_LINE first)."""
    messages: list[str] = []
    current: list[str] = []
    size = 0
    for raw in lines:
        line = raw[:MAX_LINE]
        added = _length(line) + (1 if current else 0)
        if current and size + added > limit:
            messages.append("\n".join(current))
            current, size = [], 0
            added = _length(line)
        current.append(line)
        size += added
    if current:
        messages.append("\n".join(current))
    return messages


def _deadline(when: datetime | None) -> str:
    return fbs_texts.deadline(when) if when is not None else "—"


def text_lines(groups: list[PickGroup]) -> list[str]:
    count = sum(len(group.orders) for group in groups)
    lines = [ngettext("📋 To pick: {count} order.", "📋 To pick: {count} orders.", count).format(count=count)]
    for group in groups:
        lines += ["", f"🏪 {group.marketplace_name} ({len(group.orders)})"]
        for order in group.orders:
            lines.append(
                _("🧾 {number} (№ {key}) · ⏰ {when}").format(
                    number=order.order_number, key=order.marketplace_order_id, when=_deadline(order.deadline)
                )
            )
            lines += [f"  • {line.sku} {line.name} × {line.quantity}" for line in order.lines]
    return lines


def table(groups: list[PickGroup]) -> bytes:
    columns = [_("Marketplace"), _("Order"), _("Deadline"), _("SKU"), _("Product"), _("Qty")]
    rows = [
        [
            group.marketplace_name,
            f"{order.order_number}\n{order.marketplace_order_id}",
            _deadline(order.deadline),
            line.sku,
            line.name,
            str(line.quantity),
        ]
        for group in groups
        for order in group.orders
        for line in order.lines
    ]
    today = fbs_texts.deadline(datetime.now(UTC))
    return pdf.table_pdf(_("Pick list, {when}").format(when=today), columns, rows)


@router.message(Command("picklist"))
@router.callback_query(OpenScreen.filter(F.screen == Screen.PICK_LIST))
async def pick_list(event: Message | CallbackQuery, pool: asyncpg.Pool) -> None:
    if isinstance(event, CallbackQuery):
        with contextlib.suppress(TelegramBadRequest):
            await event.answer()
        if not isinstance(event.message, Message):
            return
        chat = event.message
    else:
        chat = event
    async with pool.acquire() as conn:
        groups = await fbs.pick_list(conn)
    if not groups:
        await chat.answer(_("📋 Nothing to pick: no confirmed marketplace order waits to be handed over."))
        return
    for message in chunks(text_lines(groups)):
        await chat.answer(message)
    filename = f"picklist-{datetime.now(fbs_texts.TASHKENT):%Y-%m-%d-%H%M}.pdf"
    await chat.answer_document(BufferedInputFile(table(groups), filename=filename))
