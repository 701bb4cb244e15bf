"""A form's button that no longer belongs to the open form: finished or replaced forms say so, and a form whose
state is gone (Redis lost its data) says that instead, offering the same form again."""

from __future__ import annotations

from redis.asyncio import Redis

from bot.callbacks import FormAction
from bot.i18n import create_i18n
from tests.bot.harness import Chat
from tests.builders import Shop

i18n = create_i18n()
STALE = "This button is out of date: that form was finished or replaced."
LOST = (
    "This form's answers are gone: they were lost in a restart of the server, or the form was left "
    "unfinished for more than a day. Start it again:"
)
NEW_ORDER = "📝 New order. Where did the buyer find us?"


def uz(text: str) -> str:
    return i18n.gettext(text, locale="uz")


async def test_a_form_lost_with_redis_says_so_and_offers_the_same_form_again(
    admin: Chat, redis: Redis, shop: Shop, olx: int
) -> None:
    await admin.send("/order")
    await admin.tap_form(FormAction.CHOOSE_CHANNEL, olx)
    await admin.send("samsung")
    await admin.tap("Samsung")
    await redis.flushdb()  # what a Redis restarted without its data leaves: no form, no trace of one

    await admin.tap_form(FormAction.BACK)

    assert admin.text == uz(LOST)
    assert uz(STALE) not in admin.toasts(), "the form was not finished or replaced"
    await admin.tap(uz("🔁 Start again"))
    assert admin.text == uz(NEW_ORDER)
    await admin.tap_form(FormAction.CHOOSE_CHANNEL, olx)  # and it is a working form
    assert uz(STALE) not in admin.toasts()


async def test_a_lost_new_product_form_offers_a_new_product_form(admin: Chat, redis: Redis, shop: Shop) -> None:
    await admin.send("/newproduct")
    first_question = admin.text
    await redis.flushdb()

    await admin.tap_form(FormAction.CANCEL)

    assert admin.text == uz(LOST)
    await admin.tap(uz("🔁 Start again"))
    assert admin.text == first_question


async def test_a_finished_forms_button_still_says_it_was_finished(admin: Chat, shop: Shop, olx: int) -> None:
    await admin.send("/order")
    channel_step = admin.screen()["message_id"]
    choose = admin.form_button(FormAction.CHOOSE_CHANNEL, olx)
    await admin.tap_form(FormAction.CANCEL)

    await admin.press(choose, channel_step)

    assert admin.toasts()[-1] == uz(STALE)
    assert admin.text != uz(LOST)


async def test_a_replaced_forms_button_still_says_it_was_replaced(admin: Chat, shop: Shop, olx: int) -> None:
    await admin.send("/order")
    first_form = admin.screen()["message_id"]
    choose = admin.form_button(FormAction.CHOOSE_CHANNEL, olx)
    await admin.send("/order")  # a new form: the first one's buttons go stale

    await admin.press(choose, first_form)

    assert admin.toasts()[-1] == uz(STALE)
