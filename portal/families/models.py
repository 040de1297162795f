"""The pseudonymous core: studies, families, respondents, children, invitations, responses.

Nothing here names a person. Contact details live in portal.contacts.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Protocol

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    Date,
    ForeignKey,
    String,
    UniqueConstraint,
    and_,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base


class Study(Base):
    __tablename__ = "study"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    sites: Mapped[list[Site]] = relationship(back_populates="study", order_by="Site.code")
    arms: Mapped[list[Arm]] = relationship(back_populates="study", order_by="Arm.code")


class Site(Base):
    __tablename__ = "site"
    __table_args__ = (UniqueConstraint("study_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    study: Mapped[Study] = relationship(back_populates="sites")


class Arm(Base):
    __tablename__ = "arm"
    __table_args__ = (UniqueConstraint("study_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"))
    code: Mapped[str] = mapped_column(String(64))
    study: Mapped[Study] = relationship(back_populates="arms")


class FamilyStatus(enum.StrEnum):
    active = "active"
    contact_stopped = "contact_stopped"  # answers kept, no more messages
    erased = "erased"  # answers and contacts gone; the pseudonym stays as a tombstone


class Family(Base):
    __tablename__ = "family"
    __table_args__ = (
        CheckConstraint("(arm_id IS NULL) = (allocated_at IS NULL)", name="allocated_with_time"),
        CheckConstraint(
            "status IN ('active', 'contact_stopped', 'erased')", name="status_known"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(16), unique=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    arm_id: Mapped[int | None] = mapped_column(ForeignKey("arm.id"))
    allocated_at: Mapped[dt.datetime | None]
    allocation_method: Mapped[str | None] = mapped_column(String(16))  # recorded | portal
    baseline_date: Mapped[dt.date] = mapped_column(Date)
    enrolled_at: Mapped[dt.datetime]
    consent_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20), default=FamilyStatus.active)
    site: Mapped[Site] = relationship()
    arm: Mapped[Arm | None] = relationship()
    respondents: Mapped[list[Respondent]] = relationship(back_populates="family", order_by="Respondent.id")
    child: Mapped[Child | None] = relationship(back_populates="family")


class Respondent(Base):
    __tablename__ = "respondent"
    __table_args__ = (
        CheckConstraint("role IN ('mother', 'father', 'carer')", name="role_known"),
        CheckConstraint("erased_at IS NULL OR contact_stopped_at IS NOT NULL", name="erased_means_stopped"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(16), unique=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    # this parent's own consent: the form's version, the day it was signed, and what it covers
    consent_version: Mapped[str] = mapped_column(String(32), server_default="")
    consent_date: Mapped[dt.date | None] = mapped_column(Date)
    consent_questionnaires: Mapped[bool] = mapped_column(default=True, server_default=true())
    consent_sms: Mapped[bool] = mapped_column(default=True, server_default=true())
    consent_email: Mapped[bool] = mapped_column(default=True, server_default=true())
    # withdrawal of one parent: contact stopped (undone by clearing it) or answers erased (for good)
    contact_stopped_at: Mapped[dt.datetime | None]
    erased_at: Mapped[dt.datetime | None]
    family: Mapped[Family] = relationship(back_populates="respondents")
    invitations: Mapped[list[Invitation]] = relationship(
        back_populates="respondent", order_by="Invitation.opens_at"
    )

    @property
    def may_be_contacted(self) -> bool:
        """Messages go to this parent only while both the family and the parent are in."""
        return self.family.status == FamilyStatus.active and self.contact_stopped_at is None

    def consents_to(self, channel: str) -> bool:
        """`sms` or `email`: a parent who consented to e-mail only is never texted."""
        return {"sms": self.consent_sms, "email": self.consent_email}.get(channel, False)


class Child(Base):
    __tablename__ = "child"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), unique=True)
    birth_month: Mapped[dt.date] = mapped_column(Date)  # always the 1st: no birth day is kept
    family: Mapped[Family] = relationship(back_populates="child")


class Invitation(Base):
    """One respondent x one wave. State is derived from the window and the marks."""

    __tablename__ = "invitation"
    __table_args__ = (
        UniqueConstraint("respondent_id", "wave"),
        CheckConstraint("closes_at > opens_at", name="window_forward"),
        CheckConstraint("started_at IS NOT NULL OR completed_at IS NULL", name="completed_after_start"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondent.id"))
    wave: Mapped[str] = mapped_column(String(16))
    instruments: Mapped[list[str]]
    due_date: Mapped[dt.date] = mapped_column(Date)
    opens_at: Mapped[dt.datetime] = mapped_column(index=True)
    closes_at: Mapped[dt.datetime]
    token_generation: Mapped[int] = mapped_column(default=0)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    access_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    started_at: Mapped[dt.datetime | None]
    completed_at: Mapped[dt.datetime | None]
    withdrawn_at: Mapped[dt.datetime | None]
    # the parent told staff they will not answer this wave: no more reminders (the link still works)
    declined_at: Mapped[dt.datetime | None]
    respondent: Mapped[Respondent] = relationship(back_populates="invitations")
    responses: Mapped[list[Response]] = relationship(
        back_populates="invitation", order_by="Response.id"
    )


    def state(self, now: dt.datetime) -> InvitationState:
        return invitation_state(self, now)

    def start(self, now: dt.datetime) -> None:
        self._require(now, InvitationState.open, InvitationState.started)
        self.started_at = self.started_at or now

    def complete(self, now: dt.datetime) -> None:
        self._require(now, InvitationState.started)
        self.completed_at = now

    def withdraw(self, now: dt.datetime) -> None:
        self._require(now, InvitationState.scheduled, InvitationState.open, InvitationState.started)
        self.withdrawn_at = now

    def _require(self, now: dt.datetime, *allowed: InvitationState) -> None:
        state = self.state(now)
        if state not in allowed:
            raise InvitationClosed(state)


class InvitationState(enum.StrEnum):
    scheduled = "scheduled"
    open = "open"
    started = "started"
    completed = "completed"
    expired = "expired"
    withdrawn = "withdrawn"


class InvitationMarks(Protocol):
    """An invitation's window and marks, on the ORM row or on a plain record read without the ORM."""

    @property
    def opens_at(self) -> dt.datetime: ...
    @property
    def closes_at(self) -> dt.datetime: ...
    @property
    def started_at(self) -> dt.datetime | None: ...
    @property
    def completed_at(self) -> dt.datetime | None: ...
    @property
    def withdrawn_at(self) -> dt.datetime | None: ...


