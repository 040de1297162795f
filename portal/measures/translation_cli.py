"""`flask instruments translation-template` and `translation-import`: from a publisher's text to a pack.

Thin: the measures package builds and checks; this module reads the options,
looks at the answers already kept (a pack's text may not change under them
without a new version) and writes the pack in one step.
"""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from .errors import InstrumentError
from .loader import Catalogue, load_catalogue, shipped_instrument_dir
from .pack_files import language_problem, pack_problems, read_pack
from .packs import Pack, change_refusal
from .translation_import import TemplateRefused, build_pack, pack_yaml, read_template
from .translation_template import template_rows, write_template

# The portal reads its packs when a worker starts; it never re-reads them while it runs (no second
# code path that could show one parent two versions mid-page). gunicorn's HUP, which the unit's
# ExecReload sends, starts new workers that read them and lets the old ones finish their requests.
RELOAD = ("`systemctl reload family-portal` (the unit in deploy/systemd: gunicorn starts new workers that "
          "read the packs and drops no request), or restart the portal where it runs without that unit")
OFFERED_AFTER_RELOAD = ("the running portal does not offer it yet (it reads packs when it starts): "
                        f"run {RELOAD}")
PACKS_READ_AT_START = ("a running portal offers the packs it read when it started: after installing or "
                       f"changing one, run {RELOAD}")


def loaded_catalogue() -> Catalogue:
    dirs = [Path(d) for d in current_app.config.get("INSTRUMENT_DIRS", [])]
    try:
        return load_catalogue(dirs)
    except InstrumentError as error:
        raise click.ClickException(f"{error}; run 'instruments check' for all problems") from None


class AnswersUnreadable(click.ClickException):
    """The answers kept so far cannot be read, so nobody can tell whether a pack may change."""


def recorded(pack: Pack) -> list[tuple[str | None, str | None, int]]:
    """The answers kept in the pack's instrument and language; none where the app has no database."""
    if "portal.db" not in current_app.extensions:
        return []
    from sqlalchemy.exc import SQLAlchemyError

    from portal.db import db
    from portal.families.packs import recorded_packs

    try:
        kept = recorded_packs(db.session, pack.instrument, pack.language)
    except SQLAlchemyError as error:
        db.session.rollback()
        raise AnswersUnreadable(f"cannot read the answers kept so far ({type(error).__name__}): "
                                "run 'db upgrade' or check PORTAL_DATABASE_URL") from None
    return [(r.version, r.hash, r.responses) for r in kept]


@click.command("translation-template")
@click.argument("instrument_id", metavar="ID")
@click.option("--lang", required=True, help="The language to translate into (ISO 639 code, e.g. nb).")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="xlsx", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: ID.LANG.template.csv or .xlsx here).")
@with_appcontext
def template_command(instrument_id: str, lang: str, fmt: str, out: Path | None) -> None:
    """Write every string of an instrument with its English, and an empty column to paste the
    publisher's translation into."""
    catalogue = loaded_catalogue()
    if instrument_id not in catalogue.own:
        raise click.UsageError(f"unknown instrument '{instrument_id}' (known: {', '.join(catalogue)})")
    wrong_language = language_problem(lang)
    if wrong_language:
        raise click.UsageError(wrong_language)
    instrument = catalogue.own[instrument_id]
    if lang in instrument.languages:
        raise click.UsageError(f"{instrument_id} already has {lang} text in its own definition")
    out = out or Path(f"{instrument_id}.{lang}.template.{fmt}")
    write_template(template_rows(instrument, lang), out, fmt)
    click.echo(f"wrote {out}: fill in the '{lang}' column from the publisher's document")


@click.command("translation-import")
@click.argument("template", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="FILE")
@click.option("--lang", required=True, help="The language the template was filled in.")
@click.option("--into", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to install the pack in (default: the first folder of PORTAL_INSTRUMENTS_PATH).")
@with_appcontext
def import_command(template: Path, lang: str, into: Path | None) -> None:
    """Turn a filled template into a translation pack and install it; refuse it, installing nothing,
    with every problem named by line and item."""
    catalogue = loaded_catalogue()
    try:
        instrument, rows = read_template(template, lang, catalogue.own)
    except TemplateRefused as error:
        raise click.ClickException(f"{error}; nothing installed") from None
    try:
        pack = build_pack(instrument, rows, lang, template.name)
    except InstrumentError as error:
        for line in error.lines():
            click.echo(line, err=True)
        count = len(error.problems)
        raise click.ClickException(f"{count} problems in {template.name}; nothing installed") from None
    target = _folder(into) / f"{pack.instrument}.{pack.language}.yaml"
    installed = _install(pack, template, target, catalogue)
    click.echo(f"installed {target}: {installed.instrument} in {installed.language}, version "
               f"{installed.version} (pack hash {installed.hash})")
    click.echo(OFFERED_AFTER_RELOAD)


def _folder(into: Path | None) -> Path:
    dirs = [Path(d) for d in current_app.config.get("INSTRUMENT_DIRS", [])]
    private = [d for d in dirs if d.resolve() != shipped_instrument_dir()]
    folder = into or (private[0] if private else None)
    if folder is None:
        raise click.UsageError("no private instrument folder: set PORTAL_INSTRUMENTS_PATH or pass --into")
    if folder.resolve() == shipped_instrument_dir():
        raise click.UsageError("the shipped instruments folder holds no translation packs: "
                               "use a private folder")
    if not folder.is_dir():
        raise click.UsageError(f"{folder} is not a folder")
    return folder


def _install(pack: Pack, template: Path, target: Path, catalogue: Catalogue) -> Pack:
    """Write the pack beside its final name, read it back, check it, then put it in place in one step."""
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        staging.write_text(pack_yaml(pack, template), encoding="utf-8")
        written = read_pack(staging)
        problems = pack_problems(written, catalogue.own, target)
        if problems:
            raise click.ClickException(f"{problems[0].message}; nothing installed")
        refusal = change_refusal(catalogue.pack(pack.instrument, pack.language), written, recorded(written))
        if refusal:
            raise click.ClickException(f"{refusal}; nothing installed")
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
    return written
