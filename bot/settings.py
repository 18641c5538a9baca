"""Settings from the environment and an optional `.env`, validated with pydantic-settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.languages import LANGUAGES

DEFAULT_SQLITE_URL = "sqlite+aiosqlite:///var/integrationsbot.db"
BUNDLED_CONTENT = Path(__file__).resolve().parent.parent / "content" / "sample"


class Settings(BaseSettings):
    """Every setting the bot reads. Names are the environment variables, upper-cased."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    database_url: str = DEFAULT_SQLITE_URL
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    timezone: str = "Europe/Berlin"
    default_language: str = "de"
    holiday_state: str = "NI"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # Outgoing messages per second over all chats (Telegram allows about 30); 0 lifts the limit.
    telegram_rate_limit: float = Field(default=25.0, ge=0)
    office_name: str = "Integrationsbüro"
    office_contact: str = "integration@auenbrueck.example"
    content_path: str = str(BUNDLED_CONTENT)  # loaded into an empty directory at start
    appointment_retention_days: int = Field(default=30, ge=1)  # deleted this long after they took place
    appointment_invite_days: int = Field(default=14, ge=1)  # how long an appointment invite link works
    volunteer_areas: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["Auenbrück", "Ohlenbüttel", "Lindenhagen", "Wiesenrode", "Hohenfeld"]
    )
    volunteer_max_asked: int = Field(default=5, ge=1)  # volunteers messaged directly per help request
    outbox_retention_days: int = Field(default=30, ge=1)  # delivered messages are purged after this
    inactive_user_retention_days: int = Field(default=365, ge=30)  # users silent this long are erased

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return [int(p) for p in parts]
            except ValueError:
                raise ValueError("must be comma-separated numeric Telegram user ids") from None
        return value

    @field_validator("volunteer_areas", mode="before")
    @classmethod
    def _split_areas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Berlin)") from None
        return value

    @field_validator("default_language")
    @classmethod
    def _supported_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("holiday_state")
    @classmethod
    def _known_state(cls, value: str) -> str:
        if value not in holidays.Germany.subdivisions:
            raise ValueError(f"must be a German state code such as NI, BY, NW (got {value!r})")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://", value):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and not re.fullmatch(r"\d+:[A-Za-z0-9_-]{20,}", value.get_secret_value()):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url:
            secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
            if not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", secret):
                raise ValueError(
                    "WEBHOOK_SECRET: required with WEBHOOK_URL, 16-256 characters of A-Z a-z 0-9 _ -"
                )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None


def async_database_url(url: str) -> str:
    """Accept plain `postgresql://` and `sqlite:///` URLs and pick the async drivers."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    if not url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        raise ValueError("must be a postgresql:// or sqlite:/// URL")
    return url


class SettingsError(Exception):
    """A setting is missing or invalid; the message is one line naming the variable."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "_".join(str(p) for p in first["loc"]).upper()
        message = str(first["msg"]).removeprefix("Value error, ")
        if not name:
            raise SettingsError(message) from None
        raise SettingsError(f"{name}: {message}") from None
