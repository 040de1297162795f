"""The contact log, summed per invitation, read by table name.

The messaging package reaches the keystore, so this package never imports
it: it reads the `contact_attempt` table with SQLAlchemy Core, and only if
the table exists. Only counts, channels and times are read, never an address.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence

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

AttemptReader = Callable[[Sequence[int]], Mapping[int, Attempts]]


def attempt_reader(session: Session) -> AttemptReader | None:
    """A reader of the contact log, or None where this database has none."""
    if not inspect(session.get_bind()).has_table("contact_attempt"):
        return None
    return lambda ids: read_attempts(session, ids)


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
