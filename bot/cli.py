"""The `wgbot` command."""

from __future__ import annotations

import logging
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from bot.importers.pipeline import ImportResult
    from bot.runtime.process import Bot
    from bot.store import Store


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _logging(settings: Settings) -> None:
    from bot.runtime.logs import configure

    secrets = (settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token)
    configure(settings.log_level, settings.log_format, secrets)


@click.group()
@click.version_option(package_name="wgbot")
def main() -> None:
    """The WG-Platforms Slack bot."""


@main.command()
@click.argument("question")
def ask(question: str) -> None:
    """Print what a slash command would answer, e.g. wgbot ask "/talks platform-day"."""
    from bot.bootstrap import open_store
    from bot.slack.render import render
    from bot.talks.listeners import TalksFeature
    from bot.times import utcnow

    settings = _settings()
    try:
        store = open_store(settings)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    feature = TalksFeature(store, utcnow)
    command, _, text = question.strip().partition(" ")
    command = "/" + command.lstrip("/")
    answers = {"/talks": feature.talks, "/speakers": feature.speakers}
    if command not in answers:
        raise click.UsageError(f"I know {', '.join(answers)}; got {command!r}.")
    # a terminal gets emphasis, hyperlinks and lines fitted to it; a pipe gets plain lines
    terminal = sys.stdout.isatty()
    width = shutil.get_terminal_size().columns if terminal else None
    shown = render(answers[command](text).blocks, width=width, styled=terminal)
    click.echo(shown, nl=False, color=terminal)


@main.command("import")
@click.argument("files", nargs=-1, required=True, metavar="FILE_OR_URL...")
@click.option(
    "--event",
    "conference",
    metavar="SLUG",
    help="The conference's slug, e.g. kubecon-eu-2026: names it when the file does not "
    "(Sched, Sessionize), overrides it when it does.",
)
@click.option(
    "--timezone",
    metavar="ZONE",
    help="The conference's time zone, e.g. Europe/Amsterdam, when the file does not say it.",
)
@click.option("--dry-run", is_flag=True, help="Show what would change without writing.")
@click.option(
    "--announce",
    metavar="CHANNEL",
    help="Post what changed to this channel (an id like C0123, or #name); needs SLACK_BOT_TOKEN.",
)
def import_(
    files: tuple[str, ...],
    conference: str | None,
    timezone: str | None,
    dry_run: bool,
    announce: str | None,
) -> None:
    """Load schedule files (or https:// addresses) into the store; re-importing is safe.

    Reads Sched iCalendar (.ics), pretalx/frab schedule JSON, frab XML, Sessionize "All data"
    JSON and catalog YAML, told apart by their content. Files are all read before anything is
    written, and written in one transaction: a bad file changes nothing.
    """
    from bot.bootstrap import open_store
    from bot.importers.fetch import load
    from bot.importers.pipeline import import_parsed
    from bot.importers.progress import TerminalProgress
    from bot.importers.records import FORMAT_NAMES, CatalogFileError, Options
    from bot.text import plural

    settings = _settings()
    if announce and not dry_run:
        try:  # before writing anything: an import that cannot announce should not half-happen
            settings.require("SLACK_BOT_TOKEN")
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
    store = open_store(settings, seed=False, timeout=None)  # an import may take its time
    options = Options(conference=conference, timezone=timezone, progress=TerminalProgress())
    try:
        read = [load(source, options) for source in dict.fromkeys(files)]
        results = import_parsed(store, read, dry_run=dry_run)
    except CatalogFileError as exc:
        raise click.ClickException(f"{exc}\nNothing was changed.") from None
    for result in results:
        for parsed in result.files:
            line = (
                f"{parsed.path}: {FORMAT_NAMES[parsed.format]}, {len(parsed.catalog.talks)} talks"
            )
            if parsed.skipped:
                line += f", {len(parsed.skipped)} entries that are not talks skipped"
                line += f" ({', '.join(sorted(set(parsed.skipped))[:6])})"
            click.echo(line)
            for note in parsed.notes:
                click.echo(f"  {note}")
        click.echo(("(dry run) " if dry_run else "") + result.report.summary())
        for changes in result.events[:40]:
            click.echo(f"  {changes.summary()}")
        if len(result.events) > 40:
            click.echo(f"  ... and {len(result.events) - 40} more events")
        report = result.report
        for label, titles in (("+", report.added), ("~", report.changed), ("-", report.removed)):
            for title in titles[:20]:
                click.echo(f"  {label} {title}")
            if len(titles) > 20:
                click.echo(f"  {label} ... and {len(titles) - 20} more")
        for other, moved in result.moved_from.items():
            click.echo(f"  {plural(moved, 'talk')} moved here from conference {other} (--event)")
        if result.notices:
            click.echo(f"  {plural(result.notices, 'DM')} owed to people following changed talks")
    if announce and not dry_run:
        _announce(settings, store, announce, results)


