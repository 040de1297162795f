"""Interview mode framed: while a coordinator enters a parent's answers, every parent page carries a
banner in the coordinator's language (the items stay in the language the parent hears), with the
way back to the family page. Registered from the staff side, so the parent pages import nothing of
the workspace; they only show the banner they are handed.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, request, session, url_for
from flask_babel import force_locale

from portal.db import db
from portal.families.models import Invitation
from portal.respond.interview import CHECK as INTERVIEW_CHECK
from portal.staff.access import signed_in_user
from portal.staff.i18n import Names, _, account_language
from portal.staff.models import StaffUser

# the parent pages' session keys that staff.interview sets (portal.respond.blueprint's contract)
INVITATION, MODE, ENTERED_BY, THANKED = "invitation", "mode", "entered_by", "thanked"


@dataclass(frozen=True, slots=True)
class InterviewBanner:
    language: str
    text: str
    back: str
    back_url: str


def interview_banner() -> InterviewBanner | None:
    """The banner for this parent page, or None when no coordinator is interviewing."""
    if request.blueprint != "respond" or session.get(MODE) != "interview":
        return None
    # on the end page the visit is over, and the sent invitation is the one thanked for
    invitation_id, staff_id = session.get(INVITATION, session.get(THANKED)), session.get(ENTERED_BY)
    if not isinstance(invitation_id, int) or not isinstance(staff_id, int):
        return None
    invitation, user = db.session.get(Invitation, invitation_id), db.session.get(StaffUser, staff_id)
    if invitation is None or user is None:
        return None
    language = account_language(user.language)
    respondent = invitation.respondent
    with force_locale(language):
        text = _("Interview with %(respondent)s (family %(family)s), wave %(wave)s",
                 respondent=respondent.pseudonym, family=respondent.family.pseudonym,
                 wave=Names(language).wave(invitation.wave))
        back = _("Back to the family page")
    return InterviewBanner(language, text, back,
                           url_for("staff.family", pseudonym=respondent.family.pseudonym))


def interviewer_present(entered_by: int) -> bool:
    """Whether this browser's staff session is live and is the interviewing coordinator's; an
    interview page counts as activity in it."""
    user = signed_in_user()
    return user is not None and user.id == entered_by and user.role == "coordinator"


def end() -> None:
    """Signing out ends an interview in this browser: the parent pages no longer accept its answers."""
    if session.get(MODE) == "interview":
        for key in (INVITATION, MODE, ENTERED_BY):
            session.pop(key, None)


def configure(blueprint: Blueprint) -> None:
    blueprint.record_once(lambda state: state.app.extensions.setdefault(INTERVIEW_CHECK, interviewer_present))

    @blueprint.app_context_processor
    def _interview() -> dict[str, object]:
        banner = interview_banner()
        return {"interview": banner} if banner else {}
