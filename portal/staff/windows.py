"""Extending one invitation's window and correcting a family's baseline: checked, audited, re-planned."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal import registry
from portal.audit import record
from portal.families import reschedule
from portal.families.models import Family, Invitation
from portal.messaging.planning import plan_invitations
from portal.staff.i18n import N_, _, moment_words
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
        raise WindowRefused({"last_day": _refusal(problem)}) from None
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
        raise WindowRefused({"baseline": _refusal(problem)}) from None
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
        errors[field] = _("Give a date like 2026-10-31.")
    reason = reason.strip()
    if not reason:
        errors["reason"] = _("Write why (no names): the audit trail keeps it.")
    elif len(reason) > REASON_LIMIT:
        errors["reason"] = _("A reason holds at most %(limit)s characters.", limit=REASON_LIMIT)
    if errors:
        raise WindowRefused(errors)
    return day, reason


def _refusal(problem: reschedule.RescheduleError) -> str:
    """The rule's refusal in the account's language, its days in words."""
    values = {name: moment_words(value, "date") if isinstance(value, dt.date) else value
              for name, value in problem.values.items()}
    return _(problem.template, **values)


# The schedule rules' refusals (portal.families.reschedule), marked so the catalogue carries them.
_REFUSALS = (
    N_("Only a window that is not answered or withdrawn can be extended."),
    N_("Choose a day after the window's current last day."),
    N_("Choose a day from today on."),
    N_("The next wave opens on %(opens)s: the last day can be %(last)s at the latest."),
    N_("The baseline date cannot lie in the future."),
    N_("This is the baseline date already."),
)
