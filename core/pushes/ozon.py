"""Ozon's push notifications (contract §3.5): no signature, only its published networks; `message_type` names
the event, TYPE_PING asks for {version, name, time}, everything else is answered {"result": true}, errors
come as {"error": {code, message, details}}. Postings are what we act on."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from core.order_progress import Progress
from core.pushes.protocol import APP_NAME, APP_VERSION, Malformed, Notice, Ping, Refusal, Work, body_hash

CANCELLED_STATE = "posting_canceled"
# States past the seller's part (contract §3.5 gives posting_delivered; the others follow the API's statuses [I]):
# handed to Ozon or a carrier and on its way, or disputed after; delivered to its buyer.
PROGRESS_OF_STATE: dict[str, Progress] = {
    "posting_driver_pick_up": "left",
    "posting_sent_by_seller": "left",
    "posting_in_carriage": "left",
    "posting_in_arbitration": "left",
    "posting_in_client_arbitration": "left",
    "posting_delivered": "delivered",
    "posting_received": "delivered",
}


class OzonPushes:
    # Where Ozon sends push notifications from (contract §3.5).
    default_networks: tuple[str, ...] = ("195.34.21.0/24", "185.73.192.0/22", "91.223.93.0/24")
    # Ozon posts to the URL the seller enters, as entered.
    resource: str | None = None

    def parse(self, body: bytes) -> Ping | Notice:
        try:
            event = json.loads(body)
            kind = event["message_type"]
            if not isinstance(kind, str):
                raise TypeError(kind)
        except (ValueError, KeyError, TypeError, RecursionError):  # RecursionError: JSON nested thousands deep
            raise Malformed("message_type is missing") from None
        if kind == "TYPE_PING":
            return Ping()
        return Notice(kind, _event_key(kind, event), event)

    def ping_answer(self, now: datetime) -> dict[str, Any]:
        return {"version": APP_VERSION, "name": APP_NAME, "time": now.strftime("%Y-%m-%dT%H:%M:%SZ")}

    def ack(self, now: datetime) -> dict[str, Any]:
        """Ozon's answer to a notice carries no time."""
        return {"result": True}

    def refusal(self, reason: Refusal, message: str) -> dict[str, Any]:
        code = "ERROR_PARAMETER_VALUE_MISSED" if reason is Refusal.MALFORMED else "ERROR_UNKNOWN"
        return {"error": {"code": code, "message": message, "details": None}}

    def work_of(self, kind: str, payload: dict[str, Any]) -> Work | None:
        """New postings are imported, cancelled ones given back, shipped and delivered ones followed; other state
        changes, chats and prices ask nothing."""
        number = str(payload.get("posting_number") or "")
        if not number:
            return None
        state = payload.get("new_state") if kind == "TYPE_STATE_CHANGED" else None
        if kind == "TYPE_POSTING_CANCELLED" or state == CANCELLED_STATE:
            return Work(number, cancel=True)
        if state in PROGRESS_OF_STATE:
            return Work(number, cancel=False, progress=PROGRESS_OF_STATE[state])
        if kind == "TYPE_NEW_POSTING":
            return Work(number, cancel=False)
        return None


def _event_key(kind: str, event: dict[str, Any]) -> str:
    """Newer events carry their id (`uuid`). FBS posting events carry none: their identity is the type, the
    posting, the state it went to and the moment of the change (to the second: a posting may change twice in
    one, handed to the courier and delivered at a pick-up point at once, and both count). Any other (stock
    changes, chat messages, a new posting whose in_process_at is empty for a late payment) names no moment of its
    own: a hash of its body tells a replay from the next event of its kind, which a bare `type::` key took for a
    replay and dropped."""
    if event.get("uuid"):
        return f"{kind}:{event['uuid']}"
    posting = event.get("posting_number") or ""
    moment = event.get("changed_state_date") or event.get("in_process_at")
    if posting and moment:
        return f"{kind}:{posting}:{event.get('new_state') or ''}:{moment}"
    return f"{kind}:{posting}:{body_hash(kind, event)}"


OZON = OzonPushes()
