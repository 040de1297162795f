"""Data-manager commands: staff accounts and the allocation sequence."""

from __future__ import annotations

import datetime as dt
import sys

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from portal import registry
from portal.cli import current_time, now_option
from portal.db import db
from portal.families.models import Family
from portal.families.replan import RespondentChanges
from portal.staff import accounts, allocation, sequence

users_cli = AppGroup("users", help="Staff accounts: create, disable, reset the second factor, set the role.")
allocation_cli = AppGroup("allocation", help="The concealed allocation sequence.")


@users_cli.command("create")
@click.option("--email", required=True, help="The person's work e-mail (their sign-in name).")
@click.option("--role", required=True, type=click.Choice(["admin", "coordinator", "analyst"]))
@click.option("--site", "sites", multiple=True, help="A site the coordinator works at (repeat for more).")
@click.option("--blinded/--unblinded", default=True, show_default=True,
              help="Blinded accounts never see which arm a family is in.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead.")
@click.option("--language", type=click.Choice(["nb", "en"]), default=None,
              help="The workspace's language for this person (default: the study's).")
@now_option
def users_create(
    email: str, role: str, sites: tuple[str, ...], blinded: bool, password_stdin: bool,
    language: str | None, now: dt.datetime | None,
) -> None:
    """Create an account; prints a one-time password unless --password-stdin is given."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else accounts.new_password()
    try:
        user = accounts.create(db.session, email=email, role=role, sites=list(sites), blinded=blinded,
                               password=password, actor="cli", now=current_time(now), language=language)
    except accounts.AccountError as problem:
        raise click.UsageError(str(problem)) from None
    db.session.commit()
    click.echo(f"created {user.email} ({user.role}); the authenticator is set up at first sign-in")
    if not password_stdin:
        click.echo(f"one-time password: {password}")


@users_cli.command("disable")
@click.option("--email", required=True)
@now_option
def users_disable(email: str, now: dt.datetime | None) -> None:
    """Stop an account from signing in (its open sessions end too)."""
    _on_account(email, accounts.disable, now)
    click.echo(f"disabled {email}")


@users_cli.command("reset-2fa")
@click.option("--email", required=True)
@now_option
def users_reset_2fa(email: str, now: dt.datetime | None) -> None:
    """Forget the account's authenticator and recovery codes; a new one is set up at next sign-in."""
    _on_account(email, accounts.reset_second_factor, now)
    click.echo(f"second factor reset for {email}")


@users_cli.command("set-role")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(["admin", "coordinator", "analyst"]))
@click.option("--site", "sites", multiple=True, help="A site the coordinator works at (repeat for more).")
@now_option
def users_set_role(email: str, role: str, sites: tuple[str, ...], now: dt.datetime | None) -> None:
    """Give an account another role (and sites); its open sessions end, it signs in again."""
    try:
        user = accounts.find(db.session, email)
        accounts.change_role(db.session, user, role=role, sites=list(sites), actor="cli",
                             now=current_time(now))
    except accounts.AccountError as problem:
        raise click.UsageError(str(problem)) from None
    db.session.commit()
    click.echo(f"{email} is now {role}")


def _on_account(email: str, action: accounts.AccountAction, now: dt.datetime | None) -> None:
    try:
        user = accounts.find(db.session, email)
    except accounts.AccountError as problem:
        raise click.UsageError(str(problem)) from None
    action(db.session, user, actor="cli", now=current_time(now))
    db.session.commit()


@allocation_cli.command("generate")
@click.option("--seed", required=True, help="A secret seed (8+ characters); keep it away from coordinators.")
@click.option("--per-site", "per_stratum", default=200, show_default=True, type=click.IntRange(1, 100_000),
              help="At least this many places per stratum (site, or site and age group), in whole blocks.")
@now_option
def allocation_generate(seed: str, per_stratum: int, now: dt.datetime | None) -> None:
    """Seal (or extend) the sequence made from SEED. Never prints upcoming allocations."""
    try:
        reports = sequence.generate_sequence(
            db.session, registry.protocol(), key=registry.settings().allocation_key, seed=seed,
            per_stratum=per_stratum, actor="cli", now=current_time(now))
    except (sequence.AllocationError, ValueError) as problem:
        raise click.UsageError(str(problem)) from None
    db.session.commit()
    for r in reports:
        click.echo(f"{r.stratum}: {r.slots} places ({r.added} new)  fingerprint {r.fingerprint}")


@allocation_cli.command("check")
@click.option("--seed", required=True, help="The seed the data manager keeps.")
@now_option
def allocation_check(seed: str, now: dt.datetime | None) -> None:
    """Make the whole sequence again from SEED and compare it with every stored place and allocation."""
    try:
        reports = sequence.check_sequence(
            db.session, registry.protocol(), key=registry.settings().allocation_key, seed=seed, actor="cli",
            now=current_time(now))
    except (sequence.AllocationError, ValueError) as problem:
        db.session.rollback()
        raise click.ClickException(str(problem)) from None
    db.session.commit()
    for r in reports:
        click.echo(f"{r.stratum}: {r.checked} sealed places agree with the seed, {r.allocated} allocated "
                   f"families have their place's arm  fingerprint {r.fingerprint}")
    click.echo("The stored sequence is the one the seed gives.")


@allocation_cli.command("correct")
@click.option("--family", "pseudonym", required=True)
@click.option("--arm", required=True)
@click.option("--reason", required=True, help="Why the first allocation was wrong (kept in the record).")
@now_option
def allocation_correct(pseudonym: str, arm: str, reason: str, now: dt.datetime | None) -> None:
    """Record a corrected arm as a new record beside the first (which stays)."""
    from sqlalchemy import select

    family = db.session.scalars(select(Family).filter_by(pseudonym=pseudonym.strip().upper())).first()
    if family is None:
        raise click.UsageError(f"no family {pseudonym}")
    try:
        allocation.correct(db.session, family, arm, reason=reason, actor="cli", now=current_time(now))
    except allocation.AllocationError as problem:
        raise click.UsageError(str(problem)) from None
    db.session.commit()
    click.echo(f"{family.pseudonym}: correction recorded")


schedule_cli = AppGroup("schedule", help="Wave schedules.")


@schedule_cli.command("replan")
@click.option("--dry-run", is_flag=True, help="Show what would change; change nothing.")
@now_option
def schedule_replan(dry_run: bool, now: dt.datetime | None) -> None:
    """Re-plan invitations not yet open or started after the protocol file changed."""
    from portal.staff import replanning
    from portal.staff.schedule_words import describe

    moment = current_time(now)
    found = (replanning.preview if dry_run else _apply)(db.session, moment)
    for item in found:
        for change in item.changes:
            click.echo(f"{item.family} {item.respondent} {change.wave}: {'; '.join(describe(change))}")
    verb = "would change" if dry_run else "changed"
    click.echo(f"{len(found)} respondents' schedules {verb}.")
    if dry_run:
        moving = len(replanning.reminders_to_move(db.session, moment))
        click.echo(f"{moving} invitations' queued reminders would move.")


def _apply(session: Session, moment: dt.datetime) -> list[RespondentChanges]:
    from portal.staff import replanning

    found = replanning.apply_all(db.session, actor="cli", now=moment)
    db.session.commit()
    return found
