"""What a template definition adds to an imported REDCap dictionary."""

from __future__ import annotations

from typing import Any

from .model import Example, Flag, Instrument, Scale
from .redcap import ImportResult

META_KEYS = ("version", "source", "licence", "permission", "respondent", "allow_missing", "notes")


def merge_template(result: ImportResult, template: Instrument) -> None:
    definition = result.definition
    item_ids = {item["id"] for item in definition["items"]}
    for key in META_KEYS:
        definition[key] = getattr(template, key)
    definition["title"] = {"en": template.title.get("en", definition["id"])}
    if "en" in template.instructions:
        definition["instructions"] = {"en": template.instructions["en"]}
    definition["age_min_years"] = template.age_min_years
    definition["age_max_years"] = template.age_max_years
    _reverse_keys(definition["items"], template)
    definition["scales"] = [_scale(s) for s in template.scales if _covered(s.items, item_ids, result)]
    definition["flags"] = [_flag(f) for f in template.flags if _flag_ok(f, definition)]
    definition["examples"] = [
        _example(e) for e in template.examples if _covered(tuple(e.answers), item_ids, result)
    ]
    for lang in template.languages:
        if lang != "en":
            result.not_carried.append(f"the template's '{lang}' texts (REDCap export is English)")


def _reverse_keys(items: list[dict[str, Any]], template: Instrument) -> None:
    reversed_ids = {item.id for item in template.items if item.reverse}
    for item in items:
        if item["id"] in reversed_ids:
            item["reverse"] = True


def _covered(needed: tuple[str, ...], item_ids: set[str], result: ImportResult) -> bool:
    missing = [item_id for item_id in needed if item_id not in item_ids]
    if missing:
        result.not_carried.append(f"template part needing missing item '{missing[0]}' (left out)")
    return not missing


def _flag_ok(flag: Flag, definition: dict[str, Any]) -> bool:
    if flag.item is not None:
        return any(item["id"] == flag.item for item in definition["items"])
    return any(scale["id"] == flag.scale for scale in definition["scales"])


def _scale(scale: Scale) -> dict[str, Any]:
    data: dict[str, Any] = {"id": scale.id, "items": list(scale.items), "method": scale.method}
    if scale.multiply != 1:
        data["multiply"] = scale.multiply
    if scale.min_answered is not None:
        data["min_answered"] = scale.min_answered
    if scale.prorate:
        data["prorate"] = True
    if scale.rounding is not None:
        data["rounding"] = {"digits": scale.rounding.digits, "mode": scale.rounding.mode}
    if scale.bands:
        data["bands"] = [
            {k: v for k, v in (("label", b.label), ("min", b.min), ("below", b.below)) if v is not None}
            for b in scale.bands
        ]
    return data


def _flag(flag: Flag) -> dict[str, Any]:
    target = {"item": flag.item} if flag.item is not None else {"scale": flag.scale}
    return {"id": flag.id, **target, "compare": flag.compare, "value": flag.value}


def _example(example: Example) -> dict[str, Any]:
    expect = {
        key: dict(value)
        for key, value in (
            ("scores", example.scores),
            ("answered", example.answered),
            ("bands", example.bands),
            ("flags", example.flags),
        )
        if value
    }
    return {"name": example.name, "answers": dict(example.answers), "expect": expect}
