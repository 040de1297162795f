"""Reading the export's rows from the main store, a few hundred respondents at a time.

Plain column selects (no ORM objects) keep memory flat; erased families are
left out (their answers are gone), and only completed responses are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.exports.source import Answered, Attempts, Person, Visit
from portal.exports.spec import MIXED, ExportError
from portal.families.models import (
    Arm,
    Child,
    Family,
    FamilyStatus,
    Invitation,
    Respondent,
    Response,
    Site,
)

CHUNK = 500


def load_people(
    session: Session, *, arm_labels: Mapping[str, str] | None = None,
    attempts: Any = None, chunk: int = CHUNK,
) -> Iterator[Person]:
    """Respondents in pseudonym order with their invitations and completed responses.

    `arm_labels` (true arm -> A/B) blinds the arm before it leaves this function.
    `attempts`, if given, maps a list of invitation ids to their Attempts.
    """
    heads = session.execute(
        select(Respondent.id, Respondent.pseudonym, Respondent.role, Family.pseudonym.label("family"),
               Site.code.label("site"), Arm.code.label("arm"), Family.baseline_date, Child.birth_month)
        .join(Family, Respondent.family_id == Family.id)
        .outerjoin(Child, Child.family_id == Family.id)
        .join(Site, Family.site_id == Site.id)
        .outerjoin(Arm, Family.arm_id == Arm.id)
        .where(Family.status != FamilyStatus.erased)
        .order_by(Family.pseudonym, Respondent.pseudonym)
    ).all()
    for start in range(0, len(heads), chunk):
        batch = heads[start:start + chunk]
        visits = _visits(session, [head.id for head in batch], attempts)
        for head in batch:
            yield Person(
                family=head.family, respondent=head.pseudonym, role=head.role, site=head.site,
                arm=_arm(head.arm, arm_labels), baseline=head.baseline_date,
                visits=tuple(visits.get(head.id, ())), child_birth_month=head.birth_month,
            )


def _arm(code: str | None, labels: Mapping[str, str] | None) -> str:
    if code is None:
        return ""
    if labels is None:
        return code
    if code not in labels:
        raise ExportError("an arm has no blinding label; run the export again to assign one")
    return labels[code]


def _visits(session: Session, respondent_ids: Sequence[int], attempts: Any) -> dict[int, list[Visit]]:
    invitations = session.execute(
        select(Invitation.id, Invitation.respondent_id, Invitation.wave, Invitation.instruments,
               Invitation.due_date, Invitation.opens_at, Invitation.closes_at, Invitation.started_at,
               Invitation.completed_at, Invitation.withdrawn_at)
        .where(Invitation.respondent_id.in_(respondent_ids))
        .order_by(Invitation.respondent_id, Invitation.opens_at)
    ).all()
    ids = [row.id for row in invitations]
    answered = _responses(session, ids)
    logged: Mapping[int, Attempts] = attempts(ids) if attempts is not None else {}
    visits: dict[int, list[Visit]] = defaultdict(list)
    for row in invitations:
        visits[row.respondent_id].append(Visit(
            wave=row.wave, instruments=tuple(row.instruments), due_date=row.due_date,
            opens_at=row.opens_at, closes_at=row.closes_at, started_at=row.started_at,
            completed_at=row.completed_at, withdrawn_at=row.withdrawn_at,
            responses=tuple(answered.get(row.id, ())),
            attempts=logged.get(row.id, Attempts()) if attempts is not None else None,
        ))
    return visits


def _responses(session: Session, invitation_ids: Sequence[int]) -> dict[int, list[Answered]]:
    rows = session.execute(
        select(Response.invitation_id, Response.instrument_id, Response.instrument_version,
               Response.language, Response.mode, Response.answers, Response.pack_version,
               Response.pack_mixed)
        .where(Response.invitation_id.in_(invitation_ids), Response.status == "completed")
        .order_by(Response.id)
    )
    answered: dict[int, list[Answered]] = defaultdict(list)
    for row in rows:
        answered[row.invitation_id].append(
            Answered(row.instrument_id, row.instrument_version, row.language, row.mode, row.answers or {},
                     MIXED if row.pack_mixed else row.pack_version or "")
        )
    return answered
