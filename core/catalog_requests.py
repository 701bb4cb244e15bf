"""Catalogue imports asked for by a face that cannot call the marketplaces (the bot): the request goes on a Redis
list that whichever process runs the sync jobs takes from, and the counts come back on a list of their own, so
each import runs once however many replicas listen (the same shape as core.key_checks)."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from redis.asyncio import Redis

from core.marketplace_catalog import CatalogImport

REQUESTS = "catalog_import:requests"
ANSWER = "catalog_import:answer:{id}"
# A blocking read must end before the client's 5 s socket timeout (core.redis_client).
BLOCK_SECONDS = 2
ANSWER_TTL_SECONDS = 120


@dataclass(frozen=True)
class Request:
    id: str
    marketplace_id: int
    with_stock: bool
    actor_id: int | None


@dataclass(frozen=True)
class Answer:
    """The counts, or the platform's words when it could not be read."""

    done: CatalogImport | None = None
    refused: str | None = None


# redis-py hints its asyncio list commands "Awaitable[T] | T" (redis-py#2399), which `await` rejects: the
# `type: ignore[misc]` on them below is for that hint.


async def ask(
    redis: Redis, marketplace_id: int, wait: float, *, with_stock: bool, actor_id: int | None
) -> Answer | None:
    """Ask the sync to import the marketplace's catalogue and wait for the counts; None when none came within
    `wait` seconds (no process runs the sync jobs, or the catalogue is still being read)."""
    request_id = secrets.token_hex(8)
    deadline = time.time() + wait
    request = {
        "id": request_id,
        "marketplace_id": marketplace_id,
        "with_stock": with_stock,
        "actor_id": actor_id,
        "until": deadline,
    }
    await redis.rpush(REQUESTS, json.dumps(request))  # type: ignore[misc]
    await redis.expire(REQUESTS, int(wait) + ANSWER_TTL_SECONDS)
    while (left := deadline - time.time()) > 0:
        popped = await redis.blpop([ANSWER.format(id=request_id)], timeout=max(1, min(BLOCK_SECONDS, int(left))))  # type: ignore[misc]
        if popped is not None:
            data = json.loads(popped[1])
            done = data.get("done")
            return Answer(CatalogImport(*done) if done is not None else None, data.get("refused"))
    return None


async def next_request(redis: Redis) -> Request | None:
    """The oldest request still awaited, waiting up to BLOCK_SECONDS for one; None when there is none."""
    while True:
        popped = await redis.blpop([REQUESTS], timeout=BLOCK_SECONDS)  # type: ignore[misc]
        if popped is None:
            return None
        request = json.loads(popped[1])
        if request["until"] > time.time():  # an asker that gave up needs no import it would not hear of
            return Request(
                request["id"], int(request["marketplace_id"]), bool(request["with_stock"]), request["actor_id"]
            )


async def reply(redis: Redis, request: Request, answer: Answer) -> None:
    key = ANSWER.format(id=request.id)
    done = answer.done
    body = {"done": None if done is None else [done.created, done.mapped, done.skipped], "refused": answer.refused}
    await redis.rpush(key, json.dumps(body))  # type: ignore[misc]
    await redis.expire(key, ANSWER_TTL_SECONDS)
