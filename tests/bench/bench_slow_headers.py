"""Slow headers ("slowloris"): how long 300 connections that send their headers one line at a time stay open.

Run: .venv/bin/python -m tests.bench.bench_slow_headers   (SLOW_CONNECTIONS, SLOW_CAP_SECONDS to change the load)
A real `amazing-store run` (embedded PostgreSQL and Redis) is started; every connection sends a request line and
then one header line every 2 s, never the blank line that ends the headers. A connection counts as closed when the
server ends it (EOF or reset); one still open at the cap is reported as open for the whole cap.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path

from core.embedded import free_port
from tests.bench.bench_media import start_app
from tests.bench.figures import emit

CONNECTIONS = int(os.environ.get("SLOW_CONNECTIONS", "300"))
CAP_SECONDS = float(os.environ.get("SLOW_CAP_SECONDS", "120"))
LINE_EVERY_SECONDS = 2.0


async def slow_client(port: int) -> float:
    """Seconds from connecting until the server closed the connection (CAP_SECONDS if it never did)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    writer.write(b"GET /api/shop HTTP/1.1\r\nHost: localhost\r\n")
    try:
        line = 0
        while time.monotonic() - started < CAP_SECONDS:
            try:
                if await asyncio.wait_for(reader.read(1), LINE_EVERY_SECONDS) == b"":
                    return time.monotonic() - started
            except TimeoutError:
                pass
            line += 1
            writer.write(f"X-Slow-{line}: {line}\r\n".encode())
            await writer.drain()
        return CAP_SECONDS
    except ConnectionError:
        return time.monotonic() - started
    finally:
        writer.close()


async def measure(port: int) -> list[float]:
    return list(await asyncio.gather(*(slow_client(port) for _ in range(CONNECTIONS))))


def main() -> None:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-slow-headers-") as folder:
        process = start_app(Path(folder) / "data", port)
        try:
            open_for = asyncio.run(measure(port))
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    still_open = sum(1 for seconds in open_for if seconds >= CAP_SECONDS)
    print(f"{CONNECTIONS} connections sending a header line every {LINE_EVERY_SECONDS:.0f} s, cap {CAP_SECONDS:.0f} s")
    print(f"  open for: median {statistics.median(open_for):6.1f} s, max {max(open_for):6.1f} s")
    print(f"  still open at the cap: {still_open}")
    emit(slow_headers_median_s=statistics.median(open_for), slow_headers_max_s=max(open_for))


if __name__ == "__main__":
    main()
