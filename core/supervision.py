"""Keeps an embedded server running: a watchdog thread that restarts it when it dies, with backoff.

A thread rather than an asyncio task: the servers are started before the command's event loop exists
(`amazing-store run|migrate|...` each run their own) and outlive it.
"""

from __future__ import annotations

import logging
import threading
import time
from types import TracebackType
from typing import Protocol

log = logging.getLogger(__name__)

FIRST_DELAY = 0.5
MAX_DELAY = 30.0
POLL_SECONDS = 0.5


class Restartable(Protocol):
    name: str

    def alive(self) -> bool: ...

    def restart(self) -> None:
        """Start the server again on the same address and data; raise when it would not come up."""


class Supervisor:
    """While entered, restarts `server` whenever it is found dead: after 0.5 s, then 1, 2, ... up to 30 s between
    tries while it keeps dying or failing to start. A server that stayed up as long as the longest wait is
    treated as healthy again and its next death waits 0.5 s."""

    def __init__(
        self,
        server: Restartable,
        *,
        first_delay: float = FIRST_DELAY,
        max_delay: float = MAX_DELAY,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.server = server
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.poll_seconds = poll_seconds
        self.restarts = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"supervise {server.name}", daemon=True)

    def __enter__(self) -> Supervisor:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        # Stopped before the server itself: a server stopped on purpose must not be brought back.
        self._stopping.set()
        self._thread.join()

    def _watch(self) -> None:
        delay = self.first_delay
        up_since = time.monotonic()
        while not self._stopping.wait(self.poll_seconds):
            try:
                alive = self.server.alive()
            except Exception:  # a question that failed is no death: the watch goes on
                log.exception("could not tell whether %s is running", self.server.name)
                continue
            if alive:
                if time.monotonic() - up_since >= self.max_delay:
                    delay = self.first_delay
                continue
            log.warning("%s died; restarting it in %.1f s", self.server.name, delay)
            while not self._stopping.wait(delay):
                delay = min(delay * 2, self.max_delay)
                try:
                    self.server.restart()
                except Exception as error:  # whatever stopped it, the next try may succeed
                    log.error("%s did not restart (%s); next try in %.1f s", self.server.name, error, delay)
                    continue
                self.restarts += 1
                up_since = time.monotonic()
                log.warning("%s restarted", self.server.name)
                break
