"""Settings from the environment, validated once with messages that say how to fix them."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import PROJECT_ROOT

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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    slack_bot_token: str = Field("", alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str = Field("", alias="SLACK_SIGNING_SECRET")
    slack_app_token: str = Field("", alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", alias="SLACK_API_URL")
    database_url: str = Field("", alias="DATABASE_URL")
    state_dir: Path = Field(Path("var"), alias="WGBOT_STATE_DIR")
    catalog_dir: Path = Field(PROJECT_ROOT / "data" / "catalog", alias="WGBOT_CATALOG_DIR")
    port: int = Field(3000, alias="PORT", ge=1, le=65535)
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    # onboarding: who gets welcomed, on which trigger, and who may preview it
    welcome_on_team_join: bool = Field(True, alias="WGBOT_WELCOME_ON_TEAM_JOIN")
    welcome_channels: str = Field("", alias="WGBOT_WELCOME_CHANNELS")  # ids, comma-separated
    welcome_guests: bool = Field(False, alias="WGBOT_WELCOME_GUESTS")
    organisers: str = Field("", alias="WGBOT_ORGANISERS")  # user ids, comma-separated
    follow_up_days: int = Field(0, alias="WGBOT_FOLLOW_UP_DAYS", ge=0, le=60)  # 0: none
    dms_per_minute: int = Field(40, alias="WGBOT_DMS_PER_MINUTE", ge=1, le=6000)

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        # WebClient joins method names onto the base URL, so it must end with "/".
        return value if value.endswith("/") else value + "/"

    @property
    def welcome_channel_ids(self) -> frozenset[str]:
        return frozenset(c.strip() for c in self.welcome_channels.split(",") if c.strip())

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


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise ConfigError(f"Invalid settings: {exc}") from exc
