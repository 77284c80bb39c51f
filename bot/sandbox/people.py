"""Who is in the sandbox's workspace: the bot, three people to act as, and whoever joins."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TEAM = "T0SANDBOX"
CHANNEL = "C0WGPLAT"
CHANNEL_NAME = "wg-platforms"
BOT = "UWGBOT"
ZONE = "Europe/London"


@dataclass(frozen=True)
class Person:
    id: str
    name: str  # the display name Slack shows
    role: str  # newcomer, member or organiser: what the page's switch says
    joined: bool = True  # in the workspace already (a newcomer joins with the "joins" action)

    def user(self) -> dict[str, Any]:
        """The user object of users.info and of a team_join event."""
        return {
            "id": self.id,
            "team_id": TEAM,
            "name": self.name.lower().replace(" ", "."),
            "real_name": self.name,
            "deleted": False,
            "is_bot": self.id == BOT,
            "is_app_user": False,
            "is_admin": False,
            "is_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": ZONE,
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "profile": {"display_name": self.name, "real_name": self.name},
        }


PEOPLE = (
    Person("UNEWCOMER", "Nia Newcomer", "newcomer", joined=False),
    Person("UMEMBER", "Max Member", "member"),
    Person("UORGANISER", "Olu Organiser", "organiser"),
)
THE_BOT = Person(BOT, "wgbot", "bot")


def dm_of(user_id: str) -> str:
    """The DM channel between a person and the bot (conversations.open answers it)."""
    return "D" + user_id.removeprefix("U")
