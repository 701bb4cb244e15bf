"""Marketplace webhooks: authenticate, store the raw event inside the request, answer at once; a worker in
the sync processes it. Ozon signs nothing, so its pushes are accepted only from its published networks and
on an unguessable path token."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from aiohttp import web

from core import events
from core.redis_client import stop_listener
from core.settings import Settings
from core.webhook_inbox import Inbox
from core.webhooks import Event, Receiver, Receivers
from webapp.keys import INBOX, POOL, RECEIVERS, REDIS, SETTINGS

APP_NAME = "amazing-store"
APP_VERSION = "1.0"
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


def _ozon_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message, "details": None}}, status=status)


async def ozon(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    token = request.match_info.get("token", "").encode()

    def knows_token(receiver: Receiver) -> bool:
        return bool(receiver.path_token) and hmac.compare_digest(receiver.path_token.encode(), token)

    receiver = await request.app[RECEIVERS].authenticate(request.match_info["slug"], knows_token)
    if receiver is None:
        return _ozon_error(401, "ERROR_UNKNOWN", "unknown webhook address")
    address = client_address(request, settings)
    networks = _networks(tuple(settings.ozon_webhook_networks))
    if address is None or not any(ipaddress.ip_address(address) in network for network in networks):
        return _ozon_error(401, "ERROR_UNKNOWN", "not an Ozon address")
    body = await request.read()
    if len(body) > MAX_BODY:
        return _ozon_error(413, "ERROR_UNKNOWN", "body too large")
    try:
        event = json.loads(body)
        kind = event["message_type"]
        if not isinstance(kind, str):
            raise TypeError(kind)
    except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: JSON nested thousands deep
        return _ozon_error(400, "ERROR_PARAMETER_VALUE_MISSED", "message_type is missing")
    if kind == "TYPE_PING":
        return web.json_response({"version": APP_VERSION, "name": APP_NAME,
                                  "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})
    await request.app[INBOX].store(Event(receiver.marketplace_id, kind, event, _ozon_event_key(kind, event)))
    return web.json_response({"result": True})


def _ozon_event_key(kind: str, event: dict[str, Any]) -> str:
    """FBS events carry no id: their identity is the type, the posting and the moment of the change."""
    if event.get("uuid"):
        return f"{kind}:{event['uuid']}"
    moment = event.get("changed_state_date") or event.get("in_process_at") or ""
    return f"{kind}:{event.get('posting_number', '')}:{moment}"


def setup_routes(app: web.Application) -> None:
    app.router.add_post("/webhooks/{slug}/{token}", ozon)
    app.cleanup_ctx.append(_receiving)


async def _receiving(app: web.Application) -> AsyncIterator[None]:
    """The receivers' credentials and inbox, made once the pool exists; remembered credentials are dropped
    whenever any process announces a marketplace change."""
    app[RECEIVERS] = receivers = Receivers(app[POOL])
    app[INBOX] = inbox = Inbox(app[POOL], app[REDIS])
    listening = asyncio.create_task(events.follow(app[REDIS], events.MARKETPLACE_CHANGED, receivers.forget))
    yield
    await stop_listener(listening)
    await inbox.close()
