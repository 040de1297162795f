"""Over many seeds, block sizes and arms come out as designed: chi-square against fixed critical values.

scipy is not a dependency: the statistic is computed by hand, the critical values are the chi-square
distribution's upper 0.1 % points (df 1: 10.828, df 2: 13.816). The seeds are fixed, so the test
gives the same answer every run; a biased draw (say sizes 2 and 4 only, or the first place of a block
favouring one arm) lands far above them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from portal.protocol.allocation import stratum_sequence
from portal.protocol.model import Arm

ARMS = (Arm("family_partner", 1), Arm("usual_services", 1))
UNEVEN = (Arm("family_partner", 2), Arm("usual_services", 1))
CRITICAL = {1: 10.828, 2: 13.816}
SEEDS = [f"balance seed {n:04d}" for n in range(400)]


def chi_square(observed: Mapping[object, int], expected: Mapping[object, float]) -> float:
    return sum((observed.get(key, 0) - share) ** 2 / share for key, share in expected.items())


def first_blocks(arms: tuple[Arm, ...], blocks: int = 10) -> list[list[str]]:
    """The first `blocks` blocks of each seed's larvik sequence, as lists of arms."""
    found = []
    for seed in SEEDS:
        slots = stratum_sequence(seed, "larvik", arms, 6 * 3 * blocks)
        for number in range(1, blocks + 1):
            found.append([s.arm for s in slots if s.block == number])
    return found


def test_block_sizes_two_four_and_six_are_equally_likely() -> None:
    blocks = first_blocks(ARMS)
    sizes = Counter(len(block) for block in blocks)
    expected = {size: len(blocks) / 3 for size in (2, 4, 6)}
    assert set(sizes) == {2, 4, 6}
    assert chi_square(sizes, expected) < CRITICAL[2]


def test_every_block_holds_the_arms_in_the_ratio_and_its_first_place_is_a_fair_draw() -> None:
    for arms, shares in ((ARMS, {"family_partner": 1 / 2, "usual_services": 1 / 2}),
                         (UNEVEN, {"family_partner": 2 / 3, "usual_services": 1 / 3})):
        blocks = first_blocks(arms)
        for block in blocks:
            counts = Counter(block)
            assert counts["family_partner"] * shares["usual_services"] == counts["usual_services"] * shares[
                "family_partner"]
        firsts = Counter(block[0] for block in blocks)
        expected = {arm: len(blocks) * share for arm, share in shares.items()}
        assert chi_square(firsts, expected) < CRITICAL[1]


def test_a_biased_sequence_would_fail_the_same_test() -> None:
    """The test can fail: blocks of 2 and 4 only are far outside the critical value."""
    biased = Counter({2: 2000, 4: 2000})
    assert chi_square(biased, {size: 4000 / 3 for size in (2, 4, 6)}) > CRITICAL[2]
