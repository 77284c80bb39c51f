"""Times as Slack date tokens: each reader sees them in their own time zone.

`<!date^EPOCH^{date_short_pretty} at {time}|fallback>` renders in the viewer's zone in mrkdwn
and in a message's notification text; the fallback (old clients, notifications that do not
render tokens) gives the time in the series' zone and names that zone. Tokens do not render in
plain_text (headers, buttons, modal titles): those must not carry times.

Every date token the bot writes is made here.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.times import in_zone, local_format, offset_name

PRETTY = "{date_short_pretty} at {time}"
SHORT = "%a %-d %b, %H:%M"  # the fallback's default: "Tue 24 Mar, 16:00"


def zone_name(there: dt.datetime, timezone: str) -> str:
    """The zone's abbreviation ("CET"), or its IANA name where the abbreviation is only an
    offset ("+05" says less than "Asia/Karachi"); a fixed offset as one ("UTC+1", never
    "Etc/GMT-1", which reads as its opposite)."""
    abbrev = there.strftime("%Z")
    if abbrev.isalpha():
        return abbrev
    return offset_name(there.utcoffset()) if timezone.startswith("Etc/") else timezone


def local(moment: dt.datetime, timezone: str, fmt: str = SHORT) -> str:
    """'Tue 24 Mar, 16:00 GMT': the time in `timezone`, naming the zone."""
    there = in_zone(moment, timezone)
    return f"{local_format(there, fmt)} {zone_name(there, timezone)}"


def date_token(moment: dt.datetime, timezone: str, shape: str = PRETTY, fmt: str = SHORT) -> str:
    """A Slack date token for `moment`, with the fallback in `timezone` written as `fmt`."""
    fallback = local(moment, timezone, fmt)  # Slack ends the token at ">", not at a "|"
    return f"<!date^{int(moment.timestamp())}^{shape}|{fallback}>"


def day_token(day: dt.date, timezone: str, shape: str = "{date_long}") -> str:
    """A day as a token at its local noon, so every reader's zone shows the same date; the
    fallback is the date alone ('Thursday 21 March 2024')."""
    noon = dt.datetime.combine(day, dt.time(12), ZoneInfo(timezone))
    return f"<!date^{int(noon.timestamp())}^{shape}|{local_format(day, '%A %-d %B %Y')}>"
