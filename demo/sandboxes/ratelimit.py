"""Rate-limit arithmetic for the sandboxes: a token bucket (Uzum, WB, Ozon per-second) and a sliding window
(Ozon's "80 stock pushes a minute")."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]


class TokenBucket:
    """``capacity`` tokens, refilled continuously at ``per_second``; a charge may push it below zero (debt),
    which is how WB makes a 4xx cost ten requests."""

    def __init__(self, capacity: float, per_second: float, clock: Clock = time.monotonic) -> None:
        if capacity <= 0 or per_second <= 0:
            raise ValueError("capacity and per_second must be positive")
        self.capacity = float(capacity)
        self.per_second = float(per_second)
        self._clock = clock
        self._tokens = float(capacity)
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._at) * self.per_second)
        self._at = now

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    @property
    def remaining(self) -> int:
        return max(0, math.floor(self.tokens))

    def try_take(self, cost: float = 1.0) -> bool:
        """Take ``cost`` tokens if that many are there; otherwise take nothing."""
        self._refill()
        if self._tokens < cost:
            return False
        self._tokens -= cost
        return True

    def charge(self, cost: float) -> None:
        """Take ``cost`` tokens unconditionally (the bucket may go into debt)."""
        self._refill()
        self._tokens -= cost

    def seconds_until(self, cost: float = 1.0) -> float:
        """How long until ``cost`` tokens are available."""
        missing = cost - self.tokens
        return max(0.0, missing / self.per_second)

    def seconds_until_full(self) -> float:
        return max(0.0, (self.capacity - self.tokens) / self.per_second)


class SlidingWindow:
    """At most ``limit`` events in any ``seconds``-long window."""

    def __init__(self, limit: int, seconds: float, clock: Clock = time.monotonic) -> None:
        self.limit = limit
        self.seconds = seconds
        self._clock = clock
        self._events: deque[float] = deque()

    def _expire(self) -> float:
        now = self._clock()
        while self._events and now - self._events[0] >= self.seconds:
            self._events.popleft()
        return now

    def try_add(self) -> bool:
        now = self._expire()
        if len(self._events) >= self.limit:
            return False
        self._events.append(now)
        return True

    @property
    def remaining(self) -> int:
        self._expire()
        return max(0, self.limit - len(self._events))

    def seconds_until_free(self) -> float:
        now = self._expire()
        if len(self._events) < self.limit:
            return 0.0
        return max(0.0, self._events[0] + self.seconds - now)


def whole_seconds(seconds: float) -> int:
    """Header value for a wait: whole seconds, rounded up, at least 1 when any wait is left."""
    return math.ceil(seconds) if seconds > 0 else 0
