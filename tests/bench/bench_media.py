"""A warm product thumbnail: GET /media/<key>-thumb.webp from the directory backend, through the whole app.

Run: .venv/bin/python -m tests.bench.bench_media [--requests 3000] [--connections 16]
The app runs as `python -m amazing_store run` in its own process (no BOT_TOKEN; embedded PostgreSQL and Redis
in a temporary DATA_DIR, whose media folder holds one photo kept as the bot or the photo job keeps it). After a
warm-up, the latency of each request is taken one at a time (a phone opening the list), then with
`--connections` clients at once (a busy store); p50 / p95 / p99 of both.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import aiohttp
from PIL import Image, ImageDraw

from core import media
from core.embedded import free_port
from tests.bench.figures import emit

WARMUP = 300


def a_photo() -> bytes:
    """A phone photo's size and some detail, so the thumbnail weighs what a real one does."""
    image = Image.new("RGB", (3000, 4000), "#d8c7a0")
    pen = ImageDraw.Draw(image)
    for step in range(0, 3000, 60):
        pen.line((step, 0, 3000 - step, 4000), fill=(step % 255, 90, 160), width=9)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def start_app(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "BOT_TOKEN")}
    env.update(DATA_DIR=str(data_dir), HTTP_PORT=str(port), LOG_LEVEL="WARNING")
    process = subprocess.Popen(
        [sys.executable, "-m", "amazing_store", "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    started = time.monotonic()
    while time.monotonic() - started < 120:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the app did not become ready within 120 s")


async def latencies(url: str, requests: int, connections: int) -> list[float]:
    taken: list[float] = []
    left = requests

    async def client(session: aiohttp.ClientSession) -> None:
        nonlocal left
        while left > 0:
            left -= 1
            started = time.perf_counter()
            async with session.get(url) as answer:
                await answer.read()
                assert answer.status == 200, answer.status
            taken.append((time.perf_counter() - started) * 1000)

    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector) as session:
        for _ in range(WARMUP):
            async with session.get(url) as answer:
                await answer.read()
        await asyncio.gather(*(client(session) for _ in range(connections)))
    return taken


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49], cuts[94], cuts[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-media-") as folder:
        data_dir = Path(folder)
        key = asyncio.run(media.keep(media.DirectoryStore(data_dir / "media"), a_photo()))
        name = media.file_name(key, "thumb")
        size = (data_dir / "media" / name).stat().st_size
        port = free_port()
        app = start_app(data_dir, port)
        try:
            url = f"http://127.0.0.1:{port}/media/{name}"
            alone = percentiles(asyncio.run(latencies(url, args.requests, 1)))
            busy = percentiles(asyncio.run(latencies(url, args.requests, args.connections)))
        finally:
            app.send_signal(signal.SIGTERM)
            app.wait(timeout=30)
    print(f"thumbnail {name} ({size} bytes), {args.requests} requests each way")
    print(f"  one at a time: p50 {alone[0]:.2f} ms, p95 {alone[1]:.2f} ms, p99 {alone[2]:.2f} ms")
    print(f"  {args.connections} at once:   p50 {busy[0]:.2f} ms, p95 {busy[1]:.2f} ms, p99 {busy[2]:.2f} ms")
    emit(thumb_p95_ms=alone[1], thumb_p95_busy_ms=busy[1], thumb_busy_connections=args.connections)


if __name__ == "__main__":
    main()
