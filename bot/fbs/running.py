"""What every FBS tap shares: how long it waits for the platform, and sending a file the platform gave back."""

from __future__ import annotations

from aiogram.types import BufferedInputFile, CallbackQuery, Message

# Within Telegram's patience for an edit after a tap, and above what a sandbox or a healthy platform needs; past
# it the message says the work goes on (the sync tells the alert chat if it then fails).
WAIT_SECONDS = 20.0


async def send_document(callback: CallbackQuery, content: bytes, filename: str) -> None:
    """Into the chat of the tapped message (the alert chat or the admin's own), else to the admin."""
    document = BufferedInputFile(content, filename=filename)
    if isinstance(callback.message, Message):
        await callback.message.answer_document(document)
    elif callback.bot is not None:
        await callback.bot.send_document(callback.from_user.id, document)
