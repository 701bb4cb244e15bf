"""The flood limit: a burst from one user is cut short with one "slow down"; others, and admins at work, are not."""

from __future__ import annotations

from bot.flood import ADMIN_LIMIT, CUSTOMER_LIMIT
from tests.bot.harness import BotUnderTest, Chat

SLOW_DOWN_UZ = "Juda tez yozyapsiz"


async def test_a_burst_of_thirty_messages_gets_a_few_answers_and_one_slow_down(
    customer: Chat, process: BotUnderTest
) -> None:
    for _ in range(30):
        await customer.send("/help")

    texts = [message["text"] for message in customer.messages()]
    assert len(texts) == CUSTOMER_LIMIT + 1 < 30
    assert [SLOW_DOWN_UZ in text for text in texts].count(True) == 1 and SLOW_DOWN_UZ in texts[-1]

    neighbour = Chat(process, 5002, first_name="Bobur")
    await neighbour.send("/help")
    assert len(neighbour.messages()) == 1 and SLOW_DOWN_UZ not in neighbour.text


async def test_taps_count_too_and_the_warning_is_a_toast(customer: Chat) -> None:
    await customer.send("/lang")
    russian = customer.find("Русский")  # the button stays in the chat history after its message changed
    for _ in range(CUSTOMER_LIMIT + 5):
        await customer.press(russian)

    assert [SLOW_DOWN_UZ in toast or "слишком быстро" in toast for toast in customer.toasts()].count(True) == 1


async def test_an_admin_at_work_has_a_higher_limit(admin: Chat) -> None:
    for _ in range(CUSTOMER_LIMIT * 2):
        await admin.send("/help")

    assert len(admin.messages()) == CUSTOMER_LIMIT * 2 < ADMIN_LIMIT
