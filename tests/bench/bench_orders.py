"""Order placements per second through core.orders.place, next to pgbench running the same SQL.

Run: .venv/bin/python -m tests.bench.bench_orders [--seconds 10] [--clients 16] [--rounds 2]
Uses DATABASE_URL's server when set (a scratch database `amazing_store_bench` beside it), else an embedded
PostgreSQL in a temporary folder; REDIS_URL's Redis, else an embedded one (each placement is a unit of work that
publishes its stock after the commit, as in the product). Prints the two rates and their ratio; cleans up after
itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import asyncpg
from redis.asyncio import Redis

from core import fees, inventory, orders
from core.db import create_pool
from core.embedded import embedded_postgres, embedded_redis
from core.migrations import migrate
from core.unit_of_work import Effects
from tests.bench.figures import emit
from tests.databases import drop_database, recreate_database

BENCH_DATABASE = "amazing_store_bench"
PRODUCTS = 1000
STOCK = 1_000_000


async def prepare(url: str, redis_url: str) -> int:
    """Migrate and load a catalog with plenty of stock; returns the manual channel's id."""
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        channel = await conn.fetchval(
            "INSERT INTO marketplaces (name, slug, integration_type, order_prefix)"
            " VALUES ('OLX', 'olx', 'manual', 'OLX') RETURNING id"
        )
        await conn.execute(
            """
            WITH created AS (
                INSERT INTO products (sku, name_uz, price, cost_price)
                SELECT 'BENCH-' || n, 'Mahsulot ' || n, 100000, 60000 FROM generate_series(1, $1) AS n
                RETURNING id
            )
            INSERT INTO inventory (product_id) SELECT id FROM created
            """,
            PRODUCTS,
        )
        redis = Redis.from_url(redis_url)
        async with Effects(redis).transaction(conn) as uow:
            for product_id in range(1, PRODUCTS + 1):
                await inventory.receive(uow, product_id, STOCK, inventory.Source(notes="bench"), opening=True)
        await redis.aclose()
        await conn.execute("ANALYZE")  # statistics, as a live database has them: plans fit the table sizes
        return channel
    finally:
        await conn.close()


async def python_rate(url: str, redis_url: str, channel: int, clients: int, seconds: float) -> float:
    pool = await create_pool(url, min_size=clients, max_size=clients)
    redis = Redis.from_url(redis_url)
    effects = Effects(redis)
    customer = orders.Customer("Bench", "+998900000000")
    deadline = time.monotonic() + seconds
    placed = 0

    async def client() -> None:
        nonlocal placed
        while time.monotonic() < deadline:
            line = orders.Line(random.randint(1, PRODUCTS), 1, price=Decimal("95000"))
            async with pool.acquire() as conn, effects.transaction(conn) as uow:
                await orders.place(uow, orders.NewOrder(channel, (line,), customer))
            placed += 1

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.monotonic() - started
    await pool.close()
    await redis.aclose()
    return placed / elapsed


def _bind(sql: str, values: dict[str, str]) -> str:
    """The statement core runs, with its parameters ($n or :name) replaced by pgbench variables or literals."""
    return re.sub(r"\$(\d+)|(?<![:\w]):([A-Za-z_]\w*)", lambda match: values[match[1] or match[2]], sql).strip()


