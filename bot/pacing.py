"""Telegram's sending limits as leaky buckets: about one message a second per private chat, 20 a minute per
group (the admin alert chat), and at most 25 a second overall (Telegram allows about 30)."""

from __future__ import annotations

from collections import OrderedDict

from aiolimiter import AsyncLimiter

OVERALL_PER_SECOND = 25
GROUP_PER_MINUTE = 20
PRIVATE_PER_SECOND = 1
# Buckets of chats not written to lately are dropped; an idle bucket is full again anyway.
REMEMBERED_CHATS = 1000


class Pacer:
    """One per sender process: it must outlive a single pass to pace a burst that spans passes."""

    def __init__(self) -> None:
        self._overall = AsyncLimiter(OVERALL_PER_SECOND, 1)
        self._chats: OrderedDict[int, AsyncLimiter] = OrderedDict()

    def _bucket(self, chat_id: int) -> AsyncLimiter:
        bucket = self._chats.pop(chat_id, None)
        if bucket is None:
            # Group and channel ids are negative in the Bot API.
            bucket = AsyncLimiter(GROUP_PER_MINUTE, 60) if chat_id < 0 else AsyncLimiter(PRIVATE_PER_SECOND, 1)
        self._chats[chat_id] = bucket
        while len(self._chats) > REMEMBERED_CHATS:
            self._chats.popitem(last=False)
        return bucket

    async def wait(self, chat_id: int) -> None:
        """Returns when one more message to chat_id keeps within every limit."""
        await self._bucket(chat_id).acquire()
        await self._overall.acquire()
