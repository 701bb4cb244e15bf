"""The test suite. Deferring aiogram's Telegram types before any test imports aiogram makes every test process
run it the way the service does (built on first use, amazing_store.telegram_types)."""

from amazing_store.telegram_types import install

install()
