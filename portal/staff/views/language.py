"""Each account chooses the workspace's language (Norwegian bokmål or English)."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.audit import record
from portal.db import db
from portal.staff import access
from portal.staff.access import roles
from portal.staff.blueprint import staff
from portal.staff.i18n import LANGUAGES, _, refresh


@staff.post("/account/language")
@roles("admin", "coordinator", "analyst")
def set_language() -> WerkzeugResponse:
    user = access.current_user()
    chosen = request.form.get("language", "")
    if chosen not in LANGUAGES:
        flash(_("Choose Norwegian or English."))
    else:
        user.language = chosen
        record(db.session, now=registry.now(), actor=user.actor, action="staff_language_changed",
               subject=user.actor, language=chosen)
        db.session.commit()
        refresh(chosen)
        flash(_("The workspace now speaks your chosen language."))
    return redirect(url_for("staff.change_password"))
