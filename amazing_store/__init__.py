"""Composition root: the CLI and the wiring that runs the web server, the bot and the jobs in one loop."""

from amazing_store.telegram_types import install as _defer_telegram_types

# Before anything imports aiogram: its Telegram types are then built on first use (~100 MiB less per process).
_defer_telegram_types()
