"""Alerts that need a person: PHQ-9 item 9 above 0, bounced messages, requests to stop.

An alert names the respondent (pseudonym) and the wave; a coordinator sees the name and phone
beside it (an audited read, in the view). Resolving takes a short note of what was done.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.contacts import contact_book
from portal.families.models import Alert, Family, Invitation, Respondent, Site
from portal.staff.i18n import N_, _
from portal.staff.identifying import REFUSAL, names_someone
from portal.staff.models import StaffUser

KINDS = {  # marked for the staff catalogue; shown through `_()` in the reader's language
    "phq9_item9": N_("PHQ-9 item 9 answered above 0: call the parent today (safety protocol)"),
    "bounced": N_("A message could not be delivered: check the contact details"),
    "stop_request": N_("The parent asked to stop: record a withdrawal"),
}
NOTE_LIMIT = 300


class AlertError(ValueError):
    """An alert that cannot be resolved (already resolved, no note); the message is for the coordinator."""


@dataclass(frozen=True, slots=True)
class AlertRow:
    alert: Alert
    family: str  # pseudonym
    respondent: str | None  # pseudonym
    wave: str | None


Listed = Select[Alert, str, str, str]  # respondent and wave are None where the alert names none


def _rows(session: Session, query: Listed) -> list[AlertRow]:
    return [AlertRow(*row) for row in session.execute(query)]


def _listed() -> Listed:
    return (
        select(Alert, Family.pseudonym, Respondent.pseudonym, Invitation.wave)
        .join(Family, Alert.family_id == Family.id).join(Site)
        .outerjoin(Respondent, Alert.respondent_id == Respondent.id)
        .outerjoin(Invitation, Alert.invitation_id == Invitation.id)
    )


def open_and_recent(session: Session, sites: list[str]) -> list[AlertRow]:
    query = (_listed().where(Site.code.in_(sites))
             .order_by(Alert.resolved_at.is_not(None), Alert.created_at.desc()).limit(500))
    return _rows(session, query)


def open_for_family(session: Session, family: Family) -> list[AlertRow]:
    query = _listed().where(Alert.family_id == family.id, Alert.resolved_at.is_(None))
    return _rows(session, query.order_by(Alert.created_at.desc()))


def open_alert_count(session: Session, sites: Collection[str]) -> int:
    """Open alerts at these sites: the number in every staff page's menu."""
    query = (select(func.count()).select_from(Alert).join(Family, Alert.family_id == Family.id).join(Site)
             .where(Site.code.in_(list(sites)), Alert.resolved_at.is_(None)))
    return session.scalar(query) or 0


def open_alerts_by_respondent(session: Session, respondent_ids: Collection[int]) -> Counter[int]:
    """Open alerts per respondent id, to mark rows of a list (the call list, the family page)."""
    query = (select(Alert.respondent_id, func.count())
             .where(Alert.respondent_id.in_(list(respondent_ids)), Alert.resolved_at.is_(None))
             .group_by(Alert.respondent_id))
    return Counter({respondent_id: count for respondent_id, count in session.execute(query) if respondent_id})


def alert_in_sites(session: Session, alert_id: int, sites: list[str]) -> Alert | None:
    alert = session.get(Alert, alert_id)
    family = session.get(Family, alert.family_id) if alert is not None else None
    return alert if family is not None and family.site.code in sites else None


def resolve(session: Session, alert: Alert, user: StaffUser, now: dt.datetime, note: str) -> None:
    """Mark the alert resolved with what was done; the note itself stays out of the audit trail."""
    note = " ".join(note.split())
    if alert.resolved_at is not None:
        raise AlertError(_("This alert was resolved already."))
    if not note:
        raise AlertError(_("Write briefly what was done before marking the alert resolved."))
    if len(note) > NOTE_LIMIT:
        raise AlertError(_("The note holds at most %(limit)s characters.", limit=NOTE_LIMIT))
    respondent = session.get(Respondent, alert.respondent_id) if alert.respondent_id else None
    if respondent is not None and names_someone(note, contact_book().get(respondent.pseudonym)):
        raise AlertError(_(REFUSAL))
    alert.resolved_at, alert.resolved_by, alert.resolution_note = now, user.id, note
    family = session.get(Family, alert.family_id)
    record(session, now=now, actor=user.actor, action="alert_resolved",
           subject=family.pseudonym if family else "", alert=alert.id, kind=alert.kind)
