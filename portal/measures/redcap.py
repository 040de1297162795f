"""REDCap data dictionaries: export a definition, and the shared column names.

REDCap carries items, codes, English labels, validation and "required". It
cannot carry scales, bands, flags, licence, other languages or worked
examples: an import takes those from a template definition when one is given
and otherwise reports them as not carried (see redcap_import).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

import yaml

from .model import Instrument, Item

FIELD = "Variable / Field Name"
FORM = "Form Name"
SECTION = "Section Header"
TYPE = "Field Type"
LABEL = "Field Label"
CHOICES = "Choices, Calculations, OR Slider Labels"
NOTE = "Field Note"
VALIDATION = "Text Validation Type OR Show Slider Number"
VALIDATION_MIN = "Text Validation Min"
VALIDATION_MAX = "Text Validation Max"
IDENTIFIER = "Identifier?"
BRANCHING = "Branching Logic (Show field only if...)"
REQUIRED = "Required Field?"
ALIGNMENT = "Custom Alignment"
QUESTION_NUMBER = "Question Number (surveys only)"
MATRIX_GROUP = "Matrix Group Name"
MATRIX_RANKING = "Matrix Ranking?"
ANNOTATION = "Field Annotation"
COLUMNS = (
    FIELD,
    FORM,
    SECTION,
    TYPE,
    LABEL,
    CHOICES,
    NOTE,
    VALIDATION,
    VALIDATION_MIN,
    VALIDATION_MAX,
    IDENTIFIER,
    BRANCHING,
    REQUIRED,
    ALIGNMENT,
    QUESTION_NUMBER,
    MATRIX_GROUP,
    MATRIX_RANKING,
    ANNOTATION,
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHARLIMIT = "@CHARLIMIT="
YESNO_LABELS = {1: "Yes", 0: "No"}


@dataclass
class ImportResult:
    """An imported definition, and what the dictionary could not carry into it."""

    definition: dict[str, Any]
    not_carried: list[str] = field(default_factory=list)

    @property
    def yaml_text(self) -> str:
        return yaml.safe_dump(self.definition, sort_keys=False, allow_unicode=True, width=100)


class RedcapError(Exception):
    """A data dictionary that cannot be read; the message says where and why."""


def guard_cell(text: str) -> str:
    """Keep a spreadsheet from reading a label as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unguard_cell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def export_dictionary(instrument: Instrument, lang: str = "en") -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for index, item in enumerate(instrument.items):
        row = dict.fromkeys(COLUMNS, "")
        row.update(_item_row(item, lang))
        row[FORM] = instrument.id
        if index == 0:
            row[SECTION] = guard_cell(instrument.instructions.get(lang, ""))
        writer.writerow(row)
    return buffer.getvalue()


def _item_row(item: Item, lang: str) -> dict[str, str]:
    row = {
        FIELD: item.id,
        LABEL: guard_cell(item.text.get(lang, "")),
        REQUIRED: "y" if item.required else "",
    }
    if item.type == "yesno" and _is_plain_yesno(item, lang):
        row[TYPE] = "yesno"
    elif item.options:
        row[TYPE] = "radio"
        row[CHOICES] = " | ".join(
            f"{option.code}, {guard_cell(option.label.get(lang, ''))}" for option in item.options
        )
    elif item.type == "number":
        row.update({TYPE: "text", VALIDATION: "number"})
        row[VALIDATION_MIN] = _number_text(item.min)
        row[VALIDATION_MAX] = _number_text(item.max)
    elif item.type == "date":
        row.update({TYPE: "text", VALIDATION: "date_ymd"})
    else:
        row[TYPE] = "text"
        if item.max_length is not None:
            row[ANNOTATION] = f"{CHARLIMIT}{item.max_length}"
    return row


def _is_plain_yesno(item: Item, lang: str) -> bool:
    return {option.code: option.label.get(lang) for option in item.options} == YESNO_LABELS


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)
