"""FBS work from chat: where each imported marketplace order stands on its platform, the actions the admins ask
of the platforms (queued here, run by the sync's worker, sync/fbs_worker.py), the pick list, and the returns
that wait for an admin's decision.

The bot writes an action with `request` and waits for it with `outcome`; the sync claims it, calls the
platform and records the answer with the writers below, in one unit of work with what it changes here."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, cast, get_args

import asyncpg
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from core import events, inventory, listings, order_status, outbox
from core.db import Conn
from core.errors import NotFound, ValidationError
from core.inventory import Source
from core.listings import CancellationRefusal, CancelReason
from core.order_status import Status
from core.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

ActionKind = Literal["confirm", "cancel", "labels", "hand_over", "answer_cancellation", "deliver"]
ActionState = Literal["pending", "done", "failed"]
WorkState = Literal["new", "confirmed", "handed_over", "cancelled"]

# Which work states each action fits.
FITS: dict[ActionKind, frozenset[str]] = {
    "confirm": frozenset({"new"}),
    "cancel": frozenset({"new", "confirmed"}),
    "labels": frozenset({"confirmed"}),
    "hand_over": frozenset({"confirmed"}),
    # A buyer's request to cancel (core.cancellation_requests) may come at any step before the order ends; the
    # action's reason is the refusal's (a CancellationRefusal), None when the request is accepted.
    "answer_cancellation": frozenset({"new", "confirmed", "handed_over"}),
    # Only an order its seller delivers (OrderWork.seller_delivers): told delivered once the courier has it.
    "deliver": frozenset({"handed_over"}),
}
# These change an order's state on the platform: two at once on one order would race each other there.
_STATE_CHANGING = ("confirm", "cancel", "hand_over", "answer_cancellation", "deliver")

# Why an action (or one order of it) was not done, as the sync records it in the action's error: a token the bot
# words in the reader's language (bot/fbs_texts.py), never our English. "refused" is the platform's own refusal:
# its token carries the HTTP status and is followed by the platform's words, quoted, as it wrote them. The others
# are conditions we detect; their token may carry what it is about (the platform's order keys, a state).
RefusalCode = Literal[
    "refused",  # the platform said no; its words follow
    "order_moved_on",  # the order is no longer in a state that takes the action (detail: its state)
    "no_label",  # the platform gave no label for the order
    "not_handed_over",  # the hand-over did not include the order
    "no_fbs",  # the marketplace's adapter does no FBS work
    "disconnected",  # the marketplace is no longer connected
    "not_configured",  # its connection lacks a setting (token, shop, warehouse)
    "keys_unreadable",  # its stored keys do not open with this SECRET_KEY (sealed with another)
    "no_invoice",  # Uzum: the orders are in no open FBS invoice (made in the cabinet)
    "no_supply",  # Wildberries: the task is in no supply
    "ship_failed",  # Ozon: the posting's shipping failed (substatus ship_failed)
    "none_awaiting_delivery",  # Ozon: no posting to hand over is awaiting delivery
    "no_shipment",  # Yandex Market: the orders are in no first-mile shipment formed yet (its cutoff is later)
    "marketplace_delivers",  # the platform delivers the order itself: the seller does not tell it delivered
    "not_delivered",  # the platform did not take the order as delivered
    "no_cancel_reason",  # the platform has no cancel reason matching ours
    "bad_file",  # the platform's file (label, QR code, act) could not be read
    "bad_answer",  # the platform's answer lacked what it must carry
    "bad_key",  # the order's key is not one the platform takes
    "throttled",  # the platform limits our requests (detail: seconds until calls may go again)
    "unreachable",  # the platform could not be reached
    "platform_down",  # the platform kept failing (detail: its HTTP status)
    "unexpected",  # our own failure: the sync's log has it
]
REFUSAL_CODES: tuple[str, ...] = get_args(RefusalCode)
REFUSAL = re.compile(r"\[fbs:([a-z_]+)(?::([^\]]*))?\]")


def refusal(code: RefusalCode, detail: str | None = None) -> str:
    """The token of a refusal, as stored in an action's error."""
    if detail is None:
        return f"[fbs:{code}]"
    return f"[fbs:{code}:{detail.replace(']', ')')}]"


