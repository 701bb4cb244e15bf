"""Marketplace webhook events: stored raw inside the request that brought them (so an acknowledged event is
never lost), each once, then claimed by a worker that retries with backoff and gives up loudly."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg

from core import outbox
from core.db import Conn
from core.memory import Memory
from core.vault import Vault

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
BACKOFF = (5, 30, 120, 600, 1800)  # seconds before the 2nd, 3rd ... try
# How long a receiver's credentials are trusted from memory when no `marketplace.changed` event arrives (Redis
# down): the longest a rotated-away path token can still be accepted.
RECEIVER_TTL_SECONDS = 30.0
RECEIVERS_KEPT = 100
# A marketplace whose keys cannot be read is told of at most this often (the log line once per process).
UNREADABLE_ALERT_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class Receiver:
    """How one marketplace's webhooks are authenticated; its type picks the push protocol. Only the sha256 of the
    path token is known (sql/033): a request's token is hashed and compared. `keys_readable` says whether the
    marketplace's sealed API keys open with this SECRET_KEY; without them its events could not be acted on."""

    marketplace_id: int
    slug: str
    name: str
    api_type: str
    token_sha256: str | None
    keys_readable: bool = True

    def knows(self, token: str) -> bool:
        """Whether the token is this receiver's, compared in constant time on the hashes."""
        return bool(self.token_sha256) and hmac.compare_digest(str(self.token_sha256), token_sha256(token))


def token_sha256(token: str) -> str:
    """What is kept of a path token: the hex sha256 of its UTF-8 bytes (PostgreSQL's sha256() in sql/033 agrees)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


async def receiver(conn: Conn, slug: str, vault: Vault) -> Receiver | None:
    row = await conn.fetchrow(
        "SELECT id, slug, name, COALESCE(api_type, slug) AS api_type, webhook_token_sha256, api_key_encrypted,"
        " api_secret_encrypted FROM marketplaces WHERE slug = $1 AND integration_type = 'api' AND is_active",
        slug,
    )
    if row is None:
        return None
    readable = vault.readable(row["api_key_encrypted"]) and vault.readable(row["api_secret_encrypted"])
    return Receiver(row["id"], row["slug"], row["name"], row["api_type"], row["webhook_token_sha256"], readable)


class Receivers:
    """Receivers by slug, kept in memory: a push then costs no query to authenticate.

    A credential the remembered receiver refuses is checked once more against the database before the push is
    refused, so a new path token works at once. An old one stops working when `forget` runs (on the
    `marketplace.changed` event, on every replica) or at the latest after RECEIVER_TTL_SECONDS.
    """

    def __init__(self, pool: asyncpg.Pool, vault: Vault, ttl: float = RECEIVER_TTL_SECONDS) -> None:
        self._pool, self._vault = pool, vault
        # Only receivers that exist are kept: requests for made-up slugs must not grow this.
        self._known: Memory[str, Receiver] = Memory(RECEIVERS_KEPT, ttl)
        self._generation = 0
        # Marketplaces whose unreadable keys this process has already told of: told once, not per request.
        self._told_unreadable: set[int] = set()
        self._logged_unreadable: set[int] = set()

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
            found = await receiver(conn, slug, self._vault)
        # A change announced while this read was under way may not be in it: then it is not remembered.
        if found is not None and generation == self._generation:
            self._known.put(slug, found)
        elif found is None:
            self._known.drop(slug)
        if found is not None and found.keys_readable:
            # Mended: a later breakage is told again.
            self._told_unreadable.discard(found.marketplace_id)
            self._logged_unreadable.discard(found.marketplace_id)
        return found

    async def unreadable(self, found: Receiver) -> None:
        """Tell once that a marketplace's keys do not open with this SECRET_KEY: one log line per process, and one
        alert per marketplace a day however many replicas and requests meet it (the admins need to hear it, not
        to hear it for every push the platform retries)."""
        if found.marketplace_id in self._told_unreadable:
            return
        if found.marketplace_id not in self._logged_unreadable:
            self._logged_unreadable.add(found.marketplace_id)
            log.error(
                "%s: its API keys cannot be decrypted with this SECRET_KEY; its webhooks are answered 503 until the"
                " keys are configured again or the right SECRET_KEY is back",
                found.slug,
            )
        alert = outbox.MarketplaceKeysUnreadable(found.marketplace_id, found.name)
        try:
            async with self._pool.acquire() as conn:
                await outbox.add_unless_recent(conn, alert, UNREADABLE_ALERT_EVERY)
        except Exception as error:  # the push is still answered; the next one tries the alert again
            log.warning("%s: the alert about its unreadable keys is not written yet: %s", found.slug, error)
            return
        self._told_unreadable.add(found.marketplace_id)


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


async def postponed(conn: Conn, event_ids: Sequence[int], delay: timedelta) -> None:
    """Not processed now and not failed either (no attempt is counted): due again after `delay`."""
    await conn.execute(
        "UPDATE marketplace_webhooks SET next_attempt_at = NOW() + $2::interval WHERE id = ANY($1::integer[])",
        event_ids,
        delay,
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
