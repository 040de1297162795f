"""The enrolment form: one family, one or two respondents, checked like a CSV batch of one."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from portal import registry
from portal.db import db
from portal.protocol.model import ROLES
from portal.staff import access, scope
from portal.staff.access import roles
from portal.staff.batch import BatchRejected, enrol_rows
from portal.staff.blueprint import staff
from portal.staff.intake import Problem

PERSON_FIELDS = ("respondent_role", "language", "name", "phone", "email")
FAMILY_FIELDS = ("site", "child_birth_month", "consent_version")


def form_rows(form: MultiDict[str, str]) -> list[tuple[int, dict[str, str]]]:
    """Respondent 1 always; respondent 2 when any of their fields is filled in."""
    family = {f: form.get(f, "") for f in FAMILY_FIELDS}
    arm = form.get("arm", "portal")
    family.update(family_ref="form", arm=arm if arm in registry.protocol().arm_ids() else "")
    rows = []
    for number in (1, 2):
        person = {f: form.get(f"r{number}_{f}", "") for f in PERSON_FIELDS}
        if number == 1 or any(person[f].strip() for f in ("name", "phone", "email")):
            rows.append((number, {**family, **person}))
    return rows


@staff.route("/enrol", methods=["GET", "POST"])
@roles("coordinator")
def enrol() -> ResponseReturnValue:
    user = access.current_user()
    problems: list[Problem] = []
    if request.method == "POST":
        if request.form.get("site") not in scope.visible_sites(user):
            problems = [Problem(1, "site", "choose one of your sites")]
        else:
            try:
                done = enrol_rows(form_rows(request.form), actor=user.actor, now=registry.now(),
                                  allocate_missing=request.form.get("arm", "portal") == "portal")
            except BatchRejected as rejected:
                db.session.rollback()
                problems = rejected.problems
            else:
                flash(f"Family {done[0].family} enrolled; every wave is scheduled.")
                return redirect(url_for("staff.family", pseudonym=done[0].family))
    protocol = registry.protocol()
    return render_template(
        "staff/enrol.html", problems=problems, form=request.form, sites=scope.visible_sites(user),
        site_names={s.id: s.name for s in protocol.sites}, languages=protocol.languages, roles=ROLES,
        arms=protocol.arm_ids(),
    ), 400 if problems else 200
