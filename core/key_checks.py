"""Whose marketplace key it is, what it can see and until when. The records are what an adapter's check
returns; the requests let a face that cannot call the marketplaces (the bot) ask for a check: the request goes
on a Redis list that whichever process runs the sync jobs takes from, and the answer comes back on a list of
its own, so each check runs once however many replicas listen."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from redis.asyncio import Redis

REQUESTS = "key_check:requests"
ANSWER = "key_check:answer:{id}"
# A blocking read must end before the client's 5 s socket timeout (core.redis_client).
BLOCK_SECONDS = 2
# An answer nobody waits for any more (the asker gave up) is dropped after this.
ANSWER_TTL_SECONDS = 120


@dataclass(frozen=True)
class Place:
    """A warehouse or shop the key can see; the note is in the platform's own terms (WB's deliveryType,
    Ozon's warehouse status)."""

    id: str
    name: str
    note: str = ""


@dataclass(frozen=True)
class KeyCheck:
    # Whose key it is, as the platform names the seller; None where the platform names no one (Uzum).
    account: str | None
    places: tuple[Place, ...]
    # When the platform will stop taking the key; None where it does not say.
    expires_at: datetime | None


@dataclass(frozen=True)
class Answer:
    """The check, or the platform's words when it refused the key or could not be reached."""

    check: KeyCheck | None = None
    refused: str | None = None


@dataclass(frozen=True)
class Candidate:
    """Keys an admin is about to connect, checked before they replace the stored ones: token and api_key sealed
    with the vault (they cross Redis), client_id as it is (not a secret)."""

    token: str | None = None
    client_id: str | None = None
    api_key: str | None = None


@dataclass(frozen=True)
class Request:
    id: str
    marketplace_id: int
    candidate: Candidate | None = None


# redis-py hints its asyncio list commands "Awaitable[T] | T" (redis-py#2399), which `await` rejects: the
# `type: ignore[misc]` on them below is for that hint.


async def ask(redis: Redis, marketplace_id: int, wait: float, candidate: Candidate | None = None) -> Answer | None:
    """Ask the sync for a check (of the stored keys, or of `candidate`'s) and wait for its answer; None when none
    came within `wait` seconds (no process runs the sync jobs, or the platform is slow)."""
    request_id = secrets.token_hex(8)
    deadline = time.time() + wait
    request = {
        "id": request_id,
        "marketplace_id": marketplace_id,
        "until": deadline,
        "candidate": None if candidate is None else [candidate.token, candidate.client_id, candidate.api_key],
    }
    await redis.rpush(REQUESTS, json.dumps(request))  # type: ignore[misc]
    # Requests no process took (none runs the sync) must not pile up.
    await redis.expire(REQUESTS, int(wait) + ANSWER_TTL_SECONDS)
    while (left := deadline - time.time()) > 0:
        popped = await redis.blpop([ANSWER.format(id=request_id)], timeout=max(1, min(BLOCK_SECONDS, int(left))))  # type: ignore[misc]
        if popped is not None:
            return _answer_from(json.loads(popped[1]))
    return None


async def next_request(redis: Redis) -> Request | None:
    """The oldest request still awaited, waiting up to BLOCK_SECONDS for one; None when there is none."""
    while True:
        popped = await redis.blpop([REQUESTS], timeout=BLOCK_SECONDS)  # type: ignore[misc]
        if popped is None:
            return None
        request = json.loads(popped[1])
        if request["until"] > time.time():  # an asker that gave up needs no call to the marketplace
            candidate = request.get("candidate")
            return Request(request["id"], int(request["marketplace_id"]), Candidate(*candidate) if candidate else None)


async def reply(redis: Redis, request: Request, answer: Answer) -> None:
    key = ANSWER.format(id=request.id)
    await redis.rpush(key, json.dumps(_answer_json(answer)))  # type: ignore[misc]
    await redis.expire(key, ANSWER_TTL_SECONDS)


def _answer_json(answer: Answer) -> dict[str, Any]:
    check = answer.check
    return {
        "refused": answer.refused,
        "check": None
        if check is None
        else {
            "account": check.account,
            "places": [[place.id, place.name, place.note] for place in check.places],
            "expires_at": check.expires_at.isoformat() if check.expires_at else None,
        },
    }


def _answer_from(data: dict[str, Any]) -> Answer:
    check = data.get("check")
    if check is None:
        return Answer(refused=data.get("refused"))
    return Answer(
        KeyCheck(
            account=check["account"],
            places=tuple(Place(*place) for place in check["places"]),
            expires_at=datetime.fromisoformat(check["expires_at"]) if check["expires_at"] else None,
        )
    )
