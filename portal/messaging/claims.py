"""Claiming due messages so that several dispatchers never send one message twice.

PostgreSQL: the candidates are locked with FOR UPDATE SKIP LOCKED inside one
UPDATE, so concurrent dispatchers take disjoint batches without waiting on
each other. SQLite has one writer at a time, so the same conditional UPDATE
is atomic there (SQLAlchemy leaves out FOR UPDATE on SQLite). A claim is a
lease: if its dispatcher dies, the messages are due again once it expires.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, or_, select, update
from sqlalchemy.orm import Session

from portal.messaging.models import MessageStatus, OutboxMessage

LEASE = dt.timedelta(minutes=5)


def worker_id() -> str:
    """Unique per run, readable in the outbox: which machine and process holds a claim."""
    return f"{socket.gethostname()[:20]}:{os.getpid()}:{secrets.token_hex(4)}"


def _claimable(now: dt.datetime) -> Any:
    return or_(
        and_(OutboxMessage.status == MessageStatus.pending, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == MessageStatus.sending, OutboxMessage.lease_until < now),
    )


def claim(session: Session, *, now: dt.datetime, worker: str, batch: int, lease: dt.timedelta = LEASE
          ) -> list[int]:
    """Take up to `batch` due messages for `worker` and commit the claim; returns their ids."""
    candidates = (
        select(OutboxMessage.id).where(_claimable(now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(batch)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates), _claimable(now))
        .values(status=MessageStatus.sending, claimed_by=worker, lease_until=now + lease)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(session.execute(statement).scalars())
    session.commit()
    return ids


def conclude(session: Session, message_id: int, worker: str, **values: Any) -> bool:
    """Record how a claimed message ended, only if this worker still holds it.

    False means the lease ran out and another dispatcher took the message over.
    """
    values.setdefault("lease_until", None)
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == worker,
               OutboxMessage.status == MessageStatus.sending)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]


# The hot path, built once: a sent message costs this one statement (plus its attempt row) and a commit.
_outbox = cast(Table, OutboxMessage.__table__)
_MARK_SENT = (
    update(_outbox)
    .where(_outbox.c.id == bindparam("message_id"), _outbox.c.claimed_by == bindparam("worker"),
           _outbox.c.status == MessageStatus.sending.value)
    .values(status=MessageStatus.sent.value, sent_at=bindparam("at"), attempts=_outbox.c.attempts + 1,
            lease_until=None, last_error="")
)


def mark_sent(session: Session, message_id: int, worker: str, at: dt.datetime) -> bool:
    """`conclude` for the common case, without building a statement per message."""
    result = session.connection().execute(_MARK_SENT, {"message_id": message_id, "worker": worker, "at": at})
    return bool(result.rowcount)
