"""A parent's answers: saved per instrument as a draft, safety flags, what is still empty."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, cast

from sqlalchemy import CursorResult, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from portal.families.models import Alert, Invitation, InvitationState, Respondent, Response, invitation_state
from portal.measures import Instrument, score
from portal.messaging.on_call import raise_alert
from portal.respond.paging import Page

# instrument flag -> the alert the coordinator workspace lists
SAFETY_FLAGS = {"item9_positive": "phq9_item9"}


class NotEditable(Exception):
    """The invitation is not started or was already submitted: answers are frozen."""


class SavedMeanwhile(Exception):
    """The draft changed since it was read (another tab saved or submitted it, a double tap created
    it first): read it again and merge once more, so neither save's answers are lost."""


@dataclass(frozen=True, slots=True)
class Visit:
    """Who is answering: the parent on the web, or a coordinator in a phone interview."""

    invitation_id: int
    mode: str = "web"
    entered_by: int | None = None


@dataclass(frozen=True, slots=True)
class Missing:
    page: int
    instrument_id: str
    item_id: str
    blocks_submit: bool


@dataclass(frozen=True, slots=True)
class Draft:
    """One instrument's saved answers."""

    id: int
    instrument_id: str
    answers: Mapping[str, Any]
    language: str
    mode: str
    entered_by: int | None
    status: str
    revision: int
    pack_version: str | None = None  # the pack its first save was shown in (None: the instrument's own text)
    pack_hash: str | None = None
    pack_mixed: bool = False  # a later save was shown in other text than that pack


@dataclass(frozen=True, slots=True)
class ParentInvitation:
    """An invitation as the parent's pages read it: its dates, its respondent, its drafts.

    Plain values read in one Core query: every parent page needs all of it, and nothing is changed
    through it (saves go through save() and the service's conditional UPDATEs).
    """

    id: int
    wave: str
    instruments: Sequence[str]
    opens_at: dt.datetime
    closes_at: dt.datetime
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    withdrawn_at: dt.datetime | None
    respondent_id: int
    family_id: int
    language: str  # the respondent's stored language
    generation: int  # the link's generation: a revoked link's visit holds an older one
    responses: tuple[Draft, ...]

    def state(self, now: dt.datetime) -> InvitationState:
        return invitation_state(self, now)


# The columns in the order of the record's and Draft's fields; a wave without drafts yet has one row.
_INVITATION_COLUMNS = (
    Invitation.id, Invitation.wave, Invitation.instruments, Invitation.opens_at, Invitation.closes_at,
    Invitation.started_at, Invitation.completed_at, Invitation.withdrawn_at, Invitation.respondent_id,
    Respondent.family_id, Respondent.language, Invitation.token_generation)
_DRAFTS = (Response.id, Response.instrument_id, Response.answers, Response.language, Response.mode,
           Response.entered_by, Response.status, Response.revision, Response.pack_version, Response.pack_hash,
           Response.pack_mixed)
_INVITATION_FIELDS = [field.name for field in fields(ParentInvitation)][:len(_INVITATION_COLUMNS)]
_WITH_DRAFTS = (
    select(*_INVITATION_COLUMNS, *_DRAFTS)
    .join(Respondent, Respondent.id == Invitation.respondent_id)
    .outerjoin(Response, Response.invitation_id == Invitation.id)
    .where(Invitation.id == bindparam("invitation_id"))
    .order_by(Response.id)
)


def load(session: Session, invitation_id: int) -> ParentInvitation | None:
    """The invitation with its drafts, or None. Core rows on the session's connection (in its
    transaction): the ORM's row loading is not needed for plain values."""
    found = session.connection().execute(_WITH_DRAFTS, {"invitation_id": invitation_id})
    rows: Sequence[tuple[Any, ...]] = found.all()
    if not rows:
        return None
    split = len(_INVITATION_COLUMNS)
    drafts = tuple(Draft(*row[split:]) for row in rows if row[split] is not None)
    return ParentInvitation(**dict(zip(_INVITATION_FIELDS, rows[0], strict=False)), responses=drafts)


def by_instrument(invitation: ParentInvitation) -> dict[str, dict[str, Any]]:
    return {r.instrument_id: dict(r.answers) for r in invitation.responses}


def response_for(invitation: ParentInvitation, instrument_id: str) -> Draft | None:
    return next((r for r in invitation.responses if r.instrument_id == instrument_id), None)


_DRAFTS_TABLE = cast(Table, Response.__table__)
_NEW_DRAFT = insert(_DRAFTS_TABLE)  # the columns are the parameters
_CHANGED_DRAFT = update(_DRAFTS_TABLE).where(  # the SET columns are the parameters named after them
    _DRAFTS_TABLE.c.id == bindparam("draft_id"), _DRAFTS_TABLE.c.status == "draft",
    _DRAFTS_TABLE.c.revision == bindparam("read_revision"))


