"""The rate-limit store in process memory: the same rules as the Redis one (sync.limiter_redis), for while Redis
is unreachable. Every adapter of this process still shares it, so the process alone keeps to the limits."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sync.limiter_store import EPISODE_MEMORY_SECONDS, Backoff, Notice, Slot, Verdict


@dataclass
class _Episode:
    until: float
    pause: float
    told: bool = False
    over: bool = False


class LocalLimitStore:
    def __init__(self) -> None:
        self._next_free: dict[tuple[str, str], float] = {}
        self._pauses: dict[tuple[str, str], float] = {}  # (account, family or "") -> monotonic deadline
        self._strikes: dict[str, tuple[int, float]] = {}  # account -> (count, forgotten at)
        self._episodes: dict[str, _Episode] = {}

    def _episode(self, account: str, now: float) -> _Episode | None:
        episode = self._episodes.get(account)
        if episode is not None and now > episode.until + EPISODE_MEMORY_SECONDS:
            del self._episodes[account]
            return None
        return episode

    async def take(self, account: str, family: str, slot: Slot, max_wait: float) -> Verdict:
        now = time.monotonic()
        episode = self._episode(account, now) is not None
        paused = max(self._pauses.get((account, family), 0.0), self._pauses.get((account, ""), 0.0))
        if paused > now:
            return Verdict("paused", paused - now, episode)
        due = max(self._next_free.get((account, family), 0.0), now)
        wait = max(due - (slot.burst - 1) * slot.interval - now, 0.0)
        if wait > max_wait:
            return Verdict("busy", wait, episode)
        self._next_free[(account, family)] = due + slot.interval
        return Verdict("go", wait, episode)

    async def throttle(self, account: str, family: str, backoff: Backoff) -> float:
        now = time.monotonic()
        key = (account, family if backoff.hint is not None else "")
        current = self._pauses.get(key, 0.0)
        pause = backoff.hint
        if pause is None:
            strikes, forgotten_at = self._strikes.get(account, (0, 0.0))
            strikes = strikes if forgotten_at > now else 0
            if current <= now or strikes == 0:  # a 429 that was in flight during a pause is the same strike
                strikes += 1
            self._strikes[account] = (strikes, now + backoff.most * 4)
            pause = min(backoff.first * strikes, backoff.most)
        deadline = max(now + pause, current)
        self._pauses[key] = deadline
        if deadline - now > backoff.notable:
            episode = self._episode(account, now) or self._episodes.setdefault(account, _Episode(deadline, 0.0))
            episode.until, episode.over, episode.pause = max(episode.until, deadline), False, deadline - now
        return deadline - now

    async def recover(self, account: str) -> None:
        now = time.monotonic()
        episode = self._episode(account, now)
        if episode is not None and now >= episode.until:
            episode.over = True
            self._strikes.pop(account, None)

    async def claim_notice(self, account: str) -> Notice:
        episode = self._episode(account, time.monotonic())
        if episode is None:
            return Notice()
        throttled, episode.told = not episode.told, True
        if episode.over:
            del self._episodes[account]
        return Notice(throttled, episode.over, episode.pause)
