"""A bounded in-process map whose entries expire: what a process remembers for a while (catalog pages,
favorites, verified callers, webhook receivers)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")


class Memory(Generic[Key, Value]):
    """Entries live `max_age` seconds at most (less when put with a shorter lifetime); when full, the
    least recently stored goes first."""

    def __init__(self, capacity: int, max_age: float) -> None:
        self._capacity = capacity
        self._max_age = max_age
        self._entries: OrderedDict[Key, tuple[float, Value]] = OrderedDict()

    def get(self, key: Key) -> Value | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: Key, value: Value, lifetime: float | None = None) -> None:
        lifetime = self._max_age if lifetime is None else min(lifetime, self._max_age)
        self._entries[key] = (time.monotonic() + lifetime, value)
        self._entries.move_to_end(key)
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def drop(self, key: Key) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
