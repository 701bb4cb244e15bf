"""Process settings, read from the environment and an optional .env file.

A missing or malformed value stops start-up with one line naming the setting (see `load_settings`).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

TELEGRAM_API_URL = "https://api.telegram.org"


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and says what is expected."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    bot_mode: Literal["polling", "webhook"] = "polling"
    webhook_secret: SecretStr | None = None
    public_url: str | None = None
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    admin_chat_id: int | None = None
    database_url: SecretStr | None = None
    redis_url: SecretStr | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    data_dir: Path = Path("./.data")
    secret_key: SecretStr | None = None
    initdata_max_age: int = Field(default=86400, gt=0)
    telegram_api_url: str = TELEGRAM_API_URL
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # "json": one JSON object per line (production log collectors); "text": readable lines (development).
    log_format: Literal["text", "json"] = "text"
    reservation_ttl: int = Field(default=900, gt=0)
    # How often expired checkout holds are released (seconds).
    sweep_interval: float = Field(default=60, gt=0)
    # Backstop sweep of the marketplace stock push (seconds); changes normally wake it within moments.
    push_sweep_interval: float = Field(default=30, gt=0)
    low_stock_threshold: int = Field(default=5, ge=0)
    # Serve API marketplaces that have neither their own address nor keys from local sandboxes (the demo).
    demo_marketplaces: bool = True
    # Per marketplace type, the networks its push notifications are let in from, replacing the ones its protocol
    # declares (core.pushes.networks_for): JSON, {"ozon": ["195.34.21.0/24", ...]}.
    webhook_networks: Annotated[dict[str, list[str]], NoDecode] = Field(default_factory=dict)
    # The older way to say Ozon's: kept so that no operator's configuration breaks; it lands in webhook_networks.
    ozon_webhook_networks: Annotated[list[str] | None, NoDecode] = None
    # Reverse proxies whose X-Forwarded-For is believed (the address they saw the request come from).
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Requests per minute one customer may make to the Mini App API.
    api_rate_limit: int = Field(default=240, gt=0)
    # Provider token from @BotFather (Payments) for card payments in the Mini App; without it, cash only.
    payment_provider_token: SecretStr | None = None
    # Product photos: kept in MEDIA_DIR (default DATA_DIR/media), or in an S3-compatible bucket when S3_BUCKET is set.
    media_dir: Path | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None  # unset: AWS itself; set for MinIO, R2, Yandex Object Storage...
    s3_region: str = "us-east-1"
    s3_prefix: str = "media/"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    # The Central Bank of Uzbekistan's daily exchange rates (its JSON list), read every CBU_RATES_INTERVAL seconds
    # so that a bank out of reach at one run is read at the next.
    cbu_rates_url: str = "https://cbu.uz/uz/arkhiv-kursov-valyut/json/"
    cbu_rates_interval: float = Field(default=3 * 3600, gt=0)
    # Serve those rates from a local sandbox instead (the trial, `make run`): a real shop's reports need the bank.
    demo_rates: bool = False
    # Photos named by URL (imports): how large one may be, how long its fetch may take, how often the job looks.
    photo_max_bytes: int = Field(default=15 * 1024 * 1024, gt=0)
    photo_fetch_timeout: float = Field(default=20, gt=0)
    photo_fetch_interval: float = Field(default=5, gt=0)
    # Minutes before an unconfirmed marketplace order's deadline that the admins are reminded of it (core.fbs).
    fbs_reminder_minutes: int = Field(default=120, gt=0)
    # Let photo URLs reach private and loopback addresses (photos on the shop's own network); off, they are refused.
    photo_fetch_private: bool = False
    # Seconds a connection may stay without a complete request: idle between keep-alive requests, and also
    # from connecting (or the last answer) until the request's headers have all arrived; then it is closed.
    # aiohttp has one timer for both, so a client that sends its headers slowly holds a connection this long.
    http_keepalive_timeout: float = Field(default=15, gt=0, le=3600)
    # /metrics on its own listener on 127.0.0.1 (0: none); on the public port it answers 404 unless METRICS_TOKEN
    # is set and the scrape carries it as `Authorization: Bearer <token>`.
    metrics_port: int = Field(default=9464, ge=0, le=65535)
    metrics_token: SecretStr | None = None

    @field_validator(
        "bot_token",
        "webhook_secret",
        "database_url",
        "redis_url",
        "secret_key",
        "public_url",
        "payment_provider_token",
        "media_dir",
        "s3_bucket",
        "s3_endpoint_url",
        "s3_access_key_id",
        "s3_secret_access_key",
        "metrics_token",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("ozon_webhook_networks", "trusted_proxies", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            for network in value:
                ipaddress.ip_network(str(network), strict=False)  # ValueError names the bad one
        return value

    @field_validator("webhook_networks", mode="before")
    @classmethod
    def _networks_per_marketplace(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError('expected JSON like {"ozon": ["195.34.21.0/24"]}') from None
        return value

    @field_validator("webhook_networks")
    @classmethod
    def _declared_pushers(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        # Here, not at the top: core.listings declares the push protocols, which read these settings.
        from core.listings import PLATFORMS

        pushers = sorted(api_type for api_type, platform in PLATFORMS.items() if platform.pushes is not None)
        for api_type, networks in value.items():
            if api_type not in pushers:
                raise ValueError(f"{api_type!r} is no marketplace type that pushes (those are: {', '.join(pushers)})")
            for network in networks:
                ipaddress.ip_network(network, strict=False)  # ValueError names the bad one
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("bot_mode", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            bot_id, _, rest = value.get_secret_value().partition(":")
            if not bot_id.isdigit() or not rest:
                raise ValueError("expected the token BotFather gives, like 123456789:AAE...")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters from A-Z, a-z, 0-9, _ and - as a secret_token.
        if value is not None:
            secret = value.get_secret_value()
            if not 1 <= len(secret) <= 256 or not all(c.isascii() and (c.isalnum() or c in "_-") for c in secret):
                raise ValueError("use 1-256 characters from A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("public_url", "telegram_api_url", "s3_endpoint_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None:
            if not value.startswith(("http://", "https://")) or len(value) < 10:
                raise ValueError("expected an http(s):// URL")
            value = value.rstrip("/")
        return value

    @field_validator("cbu_rates_url")
    @classmethod
    def _bank_url(cls, value: str) -> str:
        # Kept as written: the bank's address ends in a slash it answers to.
        if not value.startswith(("http://", "https://")) or len(value) < 10:
            raise ValueError("expected an http(s):// URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("postgres://", "postgresql://")):
            raise ValueError("expected postgresql://user:password@host:port/database")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("expected redis://host:port/db")
        return value

    @field_validator("secret_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            try:
                raw = base64.urlsafe_b64decode(value.get_secret_value().encode())
            except (binascii.Error, ValueError):
                raw = b""
            if len(raw) != 32:
                raise ValueError(
                    "expected a Fernet key (32 url-safe base64 bytes); make one with "
                    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
                )
        return value

    @model_validator(mode="after")
    def _ozon_networks_once(self) -> Settings:
        if self.ozon_webhook_networks is not None:
            if self.webhook_networks.get("ozon", self.ozon_webhook_networks) != self.ozon_webhook_networks:
                raise SettingsError("give Ozon's networks once: in WEBHOOK_NETWORKS or in OZON_WEBHOOK_NETWORKS")
            self.webhook_networks = {**self.webhook_networks, "ozon": self.ozon_webhook_networks}
        return self

    @model_validator(mode="after")
    def _webhook_needs_public_url(self) -> Settings:
        if self.bot_token is not None and self.bot_mode == "webhook":
            if self.public_url is None or not self.public_url.startswith("https://"):
                raise SettingsError("PUBLIC_URL must be an https:// URL when BOT_MODE=webhook")
            if self.webhook_secret is None:
                raise SettingsError("WEBHOOK_SECRET is required when BOT_MODE=webhook")
        return self

    def secret_values(self) -> list[str]:
        """Every secret this process knows, for the log filter that keeps them out of every line."""
        values = [
            self.bot_token,
            self.webhook_secret,
            self.secret_key,
            self.payment_provider_token,
            self.s3_secret_access_key,
            self.metrics_token,
        ]
        secrets = [value.get_secret_value() for value in values if value is not None]
        for url in (self.database_url, self.redis_url):
            if url is not None:
                password = urlsplit(url.get_secret_value()).password
                if password:
                    secrets.append(password)
        return secrets

    @property
    def mini_app_url(self) -> str | None:
        """Telegram opens Mini Apps over HTTPS only, so without an https PUBLIC_URL there is no button."""
        if self.public_url and self.public_url.startswith("https://"):
            return f"{self.public_url}/app"
        return None


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, turning pydantic's report into one line per bad setting."""
    try:
        return Settings(**overrides)
    except SettingsError:
        raise
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            name = str(problem["loc"][0]).upper() if problem["loc"] else "settings"
            message = problem["msg"].removeprefix("Value error, ")
            lines.append(f"setting {name} is invalid: {message}")
        raise SettingsError("; ".join(lines)) from None
