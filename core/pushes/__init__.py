"""Marketplace push notifications, one protocol per marketplace type (what `marketplaces.api_type` says):
who may send them, what a body means, what an event asks of us and how the platform wants to be answered.
webapp receives and stores through this, sync acts on it; each platform declares its protocol in core.listings,
and a type that declares none has no push receiver."""

from __future__ import annotations

# A module, not its names: core.listings imports the protocols of this package while it is being declared.
from typing import TYPE_CHECKING

from core import listings
from core.pushes.protocol import Malformed, Notice, Ping, PushProtocol, Refusal, Work, networks_for

if TYPE_CHECKING:  # core.marketplaces adds the channel of a declared platform: it imports core.listings
    from core.marketplaces import Connection

__all__ = [
    "Malformed",
    "Notice",
    "Ping",
    "PushProtocol",
    "Refusal",
    "Work",
    "concerns",
    "networks_for",
    "protocol_for",
]


def protocol_for(api_type: str | None) -> PushProtocol | None:
    declared = listings.declared(api_type)
    return declared.pushes if declared is not None else None


def concerns(work: Work, connection: Connection) -> bool:
    """Whether the work is the connection's: an event that names a shop or warehouse is ours only when it names the
    one our stock goes to (the platform's declared place). A subscription for a whole business tells every shop's
    orders, those the platform fulfils from its own stock too, and none of them took our units. A connection whose
    place is not set yet owns no named place either."""
    if work.place is None:
        return True
    declared = listings.declared(connection.api_type)
    if declared is None:
        return False
    ours = connection.shop_id if declared.place == "shop" else connection.warehouse_id
    return work.place == ours
