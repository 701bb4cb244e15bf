"""Yandex Market's API notifications (YM-NOTIFY: yandex.ru/dev/market/partner-api/doc/ru/push-notifications/,
reference/sendNotification): no signature, only its published networks; `notificationType` names the event, every
notification (PING and the rest alike) is answered 200 with {version, name, time}, errors are
{"error": {type, message}}. Orders created, cancelled or moved on (PROCESSING, shipped, delivered, cancelled), and
a DBS buyer's request to cancel, are what we act on, for the campaign (shop) they name."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from core.order_progress import Progress
from core.pushes.protocol import APP_NAME, APP_VERSION, Malformed, Notice, Ping, Refusal, Work, body_hash

MAX_ID = 2**63 - 1  # YM-NOTIFY: every numeric id is integer<int64>

# What makes an event itself, per type (YM-NOTIFY request DTOs; each field is marked required there). Yandex may
# send one event more than once, and sends several ORDER_STATUS_UPDATED for one order as its substatus moves
# (courier search): a redelivery repeats every field, a new step changes the substatus or updatedAt.
# An order is created once and cancelled once, so those are the order alone: a redelivery that spelt its
# createdAt/cancelledAt differently is still a replay.
_IDENTITY: dict[str, tuple[str, ...]] = {
    "ORDER_CREATED": ("orderId",),
    "ORDER_CANCELLED": ("orderId",),
    "ORDER_STATUS_UPDATED": ("orderId", "status", "substatus", "updatedAt"),
    # A DBS buyer refused once may ask again: each request has its own time.
    "ORDER_CANCELLATION_REQUEST": ("orderId", "requestedAt"),
    "ORDER_UPDATED": ("orderId", "updateType", "updatedAt"),
    "ORDER_RETURN_CREATED": ("orderId", "returnId"),
    "ORDER_RETURN_STATUS_UPDATED": ("orderId", "returnId", "updatedAt"),
    "GOODS_FEEDBACK_CREATED": ("feedbackId",),
    "GOODS_FEEDBACK_COMMENT_CREATED": ("commentId",),
    "CHAT_CREATED": ("chatId",),
    "CHAT_MESSAGE_SENT": ("chatId", "messageId"),
    "CHAT_ARBITRAGE_STARTED": ("chatId", "startedAt"),
    "CHAT_ARBITRAGE_FINISHED": ("chatId", "finishedAt"),
}
# Ids YM-NOTIFY types as integer<int64>; messageId is its one string id.
_INTEGER_IDS = frozenset({"orderId", "campaignId", "returnId", "feedbackId", "commentId", "chatId"})
# [strict] Every order event names its campaign (required in each ORDER_* DTO): a body without it is refused.
_ORDER_PREFIX = "ORDER_"


class YandexPushes:
    # Where Yandex Market sends notifications from (YM-NOTIFY push-notifications/index.md, "Диапазоны IP-адресов,
    # которые использует Маркет"; marketplace-fidelity.md §6).
    default_networks: tuple[str, ...] = ("5.45.207.0/25", "141.8.142.0/25", "5.255.253.0/25")
    # YM-NOTIFY reference/sendNotification is `POST /notification` relative to the URL the seller enters in the
    # cabinet, as in Yandex's push API before it (pushapi/concepts/request-method: "POST order/accept will be sent
    # to https://shop.ru/market/api/order/accept").
    resource: str | None = "notification"

    def parse(self, body: bytes) -> Ping | Notice:
        try:
            event = json.loads(body)
            kind = event["notificationType"]
            if not isinstance(kind, str) or not kind:
                raise TypeError(kind)
        except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: JSON nested thousands deep
            raise Malformed("notificationType is missing") from None
        if kind == "PING":
            return Ping()
        return Notice(kind, _event_key(kind, event), event)

    def ping_answer(self, now: datetime) -> dict[str, Any]:
        """YM-NOTIFY 200: the integration's name and version (1..100 characters) and when processing began."""
        return {"version": APP_VERSION, "name": APP_NAME, "time": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}

    def ack(self, now: datetime) -> dict[str, Any]:
        """Yandex judges every answer as it judges PING's: without name, version and time a stored notice would
        count as failed and come again."""
        return self.ping_answer(now)

    def refusal(self, reason: Refusal, message: str) -> dict[str, Any]:
        """YM-NOTIFY 400/500 body. Its error types are UNKNOWN, WRONG_EVENT_FORMAT and DUPLICATED_EVENT; a replay
        is acknowledged, never refused, so only the first two are used."""
        kind = "WRONG_EVENT_FORMAT" if reason is Refusal.MALFORMED else "UNKNOWN"
        return {"error": {"type": kind, "message": message}}

    def work_of(self, kind: str, payload: dict[str, Any]) -> Work | None:
        """New orders are imported, cancelled ones given back; an order first heard of in PROCESSING (its
        ORDER_CREATED lost) is imported then. A buyer's cancellation request (DBS, an order in delivery) waits for
        the seller's answer, asked at its requestedAt. A return begun or moved on makes the returns pull due now
        (what it is, getReturns tells). Reviews and chats ask nothing yet.
        The work is for the order's campaign: a notification set up for the whole business comes for every shop
        of it, FBY orders too (YM-NOTIFY push-notifications/index.md)."""
        order_id = payload.get("orderId")
        if not _is_id(order_id):
            return None
        campaign = payload.get("campaignId")
        place = campaign if _is_id(campaign) else None
        status = payload.get("status") if kind == "ORDER_STATUS_UPDATED" else None
        if kind == "ORDER_CANCELLED" or status == "CANCELLED":
            return Work(str(order_id), cancel=True, place=place)
        progress = progress_of(status, payload.get("substatus")) if status else None
        if progress is not None:
            return Work(str(order_id), cancel=False, place=place, progress=progress)
        if kind == "ORDER_CREATED" or status == "PROCESSING":
            return Work(str(order_id), cancel=False, place=place)
        if kind in ("ORDER_RETURN_CREATED", "ORDER_RETURN_STATUS_UPDATED"):
            return Work(str(order_id), cancel=False, place=place, returns=True)
        if kind == "ORDER_CANCELLATION_REQUEST":
            asked_at = _moment(payload.get("requestedAt"))
            return Work(str(order_id), cancel=False, cancellation_requested=True, requested_at=asked_at, place=place)
        return None


