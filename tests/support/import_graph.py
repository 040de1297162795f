"""The portal's import graph, read from the source: who can reach whom, and by which path.

Importing a.b.c runs a/__init__.py and a/b/__init__.py first, so parent
packages count as edges too; imports inside functions count as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.exists():
            return candidate
    return None


def modules_under(package: str) -> list[str]:
    folder = ROOT.joinpath(*package.split("."))
    return sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                  for p in folder.rglob("*.py"))


def imported_by(name: str, path: Path) -> set[str]:
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found |= {base, *(f"{base}.{alias.name}" for alias in node.names)}
    parents = {".".join(n.split(".")[:i]) for n in found for i in range(1, n.count(".") + 1)}
    return {n for n in found | parents if n.startswith("portal")}


def reach(start: str) -> dict[str, list[str]]:
    """Every module `start` can reach, each with one path that shows how."""
    paths, todo = {start: [start]}, [start]
    while todo:
        current = todo.pop()
        path = module_file(current)
        if path is None:
            continue
        for name in imported_by(current, path):
            if name not in paths and module_file(name) is not None:
                paths[name] = [*paths[current], name]
                todo.append(name)
    return paths


def keystore_crossings(package: str) -> list[str]:
    return [
        " -> ".join(path) for module in modules_under(package) for target, path in reach(module).items()
        if target == "portal.contacts" or target.startswith("portal.contacts.")
    ]


def import_graph(package: str) -> dict[str, set[str]]:
    """Each module under `package` -> the other portal modules it imports. Its own parent packages
    are left out: Python runs them before the module, whatever the module imports."""
    return {module: {name for name in imported_by(module, module_file(module) or ROOT)
                     if module_file(name) is not None and not f"{module}.".startswith(f"{name}.")}
            for module in modules_under(package)}


def cycles(graph: dict[str, set[str]]) -> list[str]:
    """Each cycle in `graph`, as a path from a module back to itself."""
    found = []
    for start in sorted(graph):
        paths, todo = {start: [start]}, [start]
        while todo:
            current = todo.pop()
            for name in sorted(graph.get(current, set())):
                if name == start:
                    found.append(" -> ".join([*paths[current], start]))
                elif name not in paths:
                    paths[name] = [*paths[current], name]
                    todo.append(name)
    return found
