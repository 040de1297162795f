"""What an export is asked for, and the shape of what it produces: variables and a dataset."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Format = Literal["csv", "sav", "dta", "parquet"]
Layout = Literal["wide", "long", "retention"]
Kind = Literal["string", "integer", "number", "datetime"]
FORMATS: tuple[Format, ...] = ("csv", "sav", "dta", "parquet")
LAYOUTS: tuple[Layout, ...] = ("wide", "long", "retention")

# User-missing codes, the same in every format except Stata (extended missing .a/.b/.c).
NOT_ANSWERED = -9  # shown, but left blank (or a scale with too few answers for its rule)
NOT_SHOWN = -8  # not asked of this respondent at this wave (role or child's age)
NO_RESPONSE = -7  # the respondent did not complete this wave (open, expired, withdrawn)
MISSING_LABELS: dict[int, str] = {
    NOT_ANSWERED: "not answered",
    NOT_SHOWN: "not shown",
    NO_RESPONSE: "no response at this wave",
}
STATA_MISSING: dict[int, str] = {NOT_ANSWERED: "a", NOT_SHOWN: "b", NO_RESPONSE: "c"}
# The pack column's value for a response whose pages were shown in different texts (see the codebook)
MIXED = "mixed"


class ExportError(ValueError):
    """An export that cannot be made as asked; the message says why, for a person."""


@dataclass(frozen=True, slots=True)
class ExportRequest:
    format: Format
    layout: Layout = "wide"
    waves: tuple[str, ...] = ()  # empty: every wave of the protocol
    instruments: tuple[str, ...] = ()  # empty: every instrument the protocol asks
    blind: bool = False
    bom: bool = False
    language: str = "en"

    def describe(self) -> dict[str, Any]:
        return {
            "format": self.format, "layout": self.layout, "waves": list(self.waves),
            "instruments": list(self.instruments), "blind": self.blind, "bom": self.bom,
            "language": self.language,
        }


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    label: str
    kind: Kind
    values: Mapping[int, str] = field(default_factory=dict)  # value labels of valid codes
    missing: bool = False  # may hold the user-missing codes above
    instrument: str | None = None
    scale: str | None = None
    measure: Literal["nominal", "ordinal", "scale"] = "nominal"

    def all_value_labels(self) -> dict[int, str]:
        labels = dict(self.values)
        if self.missing:
            labels.update(MISSING_LABELS)
        return labels


@dataclass(slots=True)
class Dataset:
    """Column-oriented cells: str, int, float, datetime or None (an empty cell).

    A row names only the cells it has; the others stay empty. Columns are
    padded as they are touched, so a long row costs its own cells, not the
    width of the table.
    """

    variables: list[Variable]
    columns: dict[str, list[Any]]
    row_count: int = 0

    def append(self, row: Mapping[str, Any]) -> None:
        columns = self.columns
        if len(row) == len(columns):  # a full row (wide): no padding to check
            for name, value in row.items():
                columns[name].append(value)
            self.row_count += 1
            return
        for name, value in row.items():
            column = self.columns[name]
            if len(column) < self.row_count:
                column.extend([None] * (self.row_count - len(column)))
            column.append(value)
        self.row_count += 1

    def finish(self) -> Dataset:
        for column in self.columns.values():
            if len(column) < self.row_count:
                column.extend([None] * (self.row_count - len(column)))
        return self

    @classmethod
    def empty(cls, variables: list[Variable]) -> Dataset:
        names = [v.name for v in variables]
        if len(set(names)) != len(names):
            raise ExportError("two variables would get the same name; rename an item or scale")
        return cls(variables, {name: [] for name in names})
