"""What a parent can do with a link: look, start, choose a language, submit.

Answers live with the invitation on the server, so a parent can stop on one
device and finish on another. Every step checks the invitation's state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select, update
from sqlalchemy.orm import Session

from portal.families.models import Invitation, InvitationState, Respondent, Response, started_in_sql
from portal.families.packs import keep_packs
from portal.respond.answers import Answering, blocking
from portal.respond.paging import Page
from portal.security import hash_access_code, hash_token, looks_like_token, normalise_access_code

USABLE = (InvitationState.open, InvitationState.started)
ACCESS_CODE_CHARS = 8


class LinkUnusable(Exception):
    """Unknown, used, expired or withdrawn: the parent sees one neutral page for all of them."""


class CodeUnusable(Exception):
    """A typed access code that leads nowhere usable; one message for every reason."""


class AnswersMissing(Exception):
    """Submit refused: an instrument that allows no missing items has empty required items."""


def find_usable(session: Session, link_key: bytes, token: str, now: dt.datetime) -> Invitation:
    invitation = None
    if looks_like_token(token):
        invitation = session.scalars(
            select(Invitation).filter_by(token_hash=hash_token(link_key, token))
        ).first()
    if invitation is None or invitation.state(now) not in USABLE:
        raise LinkUnusable
    return invitation


def find_by_code(session: Session, link_key: bytes, code: str, now: dt.datetime) -> Invitation:
    cleaned = normalise_access_code(code)
    if len(cleaned) != ACCESS_CODE_CHARS or not cleaned.isalnum() or not cleaned.isascii():
        raise CodeUnusable
    invitation = session.scalars(
        select(Invitation).filter_by(access_code_hash=hash_access_code(link_key, cleaned))
    ).first()
    if invitation is None or invitation.state(now) not in USABLE:
        raise CodeUnusable
    return invitation


def start(invitation: Invitation, now: dt.datetime) -> None:
    invitation.start(now)


def set_language(connection: Connection, respondent_id: int, language: str) -> None:
    """The parent's choice on a page becomes their stored language, for pages and messages."""
    connection.execute(update(Respondent).where(Respondent.id == respondent_id).values(language=language))


def submit(connection: Connection, invitation: Answering, catalogue: Mapping[str, Any],
           pages: Sequence[Page], now: dt.datetime) -> bool:
    """Freeze every answered instrument and close the invitation; True if this call did it.

    The completion is one conditional UPDATE, so a double tap, a retry or a
    second tab cannot complete twice: the loser finds no row to change.
    """
    if invitation.completed_at is not None:
        return False
    if blocking(invitation, catalogue, pages):
        raise AnswersMissing
    closed = connection.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, started_in_sql(now))
        .values(completed_at=now)
    )
    if closed.rowcount != 1:
        return False
    connection.execute(
        update(Response)
        .where(Response.invitation_id == invitation.id, Response.status == "draft")
        .values(status="completed", completed_at=now)
    )
    keep_packs(connection, invitation.responses, catalogue)
    return True
