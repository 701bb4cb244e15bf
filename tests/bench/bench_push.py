"""Sale-to-marketplace propagation and API calls of a bulk change, against the three sandboxes.

Run: .venv/bin/python -m tests.bench.bench_push [--sales 40]
Uses DATABASE_URL/REDIS_URL when set (a scratch database beside it), else embedded servers in a temporary
folder. Each sale is committed through core.orders, announced on Redis like the API does, and timed until the
LAST marketplace has accepted the new stock (the sandbox's request log). The platforms' real limits apply:
Uzum about one request a second, Ozon one update per item per 30 s (so every sale is of another product).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import asyncpg
from redis.asyncio import Redis

from core import orders
from core.db import create_pool
from core.embedded import embedded_postgres, embedded_redis
from core.migrations import migrate
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from sync.push import PushRun
from sync.pusher import StockPusher
from tests.bench.figures import emit
from tests.databases import drop_database, recreate_database
from tests.sync.world import VAULT, connect, list_everywhere, sandboxes

BENCH_DATABASE = "amazing_store_bench_push"
BULK = 2500


async def _catalog(conn: asyncpg.Connection, count: int) -> list[int]:
    await conn.execute(
        "INSERT INTO marketplaces (name, slug, integration_type, order_prefix)"
        " VALUES ('Amazing Store', 'amazing-store', 'own', 'AS')"
    )
    rows = await conn.fetch(
        """
        WITH created AS (
            INSERT INTO products (sku, name_uz, price, cost_price) SELECT 'B-' || n, 'Bench ' || n, 1000, 600
              FROM generate_series(1, $1) n RETURNING id
        ), stock AS (INSERT INTO inventory (product_id, quantity) SELECT id, 50 FROM created)
        SELECT id FROM created ORDER BY id
        """,
        count,
    )
    await conn.execute("UPDATE products SET is_active = TRUE, inactive_reason = NULL")  # bench data, stock set above
    return [row["id"] for row in rows]


def _accepted_at(sandbox: object, path_pattern: str, since: float, needle: object) -> float | None:
    for request in sandbox.requests_to(path_pattern):  # type: ignore[attr-defined]
        if (
            request.at >= since
            and request.status is not None
            and request.status < 300
            and str(needle) in repr(request.body)
        ):
            return request.at
    return None


async def propagation(url: str, redis_url: str, sales: int) -> tuple[list[float], dict[str, tuple[int, int]]]:
    uzum, wb, ozon, yandex = sandboxes(pair_window=30.0)
    uzum.rules = type(uzum.rules)(**{**uzum.rules.__dict__, "rate_limit": True})
    for sandbox in (uzum, wb, ozon, yandex):
        await sandbox.start()
    pool = await create_pool(url, max_size=10)
    redis = Redis.from_url(redis_url)
    effects = Effects(redis)
    subscriber = Subscriber(redis)
    subscriber.start()
    stop = asyncio.Event()
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
            products = await _catalog(conn, BULK)
            async with effects.transaction(conn) as uow:
                connections = await connect(uow, uzum, wb, ozon, yandex)
            await list_everywhere(conn, connections, uzum, wb, ozon, yandex, products)
            own = await conn.fetchval("SELECT id FROM marketplaces WHERE slug = 'amazing-store'")
        pusher = StockPusher(pool, redis, subscriber, VAULT, sweep_seconds=60, coalesce_seconds=0.05)
        runner = asyncio.create_task(pusher.run(stop))
        # Each marketplace's first run pushes the whole catalog: the bulk change, counted in calls. (A fast
        # marketplace may run again, woken by the subscription coming up, before a slow one has finished.)
        started = time.monotonic()
        first_runs: dict[int, PushRun] = {}
        while len(first_runs) < 3:
            await asyncio.sleep(0.1)
            if time.monotonic() - started > 120:
                raise RuntimeError("the bulk push did not finish")
            for run in pusher.runs:
                first_runs.setdefault(run.marketplace_id, run)
        bulk = {slug: first_runs[c.marketplace_id].calls for slug, c in connections.items()}
        minimum = {"uzum": math.ceil(BULK / 100), "wildberries": math.ceil(BULK / 1000), "ozon": math.ceil(BULK / 100)}
        await asyncio.sleep(1.5)  # let Uzum's one-request-a-second bucket refill
        latencies = []
        for index in range(sales):
            product = products[index]
            async with pool.acquire() as conn, effects.transaction(conn) as uow:
                await orders.place(
                    uow, orders.NewOrder(own, (orders.Line(product, 1),), orders.Customer("Bench", "+998900000000"))
                )
            committed = time.time()  # and announced: the unit of work publishes right after its commit
            while True:
                seen = [
                    _accepted_at(uzum, "POST /v2/fbs/sku/stocks", committed, f"478{product:010d}"),
                    _accepted_at(wb, "PUT /api/v3/stocks/*", committed, 40_000 + product),
                    _accepted_at(ozon, "POST /v2/products/stocks", committed, f"B-{index + 1}"),
                ]
                if all(seen):
                    latencies.append(max(seen) - committed)  # type: ignore[type-var]
                    break
                if time.time() - committed > 30:
                    raise RuntimeError(f"sale {index} did not reach every marketplace: {seen}")
                await asyncio.sleep(0.005)
            await asyncio.sleep(1.0)  # sales a second apart: Uzum allows about one request a second
        stop.set()
        await asyncio.wait_for(runner, 10)
        return latencies, {slug: (bulk[slug], minimum[slug]) for slug in minimum}
    finally:
        stop.set()
        await subscriber.close()
        await pool.close()
        await redis.aclose()
        for sandbox in (uzum, wb, ozon, yandex):
            await sandbox.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=40)
    args = parser.parse_args()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-push-")))
        server = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_postgres(workdir / "pg"))
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis(workdir / "redis"))
        url = asyncio.run(recreate_database(server, BENCH_DATABASE))
        try:
            latencies, calls = asyncio.run(propagation(url, redis_url, args.sales))
        finally:
            asyncio.run(drop_database(server, BENCH_DATABASE))
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
    print(f"sale -> every marketplace accepted the new stock ({len(latencies)} sales, one a second)")
    median, worst = statistics.median(ordered) * 1000, ordered[-1] * 1000
    print(f"  p50 {median:7.1f} ms   p99 {p99 * 1000:7.1f} ms   max {worst:7.1f} ms")
    print(f"API calls for {BULK} SKUs changed at once (used / minimum the batch limits allow)")
    for slug, (used, minimum) in calls.items():
        print(f"  {slug:12s} {used:4d} / {minimum:4d}")
    emit(
        propagation_p50_ms=median,
        propagation_p99_ms=p99 * 1000,
        **{f"calls_{slug}": used for slug, (used, _) in calls.items()},
        **{f"calls_min_{slug}": minimum for slug, (_, minimum) in calls.items()},
    )


if __name__ == "__main__":
    main()
