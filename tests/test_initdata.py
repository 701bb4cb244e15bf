import pytest
from aiogram.utils.web_app import safe_parse_webapp_init_data

from tests.support import TEST_BOT_TOKEN
from webapp.initdata import sign_init_data


def test_signed_init_data_passes_aiogram_validation() -> None:
    raw = sign_init_data(TEST_BOT_TOKEN, {"id": 7, "first_name": "Ali", "language_code": "ru"}, query_id="AAH")
    parsed = safe_parse_webapp_init_data(TEST_BOT_TOKEN, raw)
    assert parsed.user is not None and parsed.user.id == 7 and parsed.user.language_code == "ru"


def test_init_data_signed_for_another_bot_is_rejected() -> None:
    raw = sign_init_data("999:other-bot", {"id": 7, "first_name": "Ali"})
    with pytest.raises(ValueError):
        safe_parse_webapp_init_data(TEST_BOT_TOKEN, raw)
