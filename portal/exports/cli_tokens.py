"""`flask --app portal tokens create|list|revoke`: analysts' personal API tokens (admin only). Thin."""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import AppGroup
from sqlalchemy import select

from portal import registry
from portal.cli import current_time, now_option
from portal.db import db
from portal.exports.api_tokens import ApiTokenError, create_token, revoke_token, tokens_of
from portal.staff.models import StaffUser

tokens_cli = AppGroup("tokens", help="Personal API tokens for analysts' scripts (shown once, stored hashed).")


@tokens_cli.command("create")
@click.option("--email", required=True, help="Sign-in e-mail of the analyst (or admin) the token acts as.")
@click.option("--days", default=90, show_default=True, type=int, help="Days until the token expires (1-366).")
@click.option("--label", default="", help="What the token is for, e.g. 'R on the stats server'.")
@now_option
def create_command(email: str, days: int, label: str, now: dt.datetime | None) -> None:
    """Make a token and print it once; only its keyed hash is kept."""
    user = db.session.scalars(select(StaffUser).filter_by(email=email.strip().lower())).first()
    if user is None:
        raise click.UsageError(f"no account {email}")
    try:
        token, clear = create_token(db.session, registry.settings().secret_key, user, label=label, days=days,
                                    actor="cli", now=current_time(now))
    except ApiTokenError as problem:
        raise click.UsageError(str(problem)) from None
    db.session.commit()
    click.echo(f"token {token.id} for {user.actor}, expires {token.expires_at:%Y-%m-%d %H:%M} UTC")
    click.echo("Copy it now; it is not shown again:")
    click.echo(clear)


@tokens_cli.command("list")
@now_option
def list_command(now: dt.datetime | None) -> None:
    """Every token: its id, account, label, expiry and state (never the token itself)."""
    moment = current_time(now)
    for token, user in tokens_of(db.session):
        state = "revoked" if token.revoked_at else "expired" if moment >= token.expires_at else "active"
        click.echo(f"{token.id}\t{user.actor}\t{token.label}\t{token.expires_at:%Y-%m-%d}\t{state}")


@tokens_cli.command("revoke")
@click.option("--id", "token_id", required=True, type=int, help="The token's number (from `tokens list`).")
@now_option
def revoke_command(token_id: int, now: dt.datetime | None) -> None:
    """Stop a token from working, at once; audited."""
    try:
        revoke_token(db.session, token_id, actor="cli", now=current_time(now))
    except ApiTokenError as problem:
        raise click.UsageError(str(problem)) from None
    db.session.commit()
    click.echo(f"token {token_id} revoked")
