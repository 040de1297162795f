"""The parent's pages: link entry, one page per instrument, submit.

A GET of a link changes nothing (mail and SMS scanners open links); Start is
a POST that opens a short-lived session for that one invitation.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

import portal.registry as registry
from portal.db import db
from portal.families.models import Invitation, InvitationState
from portal.respond import forms, service
from portal.respond.service import LinkUnusable

respond = Blueprint("respond", __name__)
SESSION_KEY = "invitation"


@respond.errorhandler(LinkUnusable)
def neutral_page(_error: LinkUnusable) -> tuple[str, int]:
    """Unknown, used, expired and withdrawn links look exactly alike."""
    return render_template("respond/neutral.html", public_name=_public_name()), 404


@respond.get("/s/<token>")
def link(token: str) -> str:
    invitation = service.find_usable(db.session, registry.settings().link_key, token, registry.now())
    _use_language(invitation)
    return render_template(
        "respond/start.html", token=token, public_name=_public_name(),
        instrument_count=len(invitation.instruments),
    )


@respond.post("/s/<token>")
def start(token: str) -> WerkzeugResponse:
    invitation = service.find_usable(db.session, registry.settings().link_key, token, registry.now())
    service.start(db.session, invitation, registry.now())
    db.session.commit()
    session.clear()
    session[SESSION_KEY] = invitation.id
    return redirect(url_for("respond.page", number=1))


@respond.route("/q/<int:number>", methods=["GET", "POST"])
def page(number: int) -> str | WerkzeugResponse:
    invitation = _current_invitation()
    instruments = invitation.instruments
    if not 1 <= number <= len(instruments):
        abort(404)
    instrument = registry.catalogue()[instruments[number - 1]]
    language = forms.instrument_language(instrument, g.locale)
    saved = forms.saved_answers(invitation, instrument.id)
    if request.method == "POST":
        answers, errors = forms.parse(instrument, request.form)
        if not errors:
            service.save_answers(db.session, invitation, instrument, answers, language, registry.now())
            db.session.commit()
            target = number + 1 if number < len(instruments) else None
            return redirect(url_for("respond.page", number=target) if target else url_for("respond.review"))
        saved = {**saved, **answers}
    else:
        errors = {}
    return render_template(
        "respond/page.html", instrument=instrument, language=language, answers=saved, errors=errors,
        number=number, total=len(instruments), public_name=_public_name(),
    )


@respond.get("/q/review")
def review() -> str:
    invitation = _current_invitation()
    missing = forms.unanswered(invitation, registry.catalogue())
    return render_template(
        "respond/review.html", missing=missing, total=len(invitation.instruments),
        public_name=_public_name(),
    )


@respond.post("/q/submit")
def submit() -> WerkzeugResponse:
    invitation = _current_invitation(allow_completed=True)
    service.submit(db.session, invitation, registry.now())
    db.session.commit()
    return redirect(url_for("respond.thanks"))


@respond.get("/q/thanks")
def thanks() -> str:
    return render_template("respond/thanks.html", public_name=_public_name())


def _current_invitation(allow_completed: bool = False) -> Invitation:
    invitation_id = session.get(SESSION_KEY)
    invitation = db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    allowed = (*service.USABLE, InvitationState.completed) if allow_completed else service.USABLE
    if invitation is None or invitation.state(registry.now()) not in allowed:
        raise LinkUnusable
    _use_language(invitation)
    return invitation


def _use_language(invitation: Invitation) -> None:
    g.locale = invitation.respondent.language


def _public_name() -> str:
    from flask_babel import get_locale

    return registry.protocol().text(registry.protocol().public_name, str(get_locale()))
