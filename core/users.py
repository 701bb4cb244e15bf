"""Telegram users of the store: registration on first contact, language, and the admin flag."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.db import Conn
from core.errors import NotFound, ValidationError
from core.phones import normalize_phone
from core.sql import update_by_id

LANGUAGES = ("uz", "ru")


def language_from_telegram(language_code: str | None) -> str:
    """Telegram's language_code (e.g. 'ru', 'uz', 'en-US') mapped onto the two store languages."""
    code = (language_code or "").split("-")[0].lower()
    return code if code in LANGUAGES else "uz"


@dataclass(frozen=True)
class TelegramProfile:
    telegram_id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True)
class User:
    """A users row: the Mini App's profile, and who the bot is speaking with."""

    id: int
    telegram_id: int
    first_name: str
    last_name: str | None
    username: str | None
    phone: str | None  # E.164
    language: str  # one of LANGUAGES
    is_admin: bool
    is_active: bool  # False: the shop banned the account from the Mini App


@dataclass(frozen=True)
class Admin:
    telegram_id: int
    first_name: str
    username: str | None


_UPSERT = """
INSERT INTO users (telegram_id, first_name, last_name, username, language, last_login_at)
VALUES ($1, $2, $3, $4, $5, NOW())
ON CONFLICT (telegram_id) DO UPDATE
   SET first_name = EXCLUDED.first_name,
       last_name = EXCLUDED.last_name,
       username = EXCLUDED.username,
       last_login_at = NOW()
RETURNING id, telegram_id, first_name, last_name, username, phone, language, is_admin, is_active
"""


async def register(conn: Conn, profile: TelegramProfile) -> User:
    """Create or refresh the user behind a Telegram profile.

    The language is taken from Telegram only on first contact: after that it is the user's own choice.
    """
    row = await conn.fetchrow(
        _UPSERT,
        profile.telegram_id,
        (profile.first_name or str(profile.telegram_id))[:100],
        profile.last_name[:100] if profile.last_name else None,
        profile.username[:100] if profile.username else None,
        language_from_telegram(profile.language_code),
    )
    assert row is not None  # an upsert returns its row, inserted or updated
    return User(**row)


async def set_admin(conn: Conn, telegram_id: int, is_admin: bool) -> bool:
    """Grant or revoke admin rights; an unknown id is registered so the grant waits for its first /start.

    Returns whether anything changed.
    """
    if is_admin:
        status = await conn.execute(
            """
            INSERT INTO users (telegram_id, first_name, is_admin) VALUES ($1, $2, TRUE)
            ON CONFLICT (telegram_id) DO UPDATE SET is_admin = TRUE WHERE users.is_admin = FALSE
            """,
            telegram_id,
            str(telegram_id),
        )
    else:
        status = await conn.execute(
            "UPDATE users SET is_admin = FALSE WHERE telegram_id = $1 AND is_admin", telegram_id
        )
    return not status.endswith(" 0")


async def list_admins(conn: Conn) -> list[Admin]:
    rows = await conn.fetch("SELECT telegram_id, first_name, username FROM users WHERE is_admin ORDER BY telegram_id")
    return [Admin(**row) for row in rows]


async def admin_languages(conn: Conn, also: Sequence[int] = ()) -> dict[int, str]:
    """Each admin's Telegram id and language: users.is_admin, and the ids in `also` (ADMIN_IDS), which speak
    Uzbek until they write to the bot."""
    rows = await conn.fetch(
        "SELECT telegram_id, language FROM users WHERE is_admin OR telegram_id = ANY($1::bigint[])", list(also)
    )
    return {telegram_id: "uz" for telegram_id in also} | {row["telegram_id"]: row["language"] for row in rows}


_PROFILE = "SELECT id, telegram_id, first_name, last_name, username, phone, language, is_admin, is_active FROM users"


async def by_telegram_id(conn: Conn, telegram_id: int) -> User | None:
    row = await conn.fetchrow(f"{_PROFILE} WHERE telegram_id = $1", telegram_id)
    return None if row is None else User(**row)


async def profile(conn: Conn, user_id: int) -> User:
    row = await conn.fetchrow(f"{_PROFILE} WHERE id = $1", user_id)
    if row is None:
        raise NotFound("user", user_id)
    return User(**row)


async def update_profile(conn: Conn, user_id: int, changes: dict[str, str | None]) -> User:
    """Change some of first_name, last_name, phone (normalised to E.164) and language."""
    allowed = {"first_name", "last_name", "phone", "language"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(f"cannot change {', '.join(sorted(unknown))}", sorted(unknown)[0])
    values = dict(changes)
    if "first_name" in values and not (values["first_name"] or "").strip():
        raise ValidationError("the first name cannot be empty", "first_name")
    if phone := values.get("phone"):
        values["phone"] = normalize_phone(phone)
    if "language" in values and values["language"] not in LANGUAGES:
        raise ValidationError("language must be uz or ru", "language")
    if values:
        await conn.execute(update_by_id("users", list(values)), user_id, *values.values())
    return await profile(conn, user_id)
