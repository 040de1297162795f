"""Problems found in a definition file, each pinned to a file and a line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class InstrumentError(Exception):
    """One or more problems; str() is the first on one line, `problems` holds all."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        if not self.problems:
            return "unknown instrument problem"
        first = str(self.problems[0])
        more = len(self.problems) - 1
        return f"{first} (and {more} more)" if more else first

    def __str__(self) -> str:
        return self._summary()

    def lines(self) -> list[str]:
        return [str(problem) for problem in self.problems]


def display_path(path: Path) -> str:
    """Relative to the working directory where possible, so messages stay short."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
