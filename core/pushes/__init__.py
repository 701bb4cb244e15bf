"""Marketplace push notifications, one protocol per marketplace type (what `marketplaces.api_type` says):
who may send them, what a body means, what an event asks of us and how the platform wants to be answered.
webapp receives and stores through this, sync acts on it; each platform declares its protocol in core.listings,
and a type that declares none has no push receiver."""

from __future__ import annotations

# A module, not its names: core.listings imports the protocols of this package while it is being declared.
from core import listings
from core.pushes.protocol import Malformed, Notice, Ping, PushProtocol, Refusal, Work, networks_for

__all__ = ["Malformed", "Notice", "Ping", "PushProtocol", "Refusal", "Work", "networks_for", "protocol_for"]


def protocol_for(api_type: str | None) -> PushProtocol | None:
    declared = listings.declared(api_type)
    return declared.pushes if declared is not None else None
