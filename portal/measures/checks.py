"""Cross-checks of a built definition: references, codes, languages, worked examples."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from .model import SCORED_TYPES, Instrument, Item
from .reader import Reader
from .scoring import score
from .yamlnodes import LineDict, LineList

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")


def check_instrument(doc: LineDict, instrument: Instrument, reader: Reader) -> None:
    _check_ids(doc, instrument, reader)
    _check_items(doc, instrument, reader)
    _check_languages(doc, instrument, reader)
    _check_scales(doc, instrument, reader)
    _check_flags(doc, instrument, reader)
    if (
        instrument.age_min_years is not None
        and instrument.age_max_years is not None
        and instrument.age_min_years > instrument.age_max_years
    ):
        reader.problem(doc.line_of("age_max_years"), "age_max_years is below age_min_years")
    if not reader.problems:  # examples only mean something for a sound definition
        _check_examples(doc, instrument, reader)


def _lines(doc: LineDict, key: str) -> LineList:
    value = doc.get(key)
    return value if isinstance(value, LineList) else LineList()


def _entry_line(doc: LineDict, key: str, index: int) -> int:
    entries = _lines(doc, key)
    return entries.line_of(index) if entries else doc.line_of(key)


def _check_ids(doc: LineDict, instrument: Instrument, reader: Reader) -> None:
    if instrument.id and not ID_PATTERN.match(instrument.id):
        reader.problem(doc.line_of("id"), f"id '{instrument.id}' must be lower-case a-z, 0-9, _")
    seen: set[str] = set()
    for index, item in enumerate(instrument.items):
        line = _entry_line(doc, "items", index)
        if item.id and not ID_PATTERN.match(item.id):
            reader.problem(line, f"item id '{item.id}' must be lower-case a-z, 0-9, _")
        if item.id in seen:
            reader.problem(line, f"item id '{item.id}' is used twice")
        seen.add(item.id)


def _check_items(doc: LineDict, instrument: Instrument, reader: Reader) -> None:
    for index, item in enumerate(instrument.items):
        line = _entry_line(doc, "items", index)
        for message in _item_problems(item):
            reader.problem(line, message)


def _item_problems(item: Item) -> Iterable[str]:
    where = f"item '{item.id}'"
    codes = item.codes()
    for code in sorted({code for code in codes if codes.count(code) > 1}):
        yield f"{where} has option code {code} more than once"
    if item.type in SCORED_TYPES and not item.options:
        yield f"{where} is {item.type} but has no options"
    if item.type == "yesno" and len(item.options) != 2:
        yield f"{where} is yesno and needs exactly two options"
    if item.type not in SCORED_TYPES and item.options:
        yield f"{where} is {item.type} and cannot have options"
    if item.min is not None and item.max is not None and item.min > item.max:
        yield f"{where} has min above max"
    if item.max_length is not None and item.max_length < 1:
        yield f"{where} max_length must be at least 1"


def _check_languages(doc: LineDict, instrument: Instrument, reader: Reader) -> None:
    declared = set(instrument.languages)
    listed = ", ".join(instrument.languages)
    if not declared:
        reader.problem(doc.line_of("languages"), "the instrument lists no languages")

    def cover(text: Mapping[str, str], what: str, line: int) -> None:
        for lang in instrument.languages:
            if lang not in text:
                reader.problem(line, f"{what} has no '{lang}' text (languages: {listed})")
        for lang in text:
            if lang not in declared:
                reader.problem(line, f"{what} has '{lang}' text but '{lang}' is not in languages")

    cover(instrument.title, "the title", doc.line_of("title"))
    cover(instrument.instructions, "the instructions", doc.line_of("instructions"))
    for index, item in enumerate(instrument.items):
        line = _entry_line(doc, "items", index)
        cover(item.text, f"item '{item.id}'", line)
        for option in item.options:
            cover(option.label, f"option {option.code} of item '{item.id}'", line)
    for lang in declared - {"en"} - set(instrument.translation_sources):
        reader.problem(doc.line_of("languages"), f"language '{lang}' has no translation_sources")


def _check_scales(doc: LineDict, instrument: Instrument, reader: Reader) -> None:
    items = {item.id: item for item in instrument.items}
    seen: set[str] = set()
    for index, scale in enumerate(instrument.scales):
        line = _entry_line(doc, "scales", index)
        where = f"scale '{scale.id}'"
        if scale.id in seen:
            reader.problem(line, f"{where} is defined twice")
        seen.add(scale.id)
        for item_id in scale.items:
            if item_id not in items:
                reader.problem(line, f"{where} lists unknown item '{item_id}'")
            elif items[item_id].type not in SCORED_TYPES:
                reader.problem(line, f"{where} lists item '{item_id}', which has no codes")
        if len(set(scale.items)) != len(scale.items):
            reader.problem(line, f"{where} lists an item twice")
        if scale.min_answered is not None and not 1 <= scale.min_answered <= len(scale.items):
            reader.problem(line, f"{where} min_answered must be between 1 and {len(scale.items)}")
        _check_bands(scale.id, scale.bands, line, reader)


def _check_bands(scale_id: str, bands: Any, line: int, reader: Reader) -> None:
    previous_top = float("-inf")
    for band in bands:
        low = float("-inf") if band.min is None else band.min
        top = float("inf") if band.below is None else band.below
        if low >= top:
            reader.problem(line, f"band '{band.label}' of scale '{scale_id}' is empty")
        if low < previous_top:
            reader.problem(line, f"band '{band.label}' of scale '{scale_id}' overlaps the one before")
        previous_top = top


def _check_flags(doc: LineDict, instrument: Instrument, reader: Reader) -> None:
    items = {item.id for item in instrument.items}
    scales = {scale.id for scale in instrument.scales}
    for index, flag in enumerate(instrument.flags):
        line = _entry_line(doc, "flags", index)
        if (flag.item is None) == (flag.scale is None):
            reader.problem(line, f"flag '{flag.id}' needs exactly one of 'item' or 'scale'")
        elif flag.item is not None and flag.item not in items:
            reader.problem(line, f"flag '{flag.id}' refers to unknown item '{flag.item}'")
        elif flag.scale is not None and flag.scale not in scales:
            reader.problem(line, f"flag '{flag.id}' refers to unknown scale '{flag.scale}'")


def _check_examples(doc: LineDict, instrument: Instrument, reader: Reader) -> None:
    items = {item.id for item in instrument.items}
    for example in instrument.examples:
        unknown = sorted(set(example.answers) - items)
        if unknown:
            reader.problem(example.line, f"example '{example.name}' answers unknown item {unknown[0]}")
            continue
        for message in example_mismatches(instrument, example):
            reader.problem(example.line, message)


def example_mismatches(instrument: Instrument, example: Any) -> list[str]:
    """What a worked example states but the engine does not produce (empty when it agrees)."""
    result = score(instrument, example.answers)
    where = f"example '{example.name}'"
    return [
        *_compare(where, "scale", example.scores, result.scores),
        *_compare(where, "answered count of", example.answered, result.answered),
        *_compare(where, "band of", example.bands, result.bands),
        *_compare(where, "flag", example.flags, result.flags),
    ]


def _compare(where: str, label: str, stated: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    messages = []
    for key, expected in stated.items():
        if key not in actual:
            messages.append(f"{where} names unknown {label} '{key}'")
        elif actual[key] != expected or (expected is None) != (actual[key] is None):
            found, said = _show(actual[key]), _show(expected)
            messages.append(f"{where}: {label} '{key}' is {found}, the file says {said}")
    return messages


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
