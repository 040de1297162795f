"""Contact attempts made by staff: record one, read them back for a family or a list of invitations.

An attempt belongs to one invitation (a respondent at one wave). "Reached: declines this wave"
marks the invitation declined, which stops that wave's reminders (portal.messaging.planning).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import registry
from portal.audit import record
from portal.contacts import contact_book
from portal.families.models import Family, Invitation, InvitationState
from portal.messaging.planning import replan
from portal.staff.i18n import N_, _
from portal.staff.identifying import REFUSAL, names_someone
from portal.staff.models import StaffUser
from portal.staff.outreach import CLOSED, InvitationClosed, OutreachError, UnknownChoice, WaveNotOpen
from portal.staff.records import StaffAttempt

# marked for the staff catalogue; shown through `_()` in the reader's language
CHANNELS = {
    "phone": N_("Phone"), "sms_by_hand": N_("SMS by hand"), "email_by_hand": N_("E-mail by hand"),
    "home_visit": N_("Home visit"), "letter": N_("Letter"),
}
OUTCOMES = {
    "will_answer": N_("Reached: will answer"), "declines": N_("Reached: declines this wave"),
    "no_answer": N_("No answer"), "message_left": N_("Message left"),
    "wrong_contact": N_("Wrong number or address"),
}
NOTE_LIMIT = 200


class NoteRefused(OutreachError):
    """Too long, or it names the respondent."""


def record_attempt(
    session: Session, *, invitation: Invitation, channel: str, outcome: str, note: str = "",
    by: StaffUser | None, now: dt.datetime,
) -> StaffAttempt:
    """Keep one attempt and audit it (without the note); `by` None means the command line.

    Raises UnknownChoice, WaveNotOpen, InvitationClosed (withdrawn, or the family stopped contact)
    or NoteRefused; then nothing is changed.
    """
    note = _checked_note(invitation, channel, outcome, note)
    _check_attemptable(invitation, now)
    attempt = StaffAttempt(invitation_id=invitation.id, at=now, channel=channel, outcome=outcome, note=note,
                           by_id=by.id if by else None)
    session.add(attempt)
    if outcome == "declines" and invitation.declined_at is None:
        invitation.declined_at = now
        replan(session, registry.protocol(), invitation, now)  # cancels the wave's pending reminders
    record(session, now=now, actor=by.actor if by else "cli", action="contact_attempt_recorded",
           subject=invitation.respondent.pseudonym, wave=invitation.wave, channel=channel, outcome=outcome)
    return attempt


def _checked_note(invitation: Invitation, channel: str, outcome: str, note: str) -> str:
    if channel not in CHANNELS:
        raise UnknownChoice("channel", channel, [c.replace("_", "-") for c in CHANNELS])
    if outcome not in OUTCOMES:
        raise UnknownChoice("outcome", outcome, [o.replace("_", "-") for o in OUTCOMES])
    note = " ".join(note.split())
    if len(note) > NOTE_LIMIT:
        raise NoteRefused(_("A note on an attempt holds at most %(limit)s characters.", limit=NOTE_LIMIT))
    if names_someone(note, contact_book().get(invitation.respondent.pseudonym)):
        raise NoteRefused(_(REFUSAL))
    return note


def _check_attemptable(invitation: Invitation, now: dt.datetime) -> None:
    state = invitation.state(now)
    if state is InvitationState.scheduled:
        raise WaveNotOpen(invitation)
    if state is InvitationState.withdrawn:
        raise InvitationClosed(invitation, CLOSED["withdrawn"])
    if invitation.respondent.family.status != "active":
        raise InvitationClosed(invitation, CLOSED["family"])


def attempts_by_invitation(
    session: Session, invitation_ids: Collection[int]
) -> dict[int, list[StaffAttempt]]:
    """Each invitation's attempts, oldest first; the last one is the latest outcome."""
    found: dict[int, list[StaffAttempt]] = defaultdict(list)
    query = (select(StaffAttempt).where(StaffAttempt.invitation_id.in_(list(invitation_ids)))
             .order_by(StaffAttempt.at, StaffAttempt.id))
    for attempt in session.scalars(query):
        found[attempt.invitation_id].append(attempt)
    return dict(found)


def last_attempts(session: Session, invitation_ids: Collection[int]) -> dict[int, StaffAttempt]:
    """The latest attempt per invitation (for a call-list row)."""
    return {key: rows[-1] for key, rows in attempts_by_invitation(session, invitation_ids).items()}


def family_attempts(session: Session, family: Family) -> list[tuple[Invitation, StaffAttempt]]:
    """Every attempt for the family's respondents, newest first, each with its invitation."""
    invitations = {i.id: i for r in family.respondents for i in r.invitations}
    rows = [(invitations[key], a) for key, found in attempts_by_invitation(session, invitations).items()
            for a in found]
    return sorted(rows, key=lambda row: (row[1].at, row[1].id), reverse=True)


def attemptable(invitation: Invitation, now: dt.datetime) -> bool:
    """Whether the family page offers this invitation in the attempt form."""
    try:
        _check_attemptable(invitation, now)
    except OutreachError:
        return False
    return True
