"""One parent's withdrawal: stop contact (undoable), resume contact, or erase their answers."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal import registry
from portal.contacts import contact_book
from portal.db import db
from portal.staff import access, scope
from portal.staff import parent_withdrawal as service
from portal.staff.access import roles
from portal.staff.blueprint import staff
from portal.staff.enrolment import commit_both
from portal.staff.i18n import _


@staff.route("/respondents/<pseudonym>/withdraw", methods=["GET", "POST"])
@roles("coordinator")
def withdraw_parent(pseudonym: str) -> ResponseReturnValue:
    user = access.current_user()
    respondent = scope.respondent_or_404(db.session, user, pseudonym)
    errors: dict[str, str] = {}
    if request.method == "POST":
        chosen = request.form.get("scope", "")
        try:
            if chosen == "erase" and request.form.get("confirm", "").strip().upper() != respondent.pseudonym:
                raise service.ParentWithdrawalRefused("confirm", _("Type the parent's pseudonym to confirm."))
            if chosen == "resume":
                service.resume_parent(db.session, respondent, user, reason=request.form.get("reason", ""),
                                      now=registry.now())
            else:
                service.withdraw_parent(db.session, respondent, user, scope=chosen,
                                        reason=request.form.get("reason", ""), now=registry.now())
        except service.ParentWithdrawalRefused as problem:
            db.session.rollback()
            contact_book().session.rollback()
            errors[problem.field] = str(problem)
        else:
            commit_both()
            flash(_done(chosen))
            return redirect(url_for("staff.family", pseudonym=respondent.family.pseudonym))
    return render_template("staff/withdraw_parent.html", respondent=respondent, form=request.form,
                           errors=errors), 400 if errors else 200


def _done(scope: str) -> str:
    return {
        "stop_contact": _("Contact with this parent is stopped; the other parent carries on."),
        "resume": _("Contact with this parent is resumed; their next messages are planned again."),
        "erase": _("This parent's answers and contact details are erased."),
    }[scope]
