"""A real aiogram Bot against the fake Bot API server over HTTP."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import CommandStart
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message

from tests.fake_telegram import FakeTelegram, UploadedFile, make_bot


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    bot = make_bot(fake, token="424242:TEST-token")
    yield bot
    await bot.session.close()


async def test_get_me_returns_the_id_from_the_token(bot: Bot) -> None:
    me = await bot.get_me()

    assert me.id == 424242 == bot.id
    assert me.is_bot


async def test_send_message_records_the_decoded_reply_markup(fake: FakeTelegram, bot: Bot) -> None:
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Buy", callback_data="buy:1")]])

    sent = await bot.send_message(1001, "Catalog", reply_markup=markup)

    [call] = fake.calls_to("sendMessage")
    assert call.params["reply_markup"] == {"inline_keyboard": [[{"text": "Buy", "callback_data": "buy:1"}]]}
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "buy:1"
    assert fake.sent_texts(1001) == ["Catalog"]


async def test_send_photo_records_the_uploaded_file(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_photo(1001, BufferedInputFile(b"x" * 10, filename="item.jpg"), caption="Item")

    [call] = fake.calls_to("sendPhoto")
    assert call.params["photo"] == UploadedFile("item.jpg", size=10, content_type="application/octet-stream")
    assert sent.caption == "Item"


async def test_injected_429_raises_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)

    with pytest.raises(TelegramRetryAfter) as error:
        await bot.send_message(1001, "hello")

    assert error.value.retry_after == 7
    assert fake.calls_to("sendMessage")[0].failed
    assert fake.sent_texts() == []


async def test_injected_403_raises_forbidden(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")

    with pytest.raises(TelegramForbiddenError):
        await bot.send_message(1001, "hello")
    await bot.send_message(1001, "again")

    assert fake.sent_texts() == ["again"]


def _hello_router() -> Router:
    router = Router()

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("hi")

    return router


async def test_queued_start_is_answered_through_real_polling(fake: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()
    dp.include_router(_hello_router())
    fake.queue_update(fake.message_update("/start", user_id=777))
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False))

    [call] = await fake.wait_for_call("sendMessage")
    await dp.stop_polling()
    await asyncio.wait_for(polling, 2)

    assert call.params["chat_id"] == "777"
    assert fake.sent_texts(777) == ["hi"]
