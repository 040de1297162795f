"""Which messages an invitation should get, and writing them to the outbox in the caller's transaction.

Pure core: `plan_invitation` turns a window, the wave's reminder days and the
quiet hours into planned messages. `replan` reconciles the outbox with that
plan: messages not yet sent move or go, sent ones are history and stay.
No contact data is involved; this module never imports portal.contacts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.families.models import Family, Invitation
from portal.messaging.models import PLANNED_KINDS, MessageKind, MessageStatus, OutboxMessage
from portal.messaging.quiet import next_allowed
from portal.protocol.model import Protocol, Wave
from portal.protocol.schedule import local_date, local_midnight

# messages replan() may (re)time: waiting ones, and cancelled ones wanted again (contact resumed)
REVIVABLE = (MessageStatus.pending, MessageStatus.cancelled)


@dataclass(frozen=True, slots=True)
class PlannedMessage:
    kind: MessageKind
    sequence: int
    due_at: dt.datetime  # UTC, inside the sending hours


def plan_invitation(
    protocol: Protocol, wave: Wave, opens_at: dt.datetime, closes_at: dt.datetime, now: dt.datetime
) -> list[PlannedMessage]:
    """The invitation when the window opens, a reminder on each reminder day, one on the last day.

    Reminders already past at planning time are left out (a late plan never sends a burst),
    and a reminder day that falls on the last day becomes the last reminder.
    """
    zone, hours = protocol.timezone, protocol.quiet_hours
    first_day = local_date(opens_at, zone)
    last_day = local_date(closes_at - dt.timedelta(microseconds=1), zone)

    def at(day: dt.date) -> dt.datetime:
        return next_allowed(max(local_midnight(day, zone), now), hours, zone)

    today = local_date(now, zone)
    first = PlannedMessage(MessageKind.invitation, 0, at(first_day))
    later = []
    reminder_days = sorted({first_day + dt.timedelta(days=d) for d in wave.reminder_days})
    # numbered before filtering, so a message keeps its key when the plan is made again
    for number, day in enumerate((d for d in reminder_days if first_day < d < last_day), start=1):
        if day >= today:
            later.append(PlannedMessage(MessageKind.reminder, number, at(day)))
    if first_day < last_day and today <= last_day:
        later.append(PlannedMessage(MessageKind.last_reminder, 0, at(last_day)))
    if first.due_at >= closes_at:
        return []
    return [first] + [m for m in later if first.due_at < m.due_at < closes_at]


def idempotency_key(invitation_id: int, kind: str, sequence: int) -> str:
    return f"inv{invitation_id}-{kind}-{sequence}"


def wanted_messages(
    protocol: Protocol, invitation: Invitation, now: dt.datetime
) -> dict[str, PlannedMessage]:
    """The invitation's messages as its window, its state and the protocol want them now, by key."""
    wave = protocol.wave(invitation.wave)
    if wave is None or not _wants_messages(invitation, now):
        return {}
    return {
        idempotency_key(invitation.id, planned.kind, planned.sequence): planned
        for planned in plan_invitation(protocol, wave, invitation.opens_at, invitation.closes_at, now)
    }


def replan(session: Session, protocol: Protocol, invitation: Invitation, now: dt.datetime) -> None:
    """Bring the invitation's unsent messages in line with its current window and state."""
    wanted = wanted_messages(protocol, invitation, now)
    existing = _existing(session, invitation)
    for key, message in existing.items():
        if message.kind == MessageKind.alert:
            continue  # an alert's message goes to staff whatever the wave does
        if message.status in REVIVABLE and key in wanted:  # a cancelled one never went out
            message.status, message.last_error = MessageStatus.pending, ""
            message.due_at = message.next_attempt_at = wanted[key].due_at
        elif message.status != MessageStatus.pending:
            continue  # sent ones are history
        elif message.kind in PLANNED_KINDS or not _reachable(invitation, now):
            message.status, message.last_error = MessageStatus.cancelled, "no longer planned"
    for key, planned in wanted.items():
        if key not in existing:
            session.add(OutboxMessage(
                invitation_id=invitation.id, kind=planned.kind, sequence=planned.sequence,
                idempotency_key=key, due_at=planned.due_at, next_attempt_at=planned.due_at,
                created_at=now,
            ))


def replan_would_change(
    session: Session, protocol: Protocol, invitation: Invitation, now: dt.datetime
) -> bool:
    """Would replan() move, cancel or add a queued message (a message due by now counts as on time)?"""
    wanted = wanted_messages(protocol, invitation, now)
    existing = _existing(session, invitation)
    if any(key not in existing or existing[key].status == MessageStatus.cancelled for key in wanted):
        return True
    return any(
        key not in wanted or (message.due_at > now and message.due_at != wanted[key].due_at)
        for key, message in existing.items()
        if message.status == MessageStatus.pending and message.kind in PLANNED_KINDS
    )


def _existing(session: Session, invitation: Invitation) -> dict[str, OutboxMessage]:
    return {m.idempotency_key: m for m in session.scalars(
        select(OutboxMessage).where(OutboxMessage.invitation_id == invitation.id)
    )}


def plan_family(session: Session, protocol: Protocol, family: Family, now: dt.datetime) -> None:
    """Call after enrolment (or any change to the family's waves), before the commit."""
    session.flush()  # invitations need their ids for the idempotency keys
    plan_invitations(session, protocol, (i for r in family.respondents for i in r.invitations), now)


def plan_invitations(
    session: Session, protocol: Protocol, invitations: Iterable[Invitation], now: dt.datetime
) -> None:
    for invitation in invitations:
        replan(session, protocol, invitation, now)


def _wants_messages(invitation: Invitation, now: dt.datetime) -> bool:
    """Planned messages: none once the parent told staff they decline this wave, nor to a parent who
    consented to neither SMS nor e-mail."""
    respondent = invitation.respondent
    return (_reachable(invitation, now) and invitation.declined_at is None
            and (respondent.consent_sms or respondent.consent_email))


def _reachable(invitation: Invitation, now: dt.datetime) -> bool:
    """A coordinator's resend may still go: family and parent still in contact, the invitation open."""
    return (
        invitation.respondent.may_be_contacted and invitation.withdrawn_at is None
        and invitation.completed_at is None and now < invitation.closes_at
    )
