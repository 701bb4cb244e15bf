"""Every text the bot sends, in Uzbek and Russian."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "greeting": {
        "uz": "Assalomu alaykum, {name}! Amazing Store do'koniga xush kelibsiz.",
        "ru": "Здравствуйте, {name}! Добро пожаловать в Amazing Store.",
    },
    "open_store_hint": {
        "uz": "Do'konni ochish uchun quyidagi tugmani bosing.",
        "ru": "Нажмите кнопку ниже, чтобы открыть магазин.",
    },
    "store_offline": {
        "uz": "Do'kon hozircha ishga tushirilmagan. Tez orada qaytamiz!",
        "ru": "Магазин пока не открыт. Скоро вернёмся!",
    },
    "open_store_button": {"uz": "🛍 Do'konni ochish", "ru": "🛍 Открыть магазин"},
    "menu_button": {"uz": "Do'kon", "ru": "Магазин"},
    "payment_received": {
        "uz": "To'lov qabul qilindi. Buyurtma {number} tasdiqlanishini kuting.",
        "ru": "Оплата получена. Заказ {number} скоро подтвердим.",
    },
}


def t(key: str, language: str, **values: object) -> str:
    variants = TEXTS[key]
    return variants.get(language, variants["uz"]).format(**values)
