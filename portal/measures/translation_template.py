"""The translation template: every string of an instrument with its English, and an empty column to fill.

A study team pastes the publisher's text into the language's column, fills in
where it comes from, and hands the file to `translation-import`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from .model import Instrument
from .packs import translatable

HEADER = ("id", "what", "max_characters", "en")
# The rows about the translation: id -> what to write (the language column holds the answer).
ABOUT = {
    "about.instrument": "the instrument's id (leave it as it is)",
    "about.instrument_version": "the instrument's version (leave it as it is)",
    "about.version": "this translation's version: change it whenever its text changes",
    "about.publisher": "who publishes the translation",
    "about.document": "the publisher's document the text is copied from",
    "about.year": "the year of that document",
    "about.licence": "the licence under which the study may use the translation",
    "about.translated_by": "the translators, where the publisher names them (may stay empty)",
    "about.registered_as": "the registration or reference number, where there is one (may stay empty)",
    "about.checked_by": "who on the study team compared every string with the publisher's document",
    "about.checked_on": "the date of that comparison (YYYY-MM-DD)",
}
OPTIONAL_ABOUT = ("about.translated_by", "about.registered_as")
WHAT = {"title": "title", "instructions": "instructions", "item": "item text", "option": "answer option"}


def template_rows(instrument: Instrument, lang: str) -> list[list[str]]:
    """The header, the rows about the translation, then every string in the order a parent meets them."""
    rows = [[*HEADER, lang]]
    prefilled = {"about.instrument": instrument.id, "about.instrument_version": instrument.version}
    for key, what in ABOUT.items():
        rows.append([key, what, "", "", prefilled.get(key, "")])
    for entry in translatable(instrument):
        what = WHAT[entry.kind] + (f" of {_users(instrument, entry.item)}" if entry.kind == "option" else "")
        rows.append([entry.key, what, str(entry.limit), entry.english, ""])
    return rows


def _users(instrument: Instrument, item_id: str) -> str:
    """The items an option label is shown with: one item, or every item sharing its named list."""
    shared = instrument.item(item_id).option_set
    return ", ".join(i.id for i in instrument.items if shared and i.option_set == shared) or item_id


def csv_text(rows: Sequence[Sequence[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write_template(rows: Sequence[Sequence[str]], path: Path, fmt: str) -> None:
    if fmt == "csv":
        # With a byte order mark, so a spreadsheet opens the file as UTF-8.
        path.write_text(csv_text(rows), encoding="utf-8-sig")
    else:
        _write_xlsx(rows, path)


def _write_xlsx(rows: Sequence[Sequence[str]], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "translation"
    for row in rows:
        sheet.append(list(row))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDE", (28, 36, 10, 60, 60), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.number_format = "@"  # text: a spreadsheet must not turn a year or a date into a number
    sheet.freeze_panes = "B2"
    book.save(path)
