"""Re-planning schedules after the protocol file changed: preview, then apply, audited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portal import registry
from portal.audit import record
from portal.families import replan
from portal.families.enrolment import AgeRule
from portal.families.models import Family, FamilyStatus, Invitation, Respondent
from portal.messaging.planning import plan_invitations, replan_would_change


def age_rule() -> AgeRule:
    catalogue = registry.catalogue()
    return lambda instrument, birth, on: bool(catalogue[instrument].applies_to_age(birth, on))


def preview(session: Session, now: dt.datetime) -> list[replan.RespondentChanges]:
    return replan.plan_all(session, registry.protocol(), age_rule(), now)


def apply_all(session: Session, *, actor: str, now: dt.datetime) -> list[replan.RespondentChanges]:
    found = preview(session, now)
    key = registry.settings().link_key
    for item in found:
        respondent = session.scalars(select(Respondent).filter_by(pseudonym=item.respondent)).one()
        replan.apply(session, respondent, item.changes, key)
        session.flush()
        # Messages follow the new windows in the same transaction: added waves get theirs,
        # moved ones are re-timed, and nothing already sent is touched.
        plan_invitations(session, registry.protocol(), respondent.invitations, now)
        record(session, now=now, actor=actor, action="schedule_replanned", subject=item.respondent,
               changes={c.wave: c.kind for c in item.changes})
    retimed = reminders_to_move(session, now)
    plan_invitations(session, registry.protocol(), retimed, now)
    if retimed:
        record(session, now=now, actor=actor, action="reminders_replanned", invitations=len(retimed))
    return found


def reminders_to_move(session: Session, now: dt.datetime) -> list[Invitation]:
    """Invitations still ahead whose queued messages no longer match the protocol (its reminder
    days changed, say) even where no window moved."""
    protocol = registry.protocol()
    ahead = session.scalars(
        select(Invitation).join(Respondent).join(Family)
        .where(Family.status == FamilyStatus.active, Invitation.completed_at.is_(None),
               Invitation.withdrawn_at.is_(None), Invitation.closes_at > now)
        .options(joinedload(Invitation.respondent)).order_by(Invitation.id)
    )
    return [i for i in ahead if replan_would_change(session, protocol, i, now)]
