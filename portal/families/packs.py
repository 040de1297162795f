"""Which translation pack each answer was shown in: kept at each save (portal.respond.answers.shown_pack),
read before a pack may change."""

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


def keep_unrecorded_packs(connection: Connection, drafts: Iterable[Any], catalogue: Any) -> None:
    """At submit, a draft in a pack's language with no pack recorded was saved before packs were kept
    per save (revision 0012): nobody knows which version its pages were shown in, so it keeps the
    pack served now and is marked mixed, never passed off as answered in one known version."""
    for draft in drafts:
        pack = catalogue.pack(draft.instrument_id, draft.language)
        if pack is not None and draft.pack_hash is None and not draft.pack_mixed:
            connection.execute(update(Response).where(Response.id == draft.id)
                               .values(pack_version=pack.version, pack_hash=pack.hash, pack_mixed=True))


def recorded_packs(session: Session, instrument_id: str, language: str) -> list[Recorded]:
    rows = session.execute(
        select(Response.pack_version, Response.pack_hash, func.count())
        .where(Response.instrument_id == instrument_id, Response.language == language)
        .group_by(Response.pack_version, Response.pack_hash)
        .order_by(Response.pack_version)
    )
    return [Recorded(version, hash_, count) for version, hash_, count in rows]
