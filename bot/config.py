"""Settings from the environment, validated once with messages that say how to fix them."""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.store.engine import POOL_OVERFLOW, POOL_SIZE

# What each credential is and where a workspace admin finds it.
HOW_TO_GET = {
    "SLACK_BOT_TOKEN": (
        "the Bot User OAuth Token (xoxb-...) on your app's 'OAuth & Permissions' page"
    ),
    "SLACK_SIGNING_SECRET": "the Signing Secret on your app's 'Basic Information' page",
    "SLACK_APP_TOKEN": (
        "an app-level token (xapp-...) with the connections:write scope, made under "
        "'Basic Information > App-Level Tokens' (Socket Mode must be on)"
    ),
}


class ConfigError(Exception):
    """Settings are missing or wrong; the message says which and how to get them."""


def shipped_data_dir() -> Path:
    """The catalog and onboarding content inside the installed package (the repository's data/)."""
    return Path(str(importlib.resources.files("bot.data")))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: str = Field("", alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str = Field("", alias="SLACK_SIGNING_SECRET")
    slack_app_token: str = Field("", alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    database_url: str = Field("", alias="DATABASE_URL")
    # connections a process keeps (and may open beyond them in a burst): the lease's is one
    db_pool_size: int = Field(POOL_SIZE, alias="WGBOT_DB_POOL_SIZE", ge=1, le=1000)
    db_max_overflow: int = Field(POOL_OVERFLOW, alias="WGBOT_DB_MAX_OVERFLOW", ge=0, le=1000)
    state_dir: Path = Field(Path("var"), alias="WGBOT_STATE_DIR")
    # catalog/ and onboarding/: the copy shipped in the package unless an operator has their own
    data_dir: Path | None = Field(None, alias="WGBOT_DATA_DIR")
    catalog_dir_setting: Path | None = Field(None, alias="WGBOT_CATALOG_DIR")
    port: int = Field(3000, alias="PORT", ge=1, le=65535)
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    log_format: Literal["text", "json"] = Field("text", alias="LOG_FORMAT")
    # onboarding: who gets welcomed, on which trigger, and who may preview it
    welcome_on_team_join: bool = Field(True, alias="WGBOT_WELCOME_ON_TEAM_JOIN")
    welcome_channels: str = Field("", alias="WGBOT_WELCOME_CHANNELS")  # ids, comma-separated
    welcome_guests: bool = Field(False, alias="WGBOT_WELCOME_GUESTS")
    organisers: str = Field("", alias="WGBOT_ORGANISERS")  # user ids, comma-separated
    follow_up_days: int = Field(0, alias="WGBOT_FOLLOW_UP_DAYS", ge=0, le=60)  # 0: none
    dms_per_minute: int = Field(40, alias="WGBOT_DMS_PER_MINUTE", ge=1, le=6000)
    # DMs and channel posts delivered longer ago than this are forgotten (the clock purges)
    outbox_retention_days: int = Field(30, alias="WGBOT_OUTBOX_RETENTION_DAYS", ge=1, le=3650)
    # the group's own lean coffee (a channel id); unset: the first welcome channel that has one
    coffee_channel: str = Field("", alias="WGBOT_COFFEE_CHANNEL")
    # where `wgbot serve` is reached from outside (https://wgbot.example.org): with it, /coffee
    # and the welcome offer the lean-coffee calendar feed; without it, no link is offered
    public_url: str = Field("", alias="WGBOT_PUBLIC_URL")

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # WebClient joins method names onto the base URL, so it must end with "/".
        return value if value.endswith("/") else value + "/"

    @field_validator("public_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(
                "WGBOT_PUBLIC_URL is the bot's web address, e.g. https://wgbot.example.org"
            )
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @property
    def content_root(self) -> Path:
        return self.data_dir or shipped_data_dir()

    @property
    def catalog_dir(self) -> Path:
        return self.catalog_dir_setting or self.content_root / "catalog"

    @property
    def welcome_file(self) -> Path:
        return self.content_root / "onboarding" / "welcome.yaml"

    def check_content(self) -> None:
        """Fail the start, naming the path and the setting, when content cannot be read: a bot
        that silently answers from an empty catalog is worse than one that does not start."""
        where = "WGBOT_DATA_DIR" if self.data_dir else "the package's shipped data"
        checks = [
            (self.catalog_dir, "WGBOT_CATALOG_DIR" if self.catalog_dir_setting else where, True),
            (self.welcome_file, where, False),
        ]
        for path, setting, is_dir in checks:
            ok = path.is_dir() if is_dir else path.is_file()
            if not ok or not os.access(path, os.R_OK | (os.X_OK if is_dir else 0)):
                kind = "directory" if is_dir else "file"
                raise ConfigError(
                    f"Cannot read the {kind} {path} (from {setting}). Point WGBOT_DATA_DIR at a "
                    "folder holding catalog/ and onboarding/welcome.yaml (a copy of the "
                    "repository's data/), or WGBOT_CATALOG_DIR at a catalog folder."
                )

    @property
    def welcome_channel_ids(self) -> frozenset[str]:
        return frozenset(c.strip() for c in self.welcome_channels.split(",") if c.strip())

    @property
    def group_coffee_channels(self) -> tuple[str, ...]:
        """Where the group's lean coffee is looked for, in order."""
        welcome = [c.strip() for c in self.welcome_channels.split(",") if c.strip()]
        return tuple(c for c in dict.fromkeys([self.coffee_channel.strip(), *welcome]) if c)

    @property
    def organiser_ids(self) -> frozenset[str]:
        return frozenset(u.strip() for u in self.organisers.split(",") if u.strip())

    @property
    def db_url(self) -> str:
        """DATABASE_URL, or a SQLite file under the state directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.state_dir / 'wgbot.db').as_posix()}"

    def require(self, *names: str) -> None:
        """Fail with one message naming every missing credential and where to find it."""
        missing = [n for n in names if not getattr(self, n.lower())]
        if missing:
            lines = [f"  {n}: {HOW_TO_GET[n]}" for n in missing]
            raise ConfigError(
                "Missing settings (set them in the environment or a .env file):\n"
                + "\n".join(lines)
                + "\nSee README.md, 'Connect it to a workspace'."
            )
        if "SLACK_BOT_TOKEN" in names and not self.slack_bot_token.startswith("xoxb-"):
            raise ConfigError(
                "SLACK_BOT_TOKEN should start with 'xoxb-': " + HOW_TO_GET["SLACK_BOT_TOKEN"]
            )
        if "SLACK_APP_TOKEN" in names and not self.slack_app_token.startswith("xapp-"):
            raise ConfigError(
                "SLACK_APP_TOKEN should start with 'xapp-': " + HOW_TO_GET["SLACK_APP_TOKEN"]
            )


class IsolatedSettings(Settings):
    """Settings from the values given and nothing else: no environment, no .env (for tests)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        *_sources: Any,
        **_named: Any,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise ConfigError(f"Invalid settings: {exc}") from exc