@dataclass(frozen=True, slots=True)
class Change:
    """What one save writes: an instrument's draft, and the safety flags its answers raise."""

    invitation: ParentInvitation
    instrument: Instrument
    draft: Draft | None  # as read; None: the instrument's first save
    written: Mapping[str, Any]  # the draft's answers, language, mode, entered_by
    raised: tuple[str, ...]
    pack: Mapping[str, Any]  # the pack columns written with it (see shown_pack)


def change(invitation: ParentInvitation, instrument: Instrument, answers: Mapping[str, Any],
           language: str, visit: Visit, now: dt.datetime, *, shown_elsewhere: bool = False) -> Change:
    """What saving `answers` for one instrument writes. NotEditable when the invitation or the draft
    as read is already closed. `shown_elsewhere`: the page was shown in other pack text than the
    portal serves now (it reloaded with a new pack between showing the page and its save)."""
    if invitation.state(now) is not InvitationState.started:
        raise NotEditable
    draft = response_for(invitation, instrument.id)
    if draft is not None and draft.status != "draft":
        raise NotEditable
    merged = {**(draft.answers if draft else {}), **answers}
    written = {"answers": merged, "language": language, "mode": visit.mode, "entered_by": visit.entered_by}
    pack = shown_pack(draft, instrument.packs.get(language), shown_elsewhere)
    return Change(invitation, instrument, draft, written, tuple(_raised_flags(instrument, merged)), pack)


def shown_pack(draft: Draft | None, shown: tuple[str, str] | None, shown_elsewhere: bool) -> dict[str, Any]:
    """The rule for the pack a response records, applied at each save: the response keeps the pack its
    first save was shown in (version and hash; none for the instrument's own text), and is marked mixed
    once a save was shown in anything else (another version, another language's pack or own text)."""
    version, hash_ = shown if shown is not None else (None, None)
    if draft is None:
        return {"pack_version": version, "pack_hash": hash_, "pack_mixed": shown_elsewhere}
    other = (draft.pack_version, draft.pack_hash) != (version, hash_) or shown_elsewhere
    return {"pack_mixed": draft.pack_mixed or other}


def save(session: Session, change: Change, now: dt.datetime) -> None:
    """Keep a change as the instrument's draft, with an alert for each raised flag, in the session's
    transaction: the alert commits with the answer that raised it, or neither does.

    A draft that was saved or submitted since it was read is not changed (the UPDATE requires the
    revision and the status read): SavedMeanwhile. A draft created meanwhile fails the INSERT
    (IntegrityError).
    """
    invitation, draft, written = change.invitation, change.draft, change.written
    if draft is None:
        session.execute(_NEW_DRAFT, {
            "invitation_id": invitation.id, "instrument_id": change.instrument.id, "status": "draft",
            "instrument_version": change.instrument.version, "started_at": now, **written, **change.pack})
    elif written != {"answers": draft.answers, "language": draft.language, "mode": draft.mode,
                     "entered_by": draft.entered_by}:  # Back without a change writes nothing
        changed = session.execute(_CHANGED_DRAFT, {
            "draft_id": draft.id, "read_revision": draft.revision, "revision": draft.revision + 1, **written,
            **change.pack})
        if cast(CursorResult[Any], changed).rowcount != 1:
            raise SavedMeanwhile
    for flag in change.raised:
        _alert_once(session, invitation, SAFETY_FLAGS[flag], now)


def _raised_flags(instrument: Instrument, answers: Mapping[str, Any]) -> list[str]:
    if not any(flag.id in SAFETY_FLAGS for flag in instrument.flags):
        return []
    flags = score(instrument, answers).flags
    return [name for name in SAFETY_FLAGS if flags.get(name)]


def _alert_once(session: Session, invitation: ParentInvitation, kind: str, now: dt.datetime) -> None:
    """One alert per invitation: the wave in `detail` tells the coordinator which one."""
    detail = f"wave {invitation.wave}"
    exists = session.execute(
        select(Alert.id).filter_by(kind=kind, respondent_id=invitation.respondent_id, detail=detail)
    ).first()
    if exists is None:
        raise_alert(session.connection(), family_id=invitation.family_id,
                    respondent_id=invitation.respondent_id, invitation_id=invitation.id, kind=kind,
                    detail=detail, now=now, tell_on_call=True)


def unanswered(invitation: ParentInvitation, catalogue: Mapping[str, Instrument],
               pages: Sequence[Page]) -> list[Missing]:
    saved = by_instrument(invitation)
    missing = []
    for page in pages:
        instrument = catalogue[page.instrument_id]
        given = saved.get(page.instrument_id, {})
        for item_id in page.item_ids:
            if given.get(item_id) is None:
                needed = not instrument.allow_missing and instrument.item(item_id).required
                missing.append(Missing(page.number, page.instrument_id, item_id, needed))
    return missing


def blocking(invitation: ParentInvitation, catalogue: Mapping[str, Instrument],
             pages: Sequence[Page]) -> list[Missing]:
    return [m for m in unanswered(invitation, catalogue, pages) if m.blocks_submit]
