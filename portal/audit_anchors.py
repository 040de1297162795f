"""Notes of the audit trail's head kept outside the database, so cutting off its newest entries shows.

Every backup and export writes the head into its manifest and appends it to the anchors log
(`audit-anchors.jsonl` in the instance folder, one JSON object a line, owner-only). `audit head`
prints it for the data manager to note on paper or in a ticket; `audit verify` reads the log and
any manifest or noted head it is given.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from portal import registry
from portal.audit import Head, head

LOG_NAME = "audit-anchors.jsonl"
NOTED = re.compile(r"^(\d+):([0-9a-f]{64})$")  # what `audit head` prints: ENTRY:HASH


class AnchorError(ValueError):
    """An anchor file or note that cannot be read; the message says which and why."""


def log_path() -> Path:
    return registry.settings().instance_path / LOG_NAME


def note_head(session: Session, *, now: dt.datetime, where: str) -> Head:
    """The trail's head, appended to the anchors log; returned for a manifest."""
    current = head(session)
    line = json.dumps({**current.as_dict(), "noted_at": now.isoformat(), "where": where}) + "\n"
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(line)
    return current


def read_anchors(sources: Iterable[str], with_log: bool = True) -> list[Head]:
    """Anchors from ENTRY:HASH notes and from files (the anchors log, a backup or export manifest)."""
    found: list[Head] = []
    if with_log and log_path().exists():
        found += _from_file(log_path())
    for source in sources:
        noted = NOTED.match(source.strip())
        found += [Head(int(noted[1]), noted[2])] if noted else _from_file(Path(source))
    return found


def _from_file(path: Path) -> list[Head]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AnchorError(f"cannot read anchors from {path}: {error.__class__.__name__}") from None
    try:
        values = [json.loads(line) for line in text.splitlines() if line.strip()] if path.suffix == ".jsonl" \
            else [json.loads(text)]
        return [_head(value.get("audit_head", value)) for value in values]
    except (ValueError, AttributeError, KeyError, TypeError):
        raise AnchorError(f"{path} holds no audit head (expected ENTRY and HASH)") from None


def _head(value: dict[str, Any]) -> Head:
    entry, digest = int(value["entry"]), str(value["hash"])
    if entry < 0 or not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ValueError(digest)
    return Head(entry, digest)
