"""Dataset in, file out: CSV, SPSS .sav, Stata .dta and Parquet.

Files hold no time of writing, so the same data gives the same bytes
(CSV and Parquet; .sav and .dta stamp their own creation time).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat

from portal.exports.spec import MISSING_LABELS, STATA_MISSING, Dataset, ExportError, Format, Variable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NAME_LIMITS = {"sav": 64, "dta": 32}
LABEL_LIMITS = {"sav": 255, "dta": 80}
VALID_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
ARROW_TYPES = {
    "string": pa.string(), "integer": pa.int32(), "number": pa.float64(),
    "datetime": pa.timestamp("us", tz="UTC"),
}


def write(dataset: Dataset, path: Path, fmt: Format, *, bom: bool = False) -> None:
    if fmt in NAME_LIMITS:
        check_names(dataset.variables, fmt)
    writers: dict[str, Callable[[Dataset, Path], None]] = {
        "csv": lambda d, p: write_csv(d, p, bom=bom), "parquet": write_parquet,
        "sav": write_sav, "dta": write_dta,
    }
    writers[fmt](dataset, path)


def check_names(variables: list[Variable], fmt: Format) -> None:
    limit = NAME_LIMITS[fmt]
    bad = [v.name for v in variables if len(v.name) > limit or not VALID_NAME.match(v.name)]
    if bad:
        shown = ", ".join(bad[:5])
        raise ExportError(f"{len(bad)} variable names do not suit .{fmt} (at most {limit} characters, "
                          f"letters, digits and _): {shown}")


def guard(text: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return guard(value)
    if isinstance(value, dt.datetime):
        return _iso(value)
    return repr(value) if isinstance(value, float) else str(value)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def write_csv(dataset: Dataset, path: Path, *, bom: bool = False) -> None:
    """UTF-8 (with a BOM for Excel if asked); numbers stay numbers, every text cell is guarded."""
    names = [v.name for v in dataset.variables]
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(guard(name) for name in names)
        for row in zip(*(dataset.columns[name] for name in names), strict=True):
            writer.writerow([_csv_cell(value) for value in row])


def write_parquet(dataset: Dataset, path: Path) -> None:
    """Typed columns; each field carries its label and missing codes. No timestamps in metadata."""
    fields, arrays = [], []
    for variable in dataset.variables:
        kind = ARROW_TYPES[variable.kind]
        metadata = {"label": variable.label}
        if variable.missing:
            metadata["missing_codes"] = json.dumps({str(k): v for k, v in MISSING_LABELS.items()})
        if variable.values:
            metadata["value_labels"] = json.dumps({str(k): v for k, v in variable.values.items()})
        fields.append(pa.field(variable.name, kind, metadata=metadata))
        arrays.append(pa.array(dataset.columns[variable.name], type=kind))
    table = pa.Table.from_arrays(arrays, schema=pa.schema(fields))
    pq.write_table(table, path, compression="zstd")


def _frame(dataset: Dataset, numeric: Callable[[Variable, list[Any]], Any]) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for variable in dataset.variables:
        cells = dataset.columns[variable.name]
        if variable.kind == "string":
            data[variable.name] = pd.Series(["" if c is None else c for c in cells], dtype=object)
        elif variable.kind == "datetime":
            data[variable.name] = _naive_utc(cells)
        else:
            data[variable.name] = numeric(variable, cells)
    return pd.DataFrame(data, columns=[v.name for v in dataset.variables])


def _naive_utc(cells: list[Any]) -> pd.Series:
    """SPSS and Stata know no time zones: UTC wall time, as the labels say."""
    return pd.to_datetime(pd.Series(cells, dtype=object), utc=True).dt.tz_localize(None)


def _floats(_variable: Variable, cells: list[Any]) -> pd.Series:
    return pd.Series(cells, dtype="float64")


def _fit(label: str, limit: int) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def write_sav(dataset: Dataset, path: Path) -> None:
    """SPSS: variable and value labels; -9/-8/-7 declared user-missing on every variable that has them."""
    variables = dataset.variables
    codes: list[Any] = sorted(MISSING_LABELS)
    value_labels: dict[str, dict[Any, str]] = {v.name: v.all_value_labels() for v in variables}
    pyreadstat.write_sav(
        _frame(dataset, _floats), str(path),
        column_labels={v.name: _fit(v.label, LABEL_LIMITS["sav"]) for v in variables},
        variable_value_labels={name: labels for name, labels in value_labels.items() if labels},
        missing_ranges={v.name: codes for v in variables if v.missing},
        variable_measure={v.name: v.measure for v in variables},
    )


def _stata_cells(variable: Variable, cells: list[Any]) -> pd.Series:
    if not variable.missing:
        return _floats(variable, cells)
    return pd.Series([STATA_MISSING.get(c, c) if isinstance(c, int) else c for c in cells], dtype=object)


def stata_value_labels(variables: list[Variable]) -> dict[str, dict[Any, str]]:
    """Value labels as Stata gets them: valid codes plus .a/.b/.c.

    pyreadstat names each label set after its variable plus a running number,
    and Stata allows 32 characters there too; a long-named variable whose only
    labels are the missing codes keeps its .a/.b/.c values without their labels.
    """
    labels: dict[str, dict[Any, str]] = {}
    for v in variables:
        values: dict[Any, str] = dict(v.values)
        if v.missing:
            values.update({STATA_MISSING[code]: text for code, text in MISSING_LABELS.items()})
        if not values:
            continue
        if len(v.name) + len(str(len(labels))) > NAME_LIMITS["dta"]:
            if v.values:
                raise ExportError(f"{v.name} is too long a name for Stata value labels; shorten the item id")
            continue
        labels[v.name] = values
    return labels


def write_dta(dataset: Dataset, path: Path) -> None:
    """Stata: the missing codes become extended missing values .a (not answered), .b, .c."""
    variables = dataset.variables
    pyreadstat.write_dta(
        _frame(dataset, _stata_cells), str(path),
        column_labels={v.name: _fit(v.label, LABEL_LIMITS["dta"]) for v in variables},
        variable_value_labels=stata_value_labels(variables),
        missing_user_values={v.name: sorted(STATA_MISSING.values()) for v in variables if v.missing},
    )
