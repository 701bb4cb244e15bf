"""Who may run the shop from the bot: users.is_admin or ADMIN_IDS. A router-level filter, so anything a
non-admin sends falls through to the customers' routers and, for admin commands, to the polite refusal."""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters import Filter
from aiogram.types import TelegramObject

from core.settings import Settings
from core.users import User


def is_admin(user: User | None, settings: Settings) -> bool:
    return user is not None and (user.is_admin or user.telegram_id in settings.admin_ids)


class IsAdmin(Filter):
    """Passes admins and hands their users row to handlers as `admin`."""

    async def __call__(
        self, event: TelegramObject, settings: Settings, user: User | None = None
    ) -> bool | dict[str, Any]:
        return {"admin": user} if is_admin(user, settings) else False


def admin_router(name: str) -> Router:
    """A router only admins' messages and buttons enter; the rest falls through to the routers after it."""
    router = Router(name=name)
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    return router
