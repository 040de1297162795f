"""Re-planning schedules after the protocol file changed.

Only invitations that have not begun are touched: the window has not opened
yet and nobody has started answering. Anything already open stays as it was
planned when it opened, so a parent never sees a window move under them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.families.enrolment import AgeRule, set_link_hashes
from portal.families.models import Family, FamilyStatus, Invitation, Respondent
from portal.protocol.model import Protocol
from portal.protocol.replan import Change, WavePlan, compare
from portal.protocol.schedule import plan_waves


@dataclass(frozen=True, slots=True)
class RespondentChanges:
    family: str
    respondent: str
    changes: list[Change]


def _movable(invitation: Invitation, now: dt.datetime) -> bool:
    return invitation.opens_at > now and invitation.started_at is None and invitation.withdrawn_at is None


def _held(invitation: Invitation) -> WavePlan:
    return WavePlan(invitation.wave, invitation.due_date, invitation.opens_at, invitation.closes_at,
                    tuple(invitation.instruments))


def _wanted(protocol: Protocol, respondent: Respondent, applies: AgeRule, now: dt.datetime) -> list[WavePlan]:
    family = respondent.family
    birth = family.child.birth_month if family.child else None
    plans = []
    for planned in plan_waves(protocol, family.baseline_date):
        wave = protocol.wave(planned.wave_id)
        assert wave is not None
        instruments = tuple(
            i for i in wave.instruments_for(respondent.role)
            if birth is None or applies(i, birth, planned.due_date)
        )
        if planned.opens_at > now:
            plans.append(WavePlan(planned.wave_id, planned.due_date, planned.opens_at, planned.closes_at,
                                  instruments))
    return plans


def changes_for(
    protocol: Protocol, respondent: Respondent, applies: AgeRule, now: dt.datetime
) -> list[Change]:
    held = {i.wave: i for i in respondent.invitations}
    old = [_held(i) for i in respondent.invitations if _movable(i, now)]
    # a future wave already begun (or withdrawn) is never re-planned, nor planned twice
    wanted = _wanted(protocol, respondent, applies, now)
    new = [p for p in wanted if p.wave not in held or _movable(held[p.wave], now)]
    return compare(old, new)


def plan_all(
    session: Session, protocol: Protocol, applies: AgeRule, now: dt.datetime
) -> list[RespondentChanges]:
    query = (
        select(Respondent).join(Family).where(Family.status == FamilyStatus.active).order_by(Respondent.id)
    )
    found = []
    for respondent in session.scalars(query):
        changes = changes_for(protocol, respondent, applies, now)
        if changes:
            found.append(RespondentChanges(respondent.family.pseudonym, respondent.pseudonym, changes))
    return found


def apply(session: Session, respondent: Respondent, changes: list[Change], link_key: bytes) -> None:
    held = {i.wave: i for i in respondent.invitations}
    added = []
    for change in changes:
        if change.kind == "removed":
            session.delete(held[change.wave])
        elif change.after is not None and change.kind == "changed":
            _update(held[change.wave], change.after)
        elif change.after is not None:
            invitation = Invitation(wave=change.wave, instruments=[])
            _update(invitation, change.after)
            respondent.invitations.append(invitation)
            added.append(invitation)
    session.flush()
    for invitation in added:
        set_link_hashes(link_key, invitation)


def _update(invitation: Invitation, plan: WavePlan) -> None:
    invitation.due_date = plan.due_date
    invitation.opens_at, invitation.closes_at = plan.opens_at, plan.closes_at
    invitation.instruments = list(plan.instruments)
