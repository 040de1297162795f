"""The manifest: what was asked, when, by whom, with which instrument versions, and each file's SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from portal.exports.spec import Dataset, ExportRequest
from portal.exports.variables import Frame

MANIFEST = "manifest.json"


def json_text(data: Any) -> str:
    """Stable JSON: sorted keys, UTF-8 as is, a final newline."""
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions_in_data(dataset: Dataset) -> dict[str, list[str]]:
    """Instrument id -> the versions respondents actually answered (an instrument can change mid-study)."""
    seen: dict[str, set[str]] = {}
    for variable in dataset.variables:
        if variable.instrument and variable.name.endswith("_version"):
            seen.setdefault(variable.instrument, set()).update(dataset.columns[variable.name])
    if "instrument_version" in dataset.columns:
        for instrument, version in zip(dataset.columns["instrument"], dataset.columns["instrument_version"],
                                       strict=True):
            seen.setdefault(instrument, set()).add(version)
    return {key: sorted(v for v in values if v) for key, values in sorted(seen.items())}


def build(
    *, study: str, request: ExportRequest, frame: Frame, dataset: Dataset, files: Sequence[Path],
    actor: str, now: dt.datetime, blinding: dict[str, Any],
) -> dict[str, Any]:
    return {
        "blinding": blinding,
        "study": study,
        "request": request.describe(),
        "created_at": now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "created_by": actor,
        "waves": list(frame.waves),
        "instrument_versions": {i.id: i.version for i in frame.instruments},
        "versions_in_data": versions_in_data(dataset),
        "rows": dataset.row_count,
        "variables": len(dataset.variables),
        "files": {path.name: {"sha256": sha256(path), "bytes": path.stat().st_size} for path in files},
    }
