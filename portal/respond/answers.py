"""A parent's answers: saved per instrument as a draft, safety flags, what is still empty."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.families.models import Alert, Invitation, InvitationState, Response
from portal.measures import score
from portal.respond.paging import Page

# instrument flag -> the alert the coordinator workspace lists
SAFETY_FLAGS = {"item9_positive": "phq9_item9"}


class NotEditable(Exception):
    """The invitation is not started or was already submitted: answers are frozen."""


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


def by_instrument(invitation: Invitation) -> dict[str, dict[str, Any]]:
    return {r.instrument_id: dict(r.answers) for r in invitation.responses}


def response_for(invitation: Invitation, instrument_id: str) -> Response | None:
    return next((r for r in invitation.responses if r.instrument_id == instrument_id), None)


def save(session: Session, invitation: Invitation, instrument: Any, answers: Mapping[str, Any],
         language: str, visit: Visit, now: dt.datetime) -> bool:
    """Keep answers for one instrument as a draft; True when the parent should see support text."""
    if invitation.state(now) is not InvitationState.started:
        raise NotEditable
    response = response_for(invitation, instrument.id)
    if response is None:
        response = Response(instrument_id=instrument.id, instrument_version=instrument.version,
                            language=language, mode=visit.mode, answers={}, status="draft", started_at=now)
        invitation.responses.append(response)
    if response.status != "draft":
        raise NotEditable
    response.answers = {**response.answers, **answers}
    response.language, response.mode, response.entered_by = language, visit.mode, visit.entered_by
    raised = _raised_flags(instrument, response.answers)
    for flag in raised:
        _alert_once(session, invitation, SAFETY_FLAGS[flag], now)
    return bool(raised)


def _raised_flags(instrument: Any, answers: Mapping[str, Any]) -> list[str]:
    if not any(flag.id in SAFETY_FLAGS for flag in instrument.flags):
        return []
    flags = score(instrument, answers).flags
    return [name for name in SAFETY_FLAGS if flags.get(name)]


def _alert_once(session: Session, invitation: Invitation, kind: str, now: dt.datetime) -> None:
    """One alert per invitation: the wave in `detail` tells the coordinator which one."""
    respondent = invitation.respondent
    detail = f"wave {invitation.wave}"
    exists = session.scalars(
        select(Alert.id).filter_by(kind=kind, respondent_id=respondent.id, detail=detail)
    ).first()
    if exists is None:
        session.add(Alert(kind=kind, family_id=respondent.family_id, respondent_id=respondent.id,
                          detail=detail, created_at=now))


def unanswered(invitation: Invitation, catalogue: Mapping[str, Any], pages: Sequence[Page]) -> list[Missing]:
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


def blocking(invitation: Invitation, catalogue: Mapping[str, Any], pages: Sequence[Page]) -> list[Missing]:
    return [m for m in unanswered(invitation, catalogue, pages) if m.blocks_submit]
