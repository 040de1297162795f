"""What a parent can do with a link: look, start, choose a language, submit.

Answers live with the invitation on the server, so a parent can stop on one
device and finish on another. Every step checks the invitation's state.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.families.models import Alert, Invitation, InvitationState, Respondent, Response, started_in_sql
from portal.families.packs import keep_unrecorded_packs
from portal.measures import Instrument
from portal.respond import answers
from portal.respond.answers import ParentInvitation, Visit, blocking
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


def set_language(session: Session, respondent_id: int, language: str) -> None:
    """The parent's choice on a page becomes their stored language, for pages and messages."""
    session.execute(update(Respondent).where(Respondent.id == respondent_id).values(language=language))


SAVE_ATTEMPTS = 3  # each retry follows another save of the same draft that succeeded


def save_page(session: Session, visit: Visit, invitation: ParentInvitation, instrument: Instrument,
              page: Mapping[str, Any], language: str, now: dt.datetime, *, shown_elsewhere: bool = False
              ) -> bool:
    """Merge one page's answers into the instrument's draft and commit it with the alerts they raise;
    True when an alert was raised (the parent then sees the support text). The draft records the
    translation pack the page was shown in (`shown_elsewhere`: other pack text than served now).

    When another tab or a double tap saved the same draft since it was read (or created it first),
    read it again and merge once more. Answers submitted meanwhile are final: LinkUnusable.
    """
    attempts = SAVE_ATTEMPTS
    while True:
        try:
            change = answers.change(invitation, instrument, page, language, visit, now,
                                    shown_elsewhere=shown_elsewhere)
            answers.save(session, change, now)
            session.commit()
            return bool(change.raised)
        except answers.NotEditable:
            session.rollback()
            raise LinkUnusable from None
        except (answers.SavedMeanwhile, IntegrityError):
            session.rollback()
            attempts -= 1
            if not attempts:
                raise
        reread = answers.load(session, visit.invitation_id)
        if reread is None:
            raise LinkUnusable
        invitation = reread


def submit(session: Session, invitation: ParentInvitation, catalogue: Mapping[str, Instrument],
           pages: Sequence[Page], now: dt.datetime) -> bool:
    """Freeze every answered instrument and close the invitation; True if this call did it.

    The completion is one conditional UPDATE, so a double tap, a retry or a
    second tab cannot complete twice: the loser finds no row to change.
    """
    if invitation.completed_at is not None:
        return False
    if blocking(invitation, catalogue, pages):
        raise AnswersMissing
    closed = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, started_in_sql(now))
        .values(completed_at=now)
    )
    if cast(CursorResult[Any], closed).rowcount != 1:
        return False
    session.execute(
        update(Response)
        .where(Response.invitation_id == invitation.id, Response.status == "draft")
        .values(status="completed", completed_at=now)
    )
    keep_unrecorded_packs(session.connection(), invitation.responses, catalogue)
    return True


def raised_alert(session: Session, invitation_id: int) -> bool:
    """Did an answer in this invitation raise a safety alert (the parent then sees support again)?"""
    return session.scalar(select(Alert.id).where(Alert.invitation_id == invitation_id).limit(1)) is not None


def next_wave_opens(session: Session, respondent_id: int, after: dt.datetime) -> dt.datetime | None:
    """When this parent's next questionnaire opens (for the thanks page), or None when none lies ahead
    for them (none left, or contact stopped)."""
    return session.scalar(
        select(func.min(Invitation.opens_at)).join(Respondent)
        .where(Invitation.respondent_id == respondent_id, Invitation.opens_at > after,
               Invitation.withdrawn_at.is_(None), Invitation.completed_at.is_(None),
               Respondent.contact_stopped_at.is_(None))
    )
