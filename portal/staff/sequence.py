"""The concealed sequence in the database: each place's arm and block sealed with the allocation key.

The key lives outside the database (PORTAL_ALLOCATION_KEY), so a database or backup reader sees only
strata, positions and ciphertext. The seed stays with the data manager: `allocation generate` seals
the places it makes, `allocation check` makes the whole sequence again from the seed and compares it
with every sealed place and every family allocated from one.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections import defaultdict
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.protocol import allocation as pure
from portal.protocol.model import Protocol
from portal.staff.i18n import N_, _
from portal.staff.records import AllocationRecord, AllocationSlot


class AllocationError(ValueError):
    """An allocation that cannot be made; the message says what to do."""


NO_KEY = N_("the portal has no allocation key (PORTAL_ALLOCATION_KEY); the data manager sets it "
          "before the sequence is generated")


class Seal:
    """AES-GCM over (arm, block, block size), bound to the place's stratum and position."""

    def __init__(self, key: bytes | None) -> None:
        if key is None:
            raise AllocationError(_(NO_KEY))
        self._aead = AESGCM(key[:32])

    def seal(self, slot: pure.Slot) -> str:
        nonce = os.urandom(12)
        body = json.dumps([slot.arm, slot.block, slot.block_size]).encode()
        return base64.b64encode(nonce + self._aead.encrypt(nonce, body, _bound(slot.stratum, slot.position)))\
            .decode()

    def open(self, place: AllocationSlot) -> pure.Slot:
        raw = base64.b64decode(place.sealed or "")
        try:
            body = self._aead.decrypt(raw[:12], raw[12:], _bound(place.stratum, place.position))
        except InvalidTag:
            raise AllocationError(f"place {place.position} of {place.stratum} does not open with this "
                                  "allocation key (another key, or the row was changed)") from None
        arm, block, size = json.loads(body)
        return pure.Slot(place.stratum, place.position, block, size, arm)


def _bound(stratum: str, position: int) -> bytes:
    return f"allocation|{stratum}|{position}".encode()


@dataclass(frozen=True, slots=True)
class SequenceReport:
    stratum: str
    slots: int
    added: int
    fingerprint: str
    checked: int = 0  # sealed places that agree with the seed
    allocated: int = 0  # families allocated from a sealed place whose arm agrees


def generate_sequence(
    session: Session, protocol: Protocol, *, key: bytes | None, seed: str, per_stratum: int, actor: str,
    now: dt.datetime,
) -> list[SequenceReport]:
    """Seal the sequence from the seed; where places are stored they must come from the same seed."""
    seal = Seal(key)
    reports = []
    for stratum in pure.strata(protocol):
        wanted = pure.stratum_sequence(seed, stratum, protocol.arms, per_stratum)
        stored = _stored(session, stratum)
        _compare(seal, stratum, wanted, stored)
        fresh = [slot for slot in wanted if slot.position not in stored]
        session.add_all(AllocationSlot(stratum=s.stratum, position=s.position, sealed=seal.seal(s))
                        for s in fresh)
        reports.append(SequenceReport(stratum, len(stored) + len(fresh), len(fresh),
                                      pure.fingerprint(wanted)))
    record(session, now=now, actor=actor, action="allocation_sequence_generated",
           strata={r.stratum: r.slots for r in reports})
    return reports


def check_sequence(
    session: Session, protocol: Protocol, *, key: bytes | None, seed: str, actor: str, now: dt.datetime
) -> list[SequenceReport]:
    """Make the whole sequence again from the seed and compare it with every stored place and the arm of
    every family allocated from one; raises on the first difference, changes nothing."""
    seal = Seal(key)
    arms = _allocated_arms(session)
    reports = []
    for stratum in pure.strata(protocol):
        stored = _stored(session, stratum)
        wanted = pure.stratum_sequence(seed, stratum, protocol.arms, max(stored, default=0))
        _compare(seal, stratum, wanted, stored)
        agreeing = [p for p in stored.values() if p.sealed and p.family_id is not None]
        for place in agreeing:
            if arms.get(place.family_id or 0) != wanted[place.position - 1].arm:
                raise AllocationError(f"{stratum}: the family at place {place.position} has another arm than "
                                      "the sequence gives (was it corrected? see allocation records)")
        sealed = [p for p in stored.values() if p.sealed]
        reports.append(SequenceReport(stratum, len(stored), 0, pure.fingerprint(wanted[:len(stored)]),
                                      checked=len(sealed), allocated=len(agreeing)))
    record(session, now=now, actor=actor, action="allocation_sequence_checked",
           strata={r.stratum: r.checked for r in reports})
    return reports


def _stored(session: Session, stratum: str) -> dict[int, AllocationSlot]:
    return {s.position: s for s in session.scalars(select(AllocationSlot).filter_by(stratum=stratum))}


def _compare(seal: Seal, stratum: str, wanted: list[pure.Slot], stored: dict[int, AllocationSlot]) -> None:
    for slot in wanted:
        held = stored.get(slot.position)
        if held is not None and held.sealed and seal.open(held) != slot:
            raise AllocationError(f"{stratum}: the stored sequence was made from another seed; "
                                  "nothing was changed")


def _allocated_arms(session: Session) -> dict[int, str]:
    """Family id -> its first allocated arm (the sequence's, before any correction)."""
    first: dict[int, str] = {}
    rows = session.execute(select(AllocationRecord.family_id, AllocationRecord.arm_code)
                           .order_by(AllocationRecord.id))
    for family_id, arm in rows:
        first.setdefault(family_id, arm)
    return first


def places_left(session: Session) -> dict[str, int]:
    """Unused places per stratum (counts only: for the CSV import's check)."""
    left: dict[str, int] = defaultdict(int)
    for stratum in session.scalars(select(AllocationSlot.stratum).where(AllocationSlot.family_id.is_(None))):
        left[stratum] += 1
    return dict(left)

