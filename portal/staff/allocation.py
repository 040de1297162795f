"""Allocation: recorded from the trial's own service, or drawn from the concealed sequence.

An allocation is made once, after consent, and never edited: a correction is a
new record (and an audit entry) beside the first one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.families.models import Arm, Family, FamilyStatus
from portal.protocol import allocation as pure
from portal.protocol.model import Protocol
from portal.staff.records import AllocationRecord, AllocationSlot


class AllocationError(ValueError):
    """An allocation that cannot be made; the message says what to do."""


@dataclass(frozen=True, slots=True)
class SequenceReport:
    site: str
    slots: int
    added: int
    fingerprint: str


def generate_sequence(
    session: Session, protocol: Protocol, *, seed: str, per_site: int, actor: str, now: dt.datetime
) -> list[SequenceReport]:
    """Store the sequence from the seed; where one is stored, it must be the same one (extended)."""
    reports = []
    for site in protocol.sites:
        wanted = pure.site_sequence(seed, site.id, protocol.arms, per_site)
        stored = {s.position: s for s in session.scalars(select(AllocationSlot).filter_by(site_code=site.id))}
        for slot in wanted:
            held = stored.get(slot.position)
            if held is not None and (held.arm_code, held.block) != (slot.arm, slot.block):
                raise AllocationError(
                    f"site {site.id}: the stored sequence was made from another seed; nothing was changed"
                )
        fresh = [slot for slot in wanted if slot.position not in stored]
        session.add_all(
            AllocationSlot(site_code=s.site, position=s.position, block=s.block, block_size=s.block_size,
                           arm_code=s.arm) for s in fresh
        )
        total = len(stored) + len(fresh)
        reports.append(SequenceReport(site.id, total, len(fresh), pure.fingerprint(wanted)))
    record(session, now=now, actor=actor, action="allocation_sequence_generated",
           sites={r.site: r.slots for r in reports})
    return reports


def allocate(session: Session, family: Family, *, actor: str, now: dt.datetime, audit: bool = True) -> str:
    """Give the family the next unused place in its site's sequence."""
    _check_allocatable(family)
    slot = session.scalars(
        select(AllocationSlot)
        .where(AllocationSlot.site_code == family.site.code, AllocationSlot.family_id.is_(None))
        .order_by(AllocationSlot.position).limit(1).with_for_update(skip_locked=True)
    ).first()
    if slot is None:
        raise AllocationError(
            f"No allocation sequence is left for {family.site.name}. The data manager must create one; "
            "until then the family stays enrolled without an arm."
        )
    slot.family_id, slot.used_at = family.id, now
    _set_arm(session, family, slot.arm_code, "portal", actor=actor, now=now, audit=audit)
    return slot.arm_code


def places_left(session: Session, site_code: str) -> int:
    """How many families the site's sequence can still allocate (0 where none was created)."""
    return session.scalar(
        select(func.count(AllocationSlot.id)).where(
            AllocationSlot.site_code == site_code, AllocationSlot.family_id.is_(None)
        )
    ) or 0


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
        raise AllocationError("This family has no allocation to correct.")
    if not reason.strip():
        raise AllocationError("A correction needs a reason.")
    _set_arm(session, family, arm, "correction", actor=actor, now=now, reason=reason.strip())


def history(session: Session, family: Family) -> list[AllocationRecord]:
    return list(session.scalars(
        select(AllocationRecord).filter_by(family_id=family.id).order_by(AllocationRecord.id)
    ))


def site_balance(session: Session) -> dict[str, dict[str, int]]:
    """Allocated families per site and arm (for the data manager; never upcoming places)."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for slot in session.scalars(select(AllocationSlot).where(AllocationSlot.family_id.is_not(None))):
        counts[slot.site_code][slot.arm_code] += 1
    return {site: dict(arms) for site, arms in counts.items()}


def _check_allocatable(family: Family) -> None:
    if family.arm_id is not None:
        raise AllocationError("This family is already allocated; an allocation is never changed.")
    if family.status != FamilyStatus.active:
        raise AllocationError("This family has withdrawn; it is not allocated.")
    if not family.consent_version:
        raise AllocationError("Record consent before allocation.")


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
