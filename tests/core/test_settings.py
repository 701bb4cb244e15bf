from pathlib import Path

import pytest

from core import media
from core.settings import Settings, SettingsError, load_settings


def test_defaults_need_no_environment() -> None:
    settings = load_settings(_env_file=None)
    assert settings.http_host == "127.0.0.1"
    assert settings.http_port == 8080
    assert settings.bot_mode == "polling"
    assert settings.data_dir == Path(".data")
    assert settings.initdata_max_age == 86400
    assert settings.cbu_rates_url == "https://cbu.uz/uz/arkhiv-kursov-valyut/json/" and not settings.demo_rates


def test_admin_ids_are_a_comma_list() -> None:
    assert load_settings(_env_file=None, admin_ids="5, 77,9").admin_ids == [5, 77, 9]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"http_port": "eighty"}, "HTTP_PORT"),
        ({"http_port": "70000"}, "HTTP_PORT"),
        ({"admin_ids": "12,abc"}, "ADMIN_IDS"),
        ({"bot_token": "not-a-token"}, "BOT_TOKEN"),
        ({"database_url": "mysql://localhost/shop"}, "DATABASE_URL"),
        ({"redis_url": "localhost:6379"}, "REDIS_URL"),
        ({"secret_key": "short"}, "SECRET_KEY"),
        ({"bot_mode": "carrier-pigeon"}, "BOT_MODE"),
        ({"initdata_max_age": "-1"}, "INITDATA_MAX_AGE"),
        ({"cbu_rates_url": "cbu.uz/uz/arkhiv-kursov-valyut/json/"}, "CBU_RATES_URL"),
    ],
)
def test_malformed_setting_is_named_in_one_line(overrides: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_settings(_env_file=None, **overrides)
    message = str(error.value)
    assert named in message
    assert "\n" not in message


def test_webhook_mode_requires_https_public_url_and_secret() -> None:
    with pytest.raises(SettingsError, match="PUBLIC_URL"):
        load_settings(_env_file=None, bot_token="1:abc", bot_mode="webhook", webhook_secret="s3cret")
    with pytest.raises(SettingsError, match="WEBHOOK_SECRET"):
        load_settings(_env_file=None, bot_token="1:abc", bot_mode="webhook", public_url="https://shop.uz")


def test_secrets_do_not_show_in_repr() -> None:
    settings = load_settings(
        _env_file=None, bot_token="123:very-secret-token", database_url="postgresql://u:pw-secret@db/x"
    )
    assert "very-secret-token" not in repr(settings)
    assert "pw-secret" not in repr(settings)


def test_empty_media_settings_keep_photos_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, media_dir="", s3_bucket=" ", s3_endpoint_url="")
    store = media.store_for(settings)
    assert isinstance(store, media.DirectoryStore) and store.root == tmp_path / "media"


def test_a_bucket_address_must_be_http() -> None:
    with pytest.raises(SettingsError, match="S3_ENDPOINT_URL"):
        load_settings(_env_file=None, s3_bucket="photos", s3_endpoint_url="minio:9000")


def test_webhook_networks_replace_a_marketplaces_own_per_type() -> None:
    settings = load_settings(_env_file=None, webhook_networks='{"ozon": ["195.34.21.0/24", "2001:db8::/32"]}')
    assert settings.webhook_networks == {"ozon": ["195.34.21.0/24", "2001:db8::/32"]}
    assert load_settings(_env_file=None, webhook_networks="").webhook_networks == {}


def test_the_older_ozon_setting_still_says_where_ozon_pushes_from() -> None:
    assert load_settings(_env_file=None, ozon_webhook_networks="10.1.0.0/16, 10.2.0.0/16").webhook_networks == {
        "ozon": ["10.1.0.0/16", "10.2.0.0/16"]
    }


@pytest.mark.parametrize(
    ("networks", "said"),
    [
        ('{"ozno": ["195.34.21.0/24"]}', "'ozno' is no marketplace type that pushes"),
        ('{"uzum": ["195.34.21.0/24"]}', "'uzum' is no marketplace type that pushes"),
        ('{"ozon": ["195.34.21.0/33"]}', "195.34.21.0/33"),
        ("ozon=195.34.21.0/24", "expected JSON"),
    ],
)
def test_a_wrong_webhook_network_is_named(networks: str, said: str) -> None:
    with pytest.raises(SettingsError, match="WEBHOOK_NETWORKS") as error:
        load_settings(_env_file=None, webhook_networks=networks)
    assert said in str(error.value)


def test_ozons_networks_are_given_once() -> None:
    with pytest.raises(SettingsError, match="give Ozon's networks once"):
        load_settings(_env_file=None, webhook_networks='{"ozon": ["10.1.0.0/16"]}', ozon_webhook_networks="10.2.0.0/16")
