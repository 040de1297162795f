"""Benchmark: scoring instrument responses with the pure engine.

A pool of random responses (some answers missing, a few out of range) is
generated first, outside the timing, then scored round-robin in a realistic
mix of the shipped instruments until the target count is reached.
"""

from __future__ import annotations

import random
import time
from typing import Any

from portal.measures import Instrument, load_catalogue, score, shipped_instrument_dir

# Share of responses per instrument in a wave of the Family Partner trial:
# every parent answers the adult instruments, the child ones apply by age.
MIX = {"who5": 3, "phq9": 3, "gad7": 3, "pss": 2, "trust": 2, "psc17": 2, "apq9": 1}
POOL_PER_INSTRUMENT = 2_000
MISSING_RATE = 0.04
GARBAGE_RATE = 0.01


def _response(instrument: Instrument, rng: random.Random) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in instrument.items:
        draw = rng.random()
        if draw < MISSING_RATE:
            answers[item.id] = None
        elif draw < MISSING_RATE + GARBAGE_RATE:
            answers[item.id] = rng.choice([99, -1, "x", 2.5])
        else:
            answers[item.id] = rng.choice(item.codes())
    return answers


def _workload(rng: random.Random) -> list[tuple[Instrument, dict[str, Any]]]:
    catalogue = load_catalogue([shipped_instrument_dir()])
    pools = {key: [_response(catalogue[key], rng) for _ in range(POOL_PER_INSTRUMENT)] for key in MIX}
    weighted = [key for key, weight in MIX.items() for _ in range(weight)]
    keys = [rng.choice(weighted) for _ in range(50_000)]
    return [(catalogue[key], pools[key][i % POOL_PER_INSTRUMENT]) for i, key in enumerate(keys)]


def run(quick: bool = False) -> dict[str, Any]:
    responses = 20_000 if quick else 1_000_000
    workload = _workload(random.Random(20_240_601))
    size = len(workload)
    started = time.perf_counter()
    for index in range(responses):
        instrument, answers = workload[index % size]
        score(instrument, answers)
    seconds = time.perf_counter() - started
    rate = round(responses / seconds) if seconds else None
    return {
        "scenario": "scoring",
        "responses": responses,
        "seconds": round(seconds, 3),
        "responses_per_second": rate,
        "summary": f"{rate:,} responses/s ({responses:,} in {seconds:.1f} s)",
        "goal": "score 1,000,000 mixed responses; report responses per second",
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run()))
