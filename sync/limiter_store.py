"""What a rate-limit store keeps for a marketplace account, and the answers it gives: the next free slot of each
call family, the account's and each family's pause after a 429, and the throttle episode its alerts are about.
Two stores implement it: Redis (shared by every process) and process memory (the fallback while Redis is down)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

# Longest the store remembers a throttle episode whose recovery nobody saw (an account nobody calls any more).
EPISODE_MEMORY_SECONDS = 86_400


@dataclass(frozen=True)
class Slot:
    """The family's pace: one request every ``interval`` seconds, ``burst`` of them at once after a quiet spell."""

    interval: float
    burst: int = 1


@dataclass(frozen=True)
class Verdict:
    """``go``: send after ``wait`` seconds (the slot is reserved); ``paused``: the account or family is paused
    for ``wait`` more seconds; ``busy``: the next free slot is ``wait`` seconds away, more than the caller
    accepts (nothing reserved). ``episode``: a throttle episode is open (a success may be its end)."""

    kind: Literal["go", "paused", "busy"]
    wait: float
    episode: bool


@dataclass(frozen=True)
class Notice:
    """What the admins have not heard yet of an account's throttle episode."""

    throttled: bool = False
    recovered: bool = False
    pause: float = 0.0


@dataclass(frozen=True)
class Backoff:
    """How long a 429 pauses: the platform's hint when it gives one (that family only), else ``first`` seconds
    for the whole account, ``first`` more on each repeat up to ``most``. A pause longer than ``notable``
    fails calls, so it opens an episode the admins hear about."""

    hint: float | None
    first: float
    most: float
    notable: float


class LimitStore(Protocol):
    async def take(self, account: str, family: str, slot: Slot, max_wait: float) -> Verdict:
        """Reserve the family's next slot unless the account or family is paused or the slot is too far."""

    async def throttle(self, account: str, family: str, backoff: Backoff) -> float:
        """Record a 429: pause as ``backoff`` says; returns the seconds until calls may go again."""

    async def recover(self, account: str) -> None:
        """A call succeeded: the open episode is over if its pause has run out."""

    async def claim_notice(self, account: str) -> Notice:
        """Take what is to be told of the account's episode; each transition is handed out once."""
