"""Alerts that need a person: PHQ-9 item 9 above 0, bounced messages, requests to stop."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.families.models import Alert, Family, Site
from portal.staff.models import StaffUser

KINDS = {
    "phq9_item9": "PHQ-9 item 9 answered above 0: call the parent today (safety protocol)",
    "bounced": "A message could not be delivered: check the contact details",
    "stop_request": "The parent asked to stop: record a withdrawal",
}


class AlertError(ValueError):
    """An alert that cannot be resolved (already resolved)."""


def open_and_recent(session: Session, sites: list[str]) -> list[tuple[Alert, str]]:
    query = (
        select(Alert, Family.pseudonym).join(Family, Alert.family_id == Family.id).join(Site)
        .where(Site.code.in_(sites))
        .order_by(Alert.resolved_at.is_not(None), Alert.created_at.desc()).limit(500)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def alert_in_sites(session: Session, alert_id: int, sites: list[str]) -> Alert | None:
    alert = session.get(Alert, alert_id)
    family = session.get(Family, alert.family_id) if alert is not None else None
    return alert if family is not None and family.site.code in sites else None


def resolve(session: Session, alert: Alert, user: StaffUser, now: dt.datetime) -> None:
    if alert.resolved_at is not None:
        raise AlertError("This alert was resolved already.")
    alert.resolved_at, alert.resolved_by = now, user.id
    family = session.get(Family, alert.family_id)
    record(session, now=now, actor=user.actor, action="alert_resolved",
           subject=family.pseudonym if family else "", alert=alert.id, kind=alert.kind)
