"""Reading translation pack files (`<instrument>.<language>.yaml`), checking them against their instrument."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path

import yaml
from babel import Locale, UnknownLocaleError

from .errors import InstrumentError, Problem, display_path
from .model import Instrument
from .packs import SOURCE_KEYS, Pack, string_problems
from .reader import Reader
from .yamlnodes import LineDict, error_line, error_text, parse

PACK_KEYS = ("instrument", "instrument_version", "language", "direction", "version", "source", "licence",
             "translated_by", "registered_as", "checked_by", "checked_on", "text")
PACK_REQUIRED = ("instrument", "instrument_version", "language", "direction", "version", "source", "licence",
                 "checked_by", "checked_on", "text")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


def is_pack_file(path: Path) -> bool:
    """`who5.nb.yaml` is a pack; `who5.yaml` an instrument (instrument ids hold no dots)."""
    return "." in path.stem


def language_problem(code: str) -> str | None:
    """Why `code` cannot name a pack's language, or None: a lower-case ISO 639 code CLDR knows."""
    if code == "no":
        return "language 'no' is ambiguous: write 'nb' (Bokmål) or 'nn' (Nynorsk)"
    if code == "en":
        return "English is the instruments' own language; a pack adds another one"
    if LANGUAGE_CODE.match(code):
        try:
            Locale.parse(code)
            return None
        except (UnknownLocaleError, ValueError):
            pass
    return f"unknown language code '{code}' (use a lower-case ISO 639 code such as nb, pl, so, ar, uk)"


def text_direction(code: str) -> str:
    return "rtl" if Locale.parse(code).text_direction == "rtl" else "ltr"


def read_pack(path: Path) -> Pack:
    """One pack file's shape (not yet its instrument): raise with every problem found."""
    label = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InstrumentError([Problem(label, 1, f"cannot read the file as UTF-8: {error}")]) from None
    try:
        doc = parse(text)
    except yaml.YAMLError as error:
        raise InstrumentError([Problem(label, error_line(error), error_text(error))]) from None
    if not isinstance(doc, LineDict):
        raise InstrumentError([Problem(label, 1, "the file must hold one mapping")])
    reader = Reader(label)
    pack = _build(doc, reader)
    if reader.problems:
        raise InstrumentError(reader.problems)
    return pack


def _build(doc: LineDict, reader: Reader) -> Pack:
    where = "the pack"
    reader.keys(doc, where, PACK_KEYS, PACK_REQUIRED)

    def text(key: str) -> str:
        return str(reader.value(doc, key, str, where) or "")

    return Pack(
        instrument=text("instrument"), instrument_version=text("instrument_version"),
        language=text("language"), direction=text("direction"), version=text("version"),
        source=_source(doc, reader), licence=text("licence"), checked_by=text("checked_by"),
        checked_on=_checked_on(doc, reader), strings=_strings(doc, reader),
        translated_by=text("translated_by"), registered_as=text("registered_as"),
        file=reader.file,
    )


def _source(doc: LineDict, reader: Reader) -> dict[str, str]:
    node = reader.mapping(doc, "source", "the pack")
    if node is None:
        return {}
    reader.keys(node, "the pack's source", SOURCE_KEYS, SOURCE_KEYS)
    return {str(key): str(value) for key, value in node.items() if value is not None}


def _checked_on(doc: LineDict, reader: Reader) -> str:
    value = doc.get("checked_on")
    if isinstance(value, dt.date):  # YAML reads 2026-12-01 as a date
        return value.isoformat()
    if value is not None:
        reader.problem(doc.line_of("checked_on"), "'checked_on' must be a date like 2026-12-01")
    return ""


def _strings(doc: LineDict, reader: Reader) -> dict[str, str]:
    node = reader.mapping(doc, "text", "the pack") or LineDict()
    strings: dict[str, str] = {}
    for key, value in node.items():
        if isinstance(value, str):
            strings[str(key)] = value
        else:
            reader.problem(node.line_of(key), f"text '{key}' must be text (quote it)")
    for key, line in node.duplicates:
        reader.problem(line, f"text '{key}' appears twice")
    return strings


def pack_problems(pack: Pack, catalogue: Mapping[str, Instrument], path: Path) -> list[Problem]:
    """What stops `pack` from being applied to its instrument (first line of each kind)."""
    def problem(message: str) -> Problem:
        return Problem(pack.file, 1, message)

    instrument = catalogue.get(pack.instrument)
    if instrument is None:
        return [problem(f"pack for unknown instrument '{pack.instrument}' (known: {', '.join(catalogue)})")]
    wrong_language = language_problem(pack.language)
    if wrong_language:
        return [problem(wrong_language)]
    problems = [problem(message) for message in _identity_problems(pack, instrument, path)]
    problems += [problem(f"{key}: {message}") for key, message in string_problems(
        instrument, pack.strings, pack.language)]
    return problems


def _identity_problems(pack: Pack, instrument: Instrument, path: Path) -> list[str]:
    messages = []
    if pack.instrument_version != instrument.version:
        messages.append(f"pack for {instrument.id} version {pack.instrument_version}, but the installed "
                        f"{instrument.id} is version {instrument.version}: make a new template")
    if pack.language in instrument.languages:
        messages.append(f"{instrument.id} already has {pack.language} text in its own definition")
    if path.name not in (f"{pack.instrument}.{pack.language}.yaml", f"{pack.instrument}.{pack.language}.yml"):
        messages.append(f"a pack for {pack.instrument} in {pack.language} must be named "
                        f"{pack.instrument}.{pack.language}.yaml")
    if pack.direction != text_direction(pack.language):
        messages.append(f"{pack.language} is written {text_direction(pack.language)}; "
                        f"the pack says direction '{pack.direction}'")
    for key in ("version", "licence", "checked_by", "checked_on"):
        if not str(getattr(pack, key)).strip():
            messages.append(f"the pack's '{key}' is empty")
    return messages
