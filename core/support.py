"""Support in chat: what a customer writes to the bot becomes a message of their support thread, queued in the
notifications outbox for the alert chat (so nothing is lost while that chat is unreachable), and an admin's reply
there is kept beside it. The tables (sql/029) are the trail of who said what, when, and whether it arrived."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from core import outbox
from core.db import Conn

# A thread quiet for this long is over: the customer's next message opens a new one, with a fresh header.
THREAD_IDLE = timedelta(hours=24)
# A message after this much quiet starts a burst: the customer is told once that the seller will reply.
BURST_GAP = timedelta(minutes=30)
# The customer's latest orders shown on a thread's header.
RECENT_ORDERS = 3


@dataclass(frozen=True)
class Received:
    thread_id: int
    message_id: int
    acknowledge: bool  # the first message of a burst: tell the customer the seller will reply here


_LATEST_THREAD = """
SELECT id, last_activity_at > NOW() - $2::interval AS open, last_activity_at > NOW() - $3::interval AS in_burst
  FROM support_threads
 WHERE user_id = $1
 ORDER BY id DESC
 LIMIT 1
   FOR UPDATE
"""

_ADD_MESSAGE = """
INSERT INTO support_messages (thread_id, author, content_type, text, customer_chat_id, customer_message_id)
VALUES ($1, 'customer', $2, $3, $4, $5)
RETURNING id
"""


async def receive(
    conn: Conn, user_id: int, chat_id: int, telegram_message_id: int, content_type: str, text: str | None
) -> Received:
    """A customer's message to the shop, in the caller's transaction: joins their open thread (or opens one) and
    is queued for the alert chat."""
    latest = await conn.fetchrow(_LATEST_THREAD, user_id, THREAD_IDLE, BURST_GAP)
    if latest is not None and latest["open"]:
        thread_id = latest["id"]
        acknowledge = not latest["in_burst"]
        await conn.execute("UPDATE support_threads SET last_activity_at = NOW() WHERE id = $1", thread_id)
    else:
        thread_id = await conn.fetchval("INSERT INTO support_threads (user_id) VALUES ($1) RETURNING id", user_id)
        acknowledge = True
    message_id = await conn.fetchval(_ADD_MESSAGE, thread_id, content_type, text, chat_id, telegram_message_id)
    await outbox.add(conn, outbox.SupportMessage(message_id=message_id, thread_id=thread_id))
    return Received(thread_id, message_id, acknowledge)


@dataclass(frozen=True)
class Forwarding:
    """A customer's message as the alert sender needs it to copy it into the alert chat."""

    message_id: int
    thread_id: int
    user_id: int
    customer_chat_id: int
    customer_message_id: int
    content_type: str
    text: str | None  # as written, for when the original is gone
    header_chat_id: int | None  # where the thread's header is, if it was posted
    header_message_id: int | None
    forwarded: bool  # already copied (a pass that died before marking its outbox row sent)


_FORWARDING = """
SELECT m.id AS message_id, m.thread_id, t.user_id, m.customer_chat_id, m.customer_message_id, m.content_type, m.text,
       t.alert_chat_id AS header_chat_id, t.header_message_id, m.alert_message_id IS NOT NULL AS forwarded
  FROM support_messages m
  JOIN support_threads t ON t.id = m.thread_id
 WHERE m.id = $1 AND m.author = 'customer'
"""


async def forwarding(conn: Conn, message_id: int) -> Forwarding | None:
    row = await conn.fetchrow(_FORWARDING, message_id)
    return Forwarding(**dict(row)) if row else None


async def header_posted(conn: Conn, thread_id: int, chat_id: int, message_id: int) -> None:
    await conn.execute(
        "UPDATE support_threads SET alert_chat_id = $2, header_message_id = $3 WHERE id = $1",
        thread_id,
        chat_id,
        message_id,
    )


