"""`flask instruments ...`: list, check, score, and REDCap data dictionaries.

Thin: every command parses its input, calls the measures package, prints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from .answers import parse_values
from .errors import InstrumentError
from .loader import Catalogue, definition_files, load_catalogue, load_instrument, pack_files
from .model import Instrument
from .redcap import RedcapError, export_dictionary
from .redcap_import import import_dictionary
from .scoring import score
from .translation_cli import (
    PACKS_READ_AT_START,
    AnswersUnreadable,
    import_command,
    recorded,
    template_command,
)

instruments_cli = AppGroup(
    "instruments",
    help="Instrument definitions: list, check, score, REDCap import/export, translation packs.",
)
instruments_cli.add_command(template_command)
instruments_cli.add_command(import_command)


def _dirs() -> list[Path]:
    return [Path(d) for d in current_app.config.get("INSTRUMENT_DIRS", [])]


def _catalogue() -> Catalogue:
    try:
        return load_catalogue(_dirs())
    except InstrumentError as error:
        raise click.ClickException(f"{error}; run 'instruments check' for all problems") from None


def _instrument(instrument_id: str) -> Instrument:
    catalogue = _catalogue()
    if instrument_id not in catalogue:
        known = ", ".join(catalogue)
        raise click.UsageError(f"unknown instrument '{instrument_id}' (known: {known})")
    return catalogue[instrument_id]


def _age_text(instrument: Instrument) -> str:
    low, high = instrument.age_min_years, instrument.age_max_years
    if low is None and high is None:
        return "any age"
    return f"{'' if low is None else low}-{'' if high is None else high} years"


def _origins(catalogue: Catalogue, instrument: Instrument) -> str:
    """Where each language's text comes from: the definition itself, or a pack (file, version, source)."""
    parts = []
    for lang in instrument.languages:
        pack = catalogue.pack(instrument.id, lang)
        if pack is None:
            parts.append(f"{lang}: {catalogue.paths[instrument.id].name}")
        else:
            parts.append(f"{lang}: pack {pack.file} version {pack.version} ({pack.describe_source()}; "
                         f"checked by {pack.checked_by} on {pack.checked_on})")
    return "; ".join(parts)


@instruments_cli.command("list")
def list_command() -> None:
    """List every instrument: id, version, languages, child ages, licence, where each language comes from."""
    catalogue = _catalogue()
    for instrument in catalogue.values():
        permission = " [permission required]" if instrument.requires_permission else ""
        click.echo(
            f"{instrument.id}\t{instrument.version}\t{','.join(instrument.languages)}\t"
            f"{_age_text(instrument)}\t{instrument.licence}{permission}\t{_origins(catalogue, instrument)}"
        )


@instruments_cli.command("check")
def check_command() -> None:
    """Validate every definition file; print each problem as FILE:LINE: problem."""
    problems: list[str] = []
    files = definition_files([d for d in _dirs() if d.is_dir()])
    for path in files:
        try:
            load_instrument(path)
        except InstrumentError as error:
            problems.extend(error.lines())
    try:
        problems.extend(_frozen_pack_problems(load_catalogue(_dirs())))
    except InstrumentError as error:
        problems.extend(line for line in error.lines() if line not in problems)
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise click.exceptions.Exit(1)
    packs = len(pack_files([d for d in _dirs() if d.is_dir()]))
    packs_ok = f", {packs} translation pack{'s' * (packs != 1)} OK" if packs else ""
    click.echo(f"{len(files)} instrument files OK{packs_ok}")
    if packs:
        click.echo(PACKS_READ_AT_START)


def _frozen_pack_problems(catalogue: Catalogue) -> list[str]:
    """A pack whose text changed after answers were kept with its version (where there is a database)."""
    problems = []
    for pack in catalogue.packs.values():
        try:
            kept = recorded(pack)
        except AnswersUnreadable as error:
            return [f"{pack.file}:1: {error.message}"]
        for version, kept_hash, count in kept:
            if version == pack.version and kept_hash != pack.hash:
                problems.append(f"{pack.file}:1: {count} answers were kept with version {version} of this "
                                f"pack and other text (pack hash {kept_hash}, now {pack.hash}): put the text "
                                "back or give the pack a new version")
    return problems


@instruments_cli.command("score")
@click.argument("instrument_id", metavar="ID")
@click.option(
    "--values",
    help="Codes in item order, comma-separated; leave a place empty for a missing answer "
    "(e.g. 3,3,,2,2). Without it, a JSON object {item_id: code} is read from stdin.",
)
def score_command(instrument_id: str, values: str | None) -> None:
    """Score one set of answers and print the scores as JSON."""
    instrument = _instrument(instrument_id)
    if values is None:
        answers: dict[str, Any] = _stdin_answers()
    else:
        try:
            answers = dict(parse_values(instrument, values))
        except ValueError as error:
            raise click.UsageError(str(error)) from None
    result = score(instrument, answers)
    output: dict[str, Any] = {
        "instrument": instrument.id,
        "version": instrument.version,
        "scores": result.scores,
        "answered": result.answered,
        "bands": result.bands,
        "flags": result.flags,
    }
    click.echo(json.dumps(output, ensure_ascii=False))


def _stdin_answers() -> dict[str, Any]:
    text = sys.stdin.read()
    try:
        answers = json.loads(text)
    except json.JSONDecodeError as error:
        raise click.UsageError(f"stdin is not valid JSON: {error.msg} (line {error.lineno})") from None
    if not isinstance(answers, dict):
        raise click.UsageError('stdin must hold a JSON object like {"who5_1": 3}')
    return answers


@instruments_cli.command("export-redcap")
@click.argument("instrument_id", metavar="ID")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="CSV file to write.")
def export_redcap_command(instrument_id: str, out: Path | None) -> None:
    """Write the instrument as a REDCap data dictionary (CSV, English text)."""
    text = export_dictionary(_instrument(instrument_id))
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


@instruments_cli.command("import-redcap")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "instrument_id", required=True, help="Id for the new instrument.")
@click.option("--form", help="Only this REDCap form (default: every form in the file).")
@click.option(
    "--template",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An existing definition to take scales, licence, source and examples from.",
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="YAML file to write.")
def import_redcap_command(
    csv_file: Path, instrument_id: str, form: str | None, template: Path | None, out: Path | None
) -> None:
    """Turn a REDCap data dictionary into a definition; report what it could not carry."""
    try:
        result = import_dictionary(
            csv_file.read_text(encoding="utf-8-sig"), instrument_id, form=form, template=template
        )
    except RedcapError as error:
        raise click.ClickException(str(error)) from None
    except UnicodeDecodeError as error:
        raise click.ClickException(
            f"byte {error.start + 1} of {csv_file.name} is not UTF-8: export the data dictionary from REDCap "
            "again, or save it as 'CSV UTF-8'"
        ) from None
    for note in result.not_carried:
        click.echo(f"not carried: {note}", err=True)
    if out is None:
        click.echo(result.yaml_text, nl=False)
    else:
        out.write_text(result.yaml_text, encoding="utf-8")