def _announce(settings: Settings, store: Store, channel: str, results: list[ImportResult]) -> None:
    """Owe the import's announcements, and post them now; what Slack refuses now stays owed
    for the running bot to post, once."""
    from bot.delivery.channel import Courier, states
    from bot.importers.announce import owe_announcements
    from bot.slack.clients import make_outbox_client
    from bot.times import utcnow

    keys = owe_announcements(store, channel, results, utcnow())
    if not keys:
        click.echo("nothing changed: no announcement")
        return
    Courier(store, make_outbox_client(settings), utcnow).drain()
    with store.session() as db:
        got = states(db, keys).values()
    refused = [error for state, error in got if state == "failed"]
    if refused:  # the import stands; say plainly that the post did not
        raise click.ClickException(
            f"The import is saved, but announcing it to {channel} failed: {refused[0]}"
        )
    if all(state == "sent" for state, _ in got):
        click.echo(f"announced in {channel}")
    else:
        click.echo(
            f"The import is saved; Slack did not take its announcement yet: the running bot "
            f"posts it in {channel} once it does."
        )


@main.group()
def feeds() -> None:
    """Published schedules the running bot keeps in sync (its clock checks them)."""


@feeds.command("add")
@click.argument("url")
@click.option("--event", "conference", metavar="SLUG", help="As for wgbot import --event.")
@click.option("--every", default="15m", show_default=True, help="How often: 90s, 15m, 1h...")
@click.option("--announce", metavar="CHANNEL", help="Post each change to this channel.")
def feeds_add(url: str, conference: str | None, every: str, announce: str | None) -> None:
    """Keep the schedule at URL (https://, or http:// to this machine) in sync."""
    from bot.bootstrap import open_store
    from bot.importers import feeds as schedule_feeds
    from bot.importers.records import CatalogFileError

    settings = _settings()
    try:
        seconds = schedule_feeds.parse_every(every)
        store = open_store(settings, seed=False)
        schedule_feeds.add(store, url, conference=conference, every=seconds, announce_to=announce)
    except (schedule_feeds.FeedError, CatalogFileError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(
        f"{url}: checked every {schedule_feeds.show_every(seconds)} by the running bot"
        + (f", changes announced in {announce}" if announce else "")
    )


@feeds.command("list")
def feeds_list() -> None:
    """The feeds, what was last seen of each, and which are failing."""
    from bot.bootstrap import open_store
    from bot.importers import feeds as schedule_feeds

    found = schedule_feeds.all_feeds(open_store(_settings(), seed=False))
    if not found:
        click.echo("No feeds; add one with wgbot feeds add URL.")
    for feed in found:
        click.echo(feed.url)
        for label, value in schedule_feeds.describe(feed):
            click.echo(f"  {label + ':':<14} {value}")


@feeds.command("remove")
@click.argument("url")
def feeds_remove(url: str) -> None:
    """Stop keeping URL in sync (what was imported stays)."""
    from bot.bootstrap import open_store
    from bot.importers import feeds as schedule_feeds

    if not schedule_feeds.remove(open_store(_settings(), seed=False), url):
        raise click.ClickException(f"{url} is not a feed; wgbot feeds list shows them")
    click.echo(f"{url}: removed; its talks stay in the catalog")


@main.group()
def content() -> None:
    """The onboarding content (welcome, checklist, journey)."""


@content.command("check")
@click.argument("path", required=False, type=click.Path(path_type=Path))
def content_check(path: Path | None) -> None:
    """Validate the onboarding file without any network: https links, known checklist ids in
    the journey, steps in order of their day. PATH defaults to the file the bot would use."""
    from bot.onboarding.content import ContentError, load_content

    if path is None:
        try:
            path = load_settings().welcome_file
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
    try:
        found = load_content(path)
    except ContentError as exc:
        raise click.ClickException(f"{exc}\nFix the file and run the check again.") from None
    from bot.slack.dates import local
    from bot.times import utcnow

    steps = ", ".join(f"day {s.day} {s.id}" for s in found.journey) or "none"
    click.echo(f"{path}: OK. {len(found.checklist)} checklist items; journey steps: {steps}.")
    m = found.meetings
    click.echo(f"The call: {m.cadence()}; next {local(m.next_call(utcnow()), m.timezone)}.")


@main.group()
def coffee() -> None:
    """Lean coffee."""


@coffee.command("export")
@click.argument("channel")
@click.option(
    "--date",
    "on",
    default="",
    help="The meeting's day: 2026-03-24, 24 march or last (default: the latest that ended).",
)
@click.option("--format", "fmt", type=click.Choice(["markdown"]), default="markdown")
def coffee_export(channel: str, on: str, fmt: str) -> None:
    """Print a lean-coffee meeting's summary (CHANNEL: its channel id) for the meeting notes."""
    from bot.coffee.summaries import export_text

    settings = _settings()
    try:
        click.echo(export_text(settings, channel, on), nl=False)
    except ValueError as exc:  # no such meeting, or a bad date: the reason is in the message
        raise click.ClickException(str(exc)) from None


@main.group()
def db() -> None:
    """Database schema."""


@db.command()
def upgrade() -> None:
    """Apply every migration (the bot also does this on start)."""
    from bot.store import Store

    settings = _settings()
    _logging(settings)
    Store(settings.db_url).upgrade()
    click.echo(f"Schema up to date ({settings.db_url.split('@')[-1]}).")


def _bot(settings: Settings, *needed: str) -> Bot:
    from bot.runtime.process import Bot
    from bot.slack.identity import TokenRefused

    try:
        settings.require(*needed)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    _logging(settings)
    try:  # a database that cannot be reached yet is waited for, not a reason to exit
        return Bot.start(settings, stop=threading.Event())
    except (ConfigError, TokenRefused) as exc:
        raise click.ClickException(str(exc)) from None


def _until_signal() -> None:
    """Block the main thread until SIGTERM or Ctrl-C."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


@main.command()
def run() -> None:
    """Run the bot over Socket Mode (no public URL needed); it takes part in the clock election."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    settings = _settings()
    bot = _bot(settings, "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN")
    handler = SocketModeHandler(bot.app, settings.slack_app_token)
    # Bolt's Socket Mode handler leaves these two methods unannotated
    handler.connect()  # type: ignore[no-untyped-call]
    _until_signal()
    handler.close()  # type: ignore[no-untyped-call]  # no new requests; then finish what was acknowledged
    bot.stop()


@main.command()
def clock() -> None:
    """Only the scheduler, no requests: DM delivery, journey steps and follow-ups, lean coffee
    (opening, voting, closing, reminders, the next meetup), talk reminders and schedule feeds.

    Optional, as every serve and run process has one too; only the one holding the clock
    lease works it.
    """
    settings = _settings()
    bot = _bot(settings, "SLACK_BOT_TOKEN")
    click.echo("scheduler running (it works while this process holds the clock); Ctrl-C stops it")
    _until_signal()
    bot.stop()


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True)
@click.option("--port", type=int, default=None, help="Defaults to $PORT or 3000.")
def serve(host: str, port: int | None) -> None:
    """Serve Slack's HTTP requests on /slack/events, with /healthz, /readyz and /metrics.

    Run as many as you like on one PostgreSQL database: they elect one to run the schedule.
    It listens at once; until the database can be reached /readyz says why not.
    """
    from bot.runtime.process import Bot, Stopping
    from bot.slack.identity import TokenRefused
    from bot.web.server import Server

    settings = _settings()
    try:
        settings.require("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    _logging(settings)
    server = Server(settings.slack_signing_secret, host, port or settings.port)

    def start() -> None:
        try:
            bot = Bot.start(settings, stop=server.stopping, waiting=server.wait_for)
        except Stopping:
            return
        except (ConfigError, TokenRefused) as exc:
            server.fail(str(exc))
            return
        except Exception:
            logging.getLogger("bot.cli").exception("the bot could not start")
            server.fail("The bot could not start: see the log above.")
            return
        if not server.attach(bot.app, bot.store, bot.stop):
            bot.stop()  # the stop began while it was starting

    threading.Thread(target=start, name="start", daemon=True).start()
    server.run()
    if server.failure:
        raise click.ClickException(server.failure)


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Listen here (only this machine unless told otherwise).",
)
@click.option("--port", type=int, default=8765, show_default=True, help="0 picks a free port.")
@click.option(
    "--socket-port",
    type=int,
    default=8766,
    show_default=True,
    help="The page's WebSocket listens here; 0 picks a free port.",
)
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where its own SQLite store lives, afresh each time [default: <state dir>/sandbox].",
)
def sandbox(host: str, port: int, socket_port: int, state_dir: Path | None) -> None:
    """Try the whole bot in a browser, without Slack: the real app behind a local Slack-like page.

    No token, secret or network: the Slack Web API is played in the process. Act as a
    newcomer, a member or an organiser, let someone join, and move the clock forward.
    """
    from bot.sandbox.server import Sandbox, sandbox_settings

    settings = _settings()
    settings = sandbox_settings(settings, state_dir or settings.state_dir / "sandbox")
    _logging(settings)
    try:
        box = Sandbox(settings, host, port, socket_port).start()
    except (ConfigError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"The sandbox is at {box.url}/ (Ctrl-C stops it)")
    _until_signal()
    box.stop()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
