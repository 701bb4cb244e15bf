"""Marketplace push notifications: authenticate, store the raw event inside the request, answer at once; a
worker in the sync acts on it. What a push looks like, where it may come from and how it is answered is the
marketplace type's protocol in core.pushes; this route only receives, stores and answers. Pushes carry no
signature (Ozon's, Yandex Market's), so each is accepted only on an unguessable path token and from the
platform's published networks. A platform that appends a resource to the URL the seller enters (Yandex Market's
`/notification`) is answered there and only there; any other address is no receiver (404)."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import lru_cache

from aiohttp import web

from core import events, pushes
from core.pushes import Malformed, Ping, PushProtocol, Refusal
from core.settings import Settings
from core.webhook_inbox import Inbox
from core.webhooks import Event, Receiver, Receivers
from webapp.errors import error_response
from webapp.keys import EFFECTS, INBOX, POOL, RECEIVERS, SETTINGS, SUBSCRIBER, VAULT

MAX_BODY = 256 * 1024


def client_address(request: web.Request, settings: Settings) -> str | None:
    """The caller's address: the peer's, or, behind a trusted proxy, the one the proxy reports."""
    peer = request.remote
    trusted = _networks(tuple(settings.trusted_proxies))
    forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
    chain = [*forwarded, peer] if peer else forwarded
    # Walk from the nearest hop outwards, skipping our own proxies; the first other address is the client.
    for address in reversed(chain):
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        if not any(ip in network for network in trusted):
            return address
    return chain[0] if chain else None


@lru_cache(maxsize=8)
def _networks(networks: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """Parsed once per setting, not once per request."""
    return tuple(ipaddress.ip_network(network, strict=False) for network in networks)


def _refused(protocol: PushProtocol, reason: Refusal, message: str) -> web.Response:
    return web.json_response(protocol.refusal(reason, message), status=reason.value)


async def receive(request: web.Request) -> web.Response:
    started = datetime.now(UTC)
    settings = request.app[SETTINGS]
    token = request.match_info["token"]

    def knows_token(receiver: Receiver) -> bool:
        return receiver.knows(token)

    receiver = await request.app[RECEIVERS].find(request.match_info["slug"], knows_token)
    protocol = pushes.protocol_for(receiver.api_type) if receiver is not None else None
    # Whatever the token: an address the platform never posts to is not a receiver, to strangers or not.
    if receiver is None or protocol is None or request.match_info.get("resource") != protocol.resource:
        return error_response(404, "not_found", "no push receiver at this address")
    if not knows_token(receiver):
        return _refused(protocol, Refusal.UNAUTHORIZED, "unknown webhook address")
    address = client_address(request, settings)
    networks = _networks(tuple(pushes.networks_for(receiver.api_type, protocol, settings)))
    if address is None or not any(ipaddress.ip_address(address) in network for network in networks):
        return _refused(protocol, Refusal.UNAUTHORIZED, "not an address this marketplace pushes from")
    if not receiver.keys_readable:
        # Its events could not be acted on (every import needs its API keys): the platform keeps them and sends
        # them again, and the other marketplaces' pushes go on. Told once, not per request.
        await request.app[RECEIVERS].unreadable(receiver)
        return _refused(protocol, Refusal.UNAVAILABLE, "temporarily unable to process notifications")
    body = await request.read()
    if len(body) > MAX_BODY:
        return _refused(protocol, Refusal.TOO_LARGE, "body too large")
    try:
        push = protocol.parse(body)
    except Malformed as error:
        return _refused(protocol, Refusal.MALFORMED, str(error))
    if isinstance(push, Ping):
        return web.json_response(protocol.ping_answer(started))
    await request.app[INBOX].store(Event(receiver.marketplace_id, push.kind, push.payload, push.key))
    return web.json_response(protocol.ack(started))


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/webhooks/{slug}/{token}", receive)
    app.router.add_post("/webhooks/{slug}/{token}/{resource}", receive)
    app.cleanup_ctx.append(_receiving)


async def _receiving(app: web.Application) -> AsyncIterator[None]:
    """The receivers' credentials and inbox, made once the pool exists; remembered credentials are dropped
    whenever any process announces a marketplace change, and whenever the subscription is back (a change
    announced meanwhile was not heard)."""
    app[RECEIVERS] = receivers = Receivers(app[POOL], app[VAULT])
    app[INBOX] = inbox = Inbox(app[POOL], app[EFFECTS])
    stop_listening = app[SUBSCRIBER].listen(
        {events.MARKETPLACE_CHANGED: lambda slug: receivers.forget()}, back=receivers.forget
    )
    yield
    stop_listening()
    await inbox.close()
