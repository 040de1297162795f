"""What a parent can do with a link: look, start, save answers, submit.

Answers live with the invitation on the server, so a parent can stop on one
device and finish on another. Every step checks the invitation's state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.families.models import Invitation, InvitationState, Response
from portal.security import hash_token, looks_like_token

USABLE = (InvitationState.open, InvitationState.started)


class LinkUnusable(Exception):
    """Unknown, used, expired or withdrawn: the parent sees one neutral page for all of them."""


def find_usable(session: Session, link_key: bytes, token: str, now: dt.datetime) -> Invitation:
    invitation = None
    if looks_like_token(token):
        invitation = session.scalars(
            select(Invitation).filter_by(token_hash=hash_token(link_key, token))
        ).first()
    if invitation is None or invitation.state(now) not in USABLE:
        raise LinkUnusable
    return invitation


def start(session: Session, invitation: Invitation, now: dt.datetime) -> None:
    invitation.start(now)


def save_answers(
    session: Session, invitation: Invitation, instrument: Any, answers: Mapping[str, Any],
    language: str, now: dt.datetime, mode: str = "web",
) -> Response:
    """Keep the parent's answers for one instrument as a draft, replacing earlier ones."""
    if invitation.state(now) is not InvitationState.started:
        raise LinkUnusable
    response = _response(session, invitation, instrument.id)
    if response is None:
        response = Response(
            instrument_id=instrument.id, instrument_version=instrument.version, language=language,
            mode=mode, answers={}, started_at=now,
        )
        invitation.responses.append(response)
    response.answers = {**response.answers, **answers}
    response.language = language
    return response


def submit(session: Session, invitation: Invitation, now: dt.datetime) -> None:
    """Freeze every answered instrument and close the invitation.

    A second submit (double tap, retry, another tab) finds the invitation
    completed and changes nothing.
    """
    if invitation.state(now) is InvitationState.completed:
        return
    invitation.complete(now)
    for response in invitation.responses:
        response.status, response.completed_at = "completed", now


def _response(session: Session, invitation: Invitation, instrument_id: str) -> Response | None:
    return next((r for r in invitation.responses if r.instrument_id == instrument_id), None)
