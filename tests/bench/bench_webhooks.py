"""Webhook ingest of the running app: Ozon-style pushes posted to its real receiver route, then the worker's backlog.

Run: .venv/bin/python -m tests.bench.bench_webhooks [--seconds 10] [--concurrency 32] [--rate EVENTS_PER_S]
Uses DATABASE_URL/REDIS_URL when set (a scratch database beside it), else embedded servers in a temporary folder.
The app (`python -m amazing_store run`, no bot, no demo marketplaces) runs as a subprocess behind a pretend proxy on
127.0.0.1; a separate sender process posts distinct TYPE_STATE_CHANGED events (non-cancel states, which the worker
marks processed without calling Ozon) from Ozon's address, timing each acknowledgement. Prints one table.
By default each connection sends its next event as soon as the last is acknowledged (the most the app takes);
with --rate the events are sent on a fixed schedule, as a marketplace pushes whether we keep up or not, and each
latency counts from the moment its event was due (so a stall shows in every event it delays).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from multiprocessing.connection import Connection as Pipe
from pathlib import Path

import aiohttp
import asyncpg
from cryptography.fernet import Fernet
from redis.asyncio import Redis

from core import marketplaces
from core.db import create_pool
from core.embedded import embedded_postgres, embedded_redis, free_port
from core.migrations import migrate
from core.subscriber import Subscriber
from core.unit_of_work import Effects
from core.vault import Vault
from sync.webhook_worker import WebhookWorker
from tests.bench.figures import emit
from tests.databases import drop_database, recreate_database

BENCH_DATABASE = "amazing_store_bench_webhooks"
OZON_ADDRESS = "195.34.21.10"
# Where Ozon's API would be: a closed local port, so that nothing this bench starts can reach the internet.
NOWHERE = "http://127.0.0.1:9"
# States a posting moves through before it is shipped; none of them is a cancellation.
STATES = (
    "posting_acceptance_in_progress",
    "posting_awaiting_registration",
    "posting_transferring_to_delivery",
    "posting_in_carriage",
    "posting_delivered",
)
START_TIMEOUT = 60.0
DRAIN_TIMEOUT = 60.0


@dataclass(frozen=True)
class Sent:
    elapsed: float
    latencies: list[float]
    statuses: dict[int, int]
    errors: int


async def prepare(url: str, redis_url: str, vault: Vault) -> str:
    """Migrate, register Ozon with a secret webhook path; returns the path."""
    conn = await asyncpg.connect(url)
    redis = Redis.from_url(redis_url)
    try:
        await migrate(conn)
        await conn.execute(
            "INSERT INTO marketplaces (name, slug, integration_type, api_type) VALUES ('Ozon', 'ozon', 'api', 'ozon')"
        )
        async with Effects(redis).transaction(conn) as uow:
            configured = await marketplaces.configure(
                uow, "ozon", marketplaces.Changes(base_url=NOWHERE, new_webhook_token=True), vault
            )
        path = configured.webhook_path
    finally:
        await conn.close()
        await redis.aclose()
    assert path is not None
    return path


def start_app(database_url: str, redis_url: str, port: int, secret_key: str, workdir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_PORT": str(port),
        "TRUSTED_PROXIES": "127.0.0.1/32",
        "DEMO_MARKETPLACES": "false",
        "SECRET_KEY": secret_key,
        "DATA_DIR": str(workdir / "data"),
        "LOG_LEVEL": "WARNING",
        # Empty means unset; it also beats a BOT_TOKEN from the caller's environment.
        "BOT_TOKEN": "",
        "PUBLIC_URL": "",
    }
    log = (workdir / "app.log").open("wb")
    # Run from the scratch folder so that a developer's .env is not read.
    return subprocess.Popen(
        [sys.executable, "-m", "amazing_store", "run"], cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
    )


async def wait_ready(base: str, app: subprocess.Popen[bytes], workdir: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if app.poll() is not None:
                raise RuntimeError(f"the app exited with {app.returncode}:\n{(workdir / 'app.log').read_text()}")
            try:
                async with session.get(f"{base}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the app was not ready within {START_TIMEOUT:.0f} s:\n{(workdir / 'app.log').read_text()}")


def stop_app(app: subprocess.Popen[bytes]) -> None:
    if app.poll() is None:
        app.send_signal(signal.SIGINT)  # aiohttp shuts down gracefully on SIGINT
        try:
            app.wait(30)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()


def _event(client: int, sequence: int) -> bytes:
    """A distinct event each time: its identity is (type, posting, moment), as the receiver dedupes on it."""
    return json.dumps(
        {
            "message_type": "TYPE_STATE_CHANGED",
            "seller_id": 777,
            "warehouse_id": 1_020_000_000_000_001,
            "posting_number": f"{80_000_000 + client:08d}-{sequence:05d}-1",
            "new_state": STATES[sequence % len(STATES)],
            "changed_state_date": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        }
    ).encode()


async def _send(url: str, seconds: float, concurrency: int, rate: float | None) -> Sent:
    headers = {"Content-Type": "application/json", "X-Forwarded-For": OZON_ADDRESS}
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        ping = json.dumps({"message_type": "TYPE_PING", "time": datetime.now(UTC).isoformat()}).encode()
        async with session.post(url, data=ping, headers=headers) as response:  # connections warm, route checked
            if response.status != 200:
                raise RuntimeError(f"the receiver answered TYPE_PING with {response.status}: {await response.text()}")
        began = time.perf_counter()
        deadline = began + seconds
        interval = concurrency / rate if rate else 0.0  # between one connection's events

        async def client(index: int) -> None:
            nonlocal errors
            sequence = 0
            due = began + index * interval / concurrency  # the connections' schedules interleave
            while (due if rate else time.perf_counter()) < deadline:
                sequence += 1
                body = _event(index, sequence)
                if rate:
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                    started, due = due, due + interval
                else:
                    started = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        await response.read()
                        statuses[response.status] += 1
                except aiohttp.ClientError:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - started)

        await asyncio.gather(*(client(index) for index in range(concurrency)))
        elapsed = time.perf_counter() - began
    return Sent(elapsed, latencies, dict(statuses), errors)


def sender(url: str, seconds: float, concurrency: int, rate: float | None, results: Pipe) -> None:
    """The sending process: its own interpreter and event loop, so the sender does not share a CPU budget with
    the parent's bookkeeping."""
    # A plain dict: the parent need not resolve this module's classes under the child's module name.
    results.send(asdict(asyncio.run(_send(url, seconds, concurrency, rate))))
    results.close()


