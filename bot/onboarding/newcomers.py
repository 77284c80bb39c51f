"""Who counts as a newcomer: a person of this workspace (or of its Enterprise Grid organisation)
who has actually joined. Plain functions over Slack's user object (team_join's `user`, or
users.info's), so the listener and the sender decide the same way."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Not a "no": an invited person is welcomed once they have joined, so the sender waits.
INVITED = "invited, has not joined yet"


@dataclass(frozen=True)
class Home:
    """The bot's own workspace, and its Enterprise Grid organisation when it has one."""

    team_id: str
    enterprise_id: str = ""


def team_of(user: dict[str, Any]) -> str:
    return user.get("team_id") or (user.get("profile") or {}).get("team") or ""


def enterprise_of(user: dict[str, Any]) -> str:
    grid = user.get("enterprise_user") or {}
    return grid.get("enterprise_id") or user.get("enterprise_id") or ""


def from_home_team(user: dict[str, Any], team_id: str) -> bool:
    """Of this very workspace; a user object without a team (never seen from Slack) counts."""
    team = team_of(user)
    return not team or not team_id or team == team_id


def outsider(user: dict[str, Any], home: Home) -> bool:
    """A member of another organisation, e.g. someone in a Slack Connect channel.

    On Enterprise Grid a colleague's team_id may name another workspace of the organisation,
    or the organisation itself; the enterprise id is what they share.
    """
    if from_home_team(user, home.team_id):
        return False
    if home.enterprise_id:
        org = enterprise_of(user)
        if org == home.enterprise_id or team_of(user) == home.enterprise_id:
            return False
    return True


def why_not(user: dict[str, Any], home: Home, *, welcome_guests: bool) -> str:
    """Why this user gets no welcome ("" when they should get one), or INVITED: not yet."""
    if user.get("is_bot") or user.get("id") == "USLACKBOT":
        return "a bot"
    if user.get("is_workflow_bot"):  # a workflow's bot user says is_bot: false
        return "a workflow bot"
    if user.get("deleted"):
        return "a deleted user"
    if outsider(user, home):
        return "from another organisation"
    if not welcome_guests and (user.get("is_restricted") or user.get("is_ultra_restricted")):
        return "a guest"
    if user.get("is_invited_user"):
        return INVITED
    return ""