# While `outcome` waits for an action, this key says so: the worker tells a failure nobody waits for as an
# alert (FbsActionFailed) instead. It outlives the wait by a margin, in case the waiter dies without deleting it.
_WAITING = "fbs:waiting:{action_id}"
_WAITING_MARGIN_SECONDS = 30
# An outcome waiter reads the row again this often even when it hears nothing (a lost publish).
_REREAD_SECONDS = 1.0


@dataclass(frozen=True)
class ActionOutcome:
    action_id: int
    kind: ActionKind
    state: ActionState
    error: str | None
    document: bytes | None
    filename: str | None
    order_ids: tuple[int, ...]


@dataclass(frozen=True)
class OrderWork:
    order_id: int
    marketplace_id: int
    marketplace_name: str
    marketplace_kind: str  # its api_type, a platform declared in core.listings
    marketplace_order_id: str  # the platform's number of the order
    state: WorkState
    deadline: datetime | None
    shipment: str | None
    cancel_reasons: tuple[CancelReason, ...]
    currency: str  # of the order's amounts: the platform's (RUB, ...), not the shop's
    seller_delivers: bool  # the seller's own courier takes it to the buyer (Yandex DBS)
    order_status: str  # the order's own status (core.order_status.Status)

    @property
    def to_deliver(self) -> bool:
        """With the seller's courier and not yet told delivered: the `deliver` action's order."""
        return self.seller_delivers and self.state == "handed_over" and self.order_status == Status.SHIPPED


@dataclass(frozen=True)
class PickLine:
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class PickOrder:
    order_id: int
    order_number: str
    marketplace_order_id: str
    deadline: datetime | None
    lines: tuple[PickLine, ...]


@dataclass(frozen=True)
class PickGroup:
    marketplace_id: int
    marketplace_name: str
    orders: tuple[PickOrder, ...]


@dataclass(frozen=True)
class ActionOrder:
    """An order of a claimed action, as the sync needs it to call the platform."""

    order_id: int
    order_number: str
    key: str  # the platform's order id (orders.marketplace_order_id)
    state: WorkState
    shipment: str | None


@dataclass(frozen=True)
class Action:
    """A claimed action: its row stays locked until the claiming transaction records the answer."""

    id: int
    marketplace_id: int
    kind: ActionKind
    orders: tuple[ActionOrder, ...]
    reason: str | None
    requested_by: int | None


def cancel_reasons(api_type: str | None) -> tuple[CancelReason, ...]:
    """The reasons this kind of marketplace's FBS cancel offers (its declaration's); none when it does no FBS."""
    declared = listings.declared(api_type)
    return declared.cancel_reasons if declared is not None else ()


def refusal_reasons(api_type: str | None) -> tuple[CancellationRefusal, ...]:
    """The reasons this kind of marketplace takes for refusing a buyer's request to cancel; none when its buyers'
    cancellations need no answer from the seller."""
    declared = listings.declared(api_type)
    return declared.cancellation_reasons_to_refuse if declared is not None else ()


def fulfils(api_type: str | None) -> bool:
    """Whether orders of this kind of marketplace get FBS work from chat (told as FbsOrderArrived, given a work row
    when imported): the platforms whose declaration offers cancel reasons, as their adapters do the FBS work."""
    return bool(cancel_reasons(api_type))


_WORK_ROWS = """
SELECT w.order_id, w.state, w.seller_delivers, o.status, o.order_number
  FROM marketplace_order_work w
  JOIN orders o ON o.id = w.order_id
 WHERE w.marketplace_id = $1 AND w.order_id = ANY($2::int[])
 ORDER BY w.order_id
   FOR UPDATE OF w
"""

_PENDING_ON = """
SELECT id, kind, order_ids FROM marketplace_actions
 WHERE marketplace_id = $1 AND state = 'pending' AND order_ids && $2::int[]
 ORDER BY id
"""


