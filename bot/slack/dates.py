"""Times as Slack date tokens: each reader sees them in their own time zone.

`<!date^EPOCH^{date_short_pretty} at {time}|fallback>` renders in the viewer's zone in mrkdwn
and in a message's notification text; the fallback (old clients, notifications that do not
render tokens) gives the time in the series' zone and names that zone. Tokens do not render in
plain_text (headers, buttons, modal titles): those must not carry times.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

PRETTY = "{date_short_pretty} at {time}"


def local(moment: dt.datetime, timezone: str) -> str:
    """'Tue 24 Mar, 16:00 GMT': the time in `timezone`, naming the zone."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite: UTC, naive
    there = aware.astimezone(ZoneInfo(timezone))
    abbrev = there.strftime("%Z")
    zone = abbrev if abbrev.isalpha() else timezone  # "+05" says less than "Asia/Karachi"
    return f"{there.strftime('%a %-d %b, %H:%M')} {zone}"


def date_token(moment: dt.datetime, timezone: str, shape: str = PRETTY) -> str:
    """A Slack date token for `moment`, with the series-zone fallback."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    fallback = local(aware, timezone).replace("|", "¦")
    return f"<!date^{int(aware.timestamp())}^{shape}|{fallback}>"
