"""Marketplace webhook events: stored raw inside the request that brought them (so an acknowledged event is
never lost), each once, then claimed by a worker that retries with backoff and gives up loudly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg

from core import outbox
from core.db import Conn
from core.memory import Memory

MAX_ATTEMPTS = 6
BACKOFF = (5, 30, 120, 600, 1800)  # seconds before the 2nd, 3rd ... try
# How long a receiver's credentials are trusted from memory when no `marketplace.changed` event arrives (Redis
# down): the longest a rotated-away path token can still be accepted.
RECEIVER_TTL_SECONDS = 30.0
RECEIVERS_KEPT = 100


@dataclass(frozen=True)
class Receiver:
    """How one marketplace's webhooks are authenticated; its type picks the push protocol."""

    marketplace_id: int
    slug: str
    api_type: str
    path_token: str | None


async def receiver(conn: Conn, slug: str) -> Receiver | None:
    row = await conn.fetchrow(
        "SELECT id, slug, COALESCE(api_type, slug) AS api_type, webhook_path_token FROM marketplaces"
        " WHERE slug = $1 AND integration_type = 'api' AND is_active",
        slug,
    )
    if row is None:
        return None
    return Receiver(row["id"], row["slug"], row["api_type"], row["webhook_path_token"])


class Receivers:
    """Receivers by slug, kept in memory: a push then costs no query to authenticate.

    A credential the remembered receiver refuses is checked once more against the database before the push is
    refused, so a new path token works at once. An old one stops working when `forget` runs (on the
    `marketplace.changed` event, on every replica) or at the latest after RECEIVER_TTL_SECONDS.
    """

    def __init__(self, pool: asyncpg.Pool, ttl: float = RECEIVER_TTL_SECONDS) -> None:
        self._pool = pool
        # Only receivers that exist are kept: requests for made-up slugs must not grow this.
        self._known: Memory[str, Receiver] = Memory(RECEIVERS_KEPT, ttl)
        self._generation = 0

    def forget(self) -> None:
        self._known.clear()
        self._generation += 1

    async def find(self, slug: str, accepts: Callable[[Receiver], bool]) -> Receiver | None:
        """The slug's receiver, None when no active API marketplace has it. A remembered receiver that does not
        accept the request's credential is read again first, so a credential made a moment ago is known; the
        caller then checks the credential against what this returns."""
        remembered = self._known.get(slug)
        if remembered is not None and accepts(remembered):
            return remembered
        generation = self._generation
        async with self._pool.acquire() as conn:
            found = await receiver(conn, slug)
        # A change announced while this read was under way may not be in it: then it is not remembered.
        if found is not None and generation == self._generation:
            self._known.put(slug, found)
        elif found is None:
            self._known.drop(slug)
        return found


@dataclass(frozen=True)
class Event:
    """One received event, as `store_many` takes it."""

    marketplace_id: int
    event_type: str
    payload: Any
    event_key: str


async def store_many(conn: Conn, received: Sequence[Event]) -> list[bool]:
    """Keep the events in one statement and one commit; for each, False when it is a replay (of an event stored
    earlier or of one before it in this list)."""
    events = [Event(e.marketplace_id, e.event_type[:50], e.payload, e.event_key[:300]) for e in received]
    rows = await conn.fetch(
        """
        INSERT INTO marketplace_webhooks (marketplace_id, event_type, payload, event_key)
        SELECT * FROM unnest($1::integer[], $2::text[], $3::jsonb[], $4::text[])
        ON CONFLICT (marketplace_id, event_key) WHERE event_key IS NOT NULL DO NOTHING
        RETURNING marketplace_id, event_key
        """,
        [e.marketplace_id for e in events],
        [e.event_type for e in events],
        [e.payload for e in events],
        [e.event_key for e in events],
    )
    inserted = {(row["marketplace_id"], row["event_key"]) for row in rows}
    stored: list[bool] = []
    for event in events:
        identity = (event.marketplace_id, event.event_key)
        stored.append(identity in inserted)
        inserted.discard(identity)  # the same event twice in one batch: the later one is the replay
    return stored


async def claim(conn: Conn, limit: int = 20) -> list[asyncpg.Record]:
    """Due events, locked for this transaction; other workers skip them instead of waiting."""
    return await conn.fetch(
        """
        SELECT w.id, w.marketplace_id, w.event_type, w.payload, w.retry_count
          FROM marketplace_webhooks w
         WHERE w.status IN ('pending', 'retry') AND w.next_attempt_at <= NOW()
         ORDER BY w.id
         LIMIT $1
           FOR UPDATE SKIP LOCKED
        """,
        limit,
    )


async def processed(conn: Conn, event_ids: Sequence[int]) -> None:
    await conn.execute(
        "UPDATE marketplace_webhooks SET status = 'processed', processed_at = NOW(), error_message = NULL"
        " WHERE id = ANY($1::integer[])",
        event_ids,
    )


async def failed(conn: Conn, event: asyncpg.Record, error: str) -> None:
    """Retry later, or after the last try mark it failed and tell the admins."""
    attempts = event["retry_count"] + 1
    if attempts >= MAX_ATTEMPTS:
        await conn.execute(
            "UPDATE marketplace_webhooks SET status = 'failed', retry_count = $2, error_message = $3 WHERE id = $1",
            event["id"],
            attempts,
            error[:1000],
        )
        await outbox.add(
            conn, outbox.WebhookFailure(event["marketplace_id"], event["id"], event["event_type"], error[:500])
        )
        return
    delay = timedelta(seconds=BACKOFF[min(attempts - 1, len(BACKOFF) - 1)])
    await conn.execute(
        "UPDATE marketplace_webhooks SET status = 'retry', retry_count = $2, error_message = $3,"
        " next_attempt_at = NOW() + $4::interval WHERE id = $1",
        event["id"],
        attempts,
        error[:1000],
        delay,
    )
