"""One page per family: respondents, waves, notes, allocation; contacts for coordinators only."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.contacts import contact_book
from portal.db import db
from portal.families.models import Family
from portal.families.pseudonyms import normalise
from portal.staff import access, allocation, casework, outlook, scope
from portal.staff.access import roles
from portal.staff.blueprint import staff
from portal.staff.i18n import Names, _
from portal.staff.outlook import site_places


@staff.get("/families")
@roles("admin", "coordinator")
def find_family() -> WerkzeugResponse:
    wanted = normalise(request.args.get("pseudonym", ""))
    found = db.session.scalars(
        scope.families_in_scope(access.current_user()).where(Family.pseudonym == wanted)
    ).first()
    if found is None:
        flash(_("No family %(pseudonym)s at your sites. Check the code: the last character catches most "
                "typos.", pseudonym=wanted))
        return redirect(url_for("staff.call_list"))
    return redirect(url_for("staff.family", pseudonym=found.pseudonym))


@staff.get("/families/<pseudonym>")
@roles("admin", "coordinator")
def family(pseudonym: str) -> str:
    user = access.current_user()
    found = scope.family_or_404(db.session, user, pseudonym)
    contacts = {}
    if user.role == "coordinator":
        contacts = casework.view_contacts(db.session, found, user, registry.now())
        db.session.commit()
    return render_template(
        "staff/family.html", family=found, contacts=contacts, now=registry.now(),
        notes=casework.notes(db.session, found), sees_arm=user.sees_arm,
        is_coordinator=user.role == "coordinator", languages=registry.protocol().languages,
        last_day=casework.last_open_day,
        next_messages=outlook.next_messages(db.session, found),
    )


@staff.post("/families/<pseudonym>/notes")
@roles("coordinator")
def add_note(pseudonym: str) -> WerkzeugResponse:
    user = access.current_user()
    found = scope.family_or_404(db.session, user, pseudonym)
    try:
        casework.add_note(db.session, found, user, request.form.get("text", ""), registry.now())
    except casework.CaseworkError as problem:
        flash(str(problem))
    else:
        db.session.commit()
        flash(_("Note saved."))
    return redirect(url_for("staff.family", pseudonym=found.pseudonym) + "#notes")


@staff.get("/families/<pseudonym>/allocate")
@roles("coordinator")
def confirm_allocation(pseudonym: str) -> str:
    """Allocation cannot be undone: the coordinator confirms on a page of its own."""
    found = scope.family_or_404(db.session, access.current_user(), pseudonym)
    return render_template("staff/allocate.html", family=found,
                           places=site_places(db.session, found.site.code))


@staff.post("/families/<pseudonym>/allocate")
@roles("coordinator")
def allocate(pseudonym: str) -> WerkzeugResponse:
    user = access.current_user()
    found = scope.family_or_404(db.session, user, pseudonym)
    if request.form.get("confirm") != "yes":
        return redirect(url_for("staff.confirm_allocation", pseudonym=found.pseudonym))
    try:
        arm = allocation.allocate(db.session, found, protocol=registry.protocol(), actor=user.actor,
                                  key=registry.settings().allocation_key, now=registry.now())
    except allocation.AllocationError as problem:
        db.session.rollback()
        flash(str(problem))
    else:
        db.session.commit()
        flash(_("The family is allocated to %(arm)s.", arm=Names(g.locale).arm(arm)) if user.sees_arm else
              _("The family is allocated. Your account is blinded, so the arm is not shown."))
    return redirect(url_for("staff.family", pseudonym=found.pseudonym))


@staff.route("/respondents/<pseudonym>/contact", methods=["GET", "POST"])
@roles("coordinator")
def edit_contact(pseudonym: str) -> ResponseReturnValue:
    user = access.current_user()
    respondent = scope.respondent_or_404(db.session, user, pseudonym)
    if respondent.family.status == "erased":
        abort(404)
    book = contact_book()
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        try:
            details = casework.contact_details(
                form.get("name", ""), form.get("phone", ""), form.get("email", "")
            )
            casework.change_contact(db.session, respondent, user, details, form.get("language", ""),
                                    registry.now())
        except casework.ContactRefused as refused:
            errors = refused.errors
        else:
            db.session.commit()
            if book.session is not db.session:
                book.session.commit()
            flash(_("Contact details saved."))
            return redirect(url_for("staff.family", pseudonym=respondent.family.pseudonym))
    contact = None  # a refused change shows back what was typed, and reads nothing
    if request.method == "GET":
        contact = casework.read_contact(db.session, respondent, user, registry.now())
        db.session.commit()
    return render_template(
        "staff/edit_contact.html", respondent=respondent, contact=contact,
        form=request.form, errors=errors, languages=registry.protocol().languages,
    ), 400 if errors else 200
