"""`attempt` and `resend`: what a coordinator does from a family's row, from the command line."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext

from portal import registry
from portal.cli import Choice, current_time, now_option
from portal.db import db
from portal.staff.attempts import CHANNELS, OUTCOMES, record_attempt
from portal.staff.outreach import OutreachError, invitation_for
from portal.staff.resend import resend_link


def _dashed(codes: dict[str, str]) -> list[str]:
    return [code.replace("_", "-") for code in codes]


def _refuse(problem: OutreachError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(f"{problem} Nothing was changed.")


@click.command("attempt")
@click.argument("respondent")
@click.option("--wave", required=True, help="The wave, e.g. T1.")
@click.option("--channel", required=True, type=Choice(_dashed(CHANNELS)), help="How you tried.")
@click.option("--outcome", required=True, type=Choice(_dashed(OUTCOMES)),
              help="What happened; 'declines' (reached: declines this wave) stops that wave's reminders.")
@click.option("--note", default="", help="A short note (200 characters), without names or numbers.")
@now_option
@with_appcontext
def attempt_command(respondent: str, wave: str, channel: str, outcome: str, note: str,
                    now: dt.datetime | None) -> None:
    """Record a contact attempt for RESPONDENT (pseudonym) at one wave; audited."""
    moment = current_time(now)
    try:
        invitation = invitation_for(db.session, respondent, wave)
        record_attempt(db.session, invitation=invitation, channel=channel.replace("-", "_"),
                       outcome=outcome.replace("-", "_"), note=note, by=None, now=moment)
    except OutreachError as problem:
        raise _refuse(problem) from None
    db.session.commit()
    click.echo(f"Attempt recorded for {invitation.respondent.pseudonym} {invitation.wave}: "
               f"{CHANNELS[channel.replace('-', '_')]}, {OUTCOMES[outcome.replace('-', '_')]}.")


@click.command("resend")
@click.argument("respondent")
@click.option("--wave", required=True, help="The wave, e.g. T1.")
@click.option("--channel", "channels", multiple=True, type=Choice(["sms", "email"]),
              help="sms or email; give it twice for both. Default: SMS where there is a gateway, "
                   "else e-mail.")
@now_option
@with_appcontext
def resend_command(respondent: str, wave: str, channels: tuple[str, ...], now: dt.datetime | None) -> None:
    """Send RESPONDENT's link for one wave again, through the outbox (quiet hours respected); audited."""
    moment = current_time(now)
    chosen = channels or (("sms",) if registry.settings().sms is not None else ("email",))
    try:
        invitation = invitation_for(db.session, respondent, wave)
        resent = resend_link(db.session, invitation=invitation, channels=chosen, by=None, now=moment)
    except OutreachError as problem:
        raise _refuse(problem) from None
    db.session.commit()
    when = resent.goes_at.astimezone(registry.protocol().timezone).strftime("%Y-%m-%d %H:%M")
    how = " and ".join(resent.channels)
    if resent.waits_for_quiet_hours:
        click.echo(f"Queued by {how}; it goes at {when} (study time), after the quiet hours.")
    else:
        click.echo(f"Queued by {how}; it goes with the next dispatch.")
