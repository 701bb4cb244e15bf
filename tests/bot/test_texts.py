"""Every text of the bot exists in Uzbek and Russian, with the same placeholders as the source."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import LOCALES_DIR, create_i18n

BOT_DIR = Path(__file__).resolve().parents[2] / "bot"
KEYWORDS = {"_": None, "__": None, "gettext": None, "ngettext": (1, 2)}


def _source_texts() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(BOT_DIR), keywords=KEYWORDS):
        found.add(message)
    return found


def _fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


def _catalog(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file, locale=language)


@pytest.mark.parametrize("language", ["uz", "ru"])
def test_every_text_is_translated_with_the_same_placeholders(language: str) -> None:
    catalog = _catalog(language)
    texts = _source_texts()
    assert len(texts) > 100
    for source in texts:
        message = catalog.get(source)
        assert message is not None and not message.fuzzy, f"{language}: {source!r} is not translated"
        singular = source[0] if isinstance(source, tuple) else source
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        for translated in translations:
            assert translated, f"{language}: {source!r} has an empty translation"
            assert _fields(translated) == _fields(singular), f"{language}: placeholders of {source!r} differ"


def test_russian_plurals_have_three_forms() -> None:
    i18n = create_i18n()
    forms = [i18n.gettext("🔔 {count} alert:", "🔔 {count} alerts:", n, locale="ru") for n in (1, 3, 5, 21)]
    assert [re.sub(r"[^а-я]", "", form) for form in forms] == [
        "уведомление",
        "уведомления",
        "уведомлений",
        "уведомление",
    ]
