"""`flask --app portal dispatch` (once, for cron or a timer) and `worker` (a loop)."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from collections.abc import Callable
from types import FrameType

import click
from flask.cli import with_appcontext
from sqlalchemy.exc import OperationalError

import portal.registry as registry
from portal.cli import current_time, now_option
from portal.config import Settings
from portal.contacts import contact_book
from portal.db import db
from portal.messaging.claims import worker_id
from portal.messaging.dispatcher import Dispatcher, Report
from portal.messaging.pool import SendingPool
from portal.messaging.sms import WebhookSms
from portal.messaging.smtp import SmtpTransport
from portal.messaging.transports import Pacer, Transport


def build_transports(settings: Settings, pacer: Pacer) -> dict[str, Transport]:
    """One sending thread's transports; the pacer is shared, so the rate limit holds for them all."""
    transports: dict[str, Transport] = {"email": SmtpTransport(settings.smtp, pacer)}
    if settings.sms is not None:
        transports["sms"] = WebhookSms(settings.sms)
    return transports


def dispatch_due(
    clock: Callable[[], dt.datetime], limit: int | None = None, stopping: Callable[[], bool] = lambda: False
) -> Report:
    """Send what is due through the configured transports; `clock` tells the time at each claim."""
    settings = registry.settings()
    pacer = Pacer(settings.smtp.rate)
    dispatcher = Dispatcher(
        session=db.session, contacts=contact_book(),
        pool=SendingPool(lambda: build_transports(settings, pacer), settings.send_connections),
        settings=settings, protocol=registry.protocol(), clock=clock, worker=worker_id(), stopping=stopping,
    )
    return dispatcher.run(limit)


@click.command("dispatch")
@now_option
@click.option("--limit", type=click.IntRange(min=1), default=None,
              help="Handle at most this many messages, then stop.")
@with_appcontext
def dispatch_command(now: dt.datetime | None, limit: int | None) -> None:
    """Send the invitations and reminders that are due, once, then exit.

    Safe to run from cron on several machines at once: each message is claimed by one dispatcher.
    """
    moment = None if now is None else current_time(now)
    try:
        report = dispatch_due(registry.now if moment is None else lambda: moment, limit)
    except OperationalError:
        # cron mails whatever we print: one line, not a traceback; a claim already taken is
        # released when its lease runs out, so the next run sends what this one could not
        raise click.ClickException("the database is unreachable; try again later (the next run "
                                   "sends what is due)") from None
    click.echo(report.line())


@click.command("worker")
@click.option("--interval", type=click.FloatRange(min=0.1), default=15.0, show_default=True,
              help="Seconds to wait when nothing is due.")
@with_appcontext
def worker_command(interval: float) -> None:
    """Keep sending what is due, in a loop, until stopped (SIGTERM or Ctrl-C: the sends in flight finish)."""
    stop = threading.Event()

    def _stop(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo("worker running; SIGTERM or Ctrl-C stops it", err=True)
    reached = False  # whether the last round reached the database
    while not stop.is_set():
        try:
            report = dispatch_due(registry.now, stopping=stop.is_set)
        except OperationalError:
            click.echo("database unreachable; trying again shortly", err=True)
            report, reached = Report(), False
        else:
            if not reached:  # the readiness line: at start, and again after an outage
                click.echo("database reached; sending what comes due", err=True)
            reached = True
        finally:
            db.session.close()
        if report.sent or report.failed or report.retried:
            click.echo(report.line())
        stop.wait(interval)
