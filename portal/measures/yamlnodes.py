"""YAML loading that remembers the line of every mapping key and list entry.

PyYAML's node marks carry the positions; plain dicts would lose them, and the
loader's messages must name the line a person has to fix.
"""

from __future__ import annotations

from typing import Any

import yaml


class LineDict(dict[str, Any]):
    """A mapping that knows its own line and the line of each key."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line = 1
        self.key_lines: dict[str, int] = {}
        self.duplicates: list[tuple[str, int]] = []

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line = 1
        self.entry_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.entry_lines[index] if index < len(self.entry_lines) else self.line


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in result.key_lines:
            result.duplicates.append((str(key), line))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.entry_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def parse(text: str) -> Any:
    """Parse YAML text; raises yaml.YAMLError (with a mark) when it is malformed."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def error_line(error: yaml.YAMLError) -> int:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    if "stream end" in str(getattr(error, "problem", "")):
        # At the end of the file the opening bracket is the useful place to look.
        mark = getattr(error, "context_mark", None) or mark
    return mark.line + 1 if mark is not None else 1


def error_text(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    parts = [part for part in (context, problem) if part]
    return "malformed YAML: " + ("; ".join(parts) if parts else str(error).splitlines()[0])