async def request(
    unit: UnitOfWork,
    *,
    marketplace_id: int,
    kind: ActionKind,
    order_ids: Sequence[int],
    reason: str | None = None,
    actor_id: int | None = None,
) -> int:
    """Queue an action for the sync; returns its id. A second tap on the same action while it is pending
    returns the first one's id."""
    conn = unit.conn
    wanted = sorted(set(order_ids))
    if not wanted:
        raise ValidationError("choose at least one order", "order_ids")
    if kind not in FITS:
        raise ValidationError(f"unknown action {kind!r}", "kind")
    api_type = await conn.fetchval(
        "SELECT COALESCE(api_type, slug) FROM marketplaces WHERE id = $1 AND integration_type = 'api'", marketplace_id
    )
    if not fulfils(api_type):
        raise ValidationError("this marketplace has no FBS actions", "marketplace_id")
    if kind == "cancel" and reason not in cancel_reasons(api_type):
        raise ValidationError(
            f"choose a reason this marketplace knows: {', '.join(cancel_reasons(api_type))}", "reason"
        )
    refusals = refusal_reasons(api_type)
    if kind == "answer_cancellation" and (not refusals or (reason is not None and reason not in refusals)):
        raise ValidationError(f"choose a reason this marketplace knows: {', '.join(refusals) or '-'}", "reason")
    rows = await conn.fetch(_WORK_ROWS, marketplace_id, wanted)
    missing = set(wanted) - {row["order_id"] for row in rows}
    if missing:
        raise ValidationError(f"not an order of this marketplace: {', '.join(map(str, sorted(missing)))}", "order_ids")
    for row in rows:
        if row["state"] not in FITS[kind]:
            raise ValidationError(f"{row['order_number']} is {row['state']}: it cannot take {kind}", "order_ids")
        if kind == "deliver" and not row["seller_delivers"]:
            raise ValidationError(f"{row['order_number']} is delivered by the marketplace, not by us", "order_ids")
        if kind == "deliver" and row["status"] != Status.SHIPPED:
            raise ValidationError(f"{row['order_number']} is {row['status']}: it cannot take {kind}", "order_ids")
    for pending in await conn.fetch(_PENDING_ON, marketplace_id, wanted):
        if pending["kind"] == kind and sorted(pending["order_ids"]) == wanted:
            return int(pending["id"])
        if kind in _STATE_CHANGING and pending["kind"] in _STATE_CHANGING:
            raise ValidationError("another action on these orders is still running; wait for its answer", "order_ids")
    action_id = await conn.fetchval(
        "INSERT INTO marketplace_actions (marketplace_id, kind, order_ids, reason, requested_by)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id",
        marketplace_id,
        kind,
        wanted,
        reason,
        actor_id,
    )
    unit.action_requested(action_id)
    return int(action_id)


_OUTCOME = """
SELECT id, kind, state, error, document, filename, order_ids FROM marketplace_actions WHERE id = $1
"""


async def _read_outcome(pool: asyncpg.Pool, action_id: int) -> ActionOutcome:
    row = await pool.fetchrow(_OUTCOME, action_id)
    if row is None:
        raise NotFound("action", action_id)
    return ActionOutcome(
        row["id"],
        row["kind"],
        row["state"],
        row["error"],
        None if row["document"] is None else bytes(row["document"]),
        row["filename"],
        tuple(row["order_ids"]),
    )


