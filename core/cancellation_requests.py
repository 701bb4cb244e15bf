"""A buyer's request to cancel a marketplace order that the platform leaves to the seller to answer (Yandex Market
DBS: cancelRequested; Ozon rFBS: conditional cancellation). Recorded once and told to the admins with Accept /
Reject; the answer goes to the platform through the FBS action queue (core.fbs, run by sync/fbs_worker.py), and
when the platform takes an acceptance our order is cancelled there and then, its stock back (the same path as any
cancel by the platform, so its later notice of the cancel changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from core import fbs, marketplace_orders, outbox
from core.db import Conn
from core.errors import NotFound, ValidationError
from core.listings import CancellationRefusal
from core.marketplace_orders import UNFINISHED
from core.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class IncomingCancellationRequest:
    """A request as the platform tells it: the order's key, when the buyer asked (None where the platform does
    not say: then when we heard of it) and the buyer's reason, when given."""

    order_key: str
    requested_at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class CancellationRequest:
    id: int
    order_id: int
    order_number: str
    marketplace_id: int
    marketplace_name: str
    state: str  # pending, accepted, rejected
    refusal: str | None
    refusals: tuple[CancellationRefusal, ...]  # what the platform takes as a reason to refuse
    order_live: bool  # the order is not cancelled or delivered yet


_ORDER = """
SELECT o.id, o.order_number, o.status, o.total, o.currency, o.marketplace_order_id, m.name
  FROM orders o
  JOIN marketplaces m ON m.id = o.marketplace_id
 WHERE o.marketplace_id = $1 AND o.marketplace_order_id = $2
   FOR UPDATE OF o
"""

_INSERT = """
INSERT INTO marketplace_cancellation_requests (marketplace_id, order_key, order_id, requested_at, reason)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (marketplace_id, order_key) DO NOTHING
RETURNING id
"""

# A refusal the platform took before we heard of this request belongs to an earlier request: the buyer asks again.
# Heard before (a pull that read the platform before the refusal reached it), it is the old request, still shown.
_ASKED_AGAIN = """
UPDATE marketplace_cancellation_requests
   SET state = 'pending', refusal = NULL, answered_by = NULL, answered_at = NULL, settled_at = NULL,
       requested_at = $3, reason = $4
 WHERE marketplace_id = $1 AND order_key = $2 AND state = 'rejected' AND settled_at < $5
RETURNING id
"""


async def record(
    unit: UnitOfWork, marketplace_id: int, incoming: IncomingCancellationRequest, *, heard_at: datetime
) -> bool:
    """Keep a buyer's request and tell the admins; returns whether it is new. Hearing it again changes nothing;
    a request for an order we do not hold, or one already over, has nothing of ours to answer for."""
    conn = unit.conn
    # The order is locked first, as the import, the platform's cancels and the FBS worker lock it.
    order = await conn.fetchrow(_ORDER, marketplace_id, incoming.order_key)
    if order is None or order["status"] not in UNFINISHED:
        return False
    requested_at = incoming.requested_at or heard_at
    reason = (incoming.reason or "").strip() or None
    request_id = await conn.fetchval(_INSERT, marketplace_id, incoming.order_key, order["id"], requested_at, reason)
    if request_id is None:
        request_id = await conn.fetchval(
            _ASKED_AGAIN, marketplace_id, incoming.order_key, requested_at, reason, heard_at
        )
        if request_id is None:
            return False
    items = await conn.fetch(
        "SELECT product_name, quantity - cancelled_quantity AS quantity FROM order_items"
        " WHERE order_id = $1 AND quantity > cancelled_quantity ORDER BY id",
        order["id"],
    )
    await outbox.add(
        conn,
        outbox.FbsCancellationRequested(
            request_id,
            order["id"],
            order["order_number"],
            order["name"],
            order["marketplace_order_id"],
            order["total"],
            order["currency"],
            tuple(outbox.OrderedItem(item["product_name"], item["quantity"]) for item in items),
            reason,
        ),
    )
    return True


_REQUEST = """
SELECT r.id, r.order_id, r.state, r.refusal, o.order_number, o.status, r.marketplace_id, m.name,
       COALESCE(m.api_type, m.slug) AS api_type
  FROM marketplace_cancellation_requests r
  JOIN orders o ON o.id = r.order_id
  JOIN marketplaces m ON m.id = r.marketplace_id
 WHERE r.id = $1
"""


