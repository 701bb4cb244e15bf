"""Webhook replay against the running app: a captured body of each declared push protocol (Ozon, Yandex Market)
posted three times to its real receiver, the first time applied by the app's own worker before the replays come.

Run: .venv/bin/python -m tests.bench.bench_webhook_replay
Uses DATABASE_URL/REDIS_URL when set (a scratch database beside it), else embedded servers in a temporary folder.
The app (`python -m amazing_store run`, no bot, no demo marketplaces) runs as a subprocess behind a pretend proxy on
127.0.0.1; each body comes from its platform's published address. Per case it prints how many posts were answered
200, how many rows were stored, how many of them the worker handled, whether the replays changed the stored row
(status, processed_at), and whether the next event of the same kind (one field changed) is kept: an identity too
coarse would take it for a replay and drop it. The bodies ask nothing of the marketplace's API (a delivered
posting or order, a stock change, a type the protocol does not list), so no API is called; that an order is
imported once however often its event comes is tested in tests/sync/test_webhooks.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from core import marketplaces
from core.embedded import embedded_postgres, embedded_redis, free_port
from core.migrations import migrate
from core.unit_of_work import Effects
from core.vault import Vault
from tests.bench.bench_webhooks import NOWHERE, OZON_ADDRESS, start_app, stop_app, wait_ready
from tests.bench.figures import emit
from tests.databases import drop_database, recreate_database

BENCH_DATABASE = "amazing_store_bench_webhook_replay"
YANDEX_ADDRESS = "5.45.207.10"  # in 5.45.207.0/25, where Yandex Market sends notifications from
SENDS = 3
PROCESS_TIMEOUT = 30.0


@dataclass(frozen=True)
class Case:
    name: str
    slug: str
    body: dict[str, Any]
    # The next event of its kind, which differs from the body in one field: it must be kept, not taken for a replay.
    next_change: tuple[str, Any]

    def next_body(self) -> dict[str, Any]:
        field, value = self.next_change
        if field == "items":  # a stock change: the next one tells another count
            return {**self.body, "items": [{**self.body["items"][0], "stocks": value}]}
        return {**self.body, field: value}


CASES = (
    Case(
        "ozon TYPE_STATE_CHANGED (posting + moment)",
        "ozon",
        {
            "message_type": "TYPE_STATE_CHANGED",
            "seller_id": 1,
            "warehouse_id": 1,
            "posting_number": "0001-0001-1",
            "new_state": "posting_delivered",
            "changed_state_date": "2026-12-07T09:00:00Z",
        },
        ("changed_state_date", "2026-12-07T09:05:00Z"),
    ),
    Case(
        "ozon TYPE_STOCKS_CHANGED (body hash)",
        "ozon",
        {
            "message_type": "TYPE_STOCKS_CHANGED",
            "seller_id": 1,
            "items": [
                {
                    "product_id": 1,
                    "sku": 2,
                    "updated_at": "2026-12-07T09:00:00Z",
                    "stocks": [{"warehouse_id": 1, "present": 5, "reserved": 0}],
                }
            ],
        },
        ("items", [{"warehouse_id": 1, "present": 4, "reserved": 0}]),
    ),
    Case(
        "yandex ORDER_STATUS_UPDATED (order + status + time)",
        "yandex",
        {
            "notificationType": "ORDER_STATUS_UPDATED",
            "orderId": 5_550_001,
            "campaignId": 21_000_101,
            "status": "DELIVERED",
            "substatus": "DELIVERY_SERVICE_DELIVERED",
            "updatedAt": "2026-12-07T09:00:00Z",
        },
        ("updatedAt", "2026-12-07T09:05:00Z"),
    ),
    Case(
        "yandex unlisted type (body hash)",
        "yandex",
        {"notificationType": "SOMETHING_NEW", "offerId": "PH-1", "count": 1},
        ("count", 2),
    ),
)


async def prepare(url: str, redis_url: str, vault: Vault) -> dict[str, str]:
    """Migrate, register Ozon and Yandex Market (their APIs nowhere) with a secret path each; returns the paths."""
    conn = await asyncpg.connect(url)
    redis = Redis.from_url(redis_url)
    paths: dict[str, str] = {}
    try:
        await migrate(conn)
        for slug, name in (("ozon", "Ozon"), ("yandex", "Yandex Market")):
            await conn.execute(
                "INSERT INTO marketplaces (name, slug, integration_type, api_type) VALUES ($1, $2, 'api', $2)"
                " ON CONFLICT (slug) DO NOTHING",
                name,
                slug,
            )
            async with Effects(redis).transaction(conn) as uow:
                shop = 21_000_101 if slug == "yandex" else None  # the campaign the Yandex case names
                change = marketplaces.Changes(base_url=NOWHERE, shop_id=shop, new_webhook_token=True)
                path = (await marketplaces.configure(uow, slug, change, vault)).webhook_path
            assert path is not None
            paths[slug] = path if slug == "ozon" else f"{path}/notification"
    finally:
        await conn.close()
        await redis.aclose()
    return paths


async def _rows(conn: asyncpg.Connection, slug: str, kind: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT w.status, w.processed_at FROM marketplace_webhooks w JOIN marketplaces m ON m.id = w.marketplace_id"
        " WHERE m.slug = $1 AND w.event_type = $2 ORDER BY w.id",
        slug,
        kind,
    )


async def replay(base: str, url: str, paths: dict[str, str]) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(url)
    results: list[dict[str, Any]] = []
    try:
        async with aiohttp.ClientSession() as session:
            for case in CASES:
                kind = case.body.get("message_type") or case.body["notificationType"]
                source = OZON_ADDRESS if case.slug == "ozon" else YANDEX_ADDRESS
                answers: list[int] = []
                after_first: list[asyncpg.Record] = []
                for n in range(SENDS):
                    async with session.post(
                        f"{base}{paths[case.slug]}",
                        data=json.dumps(case.body),
                        headers={"X-Forwarded-For": source, "Content-Type": "application/json"},
                    ) as answer:
                        answers.append(answer.status)
                    if n == 0:  # the first is applied by the app's worker before the replays arrive
                        deadline = time.monotonic() + PROCESS_TIMEOUT
                        while time.monotonic() < deadline:
                            after_first = await _rows(conn, case.slug, kind)
                            if after_first and all(row["status"] == "processed" for row in after_first):
                                break
                            await asyncio.sleep(0.05)
                await asyncio.sleep(0.5)  # time for a replay, had it been stored, to be processed too
                final = await _rows(conn, case.slug, kind)
                async with session.post(
                    f"{base}{paths[case.slug]}",
                    data=json.dumps(case.next_body()),
                    headers={"X-Forwarded-For": source, "Content-Type": "application/json"},
                ) as answer:
                    next_kept = answer.status == 200 and len(await _rows(conn, case.slug, kind)) == len(final) + 1
                results.append(
                    {
                        "case": case.name,
                        "sent": SENDS,
                        "answered_200": answers.count(200),
                        "stored": len(final),
                        "processed": sum(row["status"] == "processed" for row in final),
                        "replays_changed_row": [tuple(r) for r in final] != [tuple(r) for r in after_first],
                        "next_kept": next_kept,
                    }
                )
    finally:
        await conn.close()
    return results


def main() -> None:
    secret_key = Fernet.generate_key().decode()
    vault = Vault(secret_key)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-replay-")))
        server = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_postgres(workdir / "pg"))
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis(workdir / "redis"))
        url = asyncio.run(recreate_database(server, BENCH_DATABASE))
        try:
            paths = asyncio.run(prepare(url, redis_url, vault))
            port = free_port()
            app = start_app(url, redis_url, port, secret_key, workdir)
            try:
                base = f"http://127.0.0.1:{port}"
                asyncio.run(wait_ready(base, app, workdir))
                results = asyncio.run(replay(base, url, paths))
            finally:
                stop_app(app)
        finally:
            asyncio.run(drop_database(server, BENCH_DATABASE))
    print(
        f"{'case':<52} {'sent':>4} {'200':>4} {'stored':>6} {'processed':>9} {'replay changed row':>18}"
        f" {'next event kept':>15}"
    )
    for row in results:
        print(
            f"{row['case']:<52} {row['sent']:>4} {row['answered_200']:>4} {row['stored']:>6} {row['processed']:>9}"
            f" {'yes' if row['replays_changed_row'] else 'no':>18} {'yes' if row['next_kept'] else 'NO':>15}"
        )
    emit(
        webhook_replays_sent=float(sum(row["sent"] for row in results)),
        webhook_replays_stored=float(sum(row["stored"] for row in results)),
        webhook_replay_bodies=float(len(results)),
    )


if __name__ == "__main__":
    main()
