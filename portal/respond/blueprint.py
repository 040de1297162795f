"""The parent's blueprint and what every parent page shares: who is answering, texts, errors."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request, session
from flask_babel import refresh
from werkzeug.exceptions import TooManyRequests

from portal import i18n, registry
from portal.db import db
from portal.families.models import Invitation, InvitationState
from portal.respond import answers
from portal.respond.answers import ParentInvitation, Visit
from portal.respond.interview import interviewer_present
from portal.respond.service import USABLE, LinkUnusable

respond = Blueprint("respond", __name__)


@respond.before_request
def _gets_only_read() -> None:
    """A parent's GET changes nothing (a link scanner must not spend or alter a link): its session
    refuses writes."""
    if request.method in ("GET", "HEAD"):
        db.read_only()

# The session a parent's Start (or a coordinator's interview) opens: one invitation only, at the
# link generation it was opened with (a revoked link ends it).
INVITATION, MODE, ENTERED_BY, SUPPORT = "invitation", "mode", "entered_by", "support"
GENERATION = "generation"
VISIT_KEYS = (INVITATION, MODE, ENTERED_BY, SUPPORT, GENERATION)
THANKED = "thanked"  # the invitation whose wave this browser has just sent


def begin_visit(invitation: Invitation) -> None:
    """Start answering `invitation` in this browser, in place of any earlier visit or interview.

    Only the visit's own keys are replaced: a coordinator trying a parent's link in the
    browser they work in stays signed in to the workspace.
    """
    end_visit()
    session.permanent = True  # PERMANENT_SESSION_LIFETIME: short-lived; the link brings the parent back
    session[INVITATION] = invitation.id
    session[MODE] = "web"
    session[GENERATION] = invitation.token_generation
    # This browser keeps the parent's language, also on the neutral page after they have sent.
    session[i18n.SESSION_LANGUAGE] = invitation.respondent.language


def current_visit() -> Visit | None:
    invitation_id = session.get(INVITATION)
    if not isinstance(invitation_id, int):
        return None
    entered_by = session.get(ENTERED_BY)
    mode = "interview" if session.get(MODE) == "interview" else "web"
    return Visit(invitation_id, mode, entered_by if isinstance(entered_by, int) else None)


def end_visit() -> None:
    for key in VISIT_KEYS:
        if key in session:  # a pop of a missing key would still rewrite the cookie
            session.pop(key)


def thank_for(visit: Visit, invitation_id: int) -> None:
    """The wave is sent: the visit ends (nothing more can be read or saved in this browser) and the
    end page knows what it thanks for; an interview's end page keeps its banner and way back."""
    end_visit()
    if visit.mode == "interview":
        session[MODE], session[ENTERED_BY] = visit.mode, visit.entered_by
    session[THANKED] = invitation_id


def current_invitation(allow_completed: bool = False) -> tuple[Visit, ParentInvitation]:
    """The visit and its invitation, while the visit holds: the link not revoked since it began, the
    window open, the wave not sent, and an interview's coordinator still signed in. Else the visit ends."""
    visit = current_visit()
    invitation = answers.load(db.session, visit.invitation_id) if visit else None
    allowed = (*USABLE, InvitationState.completed) if allow_completed else USABLE
    if visit is None or invitation is None or invitation.state(registry.now()) not in allowed \
            or session.get(GENERATION) != invitation.generation \
            or (visit.mode == "interview" and not interviewer_present(visit.entered_by)):
        end_visit()
        raise LinkUnusable
    use_language(invitation.language)
    return visit, invitation


def use_language(language: str | None) -> None:
    """The parent's stored language comes first on every page about their invitation (None: the
    browser's language again), also if Flask-Babel already chose a locale in this request."""
    if language is None:
        g.pop("locale", None)
    else:
        g.locale = i18n.known(language) or i18n.DEFAULT
    refresh()


def study_text(texts: dict[str, str]) -> tuple[str, str]:
    """(text, its language): the parent's language, else the study's default language."""
    protocol, locale = registry.protocol(), i18n.current()
    for language in (locale, protocol.default_language):
        if texts.get(language):
            return texts[language], language
    language, text = next(iter(texts.items()))
    return text, language


def render(template: str, **context: Any) -> str:
    help_text, help_lang = study_text(registry.protocol().help_text)
    public_name, name_lang = study_text(registry.protocol().public_name)
    return render_template(
        template, public_name=public_name, public_name_lang=name_lang, help_text=help_text,
        help_lang=help_lang, here=_here(), language_switch=True, **context,
    )


def _here() -> str:
    path = request.full_path if request.query_string else request.path
    return path if request.method == "GET" else request.path


@respond.errorhandler(LinkUnusable)
def neutral_page(_error: LinkUnusable) -> tuple[str, int]:
    """Unknown, used, expired and withdrawn links look exactly alike, in the browser's language."""
    use_language(None)
    return render("respond/neutral.html"), 404


@respond.errorhandler(TooManyRequests)
def too_many(_error: TooManyRequests) -> tuple[str, int]:
    return render("respond/too_many.html"), 429
