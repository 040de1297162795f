"""Append-only, hash-chained audit trail.

Each entry's hash covers the previous entry's hash, so a deleted or edited
row breaks the chain from that point on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.db import Base

GENESIS = "0" * 64


class AuditEvent(Base):
    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(64))  # "staff:12", "parent:FP-…", "cli"
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64), default="")  # a pseudonym, never a name
    details: Mapped[dict[str, Any]]
    # unique: two writers that read the same last entry cannot both extend the chain
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)


def _digest(
    prev_hash: str, at: dt.datetime, actor: str, action: str, subject: str, details: dict[str, Any]
) -> str:
    body = json.dumps(
        [prev_hash, at.isoformat(), actor, action, subject, details], sort_keys=True, ensure_ascii=False
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    session: Session, *, now: dt.datetime, actor: str, action: str, subject: str = "", **details: Any
) -> AuditEvent:
    """Append an entry in the caller's transaction: it commits or rolls back with the change."""
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).first()
    prev = last.hash if last else GENESIS
    event = AuditEvent(
        at=now, actor=actor, action=action, subject=subject, details=details, prev_hash=prev,
        hash=_digest(prev, now, actor, action, subject, details),
    )
    session.add(event)
    session.flush()
    return event


def verify(session: Session) -> AuditEvent | None:
    """The first entry that does not follow from the one before it, or None if the chain holds."""
    prev = GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
        expected = _digest(prev, event.at, event.actor, event.action, event.subject, event.details)
        if event.prev_hash != prev or event.hash != expected:
            return event
        prev = event.hash
    return None


def count_events(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0
