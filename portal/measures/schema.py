"""From a parsed definition file to model values, with every shape problem recorded."""

from __future__ import annotations

from typing import Any, cast

from .model import (
    Band,
    Example,
    Flag,
    Instrument,
    Item,
    Option,
    Rounding,
    Scale,
)
from .reader import Reader
from .yamlnodes import LineDict, LineList

TOP_KEYS = (
    "id",
    "version",
    "title",
    "instructions",
    "languages",
    "translation_sources",
    "source",
    "licence",
    "permission",
    "respondent",
    "age_min_years",
    "age_max_years",
    "allow_missing",
    "notes",
    "option_sets",
    "items",
    "scales",
    "flags",
    "examples",
)
TOP_REQUIRED = (
    "id",
    "version",
    "title",
    "instructions",
    "languages",
    "source",
    "licence",
    "permission",
    "respondent",
    "items",
)
ITEM_KEYS = ("id", "type", "text", "options", "reverse", "min", "max", "max_length", "required")
ITEM_TYPES = ("likert", "yesno", "number", "date", "text")
SCALE_KEYS = (
    "id",
    "items",
    "method",
    "multiply",
    "min_answered",
    "prorate",
    "rounding",
    "bands",
)
FLAG_KEYS = ("id", "item", "scale", "compare", "value")
EXAMPLE_KEYS = ("name", "source", "answers", "values", "expect")
EXPECT_KEYS = ("scores", "answered", "bands", "flags")


def build_instrument(doc: LineDict, reader: Reader) -> Instrument:
    reader.keys(doc, "the instrument", TOP_KEYS, TOP_REQUIRED)
    where = "the instrument"
    option_sets = _option_sets(doc, reader)
    items = tuple(_items(doc, reader, option_sets))
    languages = reader.sequence(doc, "languages", where) or LineList()
    permission = reader.value(doc, "permission", str, where)
    if permission is not None and permission not in ("free", "required"):
        reader.problem(doc.line_of("permission"), "'permission' must be 'free' or 'required'")
    return Instrument(
        id=reader.value(doc, "id", str, where) or "",
        version=reader.value(doc, "version", str, where) or "",
        title=reader.text(doc, "title", where),
        instructions=reader.text(doc, "instructions", where),
        languages=tuple(str(lang) for lang in languages),
        items=items,
        scales=tuple(_scales(doc, reader)),
        flags=tuple(_flags(doc, reader)),
        licence=reader.value(doc, "licence", str, where) or "",
        source=reader.value(doc, "source", str, where) or "",
        permission=cast(Any, permission or "required"),
        translation_sources=reader.text(doc, "translation_sources", where),
        age_min_years=reader.value(doc, "age_min_years", int, where),
        age_max_years=reader.value(doc, "age_max_years", int, where),
        respondent=reader.value(doc, "respondent", str, where) or "",
        allow_missing=bool(reader.value(doc, "allow_missing", bool, where)),
        examples=tuple(_examples(doc, reader, items)),
        notes=reader.value(doc, "notes", str, where) or "",
    )


def _option_sets(doc: LineDict, reader: Reader) -> dict[str, tuple[Option, ...]]:
    sets = reader.mapping(doc, "option_sets", "the instrument") or LineDict()
    result: dict[str, tuple[Option, ...]] = {}
    for name, options in sets.items():
        if isinstance(options, LineList):
            result[str(name)] = _options(options, reader, f"option set '{name}'")
        else:
            reader.problem(sets.line_of(name), f"option set '{name}' must be a list of options")
    return result


def _options(entries: LineList, reader: Reader, where: str) -> tuple[Option, ...]:
    options = []
    for _, entry in reader.entries(entries, "option"):
        reader.keys(entry, f"an option of {where}", ("code", "label"), ("code", "label"))
        code = reader.value(entry, "code", int, f"an option of {where}")
        label = reader.text(entry, "label", f"an option of {where}")
        if code is not None:
            options.append(Option(code=code, label=label))
    return tuple(options)


def _items(doc: LineDict, reader: Reader, option_sets: dict[str, tuple[Option, ...]]) -> list[Item]:
    entries = reader.sequence(doc, "items", "the instrument") or LineList()
    return [_item(entry, reader, option_sets) for _, entry in reader.entries(entries, "item")]


def _item(entry: LineDict, reader: Reader, option_sets: dict[str, tuple[Option, ...]]) -> Item:
    item_id = entry.get("id")
    where = f"item '{item_id}'"
    reader.keys(entry, where, ITEM_KEYS, ("id", "type", "text"))
    kind = reader.value(entry, "type", str, where)
    if kind is not None and kind not in ITEM_TYPES:
        reader.problem(
            entry.line_of("type"), f"{where} has type '{kind}'; use one of {', '.join(ITEM_TYPES)}"
        )
    return Item(
        id=reader.value(entry, "id", str, "an item") or "",
        type=cast(Any, kind or "text"),
        text=reader.text(entry, "text", where),
        options=_item_options(entry, reader, option_sets, where),
        reverse=bool(reader.value(entry, "reverse", bool, where)),
        min=reader.value(entry, "min", float, where),
        max=reader.value(entry, "max", float, where),
        max_length=reader.value(entry, "max_length", int, where),
        required=reader.value(entry, "required", bool, where) is not False,
        option_set=raw_set if isinstance(raw_set := entry.get("options"), str) else "",
    )


