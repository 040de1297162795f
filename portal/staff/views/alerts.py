"""The alert list, resolving an alert with a note, and the open-alert count in every page's menu."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import registry
from portal.audit import record
from portal.contacts import ContactDetails, contact_book
from portal.db import db
from portal.families.models import Family
from portal.staff import access, scope
from portal.staff import alerts as service
from portal.staff.access import roles
from portal.staff.blueprint import staff
from portal.staff.forms import ResolveForm
from portal.staff.i18n import _
from portal.staff.models import StaffUser


@staff.app_template_global("open_alerts")
def open_alerts() -> int:
    """The menu's count: open alerts at the account's sites (none for analysts). Asked by the layout
    only, so a page without the menu (the database-unavailable page) does not query."""
    user: StaffUser | None = g.get("staff_user")
    if user is None or user.role not in ("admin", "coordinator"):
        return 0
    return service.open_alert_count(db.session, scope.visible_sites(user))


def contacts_for(rows: list[service.AlertRow], user: StaffUser) -> dict[str, ContactDetails | None]:
    """Name and phone beside each alert, for coordinators; each respondent's read is audited."""
    if user.role != "coordinator":
        return {}
    book, now = contact_book(), registry.now()
    shown = sorted({row.respondent for row in rows if row.respondent and row.alert.resolved_at is None})
    for pseudonym in shown:
        record(db.session, now=now, actor=user.actor, action="contacts_viewed", subject=pseudonym,
               page="alerts")
    db.session.commit()
    return {pseudonym: book.get(pseudonym) for pseudonym in shown}


@staff.get("/alerts")
@roles("admin", "coordinator")
def alerts() -> str:
    user = access.current_user()
    rows = service.open_and_recent(db.session, scope.visible_sites(user))
    return render_template(
        "staff/alerts.html", alerts=rows, contacts=contacts_for(rows, user),
        may_resolve=user.role == "coordinator",
    )


@staff.post("/alerts/<int:alert_id>/resolve")
@roles("coordinator")
def resolve_alert(alert_id: int) -> WerkzeugResponse:
    user = access.current_user()
    alert = service.alert_in_sites(db.session, alert_id, scope.visible_sites(user))
    if alert is None:
        abort(404)
    form = ResolveForm()
    form.validate()
    try:
        service.resolve(db.session, alert, user, registry.now(), form.note.data or "")
    except service.AlertError as problem:
        db.session.rollback()
        flash(_("The alert is still open. %(why)s", why=problem))
    else:
        db.session.commit()
        flash(_("Alert marked as resolved."))
    if form.back.data == "family":
        family = db.session.get(Family, alert.family_id)
        return redirect(url_for("staff.family", pseudonym=family.pseudonym if family else "") + "#alerts")
    return redirect(url_for("staff.alerts"))
