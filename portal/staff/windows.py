"""Extending one invitation's window and correcting a family's baseline: checked, audited, re-planned."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal import registry
from portal.audit import record
from portal.families import reschedule
from portal.families.models import Family, Invitation
from portal.messaging.planning import plan_invitations
from portal.staff.models import StaffUser

REASON_LIMIT = 200


class WindowRefused(ValueError):
    """Input the change cannot use; `errors` maps each form field to the message beside it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def extend(session: Session, invitation: Invitation, user: StaffUser, *, last_day: str, reason: str,
           now: dt.datetime) -> None:
    day, why = _checked(last_day, "last_day", reason)
    before = invitation.closes_at
    try:
        reschedule.extend_window(invitation, day, registry.protocol(), now)
    except reschedule.RescheduleError as problem:
        raise WindowRefused({"last_day": str(problem)}) from None
    session.flush()
    plan_invitations(session, registry.protocol(), [invitation], now)
    record(session, now=now, actor=user.actor, action="window_extended",
           subject=invitation.respondent.pseudonym, wave=invitation.wave,
           closes_before=before.isoformat(), closes_after=invitation.closes_at.isoformat(), reason=why)


def correct_baseline(session: Session, family: Family, user: StaffUser, *, baseline: str, reason: str,
                     now: dt.datetime) -> list[Invitation]:
    day, why = _checked(baseline, "baseline", reason)
    before = family.baseline_date
    try:
        moved = reschedule.correct_baseline(family, day, registry.protocol(), now)
    except reschedule.RescheduleError as problem:
        raise WindowRefused({"baseline": str(problem)}) from None
    session.flush()
    plan_invitations(session, registry.protocol(), moved, now)
    record(session, now=now, actor=user.actor, action="baseline_corrected", subject=family.pseudonym,
           baseline_before=before.isoformat(), baseline_after=day.isoformat(),
           waves_moved=sorted({i.wave for i in moved}), reason=why)
    return moved


def _checked(date_text: str, field: str, reason: str) -> tuple[dt.date, str]:
    """The date and the reason, or WindowRefused naming every field that is wrong."""
    errors = {}
    try:
        day = dt.date.fromisoformat(date_text.strip())
    except ValueError:
        errors[field] = "Give a date like 2026-10-31."
    reason = reason.strip()
    if not reason:
        errors["reason"] = "Write why (no names): the audit trail keeps it."
    elif len(reason) > REASON_LIMIT:
        errors["reason"] = f"A reason holds at most {REASON_LIMIT} characters."
    if errors:
        raise WindowRefused(errors)
    return day, reason