async def of(conn: Conn, request_id: int) -> CancellationRequest | None:
    """A request as the bot shows it; None when there is no such request."""
    row = await conn.fetchrow(_REQUEST, request_id)
    if row is None:
        return None
    return CancellationRequest(
        row["id"],
        row["order_id"],
        row["order_number"],
        row["marketplace_id"],
        row["name"],
        row["state"],
        row["refusal"],
        fbs.refusal_reasons(row["api_type"]),
        row["status"] in UNFINISHED,
    )


async def answer(unit: UnitOfWork, request_id: int, *, accept: bool, refusal: str | None, actor_id: int | None) -> int:
    """Answer a pending request: the answer is queued for the platform (an answer_cancellation action); returns
    the action's id. Refused (ValidationError) by its field: "state" when the request was already answered,
    "reason" when a refusal gives no reason the platform takes, "order_ids" when the order cannot take it now
    (cancelled meanwhile, or another action on it is still running)."""
    conn = unit.conn
    order_id = await conn.fetchval("SELECT order_id FROM marketplace_cancellation_requests WHERE id = $1", request_id)
    if order_id is None:
        raise NotFound("cancellation request", request_id)
    # The order before the request, as the FBS worker locks them: an answer meeting the worker waits, never deadlocks.
    await conn.execute("SELECT 1 FROM orders WHERE id = $1 FOR UPDATE", order_id)
    row = await conn.fetchrow(
        "SELECT r.marketplace_id, r.state, COALESCE(m.api_type, m.slug) AS api_type"
        " FROM marketplace_cancellation_requests r JOIN marketplaces m ON m.id = r.marketplace_id"
        " WHERE r.id = $1 FOR UPDATE OF r",
        request_id,
    )
    assert row is not None  # an order's requests go only with the order, locked above
    if row["state"] != "pending":
        raise ValidationError(f"this request was already answered: {row['state']}", "state")
    refusals = fbs.refusal_reasons(row["api_type"])
    if accept:
        refusal = None
    elif refusal not in refusals:
        raise ValidationError(f"choose a reason this marketplace knows: {', '.join(refusals) or '-'}", "reason")
    await conn.execute(
        "UPDATE marketplace_cancellation_requests SET state = $2, refusal = $3, answered_by = $4, answered_at = NOW()"
        " WHERE id = $1",
        request_id,
        "accepted" if accept else "rejected",
        refusal,
        actor_id,
    )
    return await fbs.request(
        unit,
        marketplace_id=row["marketplace_id"],
        kind="answer_cancellation",
        order_ids=[order_id],
        reason=refusal,
        actor_id=actor_id,
    )


# --- The worker's side -------------------------------------------------------------------------------------


async def settled(unit: UnitOfWork, order_id: int, marketplace_name: str) -> None:
    """The platform took the answer to this order's request: an accepted one cancels the order on the platform,
    so it is cancelled here at once, its stock back (once: the platform's own notice of it then changes nothing).
    Only a shop that delivers itself is asked (Yandex DBS): its own courier brings the goods back, handed over or
    not (core.marketplace_orders.cancel_imported knows it by the accepted request)."""
    row = await unit.conn.fetchrow(
        "UPDATE marketplace_cancellation_requests SET settled_at = NOW()"
        " WHERE order_id = $1 AND state <> 'pending' AND settled_at IS NULL"
        " RETURNING state, marketplace_id, order_key",
        order_id,
    )
    if row is not None and row["state"] == "accepted":
        await marketplace_orders.cancel_imported(unit, row["marketplace_id"], row["order_key"], marketplace_name)


async def unsettled(unit: UnitOfWork, order_ids: list[int]) -> None:
    """The platform did not take the answers to these orders' requests: they wait for an answer again."""
    await unit.conn.execute(
        "UPDATE marketplace_cancellation_requests SET state = 'pending', refusal = NULL, answered_by = NULL,"
        " answered_at = NULL WHERE order_id = ANY($1::int[]) AND state <> 'pending' AND settled_at IS NULL",
        order_ids,
    )


def accepted(action_reason: str | None) -> bool:
    """Whether an answer_cancellation action accepts: a refusal always carries its reason."""
    return action_reason is None


def refusal_of(action_reason: str | None) -> CancellationRefusal | None:
    return cast(CancellationRefusal | None, action_reason)
