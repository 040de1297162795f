"""Withdrawal in the pseudonymous store: stop contact (answers kept) or erase (answers deleted).

Contact details are erased by the staff workspace in the same request; this
module never touches the keystore. The family and respondent rows stay as a
tombstone so that counts of who was enrolled stay honest.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete
from sqlalchemy.orm import Session

from portal.families.models import Child, Family, FamilyStatus, InvitationState, Response

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
