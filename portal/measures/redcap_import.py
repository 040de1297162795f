"""Reading a REDCap data dictionary into a definition, saying what did not fit."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from . import redcap as rc
from .loader import load_instrument
from .redcap import ImportResult
from .redcap_template import merge_template

READ_TYPES = {"radio", "dropdown", "yesno", "truefalse", "text", "notes", "calc"}
DATE_VALIDATIONS = {"date_ymd", "date_dmy", "date_mdy"}
NUMBER_VALIDATIONS = {"integer", "number", "number_1dp", "number_2dp"}
NOT_FROM_REDCAP = (
    "title",
    "licence",
    "source",
    "permission",
    "respondent",
    "child ages",
    "scales",
    "bands",
    "flags",
    "worked examples",
    "reverse keying",
    "translations",
)


def import_dictionary(
    text: str, instrument_id: str, form: str | None = None, template: Path | None = None
) -> ImportResult:
    rows = _read_rows(text)
    if form is not None:
        rows = [(line, row) for line, row in rows if row.get(rc.FORM) == form]
    result = ImportResult(definition={})
    items = [item for line, row in rows if (item := _item(line, row, result)) is not None]
    if not items:
        raise rc.RedcapError("no field in the CSV could become an item")
    instructions = next((row[rc.SECTION] for _, row in rows if row.get(rc.SECTION)), "")
    result.definition = _definition(instrument_id, items, rc.unguard_cell(instructions))
    if template is not None:
        merge_template(result, load_instrument(template))
    else:
        result.not_carried.append(
            "REDCap has no " + ", ".join(NOT_FROM_REDCAP) + "; fill them in (permission is "
            "set to 'required' and licence/source to 'unknown' until you do)"
        )
    return result


def _read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    headers = {name.strip().lower(): name for name in reader.fieldnames or []}
    for needed in (rc.FIELD, rc.TYPE, rc.LABEL):
        if needed.lower() not in headers:
            raise rc.RedcapError(f"the CSV has no '{needed}' column; is it a REDCap data dictionary?")
    rename = {headers[c.lower()]: c for c in rc.COLUMNS if c.lower() in headers}
    try:
        return [
            (reader.line_num, {rename.get(k, k): (v or "").strip() for k, v in row.items() if k})
            for row in reader
        ]
    except csv.Error as error:
        raise rc.RedcapError(f"line {reader.line_num}: {error}") from None


def _item(line: int, row: dict[str, str], result: ImportResult) -> dict[str, Any] | None:
    name, kind = row.get(rc.FIELD, ""), row.get(rc.TYPE, "").lower()
    where = f"line {line}, field '{name}'"
    if row.get(rc.BRANCHING):
        result.not_carried.append(f"{where}: branching logic [{row[rc.BRANCHING]}] (item kept)")
    if kind not in READ_TYPES or kind == "calc":
        what = f"calculation [{row.get(rc.CHOICES, '')}]" if kind == "calc" else f"type '{kind}'"
        result.not_carried.append(f"{where}: {what} (field left out)")
        return None
    item: dict[str, Any] = {"id": name, "type": "likert", "text": {"en": _label(row)}}
    item.update(_typed(kind, row, where))
    if row.get(rc.REQUIRED, "").lower() != "y":
        item["required"] = False
    return item


def _label(row: dict[str, str]) -> str:
    return rc.unguard_cell(row.get(rc.LABEL, ""))


def _typed(kind: str, row: dict[str, str], where: str) -> dict[str, Any]:
    if kind in ("radio", "dropdown"):
        return {"type": "likert", "options": _choices(row.get(rc.CHOICES, ""), where)}
    if kind in ("yesno", "truefalse"):
        labels = ("Yes", "No") if kind == "yesno" else ("True", "False")
        options = [{"code": 1, "label": {"en": labels[0]}}, {"code": 0, "label": {"en": labels[1]}}]
        return {"type": "yesno", "options": options}
    validation = row.get(rc.VALIDATION, "").lower()
    if validation in DATE_VALIDATIONS:
        return {"type": "date"}
    if validation in NUMBER_VALIDATIONS:
        return {"type": "number", **_bounds(row, where)}
    limit = _charlimit(row.get(rc.ANNOTATION, ""))
    return {"type": "text", **({"max_length": limit} if limit else {})}


def _choices(text: str, where: str) -> list[dict[str, Any]]:
    options = []
    for part in (p.strip() for p in text.split("|") if p.strip()):
        code, _, label = part.partition(",")
        try:
            options.append({"code": int(code.strip()), "label": {"en": rc.unguard_cell(label.strip())}})
        except ValueError:
            raise rc.RedcapError(f"{where}: choice '{part}' has no whole-number code") from None
    if not options:
        raise rc.RedcapError(f"{where}: a choice field with no choices")
    return options


def _bounds(row: dict[str, str], where: str) -> dict[str, float | int]:
    bounds: dict[str, float | int] = {}
    for key, column in (("min", rc.VALIDATION_MIN), ("max", rc.VALIDATION_MAX)):
        if row.get(column):
            try:
                value = float(row[column])
            except ValueError:
                raise rc.RedcapError(f"{where}: {column} '{row[column]}' is not a number") from None
            bounds[key] = int(value) if value.is_integer() else value
    return bounds


def _charlimit(annotation: str) -> int | None:
    for word in annotation.split():
        if word.upper().startswith(rc.CHARLIMIT) and word[len(rc.CHARLIMIT) :].isdigit():
            return int(word[len(rc.CHARLIMIT) :])
    return None


def _definition(instrument_id: str, items: list[dict[str, Any]], instructions: str) -> dict[str, Any]:
    return {
        "id": instrument_id,
        "version": "redcap-import",
        "title": {"en": instrument_id},
        "instructions": {"en": instructions or instrument_id},
        "languages": ["en"],
        "translation_sources": {},
        "source": "unknown: imported from a REDCap data dictionary",
        "licence": "unknown: record the licence before use",
        "permission": "required",
        "respondent": "parent",
        "items": items,
    }
