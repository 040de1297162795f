"""Withdrawal of one parent, as the coordinator records it: the other parent carries on.

Stopping contact can be undone (a parent changes their mind); erasing a parent's
answers cannot. Each step is audited with its reason, and the parent's queued
messages follow in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from portal import registry
from portal.audit import record
from portal.contacts import contact_book
from portal.families import withdrawal
from portal.families.models import Respondent
from portal.messaging.planning import plan_invitations
from portal.staff.i18n import N_, _
from portal.staff.models import StaffUser

PARENT_SCOPES = ("stop_contact", "erase")
REASON_LIMIT = 200


class ParentWithdrawalRefused(ValueError):
    """The step cannot be recorded; `field` names the form field the message belongs beside."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def checked_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ParentWithdrawalRefused("reason", _("Write why (no names): the audit trail keeps it."))
    if len(reason) > REASON_LIMIT:
        raise ParentWithdrawalRefused("reason", _("A reason holds at most %(limit)s characters.",
                                                  limit=REASON_LIMIT))
    return reason


def withdraw_parent(
    session: Session, respondent: Respondent, user: StaffUser, *, scope: str, reason: str, now: dt.datetime
) -> None:
    if scope not in PARENT_SCOPES:
        raise ParentWithdrawalRefused("scope", _("Choose what the parent asked for."))
    reason = checked_reason(reason)
    try:
        if scope == "stop_contact":
            withdrawal.stop_parent_contact(respondent, now)
            details: dict[str, object] = {}
        else:
            details = {"answers_deleted": withdrawal.erase_parent(session, respondent, now)}
            contact_book().erase(respondent.pseudonym)
    except withdrawal.ParentWithdrawalError as problem:
        raise ParentWithdrawalRefused("scope", _(str(problem))) from None
    _replan(session, respondent, now)
    record(session, now=now, actor=user.actor, action=f"parent_{scope}", subject=respondent.pseudonym,
           family=respondent.family.pseudonym, reason=reason, **details)


def resume_parent(session: Session, respondent: Respondent, user: StaffUser, *, reason: str,
                  now: dt.datetime) -> None:
    reason = checked_reason(reason)
    try:
        withdrawal.resume_parent_contact(respondent)
    except withdrawal.ParentWithdrawalError as problem:
        raise ParentWithdrawalRefused("reason", _(str(problem))) from None
    _replan(session, respondent, now)
    record(session, now=now, actor=user.actor, action="parent_contact_resumed", subject=respondent.pseudonym,
           family=respondent.family.pseudonym, reason=reason)


def _replan(session: Session, respondent: Respondent, now: dt.datetime) -> None:
    session.flush()
    plan_invitations(session, registry.protocol(), respondent.invitations, now)


# The domain's refusals (portal.families.withdrawal, in English), marked so the catalogue carries them.
_REFUSALS = (
    N_("This parent's answers were erased; contact stays stopped."),
    N_("Contact with this parent is already stopped."),
    N_("The whole family has withdrawn; contact cannot resume for one parent."),
    N_("This parent's answers were erased; contact cannot be resumed."),
    N_("Contact with this parent is not stopped."),
    N_("This parent's answers are already erased."),
)
