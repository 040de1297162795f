"""Typed access to a parsed definition that records precise, line-pinned problems."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import Problem
from .yamlnodes import LineDict, LineList

_TYPE_NAMES: dict[type, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a mapping",
}


def describe(value: Any) -> str:
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "an integer", float: "a number", str: "a string"}.get(
        type(value), "a list" if isinstance(value, list) else "a mapping"
    )


def _fits(value: Any, kind: type) -> bool:
    # bool is an int to Python but never to a person writing "true" in a file.
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, kind)


class Reader:
    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))

    def keys(self, node: LineDict, where: str, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
        allowed_set = set(allowed)
        for key in node:
            if key not in allowed_set:
                names = ", ".join(sorted(allowed_set))
                self.problem(node.line_of(key), f"unknown key '{key}' in {where} (known: {names})")
        for key in required:
            if key not in node:
                self.problem(node.line, f"{where} has no '{key}'")
        for key, line in node.duplicates:
            self.problem(line, f"key '{key}' appears twice in {where}")

    def value(self, node: LineDict, key: str, kind: type, where: str) -> Any:
        """The value under `key` if present and of `kind`; otherwise None (and a problem)."""
        value = node.get(key)
        if value is None:  # absent and an explicit null mean the same: not given
            return None
        if _fits(value, kind):
            return float(value) if kind is float and not isinstance(value, int) else value
        hint = " (quote it)" if kind is str and isinstance(value, int | float) else ""
        self.problem(
            node.line_of(key),
            f"'{key}' in {where} must be {_TYPE_NAMES[kind]}, got {describe(value)}{hint}",
        )
        return None

    def mapping(self, node: LineDict, key: str, where: str) -> LineDict | None:
        value = self.value(node, key, dict, where)
        return value if isinstance(value, LineDict) else None

    def sequence(self, node: LineDict, key: str, where: str) -> LineList | None:
        value = self.value(node, key, list, where)
        return value if isinstance(value, LineList) else None

    def text(self, node: LineDict, key: str, where: str) -> dict[str, str]:
        """A per-language text: {lang: str}."""
        value = self.mapping(node, key, where)
        if value is None:
            return {}
        result: dict[str, str] = {}
        for lang, text in value.items():
            if isinstance(lang, bool):  # YAML 1.1 reads the key `no` (Norwegian) as false
                self.problem(value.line, f"{where} {key}: quote the language code, e.g. 'no'")
            elif isinstance(text, str) and text.strip():
                result[str(lang)] = text
            else:
                hint = " (quote it: YAML reads yes/no/on/off as true/false)"
                self.problem(
                    value.line_of(lang),
                    f"{where} {key} in '{lang}' must be non-empty text, got {describe(text)}"
                    + (hint if isinstance(text, bool) else ""),
                )
        return result

    def entries(self, items: LineList, what: str) -> Iterable[tuple[int, LineDict]]:
        """Each mapping entry of a list with its line; anything else is a problem."""
        for index, entry in enumerate(items):
            if isinstance(entry, LineDict):
                yield items.line_of(index), entry
            else:
                self.problem(items.line_of(index), f"each {what} must be a mapping, got {describe(entry)}")
