"""A filled translation template (CSV or XLSX) becomes a translation pack, or is refused with every problem.

Problems with the file as a whole (not UTF-8, another language, an unknown
instrument, another version) stop at once with one line; problems with its
strings are all reported, each with its line and the item it belongs to.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import InstrumentError, Problem, display_path
from .model import Instrument
from .pack_files import language_problem, text_direction
from .packs import Pack, Translatable, translatable
from .translation_template import ABOUT, OPTIONAL_ABOUT


class TemplateRefused(Exception):
    """The file cannot be read as a template for this language: one line says why."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    key: str
    text: str


def read_template(path: Path, lang: str, catalogue: Mapping[str, Instrument]) -> tuple[Instrument, list[Row]]:
    """The instrument a filled template is for and its rows; TemplateRefused for the file-wide problems."""
    wrong_language = language_problem(lang)
    if wrong_language:
        raise TemplateRefused(wrong_language)
    table = _xlsx_table(path) if path.suffix.lower() == ".xlsx" else _csv_table(path)
    if not table or "id" not in table[0][1]:
        raise TemplateRefused(f"{path.name} is not a translation template: its first row has no 'id' column")
    header = table[0][1]
    if lang not in header:
        theirs = header[-1] if header else "?"
        raise TemplateRefused(f"{path.name} is a template for '{theirs}', not for '{lang}'")
    at_id, at_lang = header.index("id"), header.index(lang)
    rows = [Row(line, _cell(cells, at_id).strip(), _cell(cells, at_lang))
            for line, cells in table[1:] if any(cell.strip() for cell in cells)]
    return _instrument_of(rows, catalogue), rows


def _cell(cells: list[str], index: int) -> str:
    return cells[index] if index < len(cells) else ""


def _csv_table(path: Path) -> list[tuple[int, list[str]]]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TemplateRefused(f"byte {error.start + 1} of {path.name} is not UTF-8: save the file as "
                              "'CSV UTF-8' (or as .xlsx) and import it again") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    return [(reader.line_num, row) for row in reader]


def _xlsx_table(path: Path) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        kind = type(error).__name__
        raise TemplateRefused(f"{path.name} cannot be read as an .xlsx workbook ({kind})") from None
    try:  # a read-only workbook keeps its file open until closed
        rows = book.worksheets[0].iter_rows(values_only=True)
        return [(number, [_xlsx_text(value) for value in row]) for number, row in enumerate(rows, start=1)]
    finally:
        book.close()


