"""What has happened to each row of the call list: messages sent and how the last one fared, open alerts.

Read for the rows shown only (a page, or the whole sheet), a few queries in all, never one per row.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.families.models import Alert, Family, Respondent
from portal.messaging.models import ContactAttempt, MessageStatus, OutboxMessage
from portal.staff.calls import CallRow, LastMessage

SENT = (MessageStatus.sent, MessageStatus.bounced, MessageStatus.failed)
DELIVERY = {
    MessageStatus.bounced: "not delivered",
    MessageStatus.failed: "could not be sent",
    MessageStatus.sent: "sent, no delivery receipt yet",
}
T = TypeVar("T")
KIND_WORDS = {"invitation": "Invitation", "reminder": "Reminder", "last_reminder": "Last-day reminder"}


def add_facts(session: Session, rows: Sequence[CallRow], zone: ZoneInfo) -> None:
    """Messages and open alerts for each row, in place."""
    _add_messages(session, rows, zone)
    _add_alerts(session, rows)


def _chunks(values: list[T], size: int = 1000) -> Iterator[list[T]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _add_messages(session: Session, rows: Sequence[CallRow], zone: ZoneInfo) -> None:
    by_invitation = {row.invitation_id: row for row in rows}
    latest: dict[int, OutboxMessage] = {}
    for ids in _chunks(sorted(by_invitation)):
        messages = session.scalars(
            select(OutboxMessage).where(OutboxMessage.invitation_id.in_(ids), OutboxMessage.status.in_(SENT))
            .order_by(OutboxMessage.invitation_id, func.coalesce(OutboxMessage.sent_at, OutboxMessage.due_at))
        )
        for message in messages:
            row = by_invitation[message.invitation_id]
            row.messages_sent += message.sent_at is not None
            latest[message.invitation_id] = message
    delivered = _delivered(session, [m.id for m in latest.values() if m.status == MessageStatus.sent])
    for invitation_id, message in latest.items():
        words = "delivered" if message.id in delivered else DELIVERY[MessageStatus(message.status)]
        at = message.sent_at or message.next_attempt_at
        by_invitation[invitation_id].last_message = LastMessage(
            kind=KIND_WORDS.get(message.kind, message.kind), at=at.astimezone(zone), delivery=words)


def _delivered(session: Session, message_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for ids in _chunks(sorted(message_ids)):
        found.update(session.scalars(select(ContactAttempt.message_id).where(
            ContactAttempt.message_id.in_(ids), ContactAttempt.outcome == "delivered")))
    return found


def _add_alerts(session: Session, rows: Sequence[CallRow]) -> None:
    """An alert counts on the row of the respondent it names, or on every row of its family when it
    names none (alerts raised before they named a respondent)."""
    families = sorted({row.family for row in rows})
    per_respondent: Counter[str] = Counter()
    per_family: Counter[str] = Counter()
    for chunk in _chunks(families):
        found = session.execute(
            select(Family.pseudonym, Respondent.pseudonym).select_from(Alert)
            .join(Family, Alert.family_id == Family.id)
            .outerjoin(Respondent, Alert.respondent_id == Respondent.id)
            .where(Alert.resolved_at.is_(None), Family.pseudonym.in_(chunk))
        )
        for family, respondent in found:
            if respondent is None:
                per_family[family] += 1
            else:
                per_respondent[respondent] += 1
    for row in rows:
        row.open_alerts = per_respondent[row.respondent] + per_family[row.family]
