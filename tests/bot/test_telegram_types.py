"""aiogram's Telegram types are built on first use (amazing_store.telegram_types), and then behave as built.

The patch goes through pydantic's private model_rebuild arguments and aiogram's import-time rebuild loop;
pyproject.toml pins both libraries to the minor versions tested here. An upgrade that breaks the patch, or
quietly stops it saving memory, fails one of these tests."""

import subprocess
import sys

# Validating an update, as the bot does for every one it receives.
RECEIVE_AN_UPDATE = """
from aiogram.types import Update
update = Update.model_validate({"update_id": 7, "message": {
    "message_id": 1, "date": 0, "chat": {"id": 5, "type": "private"}, "text": "/start"}})
assert update.message.text == "/start"
"""

# VmHWM, not getrusage's ru_maxrss: that one keeps the peak of the forking process (this test runner's).
PEAK_RSS = """
import re
print(int(re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)) // 1024)
"""

# What the deferral saves at least; it measured 103 MiB (165 MiB eager, 62 MiB deferred) with aiogram 3.31.
LEAST_SAVING_MIB = 50

SCRIPT = """
from amazing_store.telegram_types import install
install()
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


def _run(script: str) -> str:
    # A fresh interpreter: this one imported aiogram long ago.
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_types_are_built_when_first_used_and_validate_as_usual() -> None:
    assert _run(SCRIPT) == "ok"


def test_a_process_receiving_updates_keeps_the_memory_the_deferral_saves() -> None:
    eager = int(_run(RECEIVE_AN_UPDATE + PEAK_RSS))
    deferred = int(_run("from amazing_store.telegram_types import install\ninstall()\n" + RECEIVE_AN_UPDATE + PEAK_RSS))
    assert deferred + LEAST_SAVING_MIB <= eager, f"peak RSS {deferred} MiB deferred, {eager} MiB eager"
