"""HTTP to one marketplace account: one shared aiohttp session, pacing within the platform's rate limit
(shared by every adapter of the account, sync.limiter), and retries with exponential backoff and jitter.
A 429 (or the platform's own throttle status: Yandex Market answers 420) pauses the account (or, with the
platform's retry hint, that call family) for every caller; a request that would wait longer than its patience
fails fast instead. A request that may have been applied is retried only when it is idempotent (a stock "set"
is)."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

from sync.limiter import Lane

if TYPE_CHECKING:
    from core.fbs import RefusalCode

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)


class MarketplaceError(Exception):
    """A marketplace refused or could not be reached. The message never carries credentials.

    `code` names the condition for the people who read it (core.fbs.RefusalCode: the bot words each in the
    reader's language): "refused" is the platform's own refusal, `detail` then its own words as it wrote them;
    for a condition we detect, `detail` is what it is about (the platform's order keys, a status)."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        body: Any = None,
        *,
        code: RefusalCode | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.code = code
        self.detail = detail


class Throttled(MarketplaceError):
    """Not sent: the account is paused after a 429 (or our pace is booked) for longer than the request waits.
    Nothing was applied; ``seconds`` is when calls may go again."""

    def __init__(self, message: str, seconds: float) -> None:
        super().__init__(message, 429, code="throttled", detail=f"{seconds:.0f}")
        self.seconds = seconds


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: Mapping[str, str]
    # The body as sent, for the files a platform answers with (labels, acts): ``body`` keeps only JSON whole.
    raw: bytes = b""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 60.0
    # How long one request may wait for its slot and for pauses, in all: a push or a pull holds a database
    # connection (the webhook worker a transaction), so a longer pause fails the run, and the next run, after
    # the pause, sends the truth (everything stays due).
    patience: float = 20.0
    # A 429 without a retry hint (Uzum sends none) pauses the whole account this long, this much more on each
    # repeat, up to throttle_most: Uzum is reported to throttle a token for 60-180 s after a 429 (contract
    # 1.7 [C]), and calls during the throttle may prolong it.
    throttle_first: float = 60.0
    throttle_most: float = 180.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter (errors and 5xx; a 429 pauses through the limiter instead)."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


DEFAULT_RETRY = RetryPolicy()


class MarketplaceHttp:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        headers: Mapping[str, str],
        lane: Lane,
        retry_after: Callable[[Mapping[str, str]], float | None],
        policy: RetryPolicy = DEFAULT_RETRY,
        name: str = "marketplace",
        *,
        throttle_status: int = 429,
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._headers = dict(headers)
        self._lane = lane
        self._retry_after = retry_after
        self._policy = policy
        self.name = name
        # The status the platform answers when a call is over its limit: 429 by HTTP's convention, 420 on
        # Yandex Market (its components/responses/420.yaml).
        self._throttle_status = throttle_status
        self.calls = 0  # requests actually sent, for the sync log and benchmarks

    async def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        params: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> Reply:
        url = f"{self._base_url}{path}"
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + self._policy.patience
        for attempt in range(self._policy.attempts):
            turn = await self._lane.turn(give_up_at - loop.time())
            if not turn.granted:
                why = "paused after a 429" if turn.paused else "paced (our rate limit is booked)"
                raise Throttled(
                    f"{self.name}: {method} {path} not sent: the account is {why} for {turn.wait:.0f} s", turn.wait
                )
            self.calls += 1
            try:
                async with self._session.request(
                    method, url, json=body, params=params, headers=self._headers, timeout=TIMEOUT
                ) as response:
                    raw = await response.read()
                    reply = Reply(response.status, _decoded(raw), dict(response.headers), raw)
            except (TimeoutError, aiohttp.ClientError) as error:
                if not idempotent or attempt + 1 == self._policy.attempts:
                    raise MarketplaceError(
                        f"{self.name}: {method} {path} failed: {error!r}", code="unreachable"
                    ) from None
                await asyncio.sleep(self._policy.delay(attempt))
                continue
            if reply.status == self._throttle_status:
                pause = await self._lane.throttled(
                    self._retry_after(reply.headers),
                    self._policy.throttle_first,
                    self._policy.throttle_most,
                    self._policy.patience,
                )
                log.warning(
                    "%s: %s %s answered %s; the account's calls pause for %.1f s",
                    self.name,
                    method,
                    path,
                    reply.status,
                    pause,
                )
                continue  # the next attempt waits for the pause, or fails fast if it is longer than patience
            if turn.episode:
                await self._lane.recovered()
            if reply.status >= 500 and idempotent:
                if attempt + 1 == self._policy.attempts:
                    break
                delay = self._policy.delay(attempt)
                log.info("%s: %s %s answered %s; retrying in %.1f s", self.name, method, path, reply.status, delay)
                await asyncio.sleep(delay)
                continue
            return reply
        raise MarketplaceError(
            f"{self.name}: {method} {path} answered {reply.status} after {self._policy.attempts} attempts",
            reply.status,
            reply.body,
            code="platform_down",
            detail=str(reply.status),
        )


def _decoded(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")[:500]


def seconds_header(*names: str) -> Callable[[Mapping[str, str]], float | None]:
    """A retry-hint reader for platforms that put seconds in one of these headers."""

    def read(headers: Mapping[str, str]) -> float | None:
        lowered = {key.lower(): value for key, value in headers.items()}
        for name in names:
            value = lowered.get(name.lower())
            if value is not None:
                try:
                    return max(0.0, float(value))
                except ValueError:
                    continue
        return None

    return read
