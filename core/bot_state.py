"""Whether the bot is up, as /readyz reports it: the bot face writes it, the web face reads it."""

from __future__ import annotations

from typing import Literal

BotStatus = Literal["ready", "degraded"]


class BotState:
    """Ready once the bot has started (webhook set or polling begun) while Telegram answered its last call;
    degraded before that, and whenever a call finds Telegram out of reach."""

    def __init__(self) -> None:
        self._started = False
        self._answering = False

    def started(self) -> None:
        self._started = True
        self._answering = True

    def answered(self) -> None:
        self._answering = True

    def unreachable(self) -> None:
        self._answering = False

    @property
    def status(self) -> BotStatus:
        return "ready" if self._started and self._answering else "degraded"
