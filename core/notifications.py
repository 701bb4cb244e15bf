"""Draining the notifications outbox: due rows are leased to one sender (claimed with SKIP LOCKED, so replicas
never take the same row), marked sent only once delivered, retried with backoff, or closed when they can never
be delivered (a customer blocked the bot). A sender that dies mid-pass loses nothing: its lease runs out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from core import audit, outbox, shop
from core.db import Conn

LEASE = timedelta(minutes=5)
FIRST_BACKOFF = timedelta(seconds=5)
MAX_BACKOFF = timedelta(hours=1)

# Rows meant for a customer's own chat; every other kind goes to the admins.
CUSTOMER_KINDS = (outbox.OrderStatus.KIND, outbox.BackInStock.KIND)


@dataclass(frozen=True)
class Due:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    alert: outbox.Alert | None  # the payload as its kind's dataclass; None when the kind or shape is unknown

    @property
    def for_customer(self) -> bool:
        return self.kind in CUSTOMER_KINDS


_CLAIM = """
UPDATE notifications n
   SET next_attempt_at = NOW() + $2::interval
  FROM (SELECT id FROM notifications
         WHERE sent_at IS NULL AND next_attempt_at <= NOW() AND ($3 OR kind = ANY($4::text[]))
         ORDER BY id
         LIMIT $1
           FOR UPDATE SKIP LOCKED) due
 WHERE n.id = due.id
RETURNING n.id, n.kind, n.payload, n.attempts, n.created_at
"""


async def claim_due(conn: Conn, limit: int, *, admin_kinds: bool = True) -> list[Due]:
    """Lease up to `limit` due rows, oldest first. Without an admin chat, admin alerts are left waiting."""
    rows = await conn.fetch(_CLAIM, limit, LEASE, admin_kinds, list(CUSTOMER_KINDS))
    dues = (
        Due(
            row["id"],
            row["kind"],
            row["payload"],
            row["attempts"],
            row["created_at"],
            outbox.parse(row["kind"], row["payload"]),
        )
        for row in rows
    )
    return sorted(dues, key=lambda due: due.id)


async def mark_sent(conn: Conn, ids: Sequence[int]) -> None:
    await conn.execute(
        "UPDATE notifications SET sent_at = NOW(), last_error = NULL WHERE id = ANY($1::bigint[]) AND sent_at IS NULL",
        list(ids),
    )


async def retry_later(conn: Conn, ids: Sequence[int], error: str, delay: timedelta | None = None) -> None:
    """A failed attempt: after `delay` when Telegram said how long to wait, else after a doubling backoff."""
    await conn.execute(
        """
        UPDATE notifications
           SET attempts = attempts + 1, last_error = $2,
               next_attempt_at = NOW() + COALESCE($3::interval, LEAST($4::interval * power(2, attempts), $5::interval))
         WHERE id = ANY($1::bigint[]) AND sent_at IS NULL
        """,
        list(ids),
        error[:500],
        delay,
        FIRST_BACKOFF,
        MAX_BACKOFF,
    )


async def release(conn: Conn, ids: Sequence[int], delay: timedelta = timedelta(0)) -> None:
    """Give back rows this pass claimed but did not try (not an attempt)."""
    await conn.execute(
        "UPDATE notifications SET next_attempt_at = NOW() + $2::interval WHERE id = ANY($1::bigint[])"
        " AND sent_at IS NULL",
        list(ids),
        delay,
    )


async def close_undeliverable(conn: Conn, ids: Sequence[int], reason: str) -> None:
    """Never sent and never tried again: kept, unsent, with the reason, for whoever looks."""
    await conn.execute(
        "UPDATE notifications SET attempts = attempts + 1, last_error = $2, next_attempt_at = 'infinity'"
        " WHERE id = ANY($1::bigint[]) AND sent_at IS NULL",
        list(ids),
        reason[:500],
    )


@dataclass(frozen=True)
class Recipient:
    user_id: int
    telegram_id: int
    language: str
    blocked: bool


# Blocked = the bot was told so after the customer's last contact; a /start (which refreshes last_login_at)
# is how Telegram clients unblock a bot, so it clears the mark without another write.
_RECIPIENT = """
SELECT u.id AS user_id, u.telegram_id, u.language,
       EXISTS (SELECT 1 FROM audit_log a
                WHERE a.entity_type = 'user' AND a.entity_id = u.id AND a.action = $2
                  AND a.created_at > COALESCE(u.last_login_at, '-infinity')) AS blocked
  FROM users u
 WHERE u.id = $1
"""


async def recipient(conn: Conn, user_id: int) -> Recipient | None:
    row = await conn.fetchrow(_RECIPIENT, user_id, audit.USER_BOT_BLOCKED)
    return Recipient(**dict(row)) if row else None


async def mark_blocked(conn: Conn, user_id: int, error: str) -> None:
    """The customer blocked the bot. Not users.is_active: that is the shop's own ban (the Mini App refuses
    such accounts), and a customer who silenced the bot may still shop."""
    await audit.record(
        conn,
        None,
        audit.USER_BOT_BLOCKED,
        "user",
        user_id,
        {"reachable": True},
        {"reachable": False, "error": error[:200]},
    )


async def admin_language(conn: Conn, chat_id: int) -> str:
    """The language alerts to `chat_id` speak: an admin's private chat (a positive id) its admin's; the alert
    group the one an admin chose for it there (/alerts_here); else, the group being shared, the language most
    admins chose (uz when there is no admin yet)."""
    if chat_id > 0:
        language = await conn.fetchval("SELECT language FROM users WHERE telegram_id = $1", chat_id)
    else:
        language = await shop.alert_language(conn)
    if language is None:
        language = await conn.fetchval(
            "SELECT language FROM users WHERE is_admin GROUP BY language ORDER BY COUNT(*) DESC, language DESC LIMIT 1"
        )
    return str(language or "uz")
