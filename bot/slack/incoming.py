"""Text as Slack sends it in slash commands and message events, decoded once on the way in.

Slack escapes `&`, `<` and `>` there as `&amp;`, `&lt;`, `&gt;` (and nothing else); stored as
they arrive they would be escaped again on the way out, and "Dev & Ops" would come back as
"Dev &amp; Ops". Modal input values arrive as typed: they must not go through here.
"""

from __future__ import annotations

import re

_ENTITY = re.compile(r"&(amp|lt|gt);")
_CHARS = {"amp": "&", "lt": "<", "gt": ">"}


def slack_text(text: str | None) -> str:
    """Undo Slack's three escapes in one pass, so `&amp;lt;` becomes `&lt;`, not `<`."""
    if not text or "&" not in text:
        return text or ""
    return _ENTITY.sub(lambda m: _CHARS[m.group(1)], text)
