"""The translation packs the exported answers were shown in, for the codebook and the manifest.

Read from the answers themselves (each keeps the version and hash of the pack
its first save was shown in; a response whose later saves were shown in other
text is marked mixed, see the codebook), so a pack replaced since still shows;
where the installed pack is the one the answers were kept with, its source,
licence and check are added.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.exports.variables import Frame
from portal.families.models import Invitation, Response


def packs_in_data(session: Session, frame: Frame, catalogue: Any) -> list[dict[str, Any]]:
    if not frame.instruments:
        return []
    kept = (Response.instrument_id, Response.language, Response.pack_version, Response.pack_hash)
    rows = session.execute(
        select(*kept).distinct()
        .join(Invitation, Invitation.id == Response.invitation_id)
        .where(Response.status == "completed", Response.pack_hash.is_not(None),
               Response.instrument_id.in_([i.id for i in frame.instruments]),
               Invitation.wave.in_(frame.waves))
        .order_by(*kept)
    )
    return [_described(catalogue, instrument, language, version or "", kept or "")
            for instrument, language, version, kept in rows]


def _described(catalogue: Any, instrument: str, language: str, version: str,
               kept_hash: str) -> dict[str, Any]:
    used = {"instrument": instrument, "language": language, "version": version, "hash": kept_hash}
    pack = catalogue.pack(instrument, language) if hasattr(catalogue, "pack") else None
    if pack is None or pack.hash != kept_hash:
        return {**used, "installed": False}
    return {**used, "installed": True, "source": pack.describe_source(), "licence": pack.licence,
            "translated_by": pack.translated_by, "checked_by": pack.checked_by, "checked_on": pack.checked_on}
