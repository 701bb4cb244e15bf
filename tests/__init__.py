"""The test suite. Importing the application package first makes every test process run aiogram the way
the service does (Telegram types built on first use, amazing_store.telegram_types)."""

import amazing_store  # noqa: F401
