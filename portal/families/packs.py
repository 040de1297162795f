"""Which translation pack each answer was shown in: kept at submit, read before a pack may change."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, update
from sqlalchemy.orm import Session

from portal.families.models import Response


@dataclass(frozen=True, slots=True)
class Recorded:
    """Answers in one instrument and language, by the pack version they were kept with (None: none kept)."""

    version: str | None
    hash: str | None
    responses: int


def keep_packs(connection: Connection, drafts: Iterable[Any], catalogue: Any) -> None:
    """Freeze each submitted draft with the version and hash of the pack its language came from."""
    for draft in drafts:
        pack = catalogue.pack(draft.instrument_id, draft.language)
        if pack is not None:
            connection.execute(update(Response).where(Response.id == draft.id)
                               .values(pack_version=pack.version, pack_hash=pack.hash))


def recorded_packs(session: Session, instrument_id: str, language: str) -> list[Recorded]:
    rows = session.execute(
        select(Response.pack_version, Response.pack_hash, func.count())
        .where(Response.instrument_id == instrument_id, Response.language == language)
        .group_by(Response.pack_version, Response.pack_hash)
        .order_by(Response.pack_version)
    )
    return [Recorded(version, hash_, count) for version, hash_, count in rows]
