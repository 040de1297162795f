"""A parent's answers: saved per instrument as a draft, safety flags, what is still empty."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, cast

from sqlalchemy import JSON, Connection, Table, bindparam, insert, literal, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import JSONB

from portal.db import Query
from portal.families import models
from portal.families.models import Alert, Invitation, InvitationState, Respondent, Response, invitation_state
from portal.measures import score
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


@dataclass(frozen=True, slots=True)
class Answering:
    """An invitation as the parent's pages read it: its marks, its respondent, its drafts.

    Plain values read in one query with SQLAlchemy Core: every parent page needs all of it, and
    building ORM objects for it cost more than the query itself. Changes go through save(),
    save_unread() and the service's conditional UPDATEs, never through this record.
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
    responses: tuple[Draft, ...]

    def state(self, now: dt.datetime) -> InvitationState:
        return invitation_state(self, now)


# The columns in the order of Answering's and Draft's fields; a wave without drafts yet has one row.
_MARKS = (Invitation.id, Invitation.wave, Invitation.instruments, Invitation.opens_at, Invitation.closes_at,
          Invitation.started_at, Invitation.completed_at, Invitation.withdrawn_at, Invitation.respondent_id,
          Respondent.family_id, Respondent.language)
_DRAFTS = (Response.id, Response.instrument_id, Response.answers, Response.language, Response.mode,
           Response.entered_by, Response.status, Response.revision)
_MARK_FIELDS = [field.name for field in fields(Answering)][:len(_MARKS)]
_ANSWERING = Query(
    select(*_MARKS, *_DRAFTS)
    .join(Respondent, Respondent.id == Invitation.respondent_id)
    .outerjoin(Response, Response.invitation_id == Invitation.id)
    .where(Invitation.id == bindparam("invitation_id"))
    .order_by(Response.id)
)


def load(connection: Connection, invitation_id: int) -> Answering | None:
    rows = _ANSWERING.all(connection, {"invitation_id": invitation_id})
    if not rows:
        return None
    split = len(_MARKS)
    drafts = tuple(Draft(*row[split:]) for row in rows if row[split] is not None)
    return Answering(**dict(zip(_MARK_FIELDS, rows[0], strict=False)), responses=drafts)


def by_instrument(invitation: Answering) -> dict[str, dict[str, Any]]:
    return {r.instrument_id: dict(r.answers) for r in invitation.responses}


def response_for(invitation: Answering, instrument_id: str) -> Draft | None:
    return next((r for r in invitation.responses if r.instrument_id == instrument_id), None)


# Built once, on the table: an ORM-enabled statement built per save cost a third of the save.
_DRAFTS_TABLE = cast(Table, Response.__table__)
_NEW_DRAFT = insert(_DRAFTS_TABLE)  # the columns are the parameters
_CHANGED_DRAFT = update(_DRAFTS_TABLE).where(  # the SET columns are the parameters named after them
    _DRAFTS_TABLE.c.id == bindparam("draft_id"), _DRAFTS_TABLE.c.status == "draft",
    _DRAFTS_TABLE.c.revision == bindparam("read_revision"))


@dataclass(frozen=True, slots=True)
class Change:
    """What one save writes: an instrument's merged answers, and the safety flags they raise."""

    invitation: Answering
    instrument: Any
    draft: Draft | None  # as read; None: the instrument's first save
    marks: Mapping[str, Any]  # answers, language, mode, entered_by
    raised: tuple[str, ...]


def change(invitation: Answering, instrument: Any, answers: Mapping[str, Any], language: str, visit: Visit,
           now: dt.datetime) -> Change:
    """What saving `answers` for one instrument writes. NotEditable when the invitation or the draft
    as read is already closed."""
    if invitation.state(now) is not InvitationState.started:
        raise NotEditable
    draft = response_for(invitation, instrument.id)
    if draft is not None and draft.status != "draft":
        raise NotEditable
    merged = {**(draft.answers if draft else {}), **answers}
    marks = {"answers": merged, "language": language, "mode": visit.mode, "entered_by": visit.entered_by}
    return Change(invitation, instrument, draft, marks, tuple(_raised_flags(instrument, merged)))


