"""Concealed allocation sequences: stratified by site, permuted blocks of varying size.

Pure: a seed, a site and the arms in, a list of slots out. The same seed always
gives the same sequence, and a longer sequence begins with the shorter one, so a
data manager can reproduce (or extend) what the portal holds from the seed alone.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from portal.protocol.model import Arm

BLOCK_MULTIPLES = (1, 2)  # blocks of one or two full rounds of the ratio: 2 and 4 for 1:1


class AllocationSequenceError(ValueError):
    """A sequence that cannot be made (no arms, a seed too short to be secret)."""


@dataclass(frozen=True, slots=True)
class Slot:
    site: str
    position: int  # 1-based, in the order families are allocated
    block: int  # 1-based
    block_size: int
    arm: str


def block_sizes(arms: Sequence[Arm]) -> tuple[int, ...]:
    round_size = sum(arm.ratio for arm in arms)
    return tuple(round_size * multiple for multiple in BLOCK_MULTIPLES)


def site_sequence(seed: str, site: str, arms: Sequence[Arm], length: int) -> list[Slot]:
    """At least `length` slots for one site, in whole blocks."""
    if not arms:
        raise AllocationSequenceError("the study names no arms")
    if len(seed) < 8:
        raise AllocationSequenceError("give a seed of at least 8 characters, kept secret from coordinators")
    # A string seed is hashed by random.seed (version 2): stable across runs and platforms.
    rng = random.Random(f"allocation|{seed}|{site}")
    sizes = block_sizes(arms)
    slots: list[Slot] = []
    block = 0
    while len(slots) < length:
        block += 1
        size = rng.choice(sizes)
        rounds = size // sum(arm.ratio for arm in arms)
        content = [arm.id for arm in arms for _ in range(arm.ratio * rounds)]
        rng.shuffle(content)
        start = len(slots)
        slots.extend(Slot(site, start + i + 1, block, size, arm) for i, arm in enumerate(content))
    return slots


def generate(seed: str, sites: Sequence[str], arms: Sequence[Arm], per_site: int) -> list[Slot]:
    return [slot for site in sites for slot in site_sequence(seed, site, arms, per_site)]


def fingerprint(slots: Sequence[Slot]) -> str:
    """A short digest to compare a reproduced sequence with the stored one, without showing it."""
    text = "\n".join(f"{s.site}|{s.position}|{s.block}|{s.block_size}|{s.arm}" for s in slots)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
