"""What a marketplace's push protocol declares, and the records that cross it: a body is a ping or a notice,
a notice may ask us to import or cancel an order, and every answer is in the platform's own words."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from core.order_progress import Progress
from core.settings import Settings

# How we introduce ourselves in an answer to a connection check.
APP_NAME = "amazing-store"
APP_VERSION = "1.0"


@dataclass(frozen=True)
class Ping:
    """A connection check: answered at once, never stored."""


@dataclass(frozen=True)
class Notice:
    """An event to keep: its kind, the identity that makes a redelivery a replay, and the body as sent."""

    kind: str
    key: str
    payload: dict[str, Any]


class Malformed(ValueError):
    """The body is not an event of this platform."""


def body_hash(kind: str, event: dict[str, Any]) -> str:
    """The identity of an event that carries none of its own: a hash of what it says, so that a replay of the
    body (re-serialized or not: keys sorted, no spaces) is the same event and any other body is another."""
    canonical = json.dumps(event, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    try:
        return hashlib.sha256(canonical.encode()).hexdigest()
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" is valid JSON): no text a platform would send
        raise Malformed(f"{kind} is not text") from None


class Refusal(Enum):
    """Why a push is refused; the value is the HTTP status it is refused with."""

    UNAUTHORIZED = 401
    TOO_LARGE = 413
    MALFORMED = 400
    # The push is the marketplace's, but we cannot act on it now (its API keys do not open): send it again later.
    UNAVAILABLE = 503


@dataclass(frozen=True)
class Work:
    """What an event asks of us: import the order with this key, or cancel the one we imported, or (with
    `cancellation_requested`) tell the admins that its buyer asks to cancel it, which the seller must answer
    (core.cancellation_requests), asked at `requested_at` when the notice says, or (with `progress`) follow the
    order past the seller's steps (core.marketplace_orders.follow_progress). `place` is the shop or warehouse
    the event is for, when it names one: a platform may tell every shop of a seller's business on one
    subscription, and only the connection's own place is ours (core.pushes.concerns)."""

    order_key: str
    cancel: bool
    cancellation_requested: bool = False
    requested_at: datetime | None = None
    place: int | None = None
    progress: Progress | None = None  # never "cancelled": that is `cancel`
    returns: bool = False  # a return of the order began or moved on: the returns pull is due now


class PushProtocol(Protocol):
    @property
    def default_networks(self) -> tuple[str, ...]:
        """The networks the platform says it pushes from; WEBHOOK_NETWORKS may say otherwise (networks_for)."""

    @property
    def resource(self) -> str | None:
        """What the platform appends to the URL the seller enters before it posts (one path segment); None: it
        posts to that URL itself. The receiver answers at exactly this address and no other."""

    def parse(self, body: bytes) -> Ping | Notice:
        """What the body is; raises Malformed when it is not the platform's."""

    def ping_answer(self, now: datetime) -> dict[str, Any]:
        """The answer to a connection check, stamped with when its processing began."""

    def ack(self, now: datetime) -> dict[str, Any]:
        """The answer to a notice that is stored; `now` is when its processing began, for platforms that want
        it in every answer."""

    def refusal(self, reason: Refusal, message: str) -> dict[str, Any]:
        """The body of a refusal, in the platform's error envelope."""

    def work_of(self, kind: str, payload: dict[str, Any]) -> Work | None:
        """What a stored notice asks of us; None for the many that ask nothing."""


def networks_for(api_type: str, protocol: PushProtocol, settings: Settings) -> Sequence[str]:
    """The networks this marketplace type's pushes are let in from; nothing else is. The operator's list
    (WEBHOOK_NETWORKS) replaces the platform's own when the platform publishes new addresses before we do."""
    return settings.webhook_networks.get(api_type, protocol.default_networks)