def save(connection: Connection, change: Change, now: dt.datetime) -> None:
    """Keep a change as the instrument's draft, with an alert for each raised flag.

    Each statement stands alone except the alerts, which must commit with the draft (see
    Database.together). A draft that was saved or submitted since it was read is not changed (the
    UPDATE requires the revision and the status read): SavedMeanwhile. A draft created meanwhile
    fails the INSERT (IntegrityError).
    """
    invitation, draft, marks = change.invitation, change.draft, change.marks
    if draft is None:
        connection.execute(_NEW_DRAFT, {
            "invitation_id": invitation.id, "instrument_id": change.instrument.id, "status": "draft",
            "instrument_version": change.instrument.version, "started_at": now, **marks})
    elif marks != {"answers": draft.answers, "language": draft.language, "mode": draft.mode,
                   "entered_by": draft.entered_by}:  # Back without a change writes nothing
        changed = connection.execute(_CHANGED_DRAFT, {
            "draft_id": draft.id, "read_revision": draft.revision, "revision": draft.revision + 1, **marks})
        if changed.rowcount != 1:
            raise SavedMeanwhile
    for flag in change.raised:
        _alert_once(connection, invitation, SAFETY_FLAGS[flag], now)


# PostgreSQL: a page's save in one statement, with nothing read before it. It checks what change()
# checks on a record read first: the invitation's row is selected only while it is started, and an
# existing draft is changed only while it is still a draft. The first save of an instrument inserts
# its draft; a later one merges the page into it (jsonb ||: the page's keys win, an emptied item
# stays as null, as in change()).
_PAGE = ("instrument_id", "instrument_version", "answers", "language", "mode", "entered_by")
_FIRST_SAVE = postgresql.insert(_DRAFTS_TABLE).from_select(
    ["invitation_id", "status", "started_at", *_PAGE],
    select(Invitation.id, literal("draft"), bindparam("now", type_=_DRAFTS_TABLE.c.started_at.type),
           *(bindparam(name, type_=_DRAFTS_TABLE.c[name].type) for name in _PAGE))
    .where(Invitation.id == bindparam("of_invitation"), models.started_in_sql(bindparam("now"))))
_PAGE_ROW = _FIRST_SAVE.excluded  # the row the INSERT would have added
_NEW_OR_MERGED = _FIRST_SAVE.on_conflict_do_update(
    index_elements=[_DRAFTS_TABLE.c.invitation_id, _DRAFTS_TABLE.c.instrument_id],
    set_={"answers": _DRAFTS_TABLE.c.answers.cast(JSONB).op("||")(_PAGE_ROW.answers.cast(JSONB)).cast(JSON),
          "language": _PAGE_ROW.language, "mode": _PAGE_ROW.mode, "entered_by": _PAGE_ROW.entered_by,
          "revision": _DRAFTS_TABLE.c.revision + 1},
    where=_DRAFTS_TABLE.c.status == "draft",
).execution_options(preserve_rowcount=True)  # SQLAlchemy keeps an INSERT's row count only when asked


def save_unread(connection: Connection, visit: Visit, instrument: Any, page: Mapping[str, Any],
                language: str, now: dt.datetime) -> bool:
    """Keep one page's answers in the instrument's draft in one statement (PostgreSQL only), for an
    instrument that raises no safety flag; False if no row changed: the invitation or the draft is
    closed. Unlike save(), a page with nothing new is written too."""
    if can_raise_alerts(instrument):
        raise ValueError("an alert commits with the answer that raised it: use change() and save()")
    kept = connection.execute(_NEW_OR_MERGED, {
        "of_invitation": visit.invitation_id, "now": now, "instrument_id": instrument.id,
        "instrument_version": instrument.version, "answers": page, "language": language, "mode": visit.mode,
        "entered_by": visit.entered_by})
    return kept.rowcount == 1


def can_raise_alerts(instrument: Any) -> bool:
    return any(flag.id in SAFETY_FLAGS for flag in instrument.flags)


def _raised_flags(instrument: Any, answers: Mapping[str, Any]) -> list[str]:
    if not can_raise_alerts(instrument):
        return []
    flags = score(instrument, answers).flags
    return [name for name in SAFETY_FLAGS if flags.get(name)]


def _alert_once(connection: Connection, invitation: Answering, kind: str, now: dt.datetime) -> None:
    """One alert per invitation: the wave in `detail` tells the coordinator which one."""
    detail = f"wave {invitation.wave}"
    exists = connection.execute(
        select(Alert.id).filter_by(kind=kind, respondent_id=invitation.respondent_id, detail=detail)
    ).first()
    if exists is None:
        raise_alert(connection, family_id=invitation.family_id, respondent_id=invitation.respondent_id,
                    invitation_id=invitation.id, kind=kind, detail=detail, now=now, tell_on_call=True)


def unanswered(invitation: Answering, catalogue: Mapping[str, Any], pages: Sequence[Page]) -> list[Missing]:
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


def blocking(invitation: Answering, catalogue: Mapping[str, Any], pages: Sequence[Page]) -> list[Missing]:
    return [m for m in unanswered(invitation, catalogue, pages) if m.blocks_submit]
