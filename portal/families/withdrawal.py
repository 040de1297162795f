"""Withdrawal in the pseudonymous store: stop contact (answers kept) or erase (answers deleted).

Contact details are erased by the staff workspace in the same request; this
module never touches the keystore. The family and respondent rows stay as a
tombstone so that counts of who was enrolled stay honest.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.orm import Session

from portal.families.models import Child, Family, FamilyStatus, InvitationState, Respondent, Response

STILL_AHEAD = (InvitationState.scheduled, InvitationState.open, InvitationState.started)


class AlreadyErased(Exception):
    """An erased family cannot be withdrawn again or brought back."""


def stop_contact(family: Family, now: dt.datetime) -> int:
    """Withdraw every invitation not yet finished; returns how many. Answers already given stay."""
    if family.status == FamilyStatus.erased:
        raise AlreadyErased
    withdrawn = 0
    for respondent in family.respondents:
        for invitation in respondent.invitations:
            if invitation.state(now) in STILL_AHEAD:
                invitation.withdraw(now)
                withdrawn += 1
    family.status = FamilyStatus.contact_stopped
    return withdrawn


def erase(session: Session, family: Family, now: dt.datetime) -> int:
    """Stop contact, then delete every answer and the child's birth month; returns answers deleted."""
    stop_contact(family, now)
    invitation_ids = [i.id for r in family.respondents for i in r.invitations]
    result = session.execute(delete(Response).where(Response.invitation_id.in_(invitation_ids)))
    session.execute(delete(Child).where(Child.family_id == family.id))
    family.status = FamilyStatus.erased
    session.flush()
    session.expire(family)
    return int(getattr(result, "rowcount", 0) or 0)


class ParentWithdrawalError(ValueError):
    """A step for one parent that their state does not allow; the message is for the coordinator."""


def stop_parent_contact(respondent: Respondent, now: dt.datetime) -> None:
    """No more messages to this parent; the other parent carries on. Undone by resume_parent_contact."""
    if respondent.erased_at is not None:
        raise ParentWithdrawalError("This parent's answers were erased; contact stays stopped.")
    if respondent.contact_stopped_at is not None:
        raise ParentWithdrawalError("Contact with this parent is already stopped.")
    respondent.contact_stopped_at = now


def resume_parent_contact(respondent: Respondent) -> None:
    """The parent changed their mind: waves ahead get their messages again."""
    if respondent.family.status != FamilyStatus.active:
        raise ParentWithdrawalError("The whole family has withdrawn; contact cannot resume for one parent.")
    if respondent.erased_at is not None:
        raise ParentWithdrawalError("This parent's answers were erased; contact cannot be resumed.")
    if respondent.contact_stopped_at is None:
        raise ParentWithdrawalError("Contact with this parent is not stopped.")
    respondent.contact_stopped_at = None


def erase_parent(session: Session, respondent: Respondent, now: dt.datetime) -> int:
    """Withdraw this parent's waves ahead and delete their answers, for good; returns answers deleted."""
    if respondent.erased_at is not None:
        raise ParentWithdrawalError("This parent's answers are already erased.")
    for invitation in respondent.invitations:
        if invitation.state(now) in STILL_AHEAD:
            invitation.withdraw(now)
    result = session.execute(
        delete(Response).where(Response.invitation_id.in_([i.id for i in respondent.invitations]))
    )
    respondent.contact_stopped_at = respondent.contact_stopped_at or now
    respondent.erased_at = now
    session.flush()
    for invitation in respondent.invitations:
        session.expire(invitation, ["responses"])
    return int(getattr(result, "rowcount", 0) or 0)