def _xlsx_text(value: Any) -> str:
    """A cell as the text the team typed: a spreadsheet turns years into numbers and dates into times."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _instrument_of(rows: list[Row], catalogue: Mapping[str, Instrument]) -> Instrument:
    about = {row.key: row.text.strip() for row in rows if row.key.startswith("about.")}
    instrument_id = about.get("about.instrument", "")
    if instrument_id not in catalogue:
        raise TemplateRefused(f"unknown instrument '{instrument_id}' (known: {', '.join(catalogue)})")
    instrument = catalogue[instrument_id]
    version = about.get("about.instrument_version", "")
    if version != instrument.version:
        raise TemplateRefused(f"the template is for {instrument_id} version {version}, but the installed "
                              f"{instrument_id} is version {instrument.version}: make a new template")
    return instrument


def build_pack(instrument: Instrument, rows: list[Row], lang: str, file: str) -> Pack:
    """The pack a filled template makes; InstrumentError listing every problem of its rows."""
    problems: list[Problem] = []
    strings = _strings(instrument, rows, lang, file, problems)
    about = _about(rows, file, problems)
    if problems:
        raise InstrumentError(sorted(problems, key=lambda problem: problem.line))
    return Pack(
        instrument=instrument.id, instrument_version=instrument.version, language=lang,
        direction=text_direction(lang), version=about["about.version"],
        source={"publisher": about["about.publisher"], "document": about["about.document"],
                "year": about["about.year"]},
        licence=about["about.licence"], checked_by=about["about.checked_by"],
        checked_on=about["about.checked_on"],
        strings=strings, translated_by=about.get("about.translated_by", ""),
        registered_as=about.get("about.registered_as", ""),
    )


def _about(rows: list[Row], file: str, problems: list[Problem]) -> dict[str, str]:
    given = {row.key: row for row in rows if row.key.startswith("about.")}
    about: dict[str, str] = {}
    last = rows[-1].line if rows else 1
    for key in ABOUT:
        row = given.get(key)
        text = row.text.strip() if row else ""
        if not text and key not in OPTIONAL_ABOUT:
            problems.append(Problem(file, row.line if row else last, f"{key}: {ABOUT[key]} is not filled in"))
        about[key] = text
    if about["about.checked_on"] and not _is_date(about["about.checked_on"]):
        line = given["about.checked_on"].line
        problems.append(Problem(file, line, "about.checked_on: write the date as YYYY-MM-DD"))
    return about


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _strings(instrument: Instrument, rows: list[Row], lang: str, file: str,
             problems: list[Problem]) -> dict[str, str]:
    expected = translatable(instrument)
    by_key = {entry.key: entry for entry in expected}
    given: dict[str, Row] = {}
    for row in rows:
        if row.key.startswith("about."):
            continue
        if row.key in given:
            first = given[row.key].line
            problems.append(Problem(file, row.line, f"{row.key}: appears twice (first on line {first})"))
        elif row.key not in by_key:
            problems.append(Problem(file, row.line, f"{row.key}: not a string of {instrument.id} version "
                                                    f"{instrument.version} (extra row)"))
        else:
            given[row.key] = row
    miscounted = _miscounted_lists(expected, given, file, problems)
    first = max((row.line for row in rows if row.key.startswith("about.")), default=1) + 1
    for index, entry in enumerate(expected):
        if entry.option_list not in miscounted:
            line, message = _string_problem(entry, given.get(entry.key), lang)
            if message:
                problems.append(Problem(file, line or _line_before(expected, index, given, first), message))
    return {entry.key: given[entry.key].text.strip() for entry in expected if entry.key in given}


def _string_problem(entry: Translatable, row: Row | None, lang: str) -> tuple[int, str]:
    """(line, problem) of one expected string; an empty problem when it is sound."""
    if row is None:
        return 0, f"{_name(entry)}: no row for {entry.key} (the English is: {entry.english})"
    text = row.text.strip()
    if not text:
        return row.line, f"{_name(entry)}: the {lang} text is empty"
    if len(text) > entry.limit:
        allowed = f"the page allows {entry.limit}"
        return row.line, f"{_name(entry)}: the {lang} text has {len(text)} characters; {allowed}"
    return row.line, ""


def _miscounted_lists(expected: list[Translatable], given: Mapping[str, Row], file: str,
                      problems: list[Problem]) -> set[str]:
    """Option lists whose number of labels differs from the instrument's, each named once."""
    wanted: dict[str, list[Translatable]] = {}
    for entry in expected:
        if entry.option_list:
            wanted.setdefault(entry.option_list, []).append(entry)
    miscounted = set()
    for owner, entries in wanted.items():
        rows = [row for key, row in given.items() if key.startswith(owner + ".")]
        labelled = [row for row in rows if row.text.strip()]
        if labelled and len(labelled) != len(entries):
            codes = ", ".join(entry.key.rsplit(".", 1)[1] for entry in entries)
            message = f"{len(labelled)} option labels, the instrument has {len(entries)} (codes {codes})"
            problems.append(Problem(file, labelled[0].line, f"{_name(entries[0])}: {message}"))
            miscounted.add(owner)
    return miscounted


def _line_before(expected: list[Translatable], index: int, given: Mapping[str, Row], first: int) -> int:
    """Where a missing row belongs: just after the last string before it that is there."""
    for entry in reversed(expected[:index]):
        if entry.key in given:
            return given[entry.key].line + 1
    return first


def _name(entry: Translatable) -> str:
    return f"item {entry.item}" if entry.item else entry.kind


def pack_yaml(pack: Pack, template: Path) -> str:
    """The pack as a file: its content in a fixed order, with a note on where it came from."""
    content: dict[str, Any] = {
        "instrument": pack.instrument, "instrument_version": pack.instrument_version,
        "language": pack.language,
        "direction": pack.direction, "version": pack.version, "source": dict(pack.source),
        "licence": pack.licence, "translated_by": pack.translated_by or None,
        "registered_as": pack.registered_as or None, "checked_by": pack.checked_by,
        "checked_on": dt.date.fromisoformat(pack.checked_on), "text": dict(pack.strings),
    }
    header = (f"# Translation pack: {pack.instrument} in {pack.language}, made by translation-import "
              f"from {display_path(template)}.\n"
              "# The text is the publisher's. Change it only with a new 'version'.\n")
    kept = {key: value for key, value in content.items() if value is not None}
    return header + yaml.safe_dump(kept, allow_unicode=True, sort_keys=False, width=100)
