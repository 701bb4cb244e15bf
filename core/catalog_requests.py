"""Catalogue work asked for by a face that cannot call the marketplaces (the bot): an import of the cards that map
to nothing yet, or an automap of the listings whose SKU or barcode is ours. The request goes on a Redis list that
whichever process runs the sync jobs takes from; that process says at once that it took it, and the counts follow
on a list of their own, so each request runs once however many replicas listen (the shape of core.key_checks)."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum

from redis.asyncio import Redis

from core.mappings import Automapped
from core.marketplace_catalog import CatalogImport

REQUESTS = "catalog_import:requests"
ANSWER = "catalog_import:answer:{id}"
# A blocking read must end before the client's 5 s socket timeout (core.redis_client).
BLOCK_SECONDS = 2
ANSWER_TTL_SECONDS = 120


class Action(StrEnum):
    IMPORT_WITH_STOCK = "import_stock"  # new products from the unmapped cards, their FBS stock as our opening stock
    IMPORT = "import"  # the same, stock left at zero
    AUTOMAP = "automap"  # only map the listings whose SKU or barcode is ours; no product is made


@dataclass(frozen=True)
class Request:
    id: str
    marketplace_id: int
    action: Action
    actor_id: int | None


@dataclass(frozen=True)
class Answer:
    """The import's or the automap's counts, or the platform's words when it could not be read. None of them: no
    answer came in time; ``taken`` says whether a process took the request (it may still finish then) or not (it
    was withdrawn and will not run)."""

    imported: CatalogImport | None = None
    automapped: Automapped | None = None
    refused: str | None = None
    taken: bool = True


# redis-py hints its asyncio list commands "Awaitable[T] | T" (redis-py#2399), which `await` rejects: the
# `type: ignore[misc]` on them below is for that hint.


async def ask(
    redis: Redis,
    marketplace_id: int,
    action: Action,
    *,
    actor_id: int | None,
    wait: float,
    take_wait: float,
) -> Answer:
    """Ask the sync for the catalogue work and wait up to ``wait`` seconds for its answer. A request no process
    took within ``take_wait`` seconds (no sync running, or each busy with another catalogue) is withdrawn."""
    request_id = secrets.token_hex(8)
    started = time.time()
    deadline = started + wait
    raw = json.dumps(
        {
            "id": request_id,
            "marketplace_id": marketplace_id,
            "action": action.value,
            "actor_id": actor_id,
            "until": deadline,
        }
    )
    await redis.rpush(REQUESTS, raw)  # type: ignore[misc]
    await redis.expire(REQUESTS, int(wait) + ANSWER_TTL_SECONDS)
    taken = False
    while (left := deadline - time.time()) > 0:
        if not taken and time.time() - started >= take_wait:
            # Withdrawn only if still queued: a request taken meanwhile is running and its answer will come.
            if await redis.lrem(REQUESTS, 1, raw):  # type: ignore[misc]
                return Answer(taken=False)
            taken = True
        block = min(BLOCK_SECONDS, left) if taken else min(BLOCK_SECONDS, left, started + take_wait - time.time())
        popped = await redis.blpop([ANSWER.format(id=request_id)], timeout=max(1, int(block)))  # type: ignore[misc]
        if popped is None:
            continue
        data = json.loads(popped[1])
        if data.get("taken"):
            taken = True
            continue
        imported, automapped = data.get("imported"), data.get("automapped")
        return Answer(
            CatalogImport(*imported) if imported is not None else None,
            Automapped(*automapped) if automapped is not None else None,
            data.get("refused"),
        )
    if not taken and await redis.lrem(REQUESTS, 1, raw):  # type: ignore[misc]
        return Answer(taken=False)
    return Answer(taken=True)


async def next_request(redis: Redis) -> Request | None:
    """The oldest request still awaited, waiting up to BLOCK_SECONDS for one; None when there is none. Its asker
    is told at once that it was taken."""
    while True:
        popped = await redis.blpop([REQUESTS], timeout=BLOCK_SECONDS)  # type: ignore[misc]
        if popped is None:
            return None
        request = json.loads(popped[1])
        if request["until"] > time.time():  # an asker that gave up needs no work it would not hear of
            taken = Request(
                request["id"], int(request["marketplace_id"]), Action(request["action"]), request["actor_id"]
            )
            await _send(redis, taken, {"taken": True})
            return taken


async def reply(redis: Redis, request: Request, answer: Answer) -> None:
    imported, automapped = answer.imported, answer.automapped
    await _send(
        redis,
        request,
        {
            "imported": None if imported is None else [imported.created, imported.mapped, imported.skipped],
            "automapped": None
            if automapped is None
            else [automapped.mapped, automapped.already, automapped.unmatched, automapped.conflicts],
            "refused": answer.refused,
        },
    )


async def _send(redis: Redis, request: Request, body: dict[str, object]) -> None:
    key = ANSWER.format(id=request.id)
    await redis.rpush(key, json.dumps(body))  # type: ignore[misc]
    await redis.expire(key, ANSWER_TTL_SECONDS)