async def forwarded(conn: Conn, message_id: int, chat_id: int, alert_message_id: int) -> None:
    await conn.execute(
        "UPDATE support_messages SET alert_chat_id = $2, alert_message_id = $3, delivered_at = NOW() WHERE id = $1",
        message_id,
        chat_id,
        alert_message_id,
    )


@dataclass(frozen=True)
class RecentOrder:
    order_number: str
    status: str
    total: Decimal
    currency: str


@dataclass(frozen=True)
class CustomerCard:
    """Who is writing, for the thread's header: enough for an admin to answer without asking."""

    first_name: str
    last_name: str | None
    username: str | None
    language: str
    phone: str | None  # the profile's, else the one given with their latest order
    orders: tuple[RecentOrder, ...]


_CUSTOMER = """
SELECT u.first_name, u.last_name, u.username, u.language,
       COALESCE(u.phone, (SELECT o.customer_phone FROM orders o WHERE o.user_id = u.id
                           ORDER BY o.created_at DESC, o.id DESC LIMIT 1)) AS phone
  FROM users u
 WHERE u.id = $1
"""

_RECENT_ORDERS = """
SELECT order_number, status, total, currency
  FROM orders
 WHERE user_id = $1
 ORDER BY created_at DESC, id DESC
 LIMIT $2
"""


async def customer_card(conn: Conn, user_id: int) -> CustomerCard | None:
    row = await conn.fetchrow(_CUSTOMER, user_id)
    if row is None:
        return None
    orders = tuple(RecentOrder(**dict(order)) for order in await conn.fetch(_RECENT_ORDERS, user_id, RECENT_ORDERS))
    return CustomerCard(**dict(row), orders=orders)


@dataclass(frozen=True)
class ThreadRef:
    """The thread a message of the alert chat belongs to, and the customer to answer."""

    thread_id: int
    user_id: int
    telegram_id: int
    first_name: str


# A reply to the header or to any message of a thread (a customer's copy, an admin's earlier reply) finds it.
_THREAD_AT = """
SELECT t.id AS thread_id, t.user_id, u.telegram_id, u.first_name
  FROM support_threads t
  JOIN users u ON u.id = t.user_id
 WHERE t.id = COALESCE(
       (SELECT id FROM support_threads WHERE alert_chat_id = $1 AND header_message_id = $2),
       (SELECT thread_id FROM support_messages WHERE alert_chat_id = $1 AND alert_message_id = $2))
"""


async def thread_at(conn: Conn, chat_id: int, message_id: int) -> ThreadRef | None:
    row = await conn.fetchrow(_THREAD_AT, chat_id, message_id)
    return ThreadRef(**dict(row)) if row else None


@dataclass(frozen=True)
class Reply:
    """An admin's answer in the alert chat, and what became of it."""

    thread_id: int
    admin_id: int
    content_type: str
    text: str | None
    customer_chat_id: int
    alert_chat_id: int
    alert_message_id: int
    customer_message_id: int | None  # the copy in the customer's chat; None when it did not arrive
    error: str | None


_ADD_REPLY = """
INSERT INTO support_messages (thread_id, author, admin_id, content_type, text, customer_chat_id, customer_message_id,
                              alert_chat_id, alert_message_id, delivered_at, error)
VALUES ($1, 'admin', $2, $3, $4, $5, $6, $7, $8, CASE WHEN $6::bigint IS NULL THEN NULL ELSE NOW() END, $9)
"""


async def record_reply(conn: Conn, reply: Reply) -> None:
    """Kept whether it arrived or not; an answer keeps the thread open."""
    await conn.execute(
        _ADD_REPLY,
        reply.thread_id,
        reply.admin_id,
        reply.content_type,
        reply.text,
        reply.customer_chat_id,
        reply.customer_message_id,
        reply.alert_chat_id,
        reply.alert_message_id,
        reply.error[:500] if reply.error else None,
    )
    await conn.execute("UPDATE support_threads SET last_activity_at = NOW() WHERE id = $1", reply.thread_id)
