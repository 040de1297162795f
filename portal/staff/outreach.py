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
from portal.families.pseudonyms import is_valid, normalise
from portal.staff.i18n import N_, _

# Sentences for InvitationClosed, marked for the staff catalogue: %(wave)s, %(respondent)s, %(status)s
CLOSED = {
    "family": N_("Wave %(wave)s for %(respondent)s cannot be used: the family's status is %(status)s."),
    "completed": N_("Wave %(wave)s for %(respondent)s is completed already."),
    "withdrawn": N_("Wave %(wave)s for %(respondent)s was withdrawn."),
    "expired": N_("Wave %(wave)s for %(respondent)s has closed."),
}
FAMILY_STATUS = {"contact_stopped": N_("contact stopped"), "erased": N_("erased")}
CHOICE_WORDS = {"channel": N_("channel"), "outcome": N_("outcome")}


class OutreachError(ValueError):
    """Input an attempt or a resend cannot use; nothing was changed."""


class UnknownRespondent(OutreachError):
    def __init__(self, pseudonym: str) -> None:
        if not is_valid(pseudonym):  # not repeated: it may be a name, a phone number or a link
            super().__init__(_("That is not a respondent's code. Check it: the last character catches "
                               "most typos."))
            return
        super().__init__(_("No respondent %(respondent)s at your sites. Check the code: "
                           "the last character catches most typos.", respondent=pseudonym))


class UnknownWave(OutreachError):
    """Names the respondent's waves rather than what was typed, which may be anything."""

    def __init__(self, respondent: Respondent) -> None:
        super().__init__(_("Respondent %(respondent)s has no such wave; their waves are %(waves)s.",
                           respondent=respondent.pseudonym,
                           waves=", ".join(i.wave for i in respondent.invitations)))


class WaveNotOpen(OutreachError):
    def __init__(self, invitation: Invitation) -> None:
        super().__init__(_("Wave %(wave)s is not open yet for %(respondent)s.", wave=invitation.wave,
                           respondent=invitation.respondent.pseudonym))


class InvitationClosed(OutreachError):
    """Completed, withdrawn, closed, or the family stopped contact."""

    def __init__(self, invitation: Invitation, why: str) -> None:
        """`why`: one of CLOSED's sentences (marked for the catalogue, said here in the page's language)."""
        status = invitation.respondent.family.status
        super().__init__(_(why, wave=invitation.wave, respondent=invitation.respondent.pseudonym,
                           status=_(FAMILY_STATUS.get(status, status))))


class UnknownChoice(OutreachError):
    def __init__(self, what: str, given: str, known: Collection[str]) -> None:
        super().__init__(_("Unknown %(what)s %(given)s: use one of %(known)s.",
                           what=_(CHOICE_WORDS.get(what, what)), given=repr(given), known=", ".join(known)))


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
        raise UnknownWave(found)
    return invitation


def closed_because(invitation: Invitation, now: dt.datetime) -> str | None:
    """Why nobody should be asked to answer this invitation any more, or None while it is open."""
    if invitation.respondent.family.status != "active":
        return CLOSED["family"]
    return {
        InvitationState.completed: CLOSED["completed"],
        InvitationState.withdrawn: CLOSED["withdrawn"],
        InvitationState.expired: CLOSED["expired"],
    }.get(invitation.state(now))
