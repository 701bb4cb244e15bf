"""Admin rights granted and revoked by another admin, with the audit row beside the change."""

from __future__ import annotations

from core import audit, users
from core.db import Conn


async def grant(conn: Conn, telegram_id: int, is_admin: bool, actor_id: int | None) -> bool:
    """Make a Telegram user an admin (or take it back); returns whether anything changed."""
    changed = await users.set_admin(conn, telegram_id, is_admin)
    if changed:
        user_id = await conn.fetchval("SELECT id FROM users WHERE telegram_id = $1", telegram_id)
        await audit.record(
            conn,
            actor_id,
            audit.ADMIN_GRANT if is_admin else audit.ADMIN_REVOKE,
            "user",
            user_id,
            {"is_admin": not is_admin},
            {"is_admin": is_admin, "telegram_id": telegram_id},
        )
    return changed
