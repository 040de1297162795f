"""What lies ahead: for each parent of a family the next message the outbox will send them, for a
site the places left in its allocation sequence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.families.models import Family, Invitation
from portal.messaging.models import MessageStatus, OutboxMessage
from portal.staff.sequence import places_left


@dataclass(frozen=True, slots=True)
class NextMessage:
    wave: str
    kind: str
    due_at: dt.datetime


def next_messages(session: Session, family: Family) -> dict[str, NextMessage]:
    """Respondent pseudonym -> their next queued message; a parent with none is left out."""
    ids = {r.id: r.pseudonym for r in family.respondents}
    rows = session.execute(
        select(Invitation.respondent_id, Invitation.wave, OutboxMessage.kind, OutboxMessage.due_at)
        .join(OutboxMessage, OutboxMessage.invitation_id == Invitation.id)
        .where(Invitation.respondent_id.in_(ids), OutboxMessage.status == MessageStatus.pending)
        .order_by(OutboxMessage.due_at)
    )
    found: dict[str, NextMessage] = {}
    for respondent_id, wave, kind, due_at in rows:
        found.setdefault(ids[respondent_id], NextMessage(wave, kind, due_at))
    return found


def site_places(session: Session, site_code: str) -> int:
    """Unused places in the site's allocation sequence, over its strata (0 where none was created)."""
    return sum(n for stratum, n in places_left(session).items() if stratum.split("|")[0] == site_code)
