"""The summary as CommonMark, for the group's meeting notes: `/coffee summary markdown`
(privately, in a code block to copy) and `wgbot coffee export` on the server.

It is a real list: each discussed topic a list item, its Roman votes, takeaways and actions
a list nested under it, under `###` headings. User text is escaped for Markdown, so a topic
cannot become a heading, a link, a list or raw HTML.
"""

from __future__ import annotations

from bot.coffee.board_state import Board
from bot.coffee.meeting_views import TAKING_PART, roman_outcome, votes_of

# CommonMark's ASCII punctuation that can start or end markup anywhere in a line ("&" starts
# an entity, "!" an image); a backslash before any ASCII punctuation is always literal
_SPECIAL = "\\`*_[]<>#|&!~"


def md(text: str) -> str:
    """User text on one line, its Markdown specials escaped."""
    out = " ".join(text.split())
    for c in _SPECIAL:
        out = out.replace(c, "\\" + c)
    return out


def person(names: dict[str, str], user_id: str) -> str:
    """A person's name; without one (no Slack to ask) a readable stand-in with their id."""
    name = names.get(user_id, "")
    return md(name) if name and name != user_id else f"member {md(user_id)}"


def _thumbs(votes: dict[str, int]) -> str:
    return f"👍 {votes.get('up', 0)} · 👎 {votes.get('down', 0)} · ✋ {votes.get('side', 0)}"


def markdown(b: Board, names: dict[str, str], local_start: str, people: list[str]) -> str:
    out = [f"## Lean coffee, {md(local_start)}", "", "### Discussed", ""]
    for t in b.discussed:
        # "2\\." so the number never starts an ordered list of its own
        out.append(
            f"- **{t.number}\\. {md(t.title)}** · *{person(names, t.user_id)}* · "
            f"{votes_of(t)} · {b.minutes.get(t.id, 0)} min"
        )
        for box in b.roman_votes(t.id):
            out.append(
                f"  - Roman vote {box.round + 1}: {_thumbs(box.votes)} → {roman_outcome(box)}"
            )
        for n in b.notes_on(t.id):
            owner = f" (owner: {person(names, n.owner)})" if n.owner else ""
            label = "Action" if n.kind == "action" else "Takeaway"
            out.append(f"  - *{label}:* {md(n.text)}{owner}")
    if not b.discussed:
        out.append("No topic was discussed.")
    left = b.not_discussed
    if left:
        verb = ", carried over to the next meetup" if b.carried else ""
        out += ["", f"### Not discussed ({len(left)}){verb}", ""]
        out += [f"- {t.number}\\. {md(t.title)}" for t in left]
    shown = sorted((person(names, u) for u in people), key=str.casefold)
    if shown:
        more = f" and {len(shown) - TAKING_PART} more" if len(shown) > TAKING_PART else ""
        out += ["", f"### Taking part ({len(shown)})", "", ", ".join(shown[:TAKING_PART]) + more]
    return "\n".join([*out, ""])
