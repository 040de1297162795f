"""Following the waves: counts per site and state (the families behind them are on the call list)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.families.models import Arm, Family, FamilyStatus, Invitation, InvitationState, Respondent, Site
from portal.staff.i18n import N_

BUCKETS = ("due_this_week", "open", "started", "overdue", "completed", "expired")
# the call list's state filter that shows the families behind a count (the "" is the whole list)
ON_CALL_LIST = {"due_this_week": "", "open": "not_started", "started": "started", "overdue": "overdue"}
LABELS = {  # shown through the staff catalogue (marked here, translated on the page)
    "due_this_week": N_("Due this week"), "open": N_("Open"), "started": N_("Started"),
    "overdue": N_("Overdue"), "completed": N_("Completed"), "expired": N_("Expired"),
}


@dataclass(frozen=True, slots=True)
class Filters:
    wave: str | None = None
    arm: str | None = None  # only ever set for accounts that may see arm


@dataclass(slots=True)
class SiteRow:
    site: str
    counts: Counter[str] = field(default_factory=Counter)


def buckets(invitation: Invitation, now: dt.datetime, zone: ZoneInfo) -> list[str]:
    """The dashboard columns an invitation counts in (overdue ones are also open or started)."""
    state = invitation.state(now)
    today = now.astimezone(zone).date()
    found = []
    if state in (InvitationState.scheduled, InvitationState.open, InvitationState.started) and (
        today <= invitation.due_date < today + dt.timedelta(days=7)
    ):
        found.append("due_this_week")
    if state in (InvitationState.open, InvitationState.started):
        found.append(state.value)
        if invitation.due_date < today:
            found.append("overdue")
    if state in (InvitationState.completed, InvitationState.expired):
        found.append(state.value)
    return found


def _invitations(session: Session, sites: list[str], filters: Filters) -> list[tuple[Invitation, str]]:
    query = (
        select(Invitation, Site.code).join(Respondent).join(Family).join(Site)
        .where(Site.code.in_(sites), Family.status != FamilyStatus.erased)
    )
    if filters.wave:
        query = query.where(Invitation.wave == filters.wave)
    if filters.arm:
        query = query.join(Arm, Family.arm_id == Arm.id).where(Arm.code == filters.arm)
    return [(row[0], row[1]) for row in session.execute(query)]


def site_rows(
    session: Session, sites: list[str], filters: Filters, now: dt.datetime, zone: ZoneInfo
) -> list[SiteRow]:
    rows = {site: SiteRow(site) for site in sites}
    for invitation, site in _invitations(session, sites, filters):
        rows[site].counts.update(buckets(invitation, now, zone))
    return list(rows.values())
