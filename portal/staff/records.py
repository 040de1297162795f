"""What the workspace writes about families: notes and allocation records.

Notes are pseudonymous: the form warns not to write names; they live in the main store.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base


class Note(Base):
    __tablename__ = "staff_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    written_at: Mapped[dt.datetime]
    text: Mapped[str] = mapped_column(Text)


class AllocationSlot(Base):
    """One place in a stratum's concealed allocation sequence; used by at most one family.

    The arm and the block it belongs to are sealed (AES-GCM under the allocation key, which lives
    outside the database), so a database or backup reader sees no upcoming arm and no block edges.
    Places used before the sequence was sealed (migration 0009) carry no seal: the family's arm is
    their record.
    """

    __tablename__ = "allocation_slot"
    __table_args__ = (UniqueConstraint("stratum", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    stratum: Mapped[str] = mapped_column(String(96))  # the site's code, or "site|age:36-71" and the like
    position: Mapped[int]
    sealed: Mapped[str | None] = mapped_column(String(160))
    family_id: Mapped[int | None] = mapped_column(ForeignKey("family.id"), unique=True)
    used_at: Mapped[dt.datetime | None]


class AllocationRecord(Base):
    """Every allocation ever made, in order; a correction is a new record, never an edit."""

    __tablename__ = "allocation_record"
    __table_args__ = (
        CheckConstraint("method IN ('recorded', 'portal', 'correction')", name="method_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    arm_code: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime]
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(200), default="")


class StaffAttempt(Base):
    """A contact attempt made by a person (the dispatcher's own messages are in contact_attempt).

    The note is short and checked against the respondent's contact details before it is kept.
    """

    __tablename__ = "staff_attempt"
    __table_args__ = (
        CheckConstraint(
            "channel IN ('phone', 'sms_by_hand', 'email_by_hand', 'home_visit', 'letter')",
            name="channel_known",
        ),
        CheckConstraint(
            "outcome IN ('will_answer', 'declines', 'no_answer', 'message_left', 'wrong_contact')",
            name="outcome_known",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id"), index=True)
    at: Mapped[dt.datetime]
    channel: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(200), default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))  # None: from the command line