def send_from_another_process(url: str, seconds: float, concurrency: int, rate: float | None) -> Sent:
    context = multiprocessing.get_context("spawn")
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=sender, args=(url, seconds, concurrency, rate, sending))
    process.start()
    sending.close()
    try:
        if not receiving.poll(seconds + 60):
            raise RuntimeError("the sender did not report")
        return Sent(**receiving.recv())
    finally:
        process.join(10)
        if process.is_alive():
            process.kill()
            process.join()


async def counts(url: str) -> tuple[int, int]:
    """(stored events, events still waiting for the worker)."""
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS stored,"
            " count(*) FILTER (WHERE status IN ('pending', 'retry')) AS waiting"
            " FROM marketplace_webhooks"
        )
        return row["stored"], row["waiting"]
    finally:
        await conn.close()


async def wait_drained(url: str) -> float | None:
    """Seconds until the app's own worker has no event left, or None if it did not manage within the timeout."""
    conn = await asyncpg.connect(url)
    try:
        started = time.monotonic()
        while time.monotonic() - started < DRAIN_TIMEOUT:
            if not await conn.fetchval(
                "SELECT count(*) FROM marketplace_webhooks WHERE status IN ('pending', 'retry')"
            ):
                return time.monotonic() - started
            await asyncio.sleep(0.05)
        return None
    finally:
        await conn.close()


