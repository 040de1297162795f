"""Raising an alert: the alert itself and, for a safety alert, a message to the on-call address in the
same transaction. A message that could not be delivered is the coordinator's daily work (the alert
list and the menu's count show it); it wakes nobody.

The message says only that an alert needs attention and where to sign in (see texts.ON_CALL):
the outbox row carries the alert's invitation for the dispatcher's bookkeeping, never a text.
Core statements on the caller's connection (a parent's page save passes its session's), so the
parent's answer path and the dispatcher raise alerts the same way.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, insert

from portal.families.models import Alert
from portal.messaging.models import MessageKind, OutboxMessage


def raise_alert(
    connection: Connection, *, family_id: int, respondent_id: int, invitation_id: int, kind: str,
    detail: str, now: dt.datetime, tell_on_call: bool,
) -> int:
    """Store the alert and, if asked, queue the on-call message; returns the alert's id."""
    alert_id: int = connection.execute(insert(Alert).values(
        family_id=family_id, respondent_id=respondent_id, invitation_id=invitation_id, kind=kind,
        detail=detail[:200], created_at=now,
    ).returning(Alert.id)).scalar_one()
    if not tell_on_call:
        return alert_id
    connection.execute(insert(OutboxMessage).values(
        invitation_id=invitation_id, kind=MessageKind.alert, channel="email",
        idempotency_key=f"alert{alert_id}-on-call", due_at=now, next_attempt_at=now, created_at=now,
    ))
    return alert_id
