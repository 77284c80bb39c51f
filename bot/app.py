"""Assemble the Bolt app: the parts every feature shares, built once, and each feature
registering its listeners."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient

from bot.coffee import listeners as coffee
from bot.coffee import meeting_listeners, summary_listeners, topic_listeners, vote_listeners
from bot.coffee.feature import FEATURE as COFFEE
from bot.coffee.feature import CoffeeFeature
from bot.coffee.glance import Glance
from bot.coffee.runner import MeetupRunner
from bot.config import Settings
from bot.delivery.channel import Courier
from bot.delivery.outbox import Sender
from bot.delivery.pacing import Pacer
from bot.onboarding import listeners as onboarding
from bot.onboarding import views as onboarding_views
from bot.onboarding.content import Content, content_at
from bot.onboarding.feature import OnboardingFeature
from bot.onboarding.outbox import OnboardingDms
from bot.slack import errors, ignored, measure, payloads
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

AFTER_ACK_WORKERS = 8  # lazy listeners (organisers' commands, modals), apologies
NOTES_WORKERS = 4  # vote notes and other answers through response_url


class Features:
    """The features of one app and what they share, each built once: the pool for work after
    an ack (Bolt's lazy listeners run on it), the pool for notes (answers through
    response_url), the courier that delivers channel posts and redraws, the Slack clients, the
    organisers' list and the catalog cache."""

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
        pacer: Pacer | None = None,
    ) -> None:
        self.settings, self.store, self.clock = settings, store, clock
        self.after_ack = AfterAck(AFTER_ACK_WORKERS)
        self.notes = AfterAck(NOTES_WORKERS, name="notes")
        self.clients = SlackClients.for_settings(settings, client)
        self.organisers = Organisers(settings.organiser_ids)
        self.catalog = catalog or catalog_cache()
        self.talks = TalksFeature(store, clock, self.catalog)
        content = content or functools.partial(content_at, settings.welcome_file)
        # what onboarding shows of the other features is handed over here, so no feature
        # imports another: the group's next lean coffee, and the catalog's events
        lean_coffee = Glance(
            settings.group_coffee_channels, settings.public_url, onboarding_views.COFFEE_LINK
        )
        sender = Sender(
            store, self.clients.outbox, clock, per_minute=settings.dms_per_minute, pacer=pacer
        )
        dms = OnboardingDms(
            self.clients.outbox,
            content,
            clock,
            welcome_guests=settings.welcome_guests,
            lean_coffee=lean_coffee,
        )
        dms.register(sender)
        self.onboarding = OnboardingFeature(
            store,
            settings,
            sender,
            content,
            clock,
            self.organisers,
            self.catalog.event_names,
            dms,
            lean_coffee,
        )
        # channel posts and redraws: owed in the database, delivered on the courier's thread
        # (and by the elected clock), with the outbox's client, which never retries in a call
        self.courier = Courier(store, self.clients.outbox, clock, throttle=redraw_delay)
        self.onboarding.attach(self.courier)
        meetup_runner = MeetupRunner(store, self.clients.calls, clock, self.courier)
        self.coffee = CoffeeFeature(
            store,
            clock,
            meetup_runner,
            self.organisers,
            self.notes,
            public_url=settings.public_url,
        )


class Provide(Middleware):
    """Puts what the listeners need into each request's context, where Bolt hands it to them.
    A Middleware subclass rather than a function: Bolt builds a function's arguments by
    introspection on every request, and this one sees every request."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = dict(values)

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # Bolt passes it by this name
    ) -> BoltResponse | None:
        req.context.update(self._values)
        return next()


def build_app(
    settings: Settings,
    store: Store,
    *,
    features: Features | None = None,
    client: WebClient | None = None,
    identity: AuthorizeResult | None = None,
    authorize: Callable[..., AuthorizeResult] | None = None,
    clock: Clock = utcnow,
    measured: bool = True,
) -> App:
    """The app; unless told who it is (identity) or how to authorize, it asks Slack now.
    `measured=False` leaves out the metrics' middleware (for the benchmark that prices it).

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
        # named here: unnamed, Bolt names it after its caller's file by reading the source of
        # every frame on the stack, which costs more than building the rest of the app
        name="wgbot",
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
        # a request no listener takes reaches app.error, to be counted
        raise_error_for_unhandled_request=True,
    )
    errors.register(app, features.after_ack)  # app.error: apologies, and failures counted
    if measured:  # first: every request is counted and timed from here (bot/slack/measure.py)
        app.use(measure.Measure())
    outputs = summary_listeners.Outputs(
        store, features.clock, features.coffee.meetup_runner.names, features.organisers
    )
    app.use(
        Provide(
            {
                talks.FEATURE: features.talks,
                onboarding.FEATURE: features.onboarding,
                summary_listeners.FEATURE: outputs,
                COFFEE: features.coffee,
            }
        )
    )
    # the vote click first: Bolt tries listeners in the order they were registered, and it is
    # the busiest request (the 900-vote burst of a lean coffee)
    vote_listeners.register(app)
    talks.register(app)
    onboarding.register(app)
    summary_listeners.register(app)  # its /coffee words before the rest of /coffee's
    coffee.register(app)
    topic_listeners.register(app)
    meeting_listeners.register(app)
    ignored.register(app)  # last: it acks whatever no feature handles
    return app