def _item_options(
    entry: LineDict, reader: Reader, option_sets: dict[str, tuple[Option, ...]], where: str
) -> tuple[Option, ...]:
    raw = entry.get("options")
    if raw is None:
        return ()
    if isinstance(raw, str):
        if raw not in option_sets:
            reader.problem(entry.line_of("options"), f"{where} uses unknown option set '{raw}'")
        return option_sets.get(raw, ())
    if isinstance(raw, LineList):
        return _options(raw, reader, where)
    reader.problem(entry.line_of("options"), f"'options' in {where} must be a list or a set name")
    return ()


def _scales(doc: LineDict, reader: Reader) -> list[Scale]:
    entries = reader.sequence(doc, "scales", "the instrument") or LineList()
    return [_scale(entry, reader) for _, entry in reader.entries(entries, "scale")]


def _scale(entry: LineDict, reader: Reader) -> Scale:
    where = f"scale '{entry.get('id')}'"
    reader.keys(entry, where, SCALE_KEYS, ("id", "items"))
    method = reader.value(entry, "method", str, where) or "sum"
    if method not in ("sum", "mean"):
        reader.problem(entry.line_of("method"), f"{where} method must be 'sum' or 'mean'")
    items = reader.sequence(entry, "items", where) or LineList()
    return Scale(
        id=reader.value(entry, "id", str, "a scale") or "",
        items=tuple(str(item) for item in items),
        method=cast(Any, method),
        multiply=_number(reader.value(entry, "multiply", float, where), 1),
        min_answered=reader.value(entry, "min_answered", int, where),
        prorate=bool(reader.value(entry, "prorate", bool, where)),
        rounding=_rounding(entry, reader, where),
        bands=tuple(_bands(entry, reader, where)),
    )


def _number(value: float | None, default: int) -> int | float:
    if value is None:
        return default
    return int(value) if float(value).is_integer() else value


def _rounding(entry: LineDict, reader: Reader, where: str) -> Rounding | None:
    node = reader.mapping(entry, "rounding", where)
    if node is None:
        return None
    reader.keys(node, f"the rounding of {where}", ("digits", "mode"), ("digits", "mode"))
    mode = reader.value(node, "mode", str, where)
    if mode not in ("half_up", "half_even"):
        reader.problem(node.line_of("mode"), f"{where} rounding mode must be half_up or half_even")
        mode = "half_up"
    return Rounding(digits=reader.value(node, "digits", int, where) or 0, mode=cast(Any, mode))


def _bands(entry: LineDict, reader: Reader, where: str) -> list[Band]:
    entries = reader.sequence(entry, "bands", where) or LineList()
    bands = []
    for _, node in reader.entries(entries, f"band of {where}"):
        reader.keys(node, f"a band of {where}", ("label", "min", "below"), ("label",))
        bands.append(
            Band(
                label=reader.value(node, "label", str, where) or "",
                min=reader.value(node, "min", float, where),
                below=reader.value(node, "below", float, where),
            )
        )
    return bands


def _flags(doc: LineDict, reader: Reader) -> list[Flag]:
    entries = reader.sequence(doc, "flags", "the instrument") or LineList()
    flags = []
    for _, node in reader.entries(entries, "flag"):
        where = f"flag '{node.get('id')}'"
        reader.keys(node, where, FLAG_KEYS, ("id", "compare", "value"))
        compare = reader.value(node, "compare", str, where)
        if compare not in ("gt", "ge", "lt", "le", "eq"):
            reader.problem(node.line_of("compare"), f"{where} compare must be gt, ge, lt, le or eq")
        flags.append(
            Flag(
                id=reader.value(node, "id", str, "a flag") or "",
                compare=cast(Any, compare or "eq"),
                value=reader.value(node, "value", float, where) or 0,
                item=reader.value(node, "item", str, where),
                scale=reader.value(node, "scale", str, where),
            )
        )
    return flags


def _examples(doc: LineDict, reader: Reader, items: tuple[Item, ...]) -> list[Example]:
    entries = reader.sequence(doc, "examples", "the instrument") or LineList()
    return [_example(node, line, reader, items) for line, node in reader.entries(entries, "example")]


def _example(node: LineDict, line: int, reader: Reader, items: tuple[Item, ...]) -> Example:
    where = f"example '{node.get('name')}'"
    reader.keys(node, where, EXAMPLE_KEYS, ("name", "expect"))
    expect = reader.mapping(node, "expect", where) or LineDict()
    reader.keys(expect, f"the expectations of {where}", EXPECT_KEYS)
    return Example(
        name=reader.value(node, "name", str, "an example") or "",
        answers=_example_answers(node, reader, items, where),
        scores=dict(reader.mapping(expect, "scores", where) or {}),
        answered=dict(reader.mapping(expect, "answered", where) or {}),
        bands=dict(reader.mapping(expect, "bands", where) or {}),
        flags=dict(reader.mapping(expect, "flags", where) or {}),
        line=line,
        source=reader.value(node, "source", str, where) or "",
    )


def _example_answers(node: LineDict, reader: Reader, items: tuple[Item, ...], where: str) -> dict[str, Any]:
    """Answers by item id, or `values` in item order (null for missing)."""
    if "values" in node:
        values = reader.sequence(node, "values", where) or LineList()
        if len(values) != len(items):
            reader.problem(
                node.line_of("values"),
                f"{where} gives {len(values)} values for {len(items)} items",
            )
        return {item.id: value for item, value in zip(items, values, strict=False)}
    return dict(reader.mapping(node, "answers", where) or {})
