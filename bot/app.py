"""Assemble the Bolt app: one client, one store, each feature registering its listeners."""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Callable
from concurrent.futures import Executor

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.coffee import listeners as coffee
from bot.coffee.clock import CoffeeClock
from bot.coffee.listeners import CoffeeFeature
from bot.config import Settings
from bot.onboarding import listeners as onboarding
from bot.onboarding.content import Content, content_at
from bot.onboarding.listeners import OnboardingFeature
from bot.onboarding.outbox import Sender
from bot.runtime import metrics
from bot.slack import errors, ignored, payloads
from bot.slack.identity import verify_token
from bot.slack.organisers import Organisers
from bot.store import Store
from bot.talks import listeners as talks
from bot.talks.listeners import TalksFeature

log = logging.getLogger(__name__)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_client(settings: Settings) -> WebClient:
    """A Web API client that waits out 429s (honouring Retry-After) and retries 5xx once.

    Retries sleep, so only code that runs after ack() may call this client.
    """
    return WebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=2),
            ServerErrorRetryHandler(max_retry_count=1),
        ],
    )


def make_onboarding(
    settings: Settings,
    store: Store,
    clock: Callable[[], dt.datetime] = utcnow,
    content: Callable[[], Content] | None = None,
) -> OnboardingFeature:
    # The sender keeps its own client without retry handlers: it stores a failed DM and
    # retries it later itself, instead of sleeping inside a call.
    client = WebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[],  # not even slack_sdk's default retry of a dropped connection
    )
    content = content or functools.partial(content_at, settings.welcome_file)
    sender = Sender(
        store,
        client,
        content,
        clock,
        per_minute=settings.dms_per_minute,
        welcome_guests=settings.welcome_guests,
        coffee_channels=settings.group_coffee_channels,
        public_url=settings.public_url,
    )
    return OnboardingFeature(store, settings, sender, content, clock)


def make_coffee(
    settings: Settings,
    store: Store,
    clock: Callable[[], dt.datetime] = utcnow,
    *,
    redraw_delay: float = 1.5,
) -> CoffeeFeature:
    # posts and redraws run on the scheduler's and lazy listeners' threads, after any ack, so
    # this client may wait out a 429
    coffee_clock = CoffeeClock(store, make_client(settings), clock, redraw_delay=redraw_delay)
    return CoffeeFeature(
        store,
        clock,
        coffee_clock,
        Organisers(settings.organiser_ids),
        public_url=settings.public_url,
    )


def build_app(
    settings: Settings,
    store: Store,
    *,
    client: WebClient | None = None,
    identity: AuthorizeResult | None = None,
    authorize: Callable[..., AuthorizeResult] | None = None,
    clock: Callable[[], dt.datetime] = utcnow,
    onboarding_feature: OnboardingFeature | None = None,
    coffee_feature: CoffeeFeature | None = None,
    listener_executor: Executor | None = None,
) -> App:
    """The app; unless told who it is (identity) or how to authorize, it asks Slack now."""
    client = client or make_client(settings)
    if authorize is None:
        known = identity or verify_token(client)  # now, so no request ever waits on auth.test

        def authorize(**_: object) -> AuthorizeResult:
            return known

    client.token = None  # the authorize callback hands the token to each request's client
    app = App(
        client=client,
        authorize=authorize,
        signing_secret=settings.slack_signing_secret,
        # Listeners finish before the response goes out: commands answer inside ack(), and
        # Bolt's default runner would otherwise poll for the ack every 10 ms.
        process_before_response=True,
        token_verification_enabled=False,
        listener_executor=listener_executor,
        # right after the signature check: a malformed payload reaches nothing else
        before_authorize=payloads.RefuseMalformed(),
    )
    metrics.instrument(app)
    errors.register(app)
    talks.register(app, TalksFeature(store, clock))
    onboarding.register(app, onboarding_feature or make_onboarding(settings, store, clock))
    coffee.register(app, coffee_feature or make_coffee(settings, store, clock))
    ignored.register(app)  # last: it acks whatever no feature handles
    return app
