"""Turning typed-in answers into the mapping the scoring engine takes."""

from __future__ import annotations

from .model import Instrument


def parse_values(instrument: Instrument, values: str) -> dict[str, int | None]:
    """`3,3,,2,2` -> codes in item order; an empty place is a missing answer.

    Raises ValueError with a message meant for the person who typed it.
    """
    parts = [part.strip() for part in values.split(",")]
    if len(parts) != len(instrument.items):
        raise ValueError(
            f"--values has {len(parts)} places but {instrument.id} has {len(instrument.items)} items"
        )
    answers: dict[str, int | None] = {}
    for position, (item, part) in enumerate(zip(instrument.items, parts, strict=True), start=1):
        if part == "":
            answers[item.id] = None
            continue
        try:
            answers[item.id] = int(part)
        except ValueError:
            raise ValueError(
                f"--values place {position} ({item.id}) is '{part}', not a whole-number code"
            ) from None
    return answers
