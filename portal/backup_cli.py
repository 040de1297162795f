"""`flask backup` and `flask restore`: sealed snapshots, their manifests, and the restore's audit entry."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext

import portal.registry as registry
from portal.audit import RESTORE, Head, head, record
from portal.audit_anchors import note_head
from portal.backup import BackupError, backup, restore
from portal.cli import current_time, now_option
from portal.db import db

STORE = click.option("--store", type=click.Choice(["main", "keystore"]), default="main", show_default=True,
                     help="Which store: the pseudonymous data, or the keystore (always backed up apart).")


def manifest_path(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.json")


@click.command("backup")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="A new file to write (encrypted with PORTAL_BACKUP_KEY, mode 0600).")
@STORE
@now_option
@with_appcontext
def backup_command(out: Path, store: str, now: dt.datetime | None) -> None:
    """Write a consistent, encrypted snapshot of one store, and beside it a manifest with the audit head."""
    moment = current_time(now)
    try:
        if manifest_path(out).exists():
            raise BackupError(f"{manifest_path(out)} exists already; choose a new file")
        backup(_url(store), store, out, registry.settings().backup_key)
    except BackupError as problem:
        raise click.ClickException(str(problem)) from None
    noted = note_head(db.session, now=moment, where=f"backup {out.name}")
    _write_manifest(manifest_path(out), {"store": store, "file": out.name, "created_at": moment.isoformat(),
                                         "audit_head": noted.as_dict()})
    click.echo(f"Backed up the {store} store to {out} (audit head {noted.entry}:{noted.hash}).")


@click.command("restore")
@click.option("--from", "source", type=click.Path(path_type=Path), required=True, help="A backup file.")
@STORE
@click.option("--yes", is_flag=True, help="Required: the store's current data is replaced.")
@now_option
@with_appcontext
def restore_command(source: Path, store: str, yes: bool, now: dt.datetime | None) -> None:
    """Replace one store's data with a backup made by `backup` (all or nothing); the audit trail says so."""
    if not yes:
        raise click.UsageError(f"this replaces everything in the {store} store; run again with --yes")
    before = head(db.session)
    db.session.close()
    try:
        restore(_url(store), store, source, registry.settings().backup_key)
    except BackupError as problem:
        raise click.ClickException(str(problem)) from None
    after = _record_restore(store, source, before, current_time(now))
    rolled = f" Audit entries {after.entry + 1}-{before.entry} were rolled back; the trail now says so." \
        if after.entry < before.entry else ""
    click.echo(f"Restored the {store} store from {source}.{rolled}")


def _record_restore(store: str, source: Path, before: Head, now: dt.datetime) -> Head:
    """A new entry: which file was restored, and which entries (if any) the restore took away."""
    after = head(db.session) if store == "main" else before
    details: dict[str, Any] = {"store": store, "file": source.name, "head_before": before.as_dict()}
    if after.entry < before.entry or (after.entry == before.entry and after.hash != before.hash):
        details["rolled_back"] = {"first": after.entry + 1, "last": before.entry, "head": before.hash}
    record(db.session, now=now, actor="cli", action=RESTORE, **details)
    db.session.commit()
    return after


def _write_manifest(path: Path, data: dict[str, Any]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _url(store: str) -> str:
    settings = registry.settings()
    return settings.keystore_url if store == "keystore" else settings.database_url
