"""Applies the numbered sql/NNN_*.sql files once each, in order, under an advisory lock.

A file that was applied and then edited is refused: history in the database must match the code.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from core.db import Conn

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same in every process that migrates this database.
MIGRATION_LOCK_KEY = 0x616D617A696E67  # "amazing"

_FILE_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class MigrationError(Exception):
    """The database's migration history disagrees with the files shipped with the code."""


@dataclass(frozen=True)
class Migration:
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def shipped_migrations() -> list[Migration]:
    return load_migrations(Path(str(resources.files("sql"))))


def load_migrations(directory: Path) -> list[Migration]:
    migrations = [
        Migration(path.name, path.read_text(encoding="utf-8"))
        for path in sorted(directory.glob("*.sql"))
        if _FILE_NAME.match(path.name)
    ]
    numbers = [m.name[:3] for m in migrations]
    if len(numbers) != len(set(numbers)):
        raise MigrationError(f"two migration files share a number in {directory}")
    return migrations


async def migrate(conn: Conn, migrations: list[Migration] | None = None) -> list[str]:
    """Apply what is pending; returns the names applied (empty when the schema was current)."""
    migrations = shipped_migrations() if migrations is None else migrations
    await conn.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
    try:
        await conn.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name TEXT PRIMARY KEY,
                checksum TEXT NOT NULL,
                applied_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
            )
            """
        )
        applied = {r["name"]: r["checksum"] for r in await conn.fetch("SELECT name, checksum FROM schema_migrations")}
        unknown = sorted(applied.keys() - {m.name for m in migrations})
        if unknown:
            raise MigrationError(
                f"migration {unknown[0]} was applied to this database but is not shipped with the code"
            )
        done = []
        for migration in migrations:
            if migration.name in applied:
                if applied[migration.name] != migration.checksum:
                    raise MigrationError(
                        f"migration {migration.name} changed after it was applied; add a new file instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)",
                    migration.name,
                    migration.checksum,
                )
            log.info("applied migration %s", migration.name)
            done.append(migration.name)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
