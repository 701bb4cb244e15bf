"""Drives the real dispatcher and a real Bot against the fake Bot API server, update by update, and reads
each chat as its user would see it (the bot's latest message and its buttons)."""

from __future__ import annotations

import contextlib
from typing import Any, TypeVar

import asyncpg
from aiogram import Bot, Dispatcher
from aiogram.filters.callback_data import CallbackData
from redis.asyncio import Redis

from bot.callbacks import FormAction, FormButton
from bot.dispatcher import create_dispatcher
from core import media
from core.settings import Settings
from core.unit_of_work import Effects
from core.vault import vault_for
from tests.fake_telegram import FakeTelegram, make_bot
from tests.support import TEST_BOT_TOKEN

Factory = TypeVar("Factory", bound=CallbackData)


class BotUnderTest:
    """One bot process: a dispatcher with the workflow data amazing_store/app.py gives it."""

    def __init__(self, fake: FakeTelegram, redis: Redis, pool: asyncpg.Pool, settings: Settings) -> None:
        self.fake = fake
        self.dispatcher: Dispatcher = create_dispatcher(redis)
        self.dispatcher["pool"] = pool
        self.dispatcher["settings"] = settings
        self.dispatcher["redis"] = redis
        self.dispatcher["effects"] = Effects(redis)
        self.dispatcher["media_store"] = media.store_for(settings)
        self.dispatcher["vault"] = vault_for(settings)
        self.bot: Bot = make_bot(fake, token=TEST_BOT_TOKEN)

    async def feed(self, update: dict[str, Any]) -> None:
        await self.dispatcher.feed_raw_update(self.bot, update)

    async def close(self) -> None:
        await self.bot.session.close()  # the storage's Redis client is the test's: left open


class Chat:
    """A private chat of one Telegram user with the bot; with `chat_id`, a group (the alert chat) as that user
    sees and taps it."""

    def __init__(
        self,
        process: BotUnderTest,
        user_id: int,
        first_name: str = "Ali",
        language_code: str = "uz",
        chat_id: int | None = None,
    ):
        self.process = process
        self.fake = process.fake
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.chat_id = user_id if chat_id is None else chat_id

    async def send(self, text: str) -> None:
        await self.process.feed(
            self.fake.message_update(
                text, user_id=self.user_id, first_name=self.first_name, language_code=self.language_code
            )
        )

    async def send_document(self, file_name: str, content: bytes, file_size: int | None = None) -> None:
        await self.process.feed(
            self.fake.document_update(
                file_name,
                content,
                user_id=self.user_id,
                first_name=self.first_name,
                language_code=self.language_code,
                file_size=file_size,
            )
        )

    def messages(self) -> list[dict[str, Any]]:
        """The bot's messages in this chat as they look now (edits applied), oldest first."""
        stored = self.fake._state.messages  # the fake's view of each chat, as a client would show it
        return [stored[key] for key in sorted(stored, key=lambda k: k[1]) if key[0] == str(self.chat_id)]

    def screen(self) -> dict[str, Any]:
        return self.messages()[-1]

    def documents(self) -> list[tuple[str, bytes]]:
        """The files the bot sent into this chat: their names and bytes, oldest first."""
        return [
            (str(message["document"].get("file_name", "")), self.fake.file_content(message["document"]["file_id"]))
            for message in self.messages()
            if "document" in message
        ]

    @property
    def text(self) -> str:
        return str(self.screen().get("text", ""))

    def buttons(self, message: dict[str, Any] | None = None) -> list[tuple[str, str]]:
        markup = (message or self.screen()).get("reply_markup") or {}
        return [(b["text"], b.get("callback_data", "")) for row in markup.get("inline_keyboard", []) for b in row]

    async def press(self, data: str, message_id: int | None = None) -> None:
        message_id = message_id if message_id is not None else int(self.screen()["message_id"])
        await self.process.feed(
            self.fake.callback_update(
                data,
                user_id=self.user_id,
                message_id=message_id,
                chat_id=self.chat_id,
                first_name=self.first_name,
                language_code=self.language_code,
            )
        )

    def find(self, label: str, message: dict[str, Any] | None = None) -> str:
        matches = [data for text, data in self.buttons(message) if label in text]
        assert matches, f"no button with {label!r} in {self.buttons(message)}; screen: {self.text!r}"
        return matches[0]

    async def tap(self, label: str) -> None:
        """Tap the first button of the latest message whose text contains `label`."""
        await self.press(self.find(label))

    def buttons_of(self, factory: type[Factory]) -> list[tuple[str, Factory]]:
        """The latest message's buttons made by `factory`: their callback data, and it unpacked."""
        found = []
        for _text, data in self.buttons():
            with contextlib.suppress(TypeError, ValueError):  # another factory's button
                found.append((data, factory.unpack(data)))
        return found

    def button_data(self, factory: type[Factory], **fields: object) -> str:
        """The callback data of the first button of the latest message made by `factory` with these fields."""
        for data, button in self.buttons_of(factory):
            if all(getattr(button, name) == value for name, value in fields.items()):
                return data
        raise AssertionError(f"no {factory.__name__} {fields} in {self.buttons()}; screen: {self.text!r}")

    async def tap_button(self, factory: type[Factory], **fields: object) -> None:
        await self.press(self.button_data(factory, **fields))

    def form_button(self, action: FormAction, value: int | None = None) -> str:
        return self.button_data(FormButton, action=action, **({} if value is None else {"value": value}))

    async def tap_form(self, action: FormAction, value: int | None = None) -> None:
        await self.press(self.form_button(action, value))

    async def tap_data(self, callback: CallbackData) -> None:
        await self.press(callback.pack())

    def toasts(self) -> list[str]:
        """Texts of the callback answers (toasts and alerts) the bot gave, oldest first."""
        return [
            str(call.params.get("text", ""))
            for call in self.fake.calls_to("answerCallbackQuery")
            if call.params.get("text")
        ]
