"""The enrolment form: one family, one or two respondents, checked like a CSV batch of one."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from portal import registry
from portal.db import db
from portal.families.consent import COVERS
from portal.protocol.model import ROLES
from portal.staff import access, scope
from portal.staff.access import roles
from portal.staff.batch import BatchRejected, enrol_rows
from portal.staff.blueprint import staff
from portal.staff.i18n import _
from portal.staff.intake import Problem
from portal.staff.models import StaffUser
from portal.staff.outlook import site_places

PERSON_FIELDS = ("respondent_role", "language", "name", "phone", "email", "consent_date")
FAMILY_FIELDS = ("site", "child_birth_month", "consent_version")


def form_rows(form: MultiDict[str, str]) -> list[tuple[int, dict[str, str]]]:
    """Respondent 1 always; respondent 2 when any of their fields is filled in."""
    family = {f: form.get(f, "") for f in FAMILY_FIELDS}
    arm = form.get("arm", "portal")
    family.update(family_ref="form", arm=arm if arm in registry.protocol().arm_ids() else "")
    rows = []
    for number in (1, 2):
        person = {f: form.get(f"r{number}_{f}", "") for f in PERSON_FIELDS}
        person["consent_covers"] = " ".join(c for c in COVERS if form.get(f"r{number}_consent_{c}")) or "none"
        if number == 1 or any(person[f].strip() for f in ("name", "phone", "email")):
            rows.append((number, {**family, **person}))
    return rows


def field_errors(problems: list[Problem]) -> dict[str, str]:
    """Each problem beside its field: the form's rows are numbered 1 and 2 like its respondents."""
    errors: dict[str, str] = {}
    for problem in problems:
        family_wide = problem.column in (*FAMILY_FIELDS, "arm", "family_ref", "file")
        name = problem.column if family_wide else f"r{problem.line}_{problem.column}"
        errors.setdefault(name, problem.message)
    return errors


@staff.route("/enrol", methods=["GET", "POST"])
@roles("coordinator")
def enrol() -> ResponseReturnValue:
    user = access.current_user()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.form.get("site") not in scope.visible_sites(user):
            errors = {"site": _("Choose one of your sites.")}
        else:
            try:
                done = enrol_rows(form_rows(request.form), actor=user.actor, now=registry.now(),
                                  allocate_missing=request.form.get("arm", "portal") == "portal")
            except BatchRejected as rejected:
                db.session.rollback()
                errors = field_errors(rejected.problems)
            else:
                flash(_("Family %(family)s enrolled; every wave is scheduled.", family=done[0].family))
                return redirect(url_for("staff.family", pseudonym=done[0].family))
    return render_template("staff/enrol.html", **form_context(user), errors=errors, form=request.form,
                           posted=request.method == "POST"), 400 if errors else 200


def form_context(user: StaffUser) -> dict[str, object]:
    protocol = registry.protocol()
    sites = scope.visible_sites(user)
    return {
        "sites": sites, "site_names": {s.id: s.name for s in protocol.sites},
        "languages": protocol.languages, "roles": ROLES, "arms": protocol.arm_ids(),
        "without_sequence": [s for s in sites if site_places(db.session, s) == 0],
        "today": registry.now().astimezone(protocol.timezone).date().isoformat(),
    }
