"""Blinding: each arm gets a letter, drawn once at random for the study and then kept.

The mapping lives in the main store (the data manager's to keep); analysts
see only the letters. Showing the mapping is an audited admin action.
"""

from __future__ import annotations

import datetime as dt
import secrets
import string

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.audit import record
from portal.db import Base
from portal.exports.spec import ExportError
from portal.families.enrolment import sync_study
from portal.protocol.model import Protocol


class ArmLabel(Base):
    """The letter an arm carries in blinded exports; never changes once drawn."""

    __tablename__ = "arm_label"
    __table_args__ = (UniqueConstraint("study_id", "arm_code"), UniqueConstraint("study_id", "label"))
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"))
    arm_code: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime]


def arm_labels(session: Session, protocol: Protocol, now: dt.datetime) -> dict[str, str]:
    """Arm code -> letter; letters are drawn at random for arms that have none yet."""
    study = sync_study(session, protocol)
    rows = session.scalars(select(ArmLabel).filter_by(study_id=study.id))
    stored = {row.arm_code: row.label for row in rows}
    missing = [arm for arm in protocol.arm_ids() if arm not in stored]
    if missing:
        free = [letter for letter in string.ascii_uppercase if letter not in stored.values()][: len(missing)]
        secrets.SystemRandom().shuffle(free)  # A, B, ... in an order nobody chose
        for arm, letter in zip(missing, free, strict=False):
            session.add(ArmLabel(study_id=study.id, arm_code=arm, label=letter, created_at=now))
            stored[arm] = letter
        try:
            session.flush()
        except IntegrityError:
            raise ExportError("another export drew the blinding letters at this moment; try again") from None
    return stored


def reveal(session: Session, protocol: Protocol, *, now: dt.datetime, actor: str) -> dict[str, str]:
    """The mapping, for the data manager; the audit trail records who looked and when."""
    mapping = arm_labels(session, protocol, now)
    record(session, now=now, actor=actor, action="unblind", subject=protocol.id, arms=len(mapping))
    return mapping
