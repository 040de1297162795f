"""Unblinding on record: where the study file says `blinded: true`, true arms leave the portal only
after an admin has written down why, who and when (the trial's unblinding decision).

Every export path (web page, CLI, API) asks `blinding_for` what it may show; the record is audited
when made and named in each manifest of an export that shows the true arms.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.audit import record
from portal.db import Base
from portal.exports.spec import ExportError
from portal.families.enrolment import sync_study
from portal.protocol.model import Protocol


class Unblinding(Base):
    """An admin's recorded decision that true arms may be exported; never edited or deleted."""

    __tablename__ = "unblinding"
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    recorded_by: Mapped[str] = mapped_column(String(64))  # "staff:12": the admin, never a name
    recorded_at: Mapped[dt.datetime]

    def describe(self) -> dict[str, Any]:
        at = self.recorded_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        return {"id": self.id, "reason": self.reason, "recorded_by": self.recorded_by, "recorded_at": at}


@dataclass(frozen=True, slots=True)
class Blinding:
    """What an export shows of the arm: letters unless `blind` is False, and the record that allows it."""

    blind: bool
    study_blinded: bool
    unblinding: Unblinding | None = None

    def describe(self) -> dict[str, Any]:
        return {"arm_shown_as": "letters" if self.blind else "arm codes", "study_blinded": self.study_blinded,
                "unblinding": self.unblinding.describe() if self.unblinding and not self.blind else None}


MIN_REASON = 10


def record_unblinding(
    session: Session, protocol: Protocol, *, reason: str, admin: str, now: dt.datetime
) -> Unblinding:
    """Write the decision down (audited). `admin` is the audit name of an admin account."""
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON:
        raise ExportError(f"give the reason for unblinding in a sentence (at least {MIN_REASON} characters)")
    study = sync_study(session, protocol)
    entry = Unblinding(study_id=study.id, reason=reason[:500], recorded_by=admin, recorded_at=now)
    session.add(entry)
    session.flush()
    record(session, now=now, actor=admin, action="unblinding_recorded", subject=protocol.id,
           unblinding=entry.id, reason=entry.reason)
    return entry


def latest_unblinding(session: Session, protocol: Protocol) -> Unblinding | None:
    study = sync_study(session, protocol)
    return session.scalars(
        select(Unblinding).filter_by(study_id=study.id).order_by(Unblinding.id.desc()).limit(1)
    ).first()


def blinding_for(session: Session, protocol: Protocol, *, asked_blind: bool) -> Blinding:
    """Letters unless the caller asked for true arms and, where the study is blinded, an unblinding is on
    record; asking for true arms without that record is refused with the way out named."""
    if asked_blind:
        return Blinding(blind=True, study_blinded=protocol.blinded)
    if not protocol.blinded:
        return Blinding(blind=False, study_blinded=False)
    entry = latest_unblinding(session, protocol)
    if entry is None:
        raise ExportError("the study is blinded and no unblinding is on record, so true arms cannot be "
                          "exported: an admin records it with `flask --app portal blinding unblind`")
    return Blinding(blind=False, study_blinded=True, unblinding=entry)


def may_show_arms(session: Session, protocol: Protocol) -> bool:
    """Whether an unblinded account may get true arms at all (for a page to offer the choice)."""
    return not protocol.blinded or latest_unblinding(session, protocol) is not None


def may_choose_arms(session: Session, protocol: Protocol, *, account_blinded: bool) -> bool:
    """An unblinded account may ask for true arms, in a blinded study only once an unblinding is on record;
    the web page and the API both ask this."""
    return not account_blinded and may_show_arms(session, protocol)
