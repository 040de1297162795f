"""Send-time checks (pure): is a claimed message still wanted, and when may it go?

Planning is done ahead; this is the safety net at the moment of sending:
nothing to a family that stopped contact, to a withdrawn or completed
invitation, after the window closed, or in quiet hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.families.models import Invitation, InvitationState
from portal.messaging.models import PLANNED_KINDS, MessageKind, OutboxMessage
from portal.messaging.quiet import allowed, next_allowed
from portal.protocol.model import Protocol

MAX_ATTEMPTS = 5
FIRST_BACKOFF = dt.timedelta(minutes=10)  # then 20, 40, 80 minutes
STALE_REMINDER = dt.timedelta(days=1)  # a reminder this late would only add to the next one
STALE_KINDS = (MessageKind.reminder, MessageKind.last_reminder)


@dataclass(frozen=True, slots=True)
class Send:
    pass


@dataclass(frozen=True, slots=True)
class Cancel:
    reason: str


@dataclass(frozen=True, slots=True)
class Defer:
    until: dt.datetime


@dataclass(frozen=True, slots=True)
class Replan:
    """The window moved after this message was planned: plan the invitation's messages again."""


Decision = Send | Cancel | Defer | Replan


def decide(message: OutboxMessage, invitation: Invitation, protocol: Protocol, now: dt.datetime) -> Decision:
    if message.kind == MessageKind.alert:
        return Send()  # to the on-call address, at once: quiet hours protect parents, not staff
    family_status = invitation.respondent.family.status
    if family_status != "active":
        return Cancel(f"family {family_status}")
    if invitation.respondent.contact_stopped_at is not None:
        return Cancel("respondent asked for no more contact")
    state = invitation.state(now)
    if state in (InvitationState.withdrawn, InvitationState.completed, InvitationState.expired):
        return Cancel(f"invitation {state}")
    if invitation.declined_at is not None and message.kind in PLANNED_KINDS:
        return Cancel("the parent declined this wave")
    if message.kind in STALE_KINDS and now - message.due_at > STALE_REMINDER:
        return Cancel("reminder too late to send")
    zone, hours = protocol.timezone, protocol.quiet_hours
    if state is InvitationState.scheduled:
        return Replan()
    if not allowed(now, hours, zone):
        return Defer(next_allowed(now, hours, zone))
    return Send()


def next_try(
    attempts: int, now: dt.datetime, invitation: Invitation, protocol: Protocol,
    kind: str = MessageKind.invitation,
) -> dt.datetime | None:
    """When to try again after `attempts` failed tries, or None when it is time to give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    later = now + FIRST_BACKOFF * 2 ** (attempts - 1)
    if kind == MessageKind.alert:
        return later  # staff are told whatever the wave's window or the hour
    moment = next_allowed(later, protocol.quiet_hours, protocol.timezone)
    return moment if moment < invitation.closes_at else None
