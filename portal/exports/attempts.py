"""The contact log and staff contact attempts, summed per invitation, read by table name.

The messaging and staff packages reach the keystore, so this package never imports
them: it reads the `contact_attempt` and `staff_attempt` tables with SQLAlchemy Core,
and only if they exist. Only counts, channels, outcomes and times are read, never an
address and never a staff note.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from sqlalchemy import String, column, inspect, select, table
from sqlalchemy.orm import Session

from portal.db import UTCDateTime
from portal.exports.source import Attempts

# Receipts from the SMS gateway are logged beside the attempts; they are not attempts.
RECEIPTS = ("delivered", "undelivered")
CONTACT_ATTEMPT = table(
    "contact_attempt",
    column("invitation_id"), column("at", UTCDateTime()), column("channel", String()),
    column("outcome", String()), column("id"),
)

STAFF_ATTEMPT = table(
    "staff_attempt", column("invitation_id"), column("at", UTCDateTime()), column("outcome", String()),
    column("id"),
)

AttemptReader = Callable[[Sequence[int]], Mapping[int, Attempts]]


def attempt_reader(session: Session) -> AttemptReader | None:
    """A reader of the contact log, or None where this database has none."""
    tables = inspect(session.get_bind())
    if not tables.has_table("contact_attempt"):
        return None
    if not tables.has_table("staff_attempt"):
        return lambda ids: read_attempts(session, ids)
    return lambda ids: with_staff_attempts(session, ids, read_attempts(session, ids))


def with_staff_attempts(
    session: Session, invitation_ids: Sequence[int], logged: dict[int, Attempts]
) -> dict[int, Attempts]:
    """Add each invitation's staff attempts: how many, and the latest outcome."""
    log = STAFF_ATTEMPT.c
    rows = session.execute(select(log.invitation_id, log.outcome).where(log.invitation_id.in_(invitation_ids))
                           .order_by(log.invitation_id, log.at, log.id))
    grouped: dict[int, list[str]] = defaultdict(list)
    for invitation_id, outcome in rows:
        grouped[invitation_id].append(outcome)
    for key, outcomes in grouped.items():
        summed = logged.get(key, Attempts())
        logged[key] = replace(summed, by_staff=len(outcomes), last_staff_outcome=outcomes[-1])
    return logged


def read_attempts(session: Session, invitation_ids: Sequence[int]) -> dict[int, Attempts]:
    log = CONTACT_ATTEMPT.c
    rows = session.execute(
        select(log.invitation_id, log.at, log.channel)
        .where(log.invitation_id.in_(invitation_ids), log.outcome.not_in(RECEIPTS))
        .order_by(log.invitation_id, log.at, log.id)
    )
    grouped: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for invitation_id, at, channel in rows:
        grouped[invitation_id].append((at, channel))
    return {key: _summed(found) for key, found in grouped.items()}


def _summed(found: list[tuple[dt.datetime, str]]) -> Attempts:
    """Count, channels used, and the first attempt (rows come oldest first)."""
    return Attempts(count=len(found), channels=tuple(sorted({c for _, c in found})), first_at=found[0][0])
