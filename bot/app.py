"""Assemble the Bolt app: the parts every feature shares, built once, and each feature
registering its listeners."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.coffee import listeners as coffee
from bot.coffee.listeners import CoffeeFeature
from bot.coffee.runner import MeetupRunner
from bot.config import Settings
from bot.onboarding import listeners as onboarding
from bot.onboarding.content import Content, content_at
from bot.onboarding.feature import OnboardingFeature
from bot.onboarding.outbox import Sender
from bot.runtime import metrics
from bot.slack import errors, ignored, payloads
from bot.slack.after_ack import AfterAck
from bot.slack.clients import SlackClients
from bot.slack.identity import verify_token
from bot.slack.organisers import Organisers
from bot.store import Store
from bot.talks import listeners as talks
from bot.talks.catalog_index import CatalogCache, catalog_cache
from bot.talks.listeners import TalksFeature
from bot.times import Clock, utcnow

log = logging.getLogger(__name__)

AFTER_ACK_WORKERS = 8  # lazy listeners, vote notes, apologies: short calls to Slack


class Features:
    """The features of one app and what they share, each built once: the pool for work after
    an ack (Bolt's lazy listeners run on it too, so one wait drains everything an ack
    promised), the Slack clients, the organisers' list and the catalog cache."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        clock: Clock = utcnow,
        *,
        client: WebClient | None = None,
        content: Callable[[], Content] | None = None,
        redraw_delay: float = 1.5,
        catalog: CatalogCache | None = None,
    ) -> None:
        self.settings, self.store, self.clock = settings, store, clock
        self.after_ack = AfterAck(AFTER_ACK_WORKERS)
        self.clients = SlackClients.for_settings(settings, client)
        self.organisers = Organisers(settings.organiser_ids)
        self.catalog = catalog or catalog_cache()
        self.talks = TalksFeature(store, clock, self.catalog)
        content = content or functools.partial(content_at, settings.welcome_file)
        sender = Sender(
            store,
            self.clients.outbox,
            content,
            clock,
            per_minute=settings.dms_per_minute,
            welcome_guests=settings.welcome_guests,
            coffee_channels=settings.group_coffee_channels,
            public_url=settings.public_url,
        )
        self.onboarding = OnboardingFeature(
            store, settings, sender, content, clock, self.organisers, self.catalog
        )
        # posts and redraws run on the scheduler's threads and after acks, so this client may
        # wait out a 429
        meetup_runner = MeetupRunner(store, self.clients.calls, clock, redraw_delay=redraw_delay)
        self.coffee = CoffeeFeature(
            store,
            clock,
            meetup_runner,
            self.organisers,
            self.after_ack,
            public_url=settings.public_url,
        )


def build_app(
    settings: Settings,
    store: Store,
    *,
    features: Features | None = None,
    client: WebClient | None = None,
    identity: AuthorizeResult | None = None,
    authorize: Callable[..., AuthorizeResult] | None = None,
    clock: Clock = utcnow,
) -> App:
    """The app; unless told who it is (identity) or how to authorize, it asks Slack now.

    `features` (built here unless given) lets the caller reach what the app runs: the clock
    process drives its features, tests drain its pool.
    """
    features = features or Features(settings, store, clock, client=client)
    requests = features.clients.requests
    if authorize is None:
        known = identity or verify_token(requests)  # now, so no request ever waits on auth.test

        def authorize(**_: object) -> AuthorizeResult:
            return known

    requests.token = None  # the authorize callback hands the token to each request's client
    app = App(
        client=requests,
        authorize=authorize,
        signing_secret=settings.slack_signing_secret,
        # Listeners finish before the response goes out: commands answer inside ack(), and
        # Bolt's default runner would otherwise poll for the ack every 10 ms.
        process_before_response=True,
        token_verification_enabled=False,
        listener_executor=features.after_ack,  # lazy listeners, drained with the rest
        # right after the signature check: a malformed payload reaches nothing else
        before_authorize=payloads.RefuseMalformed(),
    )
    metrics.instrument(app)
    errors.register(app, features.after_ack)
    talks.register(app, features.talks)
    onboarding.register(app, features.onboarding)
    coffee.register(app, features.coffee)
    ignored.register(app)  # last: it acks whatever no feature handles
    return app
