"""Append-only audit trail: numbered without gaps, each entry's hash keyed and chained to the one before.

The hash is an HMAC under PORTAL_AUDIT_KEY, which is not in the database: someone who can
write to the database can delete or edit rows, but cannot make a chain that `verify` accepts.
Cutting off the newest entries leaves a valid chain, so the head (number and hash) is also
noted outside the database (portal.audit_anchors) and `verify` compares it with those notes.
On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE on the table (migration 0010).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal import registry
from portal.db import Base

GENESIS = "0" * 64
RESTORE = "restore"  # the action of an entry that says a restore rolled the trail back


class AuditEvent(Base):
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    # 1, 2, 3, ...: a missing number is a deleted entry (ids may skip where a transaction rolled back)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(64))  # "staff:12", "parent:FP-…", "cli"
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64), default="")  # a pseudonym, never a name
    details: Mapped[dict[str, Any]]
    # unique: two writers that read the same last entry cannot both extend the chain
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


@dataclass(frozen=True, slots=True)
class Head:
    """The newest entry's number and hash (entry 0 and the genesis hash for an empty trail)."""

    entry: int
    hash: str

    def as_dict(self) -> dict[str, Any]:
        return {"entry": self.entry, "hash": self.hash}


@dataclass(frozen=True, slots=True)
class Break:
    """The first place where the trail is not what was written."""

    entry: int
    reason: str


def digest(key: bytes, seq: int, prev_hash: str, at: dt.datetime, actor: str, action: str, subject: str,
           details: dict[str, Any]) -> str:
    body = json.dumps([seq, prev_hash, at.isoformat(), actor, action, subject, details], sort_keys=True,
                      ensure_ascii=False)
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def record(
    session: Session, *, now: dt.datetime, actor: str, action: str, subject: str = "", **details: Any
) -> AuditEvent:
    """Append an entry in the caller's transaction: it commits or rolls back with the change."""
    return append(session, registry.settings().audit_key, now=now, actor=actor, action=action,
                  subject=subject, details=details)


def append(session: Session, key: bytes, *, now: dt.datetime, actor: str, action: str, subject: str,
           details: dict[str, Any]) -> AuditEvent:
    last = head(session)
    seq = last.entry + 1
    event = AuditEvent(
        seq=seq, at=now, actor=actor, action=action, subject=subject, details=details, prev_hash=last.hash,
        hash=digest(key, seq, last.hash, now, actor, action, subject, details),
    )
    session.add(event)
    session.flush()
    return event


def head(session: Session) -> Head:
    newest = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    row = session.execute(newest).first()
    return Head(row.seq, row.hash) if row else Head(0, GENESIS)


def verify(session: Session, key: bytes, anchors: Iterable[Head] = ()) -> Break | None:
    """The first gap, edit or truncation, or None if the trail holds (and agrees with every anchor)."""
    anchors = list(anchors)
    wanted = {anchor.entry for anchor in anchors}
    seen: dict[int, str] = {}
    rolled_back: list[tuple[int, int]] = []
    expected, prev = 1, GENESIS
    in_order = select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=500)
    with session.scalars(in_order) as events:  # read in batches, closed also when a break is found
        for event in events:
            if event.seq != expected:
                return Break(expected, f"entry {expected} is missing (the next one is entry {event.seq})")
            good = digest(key, event.seq, prev, event.at, event.actor, event.action, event.subject,
                          event.details)
            if event.prev_hash != prev or not hmac.compare_digest(event.hash, good):
                when = event.at.isoformat()
                return Break(event.seq, f"entry {event.seq} ({event.action}, {when}) was changed")
            if event.seq in wanted:
                seen[event.seq] = event.hash
            if event.action == RESTORE:
                rolled_back.append(_rolled_back(event.details))
            expected, prev = event.seq + 1, event.hash
    return _against_anchors(anchors, seen, expected - 1, rolled_back)


def _rolled_back(details: dict[str, Any]) -> tuple[int, int]:
    span = details.get("rolled_back") or {}
    return int(span.get("first", 0)), int(span.get("last", -1))


def _against_anchors(anchors: Iterable[Head], seen: dict[int, str], last: int,
                     rolled_back: list[tuple[int, int]]) -> Break | None:
    for anchor in sorted(anchors, key=lambda a: a.entry):
        if anchor.entry == 0 or seen.get(anchor.entry) == anchor.hash:
            continue
        if any(first <= anchor.entry <= end for first, end in rolled_back):
            continue  # a restore took the trail back past this point, and said so in a keyed entry
        if anchor.entry > last:
            return Break(last + 1, f"the trail ends at entry {last}, but an anchor noted outside the "
                                   f"database names entry {anchor.entry}: entries were cut off")
        return Break(anchor.entry, f"entry {anchor.entry} differs from the anchor noted outside the database")
    return None


def count_events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