def pgbench_script(channel: int) -> str:
    """The statements `orders.place` runs for a one-line manual order, in the same order."""
    lines = [
        f"\\set product random(1, {PRODUCTS})",
        "BEGIN;",
        _bind(orders._PRODUCTS, {"1": "ARRAY[:product]", "2": str(channel)}) + ";",
        _bind(
            orders._WRITE_ORDER,
            {
                "number_prefix": "'PGB-'",
                "channel_id": str(channel),
                "marketplace_order_id": "NULL",
                "user_id": "NULL",
                "created_by": "NULL",
                "customer_name": "'Bench'",
                "customer_phone": "'+998900000000'",
                "customer_address": "NULL",
                "subtotal": "95000",
                "delivery_fee": "0",
                "total": "95000",
                "total_cost": "60000",
                "total_profit": "35000",
                "total_commission": "0",
                "payment_status": "'unpaid'",
                "payment_method": "NULL",
                "note": "NULL",
                "placed_at": "NULL",
                "currency": "'UZS'",
                "product_ids": "ARRAY[:product]",
                "product_names": "ARRAY['Mahsulot']",
                "product_skus": "ARRAY['BENCH']",
                "listing_ids": "ARRAY[NULL]",
                "prices": "ARRAY[95000]",
                "cost_prices": "ARRAY[60000]",
                "quantities": "ARRAY[1]",
                "subtotals": "ARRAY[95000]",
                "commission_rates": "ARRAY[0]",
                "commissions": "ARRAY[0]",
                "profits": "ARRAY[35000]",
                "status": "'pending'",
                "status_note": "'placed via OLX'",
                "changed_by": "NULL",
            },
        )
        + " \\gset order_",
        _bind(fees._ESTIMATE, {"1": ":order_id", "2": "'uzum'"}) + ";",
        _bind(
            inventory._WRITE,
            {
                "product_ids": "ARRAY[:product]",
                "quantity_changes": "ARRAY[-1]",
                "reserved_changes": "ARRAY[0]",
                "movement": "'sale'",
                "reference_type": "'order'",
                "reference_id": ":order_id",
                "marketplace_id": str(channel),
                "notes": "'PGB'",
                "created_by": "NULL",
                "moved_ids": "ARRAY[:product]",
            },
        )
        + ";",
        "COMMIT;",
    ]
    # pgbench reads one statement per line (a \gset must end its line).
    return "\n".join(" ".join(line.split()) for line in lines) + "\n"


def pgbench_rate(url: str, channel: int, clients: int, seconds: int, workdir: Path) -> float:
    script = workdir / "place_order.sql"
    script.write_text(pgbench_script(channel))
    binary = shutil.which("pgbench") or str(
        Path(__import__("embedded_postgres").__file__).parent / "pginstall" / "bin" / "pgbench"
    )
    result = subprocess.run(
        [binary, "-n", "-M", "prepared", "-c", str(clients), "-j", "2", "-T", str(seconds), "-f", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"tps = ([\d.]+)", result.stdout)
    if match is None:
        raise RuntimeError(f"pgbench printed no tps:\n{result.stdout}\n{result.stderr}")
    return float(match.group(1))


async def verify(url: str) -> tuple[int, int]:
    """Ledger sanity after both runs: (orders written, products whose count disagrees with its ledger)."""
    conn = await asyncpg.connect(url)
    try:
        placed = await conn.fetchval("SELECT count(*) FROM orders")
        drift = await conn.fetchval(
            """
            SELECT count(*) FROM inventory i
             WHERE i.quantity <> (SELECT COALESCE(SUM(quantity_change), 0) FROM inventory_movements m
                                   WHERE m.product_id = i.product_id)
            """
        )
        return placed, drift
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds of both sides")
    args = parser.parse_args()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-orders-")))
        server = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_postgres(workdir / "pg"))
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis(workdir / "redis"))
        url = asyncio.run(recreate_database(server, BENCH_DATABASE))
        try:
            channel = asyncio.run(prepare(url, redis_url))
            # Interleaved rounds, each side's rate averaged: whichever side ran first on the fresh tables, or
            # while autovacuum tidied after the other, would otherwise be favoured.
            our_rates, their_rates = [], []
            for _ in range(args.rounds):
                our_rates.append(asyncio.run(python_rate(url, redis_url, channel, args.clients, args.seconds)))
                their_rates.append(pgbench_rate(url, channel, args.clients, args.seconds, workdir))
            ours, theirs = statistics.fmean(our_rates), statistics.fmean(their_rates)
            placed, drift = asyncio.run(verify(url))
        finally:
            asyncio.run(drop_database(server, BENCH_DATABASE))
    print(
        f"order placements/s, {args.clients} clients, {args.rounds} interleaved rounds of {args.seconds} s,"
        f" {PRODUCTS} products"
    )
    print(f"  core.orders.place (asyncpg) : {ours:8.1f}  (rounds: {', '.join(f'{r:.0f}' for r in our_rates)})")
    print(f"  pgbench, same SQL (prepared): {theirs:8.1f}  (rounds: {', '.join(f'{r:.0f}' for r in their_rates)})")
    print(f"  ratio                       : {ours / theirs:8.2f}")
    print(f"  orders written {placed}, products whose count disagrees with the ledger: {drift}")
    emit(orders_per_s=ours, pgbench_tps=theirs)


if __name__ == "__main__":
    main()
