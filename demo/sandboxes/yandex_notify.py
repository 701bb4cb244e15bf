"""The notifications Yandex Market POSTs to a shop, sent by the sandbox on a test's call (YM-NOTIFY:
yandex.ru/dev/market/partner-api/doc/ru/push-notifications/reference/sendNotification): JSON to the shop's
``/notification`` with YM-NOTIFY's timeouts, from Market's sender network, each answer judged as its "Responses"
require; a notification not accepted stays queued for the next attempt.

Where the spec is silent the sandbox takes the stricter reading; each such place says so in a comment ("[strict]").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiohttp

# The networks YM-NOTIFY (push-notifications/index.md) lists as Market's senders; the first address stands in.
NOTIFY_SOURCE_IP = "5.45.207.10"
PING_TIMEOUT = 1.0  # YM-NOTIFY: "1 секунда для проверочного уведомления PING"
NOTIFY_TIMEOUT = 10.0  # YM-NOTIFY: "10 секунд для обычных уведомлений"
NOTIFY_RESOURCE = "notification"  # YM-NOTIFY reference/sendNotification: POST /notification


@dataclass
class Delivery:
    """What one notification POST got back, judged as YM-NOTIFY's 200 answer requires."""

    status: int | None
    body: Any
    ok: bool
    reason: str


def judge_answer(status: int, body: Any) -> tuple[bool, str]:
    """YM-NOTIFY "Responses": 200 with ``{name, version}`` (strings of 1..100) and ``time`` (date-time)."""
    if status != 200:
        return False, f"status {status}"
    if not isinstance(body, dict):
        return False, "body is not a JSON object"
    for key in ("name", "version"):
        value = body.get(key)
        if not isinstance(value, str) or not 1 <= len(value) <= 100:
            return False, f"{key} must be a string of 1..100 characters"
    try:
        datetime.fromisoformat(str(body.get("time")))
    except ValueError:
        return False, "time must be a date-time"
    return True, "OK"


class YandexNotifier:
    """Delivery of the sandbox's queued notifications to the shop."""

    notifications: list[dict[str, Any]]
    deliveries: list[Delivery]

    async def notify(
        self,
        url: str,
        body: Mapping[str, Any],
        *,
        source_ip: str | None = NOTIFY_SOURCE_IP,
        bind_address: str | None = None,
    ) -> Delivery:
        """POST one notification as Yandex does: JSON, 1 s timeout for PING and 10 s for the rest, no signature
        (YM-NOTIFY). ``url`` is the address the seller entered in the cabinet; the request goes to its resource
        ``/notification`` (reference/sendNotification is ``POST /notification`` relative to it, as Yandex's push
        API posts ``order/accept`` under the shop's URL: pushapi/concepts/request-method). [strict] Never to the
        URL itself: a receiver listening only there misses every notification. ``source_ip`` goes in
        X-Forwarded-For (what a proxy in front of the receiver passes on); ``bind_address`` makes the connection
        itself come from that local address (e.g. 127.0.0.2) for tests of an allow-list on the real peer
        address."""
        timeout = PING_TIMEOUT if body.get("notificationType") == "PING" else NOTIFY_TIMEOUT
        target = url.rstrip("/") + "/" + NOTIFY_RESOURCE
        headers = {"X-Forwarded-For": source_ip} if source_ip else {}
        connector = aiohttp.TCPConnector(local_addr=(bind_address, 0) if bind_address else None)
        try:
            async with (
                aiohttp.ClientSession(connector=connector) as session,
                session.post(
                    target, json=dict(body), headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
                ) as response,
            ):
                raw = await response.read()
                try:
                    answer: Any = json.loads(raw) if raw else None
                except ValueError:
                    answer = raw.decode("utf-8", "replace")
                good, reason = judge_answer(response.status, answer)
                delivery = Delivery(response.status, answer, good, reason)
        except TimeoutError:
            delivery = Delivery(None, None, False, "timeout")
        except aiohttp.ClientError as exc:
            delivery = Delivery(None, None, False, f"connection failed: {type(exc).__name__}")
        self.deliveries.append(delivery)
        return delivery

    async def deliver_all(self, url: str) -> list[Delivery]:
        """Send every queued notification in order to the seller's ``url`` (at its ``/notification``, as
        ``notify`` does); those not accepted stay queued, so a later call plays Yandex's next attempt (the schedule
        of its retries is not documented in YM-NOTIFY)."""
        sent = [(body, await self.notify(url, body)) for body in self.notifications]
        self.notifications = [body for body, delivery in sent if not delivery.ok]
        return [delivery for _, delivery in sent]
