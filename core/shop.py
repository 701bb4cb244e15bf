"""The shop's own settings, edited from the bot: its profile (name, contact phone, working hours, an about text
in uz and ru) shown in /help and the Mini App, and the chat that receives the admins' alerts. The shop's name is
the own-store channel's: one name, renamed here or on the channels screen alike."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from core import audit, channels
from core.db import Conn
from core.errors import NotFound, ValidationError
from core.phones import normalize_phone
from core.unit_of_work import UnitOfWork
from core.users import LANGUAGES


class ProfileField(StrEnum):
    NAME = "name"
    PHONE = "phone"
    HOURS = "hours"
    ABOUT_UZ = "about_uz"
    ABOUT_RU = "about_ru"


# The longest text each free-text field takes (the name is the own store's channel name, the phone a number).
MAX_LENGTH: dict[ProfileField, int] = {
    ProfileField.HOURS: 200,
    ProfileField.ABOUT_UZ: 1000,
    ProfileField.ABOUT_RU: 1000,
}

_ALERT_CHAT = "alert_chat_id"
_ALERT_LANGUAGE = "alert_chat_language"


@dataclass(frozen=True)
class Profile:
    """What customers are told about the shop; a field the seller never filled is None."""

    name: str | None = None
    phone: str | None = None
    hours: str | None = None
    about_uz: str | None = None
    about_ru: str | None = None

    def about(self, language: str) -> str | None:
        """The about text in `language`, else the other one."""
        first, second = (self.about_ru, self.about_uz) if language == "ru" else (self.about_uz, self.about_ru)
        return first or second


async def profile(conn: Conn) -> Profile:
    names = [f.name for f in fields(Profile) if f.name != ProfileField.NAME]
    rows = await conn.fetch("SELECT key, value FROM shop_settings WHERE key = ANY($1::text[])", names)
    name = await conn.fetchval("SELECT name FROM marketplaces WHERE integration_type = 'own'")
    return Profile(name=name, **{row["key"]: row["value"] for row in rows})


def _clean(field: ProfileField, value: str | None) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    if field is ProfileField.PHONE:
        return normalize_phone(cleaned)
    if len(cleaned) > MAX_LENGTH[field]:
        raise ValidationError(f"{field.value} takes at most {MAX_LENGTH[field]} characters", "shop_" + field.value)
    return cleaned


async def _store(conn: Conn, key: str, value: str | None) -> str | None:
    """Write one setting (None removes it); returns the value it had."""
    before: str | None = await conn.fetchval("SELECT value FROM shop_settings WHERE key = $1", key)
    if value is None:
        await conn.execute("DELETE FROM shop_settings WHERE key = $1", key)
    else:
        await conn.execute(
            "INSERT INTO shop_settings (key, value) VALUES ($1, $2)"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = NOW()",
            key,
            value,
        )
    return before


async def set_profile_field(uow: UnitOfWork, field: ProfileField, value: str | None, actor_id: int | None) -> Profile:
    """Set one field of the profile (empty clears it, but a shop always has a name); a phone is kept as
    +998901234567. Audited."""
    conn = uow.conn
    if field is ProfileField.NAME:
        own = await conn.fetchval("SELECT id FROM marketplaces WHERE integration_type = 'own'")
        if own is None:
            raise NotFound("channel", "own store")
        await channels.rename(uow, own, value or "", actor_id)
        return await profile(conn)
    cleaned = _clean(field, value)
    before = await _store(conn, field.value, cleaned)
    if before != cleaned:
        await audit.record(
            conn, actor_id, audit.SHOP_SETTING, "shop_setting", None, {field.value: before}, {field.value: cleaned}
        )
    return await profile(conn)


async def alert_chat(conn: Conn) -> int | None:
    """The chat an admin chose for alerts with /alerts_here, if any (ADMIN_CHAT_ID, when set, wins over it)."""
    value = await conn.fetchval("SELECT value FROM shop_settings WHERE key = $1", _ALERT_CHAT)
    return int(value) if value is not None else None


async def set_alert_chat(conn: Conn, chat_id: int, actor_id: int | None) -> None:
    before = await _store(conn, _ALERT_CHAT, str(chat_id))
    if before != str(chat_id):
        await audit.record(
            conn, actor_id, audit.SHOP_SETTING, "shop_setting", None, {_ALERT_CHAT: before}, {_ALERT_CHAT: chat_id}
        )


_POST_CHANNEL = "post_channel"


async def post_channel(conn: Conn) -> str | None:
    """The channel /post writes to when the admin names none: the last one a post went to by name."""
    value: str | None = await conn.fetchval("SELECT value FROM shop_settings WHERE key = $1", _POST_CHANNEL)
    return value


async def set_post_channel(conn: Conn, channel: str, actor_id: int | None) -> None:
    before = await _store(conn, _POST_CHANNEL, channel)
    if before != channel:
        await audit.record(
            conn, actor_id, audit.SHOP_SETTING, "shop_setting", None, {_POST_CHANNEL: before}, {_POST_CHANNEL: channel}
        )


async def alert_language(conn: Conn) -> str | None:
    """The language an admin chose for the alert group (None: not chosen, see core.notifications.admin_language)."""
    value: str | None = await conn.fetchval("SELECT value FROM shop_settings WHERE key = $1", _ALERT_LANGUAGE)
    return value


async def set_alert_language(conn: Conn, language: str, actor_id: int | None) -> None:
    if language not in LANGUAGES:
        raise ValidationError(f"language must be one of {', '.join(LANGUAGES)}", "language")
    before = await _store(conn, _ALERT_LANGUAGE, language)
    if before != language:
        await audit.record(
            conn,
            actor_id,
            audit.SHOP_SETTING,
            "shop_setting",
            None,
            {_ALERT_LANGUAGE: before},
            {_ALERT_LANGUAGE: language},
        )
