"""The outbox and the contact log: ids, kinds, times and outcomes; never an address or a name."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base
from portal.families.models import Invitation


class MessageKind(enum.StrEnum):
    invitation = "invitation"  # the wave is open
    reminder = "reminder"  # on one of the protocol's reminder days
    last_reminder = "last_reminder"  # the last day of the window
    resend = "resend"  # a coordinator sent the link again
    alert = "alert"  # to the study's on-call address: an alert needs attention (names nobody)


PLANNED_KINDS = (MessageKind.invitation, MessageKind.reminder, MessageKind.last_reminder)


class MessageStatus(enum.StrEnum):
    pending = "pending"  # waiting for next_attempt_at
    sending = "sending"  # claimed by a dispatcher until lease_until
    sent = "sent"  # a transport accepted it
    failed = "failed"  # retries used up or refused for good; see last_error
    bounced = "bounced"  # accepted, then reported undeliverable by the gateway
    cancelled = "cancelled"  # no longer wanted (withdrawn, completed, closed, re-planned)


class OutboxMessage(Base):
    """One planned message to one respondent about one invitation."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'bounced', 'cancelled')", name="status_known"
        ),
        CheckConstraint(
            "kind IN ('invitation', 'reminder', 'last_reminder', 'resend', 'alert')", name="kind_known"
        ),
        CheckConstraint("channel IS NULL OR channel IN ('sms', 'email')", name="channel_known"),
        CheckConstraint("(status = 'sending') = (lease_until IS NOT NULL)", name="lease_while_sending"),
        CheckConstraint("(status IN ('sent', 'bounced')) = (sent_at IS NOT NULL)", name="sent_with_time"),
        Index("ix_outbox_message_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # an invitation removed by re-planning takes its unsent messages along; sent ones (with
    # contact attempts) block the delete, so history is never lost
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    sequence: Mapped[int] = mapped_column(default=0)  # which reminder (1, 2, ...); 0 otherwise
    channel: Mapped[str | None] = mapped_column(String(8))  # None: SMS where possible, else e-mail
    # the same key for every attempt: transports pass it on, so a provider can drop a repeat
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    due_at: Mapped[dt.datetime]  # the planned moment, already outside quiet hours
    next_attempt_at: Mapped[dt.datetime]
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime]
    sent_at: Mapped[dt.datetime | None]
    last_error: Mapped[str] = mapped_column(String(200), default="")
    invitation: Mapped[Invitation] = relationship()


class ContactAttempt(Base):
    """Every attempt to reach a respondent, for the retention figures and the family page."""

    __tablename__ = "contact_attempt"
    __table_args__ = (
        CheckConstraint("channel IN ('sms', 'email', 'none')", name="channel_known"),
        CheckConstraint(
            "outcome IN ('accepted', 'retry', 'failed', 'delivered', 'undelivered')", name="outcome_known"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id"), index=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id"), index=True)
    at: Mapped[dt.datetime]
    channel: Mapped[str] = mapped_column(String(8))
    outcome: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str | None] = mapped_column(String(128), index=True)
    detail: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[OutboxMessage] = relationship()


class SmsReceiptSeen(Base):
    """A delivery receipt already taken (its body's SHA-256), kept while its timestamp is fresh enough
    to be taken: the same signed receipt sent again is refused."""

    __tablename__ = "sms_receipt_seen"
    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
