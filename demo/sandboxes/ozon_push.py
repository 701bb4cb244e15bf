"""Ozon push-notification emitter (contract §3.5): POSTs ``TYPE_PING`` first, then events, to the seller's URL,
judging each answer as Ozon's connection check does and retrying on failure along a backoff schedule."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp

from demo.sandboxes.common import rfc3339, utc_now

# "after a few seconds with growing interval up to 10 min, then 5 more tries every 10 min" — exact steps [I].
DEFAULT_BACKOFF: tuple[float, ...] = (5, 10, 20, 40, 80, 160, 320, 600, 600, 600, 600, 600, 600)
# Ozon's documented sender networks; the first address stands in as the default source.
OZON_NETWORKS = ("195.34.21.0/24", "185.73.192.0/22", "91.223.93.0/24")
OK = "OK"


@dataclass
class PushAttempt:
    message_type: str
    posting_number: str | None
    attempt: int
    status: int | None
    outcome: str  # OK or one of Ozon's check codes (REQUEST_TIMEOUT, STATUS_CODE_NOT_OK, INVALID_JSON, ...)
    elapsed: float


def judge(message_type: str, status: int, content_type: str, raw: bytes) -> str:
    if status >= 500:
        return "SERVER_FAULT"
    if status != 200:
        return "STATUS_CODE_NOT_OK"
    if not raw.strip():
        return "EMPTY_BODY"
    if content_type != "application/json":
        return "INVALID_BODY"
    try:
        body = json.loads(raw)
    except ValueError:
        return "INVALID_JSON"
    if not isinstance(body, dict):
        return "WRONG_RESULT_FIELD"
    if message_type != "TYPE_PING":
        return OK if body.get("result") is True else "WRONG_RESULT_FIELD"
    if not isinstance(body.get("version"), str) or not isinstance(body.get("name"), str):
        return "WRONG_RESULT_FIELD"
    try:
        datetime.fromisoformat(str(body.get("time")))
    except ValueError:
        return "WRONG_RESULT_TIME_FIELD"
    return OK


class OzonPushEmitter:
    """Delivers push notifications to one URL.

    ``source_ip`` goes out in ``source_header`` (what a proxy in front of the receiver would pass on);
    ``bind_address`` makes the TCP connection itself come from that local address (e.g. 127.0.0.2 on Linux)
    for allow-list tests on the real peer IP.
    """

    def __init__(
        self,
        url: str,
        *,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        timeout: float = 5.0,
        source_ip: str | None = "195.34.21.10",
        source_header: str = "X-Forwarded-For",
        bind_address: str | None = None,
    ) -> None:
        self.url = url
        self.backoff = tuple(backoff)
        self.timeout = timeout
        self.source_ip = source_ip
        self.source_header = source_header
        self.bind_address = bind_address
        self.attempts: list[PushAttempt] = []
        self.delivered: list[dict[str, Any]] = []
        self.undelivered: list[dict[str, Any]] = []
        self.pinged = False
        self._session: aiohttp.ClientSession | None = None
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    async def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            local = (self.bind_address, 0) if self.bind_address else None
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=local))
        return self._session

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": "ozon-push-sandbox"}
        if self.source_ip and self.source_header:
            headers[self.source_header] = self.source_ip
        return headers

    async def attempt(self, message: dict[str, Any], number: int = 1) -> PushAttempt:
        """One POST, judged; no retry."""
        session = await self._client()
        started = time.monotonic()
        status: int | None = None
        try:
            async with session.post(
                self.url,
                json=message,
                headers=self._headers(),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            ) as response:
                status = response.status
                raw = await response.read()
                outcome = judge(message["message_type"], status, response.content_type, raw)
        except TimeoutError:
            outcome = "REQUEST_TIMEOUT"
        except aiohttp.ClientError:
            outcome = "REQUEST_ERROR"
        result = PushAttempt(
            message["message_type"], message.get("posting_number"), number, status, outcome, time.monotonic() - started
        )
        self.attempts.append(result)
        return result

    async def check(self) -> PushAttempt:
        """The cabinet's "Check" button: one TYPE_PING."""
        result = await self.attempt(ping_message())
        self.pinged = self.pinged or result.outcome == OK
        return result

    async def send(self, message: dict[str, Any]) -> bool:
        """Deliver with retries along ``backoff``; False when every try failed."""
        for number in range(1, len(self.backoff) + 2):
            if (await self.attempt(message, number)).outcome == OK:
                self.delivered.append(message)
                return True
            if number <= len(self.backoff):
                await asyncio.sleep(self.backoff[number - 1])
        self.undelivered.append(message)
        return False

    async def ensure_pinged(self) -> bool:
        if not self.pinged:
            self.pinged = await self.send(ping_message())
        return self.pinged

    async def emit(self, messages: Iterable[dict[str, Any]]) -> bool:
        """TYPE_PING (until it succeeds), then each message in order; True when all were delivered."""
        if not await self.ensure_pinged():
            self.undelivered.extend(messages)
            return False
        results = [await self.send(message) for message in messages]
        return all(results)

    # -- background delivery (used by the sandbox as events happen) ------------------------------------------
    def enqueue(self, message: dict[str, Any]) -> None:
        self._queue.put_nowait(message)
        self._start_worker()

    def _start_worker(self) -> None:
        if self._worker is not None and not self._worker.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # queued from plain code; drain() starts the delivery
        self._worker = loop.create_task(self._run())

    async def _run(self) -> None:
        while not self._queue.empty():
            message = self._queue.get_nowait()
            try:
                await self.emit([message])
            finally:
                self._queue.task_done()

    async def drain(self) -> None:
        """Wait until every queued message was delivered or given up on."""
        self._start_worker()
        await self._queue.join()

    async def close(self) -> None:
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
        if self._session is not None:
            await self._session.close()
            self._session = None


def ping_message() -> dict[str, Any]:
    return {"message_type": "TYPE_PING", "time": rfc3339(utc_now())}