async def reprocess(url: str, redis_url: str, vault: Vault) -> tuple[int, float, Counter[str]]:
    """The whole stored backlog once more, by one worker alone (the app stopped): as after a restart."""
    pool = await create_pool(url, max_size=4)
    redis = Redis.from_url(redis_url)
    try:
        await pool.execute(
            "UPDATE marketplace_webhooks SET status = 'pending', processed_at = NULL,"
            " retry_count = 0, next_attempt_at = NOW()"
        )
        # process_due alone: nothing to hear
        worker = WebhookWorker(pool, redis, Subscriber(redis), Effects(redis), vault)
        async with aiohttp.ClientSession() as session:
            started = time.monotonic()
            handled = await worker.process_due(session)
            elapsed = time.monotonic() - started
        outcome = Counter(row["status"] for row in await pool.fetch("SELECT status FROM marketplace_webhooks"))
        return handled, elapsed, outcome
    finally:
        await redis.aclose()
        await pool.close()


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, help="events per second on a fixed schedule (default: as fast as acked)")
    args = parser.parse_args()
    secret_key = Fernet.generate_key().decode()
    vault = Vault(secret_key)
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-webhooks-")))
        server = os.environ.get("DATABASE_URL") or stack.enter_context(embedded_postgres(workdir / "pg"))
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(embedded_redis(workdir / "redis"))
        url = asyncio.run(recreate_database(server, BENCH_DATABASE))
        try:
            path = asyncio.run(prepare(url, redis_url, vault))
            port = free_port()
            app = start_app(url, redis_url, port, secret_key, workdir)
            try:
                asyncio.run(wait_ready(f"http://127.0.0.1:{port}", app, workdir))
                sent = send_from_another_process(
                    f"http://127.0.0.1:{port}{path}", args.seconds, args.concurrency, args.rate
                )
                stored, waiting = asyncio.run(counts(url))
                drained = asyncio.run(wait_drained(url))
            finally:
                stop_app(app)
            handled, elapsed, outcome = asyncio.run(reprocess(url, redis_url, vault))
        finally:
            asyncio.run(drop_database(server, BENCH_DATABASE))

    acked = sent.statuses.get(200, 0)
    ordered = sorted(sent.latencies)
    rows = [
        ("events acknowledged (200) / stored", f"{acked} / {stored}"),
        ("other answers / connection errors", f"{sum(sent.statuses.values()) - acked} / {sent.errors}"),
        ("ingest, events/s", f"{acked / sent.elapsed:.0f}"),
        (
            "ack latency p50 / p99 / max, ms",
            f"{statistics.median(ordered) * 1000:.1f} / "
            f"{_percentile(ordered, 0.99) * 1000:.1f} / {ordered[-1] * 1000:.1f}",
        ),
        ("backlog when the senders stopped", f"{waiting} events (the app's worker ran alongside)"),
        ("app's worker drained it in", "did not finish" if drained is None else f"{drained:.2f} s"),
        ("one worker, whole backlog again", f"{handled} events in {elapsed:.1f} s = {handled / elapsed:.0f} events/s"),
        ("backlog outcome", ", ".join(f"{status} {count}" for status, count in sorted(outcome.items()))),
    ]
    print(
        f"Ozon pushes (distinct TYPE_STATE_CHANGED, non-cancel states) -> POST /webhooks/ozon/<token> of the app;"
        f" {args.concurrency} connections from another process for {sent.elapsed:.1f} s,"
        f" {f'{args.rate:.0f} events/s offered' if args.rate else 'each sending as soon as acknowledged'}"
    )
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    emit(
        webhook_ingest_per_s=acked / sent.elapsed,
        webhook_ack_p99_ms=_percentile(ordered, 0.99) * 1000,
        webhook_processed_per_s=handled / elapsed,
    )


if __name__ == "__main__":
    main()
