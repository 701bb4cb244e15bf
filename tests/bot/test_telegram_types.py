"""aiogram's Telegram types are built on first use (amazing_store.telegram_types), and then behave as built."""

import subprocess
import sys

SCRIPT = """
import amazing_store
from aiogram.methods import SendSticker
from aiogram.types import Sticker, Update

assert not Sticker.__pydantic_complete__, "imported without building"
update = Update.model_validate({"update_id": 7, "message": {
    "message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"},
    "sticker": {"file_id": "f", "file_unique_id": "u", "type": "regular", "width": 1, "height": 1,
                "is_animated": False, "is_video": False}}})
assert update.message.sticker.file_id == "f"
assert SendSticker(chat_id=5, sticker="f").model_dump()["sticker"] == "f"
try:
    Update.model_validate({"update_id": "not a number"})
except ValueError:
    print("ok")
"""


def test_types_are_built_when_first_used_and_validate_as_usual() -> None:
    # A fresh interpreter: this one imported aiogram long ago.
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr
