"""Cold and warm start: from launching `amazing-store run` to /readyz answering 200.

Run: .venv/bin/python -m tests.bench.bench_start
Cold = an empty DATA_DIR (the embedded PostgreSQL is initialised, every migration applied); warm = the same
DATA_DIR again. No BOT_TOKEN, no marketplace credentials (the demo sandboxes start as a new user's would).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from core.embedded import free_port
from tests.bench.figures import emit


def start_seconds(data_dir: Path) -> float:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "BOT_TOKEN")}
    env.update(DATA_DIR=str(data_dir), HTTP_PORT=str(port), LOG_LEVEL="WARNING")
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "amazing_store", "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.monotonic() - started < 120:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
                    if answer.status == 200:
                        return time.monotonic() - started
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the process did not become ready within 120 s")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-start-") as folder:
        cold = start_seconds(Path(folder) / "data")
        warm = start_seconds(Path(folder) / "data")
    print("start until /readyz answers 200 (embedded PostgreSQL and Redis)")
    print(f"  cold (empty data dir: initdb, migrations) {cold:6.2f} s")
    print(f"  warm (same data dir again)                {warm:6.2f} s")
    emit(cold_start_s=cold, warm_start_s=warm)


if __name__ == "__main__":
    main()