def invitation_state(marks: InvitationMarks, now: dt.datetime) -> InvitationState:
    """The one rule for an invitation's state: withdrawn and completed are final, then the window."""
    if marks.withdrawn_at is not None:
        return InvitationState.withdrawn
    if marks.completed_at is not None:
        return InvitationState.completed
    if now >= marks.closes_at:
        return InvitationState.expired
    if now < marks.opens_at:
        return InvitationState.scheduled
    return InvitationState.started if marks.started_at else InvitationState.open


def started_in_sql(now: Any) -> ColumnElement[bool]:
    """The same rule as a condition on the invitation table, true when the state is `started`: for
    a statement that may change answers only then and checks it itself, with no read before it
    that could go stale. `now` is a value or a bind parameter."""
    return and_(Invitation.withdrawn_at.is_(None), Invitation.completed_at.is_(None),
                Invitation.closes_at > now, Invitation.opens_at <= now, Invitation.started_at.is_not(None))


class InvitationClosed(Exception):
    """The invitation is not in a state that allows this step."""

    def __init__(self, state: InvitationState) -> None:
        super().__init__(f"invitation is {state}")
        self.state = state


class ResponseMode(enum.StrEnum):
    web = "web"
    interview = "interview"
    paper = "paper"


class Response(Base):
    """One instrument answered in one invitation, frozen with its version and language."""

    __tablename__ = "response"
    __table_args__ = (
        UniqueConstraint("invitation_id", "instrument_id"),
        CheckConstraint("mode IN ('web', 'interview', 'paper')", name="mode_known"),
        CheckConstraint("status IN ('draft', 'completed')", name="status_known"),
        CheckConstraint("(status = 'completed') = (completed_at IS NOT NULL)", name="completed_iff_time"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id"))
    instrument_id: Mapped[str] = mapped_column(String(32))
    instrument_version: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    mode: Mapped[str] = mapped_column(String(16), default=ResponseMode.web)
    answers: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    started_at: Mapped[dt.datetime]
    completed_at: Mapped[dt.datetime | None]
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # +1 on every save of a draft: a save that read an older draft merges again instead of overwriting
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # The translation pack the items of the first save were shown in (none: the instrument's own text);
    # mixed once a later save was shown in other text (portal.respond.answers.shown_pack)
    pack_version: Mapped[str | None] = mapped_column(String(32))
    pack_hash: Mapped[str | None] = mapped_column(String(16))
    pack_mixed: Mapped[bool] = mapped_column(default=False, server_default=false())
    invitation: Mapped[Invitation] = relationship(back_populates="responses")


class Alert(Base):
    """Something a person must look at: PHQ-9 item 9 above 0, a bounced message, a stop request."""

    __tablename__ = "alert"
    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("family.id"), index=True)
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("respondent.id"))
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id"))  # names the wave
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime]
    resolved_at: Mapped[dt.datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    resolution_note: Mapped[str] = mapped_column(String(300), default="", server_default="")