async def outcome(pool: asyncpg.Pool, redis: Redis, action_id: int, wait: float) -> ActionOutcome | None:
    """The action's answer once it is finished, waiting up to `wait` seconds for it; None while it is still
    pending then (a failure after that reaches the admins as FbsActionFailed)."""
    loop = asyncio.get_running_loop()
    until = loop.time() + wait
    waiting = _WAITING.format(action_id=action_id)
    with contextlib.suppress(Exception):  # Redis down: the worker then alerts a failure, as if nobody waited
        await redis.set(waiting, "1", ex=int(wait) + _WAITING_MARGIN_SECONDS)
    news = _News(redis)
    try:
        await news.open()
        while (found := await _read_outcome(pool, action_id)).state == "pending" and (left := until - loop.time()) > 0:
            await news.hear(str(action_id), min(left, _REREAD_SECONDS))
    finally:
        await news.close()
        with contextlib.suppress(Exception):
            await redis.delete(waiting)
    if found.state == "pending":
        # Finished between the last read and the key's deletion: the worker may have seen the key and not
        # alerted, so this last read is what tells it.
        found = await _read_outcome(pool, action_id)
    return None if found.state == "pending" else found


class _News:
    """News of finished actions on a subscription of its own; without Redis, waiting is sleeping, and the
    waiter's re-reads of the row find the answer."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._pubsub: PubSub | None = None

    async def open(self) -> None:
        try:
            pubsub = self._redis.pubsub()
            await pubsub.subscribe(events.scoped(self._redis, events.FBS_FINISHED))
            self._pubsub = pubsub
        except Exception as error:
            log.debug("not hearing FBS answers (%s): reading the action instead", error)

    async def hear(self, action_id: str, seconds: float) -> None:
        """Until news of this action, or for `seconds`."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while (left := until - loop.time()) > 0:
            if self._pubsub is None:
                await asyncio.sleep(left)
                return
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            except Exception:
                self._pubsub = None
                continue
            if message is not None and _text(message["data"]) == action_id:
                return

    async def close(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()


def _text(value: bytes | str) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else value


_WORK_OF = """
SELECT w.order_id, w.marketplace_id, m.name, COALESCE(m.api_type, m.slug) AS kind, o.marketplace_order_id,
       w.state, w.deadline, w.shipment, o.currency, w.seller_delivers, o.status AS order_status
  FROM marketplace_order_work w
  JOIN marketplaces m ON m.id = w.marketplace_id
  JOIN orders o ON o.id = w.order_id
 WHERE w.order_id = $1
"""


async def work_of(conn: Conn, order_id: int) -> OrderWork | None:
    """Where a marketplace order stands on its platform; None for an order without FBS work."""
    row = await conn.fetchrow(_WORK_OF, order_id)
    if row is None:
        return None
    return OrderWork(
        row["order_id"],
        row["marketplace_id"],
        row["name"],
        row["kind"],
        row["marketplace_order_id"],
        row["state"],
        row["deadline"],
        row["shipment"],
        cancel_reasons(row["kind"]),
        row["currency"],
        row["seller_delivers"],
        row["order_status"],
    )


_PICK = """
SELECT w.marketplace_id, m.name AS marketplace_name, o.id AS order_id, o.order_number, o.marketplace_order_id,
       w.deadline, oi.product_sku, oi.product_name, oi.quantity - oi.cancelled_quantity AS quantity
  FROM marketplace_order_work w
  JOIN marketplaces m ON m.id = w.marketplace_id
  JOIN orders o ON o.id = w.order_id
  JOIN order_items oi ON oi.order_id = o.id AND oi.quantity > oi.cancelled_quantity
 WHERE w.state = 'confirmed'
 ORDER BY m.name, w.marketplace_id, w.deadline NULLS LAST, o.id, oi.product_sku, oi.id
"""


async def pick_list(conn: Conn) -> list[PickGroup]:
    """Every confirmed order not yet handed over, by marketplace, soonest deadline first: what to pick."""
    groups: dict[int, tuple[str, dict[int, tuple[asyncpg.Record, list[PickLine]]]]] = {}
    for row in await conn.fetch(_PICK):
        _, orders = groups.setdefault(row["marketplace_id"], (row["marketplace_name"], {}))
        _, lines = orders.setdefault(row["order_id"], (row, []))
        lines.append(PickLine(row["product_sku"], row["product_name"], row["quantity"]))
    return [
        PickGroup(
            marketplace_id,
            name,
            tuple(
                PickOrder(
                    first["order_id"],
                    first["order_number"],
                    first["marketplace_order_id"],
                    first["deadline"],
                    tuple(lines),
                )
                for first, lines in orders.values()
            ),
        )
        for marketplace_id, (name, orders) in groups.items()
    ]


async def handover_candidates(conn: Conn) -> list[tuple[int, str, int]]:
    """(marketplace id, name, confirmed orders) of each marketplace with orders waiting to be handed over."""
    rows = await conn.fetch(
        "SELECT w.marketplace_id, m.name, count(*)::int AS orders FROM marketplace_order_work w"
        " JOIN marketplaces m ON m.id = w.marketplace_id WHERE w.state = 'confirmed'"
        " GROUP BY w.marketplace_id, m.name ORDER BY m.name, w.marketplace_id"
    )
    return [(row["marketplace_id"], row["name"], row["orders"]) for row in rows]


# --- The import's side -------------------------------------------------------------------------------------


async def start_work(
    unit: UnitOfWork,
    order_id: int,
    marketplace_id: int,
    deadline: datetime | None,
    *,
    new: bool,
    seller_delivers: bool = False,
) -> None:
    """A newly imported order of a platform with FBS actions gets its work row, and the admins the alert with
    its deadline and buttons; a known order takes a deadline the platform gives only now (while still new)."""
    conn = unit.conn
    if not new:
        await conn.execute(
            "UPDATE marketplace_order_work SET deadline = $2, updated_at = NOW()"
            " WHERE order_id = $1 AND state = 'new' AND $2::timestamptz IS NOT NULL"
            " AND deadline IS DISTINCT FROM $2::timestamptz",
            order_id,
            deadline,
        )
        return
    await conn.execute(
        "INSERT INTO marketplace_order_work (order_id, marketplace_id, deadline, seller_delivers)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (order_id) DO NOTHING",
        order_id,
        marketplace_id,
        deadline,
        seller_delivers,
    )
    order = await conn.fetchrow(
        "SELECT o.order_number, o.marketplace_order_id, o.total, o.currency, m.name FROM orders o"
        " JOIN marketplaces m ON m.id = o.marketplace_id WHERE o.id = $1",
        order_id,
    )
    assert order is not None  # placed in this transaction
    items = await conn.fetch("SELECT product_name, quantity FROM order_items WHERE order_id = $1 ORDER BY id", order_id)
    await outbox.add(
        conn,
        outbox.FbsOrderArrived(
            order_id,
            order["order_number"],
            marketplace_id,
            order["name"],
            order["marketplace_order_id"],
            deadline,
            order["total"],
            tuple(outbox.OrderedItem(item["product_name"], item["quantity"]) for item in items),
            order["currency"],
        ),
    )


async def cancelled_by_platform(unit: UnitOfWork, order_id: int, marketplace_name: str) -> None:
    """The platform cancelled the order (its stock came back through core.order_status): its work ends, and an
    order never confirmed before its deadline is told as missed."""
    conn = unit.conn
    row = await conn.fetchrow(
        "SELECT w.state, w.deadline, w.deadline <= NOW() AS passed, o.order_number FROM marketplace_order_work w"
        " JOIN orders o ON o.id = w.order_id WHERE w.order_id = $1 FOR UPDATE OF w",
        order_id,
    )
    if row is None or row["state"] == "cancelled":
        return
    await conn.execute(
        "UPDATE marketplace_order_work SET state = 'cancelled', updated_at = NOW() WHERE order_id = $1", order_id
    )
    if row["state"] == "new" and row["passed"]:
        await outbox.add(
            conn, outbox.FbsDeadlineMissed(order_id, row["order_number"], marketplace_name, row["deadline"])
        )


_DUE_REMINDERS = """
UPDATE marketplace_order_work w
   SET reminded_at = NOW()
  FROM orders o, marketplaces m
 WHERE o.id = w.order_id AND m.id = w.marketplace_id
   AND w.state = 'new' AND w.reminded_at IS NULL
   AND w.deadline > NOW() AND w.deadline <= NOW() + $1::interval
   AND o.status IN ('pending', 'confirmed', 'processing')
RETURNING w.order_id, o.order_number, m.name, w.deadline
"""


async def remind(conn: Conn, before: timedelta) -> int:
    """Tell the admins of each unconfirmed order whose deadline is less than `before` away, once per order;
    returns how many were told. A deadline already passed is not "near": the platform's cancel tells it."""
    async with conn.transaction():
        rows = await conn.fetch(_DUE_REMINDERS, before)
        for row in sorted(rows, key=lambda row: (row["deadline"], row["order_id"])):
            await outbox.add(
                conn, outbox.FbsDeadlineNear(row["order_id"], row["order_number"], row["name"], row["deadline"])
            )
    return len(rows)


# --- The worker's side -------------------------------------------------------------------------------------

_CLAIM = """
SELECT id, marketplace_id, kind, order_ids, reason, requested_by
  FROM marketplace_actions
 WHERE state = 'pending'
 ORDER BY id
 LIMIT 1
   FOR UPDATE SKIP LOCKED
"""

# The orders are locked with their work rows, each order before its work row as the import and the platform's
# cancels lock them (core.marketplace_orders): a pull meeting an order in work waits, and never deadlocks.
_ACTION_ORDERS = """
SELECT o.id, o.order_number, o.marketplace_order_id, w.state, w.shipment
  FROM orders o
  JOIN marketplace_order_work w ON w.order_id = o.id
 WHERE o.id = ANY($1::int[])
 ORDER BY o.id
   FOR UPDATE OF o, w
"""


async def claim(unit: UnitOfWork) -> Action | None:
    """The oldest pending action no other worker holds, locked until the unit ends; None when there is none."""
    conn = unit.conn
    row = await conn.fetchrow(_CLAIM)
    if row is None:
        return None
    orders = await conn.fetch(_ACTION_ORDERS, row["order_ids"])
    return Action(
        row["id"],
        row["marketplace_id"],
        row["kind"],
        tuple(
            ActionOrder(
                order["id"], order["order_number"], order["marketplace_order_id"], order["state"], order["shipment"]
            )
            for order in orders
        ),
        row["reason"],
        row["requested_by"],
    )


async def confirmed(unit: UnitOfWork, order_id: int, shipment: str | None, deadline: datetime | None) -> None:
    """The platform accepted the order: it is ours to assemble (our order confirmed, where it was pending),
    in `shipment` when the platform put it in one, by the next deadline when it gave one."""
    conn = unit.conn
    await conn.execute(
        "UPDATE marketplace_order_work SET state = 'confirmed', confirmed_at = NOW(), updated_at = NOW(),"
        " shipment = COALESCE($2, shipment), deadline = COALESCE($3, deadline) WHERE order_id = $1",
        order_id,
        shipment,
        deadline,
    )
    if await conn.fetchval("SELECT status FROM orders WHERE id = $1", order_id) == Status.PENDING:
        await order_status.change_status(unit, order_id, Status.CONFIRMED, note="confirmed on the marketplace")


async def cancelled_by_seller(
    unit: UnitOfWork, order_id: int, marketplace_name: str, reason: str | None, actor_id: int | None
) -> None:
    """The platform took our cancel: the order is cancelled here too, its stock back (a cancel movement, and
    with it the push to every channel)."""
    conn = unit.conn
    await conn.execute(
        "UPDATE marketplace_order_work SET state = 'cancelled', updated_at = NOW() WHERE order_id = $1", order_id
    )
    if await conn.fetchval("SELECT status FROM orders WHERE id = $1 FOR UPDATE", order_id) != Status.CANCELLED:
        await order_status.change_status(
            unit,
            order_id,
            Status.CANCELLED,
            changed_by=actor_id,
            note=f"cancelled by the seller on {marketplace_name} ({reason or 'no reason'})",
        )


async def handed_over(unit: UnitOfWork, order_ids: Sequence[int], shipment: str | None) -> None:
    """The platform took these orders from the seller's hands: their goods left, so they are shipped here too."""
    moved = await unit.conn.fetch(
        "UPDATE marketplace_order_work SET state = 'handed_over', handed_over_at = NOW(), updated_at = NOW(),"
        " shipment = COALESCE($2, shipment) WHERE order_id = ANY($1::int[]) AND state = 'confirmed'"
        " RETURNING order_id",
        list(order_ids),
        shipment,
    )
    for row in sorted(moved, key=lambda row: row["order_id"]):
        await order_status.follow_platform(unit, row["order_id"], Status.SHIPPED, note="handed over")


async def delivered(unit: UnitOfWork, order_id: int, marketplace_name: str) -> None:
    """The platform took the seller's word that the order reached its buyer."""
    await order_status.follow_platform(unit, order_id, Status.DELIVERED, note=f"delivered, told to {marketplace_name}")


async def goods_left(unit: UnitOfWork, order_id: int) -> bool:
    """The platform says the order's goods left the warehouse, whether or not it was handed over from chat (the
    courier took it, or the seller did it in the cabinet): its work ends as handed over. Returns whether it did."""
    return (
        await unit.conn.fetchval(
            "UPDATE marketplace_order_work SET state = 'handed_over', handed_over_at = NOW(), updated_at = NOW()"
            " WHERE order_id = $1 AND state IN ('new', 'confirmed') RETURNING order_id",
            order_id,
        )
        is not None
    )


async def finish(
    unit: UnitOfWork,
    action_id: int,
    *,
    error: str | None = None,
    document: bytes | None = None,
    filename: str | None = None,
) -> None:
    """Record the platform's answer: failed with its words, or done (with the document, when there is one)."""
    await unit.conn.execute(
        "UPDATE marketplace_actions SET state = $2, error = $3, document = $4, filename = $5, finished_at = NOW()"
        " WHERE id = $1",
        action_id,
        "failed" if error is not None else "done",
        error,
        document,
        filename,
    )


async def tell_finished(conn: Conn, redis: Redis, action_id: int) -> None:
    """After the answer is committed: wake whoever waits for it. Nobody waits any more: a failure becomes an
    alert, so that no refusal goes unseen, and so does a document (labels, the courier's paper), which the
    admins fetch with its alert's button."""
    waiting = False
    try:
        await redis.publish(events.scoped(redis, events.FBS_FINISHED), str(action_id))
        waiting = bool(await redis.exists(_WAITING.format(action_id=action_id)))
    except Exception as error:
        log.warning("FBS action %s: its waiter not told (%s)", action_id, error)
    if waiting:
        return
    row = await conn.fetchrow(
        "SELECT a.kind, a.state, a.error, a.document IS NOT NULL AS papered,"
        " array_agg(o.order_number ORDER BY o.id) AS numbers FROM marketplace_actions a"
        " JOIN orders o ON o.id = ANY(a.order_ids) WHERE a.id = $1 AND a.state <> 'pending' GROUP BY a.id",
        action_id,
    )
    if row is None:
        return
    numbers = tuple(row["numbers"])
    if row["state"] == "failed":
        await outbox.add(conn, outbox.FbsActionFailed(action_id, row["kind"], numbers, row["error"]))
    if row["papered"]:  # done, or done for some orders only: their paper is kept either way
        await outbox.add(conn, outbox.FbsPaperReady(action_id, row["kind"], numbers))


@dataclass(frozen=True)
class Paper:
    """The document an action brought back (labels, the courier's paper)."""

    action_id: int
    kind: ActionKind
    content: bytes
    filename: str


async def paper(conn: Conn, action_id: int) -> Paper | None:
    """The document of a finished action; None when there is no such action or it brought none."""
    row = await conn.fetchrow(
        "SELECT kind, document, filename FROM marketplace_actions WHERE id = $1 AND document IS NOT NULL", action_id
    )
    if row is None:
        return None
    return Paper(action_id, row["kind"], bytes(row["document"]), row["filename"] or f"{row['kind']}-{action_id}.pdf")


# --- Returns -----------------------------------------------------------------------------------------------


async def decide_return(
    unit: UnitOfWork, return_id: int, *, restock: bool, reason: str | None, actor_id: int | None
) -> None:
    """Back to stock (a marketplace_return movement), or written off: the units come back and leave again
    (marketplace_return then write_off, with the reason), so the ledger shows both. Decided once.

    Refused (ValidationError) by its field: "state" when it was already decided, "product_id" when a restock
    finds no product of ours for the item, "reason" when a write-off gives none."""
    conn = unit.conn
    row = await conn.fetchrow(
        "SELECT r.*, o.order_number FROM marketplace_returns r LEFT JOIN orders o ON o.id = r.order_id"
        " WHERE r.id = $1 FOR UPDATE OF r",
        return_id,
    )
    if row is None:
        raise NotFound("return", return_id)
    if row["state"] != "pending":
        raise ValidationError(f"this return was already decided: {row['state']}", "state")
    reason = (reason or "").strip() or None
    if not restock and reason is None:
        raise ValidationError("say why the returned goods are written off", "reason")
    if row["product_id"] is None and restock:
        raise ValidationError("the returned item matches none of our products: map its listing first", "product_id")
    about = f"return {row['return_key']}" + (f" of {row['order_number']}" if row["order_number"] else "")
    if row["product_id"] is not None:
        back = Source("return", return_id, row["marketplace_id"], actor_id, about)
        # Written off, the units pass through the stock: no alert of them coming back or running out.
        await inventory.marketplace_return(unit, row["product_id"], row["quantity"], back, alert=restock)
        if not restock:
            gone = Source("return", return_id, row["marketplace_id"], actor_id, f"{about}: {reason}")
            await inventory.write_off(unit, row["product_id"], row["quantity"], gone, alert=False)
    await conn.execute(
        "UPDATE marketplace_returns SET state = $2, decided_by = $3, decided_at = NOW(), note = $4 WHERE id = $1",
        return_id,
        "restocked" if restock else "written_off",
        actor_id,
        reason,
    )


@dataclass(frozen=True)
class ReturnedLine:
    """One line of a return as the platform lists it, resolved by the caller to our product where it can be."""

    product_id: int | None
    quantity: int
    title: str


async def store_return(
    unit: UnitOfWork,
    marketplace_id: int,
    *,
    key: str,
    order_key: str | None,
    lines: Sequence[ReturnedLine],
    reason: str | None,
    defective: bool,
) -> int:
    """Keep a return's lines (keyed by the platform's key and the line's index) and tell the admins of each new
    one; returns how many were new. Hearing of a return again stores and tells nothing."""
    conn = unit.conn
    order = None
    if order_key is not None:
        order = await conn.fetchrow(
            "SELECT o.id, o.order_number FROM orders o WHERE o.marketplace_id = $1 AND o.marketplace_order_id = $2",
            marketplace_id,
            order_key,
        )
    name = await conn.fetchval("SELECT name FROM marketplaces WHERE id = $1", marketplace_id)
    stored = 0
    for index, line in enumerate(lines):
        if line.quantity <= 0:
            continue
        return_id = await conn.fetchval(
            "INSERT INTO marketplace_returns (marketplace_id, return_key, order_id, product_id, quantity, title,"
            " reason, defective) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (marketplace_id, return_key) DO NOTHING RETURNING id",
            marketplace_id,
            f"{key}:{index}",
            None if order is None else order["id"],
            line.product_id,
            line.quantity,
            line.title,
            reason,
            defective,
        )
        if return_id is None:
            continue
        stored += 1
        product_name = line.title
        if line.product_id is not None:
            product_name = cast(
                str, await conn.fetchval("SELECT name_uz FROM products WHERE id = $1", line.product_id) or line.title
            )
        await outbox.add(
            conn,
            outbox.ReturnArrived(
                return_id,
                name,
                None if order is None else order["order_number"],
                product_name,
                line.quantity,
                reason,
                defective,
            ),
        )
    return stored
