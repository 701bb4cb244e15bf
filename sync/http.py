"""HTTP to one marketplace account: one shared aiohttp session, pacing within the platform's rate limit,
and retries with exponential backoff and jitter that honour the platform's own retry headers. A request
that may have been applied is retried only when it is idempotent (a stock "set" is)."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiolimiter import AsyncLimiter

log = logging.getLogger(__name__)

TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)


class MarketplaceError(Exception):
    """A marketplace refused or could not be reached. The message never carries credentials."""

    def __init__(self, message: str, status: int | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: Mapping[str, str]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 60.0

    def delay(self, attempt: int, hinted: float | None) -> float:
        """The platform's hint wins; otherwise exponential backoff with full jitter."""
        if hinted is not None:
            return min(hinted, self.max_delay)
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


DEFAULT_RETRY = RetryPolicy()


class MarketplaceHttp:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        headers: Mapping[str, str],
        limiter: AsyncLimiter,
        retry_after: Callable[[Mapping[str, str]], float | None],
        policy: RetryPolicy = DEFAULT_RETRY,
        name: str = "marketplace",
    ) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._headers = dict(headers)
        self._limiter = limiter
        self._retry_after = retry_after
        self._policy = policy
        self.name = name
        self.calls = 0  # requests actually sent, for the sync log and benchmarks

    async def request(
        self, method: str, path: str, *, body: Any = None, params: Mapping[str, Any] | None = None,
        idempotent: bool = True,
    ) -> Reply:
        url = f"{self._base_url}{path}"
        for attempt in range(self._policy.attempts):
            async with self._limiter:
                self.calls += 1
                try:
                    async with self._session.request(
                        method, url, json=body, params=params, headers=self._headers, timeout=TIMEOUT
                    ) as response:
                        reply = Reply(response.status, _decoded(await response.read()), dict(response.headers))
                except (TimeoutError, aiohttp.ClientError) as error:
                    if not idempotent or attempt + 1 == self._policy.attempts:
                        raise MarketplaceError(f"{self.name}: {method} {path} failed: {error!r}") from None
                    await asyncio.sleep(self._policy.delay(attempt, None))
                    continue
            if reply.status == 429 or (reply.status >= 500 and idempotent):
                if attempt + 1 == self._policy.attempts:
                    break
                delay = self._policy.delay(attempt, self._retry_after(reply.headers))
                log.info("%s: %s %s answered %s; retrying in %.1f s", self.name, method, path, reply.status, delay)
                await asyncio.sleep(delay)
                continue
            return reply
        raise MarketplaceError(f"{self.name}: {method} {path} answered {reply.status} after "
                               f"{self._policy.attempts} attempts", reply.status, reply.body)


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
