"""Send the link again: a coordinator's "send it now" goes through the outbox like every message.

One click is one message per channel, even when the form is sent twice: the click's key (carried
in the form) is part of the outbox row's unique idempotency key, so a second insert of the same
click fails in the database. The message is composed at sending time with the invitation's current
link, so a resend after a revoke carries the new link; no token is kept or audited here.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal import registry
from portal.audit import record
from portal.contacts import contact_book
from portal.families.models import Invitation, InvitationState
from portal.messaging.models import MessageKind, MessageStatus, OutboxMessage
from portal.messaging.quiet import next_allowed
from portal.staff.i18n import _
from portal.staff.models import StaffUser
from portal.staff.outreach import InvitationClosed, OutreachError, UnknownChoice, WaveNotOpen, closed_because

CHANNELS = {"sms": "SMS", "email": "e-mail"}
CLICK = re.compile(r"[0-9a-f]{32}")


class NoAddress(OutreachError):
    """The chosen channel cannot reach this respondent (no number, no address, no SMS gateway)."""


class AlreadyQueued(OutreachError):
    """This click was handled already (a double submit): nothing more is sent."""

    def __init__(self) -> None:
        super().__init__(_("This request to send the link again was received already; it is sent once."))


@dataclass(frozen=True, slots=True)
class Resent:
    channels: tuple[str, ...]
    goes_at: dt.datetime  # UTC; later than now when quiet hours hold it back
    waits_for_quiet_hours: bool


def new_click() -> str:
    """The key a form carries so that sending it twice sends once."""
    return secrets.token_hex(16)


def resend_link(
    session: Session, *, invitation: Invitation, channels: Sequence[str], by: StaffUser | None,
    now: dt.datetime, click: str | None = None,
) -> Resent:
    """Queue the invitation's link again on each channel; `by` None means the command line. For
    several call-list rows at once, see resend_links.

    Raises UnknownChoice, WaveNotOpen, InvitationClosed, NoAddress or AlreadyQueued (then the
    caller rolls back: nothing was sent or audited).
    """
    chosen = _checked_channels(invitation, channels, now)
    key = click if click is not None else new_click()
    if not CLICK.fullmatch(key):
        raise OutreachError(_("The form was damaged; open the page again and send it once more."))
    goes_at = _sending_time(now)
    keys = {channel: f"inv{invitation.id}-resend-{key}-{channel}" for channel in chosen}
    queued = select(OutboxMessage.id).where(OutboxMessage.idempotency_key.in_(keys.values()))
    if session.scalars(queued).first() is not None:
        raise AlreadyQueued()
    for channel, idempotency_key in keys.items():
        session.add(OutboxMessage(invitation_id=invitation.id, kind=MessageKind.resend, channel=channel,
                                  idempotency_key=idempotency_key, due_at=goes_at, next_attempt_at=goes_at,
                                  created_at=now))
    try:
        session.flush()  # a concurrent submit of the same click fails here, on the unique key
    except IntegrityError:
        raise AlreadyQueued() from None
    record(session, now=now, actor=by.actor if by else "cli", action="link_resent",
           subject=invitation.respondent.pseudonym, wave=invitation.wave, channels=list(chosen))
    return Resent(chosen, goes_at, goes_at > now)


@dataclass(frozen=True, slots=True)
class Refused:
    invitation: Invitation
    reason: str  # for the coordinator; names a pseudonym and a wave at most


def resend_links(
    session: Session, *, invitations: Sequence[Invitation], channels: Sequence[str], by: StaffUser | None,
    now: dt.datetime, click: str,
) -> tuple[list[tuple[Invitation, Resent]], list[Refused]]:
    """Several rows at once (the call list): each invitation that may take a resend gets one, the
    others are named with the reason and left as they were. One click key serves every row, as each
    row's outbox key also holds its invitation. A concurrent double submit (the database refusing a
    key) raises AlreadyQueued for the whole batch: the caller rolls back."""
    sent, refused = [], []
    for invitation in invitations:
        try:
            sent.append((invitation, resend_link(session, invitation=invitation, channels=channels, by=by,
                                                 now=now, click=click)))
        except OutreachError as problem:
            if not session.is_active:  # the flush failed: nothing of this batch can be kept
                raise
            refused.append(Refused(invitation, str(problem)))
    return sent, refused


def queued_resends(session: Session, invitation_ids: Collection[int]) -> dict[int, list[OutboxMessage]]:
    """Resends still waiting in the outbox, per invitation: the page says when each will go."""
    waiting = [MessageStatus.pending, MessageStatus.sending]
    query = (select(OutboxMessage)
             .where(OutboxMessage.invitation_id.in_(list(invitation_ids)),
                    OutboxMessage.kind == MessageKind.resend, OutboxMessage.status.in_(waiting))
             .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id))
    found: dict[int, list[OutboxMessage]] = {}
    for message in session.scalars(query):
        found.setdefault(message.invitation_id, []).append(message)
    return found


def _checked_channels(invitation: Invitation, channels: Sequence[str], now: dt.datetime) -> tuple[str, ...]:
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or not channels:
        raise UnknownChoice("channel", unknown[0] if unknown else "", list(CHANNELS))
    if invitation.state(now) is InvitationState.scheduled:
        raise WaveNotOpen(invitation)
    why = closed_because(invitation, now)
    if why is not None:
        raise InvitationClosed(invitation, why)
    chosen = tuple(c for c in CHANNELS if c in channels)
    _check_reachable(invitation, chosen)
    return chosen


def _check_reachable(invitation: Invitation, channels: tuple[str, ...]) -> None:
    details = contact_book().get(invitation.respondent.pseudonym)
    if "sms" in channels and registry.settings().sms is None:
        raise NoAddress(_("No SMS gateway is set up for this portal; send the link by e-mail."))
    if "sms" in channels and (details is None or not details.phone):
        raise NoAddress(_("%(respondent)s has no phone number on file.",
                          respondent=invitation.respondent.pseudonym))
    if "email" in channels and (details is None or not details.email):
        raise NoAddress(_("%(respondent)s has no e-mail address on file.",
                          respondent=invitation.respondent.pseudonym))


def _sending_time(now: dt.datetime) -> dt.datetime:
    protocol = registry.protocol()
    return next_allowed(now, protocol.quiet_hours, protocol.timezone)
