"""Concealed allocation sequences: permuted blocks of random size, stratified by site and, where the
study file names it, the child's age group.

Pure: a seed, a stratum and the arms in, a list of places out. The same seed always gives the same
sequence, and a longer sequence begins with the shorter one, so the data manager can reproduce (or
extend) the whole sequence from the seed alone. Block sizes are one, two or three full rounds of the
ratio (2, 4 or 6 for 1:1), drawn with equal chance, so the end of a block cannot be counted to.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from portal.protocol.model import AgeStratum, Arm, Protocol

BLOCK_MULTIPLES = (1, 2, 3)  # blocks of one, two or three full rounds of the ratio: 2, 4 and 6 for 1:1
MIN_SEED = 8


class AllocationSequenceError(ValueError):
    """A sequence that cannot be made (no arms, a seed too short to be secret)."""


@dataclass(frozen=True, slots=True)
class Slot:
    stratum: str
    position: int  # 1-based, in the order families are allocated
    block: int  # 1-based
    block_size: int
    arm: str


def block_sizes(arms: Sequence[Arm]) -> tuple[int, ...]:
    round_size = sum(arm.ratio for arm in arms)
    return tuple(round_size * multiple for multiple in BLOCK_MULTIPLES)


def stratum_sequence(seed: str, stratum: str, arms: Sequence[Arm], length: int) -> list[Slot]:
    """At least `length` places for one stratum, in whole blocks."""
    if not arms:
        raise AllocationSequenceError("the study names no arms")
    if len(seed) < MIN_SEED:
        raise AllocationSequenceError(
            f"give a seed of at least {MIN_SEED} characters, kept secret from coordinators")
    # A string seed is hashed by random.seed (version 2): stable across runs and platforms.
    rng = random.Random(f"allocation|{seed}|{stratum}")
    sizes = block_sizes(arms)
    round_size = sum(arm.ratio for arm in arms)
    slots: list[Slot] = []
    block = 0
    while len(slots) < length:
        block += 1
        size = rng.choice(sizes)
        content = [arm.id for arm in arms for _ in range(arm.ratio * (size // round_size))]
        rng.shuffle(content)
        start = len(slots)
        slots.extend(Slot(stratum, start + i + 1, block, size, arm) for i, arm in enumerate(content))
    return slots


def strata(protocol: Protocol) -> list[str]:
    """Every stratum of the study: a site, or a site and an age group ("larvik|age:36-71")."""
    extra = protocol.allocation_stratum
    if extra is None:
        return [site.id for site in protocol.sites]
    return [f"{site.id}|{group}" for site in protocol.sites for group in extra.groups()]


def stratum_of(protocol: Protocol, site: str, child_age_months: int | None) -> str:
    extra = protocol.allocation_stratum
    if extra is None:
        return site
    if child_age_months is None:
        raise AllocationSequenceError("the study stratifies by the child's age: record the birth month")
    return f"{site}|{extra.group(child_age_months)}"


def generate(seed: str, strata_ids: Sequence[str], arms: Sequence[Arm], per_stratum: int) -> list[Slot]:
    return [slot for stratum in strata_ids for slot in stratum_sequence(seed, stratum, arms, per_stratum)]


def fingerprint(slots: Sequence[Slot]) -> str:
    """A short digest to compare a reproduced sequence with the stored one, without showing it."""
    text = "\n".join(f"{s.stratum}|{s.position}|{s.block}|{s.block_size}|{s.arm}" for s in slots)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


__all__ = ["AgeStratum", "AllocationSequenceError", "Slot", "fingerprint", "generate", "strata",
           "stratum_of", "stratum_sequence"]
