"""How a wave's instruments become short pages. Pure: definitions in, pages out.

One instrument per page at most; a long one is split into nearly equal
parts of at most PAGE_SIZE items, so a phone screen never holds a wall of
questions and no last page carries a lone item.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from portal.measures import Instrument

PAGE_SIZE = 8


@dataclass(frozen=True, slots=True)
class Page:
    number: int  # 1-based, over the whole wave
    instrument_id: str
    item_ids: tuple[str, ...]
    part: int  # 1-based part of its instrument
    parts: int


def plan(instruments: Sequence[Instrument], size: int = PAGE_SIZE) -> list[Page]:
    pages: list[Page] = []
    for instrument in instruments:
        ids = [item.id for item in instrument.items]
        chunks = split(ids, size)
        for part, chunk in enumerate(chunks, start=1):
            pages.append(Page(len(pages) + 1, instrument.id, tuple(chunk), part, len(chunks)))
    return pages


def split(ids: Sequence[str], size: int) -> list[list[str]]:
    if not ids:
        return [[]]
    count = -(-len(ids) // size)
    base, extra = divmod(len(ids), count)
    chunks, start = [], 0
    for index in range(count):
        end = start + base + (1 if index < extra else 0)
        chunks.append(list(ids[start:end]))
        start = end
    return chunks


def first_unanswered(pages: Sequence[Page], answers: Mapping[str, Mapping[str, Any]]) -> int | None:
    """The number of the first page with an empty item, for a parent coming back; None if all done."""
    for page in pages:
        given = answers.get(page.instrument_id, {})
        if any(given.get(item_id) is None for item_id in page.item_ids):
            return page.number
    return None

