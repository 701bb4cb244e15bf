"""Marketplace push notifications, one protocol per marketplace type (what `marketplaces.api_type` says):
who may send them, what a body means, what an event asks of us and how the platform wants to be answered.
webapp receives and stores through this, sync acts on it; a type with no entry has no push receiver."""

from __future__ import annotations

from core.pushes.ozon import OZON
from core.pushes.protocol import Malformed, Notice, Ping, PushProtocol, Refusal, Work

__all__ = ["Malformed", "Notice", "Ping", "PushProtocol", "Refusal", "Work", "protocol_for"]

PROTOCOLS: dict[str, PushProtocol] = {"ozon": OZON}


def protocol_for(api_type: str | None) -> PushProtocol | None:
    return PROTOCOLS.get(api_type or "")
