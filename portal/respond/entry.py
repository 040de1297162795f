"""Ways in: the link (look, then Start), the typed access code, and the language switch.

A GET of a link changes nothing (mail and SMS scanners open links); Start
is a CSRF-protected POST that opens a short-lived session for that one
invitation. The link keeps working until the wave is submitted or closes.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import i18n, registry
from portal.db import db
from portal.families.models import Invitation
from portal.respond import answers, paging, service, throttle
from portal.respond.blueprint import begin_visit, current_invitation, render, respond, use_language
from portal.respond.pages import pages_of
from portal.security import client_address

SECONDS_PER_ITEM = 12  # a generous pace for a parent reading in a second language


@respond.get("/s/<token>")
def link(token: str) -> str:
    invitation = service.find_usable(db.session, registry.settings().link_key, token, registry.now())
    use_language(invitation.respondent.language)
    items = sum(len(registry.catalogue()[i].items) for i in invitation.instruments)
    return render(
        "respond/start.html", token=token, resume=invitation.started_at is not None,
        minutes=max(1, math.ceil(items * SECONDS_PER_ITEM / 60)),
    )


@respond.post("/s/<token>")
def start(token: str) -> WerkzeugResponse:
    invitation = service.find_usable(db.session, registry.settings().link_key, token, registry.now())
    return _enter(invitation)


@respond.get("/s")
def code_form() -> str:
    return render("respond/code.html", code="", error=False)


@respond.post("/s")
def code_entry() -> str | WerkzeugResponse | tuple[str, int]:
    typed = request.form.get("code", "")[:40]
    now, link_key = registry.now(), registry.settings().link_key
    attempt = throttle.Attempt.of(link_key, typed, client_address())
    if throttle.too_many(db.session, attempt, now):
        raise TooManyRequests
    try:
        invitation = service.find_by_code(db.session, link_key, typed, now)
    except service.CodeUnusable:
        throttle.note_failure(db.session, attempt, now)
        db.session.commit()
        return render("respond/code.html", code=typed, error=True), 200
    return _enter(invitation)


def _enter(invitation: Invitation) -> WerkzeugResponse:
    """Start (or carry on with) the invitation and go to the first page with an empty question."""
    service.start(invitation, registry.now())
    db.session.commit()
    begin_visit(invitation)
    started = answers.load(db.session, invitation.id)
    assert started is not None  # just started, in this request
    number = paging.first_unanswered(pages_of(started.instruments), answers.by_instrument(started))
    return redirect(url_for("respond.page", number=number) if number else url_for("respond.review"))


@respond.post("/language")
def language() -> WerkzeugResponse:
    """Store the parent's choice: on the respondent when the page is about their invitation."""
    chosen = i18n.known(request.form.get("lang"))
    back = _safe_path(request.form.get("next", ""))
    if chosen:
        session[i18n.SESSION_LANGUAGE] = chosen
        respondent_id = _respondent_of(back)
        if respondent_id is not None:
            service.set_language(db.session, respondent_id, chosen)
            db.session.commit()
    return redirect(back, 303)


def _respondent_of(path: str) -> int | None:
    """Whose language this is: the respondent of the link or of the visit the page belonged to."""
    parts = urlsplit(path).path.strip("/").split("/")
    try:
        if len(parts) == 2 and parts[0] == "s":
            return service.find_usable(db.session, registry.settings().link_key, parts[1],
                                       registry.now()).respondent_id
        if parts[0] == "q":
            return current_invitation(allow_completed=True)[1].respondent_id
    except service.LinkUnusable:
        g.pop("locale", None)
    return None


def _safe_path(raw: str) -> str:
    """Only a path on this site: never a way to send a parent elsewhere."""
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return url_for("respond.code_form")
    return raw
