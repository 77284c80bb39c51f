"""Who the bot is in its workspace, asked of Slack once at start rather than inside a request.

Bolt would otherwise call auth.test lazily during the first request; when Slack answers 429
or 5xx there, it acks that request with an apology and the event is never redelivered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

# auth.test answers that no retry will change: the token itself is wrong
REFUSED = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


class TokenRefused(Exception):
    """Slack refused the bot token; the message says what to do."""


def verify_token(
    client: WebClient,
    *,
    attempts: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> AuthorizeResult:
    """auth.test with retries on 429, 5xx and network errors; a refused token fails at once."""
    delay = 1.0
    for attempt in range(1, attempts + 1):
        try:
            answer = client.auth_test()
            return AuthorizeResult(
                enterprise_id=answer.get("enterprise_id"),
                team_id=answer.get("team_id"),
                bot_user_id=answer.get("user_id"),
                bot_id=answer.get("bot_id"),
                bot_token=client.token,
            )
        except SlackApiError as exc:
            error = str(exc.response.get("error") or exc.response.status_code)
            if error in REFUSED:
                raise TokenRefused(
                    f"Slack refused SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token "
                    "(xoxb-...) from your app's 'OAuth & Permissions' page, and reinstall the "
                    "app if it was revoked."
                ) from None
            status = exc.response.status_code
            wait = (
                float(exc.response.headers.get("Retry-After") or delay) if status == 429 else delay
            )
            problem = f"Slack answered {status} ({error})"
        except (SlackClientError, OSError) as exc:
            wait, problem = delay, f"{type(exc).__name__}: {exc}"
        if attempt == attempts:
            raise TokenRefused(f"Could not verify SLACK_BOT_TOKEN with Slack: {problem}")
        log.warning("auth.test: %s; trying again in %.0f s", problem, wait)
        sleep(min(wait, 30.0))
        delay = min(delay * 2, 16.0)
    raise AssertionError("unreachable")