def progress_of(status: Any, substatus: Any) -> Progress | None:
    """Where an order stands once past the seller's part (OrderStatusType, OrderSubstatusType): shipped from the
    seller (PROCESSING/SHIPPED) and on its way or at the pick-up point, delivered (a return after that is the
    returns pull's), or cancelled."""
    if status == "CANCELLED":
        return "cancelled"
    if status in ("DELIVERED", "PARTIALLY_RETURNED", "RETURNED"):
        return "delivered"
    if status in ("DELIVERY", "PICKUP") or (status == "PROCESSING" and substatus == "SHIPPED"):
        return "left"
    return None


def _event_key(kind: str, event: dict[str, Any]) -> str:
    fields = _IDENTITY.get(kind)
    if fields is None:
        # A type YM-NOTIFY does not list yet is kept (refusing it would only make Yandex retry it); without
        # known identity fields, the whole body is its identity.
        return f"{kind}:{body_hash(kind, event)}"
    required = (*fields, "campaignId") if kind.startswith(_ORDER_PREFIX) else fields
    for name in required:
        value = event.get(name)
        valid = _is_id(value) if name in _INTEGER_IDS else isinstance(value, str) and bool(value)
        if not valid:
            raise Malformed(f"{kind} needs {name}")
    return ":".join([kind, *(str(event[name]) for name in fields)])


def _moment(value: Any) -> datetime | None:
    """A YM-NOTIFY date-time as aware UTC. [strict] One without its offset is not guessed at: None, and the
    request counts from when we heard it."""
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment is not None and moment.tzinfo is not None else None


def _is_id(value: Any) -> bool:
    # bool is an int in Python, never an id in JSON.
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


YANDEX = YandexPushes()
