"""Schedules that bend: extend one window, correct a family's baseline date."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal import registry
from portal.db import db
from portal.staff import access, casework, scope, windows
from portal.staff.access import roles
from portal.staff.blueprint import staff
from portal.staff.i18n import _, moment_words, ngettext


@staff.route("/invitations/<int:invitation_id>/extend", methods=["GET", "POST"])
@roles("coordinator")
def extend_window(invitation_id: int) -> ResponseReturnValue:
    user = access.current_user()
    invitation = scope.invitation_or_404(db.session, user, invitation_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            windows.extend(db.session, invitation, user, last_day=request.form.get("last_day", ""),
                           reason=request.form.get("reason", ""), now=registry.now())
        except windows.WindowRefused as refused:
            db.session.rollback()
            errors = refused.errors
        else:
            db.session.commit()
            flash(_("The window now stays open through %(day)s.",
                    day=moment_words(casework.last_open_day(invitation), "date")))
            return redirect(url_for("staff.family", pseudonym=invitation.respondent.family.pseudonym))
    return render_template("staff/extend_window.html", invitation=invitation, form=request.form,
                           errors=errors, last_day=casework.last_open_day(invitation)), 400 if errors else 200


@staff.route("/families/<pseudonym>/baseline", methods=["GET", "POST"])
@roles("coordinator")
def correct_baseline(pseudonym: str) -> ResponseReturnValue:
    user = access.current_user()
    family = scope.family_or_404(db.session, user, pseudonym)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            moved = windows.correct_baseline(
                db.session, family, user, baseline=request.form.get("baseline", ""),
                reason=request.form.get("reason", ""), now=registry.now())
        except windows.WindowRefused as refused:
            db.session.rollback()
            errors = refused.errors
        else:
            db.session.commit()
            flash(ngettext("Baseline corrected; %(num)d invitation not yet opened was re-planned.",
                           "Baseline corrected; %(num)d invitations not yet opened were re-planned.",
                           len(moved)))
            return redirect(url_for("staff.family", pseudonym=family.pseudonym))
    return render_template("staff/baseline.html", family=family, form=request.form, errors=errors), (
        400 if errors else 200)
