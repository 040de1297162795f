"""Retention at a glance: a CONSORT-style flow per arm, counted from the invitation records and the
contact attempts staff recorded (the dispatcher's messages are not counted here). Blinded accounts
see one pooled column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.families.models import Family, Invitation, InvitationState, Respondent, Site
from portal.protocol.model import Protocol
from portal.staff.records import StaffAttempt

STAGES = ("invited", "attempted", "started", "completed", "declined", "withdrawn", "lost")
POOLED = "all arms"
UNALLOCATED = "not allocated"


@dataclass(slots=True)
class Flow:
    columns: list[str]
    enrolled: int = 0
    families: Counter[str] = field(default_factory=Counter)
    respondents: Counter[str] = field(default_factory=Counter)
    waves: dict[str, dict[str, Counter[str]]] = field(default_factory=dict)  # wave -> column -> stage -> n
    attempts: dict[str, Counter[str]] = field(default_factory=dict)  # wave -> column -> staff attempts

    def percent(self, column: str, count: int) -> str:
        base = self.respondents[column]
        return f"{100 * count / base:.0f}%" if base else "–"


def stages(invitation: Invitation, now: dt.datetime, attempts: int = 0) -> list[str]:
    found = []
    if invitation.opens_at <= now:
        found.append("invited")
    if attempts:
        found.append("attempted")  # staff tried to reach the respondent at least once
    if invitation.started_at is not None:
        found.append("started")
    if invitation.completed_at is not None:
        found.append("completed")
    if invitation.declined_at is not None:
        found.append("declined")
    if invitation.withdrawn_at is not None:
        found.append("withdrawn")
    if invitation.state(now) == InvitationState.expired:
        found.append("lost")
    return found


def flow(
    session: Session, protocol: Protocol, now: dt.datetime, *, by_arm: bool, sites: list[str]
) -> Flow:
    columns = [*protocol.arm_ids(), UNALLOCATED] if by_arm else [POOLED]
    result = Flow(columns=columns, waves={w.id: {c: Counter() for c in columns} for w in protocol.waves},
                  attempts={w.id: Counter() for w in protocol.waves})
    attempts = _attempt_counts(session, sites)
    for family in session.scalars(select(Family).join(Site).where(Site.code.in_(sites))):
        column = (family.arm.code if family.arm else UNALLOCATED) if by_arm else POOLED
        result.enrolled += 1
        result.families[column] += 1
        for respondent in family.respondents:
            result.respondents[column] += 1
            for invitation in respondent.invitations:
                if invitation.wave in result.waves:
                    tried = attempts.get(invitation.id, 0)
                    result.waves[invitation.wave][column].update(stages(invitation, now, tried))
                    result.attempts[invitation.wave][column] += tried
    return result


def _attempt_counts(session: Session, sites: list[str]) -> dict[int, int]:
    """Staff contact attempts per invitation at these sites."""
    query = (select(StaffAttempt.invitation_id, func.count()).join(Invitation).join(Respondent).join(Family)
             .join(Site).where(Site.code.in_(sites)).group_by(StaffAttempt.invitation_id))
    return {invitation_id: count for invitation_id, count in session.execute(query)}


def as_csv(result: Flow) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["column", "wave", "stage", "count", "percent_of_respondents"])
    for column in result.columns:
        writer.writerow([column, "", "families_allocated", result.families[column], ""])
        writer.writerow([column, "", "respondents", result.respondents[column], ""])
        for wave, by_column in result.waves.items():
            for stage in STAGES:
                count = by_column[column][stage]
                writer.writerow([column, wave, stage, count, result.percent(column, count)])
            writer.writerow([column, wave, "staff_attempts", result.attempts[wave][column], ""])
    return out.getvalue()
