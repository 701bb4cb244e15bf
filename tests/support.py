"""Small helpers shared by tests."""

from __future__ import annotations

from core.settings import Settings

TEST_BOT_TOKEN = "123456:TEST-token"


def changed(settings: Settings, **changes: object) -> Settings:
    """A validated copy of settings with some values changed (model_copy would skip validation)."""
    return Settings(_env_file=None, **{**settings.model_dump(), **changes})
