"""The bot's FSM storage in Redis, which also remembers the ids of the forms it has held: a form button whose
form is neither open nor remembered belonged to a form whose state was lost (a Redis that lost its data) or
expired, and the bot says so instead of claiming the form was finished."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.redis import RedisStorage


class FormStorage(RedisStorage):
    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await super().set_data(key, data)
        form = data.get("form")
        if isinstance(form, str):
            # Forgotten after the forms' own TTL, counted from the latest form written: the set stays small.
            async with self.redis.pipeline(transaction=False) as pipe:
                pipe.sadd(self._forms_key(key), form)
                if self.data_ttl is not None:
                    pipe.expire(self._forms_key(key), self.data_ttl)
                await pipe.execute()

    async def held(self, key: StorageKey, form: str) -> bool:
        """Whether this chat's form `form` was ever stored here (and not forgotten with the rest of Redis)."""
        return bool(await self.redis.sismember(self._forms_key(key), form))  # type: ignore[misc]

    def _forms_key(self, key: StorageKey) -> str:
        return f"{self.key_builder.build(key)}:forms"
