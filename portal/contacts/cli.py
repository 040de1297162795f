"""`flask --app portal keys ...`: the data manager's keystore key commands."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

import portal.registry as registry
from portal.audit import record
from portal.cli import current_time, now_option
from portal.config import forget_development_key
from portal.contacts.book import contact_book
from portal.contacts.crypto import KeystoreError
from portal.contacts.keys import destroy_contacts, key_ids_in_use, rotate
from portal.db import db

keys_cli = AppGroup("keys", help="Rotate or destroy the keystore key.")


@keys_cli.command("status")
def keys_status() -> None:
    """How many sealed values each key protects (the current key is marked)."""
    book = contact_book()
    counts = key_ids_in_use(book.session)
    current = book.cipher.current_key_id
    for key_id in sorted({current, *counts}):
        click.echo(f"{key_id}  {counts.get(key_id, 0):>8} values{'  (current)' if key_id == current else ''}")


@keys_cli.command("rotate")
@now_option
def keys_rotate(now: dt.datetime | None) -> None:
    """Re-seal every contact under the current PORTAL_KEYSTORE_KEY (old keys in PORTAL_KEYSTORE_OLD_KEYS)."""
    moment, book = current_time(now), contact_book()
    try:
        changed = rotate(book, moment)
    except KeystoreError as problem:
        raise click.ClickException(f"{problem}; is its key listed in PORTAL_KEYSTORE_OLD_KEYS?") from None
    record(db.session, now=moment, actor="cli", action="keys_rotated", key_id=book.cipher.current_key_id,
           rows=changed)
    db.session.commit()
    click.echo(f"Re-sealed {changed} contacts under key {book.cipher.current_key_id}. "
               "Old keys can now be removed from PORTAL_KEYSTORE_OLD_KEYS.")


@keys_cli.command("destroy")
@click.option("--confirm", is_flag=True, help="Required: this cannot be undone.")
@now_option
def keys_destroy(confirm: bool, now: dt.datetime | None) -> None:
    """End of study: delete every name, phone number and e-mail address, for good."""
    if not confirm:
        raise click.UsageError("this deletes every contact for good; run again with --confirm")
    moment = current_time(now)
    removed = destroy_contacts(contact_book().session)
    record(db.session, now=moment, actor="cli", action="keys_destroyed", contacts=removed)
    db.session.commit()
    settings = registry.settings()
    click.echo(f"Deleted {removed} contacts. Responses and exports are unaffected.")
    if settings.production:
        click.echo("Now delete PORTAL_KEYSTORE_KEY, PORTAL_KEYSTORE_OLD_KEYS and PORTAL_BLIND_INDEX_KEY "
                   "from your secret store and any backup of the keystore. Staff authenticators were sealed "
                   "with the keystore key: give each account `users reset-2fa`.")
    else:
        forget_development_key(Path(current_app.instance_path))
        click.echo("The development keystore keys in instance/secrets.json were replaced.")
