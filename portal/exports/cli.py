"""`flask --app portal export ...` and `flask --app portal blinding show --confirm`. Thin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from portal import registry
from portal.cli import current_time, now_option
from portal.db import db
from portal.exports.blinding import reveal
from portal.exports.service import run_export
from portal.exports.spec import FORMATS, LAYOUTS, ExportError, ExportRequest
from portal.exports.unblinding import record_unblinding
from portal.staff.models import StaffUser


def _list(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True, help="The data file's format.")
@click.option("--layout", type=click.Choice(LAYOUTS), default="wide", show_default=True,
              help="wide: a row per respondent; long: per respondent, wave and instrument; "
                   "retention: per invitation, with the contact log.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder for the data file, codebook.html, codebook.json and manifest.json.")
@click.option("--blind/--unblinded", default=True, show_default=True,
              help="Show the arm as the study's fixed letters (A/B), or as the true arms: in a blinded "
                   "study only after an admin recorded an unblinding (blinding unblind).")
@click.option("--waves", default="", help="Waves to include, e.g. T0,T1 (default: all).")
@click.option("--instruments", default="", help="Instruments, e.g. who5,phq9 (default: all asked).")
@click.option("--bom", is_flag=True, help="CSV: start with a UTF-8 byte order mark, for Excel.")
@click.option("--language", default="en", show_default=True, help="Label language.")
@now_option
@with_appcontext
def export_command(
    fmt: str, layout: str, out: Path, blind: bool, waves: str, instruments: str, bom: bool, language: str,
    now: dt.datetime | None,
) -> None:
    """Export scored, labelled data under pseudonyms, with a codebook and a manifest."""
    request = ExportRequest(format=fmt, layout=layout, waves=_list(waves),  # type: ignore[arg-type]
                            instruments=_list(instruments), blind=blind, bom=bom, language=language)
    try:
        summary = run_export(
            db.session, request, protocol=registry.protocol(), catalogue=registry.catalogue(), actor="cli",
            now=current_time(now), out_dir=out,
        )
    except ExportError as problem:
        db.session.rollback()
        raise click.UsageError(str(problem)) from None
    db.session.commit()
    click.echo(f"{summary['rows']} rows, {summary['variables']} variables written to {out}:")
    for name, facts in sorted(summary["files"].items()):
        click.echo(f"  {name}  sha256 {facts['sha256']}")


blinding_cli = AppGroup("blinding", help="The arm letters used in blinded exports (data manager only).")


@blinding_cli.command("show")
@click.option("--confirm", is_flag=True, help="Yes: unblind me. The audit trail records it.")
@now_option
@with_appcontext
def show_command(confirm: bool, now: dt.datetime | None) -> None:
    """Print which letter stands for which arm, and record the unblinding in the audit trail."""
    if not confirm:
        raise click.UsageError("this unblinds you and is written to the audit trail; add --confirm to go on")
    mapping = reveal(db.session, registry.protocol(), now=current_time(now), actor="cli")
    db.session.commit()
    for arm, letter in sorted(mapping.items(), key=lambda pair: pair[1]):
        click.echo(f"{letter} = {arm}")


@blinding_cli.command("unblind")
@click.option("--admin", "admin_email", required=True, help="The sign-in e-mail of the admin who decided.")
@click.option("--reason", required=True, help="Why arms may be exported now (e.g. the database is locked).")
@now_option
@with_appcontext
def unblind_command(admin_email: str, reason: str, now: dt.datetime | None) -> None:
    """Record the decision that true arms may be exported (who, why, when); audited, named in manifests."""
    admin = db.session.scalars(select(StaffUser).filter_by(email=admin_email.strip().lower())).first()
    if admin is None or admin.role != "admin" or not admin.active:
        raise click.UsageError("--admin must name an active admin account")
    try:
        entry = record_unblinding(db.session, registry.protocol(), reason=reason, admin=admin.actor,
                                  now=current_time(now))
    except ExportError as problem:
        db.session.rollback()
        raise click.UsageError(str(problem)) from None
    db.session.commit()
    click.echo(f"unblinding {entry.id} recorded by {entry.recorded_by}; exports may now show true arms "
               "to unblinded accounts that ask")
