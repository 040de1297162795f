"""Recording a withdrawal, and the parent's access report."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal import registry
from portal.db import db
from portal.staff import access, scope
from portal.staff import withdrawal as service
from portal.staff.access import roles
from portal.staff.audit_words import action_words
from portal.staff.blueprint import staff
from portal.staff.enrolment import commit_both
from portal.staff.i18n import _


@staff.route("/families/<pseudonym>/withdraw", methods=["GET", "POST"])
@roles("coordinator")
def withdraw(pseudonym: str) -> ResponseReturnValue:
    user = access.current_user()
    family = scope.family_or_404(db.session, user, pseudonym)
    error = None
    if request.method == "POST":
        if request.form.get("confirm") != family.pseudonym:
            error = _("Type the family's pseudonym to confirm.")
        else:
            try:
                service.withdraw(db.session, family, user, scope=request.form.get("scope", ""),
                                 reason=request.form.get("reason", ""), now=registry.now())
            except service.WithdrawalError as problem:
                error = str(problem)
            else:
                commit_both()
                flash(_("The withdrawal is recorded."))
                return redirect(url_for("staff.family", pseudonym=family.pseudonym))
    return render_template("staff/withdraw.html", family=family, scopes=service.SCOPES, error=error), (
        400 if error else 200
    )


@staff.get("/respondents/<pseudonym>/access-report")
@roles("coordinator")
def access_report(pseudonym: str) -> str:
    user = access.current_user()
    respondent = scope.respondent_or_404(db.session, user, pseudonym)
    report = service.access_report(db.session, respondent, user, registry.now())
    db.session.commit()
    return render_template("staff/access_report.html", r=report, now=registry.now(),
                           action_words=action_words)
