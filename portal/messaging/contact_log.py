"""The contact log: attempts per invitation for the family page, and delivery receipts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.families.models import Family, Invitation
from portal.messaging.models import ContactAttempt, MessageStatus, OutboxMessage
from portal.messaging.on_call import raise_alert

DELIVERED = frozenset({"delivered", "delivrd", "ok", "success"})


@dataclass(frozen=True, slots=True)
class AttemptRow:
    at: dt.datetime  # study local time
    kind: str
    channel: str
    outcome: str
    provider_id: str | None
    detail: str


def attempts_for_family(
    session: Session, family: Family, zone: ZoneInfo
) -> list[tuple[Invitation, list[AttemptRow]]]:
    """Each invitation of the family with its attempts, oldest first. No contact data is involved."""
    invitations = [i for r in family.respondents for i in r.invitations]
    found: dict[int, list[AttemptRow]] = defaultdict(list)
    query = (
        select(ContactAttempt, OutboxMessage.kind).join(OutboxMessage)
        .where(ContactAttempt.invitation_id.in_([i.id for i in invitations]))
        .order_by(ContactAttempt.at, ContactAttempt.id)
    )
    for attempt, kind in session.execute(query):
        found[attempt.invitation_id].append(AttemptRow(
            attempt.at.astimezone(zone), kind, attempt.channel, attempt.outcome, attempt.provider_id,
            attempt.detail,
        ))
    return [(i, found.get(i.id, [])) for i in invitations]


def record_receipt(session: Session, *, provider_id: str, status: str, now: dt.datetime) -> str | None:
    """Log the gateway's verdict on an accepted SMS; None if no accepted SMS has that id.

    A repeated receipt changes nothing. The gateway's own words are not kept:
    only whether the message arrived.
    """
    accepted = session.scalars(select(ContactAttempt).where(
        ContactAttempt.provider_id == provider_id, ContactAttempt.channel == "sms",
        ContactAttempt.outcome == "accepted",
    )).first()
    if accepted is None:
        return None
    outcome = "delivered" if status in DELIVERED else "undelivered"
    already = session.scalars(select(ContactAttempt.id).where(
        ContactAttempt.provider_id == provider_id, ContactAttempt.outcome == outcome)).first()
    if already is None:
        session.add(ContactAttempt(
            message_id=accepted.message_id, invitation_id=accepted.invitation_id, at=now, channel="sms",
            outcome=outcome, provider_id=provider_id, detail=f"gateway: {status}"[:200],
        ))
        if outcome == "undelivered":
            _bounce(session, accepted.message, now)
    return outcome


def _bounce(session: Session, message: OutboxMessage, now: dt.datetime) -> None:
    message.status = MessageStatus.bounced
    message.last_error = "the SMS gateway reported it undelivered"
    invitation = message.invitation
    raise_alert(session.connection(), family_id=invitation.respondent.family_id,
                respondent_id=invitation.respondent_id, invitation_id=invitation.id, kind="bounced",
                detail=f"{invitation.wave} {message.kind} SMS not delivered (gateway receipt)", now=now,
                tell_on_call=False)
