"""The `flask --app portal` commands. Thin: they parse and call services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click
from flask.cli import AppGroup

import portal.migrate as migrate
import portal.registry as registry
from portal.audit import count_events, verify
from portal.audit_anchors import AnchorError, note_head, read_anchors
from portal.db import db


class Moment(click.ParamType):
    """`--now 2027-03-01T10:00` (study time zone unless an offset is given)."""

    name = "datetime"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.datetime:
        if isinstance(value, dt.datetime):
            return value
        try:
            moment = dt.datetime.fromisoformat(str(value))
        except ValueError:  # not repeated: it may be a name or a number typed in the wrong place
            self.fail("give a date and time like 2027-03-01T10:00", param, ctx)
        return moment  # a naive time is read in the study's zone by current_time()


class _Unrepeated(click.ParamType):
    """A parameter whose refusal says what it takes without repeating what was typed (a phone number
    typed in the wrong place would end up in a terminal's scrollback or a cron mail)."""

    def takes(self) -> str:
        raise NotImplementedError

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            pass
        self.fail(self.takes(), param, ctx)


class Choice(_Unrepeated, click.Choice):
    def takes(self) -> str:
        return f"use one of {', '.join(map(str, self.choices))}"


class IntRange(_Unrepeated, click.IntRange):
    def takes(self) -> str:
        return f"give a whole number from {self.min} to {self.max}"


MOMENT = Moment()


def now_option(function: Any) -> Any:
    return click.option(
        "--now", type=MOMENT, default=None,
        help="Act as if it were this time (ISO 8601; study time zone unless an offset is given).",
    )(function)


def current_time(now: dt.datetime | None) -> dt.datetime:
    """The command's time, aware and in UTC: --now if given, else the clock."""
    if now is None:
        return registry.now()
    if now.tzinfo is None:
        now = now.replace(tzinfo=registry.protocol().timezone)
    return now.astimezone(dt.UTC)


db_cli = AppGroup("db", help="Create or migrate the databases.")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the main database and the keystore to the newest schema."""
    migrate.upgrade(registry.settings())
    click.echo("Databases are up to date.")


audit_cli = AppGroup("audit", help="Check the audit trail; print its head to note outside.")


@audit_cli.command("verify")
@click.option("--anchor", "anchors", multiple=True, metavar="ENTRY:HASH|FILE",
              help="A head noted earlier (as `audit head` prints it), or a backup or export manifest. "
                   "The anchors log in the instance folder is always read.")
def audit_verify(anchors: tuple[str, ...]) -> None:
    """Check numbering, keyed hashes and anchors; name the first gap, edit or truncation (exit 1)."""
    try:
        noted = read_anchors(anchors)
    except AnchorError as problem:
        raise click.UsageError(str(problem)) from None
    broken = verify(db.session, registry.settings().audit_key, noted)
    if broken is not None:
        raise click.ClickException(f"audit trail broken at entry {broken.entry}: {broken.reason}")
    click.echo(f"Audit trail intact ({count_events(db.session)} entries, {len(noted)} anchors agree).")


@audit_cli.command("head")
@now_option
def audit_head(now: dt.datetime | None) -> None:
    """Print the newest entry's number and hash (ENTRY:HASH) to note outside; also kept in the anchors log."""
    current = note_head(db.session, now=current_time(now), where="audit head")
    click.echo(f"{current.entry}:{current.hash}")
