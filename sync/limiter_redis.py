"""The rate-limit store in Redis, shared by every process: each operation is one Lua script (one EVALSHA),
timed by the Redis server's clock so replicas with skewed clocks still agree.

Hand-written rather than a library: pyrate-limiter's RedisBucket (a sliding log per key) and limits' async
Redis storage (window counters on a connection it opens from a URL) take or refuse a hit but know nothing of
a pause, so checking the account's pause, the family's pause and the bucket would cost two or three round
trips per request, and neither can reserve a slot to sleep until (a refused caller would poll). Here one
script checks both pauses and reserves the slot (GCRA: the key holds when the next slot is free)."""

from __future__ import annotations

import math
from typing import Literal

from redis.asyncio import Redis

from sync.limiter_store import EPISODE_MEMORY_SECONDS, Backoff, Notice, Slot, Verdict

# Redis before 7 replicates scripts verbatim and refuses a write after TIME unless told to replicate effects.
_NOW = """
redis.replicate_commands()
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""

# KEYS: family's next free slot (ms), family pause, account pause, episode.
# ARGV: interval ms, burst tolerance ms ((burst - 1) x interval), longest acceptable wait ms.
_TAKE = (
    _NOW
    + """
local episode = redis.call('EXISTS', KEYS[4])
local paused = math.max(tonumber(redis.call('GET', KEYS[2]) or '0'), tonumber(redis.call('GET', KEYS[3]) or '0'))
if paused > now then return {1, paused - now, episode} end
local due = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local wait = math.max(due - tonumber(ARGV[2]) - now, 0)
if wait > tonumber(ARGV[3]) then return {2, wait, episode} end
local next_free = due + tonumber(ARGV[1])
redis.call('SET', KEYS[1], next_free, 'PX', next_free - now)
return {0, wait, episode}
"""
)

# KEYS: the pause this 429 sets (the family's when hinted, else the account's), strikes, episode.
# ARGV: hinted pause ms (-1: no hint), first pause ms, longest pause ms, notable ms, episode memory ms.
_THROTTLE = (
    _NOW
    + """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local pause = tonumber(ARGV[1])
if pause < 0 then
  local strikes = tonumber(redis.call('GET', KEYS[2]) or '0')
  -- A 429 answered while the account is already paused was in flight with the first one: the same strike.
  if current <= now or strikes == 0 then strikes = strikes + 1 end
  redis.call('SET', KEYS[2], strikes, 'PX', tonumber(ARGV[3]) * 4)
  pause = math.min(tonumber(ARGV[2]) * strikes, tonumber(ARGV[3]))
end
local deadline = math.max(now + pause, current)
if deadline > current then redis.call('SET', KEYS[1], deadline, 'PX', math.max(deadline - now, 1)) end
if deadline - now > tonumber(ARGV[4]) then
  if redis.call('HSETNX', KEYS[3], 'told', 0) == 1 then redis.call('HSET', KEYS[3], 'until', 0) end
  local ends = math.max(tonumber(redis.call('HGET', KEYS[3], 'until')), deadline)
  redis.call('HSET', KEYS[3], 'until', ends, 'over', 0, 'pause', deadline - now)
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
end
return deadline - now
"""
)

# KEYS: episode, strikes.
_RECOVER = (
    _NOW
    + """
local ends = redis.call('HGET', KEYS[1], 'until')
if not ends or now < tonumber(ends) then return 0 end
redis.call('HSET', KEYS[1], 'over', 1)
redis.call('DEL', KEYS[2])
return 1
"""
)

# KEYS: episode.
_CLAIM = """
local fields = redis.call('HMGET', KEYS[1], 'told', 'over', 'pause')
if not fields[1] then return {0, 0, 0} end
local throttled = 0
if fields[1] ~= '1' then
  redis.call('HSET', KEYS[1], 'told', 1)
  throttled = 1
end
local recovered = 0
if fields[2] == '1' then
  redis.call('DEL', KEYS[1])
  recovered = 1
end
return {throttled, recovered, tonumber(fields[3]) or 0}
"""

_VERDICTS: tuple[Literal["go", "paused", "busy"], ...] = ("go", "paused", "busy")


def _ms(seconds: float) -> int:
    """Whole milliseconds, rounded up: a pace rounded down would run faster than the platform allows."""
    return math.ceil(round(seconds * 1000, 6))


class RedisLimitStore:
    def __init__(self, redis: Redis) -> None:
        self._take = redis.register_script(_TAKE)
        self._throttle = redis.register_script(_THROTTLE)
        self._recover = redis.register_script(_RECOVER)
        self._claim = redis.register_script(_CLAIM)

    @staticmethod
    def _key(account: str, name: str) -> str:
        # The braces are a hash tag: on a Redis Cluster every key of one account lives on one node, as a
        # script touching several keys needs.
        return f"marketplace-limit:{{{account}}}:{name}"

    async def take(self, account: str, family: str, slot: Slot, max_wait: float) -> Verdict:
        keys = [
            self._key(account, f"{family}:next"),
            self._key(account, f"{family}:pause"),
            self._key(account, "pause"),
            self._key(account, "episode"),
        ]
        interval = _ms(slot.interval)
        kind, wait, episode = await self._take(
            keys=keys, args=[interval, interval * (slot.burst - 1), max(0, int(max_wait * 1000))]
        )
        return Verdict(_VERDICTS[int(kind)], int(wait) / 1000, bool(episode))

    async def throttle(self, account: str, family: str, backoff: Backoff) -> float:
        pause_key = self._key(account, f"{family}:pause" if backoff.hint is not None else "pause")
        keys = [pause_key, self._key(account, "strikes"), self._key(account, "episode")]
        hint = -1 if backoff.hint is None else _ms(backoff.hint)
        paused = await self._throttle(
            keys=keys,
            args=[hint, _ms(backoff.first), _ms(backoff.most), _ms(backoff.notable), EPISODE_MEMORY_SECONDS * 1000],
        )
        return int(paused) / 1000

    async def recover(self, account: str) -> None:
        await self._recover(keys=[self._key(account, "episode"), self._key(account, "strikes")])

    async def claim_notice(self, account: str) -> Notice:
        throttled, recovered, pause = await self._claim(keys=[self._key(account, "episode")])
        return Notice(bool(throttled), bool(recovered), int(pause) / 1000)
