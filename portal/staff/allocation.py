"""Allocation: recorded from the trial's own service, or drawn from the concealed sequence.

An allocation is made once, after consent, and never edited: a correction is a
new record (and an audit entry) beside the first one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.families.models import Arm, Family, FamilyStatus, Site
from portal.measures.model import age_in_months
from portal.protocol import allocation as pure
from portal.protocol.model import Protocol
from portal.staff.i18n import N_, _
from portal.staff.records import AllocationRecord, AllocationSlot
from portal.staff.sequence import AllocationError, Seal

__all__ = ["AllocationError", "allocate", "correct", "history", "record_decided", "site_balance"]


def allocate(
    session: Session, family: Family, *, protocol: Protocol, key: bytes | None, actor: str, now: dt.datetime,
    audit: bool = True,
) -> str:
    """Give the family the next unused place in its stratum's sealed sequence; audited with the place."""
    _check_allocatable(family)
    seal = Seal(key)
    stratum = _stratum(protocol, family)
    slot = session.scalars(
        select(AllocationSlot)
        .where(AllocationSlot.stratum == stratum, AllocationSlot.family_id.is_(None))
        .order_by(AllocationSlot.position).limit(1).with_for_update(skip_locked=True)
    ).first()
    if slot is None:
        raise AllocationError(_(
            "No allocation sequence is left for %(site)s. The data manager must create one; until then "
            "the family stays enrolled without an arm.", site=family.site.name))
    arm = seal.open(slot).arm
    slot.family_id, slot.used_at = family.id, now
    _set_arm(session, family, arm, "portal", actor=actor, now=now, audit=False)
    # every allocation has its own entry, also inside enrolment (`audit` only spares a second one)
    record(session, now=now, actor=actor, action="allocation_portal", subject=family.pseudonym, arm=arm,
           stratum=stratum, position=slot.position, **({} if audit else {"during": "enrolment"}))
    return arm


def _stratum(protocol: Protocol, family: Family) -> str:
    months = age_in_months(family.child.birth_month, family.baseline_date) if family.child else None
    try:
        return pure.stratum_of(protocol, family.site.code, months)
    except pure.AllocationSequenceError as problem:
        raise AllocationError(_(str(problem))) from None


def record_decided(
    session: Session, family: Family, arm: str, *, actor: str, now: dt.datetime, audit: bool = True
) -> None:
    """The trial's own randomisation service decided: write it down, once."""
    _check_allocatable(family)
    _set_arm(session, family, arm, "recorded", actor=actor, now=now, audit=audit)


def correct(
    session: Session, family: Family, arm: str, *, reason: str, actor: str, now: dt.datetime
) -> None:
    if family.arm is None:
        raise AllocationError(_("This family has no allocation to correct."))
    if not reason.strip():
        raise AllocationError(_("A correction needs a reason."))
    _set_arm(session, family, arm, "correction", actor=actor, now=now, reason=reason.strip())


def history(session: Session, family: Family) -> list[AllocationRecord]:
    return list(session.scalars(
        select(AllocationRecord).filter_by(family_id=family.id).order_by(AllocationRecord.id)
    ))


def site_balance(session: Session) -> dict[str, dict[str, int]]:
    """Allocated families per site and arm (for the data manager; never upcoming places)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = session.execute(
        select(Site.code, Arm.code).join(Family, Family.site_id == Site.id).join(Arm, Family.arm_id == Arm.id)
        .join(AllocationSlot, AllocationSlot.family_id == Family.id)
    )
    for site, arm in rows:
        counts[site][arm] += 1
    return {site: dict(arms) for site, arms in counts.items()}


def _check_allocatable(family: Family) -> None:
    if family.arm_id is not None:
        raise AllocationError(_("This family is already allocated; an allocation is never changed."))
    if family.status != FamilyStatus.active:
        raise AllocationError(_("This family has withdrawn; it is not allocated."))
    if not family.consent_version:
        raise AllocationError(_("Record consent before allocation."))


def _set_arm(
    session: Session, family: Family, arm: str, method: str, *, actor: str, now: dt.datetime,
    reason: str = "", audit: bool = True,
) -> None:
    """`audit=False` only where the caller's own audit entry names the allocation (enrolment)."""
    target = session.scalars(select(Arm).filter_by(study_id=family.study_id, code=arm)).first()
    if target is None:
        raise AllocationError(f"Unknown arm {arm!r}.")
    family.arm_id, family.allocated_at = target.id, family.allocated_at or now
    family.allocation_method = family.allocation_method or method
    session.add(AllocationRecord(family_id=family.id, arm_code=arm, method=method, at=now, actor=actor,
                                 reason=reason))
    if audit:
        record(session, now=now, actor=actor, action=f"allocation_{method}", subject=family.pseudonym,
               arm=arm)
    session.flush()


# The sequence rules' refusal a family can meet (portal.protocol.allocation), marked for the catalogue.
_STRATUM_REFUSAL = N_("the study stratifies by the child's age: record the birth month")
