"""Withdrawal as the coordinator records it, and the parent's access report (GDPR Art. 15)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal.audit import AuditEvent, record
from portal.contacts import ContactDetails, contact_book
from portal.families import withdrawal
from portal.families.models import Alert, Family, Invitation, Respondent
from portal.staff.i18n import _
from portal.staff.models import StaffUser
from portal.staff.records import AllocationRecord, Note, StaffAttempt

SCOPES = {
    "stop_contact": "Stop contact (keep answers)",
    "erase": "Erase (delete answers and contact details)",
}


class WithdrawalError(ValueError):
    """A withdrawal that cannot be recorded; the message is for the coordinator."""


def withdraw(
    session: Session, family: Family, user: StaffUser, *, scope: str, reason: str, now: dt.datetime
) -> None:
    if scope not in SCOPES:
        raise WithdrawalError(_("Choose what the family asked for: stop contact, or erase."))
    if not reason.strip():
        raise WithdrawalError(_("Write the reason (no names): the audit trail keeps it."))
    try:
        if scope == "stop_contact":
            count = withdrawal.stop_contact(family, now)
            record(session, now=now, actor=user.actor, action="withdrawal_stop_contact",
                   subject=family.pseudonym, invitations_withdrawn=count, reason=reason[:200])
            return
        pseudonyms = [r.pseudonym for r in family.respondents]
        deleted = withdrawal.erase(session, family, now)
    except withdrawal.AlreadyErased:
        raise WithdrawalError(_("This family's data has already been erased.")) from None
    book = contact_book()
    for pseudonym in pseudonyms:
        book.erase(pseudonym)
    session.execute(delete(Note).where(Note.family_id == family.id))
    _blank_staff_texts(session, family)
    record(session, now=now, actor=user.actor, action="withdrawal_erase", subject=family.pseudonym,
           respondents=pseudonyms, answers_deleted=deleted, reason=reason[:200])


@dataclass(frozen=True, slots=True)
class AccessReport:
    respondent: Respondent
    family: Family
    contact: ContactDetails | None
    arm: str | None  # None where the reader is blinded
    allocations: list[AllocationRecord]
    notes: list[Note]
    alerts: list[Alert]
    events: list[AuditEvent]
    answers: list[dict[str, Any]]


def access_report(
    session: Session, respondent: Respondent, user: StaffUser, now: dt.datetime
) -> AccessReport:
    """Everything the portal holds about this respondent; producing it is audited."""
    family = respondent.family
    subjects = [respondent.pseudonym, family.pseudonym]
    record(session, now=now, actor=user.actor, action="access_report", subject=respondent.pseudonym)
    return AccessReport(
        respondent=respondent, family=family, contact=contact_book().get(respondent.pseudonym),
        arm=family.arm.code if family.arm and user.sees_arm else None,
        allocations=list(session.scalars(select(AllocationRecord).filter_by(family_id=family.id))),
        notes=list(session.scalars(select(Note).filter_by(family_id=family.id).order_by(Note.written_at))),
        alerts=list(session.scalars(select(Alert).filter_by(family_id=family.id))),
        events=list(session.scalars(
            select(AuditEvent).where(AuditEvent.subject.in_(subjects)).order_by(AuditEvent.id)
        )),
        answers=[
            {"wave": i.wave, "instrument": r.instrument_id, "version": r.instrument_version,
             "language": r.language, "mode": r.mode, "status": r.status, "started_at": r.started_at,
             "completed_at": r.completed_at, "answers": r.answers}
            for i in respondent.invitations for r in i.responses
        ],
    )


def _blank_staff_texts(session: Session, family: Family) -> None:
    """Attempts and alerts stay, counted in the flow chart; what staff wrote on them goes with the notes."""
    invitations = select(Invitation.id).join(Respondent).where(Respondent.family_id == family.id)
    session.execute(update(StaffAttempt).where(StaffAttempt.invitation_id.in_(invitations)).values(note=""))
    session.execute(update(Alert).where(Alert.family_id == family.id).values(resolution_note=""))
