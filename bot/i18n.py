"""Texts in Uzbek and Russian through gettext: the `.po` files under bot/locales are the source, compiled in
memory with Babel when the bot starts (no `.mo` files to forget to rebuild), and the middleware that picks
each update's language: the user's stored choice, else Telegram's language_code.

Adding a text: write `_("English text")` in the code, then
`pybabel extract -k _ -k __ -o /tmp/bot.pot bot && pybabel update -i /tmp/bot.pot -d bot/locales`
and translate the new entries of both `.po` files (tests/bot/test_texts.py fails until every text has both).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from gettext import GNUTranslations
from io import BytesIO
from pathlib import Path
from typing import Any

import asyncpg
from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from core import users
from core.settings import Settings

LOCALES_DIR = Path(__file__).parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "uz"


class PoI18n(I18n):
    """aiogram's I18n reading `.po` sources directly."""

    def find_locales(self) -> dict[str, GNUTranslations]:
        translations: dict[str, GNUTranslations] = {}
        for source in sorted(self.path.glob(f"*/LC_MESSAGES/{self.domain}.po")):
            locale = source.parent.parent.name
            with source.open("rb") as file:
                catalog = read_po(file, locale=locale)
            compiled = BytesIO()
            write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
            compiled.seek(0)
            translations[locale] = GNUTranslations(compiled)
        return translations

    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's gettext looks the instance up on I18n's own context variable; a subclass gets another.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)


@functools.cache
def create_i18n() -> I18n:
    """The translations are read-only data: one copy serves every dispatcher and the alert sender."""
    return PoI18n(path=LOCALES_DIR, default_locale=DEFAULT_LOCALE, domain=DOMAIN)


def profile_of(sender: User) -> users.TelegramProfile:
    return users.TelegramProfile(
        telegram_id=sender.id,
        first_name=sender.first_name,
        last_name=sender.last_name,
        username=sender.username,
        language_code=sender.language_code,
    )


class UserLocaleMiddleware(I18nMiddleware):
    """Loads the sender's users row (as `user` for filters and handlers) and takes its language.

    Admins named in ADMIN_IDS are registered on first contact: their orders and audit rows need a users.id."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        sender: User | None = data.get("event_from_user")
        pool: asyncpg.Pool | None = data.get("pool")
        settings: Settings | None = data.get("settings")
        data["user"] = None
        if sender is None or pool is None:
            return DEFAULT_LOCALE
        async with pool.acquire() as conn:
            user = await users.by_telegram_id(conn, sender.id)
            if user is None and settings is not None and sender.id in settings.admin_ids:
                user = await users.register(conn, profile_of(sender))
        data["user"] = user
        if user is not None:
            return user.language
        return users.language_from_telegram(sender.language_code)
