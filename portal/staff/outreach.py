"""What contact attempts and resends share: finding the invitation, and the errors they raise.

Each error's text is for the coordinator (page and command line) and names no person: at most a
pseudonym, a wave, a channel or a state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.families.models import Invitation, InvitationState, Respondent
from portal.families.pseudonyms import normalise


class OutreachError(ValueError):
    """Input an attempt or a resend cannot use; nothing was changed."""


class UnknownRespondent(OutreachError):
    def __init__(self, pseudonym: str) -> None:
        super().__init__(f"No respondent {pseudonym} at your sites. Check the code: "
                         "the last character catches most typos.")


class UnknownWave(OutreachError):
    def __init__(self, pseudonym: str, wave: str) -> None:
        super().__init__(f"Respondent {pseudonym} has no wave {wave}.")


class WaveNotOpen(OutreachError):
    def __init__(self, invitation: Invitation) -> None:
        super().__init__(f"Wave {invitation.wave} is not open yet for {invitation.respondent.pseudonym}.")


class InvitationClosed(OutreachError):
    """Completed, withdrawn, closed, or the family stopped contact."""

    def __init__(self, invitation: Invitation, why: str) -> None:
        super().__init__(f"Wave {invitation.wave} for {invitation.respondent.pseudonym} {why}.")


class UnknownChoice(OutreachError):
    def __init__(self, what: str, given: str, known: Collection[str]) -> None:
        super().__init__(f"Unknown {what} {given!r}: use one of {', '.join(known)}.")


def invitation_for(
    session: Session, respondent: str, wave: str, sites: Collection[str] | None = None
) -> Invitation:
    """The invitation of `respondent` (a pseudonym) at `wave`; with `sites`, only at those sites."""
    pseudonym = normalise(respondent)
    found = session.scalars(select(Respondent).filter_by(pseudonym=pseudonym)).first()
    if found is None or (sites is not None and found.family.site.code not in sites):
        raise UnknownRespondent(pseudonym)
    invitation = next((i for i in found.invitations if i.wave.upper() == wave.strip().upper()), None)
    if invitation is None:
        raise UnknownWave(pseudonym, wave.strip())
    return invitation


def closed_because(invitation: Invitation, now: dt.datetime) -> str | None:
    """Why nobody should be asked to answer this invitation any more, or None while it is open."""
    family_status = invitation.respondent.family.status
    if family_status != "active":
        return f"cannot be used: the family's status is {family_status.replace('_', ' ')}"
    state = invitation.state(now)
    return {
        InvitationState.completed: "is completed already",
        InvitationState.withdrawn: "was withdrawn",
        InvitationState.expired: "has closed",
    }.get(state)
