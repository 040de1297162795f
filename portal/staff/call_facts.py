"""What has happened to each row of the call list: messages sent, how the last one fared and when the
next one goes, the last contact attempt by staff, open alerts.

Read for the rows shown only (a page, or the whole sheet), a few queries in all, never one per row.
Attempts, resends and alerts come from their own services: attempts.last_attempts,
resend.queued_resends and alerts.open_alerts_by_respondent.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.messaging.models import ContactAttempt, MessageStatus, OutboxMessage
from portal.staff.alerts import open_alerts_by_respondent
from portal.staff.attempts import last_attempts
from portal.staff.calls import CallRow, LastMessage
from portal.staff.i18n import N_, _
from portal.staff.resend import queued_resends

SHOWN = (MessageStatus.sent, MessageStatus.bounced, MessageStatus.failed, MessageStatus.pending)
# marked for the staff catalogue, shown in the account's language (English on the command line)
DELIVERY = {
    MessageStatus.bounced: N_("not delivered"),
    MessageStatus.failed: N_("could not be sent"),
    MessageStatus.sent: N_("sent, no delivery receipt"),
    MessageStatus.pending: N_("planned"),
}
KIND_WORDS = {
    "invitation": N_("Invitation"), "reminder": N_("Reminder"), "last_reminder": N_("Last-day reminder"),
    "resend": N_("Link sent again"),
}
T = TypeVar("T")


def add_facts(session: Session, rows: Sequence[CallRow], zone: ZoneInfo) -> None:
    """Messages, a link waiting to go again, the last attempt and open alerts for each row, in place."""
    _add_messages(session, rows, zone)
    by_invitation = {row.invitation_id: row for row in rows}
    for ids in _chunks(sorted(by_invitation)):
        for invitation_id, attempt in last_attempts(session, ids).items():
            by_invitation[invitation_id].last_attempt = attempt
        for invitation_id, waiting in queued_resends(session, ids).items():
            by_invitation[invitation_id].resend_goes_at = waiting[0].next_attempt_at.astimezone(zone)
    alerts = open_alerts_by_respondent(session, {row.respondent_id for row in rows})
    for row in rows:
        row.open_alerts = alerts[row.respondent_id]


def _chunks(values: list[T], size: int = 1000) -> Iterator[list[T]]:
    """A long IN list in parts: SQLite limits the parameters of one statement."""
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _add_messages(session: Session, rows: Sequence[CallRow], zone: ZoneInfo) -> None:
    by_invitation = {row.invitation_id: row for row in rows}
    latest: dict[int, OutboxMessage] = {}
    for ids in _chunks(sorted(by_invitation)):
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.invitation_id.in_(ids), OutboxMessage.status.in_(SHOWN))
            .order_by(OutboxMessage.invitation_id, func.coalesce(OutboxMessage.sent_at, OutboxMessage.due_at))
        )
        for message in messages:
            row = by_invitation[message.invitation_id]
            if message.status == MessageStatus.pending:
                row.next_message = row.next_message or _described(message, N_("planned"), zone)
                continue
            row.messages_sent += message.sent_at is not None
            latest[message.invitation_id] = message
    delivered = _delivered(session, [m.id for m in latest.values() if m.status == MessageStatus.sent])
    for invitation_id, message in latest.items():
        words = N_("delivered") if message.id in delivered else DELIVERY[MessageStatus(message.status)]
        by_invitation[invitation_id].last_message = _described(message, words, zone)


def _described(message: OutboxMessage, delivery: str, zone: ZoneInfo) -> LastMessage:
    at = message.sent_at or message.next_attempt_at
    kind = _(KIND_WORDS[message.kind]) if message.kind in KIND_WORDS else message.kind
    return LastMessage(kind=kind, at=at.astimezone(zone), delivery=_(delivery))


def _delivered(session: Session, message_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for ids in _chunks(sorted(message_ids)):
        found.update(session.scalars(select(ContactAttempt.message_id).where(
            ContactAttempt.message_id.in_(ids), ContactAttempt.outcome == "delivered")))
    return found
